//! `vigil audit verify`: check the hash-chained audit log and name every altered, removed or
//! reordered entry; `vigil audit head` prints the head hash to anchor elsewhere.

use crate::{DbArgs, Outcome};
use anyhow::{bail, Context, Result};
use vigil_cases::{Config, Service};
use vigil_store::SqliteStore;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Verify every entry and link; exit 1 when anything was tampered with
    Verify(VerifyArgs),
    /// Print the chain's head (sequence and hash), to publish as an external anchor
    Head(HeadArgs),
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A head hash published earlier: catches a chain rewritten wholesale
    #[arg(long)]
    pub expect_head: Option<String>,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct HeadArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

fn open(db: &DbArgs) -> Result<Service> {
    if !db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", db.db.display())).into());
    }
    let store =
        SqliteStore::open(&db.db).with_context(|| format!("opening {}", db.db.display()))?;
    Ok(Service::new(store, Config::default()))
}

pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Verify(a) => {
            let svc = open(&a.db)?;
            let t = std::time::Instant::now();
            let r = svc.verify_audit(a.expect_head.as_deref())?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                for p in &r.problems {
                    println!("{p}");
                }
                println!(
                    "{} entries checked in {:.2}s: {}",
                    r.entries,
                    t.elapsed().as_secs_f64(),
                    if r.ok { "chain intact" } else { "CHAIN BROKEN" }
                );
            }
            if !r.ok {
                bail!(
                    "audit chain verification failed ({} problem(s))",
                    r.problems.len()
                );
            }
            Ok(Outcome::Clean)
        }
        Command::Head(a) => {
            let svc = open(&a.db)?;
            let r = svc.verify_audit(None)?;
            match r.head {
                Some((seq, hash)) => println!("{seq} {hash}"),
                None => println!("0 {}", vigil_store::cases::AUDIT_GENESIS),
            }
            Ok(Outcome::Clean)
        }
    }
}
