//! Route handlers: extract and check input (every rejection a JSON 4xx), call the service,
//! shape the response.

use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_cases::{CaseQuery, CaseRow, CaseState, CaseStore, DecisionRequest, Role, User};
use vigil_model::{Category, EntityKind};
use vigil_store::Store;

/// The handler for a route id of [`crate::ROUTES`].
pub fn handler(id: &str) -> MethodRouter<AppState> {
    use axum::routing::any;
    match id {
        "health" => any(health),
        "openapi" => any(openapi),
        "me" => any(me),
        "list_cases" => any(list_cases),
        "sync_cases" => any(sync_cases),
        "get_case" => any(get_case),
        "claim_case" => any(claim_case),
        "release_case" => any(release_case),
        "preview_decision" => any(preview),
        "decide_case" => any(decide),
        "appeal_case" => any(appeal),
        "list_audit" => any(list_audit),
        "verify_audit" => any(verify_audit),
        "ingest" => any(crate::ingest::ingest),
        "list_dead_letters" => any(dead_letters),
        "replay_dead_letter" => any(replay),
        "add_user" => any(add_user),
        other => panic!("route {other} has no handler"),
    }
}

type ApiResult = Result<Response, AppError>;

fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

/// Parse a JSON body: content type, size and shape checked, unknown fields refused.
pub fn body<T: DeserializeOwned>(
    headers: &HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<T, AppError> {
    let b = b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
        } else {
            AppError::bad("malformed_json", "could not read the request body")
        }
    })?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct == "application/json" || ct.starts_with("application/json;")) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ));
    }
    // Syntax first (400), then shape (422): a well-formed body of the wrong shape is not "malformed".
    let v: Value = serde_json::from_slice(&b).map_err(crate::error::json_error)?;
    T::deserialize(v)
        .map_err(|e| AppError::invalid(vigil_model::truncate_for_message(&e.to_string(), 300)))
}

fn id_of(p: Result<Path<String>, PathRejection>) -> Result<i64, AppError> {
    let Path(s) = p.map_err(|_| AppError::bad("invalid_request", "bad path"))?;
    s.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| AppError::bad("invalid_request", "the id must be a positive integer"))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, AppError> {
    q.map(|Query(v)| v).map_err(|e| {
        AppError::bad(
            "invalid_request",
            vigil_model::truncate_for_message(&e.body_text(), 300),
        )
    })
}

fn limit(l: Option<u32>) -> Result<usize, AppError> {
    match l {
        None => Ok(50),
        Some(n @ 1..=500) => Ok(n as usize),
        Some(_) => Err(AppError::bad(
            "invalid_request",
            "limit must be between 1 and 500",
        )),
    }
}

pub fn case_json(c: &CaseRow) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

