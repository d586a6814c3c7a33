//! A world's `known/` hash list (the TCAP JSON shape the simulator writes, as a platform
//! would receive it from a hash-sharing database) imported into the bank `known`.

use crate::Error;
use std::path::Path;
use vigil_hash::banks::{tcap, Actor, Bank, ImportSummary, ParseLimits};
use vigil_store::banks::BankStore;

/// The bank a world's known list goes into.
pub const KNOWN_BANK: &str = "known";

/// What an import of `known/` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KnownImport {
    pub file: String,
    pub summary: ImportSummary,
    /// Bad rows: (line, reason).
    pub rejected: Vec<(u64, String)>,
}

/// Import `dir/known/hashes.json` into the bank `known` (created if missing). Idempotent:
/// rows already in the bank are counted as duplicates and change nothing but the bank's own
/// audit (an import entry). Returns `None` when the world has no `known/` list.
pub fn import_known(
    store: &mut dyn BankStore,
    dir: &Path,
    by: &Actor<'_>,
) -> Result<Option<KnownImport>, Error> {
    let path = dir.join("known").join("hashes.json");
    let limits = ParseLimits::default();
    let bytes = match vigil_hash::media::read_bounded(&path, limits.max_bytes as u64) {
        Ok(b) => b,
        Err(_) if !path.exists() => return Ok(None),
        Err(e) => {
            return Err(Error::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    let parsed = tcap::parse(&bytes, &limits)?;
    let mut bank = match crate::persist::load(store, KNOWN_BANK)? {
        Some(b) => b,
        None => Bank::new(
            KNOWN_BANK,
            "known at start: the hash list received with the data",
            by,
        )?,
    };
    let rejected: Vec<(u64, String)> = parsed
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();
    let summary = bank.import("tcap", parsed.drafts, rejected.len() as u64, by)?;
    crate::persist::save(store, &bank)?;
    Ok(Some(KnownImport {
        file: path.display().to_string(),
        summary,
        rejected,
    }))
}
