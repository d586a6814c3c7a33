//! Banks to and from the store's rows. The PDQ radius index is not stored: it is rebuilt
//! from the items when a matcher is built (see docs/BENCHMARKS.md for the cost).

use crate::Error;
use vigil_hash::banks::Bank;
use vigil_store::banks::{BankAuditRow, BankItemRow, BankRecord, BankStore};

/// The store's rows for a bank.
pub fn to_record(b: &Bank) -> Result<BankRecord, Error> {
    let v = serde_json::to_value(b)?;
    let next_id = v.get("next_id").and_then(|n| n.as_u64()).unwrap_or(1);
    let mut items = Vec::with_capacity(b.items.len());
    for it in &b.items {
        items.push(BankItemRow {
            id: it.id,
            algorithm: it.algorithm.as_str().to_string(),
            digest: it.digest.clone(),
            enabled: it.enabled,
            item: serde_json::to_value(it)?,
        });
    }
    let mut audit = Vec::with_capacity(b.audit.len());
    for a in &b.audit {
        audit.push(BankAuditRow {
            seq: a.seq,
            entry: serde_json::to_value(a)?,
        });
    }
    Ok(BankRecord {
        name: b.name.clone(),
        description: b.description.clone(),
        next_id,
        items,
        audit,
    })
}

/// A bank from the store's rows.
pub fn from_record(r: BankRecord) -> Result<Bank, Error> {
    let items: Vec<serde_json::Value> = r.items.into_iter().map(|i| i.item).collect();
    let audit: Vec<serde_json::Value> = r.audit.into_iter().map(|a| a.entry).collect();
    let v = serde_json::json!({
        "name": r.name,
        "description": r.description,
        "items": items,
        "audit": audit,
        "next_id": r.next_id,
    });
    Ok(serde_json::from_value(v)?)
}

/// One bank, if it exists.
pub fn load(store: &dyn BankStore, name: &str) -> Result<Option<Bank>, Error> {
    store.bank_get(name)?.map(from_record).transpose()
}

/// Every bank, by name.
pub fn load_all(store: &dyn BankStore) -> Result<Vec<Bank>, Error> {
    let mut out = Vec::new();
    for s in store.bank_list()? {
        if let Some(b) = load(store, &s.name)? {
            out.push(b);
        }
    }
    Ok(out)
}

/// Write a bank (items replaced, audit appended).
pub fn save(store: &mut dyn BankStore, b: &Bank) -> Result<(), Error> {
    store.bank_put(&to_record(b)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_hash::banks::{Actor, HashAlgorithm, ItemDraft, Labels};
    use vigil_store::SqliteStore;

    #[test]
    fn bank_survives_the_store_with_its_counter() {
        let by = Actor {
            name: "t",
            at: "2024-01-01T00:00:00Z",
        };
        let mut b = Bank::new("known", "test", &by).unwrap();
        let id = b
            .add(
                ItemDraft {
                    algorithm: HashAlgorithm::Md5,
                    digest: "0".repeat(32),
                    labels: Labels::default(),
                    enabled: true,
                    provenance: Some("unit".into()),
                },
                &by,
            )
            .unwrap();
        b.remove(id, &by, Some("gone")).unwrap();
        let mut s = SqliteStore::open_in_memory().unwrap();
        save(&mut s, &b).unwrap();
        let mut back = load(&s, "known").unwrap().unwrap();
        assert_eq!(back, b);
        // Ids are never reused, even after the last item was removed and the bank reloaded.
        let id2 = back
            .add(
                ItemDraft {
                    algorithm: HashAlgorithm::Md5,
                    digest: "1".repeat(32),
                    labels: Labels::default(),
                    enabled: true,
                    provenance: None,
                },
                &by,
            )
            .unwrap();
        assert!(id2 > id);
    }
}
