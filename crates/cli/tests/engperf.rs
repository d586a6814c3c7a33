//! The engine's two detector stages (`vigil ingest` default) give exactly the store that
//! every detector on one thread (`--one-stage`) gives: signals, cases, campaigns, clusters,
//! identity links and risks, on a simulated world with every detector on.

use std::path::Path;
use std::process::{Command, Stdio};

fn vigil() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Every detector-derived table as text, in a fixed order (case times are wall-clock, left out).
fn snapshot(db: &Path) -> Vec<String> {
    let store = vigil_store::SqliteStore::open(db).unwrap();
    let c = store.connection();
    let mut all = Vec::new();
    for sql in [
        "SELECT key, weight, at, explanation, shadow FROM signals ORDER BY key",
        "SELECT entity_kind, entity_id, state, priority, risk, reach, recency, category, has_context, \
         signal_count, first_signal, last_signal FROM cases ORDER BY entity_kind, entity_id",
        "SELECT * FROM campaigns ORDER BY 1",
        "SELECT * FROM campaign_participants ORDER BY 1, 2",
        "SELECT * FROM clusters ORDER BY 1",
        "SELECT * FROM cluster_members ORDER BY 1, 2",
        "SELECT * FROM identity_links ORDER BY 1, 2",
        "SELECT * FROM account_risk ORDER BY 1",
    ] {
        let mut q = c.prepare(sql).unwrap();
        let n = q.column_count();
        let rows = q
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("{v:?}|"));
                }
                Ok(line)
            })
            .unwrap();
        all.extend(rows.map(Result::unwrap));
        all.push(format!("-- {sql}"));
    }
    all
}

#[test]
fn two_detector_stages_store_exactly_what_one_stage_stores() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let st = vigil()
        .args([
            "simulate",
            "--seed",
            "5",
            "--accounts",
            "4000",
            "--hours",
            "12",
            "--out",
        ])
        .arg(&world)
        .status()
        .unwrap();
    assert!(st.success());
    let mut snaps = Vec::new();
    for (name, extra) in [("two.db", None), ("one.db", Some("--one-stage"))] {
        let db = dir.path().join(name);
        let mut c = vigil();
        c.args(["ingest", "-q", "--batch", "500", "--db"]).arg(&db);
        if let Some(x) = extra {
            c.arg(x);
        }
        let out = c.arg(&world).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        snaps.push(snapshot(&db));
    }
    let signals = snaps[0].iter().position(|l| l.starts_with("-- ")).unwrap();
    assert!(signals > 100, "the world raises signals: {signals}");
    assert!(
        snaps[0].len() > signals + 10,
        "and cases, campaigns, links: {}",
        snaps[0].len()
    );
    assert_eq!(snaps[0].len(), snaps[1].len());
    for (a, b) in snaps[0].iter().zip(&snaps[1]) {
        assert_eq!(a, b);
    }
}
