//! Minimal hand-rolled JSON emission: output is written straight into byte buffers for speed and fixed formatting.

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal (quotes included); escapes only what JSON requires, so output is stable.
pub fn str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => buf.extend_from_slice(e),
            None => {
                let mut t = String::new();
                let _ = write!(t, "\\u{:04x}", c);
                buf.extend_from_slice(t.as_bytes());
            }
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// Appends `"key":` .
#[inline]
pub fn key(buf: &mut Vec<u8>, k: &str) {
    buf.push(b'"');
    buf.extend_from_slice(k.as_bytes());
    buf.extend_from_slice(b"\":");
}

/// Appends `"key":"value"` with escaping of the value.
#[inline]
pub fn kv(buf: &mut Vec<u8>, k: &str, v: &str) {
    key(buf, k);
    str(buf, v);
}

#[inline]
pub fn int(buf: &mut Vec<u8>, v: i64) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{v}");
}

/// Appends `"key":123`.
#[inline]
pub fn kn(buf: &mut Vec<u8>, k: &str, v: i64) {
    key(buf, k);
    int(buf, v);
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_controls_and_quotes() {
        let mut b = Vec::new();
        super::str(&mut b, "a\"b\\c\n\u{1}é");
        assert_eq!(String::from_utf8(b).unwrap(), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
