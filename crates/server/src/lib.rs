//! vigil's HTTP API: axum routes over the vigil-cases service layer, with token auth and
//! roles, JSON errors with stable codes, bounded requests, an NDJSON ingest endpoint with
//! backpressure, and an OpenAPI document generated from the same route table as the router.
//!
//! [`app`] builds the router without binding anything, so tests drive it with `oneshot`;
//! [`serve`] binds it.
#![recursion_limit = "512"]

mod error;
mod handlers;
mod ingest;
pub mod openapi;

pub use error::{AppError, ERROR_CODES};
pub use ingest::{EngineOptions, IngestWriter};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vigil_cases::{Config, Role, Service, User};
use vigil_store::SqliteStore;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body outside ingest, bytes.
    pub max_body: usize,
    /// Largest ingest batch, bytes.
    pub max_ingest_body: usize,
    /// Every request must finish within this.
    pub request_timeout: Duration,
    /// Ingest batches waiting for the writer; when full, ingest answers 429.
    pub ingest_queue: usize,
    /// Per-record errors listed in an ingest response (all are counted).
    pub max_reported_errors: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body: 1 << 20,
            max_ingest_body: 16 << 20,
            request_timeout: Duration::from_secs(30),
            ingest_queue: 4,
            max_reported_errors: 100,
        }
    }
}

/// Shared state: the service behind a mutex (SQLite has one writer), the ingest queue, and
/// a short-lived cache of authenticated tokens.
#[derive(Clone)]
pub struct AppState {
    pub svc: Arc<Mutex<Service>>,
    pub cfg: Arc<ServerConfig>,
    pub ingest: Option<IngestWriter>,
    tokens: Arc<Mutex<HashMap<String, (User, Instant)>>>,
}

/// How long an authenticated token is trusted before the store is asked again.
const TOKEN_CACHE: Duration = Duration::from_secs(30);

impl AppState {
    /// State over a service, with ingest writing through `ingest` (or ingest answering 503
    /// when `None`).
    pub fn new(svc: Service, cfg: ServerConfig, ingest: Option<IngestWriter>) -> AppState {
        AppState {
            svc: Arc::new(Mutex::new(svc)),
            cfg: Arc::new(cfg),
            ingest,
            tokens: Default::default(),
        }
    }

    /// Open the database at `db` twice: once for the service, once for the ingest writer.
    pub fn open(
        db: &Path,
        cases: Config,
        cfg: ServerConfig,
    ) -> Result<AppState, vigil_store::StoreError> {
        Self::open_with_detectors(db, cases, cfg, Vec::new())
    }

    /// As [`AppState::open`], with the ingest engine running `detectors`.
    pub fn open_with_detectors(
        db: &Path,
        cases: Config,
        cfg: ServerConfig,
        detectors: Vec<Box<dyn vigil_detect::Detector>>,
    ) -> Result<AppState, vigil_store::StoreError> {
        Self::open_with_engine(db, cases, cfg, detectors, Default::default())
    }

    /// As [`AppState::open_with_detectors`], with the engine options of the registry.
    pub fn open_with_engine(
        db: &Path,
        cases: Config,
        cfg: ServerConfig,
        detectors: Vec<Box<dyn vigil_detect::Detector>>,
        options: ingest::EngineOptions,
    ) -> Result<AppState, vigil_store::StoreError> {
        let svc = Service::new(SqliteStore::open(db)?, cases);
        let writer = IngestWriter::spawn_engine_with(
            SqliteStore::open(db)?,
            cfg.ingest_queue,
            detectors,
            options,
        );
        Ok(AppState::new(svc, cfg, Some(writer)))
    }

    /// Run `f` on the service on a blocking thread.
    pub async fn with_svc<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Service) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let svc = self.svc.clone();
        tokio::task::spawn_blocking(move || {
            // A panic mid-transaction rolled that transaction back; the service is usable.
            let mut g = svc.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut g)
        })
        .await
        .map_err(|_| AppError::internal())?
    }
}

/// Who may call a route: `None` is public.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub roles: Option<&'static [Role]>,
    pub summary: &'static str,
    /// Request body schema name in the OpenAPI components.
    pub request: Option<&'static str>,
    /// Success response schema name and status.
    pub response: &'static str,
    pub status: u16,
    /// Query parameters: (name, schema type, description).
    pub query: &'static [(&'static str, &'static str, &'static str)],
}

