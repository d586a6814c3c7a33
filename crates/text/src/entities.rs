//! Hashtag, mention, URL and cashtag extraction that reproduces twitter-text's rules, written as linear scanners.
//!
//! twitter-text defines its entities with large regular expressions. This module
//! re-states the same rules as hand-written scanners over a `char` array so that
//! the work is linear (no backtracking blow-up on hostile input) and indices come
//! out both as UTF-16 code units (what twitter-text reports) and as byte offsets.
//! The conformance file `extract.yml` is the specification; see `tests/twitter_text.rs`.

use serde::{Deserialize, Serialize};
use unicode_general_category::{get_general_category, GeneralCategory as Gc};

use crate::tlds::{ASCII_TLDS, UNICODE_TLDS};

/// Longest t.co slug twitter-text accepts.
const MAX_TCO_SLUG: usize = 40;
/// Longest URL twitter-text accepts (in UTF-16 units after punycode expansion of the host).
const MAX_URL_LENGTH: usize = 4096;

/// Where an entity sits in the text: UTF-16 code units (as twitter-text reports) and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Start, in UTF-16 code units.
    pub start: u32,
    /// End (exclusive), in UTF-16 code units.
    pub end: u32,
    /// Start byte offset into the original `&str` (always a char boundary).
    pub byte_start: usize,
    /// End byte offset (exclusive, always a char boundary).
    pub byte_end: usize,
}

/// A hashtag as twitter-text extracts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashtag {
    /// The tag without its `#`, exactly as written.
    pub text: String,
    /// Normalized key (NFKC, case fold, evasion fold, confusable skeleton) so that
    /// visual and case variants of one tag meet; see [`crate::hashtag_key`].
    pub key: String,
    /// Position of `#tag` in the original text.
    pub span: Span,
}

/// A mention (or list reference) as twitter-text extracts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// Screen name without `@`.
    pub screen_name: String,
    /// `"/slug"` for a list reference, empty for a plain mention.
    pub list_slug: String,
    /// Position of `@name` (and the slug) in the original text.
    pub span: Span,
}

/// A cashtag as twitter-text extracts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cashtag {
    /// Symbol without `$`.
    pub text: String,
    /// Position of `$SYM` in the original text.
    pub span: Span,
}

/// A URL as twitter-text extracts it (raw text only; see [`crate::UrlInfo`] for the analysis).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlEntity {
    /// The URL exactly as written.
    pub url: String,
    /// Position in the original text.
    pub span: Span,
}

/// All entities of one text, after twitter-text's overlap removal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entities {
    /// Hashtags, in text order.
    pub hashtags: Vec<Hashtag>,
    /// Mentions and list references, in text order.
    pub mentions: Vec<Mention>,
    /// URLs, in text order.
    pub urls: Vec<UrlEntity>,
    /// Cashtags, in text order.
    pub cashtags: Vec<Cashtag>,
}

/// The text as chars, with byte and UTF-16 offsets of every char boundary.
struct Chars<'a> {
    s: &'a str,
    c: Vec<char>,
    b: Vec<usize>,
    u: Vec<u32>,
}

impl<'a> Chars<'a> {
    fn new(s: &'a str) -> Self {
        let (mut c, mut b, mut u) = (pool::chars(), pool::usizes(), pool::u32s());
        c.reserve(s.len());
        b.reserve(s.len() + 1);
        u.reserve(s.len() + 1);
        let mut u16pos: u32 = 0;
        for (i, ch) in s.char_indices() {
            c.push(ch);
            b.push(i);
            u.push(u16pos);
            u16pos = u16pos.saturating_add(ch.len_utf16() as u32);
        }
        b.push(s.len());
        u.push(u16pos);
        Chars { s, c, b, u }
    }
    fn len(&self) -> usize {
        self.c.len()
    }
    fn at(&self, i: usize) -> Option<char> {
        self.c.get(i).copied()
    }
    fn span(&self, start: usize, end: usize) -> Span {
        Span {
            start: self.u[start],
            end: self.u[end],
            byte_start: self.b[start],
            byte_end: self.b[end],
        }
    }
    fn slice(&self, start: usize, end: usize) -> &'a str {
        &self.s[self.b[start]..self.b[end]]
    }
}

impl Drop for Chars<'_> {
    fn drop(&mut self) {
        pool::give_chars(std::mem::take(&mut self.c));
        pool::give_usizes(std::mem::take(&mut self.b));
        pool::give_u32s(std::mem::take(&mut self.u));
    }
}

