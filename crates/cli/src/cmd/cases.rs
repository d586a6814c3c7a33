//! `vigil cases sync`: open and update review cases from the signals in the store.

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use vigil_cases::{Config, Service};
use vigil_store::SqliteStore;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Open and update cases from signals (idempotent)
    Sync(SyncArgs),
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Sync(a) => {
            let store = SqliteStore::open(&a.db.db)
                .with_context(|| format!("opening {}", a.db.db.display()))?;
            let mut svc = Service::new(store, Config::default());
            let st = svc.sync()?;
            println!("{}", serde_json::to_string(&st)?);
            Ok(Outcome::Clean)
        }
    }
}