const ALL: &[Role] = &[Role::Moderator, Role::Analyst, Role::Admin];
const REVIEW: &[Role] = &[Role::Moderator, Role::Admin];
const READ_AUDIT: &[Role] = &[Role::Analyst, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

const PAGE: &[(&str, &str, &str)] = &[
    (
        "after",
        "integer",
        "return entries after this id (from the previous page)",
    ),
    ("limit", "integer", "page size, 1 to 500 (default 50)"),
];

/// Every route. The router, the authorization and the OpenAPI document all come from this.
pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        id: "health",
        method: "GET",
        path: "/api/health",
        roles: None,
        summary: "liveness",
        request: None,
        response: "Health",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "openapi",
        method: "GET",
        path: "/api/openapi.json",
        roles: None,
        summary: "this document",
        request: None,
        response: "OpenApi",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "me",
        method: "GET",
        path: "/api/me",
        roles: Some(ALL),
        summary: "the caller",
        request: None,
        response: "User",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "list_cases",
        method: "GET",
        path: "/api/cases",
        roles: Some(ALL),
        summary: "the queue, highest priority first",
        request: None,
        response: "CasePage",
        status: 200,
        query: &[
            ("state", "string", "open, claimed, decided or appealed"),
            ("kind", "string", "post, account, campaign or cluster"),
            ("category", "string", "a taxonomy category"),
            ("cursor", "string", "next_cursor of the previous page"),
            ("limit", "integer", "page size, 1 to 500 (default 50)"),
        ],
    },
    RouteSpec {
        id: "sync_cases",
        method: "POST",
        path: "/api/cases/sync",
        roles: Some(ADMIN),
        summary: "open and update cases from signals",
        request: None,
        response: "SyncStats",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "get_case",
        method: "GET",
        path: "/api/cases/{id}",
        roles: Some(ALL),
        summary: "a case with its signals and decisions",
        request: None,
        response: "CaseDetail",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "claim_case",
        method: "POST",
        path: "/api/cases/{id}/claim",
        roles: Some(REVIEW),
        summary: "claim exclusively (renewable, expires)",
        request: None,
        response: "Case",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "release_case",
        method: "POST",
        path: "/api/cases/{id}/release",
        roles: Some(REVIEW),
        summary: "give a claim back",
        request: None,
        response: "Case",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "preview_decision",
        method: "POST",
        path: "/api/cases/{id}/preview",
        roles: Some(REVIEW),
        summary: "what a decision would touch",
        request: Some("DecisionRequest"),
        response: "Preview",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "decide_case",
        method: "POST",
        path: "/api/cases/{id}/decision",
        roles: Some(REVIEW),
        summary: "decide a case",
        request: Some("DecisionRequest"),
        response: "DecisionResult",
        status: 201,
        query: &[],
    },
    RouteSpec {
        id: "appeal_case",
        method: "POST",
        path: "/api/cases/{id}/appeal",
        roles: Some(REVIEW),
        summary: "reopen a decided case for review",
        request: Some("AppealRequest"),
        response: "Case",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "list_audit",
        method: "GET",
        path: "/api/audit",
        roles: Some(READ_AUDIT),
        summary: "the audit log, oldest first",
        request: None,
        response: "AuditPage",
        status: 200,
        query: PAGE,
    },
    RouteSpec {
        id: "verify_audit",
        method: "GET",
        path: "/api/audit/verify",
        roles: Some(ADMIN),
        summary: "verify the audit hash chain",
        request: None,
        response: "AuditReport",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "ingest",
        method: "POST",
        path: "/api/ingest",
        roles: Some(ADMIN),
        summary: "ingest an NDJSON batch in any supported format",
        request: Some("NdjsonBody"),
        response: "IngestResult",
        status: 202,
        query: &[(
            "format",
            "string",
            "native, twitter, vk, facebook or telegram (default: detected)",
        )],
    },
    RouteSpec {
        id: "list_dead_letters",
        method: "GET",
        path: "/api/webhooks/dead",
        roles: Some(ADMIN),
        summary: "webhook deliveries that ran out of attempts",
        request: None,
        response: "OutboxPage",
        status: 200,
        query: PAGE,
    },
    RouteSpec {
        id: "replay_dead_letter",
        method: "POST",
        path: "/api/webhooks/dead/{id}/replay",
        roles: Some(ADMIN),
        summary: "deliver a dead letter again (same idempotency key)",
        request: None,
        response: "Replayed",
        status: 200,
        query: &[],
    },
    RouteSpec {
        id: "add_user",
        method: "POST",
        path: "/api/users",
        roles: Some(ADMIN),
        summary: "add a user; the token is shown once",
        request: Some("NewUserRequest"),
        response: "NewUser",
        status: 201,
        query: &[],
    },
];

