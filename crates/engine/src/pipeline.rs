//! The run: canonical input order, the merge thread, the text-stage workers and the
//! sequencer that detects and commits.

use crate::metrics::{global, Histogram};
use crate::order::{Item, Key};
use crate::source::{self, ReaderArgs, ReaderDone, Source};
use crate::{Config, EngineError, InputSummary, Summary};
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::Instant;
use vigil_cases::CaseStore;
use vigil_detect::{Detector, Facts, Observation};
use vigil_ingest::{RecentIds, Seen};
use vigil_model::{Account, Record, Signal};
use vigil_store::{Checkpoint, Sourced, Store};
use vigil_text::TextAnalysis;

/// Records between the merge and the text stage.
struct Chunk {
    first_seq: u64,
    items: Vec<Item>,
}

/// A chunk with its posts' text analyses (`None` for other records, or with no detectors).
struct Analyzed {
    chunk: Chunk,
    texts: Vec<Option<TextAnalysis>>,
}

/// An input in canonical order.
struct Planned {
    source: Source,
    name: String,
    start: i64,
}

/// The key a stream's checkpoint is stored under: its inputs' names, in any order.
pub(crate) fn stream_key(names: &[String]) -> String {
    let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
    v.sort_unstable();
    let mut h = vigil_model::fasthash::FastHasher::default();
    v.hash(&mut h);
    format!("v1:{:016x}:{}", h.finish(), v.len())
}

/// Run the pipeline over `sources` with `detectors` (in registry order: earlier ones leave
/// facts for later ones), writing records, signals, checkpoints and cases to `store`.
///
/// Resumes an unfinished run of the same inputs (by name) from its checkpoint. Returns when
/// every input has ended, or `config.stop` was set, or something failed.
pub fn run<S: Store + CaseStore>(
    config: &Config,
    sources: Vec<Source>,
    mut detectors: Vec<Box<dyn Detector>>,
    store: &mut S,
) -> Result<Summary, EngineError> {
    let started = Instant::now();
    let m = global();
    m.runs_started.inc();
    let names: Vec<String> = sources.iter().map(|s| s.name().to_string()).collect();
    let key = stream_key(&names);
    let resumable = config.checkpoints
        && sources
            .iter()
            .all(|s| !matches!(s, Source::Reader { .. } | Source::Records { .. }));
    let resume = match resumable {
        true => match store.checkpoint(&key)? {
            Some(cp) if !cp.done => cp.merged,
            _ => 0,
        },
        false => 0,
    };
    if resume > 0 {
        m.runs_resumed.inc();
        tracing::info!(stream = %key, committed = resume, "resuming from checkpoint");
    }
    let plan = plan(config, sources);
    let workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .clamp(1, 64);
    let analyze = !detectors.is_empty();
    let abort = Arc::new(AtomicBool::new(false));
    let input_names: Vec<Arc<str>> = plan.iter().map(|p| Arc::from(p.name.as_str())).collect();
    tracing::info!(
        inputs = plan.len(),
        workers,
        detectors = detectors.len(),
        lateness_ms = config.lateness_ms,
        "engine run"
    );

    let mut summary = Summary {
        resumed_from: resume,
        detectors: detectors.iter().map(|d| d.name().to_string()).collect(),
        ..Default::default()
    };
    let outcome = std::thread::scope(|s| -> Result<(), EngineError> {
        let mut to_workers = Vec::new();
        let mut from_workers = Vec::new();
        for w in 0..workers {
            let (tx, rx) = mpsc::sync_channel::<Chunk>(config.queue.max(1));
            let (otx, orx) = mpsc::sync_channel::<Analyzed>(config.queue.max(1));
            to_workers.push(tx);
            from_workers.push(orx);
            std::thread::Builder::new()
                .name(format!("vigil-text-{w}"))
                .spawn_scoped(s, move || worker(rx, otx, analyze))
                .map_err(|_| EngineError::Panicked("spawning a text worker"))?;
        }
        let abort_m = abort.clone();
        let merge = std::thread::Builder::new()
            .name("vigil-merge".into())
            .spawn_scoped(s, move || merge(s, config, plan, to_workers, abort_m))
            .map_err(|_| EngineError::Panicked("spawning the merge"))?;
        let seq = Sequencer {
            config,
            store: &mut *store,
            detectors: &mut detectors,
            resume,
            key: key.clone(),
            names: &input_names,
            summary: &mut summary,
            started,
        }
        .run(from_workers, &abort);
        if seq.is_err() {
            abort.store(true, Ordering::SeqCst);
        }
        let dones = merge.join().map_err(|_| EngineError::Panicked("merge"))?;
        let (dones, stopped) = dones;
        summary.stopped = stopped;
        let mut input_error = None;
        for d in dones {
            if let Some(e) = &d.error {
                if !abort.load(Ordering::SeqCst) || input_error.is_none() {
                    input_error.get_or_insert_with(|| format!("{}: {e}", d.name));
                }
            }
            add(&mut summary.totals, &d.stats);
            summary.late += d.late;
            summary.inputs.push(InputSummary {
                input: d.name,
                format: d.format,
                stats: d.stats,
                late: d.late,
            });
        }
        seq?;
        if let Some(e) = input_error {
            m.errors.inc();
            return Err(EngineError::Input(e));
        }
        Ok(())
    });
    if let Err(e) = outcome {
        tracing::error!(error = %e, "engine run failed");
        return Err(e);
    }
    m.late_records.add(summary.late);
    if !summary.stopped {
        // The stream ended: flush the detectors, then the cases, then close the checkpoint.
        let mut out = Vec::new();
        for d in detectors.iter_mut() {
            d.finish(&mut out);
        }
        let cp = |done| Checkpoint {
            stream: key.clone(),
            merged: summary.merged,
            done,
            state: serde_json::json!({"phase": if done { "done" } else { "finished" }}),
        };
        let (_, sg) = store.commit_stream(&[], &out, &cp(false))?;
        summary.signals += sg;
        m.signals.add(out.len() as u64);
        if config.sync_cases {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            summary.cases = Some(vigil_cases::sync_cases(store, &config.score, now)?);
        }
        if config.checkpoints {
            store.commit_stream(&[], &[], &cp(true))?;
        }
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        merged = summary.merged,
        signals = summary.signals.inserted,
        elapsed_ms = summary.elapsed_ms,
        "engine run finished"
    );
    Ok(summary)
}

