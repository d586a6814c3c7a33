//! The writer thread: a store error on it fails the run (and leaves the store consistent with
//! its checkpoint), the end of a run flushes every batch, and batches commit in stream order.
//! The second detector stage gives what one stage gives.

use std::path::{Path, PathBuf};
use vigil_engine::{probe, Config, EngineError, Source};
use vigil_model::{Platform, Post, Record};
use vigil_store::{SqliteStore, Store};

fn flood(n: usize) -> Vec<Post> {
    let t0 = 1_402_704_000_000i64;
    (0..n)
        .map(|i| {
            let mut p = Post::new(
                Platform::Twitter,
                &format!("{}", 1000 + i),
                format!("twitter:{}", 50 + i % 40),
                t0 + (i as i64) * 7_000,
            );
            p.text = format!("[placeholder phrase {i}] #AllEyesOnISIS #tag{}", i % 5);
            p
        })
        .collect()
}

fn write(dir: &Path, name: &str, posts: &[Post]) -> PathBuf {
    let f = dir.join(name);
    let s: String = posts
        .iter()
        .map(|p| serde_json::to_string(&Record::Post(p.clone())).unwrap() + "\n")
        .collect();
    std::fs::write(&f, s).unwrap();
    f
}

fn post_ids(store: &SqliteStore) -> Vec<String> {
    let mut v = Vec::new();
    store
        .for_each_post(&mut |p| {
            v.push(p.id);
            true
        })
        .unwrap();
    v
}

/// (merged, done) of the only stream in the store.
fn checkpoint(store: &SqliteStore) -> Option<(i64, bool)> {
    store
        .connection()
        .query_row("SELECT merged, done FROM checkpoints", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .ok()
}

#[test]
fn a_store_error_on_the_writer_fails_the_run_and_the_store_matches_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.ndjson", &flood(400));
    let mut store = SqliteStore::open(&dir.path().join("x.db")).unwrap();
    // The 251st post cannot be written: the disk "fails" in the middle of the stream.
    store
        .connection()
        .execute_batch(
            "CREATE TRIGGER fail BEFORE INSERT ON posts WHEN NEW.id = 'twitter:1250' \
             BEGIN SELECT RAISE(ABORT, 'injected write failure'); END;",
        )
        .unwrap();
    let cfg = Config {
        chunk: 8,
        commit_records: 10,
        ..Config::default()
    };
    let err = vigil_engine::run(&cfg, vec![Source::file(&f)], probe::probes(), &mut store)
        .expect_err("the writer's error fails the run");
    assert!(matches!(err, EngineError::Store(_)), "{err}");
    assert!(err.to_string().contains("injected write failure"), "{err}");
    // Everything before the failing batch is committed, with a checkpoint that covers exactly it.
    let ids = post_ids(&store);
    let (merged, done) = checkpoint(&store).expect("earlier batches left a checkpoint");
    assert!(!done);
    assert_eq!(merged as usize, ids.len());
    assert!(ids.len() >= 240 && ids.len() < 250, "{}", ids.len());
    // Once the disk is fixed, the run resumes and completes the stream.
    store
        .connection()
        .execute_batch("DROP TRIGGER fail;")
        .unwrap();
    let s = vigil_engine::run(&cfg, vec![Source::file(&f)], probe::probes(), &mut store).unwrap();
    assert_eq!(s.resumed_from, merged as u64);
    assert_eq!(post_ids(&store).len(), 400);
    assert_eq!(checkpoint(&store), Some((400, true)));
}

#[test]
fn the_end_of_a_run_flushes_the_open_batch() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.ndjson", &flood(300));
    let mut store = SqliteStore::open(&dir.path().join("x.db")).unwrap();
    // Nothing would commit before the end: one batch, flushed at shutdown.
    let cfg = Config {
        commit_records: 1 << 20,
        commit_interval: std::time::Duration::from_secs(3600),
        ..Config::default()
    };
    let s = vigil_engine::run(&cfg, vec![Source::file(&f)], probe::probes(), &mut store).unwrap();
    assert_eq!(s.commits, 1, "{s:?}");
    assert_eq!(s.written.inserted, 300);
    assert!(s.signals.inserted > 0);
    assert_eq!(post_ids(&store).len(), 300);
    assert_eq!(checkpoint(&store), Some((300, true)));
    assert!(s.latency_p50_us.is_some());
}

