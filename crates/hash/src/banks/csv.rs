//! ThreatExchange/HMA-style CSV hash lists: `signal_type,signal_value` plus optional label columns, RFC 4180 quoting.
//!
//! Header names (case-insensitive): `signal_type` (or `algorithm`, `hash_type`,
//! `indicator_type`), `signal_value` (or `hash`, `hash_digest`, `indicator`), and optional
//! `source`, `ideology`, `group`, `category`, `severity`, `content_type` (or `file_type`),
//! `enabled`, `deleted`, `provenance`. On export, a cell that a spreadsheet would run as a
//! formula (leading `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`; import strips
//! that prefix again, so round trips are exact.

use super::{
    check_size, empty_to_none, validate_draft, BankItem, FormatError, HashAlgorithm, ItemDraft,
    Labels, ParseLimits, Parsed, Rejected, Severity,
};

const MAX_FIELDS: usize = 64;

/// A record with its first line, or a rejection with its line.
type RecordResult = Result<(u64, Vec<String>), (u64, String)>;

/// Splits CSV text into records of fields; errors carry the 1-based line of the record.
struct Reader<'a> {
    s: &'a str,
    pos: usize,
    line: u64,
    max_line: usize,
}

impl<'a> Reader<'a> {
    fn next_record(&mut self) -> Option<RecordResult> {
        let b = self.s.as_bytes();
        // Skip blank lines.
        while self.pos < b.len() && (b[self.pos] == b'\n' || b[self.pos] == b'\r') {
            if b[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        if self.pos >= b.len() {
            return None;
        }
        let start_line = self.line + 1;
        let start = self.pos;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut in_quotes = false;
        let mut was_quoted = false;
        loop {
            if self.pos - start > self.max_line {
                // Skip to the next newline outside quotes is unknowable; skip to next newline.
                while self.pos < b.len() && b[self.pos] != b'\n' {
                    self.pos += 1;
                }
                self.line += 1;
                self.pos += 1;
                return Some(Err((
                    start_line,
                    format!("record longer than {} bytes", self.max_line),
                )));
            }
            if self.pos >= b.len() {
                if in_quotes {
                    return Some(Err((start_line, "unterminated quoted field".into())));
                }
                fields.push(std::mem::take(&mut field));
                self.line += 1;
                break;
            }
            // Work on chars so multi-byte text stays intact.
            let c = self.s[self.pos..].chars().next().unwrap_or('\u{FFFD}');
            let len = c.len_utf8();
            if in_quotes {
                if c == '"' {
                    if b.get(self.pos + 1) == Some(&b'"') {
                        field.push('"');
                        self.pos += 2;
                        continue;
                    }
                    in_quotes = false;
                    self.pos += 1;
                    continue;
                }
                if c == '\n' {
                    self.line += 1;
                }
                field.push(c);
                self.pos += len;
                continue;
            }
            match c {
                '"' if field.is_empty() && !was_quoted => {
                    in_quotes = true;
                    was_quoted = true;
                    self.pos += 1;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                    self.pos += 1;
                    if fields.len() > MAX_FIELDS {
                        while self.pos < b.len() && b[self.pos] != b'\n' {
                            self.pos += 1;
                        }
                        self.line += 1;
                        self.pos += 1;
                        return Some(Err((start_line, format!("more than {MAX_FIELDS} fields"))));
                    }
                }
                '\r' if b.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 1;
                }
                '\n' => {
                    fields.push(std::mem::take(&mut field));
                    self.line += 1;
                    self.pos += 1;
                    break;
                }
                _ => {
                    field.push(c);
                    self.pos += len;
                }
            }
        }
        Some(Ok((start_line, fields)))
    }
}

/// Whether a spreadsheet would treat `s` (after any run of leading quotes) as a formula.
fn formula_like(s: &str) -> bool {
    matches!(
        s.trim_start_matches('\'').as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

fn unescape_formula(s: &str) -> &str {
    if s.starts_with('\'') && formula_like(s) {
        &s[1..]
    } else {
        s
    }
}

/// Parses a CSV hash list with a header row.
pub fn parse(input: &[u8], limits: &ParseLimits) -> Result<Parsed, FormatError> {
    check_size(input, limits)?;
    let text = std::str::from_utf8(input)
        .map_err(|e| FormatError::Malformed(format!("not utf-8: {e}")))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut r = Reader {
        s: text,
        pos: 0,
        line: 0,
        max_line: limits.max_line,
    };
    let header = match r.next_record() {
        Some(Ok((_, h))) => h,
        Some(Err((_, e))) => return Err(FormatError::Malformed(format!("header: {e}"))),
        None => return Err(FormatError::Malformed("empty input".into())),
    };
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let c_type = col(&["signal_type", "algorithm", "hash_type", "indicator_type"])
        .ok_or_else(|| FormatError::Malformed("header lacks signal_type".into()))?;
    let c_value = col(&["signal_value", "hash", "hash_digest", "indicator", "signal"])
        .ok_or_else(|| FormatError::Malformed("header lacks signal_value".into()))?;
    let c = |names: &[&str]| col(names);
    let (
        c_source,
        c_ideology,
        c_group,
        c_category,
        c_severity,
        c_ctype,
        c_enabled,
        c_deleted,
        c_prov,
    ) = (
        c(&["source"]),
        c(&["ideology"]),
        c(&["group"]),
        c(&["category"]),
        c(&["severity"]),
        c(&["content_type", "file_type"]),
        c(&["enabled"]),
        c(&["deleted"]),
        c(&["provenance"]),
    );
    let mut out = Parsed::default();
    let mut n = 0usize;
    while let Some(rec) = r.next_record() {
        n += 1;
        if n > limits.max_records {
            return Err(FormatError::TooManyRecords(limits.max_records));
        }
        let (line, fields) = match rec {
            Ok(x) => x,
            Err((line, reason)) => {
                out.rejected.push(Rejected { line, reason });
                continue;
            }
        };
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|s| unescape_formula(s).to_string())
        };
        let row = (|| -> Result<ItemDraft, String> {
            let algorithm = HashAlgorithm::parse(&get(Some(c_type)).unwrap_or_default())
                .map_err(|e| e.to_string())?;
            let digest = get(Some(c_value)).ok_or("missing signal_value")?;
            let severity = match empty_to_none(get(c_severity)) {
                Some(s) => Some(Severity::parse(&s).map_err(|e| e.to_string())?),
                None => None,
            };
            let flag = |v: Option<String>, default: bool| -> Result<bool, String> {
                match empty_to_none(v).map(|s| s.to_ascii_lowercase()) {
                    None => Ok(default),
                    Some(s) if ["true", "1", "yes"].contains(&s.as_str()) => Ok(true),
                    Some(s) if ["false", "0", "no"].contains(&s.as_str()) => Ok(false),
                    Some(s) => Err(format!("{s:?} is not a boolean")),
                }
            };
            let enabled = flag(get(c_enabled), true)? && !flag(get(c_deleted), false)?;
            validate_draft(ItemDraft {
                algorithm,
                digest,
                labels: Labels {
                    source: empty_to_none(get(c_source)),
                    ideology: empty_to_none(get(c_ideology)),
                    group: empty_to_none(get(c_group)),
                    category: empty_to_none(get(c_category)),
                    severity,
                    content_type: empty_to_none(get(c_ctype)),
                },
                enabled,
                provenance: empty_to_none(get(c_prov)),
            })
        })();
        match row {
            Ok(d) => out.drafts.push(d),
            Err(reason) => out.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(out)
}

fn cell(s: &str) -> String {
    let s = if formula_like(s) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Writes items with the full header.
pub fn write<'a>(items: impl IntoIterator<Item = &'a BankItem>) -> Vec<u8> {
    let mut out = String::from("signal_type,signal_value,source,ideology,group,category,severity,content_type,enabled,provenance\n");
    for it in items {
        let l = &it.labels;
        let cols = [
            it.algorithm.as_str().to_string(),
            it.digest.clone(),
            l.source.clone().unwrap_or_default(),
            l.ideology.clone().unwrap_or_default(),
            l.group.clone().unwrap_or_default(),
            l.category.clone().unwrap_or_default(),
            l.severity
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            l.content_type.clone().unwrap_or_default(),
            it.enabled.to_string(),
            it.provenance.clone().unwrap_or_default(),
        ];
        out.push_str(&cols.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out.into_bytes()
}
