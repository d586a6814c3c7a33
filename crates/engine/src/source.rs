//! Sources: files, readers (standard input, an HTTP body) and followed files, each parsed by
//! the platform adapters on its own thread into event-time-ordered chunks.

use crate::metrics::Metrics;
use crate::order::{key_of, Item, Reorder};
use crate::{EngineError, Problem, ProblemFn};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::Instant;
use vigil_ingest::{Emitter, Format, InputStats, Limits, Place, Sink};
use vigil_model::Record;

/// One input of a run.
pub enum Source {
    /// A file; its format is detected unless the run fixes one.
    File { name: String, path: PathBuf },
    /// Any byte stream (standard input, an HTTP body). It cannot be peeked, so it joins the
    /// merge from the start.
    Reader {
        name: String,
        reader: Box<dyn Read + Send>,
    },
    /// A file or directory that keeps growing: see [`crate::follow`].
    Follow(crate::follow::Follow),
    /// Records parsed elsewhere (the HTTP ingest endpoint), in batches, until the sender
    /// hangs up. A quiet stream releases what its reorder buffer holds after `idle`.
    Records {
        name: String,
        /// Shared so that a live service can restart a failed run on the same queue.
        rx: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Vec<vigil_store::Sourced>>>>,
        idle: std::time::Duration,
    },
}

impl Source {
    pub fn name(&self) -> &str {
        match self {
            Source::File { name, .. }
            | Source::Reader { name, .. }
            | Source::Records { name, .. } => name,
            Source::Follow(f) => f.name(),
        }
    }

    /// A file source named by its path.
    pub fn file(path: impl Into<PathBuf>) -> Source {
        let path = path.into();
        Source::File {
            name: path.display().to_string(),
            path,
        }
    }
}

/// Bytes read from the front of a large file to find its first event time.
const PEEK_BYTES: u64 = 1 << 20;
/// Files up to this size are parsed whole to find their first event time.
const PEEK_WHOLE: u64 = 8 << 20;

/// Stops the adapter with an IO error once the run is aborted.
pub(crate) struct Abortable<R> {
    pub inner: R,
    pub abort: Arc<AtomicBool>,
}

impl<R: Read> Read for Abortable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.abort.load(Ordering::Relaxed) {
            return Err(io::Error::other("run aborted"));
        }
        self.inner.read(buf)
    }
}

struct MinTime(Option<i64>);
impl Sink for MinTime {
    fn record(&mut self, rec: Record, _: Place<'_>) {
        let t = match &rec {
            Record::Post(p) => p.created_at,
            Record::Enforcement(e) => e.at,
            Record::Account(_) => return,
        };
        self.0 = Some(self.0.map_or(t, |m| m.min(t)));
    }
    fn quarantine(&mut self, _: Place<'_>, _: &str, _: &[u8]) {}
}

/// The format of a file: the fixed one, or detected from its head.
pub(crate) fn format_of(path: &Path, fixed: Option<Format>) -> Result<Option<Format>, EngineError> {
    match fixed {
        Some(f) => Ok(Some(f)),
        None => vigil_ingest::detect_path(path).map_err(|e| EngineError::Input(e.to_string())),
    }
}

/// The earliest event time in the front of a file (the whole file when it is small). A
/// function of the file's bytes only, so input activation is deterministic.
pub(crate) fn peek_start(path: &Path, format: Format, limits: &Limits) -> Option<i64> {
    let f = std::fs::File::open(path).ok()?;
    let size = f.metadata().ok()?.len();
    let mut sink = MinTime(None);
    let mut lim = *limits;
    lim.dedup_window = 64;
    {
        let mut em = Emitter::new(&mut sink, lim);
        let r: Box<dyn Read> = if size <= PEEK_WHOLE {
            Box::new(f)
        } else {
            Box::new(f.take(PEEK_BYTES))
        };
        let _ =
            vigil_ingest::read_input(r, format, "peek", path.parent(), &lim, &mut em, &mut |_| {});
    }
    sink.0
}

/// What a reader thread reports when its input ends.
pub(crate) struct ReaderDone {
    pub name: String,
    pub format: Option<&'static str>,
    pub stats: InputStats,
    pub late: u64,
    pub error: Option<String>,
}

/// The reader's sink: stamps keys, reorders, and ships chunks to the merge.
struct ReaderSink<'a> {
    input: u32,
    reorder: Reorder,
    /// Accounts wait for the next timed record of their input and take its time, so that a
    /// page's users precede its posts; at the end they take the last time seen.
    accounts: Vec<(Record, u64)>,
    last_time: i64,
    arrival: u64,
    out: Vec<Item>,
    chunk: usize,
    tx: &'a SyncSender<Vec<Item>>,
    closed: bool,
    problems: Option<&'a ProblemFn>,
    prepare: Option<&'a crate::PrepareFn>,
    format: &'static str,
    metrics: &'a Metrics,
}

