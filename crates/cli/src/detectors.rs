//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones).

use vigil_detect::Detector;

/// Every detector that exists, configured with defaults. `risk` runs last: it reads every
/// signal the others emit.
pub fn all() -> Vec<Box<dyn Detector>> {
    let mut d = vigil_campaign::detectors(Default::default());
    d.extend(vigil_identity::detectors(Default::default()));
    d
}
