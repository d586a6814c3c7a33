//! Webhook delivery against a real receiver on 127.0.0.1 (axum): down, slow and failing
//! receivers lose no action; a crash between decision and delivery loses nothing; retries
//! never act twice because the receiver honours the idempotency key; dead letters replay.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigil_cases::webhook::{verify, HttpTransport, Transport, WebhookConfig};
use vigil_cases::{CaseQuery, Clock, Config, DecisionRequest, Service};
use vigil_model::{Account, Category, EntityKind, Platform, Post, Record, Signal};
use vigil_store::{Sourced, SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;
const SECRET: &[u8] = b"test-secret-not-real";

/// What the receiver does to the next requests.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Ok,
    Fail500,
    Slow,
}

#[derive(Default)]
struct Receiver {
    /// Idempotency key -> times acted (must never exceed 1).
    acted: Mutex<HashMap<String, usize>>,
    requests: AtomicUsize,
    bad_signatures: AtomicUsize,
    mode: Mutex<Vec<Mode>>,
}

async fn receive(State(r): State<Arc<Receiver>>, h: HeaderMap, body: Bytes) -> StatusCode {
    r.requests.fetch_add(1, Ordering::SeqCst);
    let mode = {
        let mut m = r.mode.lock().unwrap();
        if m.is_empty() {
            Mode::Ok
        } else {
            m.remove(0)
        }
    };
    match mode {
        Mode::Fail500 => return StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Slow => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        Mode::Ok => {}
    }
    let ts: i64 = h["x-vigil-timestamp"].to_str().unwrap().parse().unwrap();
    let sig = h["x-vigil-signature"].to_str().unwrap();
    if !verify(SECRET, ts, &body, sig, ts, 300) {
        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let key = h["idempotency-key"].to_str().unwrap().to_string();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["idempotency_key"], key.as_str());
    // Idempotent: act once per key, acknowledge every time.
    r.acted.lock().unwrap().entry(key).or_insert(1);
    StatusCode::OK
}

async fn start_receiver() -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(r.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (r, format!("http://{addr}/hook"))
}

fn service(db: &std::path::Path) -> Service {
    let mut s = SqliteStore::open(db).unwrap();
    let mut a = Account::new(Platform::Twitter, "1");
    a.followers = Some(10);
    let mut recs = vec![Record::Account(a)];
    let mut sigs = Vec::new();
    for i in 0..3 {
        let mut p = Post::new(
            Platform::Twitter,
            &format!("10{i}"),
            "twitter:1".into(),
            T0 + i,
        );
        p.text = format!("placeholder {i}");
        recs.push(Record::Post(p));
        sigs.push(Signal {
            entity_kind: EntityKind::Post,
            entity_id: format!("twitter:10{i}"),
            detector: "rules".into(),
            category: Some(Category::Recruitment),
            context: None,
            weight: 0.9,
            source: "rule:t".into(),
            version: "1".into(),
            explanation: json!({}),
            at: T0 + i,
            shadow: false,
        });
    }
    let b: Vec<Sourced> = recs
        .into_iter()
        .map(|r| Sourced {
            record: r,
            source: "t".into(),
            line: 1,
        })
        .collect();
    s.write_batch(&b).unwrap();
    s.write_signals(&sigs).unwrap();
    let mut svc = Service::new(s, Config::default());
    svc.clock = Clock::manual(T0);
    svc
}