async fn health() -> ApiResult {
    ok(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn openapi() -> ApiResult {
    ok(crate::openapi::document())
}

async fn me(Extension(u): Extension<User>) -> ApiResult {
    ok(json!({"id": u.id, "name": u.name, "role": u.role}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesParams {
    state: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

fn enc_cursor(c: &CaseRow) -> String {
    format!("{:016x}{:016x}", c.priority.to_bits(), c.id as u64)
}

fn dec_cursor(s: &str) -> Option<(f64, i64)> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let p = u64::from_str_radix(&s[..16], 16).ok()?;
    let id = u64::from_str_radix(&s[16..], 16).ok()?;
    let p = f64::from_bits(p);
    p.is_finite().then_some((p, id as i64))
}

async fn list_cases(
    State(st): State<AppState>,
    q: Result<Query<CasesParams>, QueryRejection>,
) -> ApiResult {
    let p = query(q)?;
    let bad = |what: &str| AppError::bad("invalid_request", format!("unknown {what}"));
    let cq = CaseQuery {
        state: p
            .state
            .as_deref()
            .map(|s| CaseState::parse(s).ok_or_else(|| bad("state")))
            .transpose()?,
        entity_kind: p
            .kind
            .as_deref()
            .map(|s| {
                serde_json::from_value::<EntityKind>(Value::String(s.into()))
                    .map_err(|_| bad("kind"))
            })
            .transpose()?,
        category: p
            .category
            .as_deref()
            .map(|s| Category::parse(s).ok_or_else(|| bad("category")))
            .transpose()?,
        after: p
            .cursor
            .as_deref()
            .map(|c| dec_cursor(c).ok_or_else(|| bad("cursor")))
            .transpose()?,
        limit: limit(p.limit)?,
    };
    let n = cq.limit;
    let rows = st.with_svc(move |s| Ok(s.list(&cq)?)).await?;
    let next = if rows.len() == n {
        rows.last().map(enc_cursor)
    } else {
        None
    };
    ok(json!({"items": rows.iter().map(case_json).collect::<Vec<_>>(), "next_cursor": next}))
}

async fn sync_cases(State(st): State<AppState>, Extension(u): Extension<User>) -> ApiResult {
    let r = st
        .with_svc(move |s| {
            let r = s.sync()?;
            s.audit(
                &u.name,
                "cases_sync",
                "cases",
                "sync requested",
                serde_json::to_value(&r).unwrap_or_default(),
            )?;
            Ok(r)
        })
        .await?;
    ok(serde_json::to_value(r).unwrap_or_default())
}

async fn get_case(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_of(p)?;
    st.with_svc(move |s| {
        let c = s.case(id)?;
        let sigs = s.store.signals_for(c.entity_kind, &c.entity_id).map_err(vigil_cases::CaseError::from)?;
        let decisions = s.store.decisions_for(id).map_err(vigil_cases::CaseError::from)?;
        ok(json!({
            "case": case_json(&c),
            "signals": sigs.iter().map(|s| serde_json::to_value(s).unwrap_or_default()).collect::<Vec<_>>(),
            "decisions": decisions,
        }))
    })
    .await
}

async fn claim_case(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    p: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let c = st.with_svc(move |s| Ok(s.claim(id, &u.name)?)).await?;
    ok(case_json(&c))
}

async fn release_case(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    p: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let c = st.with_svc(move |s| Ok(s.release(id, &u.name)?)).await?;
    ok(case_json(&c))
}

async fn preview(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let req: DecisionRequest = body(&h, b)?;
    let pv = st.with_svc(move |s| Ok(s.preview(id, &req)?)).await?;
    ok(serde_json::to_value(pv).unwrap_or_default())
}

async fn decide(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    p: Result<Path<String>, PathRejection>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let req: DecisionRequest = body(&h, b)?;
    let (did, c) = st
        .with_svc(move |s| {
            let did = s.decide(id, &req, &u.name)?;
            Ok((did, s.case(id)?))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"decision_id": did, "case": case_json(&c)})),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppealRequest {
    reason: String,
}

async fn appeal(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    p: Result<Path<String>, PathRejection>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let req: AppealRequest = body(&h, b)?;
    let c = st
        .with_svc(move |s| Ok(s.appeal(id, &u.name, &req.reason)?))
        .await?;
    ok(case_json(&c))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    after: Option<i64>,
    limit: Option<u32>,
}

async fn list_audit(
    State(st): State<AppState>,
    q: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult {
    let p = query(q)?;
    let n = limit(p.limit)?;
    let after = p.after.unwrap_or(0);
    let rows = st
        .with_svc(move |s| {
            Ok(s.store
                .audit_page(after, n)
                .map_err(vigil_cases::CaseError::from)?)
        })
        .await?;
    let next = if rows.len() == n {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    ok(json!({"items": rows, "next_after": next}))
}

async fn verify_audit(State(st): State<AppState>) -> ApiResult {
    let r = st.with_svc(|s| Ok(s.verify_audit(None)?)).await?;
    ok(serde_json::to_value(r).unwrap_or_default())
}

async fn dead_letters(
    State(st): State<AppState>,
    q: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult {
    let p = query(q)?;
    let n = limit(p.limit)?;
    let after = p.after.unwrap_or(0);
    let rows = st.with_svc(move |s| Ok(s.dead_letters(after, n)?)).await?;
    let next = if rows.len() == n {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    ok(json!({"items": rows, "next_after": next}))
}

async fn replay(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    p: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = id_of(p)?;
    let done = st
        .with_svc(move |s| Ok(s.replay_dead(id, &u.name)?))
        .await?;
    if !done {
        return Err(AppError::not_found(format!("no dead letter {id}")));
    }
    ok(json!({"replayed": true}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserRequest {
    name: String,
    role: Role,
}

async fn add_user(
    State(st): State<AppState>,
    Extension(u): Extension<User>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: NewUserRequest = body(&h, b)?;
    let (name, role) = (req.name.clone(), req.role);
    let token = st
        .with_svc(move |s| Ok(s.add_user(&req.name, req.role, &u.name)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": name, "role": role, "token": token})),
    )
        .into_response())
}
