//! `vigil eval`: compare what vigil found with a simulated world's truth.

use crate::{DbArgs, Outcome, UsageError};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_store::SqliteStore;

/// Compare what vigil found (from the store) with a simulated world's truth.json
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The world's truth.json, written by `vigil simulate`
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    if !a.db.db.exists() {
        return Err(UsageError(format!(
            "no database at {} (run `vigil ingest` first, or pass --db)",
            a.db.db.display()
        ))
        .into());
    }
    let truth = vigil_sim::truth::load(&a.truth)
        .map_err(|e| UsageError(format!("{}: {e}", a.truth.display())))?;
    let store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let names = crate::detectors::names();
    let mut report = vigil_eval::evaluate(&store, &truth, &names)?;
    if names.contains(&"campaign") {
        let (cm, co) = vigil_campaign::evaluate(&store, &truth)?;
        report.campaigns = Some(vigil_eval::CampaignMetrics {
            precision: cm.precision,
            recall: cm.recall,
            median_detect_minutes: cm.median_detect_minutes,
            median_detect_posts: cm.median_detect_posts,
        });
        report.coordination = Some(vigil_eval::Prf::from_precision_recall(
            co.precision,
            co.recall,
        ));
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", vigil_eval::table(&report));
    }
    Ok(Outcome::Clean)
}
