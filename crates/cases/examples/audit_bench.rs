//! Benchmark: append N audit entries (default 1,000,000) to a fresh SQLite file, then time a
//! full `verify_audit` over them. Run with `--release`; pass N as the first argument.

use std::time::Instant;
use vigil_cases::{AuditWrite, CaseStore, Config, Service};
use vigil_store::SqliteStore;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("vigil-audit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("audit.db");
    let mut store = SqliteStore::open(&db).expect("open");
    let t = Instant::now();
    let chunk = 100_000;
    let mut i = 0;
    while i < n {
        let m = chunk.min(n - i);
        let batch: Vec<AuditWrite> = (i..i + m)
            .map(|k| AuditWrite {
                at: 1_700_000_000_000 + k as i64,
                actor: format!("moderator{}", k % 50),
                action: if k % 3 == 0 { "decision" } else { "claim" }.into(),
                target: format!("case:{}", k / 2),
                reason: "recruitment call with indicator hashtag".into(),
                detail: serde_json::json!({"decision_id": k, "action": "remove_post", "category": "recruitment", "targets": 1}),
            })
            .collect();
        store.audit_append_many(&batch).expect("append");
        i += m;
    }
    let append = t.elapsed();
    let svc = Service::new(store, Config::default());
    let t = Instant::now();
    let r = svc.verify_audit(None).expect("verify");
    let verify = t.elapsed();
    assert!(r.ok && r.entries == n as u64);
    println!(
        "audit entries: {n}\nappend: {:.2} s ({:.0} entries/s)\nverify: {:.2} s ({:.0} entries/s)",
        append.as_secs_f64(),
        n as f64 / append.as_secs_f64(),
        verify.as_secs_f64(),
        n as f64 / verify.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
