//! End-to-end tests of the engine through the real `vigil` binary: `kill -9` at random
//! moments of an ingest, restarts, and a final store equal to a clean run's.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn vigil() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Everything that must match: ids of posts and accounts, signal keys with their content,
/// and the entities with cases; plus the raw row counts (duplicates would show there).
fn snapshot(db: &Path) -> (Vec<String>, Vec<(String, i64)>) {
    let store = vigil_store::SqliteStore::open(db).unwrap();
    let c = store.connection();
    let list = |sql: &str| -> Vec<String> {
        let mut q = c.prepare(sql).unwrap();
        let rows = q.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let mut all = Vec::new();
    all.extend(list("SELECT 'post ' || id FROM posts ORDER BY id"));
    all.extend(list("SELECT 'account ' || id || ' ' || coalesce(handle,'') || ' ' || status FROM accounts ORDER BY id"));
    all.extend(list(
        "SELECT 'signal ' || key || ' ' || weight || ' ' || at || ' ' || explanation FROM signals ORDER BY key",
    ));
    all.extend(list(
        "SELECT 'case ' || entity_kind || ' ' || entity_id || ' ' || state || ' ' || signal_count FROM cases ORDER BY entity_kind, entity_id",
    ));
    all.extend(list(
        "SELECT 'media ' || post_id || ' ' || idx FROM media ORDER BY post_id, idx",
    ));
    let mut counts = Vec::new();
    for t in [
        "posts",
        "accounts",
        "signals",
        "cases",
        "media",
        "enforcement",
    ] {
        let n: i64 = c
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        counts.push((t.to_string(), n));
    }
    (all, counts)
}

fn ingest(world: &Path, db: &Path) -> Command {
    let mut c = vigil();
    c.args(["ingest", "-q", "--probes", "--batch", "300", "--db"])
        .arg(db)
        .arg(world);
    c
}

#[test]
fn kill_9_at_random_moments_then_restart_gives_the_clean_runs_store() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let st = vigil()
        .args([
            "simulate",
            "--seed",
            "7",
            "--accounts",
            "12000",
            "--hours",
            "12",
            "--out",
        ])
        .arg(&world)
        .status()
        .unwrap();
    assert!(st.success());
    // Hostile lines in one input: every run meets them again, and the quarantine must hold
    // each exactly once however often the ingest was killed and resumed.
    let bad = world.join("bad.ndjson");
    std::fs::write(
        &bad,
        concat!(
            r#"{"kind":"account","id":"mastodon:1","platform":"mastodon","handle":"bad_file_1"}"#,
            "\n{not json\n",
            r#"{"kind":"post"}"#,
            "\n\u{7f}\u{1}binary\n",
        ),
    )
    .unwrap();

    let clean = dir.path().join("clean.db");
    let t = Instant::now();
    let out = ingest(&world, &clean).output().unwrap();
    assert!(
        out.status.code() == Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean_time = t.elapsed();
    let expected = snapshot(&clean);
    assert!(
        expected.1.iter().any(|(t, n)| t == "signals" && *n > 0),
        "{:?}",
        expected.1
    );
    assert!(
        expected.1.iter().any(|(t, n)| t == "cases" && *n > 0),
        "{:?}",
        expected.1
    );

    // 20 kills at pseudo-random moments over the run (xorshift, fixed seed: reproducible).
    let crashed = dir.path().join("crashed.db");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let span = clean_time.as_micros().max(1) as u64;
    let mut finished_early = 0;
    for i in 0..20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Restarts re-derive the committed prefix first, so aim across the whole run.
        let delay = Duration::from_micros(x % span + span / 10);
        let mut child = ingest(&world, &crashed).spawn().unwrap();
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(st) => {
                assert_eq!(st.code(), Some(3), "run {i} failed before its kill");
                finished_early += 1;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                let _ = child.wait();
            }
        }
    }
    assert!(
        finished_early < 20,
        "every run finished before its kill: no crash was tested"
    );
    let out = ingest(&world, &crashed).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = |db: &str| -> Vec<String> {
        let text =
            std::fs::read_to_string(dir.path().join(format!("{db}.quarantine.ndjson"))).unwrap();
        let mut v: Vec<String> = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    let clean_q = entries("clean");
    assert_eq!(clean_q.len(), 3, "{clean_q:?}");
    assert_eq!(entries("crashed"), clean_q, "quarantine after crashes");
    // Some restart really resumed from a checkpoint (runs killed before their end leave no stats).
    let store = vigil_store::SqliteStore::open(&crashed).unwrap();
    let resumed: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM ingest_runs WHERE json_extract(stats, '$.engine.resumed_from') > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(resumed >= 1, "no run resumed from a checkpoint");
    drop(store);
    let got = snapshot(&crashed);
    assert_eq!(got.1, expected.1, "row counts after crashes");
    assert_eq!(got.0.len(), expected.0.len());
    for (a, b) in got.0.iter().zip(&expected.0) {
        assert_eq!(a, b);
    }
}
