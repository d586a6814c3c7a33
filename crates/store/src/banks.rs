//! Persisted hash banks (migration 0006): banks, their items and audit, and known texts.
//! Rows carry the hash crate's items as JSON so this crate stays free of hashing code.

use crate::{SqliteStore, StoreError};
use rusqlite::{params, OptionalExtension};

/// One bank as stored: the row, every item and the bank's own audit log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BankRecord {
    pub name: String,
    pub description: String,
    /// The next item id to assign (ids are never reused).
    pub next_id: u64,
    pub items: Vec<BankItemRow>,
    pub audit: Vec<BankAuditRow>,
}

/// One stored hash; `item` is the full item as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct BankItemRow {
    pub id: u64,
    pub algorithm: String,
    pub digest: String,
    pub enabled: bool,
    pub item: serde_json::Value,
}

/// One entry of a bank's change log, as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct BankAuditRow {
    pub seq: u64,
    pub entry: serde_json::Value,
}

/// A bank's name and counts, for listings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BankSummary {
    pub name: String,
    pub description: String,
    pub items: u64,
    pub enabled: u64,
    pub texts: u64,
}

/// A known text for near-duplicate matching.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BankText {
    pub bank: String,
    pub id: u64,
    pub text: String,
    /// Labels as JSON (the hash crate's `Labels`).
    pub labels: serde_json::Value,
    pub enabled: bool,
    /// Where it came from (a case decision, an import).
    pub source: Option<String>,
}

/// Storage of hash banks. Writes are whole-bank and idempotent.
pub trait BankStore {
    /// Insert or replace a bank with its items; audit entries are appended (existing
    /// sequence numbers are kept as they are).
    fn bank_put(&mut self, bank: &BankRecord) -> Result<(), StoreError>;
    /// One bank with its items and audit, if it exists.
    fn bank_get(&self, name: &str) -> Result<Option<BankRecord>, StoreError>;
    /// Every bank's name and counts, by name.
    fn bank_list(&self) -> Result<Vec<BankSummary>, StoreError>;
    /// Add a known text to `bank` (which must exist); returns its id. The same text twice
    /// in one bank is stored once.
    fn bank_text_add(
        &mut self,
        bank: &str,
        text: &str,
        labels: &serde_json::Value,
        source: Option<&str>,
    ) -> Result<u64, StoreError>;
    /// Every known text, all banks, by bank and id.
    fn bank_texts(&self) -> Result<Vec<BankText>, StoreError>;
}

impl BankStore for SqliteStore {
    fn bank_put(&mut self, b: &BankRecord) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO hash_banks (name, description, next_id, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET description = excluded.description,
               next_id = excluded.next_id, updated_at = excluded.updated_at",
            params![
                b.name,
                b.description,
                b.next_id as i64,
                crate::sqlite::now_ms()
            ],
        )?;
        tx.execute("DELETE FROM hash_bank_items WHERE bank = ?1", [&b.name])?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR REPLACE INTO hash_bank_items (bank, id, algorithm, digest, enabled, item)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for it in &b.items {
                ins.execute(params![
                    b.name,
                    it.id as i64,
                    it.algorithm,
                    it.digest,
                    it.enabled,
                    serde_json::to_string(&it.item)?
                ])?;
            }
            let mut au = tx.prepare_cached(
                "INSERT OR IGNORE INTO hash_bank_audit (bank, seq, entry) VALUES (?1, ?2, ?3)",
            )?;
            for a in &b.audit {
                au.execute(params![
                    b.name,
                    a.seq as i64,
                    serde_json::to_string(&a.entry)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn bank_get(&self, name: &str) -> Result<Option<BankRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT description, next_id FROM hash_banks WHERE name = ?1",
                [name],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        let Some((description, next_id)) = row else {
            return Ok(None);
        };
        let mut items = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT id, algorithm, digest, enabled, item FROM hash_bank_items WHERE bank = ?1 ORDER BY id",
        )?;
        let mut rows = st.query([name])?;
        while let Some(r) = rows.next()? {
            let item: String = r.get(4)?;
            items.push(BankItemRow {
                id: r.get::<_, i64>(0)?.max(0) as u64,
                algorithm: r.get(1)?,
                digest: r.get(2)?,
                enabled: r.get(3)?,
                item: serde_json::from_str(&item)?,
            });
        }
        let mut audit = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT seq, entry FROM hash_bank_audit WHERE bank = ?1 ORDER BY seq",
        )?;
        let mut rows = st.query([name])?;
        while let Some(r) = rows.next()? {
            let entry: String = r.get(1)?;
            audit.push(BankAuditRow {
                seq: r.get::<_, i64>(0)?.max(0) as u64,
                entry: serde_json::from_str(&entry)?,
            });
        }
        Ok(Some(BankRecord {
            name: name.to_string(),
            description,
            next_id: next_id.max(0) as u64,
            items,
            audit,
        }))
    }

