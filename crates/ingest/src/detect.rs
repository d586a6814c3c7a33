//! `--format auto`: name an input's format from its first bytes.

use crate::Format;
use std::io::Read;
use std::path::Path;

/// Detect the format of a file by reading its first 64 KiB.
pub fn detect_path(path: &Path) -> std::io::Result<Option<Format>> {
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; 64 << 10];
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    Ok(detect(&head))
}

/// Detect the format from the first bytes of an input.
pub fn detect(head: &[u8]) -> Option<Format> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if head.first() != Some(&b'{') {
        return None;
    }
    // A complete first line: look at its keys.
    if let Some(i) = memchr::memchr(b'\n', head) {
        if let Ok(serde_json::Value::Object(m)) =
            serde_json::from_slice::<serde_json::Value>(&head[..i])
        {
            return from_keys(&m);
        }
    } else if let Ok(serde_json::Value::Object(m)) =
        serde_json::from_slice::<serde_json::Value>(head)
    {
        return from_keys(&m);
    }
    // A pretty-printed or huge document: the first key and a few tell-tale keys decide.
    let has = |k: &str| memchr::memmem::find(head, k.as_bytes()).is_some();
    let first_key = first_key(head)?;
    match first_key.as_str() {
        "kind" => Some(Format::Native),
        "response" => Some(Format::Vk),
        "about" | "personal_information" | "chats" | "messages" => Some(Format::Telegram),
        "name" if has("\"messages\"") || has("\"date_unixtime\"") => Some(Format::Telegram),
        "data" | "paging" | "includes" | "meta" => {
            if has("\"created_time\"") || has("\"permalink_url\"") || has("\"paging\"") {
                Some(Format::Facebook)
            } else {
                Some(Format::Twitter)
            }
        }
        _ if has("\"date_unixtime\"") => Some(Format::Telegram),
        _ if has("\"author_id\"") || has("\"edit_history_tweet_ids\"") => Some(Format::Twitter),
        _ => None,
    }
}

fn first_key(head: &[u8]) -> Option<String> {
    let rest = &head[1..];
    let s = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &rest[s..];
    if rest.first() != Some(&b'"') {
        return None;
    }
    let end = memchr::memchr(b'"', &rest[1..])?;
    std::str::from_utf8(&rest[1..1 + end])
        .ok()
        .map(str::to_string)
}

fn from_keys(m: &serde_json::Map<String, serde_json::Value>) -> Option<Format> {
    use serde_json::Value;
    if let Some(Value::String(k)) = m.get("kind") {
        if matches!(k.as_str(), "post" | "account" | "enforcement") {
            return Some(Format::Native);
        }
    }
    if m.contains_key("response") {
        return Some(Format::Vk);
    }
    if m.contains_key("messages")
        || m.contains_key("chats")
        || m.contains_key("personal_information")
    {
        return Some(Format::Telegram);
    }
    let looks_fb = |v: &Value| {
        v.get("created_time").is_some()
            || v.get("permalink_url").is_some()
            || (v.get("message").is_some() && v.get("from").is_some())
    };
    let looks_tw = |v: &Value| {
        v.get("author_id").is_some()
            || v.get("edit_history_tweet_ids").is_some()
            || v.get("username").is_some()
    };
    if m.contains_key("paging") {
        return Some(Format::Facebook);
    }
    if m.contains_key("includes") || m.contains_key("matching_rules") {
        return Some(Format::Twitter);
    }
    match m.get("data") {
        Some(Value::Array(a)) => match a.first() {
            Some(v) if looks_fb(v) => Some(Format::Facebook),
            Some(v) if looks_tw(v) || v.get("text").is_some() => Some(Format::Twitter),
            None if m.contains_key("meta") => Some(Format::Twitter),
            _ => None,
        },
        Some(v @ Value::Object(_)) if looks_tw(v) || v.get("text").is_some() => {
            Some(Format::Twitter)
        }
        Some(_) => None,
        None => {
            let v = Value::Object(m.clone());
            if looks_tw(&v) && m.contains_key("text") {
                Some(Format::Twitter)
            } else if m.contains_key("meta") {
                Some(Format::Twitter)
            } else {
                None
            }
        }
    }
}
