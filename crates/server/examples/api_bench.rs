//! Benchmark: API ingest throughput under `wrk` load over loopback, and decision latency
//! (p50, p99) measured at the same time.
//!
//! `cargo run --release -p vigil-server --example api_bench -- [SECONDS] [POSTS_PER_BATCH]`
//! needs `wrk` on the PATH. It builds a fresh database with open cases, serves the API on
//! 127.0.0.1, runs wrk against `POST /api/ingest` (each request a fresh NDJSON batch), and
//! meanwhile claims and decides cases one after another, timing each decision request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use vigil_cases::{Config, Role, Service};
use vigil_model::{Account, Category, EntityKind, Platform, Post, Record, Signal};
use vigil_server::{AppState, IngestWriter, ServerConfig};
use vigil_store::{Sourced, SqliteStore, Store};

const CASES: usize = 5000;

fn request(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    let code = std::str::from_utf8(&out[..12.min(out.len())])
        .ok()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, t.elapsed())
}

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let per: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("vigil-api-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("v.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let mut recs = Vec::new();
    let mut sigs = Vec::new();
    for i in 0..CASES {
        let mut a = Account::new(Platform::Twitter, &format!("{}", 1_000_000 + i));
        a.followers = Some((i * 37 % 5000) as u64);
        recs.push(Record::Account(a));
        let mut p = Post::new(
            Platform::Twitter,
            &format!("{}", 5_000_000 + i),
            format!("twitter:{}", 1_000_000 + i),
            1_700_000_000_000 + i as i64,
        );
        p.text = format!("placeholder {i} #AllEyesOnISIS");
        recs.push(Record::Post(p));
        sigs.push(Signal {
            entity_kind: EntityKind::Post,
            entity_id: format!("twitter:{}", 5_000_000 + i),
            detector: "rules".into(),
            category: Some(Category::Recruitment),
            context: None,
            weight: 0.9,
            source: "rule:bench".into(),
            version: "1".into(),
            explanation: serde_json::json!({}),
            at: 1_700_000_000_000 + i as i64,
            shadow: false,
        });
    }
    let b: Vec<Sourced> = recs
        .into_iter()
        .map(|r| Sourced {
            record: r,
            source: "bench".into(),
            line: 0,
        })
        .collect();
    store.write_batch(&b).unwrap();
    store.write_signals(&sigs).unwrap();
    let mut svc = Service::new(store, Config::default());
    svc.sync().unwrap();
    let admin = svc.add_user("admin", Role::Admin, "bench").unwrap();
    let moderator = svc.add_user("mod", Role::Moderator, "bench").unwrap();
    let before = svc
        .store
        .stats()
        .unwrap()
        .platforms
        .iter()
        .map(|p| p.posts)
        .sum::<u64>();
    let writer = IngestWriter::spawn(SqliteStore::open(&db).unwrap(), 4);
    let state = AppState::new(
        svc,
        ServerConfig {
            max_ingest_body: 64 << 20,
            ..Default::default()
        },
        Some(writer),
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let st2 = state.clone();
    rt.spawn(async move { vigil_server::serve(listener, st2, std::future::pending()).await });

    // wrk script: each request a fresh batch of `per` native posts with unique ids.
    let script = dir.join("ingest.lua");
    std::fs::write(
        &script,
        format!(
            r#"wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer {admin}"
wrk.headers["Content-Type"] = "application/x-ndjson"
local n = 0
local tid = math.random(1, 1000000)
request = function()
  n = n + 1
  local t = {{}}
  for i = 1, {per} do
    t[i] = string.format('{{"kind":"post","id":"twitter:%d%06d%05d","platform":"twitter","account_id":"twitter:1000001","created_at":"2023-11-14T22:13:20Z","text":"placeholder load text %d #AllEyesOnISIS"}}', tid, n, i, i)
  end
  return wrk.format(nil, "/api/ingest?format=native", nil, table.concat(t, "\n") .. "\n")
end
"#
        ),
    )
    .unwrap();
    let wrk = std::process::Command::new("wrk")
        .args([
            "-t1",
            "-c8",
            &format!("-d{secs}s"),
            "--latency",
            "-s",
            script.to_str().unwrap(),
            &format!("http://{addr}"),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("wrk on the PATH (apt-get install wrk)");

    // Decisions while wrk runs.
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    let mut lat = Vec::new();
    let mut id = 1;
    let body = r#"{"action":"remove_post","category":"recruitment","reason":"bench decision"}"#;
    while t0.elapsed() < Duration::from_secs(secs.saturating_sub(1)) && id <= CASES {
        let (c, _) = request(
            &addr,
            "POST",
            &format!("/api/cases/{id}/claim"),
            &moderator,
            "",
        );
        assert_eq!(c, 200, "claim");
        let (c, d) = request(
            &addr,
            "POST",
            &format!("/api/cases/{id}/decision"),
            &moderator,
            body,
        );
        assert_eq!(c, 201, "decision");
        lat.push(d);
        id += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = wrk.wait_with_output().unwrap();
    let wrk_out = String::from_utf8_lossy(&out.stdout).to_string();
    std::thread::sleep(Duration::from_secs(2)); // let the writer drain
    let check = SqliteStore::open(&db).unwrap();
    let after = check
        .stats()
        .unwrap()
        .platforms
        .iter()
        .map(|p| p.posts)
        .sum::<u64>();
    let stored = after - before;
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!("{wrk_out}");
    println!("posts per request: {per}");
    println!(
        "posts stored: {stored} in {secs} s = {:.0} posts/s",
        stored as f64 / secs as f64
    );
    println!(
        "decisions: {} p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
        lat.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
