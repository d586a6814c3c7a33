//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones), and what must be saved once they finish.

use anyhow::{Context, Result};
use vigil_detect::Detector;
use vigil_store::Store;

/// The detectors of one run and the work to do after they finish.
pub struct Registry {
    pub detectors: Vec<Box<dyn Detector>>,
    campaign_findings: Option<vigil_campaign::FindingsHandle>,
}

impl Registry {
    /// Every detector that exists, configured with defaults.
    pub fn new() -> Registry {
        let mut detectors: Vec<Box<dyn Detector>> = Vec::new();
        let (campaign, findings) =
            vigil_campaign::detectors_with_findings(vigil_campaign::Config::default());
        detectors.extend(campaign);
        // Rules run last so their conditions can read the facts earlier detectors left.
        match vigil_rules::detector(&vigil_rules::RulesConfig { pack: None }) {
            Ok(d) => detectors.push(d),
            // The starter pack ships inside the binary and is tested; failing to compile it is a bug.
            Err(e) => panic!("the built-in starter rule pack does not compile: {e}"),
        }
        Registry {
            detectors,
            campaign_findings: Some(findings),
        }
    }

    /// The names of the registered detectors, for `vigil eval`.
    pub fn names(&self) -> Vec<&'static str> {
        self.detectors.iter().map(|d| d.name()).collect()
    }

    /// Persist what detectors found beyond signals (campaigns, clusters).
    pub fn finish(self, store: &mut dyn Store) -> Result<()> {
        if let Some(f) = self.campaign_findings {
            let f = f
                .lock()
                .map_err(|_| anyhow::anyhow!("campaign findings lock poisoned"))?
                .clone();
            f.persist(store).context("writing campaigns and clusters")?;
        }
        Ok(())
    }
}