/// Per-thread pool of the scanners' index buffers, so that extracting from many
/// posts does not allocate them again for each one. Buffers over `MAX_KEEP`
/// elements are freed instead of kept.
mod pool {
    use std::cell::RefCell;

    const MAX_KEEP: usize = 1 << 16;
    const MAX_POOLED: usize = 8;

    #[derive(Default)]
    struct Pool {
        chars: Vec<Vec<char>>,
        usizes: Vec<Vec<usize>>,
        u32s: Vec<Vec<u32>>,
    }

    thread_local! {
        static POOL: RefCell<Pool> = RefCell::new(Pool::default());
    }

    fn take<T>(f: impl FnOnce(&mut Pool) -> Option<Vec<T>>) -> Vec<T> {
        POOL.try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| f(&mut p)))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn give<T>(mut v: Vec<T>, f: impl FnOnce(&mut Pool) -> &mut Vec<Vec<T>>) {
        if v.capacity() == 0 || v.capacity() > MAX_KEEP {
            return;
        }
        v.clear();
        let _ = POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                let list = f(&mut p);
                if list.len() < MAX_POOLED {
                    list.push(v);
                }
            }
        });
    }

    pub fn chars() -> Vec<char> {
        take(|p| p.chars.pop())
    }
    pub fn usizes() -> Vec<usize> {
        take(|p| p.usizes.pop())
    }
    pub fn u32s() -> Vec<u32> {
        take(|p| p.u32s.pop())
    }
    pub fn give_chars(v: Vec<char>) {
        give(v, |p| &mut p.chars)
    }
    pub fn give_usizes(v: Vec<usize>) {
        give(v, |p| &mut p.usizes)
    }
    pub fn give_u32s(v: Vec<u32>) {
        give(v, |p| &mut p.u32s)
    }
}

// ---------------------------------------------------------------- char classes

fn is_space(c: char) -> bool {
    matches!(c, '\u{09}'..='\u{0D}' | ' ' | '\u{85}' | '\u{A0}' | '\u{1680}' | '\u{180E}'
        | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}')
}

fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

fn is_directional(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2066}'..='\u{2069}')
}

/// twitter-text's `punct` group (note: it leaves out `"` and backtick).
fn is_tt_punct(c: char) -> bool {
    matches!(
        c,
        '!' | '\''
            | '#'
            | '%'
            | '&'
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | '\\'
            | '-'
            | '.'
            | '/'
            | ':'
            | ';'
            | '<'
            | '='
            | '>'
            | '?'
            | '@'
            | '['
            | ']'
            | '^'
            | '_'
            | '{'
            | '|'
            | '}'
            | '~'
            | '$'
    )
}

#[inline]
fn is_domain_char(c: char) -> bool {
    if c.is_ascii_alphanumeric() {
        return true;
    }
    !(is_tt_punct(c) || is_space(c) || is_invalid_char(c) || is_directional(c))
}

fn is_latin_accent(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}' | '\u{100}'..='\u{24F}'
        | '\u{253}' | '\u{254}' | '\u{256}' | '\u{257}' | '\u{259}' | '\u{25B}' | '\u{263}' | '\u{268}'
        | '\u{26F}' | '\u{272}' | '\u{289}' | '\u{28B}' | '\u{2BB}' | '\u{300}'..='\u{36F}'
        | '\u{1E00}'..='\u{1EFF}')
}

fn is_cyrillic_path(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

fn is_path_general(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '*'
                | '\''
                | ';'
                | ':'
                | '='
                | '+'
                | ','
                | '.'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '\u{2013}'
                | '_'
                | '~'
                | '&'
                | '|'
                | '@'
        )
        || is_cyrillic_path(c)
        || is_latin_accent(c)
}

fn is_path_ending(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '+' | '-' | '=' | '_' | '#' | '/')
        || is_cyrillic_path(c)
        || is_latin_accent(c)
}

fn is_query_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '?'
                | '*'
                | '\''
                | '@'
                | '('
                | ')'
                | ';'
                | ':'
                | '&'
                | '='
                | '+'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '_'
                | '.'
                | ','
                | '~'
                | '|'
        )
}

fn is_query_ending(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '&' | '=' | '#' | '/')
}

