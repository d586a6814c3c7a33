//! Webhook delivery from the outbox: JSON bodies signed with HMAC-SHA256 over the timestamp
//! and the body, retried with exponential backoff, moved to dead letters after the last try,
//! and replayable. The idempotency key travels in a header so a receiver acts once however
//! often a delivery is retried.
//!
//! Headers sent with every delivery:
//! - `Content-Type: application/json`
//! - `Idempotency-Key: <key>`: the same on every retry of one action
//! - `X-Vigil-Timestamp: <unix seconds>`
//! - `X-Vigil-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
//! - `X-Vigil-Attempt: <n>` (1 on the first try)
//!
//! Receivers should recompute the signature, compare in constant time, and reject
//! timestamps more than five minutes from their clock.

use crate::{CaseError, CaseStore, OutboxRow, Service};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use vigil_store::cases::AuditWrite;
use vigil_store::Store;

/// Where and how deliveries go.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `http://host:port/path`. (TLS endpoints need a [`Transport`] that speaks it.)
    pub url: String,
    pub secret: Vec<u8>,
    /// Tries before a delivery becomes a dead letter.
    pub max_attempts: u32,
    pub base_backoff_ms: i64,
    pub max_backoff_ms: i64,
    pub timeout: Duration,
}

impl WebhookConfig {
    pub fn new(url: &str, secret: &[u8]) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: secret.to_vec(),
            max_attempts: 8,
            base_backoff_ms: 1000,
            max_backoff_ms: 3_600_000,
            timeout: Duration::from_secs(5),
        }
    }
}

/// `v1=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    format!("v1={}", hex::encode(m.finalize().into_bytes()))
}

/// Check a signature as a receiver would: constant-time, with a timestamp tolerance.
pub fn verify(
    secret: &[u8],
    timestamp: i64,
    body: &[u8],
    signature: &str,
    now_secs: i64,
    tolerance_secs: i64,
) -> bool {
    if (now_secs - timestamp).abs() > tolerance_secs {
        return false;
    }
    let Some(hexsig) = signature.strip_prefix("v1=") else {
        return false;
    };
    let Ok(raw) = hex::decode(hexsig) else {
        return false;
    };
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.verify_slice(&raw).is_ok()
}

/// Sends one request. The default speaks plain HTTP/1.1; a TLS transport can replace it.
pub trait Transport: Send + Sync {
    /// POST `body` with `headers`; the response status, or why there was none.
    fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<u16, String>;
}

/// A minimal blocking HTTP/1.1 client for `http://` URLs: one connection per request,
/// bounded by the timeout for connect, write and read, reading only the status line.
#[derive(Debug, Default, Clone, Copy)]
pub struct HttpTransport;

impl Transport for HttpTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<u16, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            "only http:// URLs are supported by the built-in transport".to_string()
        })?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if hostport.is_empty()
            || hostport.contains(['@', ' ', '\r', '\n'])
            || path.contains(['\r', '\n', ' '])
        {
            return Err("malformed webhook url".into());
        }
        let addr_s = if hostport.contains(':') {
            hostport.to_string()
        } else {
            format!("{hostport}:80")
        };
        let addr = addr_s
            .to_socket_addrs()
            .map_err(|e| format!("resolving {hostport}: {e}"))?
            .next()
            .ok_or_else(|| format!("{hostport} has no address"))?;
        let mut s =
            TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            if v.contains(['\r', '\n']) {
                return Err("header value with a line break".into());
            }
            req.push_str(k);
            req.push_str(": ");
            req.push_str(v);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes())
            .and_then(|_| s.write_all(body))
            .map_err(|e| format!("send: {e}"))?;
        let mut buf = [0u8; 512];
        let mut got = 0;
        while got < buf.len() {
            let n = s
                .read(&mut buf[got..])
                .map_err(|e| format!("receive: {e}"))?;
            if n == 0 {
                break;
            }
            got += n;
            if buf[..got].contains(&b'\n') {
                break;
            }
        }
        let line = std::str::from_utf8(&buf[..got]).unwrap_or("");
        let mut parts = line.split_whitespace();
        match (
            parts.next(),
            parts.next().and_then(|c| c.parse::<u16>().ok()),
        ) {
            (Some(v), Some(code)) if v.starts_with("HTTP/1.") => Ok(code),
            _ => Err("no HTTP status line in the response".into()),
        }
    }
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Will be tried again at `next_at`.
    Retry {
        next_at: i64,
        error: String,
    },
    /// Out of attempts: now a dead letter.
    Dead {
        error: String,
    },
}

