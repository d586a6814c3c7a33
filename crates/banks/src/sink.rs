//! Case feedback into a persisted bank: media and texts a moderator confirmed (drained from
//! the cases layer through [`vigil_cases::BankSink`]) become bank items and known texts.

use crate::Error;
use vigil_cases::BankSink;
use vigil_hash::banks::{Actor, Bank, HashAlgorithm, ItemDraft, Labels};
use vigil_store::banks::BankStore;
use vigil_store::cases::BankItem as ConfirmedItem;

/// Collects confirmed items into one bank in memory; [`StoreBankSink::commit`] writes it.
pub struct StoreBankSink {
    pub bank: Bank,
    actor: String,
    at: String,
    texts: Vec<(String, serde_json::Value, String)>,
    /// Items added to the bank (hash entries) and texts queued.
    pub added: u64,
}

impl StoreBankSink {
    /// Loads (or creates) bank `name` from the store.
    pub fn open(store: &dyn BankStore, name: &str, actor: &str, at: &str) -> Result<Self, Error> {
        let by = Actor { name: actor, at };
        let bank = match crate::persist::load(store, name)? {
            Some(b) => b,
            None => Bank::new(name, "media and texts confirmed by moderators", &by)?,
        };
        Ok(StoreBankSink {
            bank,
            actor: actor.to_string(),
            at: at.to_string(),
            texts: Vec::new(),
            added: 0,
        })
    }

    /// Write the bank and the queued texts.
    pub fn commit(self, store: &mut dyn BankStore) -> Result<u64, Error> {
        crate::persist::save(store, &self.bank)?;
        for (text, labels, source) in &self.texts {
            store.bank_text_add(&self.bank.name, text, labels, Some(source))?;
        }
        Ok(self.added)
    }

    fn add_hash(
        &mut self,
        alg: HashAlgorithm,
        digest: &str,
        labels: &Labels,
        post: &str,
    ) -> Result<(), String> {
        if !self.bank.find(alg, digest).is_empty() {
            return Ok(());
        }
        let by = Actor {
            name: &self.actor,
            at: &self.at,
        };
        self.bank
            .add(
                ItemDraft {
                    algorithm: alg,
                    digest: digest.to_string(),
                    labels: labels.clone(),
                    enabled: true,
                    provenance: Some(format!("case decision on {post}")),
                },
                &by,
            )
            .map_err(|e| e.to_string())?;
        self.added += 1;
        Ok(())
    }
}

impl BankSink for StoreBankSink {
    fn add(&mut self, item: &ConfirmedItem) -> Result<(), String> {
        let labels = Labels {
            source: Some("case".into()),
            category: item.category.map(|c| c.as_str().to_string()),
            ..Labels::default()
        };
        match item.kind.as_str() {
            "media" => {
                if !item.sha256.is_empty() {
                    self.add_hash(HashAlgorithm::Sha256, &item.sha256, &labels, &item.post_id)?;
                }
                if let Some(m) = &item.md5 {
                    self.add_hash(HashAlgorithm::Md5, m, &labels, &item.post_id)?;
                }
                Ok(())
            }
            "text" => {
                if let Some(t) = &item.text {
                    let labels = serde_json::to_value(&labels).map_err(|e| e.to_string())?;
                    self.texts.push((
                        t.clone(),
                        labels,
                        format!("case decision on {}", item.post_id),
                    ));
                    self.added += 1;
                }
                Ok(())
            }
            other => Err(format!("unknown confirmed item kind {other}")),
        }
    }
}
