//! vigil's web console: server-rendered pages (maud) over the same `vigil_cases::Service` the
//! HTTP API calls, with htmx as progressive enhancement, sessions with CSRF tokens, a strict
//! Content-Security-Policy, login throttling and role checks on the server.
//!
//! [`app`] mounts the console at `/` and hands every other path (`/api/...`) to
//! `vigil_server::app` over the same state; [`serve`] binds it with peer addresses, which the
//! login throttle needs.

mod case;
mod pages;
pub mod session;
pub mod strings;
pub mod svg;
pub mod view;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use session::{Limiter, Session, Sessions, COOKIE};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strings::{t, Msg};
use vigil_cases::{CaseError, Role, Service};
use vigil_server::AppState;

/// The Content-Security-Policy of every console response: scripts and styles only from this
/// origin, no inline script or style, no plugins, no framing, forms only to this origin.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Settings of the console.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Mark the session cookie `Secure`: set when the console is reached over TLS (behind a
    /// TLS-terminating proxy; `vigil serve` itself speaks plain HTTP on loopback).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// And after this long in any case.
    pub session_max: Duration,
    /// Sign-in attempts per client address per window.
    pub login_per_ip: usize,
    /// Failed sign-in attempts per user name per window.
    pub login_per_user: usize,
    pub login_window: Duration,
    /// Queue rows per page.
    pub page_size: usize,
    /// Largest form body, bytes.
    pub max_form: usize,
    /// Every console request must finish within this.
    pub request_timeout: Duration,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(3600),
            session_max: Duration::from_secs(12 * 3600),
            login_per_ip: 20,
            login_per_user: 5,
            login_window: Duration::from_secs(300),
            page_size: 50,
            max_form: 64 << 10,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What a console request can end in other than a page.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or an expired one.
    #[error("sign in first")]
    Unauthenticated,
    /// The user's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The form's CSRF token is missing or wrong, or it came from another origin.
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// The request is malformed or refused by the service's rules.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The case is held by someone else, or already decided.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many sign-in attempts.
    #[error("too many attempts")]
    Throttled(Duration),
    /// An internal fault; details go to the server log only.
    #[error("internal error")]
    Internal,
}

impl From<CaseError> for ConsoleError {
    fn from(e: CaseError) -> Self {
        match &e {
            CaseError::NotFound(_) => ConsoleError::NotFound,
            CaseError::Claimed { .. }
            | CaseError::AlreadyDecided(_)
            | CaseError::WrongState { .. }
            | CaseError::UserExists(_) => ConsoleError::Conflict(e.to_string()),
            CaseError::Invalid(m) => ConsoleError::BadRequest(m.clone()),
            CaseError::Store(_) | CaseError::Io(_) | CaseError::EvidenceCorrupt { .. } => {
                eprintln!("vigil-console: {e}");
                ConsoleError::Internal
            }
        }
    }
}

impl From<vigil_store::StoreError> for ConsoleError {
    fn from(e: vigil_store::StoreError) -> Self {
        eprintln!("vigil-console: {e}");
        ConsoleError::Internal
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, msg) = match &self {
            ConsoleError::Unauthenticated => return Redirect::to("/login").into_response(),
            ConsoleError::Forbidden => (StatusCode::FORBIDDEN, t(Msg::Forbidden).to_string()),
            ConsoleError::Csrf => (StatusCode::FORBIDDEN, t(Msg::CsrfFailed).to_string()),
            ConsoleError::NotFound => (StatusCode::NOT_FOUND, t(Msg::NotFound).to_string()),
            ConsoleError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
            ConsoleError::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
            ConsoleError::Throttled(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                t(Msg::LoginThrottled).to_string(),
            ),
            ConsoleError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                t(Msg::Internal).to_string(),
            ),
        };
        let body = view::page(
            status.canonical_reason().unwrap_or("error"),
            None,
            view::Nav::None,
            maud::html! {
                div.card { h1 { (status.as_u16()) } p.err { (msg) } p { a href="/" { (t(Msg::NavDashboard)) } } }
            },
        );
        let mut r = (status, Html(body)).into_response();
        if let ConsoleError::Throttled(d) = self {
            if let Ok(v) = HeaderValue::from_str(&d.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

/// An HTML response from maud markup.
pub struct Html(pub maud::Markup);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.0.into_string(),
        )
            .into_response()
    }
}

