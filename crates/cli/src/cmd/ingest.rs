//! `vigil ingest`: read platform data into the store through the streaming engine (parse,
//! event-time merge, text stage, every detector, cases), resuming an interrupted run of the
//! same inputs from its checkpoint.

use crate::input::{self, InputSummary, ReadArgs, RunSummary};
use crate::quarantine::Quarantine;
use crate::{DbArgs, Outcome, UsageError};
use anyhow::{anyhow, Context, Result};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigil_engine::{Config, Follow, Source};
use vigil_store::{SqliteStore, Store, WriteStats};

/// Read platform data into the store
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Store only; do not run the detectors
    #[arg(long)]
    pub no_detect: bool,
    /// Keep reading a growing file or directory (poll-based; handles truncation and rotation)
    #[arg(long)]
    pub follow: bool,
    /// Also run the engine's probe detectors (tests and benchmarks)
    #[arg(long, hide = true)]
    pub probes: bool,
    /// With --follow: stop after this many seconds without new data (default: never)
    #[arg(long, value_name = "SECONDS")]
    pub idle_exit: Option<f64>,
}

/// Engine settings shared by `ingest` and `bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct EngineArgs {
    /// Records per store transaction
    #[arg(long, default_value_t = 16384)]
    pub batch: usize,
    /// Join consecutive smaller batches into one store transaction for up to this many ms
    /// (0: one transaction per batch)
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub commit_group_ms: u64,
    /// Text-stage threads (0: one per core)
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// How late (event time, ms) a record may arrive in its input and still be put in order
    #[arg(long, default_value_t = 60_000)]
    pub lateness_ms: i64,
    /// Do not write checkpoints or resume an interrupted run
    #[arg(long)]
    pub no_checkpoint: bool,
    /// Run every detector on one thread instead of two pipelined stages (tests, comparisons)
    #[arg(long, hide = true)]
    pub one_stage: bool,
}

impl EngineArgs {
    pub fn config(&self, read: &ReadArgs) -> Config {
        Config {
            workers: self.workers,
            lateness_ms: self.lateness_ms.max(0),
            commit_records: self.batch.max(1),
            commit_group: std::time::Duration::from_millis(self.commit_group_ms),
            limits: read.limits(),
            format: read.format.fixed(),
            checkpoints: !self.no_checkpoint,
            second_stage: (!self.one_stage).then_some(crate::detectors::SECOND_STAGE),
            ..Config::default()
        }
    }
}

pub fn run(a: Args) -> Result<Outcome> {
    let sources: Vec<Source> = if a.follow {
        a.read
            .inputs
            .iter()
            .map(|i| {
                if i == "-" {
                    return Err(
                        UsageError("--follow needs files or directories, not -".into()).into(),
                    );
                }
                Ok(Source::Follow(
                    Follow::new(i, a.read.format.fixed())
                        .idle_exit(a.idle_exit.map(Duration::from_secs_f64)),
                ))
            })
            .collect::<Result<_>>()?
    } else {
        input::expand(&a.read.inputs)?
            .into_iter()
            .map(|i| match i.path {
                Some(path) => Source::File { name: i.name, path },
                None => Source::Reader {
                    name: i.name,
                    reader: Box::new(std::io::stdin()),
                },
            })
            .collect()
    };
    let qpath = a
        .read
        .quarantine
        .clone()
        .unwrap_or_else(|| beside(&a.db.db, "quarantine.ndjson"));
    let q = Arc::new(Mutex::new(Quarantine::new(qpath, a.read.quiet)));
    let mut store = SqliteStore::open(&a.db.db)
        .with_context(|| format!("opening database {}", a.db.db.display()))?;
    let names: Vec<String> = sources.iter().map(|s| s.name().to_string()).collect();
    let run_id = store.begin_run(&names)?;
    // Simulated worlds (and exports laid out like them): media/index.jsonl maps platform URLs
    // to local files, and known/ is the hash list received with the data.
    let mut hasher = vigil_banks::MediaHasher::new();
    let mut known = Vec::new();
    for root in &a.read.inputs {
        let dir = std::path::Path::new(root);
        if !dir.is_dir() {
            if let Some(parent) = dir.parent() {
                hasher.add_root(if parent.as_os_str().is_empty() {
                    std::path::Path::new(".")
                } else {
                    parent
                });
            }
            continue;
        }
        hasher.add_root(dir);
        hasher
            .add_index(dir)
            .with_context(|| format!("reading the media index of {root}"))?;
        if !a.no_detect {
            if let Some(k) = import_known(&mut store, dir)? {
                known.push(k);
            }
        }
    }
    let hasher = Arc::new(Mutex::new(hasher));
    let mut config = a.engine.config(&a.read);
    let h = hasher.clone();
    config.prepare = Some(Arc::new(
        move |rec: &mut vigil_model::Record, file: &str| {
            if let Ok(mut h) = h.lock() {
                h.fill_record(rec, std::path::Path::new(file).parent());
            }
        },
    ));
    let qe = q.clone();
    let q_error: Arc<Mutex<Option<anyhow::Error>>> = Default::default();
    let qerr = q_error.clone();
    config.on_problem = Some(Arc::new(move |p: &vigil_engine::Problem<'_>| {
        if let Ok(mut q) = qe.lock() {
            q.set_format(p.format);
            if let Err(e) = q.add(p.file, p.line, p.reason, p.raw) {
                if let Ok(mut g) = qerr.lock() {
                    g.get_or_insert(e);
                }
            }
        }
    }));
    if a.follow {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        config.stop = Some(stop);
    }
    if !a.read.quiet && !a.read.json {
        for n in &names {
            if a.read.format != input::FormatArg::Auto || a.follow || n == "-" {
                continue;
            }
            if let Ok(Some(f)) = vigil_ingest::detect_path(std::path::Path::new(n)) {
                eprintln!("{n}: detected format {}", f.name());
            }
        }
    }
    let mut registry = if a.no_detect {
        None
    } else {
        Some(crate::detectors::Registry::with_store(&store)?)
    };
    let mut detectors = registry
        .as_mut()
        .map(|r| std::mem::take(&mut r.detectors))
        .unwrap_or_default();
    if a.probes && !a.no_detect {
        detectors.extend(vigil_engine::probe::probes());
    }
    // Findings (campaigns, clusters, links, risk) follow the stream: written after each
    // refresh, and once more at the end.
    config.after_refresh = registry.as_ref().map(|r| r.persister());
    let summary = vigil_engine::run(&config, sources, detectors, &mut store);
    drop(config);
    let summary = summary.map_err(|e| anyhow!(e))?;
    if let Some(r) = registry {
        r.finish(&mut store)?;
    }
    let hashing = hasher
        .lock()
        .map(|h| h.stats)
        .map_err(|_| anyhow!("media hasher lock poisoned"))?;
    if let Some(e) = q_error.lock().ok().and_then(|mut g| g.take()) {
        return Err(e);
    }
    let mut q = Arc::try_unwrap(q)
        .map_err(|_| anyhow!("quarantine still shared"))?
        .into_inner()
        .map_err(|_| anyhow!("quarantine lock poisoned"))?;
    q.flush()?;
    store.finish_run(
        run_id,
        &serde_json::json!({ "read": &summary.totals, "written": summary.written, "engine": &summary,
            "media": hashing, "known": known }),
    )?;
    let rs = RunSummary {
        inputs: summary
            .inputs
            .iter()
            .map(|i| InputSummary {
                input: i.input.clone(),
                format: i.format,
                stats: i.stats.clone(),
            })
            .collect(),
        totals: summary.totals.clone(),
    };
    report(&a.read, &rs, Some(summary.written), &q)?;
    if !a.read.quiet && !a.read.json {
        for k in &known {
            eprintln!(
                "known hash list {}: {} added, {} already present, {} rejected",
                k.file, k.summary.added, k.summary.duplicates, k.summary.rejected
            );
        }
        if hashing.files > 0 || hashing.missing > 0 {
            eprintln!(
                "media: {} hashed from {} files ({} unreadable, {} not images)",
                hashing.hashed, hashing.files, hashing.missing, hashing.undecodable
            );
        }
        if summary.resumed_from > 0 {
            eprintln!(
                "resumed after {} records committed by an interrupted run",
                summary.resumed_from
            );
        }
        eprintln!(
            "detected: {} posts through {} detector(s), {} signal(s) new; {} late record(s)",
            summary.posts_detected,
            summary.detectors.len(),
            summary.signals.inserted,
            summary.late
        );
        if let Some(c) = &summary.cases {
            eprintln!("cases: {} opened, {} updated", c.opened, c.updated);
        }
    }
    Ok(if q.count > 0 {
        Outcome::Quarantined
    } else {
        Outcome::Clean
    })
}

