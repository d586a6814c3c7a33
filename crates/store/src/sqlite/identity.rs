//! SQLite implementation of the identity-link and account-risk tables (migration 0008).

use super::SqliteStore;
use crate::{AccountRiskRecord, IdentityLinkRecord, StoreError};
use rusqlite::params;

fn link_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IdentityLinkRecord> {
    let e: String = r.get(4)?;
    Ok(IdentityLinkRecord {
        account_id: r.get(0)?,
        other_id: r.get(1)?,
        kind: r.get(2)?,
        score: r.get(3)?,
        explanation: serde_json::from_str(&e).unwrap_or_default(),
        at: r.get(5)?,
    })
}

fn risk_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRiskRecord> {
    let b: String = r.get(3)?;
    Ok(AccountRiskRecord {
        account_id: r.get(0)?,
        risk: r.get(1)?,
        action: r.get(2)?,
        breakdown: serde_json::from_str(&b).unwrap_or_default(),
        at: r.get(4)?,
    })
}

impl SqliteStore {
    pub(crate) fn write_identity_links_impl(
        &mut self,
        ls: &[IdentityLinkRecord],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM identity_links", [])?;
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO identity_links (account_id, other_id, kind, score, explanation, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for l in ls {
                up.execute(params![
                    l.account_id,
                    l.other_id,
                    l.kind,
                    l.score,
                    serde_json::to_string(&l.explanation)?,
                    l.at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn identity_links_impl(
        &self,
        id: &str,
    ) -> Result<Vec<IdentityLinkRecord>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT account_id, other_id, kind, score, explanation, at FROM identity_links \
             WHERE account_id = ?1 UNION ALL \
             SELECT account_id, other_id, kind, score, explanation, at FROM identity_links \
             WHERE other_id = ?1 ORDER BY at",
        )?;
        let rows = st.query_map(params![id], link_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn write_account_risks_impl(
        &mut self,
        rs: &[AccountRiskRecord],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM account_risk", [])?;
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO account_risk (account_id, risk, action, breakdown, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in rs {
                up.execute(params![
                    r.account_id,
                    r.risk,
                    r.action,
                    serde_json::to_string(&r.breakdown)?,
                    r.at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn account_risk_impl(
        &self,
        id: &str,
    ) -> Result<Option<AccountRiskRecord>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT account_id, risk, action, breakdown, at FROM account_risk WHERE account_id = ?1",
        )?;
        let mut rows = st.query_map(params![id], risk_from_row)?;
        Ok(rows.next().transpose()?)
    }

    pub(crate) fn for_each_account_risk_impl(
        &self,
        f: &mut dyn FnMut(AccountRiskRecord) -> bool,
    ) -> Result<(), StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT account_id, risk, action, breakdown, at FROM account_risk ORDER BY risk DESC, account_id",
        )?;
        let rows = st.query_map([], risk_from_row)?;
        for r in rows {
            if !f(r?) {
                break;
            }
        }
        Ok(())
    }
}