fn is_url_preceding_ok(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃') || is_invalid_char(c))
}

pub(crate) fn is_hashtag_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::NonspacingMark
            | Gc::SpacingMark
            | Gc::EnclosingMark
    )
}

pub(crate) fn is_hashtag_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    is_hashtag_alpha(c)
        || get_general_category(c) == Gc::DecimalNumber
        || matches!(
            c,
            '\u{200C}'
                | '\u{200D}'
                | '\u{A67E}'
                | '\u{05BE}'
                | '\u{05F3}'
                | '\u{05F4}'
                | '\u{FF5E}'
                | '\u{301C}'
                | '\u{309B}'
                | '\u{309C}'
                | '\u{30A0}'
                | '\u{30FB}'
                | '\u{3003}'
                | '\u{0F0B}'
                | '\u{0F0C}'
                | '\u{00B7}'
        )
}

fn is_js_whitespace(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

fn is_ascii_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

// ---------------------------------------------------------------- TLDs

/// Length in chars of the TLD that starts at `i`, honouring twitter-text's
/// lookahead `(?=[^a-z0-9@+-]|$)`; punycode TLDs (`xn--…`) have no lookahead.
fn tld_at(t: &Chars, i: usize, end: usize) -> Option<usize> {
    let first = t.at(i)?;
    if i >= end {
        return None;
    }
    let lookahead_ok = |j: usize| -> bool {
        match t.at(j) {
            None => true,
            Some(_) if j >= end => true,
            Some(c) => !(c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-')),
        }
    };
    if first.is_ascii_alphabetic() {
        // The run of [a-z0-9@+-] must be exactly one TLD.
        let mut j = i;
        let mut buf = [0u8; 32];
        let mut n = 0;
        while j < end {
            let c = t.c[j];
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-') {
                if n < buf.len() {
                    buf[n] = c.to_ascii_lowercase() as u8;
                }
                n += 1;
                j += 1;
            } else {
                break;
            }
        }
        if n <= buf.len() {
            if let Ok(s) = std::str::from_utf8(&buf[..n]) {
                if ASCII_TLDS.binary_search(&s).is_ok() {
                    return Some(n);
                }
            }
        }
        // Punycode TLD: xn--[-0-9a-z]+ (greedy, no lookahead).
        if n >= 5 && buf[..4].eq_ignore_ascii_case(b"xn--") {
            let mut k = i + 4;
            while k < end && (t.c[k].is_ascii_alphanumeric() || t.c[k] == '-') {
                k += 1;
            }
            if k > i + 4 {
                return Some(k - i);
            }
        }
        return None;
    }
    if first.is_ascii() {
        return None;
    }
    for tld in UNICODE_TLDS.iter() {
        let mut j = i;
        let mut ok = true;
        for tc in tld.chars() {
            if j < end && t.c[j] == tc {
                j += 1;
            } else {
                ok = false;
                break;
            }
        }
        if ok && lookahead_ok(j) {
            return Some(j - i);
        }
    }
    None
}

// ---------------------------------------------------------------- URLs

/// Precomputed label structure so that `validDomain` can be matched from any start in O(1).
///
/// A label is a maximal run of domain chars, `_` and `-` that ends at a '.'. The
/// regex takes as many valid subdomain labels as it can, then a domain-name label and
/// a TLD; equivalently, the farthest label (reached through valid subdomains) that is
/// a valid domain name followed by a TLD. `reach[q]` memoizes that for a label
/// starting right after a dot, computed right to left, so the scan stays linear.
struct DomainIndex {
    run_end: Vec<u32>,
    underscores: Vec<u32>,
    reach: Vec<u32>,
}

const NO_REACH: u32 = u32::MAX;

impl DomainIndex {
    fn new(t: &Chars) -> Self {
        let n = t.len();
        let in_run = |c: char| is_domain_char(c) || c == '_' || c == '-';
        let mut run_end = pool::u32s();
        run_end.resize(n + 1, 0);
        run_end[n] = n as u32;
        for i in (0..n).rev() {
            run_end[i] = if in_run(t.c[i]) {
                run_end[i + 1]
            } else {
                i as u32
            };
        }
        let mut underscores = pool::u32s();
        underscores.resize(n + 1, 0);
        for i in 0..n {
            underscores[i + 1] = underscores[i] + u32::from(t.c[i] == '_');
        }
        let mut reach = pool::u32s();
        reach.resize(n + 1, NO_REACH);
        let mut idx = DomainIndex {
            run_end,
            underscores,
            reach,
        };
        for q in (1..n).rev() {
            if t.c[q - 1] == '.' {
                let r = idx.chain_best(t, q).map_or(NO_REACH, |e| e as u32);
                idx.reach[q] = r;
            }
        }
        idx
    }

    fn chain_best(&self, t: &Chars, p: usize) -> Option<usize> {
        let n = t.len();
        let e = self.run_end[p] as usize;
        if e == p || e >= n || t.c[e] != '.' {
            return None;
        }
        let ends_ok = is_domain_char(t.c[p]) && is_domain_char(t.c[e - 1]);
        if !ends_ok {
            return None;
        }
        let further = match self.reach.get(e + 1) {
            Some(&r) if r != NO_REACH => Some(r as usize),
            _ => None,
        };
        if further.is_some() {
            return further;
        }
        let underscore = self.underscores[e] > self.underscores[p];
        if underscore {
            return None;
        }
        tld_at(t, e + 1, n).map(|l| e + 1 + l)
    }
}

impl Drop for DomainIndex {
    fn drop(&mut self) {
        pool::give_u32s(std::mem::take(&mut self.run_end));
        pool::give_u32s(std::mem::take(&mut self.underscores));
        pool::give_u32s(std::mem::take(&mut self.reach));
    }
}

/// Matches twitter-text's `validDomain` at `start`; returns the end (exclusive).
fn match_domain(t: &Chars, idx: &DomainIndex, start: usize) -> Option<usize> {
    if start >= t.len() {
        return None;
    }
    idx.chain_best(t, start)
}

/// Longest valid path after a '/', starting at `i` (exclusive of the slash); returns its end.
fn match_path(t: &Chars, i: usize) -> usize {
    let mut pos = i;
    let mut last_ok = i;
    let n = t.len();
    while pos < n {
        let c = t.c[pos];
        if c == '(' {
            match match_balanced_parens(t, pos) {
                Some(e) => {
                    pos = e;
                    last_ok = pos;
                }
                None => break,
            }
        } else if is_path_general(c) {
            pos += 1;
            if is_path_ending(c) {
                last_ok = pos;
            }
        } else {
            break;
        }
    }
    last_ok
}

/// `\((?:G+|G*\(G+\)G*)\)` at `i` (which holds '(').
fn match_balanced_parens(t: &Chars, i: usize) -> Option<usize> {
    let n = t.len();
    let mut pos = i + 1;
    let run_start = pos;
    while pos < n && is_path_general(t.c[pos]) {
        pos += 1;
    }
    if pos < n && t.c[pos] == ')' && pos > run_start {
        return Some(pos + 1);
    }
    if pos < n && t.c[pos] == '(' {
        let inner = pos + 1;
        let mut q = inner;
        while q < n && is_path_general(t.c[q]) {
            q += 1;
        }
        if q > inner && q < n && t.c[q] == ')' {
            q += 1;
            while q < n && is_path_general(t.c[q]) {
                q += 1;
            }
            if q < n && t.c[q] == ')' {
                return Some(q + 1);
            }
        }
    }
    None
}

/// `\?Q*E` at `i` (which holds '?'); returns the end or None.
fn match_query(t: &Chars, i: usize) -> Option<usize> {
    let n = t.len();
    let mut pos = i + 1;
    let mut last_ok = None;
    while pos < n && is_query_char(t.c[pos]) {
        if is_query_ending(t.c[pos]) {
            last_ok = Some(pos + 1);
        }
        pos += 1;
    }
    last_ok
}

fn has_protocol(t: &Chars, i: usize) -> Option<usize> {
    let lower = |k: usize| t.at(k).map(|c| c.to_ascii_lowercase());
    if lower(i)? != 'h' || lower(i + 1)? != 't' || lower(i + 2)? != 't' || lower(i + 3)? != 'p' {
        return None;
    }
    let mut k = i + 4;
    if lower(k) == Some('s') {
        k += 1;
    }
    if t.at(k) == Some(':') && t.at(k + 1) == Some('/') && t.at(k + 2) == Some('/') {
        Some(k + 3)
    } else {
        None
    }
}

/// twitter-text's `validAsciiDomain` scanned over `[ds, de)`; returns every match.
fn ascii_domains(t: &Chars, ds: usize, de: usize) -> Vec<(usize, usize)> {
    let is_label = |c: char| c.is_ascii_alphanumeric() || c == '-' || is_latin_accent(c);
    let mut out = Vec::new();
    let mut i = ds;
    while i < de {
        if !is_label(t.c[i]) {
            i += 1;
            continue;
        }
        // Chain of labels from i; the farthest dot followed by a TLD wins.
        let mut pos = i;
        let mut best = None;
        loop {
            let ls = pos;
            while pos < de && is_label(t.c[pos]) {
                pos += 1;
            }
            if pos == ls || pos >= de || t.c[pos] != '.' {
                break;
            }
            if let Some(n) = tld_at(t, pos + 1, de) {
                best = Some(pos + 1 + n);
            }
            pos += 1;
        }
        match best {
            Some(e) => {
                out.push((i, e));
                i = e;
            }
            // Every later start inside this chain sees a subset of its dots.
            None => i = pos.max(i + 1),
        }
    }
    out
}

fn is_tco(t: &Chars, s: usize, proto_end: usize) -> Option<usize> {
    // ^https?://t\.co/([a-z0-9]+)(?:\?Q*E)?  -> returns the end of the t.co match, or usize::MAX for a too-long slug
    let lc = |k: usize| t.at(k).map(|c| c.to_ascii_lowercase());
    let _ = s;
    if lc(proto_end) != Some('t')
        || t.at(proto_end + 1) != Some('.')
        || lc(proto_end + 2) != Some('c')
        || lc(proto_end + 3) != Some('o')
        || t.at(proto_end + 4) != Some('/')
    {
        return None;
    }
    let slug_start = proto_end + 5;
    let mut k = slug_start;
    while k < t.len() && t.c[k].is_ascii_alphanumeric() {
        k += 1;
    }
    if k == slug_start {
        return None;
    }
    if k - slug_start > MAX_TCO_SLUG {
        return Some(usize::MAX);
    }
    if t.at(k) == Some('?') {
        if let Some(q) = match_query(t, k) {
            k = q;
        }
    }
    Some(k)
}

fn host_is_valid(host: &str, url_utf16_len: usize, protocol_len: usize) -> bool {
    match idna::domain_to_ascii(host) {
        Ok(ascii) => {
            if ascii.is_empty() || ascii.split('.').any(|l| l.len() > 63) {
                return false;
            }
            let host16: usize = host.encode_utf16().count();
            let len = url_utf16_len.saturating_sub(host16) + ascii.len();
            protocol_len + len <= MAX_URL_LENGTH
        }
        Err(_) => false,
    }
}

/// False when `text` cannot hold a URL: every match needs a domain ending in a '.'
/// followed by a TLD, and every TLD starts with an ASCII letter or a non-ASCII char
/// (see `tld_at`).
fn may_have_url(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'.' && (w[1].is_ascii_alphabetic() || w[1] >= 0x80))
}

