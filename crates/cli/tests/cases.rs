//! End-to-end tests of the cases commands: `vigil user add`, `vigil audit verify` on an intact
//! and a tampered chain, `vigil evidence export`, `vigil cases sync`, and `vigil serve` answering
//! on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use vigil_cases::{CaseQuery, Config, DecisionRequest, Service};
use vigil_model::{Account, Category, EntityKind, Platform, Post, Record, Signal};
use vigil_store::{Sourced, SqliteStore, Store};

mod common;
use common::vigil;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A database with one decided removal case.
fn decided(db: &Path) -> i64 {
    let mut s = SqliteStore::open(db).unwrap();
    let a = Account::new(Platform::Twitter, "1");
    let mut p = Post::new(
        Platform::Twitter,
        "100",
        "twitter:1".into(),
        1_700_000_000_000,
    );
    p.text = "placeholder #AllEyesOnISIS".into();
    s.write_batch(&[
        Sourced {
            record: Record::Account(a),
            source: "t".into(),
            line: 1,
        },
        Sourced {
            record: Record::Post(p),
            source: "t".into(),
            line: 2,
        },
    ])
    .unwrap();
    s.write_signals(&[Signal {
        entity_kind: EntityKind::Post,
        entity_id: "twitter:100".into(),
        detector: "rules".into(),
        category: Some(Category::TerroristPropaganda),
        context: None,
        weight: 0.9,
        source: "rule:t".into(),
        version: "1".into(),
        explanation: serde_json::json!({}),
        at: 1_700_000_000_000,
        shadow: false,
    }])
    .unwrap();
    let mut svc = Service::new(s, Config::default());
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let req = DecisionRequest {
        action: vigil_cases::Action::RemovePost,
        category: Some(Category::TerroristPropaganda),
        dismissal: None,
        reason: "branded release".into(),
        strikes: None,
        label: None,
    };
    svc.decide(id, &req, "alice").unwrap();
    id
}

#[test]
fn user_add_audit_verify_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("v.db");
    let dbs = db.to_str().unwrap();
    let o = vigil(
        &["user", "add", "alice", "--role", "moderator", "--db", dbs],
        d,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let token = text(&o.stdout).trim().to_string();
    assert!(token.starts_with("vgl_") && token.len() == 68);
    let o = vigil(
        &["user", "add", "bob", "--role", "overlord", "--db", dbs],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    vigil(&["user", "add", "bob", "--role", "admin", "--db", dbs], d);
    vigil(
        &["user", "add", "carol", "--role", "analyst", "--db", dbs],
        d,
    );
    let o = vigil(&["audit", "verify", "--db", dbs], d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("3 entries checked"),
        "{}",
        text(&o.stdout)
    );
    let head = text(&vigil(&["audit", "head", "--db", dbs], d).stdout);
    let hash = head.split_whitespace().nth(1).unwrap().to_string();
    assert!(
        vigil(&["audit", "verify", "--expect-head", &hash, "--db", dbs], d)
            .status
            .success()
    );

    SqliteStore::open(&db)
        .unwrap()
        .tamper_for_tests("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        .unwrap();
    let o = vigil(&["audit", "verify", "--db", dbs], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("entry 2 was altered"),
        "{}",
        text(&o.stdout)
    );
    let o = vigil(&["audit", "verify", "--json", "--db", dbs], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["problems"][0],
        serde_json::json!({"problem": "altered", "seq": 2})
    );
}

#[test]
fn evidence_export_writes_a_verifiable_package() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("v.db");
    let id = decided(&db);
    let out = d.join("pkg");
    let o = vigil(
        &[
            "evidence",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = m["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["kind"] == "post"));
    for f in files {
        let bytes = std::fs::read(out.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            vigil_store::cases::sha256_hex(&bytes),
            f["sha256"].as_str().unwrap()
        );
    }
    let o = vigil(
        &[
            "evidence",
            "export",
            "999",
            "--out",
            d.join("x").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("case 999 not found"),
        "{}",
        text(&o.stderr)
    );
    let o = vigil(&["cases", "sync", "--db", db.to_str().unwrap()], d);
    assert!(o.status.success());
    assert!(
        text(&o.stdout).contains("\"opened\":0"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn serve_answers_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("v.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .current_dir(d)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let health = get("/api/health");
    let cases = get("/api/cases");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(cases.starts_with("HTTP/1.1 401"), "{cases}");
}
