//! The SQL behind the web console (migration 0010): the filtered queue, dashboard figures,
//! rule and shadow-hit summaries, bank items, member lookups and per-user settings. Reads
//! only, except the settings.

use crate::cases::{case_from_row, BankItem, CaseRow, CaseState, CASE_COLUMNS};
use crate::sqlite::signal_from_row;
use crate::{SqliteStore, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use vigil_model::{Category, EntityKind, Signal};

/// Which states a queue view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    /// Open, claimed and appealed: everything not decided.
    #[default]
    Active,
    One(CaseState),
    All,
}

/// One page of the console's queue: every filter optional, highest priority first.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub state: StateFilter,
    pub platform: Option<String>,
    /// The post's language (post cases only).
    pub lang: Option<String>,
    pub category: Option<Category>,
    pub kind: Option<EntityKind>,
    /// A detector that has a non-shadow signal on the case's entity.
    pub detector: Option<String>,
    /// Keyset cursor: the (priority, id) of the last row of the previous page.
    pub after: Option<(f64, i64)>,
    pub limit: usize,
}

/// A count under a name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub key: String,
    pub n: i64,
}

/// The dashboard's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dashboard {
    pub by_state: Vec<Count>,
    pub open_by_platform: Vec<Count>,
    pub open_by_category: Vec<Count>,
    /// Languages of the posts behind active post cases.
    pub open_by_language: Vec<Count>,
    /// Decisions by `action/category`.
    pub actions_by_category: Vec<Count>,
    /// Decisions by `action/platform`.
    pub actions_by_platform: Vec<Count>,
    pub decisions: i64,
    /// Time from a case opening to its decision, ms: median and 90th percentile.
    pub decide_p50_ms: Option<i64>,
    pub decide_p90_ms: Option<i64>,
}

/// Signals of one (detector, source, version), as the rules page lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    pub detector: String,
    pub source: String,
    pub version: String,
    pub shadow: bool,
    pub signals: i64,
    pub entities: i64,
    pub last_at: i64,
    /// A few entities it fired on, newest first.
    pub sample: Vec<(EntityKind, String)>,
}

/// A bank item with its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankRow {
    pub item: BankItem,
    pub decision_id: i64,
    pub at: i64,
    pub exported_at: Option<i64>,
}

/// The console's reads. [`SqliteStore`] implements it.
pub trait ConsoleStore {
    /// The filtered queue.
    fn queue(&self, q: &QueueQuery) -> Result<Vec<CaseRow>, StoreError>;
    fn dashboard(&self) -> Result<Dashboard, StoreError>;
    /// Signals grouped by (detector, source, version, shadow), shadow ones included.
    fn source_summaries(&self, limit: usize) -> Result<Vec<SourceSummary>, StoreError>;
    /// Non-shadow cluster and campaign signals naming `member` (an account or post id) in
    /// their explanation's `accounts` or `posts` lists, newest first.
    fn groups_with_member(&self, member: &str, limit: usize) -> Result<Vec<Signal>, StoreError>;
    /// Bank items, newest first, before `before_id` when given.
    fn bank_rows(&self, before_id: Option<i64>, limit: usize) -> Result<Vec<BankRow>, StoreError>;
    /// A user's console setting.
    fn user_setting(&self, user: &str, key: &str) -> Result<Option<String>, StoreError>;
    fn set_user_setting(
        &mut self,
        user: &str,
        key: &str,
        value: &str,
        now: i64,
    ) -> Result<(), StoreError>;
}

