//! The `vigil` command: argument parsing and glue. All real work lives in the library crates.

mod cmd;
mod detectors;
mod input;
mod quarantine;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// vigil: find and disrupt violent-extremist propaganda and recruitment networks.
#[derive(Parser, Debug)]
#[command(name = "vigil", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log line format on stderr; the level comes from RUST_LOG (default: warn)
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

/// Structured logs with `tracing`: `RUST_LOG` as `target=level,...` or a bare level.
fn init_logs(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new()
                .with_default(tracing_subscriber::filter::LevelFilter::WARN)
        });
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let r = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => r.with(fmt.json()).try_init(),
        LogFormat::Text => r.with(fmt.with_ansi(false)).try_init(),
    };
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read platform data into the store (SQLite by default)
    Ingest(cmd::ingest::Args),
    /// Stream enriched native NDJSON to stdout without touching any store
    Scan(cmd::scan::Args),
    /// Print counts per platform and kind
    Stats(cmd::stats::Args),
    /// Write a synthetic world in platform-native formats, with its ground truth
    Simulate(cmd::simulate::Args),
    /// Simulate a world, analyse it, report against its truth, and serve the console
    Demo(cmd::demo::Args),
    /// Compare what vigil found with a simulated world's truth
    Eval(cmd::eval::Args),
    /// Serve the web console and the HTTP API
    Serve(cmd::serve::Args),
    /// Manage users and their API tokens
    #[command(subcommand)]
    User(cmd::user::Command),
    /// Check the hash-chained audit log
    #[command(subcommand)]
    Audit(cmd::audit::Command),
    /// Export preserved evidence
    #[command(subcommand)]
    Evidence(cmd::evidence::Command),
    /// Review cases: open and update them from signals
    #[command(subcommand)]
    Cases(cmd::cases::Command),
    /// Detect campaigns and coordinated clusters in a store (and evaluate with --truth)
    Campaigns(cmd::campaigns::Args),
    /// Export data for analysts (the coordination graph)
    Export(cmd::export::Args),
    /// Validate, test and backtest analyst rule packs
    Rules(cmd::rules::Args),
    /// Perceptual hashes of local files
    #[command(subcommand)]
    Hash(cmd::hash::Command),
    /// Manage hash banks
    #[command(subcommand)]
    Bank(cmd::bank::Command),
    /// Match a file or hash against the hash banks
    Match(cmd::matching::Args),
    /// Link returning accounts and score account risk (and evaluate with --truth)
    Identity(cmd::identity::Args),
    /// Show an account's risk, its breakdown, links and cross-platform identities
    Account(cmd::account::Args),
    /// Run the end-to-end benchmark of the streaming engine on a simulated world
    Bench(cmd::bench::Args),
}

/// Exit codes: 0 success, 1 failure, 2 usage error, 3 finished but records were quarantined.
pub enum Outcome {
    Clean,
    Quarantined,
}

/// jemalloc, not glibc's malloc: records are allocated on reader threads and freed on the
/// writer, and glibc's per-thread arenas kept ~3 GB of freed memory after a 5M-post run
/// (docs/BENCHMARKS.md, issue 11); jemalloc returns freed pages to the system after a decay.
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let r = match cli.command {
        Command::Ingest(a) => cmd::ingest::run(a),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Stats(a) => cmd::stats::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::User(c) => cmd::user::run(c),
        Command::Audit(c) => cmd::audit::run(c),
        Command::Evidence(c) => cmd::evidence::run(c),
        Command::Cases(c) => cmd::cases::run(c),
        Command::Campaigns(a) => cmd::campaigns::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Rules(a) => cmd::rules::run(a),
        Command::Hash(c) => cmd::hash::run(c),
        Command::Bank(c) => cmd::bank::run(c),
        Command::Match(a) => cmd::matching::run(a),
        Command::Identity(a) => cmd::identity::run(a),
        Command::Account(a) => cmd::account::run(a),
        Command::Bench(a) => cmd::bench::run(a),
    };
    match r {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Quarantined) => ExitCode::from(3),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("vigil: {u}");
                return ExitCode::from(2);
            }
            eprintln!("vigil: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// A mistake in how vigil was called (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);
impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Where the database lives: `--db`, else `VIGIL_DB`, else `./vigil.db`.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// SQLite database path
    #[arg(long, env = "VIGIL_DB", default_value = "vigil.db")]
    pub db: PathBuf,
}
