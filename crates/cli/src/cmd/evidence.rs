//! `vigil evidence export CASE --out DIR`: write a case's preserved evidence with a manifest
//! of SHA-256 hashes; `vigil evidence purge` deletes what is past retention.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_cases::{Config, Service};
use vigil_store::SqliteStore;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Export one case's evidence package
    Export(ExportArgs),
    /// Delete evidence past its retention period
    Purge(PurgeArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Case id
    pub case: i64,
    /// Output directory (must not exist or be empty)
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(clap::Args, Debug)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "local".into())
    )
}

pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Export(a) => {
            let store = SqliteStore::open(&a.db.db)
                .with_context(|| format!("opening {}", a.db.db.display()))?;
            let mut svc = Service::new(store, Config::default());
            let m = vigil_cases::export_evidence(&mut svc, a.case, &a.out, &actor())
                .with_context(|| format!("exporting case {}", a.case))?;
            eprintln!(
                "wrote {} file(s) and manifest.json to {}",
                m.files.len(),
                a.out.display()
            );
            Ok(Outcome::Clean)
        }
        Command::Purge(a) => {
            let store = SqliteStore::open(&a.db.db)
                .with_context(|| format!("opening {}", a.db.db.display()))?;
            let mut svc = Service::new(store, Config::default());
            let n = svc.purge_evidence()?;
            eprintln!("purged {n} evidence item(s) past retention");
            Ok(Outcome::Clean)
        }
    }
}
