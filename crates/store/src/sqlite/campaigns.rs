//! SQLite implementation of the campaign, cluster and edge tables (migration 0007).

use super::SqliteStore;
use crate::{CampaignRecord, ClusterRecord, EdgeRecord, StoreError};
use rusqlite::params;

fn js<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

fn parse<T: serde::de::DeserializeOwned + Default>(s: String) -> T {
    serde_json::from_str(&s).unwrap_or_default()
}

impl SqliteStore {
    pub(crate) fn write_campaigns_impl(&mut self, cs: &[CampaignRecord]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO campaigns (id, keys, key_kinds, co_keys, start, \"end\", velocity, \
                 distinct_accounts, posts, languages, platforms, extremist, score, first_alert_at, \
                 posts_before_alert, evidence) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
            )?;
            let mut del =
                tx.prepare_cached("DELETE FROM campaign_participants WHERE campaign_id = ?1")?;
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO campaign_participants (campaign_id, account_id) VALUES (?1, ?2)",
            )?;
            for c in cs {
                up.execute(params![
                    c.id,
                    js(&c.keys)?,
                    js(&c.key_kinds)?,
                    js(&c.co_keys)?,
                    c.start,
                    c.end,
                    c.velocity as f64,
                    c.distinct_accounts as i64,
                    c.posts as i64,
                    js(&c.languages)?,
                    js(&c.platforms)?,
                    c.extremist,
                    c.score as f64,
                    c.first_alert_at,
                    c.posts_before_alert.map(|p| p as i64),
                    c.evidence.to_string(),
                ])?;
                del.execute([&c.id])?;
                for p in &c.participants {
                    ins.execute([&c.id, p])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn campaigns_impl(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        let mut q = self.conn.prepare(
            "SELECT id, keys, key_kinds, co_keys, start, \"end\", velocity, distinct_accounts, posts, \
             languages, platforms, extremist, score, first_alert_at, posts_before_alert, evidence \
             FROM campaigns ORDER BY start, id",
        )?;
        let mut out: Vec<CampaignRecord> = q
            .query_map([], |r| {
                Ok(CampaignRecord {
                    id: r.get(0)?,
                    keys: parse(r.get(1)?),
                    key_kinds: parse(r.get(2)?),
                    co_keys: parse(r.get(3)?),
                    start: r.get(4)?,
                    end: r.get(5)?,
                    velocity: r.get::<_, f64>(6)? as f32,
                    distinct_accounts: r.get::<_, i64>(7)?.max(0) as u64,
                    posts: r.get::<_, i64>(8)?.max(0) as u64,
                    languages: parse(r.get(9)?),
                    platforms: parse(r.get(10)?),
                    extremist: r.get(11)?,
                    score: r.get::<_, f64>(12)? as f32,
                    first_alert_at: r.get(13)?,
                    posts_before_alert: r.get::<_, Option<i64>>(14)?.map(|p| p.max(0) as u64),
                    participants: Vec::new(),
                    evidence: serde_json::from_str(&r.get::<_, String>(15)?)
                        .unwrap_or(serde_json::Value::Null),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut p = self.conn.prepare(
            "SELECT account_id FROM campaign_participants WHERE campaign_id = ?1 ORDER BY account_id",
        )?;
        for c in out.iter_mut() {
            c.participants = p
                .query_map([&c.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
        }
        Ok(out)
    }

    pub(crate) fn write_clusters_impl(
        &mut self,
        cs: &[ClusterRecord],
        edges: Option<&[EdgeRecord]>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM clusters", [])?;
        tx.execute("DELETE FROM cluster_members", [])?;
        if edges.is_some() {
            tx.execute("DELETE FROM coordination_edges", [])?;
        }
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO clusters (id, score, reported, at, explanation) VALUES (?1,?2,?3,?4,?5)",
            )?;
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO cluster_members (cluster_id, account_id) VALUES (?1, ?2)",
            )?;
            for c in cs {
                up.execute(params![
                    c.id,
                    c.score as f64,
                    c.reported,
                    c.at,
                    c.explanation.to_string()
                ])?;
                for m in &c.members {
                    ins.execute([&c.id, m])?;
                }
            }
            let mut e = tx.prepare_cached(
                "INSERT OR REPLACE INTO coordination_edges (user_1, user_2, weight, relations) VALUES (?1,?2,?3,?4)",
            )?;
            for x in edges.unwrap_or_default() {
                e.execute(params![x.user_1, x.user_2, x.weight as i64, x.relations])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn clusters_impl(&self) -> Result<Vec<ClusterRecord>, StoreError> {
        let mut q = self
            .conn
            .prepare("SELECT id, score, reported, at, explanation FROM clusters ORDER BY id")?;
        let mut out: Vec<ClusterRecord> = q
            .query_map([], |r| {
                Ok(ClusterRecord {
                    id: r.get(0)?,
                    score: r.get::<_, f64>(1)? as f32,
                    reported: r.get(2)?,
                    at: r.get(3)?,
                    explanation: serde_json::from_str(&r.get::<_, String>(4)?)
                        .unwrap_or(serde_json::Value::Null),
                    members: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut p = self.conn.prepare(
            "SELECT account_id FROM cluster_members WHERE cluster_id = ?1 ORDER BY account_id",
        )?;
        for c in out.iter_mut() {
            c.members = p
                .query_map([&c.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
        }
        Ok(out)
    }

    pub(crate) fn edges_impl(
        &self,
        f: &mut dyn FnMut(EdgeRecord) -> bool,
    ) -> Result<(), StoreError> {
        let mut q = self.conn.prepare(
            "SELECT user_1, user_2, weight, relations FROM coordination_edges ORDER BY user_1, user_2",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let e = EdgeRecord {
                user_1: r.get(0)?,
                user_2: r.get(1)?,
                weight: r.get::<_, i64>(2)?.max(0) as u64,
                relations: {
                    let t: String = r.get(3)?;
                    if serde_json::from_str::<serde::de::IgnoredAny>(&t).is_ok() {
                        t
                    } else {
                        "null".into()
                    }
                },
            };
            if !f(e) {
                break;
            }
        }
        Ok(())
    }
}
