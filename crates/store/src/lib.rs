//! vigil's storage layer. This is the only crate that speaks SQL: everything else sees the
//! [`Store`] trait, so a PostgreSQL backend can be added without touching the detectors.

pub mod banks;
mod campaigns;
pub mod cases;
pub mod console;
mod identity;
mod sqlite;

pub use campaigns::{CampaignRecord, ClusterRecord, EdgeRecord};
pub use identity::{AccountRiskRecord, IdentityLinkRecord};
pub use sqlite::SqliteStore;

use serde::Serialize;
use vigil_model::{Account, EntityKind, Post, Record, Signal};

/// Storage failures. Bad input never reaches here: adapters quarantine it first.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, migrated or written.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The database was written by a newer vigil (it records migrations this one lacks).
    #[error("database has {found} migrations, some unknown to this vigil (which knows {known}); it was written by a newer vigil")]
    TooNew { found: i64, known: i64 },
    #[error("encoding: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What one batch write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// Rows that did not exist before.
    pub inserted: u64,
    /// Existing rows whose content changed (a re-crawl with new counts, a merged profile).
    pub updated: u64,
    /// Records identical to what was stored: re-ingesting the same file lands here.
    pub unchanged: u64,
}

impl std::ops::AddAssign for WriteStats {
    fn add_assign(&mut self, o: WriteStats) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Counts per platform and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub platforms: Vec<PlatformStats>,
    pub ingest_runs: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlatformStats {
    pub platform: String,
    pub accounts: u64,
    pub posts: u64,
    pub media: u64,
    pub enforcement: u64,
}

/// A record and the place it was read from.
pub struct Sourced {
    pub record: Record,
    /// The input's name, shared by every record from it.
    pub source: std::sync::Arc<str>,
    pub line: u64,
}

/// Where an engine stream stands. Written in the same transaction as the batch it covers
/// ([`Store::commit_stream`]), so a crash never separates the two.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Key of the input set (the engine derives it from the inputs' names).
    pub stream: String,
    /// How many records of the merged, event-time-ordered stream are committed.
    pub merged: u64,
    /// The stream ended and everything after it (detector flush, cases) is committed.
    pub done: bool,
    /// Engine-defined progress detail (per-input counts, lateness, …).
    pub state: serde_json::Value,
}

/// One signal as case scoring reads it ([`Store::for_each_signal_score`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalScore<'a> {
    pub entity_kind: EntityKind,
    pub entity_id: &'a str,
    pub category: Option<vigil_model::Category>,
    pub context: Option<vigil_model::Context>,
    pub weight: f32,
    pub at: i64,
    /// For a cluster or campaign signal, the accounts plus the posts its explanation names
    /// (at most 100,000 of each); 0 for other signals.
    pub members: usize,
}

/// The members a cluster or campaign signal's explanation names: the string elements of its
/// `accounts` and `posts` arrays, at most 100,000 of each.
pub fn members_named(kind: EntityKind, explanation: &serde_json::Value) -> usize {
    if !matches!(kind, EntityKind::Cluster | EntityKind::Campaign) {
        return 0;
    }
    ["accounts", "posts"]
        .iter()
        .map(|k| {
            explanation
                .get(k)
                .and_then(|v| v.as_array())
                .map_or(0, |a| {
                    a.iter().take(100_000).filter(|v| v.is_string()).count()
                })
        })
        .sum()
}

/// The storage seam. Detectors and the CLI program against this; backends implement it.
pub trait Store: Send {
    /// Write a batch in one transaction. Idempotent: writing the same records again changes nothing.
    fn write_batch(&mut self, batch: &[Sourced]) -> Result<WriteStats, StoreError>;
    /// Counts per platform and kind.
    fn stats(&self) -> Result<Stats, StoreError>;
    /// Record the start of an ingest run; returns its id.
    fn begin_run(&mut self, inputs: &[String]) -> Result<i64, StoreError>;
    /// Record the end of an ingest run with its summary.
    fn finish_run(&mut self, run: i64, stats: &serde_json::Value) -> Result<(), StoreError>;

    /// Every stored post in event-time order; `f` returns false to stop.
    fn for_each_post(&self, f: &mut dyn FnMut(Post) -> bool) -> Result<(), StoreError>;
    /// One post by id.
    fn post(&self, id: &str) -> Result<Option<Post>, StoreError>;
    /// One account by id.
    fn account(&self, id: &str) -> Result<Option<Account>, StoreError>;
    /// Every stored account, by id; `f` returns false to stop.
    fn for_each_account(&self, f: &mut dyn FnMut(Account) -> bool) -> Result<(), StoreError>;
    /// Every enforcement event in time order; `f` returns false to stop.
    fn for_each_enforcement(
        &self,
        f: &mut dyn FnMut(vigil_model::Enforcement) -> bool,
    ) -> Result<(), StoreError>;
    /// An account's most recent posts, newest first.
    fn posts_by_account(&self, account_id: &str, limit: usize) -> Result<Vec<Post>, StoreError>;