impl ReaderSink<'_> {
    fn stage(&mut self, record: Record, line: u64, time: i64) {
        self.arrival += 1;
        let item = Item {
            key: key_of(&record, time),
            record,
            input: self.input,
            line,
            arrival: self.arrival,
            read_at: Instant::now(),
        };
        self.reorder.push(item, &mut self.out);
    }

    fn ship(&mut self, force: bool) {
        if self.out.is_empty() || (!force && self.out.len() < self.chunk) {
            return;
        }
        let chunk = std::mem::replace(&mut self.out, Vec::with_capacity(self.chunk));
        self.metrics.records_read.add(chunk.len() as u64);
        if !self.closed && self.tx.send(chunk).is_err() {
            self.closed = true;
        }
    }

    fn finish(&mut self) {
        let t = self.last_time;
        for (rec, line) in std::mem::take(&mut self.accounts) {
            self.stage(rec, line, t);
        }
        self.reorder.flush(&mut self.out);
        self.ship(true);
    }
}

impl Sink for ReaderSink<'_> {
    fn record(&mut self, mut rec: Record, place: Place<'_>) {
        if let Some(prepare) = self.prepare {
            prepare(&mut rec, place.file);
        }
        let t = match &rec {
            Record::Account(_) => {
                self.accounts.push((rec, place.line));
                return;
            }
            Record::Post(p) => p.created_at,
            Record::Enforcement(e) => e.at,
        };
        for (a, line) in std::mem::take(&mut self.accounts) {
            self.stage(a, line, t);
        }
        self.last_time = t;
        self.stage(rec, place.line, t);
        self.ship(false);
    }

    fn quarantine(&mut self, place: Place<'_>, reason: &str, raw: &[u8]) {
        self.metrics.quarantined.inc();
        if let Some(f) = self.problems {
            f(&Problem {
                file: place.file,
                line: place.line,
                reason,
                raw,
                format: self.format,
            });
        }
    }
}

pub(crate) struct ReaderArgs<'a> {
    pub input: u32,
    pub name: String,
    pub lateness_ms: i64,
    pub chunk: usize,
    pub limits: Limits,
    pub fixed: Option<Format>,
    pub problems: Option<&'a ProblemFn>,
    pub prepare: Option<&'a crate::PrepareFn>,
    pub metrics: &'a Metrics,
    pub abort: Arc<AtomicBool>,
    pub max_held: usize,
}

