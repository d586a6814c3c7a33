//! vigil's service layer: review cases built from signals, decisions and their feedback
//! (labels, strikes, seeds, hash-bank items), the hash-chained audit log, preserved evidence
//! and webhook delivery through an outbox. It knows nothing about HTTP: the API and the
//! console both call [`Service`].

mod audit;
mod bank;
mod decide;
mod evidence;
mod score;
mod users;
pub mod webhook;

pub use audit::{verify_audit, AuditProblem, AuditReport};
pub use bank::{drain_bank, BankSink, VecBank};
pub use decide::{
    Action, AutoPolicy, DecisionRequest, Dismissal, Excluded, PolicyReport, Preview, Target,
};
pub use evidence::{export_evidence, ExportManifest, ManifestFile};
pub use score::{sync_cases, ScoreConfig, SyncStats};
pub use users::{hash_token, new_token, Role, User};
pub use vigil_store::cases::{
    AuditRow, AuditWrite, BankItem, CaseQuery, CaseRow, CaseState, CaseStore, Claim, OutboxRow,
};

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use vigil_store::{Store, StoreError};

/// What the service layer can refuse, separating the caller's mistakes from internal faults.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The store failed: an internal fault, never the caller's doing.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// No case with this id.
    #[error("case {0} not found")]
    NotFound(i64),
    /// Another reviewer holds the case.
    #[error("case {id} is claimed by {by}")]
    Claimed { id: i64, by: String },
    /// The case was decided already; appeal it to decide again.
    #[error("case {0} is already decided")]
    AlreadyDecided(i64),
    /// The case is not in a state that allows this.
    #[error("case {id} is {state}")]
    WrongState { id: i64, state: &'static str },
    /// The request itself is wrong (missing category, action that does not fit the entity).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The named user already exists.
    #[error("user {0} already exists")]
    UserExists(String),
    /// Reading or writing files (evidence export).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// Stored evidence no longer matches the hash it was preserved with.
    #[error("evidence {id} does not match its stored hash")]
    EvidenceCorrupt { id: i64 },
}

/// Settings of the service layer.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a claim holds, ms.
    pub claim_ttl_ms: i64,
    /// How long evidence is preserved, ms. EU 2021/784 Art. 6: six months by default.
    pub retention_ms: i64,
    pub score: ScoreConfig,
}

/// Six months, as 183 days.
pub const DEFAULT_RETENTION_MS: i64 = 183 * 24 * 3600 * 1000;

impl Default for Config {
    fn default() -> Self {
        Config {
            claim_ttl_ms: 15 * 60 * 1000,
            retention_ms: DEFAULT_RETENTION_MS,
            score: ScoreConfig::default(),
        }
    }
}

/// A clock: the wall clock, or a settable one for tests.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// A clock fixed at `ms` until set again.
    pub fn manual(ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(ms))))
    }
    pub fn set(&self, ms: i64) {
        if let Some(c) = &self.0 {
            c.store(ms, Ordering::SeqCst)
        }
    }
    pub fn advance(&self, ms: i64) {
        if let Some(c) = &self.0 {
            c.fetch_add(ms, Ordering::SeqCst);
        }
    }
    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(c) => c.load(Ordering::SeqCst),
            None => now_ms(),
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The service: one store, its settings and a clock. Not shared between threads by itself;
/// the server keeps it behind a mutex.
pub struct Service<S: Store + CaseStore = vigil_store::SqliteStore> {
    pub store: S,
    pub config: Config,
    pub clock: Clock,
}

impl<S: Store + CaseStore> Service<S> {
    pub fn new(store: S, config: Config) -> Self {
        Service {
            store,
            config,
            clock: Clock::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Open and update cases from the signals table.
    pub fn sync(&mut self) -> Result<SyncStats, CaseError> {
        let now = self.now();
        sync_cases(&mut self.store, &self.config.score, now)
    }

    pub fn case(&self, id: i64) -> Result<CaseRow, CaseError> {
        self.store.case(id)?.ok_or(CaseError::NotFound(id))
    }

    pub fn list(&self, q: &CaseQuery) -> Result<Vec<CaseRow>, CaseError> {
        Ok(self.store.list_cases(q)?)
    }

    /// Claim a case for `user` for the configured time; renewing one's own claim is allowed.
    pub fn claim(&mut self, id: i64, user: &str) -> Result<CaseRow, CaseError> {
        let now = self.now();
        match self
            .store
            .claim_case(id, user, now, now + self.config.claim_ttl_ms)?
        {
            Claim::Claimed(c) => Ok(c),
            Claim::HeldBy { user, .. } => Err(CaseError::Claimed { id, by: user }),
            Claim::NotClaimable(s) => Err(CaseError::WrongState {
                id,
                state: s.as_str(),
            }),
            Claim::NotFound => Err(CaseError::NotFound(id)),
        }
    }

    /// Give a claim back.
    pub fn release(&mut self, id: i64, user: &str) -> Result<CaseRow, CaseError> {
        let now = self.now();
        let c = self.case(id)?;
        if !self.store.release_case(id, user, now)? {
            return Err(match (c.state, c.claimed_by) {
                (CaseState::Claimed, Some(by)) => CaseError::Claimed { id, by },
                (s, _) => CaseError::WrongState {
                    id,
                    state: s.as_str(),
                },
            });
        }
        self.case(id)
    }

    /// Reopen a decided case for a second review.
    pub fn appeal(&mut self, id: i64, actor: &str, reason: &str) -> Result<CaseRow, CaseError> {
        check_reason(reason)?;
        let c = self.case(id)?;
        let audit = AuditWrite {
            at: self.now(),
            actor: actor.into(),
            action: "appeal".into(),
            target: format!("case:{id}"),
            reason: reason.into(),
            detail: serde_json::json!({"entity": format!("{}:{}", c.entity_kind.as_str(), c.entity_id)}),
        };
        if !self.store.appeal_case(id, &audit)? {
            return Err(CaseError::WrongState {
                id,
                state: c.state.as_str(),
            });
        }
        self.case(id)
    }

    /// Record something in the audit log (rule changes, bank changes, logins).
    pub fn audit(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        reason: &str,
        detail: serde_json::Value,
    ) -> Result<i64, CaseError> {
        let e = AuditWrite {
            at: self.now(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            reason: reason.into(),
            detail,
        };
        Ok(self.store.audit_append(&e)?)
    }

    /// Check the whole audit chain.
    pub fn verify_audit(&self, expect_head: Option<&str>) -> Result<AuditReport, CaseError> {
        verify_audit(&self.store, expect_head)
    }

    /// Delete evidence past its retention; returns how many items went.
    pub fn purge_evidence(&mut self) -> Result<u64, CaseError> {
        let now = self.now();
        let n = self.store.purge_evidence(now)?;
        if n > 0 {
            self.audit(
                "system",
                "evidence_purge",
                "evidence",
                "retention period ended",
                serde_json::json!({"items": n}),
            )?;
        }
        Ok(n)
    }
}

pub(crate) fn check_reason(reason: &str) -> Result<(), CaseError> {
    if reason.trim().is_empty() {
        return Err(CaseError::Invalid("reason must not be empty".into()));
    }
    if reason.len() > 4000 {
        return Err(CaseError::Invalid(
            "reason is longer than 4000 bytes".into(),
        ));
    }
    Ok(())
}