fn extract_urls_chars(t: &Chars) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !may_have_url(t.s) {
        return out;
    }
    let n = t.len();
    let idx = DomainIndex::new(t);
    let mut last_index = 0usize;
    let mut p = 0usize;
    // Each iteration tries the regex at "preceding position" p: first the char class
    // consuming t[p] (domain at p+1), then `^` (domain at 0) when p == 0.
    while p < n {
        let mut candidates: [Option<(usize, usize)>; 2] = [None, None]; // (before_start, url_start)
        if p >= last_index && is_url_preceding_ok(t.c[p]) {
            candidates[0] = Some((p, p + 1));
        }
        if p == 0 && last_index == 0 {
            candidates[1] = Some((0, 0));
        }
        let mut matched = false;
        for (before_start, s) in candidates.into_iter().flatten() {
            if s >= n {
                continue;
            }
            let proto_end = has_protocol(t, s);
            let (dom_start, dom_end) =
                match proto_end.and_then(|pe| match_domain(t, &idx, pe).map(|e| (pe, e))) {
                    Some(x) => x,
                    None => match match_domain(t, &idx, s) {
                        Some(e) => (s, e),
                        None => continue,
                    },
                };
            let protocol = if dom_start != s { proto_end } else { None };
            // Port, path, query.
            let mut end = dom_end;
            if t.at(end) == Some(':') {
                let mut k = end + 1;
                while k < n && t.c[k].is_ascii_digit() {
                    k += 1;
                }
                if k > end + 1 {
                    end = k;
                }
            }
            let mut has_path = false;
            if t.at(end) == Some('/') {
                end = match_path(t, end + 1);
                has_path = true;
            }
            if t.at(end) == Some('?') {
                if let Some(q) = match_query(t, end) {
                    end = q;
                }
            }
            matched = true;
            last_index = end;
            let before = if before_start < s {
                Some(t.c[before_start])
            } else {
                None
            };
            match protocol {
                None => {
                    if matches!(before, Some('-' | '_' | '.' | '/')) {
                        break;
                    }
                    let found = ascii_domains(t, dom_start, dom_end);
                    let Some(&last) = found.last() else { break };
                    for &(a, b) in &found[..found.len() - 1] {
                        out.push((a, b));
                    }
                    if has_path || end > dom_end {
                        out.push((last.0, end));
                    } else {
                        out.push(last);
                    }
                }
                Some(pe) => {
                    let mut url_end = end;
                    if let Some(te) = is_tco(t, s, pe) {
                        if te == usize::MAX {
                            break;
                        }
                        url_end = te;
                    }
                    let host = t.slice(dom_start, dom_end);
                    let url16 = (t.u[url_end] - t.u[s]) as usize;
                    if !host_is_valid(host, url16, 0) {
                        break;
                    }
                    out.push((s, url_end));
                }
            }
            break;
        }
        if matched {
            p = last_index.max(p + 1);
        } else {
            p += 1;
        }
    }
    out
}

