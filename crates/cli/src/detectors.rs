//! The detector registry: every detector `vigil ingest` runs, in the order they run (earlier
//! ones leave facts for later ones), and what must be saved once they finish.

use anyhow::{Context, Result};
use vigil_campaign::HarmHook;
use vigil_detect::Detector;
use vigil_store::Store;

/// Where the engine's second detector stage starts (`vigil_engine::Config::second_stage`):
/// hash banks and the coordination/campaign pair (which share per-post features and cluster
/// members) run on the first stage; rules and the returning/risk pair (which share findings)
/// on the second. Across the split, detectors only see each other's facts and signals.
pub const SECOND_STAGE: &str = vigil_rules::DETECTOR;

/// The detectors of one run and the work to do after they finish.
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
        // The campaign pair runs before the rules, so it reads the rule pack's verdicts on
        // each post through its hook: harm from the pack (and the indicator lexicon), and the
        // news, research and counter-speech context a rule gives — a report that quotes a
        // flood's hashtag is not evidence against its author or those who re-share it.
        // One compiled pack serves both: the hook and the rules detector.
        let rules = starter_engine();
        let config = vigil_campaign::Config::default();
        let lexicon = (!config.indicators.is_empty())
            .then(|| vigil_campaign::IndicatorLexicon::new(&config.indicators));
        let hook = rules_hook(rules.clone(), lexicon);
        let (campaign, findings) = vigil_campaign::detectors_with_hook(config, Some(hook));
        detectors.extend(campaign);
        detectors.push(Box::new(vigil_rules::RulesDetector::new(rules)));
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
    if let Some(f) = campaign {
        let f = f
            .lock()
            .map_err(|_| anyhow::anyhow!("campaign findings lock poisoned"))?
            .take_for_persist();
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

/// The starter rule pack as the campaign detectors' harm and context hook.
fn rules_hook(
    engine: std::sync::Arc<vigil_rules::RulesEngine>,
    lexicon: Option<vigil_campaign::IndicatorLexicon>,
) -> std::sync::Arc<dyn vigil_campaign::HarmHook> {
    std::sync::Arc::new(RulesHook {
        engine,
        lexicon,
        scratch: std::sync::Mutex::new(Default::default()),
    })
}

/// The shipped starter pack, compiled once.
fn starter_engine() -> std::sync::Arc<vigil_rules::RulesEngine> {
    match vigil_rules::starter_engine() {
        Ok(e) => std::sync::Arc::new(e),
        // The starter pack ships inside the binary and is tested; failing to compile it is a bug.
        Err(e) => panic!("the built-in starter rule pack does not compile: {e}"),
    }
}

/// Harm and context for the campaign detectors from a rule pack's live rules.
struct RulesHook {
    engine: std::sync::Arc<vigil_rules::RulesEngine>,
    lexicon: Option<vigil_campaign::IndicatorLexicon>,
    scratch: std::sync::Mutex<(vigil_rules::Scratch, Vec<u32>, Vec<vigil_model::Signal>)>,
}

impl HarmHook for RulesHook {
    fn harm(&self, obs: &vigil_detect::Observation<'_>, f: &vigil_campaign::TextView<'_>) -> f32 {
        self.assess(obs, f).0
    }

    fn assess(
        &self,
        obs: &vigil_detect::Observation<'_>,
        f: &vigil_campaign::TextView<'_>,
    ) -> (f32, bool) {
        let mut harm = self.lexicon.as_ref().map_or(0.0, |l| l.harm(obs, f));
        let mut context = false;
        let Ok(mut g) = self.scratch.lock() else {
            return (harm, context);
        };
        let (scratch, fired, out) = &mut *g;
        let pack = self.engine.current();
        let s = vigil_rules::Subject {
            post: obs.post,
            account: obs.account,
            text: obs.text,
            facts: obs.facts,
        };
        pack.evaluate(&s, scratch, fired);
        out.clear();
        pack.signals(&s, fired, scratch, out);
        for sig in out.iter().filter(|s| !s.shadow) {
            if sig.context.is_some() {
                context = true;
            } else if sig.category.is_some() && sig.weight.is_finite() {
                harm = harm.max(sig.weight.clamp(0.0, 1.0));
            }
        }
        (harm, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_detect::{Facts, Observation};
    use vigil_model::{Platform, Post};

    fn assess(text: &str) -> (f32, bool) {
        let hook = rules_hook(starter_engine(), None);
        let mut p = Post::new(
            Platform::Twitter,
            "1",
            "twitter:2".into(),
            1_402_704_000_000,
        );
        p.text = text.into();
        let t = vigil_text::analyze(text);
        let mut facts = Facts::default();
        let obs = Observation {
            post: &p,
            account: None,
            text: &t,
            facts: &mut facts,
        };
        hook.assess(
            &obs,
            &vigil_campaign::TextView {
                hashtag_keys: &[],
                words: &[],
            },
        )
    }

    #[test]
    fn the_campaign_hook_reads_harm_and_context_from_the_rule_pack() {
        // A flood hashtag alone: harm, no context.
        let (harm, ctx) = assess("#AllEyesOnISIS [placeholder]");
        assert!(harm >= 0.5, "{harm}");
        assert!(!ctx);
        // A news report quoting it: context (the campaign will not count it as evidence).
        let (_, ctx) = assess("[placeholder news report line 3] ISIS #AllEyesOnISIS");
        assert!(ctx);
        let (_, ctx) = assess("[заглушка строки новостей 25] ИГИЛ #AllEyesOnISIS");
        assert!(ctx, "Russian news vocabulary is context too");
        // Nothing at all.
        assert_eq!(assess("coffee morning match"), (0.0, false));
    }
}