fn decide_all(svc: &mut Service) {
    svc.sync().unwrap();
    for c in svc
        .list(&CaseQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap()
    {
        let req = DecisionRequest {
            action: vigil_cases::Action::RemovePost,
            category: Some(Category::Recruitment),
            dismissal: None,
            reason: "test".into(),
            strikes: None,
            label: None,
        };
        svc.decide(c.id, &req, "alice").unwrap();
    }
}

fn cfg(url: &str) -> WebhookConfig {
    WebhookConfig {
        timeout: Duration::from_millis(500),
        max_attempts: 5,
        ..WebhookConfig::new(url, SECRET)
    }
}

/// Deliver until nothing is pending, advancing the manual clock past each backoff.
fn drain(svc: &mut Service, c: &WebhookConfig, t: &dyn Transport, rounds: usize) {
    for _ in 0..rounds {
        svc.deliver_due(c, t).unwrap();
        svc.clock.advance(c.max_backoff_ms * 2);
    }
}

fn pending(svc: &Service, state: &str) -> usize {
    use vigil_cases::CaseStore;
    svc.store.outbox_in_state(state, 0, 1000).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_slow_and_failing_receivers_lose_no_action() {
    let (r, url) = start_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let r2 = r.clone();
    tokio::task::spawn_blocking(move || {
        let mut svc = service(&db);
        decide_all(&mut svc);
        assert_eq!(pending(&svc, "pending"), 3);
        // Down: nothing listens on this port.
        let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let down = cfg(&format!("http://127.0.0.1:{dead_port}/hook"));
        let rep = svc.deliver_due(&down, &HttpTransport).unwrap();
        assert_eq!((rep.delivered, rep.retried), (0, 3));
        // Not due again until the backoff passes.
        assert_eq!(svc.deliver_due(&down, &HttpTransport).unwrap().retried, 0);
        // Failing, then slow (past the timeout), then fine.
        *r2.mode.lock().unwrap() = vec![Mode::Fail500, Mode::Fail500, Mode::Slow];
        drain(&mut svc, &cfg(&url), &HttpTransport, 4);
        assert_eq!(pending(&svc, "pending"), 0);
        assert_eq!(pending(&svc, "delivered"), 3);
        assert_eq!(pending(&svc, "dead"), 0);
    })
    .await
    .unwrap();
    let acted = r.acted.lock().unwrap();
    assert_eq!(acted.len(), 3, "every action arrived");
    assert!(acted.values().all(|&n| n == 1));
    assert_eq!(r.bad_signatures.load(Ordering::SeqCst), 0);
}

/// Sends, then claims the connection broke: the receiver acted but vigil did not hear.
struct LostAck;
impl Transport for LostAck {
    fn post(&self, url: &str, h: &[(&str, String)], b: &[u8], t: Duration) -> Result<u16, String> {
        HttpTransport.post(url, h, b, t)?;
        Err("connection reset after send".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_between_decision_and_delivery_delivers_exactly_once() {
    let (r, url) = start_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    tokio::task::spawn_blocking(move || {
        // Decide, then "crash": the service and its worker go away before any delivery.
        {
            let mut svc = service(&db);
            decide_all(&mut svc);
        }
        // Restart: a fresh service over the same file finds the outbox and delivers.
        let mut svc = Service::new(SqliteStore::open(&db).unwrap(), Config::default());
        svc.clock = Clock::manual(T0 + 1);
        assert_eq!(pending(&svc, "pending"), 3);
        // The first attempt acts but loses its acknowledgement; the retry repeats the key.
        let c = cfg(&url);
        svc.deliver_due(&c, &LostAck).unwrap();
        assert_eq!(pending(&svc, "pending"), 3);
        drain(&mut svc, &c, &HttpTransport, 2);
        assert_eq!(pending(&svc, "delivered"), 3);
    })
    .await
    .unwrap();
    assert_eq!(
        r.requests.load(Ordering::SeqCst),
        6,
        "each action sent twice"
    );
    let acted = r.acted.lock().unwrap();
    assert_eq!(acted.len(), 3);
    assert!(acted.values().all(|&n| n == 1), "but acted on once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_kept_and_replay() {
    let (r, url) = start_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let r2 = r.clone();
    tokio::task::spawn_blocking(move || {
        let mut svc = service(&db);
        decide_all(&mut svc);
        *r2.mode.lock().unwrap() = vec![Mode::Fail500; 15];
        let c = cfg(&url);
        drain(&mut svc, &c, &HttpTransport, 6);
        assert_eq!(pending(&svc, "dead"), 3);
        assert_eq!(r2.acted.lock().unwrap().len(), 0);
        let dead = svc.dead_letters(0, 10).unwrap();
        assert!(dead
            .iter()
            .all(|d| d.attempts == 5 && d.last_error.as_deref() == Some("receiver answered 500")));
        for d in &dead {
            assert!(svc.replay_dead(d.id, "admin").unwrap());
            assert!(!svc.replay_dead(d.id, "admin").unwrap());
        }
        drain(&mut svc, &c, &HttpTransport, 1);
        assert_eq!(pending(&svc, "delivered"), 3);
        assert!(svc.verify_audit(None).unwrap().ok);
    })
    .await
    .unwrap();
    assert_eq!(r.acted.lock().unwrap().len(), 3);
}

#[test]
fn signatures_cover_timestamp_and_body() {
    let s = vigil_cases::webhook::sign(SECRET, 1000, b"{}");
    assert!(verify(SECRET, 1000, b"{}", &s, 1000, 300));
    assert!(!verify(SECRET, 1001, b"{}", &s, 1000, 300));
    assert!(!verify(SECRET, 1000, b"{ }", &s, 1000, 300));
    assert!(!verify(b"other", 1000, b"{}", &s, 1000, 300));
    assert!(!verify(SECRET, 1000, b"{}", &s, 2000, 300), "stale");
    assert!(!verify(SECRET, 1000, b"{}", "v1=zz", 1000, 300));
}