// ---------------------------------------------------------------- hashtags

fn extract_hashtags_chars(t: &Chars) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let n = t.len();
    let mut last_index = 0usize;
    let mut i = 0usize;
    while i < n {
        let c = t.c[i];
        if c != '#' && c != '＃' {
            i += 1;
            continue;
        }
        let boundary_ok = if i == 0 {
            last_index == 0
        } else {
            let prev = t.c[i - 1];
            i > last_index
                && (prev == '\u{FE0E}'
                    || prev == '\u{FE0F}'
                    || (!is_hashtag_alnum(prev) && prev != '&'))
        };
        if !boundary_ok {
            i += 1;
            continue;
        }
        if matches!(t.at(i + 1), Some('\u{FE0F}' | '\u{20E3}')) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut has_alpha = false;
        while j < n && is_hashtag_alnum(t.c[j]) {
            has_alpha |= is_hashtag_alpha(t.c[j]);
            j += 1;
        }
        if !has_alpha {
            i += 1;
            continue;
        }
        last_index = j;
        let after_bad = matches!(t.at(j), Some('#' | '＃'))
            || (t.at(j) == Some(':') && t.at(j + 1) == Some('/') && t.at(j + 2) == Some('/'));
        if !after_bad {
            out.push((i, j));
        }
        i = j;
    }
    out
}

