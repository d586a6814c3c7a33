//! Re-export of the model's fast hash, used for duplicate detection within a run.

pub use vigil_model::fasthash::hash64 as fx64;