fn add(t: &mut vigil_ingest::InputStats, s: &vigil_ingest::InputStats) {
    t.records += s.records;
    t.posts += s.posts;
    t.accounts += s.accounts;
    t.enforcement += s.enforcement;
    t.quarantined += s.quarantined;
    t.duplicates += s.duplicates;
    t.skipped += s.skipped;
    t.bytes += s.bytes;
}

/// Canonical order: by first event time (peeked from each file's bytes), then by name. Byte
/// streams and followed files cannot be peeked and come first.
fn plan(config: &Config, sources: Vec<Source>) -> Vec<Planned> {
    let peeks: Vec<Option<(std::path::PathBuf, Option<vigil_ingest::Format>)>> = sources
        .iter()
        .map(|s| match s {
            Source::File { path, .. } => Some((
                path.clone(),
                source::format_of(path, config.format).ok().flatten(),
            )),
            _ => None,
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(peeks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let starts: Vec<std::sync::Mutex<i64>> = peeks
        .iter()
        .map(|_| std::sync::Mutex::new(i64::MIN))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = peeks.get(i) else { break };
                if let Some((path, Some(f))) = p {
                    let t = source::peek_start(path, *f, &config.limits).unwrap_or(i64::MAX);
                    if let Ok(mut g) = starts[i].lock() {
                        *g = t;
                    }
                }
            });
        }
    });
    let mut plan: Vec<Planned> = sources
        .into_iter()
        .zip(starts)
        .map(|(mut source, st)| {
            if let Source::Follow(f) = &mut source {
                f.resolve_format();
            }
            Planned {
                name: source.name().to_string(),
                source,
                start: st.into_inner().unwrap_or(i64::MIN),
            }
        })
        .collect();
    plan.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.name.cmp(&b.name)));
    plan
}

