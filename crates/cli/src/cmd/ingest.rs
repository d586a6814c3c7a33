//! `vigil ingest`: read platform data into the store, parsing on one thread and writing
//! batched transactions on another.

use crate::input::{self, ReadArgs, RunSummary};
use crate::quarantine::Quarantine;
use crate::{DbArgs, Outcome};
use anyhow::{anyhow, Context, Result};
use std::sync::mpsc;
use vigil_store::{Sourced, SqliteStore, Store, WriteStats};

/// Read platform data into the store
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub db: DbArgs,
    /// Records per transaction
    #[arg(long, default_value_t = 8192)]
    pub batch: usize,
    /// Store only; do not run the detectors
    #[arg(long)]
    pub no_detect: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    let inputs = input::expand(&a.read.inputs)?;
    let qpath = a
        .read
        .quarantine
        .clone()
        .unwrap_or_else(|| beside(&a.db.db, "quarantine.ndjson"));
    let mut q = Quarantine::new(qpath, a.read.quiet);
    let mut store = SqliteStore::open(&a.db.db)
        .with_context(|| format!("opening database {}", a.db.db.display()))?;
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
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
    let batch_size = a.batch.max(1);

    // The writer thread owns the store; the reader sends it full batches.
    let (tx, rx) = mpsc::sync_channel::<Vec<Sourced>>(4);
    let writer = std::thread::spawn(move || -> Result<(SqliteStore, WriteStats)> {
        let mut total = WriteStats::default();
        for batch in rx {
            total += store.write_batch(&batch)?;
        }
        Ok((store, total))
    });
    let pb = input::progress_bar(&a.read, &inputs);
    let mut batch = Vec::with_capacity(batch_size);
    let mut send_failed = false;
    let mut source: Option<std::sync::Arc<str>> = None;
    let summary = input::read_all(
        &a.read,
        &inputs,
        &mut q,
        |mut rec, place| {
            let input_dir = std::path::Path::new(place.file).parent();
            hasher.fill_record(&mut rec, input_dir);
            let src = match &source {
                Some(s) if &**s == place.file => s.clone(),
                _ => source.insert(std::sync::Arc::from(place.file)).clone(),
            };
            batch.push(Sourced {
                record: rec,
                source: src,
                line: place.line,
            });
            if batch.len() >= batch_size && !send_failed {
                send_failed = tx
                    .send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(batch_size),
                    ))
                    .is_err();
            }
        },
        &mut |n| {
            if let Some(pb) = &pb {
                pb.inc(n)
            }
        },
    );
    if !batch.is_empty() && !send_failed {
        let _ = tx.send(batch);
    }
    drop(tx);
    let written = writer
        .join()
        .map_err(|_| anyhow!("database writer panicked"))?;
    let (mut store, written) = written?;
    let summary = summary?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    q.flush()?;
    // Every detector runs over the stored history in event-time order, so a world ingested in
    // one call, in any file order, is a world analysed.
    let detected = if a.no_detect {
        None
    } else {
        let mut registry = crate::detectors::Registry::with_store(&store)?;
        let stats = vigil_detect::replay(&mut store, &mut registry.detectors)
            .context("running the detectors")?;
        registry.finish(&mut store)?;
        Some(stats)
    };
    // Signals become cases for moderators (de-duplicated: a re-run updates, never re-opens).
    let cases = if a.no_detect {
        None
    } else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Some(
            vigil_cases::sync_cases(&mut store, &vigil_cases::ScoreConfig::default(), now)
                .context("opening cases")?,
        )
    };
    let hashing = hasher.stats;
    store.finish_run(
        run_id,
        &serde_json::json!({ "read": &summary.totals, "written": written, "media": hashing,
            "known": known, "detect": detected, "cases": cases }),
    )?;
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
        if let Some(d) = &detected {
            eprintln!("detectors: {} posts, {} signals", d.posts, d.signals);
        }
        if let Some(c) = &cases {
            eprintln!("cases: {} opened, {} updated", c.opened, c.updated);
        }
    }
    report(&a.read, &summary, Some(written), &q)?;
    Ok(if q.count > 0 {
        Outcome::Quarantined
    } else {
        Outcome::Clean
    })
}

/// Import a world's `known/` list into the bank `known`, recording the change in the
/// audit log.
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
    }
    Ok(())
}
