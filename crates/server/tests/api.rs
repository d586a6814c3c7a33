//! API tests through `app.oneshot`: the OpenAPI document against the router and the
//! responses, the authorization matrix, malformed input on every endpoint, ingest with
//! per-record errors and backpressure.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use vigil_cases::{Clock, Config, Role, Service};
use vigil_model::{Account, Category, EntityKind, Platform, Post, Record, Signal};
use vigil_server::{app, AppState, IngestWriter, ServerConfig, ROUTES};
use vigil_store::{Sourced, SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;

struct World {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    state: AppState,
    tokens: Vec<(Role, String)>,
}

fn seed(store: &mut SqliteStore) {
    let mut recs = Vec::new();
    for i in 1..=3u64 {
        let mut a = Account::new(Platform::Twitter, &i.to_string());
        a.followers = Some(100 * i);
        recs.push(Record::Account(a));
        let mut p = Post::new(
            Platform::Twitter,
            &format!("10{i}"),
            format!("twitter:{i}"),
            T0 + i as i64,
        );
        p.text = format!("placeholder {i} #AllEyesOnISIS");
        recs.push(Record::Post(p));
    }
    let b: Vec<Sourced> = recs
        .into_iter()
        .enumerate()
        .map(|(i, r)| Sourced {
            record: r,
            source: "t".into(),
            line: i as u64,
        })
        .collect();
    store.write_batch(&b).unwrap();
    let sigs: Vec<Signal> = (1..=3)
        .map(|i| Signal {
            entity_kind: EntityKind::Post,
            entity_id: format!("twitter:10{i}"),
            detector: "rules".into(),
            category: Some(Category::Recruitment),
            context: None,
            weight: 0.9,
            source: "rule:test".into(),
            version: "1".into(),
            explanation: json!({}),
            at: T0 + i,
            shadow: false,
        })
        .collect();
    store.write_signals(&sigs).unwrap();
}

fn world_with(cfg: ServerConfig, queue: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let mut store = SqliteStore::open(&db).unwrap();
    seed(&mut store);
    let mut svc = Service::new(store, Config::default());
    svc.clock = Clock::manual(T0 + 3_600_000);
    svc.sync().unwrap();
    let tokens = Role::ALL
        .iter()
        .map(|r| (*r, svc.add_user(r.as_str(), *r, "test").unwrap()))
        .collect();
    let writer = IngestWriter::spawn(SqliteStore::open(&db).unwrap(), queue);
    World {
        _dir: dir,
        db,
        state: AppState::new(svc, cfg, Some(writer)),
        tokens,
    }
}

fn world() -> World {
    world_with(ServerConfig::default(), 4)
}

impl World {
    fn token(&self, r: Role) -> &str {
        &self.tokens.iter().find(|(x, _)| *x == r).unwrap().1
    }
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some((ct, bytes)) => b
                .header("content-type", ct)
                .body(Body::from(bytes))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let resp = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{method} {path}: not JSON: {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, headers, v)
    }
    async fn json(&self, method: &str, path: &str, role: Role, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self
            .call(
                method,
                path,
                Some(self.token(role)),
                Some(("application/json", body.to_string().into_bytes())),
            )
            .await;
        (s, v)
    }
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
}

