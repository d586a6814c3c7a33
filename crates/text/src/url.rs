//! URL canonicalization, IDN, registrable domain, shortener flags and cross-platform pointers; never performs IO.

use serde::{Deserialize, Serialize};

use crate::entities::Span;

/// Longest raw URL accepted for analysis (bytes); longer input is refused, not truncated.
pub const MAX_URL_BYTES: usize = 8192;

/// A platform a link points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// t.me, telegram.me, telegram.dog
    Telegram,
    /// vk.com, vk.ru, m.vk.com
    Vk,
    /// facebook.com, fb.com, m.facebook.com, fb.me
    Facebook,
    /// twitter.com, x.com, mobile.twitter.com
    Twitter,
}

/// A link that names an account or channel on another platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlatformPointer {
    /// Which platform.
    pub platform: Platform,
    /// Account, channel or group name, lowercased (platform names are case-insensitive).
    /// Telegram invite links keep their `+hash` / `joinchat/hash` form.
    pub handle: String,
}

/// Everything vigil derives from one URL, without resolving it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlInfo {
    /// The URL as written.
    pub raw: String,
    /// Canonical form: lowercase scheme and ASCII host, default port, fragment,
    /// userinfo and tracking parameters dropped; other parameters kept in order.
    pub canonical: String,
    /// Host in Unicode (IDNA to_unicode of the ASCII host).
    pub host_unicode: String,
    /// Host in ASCII (punycode).
    pub host_ascii: String,
    /// Registrable domain (eTLD+1) from the Public Suffix List; None for IPs and bare suffixes.
    pub registrable_domain: Option<String>,
    /// A known link shortener; the target is hidden and is never fetched.
    pub is_shortener: bool,
    /// The URL carried userinfo (`user@host`), a classic way to disguise the real host.
    pub had_userinfo: bool,
    /// Cross-platform pointer, if the link names an account on a known platform.
    pub pointer: Option<PlatformPointer>,
    /// Where the URL sits in the analysed text (None for [`canonicalize_url`] on a bare string).
    pub span: Option<Span>,
}

const SHORTENERS: &[&str] = &[
    "adf.ly",
    "bit.do",
    "bit.ly",
    "bitly.com",
    "buff.ly",
    "clck.ru",
    "cutt.ly",
    "dlvr.it",
    "fb.me",
    "goo.gl",
    "is.gd",
    "j.mp",
    "lnkd.in",
    "ow.ly",
    "qr.ae",
    "rb.gy",
    "rebrand.ly",
    "s.id",
    "shorturl.at",
    "t.co",
    "t.ly",
    "tiny.cc",
    "tinyurl.com",
    "trib.al",
    "v.gd",
    "vk.cc",
    "wp.me",
    "youtu.be",
    "t.ly",
    "shorte.st",
    "soo.gd",
    "bl.ink",
    "short.io",
    "tiny.one",
    "x.gd",
    "urlz.fr",
    "u.to",
    "gg.gg",
];

/// Query parameters that only track the click and never select content.
fn is_tracking_param(key: &str, host: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if k.starts_with("utm_")
        || k.starts_with("_hs")
        || k.starts_with("pk_")
        || k.starts_with("mtm_")
    {
        return true;
    }
    if matches!(
        k.as_str(),
        "fbclid"
            | "gclid"
            | "dclid"
            | "gbraid"
            | "wbraid"
            | "msclkid"
            | "yclid"
            | "igshid"
            | "igsh"
            | "mc_eid"
            | "mc_cid"
            | "si"
            | "_ga"
            | "_gl"
            | "ref_src"
            | "ref_url"
            | "twclid"
            | "ttclid"
            | "mkt_tok"
            | "oly_enc_id"
            | "oly_anon_id"
            | "vero_id"
            | "__twitter_impression"
            | "hsctatracking"
            | "spm"
            | "scid"
            | "feature"
            | "rcm"
            | "wt.mc_id"
    ) {
        return true;
    }
    // Share-sheet parameters on X/Twitter links ("?s=20&t=…").
    let social = matches!(
        host,
        "twitter.com" | "x.com" | "mobile.twitter.com" | "www.twitter.com" | "www.x.com"
    );
    social && matches!(k.as_str(), "s" | "t")
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" => Some("80"),
        "https" => Some("443"),
        "ftp" => Some("21"),
        _ => None,
    }
}

