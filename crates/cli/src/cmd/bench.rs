//! `vigil bench`: the end-to-end benchmark of the streaming engine on a simulated world:
//! throughput with every detector on, its ratio to a bare parse, latency at half of peak,
//! peak memory, restart time after a crash, and the checkpoint's overhead.

use crate::input;
use crate::Outcome;
use anyhow::{anyhow, Context, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vigil_engine::{Config, Source};
use vigil_store::SqliteStore;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The world to read; simulated there first (by a child `vigil simulate`) when it has no truth.json
    #[arg(long, default_value = "bench-world")]
    pub world: PathBuf,
    /// Accounts of a world simulated here
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: u64,
    /// Hours of a world simulated here
    #[arg(long, default_value_t = 36)]
    pub hours: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Scratch directory for the benchmark databases
    #[arg(long, default_value = "bench-db")]
    pub scratch: PathBuf,
    /// Text-stage threads (0: one per core)
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Also run the engine's probe detectors (a hashtag watchlist and a burst counter)
    #[arg(long)]
    pub probes: bool,
    /// Skip the crash/restart, checkpoint-off and latency runs
    #[arg(long)]
    pub quick: bool,
    /// Print the figures as JSON
    #[arg(long)]
    pub json: bool,
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn sources(world: &Path) -> Result<Vec<Source>> {
    Ok(input::expand(&[world.display().to_string()])?
        .into_iter()
        .filter_map(|i| {
            i.path.map(|p| Source::File {
                name: i.name,
                path: p,
            })
        })
        .collect())
}

fn fresh_db(scratch: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(scratch)?;
    let p = scratch.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    Ok(p)
}

fn detectors(probes: bool) -> Vec<Box<dyn vigil_detect::Detector>> {
    let mut d = crate::detectors::all();
    if probes {
        d.extend(vigil_engine::probe::probes());
    }
    d
}

/// A bare parse: every input through its adapter on one thread, records counted and dropped.
fn bare_parse(world: &Path) -> Result<(u64, f64)> {
    struct Count(u64);
    impl vigil_ingest::Sink for Count {
        fn record(&mut self, r: vigil_model::Record, _: vigil_ingest::Place<'_>) {
            if matches!(r, vigil_model::Record::Post(_)) {
                self.0 += 1
            }
        }
        fn quarantine(&mut self, _: vigil_ingest::Place<'_>, _: &str, _: &[u8]) {}
    }
    let inputs = input::expand(&[world.display().to_string()])?;
    let t = Instant::now();
    let mut c = Count(0);
    let limits = vigil_ingest::Limits::default();
    for i in &inputs {
        let Some(p) = &i.path else { continue };
        let Some(f) = vigil_ingest::detect_path(p)? else {
            continue;
        };
        let mut em = vigil_ingest::Emitter::new(&mut c, limits);
        vigil_ingest::read_input(
            std::fs::File::open(p)?,
            f,
            &i.name,
            p.parent(),
            &limits,
            &mut em,
            &mut |_| {},
        )?;
    }
    Ok((c.0, t.elapsed().as_secs_f64()))
}

pub fn run(a: Args) -> Result<Outcome> {
    let exe = std::env::current_exe().context("finding the vigil binary")?;
    if !a.world.join("truth.json").exists() {
        eprintln!(
            "bench: simulating {} accounts over {} h into {}",
            a.accounts,
            a.hours,
            a.world.display()
        );
        let st = std::process::Command::new(&exe)
            .args(["simulate", "--out"])
            .arg(&a.world)
            .args([
                "--seed",
                &a.seed.to_string(),
                "--accounts",
                &a.accounts.to_string(),
                "--hours",
                &a.hours.to_string(),
            ])
            .status()
            .context("running vigil simulate")?;
        if !st.success() {
            return Err(anyhow!("vigil simulate failed"));
        }
    }
    let base = Config {
        workers: a.workers,
        second_stage: Some(crate::detectors::SECOND_STAGE),
        ..Config::default()
    };
    let mut fig = serde_json::Map::new();
    let names: Vec<String> = detectors(a.probes)
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    fig.insert("detectors".into(), serde_json::json!(names));

    // 1. The full run, every detector on (first, so the process's peak RSS is this run's).
    let db = fresh_db(&a.scratch, "full.db")?;
    let mut store = SqliteStore::open(&db)?;
    let s = vigil_engine::run(&base, sources(&a.world)?, detectors(a.probes), &mut store)?;
    let posts = s.totals.posts;
    let secs = s.elapsed_ms as f64 / 1000.0;
    let peak = peak_rss_kib();
    eprintln!(
        "bench: full run {} posts ({} records) in {:.1} s = {:.0} posts/s; peak RSS {:?} KiB",
        posts,
        s.merged,
        secs,
        posts as f64 / secs,
        peak
    );
    fig.insert("posts".into(), posts.into());
    fig.insert("records".into(), s.merged.into());
    fig.insert("accounts_read".into(), s.totals.accounts.into());
    fig.insert("signals".into(), s.signals.inserted.into());
    fig.insert("full_seconds".into(), secs.into());
    fig.insert("posts_per_s".into(), (posts as f64 / secs).into());
    fig.insert(
        "peak_rss_mib".into(),
        serde_json::json!(peak.map(|k| k / 1024)),
    );
    let records_per_s = s.merged as f64 / secs;
    drop(store);

    // 2. A bare parse of the same input, one thread.
    let (bp_posts, bp_secs) = bare_parse(&a.world)?;
    eprintln!(
        "bench: bare parse {} posts in {:.1} s = {:.0} posts/s",
        bp_posts,
        bp_secs,
        bp_posts as f64 / bp_secs
    );
    fig.insert(
        "bare_parse_posts_per_s".into(),
        (bp_posts as f64 / bp_secs).into(),
    );
    fig.insert("ratio_to_bare_parse".into(), (secs / bp_secs).into());

    if !a.quick {
        // 3. Checkpoints off.
        let db = fresh_db(&a.scratch, "nocp.db")?;
        let mut store = SqliteStore::open(&db)?;
        let cfg = Config {
            checkpoints: false,
            ..base.clone()
        };
        let s2 = vigil_engine::run(&cfg, sources(&a.world)?, detectors(a.probes), &mut store)?;
        let secs2 = s2.elapsed_ms as f64 / 1000.0;
        eprintln!(
            "bench: checkpoints off {:.1} s = {:.0} posts/s",
            secs2,
            posts as f64 / secs2
        );
        fig.insert(
            "no_checkpoint_posts_per_s".into(),
            (posts as f64 / secs2).into(),
        );
        fig.insert("checkpoint_overhead".into(), (secs / secs2 - 1.0).into());
        drop(store);

        // 4. Crash (SIGKILL) half-way through a child `vigil ingest`, then restart here.
        let db = fresh_db(&a.scratch, "crash.db")?;
        let mut child = std::process::Command::new(&exe)
            .args(["ingest", "-q", "--db"])
            .arg(&db)
            .arg(&a.world)
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting vigil ingest")?;
        std::thread::sleep(Duration::from_secs_f64(secs * 0.5));
        child.kill().context("killing the child")?;
        let _ = child.wait();
        let mut store = SqliteStore::open(&db)?;
        let s3 = vigil_engine::run(&base, sources(&a.world)?, detectors(a.probes), &mut store)?;
        eprintln!(
            "bench: restart after kill -9: {} records were committed; prefix re-derived in {:?} ms; run done in {} ms",
            s3.resumed_from, s3.replay_ms, s3.elapsed_ms
        );
        fig.insert("restart_committed_records".into(), s3.resumed_from.into());
        fig.insert("restart_replay_ms".into(), serde_json::json!(s3.replay_ms));
        fig.insert("restart_total_ms".into(), s3.elapsed_ms.into());
        drop(store);

        // 5. Latency at half of peak (records/s), rate-limited at the merge.
        let db = fresh_db(&a.scratch, "latency.db")?;
        let mut store = SqliteStore::open(&db)?;
        // As a live stream runs: paced arrivals, and each batch committed as soon as it is
        // assembled (the HTTP ingest endpoint's commit group is zero too).
        let cfg = Config {
            rate_limit: Some(records_per_s * 0.5),
            commit_group: Duration::ZERO,
            ..base.clone()
        };
        let s4 = vigil_engine::run(&cfg, sources(&a.world)?, detectors(a.probes), &mut store)?;
        eprintln!(
            "bench: at {:.0} records/s (50% of peak): p50 {:?} µs, p99 {:?} µs",
            records_per_s * 0.5,
            s4.latency_p50_us,
            s4.latency_p99_us
        );
        fig.insert(
            "latency_rate_records_per_s".into(),
            (records_per_s * 0.5).into(),
        );
        fig.insert(
            "latency_p50_us".into(),
            serde_json::json!(s4.latency_p50_us),
        );
        fig.insert(
            "latency_p99_us".into(),
            serde_json::json!(s4.latency_p99_us),
        );
    }
    let v = serde_json::Value::Object(fig);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{v}");
    }
    Ok(Outcome::Clean)
}
