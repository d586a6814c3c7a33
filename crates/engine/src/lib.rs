//! The streaming engine: sources → event-time merge → parallel text stage → detectors →
//! store and cases, in one pipeline that every entry point (`vigil ingest`, the HTTP ingest
//! endpoint, `vigil demo`, `vigil bench`) runs.
//!
//! Threads: one reader per active input (parse, then reorder within the lateness), one merge
//! thread (k-way merge of the inputs by event time, in an order that does not depend on how
//! the inputs were named), `workers` text-stage threads (one `vigil_text::Analyzer` each), the
//! sequencer on the caller's thread (de-duplication, accounts, the detectors before
//! `Config::second_stage`), a second detector stage (the rest of the detectors, batch
//! assembly) and the writer, which owns the store for the run and commits each batch's
//! records, signals and checkpoint in one transaction (and syncs cases on a live stream).
//! Every queue is bounded, so the slowest stage sets the pace.
//!
//! Crash safety: the checkpoint says how many records of the merged stream are committed.
//! The merged stream is a pure function of the inputs' bytes, so a restart re-derives it,
//! feeds the committed prefix to the detectors without writing anything (rebuilding their
//! state), and carries on from the first uncommitted record. Nothing is lost or written twice.

pub mod follow;
pub mod metrics;
mod order;
mod pipeline;
pub mod probe;
mod source;

pub use follow::Follow;
pub use metrics::{global as metrics, Metrics};
pub use pipeline::run;
pub use source::Source;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use vigil_ingest::{Format, InputStats, Limits};
use vigil_store::WriteStats;

