//! The embedded SQLite backend: bundled (nothing to install), WAL, migrations from files,
//! batched idempotent upserts.

use crate::{PlatformStats, Sourced, Stats, Store, StoreError, WriteStats};
use rusqlite::{params, Connection, OptionalExtension};
use std::hash::{Hash, Hasher};
use std::path::Path;
use vigil_model::{Account, Enforcement, EntityKind, Post, Record, Signal};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_signals",
        include_str!("../migrations/0002_signals.sql"),
    ),
    ("0006_banks", include_str!("../migrations/0006_banks.sql")),
    (
        "0007_campaigns",
        include_str!("../migrations/0007_campaigns.sql"),
    ),
    (
        "0008_identity",
        include_str!("../migrations/0008_identity.sql"),
    ),
    ("0009_cases", include_str!("../migrations/0009_cases.sql")),
    (
        "0010_console",
        include_str!("../migrations/0010_console.sql"),
    ),
    ("0011_engine", include_str!("../migrations/0011_engine.sql")),
    (
        "0013_avatar_pdq",
        include_str!("../migrations/0013_avatar_pdq.sql"),
    ),
    (
        "0014_writer_io",
        include_str!("../migrations/0014_writer_io.sql"),
    ),
];

mod campaigns;
mod identity;

/// Page size of a new database (an existing one keeps its own). Most pages the stream dirties
/// are index leaves hit at random (account ids, signal keys), and every dirtied page is
/// written whole to the WAL at each commit and again at each checkpoint: a smaller page is
/// that much less to write for the same ~50-byte entry.
const PAGE_SIZE: i64 = 4096;
/// WAL size at which SQLite checkpoints at a commit (as frames of the database's page size).
/// The default (1,000 pages) made nearly every stream commit checkpoint, writing each hot page
/// back into the database once per commit.
const WAL_AUTOCHECKPOINT_BYTES: i64 = 64 << 20;
/// The WAL file is truncated back to this after a checkpoint, so its size stays bounded.
const JOURNAL_SIZE_LIMIT: i64 = 64 << 20;
/// Page cache per connection, KiB.
const CACHE_KIB: i64 = 65_536;

/// The SQLite store.
pub struct SqliteStore {
    pub(crate) conn: Connection,
    /// Source names already in the `sources` table, with their ids.
    sources: std::collections::HashMap<std::sync::Arc<str>, i64>,
}

impl SqliteStore {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<SqliteStore, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let tune = |k: &str, d: i64| -> i64 {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        conn.pragma_update(None, "page_size", tune("VIGIL_SQLITE_PAGE_SIZE", PAGE_SIZE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // The same WAL size in bytes whatever the page size (an older database keeps 16 KiB).
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            tune(
                "VIGIL_SQLITE_WAL_PAGES",
                WAL_AUTOCHECKPOINT_BYTES / page.max(512),
            ),
        )?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        // Temporary tables and sorts spill to files past the cache: an ORDER BY over millions
        // of signals must not hold them all in memory.
        conn.pragma_update(None, "temp_store", "FILE")?;
        conn.pragma_update(
            None,
            "cache_size",
            -tune("VIGIL_SQLITE_CACHE_KIB", CACHE_KIB),
        )?;
        let mut s = SqliteStore {
            conn,
            sources: Default::default(),
        };
        s.migrate()?;
        Ok(s)
    }

    /// Apply every migration not yet recorded, by name, in the order of `MIGRATIONS`.
    /// Tracking names rather than a count keeps databases correct whatever order parallel
    /// branches added their migrations in.
    fn migrate(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )?;
        let applied: Vec<String> = {
            let mut q = self.conn.prepare("SELECT name FROM schema_migrations")?;
            let rows = q.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let unknown = applied
            .iter()
            .filter(|n| !MIGRATIONS.iter().any(|(m, _)| m == n))
            .count();
        if unknown > 0 {
            return Err(StoreError::TooNew {
                found: applied.len() as i64,
                known: MIGRATIONS.len() as i64,
            });
        }
        for (name, sql) in MIGRATIONS {
            if applied.iter().any(|a| a == name) {
                continue;
            }
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                params![name, now_ms()],
            )?;
            tx.commit()?;
        }
        let n = MIGRATIONS.len() as i64;
        self.conn.pragma_update(None, "user_version", n)?;
        Ok(())
    }

