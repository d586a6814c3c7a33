//! `vigil campaigns`: run the campaign and coordination detectors over a store (event-time
//! replay), persist campaigns and clusters, and optionally evaluate against a world's truth.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_store::SqliteStore;

/// Detect campaigns and coordinated clusters in a store
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// A simulated world's truth.json to evaluate against
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Detector settings (TOML, any subset of vigil_campaign::Config)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    if !a.db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", a.db.db.display())).into());
    }
    let cfg: vigil_campaign::Config = match &a.config {
        Some(p) => {
            let s =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str(&s).with_context(|| format!("parsing {}", p.display()))?
        }
        None => vigil_campaign::Config::default(),
    };
    let mut store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let (mut dets, findings) = vigil_campaign::detectors_with_findings(cfg);
    let t0 = std::time::Instant::now();
    let stats = vigil_detect::replay(&mut store, &mut dets).context("replaying posts")?;
    let secs = t0.elapsed().as_secs_f64();
    let f = findings
        .lock()
        .map_err(|_| anyhow::anyhow!("findings lock poisoned"))?
        .take_for_persist();
    f.persist(&mut store)
        .context("writing campaigns and clusters")?;
    let mut out = serde_json::json!({
        "posts": stats.posts,
        "signals": stats.signals,
        "seconds": secs,
        "campaigns": f.campaigns.iter().filter(|c| c.extremist).count(),
        "bursts": f.campaigns.iter().filter(|c| !c.extremist).count(),
        "clusters_reported": f.clusters.iter().filter(|c| c.reported).count(),
        "clusters": f.clusters.len(),
        "edges": f.edges_total,
        "too_late": f.too_late,
        "tracked_keys": f.tracked_keys,
        "bytes_per_key": f.bytes_per_key,
    });
    if let Some(t) = &a.truth {
        let truth =
            vigil_sim::truth::load(t).with_context(|| format!("reading {}", t.display()))?;
        let (cm, co) = vigil_campaign::evaluate(&store, &truth)?;
        out["eval"] = serde_json::json!({"campaigns": cm, "coordination": co});
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(Outcome::Clean)
}