/// Why a run failed. Bad records never end up here: they are quarantined and counted.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed (an internal fault).
    #[error("store: {0}")]
    Store(#[from] vigil_store::StoreError),
    /// Opening or syncing cases failed.
    #[error("cases: {0}")]
    Cases(#[from] vigil_cases::CaseError),
    /// An input could not be opened or read.
    #[error("input {0}")]
    Input(String),
    /// Persisting the detectors' findings after a refresh failed.
    #[error("refresh: {0}")]
    Refresh(String),
    /// An engine thread panicked.
    #[error("engine thread panicked: {0}")]
    Panicked(&'static str),
}

/// A bad record, as a reader found it.
pub struct Problem<'a> {
    pub file: &'a str,
    pub line: u64,
    pub reason: &'a str,
    /// The record's bytes (the adapter bounds them).
    pub raw: &'a [u8],
    /// The input's format name, `""` when undetected.
    pub format: &'static str,
}

/// Where bad records go (the CLI's quarantine file, an HTTP response).
pub type ProblemFn = dyn Fn(&Problem<'_>) + Send + Sync;

/// Called on every record as its input reads it, before ordering: fills derived fields such
/// as media hashes (the file the record came from is given to resolve relative paths).
pub type PrepareFn = dyn Fn(&mut vigil_model::Record, &str) + Send + Sync;

/// Settings of a run.
#[derive(Clone)]
pub struct Config {
    /// Text-stage threads; 0 means one per core.
    pub workers: usize,
    /// How far behind the latest event time of its input a record may arrive and still be put
    /// in order, ms. Later records are processed late (out of order), never dropped.
    pub lateness_ms: i64,
    /// Most records one input's reorder buffer holds (a Telegram export is sorted whole up
    /// to this); past it the oldest is released and what arrives behind it is late.
    pub max_held: usize,
    /// Records per chunk between stages.
    pub chunk: usize,
    /// Chunks in flight per queue.
    pub queue: usize,
    /// Records per store transaction.
    pub commit_records: usize,
    /// Longest wait before an open batch is committed (latency bound on a slow stream).
    pub commit_interval: Duration,
    /// The writer joins consecutive batches smaller than `commit_records` into one transaction
    /// for up to this long after the first of them arrived: a slow stream then commits every
    /// `commit_group` rather than every `commit_interval`, rewriting the pages it touched (its
    /// random index leaves) that much less often. Zero commits every batch on its own.
    pub commit_group: Duration,
    /// Bounds on what any input may cost (docs/FORMAT.md).
    pub limits: Limits,
    /// A fixed input format; `None` detects it per input.
    pub format: Option<Format>,
    /// Write checkpoints and resume an unfinished run of the same inputs.
    pub checkpoints: bool,
    /// Open and update cases from the signals at the end of the run.
    pub sync_cases: bool,
    /// Also sync cases this often while the run goes on (live streams never end).
    pub sync_every: Option<Duration>,
    pub score: vigil_cases::ScoreConfig,
    /// Posts remembered to catch repeats across inputs (constant memory, 24 bytes each).
    pub dedup_window: usize,
    /// Pace the merged stream to this many records per second (benchmarks): a live stream at
    /// that rate. A record's latency then counts from its turn in the paced stream, not from
    /// when its file was read ahead.
    pub rate_limit: Option<f64>,
    /// The detector the second detector stage starts at: it and every detector after it run
    /// on a thread of their own, pipelined behind the first ones. Detectors that share state
    /// other than a post's `Facts` and the signals emitted on it must be on the same side of
    /// the split (the caller, who built them, knows). `None`, or a name not in the list: one
    /// stage.
    pub second_stage: Option<&'static str>,
    /// Where bad records go.
    pub on_problem: Option<Arc<ProblemFn>>,
    /// Runs on every record as it is read (media hashing); `None` leaves records as parsed.
    pub prepare: Option<Arc<PrepareFn>>,
    /// Set to stop the run cleanly: what was read is committed, the checkpoint stays open.
    pub stop: Option<Arc<AtomicBool>>,
    /// Refresh the detectors' whole-picture findings (`Detector::refresh`: risk, campaign and
    /// cluster membership, cross-platform links) when a post's event time enters a new period
    /// of this many ms, and at least `refresh_min_posts` posts went by since the last refresh.
    /// Event time, not wall time: a crashed run's replay makes the same calls. `None`: only at
    /// the end of the stream.
    pub refresh_every_ms: Option<i64>,
    pub refresh_min_posts: u64,
    /// Runs on the writer thread after the batch holding a refresh's signals is committed
    /// (persisting the detectors' findings: campaigns, clusters, links, risk).
    pub after_refresh: Option<Arc<AfterRefreshFn>>,
}

/// See [`Config::after_refresh`].
pub type AfterRefreshFn = dyn Fn(&mut dyn vigil_store::Store) -> Result<(), String> + Send + Sync;

impl Default for Config {
    fn default() -> Self {
        Config {
            workers: 0,
            lateness_ms: 60_000,
            max_held: 1 << 20,
            chunk: 512,
            queue: 4,
            commit_records: 16_384,
            commit_interval: Duration::from_millis(250),
            commit_group: Duration::from_secs(1),
            limits: Limits::default(),
            format: None,
            checkpoints: true,
            sync_cases: true,
            sync_every: None,
            score: vigil_cases::ScoreConfig::default(),
            dedup_window: 1 << 20,
            rate_limit: None,
            second_stage: None,
            on_problem: None,
            prepare: None,
            stop: None,
            refresh_every_ms: Some(3_600_000),
            refresh_min_posts: 50_000,
            after_refresh: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("workers", &self.workers)
            .field("lateness_ms", &self.lateness_ms)
            .field("chunk", &self.chunk)
            .field("queue", &self.queue)
            .field("commit_records", &self.commit_records)
            .field("commit_interval", &self.commit_interval)
            .field("commit_group", &self.commit_group)
            .field("format", &self.format)
            .field("checkpoints", &self.checkpoints)
            .field("sync_cases", &self.sync_cases)
            .field("rate_limit", &self.rate_limit)
            .field("second_stage", &self.second_stage)
            .field("refresh_every_ms", &self.refresh_every_ms)
            .field("refresh_min_posts", &self.refresh_min_posts)
            .finish_non_exhaustive()
    }
}

/// Counts for one input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputSummary {
    pub input: String,
    pub format: Option<&'static str>,
    #[serde(flatten)]
    pub stats: InputStats,
    /// Records that arrived later than the lateness bound.
    pub late: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub inputs: Vec<InputSummary>,
    pub totals: InputStats,
    /// Records of the merged stream, including a resumed run's committed prefix.
    pub merged: u64,
    /// Records already committed by an earlier, interrupted run of the same inputs.
    pub resumed_from: u64,
    /// A resumed run: ms from its start until it had re-derived the committed prefix.
    pub replay_ms: Option<u64>,
    /// Posts shown to the detectors (first sightings in this stream).
    pub posts_detected: u64,
    /// Repeats of a post already seen in this stream (stored once, detected once).
    pub duplicates: u64,
    pub late: u64,
    pub written: WriteStats,
    pub signals: WriteStats,
    pub cases: Option<vigil_cases::SyncStats>,
    pub commits: u64,
    pub detectors: Vec<String>,
    pub elapsed_ms: u64,
    /// Read-to-commit latency per post (bucket bounds, µs); in a paced run (`rate_limit`) from
    /// the record's turn in the paced stream.
    pub latency_p50_us: Option<f64>,
    pub latency_p99_us: Option<f64>,
    /// The run was stopped before its inputs ended; its checkpoint stays open.
    pub stopped: bool,
}