fn import_known(
    store: &mut SqliteStore,
    dir: &std::path::Path,
) -> Result<Option<vigil_banks::known::KnownImport>> {
    let at = vigil_model::format_rfc3339_ms(crate::cmd::bank::now_ms());
    let by = vigil_hash::banks::Actor {
        name: "ingest",
        at: &at,
    };
    let k = vigil_banks::import_known(store, dir, &by)
        .with_context(|| format!("importing {}/known", dir.display()))?;
    if let Some(k) = &k {
        if k.summary.added > 0 || k.summary.disabled > 0 {
            crate::cmd::bank::audit(
                store,
                "ingest",
                vigil_banks::known::KNOWN_BANK,
                "known hash list imported with the data",
                serde_json::json!({"file": k.file, "summary": k.summary}),
            )?;
        }
    }
    Ok(k)
}

/// `vigil.db` → `vigil.quarantine.ndjson`, beside it.
pub fn beside(db: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("vigil");
    db.with_file_name(format!("{stem}.{suffix}"))
}

/// The end-of-run summary on stderr (or stdout as JSON with `--json`).
pub fn report(
    args: &ReadArgs,
    s: &RunSummary,
    written: Option<WriteStats>,
    q: &Quarantine,
) -> Result<()> {
    if args.json {
        let v = serde_json::json!({
            "inputs": s.inputs,
            "totals": s.totals,
            "written": written,
            "quarantine": if q.count > 0 { Some(q.path().display().to_string()) } else { None },
            "quarantine_already_recorded": q.already,
        });
        // For scan, stdout carries records, so the summary goes to stderr.
        match written {
            Some(_) => println!("{}", serde_json::to_string_pretty(&v)?),
            None => eprintln!("{}", serde_json::to_string(&v)?),
        }
        return Ok(());
    }
    if args.quiet {
        return Ok(());
    }
    let t = &s.totals;
    eprintln!(
        "read {} records ({} posts, {} accounts, {} enforcement) from {} input(s); {} duplicates dropped, {} skipped",
        t.records,
        t.posts,
        t.accounts,
        t.enforcement,
        s.inputs.len(),
        t.duplicates,
        t.skipped
    );
    if let Some(w) = written {
        eprintln!(
            "stored: {} new, {} updated, {} unchanged",
            w.inserted, w.updated, w.unchanged
        );
    }
    if q.count > 0 {
        eprintln!(
            "quarantined {} bad record(s) to {}",
            q.count,
            q.path().display()
        );
        if q.already > 0 {
            eprintln!(
                "  {} of them were already there from an earlier run over the same input",
                q.already
            );
        }
    }
    Ok(())
}
