//! The SQL behind review cases, decisions and their feedback, the hash-chained audit log, the
//! webhook outbox, preserved evidence, and users and tokens (migration 0009). The rules live
//! in vigil-cases; this module only reads and writes, each decision in one transaction.
//!
//! Every write transaction here is IMMEDIATE: a deferred one that reads first and then writes
//! fails at once with "database is locked" when the ingest writer committed in between (WAL
//! cannot upgrade a stale read snapshot), whereas IMMEDIATE waits on the busy timeout.

use crate::{sqlite::now_ms, SqliteStore, StoreError};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigil_model::{Category, EntityKind};

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Open,
    /// Held by one reviewer until `claim_expires`.
    Claimed,
    Decided,
    /// Decided, then appealed: back in the queue for a second look.
    Appealed,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Claimed => "claimed",
            CaseState::Decided => "decided",
            CaseState::Appealed => "appealed",
        }
    }
    pub fn parse(s: &str) -> Option<CaseState> {
        [
            CaseState::Open,
            CaseState::Claimed,
            CaseState::Decided,
            CaseState::Appealed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// What sync computed for one entity from its signals.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseScore {
    pub entity_kind: EntityKind,
    pub entity_id: String,
    pub priority: f64,
    pub risk: f64,
    pub reach: f64,
    pub recency: f64,
    pub category: Option<Category>,
    pub has_context: bool,
    pub signal_count: i64,
    pub first_signal: i64,
    pub last_signal: i64,
    pub platform: Option<String>,
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub entity_kind: EntityKind,
    pub entity_id: String,
    pub state: CaseState,
    pub appealed: bool,
    pub priority: f64,
    pub risk: f64,
    pub reach: f64,
    pub recency: f64,
    pub category: Option<Category>,
    pub has_context: bool,
    pub signal_count: i64,
    pub first_signal: i64,
    pub last_signal: i64,
    pub platform: Option<String>,
    pub claimed_by: Option<String>,
    pub claim_expires: Option<i64>,
    pub opened_at: i64,
    pub updated_at: i64,
    pub decided_at: Option<i64>,
}

/// What [`CaseStore::upsert_case`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Opened(i64),
    Updated(i64),
    Unchanged(i64),
    /// Already decided, and nothing newer than that decision arrived.
    Skipped,
}

/// A page of the queue: highest priority first, ties by id.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub state: Option<CaseState>,
    pub entity_kind: Option<EntityKind>,
    pub category: Option<Category>,
    /// Keyset cursor: the (priority, id) of the last row of the previous page.
    pub after: Option<(f64, i64)>,
    pub limit: usize,
}

/// The outcome of a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    Claimed(CaseRow),
    /// Someone else holds an unexpired claim.
    HeldBy {
        user: String,
        until: i64,
    },
    /// Decided cases cannot be claimed.
    NotClaimable(CaseState),
    NotFound,
}

/// One audit entry to append.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditWrite {
    pub at: i64,
    pub actor: String,
    /// `decision`, `claim`, `rule_change`, `bank_change`, `login`, `export`, `user_add`, …
    pub action: String,
    pub target: String,
    pub reason: String,
    pub detail: serde_json::Value,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    /// The JSON text exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the empty chain, which the first entry names as its predecessor.
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain hash of one entry: SHA-256 over the previous hash and every field, each
/// length-prefixed so that no two different entries serialize alike.
#[allow(clippy::too_many_arguments)]
pub fn audit_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    reason: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"vigil-audit-v1\n");
    for part in [
        prev.as_bytes(),
        &seq.to_be_bytes(),
        &at.to_be_bytes(),
        actor.as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        reason.as_bytes(),
        detail.as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex(&h.finalize())
}

/// Lowercase hex.
pub fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

/// SHA-256 in lowercase hex.
pub fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// A label stored for later learning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelWrite {
    pub entity_kind: EntityKind,
    pub entity_id: String,
    pub label: String,
    pub category: Option<Category>,
}