fn split_scheme(raw: &str) -> (Option<&str>, &str) {
    if let Some(pos) = raw.find("://") {
        let scheme = &raw[..pos];
        let mut chars = scheme.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && scheme.len() <= 16
        {
            return (Some(scheme), &raw[pos + 3..]);
        }
    }
    (None, raw)
}

/// Canonicalizes one URL. Returns None when there is no usable host.
/// Pure string work: nothing is resolved or fetched.
pub fn canonicalize_url(raw: &str) -> Option<UrlInfo> {
    let trimmed = raw.trim();
    if trimmed.is_empty()
        || trimmed.len() > MAX_URL_BYTES
        || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    let (scheme, rest) = split_scheme(trimmed);
    let scheme = scheme
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_else(|| "http".to_string());
    let auth_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let after = &rest[auth_end..];
    let (had_userinfo, hostport) = match authority.rfind('@') {
        Some(p) => (true, &authority[p + 1..]),
        None => (false, authority),
    };
    // Split port (IPv6 literals are bracketed).
    let (host_raw, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        let close = stripped.find(']')?;
        let host = &hostport[..close + 2];
        let port = hostport[close + 2..].strip_prefix(':');
        (host, port)
    } else {
        match hostport.rfind(':') {
            Some(p) => (&hostport[..p], Some(&hostport[p + 1..])),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 5 => {
            let trimmed_port = p.trim_start_matches('0');
            let trimmed_port = if trimmed_port.is_empty() {
                "0"
            } else {
                trimmed_port
            };
            if default_port(&scheme) == Some(trimmed_port) {
                None
            } else {
                Some(trimmed_port.to_string())
            }
        }
        Some(_) => return None,
        None => None,
    };
    let host_raw = host_raw.trim_end_matches('.');
    if host_raw.is_empty() {
        return None;
    }
    let host_ascii = if host_raw.starts_with('[') {
        host_raw.to_ascii_lowercase()
    } else {
        // IDNA maps some characters to nothing (U+200B), which can leave a trailing dot or
        // nothing at all (`.\u{200b}`): trim again, or the canonical form would not re-parse.
        let a = idna::domain_to_ascii(host_raw).ok()?;
        a.trim_end_matches('.').to_string()
    };
    if host_ascii.is_empty() || host_ascii.len() > 253 {
        return None;
    }
    let host_ok = if host_ascii.starts_with('[') {
        host_ascii
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b'[' | b']' | b':' | b'.'))
    } else {
        host_ascii
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    };
    if !host_ok {
        return None;
    }
    let host_unicode = if host_ascii.contains("xn--") {
        idna::domain_to_unicode(&host_ascii).0
    } else {
        host_ascii.clone()
    };
    let registrable_domain = if host_ascii.starts_with('[')
        || host_ascii.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        None
    } else {
        psl::domain_str(&host_ascii).map(str::to_string)
    };

    // Path, query; the fragment is dropped.
    let without_fragment = after.split('#').next().unwrap_or("");
    let (path, query) = match without_fragment.find('?') {
        Some(q) => (&without_fragment[..q], Some(&without_fragment[q + 1..])),
        None => (without_fragment, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut canonical = String::with_capacity(trimmed.len() + 8);
    canonical.push_str(&scheme);
    canonical.push_str("://");
    canonical.push_str(&host_ascii);
    if let Some(p) = &port {
        canonical.push(':');
        canonical.push_str(p);
    }
    canonical.push_str(path);
    let mut params: Vec<&str> = Vec::new();
    if let Some(q) = query {
        for pair in q.split('&') {
            if pair.is_empty() {
                continue;
            }
            let key = pair.split('=').next().unwrap_or("");
            if !is_tracking_param(key, &host_ascii) {
                params.push(pair);
            }
        }
    }
    if !params.is_empty() {
        canonical.push('?');
        canonical.push_str(&params.join("&"));
    }

    let is_shortener = SHORTENERS.contains(&host_ascii.as_str())
        || registrable_domain
            .as_deref()
            .is_some_and(|d| SHORTENERS.contains(&d));
    let pointer = platform_pointer(&host_ascii, path, query);
    Some(UrlInfo {
        raw: raw.to_string(),
        canonical,
        host_unicode,
        host_ascii,
        registrable_domain,
        is_shortener,
        had_userinfo,
        pointer,
        span: None,
    })
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn valid_name(s: &str, max: usize, extra: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
}

fn platform_pointer(host: &str, path: &str, query: Option<&str>) -> Option<PlatformPointer> {
    let mut h = host;
    for prefix in ["www.", "m.", "mobile.", "web.", "mbasic.", "touch."] {
        if let Some(s) = h.strip_prefix(prefix) {
            h = s;
        }
    }
    let mut segs = segments(path);
    let first = segs.next();
    let ptr = |platform, handle: &str| {
        Some(PlatformPointer {
            platform,
            handle: handle.to_ascii_lowercase(),
        })
    };
    match h {
        "t.me" | "telegram.me" | "telegram.dog" => {
            let first = first?;
            if first == "s" {
                let name = segs.next()?;
                return if valid_name(name, 64, &[]) {
                    ptr(Platform::Telegram, name)
                } else {
                    None
                };
            }
            if first == "joinchat" {
                let hash = segs.next()?;
                return valid_name(hash, 64, b"-").then(|| PlatformPointer {
                    platform: Platform::Telegram,
                    handle: format!("joinchat/{hash}"),
                });
            }
            if let Some(hash) = first.strip_prefix('+') {
                return valid_name(hash, 64, b"-").then(|| PlatformPointer {
                    platform: Platform::Telegram,
                    handle: format!("+{hash}"),
                });
            }
            if matches!(
                first,
                "share"
                    | "addstickers"
                    | "addemoji"
                    | "proxy"
                    | "socks"
                    | "setlanguage"
                    | "iv"
                    | "login"
                    | "c"
            ) {
                return None;
            }
            if valid_name(first, 64, &[]) {
                ptr(Platform::Telegram, first)
            } else {
                None
            }
        }
        "vk.com" | "vk.ru" | "vkontakte.ru" => {
            let first = first?;
            const RESERVED: &[&str] = &[
                "away.php",
                "share.php",
                "feed",
                "search",
                "im",
                "login",
                "video",
                "audio",
                "music",
                "photos",
                "friends",
                "groups",
                "settings",
                "apps",
                "app",
                "docs",
                "wall",
                "dev",
                "support",
                "terms",
                "privacy",
                "about",
                "blog",
                "jobs",
                "ads",
                "legal",
                "restore",
                "join",
                "help",
                "doc",
                "topic",
            ];
            if RESERVED.contains(&first)
                || first.starts_with("wall")
                || first.starts_with("photo")
                || first.starts_with("video")
            {
                return None;
            }
            if valid_name(first, 64, b".") {
                ptr(Platform::Vk, first)
            } else {
                None
            }
        }
        "facebook.com" | "fb.com" | "fb.me" => {
            let first = first?;
            if first == "profile.php" {
                let id = query?.split('&').find_map(|p| p.strip_prefix("id="))?;
                return (valid_name(id, 32, &[])).then(|| PlatformPointer {
                    platform: Platform::Facebook,
                    handle: id.to_string(),
                });
            }
            if first == "groups" || first == "pages" {
                let name = segs.next()?;
                return valid_name(name, 100, b".-").then(|| PlatformPointer {
                    platform: Platform::Facebook,
                    handle: format!("{first}/{}", name.to_ascii_lowercase()),
                });
            }
            const RESERVED: &[&str] = &[
                "sharer",
                "sharer.php",
                "share",
                "share.php",
                "dialog",
                "login",
                "login.php",
                "watch",
                "events",
                "photo",
                "photo.php",
                "photos",
                "story.php",
                "permalink.php",
                "help",
                "policies",
                "privacy",
                "settings",
                "hashtag",
                "search",
                "marketplace",
                "gaming",
                "reel",
                "reels",
                "stories",
                "l.php",
                "home.php",
                "notifications",
                "messages",
                "friends",
                "people",
                "plugins",
                "tr",
                "ads",
                "business",
            ];
            if RESERVED.contains(&first) {
                return None;
            }
            if valid_name(first, 100, b".") {
                ptr(Platform::Facebook, first)
            } else {
                None
            }
        }
        "twitter.com" | "x.com" => {
            let first = first?;
            const RESERVED: &[&str] = &[
                "i",
                "search",
                "hashtag",
                "intent",
                "share",
                "home",
                "explore",
                "settings",
                "messages",
                "notifications",
                "login",
                "logout",
                "signup",
                "tos",
                "privacy",
                "compose",
                "account",
                "about",
                "download",
                "who_to_follow",
                "following",
                "followers",
                "lists",
                "topics",
                "jobs",
                "rules",
                "help",
                "oauth",
                "personalization",
                "search-advanced",
                "en",
                "user",
                "status",
                "statuses",
            ];
            if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(first)) {
                return None;
            }
            if valid_name(first, 15, &[]) {
                ptr(Platform::Twitter, first)
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_basics() {
        let u = canonicalize_url("HTTPS://Example.COM:443/a/b?utm_source=x&id=3&fbclid=y#frag")
            .unwrap();
        assert_eq!(u.canonical, "https://example.com/a/b?id=3");
        assert_eq!(u.registrable_domain.as_deref(), Some("example.com"));
        let u = canonicalize_url("http://пример.рф/путь").unwrap();
        assert_eq!(u.host_ascii, "xn--e1afmkfd.xn--p1ai");
        assert_eq!(u.host_unicode, "пример.рф");
        let u = canonicalize_url("bit.ly/abc").unwrap();
        assert!(u.is_shortener);
        let u = canonicalize_url("https://news.bbc.co.uk/x").unwrap();
        assert_eq!(u.registrable_domain.as_deref(), Some("bbc.co.uk"));
    }

    #[test]
    fn pointers() {
        let p = |s: &str| canonicalize_url(s).and_then(|u| u.pointer);
        assert_eq!(
            p("https://t.me/ExampleChannel").unwrap().handle,
            "examplechannel"
        );
        assert_eq!(
            p("https://t.me/s/examplechannel").unwrap().platform,
            Platform::Telegram
        );
        assert_eq!(
            p("https://vk.com/example_group").unwrap().platform,
            Platform::Vk
        );
        assert_eq!(
            p("https://m.facebook.com/example.page").unwrap().handle,
            "example.page"
        );
        assert_eq!(
            p("https://x.com/example_user/status/1").unwrap().handle,
            "example_user"
        );
        assert!(p("https://twitter.com/i/web/status/1").is_none());
        assert!(p("https://twitter.com/search?q=x").is_none());
        assert!(p("https://twitter.com/hashtag/x").is_none());
        assert!(p("https://twitter.com/intent/tweet").is_none());
        assert!(p("https://twitter.com/share").is_none());
    }

    #[test]
    fn userinfo_is_not_the_host() {
        let u = canonicalize_url("http://twitter.com@example.net/x").unwrap();
        assert_eq!(u.host_ascii, "example.net");
        assert!(u.had_userinfo);
    }
}