/// One active input of the merge.
struct Active<'scope> {
    rx: Receiver<Vec<Item>>,
    buf: VecDeque<Item>,
    handle: std::thread::ScopedJoinHandle<'scope, ReaderDone>,
}

/// Heap entry: the head of an input (its key moved out of the item).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Head {
    key: Key,
    input: u32,
    arrival: u64,
}

struct Emit<'a> {
    to_workers: Vec<SyncSender<Chunk>>,
    chunk: Chunk,
    size: usize,
    sent: u64,
    seq: u64,
    rate: Option<(f64, Instant)>,
    closed: bool,
    _cfg: &'a Config,
}

impl Emit<'_> {
    fn push(&mut self, item: Item) {
        self.chunk.items.push(item);
        self.seq += 1;
        if let Some((rate, t0)) = self.rate {
            if self.seq.is_multiple_of(64) {
                let due = t0 + std::time::Duration::from_secs_f64(self.seq as f64 / rate);
                let now = Instant::now();
                if due > now {
                    self.flush();
                    std::thread::sleep(due - now);
                }
            }
        }
        if self.chunk.items.len() >= self.size {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.chunk.items.is_empty() || self.closed {
            return;
        }
        let next = Chunk {
            first_seq: self.seq,
            items: Vec::with_capacity(self.size),
        };
        let c = std::mem::replace(&mut self.chunk, next);
        let w = (self.sent % self.to_workers.len() as u64) as usize;
        global().records_merged.add(c.items.len() as u64);
        global().queue_analyze.add(1);
        if self.to_workers[w].send(c).is_err() {
            global().queue_analyze.add(-1);
            self.closed = true;
        }
        self.sent += 1;
    }
}