    fn bank_list(&self) -> Result<Vec<BankSummary>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT b.name, b.description,
               (SELECT count(*) FROM hash_bank_items i WHERE i.bank = b.name),
               (SELECT count(*) FROM hash_bank_items i WHERE i.bank = b.name AND i.enabled),
               (SELECT count(*) FROM hash_bank_texts t WHERE t.bank = b.name)
             FROM hash_banks b ORDER BY b.name",
        )?;
        let rows = st.query_map([], |r| {
            Ok(BankSummary {
                name: r.get(0)?,
                description: r.get(1)?,
                items: r.get::<_, i64>(2)?.max(0) as u64,
                enabled: r.get::<_, i64>(3)?.max(0) as u64,
                texts: r.get::<_, i64>(4)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn bank_text_add(
        &mut self,
        bank: &str,
        text: &str,
        labels: &serde_json::Value,
        source: Option<&str>,
    ) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM hash_bank_texts WHERE bank = ?1 AND text = ?2",
                params![bank, text],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id: i64 = tx.query_row(
                    "SELECT coalesce(max(id), 0) + 1 FROM hash_bank_texts WHERE bank = ?1",
                    [bank],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO hash_bank_texts (bank, id, text, labels, enabled, source)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                    params![bank, id, text, serde_json::to_string(labels)?, source],
                )?;
                id
            }
        };
        tx.commit()?;
        Ok(id.max(0) as u64)
    }

    fn bank_texts(&self) -> Result<Vec<BankText>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT bank, id, text, labels, enabled, source FROM hash_bank_texts ORDER BY bank, id",
        )?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let labels: String = r.get(3)?;
            out.push(BankText {
                bank: r.get(0)?,
                id: r.get::<_, i64>(1)?.max(0) as u64,
                text: r.get(2)?,
                labels: serde_json::from_str(&labels).unwrap_or(serde_json::Value::Null),
                enabled: r.get(4)?,
                source: r.get(5)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_round_trip_and_audit_append() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        assert!(s.bank_get("known").unwrap().is_none());
        let mut b = BankRecord {
            name: "known".into(),
            description: "d".into(),
            next_id: 3,
            items: vec![BankItemRow {
                id: 1,
                algorithm: "md5".into(),
                digest: "00".repeat(16),
                enabled: true,
                item: serde_json::json!({"id": 1}),
            }],
            audit: vec![BankAuditRow {
                seq: 1,
                entry: serde_json::json!({"action": "create"}),
            }],
        };
        s.bank_put(&b).unwrap();
        b.items[0].enabled = false;
        b.audit.push(BankAuditRow {
            seq: 2,
            entry: serde_json::json!({"action": "disable", "item": 1}),
        });
        s.bank_put(&b).unwrap();
        assert_eq!(s.bank_get("known").unwrap().unwrap(), b);
        let l = s.bank_list().unwrap();
        assert_eq!((l[0].items, l[0].enabled), (1, 0));
        let t1 = s
            .bank_text_add("known", "a text", &serde_json::json!({}), None)
            .unwrap();
        let t2 = s
            .bank_text_add("known", "a text", &serde_json::json!({}), None)
            .unwrap();
        assert_eq!(t1, t2);
        assert_eq!(s.bank_texts().unwrap().len(), 1);
    }
}
