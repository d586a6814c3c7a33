//! The page frame and the helpers every page renders hostile text through. maud escapes every
//! interpolated value; these helpers add bidi isolation, visible control characters in
//! identifiers, length bounds, and links only for http(s) URLs.

use crate::session::Session;
use crate::strings::{t, Msg};
use maud::{html, Markup, DOCTYPE};
use vigil_cases::Role;

/// Longest piece of content text shown as is; the rest is cut with an ellipsis.
pub const MAX_TEXT: usize = 10_000;
/// Longest identifier, handle or URL shown.
pub const MAX_IDENT: usize = 300;

/// The navigation a page is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Queue,
    Banks,
    Rules,
    Audit,
    Settings,
    None,
}

/// Pages analysts and admins may open, but moderators not (banks, rules, audit).
pub const ANALYSIS: &[Role] = &[Role::Analyst, Role::Admin];
/// Who may claim and decide.
pub const REVIEW: &[Role] = &[Role::Moderator, Role::Admin];

/// The whole page around `body`.
pub fn page(title: &str, sess: Option<&Session>, nav: Nav, body: Markup) -> Markup {
    let link = |n: Nav, href: &str, m: Msg| {
        html! { a.on[nav == n] href=(href) { (t(m)) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,"historyCacheSize":0}"#;
                title { (title) " · " (t(Msg::AppName)) }
                link rel="stylesheet" href="/static/console.css";
                script src="/static/htmx.min.js" defer {}
                script src="/static/console.js" defer {}
            }
            body {
                header.top {
                    span.brand { "vigil" }
                    @if let Some(s) = sess {
                        nav {
                            (link(Nav::Dashboard, "/", Msg::NavDashboard))
                            (link(Nav::Queue, "/queue", Msg::NavQueue))
                            @if ANALYSIS.contains(&s.user.role) {
                                (link(Nav::Banks, "/banks", Msg::NavBanks))
                                (link(Nav::Rules, "/rules", Msg::NavRules))
                                (link(Nav::Audit, "/audit", Msg::NavAudit))
                            }
                            (link(Nav::Settings, "/settings", Msg::NavSettings))
                        }
                        span.who {
                            span.ident { (s.user.name) } span.pill { (s.user.role.as_str()) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { (t(Msg::LogOut)) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn cut(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

/// The controls that close every embedding and isolate `s` leaves open. An element's own
/// isolation is not enough: an unmatched isolate initiator inside it takes the element's
/// closing PDI as its own, and the text after the element is then reordered.
pub fn bidi_closers(s: &str) -> String {
    let mut stack = Vec::new();
    for c in s.chars() {
        match c {
            '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' => stack.push('\u{202C}'),
            '\u{2066}' | '\u{2067}' | '\u{2068}' => stack.push('\u{2069}'),
            '\u{202C}' if stack.last() == Some(&'\u{202C}') => {
                stack.pop();
            }
            '\u{2069}' => {
                if let Some(i) = stack.iter().rposition(|x| *x == '\u{2069}') {
                    stack.truncate(i);
                }
            }
            // A paragraph break ends every embedding and isolate.
            '\n' | '\r' | '\u{2029}' | '\u{1C}'..='\u{1E}' | '\u{85}' => stack.clear(),
            _ => {}
        }
    }
    stack.iter().rev().collect()
}

/// Content text (a post, a bio, a display name): isolated so that right-to-left text and
/// bidi overrides inside it cannot reorder the page around it; long text is cut.
pub fn text(s: &str) -> Markup {
    snippet(s, MAX_TEXT)
}

/// Short content text, e.g. in a queue row.
pub fn snippet(s: &str, max: usize) -> Markup {
    let (s, more) = cut(s, max);
    html! { bdi dir="auto" { (s) (bidi_closers(s)) @if more { "…" } } }
}

/// An identifier, handle or URL: bidi and other invisible controls are shown as visible
/// code points, so a U+202E override cannot make `moc.elpmaxe` pass for something else.
pub fn ident(s: &str) -> Markup {
    let (s, more) = cut(s, MAX_IDENT);
    html! {
        bdi.ident dir="ltr" {
            @for part in split_controls(s) {
                @match part {
                    Part::Text(x) => (x),
                    Part::Ctrl(c) => span.ctrl title="control character" { "⟨U+" (format!("{:04X}", c as u32)) "⟩" },
                }
            }
            @if more { "…" }
        }
    }
}

enum Part<'a> {
    Text(&'a str),
    Ctrl(char),
}

fn split_controls(s: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if is_bidi_control(c) || (c.is_control() && c != '\n') || c == '\u{200B}' || c == '\u{FEFF}'
        {
            if start < i {
                out.push(Part::Text(&s[start..i]));
            }
            out.push(Part::Ctrl(c));
            start = i + c.len_utf8();
        }
    }
    if start < s.len() {
        out.push(Part::Text(&s[start..]));
    }
    out
}

/// Whether a URL from content may become a live link: http or https only, no whitespace or
/// control characters, bounded length.
pub fn linkable(url: &str) -> bool {
    let u = url.trim_start();
    let lower: String = u.chars().take(8).flat_map(char::to_lowercase).collect();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && u.len() <= 2048
        && !u
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c))
}

/// A URL found in content: a link that leaks nothing (no referrer, no opener, no follow) when
/// its scheme is http or https, plain text otherwise (`javascript:`, `data:`, anything).
pub fn ext_link(url: &str) -> Markup {
    if linkable(url) {
        html! { a href=(url.trim_start()) rel="noopener noreferrer nofollow" target="_blank" referrerpolicy="no-referrer" { (ident(url)) } }
    } else {
        html! { span.muted { (ident(url)) } }
    }
}

/// Percent-encode a query value.
pub fn enc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A link to an entity's own page.
pub fn entity_href(kind: vigil_model::EntityKind, id: &str) -> String {
    use vigil_model::EntityKind as K;
    match kind {
        K::Account => format!("/account?id={}", enc(id)),
        K::Post => format!("/post?id={}", enc(id)),
        K::Campaign | K::Cluster => format!("/campaign?kind={}&id={}", kind.as_str(), enc(id)),
    }
}

/// ms since epoch as RFC 3339 UTC.
pub fn when(ms: i64) -> String {
    vigil_model::format_rfc3339_ms(ms)
}

/// A duration in ms, for people.
pub fn dur(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else {
        format!("{:.1} h", s as f64 / 3600.0)
    }
}

/// A media tile, blurred and greyscaled until clicked (unless the user chose otherwise). The
/// console never fetches a URL from content, so the tile is a pattern drawn from the media's
/// hash, with its metadata; an installation that stores media bytes would serve them here.
pub fn media_tile(m: &vigil_model::Media, reveal: bool) -> Markup {
    let seed = m
        .sha256
        .as_deref()
        .or(m.md5.as_deref())
        .or(m.key.as_deref())
        .unwrap_or("");
    let h = vigil_store::cases::sha256_hex(seed.as_bytes());
    let bytes: Vec<u8> = (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect();
    let kind = serde_json::to_value(m.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    html! {
        figure.media.blurred[!reveal] role="button" tabindex="0" aria-pressed=(if reveal { "true" } else { "false" }) title=(t(Msg::MediaReveal)) {
            svg viewBox="0 0 8 6" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" {
                @for (i, b) in bytes.iter().take(48).enumerate() {
                    rect x=(i % 8) y=(i / 8) width="1" height="1"
                        fill=(format!("#{:02x}{:02x}{:02x}", b, b.rotate_left(3), b.rotate_left(5))) {}
                }
            }
            figcaption {
                (kind)
                @if let (Some(w), Some(hh)) = (m.width, m.height) { " " (w) "×" (hh) }
                @if let Some(s) = &m.sha256 { br; "sha256 " span.ident { (snippet(s, 16)) } }
            }
        }
    }
}

/// A horizontal bar for a value in [0, 1], drawn as SVG (the CSP forbids inline style).
pub fn bar(v: f64) -> Markup {
    let w = (v.clamp(0.0, 1.0) * 100.0).round();
    html! {
        svg.breakdown width="100" height="8" viewBox="0 0 100 8" aria-hidden="true" {
            rect.bg x="0" y="0" width="100" height="8" {}
            rect.fg x="0" y="0" width=(w) height="8" {}
        }
    }
}

/// A JSON explanation, rendered generically: objects as key/value lists, arrays cut at 50
/// items, depth cut at 6, every string bidi-isolated.
pub fn json(v: &serde_json::Value) -> Markup {
    json_at(v, 0)
}

fn json_at(v: &serde_json::Value, depth: usize) -> Markup {
    use serde_json::Value as V;
    if depth > 6 {
        return html! { span.muted { "…" } };
    }
    match v {
        V::Null => html! { span.muted { "null" } },
        V::Bool(b) => html! { code { (b) } },
        V::Number(n) => html! { code { (n) } },
        V::String(s) => {
            if s.contains("://") || s.starts_with("javascript:") || s.starts_with("data:") {
                ext_link(s)
            } else {
                snippet(s, 2000)
            }
        }
        V::Array(a) => html! {
            @if a.is_empty() { span.muted { "[]" } } @else {
                ol.json {
                    @for x in a.iter().take(50) { li { (json_at(x, depth + 1)) } }
                    @if a.len() > 50 { li.muted { (a.len() - 50) " " (t(Msg::MoreMembers)) } }
                }
            }
        },
        V::Object(o) => html! {
            div.json { dl.kv {
                @for (k, x) in o.iter().take(100) {
                    dt { (ident(k)) }
                    dd { (json_at(x, depth + 1)) }
                }
            } }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_are_live() {
        for u in [
            "http://example.org/a",
            "HTTPS://example.org",
            "  https://x.test/",
        ] {
            assert!(linkable(u), "{u}");
        }
        for u in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "https://x.test/\u{202E}gpj.exe",
            "https://x.test/ a",
            "//evil.test",
            "java\nscript:alert(1)",
        ] {
            assert!(!linkable(u), "{u}");
            assert!(!ext_link(u).into_string().contains("href"), "{u}");
        }
    }

    #[test]
    fn idents_show_controls_and_text_is_isolated() {
        let s = ident("a\u{202E}b").into_string();
        assert!(s.contains("U+202E") && !s.contains('\u{202E}'), "{s}");
        let s = text("<script>x</script>\u{202E}").into_string();
        assert!(s.starts_with("<bdi dir=\"auto\">&lt;script&gt;"), "{s}");
        assert!(
            s.contains("\u{202E}\u{202C}</bdi>"),
            "override closed: {s:?}"
        );
        assert_eq!(bidi_closers("a\u{2067}b\u{202B}c"), "\u{202C}\u{2069}");
        assert_eq!(bidi_closers("\u{2067}\u{202B}x\u{2069}"), "");
        assert_eq!(bidi_closers("\u{202E}x\u{202C}\u{202C}"), "");
        assert_eq!(bidi_closers("\u{202E}x\ny"), "");
        assert_eq!(enc("a b/ü"), "a%20b%2F%C3%BC");
        let long = "x".repeat(MAX_TEXT + 10);
        assert!(text(&long).into_string().len() < MAX_TEXT + 100);
    }
}