/// The merge thread: activates inputs in canonical order as the merged event time reaches
/// them, and emits their records in [`Key`] order. Returns the readers' reports and whether
/// the run was stopped early.
fn merge<'scope, 'env>(
    s: &'scope std::thread::Scope<'scope, 'env>,
    config: &'env Config,
    plan: Vec<Planned>,
    to_workers: Vec<SyncSender<Chunk>>,
    abort: Arc<AtomicBool>,
) -> (Vec<ReaderDone>, bool) {
    let m = global();
    let n = plan.len();
    let mut starts = Vec::with_capacity(n);
    let mut pending: VecDeque<(u32, Planned)> = VecDeque::new();
    for (i, p) in plan.into_iter().enumerate() {
        starts.push(p.start);
        pending.push_back((i as u32, p));
    }
    let mut active: HashMap<u32, Active<'scope>> = HashMap::new();
    let mut heap: BinaryHeap<std::cmp::Reverse<Head>> = BinaryHeap::new();
    let mut dones: Vec<(u32, ReaderDone)> = Vec::new();
    let mut emit = Emit {
        to_workers,
        chunk: Chunk {
            first_seq: 0,
            items: Vec::with_capacity(config.chunk.max(1)),
        },
        size: config.chunk.max(1),
        sent: 0,
        seq: 0,
        rate: config
            .rate_limit
            .filter(|r| *r > 0.0)
            .map(|r| (r, Instant::now())),
        closed: false,
        _cfg: config,
    };
    let stop = config.stop.clone();
    let mut stopped = false;

    // Make `input`'s next record its head, waiting for its reader; false when it ended.
    fn refill(
        input: u32,
        active: &mut HashMap<u32, Active<'_>>,
        heap: &mut BinaryHeap<std::cmp::Reverse<Head>>,
        emit: &mut Emit<'_>,
        dones: &mut Vec<(u32, ReaderDone)>,
    ) {
        let Some(a) = active.get_mut(&input) else {
            return;
        };
        if a.buf.is_empty() {
            let got = match a.rx.try_recv() {
                Ok(c) => Ok(c),
                Err(TryRecvError::Empty) => {
                    // About to wait: hand what is merged so far on (a live stream's latency).
                    emit.flush();
                    a.rx.recv().map_err(|_| ())
                }
                Err(TryRecvError::Disconnected) => Err(()),
            };
            match got {
                Ok(c) => {
                    global().queue_merge.add(-1);
                    a.buf.extend(c)
                }
                Err(()) => {
                    if let Some(a) = active.remove(&input) {
                        global().active_inputs.add(-1);
                        drop(a.rx);
                        if let Ok(d) = a.handle.join() {
                            dones.push((input, d));
                        }
                    }
                    return;
                }
            }
        }
        if let Some(head) = a.buf.front_mut() {
            heap.push(std::cmp::Reverse(Head {
                key: std::mem::replace(
                    &mut head.key,
                    Key {
                        time: 0,
                        rank: 0,
                        id: String::new(),
                    },
                ),
                input,
                arrival: head.arrival,
            }));
        }
    }

    loop {
        if abort.load(Ordering::Relaxed) || emit.closed {
            break;
        }
        if stop.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
            stopped = true;
            break;
        }
        // Activate every input whose first event time the merge has reached.
        while let Some((_, p)) = pending.front() {
            let min = heap.peek().map(|h| h.0.key.time);
            if min.is_some_and(|t| p.start > t) {
                break;
            }
            let Some((i, p)) = pending.pop_front() else {
                break;
            };
            let chunk = match p.source {
                Source::File { .. } => config.chunk.clamp(1, 256),
                _ => 1,
            };
            let (tx, rx) = mpsc::sync_channel::<Vec<Item>>(2);
            let args = ReaderArgs {
                input: i,
                name: p.name.clone(),
                lateness_ms: config.lateness_ms,
                chunk,
                limits: config.limits,
                fixed: config.format,
                problems: config.on_problem.as_deref(),
                prepare: config.prepare.as_deref(),
                metrics: global(),
                abort: abort.clone(),
                max_held: config.max_held,
            };
            let src = p.source;
            let handle = std::thread::Builder::new()
                .name("vigil-read".into())
                .spawn_scoped(s, move || {
                    let d = source::read_source(args, src, tx.clone());
                    drop(tx);
                    d
                });
            let handle = match handle {
                Ok(h) => h,
                Err(e) => {
                    dones.push((
                        i,
                        ReaderDone {
                            name: p.name,
                            format: None,
                            stats: Default::default(),
                            late: 0,
                            error: Some(format!("spawning a reader: {e}")),
                        },
                    ));
                    abort.store(true, Ordering::SeqCst);
                    continue;
                }
            };
            m.active_inputs.add(1);
            active.insert(
                i,
                Active {
                    rx,
                    buf: VecDeque::new(),
                    handle,
                },
            );
            refill(i, &mut active, &mut heap, &mut emit, &mut dones);
            if dones.iter().any(|(_, d)| d.error.is_some()) {
                abort.store(true, Ordering::SeqCst);
            }
        }
        let Some(std::cmp::Reverse(head)) = heap.pop() else {
            if pending.is_empty() {
                break;
            }
            continue;
        };
        let Some(a) = active.get_mut(&head.input) else {
            continue;
        };
        let Some(mut item) = a.buf.pop_front() else {
            continue;
        };
        item.key = head.key;
        emit.push(item);
        refill(head.input, &mut active, &mut heap, &mut emit, &mut dones);
        if dones.iter().any(|(_, d)| d.error.is_some()) {
            abort.store(true, Ordering::SeqCst);
        }
    }
    emit.flush();
    drop(emit);
    // Stop every reader still running and collect its report.
    for (i, a) in active.drain() {
        m.active_inputs.add(-1);
        drop(a.rx);
        if let Ok(d) = a.handle.join() {
            dones.push((i, d));
        }
    }
    let _ = starts;
    dones.sort_by_key(|(i, _)| *i);
    (dones.into_iter().map(|(_, d)| d).collect(), stopped)
}