#[test]
fn batches_commit_in_stream_order() {
    let dir = tempfile::tempdir().unwrap();
    // The same post twice: a later re-crawl with new text must win over the first version.
    // (An input drops repeats of an id by itself, so the re-crawl is a second input.)
    let posts = flood(300);
    let mut again = posts[10].clone();
    again.created_at = posts[290].created_at + 1;
    again.text = "[placeholder phrase, edited] #AllEyesOnISIS".into();
    let f = write(dir.path(), "a.ndjson", &posts);
    let g = write(dir.path(), "b.ndjson", std::slice::from_ref(&again));
    let run = |cfg: &Config| {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let sources = vec![Source::file(&f), Source::file(&g)];
        let s = vigil_engine::run(cfg, sources, probe::probes(), &mut store).unwrap();
        let mut signals = Vec::new();
        store
            .for_each_signal(&mut |s| {
                signals.push(s);
                true
            })
            .unwrap();
        let edited = store.post(&again.id).unwrap().unwrap();
        (s, post_ids(&store), signals, edited)
    };
    let one = run(&Config {
        commit_records: 1 << 20,
        commit_interval: std::time::Duration::from_secs(3600),
        ..Config::default()
    });
    // Many small batches queue up behind the writer.
    let many = run(&Config {
        chunk: 2,
        commit_records: 3,
        ..Config::default()
    });
    assert_eq!(one.0.commits, 1);
    assert!(many.0.commits > 50, "{}", many.0.commits);
    assert_eq!(one.1, many.1);
    assert_eq!(one.2, many.2);
    assert_eq!(many.3.text, again.text);
    assert_eq!(one.3.text, again.text);
    assert_eq!(many.0.merged, 301);
}

#[test]
fn a_second_detector_stage_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.ndjson", &flood(600));
    let run = |second_stage| {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let cfg = Config {
            chunk: 16,
            commit_records: 50,
            second_stage,
            ..Config::default()
        };
        let s =
            vigil_engine::run(&cfg, vec![Source::file(&f)], probe::probes(), &mut store).unwrap();
        let mut signals = Vec::new();
        store
            .for_each_signal(&mut |s| {
                signals.push(s);
                true
            })
            .unwrap();
        (s, signals, post_ids(&store))
    };
    let names: Vec<&'static str> = probe::probes().iter().map(|d| d.name()).collect();
    let one = run(None);
    assert!(one.1.len() > 10);
    for name in names {
        let two = run(Some(name));
        assert_eq!(one.1, two.1, "split at {name}");
        assert_eq!(one.2, two.2);
        assert_eq!(one.0.posts_detected, two.0.posts_detected);
        assert_eq!(one.0.merged, two.0.merged);
    }
    // A name that is not a detector: one stage.
    assert_eq!(run(Some("no such detector")).1, one.1);
}

#[test]
fn the_writer_joins_small_batches_into_one_transaction_for_commit_group() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.ndjson", &flood(300));
    let run = |group: std::time::Duration| {
        let mut store =
            SqliteStore::open(&dir.path().join(format!("{}.db", group.as_secs()))).unwrap();
        // Small batches: a paced stream (~100 ms) cut every millisecond, no record bound.
        let cfg = Config {
            chunk: 8,
            rate_limit: Some(3000.0),
            commit_records: 1 << 20,
            commit_interval: std::time::Duration::from_millis(1),
            commit_group: group,
            refresh_every_ms: None,
            ..Config::default()
        };
        let s =
            vigil_engine::run(&cfg, vec![Source::file(&f)], probe::probes(), &mut store).unwrap();
        (s, post_ids(&store), checkpoint(&store))
    };
    let alone = run(std::time::Duration::ZERO);
    let grouped = run(std::time::Duration::from_secs(3600));
    assert!(alone.0.commits > 5, "{}", alone.0.commits);
    assert_eq!(
        grouped.0.commits, 1,
        "every batch joins the first one's transaction"
    );
    assert_eq!(alone.1, grouped.1);
    assert_eq!(alone.1.len(), 300);
    assert_eq!(grouped.2, Some((300, true)));
    assert_eq!(alone.0.written, grouped.0.written);
    assert_eq!(alone.0.signals, grouped.0.signals);
}