// ---------------------------------------------------------------- mentions

fn is_screen_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn mention_preceding_ok(t: &Chars, at: usize, last_index: usize) -> bool {
    if at == 0 {
        return last_index == 0;
    }
    let prev = t.c[at - 1];
    if at > last_index
        && !(prev.is_ascii_alphanumeric()
            || matches!(prev, '_' | '!' | '#' | '$' | '%' | '&' | '*' | '@' | '＠'))
    {
        return true;
    }
    // (?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?
    let rt_ok = |rt_end: usize| -> bool {
        if rt_end < 2
            || !t.c[rt_end - 2].eq_ignore_ascii_case(&'r')
            || !t.c[rt_end - 1].eq_ignore_ascii_case(&'t')
        {
            return false;
        }
        let rs = rt_end - 2;
        if rs == 0 {
            return last_index == 0;
        }
        let b = t.c[rs - 1];
        rs > last_index && !(b.is_ascii_alphanumeric() || matches!(b, '_' | '+' | '~' | '.' | '-'))
    };
    (prev == ':' && rt_ok(at - 1)) || rt_ok(at)
}

fn after_mention_bad(t: &Chars, j: usize) -> bool {
    match t.at(j) {
        Some('@' | '＠') => true,
        Some(c) if is_latin_accent(c) => true,
        Some(':') => t.at(j + 1) == Some('/') && t.at(j + 2) == Some('/'),
        _ => false,
    }
}

