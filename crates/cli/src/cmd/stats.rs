//! `vigil stats`: counts per platform and kind.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use vigil_store::{SqliteStore, Store};

/// Print counts per platform and kind
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    if !a.db.db.exists() {
        return Err(crate::UsageError(format!(
            "no database at {} (run `vigil ingest` first, or pass --db)",
            a.db.db.display()
        ))
        .into());
    }
    let store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let st = store.stats()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&st)?);
    } else {
        println!(
            "{:<12} {:>12} {:>12} {:>12} {:>12}",
            "platform", "accounts", "posts", "media", "enforcement"
        );
        let mut tot = [0u64; 4];
        for p in &st.platforms {
            println!(
                "{:<12} {:>12} {:>12} {:>12} {:>12}",
                p.platform, p.accounts, p.posts, p.media, p.enforcement
            );
            for (t, v) in tot
                .iter_mut()
                .zip([p.accounts, p.posts, p.media, p.enforcement])
            {
                *t += v;
            }
        }
        println!(
            "{:<12} {:>12} {:>12} {:>12} {:>12}",
            "total", tot[0], tot[1], tot[2], tot[3]
        );
        println!("ingest runs: {}", st.ingest_runs);
    }
    Ok(Outcome::Clean)
}
