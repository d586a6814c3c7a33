//! `vigil simulate`: write a synthetic multi-platform world with its ground truth.

use crate::{Outcome, UsageError};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_sim::{Platform, SimConfig};

/// Simulate a world in each platform's own format, with truth.json
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output directory (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed: the same seed and knobs give byte-identical output
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of accounts across all platforms
    #[arg(long)]
    pub accounts: Option<u64>,
    /// Simulated hours
    #[arg(long)]
    pub hours: Option<u32>,
    /// Share of accounts in the extremist network (0..1)
    #[arg(long)]
    pub extremist_share: Option<f64>,
    /// Number of hashtag-flood campaigns
    #[arg(long)]
    pub campaigns: Option<u32>,
    /// Share of suspended actors who come back under a new account (0..1)
    #[arg(long)]
    pub return_rate: Option<f64>,
    /// Benign languages, comma-separated ISO 639-1 codes
    #[arg(long, value_delimiter = ',')]
    pub languages: Option<Vec<String>>,
    /// Platforms to write, comma-separated (twitter, facebook, vk, telegram)
    #[arg(long, value_delimiter = ',')]
    pub platforms: Option<Vec<String>>,
    /// A TOML scenario covering every knob; flags given as well override it
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

/// The configuration the flags describe.
pub fn config(a: &Args) -> Result<SimConfig> {
    let mut cfg = match &a.scenario {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError(format!("{}: {e}", p.display())))?;
            SimConfig::from_toml(&text).map_err(|e| UsageError(format!("{}: {e}", p.display())))?
        }
        None => SimConfig::default(),
    };
    if let Some(v) = a.seed {
        cfg.seed = v;
    }
    if let Some(v) = a.accounts {
        cfg.accounts = v;
    }
    if let Some(v) = a.hours {
        cfg.hours = v;
    }
    if let Some(v) = a.extremist_share {
        cfg.extremist_share = v;
    }
    if let Some(v) = a.campaigns {
        cfg.campaigns = v;
    }
    if let Some(v) = a.return_rate {
        cfg.return_rate = v;
    }
    if let Some(v) = &a.languages {
        cfg.languages = v.clone();
    }
    if let Some(v) = &a.platforms {
        cfg.platforms = v
            .iter()
            .map(|p| p.parse::<Platform>().map_err(|e| UsageError(e.to_string())))
            .collect::<Result<_, _>>()?;
    }
    cfg.validate().map_err(|e| UsageError(e.to_string()))?;
    Ok(cfg)
}

pub fn run(a: Args) -> Result<Outcome> {
    let cfg = config(&a)?;
    // known/ carries PDQ beside MD5 and SHA-256, as hash-sharing lists do.
    let pdq = vigil_banks::PdqKnownHasher;
    let summary = vigil_sim::simulate_with_hashers(&cfg, &a.out, &[&pdq])
        .with_context(|| format!("simulating into {}", a.out.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        eprintln!(
            "simulated {} accounts and {} posts ({} extremist, {} news/research/counter-speech accounts, {} campaigns) into {} in {:.1}s",
            summary.accounts_by_platform.values().sum::<u64>(),
            summary.posts,
            summary.extremist_accounts,
            summary.context_accounts,
            summary.campaigns,
            a.out.display(),
            summary.elapsed_s
        );
    }
    Ok(Outcome::Clean)
}
