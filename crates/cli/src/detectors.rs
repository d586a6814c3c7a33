//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones), and what must be saved once they finish.

use anyhow::{Context, Result};
use vigil_detect::Detector;
use vigil_store::Store;

/// The detectors of one run and the work to do after they finish.
/// Where the engine's second detector stage starts (`vigil_engine::Config::second_stage`):
/// hash banks and the coordination/campaign pair (which share per-post features and cluster
/// members) run on the first stage; rules and the returning/risk pair (which share findings)
/// on the second. Across the split, detectors only see each other's facts and signals.
pub const SECOND_STAGE: &str = vigil_rules::DETECTOR;

pub struct Registry {
    pub detectors: Vec<Box<dyn Detector>>,
    campaign_findings: Option<vigil_campaign::FindingsHandle>,
    identity_findings: Option<std::sync::Arc<std::sync::Mutex<vigil_identity::Findings>>>,
}

impl Registry {
    /// Every detector, with the hash banks loaded from the store. Hash matches come first
    /// (facts for later detectors); rules come last so their conditions can read the facts
    /// every earlier detector left.
    pub fn with_store(store: &vigil_store::SqliteStore) -> Result<Registry> {
        let banks = vigil_banks::detector_from_store(store).context("loading hash banks")?;
        Ok(Registry::with_banks(Some(banks)))
    }

    fn with_banks(banks: Option<Box<dyn Detector>>) -> Registry {
        let mut detectors: Vec<Box<dyn Detector>> = banks.into_iter().collect();
        let (campaign, findings) =
            vigil_campaign::detectors_with_findings(vigil_campaign::Config::default());
        detectors.extend(campaign);
        match vigil_rules::detector(&vigil_rules::RulesConfig { pack: None }) {
            Ok(d) => detectors.push(d),
            // The starter pack ships inside the binary and is tested; failing to compile it is a bug.
            Err(e) => panic!("the built-in starter rule pack does not compile: {e}"),
        }
        // Returning accounts, then risk last: it reads every signal the others emitted.
        let (identity, identity_findings) =
            vigil_identity::detectors_with_findings(vigil_identity::Config::default());
        detectors.extend(identity);
        Registry {
            detectors,
            campaign_findings: Some(findings),
            identity_findings: Some(identity_findings),
        }
    }

    /// A hook that writes the detectors' findings so far (campaigns, clusters, links, risk)
    /// to a store: the engine runs it after each refresh (`vigil_engine::Config::after_refresh`),
    /// so a long-running stream's tables follow the data.
    pub fn persister(&self) -> std::sync::Arc<vigil_engine::AfterRefreshFn> {
        let campaign = self.campaign_findings.clone();
        let identity = self.identity_findings.clone();
        std::sync::Arc::new(move |store: &mut dyn Store| {
            persist(campaign.as_ref(), identity.as_ref(), store).map_err(|e| format!("{e:#}"))
        })
    }

    /// The names of the registered detectors.
    pub fn names(&self) -> Vec<&'static str> {
        self.detectors.iter().map(|d| d.name()).collect()
    }

    /// Persist what detectors found beyond signals (campaigns, clusters).
    pub fn finish(self, store: &mut dyn Store) -> Result<()> {
        persist(
            self.campaign_findings.as_ref(),
            self.identity_findings.as_ref(),
            store,
        )
    }
}

/// Write both detector families' findings.
fn persist(
    campaign: Option<&vigil_campaign::FindingsHandle>,
    identity: Option<&std::sync::Arc<std::sync::Mutex<vigil_identity::Findings>>>,
    store: &mut dyn Store,
) -> Result<()> {
    {
        if let Some(f) = campaign {
            let f = f
                .lock()
                .map_err(|_| anyhow::anyhow!("campaign findings lock poisoned"))?
                .clone();
            f.persist(store).context("writing campaigns and clusters")?;
        }
        if let Some(f) = identity {
            let f = f
                .lock()
                .map_err(|_| anyhow::anyhow!("identity findings lock poisoned"))?;
            f.persist(store).context("writing account links and risk")?;
        }
        Ok(())
    }
}

/// The names of every detector a full pass runs, for `vigil eval`.
pub fn names() -> Vec<&'static str> {
    let mut v = vec![vigil_banks::DETECTOR];
    v.extend(Registry::with_banks(None).names());
    v
}

/// Every detector that needs no stored state (no hash banks), for the benchmark.
pub fn all() -> Vec<Box<dyn Detector>> {
    Registry::with_banks(None).detectors
}