fn counts(st: &mut rusqlite::CachedStatement<'_>) -> Result<Vec<Count>, StoreError> {
    let rows = st.query_map([], |r| {
        Ok(Count {
            key: r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "-".into()),
            n: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl ConsoleStore for SqliteStore {
    fn queue(&self, q: &QueueQuery) -> Result<Vec<CaseRow>, StoreError> {
        let (ap, aid) = q.after.unwrap_or((f64::INFINITY, i64::MIN));
        let (state_mode, state): (i64, Option<&str>) = match q.state {
            StateFilter::Active => (0, None),
            StateFilter::One(s) => (1, Some(s.as_str())),
            StateFilter::All => (2, None),
        };
        let cols = CASE_COLUMNS
            .split(',')
            .map(|c| format!("c.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        // The priority index drives the scan; filters are checked row by row and the scan
        // stops at the page size, so an unfiltered page costs the same at any queue length.
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {cols} FROM cases c INDEXED BY cases_priority \
             WHERE (c.priority < ?1 OR (c.priority = ?1 AND c.id > ?2)) \
             AND (CASE ?3 WHEN 0 THEN c.state != 'decided' WHEN 1 THEN c.state = ?4 ELSE 1 END) \
             AND (?5 IS NULL OR c.platform = ?5) \
             AND (?6 IS NULL OR c.category = ?6) \
             AND (?7 IS NULL OR c.entity_kind = ?7) \
             AND (?8 IS NULL OR (c.entity_kind = 'post' AND EXISTS \
                 (SELECT 1 FROM posts p WHERE p.id = c.entity_id AND p.lang = ?8))) \
             AND (?9 IS NULL OR EXISTS (SELECT 1 FROM signals s WHERE s.entity_kind = c.entity_kind \
                 AND s.entity_id = c.entity_id AND s.detector = ?9 AND s.shadow = 0)) \
             ORDER BY c.priority DESC, c.id LIMIT ?10"
        ))?;
        let rows = st.query_map(
            params![
                ap,
                aid,
                state_mode,
                state,
                q.platform,
                q.category.map(|c| c.as_str()),
                q.kind.map(|k| k.as_str()),
                q.lang,
                q.detector,
                q.limit.clamp(1, 1000) as i64
            ],
            case_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn dashboard(&self) -> Result<Dashboard, StoreError> {
        let c = &self.conn;
        let mut d = Dashboard {
            by_state: counts(&mut c.prepare_cached(
                "SELECT state, count(*) FROM cases GROUP BY state ORDER BY state",
            )?)?,
            open_by_platform: counts(&mut c.prepare_cached(
                "SELECT platform, count(*) FROM cases WHERE state != 'decided' \
                 GROUP BY platform ORDER BY 2 DESC, 1",
            )?)?,
            open_by_category: counts(&mut c.prepare_cached(
                "SELECT category, count(*) FROM cases WHERE state != 'decided' \
                 GROUP BY category ORDER BY 2 DESC, 1",
            )?)?,
            open_by_language: counts(&mut c.prepare_cached(
                "SELECT p.lang, count(*) FROM cases c JOIN posts p ON p.id = c.entity_id \
                 WHERE c.state != 'decided' AND c.entity_kind = 'post' \
                 GROUP BY p.lang ORDER BY 2 DESC, 1 LIMIT 50",
            )?)?,
            actions_by_category: counts(&mut c.prepare_cached(
                "SELECT action || '/' || coalesce(category, '-'), count(*) FROM decisions \
                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 100",
            )?)?,
            actions_by_platform: counts(&mut c.prepare_cached(
                "SELECT d.action || '/' || coalesce(c.platform, '-'), count(*) FROM decisions d \
                 JOIN cases c ON c.id = d.case_id GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 100",
            )?)?,
            ..Default::default()
        };
        d.decisions = c.query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))?;
        if d.decisions > 0 {
            let pick = |frac: f64| -> Result<Option<i64>, StoreError> {
                let off = ((d.decisions - 1) as f64 * frac).round() as i64;
                Ok(c.query_row(
                    "SELECT d.at - c.opened_at FROM decisions d JOIN cases c ON c.id = d.case_id \
                         ORDER BY 1 LIMIT 1 OFFSET ?1",
                    [off],
                    |r| r.get(0),
                )
                .optional()?)
            };
            d.decide_p50_ms = pick(0.5)?;
            d.decide_p90_ms = pick(0.9)?;
        }
        Ok(d)
    }

    fn source_summaries(&self, limit: usize) -> Result<Vec<SourceSummary>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT detector, source, version, shadow, count(*), count(DISTINCT entity_kind || ':' || entity_id), max(at) \
             FROM signals GROUP BY detector, source, version, shadow \
             ORDER BY shadow DESC, detector, source, version LIMIT ?1",
        )?;
        let rows = st.query_map([limit.clamp(1, 10_000) as i64], |r| {
            Ok(SourceSummary {
                detector: r.get(0)?,
                source: r.get(1)?,
                version: r.get(2)?,
                shadow: r.get(3)?,
                signals: r.get(4)?,
                entities: r.get(5)?,
                last_at: r.get(6)?,
                sample: Vec::new(),
            })
        })?;
        let mut out: Vec<SourceSummary> = rows.collect::<Result<_, _>>()?;
        let mut sample = self.conn.prepare_cached(
            "SELECT entity_kind, entity_id FROM signals WHERE detector = ?1 AND source = ?2 \
             AND version = ?3 AND shadow = ?4 ORDER BY at DESC LIMIT 5",
        )?;
        for s in &mut out {
            let rows =
                sample.query_map(params![s.detector, s.source, s.version, s.shadow], |r| {
                    let k: String = r.get(0)?;
                    Ok((
                        serde_json::from_value(serde_json::Value::String(k))
                            .unwrap_or(EntityKind::Post),
                        r.get::<_, String>(1)?,
                    ))
                })?;
            s.sample = rows.collect::<Result<_, _>>()?;
        }
        Ok(out)
    }

    fn groups_with_member(&self, member: &str, limit: usize) -> Result<Vec<Signal>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT entity_kind, entity_id, detector, category, context, weight, source, version, explanation, at, shadow \
             FROM signals s WHERE s.entity_kind IN ('cluster', 'campaign') AND s.shadow = 0 AND EXISTS \
             (SELECT 1 FROM json_each(s.explanation, '$.accounts') WHERE value = ?1 \
              UNION ALL SELECT 1 FROM json_each(s.explanation, '$.posts') WHERE value = ?1) \
             ORDER BY s.at DESC LIMIT ?2",
        )?;
        let rows = st.query_map(
            params![member, limit.clamp(1, 1000) as i64],
            signal_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn bank_rows(&self, before_id: Option<i64>, limit: usize) -> Result<Vec<BankRow>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, kind, post_id, sha256, md5, media_key, text, category, decision_id, at, exported_at \
             FROM bank_items WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(
            params![before_id.unwrap_or(i64::MAX), limit.clamp(1, 1000) as i64],
            |r| {
                let cat: Option<String> = r.get(7)?;
                Ok(BankRow {
                    item: BankItem {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        post_id: r.get(2)?,
                        sha256: r.get(3)?,
                        md5: r.get(4)?,
                        media_key: r.get(5)?,
                        text: r.get(6)?,
                        category: cat.as_deref().and_then(Category::parse),
                    },
                    decision_id: r.get(8)?,
                    at: r.get(9)?,
                    exported_at: r.get(10)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn user_setting(&self, user: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM console_settings WHERE user_name = ?1 AND key = ?2",
                params![user, key],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_user_setting(
        &mut self,
        user: &str,
        key: &str,
        value: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO console_settings (user_name, key, value, at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (user_name, key) DO UPDATE SET value = excluded.value, at = excluded.at",
            params![user, key, value, now],
        )?;
        Ok(())
    }
}
