//! vigil's native NDJSON: one [`Record`] per line, as `vigil scan` writes it (docs/FORMAT.md).

use crate::{lines, Emitter, Limits};
use std::io::{self, BufRead};
use vigil_model::{Account, Enforcement, Post, Record};

pub(crate) fn read<R: BufRead>(
    src: R,
    limits: &Limits,
    em: &mut Emitter<'_>,
    progress: &mut dyn FnMut(u64),
) -> io::Result<()> {
    let mut lines = lines::LineReader::new(src, limits.max_line);
    let mut scratch = String::new();
    let mut last = 0;
    while let Some(line) = lines.next_line()? {
        match line {
            lines::Line::Text {
                no,
                bytes,
                terminated,
            } => {
                if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                match parse_line(bytes, &mut scratch) {
                    Ok(rec) => em.emit(qualify_ids(rec), no, bytes),
                    Err(reason) => {
                        let reason = if terminated {
                            reason
                        } else {
                            format!("truncated last line: {reason}")
                        };
                        em.quarantine_at(no, &reason, bytes)
                    }
                }
            }
            lines::Line::TooLong { no, len, prefix } => em.quarantine_at(
                no,
                &format!(
                    "line of {len} bytes exceeds the {} byte bound",
                    limits.max_line
                ),
                prefix,
            ),
        }
        let n = lines.bytes_read();
        if n - last > 1 << 20 {
            progress(n - last);
            last = n;
        }
    }
    progress(lines.bytes_read() - last);
    Ok(())
}

/// Parse one native line. The line's UTF-8 is validated once up front (SIMD), so serde can
/// parse from `&str` without re-validating every string. vigil writes `{"kind":"post",...}`
/// first, and that common shape is parsed straight into its struct; anything else goes
/// through the tagged enum.
pub fn parse_line(bytes: &[u8], scratch: &mut String) -> Result<Record, String> {
    let Ok(text) = simdutf8::basic::from_utf8(bytes) else {
        return Err(utf8_reason(bytes));
    };
    const PREFIXES: [(&str, u8); 3] = [
        ("{\"kind\":\"post\",", 0),
        ("{\"kind\":\"account\",", 1),
        ("{\"kind\":\"enforcement\",", 2),
    ];
    for (prefix, which) in PREFIXES {
        if let Some(rest) = text.strip_prefix(prefix) {
            scratch.clear();
            scratch.push('{');
            scratch.push_str(rest);
            let r = match which {
                0 => serde_json::from_str::<Post>(scratch).map(Record::Post),
                1 => serde_json::from_str::<Account>(scratch).map(Record::Account),
                _ => serde_json::from_str::<Enforcement>(scratch).map(Record::Enforcement),
            };
            // Column numbers shift by the stripped prefix.
            return r.map_err(|e| json_reason(bytes, &e, prefix.len() - 1));
        }
    }
    serde_json::from_str::<Record>(text).map_err(|e| json_reason(bytes, &e, 0))
}

fn utf8_reason(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Err(u) => format!("invalid UTF-8 at byte {}", u.valid_up_to()),
        Ok(_) => "invalid UTF-8".to_string(),
    }
}

/// Native ids may be given bare (`"account_id":"123"` beside `"platform":"vk"`) or qualified
/// (`"vk:123"`); vigil stores them qualified.
pub fn qualify_ids(rec: Record) -> Record {
    fn q(platform: &vigil_model::Platform, id: &mut String) {
        let p = platform.as_str();
        if !(id.len() > p.len() && id.as_bytes()[p.len()] == b':' && id.starts_with(p)) {
            *id = platform.id(id);
        }
    }
    match rec {
        Record::Post(mut p) => {
            q(&p.platform, &mut p.id);
            q(&p.platform, &mut p.account_id);
            for r in [&mut p.reply_to, &mut p.repost_of, &mut p.quote_of]
                .into_iter()
                .flatten()
            {
                q(&p.platform, r);
            }
            Record::Post(p)
        }
        Record::Account(mut a) => {
            q(&a.platform, &mut a.id);
            Record::Account(a)
        }
        Record::Enforcement(mut e) => {
            q(&e.platform, &mut e.account_id);
            if let Some(pid) = e.post_id.as_mut() {
                q(&e.platform, pid);
            }
            Record::Enforcement(e)
        }
    }
}

/// A short, stable reason for a serde_json failure on `bytes`.
pub(crate) fn json_reason(bytes: &[u8], e: &serde_json::Error, col_shift: usize) -> String {
    if simdutf8::basic::from_utf8(bytes).is_err() {
        return utf8_reason(bytes);
    }
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    };
    let what = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "invalid JSON",
        serde_json::error::Category::Data => "invalid record",
        serde_json::error::Category::Io => "read error",
    };
    if e.column() > 0 {
        format!("{what} at column {}: {msg}", e.column() + col_shift)
    } else {
        format!("{what}: {msg}")
    }
}
