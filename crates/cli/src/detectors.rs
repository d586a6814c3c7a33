//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones).

use vigil_detect::Detector;

/// Every detector that exists, configured with defaults.
pub fn all() -> Vec<Box<dyn Detector>> {
    Vec::new()
}