/// Read one input to its end, sending ordered chunks; returns its counts.
pub(crate) fn read_source(a: ReaderArgs<'_>, src: Source, tx: SyncSender<Vec<Item>>) -> ReaderDone {
    let (format, reader, base): (Option<Format>, Box<dyn Read + Send>, Option<PathBuf>) = match src
    {
        Source::File { path, .. } => {
            let format = match format_of(&path, a.fixed) {
                Ok(f) => f,
                Err(e) => return done_err(a.name, e.to_string()),
            };
            match std::fs::File::open(&path) {
                Ok(f) => (format, Box::new(f), path.parent().map(Path::to_path_buf)),
                Err(e) => return done_err(a.name, format!("opening {}: {e}", path.display())),
            }
        }
        Source::Reader { mut reader, .. } => {
            let mut head = Vec::new();
            if let Err(e) = (&mut reader).take(64 << 10).read_to_end(&mut head) {
                return done_err(a.name, format!("reading: {e}"));
            }
            let f = a.fixed.or_else(|| vigil_ingest::detect(&head));
            (f, Box::new(io::Cursor::new(head).chain(reader)), None)
        }
        Source::Records { rx, idle, .. } => return read_records(a, rx, idle, tx),
        Source::Follow(f) => {
            let fmt = f.format.or(a.fixed);
            let base = f.base_dir();
            (fmt, Box::new(f), base)
        }
    };
    let mut limits = a.limits;
    // Duplicates across inputs are caught once, after the merge; per input a small window.
    limits.dedup_window = limits.dedup_window.min(1 << 14);
    // A Telegram export nests messages by chat, so its time order holds only within a chat:
    // sort the whole export (up to the reorder buffer's cap) instead of trusting the lateness.
    let lateness = match format {
        Some(Format::Telegram) => i64::MAX,
        _ => a.lateness_ms,
    };
    let mut sink = ReaderSink {
        input: a.input,
        reorder: Reorder::with_cap(lateness, a.max_held),
        accounts: Vec::new(),
        last_time: i64::MIN,
        arrival: 0,
        out: Vec::with_capacity(a.chunk),
        chunk: a.chunk,
        tx: &tx,
        closed: false,
        problems: a.problems,
        prepare: a.prepare,
        format: format.map(Format::name).unwrap_or(""),
        metrics: a.metrics,
    };
    let mut em = Emitter::new(&mut sink, limits);
    let Some(format) = format else {
        em.begin(&a.name, None);
        em.quarantine_at(
            1,
            &format!(
                "cannot detect the format; pass --format (one of: {})",
                vigil_ingest::known_formats()
            ),
            b"",
        );
        let stats = em.take_stats();
        return ReaderDone {
            name: a.name,
            format: None,
            stats,
            late: 0,
            error: None,
        };
    };
    let mut bytes = 0u64;
    let reader = Abortable {
        inner: reader,
        abort: a.abort.clone(),
    };
    let r = vigil_ingest::read_input(
        reader,
        format,
        &a.name,
        base.as_deref(),
        &limits,
        &mut em,
        &mut |n| {
            bytes += n;
            a.metrics.bytes_read.add(n);
        },
    );
    let mut stats = em.take_stats();
    drop(em);
    stats.bytes = bytes;
    sink.finish();
    ReaderDone {
        name: a.name,
        format: Some(format.name()),
        stats,
        late: sink.reorder.late,
        error: r.err().map(|e| e.to_string()),
    }
}

fn done_err(name: String, e: String) -> ReaderDone {
    ReaderDone {
        name,
        format: None,
        stats: InputStats::default(),
        late: 0,
        error: Some(e),
    }
}

/// A [`Source::Records`] stream: no parsing, the same ordering and shipping.
fn read_records(
    a: ReaderArgs<'_>,
    rx: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Vec<vigil_store::Sourced>>>>,
    idle: std::time::Duration,
    tx: SyncSender<Vec<Item>>,
) -> ReaderDone {
    let rx = match rx.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let mut sink = ReaderSink {
        input: a.input,
        reorder: Reorder::with_cap(a.lateness_ms, a.max_held),
        accounts: Vec::new(),
        last_time: i64::MIN,
        arrival: 0,
        out: Vec::new(),
        chunk: a.chunk,
        tx: &tx,
        closed: false,
        problems: None,
        prepare: a.prepare,
        format: "records",
        metrics: a.metrics,
    };
    let mut stats = InputStats::default();
    loop {
        if a.abort.load(Ordering::Relaxed) || sink.closed {
            break;
        }
        match rx.recv_timeout(idle) {
            Ok(batch) => {
                for s in batch {
                    stats.records += 1;
                    match &s.record {
                        Record::Post(_) => stats.posts += 1,
                        Record::Account(_) => stats.accounts += 1,
                        Record::Enforcement(_) => stats.enforcement += 1,
                    }
                    let name = s.source.clone();
                    sink.record(
                        s.record,
                        Place {
                            file: &name,
                            line: s.line,
                        },
                    );
                }
                // A live batch is ordered within itself and released whole: holding records
                // for later batches would hide them from backpressure. Older records in a later
                // batch are late.
                let t = sink.last_time;
                for (rec, line) in std::mem::take(&mut sink.accounts) {
                    sink.stage(rec, line, t);
                }
                sink.reorder.flush(&mut sink.out);
                sink.ship(true);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                // Quiet: nothing older is coming soon; release what is held.
                let t = sink.last_time;
                for (rec, line) in std::mem::take(&mut sink.accounts) {
                    sink.stage(rec, line, t);
                }
                sink.reorder.flush(&mut sink.out);
                sink.ship(true);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    sink.finish();
    ReaderDone {
        name: a.name,
        format: Some("records"),
        stats,
        late: sink.reorder.late,
        error: None,
    }
}
