//! `vigil identity`: replay the registry's detectors over a store (returning accounts, risk,
//! campaigns, coordination), persist links, risks, campaigns and clusters, optionally evaluate.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_store::SqliteStore;

/// Link returning accounts and score account risk over a store (and evaluate with --truth)
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Identity settings (TOML: [link], [risk], confirmed = [...])
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also compute the returning-account metric against this truth.json
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<Outcome> {
    if !a.db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", a.db.db.display())).into());
    }
    let cfg: vigil_identity::Config = match &a.config {
        Some(p) => {
            let s =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str(&s).with_context(|| format!("parsing {}", p.display()))?
        }
        None => vigil_identity::Config::default(),
    };
    let mut store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let (mut dets, campaign) = vigil_campaign::detectors_with_findings(Default::default());
    let (ids, identity) = vigil_identity::detectors_with_findings(cfg);
    dets.extend(ids);
    let t0 = std::time::Instant::now();
    let stats = vigil_detect::replay(&mut store, &mut dets).context("replaying posts")?;
    let secs = t0.elapsed().as_secs_f64();
    campaign
        .lock()
        .map_err(|_| anyhow::anyhow!("findings lock poisoned"))?
        .persist(&mut store)
        .context("writing campaigns and clusters")?;
    let f = identity
        .lock()
        .map_err(|_| anyhow::anyhow!("findings lock poisoned"))?
        .clone();
    f.persist(&mut store).context("writing links and risks")?;
    let mut out = serde_json::json!({
        "posts": stats.posts,
        "signals": stats.signals,
        "seconds": secs,
        "links": f.links.len(),
        "seeds": f.seeds,
        "comparisons": f.comparisons,
        "skipped_buckets": f.skipped_buckets,
        "risks": f.risks.len(),
        "review": f.risks.iter().filter(|r| r.action == vigil_identity::risk::Action::Review).count(),
        "auto_action": f.risks.iter().filter(|r| r.action == vigil_identity::risk::Action::AutoAction).count(),
    });
    if let Some(t) = &a.truth {
        let truth =
            vigil_sim::truth::load(t).with_context(|| format!("reading {}", t.display()))?;
        out["returning"] = serde_json::to_value(vigil_eval::returning_metrics(&store, &truth)?)?;
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(Outcome::Clean)
}
