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
use vigil_store::{Checkpoint, Sourced, Store, WriteStats};
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
    let hist = Histogram::new();
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
        let (to_writer, writer_rx) = mpsc::sync_channel::<Batch>(WRITE_QUEUE);
        let (abort_w, hist_w, key_w) = (&*abort, &hist, key.as_str());
        let n_inputs = input_names.len();
        let store_w = &mut *store;
        let writer = std::thread::Builder::new()
            .name("vigil-write".into())
            .spawn_scoped(s, move || {
                writer(config, store_w, key_w, n_inputs, writer_rx, hist_w, abort_w)
            })
            .map_err(|_| EngineError::Panicked("spawning the writer"))?;
        let seq = Sequencer {
            config,
            detectors: &mut detectors,
            resume,
            started,
        }
        .run(s, from_workers, to_writer, &input_names, &abort);
        if seq.is_err() {
            abort.store(true, Ordering::SeqCst);
        }
        // The sender went with the sequencer: the writer drains what is queued and ends.
        let written = writer.join().map_err(|_| EngineError::Panicked("writer"));
        if !matches!(written, Ok(Ok(_))) {
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
        let written = written??;
        let seq = seq?;
        summary.merged = seq.merged.max(resume);
        summary.posts_detected = seq.posts_detected;
        summary.duplicates = seq.duplicates;
        summary.replay_ms = seq.replay_ms;
        summary.written += written.records;
        // Skipped before the writer, they are still records whose content was already stored.
        summary.written.unchanged += seq.accounts_unchanged;
        summary.signals += written.signals;
        summary.commits += written.commits;
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
    summary.latency_p50_us = hist.quantile_us(0.5);
    summary.latency_p99_us = hist.quantile_us(0.99);
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
    fn push(&mut self, mut item: Item) {
        if let Some((rate, t0)) = self.rate {
            // A paced run stands for a live stream delivering records at `rate`: a record
            // arrives at its turn, not when a reader read it ahead of that (file readers fill
            // their queues long before the pace lets the records through).
            let due = t0 + std::time::Duration::from_secs_f64(self.seq as f64 / rate);
            if due > item.read_at {
                item.read_at = due;
            }
        }
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

/// Batches in flight from the sequencer to the writer: one being written, this many waiting.
/// A slow disk stalls the detectors here instead of piling batches up in memory.
const WRITE_QUEUE: usize = 2;

/// One batch on its way to the writer. Its records, signals and the checkpoint that covers
/// them (`merged`) become durable in one transaction.
struct Batch {
    records: Vec<Sourced>,
    signals: Vec<Signal>,
    /// Records of the merged stream that are committed once this batch is.
    merged: u64,
    /// Latest event time in the batch (metrics).
    last_time: i64,
    /// When each stored post of the batch was read (latency).
    read_at: Vec<Instant>,
    /// The batch's text analyses, freed on the writer thread instead of the sequencer's.
    spent: Vec<TextAnalysis>,
    /// The batch holds a refresh's signals: run `Config::after_refresh` once it is committed.
    refreshed: bool,
}

/// What the writer committed.
#[derive(Default)]
struct Written {
    records: WriteStats,
    signals: WriteStats,
    commits: u64,
}

/// The writer thread: owns the store for the length of the stream, commits batches in the
/// order the sequencer sent them (records, signals, checkpoint in one transaction; consecutive
/// small batches share one, see `Config::commit_group`) and syncs cases every
/// `config.sync_every` from what it has committed. A store error aborts the run.
fn writer<S: Store + CaseStore>(
    config: &Config,
    store: &mut S,
    key: &str,
    inputs: usize,
    rx: Receiver<Batch>,
    hist: &Histogram,
    abort: &AtomicBool,
) -> Result<Written, EngineError> {
    let m = global();
    let mut done = Written::default();
    let mut last_sync = Instant::now();
    let state = serde_json::json!({"phase": "running", "inputs": inputs});
    // Batches waiting for their group's commit, their records, and when the first arrived.
    let mut group: Vec<Batch> = Vec::new();
    let mut group_records = 0usize;
    let mut group_since = Instant::now();
    let mut commit = |group: &mut Vec<Batch>, store: &mut S| -> Result<(), EngineError> {
        let Some(last) = group.last() else {
            return Ok(());
        };
        let (wr, sg) = if config.checkpoints {
            let cp = Checkpoint {
                stream: key.to_string(),
                merged: last.merged,
                done: false,
                state: state.clone(),
            };
            let parts: Vec<(&[Sourced], &[Signal])> = group
                .iter()
                .map(|b| (&b.records[..], &b.signals[..]))
                .collect();
            store.commit_stream_parts(&parts, &cp)?
        } else {
            let (mut wr, mut sg) = (WriteStats::default(), WriteStats::default());
            for b in group.iter() {
                wr += store.write_batch(&b.records)?;
                sg += store.write_signals(&b.signals)?;
            }
            (wr, sg)
        };
        let now = Instant::now();
        if let Some(oldest) = group.iter().flat_map(|b| b.read_at.iter()).min() {
            m.lag_ms.set(now.duration_since(*oldest).as_millis() as i64);
        }
        for t in group.iter().flat_map(|b| b.read_at.iter()) {
            let us = now.duration_since(*t).as_micros() as u64;
            hist.observe_us(us);
            m.latency.observe_us(us);
        }
        done.records += wr;
        done.signals += sg;
        done.commits += 1;
        m.commits.inc();
        for b in group.iter() {
            m.records_committed.add(b.records.len() as u64);
            m.signals.add(b.signals.len() as u64);
        }
        m.event_time_ms.set(last.last_time);
        tracing::debug!(batches = group.len(), merged = last.merged, "commit");
        let refreshed = group.iter().any(|b| b.refreshed);
        group.clear();
        if let (true, Some(f)) = (refreshed, &config.after_refresh) {
            f(&mut *store).map_err(EngineError::Refresh)?;
        }
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
    let r = (|| -> Result<(), EngineError> {
        loop {
            let next = if group.is_empty() {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                let wait = config.commit_group.saturating_sub(group_since.elapsed());
                rx.recv_timeout(wait)
            };
            match next {
                Ok(mut b) => {
                    m.queue_write.add(-1);
                    // Free the spent analyses now, not when the group commits.
                    drop(std::mem::take(&mut b.spent));
                    if group.is_empty() {
                        group_since = Instant::now();
                        group_records = 0;
                    }
                    group_records += b.records.len();
                    let now = b.refreshed
                        || group_records >= config.commit_records
                        || group_since.elapsed() >= config.commit_group;
                    group.push(b);
                    if now {
                        commit(&mut group, store)?;
                    }
                }
                Err(RecvTimeoutError::Timeout) => commit(&mut group, store)?,
                Err(RecvTimeoutError::Disconnected) => {
                    commit(&mut group, store)?;
                    break;
                }
            }
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(done),
        Err(e) => {
            // Stop everything upstream; the sequencer finds the channel closed.
            abort.store(true, Ordering::SeqCst);
            m.errors.inc();
            Err(e)
        }
    }
}

/// The detector stages: the first (on the caller's thread) de-duplicates, keeps the accounts
/// and runs the detectors before `Config::second_stage`; the second (its own thread) runs the
/// rest in the same order and assembles the batches for the writer. Detectors only talk to each other
/// through a post's `Facts` and the signals emitted on it so far (`out`), and both travel
/// with the post from one stage to the next, so every detector sees exactly what it would
/// see if they all ran on one thread.
struct Sequencer<'a> {
    config: &'a Config,
    detectors: &'a mut [Box<dyn Detector>],
    resume: u64,
    started: Instant,
}

/// What the detector stages counted.
#[derive(Default)]
struct Sequenced {
    /// Merged records processed.
    merged: u64,
    posts_detected: u64,
    duplicates: u64,
    /// Account records that said nothing new about an account this stream already merged
    /// (neither stored again nor shown to the detectors again).
    accounts_unchanged: u64,
    replay_ms: Option<u64>,
}

/// What the second stage does with a record.
// Moved, never copied, and at most `chunk × queue` of them in flight: not worth a box per post.
#[allow(clippy::large_enum_variant)]
enum Detect {
    /// Nothing (an account, a repeat, a post without text analysis).
    Skip,
    /// A first sighting of a post, with its analysis, facts and author so far.
    Post {
        text: TextAnalysis,
        facts: Facts,
        account: Option<Arc<Account>>,
    },
    Enforcement,
    /// An account record, merged with what the stream said about the account before.
    Account(Arc<Account>),
}

/// A record between the two detector stages.
struct Staged {
    record: Record,
    input: u32,
    line: u64,
    seq: u64,
    time: i64,
    /// When the record was read: a post that will be stored (latency).
    read_at: Option<Instant>,
    /// Stored (not a repeat, not in the re-derived prefix).
    store: bool,
    /// In the committed prefix of a resumed run: detectors see it, nothing is written.
    replay: bool,
    detect: Detect,
    /// Spare text analysis to free on the writer (posts the detectors did not see).
    spent: Option<TextAnalysis>,
    /// Signals the first stage emitted on this record.
    out: Vec<Signal>,
    /// After this record, every detector refreshes its findings as of this event time.
    refresh: Option<i64>,
}

/// Accounts the stream has described so far, keyed by a 64-bit hash of their id (the id is
/// checked on every read, so a collision can only forget an account, never confuse two).
type AccountMap = vigil_model::fasthash::HashedMap<Arc<Account>>;

/// Where the detectors split between the stages (`Config::second_stage`).
fn split_at(config: &Config, detectors: &[Box<dyn Detector>]) -> usize {
    config
        .second_stage
        .and_then(|n| detectors.iter().position(|d| d.name() == n))
        .unwrap_or(detectors.len())
}

impl<'a> Sequencer<'a> {
    /// Runs until the workers' queues close or the run aborts. Returns early (with `Ok`) when
    /// a later stage has gone: the writer's own error is the one the run reports.
    fn run<'s, 'e>(
        self,
        s: &'s std::thread::Scope<'s, 'e>,
        from: Vec<Receiver<Analyzed>>,
        to_writer: SyncSender<Batch>,
        names: &'s [Arc<str>],
        abort: &AtomicBool,
    ) -> Result<Sequenced, EngineError>
    where
        'a: 's,
    {
        let m = global();
        let Sequencer {
            config,
            detectors,
            resume,
            started,
        } = self;
        let mut summary = Sequenced::default();
        let k = split_at(config, detectors);
        let (first, second) = detectors.split_at_mut(k);
        let (tx, rx) = mpsc::sync_channel::<Vec<Staged>>(config.queue.max(1));
        let second = std::thread::Builder::new()
            .name("vigil-detect".into())
            .spawn_scoped(s, move || {
                stage_two(config, second, resume, names, rx, to_writer)
            })
            .map_err(|_| EngineError::Panicked("spawning the second detector stage"))?;
        let mut seen = RecentIds::new(config.dedup_window.max(1024));
        let mut accounts = AccountMap::default();
        let mut period_seen: Option<i64> = None;
        let mut posts_since: u64 = 0;
        let mut out: Vec<Signal> = Vec::new();
        let mut w = 0;
        loop {
            if abort.load(Ordering::Relaxed) {
                break;
            }
            let a = match from[w].recv_timeout(config.commit_interval) {
                Ok(a) => a,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            m.queue_commit.add(-1);
            w = (w + 1) % from.len();
            let Analyzed { chunk, texts } = a;
            let mut texts = texts.into_iter();
            let mut staged = Vec::with_capacity(chunk.items.len());
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
                let mut store_it = true;
                let mut refresh = None;
                let mut detect = Detect::Skip;
                let mut spent = None;
                match &record {
                    // A repeat of what the stream already said about the account (platforms
                    // send the author's profile with every page of posts): the store would
                    // not change and every detector has seen this merged account already.
                    Record::Account(a) if !merge_account(&mut accounts, a) => {
                        store_it = false;
                        if !replay {
                            summary.accounts_unchanged += 1;
                        }
                    }
                    Record::Account(a) => {
                        if let Some(merged) = account_of(&accounts, &a.id) {
                            for d in first.iter_mut() {
                                d.on_account(merged, &mut out);
                            }
                            detect = Detect::Account(merged.clone());
                        }
                    }
                    Record::Enforcement(e) => {
                        for d in first.iter_mut() {
                            d.on_enforcement(e, &mut out);
                        }
                        detect = Detect::Enforcement;
                    }
                    Record::Post(p) => {
                        let id = vigil_model::fasthash::hash64(p.id.as_bytes());
                        let mut h = vigil_model::fasthash::FastHasher::default();
                        p.hash(&mut h);
                        match seen.check(id, h.finish(), seq) {
                            Seen::New => {
                                if let Some(text) = text {
                                    let account = account_of(&accounts, &p.account_id);
                                    let mut facts = Facts::default();
                                    let mut obs = Observation {
                                        post: p,
                                        account: account.map(|a| &**a),
                                        text: &text,
                                        facts: &mut facts,
                                    };
                                    for d in first.iter_mut() {
                                        d.on_post(&mut obs, &mut out);
                                    }
                                    posts_since += 1;
                                    if let Some(every) = config.refresh_every_ms {
                                        let period = key.time.div_euclid(every.max(1));
                                        match period_seen {
                                            None => period_seen = Some(period),
                                            Some(p)
                                                if period > p
                                                    && posts_since >= config.refresh_min_posts =>
                                            {
                                                period_seen = Some(period);
                                                posts_since = 0;
                                                refresh = Some(key.time);
                                                // Into their own list: a detector that reads
                                                // `out` in `refresh` sees each signal once.
                                                let mut rout = Vec::new();
                                                for d in first.iter_mut() {
                                                    d.refresh(key.time, &mut rout);
                                                }
                                                out.append(&mut rout);
                                                m.refreshes.inc();
                                            }
                                            Some(_) => {}
                                        }
                                    }
                                    detect = Detect::Post {
                                        text,
                                        facts,
                                        account: account.cloned(),
                                    };
                                }
                                summary.posts_detected += 1;
                                m.posts_detected.inc();
                            }
                            Seen::Same => {
                                summary.duplicates += 1;
                                m.duplicates.inc();
                                store_it = false;
                                spent = text;
                            }
                            // Same id, new content: the store updates it; detectors saw it once.
                            Seen::Conflict(_) => spent = text,
                        }
                    }
                }
                let stored_post = store_it && !replay && matches!(record, Record::Post(_));
                staged.push(Staged {
                    record,
                    input,
                    line,
                    seq,
                    time: key.time,
                    read_at: stored_post.then_some(t_read),
                    store: store_it && !replay,
                    replay,
                    detect,
                    spent,
                    out: std::mem::take(&mut out),
                    refresh,
                });
                if seq + 1 == resume {
                    summary.replay_ms = Some(started.elapsed().as_millis() as u64);
                    tracing::info!(
                        committed = resume,
                        ms = started.elapsed().as_millis() as u64,
                        "re-derived the committed prefix"
                    );
                }
            }
            m.queue_detect.add(1);
            if tx.send(staged).is_err() {
                m.queue_detect.add(-1);
                break;
            }
        }
        drop(tx);
        summary.merged = second
            .join()
            .map_err(|_| EngineError::Panicked("second detector stage"))?;
        Ok(summary)
    }
}

/// The second detector stage: the rest of the detectors, then batches to the writer (a batch
/// every `commit_records` records or `commit_interval`). Returns the merged records processed.
fn stage_two(
    config: &Config,
    detectors: &mut [Box<dyn Detector>],
    resume: u64,
    names: &[Arc<str>],
    rx: Receiver<Vec<Staged>>,
    to_writer: SyncSender<Batch>,
) -> u64 {
    let m = global();
    let cap = config.commit_records.clamp(1, 1 << 20);
    let fresh = || Batch {
        records: Vec::with_capacity(cap),
        signals: Vec::new(),
        merged: 0,
        last_time: i64::MIN,
        read_at: Vec::new(),
        spent: Vec::new(),
        refreshed: false,
    };
    let mut batch = fresh();
    let mut processed: u64 = 0;
    let mut last_time = i64::MIN;
    let mut last_commit = Instant::now();
    // Hands the open batch to the writer; false when the writer has gone.
    let commit = |batch: &mut Batch, processed: u64, last_time: i64| -> bool {
        if batch.records.is_empty() && batch.signals.is_empty() && processed <= resume {
            return true;
        }
        let mut b = std::mem::replace(batch, fresh());
        b.merged = processed;
        b.last_time = last_time;
        m.pending_records.set(0);
        m.queue_write.add(1);
        if to_writer.send(b).is_err() {
            m.queue_write.add(-1);
            return false;
        }
        true
    };
    loop {
        let staged = match rx.recv_timeout(config.commit_interval) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => {
                if !commit(&mut batch, processed, last_time) {
                    return processed;
                }
                last_commit = Instant::now();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        m.queue_detect.add(-1);
        for st in staged {
            let Staged {
                record,
                input,
                line,
                seq,
                time,
                read_at,
                store,
                replay,
                detect,
                spent,
                mut out,
                refresh,
            } = st;
            last_time = last_time.max(time);
            match (detect, &record) {
                (
                    Detect::Post {
                        text,
                        mut facts,
                        account,
                    },
                    Record::Post(p),
                ) => {
                    let mut obs = Observation {
                        post: p,
                        account: account.as_deref(),
                        text: &text,
                        facts: &mut facts,
                    };
                    for d in detectors.iter_mut() {
                        d.on_post(&mut obs, &mut out);
                    }
                    batch.spent.push(text);
                }
                (Detect::Enforcement, Record::Enforcement(e)) => {
                    for d in detectors.iter_mut() {
                        d.on_enforcement(e, &mut out);
                    }
                }
                (Detect::Account(a), _) => {
                    for d in detectors.iter_mut() {
                        d.on_account(&a, &mut out);
                    }
                }
                _ => {}
            }
            if let Some(now) = refresh {
                let mut rout = Vec::new();
                for d in detectors.iter_mut() {
                    d.refresh(now, &mut rout);
                }
                out.append(&mut rout);
                if !replay {
                    batch.refreshed = true;
                }
            }
            batch.spent.extend(spent);
            processed = seq + 1;
            if replay {
                continue;
            }
            batch.signals.append(&mut out);
            batch.read_at.extend(read_at);
            if store {
                batch.records.push(Sourced {
                    record,
                    source: names[input as usize].clone(),
                    line,
                });
            }
        }
        m.pending_records.set(batch.records.len() as i64);
        if batch.records.len() >= config.commit_records
            || last_commit.elapsed() >= config.commit_interval
        {
            if !commit(&mut batch, processed, last_time) {
                return processed;
            }
            last_commit = Instant::now();
        }
    }
    // What was read is committed even when an input failed (the checkpoint covers it).
    commit(&mut batch, processed, last_time);
    processed
}

/// The account `id` as the stream has described it so far.
fn account_of<'a>(map: &'a AccountMap, id: &str) -> Option<&'a Arc<Account>> {
    map.get(&vigil_model::fasthash::hash64(id.as_bytes()))
        .filter(|a| a.id == id)
}

/// The optional account fields a record carries or lacks, one list for merging and for
/// telling that a record adds nothing: `$m!(field, ...)`.
macro_rules! merged_fields {
    ($m:ident) => {
        $m!(
            handle,
            display_name,
            bio,
            created_at,
            followers,
            following,
            avatar_url,
            avatar_pdq
        )
    };
}

/// Merge an account record into what the stream has said about the account so far, as the
/// store does: a field a record carries replaces the old one; a field it lacks keeps it.
/// Returns false when the record changes nothing (every field it carries already holds that
/// value, and its status is the default or the one held): the store would keep the row as
/// it is, so the record need not be written or shown to the detectors again.
fn merge_account(map: &mut AccountMap, a: &Account) -> bool {
    match map.entry(vigil_model::fasthash::hash64(a.id.as_bytes())) {
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(Arc::new(a.clone()));
            true
        }
        // A 64-bit collision between two ids: the newer account replaces the older one.
        std::collections::hash_map::Entry::Occupied(mut o) if o.get().id != a.id => {
            o.insert(Arc::new(a.clone()));
            true
        }
        std::collections::hash_map::Entry::Occupied(o) if adds_nothing(o.get(), a) => false,
        std::collections::hash_map::Entry::Occupied(mut o) => {
            // Copied only while a post still in the second stage holds the old version.
            let old = Arc::make_mut(o.get_mut());
            macro_rules! take {
                ($($f:ident),*) => {$( if a.$f.is_some() { old.$f = a.$f.clone(); } )*};
            }
            merged_fields!(take);
            if a.status != vigil_model::AccountStatus::default() {
                old.status = a.status;
            }
            true
        }
    }
}

/// Whether merging `a` into `old` (same id) would leave `old` as it is.
fn adds_nothing(old: &Account, a: &Account) -> bool {
    macro_rules! same {
        ($($f:ident),*) => { true $( && (a.$f.is_none() || a.$f == old.$f) )* };
    }
    merged_fields!(same)
        && (a.status == vigil_model::AccountStatus::default() || a.status == old.status)
}