    /// The underlying connection, for crates layered on the store (read-only use by reports).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The integer key of an account id, for the posts-by-account index.
fn account_key(id: &str) -> i64 {
    vigil_model::fasthash::hash64(id.as_bytes()) as i64
}

fn content_hash<T: Hash>(v: &T) -> i64 {
    let mut h = vigil_model::fasthash::FastHasher::default();
    v.hash(&mut h);
    h.finish() as i64
}

fn json_list(v: &[String]) -> Result<Option<String>, StoreError> {
    if v.is_empty() {
        Ok(None)
    } else {
        Ok(Some(serde_json::to_string(v)?))
    }
}

fn kind_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl Store for SqliteStore {
    fn write_batch(&mut self, batch: &[Sourced]) -> Result<WriteStats, StoreError> {
        let tx = self.conn.transaction()?;
        let st = write_records(&tx, &mut self.sources, batch)?;
        tx.commit()?;
        Ok(st)
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let mut map: std::collections::BTreeMap<String, PlatformStats> = Default::default();
        for (table, col) in [("accounts", 0), ("posts", 1), ("enforcement", 3)] {
            let mut q = self.conn.prepare(&format!(
                "SELECT platform, count(*) FROM {table} GROUP BY platform"
            ))?;
            let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (p, n) = row?;
                let e = map.entry(p.clone()).or_insert_with(|| PlatformStats {
                    platform: p,
                    ..Default::default()
                });
                match col {
                    0 => e.accounts = n as u64,
                    1 => e.posts = n as u64,
                    _ => e.enforcement = n as u64,
                }
            }
        }
        let mut q = self.conn.prepare(
            "SELECT substr(post_id, 1, instr(post_id, ':') - 1) AS platform, count(*) FROM media GROUP BY platform",
        )?;
        let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (p, n) = row?;
            map.entry(p.clone())
                .or_insert_with(|| PlatformStats {
                    platform: p,
                    ..Default::default()
                })
                .media = n as u64;
        }
        let runs: i64 = self
            .conn
            .query_row("SELECT count(*) FROM ingest_runs", [], |r| r.get(0))?;
        Ok(Stats {
            platforms: map.into_values().collect(),
            ingest_runs: runs as u64,
        })
    }

    fn begin_run(&mut self, inputs: &[String]) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO ingest_runs (started_at, inputs) VALUES (?1, ?2)",
            params![now_ms(), serde_json::to_string(inputs)?],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn for_each_post(&self, f: &mut dyn FnMut(Post) -> bool) -> Result<(), StoreError> {
        let mut q = self.conn.prepare(&format!(
            "SELECT {POST_COLUMNS} FROM posts p ORDER BY p.created_at, p.id"
        ))?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            if !f(Self::post_from_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn post(&self, id: &str) -> Result<Option<Post>, StoreError> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ?1"
        ))?;
        let mut rows = q.query([id])?;
        Ok(match rows.next()? {
            Some(r) => Some(Self::post_from_row(r)?),
            None => None,
        })
    }

    fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
        ))?;
        let mut rows = q.query([id])?;
        Ok(match rows.next()? {
            Some(r) => Some(Self::account_from_row(r)?),
            None => None,
        })
    }

    fn for_each_account(&self, f: &mut dyn FnMut(Account) -> bool) -> Result<(), StoreError> {
        let mut q = self.conn.prepare(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id"
        ))?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            if !f(Self::account_from_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn for_each_enforcement(
        &self,
        f: &mut dyn FnMut(Enforcement) -> bool,
    ) -> Result<(), StoreError> {
        let mut q = self.conn.prepare(
            "SELECT platform, account_id, post_id, action, at, reason FROM enforcement ORDER BY at, id",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let platform: String = r.get(0)?;
            let action: String = r.get(3)?;
            let Ok(action) = serde_json::from_value(serde_json::Value::String(action)) else {
                continue;
            };
            let e = Enforcement {
                platform: vigil_model::Platform::parse(&platform)
                    .unwrap_or(vigil_model::Platform::Other(platform)),
                account_id: r.get(1)?,
                post_id: r.get(2)?,
                action,
                at: r.get(4)?,
                reason: r.get(5)?,
            };
            if !f(e) {
                break;
            }
        }
        Ok(())
    }

    fn posts_by_account(&self, account_id: &str, limit: usize) -> Result<Vec<Post>, StoreError> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.account_key = ?3 AND p.account_id = ?1 \
             ORDER BY p.created_at DESC LIMIT ?2"
        ))?;
        let rows = q.query_map(
            params![account_id, limit as i64, account_key(account_id)],
            Self::post_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn account_velocity(
        &self,
        account_id: &str,
        since: i64,
        until: i64,
        newest: usize,
    ) -> Result<u64, StoreError> {
        // The same rows as `posts_by_account` (newest first, `newest` of them), times only.
        // The window is checked here, not in SQL: a bound range there makes SQLite re-plan
        // the statement on every call.
        let mut q = self.conn.prepare_cached(
            "SELECT p.created_at FROM posts p WHERE p.account_key = ?3 AND p.account_id = ?1 \
             ORDER BY p.created_at DESC LIMIT ?2",
        )?;
        let mut rows = q.query(params![
            account_id,
            newest.min(i64::MAX as usize) as i64,
            account_key(account_id)
        ])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let t: i64 = r.get(0)?;
            if t < since {
                break; // newest first: nothing older can be in the window
            }
            n += u64::from(t <= until);
        }
        Ok(n)
    }

    fn account_post_times(&self, account_id: &str, newest: usize) -> Result<Vec<i64>, StoreError> {
        // The rows `account_velocity` reads.
        let mut q = self.conn.prepare_cached(
            "SELECT p.created_at FROM posts p WHERE p.account_key = ?3 AND p.account_id = ?1 \
             ORDER BY p.created_at DESC LIMIT ?2",
        )?;
        let rows = q.query_map(
            params![
                account_id,
                newest.min(i64::MAX as usize) as i64,
                account_key(account_id)
            ],
            |r| r.get(0),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn post_author(&self, id: &str) -> Result<Option<String>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT account_id FROM posts WHERE id = ?1")?;
        Ok(q.query_row([id], |r| r.get(0)).optional()?)
    }

    fn account_followers(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT followers FROM accounts WHERE id = ?1")?;
        let f: Option<Option<i64>> = q.query_row([id], |r| r.get(0)).optional()?;
        Ok(f.flatten().map(|v| v.max(0) as u64))
    }

    fn write_signals(&mut self, signals: &[Signal]) -> Result<WriteStats, StoreError> {
        let tx = self.conn.transaction()?;
        let st = write_signals_tx(&tx, signals)?;
        tx.commit()?;
        Ok(st)
    }

    fn signals_for(&self, kind: EntityKind, id: &str) -> Result<Vec<Signal>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT entity_kind, entity_id, detector, category, context, weight, source, version, explanation, at, shadow \
             FROM signals WHERE entity_kind = ?1 AND entity_id = ?2 ORDER BY at, key",
        )?;
        let rows = q.query_map(params![kind.as_str(), id], signal_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> bool) -> Result<(), StoreError> {
        let mut q = self.conn.prepare(
            "SELECT entity_kind, entity_id, detector, category, context, weight, source, version, explanation, at, shadow \
             FROM signals ORDER BY at, key",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            if !f(signal_from_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn for_each_signal_by_key(&self, f: &mut dyn FnMut(Signal) -> bool) -> Result<(), StoreError> {
        // The primary key's order: streamed from the table, no sort.
        let mut q = self.conn.prepare(
            "SELECT entity_kind, entity_id, detector, category, context, weight, source, version, explanation, at, shadow \
             FROM signals ORDER BY key",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            if !f(signal_from_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn for_each_signal_score(
        &self,
        f: &mut dyn FnMut(&crate::SignalScore<'_>) -> bool,
    ) -> Result<(), StoreError> {
        // The primary key's order, no sort; explanations are read for groups only.
        let mut q = self.conn.prepare(
            "SELECT entity_kind, entity_id, category, context, weight, at, \
             CASE WHEN entity_kind IN ('cluster', 'campaign') THEN explanation END \
             FROM signals WHERE shadow = 0 ORDER BY key",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let entity_kind = entity_kind_of(text(r, 0)?.unwrap_or(""));
            let members = match text(r, 6)? {
                Some(e) => crate::members_named(
                    entity_kind,
                    &serde_json::from_str(e).unwrap_or(serde_json::Value::Null),
                ),
                None => 0,
            };
            let s = crate::SignalScore {
                entity_kind,
                entity_id: text(r, 1)?.unwrap_or(""),
                category: text(r, 2)?.and_then(vigil_model::Category::parse),
                context: text(r, 3)?.and_then(vigil_model::Context::parse),
                weight: r.get::<_, f64>(4)? as f32,
                at: r.get(5)?,
                members,
            };
            if !f(&s) {
                break;
            }
        }
        Ok(())
    }

    fn write_campaigns(&mut self, cs: &[crate::CampaignRecord]) -> Result<(), StoreError> {
        self.write_campaigns_impl(cs)
    }

    fn campaigns(&self) -> Result<Vec<crate::CampaignRecord>, StoreError> {
        self.campaigns_impl()
    }

    fn write_clusters(
        &mut self,
        cs: &[crate::ClusterRecord],
        edges: Option<&[crate::EdgeRecord]>,
    ) -> Result<(), StoreError> {
        self.write_clusters_impl(cs, edges)
    }

    fn clusters(&self) -> Result<Vec<crate::ClusterRecord>, StoreError> {
        self.clusters_impl()
    }

    fn member_accounts(
        &self,
        kind: EntityKind,
        id: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let sql = match kind {
            EntityKind::Campaign => {
                "SELECT account_id FROM campaign_participants WHERE campaign_id = ?1 ORDER BY account_id LIMIT ?2"
            }
            EntityKind::Cluster => {
                "SELECT account_id FROM cluster_members WHERE cluster_id = ?1 ORDER BY account_id LIMIT ?2"
            }
            _ => return Ok(Vec::new()),
        };
        let mut q = self.conn.prepare_cached(sql)?;
        let rows = q.query_map(rusqlite::params![id, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn for_each_edge(
        &self,
        f: &mut dyn FnMut(crate::EdgeRecord) -> bool,
    ) -> Result<(), StoreError> {
        self.edges_impl(f)
    }

    fn write_identity_links(
        &mut self,
        links: &[crate::IdentityLinkRecord],
    ) -> Result<(), StoreError> {
        self.write_identity_links_impl(links)
    }

    fn identity_links(&self, id: &str) -> Result<Vec<crate::IdentityLinkRecord>, StoreError> {
        self.identity_links_impl(id)
    }

    fn write_account_risks(&mut self, rs: &[crate::AccountRiskRecord]) -> Result<(), StoreError> {
        self.write_account_risks_impl(rs)
    }

    fn account_risk(&self, id: &str) -> Result<Option<crate::AccountRiskRecord>, StoreError> {
        self.account_risk_impl(id)
    }

    fn for_each_account_risk(
        &self,
        f: &mut dyn FnMut(crate::AccountRiskRecord) -> bool,
    ) -> Result<(), StoreError> {
        self.for_each_account_risk_impl(f)
    }

    fn commit_stream(
        &mut self,
        records: &[Sourced],
        signals: &[Signal],
        checkpoint: &crate::Checkpoint,
    ) -> Result<(WriteStats, WriteStats), StoreError> {
        self.commit_stream_parts(&[(records, signals)], checkpoint)
    }

    fn commit_stream_parts(
        &mut self,
        parts: &[(&[Sourced], &[Signal])],
        checkpoint: &crate::Checkpoint,
    ) -> Result<(WriteStats, WriteStats), StoreError> {
        let tx = self.conn.transaction()?;
        let (mut r, mut s) = (WriteStats::default(), WriteStats::default());
        for (records, signals) in parts {
            r += write_records(&tx, &mut self.sources, records)?;
            s += write_signals_tx(&tx, signals)?;
        }
        tx.prepare_cached(
            "INSERT INTO checkpoints (stream, merged, done, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (stream) DO UPDATE SET merged = excluded.merged, done = excluded.done, \
             state = excluded.state, updated_at = excluded.updated_at",
        )?
        .execute(params![
            checkpoint.stream,
            checkpoint.merged.min(i64::MAX as u64) as i64,
            checkpoint.done,
            checkpoint.state.to_string(),
            now_ms()
        ])?;
        tx.commit()?;
        Ok((r, s))
    }

    fn checkpoint(&self, stream: &str) -> Result<Option<crate::Checkpoint>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT merged, done, state FROM checkpoints WHERE stream = ?1")?;
        let mut rows = q.query([stream])?;
        Ok(match rows.next()? {
            Some(r) => {
                let state: String = r.get(2)?;
                Some(crate::Checkpoint {
                    stream: stream.to_string(),
                    merged: r.get::<_, i64>(0)?.max(0) as u64,
                    done: r.get(1)?,
                    state: serde_json::from_str(&state).unwrap_or(serde_json::Value::Null),
                })
            }
            None => None,
        })
    }

    fn finish_run(&mut self, run: i64, stats: &serde_json::Value) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE ingest_runs SET finished_at = ?1, stats = ?2 WHERE id = ?3",
            params![now_ms(), stats.to_string(), run],
        )?;
        Ok(())
    }
}

impl SqliteStore {
    fn post_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Post> {
        let platform: String = r.get(1)?;
        let platform = vigil_model::Platform::parse(&platform)
            .unwrap_or(vigil_model::Platform::Other(platform));
        let list = |i: usize| -> rusqlite::Result<Vec<String>> {
            let v: Option<String> = r.get(i)?;
            Ok(v.and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default())
        };
        let media: Option<String> = r.get(15)?;
        let media = media
            .and_then(|m| serde_json::from_str::<Vec<vigil_model::Media>>(&m).ok())
            .unwrap_or_default();
        Ok(Post {
            id: r.get(0)?,
            platform,
            account_id: r.get(2)?,
            created_at: r.get(3)?,
            text: r.get(4)?,
            lang: r.get(5)?,
            reply_to: r.get(6)?,
            repost_of: r.get(7)?,
            quote_of: r.get(8)?,
            forwarded_from: r.get(9)?,
            hashtags: list(10)?,
            mentions: list(11)?,
            urls: list(12)?,
            permalink: r.get(13)?,
            media,
            derived: vigil_model::Derived,
        })
    }

    fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
        let platform: String = r.get(1)?;
        let platform = vigil_model::Platform::parse(&platform)
            .unwrap_or(vigil_model::Platform::Other(platform));
        let kind: String = r.get(2)?;
        let status: String = r.get(10)?;
        Ok(Account {
            id: r.get(0)?,
            platform,
            kind: serde_json::from_value(serde_json::Value::String(kind)).unwrap_or_default(),
            handle: r.get(3)?,
            display_name: r.get(4)?,
            bio: r.get(5)?,
            created_at: r.get(6)?,
            followers: r.get::<_, Option<i64>>(7)?.map(|v| v.max(0) as u64),
            following: r.get::<_, Option<i64>>(8)?.map(|v| v.max(0) as u64),
            avatar_url: r.get(9)?,
            avatar_pdq: r.get(11)?,
            status: serde_json::from_value(serde_json::Value::String(status)).unwrap_or_default(),
        })
    }
}

const POST_COLUMNS: &str = "p.id, p.platform, p.account_id, p.created_at, p.text, p.lang, p.reply_to, p.repost_of, \
     p.quote_of, p.forwarded_from, p.hashtags, p.mentions, p.urls, p.permalink, p.content_hash, \
     (SELECT json_group_array(json_patch(json_object('kind', m.kind), json_object('url', m.url, 'path', m.path, \
       'sha256', m.sha256, 'md5', m.md5, 'width', m.width, 'height', m.height, 'key', m.key, 'pdq', m.pdq, \
       'pdq_quality', m.pdq_quality, 'pdq_mirror', m.pdq_mirror))) \
       FROM media m WHERE m.post_id = p.id)";

const ACCOUNT_COLUMNS: &str =
    "id, platform, kind, handle, display_name, bio, created_at, followers, following, avatar_url, status, avatar_pdq";

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A text column borrowed from its row (NULL is `None`).
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// An entity kind as stored (unknown ones read as posts, as [`signal_from_row`] does).
fn entity_kind_of(s: &str) -> EntityKind {
    match s {
        "account" => EntityKind::Account,
        "campaign" => EntityKind::Campaign,
        "cluster" => EntityKind::Cluster,
        _ => EntityKind::Post,
    }
}

pub(crate) fn signal_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Signal> {
    let kind: String = r.get(0)?;
    let cat: Option<String> = r.get(3)?;
    let ctx: Option<String> = r.get(4)?;
    let expl: String = r.get(8)?;
    Ok(Signal {
        entity_kind: entity_kind_of(&kind),
        entity_id: r.get(1)?,
        detector: r.get(2)?,
        category: cat.as_deref().and_then(vigil_model::Category::parse),
        context: ctx.as_deref().and_then(vigil_model::Context::parse),
        weight: r.get::<_, f64>(5)? as f32,
        source: r.get(6)?,
        version: r.get(7)?,
        explanation: serde_json::from_str(&expl).unwrap_or(serde_json::Value::Null),
        at: r.get(9)?,
        shadow: r.get(10)?,
    })
}

enum Change {
    Inserted,
    Updated,
    Unchanged,
}

fn write_post(
    tx: &rusqlite::Connection,
    p: &Post,
    source_id: i64,
    line: u64,
) -> Result<Change, StoreError> {
    let h = content_hash(p);
    let (tags, ments, urls) = (
        json_list(&p.hashtags)?,
        json_list(&p.mentions)?,
        json_list(&p.urls)?,
    );
    let mut ins = tx.prepare_cached(
        "INSERT INTO posts (id, platform, account_id, account_key, created_at, text, lang, reply_to, repost_of, quote_of, \
         forwarded_from, hashtags, mentions, urls, permalink, source_id, source_line, content_hash) \
         VALUES (?1, ?2, ?3, ?18, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT (id) DO NOTHING",
    )?;
    let n = ins.execute(params![
        p.id,
        p.platform.as_str(),
        p.account_id,
        p.created_at,
        p.text,
        p.lang,
        p.reply_to,
        p.repost_of,
        p.quote_of,
        p.forwarded_from,
        tags,
        ments,
        urls,
        p.permalink,
        source_id,
        line as i64,
        h,
        account_key(&p.account_id)
    ])?;
    let change = if n == 1 {
        Change::Inserted
    } else {
        let mut up = tx.prepare_cached(
            "UPDATE posts SET account_id = ?2, account_key = ?15, created_at = ?3, text = ?4, lang = ?5, reply_to = ?6, repost_of = ?7, \
             quote_of = ?8, forwarded_from = ?9, hashtags = ?10, mentions = ?11, urls = ?12, permalink = ?13, \
             content_hash = ?14 WHERE id = ?1 AND content_hash != ?14",
        )?;
        let n = up.execute(params![
            p.id,
            p.account_id,
            p.created_at,
            p.text,
            p.lang,
            p.reply_to,
            p.repost_of,
            p.quote_of,
            p.forwarded_from,
            tags,
            ments,
            urls,
            p.permalink,
            h,
            account_key(&p.account_id)
        ])?;
        if n == 0 {
            return Ok(Change::Unchanged);
        }
        tx.prepare_cached("DELETE FROM media WHERE post_id = ?1")?
            .execute([&p.id])?;
        Change::Updated
    };
    if !p.media.is_empty() {
        let mut m = tx.prepare_cached(
            "INSERT OR REPLACE INTO media (post_id, idx, kind, url, path, sha256, md5, width, height, key, \
             pdq, pdq_quality, pdq_mirror) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for (i, md) in p.media.iter().enumerate() {
            m.execute(params![
                p.id,
                i as i64,
                kind_str(&md.kind),
                md.url,
                md.path,
                md.sha256,
                md.md5,
                md.width,
                md.height,
                md.key,
                md.pdq,
                md.pdq_quality,
                md.pdq_mirror
            ])?;
        }
    }
    Ok(change)
}

fn write_account(tx: &rusqlite::Connection, a: &Account) -> Result<Change, StoreError> {
    let h = content_hash(a);
    let mut ins = tx.prepare_cached(
        "INSERT INTO accounts (id, platform, kind, handle, display_name, bio, created_at, followers, following, \
         avatar_url, status, content_hash, avatar_pdq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
         ON CONFLICT (id) DO NOTHING",
    )?;
    let followers = a.followers.map(|v| v.min(i64::MAX as u64) as i64);
    let following = a.following.map(|v| v.min(i64::MAX as u64) as i64);
    let n = ins.execute(params![
        a.id,
        a.platform.as_str(),
        kind_str(&a.kind),
        a.handle,
        a.display_name,
        a.bio,
        a.created_at,
        followers,
        following,
        a.avatar_url,
        a.status.as_str(),
        h,
        a.avatar_pdq
    ])?;
    if n == 1 {
        return Ok(Change::Inserted);
    }
    // Merge: a sparse record (a Facebook `from`) never erases what a fuller one said.
    let mut up = tx.prepare_cached(
        "UPDATE accounts SET handle = coalesce(?2, handle), display_name = coalesce(?3, display_name), \
         bio = coalesce(?4, bio), created_at = coalesce(?5, created_at), followers = coalesce(?6, followers), \
         following = coalesce(?7, following), avatar_url = coalesce(?8, avatar_url), \
         status = CASE WHEN ?9 = 'active' THEN status ELSE ?9 END, content_hash = ?10, \
         avatar_pdq = CASE WHEN ?8 IS NULL OR ?8 IS avatar_url THEN coalesce(?11, avatar_pdq) ELSE ?11 END \
         WHERE id = ?1 AND content_hash != ?10",
    )?;
    let n = up.execute(params![
        a.id,
        a.handle,
        a.display_name,
        a.bio,
        a.created_at,
        followers,
        following,
        a.avatar_url,
        a.status.as_str(),
        h,
        a.avatar_pdq
    ])?;
    Ok(if n == 0 {
        Change::Unchanged
    } else {
        Change::Updated
    })
}

fn write_enforcement(tx: &rusqlite::Connection, e: &Enforcement) -> Result<Change, StoreError> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO enforcement (id, platform, account_id, post_id, action, at, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )?;
    let n = ins.execute(params![
        e.id(),
        e.platform.as_str(),
        e.account_id,
        e.post_id,
        e.action.as_str(),
        e.at,
        e.reason
    ])?;
    if n == 1 && e.action == vigil_model::EnforcementAction::Suspend {
        // The account's status follows the platform's latest word.
        tx.prepare_cached("UPDATE accounts SET status = 'suspended' WHERE id = ?1")?
            .execute([&e.account_id])?;
    }
    Ok(if n == 1 {
        Change::Inserted
    } else {
        Change::Unchanged
    })
}

/// Write records inside an open transaction (shared by `write_batch` and the engine's commit).
pub(crate) fn write_records(
    tx: &rusqlite::Connection,
    sources: &mut std::collections::HashMap<std::sync::Arc<str>, i64>,
    batch: &[Sourced],
) -> Result<WriteStats, StoreError> {
    let mut st = WriteStats::default();
    let mut last: Option<(&std::sync::Arc<str>, i64)> = None;
    for s in batch {
        let source_id = match last {
            Some((name, id)) if std::sync::Arc::ptr_eq(name, &s.source) => id,
            _ => {
                let id = match sources.get(&s.source) {
                    Some(id) => *id,
                    None => {
                        tx.execute(
                            "INSERT OR IGNORE INTO sources (name) VALUES (?1)",
                            [&*s.source],
                        )?;
                        let id: i64 = tx.query_row(
                            "SELECT id FROM sources WHERE name = ?1",
                            [&*s.source],
                            |r| r.get(0),
                        )?;
                        sources.insert(s.source.clone(), id);
                        id
                    }
                };
                last = Some((&s.source, id));
                id
            }
        };
        let changed = match &s.record {
            Record::Post(p) => write_post(tx, p, source_id, s.line)?,
            Record::Account(a) => write_account(tx, a)?,
            Record::Enforcement(e) => write_enforcement(tx, e)?,
        };
        match changed {
            Change::Inserted => st.inserted += 1,
            Change::Updated => st.updated += 1,
            Change::Unchanged => st.unchanged += 1,
        }
    }
    Ok(st)
}

/// Write signals inside an open transaction. A new key is one insert; an existing one is
/// rewritten only when something but its key differs, so a detector re-emitting the same
/// signal (a refresh, a replay) costs a lookup and writes no page.
pub(crate) fn write_signals_tx(
    tx: &rusqlite::Connection,
    signals: &[Signal],
) -> Result<WriteStats, StoreError> {
    let mut st = WriteStats::default();
    let mut ins = tx.prepare_cached(
        "INSERT INTO signals (key, entity_kind, entity_id, detector, category, context, weight, source, version, \
         explanation, at, shadow) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT (key) DO NOTHING",
    )?;
    let mut up = tx.prepare_cached(
        "UPDATE signals SET category = ?2, context = ?3, weight = ?4, version = ?5, explanation = ?6, \
         at = ?7, shadow = ?8 WHERE key = ?1 AND (weight, version, explanation, shadow, category, context) \
         IS NOT (?4, ?5, ?6, ?8, ?2, ?3)",
    )?;
    for s in signals {
        let key = s.key();
        let category = s.category.map(|c| c.as_str());
        let context = s.context.map(|c| c.as_str());
        let explanation = s.explanation.to_string();
        let n = ins.execute(params![
            key,
            s.entity_kind.as_str(),
            s.entity_id,
            s.detector,
            category,
            context,
            s.weight as f64,
            s.source,
            s.version,
            explanation,
            s.at,
            s.shadow
        ])?;
        if n == 1 {
            st.inserted += 1;
            continue;
        }
        let n = up.execute(params![
            key,
            category,
            context,
            s.weight as f64,
            s.version,
            explanation,
            s.at,
            s.shadow
        ])?;
        if n == 0 {
            st.unchanged += 1;
        } else {
            st.updated += 1;
        }
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_model::Platform;

    fn sample() -> Vec<Sourced> {
        let mut a = Account::new(Platform::Twitter, "9");
        a.handle = Some("someone".into());
        a.bio = Some("bio".into());
        let mut p = Post::new(
            Platform::Twitter,
            "1",
            "twitter:9".into(),
            1_402_740_000_000,
        );
        p.text = "hi #tag".into();
        p.hashtags = vec!["tag".into()];
        p.media
            .push(vigil_model::Media::new(vigil_model::MediaKind::Photo));
        vec![
            Sourced {
                record: Record::Account(a),
                source: "f".into(),
                line: 1,
            },
            Sourced {
                record: Record::Post(p),
                source: "f".into(),
                line: 1,
            },
        ]
    }

    #[test]
    fn records_read_back_as_written() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let b = sample();
        s.write_batch(&b).unwrap();
        let Record::Post(p) = &b[1].record else {
            unreachable!()
        };
        assert_eq!(s.post("twitter:1").unwrap().as_ref(), Some(p));
        let Record::Account(a) = &b[0].record else {
            unreachable!()
        };
        assert_eq!(s.account("twitter:9").unwrap().as_ref(), Some(a));
        let mut all = Vec::new();
        s.for_each_post(&mut |p| {
            all.push(p);
            true
        })
        .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(s.posts_by_account("twitter:9", 10).unwrap().len(), 1);
    }

    #[test]
    fn signals_are_idempotent_per_entity_detector_and_source() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let sig = Signal {
            entity_kind: EntityKind::Post,
            entity_id: "twitter:1".into(),
            detector: "rules".into(),
            category: Some(vigil_model::Category::Recruitment),
            context: None,
            weight: 0.5,
            source: "rule:starter/x".into(),
            version: "1".into(),
            explanation: serde_json::json!({"matched": ["x"]}),
            at: 1_402_740_000_000,
            shadow: false,
        };
        assert_eq!(s.write_signals(&[sig.clone()]).unwrap().inserted, 1);
        assert_eq!(s.write_signals(&[sig.clone()]).unwrap().unchanged, 1);
        let mut changed = sig.clone();
        changed.weight = 0.9;
        assert_eq!(s.write_signals(&[changed.clone()]).unwrap().updated, 1);
        assert_eq!(
            s.signals_for(EntityKind::Post, "twitter:1").unwrap(),
            vec![changed]
        );
    }

    #[test]
    fn a_stream_commit_writes_records_signals_and_checkpoint_together() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        assert_eq!(s.checkpoint("k").unwrap(), None);
        let cp = crate::Checkpoint {
            stream: "k".into(),
            merged: 2,
            done: false,
            state: serde_json::json!({"inputs": 1}),
        };
        let (r, sg) = s.commit_stream(&sample(), &[], &cp).unwrap();
        assert_eq!((r.inserted, sg.inserted), (2, 0));
        assert_eq!(s.checkpoint("k").unwrap(), Some(cp.clone()));
        let cp2 = crate::Checkpoint {
            merged: 4,
            done: true,
            ..cp
        };
        let (r, _) = s.commit_stream(&sample(), &[], &cp2).unwrap();
        assert_eq!(r.unchanged, 2);
        assert_eq!(s.checkpoint("k").unwrap(), Some(cp2));
    }

    #[test]
    fn writes_are_idempotent_and_merge() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let b = sample();
        assert_eq!(
            s.write_batch(&b).unwrap(),
            WriteStats {
                inserted: 2,
                updated: 0,
                unchanged: 0
            }
        );
        assert_eq!(
            s.write_batch(&b).unwrap(),
            WriteStats {
                inserted: 0,
                updated: 0,
                unchanged: 2
            }
        );
        // A sparse record for the same account keeps the bio.
        let mut sparse = Account::new(Platform::Twitter, "9");
        sparse.display_name = Some("Name".into());
        s.write_batch(&[Sourced {
            record: Record::Account(sparse),
            source: "g".into(),
            line: 1,
        }])
        .unwrap();
        let bio: String = s
            .conn
            .query_row("SELECT bio FROM accounts WHERE id='twitter:9'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(bio, "bio");
        let st = s.stats().unwrap();
        assert_eq!(st.platforms[0].posts, 1);
        assert_eq!(st.platforms[0].media, 1);
        assert_eq!(st.platforms[0].accounts, 1);
    }

    fn signal(id: &str, source: &str) -> Signal {
        Signal {
            entity_kind: EntityKind::Post,
            entity_id: id.into(),
            detector: "rules".into(),
            category: Some(vigil_model::Category::Recruitment),
            context: None,
            weight: 0.5,
            source: source.into(),
            version: "1".into(),
            explanation: serde_json::json!({"matched": ["#AllEyesOnISIS"]}),
            at: 1_402_740_000_000,
            shadow: false,
        }
    }

    fn pragma(s: &SqliteStore, name: &str) -> i64 {
        s.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_database_gets_small_pages_and_a_larger_wal_and_an_old_one_keeps_its_pages() {
        let dir = tempfile::tempdir().unwrap();
        let new = SqliteStore::open(&dir.path().join("new.db")).unwrap();
        assert_eq!(pragma(&new, "page_size"), PAGE_SIZE);
        assert_eq!(
            pragma(&new, "wal_autocheckpoint"),
            WAL_AUTOCHECKPOINT_BYTES / PAGE_SIZE
        );
        // A database made by an earlier vigil (16 KiB pages, created before this one's
        // pragmas) still opens, keeps its page size and its data, and takes new writes.
        let old = dir.path().join("old.db");
        {
            let c = Connection::open(&old).unwrap();
            c.pragma_update(None, "page_size", 16384).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            let mut s = SqliteStore::init(c).unwrap();
            s.write_batch(&sample()).unwrap();
            // As it was before migration 0014.
            s.conn
                .execute_batch(
                    "CREATE INDEX accounts_handle ON accounts (platform, handle); \
                     DELETE FROM schema_migrations WHERE name = '0014_writer_io';",
                )
                .unwrap();
        }
        let index = |s: &SqliteStore| -> i64 {
            s.conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name = 'accounts_handle'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(index(&new), 0);
        let mut s = SqliteStore::open(&old).unwrap();
        assert_eq!(
            index(&s),
            0,
            "the migration dropped the unused handle index"
        );
        assert_eq!(pragma(&s, "page_size"), 16384);
        assert!(s.post("twitter:1").unwrap().is_some());
        assert_eq!(
            s.write_signals(&[signal("twitter:1", "a")])
                .unwrap()
                .inserted,
            1
        );
    }

    #[test]
    fn stream_parts_commit_together_or_not_at_all() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let cp = |merged| crate::Checkpoint {
            stream: "k".into(),
            merged,
            done: false,
            state: serde_json::json!({}),
        };
        let b = sample();
        let sigs = [signal("twitter:1", "a"), signal("twitter:1", "b")];
        let (r, sg) = s
            .commit_stream_parts(&[(&b[..1], &sigs[..1]), (&b[1..], &sigs[1..])], &cp(2))
            .unwrap();
        assert_eq!((r.inserted, sg.inserted), (2, 2));
        assert_eq!(s.checkpoint("k").unwrap().map(|c| c.merged), Some(2));
        // A failure in the second part leaves nothing of the first, and the old checkpoint.
        s.conn
            .execute_batch(
                "CREATE TRIGGER fail BEFORE INSERT ON signals WHEN NEW.source = 'boom' \
                 BEGIN SELECT RAISE(ABORT, 'injected'); END;",
            )
            .unwrap();
        let first = [signal("twitter:2", "c")];
        let second = [signal("twitter:2", "boom")];
        assert!(s
            .commit_stream_parts(&[(&[], &first[..]), (&[], &second[..])], &cp(4))
            .is_err());
        assert!(s
            .signals_for(EntityKind::Post, "twitter:2")
            .unwrap()
            .is_empty());
        assert_eq!(s.checkpoint("k").unwrap().map(|c| c.merged), Some(2));
    }

    #[test]
    fn the_scoring_stream_is_the_signals_minus_shadow_and_explanations() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let mut shadow = signal("twitter:3", "s");
        shadow.shadow = true;
        let mut ctx = signal("twitter:2", "news");
        ctx.category = None;
        ctx.context = Some(vigil_model::Context::NewsReporting);
        ctx.weight = 0.25;
        let mut group = signal("cluster:7", "coordination");
        group.entity_kind = EntityKind::Cluster;
        group.explanation =
            serde_json::json!({"accounts": ["twitter:1", "twitter:2"], "posts": []});
        let all = [signal("twitter:1", "a"), shadow, ctx, group];
        s.write_signals(&all).unwrap();
        let mut want = Vec::new();
        s.for_each_signal_by_key(&mut |g| {
            if !g.shadow {
                want.push((
                    g.entity_kind,
                    g.entity_id.clone(),
                    g.category,
                    g.context,
                    g.weight,
                    g.at,
                    crate::members_named(g.entity_kind, &g.explanation),
                ));
            }
            true
        })
        .unwrap();
        let mut got = Vec::new();
        s.for_each_signal_score(&mut |g| {
            got.push((
                g.entity_kind,
                g.entity_id.to_string(),
                g.category,
                g.context,
                g.weight,
                g.at,
                g.members,
            ));
            true
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got, want);
        assert_eq!(got.iter().map(|g| g.6).sum::<usize>(), 2);
    }
}
