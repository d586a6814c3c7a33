//! `vigil user add NAME --role R`: add a user and print their API token (shown once).

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use vigil_cases::{Config, Role, Service};
use vigil_store::SqliteStore;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Add a user and print their token; only its hash is stored
    Add(AddArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// User name: letters, digits, . _ - @
    pub name: String,
    /// moderator, analyst or admin
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Add(a) => {
            let role = Role::parse(&a.role).ok_or_else(|| {
                crate::UsageError(format!(
                    "unknown role {:?} (one of: moderator, analyst, admin)",
                    a.role
                ))
            })?;
            let store = SqliteStore::open(&a.db.db)
                .with_context(|| format!("opening {}", a.db.db.display()))?;
            let mut svc = Service::new(store, Config::default());
            let actor = format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "local".into())
            );
            let token = svc
                .add_user(&a.name, role, &actor)
                .with_context(|| format!("adding user {}", a.name))?;
            println!("{token}");
            Ok(Outcome::Clean)
        }
    }
}
