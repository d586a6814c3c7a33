//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones).

use vigil_detect::Detector;

/// Every detector that needs no stored state, configured with defaults.
pub fn all() -> Vec<Box<dyn Detector>> {
    Vec::new()
}

/// The names of every detector a full pass runs (those of [`with_store`]).
pub fn names() -> Vec<&'static str> {
    let mut v = vec![vigil_banks::DETECTOR];
    v.extend(all().iter().map(|d| d.name()));
    v
}

/// Every detector, with those that load state from the store (hash banks) first: hash
/// matches are facts for later detectors.
pub fn with_store(store: &vigil_store::SqliteStore) -> anyhow::Result<Vec<Box<dyn Detector>>> {
    let mut v = vec![vigil_banks::detector_from_store(store)?];
    v.extend(all());
    Ok(v)
}
