//! Engine metrics: process-wide counters, gauges and a latency histogram, rendered in the
//! Prometheus text format for `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);
impl Counter {
    pub const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn inc(&self) {
        self.add(1)
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);
impl Gauge {
    pub const fn new() -> Gauge {
        Gauge(AtomicI64::new(0))
    }
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn set(&self, n: i64) {
        self.0.store(n, Ordering::Relaxed)
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Bucket upper bounds of [`Histogram`], in microseconds: 10 µs to about 168 s, ×1.5 apart
/// (quantiles read from it are within 50% of the truth, reported as the bucket's bound).
const BUCKETS: usize = 42;
fn bound_us(i: usize) -> f64 {
    10.0 * 1.5f64.powi(i as i32)
}

/// A latency histogram with fixed exponential buckets.
#[derive(Debug)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS + 1],
    sum_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    pub const fn new() -> Histogram {
        Histogram {
            counts: [const { AtomicU64::new(0) }; BUCKETS + 1],
            sum_us: AtomicU64::new(0),
        }
    }

    pub fn observe_us(&self, us: u64) {
        let mut i = 0;
        while i < BUCKETS && us as f64 > bound_us(i) {
            i += 1;
        }
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The upper bound (µs) of the bucket holding quantile `q`; `None` when empty.
    pub fn quantile_us(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let target = ((n as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c.load(Ordering::Relaxed);
            if seen >= target {
                return Some(if i < BUCKETS {
                    bound_us(i)
                } else {
                    f64::INFINITY
                });
            }
        }
        None
    }
}

/// Everything the engine counts. One process-wide instance: [`global`].
#[derive(Debug, Default)]
pub struct Metrics {
    pub bytes_read: Counter,
    pub records_read: Counter,
    pub records_merged: Counter,
    pub posts_analyzed: Counter,
    pub records_committed: Counter,
    pub posts_detected: Counter,
    pub duplicates: Counter,
    pub signals: Counter,
    pub commits: Counter,
    pub late_records: Counter,
    pub quarantined: Counter,
    pub errors: Counter,
    pub runs_started: Counter,
    pub runs_resumed: Counter,
    /// Detector refreshes (whole-picture passes at event-time boundaries).
    pub refreshes: Counter,
    /// Inputs being read now.
    pub active_inputs: Gauge,
    /// Chunks waiting between stages.
    pub queue_merge: Gauge,
    pub queue_analyze: Gauge,
    pub queue_commit: Gauge,
    /// Batches waiting for the writer thread.
    pub queue_write: Gauge,
    /// Chunks waiting for the second detector stage.
    pub queue_detect: Gauge,
    /// Records held in the sequencer's open batch.
    pub pending_records: Gauge,
    /// Wall-clock ms from read to commit of the last committed batch's oldest record.
    pub lag_ms: Gauge,
    /// Event time (ms) of the last committed record.
    pub event_time_ms: Gauge,
    /// Read-to-commit latency per post.
    pub latency: Histogram,
}

impl Metrics {
    pub const fn new() -> Metrics {
        Metrics {
            bytes_read: Counter::new(),
            records_read: Counter::new(),
            records_merged: Counter::new(),
            posts_analyzed: Counter::new(),
            records_committed: Counter::new(),
            posts_detected: Counter::new(),
            duplicates: Counter::new(),
            signals: Counter::new(),
            commits: Counter::new(),
            late_records: Counter::new(),
            quarantined: Counter::new(),
            errors: Counter::new(),
            runs_started: Counter::new(),
            runs_resumed: Counter::new(),
            refreshes: Counter::new(),
            active_inputs: Gauge::new(),
            queue_merge: Gauge::new(),
            queue_analyze: Gauge::new(),
            queue_commit: Gauge::new(),
            queue_write: Gauge::new(),
            queue_detect: Gauge::new(),
            pending_records: Gauge::new(),
            lag_ms: Gauge::new(),
            event_time_ms: Gauge::new(),
            latency: Histogram::new(),
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        let mut counter = |name: &str, help: &str, v: u64, label: &str| {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name}{label} {v}"
            );
        };
        counter(
            "vigil_engine_read_bytes_total",
            "Bytes read from inputs.",
            self.bytes_read.get(),
            "",
        );
        counter(
            "vigil_engine_records_total",
            "Records through each stage.",
            self.records_read.get(),
            "{stage=\"read\"}",
        );
        let mut s2 = s;
        for (stage, v) in [
            ("merge", self.records_merged.get()),
            ("analyze", self.posts_analyzed.get()),
            ("detect", self.posts_detected.get()),
            ("commit", self.records_committed.get()),
        ] {
            let _ = writeln!(s2, "vigil_engine_records_total{{stage=\"{stage}\"}} {v}");
        }
        let mut s = s2;
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            "vigil_engine_duplicates_total",
            "Repeated posts not shown to detectors again.",
            self.duplicates.get(),
        );
        counter(
            "vigil_engine_signals_total",
            "Signals committed.",
            self.signals.get(),
        );
        counter(
            "vigil_engine_commits_total",
            "Store transactions committed with a checkpoint.",
            self.commits.get(),
        );
        counter(
            "vigil_engine_late_records_total",
            "Records later than the lateness bound, processed out of order.",
            self.late_records.get(),
        );
        counter(
            "vigil_engine_quarantined_total",
            "Bad records quarantined.",
            self.quarantined.get(),
        );
        counter(
            "vigil_engine_errors_total",
            "Runs or inputs that failed.",
            self.errors.get(),
        );
        counter(
            "vigil_engine_runs_total",
            "Engine runs started.",
            self.runs_started.get(),
        );
        counter(
            "vigil_engine_resumed_runs_total",
            "Runs that resumed from a checkpoint.",
            self.runs_resumed.get(),
        );
        counter(
            "vigil_engine_refreshes_total",
            "Detector refreshes at event-time boundaries.",
            self.refreshes.get(),
        );
        let _ = writeln!(s, "# HELP vigil_engine_queue_depth Chunks waiting before each stage.\n# TYPE vigil_engine_queue_depth gauge");
        for (stage, v) in [
            ("merge", self.queue_merge.get()),
            ("analyze", self.queue_analyze.get()),
            ("commit", self.queue_commit.get()),
            ("detect", self.queue_detect.get()),
            ("write", self.queue_write.get()),
        ] {
            let _ = writeln!(s, "vigil_engine_queue_depth{{stage=\"{stage}\"}} {v}");
        }
        let mut gauge = |name: &str, help: &str, v: f64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        gauge(
            "vigil_engine_active_inputs",
            "Inputs being read.",
            self.active_inputs.get() as f64,
        );
        gauge(
            "vigil_engine_pending_records",
            "Records in the open batch.",
            self.pending_records.get() as f64,
        );
        gauge(
            "vigil_engine_lag_seconds",
            "Read-to-commit time of the last batch's oldest record.",
            self.lag_ms.get() as f64 / 1000.0,
        );
        gauge(
            "vigil_engine_event_time_seconds",
            "Event time of the last committed record.",
            self.event_time_ms.get() as f64 / 1000.0,
        );
        let name = "vigil_engine_post_latency_seconds";
        let _ = writeln!(
            s,
            "# HELP {name} Read-to-commit latency per post.\n# TYPE {name} histogram"
        );
        let mut cum = 0;
        for i in 0..=BUCKETS {
            cum += self.latency.counts[i].load(Ordering::Relaxed);
            let le = if i < BUCKETS {
                format!("{}", bound_us(i) / 1e6)
            } else {
                "+Inf".into()
            };
            let _ = writeln!(s, "{name}_bucket{{le=\"{le}\"}} {cum}");
        }
        let _ = writeln!(
            s,
            "{name}_sum {}",
            self.latency.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "{name}_count {cum}");
        s
    }
}

static GLOBAL: Metrics = Metrics::new();

/// The process-wide metrics every run adds to.
pub fn global() -> &'static Metrics {
    &GLOBAL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_types_and_cumulative_buckets() {
        let m = Metrics::new();
        m.records_read.add(5);
        m.latency.observe_us(5);
        m.latency.observe_us(2_000_000);
        let t = m.render();
        assert!(t.contains("vigil_engine_records_total{stage=\"read\"} 5"));
        assert!(t.contains("# TYPE vigil_engine_post_latency_seconds histogram"));
        assert!(t.contains("vigil_engine_post_latency_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(t.contains("vigil_engine_post_latency_seconds_count 2"));
        assert_eq!(m.latency.quantile_us(0.5), Some(10.0));
        assert!(m.latency.quantile_us(0.99).unwrap() >= 2_000_000.0);
        // Every sample line is `name{labels} value` or `name value`.
        for line in t.lines().filter(|l| !l.starts_with('#')) {
            let (_, v) = line.rsplit_once(' ').unwrap();
            assert!(v.parse::<f64>().is_ok(), "{line}");
        }
    }
}