/// The console's shared state: the API's state (the same service behind the same mutex),
/// sessions and the login throttles.
#[derive(Clone)]
pub struct Console {
    pub api: AppState,
    pub cfg: Arc<ConsoleConfig>,
    sessions: Arc<Mutex<Sessions>>,
    per_ip: Arc<Mutex<Limiter>>,
    per_user: Arc<Mutex<Limiter>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Console {
    pub fn new(api: AppState, cfg: ConsoleConfig) -> Console {
        Console {
            sessions: Arc::new(Mutex::new(Sessions::new(
                cfg.session_idle,
                cfg.session_max,
                10_000,
            ))),
            per_ip: Arc::new(Mutex::new(Limiter::new(
                cfg.login_per_ip,
                cfg.login_window,
                100_000,
            ))),
            per_user: Arc::new(Mutex::new(Limiter::new(
                cfg.login_per_user,
                cfg.login_window,
                100_000,
            ))),
            api,
            cfg: Arc::new(cfg),
        }
    }

    /// Run `f` on the service on a blocking thread, as the API does.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Service) -> Result<T, ConsoleError> + Send + 'static,
    ) -> Result<T, ConsoleError> {
        let svc = self.api.svc.clone();
        tokio::task::spawn_blocking(move || {
            let mut g = lock(&svc);
            f(&mut g)
        })
        .await
        .map_err(|_| ConsoleError::Internal)?
    }

    /// The caller's session.
    pub fn session(&self, h: &HeaderMap) -> Result<(String, Session), ConsoleError> {
        let id = h
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| session::cookie_value(v, COOKIE))
            .ok_or(ConsoleError::Unauthenticated)?;
        let s = lock(&self.sessions)
            .get(id)
            .ok_or(ConsoleError::Unauthenticated)?;
        Ok((id.to_string(), s))
    }

    /// The caller's session, if their role is one of `roles`.
    pub fn require(&self, h: &HeaderMap, roles: &[Role]) -> Result<Session, ConsoleError> {
        let (_, s) = self.session(h)?;
        if !roles.contains(&s.user.role) {
            return Err(ConsoleError::Forbidden);
        }
        Ok(s)
    }

    /// The session of a state-changing request whose form carries `csrf`.
    pub fn require_post(
        &self,
        h: &HeaderMap,
        roles: &[Role],
        csrf: &str,
    ) -> Result<Session, ConsoleError> {
        let (_, s) = self.session(h)?;
        if !s.csrf_ok(csrf) {
            return Err(ConsoleError::Csrf);
        }
        if !roles.contains(&s.user.role) {
            return Err(ConsoleError::Forbidden);
        }
        Ok(s)
    }

    fn cookie(&self, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut c = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(a) = max_age {
            c.push_str(&format!("; Max-Age={a}"));
        }
        if self.cfg.secure_cookies {
            c.push_str("; Secure");
        }
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// Every role.
pub const ALL: &[Role] = &[Role::Moderator, Role::Analyst, Role::Admin];

/// The console and, behind it, the API, over one state.
pub fn app(api: AppState, cfg: ConsoleConfig) -> Router {
    let c = Console::new(api.clone(), cfg);
    console_router(c).fallback_service(vigil_server::app(api))
}

/// The console's routes alone (no API fallback).
pub fn console_router(c: Console) -> Router {
    let max_form = c.cfg.max_form;
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/queue", get(pages::queue))
        .route("/cases/{id}", get(case::case_page))
        .route("/cases/{id}/claim", post(case::claim))
        .route("/cases/{id}/release", post(case::release))
        .route("/cases/{id}/preview", post(case::preview))
        .route("/cases/{id}/decide", post(case::decide))
        .route("/post", get(case::post_page))
        .route("/account", get(case::account_page))
        .route("/campaign", get(case::campaign_page))
        .route("/network", get(case::network_page))
        .route("/banks", get(pages::banks))
        .route("/rules", get(pages::rules))
        .route("/audit", get(pages::audit))
        .route("/settings", get(pages::settings).post(pages::save_settings))
        .route("/static/{file}", get(pages::asset))
        .layer(DefaultBodyLimit::max(max_form))
        .layer(axum::middleware::from_fn_with_state(c.clone(), guard))
        .with_state(c)
}

/// Bind `listener` and serve `router` (from [`app`]) with peer addresses until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The client's address, when the server was started with peer addresses.
pub fn peer(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Around every console request: refuse cross-origin state changes, bound the time, and add
/// the security headers.
async fn guard(State(c): State<Console>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD && !same_origin(req.headers()) {
        return secure(ConsoleError::Csrf.into_response());
    }
    let r = match tokio::time::timeout(c.cfg.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "the request took too long").into_response(),
    };
    secure(r)
}

/// A browser's `Origin` (or `Referer`), when sent, must name this host.
fn same_origin(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let from = h
        .get(header::ORIGIN)
        .or_else(|| h.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match (from, host) {
        (None, _) => true,
        (Some("null"), _) => false,
        (Some(o), Some(host)) => {
            let rest = o
                .strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"))
                .unwrap_or("");
            rest.split('/').next() == Some(host)
        }
        (Some(_), None) => false,
    }
}

fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        // Not no-referrer: under that policy browsers send `Origin: null` on same-origin form
        // posts, and the origin check would refuse them. External links carry noreferrer.
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