/// (start of '@', end of name, end of list slug)
fn extract_mentions_chars(t: &Chars) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let n = t.len();
    let mut last_index = 0usize;
    let mut i = 0usize;
    while i < n {
        let c = t.c[i];
        if c != '@' && c != '＠' {
            i += 1;
            continue;
        }
        if !mention_preceding_ok(t, i, last_index) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && j - (i + 1) < 20 && is_screen_name_char(t.c[j]) {
            j += 1;
        }
        if j == i + 1 {
            i += 1;
            continue;
        }
        let name_end = j;
        let mut end = j;
        if t.at(j) == Some('/') && t.at(j + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            let mut k = j + 2;
            while k < n
                && k - (j + 1) < 25
                && (t.c[k].is_ascii_alphanumeric() || matches!(t.c[k], '_' | '-'))
            {
                k += 1;
            }
            end = k;
        }
        last_index = end;
        if !after_mention_bad(t, end) {
            out.push((i, name_end, end));
        }
        i = end;
    }
    out
}

// ---------------------------------------------------------------- cashtags

fn extract_cashtags_chars(t: &Chars) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let n = t.len();
    let mut last_index = 0usize;
    let mut i = 0usize;
    let lookahead_ok = |j: usize| match t.at(j) {
        None => true,
        Some(c) => is_js_whitespace(c) || is_ascii_punct(c),
    };
    while i < n {
        if t.c[i] != '$' {
            i += 1;
            continue;
        }
        let pre_ok = if i == 0 {
            last_index == 0
        } else {
            i > last_index && is_space(t.c[i - 1])
        };
        if !pre_ok {
            i += 1;
            continue;
        }
        let s = i + 1;
        let mut j = s;
        while j < n && t.c[j].is_ascii_alphabetic() {
            j += 1;
        }
        let run = j - s;
        if run == 0 || run > 6 {
            i += 1;
            continue;
        }
        let mut end = None;
        if matches!(t.at(j), Some('.' | '_')) {
            let g = j + 1;
            let mut k = g;
            while k < n && t.c[k].is_ascii_alphabetic() {
                k += 1;
            }
            if (1..=2).contains(&(k - g)) && lookahead_ok(k) {
                end = Some(k);
            }
        }
        if end.is_none() && lookahead_ok(j) {
            end = Some(j);
        }
        match end {
            Some(e) => {
                out.push((i, e));
                last_index = e;
                i = e;
            }
            None => i += 1,
        }
    }
    out
}

// ---------------------------------------------------------------- public API

/// URLs only, as twitter-text's `extractUrlsWithIndices` (protocol-less URLs included).
pub fn extract_urls(text: &str) -> Vec<UrlEntity> {
    let t = Chars::new(text);
    extract_urls_chars(&t)
        .into_iter()
        .map(|(a, b)| UrlEntity {
            url: t.slice(a, b).to_string(),
            span: t.span(a, b),
        })
        .collect()
}

/// Hashtags only, as twitter-text's `extractHashtagsWithIndices` (URL overlap removed).
pub fn extract_hashtags(text: &str) -> Vec<Hashtag> {
    let t = Chars::new(text);
    let tags = extract_hashtags_chars(&t);
    let tags = if tags.is_empty() {
        tags
    } else {
        let urls = extract_urls_chars(&t);
        drop_overlapping(tags, &urls)
    };
    tags.into_iter()
        .map(|(a, b)| make_hashtag(&t, a, b))
        .collect()
}

/// Mentions and list references, as twitter-text's `extractMentionsOrListsWithIndices`.
pub fn extract_mentions_or_lists(text: &str) -> Vec<Mention> {
    let t = Chars::new(text);
    extract_mentions_chars(&t)
        .into_iter()
        .map(|m| make_mention(&t, m))
        .collect()
}

/// Plain mentions only (list references dropped), as twitter-text's `extractMentionsWithIndices`.
pub fn extract_mentions(text: &str) -> Vec<Mention> {
    extract_mentions_or_lists(text)
        .into_iter()
        .filter(|m| m.list_slug.is_empty())
        .collect()
}

/// The screen name a tweet replies to, as twitter-text's `extractReplyScreenname`.
pub fn extract_reply(text: &str) -> Option<String> {
    let t = Chars::new(text);
    let mut i = 0;
    while i < t.len() && is_space(t.c[i]) {
        i += 1;
    }
    if !matches!(t.at(i), Some('@' | '＠')) {
        return None;
    }
    let s = i + 1;
    let mut j = s;
    while j < t.len() && j - s < 20 && is_screen_name_char(t.c[j]) {
        j += 1;
    }
    if j == s || after_mention_bad(&t, j) {
        return None;
    }
    Some(t.slice(s, j).to_string())
}

