//! Placeholder so the crate builds without the compare feature; see src/bin/compare_langid.rs.