fn sample_body(spec: &vigil_server::RouteSpec) -> Option<(&'static str, Vec<u8>)> {
    match spec.request? {
        "DecisionRequest" => Some((
            "application/json",
            json!({"action": "remove_post", "category": "recruitment", "reason": "test"})
                .to_string()
                .into_bytes(),
        )),
        "AppealRequest" => Some(("application/json", br#"{"reason":"appeal"}"#.to_vec())),
        "NewUserRequest" => Some((
            "application/json",
            json!({"name": format!("u{}", rand_suffix()), "role": "analyst"})
                .to_string()
                .into_bytes(),
        )),
        "NdjsonBody" => Some(("application/x-ndjson", native_batch(2, 0))),
        other => panic!("no sample for {other}"),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

fn native_batch(n: usize, bad: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&json!({"kind": "post", "id": format!("twitter:9{i}"), "platform": "twitter", "account_id": "twitter:1",
            "created_at": "2023-11-14T22:13:20Z", "text": format!("placeholder {i}")}).to_string());
        out.push('\n');
    }
    for _ in 0..bad {
        out.push_str("{\"kind\": \"post\", \"id\": 5}\n");
    }
    out.into_bytes()
}

/// A small JSON-schema check for the subset the document uses.
fn validate(v: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(|r| r.as_str()) {
        let name = r.rsplit('/').next().unwrap();
        return validate(v, &doc["components"]["schemas"][name], doc, at);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(|e| e.as_array()) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(o), Some(props)) = (
        v.as_object(),
        schema.get("properties").and_then(|p| p.as_object()),
    ) {
        for req in schema
            .get("required")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let k = req.as_str().unwrap();
            if !o.contains_key(k) {
                return Err(format!("{at}: missing {k}"));
            }
        }
        for (k, val) in o {
            match props.get(k) {
                Some(s) => validate(val, s, doc, &format!("{at}.{k}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: undeclared field {k}"))
                }
                None => {}
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(x, items, doc, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn openapi_document_and_router_agree_and_responses_validate() {
    let w = world();
    let (s, _, doc) = w.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            documented.push((m.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every documented operation is served (never the router's 404 or 405), and its success
    // response validates against the declared schema.
    for spec in ROUTES {
        let path = concrete(spec.path);
        let (s, _, v) = w
            .call(
                spec.method,
                &path,
                Some(w.token(Role::Admin)),
                sample_body(spec),
            )
            .await;
        assert_ne!(
            v["error"]["message"], "no such route",
            "{} {path}",
            spec.method
        );
        assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED);
        let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
        let declared = &op["responses"][s.as_str()];
        assert!(
            declared.is_object(),
            "{} {path}: status {s} not declared ({v})",
            spec.method
        );
        let schema = &declared["content"]["application/json"]["schema"];
        validate(&v, schema, &doc, &format!("{} {path}", spec.method)).unwrap();
    }
    // An undocumented path is a JSON 404; a wrong method a JSON 405.
    let (s, _, v) = w.call("GET", "/api/nope", None, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, _, v) = w
        .call("DELETE", "/api/cases", Some(w.token(Role::Admin)), None)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn authorization_matrix_every_route_every_role_and_no_token() {
    let w = world();
    for spec in ROUTES {
        let path = concrete(spec.path);
        let (s, _, v) = w.call(spec.method, &path, None, sample_body(spec)).await;
        match spec.roles {
            None => assert_eq!(s, StatusCode::OK, "{path}"),
            Some(_) => assert_eq!(
                (s, v["error"]["code"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("unauthorized")),
                "{path}"
            ),
        }
        let (s, _, _) = w
            .call(spec.method, &path, Some("vgl_0000"), sample_body(spec))
            .await;
        if spec.roles.is_some() {
            assert_eq!(s, StatusCode::UNAUTHORIZED, "bad token on {path}");
        }
        for role in Role::ALL {
            let (s, _, v) = w
                .call(spec.method, &path, Some(w.token(role)), sample_body(spec))
                .await;
            let allowed = spec.roles.is_none_or(|r| r.contains(&role));
            if allowed {
                assert!(
                    s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN,
                    "{} {path} as {role:?}: {s} {v}",
                    spec.method
                );
            } else {
                assert_eq!(
                    (s, v["error"]["code"].as_str()),
                    (StatusCode::FORBIDDEN, Some("forbidden")),
                    "{} {path} as {role:?}",
                    spec.method
                );
            }
            assert!(
                !s.is_server_error(),
                "{} {path} as {role:?}: {s} {v}",
                spec.method
            );
        }
    }
}

#[tokio::test]
async fn malformed_input_is_a_clear_4xx_on_every_endpoint() {
    let w = world_with(
        ServerConfig {
            max_body: 4096,
            ..Default::default()
        },
        4,
    );
    let admin = w.token(Role::Admin).to_string();
    for spec in ROUTES.iter().filter(|s| s.roles.is_some()) {
        let path = concrete(spec.path);
        #[allow(clippy::type_complexity)]
        let mut cases: Vec<(String, Option<(&str, Vec<u8>)>, &str)> = Vec::new();
        if spec.path.contains("{id}") {
            cases.push((
                spec.path.replace("{id}", "abc"),
                sample_body(spec),
                "invalid_request",
            ));
            cases.push((
                spec.path.replace("{id}", "-1"),
                sample_body(spec),
                "invalid_request",
            ));
            cases.push((
                spec.path.replace("{id}", "99999999999999999999999"),
                sample_body(spec),
                "invalid_request",
            ));
        }
        if !spec.query.is_empty() {
            cases.push((
                format!("{path}?bogus=1"),
                sample_body(spec),
                "invalid_request",
            ));
            cases.push((
                format!("{path}?limit=abc"),
                sample_body(spec),
                "invalid_request",
            ));
        }
        if spec.request.is_some() && spec.request != Some("NdjsonBody") {
            cases.push((
                path.clone(),
                Some(("application/json", b"{not json".to_vec())),
                "malformed_json",
            ));
            cases.push((
                path.clone(),
                Some(("application/json", b"".to_vec())),
                "malformed_json",
            ));
            cases.push((
                path.clone(),
                Some(("application/json", b"[1,2]".to_vec())),
                "invalid_request",
            ));
            cases.push((
                path.clone(),
                Some((
                    "application/json",
                    br#"{"action": 5, "reason": [], "name": 1, "role": 2}"#.to_vec(),
                )),
                "invalid_request",
            ));
            cases.push((
                path.clone(),
                Some((
                    "application/json",
                    br#"{"action":"remove_post","reason":"x","name":"n","role":"admin","evil":1}"#
                        .to_vec(),
                )),
                "invalid_request",
            ));
            cases.push((
                path.clone(),
                Some(("text/plain", br#"{"reason":"x"}"#.to_vec())),
                "unsupported_media_type",
            ));
            cases.push((
                path.clone(),
                Some(("application/json", vec![b' '; 8192])),
                "payload_too_large",
            ));
            let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
            cases.push((
                path.clone(),
                Some(("application/json", deep.into_bytes()[..4000].to_vec())),
                "malformed_json",
            ));
        }
        if spec.id == "ingest" {
            cases.push((
                format!("{path}?format=klingon"),
                Some(("application/x-ndjson", native_batch(1, 0))),
                "invalid_request",
            ));
            cases.push((
                path.clone(),
                Some((
                    "application/x-ndjson",
                    b"garbage that is no format\n".to_vec(),
                )),
                "invalid_request",
            ));
        }
        for (p, body, code) in cases {
            let (s, _, v) = w.call(spec.method, &p, Some(&admin), body).await;
            assert!(s.is_client_error(), "{} {p}: {s} {v}", spec.method);
            assert_eq!(
                v["error"]["code"].as_str(),
                Some(code),
                "{} {p}: {v}",
                spec.method
            );
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn review_flow_over_http() {
    let w = world();
    let (s, _, page) = w
        .call(
            "GET",
            "/api/cases?limit=2",
            Some(w.token(Role::Analyst)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, _, rest) = w
        .call(
            "GET",
            &format!("/api/cases?limit=2&cursor={cursor}"),
            Some(w.token(Role::Analyst)),
            None,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let id = page["items"][0]["id"].as_i64().unwrap();
    let (s, c) = w
        .json(
            "POST",
            &format!("/api/cases/{id}/claim"),
            Role::Moderator,
            json!(null),
        )
        .await;
    assert_eq!(
        (s, c["claimed_by"].as_str()),
        (StatusCode::OK, Some("moderator"))
    );
    let (s, v) = w
        .json(
            "POST",
            &format!("/api/cases/{id}/claim"),
            Role::Admin,
            json!(null),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("claimed"))
    );
    let d =
        json!({"action": "remove_post", "category": "recruitment", "reason": "indicator hashtag"});
    let (s, v) = w
        .json(
            "POST",
            &format!("/api/cases/{id}/decision"),
            Role::Moderator,
            d.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["case"]["state"], "decided");
    let (s, v) = w
        .json(
            "POST",
            &format!("/api/cases/{id}/decision"),
            Role::Moderator,
            d,
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_decided"))
    );
    let (s, v) = w
        .json(
            "POST",
            &format!("/api/cases/{id}/decision"),
            Role::Moderator,
            json!({"action": "remove_post", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, _, audit) = w
        .call("GET", "/api/audit", Some(w.token(Role::Analyst)), None)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"decision"));
    let (_, _, rep) = w
        .call("GET", "/api/audit/verify", Some(w.token(Role::Admin)), None)
        .await;
    assert_eq!(rep["ok"], true);
}

#[tokio::test]
async fn ingest_reports_per_record_errors_and_stores_the_rest() {
    let w = world();
    let (s, _, v) = w
        .call(
            "POST",
            "/api/ingest",
            Some(w.token(Role::Admin)),
            Some(("application/x-ndjson", native_batch(3, 2))),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["format"], "native");
    assert_eq!(v["accepted"], 3);
    assert_eq!(v["quarantined"], 2);
    let errs = v["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0]["line"], 4);
    // The writer thread stores the batch.
    let check = SqliteStore::open(&w.db).unwrap();
    for _ in 0..100 {
        if check.post("twitter:92").unwrap().is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("ingested posts never reached the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_backpressure_answers_429_with_retry_after() {
    let w = world_with(ServerConfig::default(), 1);
    // Hold the database's write lock so the writer thread stalls on its first batch.
    let lock = SqliteStore::open(&w.db).unwrap();
    lock.connection().execute_batch("BEGIN IMMEDIATE").unwrap();
    let tok = w.token(Role::Admin).to_string();
    let mut saw_429 = false;
    // The queue feeds the streaming engine, whose own bounded stages hold a few batches more.
    for _ in 0..40 {
        let (s, h, v) = w
            .call(
                "POST",
                "/api/ingest",
                Some(&tok),
                Some(("application/x-ndjson", native_batch(1, 0))),
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(v["error"]["code"], "too_many_requests");
            assert_eq!(h.get("retry-after").unwrap(), "1");
            saw_429 = true;
            break;
        }
        assert_eq!(s, StatusCode::ACCEPTED);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    lock.connection().execute_batch("COMMIT").unwrap();
    assert!(saw_429, "a full queue must answer 429");
}

/// Emits, at each refresh, an account signal with the number of posts seen so far.
struct RefreshProbe(u64);

impl vigil_detect::Detector for RefreshProbe {
    fn name(&self) -> &'static str {
        "refresh-probe"
    }
    fn on_post(&mut self, _obs: &mut vigil_detect::Observation<'_>, _out: &mut Vec<Signal>) {
        self.0 += 1;
    }
    fn refresh(&mut self, now: i64, out: &mut Vec<Signal>) {
        out.push(Signal {
            entity_kind: EntityKind::Account,
            entity_id: "twitter:1".into(),
            detector: "refresh-probe".into(),
            category: Some(Category::TerroristPropaganda),
            context: None,
            weight: 0.5,
            source: "refresh".into(),
            version: "1".into(),
            explanation: json!({ "seen": self.0 }),
            at: now,
            shadow: false,
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_ingest_stream_refreshes_and_persists_findings_without_ending() {
    let w = world();
    // A second engine over the same database with a refreshing detector and a findings hook
    // (what `vigil serve` wires from the detector registry).
    let writer = IngestWriter::spawn_engine_with(
        SqliteStore::open(&w.db).unwrap(),
        4,
        vec![Box::new(RefreshProbe(0))],
        vigil_server::EngineOptions {
            second_stage: None,
            after_refresh: Some(std::sync::Arc::new(|s: &mut dyn Store| {
                s.write_account_risks(&[vigil_store::AccountRiskRecord {
                    account_id: "twitter:1".into(),
                    risk: 0.5,
                    action: "review".into(),
                    breakdown: json!({"from": "after_refresh"}),
                    at: 0,
                }])
                .map_err(|e| e.to_string())
            })),
        },
    );
    let state = AppState::new(
        Service::new(SqliteStore::open(&w.db).unwrap(), Config::default()),
        ServerConfig::default(),
        Some(writer),
    );
    let token = w.token(Role::Admin).to_string();
    // Three event-time hours of posts, one request per hour.
    for h in 0..3 {
        let mut body = String::new();
        for i in 0..5 {
            // Hours 19, 20 and 21 of one day.
            let t = format!("2023-11-14T{:02}:{:02}:00Z", 19 + h, i);
            body.push_str(
                &json!({"kind": "post", "id": format!("twitter:7{h}{i}"), "platform": "twitter",
                    "account_id": "twitter:1", "created_at": t, "text": "placeholder"})
                .to_string(),
            );
            body.push('\n');
        }
        let req = Request::builder()
            .method("POST")
            .uri("/api/ingest")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-ndjson")
            .body(Body::from(body))
            .unwrap();
        let resp = app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let v: Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["accepted"], 5, "{v}");
    }
    // The stream never ends, yet its refresh signal and the persisted findings arrive.
    let check = SqliteStore::open(&w.db).unwrap();
    for _ in 0..250 {
        let sig = check
            .signals_for(EntityKind::Account, "twitter:1")
            .unwrap()
            .into_iter()
            .find(|s| s.detector == "refresh-probe");
        let risk = check.account_risk("twitter:1").unwrap();
        if let (Some(sig), Some(risk)) = (sig, risk) {
            // Refreshed at the first posts of hours 1 and 2 (6 and 11 posts seen); the
            // signal is updated in place.
            assert!(sig.explanation["seen"] == 6 || sig.explanation["seen"] == 11);
            assert_eq!(risk.breakdown["from"], "after_refresh");
            if sig.explanation["seen"] == 11 {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no refresh reached the store of a live stream");
}
