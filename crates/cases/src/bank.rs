//! Feedback to the hash bank: confirmed media and texts wait in `bank_items` until a
//! [`BankSink`] (the hash-bank integration) takes them.

use crate::{CaseError, CaseStore, Service};
use vigil_store::cases::BankItem;
use vigil_store::Store;

/// Where confirmed items go. The hash-bank crate implements this.
pub trait BankSink {
    /// Take one confirmed item; an error leaves it pending for the next drain.
    fn add(&mut self, item: &BankItem) -> Result<(), String>;
}

/// A sink that keeps what it is given (tests, dry runs).
#[derive(Debug, Default)]
pub struct VecBank(pub Vec<BankItem>);

impl BankSink for VecBank {
    fn add(&mut self, item: &BankItem) -> Result<(), String> {
        self.0.push(item.clone());
        Ok(())
    }
}

/// Hand every pending item to `sink`, marking each as exported once taken. Returns how many.
pub fn drain_bank<S: Store + CaseStore>(
    svc: &mut Service<S>,
    sink: &mut dyn BankSink,
) -> Result<usize, CaseError> {
    let mut total = 0;
    loop {
        let items = svc.store.pending_bank_items(1000)?;
        if items.is_empty() {
            return Ok(total);
        }
        let mut taken = Vec::with_capacity(items.len());
        let mut failed = false;
        for it in &items {
            match sink.add(it) {
                Ok(()) => taken.push(it.id),
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        let now = svc.now();
        svc.store.mark_bank_exported(&taken, now)?;
        total += taken.len();
        if !taken.is_empty() {
            svc.audit(
                "system",
                "bank_change",
                "bank",
                "confirmed items added to the hash bank",
                serde_json::json!({"items": taken.len()}),
            )?;
        }
        if failed {
            return Ok(total);
        }
    }
}
