//! The ingest endpoint: an NDJSON batch in any supported format, parsed with the same
//! adapters as `vigil ingest`, queued to a writer thread through a bounded queue. A full queue
//! answers 429 with `Retry-After` before the body is parsed; bad records come back as
//! per-record errors with their line.

use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use tokio::sync::mpsc;
use vigil_ingest::{Emitter, Format, Limits, Place, Sink};
use vigil_model::Record;
use vigil_store::{Sourced, Store};

/// The ingest stage behind the endpoint: a bounded queue (its fullness answers 429) feeding
/// the streaming engine (`vigil-engine`), which runs the detectors, writes records, signals
/// and checkpoints, and syncs cases, exactly as `vigil ingest` does.
#[derive(Clone)]
pub struct IngestWriter {
    tx: mpsc::Sender<Vec<Sourced>>,
}

impl IngestWriter {
    /// Start the engine over `store` with no detectors, with room for `queue` batches.
    pub fn spawn<S: Store + vigil_cases::CaseStore + 'static>(
        store: S,
        queue: usize,
    ) -> IngestWriter {
        Self::spawn_engine(store, queue, Vec::new())
    }

    /// Start the engine over `store` with `detectors` (the CLI passes its registry).
    pub fn spawn_engine<S: Store + vigil_cases::CaseStore + 'static>(
        store: S,
        queue: usize,
        detectors: Vec<Box<dyn vigil_detect::Detector>>,
    ) -> IngestWriter {
        Self::spawn_engine_with(store, queue, detectors, EngineOptions::default())
    }

    /// As [`IngestWriter::spawn_engine`], with the registry's stage split and the hook that
    /// persists its findings after each refresh.
    pub fn spawn_engine_with<S: Store + vigil_cases::CaseStore + 'static>(
        mut store: S,
        queue: usize,
        detectors: Vec<Box<dyn vigil_detect::Detector>>,
        options: EngineOptions,
    ) -> IngestWriter {
        let (tx, mut rx) = mpsc::channel::<Vec<Sourced>>(queue.max(1));
        let (etx, erx) = std::sync::mpsc::sync_channel::<Vec<Sourced>>(1);
        std::thread::Builder::new()
            .name("vigil-ingest-queue".into())
            .spawn(move || {
                while let Some(batch) = rx.blocking_recv() {
                    if etx.send(batch).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the ingest queue");
        std::thread::Builder::new()
            .name("vigil-ingest-engine".into())
            .spawn(move || {
                let config = vigil_engine::Config {
                    lateness_ms: 0,
                    workers: 1,
                    queue: 1,
                    commit_interval: std::time::Duration::from_millis(100),
                    // A live stream commits each batch as it comes (no writer groups): its
                    // posts are visible within `commit_interval`.
                    commit_group: std::time::Duration::ZERO,
                    sync_every: Some(std::time::Duration::from_secs(5)),
                    second_stage: options.second_stage,
                    // A live stream refreshes findings every event-time hour, however few
                    // posts arrived.
                    refresh_every_ms: Some(3_600_000),
                    refresh_min_posts: 0,
                    after_refresh: options.after_refresh,
                    ..Default::default()
                };
                let rx = Arc::new(std::sync::Mutex::new(erx));
                let mut detectors = Some(detectors);
                loop {
                    let source = vigil_engine::Source::Records {
                        name: "api:ingest".into(),
                        rx: rx.clone(),
                        idle: std::time::Duration::from_millis(100),
                    };
                    // Detector state does not survive a failed run; a restart starts afresh.
                    let dets = detectors.take().unwrap_or_default();
                    match vigil_engine::run(&config, vec![source], dets, &mut store) {
                        Ok(_) => break, // the queue closed: the server is shutting down
                        Err(e) => {
                            eprintln!("vigil-server: ingest engine failed, restarting: {e}");
                            std::thread::sleep(std::time::Duration::from_secs(1));
                        }
                    }
                }
            })
            .expect("spawning the ingest engine");
        IngestWriter { tx }
    }
}

/// How the CLI's detector registry wants the ingest engine run.
#[derive(Default, Clone)]
pub struct EngineOptions {
    /// See `vigil_engine::Config::second_stage`.
    pub second_stage: Option<&'static str>,
    /// See `vigil_engine::Config::after_refresh`.
    pub after_refresh: Option<Arc<vigil_engine::AfterRefreshFn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestParams {
    format: Option<String>,
}

struct Collect {
    records: Vec<Sourced>,
    errors: Vec<serde_json::Value>,
    max_errors: usize,
    name: Arc<str>,
}

impl Sink for Collect {
    fn record(&mut self, rec: Record, place: Place<'_>) {
        self.records.push(Sourced {
            record: rec,
            source: self.name.clone(),
            line: place.line,
        });
    }
    fn quarantine(&mut self, place: Place<'_>, reason: &str, _raw: &[u8]) {
        if self.errors.len() < self.max_errors {
            self.errors.push(serde_json::json!({
                "line": place.line,
                "reason": vigil_model::truncate_for_message(reason, 300),
            }));
        }
    }
}

pub async fn ingest(
    State(st): State<AppState>,
    q: Result<Query<IngestParams>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let Query(p) = q.map_err(|e| {
        AppError::bad(
            "invalid_request",
            vigil_model::truncate_for_message(&e.body_text(), 300),
        )
    })?;
    let format = match p.format.as_deref() {
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            AppError::bad(
                "invalid_request",
                format!("unknown format; one of: {}", vigil_ingest::known_formats()),
            )
        })?),
        None => None,
    };
    let Some(w) = &st.ingest else {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "internal",
            "ingest is not enabled on this server",
        ));
    };
    // Backpressure first: a full queue costs the client nothing to learn.
    let permit = match w.tx.clone().try_reserve_owned() {
        Ok(p) => p,
        Err(_) => {
            let mut e = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "the ingest queue is full; retry later",
            );
            e.retry_after = Some(1);
            return Err(e);
        }
    };
    let b = b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the batch is too large",
            )
        } else {
            AppError::bad("invalid_request", "could not read the request body")
        }
    })?;
    let max_errors = st.cfg.max_reported_errors;
    let (collect, stats, format) = tokio::task::spawn_blocking(move || {
        let format = match format.or_else(|| vigil_ingest::detect(&b)) {
            Some(f) => f,
            None => {
                return Err(AppError::bad(
                    "invalid_request",
                    "cannot detect the format; pass ?format=",
                ))
            }
        };
        let mut c = Collect {
            records: Vec::new(),
            errors: Vec::new(),
            max_errors,
            name: Arc::from("api:ingest"),
        };
        let stats = {
            let mut em = Emitter::new(&mut c, Limits::default());
            vigil_ingest::read_input(
                &b[..],
                format,
                "api:ingest",
                None,
                &Limits::default(),
                &mut em,
                &mut |_| {},
            )
            .map_err(|_| AppError::bad("invalid_request", "could not read the batch"))?;
            em.take_stats()
        };
        Ok((c, stats, format))
    })
    .await
    .map_err(|_| AppError::internal())??;
    let accepted = collect.records.len();
    if accepted > 0 {
        permit.send(collect.records);
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({
            "format": format.name(),
            "accepted": accepted,
            "posts": stats.posts,
            "accounts": stats.accounts,
            "enforcement": stats.enforcement,
            "duplicates": stats.duplicates,
            "quarantined": stats.quarantined,
            "errors": collect.errors,
            "errors_truncated": stats.quarantined as usize > collect.errors.len(),
        })),
    )
        .into_response())
}