    /// Write detector signals; idempotent per (entity, detector, source).
    fn write_signals(&mut self, signals: &[Signal]) -> Result<WriteStats, StoreError>;
    /// The signals about one entity, in event-time order.
    fn signals_for(&self, kind: EntityKind, id: &str) -> Result<Vec<Signal>, StoreError>;
    /// Every signal in event-time order; `f` returns false to stop.
    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> bool) -> Result<(), StoreError>;
    /// Every signal in the order of its key (entity, detector, source): a stream with no sort,
    /// for passes whose result does not depend on time order.
    fn for_each_signal_by_key(&self, f: &mut dyn FnMut(Signal) -> bool) -> Result<(), StoreError> {
        self.for_each_signal(f)
    }

    /// What case scoring needs of every non-shadow signal, in key order (so one entity's
    /// signals come together unless an entity id contains `|`): no explanation is decoded but
    /// a cluster's or campaign's, and only to count the members it names.
    fn for_each_signal_score(
        &self,
        f: &mut dyn FnMut(&SignalScore<'_>) -> bool,
    ) -> Result<(), StoreError> {
        self.for_each_signal_by_key(&mut |s| {
            if s.shadow {
                return true;
            }
            f(&SignalScore {
                entity_kind: s.entity_kind,
                entity_id: &s.entity_id,
                category: s.category,
                context: s.context,
                weight: s.weight,
                at: s.at,
                members: members_named(s.entity_kind, &s.explanation),
            })
        })
    }

    /// Upsert campaigns (and replace their participant lists).
    fn write_campaigns(&mut self, campaigns: &[CampaignRecord]) -> Result<(), StoreError>;
    /// Every campaign and burst, by start time.
    fn campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError>;
    /// Replace the clustering, and the coordination graph when `edges` is given (`None`
    /// keeps the stored graph: it is large and is rewritten less often than the clusters).
    fn write_clusters(
        &mut self,
        clusters: &[ClusterRecord],
        edges: Option<&[EdgeRecord]>,
    ) -> Result<(), StoreError>;
    /// Every cluster, by id, with members.
    fn clusters(&self) -> Result<Vec<ClusterRecord>, StoreError>;
    /// The accounts the campaign and cluster tables hold for one campaign or cluster (the
    /// full membership; signals' explanations carry a bounded sample), at most `limit`.
    fn member_accounts(
        &self,
        _kind: EntityKind,
        _id: &str,
        _limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
    /// Every coordination edge; `f` returns false to stop.
    fn for_each_edge(&self, f: &mut dyn FnMut(EdgeRecord) -> bool) -> Result<(), StoreError>;

    /// Replace every identity link with these (a replay recomputes them all).
    fn write_identity_links(&mut self, links: &[IdentityLinkRecord]) -> Result<(), StoreError>;
    /// The links from or to one account, by time.
    fn identity_links(&self, account_id: &str) -> Result<Vec<IdentityLinkRecord>, StoreError>;
    /// Replace every account risk with these (a replay recomputes them all).
    fn write_account_risks(&mut self, risks: &[AccountRiskRecord]) -> Result<(), StoreError>;
    /// One account's risk.
    fn account_risk(&self, account_id: &str) -> Result<Option<AccountRiskRecord>, StoreError>;
    /// Every account risk, highest first; `f` returns false to stop.
    fn for_each_account_risk(
        &self,
        f: &mut dyn FnMut(AccountRiskRecord) -> bool,
    ) -> Result<(), StoreError>;
    /// Write records, signals and the stream's checkpoint in one transaction: after a crash
    /// either all three are there or none is. Returns what the records and the signals changed.
    fn commit_stream(
        &mut self,
        records: &[Sourced],
        signals: &[Signal],
        checkpoint: &Checkpoint,
    ) -> Result<(WriteStats, WriteStats), StoreError>;
    /// [`Store::commit_stream`] for consecutive batches of one stream in one transaction: every
    /// part's records then signals, in order, then the checkpoint, which covers them all. The
    /// engine's writer groups small batches this way, so a slow stream does not pay a commit
    /// (and a rewrite of every page it touched) per batch. The default concatenates the parts.
    fn commit_stream_parts(
        &mut self,
        parts: &[(&[Sourced], &[Signal])],
        checkpoint: &Checkpoint,
    ) -> Result<(WriteStats, WriteStats), StoreError> {
        if let [(records, signals)] = parts {
            return self.commit_stream(records, signals, checkpoint);
        }
        let records: Vec<Sourced> = parts
            .iter()
            .flat_map(|(r, _)| r.iter())
            .map(|s| Sourced {
                record: s.record.clone(),
                source: s.source.clone(),
                line: s.line,
            })
            .collect();
        let signals: Vec<Signal> = parts.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
        self.commit_stream(&records, &signals, checkpoint)
    }
    /// The last committed checkpoint of a stream.
    fn checkpoint(&self, stream: &str) -> Result<Option<Checkpoint>, StoreError>;

    /// How many of an account's `newest` most recent posts were created in `[since, until]`
    /// (the velocity part of a case's reach). Backends should answer without loading posts.
    fn account_velocity(
        &self,
        account_id: &str,
        since: i64,
        until: i64,
        newest: usize,
    ) -> Result<u64, StoreError> {
        Ok(self
            .posts_by_account(account_id, newest)?
            .iter()
            .filter(|p| p.created_at >= since && p.created_at <= until)
            .count() as u64)
    }
    /// The creation times of an account's `newest` most recent posts, newest first: what
    /// [`Store::account_velocity`] counts from, read once for many windows (case sync asks
    /// once per author however many of its posts have cases).
    fn account_post_times(&self, account_id: &str, newest: usize) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .posts_by_account(account_id, newest)?
            .iter()
            .map(|p| p.created_at)
            .collect())
    }
    /// The author of a stored post, `None` when the post is not stored.
    fn post_author(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.post(id)?.map(|p| p.account_id))
    }
    /// An account's follower count, `None` when unknown or not stored.
    fn account_followers(&self, id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.account(id)?.and_then(|a| a.followers))
    }
}
