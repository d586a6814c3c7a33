//! End-to-end tests of `vigil identity`, `vigil account` and `vigil export accounts` on a small
//! simulated world.

use std::path::Path;
use std::process::{Command, Output};

fn vigil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run vigil")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn identity_links_scores_and_exports_a_world() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&vigil(
        &[
            "simulate",
            "--out",
            "w",
            "--seed",
            "3",
            "--accounts",
            "3000",
            "--hours",
            "24",
        ],
        d,
    ));
    ok(&vigil(&["ingest", "--db", "w.db", "w"], d));
    let out = ok(&vigil(
        &["identity", "--db", "w.db", "--truth", "w/truth.json"],
        d,
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["auto_action"], 0, "auto-action is off by default: {v}");
    assert!(v["links"].as_u64().unwrap() > 0, "{v}");
    let precision = v["returning"]["precision"].as_f64().unwrap();
    assert!(precision >= 0.9, "{v}");
    // The account view of a linked account names its predecessor.
    let csv = ok(&vigil(&["export", "accounts", "--db", "w.db"], d));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "account_id,handle,platform,risk,action,category,components,links"
    );
    let linked = csv
        .lines()
        .find(|l| l.contains("returning:"))
        .expect("a linked account in the export");
    for cell in linked.split("\",\"") {
        let c = cell.trim_start_matches('"');
        assert!(!c.starts_with(['=', '+', '@']), "{linked}");
    }
    let id = linked.trim_start_matches('"').split('"').next().unwrap();
    let view = ok(&vigil(&["account", id, "--db", "w.db", "--json"], d));
    let view: serde_json::Value = serde_json::from_str(&view).unwrap();
    assert!(view["risk"]["risk"].as_f64().unwrap() > 0.0);
    assert!(!view["links"].as_array().unwrap().is_empty());
    let text = ok(&vigil(&["account", id, "--db", "w.db"], d));
    assert!(text.contains("returning"), "{text}");
    let nd = ok(&vigil(
        &["export", "accounts", "--db", "w.db", "--format", "ndjson"],
        d,
    ));
    for l in nd.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }
    let bad = vigil(
        &["export", "accounts", "--db", "w.db", "--format", "xlsx"],
        d,
    );
    assert_eq!(bad.status.code(), Some(2));
    let missing = vigil(&["account", "twitter:nobody", "--db", "w.db"], d);
    assert_eq!(missing.status.code(), Some(2));
}