fn method_filter(m: &str) -> MethodFilter {
    match m {
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

/// The router. Nothing is bound; serve it with [`serve`] or call it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let mut r = Router::new();
    for spec in ROUTES {
        let mut mr = on(method_filter(spec.method), handlers::handler(spec.id));
        if spec.id == "ingest" {
            mr = mr.layer(DefaultBodyLimit::max(state.cfg.max_ingest_body));
        }
        r = r.route(spec.path, mr);
    }
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        authorize,
    ))
    // Prometheus scrapes without a token: counts and gauges only, no content or ids.
    .route("/metrics", axum::routing::get(metrics))
    .fallback(|| async { AppError::not_found("no such route") })
    .method_not_allowed_fallback(|| async {
        AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this route",
        )
    })
    .layer(DefaultBodyLimit::max(state.cfg.max_body))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        time_limit,
    ))
    .with_state(state)
}

/// `GET /metrics`: the engine's counters in the Prometheus text format.
async fn metrics() -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        vigil_engine::metrics().render(),
    )
        .into_response()
}

/// Bind `listener` and serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn time_limit(State(st): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(st.cfg.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long",
        )
        .into_response(),
    }
}

fn spec_for(method: &Method, path: &str) -> Option<&'static RouteSpec> {
    ROUTES
        .iter()
        .find(|s| s.path == path && s.method == method.as_str())
}

/// Authenticate the bearer token and check the route's roles, before any body is read.
async fn authorize(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
    else {
        return next.run(req).await;
    };
    let Some(spec) = spec_for(req.method(), &path) else {
        return next.run(req).await;
    };
    let Some(roles) = spec.roles else {
        return next.run(req).await;
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 256) else {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a bearer token is required",
        )
        .into_response();
    };
    let user = match lookup(&st, token).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", "unknown token")
                .into_response()
        }
        Err(e) => return e.into_response(),
    };
    if !roles.contains(&user.role) {
        return AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("the {} role may not call this route", user.role.as_str()),
        )
        .into_response();
    }
    req.extensions_mut().insert(user);
    next.run(req).await
}

async fn lookup(st: &AppState, token: String) -> Result<Option<User>, AppError> {
    let key = vigil_cases::hash_token(&token);
    {
        let c = st.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((u, at)) = c.get(&key) {
            if at.elapsed() < TOKEN_CACHE {
                return Ok(Some(u.clone()));
            }
        }
    }
    let u = st.with_svc(move |s| Ok(s.authenticate(&token)?)).await?;
    if let Some(u) = &u {
        let mut c = st.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if c.len() > 10_000 {
            c.clear();
        }
        c.insert(key, (u.clone(), Instant::now()));
    }
    Ok(u)
}

/// Deliver the webhook outbox in the background: the service lock is held only to read due
/// rows and record outcomes, never while a request is in flight.
pub fn spawn_webhook_worker(
    state: AppState,
    cfg: vigil_cases::webhook::WebhookConfig,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    let cfg = Arc::new(cfg);
    tokio::spawn(async move {
        loop {
            let due = state
                .with_svc(|s| Ok(s.due_deliveries(100)?))
                .await
                .unwrap_or_default();
            let idle = due.is_empty();
            for row in due {
                let (c, r) = (cfg.clone(), row.clone());
                let now = state.svc.lock().map(|s| s.now()).unwrap_or(0);
                let a = tokio::task::spawn_blocking(move || {
                    vigil_cases::webhook::attempt(&c, &vigil_cases::webhook::HttpTransport, &r, now)
                })
                .await;
                if let Ok(a) = a {
                    let _ = state
                        .with_svc(move |s| Ok(s.record_attempt(&row, &a)?))
                        .await;
                }
            }
            if idle {
                tokio::time::sleep(every).await;
            }
        }
    })
}
