//! Refreshes: detectors take their whole-picture pass when event time enters a new period
//! (after enough posts), in both detector stages, at the same stream positions however the
//! stages are split, and the writer persists their findings after committing them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use vigil_detect::{Detector, Observation};
use vigil_engine::{Config, Source};
use vigil_model::{EntityKind, Platform, Post, Record, Signal};
use vigil_store::{SqliteStore, Store};

/// 10 posts per event-time hour over `hours` hours.
fn posts(hours: i64) -> Vec<Post> {
    let t0 = 1_402_704_000_000i64; // an hour boundary
    (0..hours * 10)
        .map(|i| {
            let mut p = Post::new(
                Platform::Twitter,
                &format!("{}", 1000 + i),
                format!("twitter:{}", 50 + i % 7),
                t0 + i * 360_000,
            );
            p.text = format!("[placeholder phrase {i}]");
            p
        })
        .collect()
}

fn write(dir: &Path, posts: &[Post]) -> PathBuf {
    let f = dir.join("a.ndjson");
    let s: String = posts
        .iter()
        .map(|p| serde_json::to_string(&Record::Post(p.clone())).unwrap() + "\n")
        .collect();
    std::fs::write(&f, s).unwrap();
    f
}

/// Counts posts and, at each refresh, emits one account signal saying how many it has seen.
struct Counter {
    name: &'static str,
    seen: u64,
    log: Arc<Mutex<Vec<(&'static str, i64, u64)>>>,
}

impl Detector for Counter {
    fn name(&self) -> &'static str {
        self.name
    }
    fn on_post(&mut self, _obs: &mut Observation<'_>, _out: &mut Vec<Signal>) {
        self.seen += 1;
    }
    fn refresh(&mut self, now: i64, out: &mut Vec<Signal>) {
        self.log.lock().unwrap().push((self.name, now, self.seen));
        out.push(Signal {
            entity_kind: EntityKind::Account,
            entity_id: format!("twitter:refresh-{}", self.name),
            detector: self.name.into(),
            category: None,
            context: None,
            weight: 0.5,
            source: "refresh".into(),
            version: "1".into(),
            explanation: serde_json::json!({ "seen": self.seen }),
            at: now,
            shadow: false,
        });
    }
}

type Log = Arc<Mutex<Vec<(&'static str, i64, u64)>>>;

fn run(
    f: &Path,
    second_stage: Option<&'static str>,
    min_posts: u64,
) -> (Log, Arc<Mutex<u64>>, Vec<Signal>) {
    let log: Log = Arc::default();
    let dets: Vec<Box<dyn Detector>> = vec![
        Box::new(Counter {
            name: "first",
            seen: 0,
            log: log.clone(),
        }),
        Box::new(Counter {
            name: "second",
            seen: 0,
            log: log.clone(),
        }),
    ];
    let persisted = Arc::new(Mutex::new(0u64));
    let p = persisted.clone();
    let cfg = Config {
        chunk: 8,
        commit_records: 20,
        second_stage,
        refresh_every_ms: Some(3_600_000),
        refresh_min_posts: min_posts,
        after_refresh: Some(Arc::new(move |_store: &mut dyn Store| {
            *p.lock().unwrap() += 1;
            Ok(())
        })),
        ..Config::default()
    };
    let mut store = SqliteStore::open_in_memory().unwrap();
    vigil_engine::run(&cfg, vec![Source::file(f)], dets, &mut store).unwrap();
    let mut signals = Vec::new();
    store
        .for_each_signal(&mut |s| {
            signals.push(s);
            true
        })
        .unwrap();
    (log, persisted, signals)
}

#[test]
fn every_detector_refreshes_at_each_new_event_time_hour_in_both_stages() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), &posts(6));
    let (log, persisted, signals) = run(&f, Some("second"), 0);
    let log = log.lock().unwrap().clone();
    let first: Vec<_> = log.iter().filter(|l| l.0 == "first").collect();
    let second: Vec<_> = log.iter().filter(|l| l.0 == "second").collect();
    // Hours 1..=5 begin inside the stream (hour 0 is where it starts).
    assert_eq!(first.len(), 5, "{log:?}");
    assert_eq!(second.len(), 5, "{log:?}");
    for (k, (a, b)) in first.iter().zip(&second).enumerate() {
        // At the first post of hour k+1, both stages have seen that post and every earlier one.
        assert_eq!(a.2, 10 * (k as u64 + 1) + 1);
        assert_eq!(
            (a.1, a.2),
            (b.1, b.2),
            "the stages refresh at the same position"
        );
    }
    assert!(
        *persisted.lock().unwrap() >= 1,
        "findings persisted after refreshes"
    );
    // The refresh signals are stored (idempotent per entity/detector/source: the last wins).
    let s = signals
        .iter()
        .find(|s| s.entity_id == "twitter:refresh-second")
        .expect("a refresh signal stored");
    assert_eq!(s.explanation["seen"], 51);
    // One stage gives the same calls at the same positions.
    // (Per detector: with two stages, the two threads' entries interleave in the shared log.)
    let (log1, _, signals1) = run(&f, None, 0);
    let per = |l: &[(&'static str, i64, u64)], name: &str| -> Vec<(i64, u64)> {
        l.iter()
            .filter(|e| e.0 == name)
            .map(|e| (e.1, e.2))
            .collect()
    };
    let log1 = log1.lock().unwrap().clone();
    for name in ["first", "second"] {
        assert_eq!(per(&log1, name), per(&log, name), "{name}");
    }
    assert_eq!(signals1, signals);
}

#[test]
fn refreshes_wait_for_enough_posts_and_can_be_off() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), &posts(6));
    // At least 25 posts between refreshes: the first post where both hold (a new hour and 25
    // posts since the last refresh) is the 25th (hour 2), then the 50th (hour 4).
    let (log, _, _) = run(&f, None, 25);
    let at: Vec<u64> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.0 == "first")
        .map(|l| l.2)
        .collect();
    assert_eq!(at, vec![25, 50]);
    let (log, persisted, signals) = {
        let dir2 = tempfile::tempdir().unwrap();
        let f2 = write(dir2.path(), &posts(6));
        let log: Log = Arc::default();
        let dets: Vec<Box<dyn Detector>> = vec![Box::new(Counter {
            name: "first",
            seen: 0,
            log: log.clone(),
        })];
        let cfg = Config {
            refresh_every_ms: None,
            ..Config::default()
        };
        let mut store = SqliteStore::open_in_memory().unwrap();
        vigil_engine::run(&cfg, vec![Source::file(&f2)], dets, &mut store).unwrap();
        let mut n = 0;
        store
            .for_each_signal(&mut |_| {
                n += 1;
                true
            })
            .unwrap();
        (log, 0, n)
    };
    assert!(log.lock().unwrap().is_empty(), "refresh off: no calls");
    assert_eq!((persisted, signals), (0, 0));
}