/// Totals of one delivery pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub delivered: u64,
    pub retried: u64,
    pub dead: u64,
}

/// The delay before attempt `attempts + 1`: base × 2^attempts, capped, plus a jitter of up to
/// a quarter derived from the row id (so receivers coming back are not stampeded).
pub fn backoff_ms(cfg: &WebhookConfig, attempts: u32, id: i64) -> i64 {
    let exp = cfg
        .base_backoff_ms
        .saturating_mul(1i64 << attempts.min(30))
        .min(cfg.max_backoff_ms);
    let jitter = (id.wrapping_mul(0x9E37_79B9) as u64 % 1000) as i64 * exp / 4000;
    exp + jitter
}

/// Sign and send one outbox row (no store access: call without holding any lock).
pub fn attempt(cfg: &WebhookConfig, t: &dyn Transport, row: &OutboxRow, now_ms: i64) -> Attempt {
    let ts = now_ms / 1000;
    let headers = [
        ("Content-Type", "application/json".to_string()),
        ("Idempotency-Key", row.idempotency_key.clone()),
        ("X-Vigil-Timestamp", ts.to_string()),
        (
            "X-Vigil-Signature",
            sign(&cfg.secret, ts, row.body.as_bytes()),
        ),
        ("X-Vigil-Attempt", (row.attempts + 1).to_string()),
    ];
    let error = match t.post(&cfg.url, &headers, row.body.as_bytes(), cfg.timeout) {
        Ok(code) if (200..300).contains(&code) => return Attempt::Delivered,
        // 409: the receiver already acted on this key.
        Ok(409) => return Attempt::Delivered,
        Ok(code) => format!("receiver answered {code}"),
        Err(e) => e,
    };
    let tries = row.attempts as u32 + 1;
    if tries >= cfg.max_attempts {
        Attempt::Dead { error }
    } else {
        Attempt::Retry {
            next_at: now_ms + backoff_ms(cfg, tries - 1, row.id),
            error,
        }
    }
}

impl<S: Store + CaseStore> Service<S> {
    /// Deliveries due now.
    pub fn due_deliveries(&self, limit: usize) -> Result<Vec<OutboxRow>, CaseError> {
        Ok(self.store.due_outbox(self.now(), limit)?)
    }

    /// Record what an attempt did.
    pub fn record_attempt(&mut self, row: &OutboxRow, a: &Attempt) -> Result<(), CaseError> {
        let now = self.now();
        match a {
            Attempt::Delivered => self.store.outbox_delivered(row.id, now)?,
            Attempt::Retry { next_at, error } => {
                self.store.outbox_failed(row.id, error, *next_at, false)?
            }
            Attempt::Dead { error } => self.store.outbox_failed(row.id, error, now, true)?,
        }
        Ok(())
    }

    /// One pass over the due outbox, holding `self` throughout (CLI, tests). The server's
    /// worker instead sends without holding the service lock.
    pub fn deliver_due(
        &mut self,
        cfg: &WebhookConfig,
        t: &dyn Transport,
    ) -> Result<DeliveryReport, CaseError> {
        let mut rep = DeliveryReport::default();
        for row in self.due_deliveries(100)? {
            let a = attempt(cfg, t, &row, self.now());
            match a {
                Attempt::Delivered => rep.delivered += 1,
                Attempt::Retry { .. } => rep.retried += 1,
                Attempt::Dead { .. } => rep.dead += 1,
            }
            self.record_attempt(&row, &a)?;
        }
        Ok(rep)
    }

    /// Dead letters, oldest first, after an id.
    pub fn dead_letters(&self, after_id: i64, limit: usize) -> Result<Vec<OutboxRow>, CaseError> {
        Ok(self.store.outbox_in_state("dead", after_id, limit)?)
    }

    /// Send a dead letter again (same body, same idempotency key).
    pub fn replay_dead(&mut self, id: i64, actor: &str) -> Result<bool, CaseError> {
        let audit = AuditWrite {
            at: self.now(),
            actor: actor.into(),
            action: "webhook_replay".into(),
            target: format!("outbox:{id}"),
            reason: "dead letter replayed".into(),
            detail: serde_json::json!({}),
        };
        let now = self.now();
        Ok(self.store.outbox_replay(id, now, &audit)?)
    }
}
