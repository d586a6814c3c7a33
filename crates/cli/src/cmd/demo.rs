//! `vigil demo`: the main job on the embedded default. Simulates a world, runs the whole
//! pipeline over it into SQLite, prints what was found against the truth, and serves the
//! console with a demo login.

use crate::input::{FormatArg, ReadArgs};
use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use vigil_cases::{Config, Role, Service};
use vigil_store::cases::CaseStore;
use vigil_store::SqliteStore;

/// Simulate a world, analyse it, report against its truth, and serve the console
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Working directory for the world and its database (recreated on each run)
    #[arg(long, default_value = "vigil-demo")]
    pub dir: PathBuf,
    /// Simulation seed
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Accounts in the simulated world
    #[arg(long)]
    pub accounts: Option<u64>,
    /// Simulated hours
    #[arg(long)]
    pub hours: Option<u32>,
    /// Exit after the summary instead of serving the console
    #[arg(long)]
    pub no_serve: bool,
    /// Address for the console and API
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Print the evaluation as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    let t0 = std::time::Instant::now();
    let world = a.dir.join("world");
    let db = a.dir.join("vigil.db");
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    for f in [
        "vigil.db",
        "vigil.db-wal",
        "vigil.db-shm",
        "vigil.quarantine.ndjson",
    ] {
        let p = a.dir.join(f);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    if world.exists() {
        std::fs::remove_dir_all(&world).with_context(|| format!("removing {}", world.display()))?;
    }

    eprintln!("vigil demo: 1/4 simulating a world (seed {})", a.seed);
    crate::cmd::simulate::run(crate::cmd::simulate::Args {
        out: world.clone(),
        seed: Some(a.seed),
        accounts: a.accounts,
        hours: a.hours,
        extremist_share: None,
        campaigns: None,
        return_rate: None,
        languages: None,
        platforms: None,
        scenario: None,
        json: false,
    })?;

    eprintln!(
        "vigil demo: 2/4 ingesting it with every detector on, into {}",
        db.display()
    );
    let outcome = crate::cmd::ingest::run(crate::cmd::ingest::Args {
        read: ReadArgs {
            inputs: vec![world.display().to_string()],
            format: FormatArg::Auto,
            quarantine: None,
            max_line: 1 << 20,
            max_record: 1 << 20,
            max_document: 64 << 20,
            quiet: true,
            json: false,
        },
        db: DbArgs { db: db.clone() },
        engine: crate::cmd::ingest::EngineArgs {
            batch: 16384,
            commit_group_ms: 1000,
            workers: 0,
            lateness_ms: 60_000,
            no_checkpoint: false,
            one_stage: false,
        },
        no_detect: false,
        follow: false,
        probes: false,
        idle_exit: None,
    })?;
    if matches!(outcome, Outcome::Quarantined) {
        eprintln!(
            "vigil demo: some records were quarantined (see {})",
            a.dir.join("vigil.quarantine.ndjson").display()
        );
    }

    eprintln!("vigil demo: 3/4 comparing what was found with the truth");
    crate::cmd::eval::run(crate::cmd::eval::Args {
        truth: world.join("truth.json"),
        db: DbArgs { db: db.clone() },
        json: a.json,
    })?;
    let store = SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
    let mut svc = Service::new(store, Config::default());
    let counts = svc.store.case_counts().context("counting cases")?;
    let open: i64 = counts.iter().map(|(_, n)| n).sum();
    eprintln!(
        "vigil demo: {open} cases in the queue; done in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    if a.no_serve {
        return Ok(Outcome::Clean);
    }

    let token = svc
        .add_user("demo", Role::Admin, "vigil-demo")
        .context("adding the demo user")?;
    drop(svc);
    eprintln!(
        "vigil demo: 4/4 serving the console at http://{}/",
        a.listen
    );
    eprintln!("vigil demo: log in as user `demo` with token {token}");
    eprintln!("vigil demo: (the same token works for the API: Authorization: Bearer {token})");
    crate::cmd::serve::run(crate::cmd::serve::Args {
        listen: a.listen,
        db: DbArgs { db },
        webhook_url: None,
        webhook_secret: None,
        ingest_queue: 4,
        timeout: 30,
        secure_cookies: false,
    })
}
