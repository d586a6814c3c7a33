//! Import and export of the TCAP hash-list JSON shape (`hash_digest`, `algorithm`, `ideology`, `file_type`, `deleted`).
//!
//! Accepted documents: a top-level array of objects, or an object holding that array under
//! `data`, `results`, `hashes` or `items`. Unknown fields are ignored; a row marked
//! `deleted: true` becomes a disabled draft, so importing it retires an existing hash.

use serde_json::Value;

use super::BankItem;
use super::{
    check_size, empty_to_none, validate_draft, FormatError, HashAlgorithm, ItemDraft, Labels,
    ParseLimits, Parsed, Rejected,
};

/// Parses a TCAP hash list.
pub fn parse(input: &[u8], limits: &ParseLimits) -> Result<Parsed, FormatError> {
    check_size(input, limits)?;
    let doc: Value = serde_json::from_slice(input)
        .map_err(|e| FormatError::Malformed(format!("not json: {e}")))?;
    let rows = match doc {
        Value::Array(a) => a,
        Value::Object(mut o) => ["data", "results", "hashes", "items"]
            .iter()
            .find_map(|k| match o.remove(*k) {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            })
            .ok_or_else(|| FormatError::Malformed("no array of hashes".into()))?,
        _ => return Err(FormatError::Malformed("expected an array of hashes".into())),
    };
    if rows.len() > limits.max_records {
        return Err(FormatError::TooManyRecords(limits.max_records));
    }
    let mut out = Parsed::default();
    for (i, row) in rows.into_iter().enumerate() {
        let line = i as u64 + 1;
        match row_to_draft(row) {
            Ok(d) => out.drafts.push(d),
            Err(reason) => out.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(empty_to_none(Some(s.clone()))),
        Some(other) => Err(format!("expected a string, got {}", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn row_to_draft(row: Value) -> Result<ItemDraft, String> {
    let Value::Object(o) = row else {
        return Err("row is not an object".into());
    };
    let digest = text(o.get("hash_digest"))?.ok_or("missing hash_digest")?;
    let alg = text(o.get("algorithm"))?.ok_or("missing algorithm")?;
    let algorithm = HashAlgorithm::parse(&alg).map_err(|e| e.to_string())?;
    let deleted = match o.get("deleted") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("deleted: expected a boolean, got {}", kind(other))),
    };
    let draft = ItemDraft {
        algorithm,
        digest,
        labels: Labels {
            source: Some("tcap".into()),
            ideology: text(o.get("ideology")).map_err(|e| format!("ideology: {e}"))?,
            content_type: text(o.get("file_type")).map_err(|e| format!("file_type: {e}"))?,
            ..Labels::default()
        },
        enabled: !deleted,
        provenance: Some("tcap".into()),
    };
    validate_draft(draft)
}

/// Writes items in the TCAP shape (disabled items are written with `deleted: true`).
pub fn write<'a>(items: impl IntoIterator<Item = &'a BankItem>) -> Vec<u8> {
    let rows: Vec<Value> = items
        .into_iter()
        .map(|it| {
            serde_json::json!({
                "hash_digest": it.digest,
                "algorithm": it.algorithm.as_str().to_ascii_uppercase(),
                "ideology": it.labels.ideology,
                "file_type": it.labels.content_type,
                "deleted": !it.enabled,
            })
        })
        .collect();
    serde_json::to_vec_pretty(&rows).unwrap_or_else(|_| b"[]".to_vec())
}