/// A confirmed item for the hash bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankItem {
    /// Filled in when read back; ignored on write.
    #[serde(default)]
    pub id: i64,
    /// `media` or `text`.
    pub kind: String,
    pub post_id: String,
    pub sha256: String,
    pub md5: Option<String>,
    pub media_key: Option<String>,
    pub text: Option<String>,
    pub category: Option<Category>,
}

/// One preserved piece of evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceWrite {
    pub kind: String,
    pub ref_id: String,
    pub content: Vec<u8>,
    pub expires_at: i64,
}

/// Stored evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub id: i64,
    pub case_id: i64,
    pub decision_id: i64,
    pub kind: String,
    pub ref_id: String,
    pub content: Vec<u8>,
    pub sha256: String,
    pub preserved_at: i64,
    pub expires_at: i64,
}

/// A webhook delivery to enqueue with a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxWrite {
    pub idempotency_key: String,
    pub body: String,
}

/// A stored webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub decision_id: i64,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// Everything one decision writes, in one transaction.
#[derive(Debug, Clone)]
pub struct DecisionWrite {
    pub case_id: i64,
    pub action: String,
    pub category: Option<Category>,
    pub dismissal: Option<String>,
    pub reason: String,
    pub actor: String,
    pub automatic: bool,
    pub targets: serde_json::Value,
    pub at: i64,
    /// The state the case moves to (decided, or open again for an escalation).
    pub new_state: CaseState,
    pub labels: Vec<LabelWrite>,
    /// (account id, strikes)
    pub strikes: Vec<(String, i64)>,
    pub seeds: Vec<String>,
    pub bank: Vec<BankItem>,
    pub evidence: Vec<EvidenceWrite>,
}

/// Why a decision was not written.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionRefused {
    NotFound,
    /// Another reviewer holds the claim.
    HeldBy(String),
    /// The case is already decided.
    AlreadyDecided,
}

/// A user, as the token names them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// The SQL for cases. [`SqliteStore`] implements it; a PostgreSQL store would too.
pub trait CaseStore {
    /// Open, update or leave alone the case for one entity: at most one active case each.
    fn upsert_case(&mut self, s: &CaseScore, now: i64) -> Result<Upsert, StoreError>;
    /// [`CaseStore::upsert_case`] for many entities (distinct ones) in one transaction: the
    /// same outcome per entity, at a fraction of the cost.
    fn upsert_cases(&mut self, scores: &[CaseScore], now: i64) -> Result<Vec<Upsert>, StoreError> {
        scores.iter().map(|s| self.upsert_case(s, now)).collect()
    }
    fn case(&self, id: i64) -> Result<Option<CaseRow>, StoreError>;
    /// The active (not decided) case for an entity, if any.
    fn active_case(&self, kind: EntityKind, id: &str) -> Result<Option<CaseRow>, StoreError>;
    fn list_cases(&self, q: &CaseQuery) -> Result<Vec<CaseRow>, StoreError>;
    /// Count cases per state.
    fn case_counts(&self) -> Result<Vec<(CaseState, i64)>, StoreError>;
    /// Take an exclusive claim until `until`; the holder may renew; an expired claim is free.
    fn claim_case(
        &mut self,
        id: i64,
        user: &str,
        now: i64,
        until: i64,
    ) -> Result<Claim, StoreError>;
    /// Give a claim back; false when `user` does not hold it.
    fn release_case(&mut self, id: i64, user: &str, now: i64) -> Result<bool, StoreError>;
    /// Reopen a decided case as appealed, with its audit entry.
    fn appeal_case(&mut self, id: i64, audit: &AuditWrite) -> Result<bool, StoreError>;
    /// Write a decision with its labels, strikes, seeds, bank items, evidence, webhook outbox
    /// rows and audit entry, all in one transaction. `finish` builds the outbox rows and the
    /// audit entry once the decision's id is known.
    fn commit_decision(
        &mut self,
        d: &DecisionWrite,
        finish: &mut dyn FnMut(i64) -> (Vec<OutboxWrite>, AuditWrite),
    ) -> Result<Result<i64, DecisionRefused>, StoreError>;
    /// The decisions on a case, oldest first, as (id, action, actor, at, targets JSON).
    fn decisions_for(&self, case_id: i64) -> Result<Vec<serde_json::Value>, StoreError>;
    /// Total strikes on an account.
    fn strikes_for(&self, account_id: &str) -> Result<i64, StoreError>;
    fn is_seed(&self, account_id: &str) -> Result<bool, StoreError>;
    fn labels_for(
        &self,
        kind: EntityKind,
        id: &str,
    ) -> Result<Vec<(String, Option<Category>)>, StoreError>;

