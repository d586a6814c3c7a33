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
    let mut scratch = Vec::new();
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
                    Ok(rec) => em.emit(rec, no, bytes),
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

/// Parse one native line. vigil writes `{"kind":"post",...}` first, and that common shape
/// is parsed straight into its struct; anything else goes through the tagged enum.
pub fn parse_line(bytes: &[u8], scratch: &mut Vec<u8>) -> Result<Record, String> {
    const PREFIXES: [(&[u8], u8); 3] = [
        (b"{\"kind\":\"post\",", 0),
        (b"{\"kind\":\"account\",", 1),
        (b"{\"kind\":\"enforcement\",", 2),
    ];
    for (prefix, which) in PREFIXES {
        if bytes.starts_with(prefix) {
            scratch.clear();
            scratch.push(b'{');
            scratch.extend_from_slice(&bytes[prefix.len()..]);
            let r = match which {
                0 => serde_json::from_slice::<Post>(scratch).map(Record::Post),
                1 => serde_json::from_slice::<Account>(scratch).map(Record::Account),
                _ => serde_json::from_slice::<Enforcement>(scratch).map(Record::Enforcement),
            };
            // Column numbers shift by the stripped prefix.
            return r.map_err(|e| json_reason(bytes, &e, prefix.len() - 1));
        }
    }
    serde_json::from_slice::<Record>(bytes).map_err(|e| json_reason(bytes, &e, 0))
}

/// A short, stable reason for a serde_json failure on `bytes`.
pub(crate) fn json_reason(bytes: &[u8], e: &serde_json::Error, col_shift: usize) -> String {
    if let Err(u) = std::str::from_utf8(bytes) {
        return format!("invalid UTF-8 at byte {}", u.valid_up_to());
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