/// A text-stage worker: analyses every post of each chunk, in order.
fn worker(rx: Receiver<Chunk>, tx: SyncSender<Analyzed>, analyze: bool) {
    let mut analyzer = vigil_text::Analyzer::new();
    for chunk in rx {
        global().queue_analyze.add(-1);
        let texts = if analyze {
            let mut n = 0;
            let v = chunk
                .items
                .iter()
                .map(|i| match &i.record {
                    Record::Post(p) => {
                        n += 1;
                        Some(analyzer.analyze(&p.text).clone())
                    }
                    _ => None,
                })
                .collect();
            global().posts_analyzed.add(n);
            v
        } else {
            Vec::new()
        };
        global().queue_commit.add(1);
        if tx.send(Analyzed { chunk, texts }).is_err() {
            global().queue_commit.add(-1);
            break;
        }
    }
}

/// The detector and commit stage, on the caller's thread.
struct Sequencer<'a, S: Store + CaseStore> {
    config: &'a Config,
    store: &'a mut S,
    detectors: &'a mut Vec<Box<dyn Detector>>,
    resume: u64,
    key: String,
    names: &'a [Arc<str>],
    summary: &'a mut Summary,
    started: Instant,
}

impl<S: Store + CaseStore> Sequencer<'_, S> {
    fn run(self, from: Vec<Receiver<Analyzed>>, abort: &AtomicBool) -> Result<(), EngineError> {
        let m = global();
        let Sequencer {
            config,
            store,
            detectors,
            resume,
            key,
            names,
            summary,
            started,
        } = self;
        let mut seen = RecentIds::new(config.dedup_window.max(1024));
        let mut accounts: HashMap<String, Account> = HashMap::new();
        let mut pending: Vec<Sourced> = Vec::with_capacity(config.commit_records);
        let mut read_at: Vec<Instant> = Vec::new();
        let mut signals: Vec<Signal> = Vec::new();
        let mut out: Vec<Signal> = Vec::new();
        let mut processed: u64 = 0;
        let mut last_commit = Instant::now();
        let mut last_time = i64::MIN;
        let mut last_sync = Instant::now();
        let hist = Histogram::new();
        let mut w = 0;
        let mut commit = |pending: &mut Vec<Sourced>,
                          read_at: &mut Vec<Instant>,
                          signals: &mut Vec<Signal>,
                          processed: u64,
                          last_time: i64,
                          summary: &mut Summary|
         -> Result<(), EngineError> {
            if pending.is_empty() && signals.is_empty() && processed <= resume {
                return Ok(());
            }
            let (wr, sg) = if config.checkpoints {
                let cp = Checkpoint {
                    stream: key.clone(),
                    merged: processed,
                    done: false,
                    state: serde_json::json!({"phase": "running", "inputs": names.len()}),
                };
                store.commit_stream(pending, signals, &cp)?
            } else {
                let wr = store.write_batch(pending)?;
                (wr, store.write_signals(signals)?)
            };
            let now = Instant::now();
            if let Some(oldest) = read_at.iter().min() {
                m.lag_ms.set(now.duration_since(*oldest).as_millis() as i64);
            }
            for t in read_at.iter() {
                let us = now.duration_since(*t).as_micros() as u64;
                hist.observe_us(us);
                m.latency.observe_us(us);
            }
            summary.written += wr;
            summary.signals += sg;
            summary.commits += 1;
            m.commits.inc();
            m.records_committed.add(pending.len() as u64);
            m.signals.add(signals.len() as u64);
            m.event_time_ms.set(last_time);
            m.pending_records.set(0);
            tracing::debug!(
                records = pending.len(),
                signals = signals.len(),
                merged = processed,
                "commit"
            );
            pending.clear();
            read_at.clear();
            signals.clear();
            if config.sync_cases && config.sync_every.is_some_and(|d| last_sync.elapsed() >= d) {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let st = vigil_cases::sync_cases(&mut *store, &config.score, now)?;
                tracing::debug!(opened = st.opened, updated = st.updated, "cases synced");
                last_sync = Instant::now();
            }
            Ok(())
        };
        loop {
            if abort.load(Ordering::Relaxed) {
                break;
            }
            let got = from[w].recv_timeout(config.commit_interval);
            let a = match got {
                Ok(a) => a,
                Err(RecvTimeoutError::Timeout) => {
                    commit(
                        &mut pending,
                        &mut read_at,
                        &mut signals,
                        processed,
                        last_time,
                        summary,
                    )?;
                    last_commit = Instant::now();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            m.queue_commit.add(-1);
            w = (w + 1) % from.len();
            let Analyzed { chunk, texts } = a;
            debug_assert_eq!(
                chunk.first_seq + chunk.items.len() as u64 - chunk.items.len() as u64,
                chunk.first_seq
            );
            let mut texts = texts.into_iter();
            for (j, item) in chunk.items.into_iter().enumerate() {
                let seq = chunk.first_seq + j as u64;
                let text = texts.next().flatten();
                let replay = seq < resume;
                let Item {
                    record,
                    input,
                    line,
                    read_at: t_read,
                    key,
                    ..
                } = item;
                last_time = last_time.max(key.time);
                let mut store_it = true;
                match &record {
                    Record::Account(a) => {
                        merge_account(&mut accounts, a);
                        if let Some(merged) = accounts.get(&a.id) {
                            for d in detectors.iter_mut() {
                                d.on_account(merged, &mut out);
                            }
                        }
                    }
                    Record::Enforcement(e) => {
                        for d in detectors.iter_mut() {
                            d.on_enforcement(e, &mut out);
                        }
                    }
                    Record::Post(p) => {
                        let id = vigil_model::fasthash::hash64(p.id.as_bytes());
                        let mut h = vigil_model::fasthash::FastHasher::default();
                        p.hash(&mut h);
                        match seen.check(id, h.finish(), seq) {
                            Seen::New => {
                                if let Some(text) = &text {
                                    let mut facts = Facts::default();
                                    let mut obs = Observation {
                                        post: p,
                                        account: accounts.get(&p.account_id),
                                        text,
                                        facts: &mut facts,
                                    };
                                    for d in detectors.iter_mut() {
                                        d.on_post(&mut obs, &mut out);
                                    }
                                }
                                summary.posts_detected += 1;
                                m.posts_detected.inc();
                            }
                            Seen::Same => {
                                summary.duplicates += 1;
                                m.duplicates.inc();
                                store_it = false;
                            }
                            // Same id, new content: the store updates it; detectors saw it once.
                            Seen::Conflict(_) => {}
                        }
                        if store_it && !replay {
                            read_at.push(t_read);
                        }
                    }
                }
                processed = seq + 1;
                if processed == resume {
                    summary.replay_ms = Some(started.elapsed().as_millis() as u64);
                    tracing::info!(
                        committed = resume,
                        ms = started.elapsed().as_millis() as u64,
                        "re-derived the committed prefix"
                    );
                }
                if replay {
                    out.clear();
                    continue;
                }
                signals.append(&mut out);
                if store_it {
                    pending.push(Sourced {
                        record,
                        source: names[input as usize].clone(),
                        line,
                    });
                }
            }
            m.pending_records.set(pending.len() as i64);
            if pending.len() >= config.commit_records
                || last_commit.elapsed() >= config.commit_interval
            {
                commit(
                    &mut pending,
                    &mut read_at,
                    &mut signals,
                    processed,
                    last_time,
                    summary,
                )?;
                last_commit = Instant::now();
            }
        }
        commit(
            &mut pending,
            &mut read_at,
            &mut signals,
            processed,
            last_time,
            summary,
        )?;
        summary.merged = processed.max(resume);
        summary.latency_p50_us = hist.quantile_us(0.5);
        summary.latency_p99_us = hist.quantile_us(0.99);
        Ok(())
    }
}

/// Merge an account record into what the stream has said about the account so far, as the
/// store does: a field a record carries replaces the old one; a field it lacks keeps it.
fn merge_account(map: &mut HashMap<String, Account>, a: &Account) {
    match map.get_mut(&a.id) {
        None => {
            map.insert(a.id.clone(), a.clone());
        }
        Some(old) => {
            macro_rules! take {
                ($($f:ident),*) => {$( if a.$f.is_some() { old.$f = a.$f.clone(); } )*};
            }
            take!(
                handle,
                display_name,
                bio,
                created_at,
                followers,
                following,
                avatar_url,
                avatar_pdq
            );
            if a.status != vigil_model::AccountStatus::default() {
                old.status = a.status;
            }
        }
    }
}