    /// Append one audit entry (own transaction); returns its sequence number.
    fn audit_append(&mut self, e: &AuditWrite) -> Result<i64, StoreError>;
    /// Append many entries in one transaction (imports, benchmarks).
    fn audit_append_many(&mut self, es: &[AuditWrite]) -> Result<(), StoreError>;
    /// Every entry in sequence order; `f` returns false to stop.
    fn for_each_audit(&self, f: &mut dyn FnMut(AuditRow) -> bool) -> Result<(), StoreError>;
    /// A page of entries after `after_seq`.
    fn audit_page(&self, after_seq: i64, limit: usize) -> Result<Vec<AuditRow>, StoreError>;
    /// The recorded head of the chain: (seq, hash).
    fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError>;

    /// Pending deliveries due at `now`, oldest first.
    fn due_outbox(&self, now: i64, limit: usize) -> Result<Vec<OutboxRow>, StoreError>;
    fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>, StoreError>;
    fn outbox_delivered(&mut self, id: i64, now: i64) -> Result<(), StoreError>;
    /// Record a failed attempt; `dead` moves it to the dead letters.
    fn outbox_failed(
        &mut self,
        id: i64,
        error: &str,
        next_at: i64,
        dead: bool,
    ) -> Result<(), StoreError>;
    /// Outbox rows in one state (`pending`, `delivered`, `dead`), after an id.
    fn outbox_in_state(
        &self,
        state: &str,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// Move a dead letter back to pending, due now; false if it was not dead.
    fn outbox_replay(&mut self, id: i64, now: i64, audit: &AuditWrite) -> Result<bool, StoreError>;

    fn evidence_for_case(&self, case_id: i64) -> Result<Vec<EvidenceRow>, StoreError>;
    /// Delete evidence whose retention ended before `now`; returns how many.
    fn purge_evidence(&mut self, now: i64) -> Result<u64, StoreError>;

    /// Bank items no sink has taken yet.
    fn pending_bank_items(&self, limit: usize) -> Result<Vec<BankItem>, StoreError>;
    fn mark_bank_exported(&mut self, ids: &[i64], now: i64) -> Result<(), StoreError>;

    /// Record what an automatic policy did or (dry run) would have done; false if already recorded.
    #[allow(clippy::too_many_arguments)]
    fn record_policy_run(
        &mut self,
        policy: &str,
        case_id: i64,
        dry_run: bool,
        action: &str,
        targets: &serde_json::Value,
        risk: f64,
        at: i64,
    ) -> Result<bool, StoreError>;
    /// Policy runs, newest first: (policy, case_id, dry_run, action, targets, risk, at).
    fn policy_runs(&self, limit: usize) -> Result<Vec<serde_json::Value>, StoreError>;

    /// Add a user with one token hash; `None` when the name is taken.
    fn add_user(
        &mut self,
        name: &str,
        role: &str,
        token_hash: &str,
        audit: &AuditWrite,
    ) -> Result<Option<i64>, StoreError>;
    fn user_by_token_hash(&self, hash: &str) -> Result<Option<UserRow>, StoreError>;
}

pub(crate) const CASE_COLUMNS: &str = "id, entity_kind, entity_id, state, appealed, priority, risk, reach, recency, category, \
    has_context, signal_count, first_signal, last_signal, platform, claimed_by, claim_expires, opened_at, updated_at, decided_at";

pub(crate) fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
    let kind: String = r.get(1)?;
    let state: String = r.get(3)?;
    let cat: Option<String> = r.get(9)?;
    Ok(CaseRow {
        id: r.get(0)?,
        entity_kind: serde_json::from_value(serde_json::Value::String(kind))
            .unwrap_or(EntityKind::Post),
        entity_id: r.get(2)?,
        state: CaseState::parse(&state).unwrap_or(CaseState::Open),
        appealed: r.get(4)?,
        priority: r.get(5)?,
        risk: r.get(6)?,
        reach: r.get(7)?,
        recency: r.get(8)?,
        category: cat.as_deref().and_then(Category::parse),
        has_context: r.get(10)?,
        signal_count: r.get(11)?,
        first_signal: r.get(12)?,
        last_signal: r.get(13)?,
        platform: r.get(14)?,
        claimed_by: r.get(15)?,
        claim_expires: r.get(16)?,
        opened_at: r.get(17)?,
        updated_at: r.get(18)?,
        decided_at: r.get(19)?,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, target, reason, detail, prev_hash, hash";

fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        reason: r.get(5)?,
        detail: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

const OUTBOX_COLUMNS: &str = "id, idempotency_key, decision_id, body, state, attempts, next_attempt_at, last_error, created_at, delivered_at";

fn outbox_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        idempotency_key: r.get(1)?,
        decision_id: r.get(2)?,
        body: r.get(3)?,
        state: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        delivered_at: r.get(9)?,
    })
}

