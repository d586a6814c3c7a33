//! vigil's own NDJSON hash-list format: one JSON object per line (an [`ItemDraft`](super::ItemDraft), or a full item as exported).

use serde::Deserialize;

use super::{
    check_size, validate_draft, BankItem, FormatError, HashAlgorithm, ItemDraft, Labels,
    ParseLimits, Parsed, Rejected,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    algorithm: String,
    digest: String,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    provenance: Option<String>,
    /// Present in exports; ignored on import (the bank assigns ids).
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<u64>,
    #[serde(default)]
    #[allow(dead_code)]
    added_at: Option<String>,
}

/// Parses NDJSON; blank lines are skipped, each bad line is rejected with its number.
pub fn parse(input: &[u8], limits: &ParseLimits) -> Result<Parsed, FormatError> {
    check_size(input, limits)?;
    let mut out = Parsed::default();
    let mut n = 0usize;
    for (i, raw) in input.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        n += 1;
        if n > limits.max_records {
            return Err(FormatError::TooManyRecords(limits.max_records));
        }
        if raw.len() > limits.max_line {
            out.rejected.push(Rejected {
                line,
                reason: format!("line longer than {} bytes", limits.max_line),
            });
            continue;
        }
        let row = serde_json::from_slice::<Row>(raw)
            .map_err(|e| format!("bad json: {e}"))
            .and_then(|r| {
                let algorithm = HashAlgorithm::parse(&r.algorithm).map_err(|e| e.to_string())?;
                validate_draft(ItemDraft {
                    algorithm,
                    digest: r.digest,
                    labels: r.labels,
                    enabled: r.enabled.unwrap_or(true),
                    provenance: r.provenance,
                })
            });
        match row {
            Ok(d) => out.drafts.push(d),
            Err(reason) => out.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(out)
}

/// Writes one item per line.
pub fn write<'a>(items: impl IntoIterator<Item = &'a BankItem>) -> Vec<u8> {
    let mut out = Vec::new();
    for it in items {
        if let Ok(v) = serde_json::to_vec(it) {
            out.extend_from_slice(&v);
            out.push(b'\n');
        }
    }
    out
}