/// Cashtags only, as twitter-text's `extractCashtagsWithIndices`.
pub fn extract_cashtags(text: &str) -> Vec<Cashtag> {
    let t = Chars::new(text);
    extract_cashtags_chars(&t)
        .into_iter()
        .map(|(a, b)| Cashtag {
            text: t.slice(a + 1, b).to_string(),
            span: t.span(a, b),
        })
        .collect()
}

/// All entities, with twitter-text's `extractEntitiesWithIndices` overlap removal
/// (sorted by start; an entity starting inside the previous kept one is dropped).
pub fn extract_entities(text: &str) -> Entities {
    // Entities need '#', '@', '$', their full-width forms (lead byte 0xEF) or a URL's
    // dot; skip the work otherwise.
    if !text.bytes().any(|b| matches!(b, b'#' | b'@' | b'$' | 0xEF)) && !may_have_url(text) {
        return Entities::default();
    }
    let t = Chars::new(text);
    let urls = extract_urls_chars(&t);
    let tags = extract_hashtags_chars(&t);
    let mentions = extract_mentions_chars(&t);
    let cash = extract_cashtags_chars(&t);
    // kind: 0 url, 1 hashtag, 2 mention, 3 cashtag
    let mut all: Vec<(usize, usize, u8, usize)> =
        Vec::with_capacity(urls.len() + tags.len() + mentions.len() + cash.len());
    all.extend(urls.iter().enumerate().map(|(k, &(a, b))| (a, b, 0u8, k)));
    all.extend(tags.iter().enumerate().map(|(k, &(a, b))| (a, b, 1u8, k)));
    all.extend(
        mentions
            .iter()
            .enumerate()
            .map(|(k, &(a, _, b))| (a, b, 2u8, k)),
    );
    all.extend(cash.iter().enumerate().map(|(k, &(a, b))| (a, b, 3u8, k)));
    all.sort_by_key(|e| e.0);
    let mut out = Entities::default();
    let mut prev_end: Option<usize> = None;
    for (a, b, kind, k) in all {
        if let Some(pe) = prev_end {
            if a < pe {
                continue;
            }
        }
        prev_end = Some(b);
        match kind {
            0 => out.urls.push(UrlEntity {
                url: t.slice(a, b).to_string(),
                span: t.span(a, b),
            }),
            1 => out.hashtags.push(make_hashtag(&t, a, b)),
            2 => out.mentions.push(make_mention(&t, mentions[k])),
            _ => out.cashtags.push(Cashtag {
                text: t.slice(a + 1, b).to_string(),
                span: t.span(a, b),
            }),
        }
    }
    out
}

fn drop_overlapping(tags: Vec<(usize, usize)>, urls: &[(usize, usize)]) -> Vec<(usize, usize)> {
    if urls.is_empty() {
        return tags;
    }
    let mut all: Vec<(usize, usize, bool)> = tags.iter().map(|&(a, b)| (a, b, true)).collect();
    all.extend(urls.iter().map(|&(a, b)| (a, b, false)));
    all.sort_by_key(|e| e.0);
    let mut out = Vec::new();
    let mut prev_end: Option<usize> = None;
    for (a, b, is_tag) in all {
        if let Some(pe) = prev_end {
            if a < pe {
                continue;
            }
        }
        prev_end = Some(b);
        if is_tag {
            out.push((a, b));
        }
    }
    out
}

fn make_hashtag(t: &Chars, a: usize, b: usize) -> Hashtag {
    let text = t.slice(a + 1, b);
    Hashtag {
        text: text.to_string(),
        key: crate::hashtag_key(text),
        span: t.span(a, b),
    }
}

fn make_mention(t: &Chars, (a, ne, e): (usize, usize, usize)) -> Mention {
    Mention {
        screen_name: t.slice(a + 1, ne).to_string(),
        list_slug: t.slice(ne, e).to_string(),
        span: t.span(a, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tco_slug_limit() {
        assert!(extract_urls("http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234").is_empty());
    }

    #[test]
    fn pathological_dots_are_linear() {
        let s = "a.".repeat(50_000);
        let _ = extract_entities(&s);
    }
}