/// Append one entry inside an open transaction, chaining it to the recorded head.
fn append_audit(tx: &Transaction<'_>, e: &AuditWrite) -> Result<i64, StoreError> {
    let head: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE one = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, AUDIT_GENESIS.to_string()),
    };
    let detail = e.detail.to_string();
    let hash = audit_hash(
        &prev, seq, e.at, &e.actor, &e.action, &e.target, &e.reason, &detail,
    );
    tx.prepare_cached(
        "INSERT INTO audit (seq, at, actor, action, target, reason, detail, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq, e.at, e.actor, e.action, e.target, e.reason, detail, prev, hash
    ])?;
    tx.prepare_cached(
        "INSERT INTO audit_head (one, seq, hash) VALUES (1, ?1, ?2) \
         ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash])?;
    Ok(seq)
}

/// Open, update or leave alone one entity's case inside an open transaction.
fn upsert_in(
    tx: &rusqlite::Transaction<'_>,
    s: &CaseScore,
    now: i64,
) -> Result<Upsert, StoreError> {
    let active: Option<(i64, f64, f64, i64, i64, bool)> = tx
        .prepare_cached(
            "SELECT id, priority, risk, signal_count, last_signal, has_context FROM cases \
                 WHERE entity_kind = ?1 AND entity_id = ?2 AND state != 'decided'",
        )?
        .query_row(params![s.entity_kind.as_str(), s.entity_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let out = if let Some((id, p, risk, n, last, ctx)) = active {
        if p == s.priority
            && risk == s.risk
            && n == s.signal_count
            && last == s.last_signal
            && ctx == s.has_context
        {
            Upsert::Unchanged(id)
        } else {
            tx.prepare_cached(
                    "UPDATE cases SET priority = ?2, risk = ?3, reach = ?4, recency = ?5, category = ?6, \
                     has_context = ?7, signal_count = ?8, first_signal = ?9, last_signal = ?10, updated_at = ?11 WHERE id = ?1",
                )?
                .execute(params![
                    id, s.priority, s.risk, s.reach, s.recency, cat_str(s.category), s.has_context,
                    s.signal_count, s.first_signal, s.last_signal, now
                ])?;
            Upsert::Updated(id)
        }
    } else {
        let decided_last: Option<i64> = tx
                .prepare_cached(
                    "SELECT max(last_signal) FROM cases WHERE entity_kind = ?1 AND entity_id = ?2 AND state = 'decided'",
                )?
                .query_row(params![s.entity_kind.as_str(), s.entity_id], |r| r.get(0))?;
        if decided_last.is_some_and(|d| s.last_signal <= d) {
            Upsert::Skipped
        } else {
            tx.prepare_cached(
                    "INSERT INTO cases (entity_kind, entity_id, state, priority, risk, reach, recency, category, has_context, \
                     signal_count, first_signal, last_signal, platform, opened_at, updated_at) \
                     VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                )?
                .execute(params![
                    s.entity_kind.as_str(), s.entity_id, s.priority, s.risk, s.reach, s.recency,
                    cat_str(s.category), s.has_context, s.signal_count, s.first_signal, s.last_signal,
                    s.platform, now
                ])?;
            Upsert::Opened(tx.last_insert_rowid())
        }
    };
    Ok(out)
}

fn cat_str(c: Option<Category>) -> Option<&'static str> {
    c.map(|c| c.as_str())
}

impl CaseStore for SqliteStore {
    fn upsert_case(&mut self, s: &CaseScore, now: i64) -> Result<Upsert, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = upsert_in(&tx, s, now)?;
        tx.commit()?;
        Ok(out)
    }

    fn upsert_cases(&mut self, scores: &[CaseScore], now: i64) -> Result<Vec<Upsert>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = scores
            .iter()
            .map(|s| upsert_in(&tx, s, now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(out)
    }

    fn case(&self, id: i64) -> Result<Option<CaseRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"))?
            .query_row([id], case_from_row)
            .optional()?)
    }

    fn active_case(&self, kind: EntityKind, id: &str) -> Result<Option<CaseRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE entity_kind = ?1 AND entity_id = ?2 AND state != 'decided'"
            ))?
            .query_row(params![kind.as_str(), id], case_from_row)
            .optional()?)
    }

    fn list_cases(&self, q: &CaseQuery) -> Result<Vec<CaseRow>, StoreError> {
        let (ap, aid) = q.after.unwrap_or((f64::INFINITY, i64::MIN));
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR entity_kind = ?2) \
             AND (?3 IS NULL OR category = ?3) AND (priority < ?4 OR (priority = ?4 AND id > ?5)) \
             ORDER BY priority DESC, id LIMIT ?6"
        ))?;
        let rows = st.query_map(
            params![
                q.state.map(|s| s.as_str()),
                q.entity_kind.map(|k| k.as_str()),
                cat_str(q.category),
                ap,
                aid,
                q.limit.min(10_000) as i64
            ],
            case_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn case_counts(&self) -> Result<Vec<(CaseState, i64)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT state, count(*) FROM cases GROUP BY state ORDER BY state")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (s, n) = r?;
            if let Some(s) = CaseState::parse(&s) {
                out.push((s, n));
            }
        }
        Ok(out)
    }

    fn claim_case(
        &mut self,
        id: i64,
        user: &str,
        now: i64,
        until: i64,
    ) -> Result<Claim, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx
            .prepare_cached(
                "UPDATE cases SET state = 'claimed', claimed_by = ?2, claim_expires = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND (state IN ('open', 'appealed') \
                   OR (state = 'claimed' AND (claimed_by = ?2 OR claim_expires <= ?4)))",
            )?
            .execute(params![id, user, until, now])?;
        let row = tx
            .prepare_cached(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"))?
            .query_row([id], case_from_row)
            .optional()?;
        tx.commit()?;
        Ok(match row {
            None => Claim::NotFound,
            Some(r) if n == 1 => Claim::Claimed(r),
            Some(r) if r.state == CaseState::Claimed => Claim::HeldBy {
                user: r.claimed_by.unwrap_or_default(),
                until: r.claim_expires.unwrap_or(0),
            },
            Some(r) => Claim::NotClaimable(r.state),
        })
    }

    fn release_case(&mut self, id: i64, user: &str, now: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE cases SET state = CASE WHEN appealed THEN 'appealed' ELSE 'open' END, claimed_by = NULL, \
             claim_expires = NULL, updated_at = ?3 WHERE id = ?1 AND state = 'claimed' AND claimed_by = ?2",
            params![id, user, now],
        )?;
        Ok(n == 1)
    }

    fn appeal_case(&mut self, id: i64, audit: &AuditWrite) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE cases SET state = 'appealed', appealed = 1, claimed_by = NULL, claim_expires = NULL, updated_at = ?2 \
             WHERE id = ?1 AND state = 'decided' AND NOT EXISTS (SELECT 1 FROM cases c2 WHERE c2.entity_kind = cases.entity_kind \
             AND c2.entity_id = cases.entity_id AND c2.state != 'decided')",
            params![id, audit.at],
        )?;
        if n == 1 {
            append_audit(&tx, audit)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn commit_decision(
        &mut self,
        d: &DecisionWrite,
        finish: &mut dyn FnMut(i64) -> (Vec<OutboxWrite>, AuditWrite),
    ) -> Result<Result<i64, DecisionRefused>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cur: Option<(String, Option<String>, Option<i64>)> = tx
            .prepare_cached("SELECT state, claimed_by, claim_expires FROM cases WHERE id = ?1")?
            .query_row([d.case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        match cur {
            None => return Ok(Err(DecisionRefused::NotFound)),
            Some((s, _, _)) if s == "decided" => return Ok(Err(DecisionRefused::AlreadyDecided)),
            Some((s, Some(by), Some(until))) if s == "claimed" && by != d.actor && until > d.at => {
                return Ok(Err(DecisionRefused::HeldBy(by)))
            }
            _ => {}
        }
        tx.prepare_cached(
            "INSERT INTO decisions (case_id, action, category, dismissal, reason, actor, automatic, targets, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            d.case_id, d.action, cat_str(d.category), d.dismissal, d.reason, d.actor, d.automatic,
            d.targets.to_string(), d.at
        ])?;
        let did = tx.last_insert_rowid();
        for l in &d.labels {
            tx.prepare_cached(
                "INSERT INTO labels (entity_kind, entity_id, label, category, decision_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![l.entity_kind.as_str(), l.entity_id, l.label, cat_str(l.category), did, d.at])?;
        }
        for (acct, n) in &d.strikes {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO strikes (account_id, decision_id, count, category, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![acct, did, n, cat_str(d.category), d.at])?;
        }
        for acct in &d.seeds {
            tx.prepare_cached(
                "INSERT INTO seeds (account_id, category, decision_id, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (account_id) DO NOTHING",
            )?
            .execute(params![acct, cat_str(d.category), did, d.at])?;
        }
        for b in &d.bank {
            tx.prepare_cached(
                "INSERT INTO bank_items (kind, post_id, sha256, md5, media_key, text, category, decision_id, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (kind, sha256) DO NOTHING",
            )?
            .execute(params![
                b.kind, b.post_id, b.sha256, b.md5, b.media_key, b.text, cat_str(b.category), did, d.at
            ])?;
        }
        for e in &d.evidence {
            tx.prepare_cached(
                "INSERT INTO evidence (case_id, decision_id, kind, ref_id, content, sha256, preserved_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (case_id, kind, ref_id) DO NOTHING",
            )?
            .execute(params![
                d.case_id, did, e.kind, e.ref_id, e.content, sha256_hex(&e.content), d.at, e.expires_at
            ])?;
        }
        let (outbox, audit) = finish(did);
        for o in &outbox {
            tx.prepare_cached(
                "INSERT INTO outbox (idempotency_key, decision_id, body, state, next_attempt_at, created_at) \
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?4) ON CONFLICT (idempotency_key) DO NOTHING",
            )?
            .execute(params![o.idempotency_key, did, o.body, d.at])?;
        }
        let decided_at = (d.new_state == CaseState::Decided).then_some(d.at);
        tx.prepare_cached(
            "UPDATE cases SET state = ?2, claimed_by = NULL, claim_expires = NULL, updated_at = ?3, \
             decided_at = coalesce(?4, decided_at) WHERE id = ?1",
        )?
        .execute(params![d.case_id, d.new_state.as_str(), d.at, decided_at])?;
        append_audit(&tx, &audit)?;
        tx.commit()?;
        Ok(Ok(did))
    }

    fn decisions_for(&self, case_id: i64) -> Result<Vec<serde_json::Value>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, action, category, dismissal, reason, actor, automatic, targets, at FROM decisions \
             WHERE case_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([case_id], |r| {
            let targets: String = r.get(7)?;
            Ok(serde_json::json!({
                "id": r.get::<_, i64>(0)?,
                "action": r.get::<_, String>(1)?,
                "category": r.get::<_, Option<String>>(2)?,
                "dismissal": r.get::<_, Option<String>>(3)?,
                "reason": r.get::<_, String>(4)?,
                "actor": r.get::<_, String>(5)?,
                "automatic": r.get::<_, bool>(6)?,
                "targets": serde_json::from_str::<serde_json::Value>(&targets).unwrap_or_default(),
                "at": r.get::<_, i64>(8)?,
            }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn strikes_for(&self, account_id: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(sum(count), 0) FROM strikes WHERE account_id = ?1")?
            .query_row([account_id], |r| r.get(0))?)
    }

    fn is_seed(&self, account_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM seeds WHERE account_id = ?1")?
            .exists([account_id])?)
    }

    fn labels_for(
        &self,
        kind: EntityKind,
        id: &str,
    ) -> Result<Vec<(String, Option<Category>)>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT label, category FROM labels WHERE entity_kind = ?1 AND entity_id = ?2 ORDER BY id",
        )?;
        let rows = st.query_map(params![kind.as_str(), id], |r| {
            let c: Option<String> = r.get(1)?;
            Ok((
                r.get::<_, String>(0)?,
                c.as_deref().and_then(Category::parse),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn audit_append(&mut self, e: &AuditWrite) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = append_audit(&tx, e)?;
        tx.commit()?;
        Ok(seq)
    }

    fn audit_append_many(&mut self, es: &[AuditWrite]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for e in es {
            append_audit(&tx, e)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn for_each_audit(&self, f: &mut dyn FnMut(AuditRow) -> bool) -> Result<(), StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if !f(audit_from_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn audit_page(&self, after_seq: i64, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let rows = st.query_map(params![after_seq, limit.min(10_000) as i64], audit_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit_head WHERE one = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn due_outbox(&self, now: i64, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 \
             ORDER BY next_attempt_at, id LIMIT ?2"
        ))?;
        let rows = st.query_map(params![now, limit.min(10_000) as i64], outbox_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"
            ))?
            .query_row([id], outbox_from_row)
            .optional()?)
    }

    fn outbox_delivered(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?2, last_error = NULL \
             WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    fn outbox_failed(
        &mut self,
        id: i64,
        error: &str,
        next_at: i64,
        dead: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3, \
             state = CASE WHEN ?4 THEN 'dead' ELSE state END WHERE id = ?1 AND state = 'pending'",
            params![
                id,
                vigil_model::truncate_for_message(error, 500),
                next_at,
                dead
            ],
        )?;
        Ok(())
    }

    fn outbox_in_state(
        &self,
        state: &str,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        ))?;
        let rows = st.query_map(
            params![state, after_id, limit.min(10_000) as i64],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn outbox_replay(&mut self, id: i64, now: i64, audit: &AuditWrite) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2 WHERE id = ?1 AND state = 'dead'",
            params![id, now],
        )?;
        if n == 1 {
            append_audit(&tx, audit)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn evidence_for_case(&self, case_id: i64) -> Result<Vec<EvidenceRow>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, case_id, decision_id, kind, ref_id, content, sha256, preserved_at, expires_at \
             FROM evidence WHERE case_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([case_id], |r| {
            Ok(EvidenceRow {
                id: r.get(0)?,
                case_id: r.get(1)?,
                decision_id: r.get(2)?,
                kind: r.get(3)?,
                ref_id: r.get(4)?,
                content: r.get(5)?,
                sha256: r.get(6)?,
                preserved_at: r.get(7)?,
                expires_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn purge_evidence(&mut self, now: i64) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM evidence WHERE expires_at < ?1", [now])? as u64)
    }

    fn pending_bank_items(&self, limit: usize) -> Result<Vec<BankItem>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, kind, post_id, sha256, md5, media_key, text, category FROM bank_items \
             WHERE exported_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = st.query_map([limit.min(10_000) as i64], |r| {
            let c: Option<String> = r.get(7)?;
            Ok(BankItem {
                id: r.get(0)?,
                kind: r.get(1)?,
                post_id: r.get(2)?,
                sha256: r.get(3)?,
                md5: r.get(4)?,
                media_key: r.get(5)?,
                text: r.get(6)?,
                category: c.as_deref().and_then(Category::parse),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_bank_exported(&mut self, ids: &[i64], now: i64) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in ids {
            tx.prepare_cached("UPDATE bank_items SET exported_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
        }
        tx.commit()?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn record_policy_run(
        &mut self,
        policy: &str,
        case_id: i64,
        dry_run: bool,
        action: &str,
        targets: &serde_json::Value,
        risk: f64,
        at: i64,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO policy_runs (policy, case_id, dry_run, action, targets, risk, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (policy, case_id, dry_run) DO NOTHING",
            params![policy, case_id, dry_run, action, targets.to_string(), risk, at],
        )?;
        Ok(n == 1)
    }

    fn policy_runs(&self, limit: usize) -> Result<Vec<serde_json::Value>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT policy, case_id, dry_run, action, targets, risk, at FROM policy_runs ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit.min(10_000) as i64], |r| {
            let t: String = r.get(4)?;
            Ok(serde_json::json!({
                "policy": r.get::<_, String>(0)?,
                "case_id": r.get::<_, i64>(1)?,
                "dry_run": r.get::<_, bool>(2)?,
                "action": r.get::<_, String>(3)?,
                "targets": serde_json::from_str::<serde_json::Value>(&t).unwrap_or_default(),
                "risk": r.get::<_, f64>(5)?,
                "at": r.get::<_, i64>(6)?,
            }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_user(
        &mut self,
        name: &str,
        role: &str,
        token_hash: &str,
        audit: &AuditWrite,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        let n = tx.execute(
            "INSERT INTO users (name, role, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
            params![name, role, now],
        )?;
        if n == 0 {
            return Ok(None);
        }
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO tokens (hash, user_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash, id, now],
        )?;
        append_audit(&tx, audit)?;
        tx.commit()?;
        Ok(Some(id))
    }

    fn user_by_token_hash(&self, hash: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT u.id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.hash = ?1 AND t.revoked = 0",
            )?
            .query_row([hash], |r| {
                Ok(UserRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                })
            })
            .optional()?)
    }
}

impl SqliteStore {
    /// For tamper tests and forensics only: run raw SQL against the audit table as an attacker
    /// with file access could. Never called by vigil itself.
    #[doc(hidden)]
    pub fn tamper_for_tests(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }
}
