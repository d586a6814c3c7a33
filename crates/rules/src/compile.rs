//! Validation and compilation of a pack: every literal into one Aho-Corasick automaton per channel, every regex into one `RegexSet` per channel, every rule into a condition tree over shared atoms.

use crate::spec::{
    BankSpec, Boundary, CondSpec, EntitySpec, ExampleSpec, PackSpec, RangeSpec, RuleSpec, RuleState,
};
use crate::{ActionSpec, Diagnostic, RulesError};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use toml::Spanned;
use vigil_model::{Category, Context, EntityKind};
use vigil_text::Channel;

/// Largest pack file accepted (bytes).
pub const MAX_PACK_BYTES: usize = 32 << 20;
/// Most rules in one pack.
pub const MAX_RULES: usize = 200_000;
/// Deepest nesting of `all`/`any`/`not` (and of TOML brackets in the file).
pub const MAX_DEPTH: usize = 32;
/// Longest keyword (bytes, after normalization).
pub const MAX_KEYWORD_BYTES: usize = 256;
/// Longest regex source (bytes).
pub const MAX_REGEX_BYTES: usize = 1024;
/// Compiled size bound of one regex (bytes of NFA / lazy-DFA cache).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Compiled size bound of one regex set (a shard of at most 16 regexes).
pub const REGEX_SET_SIZE_LIMIT: usize = 32 << 20;
/// Longest example text.
pub const MAX_EXAMPLE_BYTES: usize = 64 * 1024;
/// Most leaf values (keywords, regexes, hashtags, …) in one pack.
pub const MAX_LEAVES: usize = 2_000_000;

/// Channel index of the folded account bio (0..=4 are the text channels in `channel_index` order).
pub(crate) const BIO: usize = 5;

pub(crate) fn channel_index(c: Channel) -> usize {
    match c {
        Channel::Original => 0,
        Channel::Nfkc => 1,
        Channel::Skeleton => 2,
        Channel::Folded => 3,
        Channel::Arabic => 4,
    }
}

pub(crate) fn channel_name(i: usize) -> &'static str {
    ["original", "nfkc", "skeleton", "folded", "arabic", "bio"][i]
}

fn parse_channel(s: &str) -> Option<Channel> {
    Some(match s {
        "original" => Channel::Original,
        "nfkc" => Channel::Nfkc,
        "skeleton" => Channel::Skeleton,
        "folded" => Channel::Folded,
        "arabic" => Channel::Arabic,
        _ => return None,
    })
}

/// A keyword in the normal form of channel `ch` (index 0..=5, 5 = folded bio).
pub(crate) fn normalize_for(ch: usize, k: &str) -> String {
    let k = k.trim();
    match ch {
        0 => k.to_string(),
        1 => vigil_text::nfkc_casefold(k),
        2 => vigil_text::skeleton(&vigil_text::nfkc_casefold(k)),
        4 => vigil_text::arabic_normalize(&vigil_text::nfkc_casefold(k)),
        _ => vigil_text::fold(k),
    }
}

/// What an atom tests. Atoms are shared between rules: the same keyword on the same
/// channel is scanned once however many rules use it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum AtomKind {
    Keyword {
        ch: usize,
        pattern: String,
        mode: Boundary,
    },
    Regex {
        ch: usize,
        pattern: String,
    },
    Hashtag(String),
    Domain(String),
    Pointer(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Atom {
    pub kind: AtomKind,
    /// As the analyst wrote it.
    pub display: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Range {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Range {
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// A validated condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// True when any of these atoms hit.
    Atoms(Vec<u32>),
    Lang(Vec<String>),
    Platform(Vec<String>),
    AgeDays(Range),
    Followers(Range),
    Handle(Box<Regex>),
    Bank(BankSpec),
    Campaign(bool),
    Cluster(bool),
    RiskMin(f32),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub id: String,
    pub state: RuleState,
    pub description: Option<String>,
    /// What its signal is about.
    pub entity: EntityKind,
    /// Harm signal: category and weight.
    pub signal: Option<(Category, f32)>,
    /// Context signal: context and weight (the amount of reduction).
    pub context: Option<(Context, f32)>,
    /// Label name and its lifetime in ms.
    pub label: Option<(String, Option<i64>)>,
    pub queue: Option<String>,
    pub action: Option<ActionSpec>,
    /// 1-based line of the rule in its file.
    pub line: usize,
    pub(crate) cond: Cond,
    /// Every atom the condition reads, for explanations.
    pub(crate) atoms: Vec<u32>,
    pub(crate) examples: Vec<Example>,
}

/// One `must_match` / `must_not_match` entry.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    pub must_match: bool,
    pub line: usize,
    pub col: usize,
    pub text: String,
    pub platform: Option<String>,
    pub bio: Option<String>,
    pub handle: Option<String>,
    pub followers: Option<u64>,
    pub account_age_days: Option<f64>,
    pub risk: Option<f32>,
    pub campaign_member: bool,
    pub cluster_member: bool,
    pub bank_match: Option<String>,
}

/// The scanners of one channel.
#[derive(Debug, Default)]
pub(crate) struct ChannelScan {
    pub ac: Option<AhoCorasick>,
    /// Pattern id → range in `lits`.
    pub pat_start: Vec<u32>,
    /// (atom, boundary mode) for every pattern, grouped by pattern.
    pub lits: Vec<(u32, Boundary)>,
    /// Pattern id → range in `pat_shards`: the regex shards this literal triggers.
    pub shard_start: Vec<u32>,
    pub pat_shards: Vec<u32>,
    /// The regex shards of this channel.
    pub shards: Vec<u32>,
}

/// A `RegexSet` over at most [`SHARD`] regexes of one channel.
#[derive(Debug)]
pub(crate) struct Shard {
    pub set: RegexSet,
    /// Set index → atom.
    pub atoms: Vec<u32>,
    /// Runs on every post (some regex in it has no literal prefix to trigger on).
    pub always: bool,
}

/// Distinct literal patterns of one channel while building.
#[derive(Default)]
struct LitTable {
    pats: Vec<String>,
    groups: Vec<Vec<(u32, Boundary)>>,
    shards: Vec<Vec<u32>>,
    ids: HashMap<String, usize>,
}

impl LitTable {
    fn index(&mut self, p: &str) -> usize {
        let n = self.pats.len();
        let k = *self.ids.entry(p.to_string()).or_insert(n);
        if k == n {
            self.pats.push(p.to_string());
            self.groups.push(Vec::new());
            self.shards.push(Vec::new());
        }
        k
    }
}

/// Regexes per `RegexSet`.
pub(crate) const SHARD: usize = 16;
/// Total pattern bytes up to which a channel's automaton is a full DFA (faster, bigger);
/// above it, a contiguous NFA.
const DFA_MAX_PATTERN_BYTES: usize = 1 << 20;

/// Literal prefixes every match of `p` starts with, if there is a small finite set of them,
/// each at least 2 bytes and valid UTF-8.
fn triggers(p: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(p)
        .ok()?;
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_total(64);
    let seq = ex.extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > 64 || lits.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    lits.iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// A validated, compiled pack: immutable, shared between threads behind an `Arc`.
#[derive(Debug)]
pub struct CompiledPack {
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    /// Where it was loaded from (for messages).
    pub file: String,
    /// SHA-free content fingerprint (FNV-1a 64 of the file bytes), for "is this the same pack".
    pub fingerprint: u64,
    pub rules: Vec<CompiledRule>,
    pub(crate) atoms: Vec<Atom>,
    pub(crate) channels: Vec<ChannelScan>,
    pub(crate) shards: Vec<Shard>,
    pub(crate) hashtags: HashMap<String, u32>,
    pub(crate) domains: HashMap<String, u32>,
    pub(crate) pointers: HashMap<String, u32>,
    /// Atom → rules anchored on it (CSR).
    pub(crate) anchor_start: Vec<u32>,
    pub(crate) anchor_rules: Vec<u32>,
    /// Rules with no text anchor, evaluated for every post.
    pub(crate) always: Vec<u32>,
    pub(crate) has_bio: bool,
    pub(crate) has_domains: bool,
    pub(crate) has_pointers: bool,
}

impl CompiledPack {
    /// Number of atoms (distinct keywords, regexes, tags, domains, pointers).
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }
    /// Rules evaluated on every post because nothing in the text anchors them.
    pub fn unanchored_rules(&self) -> usize {
        self.always.len()
    }
    /// Rule index by id.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }
}

/// 1-based line and column (in chars) of byte `off` in `src`.
pub(crate) fn line_col(src: &str, off: usize) -> (usize, usize) {
    let mut off = off.min(src.len());
    while !src.is_char_boundary(off) {
        off -= 1;
    }
    let before = &src[..off];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

pub(crate) fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Deepest bracket nesting outside strings and comments; TOML parsers recurse on it.
fn bracket_depth(src: &str) -> (usize, usize) {
    let b = src.as_bytes();
    let (mut i, mut depth, mut max, mut at) = (0, 0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let triple = b[i..].starts_with(if q == b'"' { b"\"\"\"" } else { b"'''" });
                if triple {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(&[q, q, q]) {
                        i += if q == b'"' && b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 2;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != q && b[i] != b'\n' {
                        i += if q == b'"' && b[i] == b'\\' { 2 } else { 1 };
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    at = i;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (max, at)
}

/// Line starts of a source, for O(log n) byte offset → line:col.
struct Lines(Vec<usize>);

impl Lines {
    fn new(src: &str) -> Lines {
        let mut v = vec![0];
        v.extend(memchr_iter(src.as_bytes()));
        Lines(v)
    }
    fn line_col(&self, src: &str, off: usize) -> (usize, usize) {
        let mut off = off.min(src.len());
        while !src.is_char_boundary(off) {
            off -= 1;
        }
        let i = self.0.partition_point(|&s| s <= off) - 1;
        (i + 1, src[self.0[i]..off].chars().count() + 1)
    }
}

fn memchr_iter(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i + 1)
}

struct Builder<'a> {
    file: &'a str,
    src: &'a str,
    lines: Lines,
    diags: Vec<Diagnostic>,
    atoms: Vec<Atom>,
    atom_ids: HashMap<AtomKind, u32>,
    leaves: usize,
}

impl Builder<'_> {
    fn err(&mut self, off: usize, reason: impl Into<String>) {
        let (line, col) = self.lines.line_col(self.src, off);
        if self.diags.len() < 100 {
            self.diags.push(Diagnostic {
                file: self.file.to_string(),
                line,
                col,
                reason: reason.into(),
            });
        }
    }

    fn atom(&mut self, kind: AtomKind, display: &str) -> u32 {
        if let Some(&id) = self.atom_ids.get(&kind) {
            return id;
        }
        let id = self.atoms.len() as u32;
        self.atoms.push(Atom {
            kind: kind.clone(),
            display: vigil_model::truncate_for_message(display, 120),
        });
        self.atom_ids.insert(kind, id);
        id
    }

    fn cond(&mut self, c: &Spanned<CondSpec>, depth: usize) -> Option<Cond> {
        let at = c.span().start;
        let s = c.get_ref();
        if depth > MAX_DEPTH {
            self.err(at, format!("conditions nested deeper than {MAX_DEPTH}"));
            return None;
        }
        let primaries = [
            ("all", s.all.is_some()),
            ("any", s.any.is_some()),
            ("not", s.not.is_some()),
            ("keywords", s.keywords.is_some()),
            ("regex", s.regex.is_some()),
            ("hashtags", s.hashtags.is_some()),
            ("domains", s.domains.is_some()),
            ("pointers", s.pointers.is_some()),
            ("lang", s.lang.is_some()),
            ("platform", s.platform.is_some()),
            ("account_age_days", s.account_age_days.is_some()),
            ("followers", s.followers.is_some()),
            ("handle", s.handle.is_some()),
            ("bio_keywords", s.bio_keywords.is_some()),
            ("bank_match", s.bank_match.is_some()),
            ("campaign_member", s.campaign_member.is_some()),
            ("cluster_member", s.cluster_member.is_some()),
            ("risk_min", s.risk_min.is_some()),
        ];
        let set: Vec<&str> = primaries.iter().filter(|p| p.1).map(|p| p.0).collect();
        if set.len() != 1 {
            let reason = if set.is_empty() {
                "a condition needs exactly one of all, any, not, keywords, regex, hashtags, domains, pointers, lang, platform, account_age_days, followers, handle, bio_keywords, bank_match, campaign_member, cluster_member, risk_min".to_string()
            } else {
                format!(
                    "a condition needs exactly one kind, found {} (combine them with all/any)",
                    set.join(", ")
                )
            };
            self.err(at, reason);
            return None;
        }
        let kind = set[0];
        if s.channel.is_some() && kind != "keywords" && kind != "regex" {
            self.err(at, "`channel` applies only to keywords and regex");
        }
        if s.boundary.is_some() && kind != "keywords" && kind != "bio_keywords" {
            self.err(at, "`boundary` applies only to keywords and bio_keywords");
        }
        let channel = match &s.channel {
            None => None,
            Some(c) => match parse_channel(c.get_ref()) {
                Some(ch) => Some(channel_index(ch)),
                None => {
                    self.err(
                        c.span().start,
                        format!(
                            "unknown channel {:?}: want original, nfkc, skeleton, folded or arabic",
                            vigil_model::truncate_for_message(c.get_ref(), 40)
                        ),
                    );
                    return None;
                }
            },
        };
        let mode = s.boundary.unwrap_or_default();
        Some(match kind {
            "all" | "any" => {
                let list = s.all.as_ref().or(s.any.as_ref())?;
                if list.is_empty() {
                    self.err(at, format!("`{kind}` needs at least one condition"));
                    return None;
                }
                let mut out = Vec::with_capacity(list.len());
                for c in list {
                    out.push(self.cond(c, depth + 1));
                }
                let out: Option<Vec<Cond>> = out.into_iter().collect();
                let out = out?;
                if kind == "all" {
                    Cond::All(out)
                } else {
                    Cond::Any(out)
                }
            }
            "not" => Cond::Not(Box::new(self.cond(s.not.as_ref()?, depth + 1)?)),
            "keywords" | "bio_keywords" => {
                let list = s.keywords.as_ref().or(s.bio_keywords.as_ref())?;
                let ch = if kind == "bio_keywords" {
                    BIO
                } else {
                    channel.unwrap_or(3)
                };
                let ids = self.list(at, kind, list, |b, k| {
                    let p = normalize_for(ch, k.get_ref());
                    if p.is_empty() {
                        b.err(
                            k.span().start,
                            "keyword is empty in its channel's normal form",
                        );
                        return None;
                    }
                    if p.len() > MAX_KEYWORD_BYTES {
                        b.err(
                            k.span().start,
                            format!("keyword longer than {MAX_KEYWORD_BYTES} bytes"),
                        );
                        return None;
                    }
                    Some(b.atom(
                        AtomKind::Keyword {
                            ch,
                            pattern: p,
                            mode,
                        },
                        k.get_ref(),
                    ))
                })?;
                Cond::Atoms(ids)
            }
            "regex" => {
                let ch = channel.unwrap_or(1);
                let ids = self.list(at, kind, s.regex.as_ref()?, |b, r| {
                    let p = r.get_ref();
                    let off = r.span().start;
                    if p.len() > MAX_REGEX_BYTES {
                        b.err(off, format!("regex longer than {MAX_REGEX_BYTES} bytes"));
                        return None;
                    }
                    match build_regex(p) {
                        Ok(re) => {
                            if re.is_match("") {
                                b.err(off, "regex matches the empty string, so every post");
                                return None;
                            }
                        }
                        Err(e) => {
                            b.err(off, e);
                            return None;
                        }
                    }
                    Some(b.atom(
                        AtomKind::Regex {
                            ch,
                            pattern: p.clone(),
                        },
                        p,
                    ))
                })?;
                Cond::Atoms(ids)
            }
            "hashtags" => {
                let ids = self.list(at, kind, s.hashtags.as_ref()?, |b, t| {
                    let key = vigil_text::hashtag_key(t.get_ref());
                    if key.is_empty() || key.len() > MAX_KEYWORD_BYTES {
                        b.err(
                            t.span().start,
                            "hashtag is empty or too long once normalized",
                        );
                        return None;
                    }
                    Some(b.atom(AtomKind::Hashtag(key), t.get_ref()))
                })?;
                Cond::Atoms(ids)
            }
            "domains" => {
                let ids = self.list(at, kind, s.domains.as_ref()?, |b, d| {
                    let raw = d
                        .get_ref()
                        .trim()
                        .trim_start_matches("*.")
                        .trim_end_matches('.');
                    let ok = !raw.is_empty()
                        && raw.len() <= 253
                        && !raw.contains(['/', ':', '@', '?', '#', ' ']);
                    let host = if ok {
                        vigil_text::canonicalize_url(&format!("https://{raw}/"))
                            .map(|u| u.host_ascii)
                            .filter(|h| !h.is_empty())
                    } else {
                        None
                    };
                    match host {
                        Some(h) => Some(b.atom(AtomKind::Domain(h), d.get_ref())),
                        None => {
                            b.err(
                                d.span().start,
                                "not a domain name (write `example.org`, no scheme or path)",
                            );
                            None
                        }
                    }
                })?;
                Cond::Atoms(ids)
            }
            "pointers" => {
                let ids = self.list(at, kind, s.pointers.as_ref()?, |b, p| {
                    match parse_pointer(p.get_ref()) {
                        Some(k) => Some(b.atom(AtomKind::Pointer(k), p.get_ref())),
                        None => {
                            b.err(p.span().start, "pointer must be `platform:handle` or `platform:*` with platform telegram, vk, facebook or twitter");
                            None
                        }
                    }
                })?;
                Cond::Atoms(ids)
            }
            "lang" => {
                let l = s.lang.as_ref()?;
                if l.is_empty() {
                    self.err(at, "`lang` needs at least one language code");
                    return None;
                }
                Cond::Lang(l.iter().map(|x| x.trim().to_ascii_lowercase()).collect())
            }
            "platform" => {
                let l = s.platform.as_ref()?;
                if l.is_empty() {
                    self.err(at, "`platform` needs at least one platform");
                    return None;
                }
                let mut out = Vec::new();
                for p in l {
                    match vigil_model::Platform::parse(p.get_ref()) {
                        Ok(p) => out.push(p.as_str().to_string()),
                        Err(e) => self.err(p.span().start, e.to_string()),
                    }
                }
                Cond::Platform(out)
            }
            "account_age_days" => Cond::AgeDays(self.range(at, s.account_age_days?)?),
            "followers" => Cond::Followers(self.range(at, s.followers?)?),
            "handle" => {
                let h = s.handle.as_ref()?;
                match build_regex(h.get_ref()) {
                    Ok(re) if h.get_ref().len() <= MAX_REGEX_BYTES => Cond::Handle(Box::new(re)),
                    Ok(_) => {
                        self.err(
                            h.span().start,
                            format!("regex longer than {MAX_REGEX_BYTES} bytes"),
                        );
                        return None;
                    }
                    Err(e) => {
                        self.err(h.span().start, e);
                        return None;
                    }
                }
            }
            "bank_match" => Cond::Bank(s.bank_match.clone()?),
            "campaign_member" => Cond::Campaign(s.campaign_member?),
            "cluster_member" => Cond::Cluster(s.cluster_member?),
            "risk_min" => {
                let r = s.risk_min?;
                if !(0.0..=1.0).contains(&r) {
                    self.err(at, "risk_min must be within [0, 1]");
                    return None;
                }
                Cond::RiskMin(r as f32)
            }
            _ => return None,
        })
    }

    fn list<T>(
        &mut self,
        at: usize,
        kind: &str,
        list: &[Spanned<T>],
        mut f: impl FnMut(&mut Self, &Spanned<T>) -> Option<u32>,
    ) -> Option<Vec<u32>> {
        if list.is_empty() {
            self.err(at, format!("`{kind}` needs at least one entry"));
            return None;
        }
        self.leaves += list.len();
        if self.leaves > MAX_LEAVES {
            self.err(
                at,
                format!("more than {MAX_LEAVES} keywords, regexes and other values in the pack"),
            );
            return None;
        }
        let mut ids = Vec::with_capacity(list.len());
        let mut ok = true;
        for x in list {
            match f(self, x) {
                Some(id) => ids.push(id),
                None => ok = false,
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ok.then_some(ids)
    }

    fn range(&mut self, at: usize, r: RangeSpec) -> Option<Range> {
        let bad = |v: Option<f64>| v.is_some_and(|v| !v.is_finite() || v < 0.0);
        if (r.min.is_none() && r.max.is_none()) || bad(r.min) || bad(r.max) {
            self.err(at, "a range needs `min` and/or `max`, finite and ≥ 0");
            return None;
        }
        if let (Some(a), Some(b)) = (r.min, r.max) {
            if a > b {
                self.err(at, "range `min` is greater than `max`");
                return None;
            }
        }
        Some(Range {
            min: r.min,
            max: r.max,
        })
    }
}

/// One regex with vigil's bounds. Look-around and backreferences do not exist in the
/// `regex` crate, so every accepted regex runs in linear time.
pub(crate) fn build_regex(p: &str) -> Result<Regex, String> {
    RegexBuilder::new(p)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let first = msg
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map(|l| l.trim_start_matches("error:").trim().to_string())
                .unwrap_or_else(|| msg.lines().next().unwrap_or("").to_string());
            let hint = if msg.contains("look-around") {
                ""
            } else if p.contains("(?=")
                || p.contains("(?!")
                || p.contains("(?<=")
                || p.contains("(?<!")
            {
                " (look-around is not supported: vigil regexes run in linear time)"
            } else {
                ""
            };
            format!(
                "invalid regex: {}{hint}",
                first.to_lowercase().trim_end_matches('.')
            )
        })
}

fn parse_pointer(s: &str) -> Option<String> {
    let (p, h) = s.trim().split_once(':')?;
    let p = match p.to_ascii_lowercase().as_str() {
        "telegram" | "tg" => "telegram",
        "vk" => "vk",
        "facebook" | "fb" => "facebook",
        "twitter" | "x" => "twitter",
        _ => return None,
    };
    let h = h.trim().trim_start_matches('@').to_lowercase();
    if h.is_empty() || h.len() > 256 || h.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{p}:{h}"))
}

/// The key a URL's pointer is looked up under.
pub(crate) fn pointer_key(p: &vigil_text::PlatformPointer) -> String {
    let plat = match p.platform {
        vigil_text::Platform::Telegram => "telegram",
        vigil_text::Platform::Vk => "vk",
        vigil_text::Platform::Facebook => "facebook",
        vigil_text::Platform::Twitter => "twitter",
    };
    format!("{plat}:{}", p.handle.to_lowercase())
}

fn anchor(c: &Cond) -> Option<Vec<u32>> {
    match c {
        Cond::Atoms(v) => Some(v.clone()),
        Cond::All(cs) => cs.iter().filter_map(anchor).min_by_key(|v| v.len()),
        Cond::Any(cs) => {
            let mut out = Vec::new();
            for c in cs {
                out.extend(anchor(c)?);
            }
            out.sort_unstable();
            out.dedup();
            Some(out)
        }
        _ => None,
    }
}

fn collect_atoms(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Atoms(v) => out.extend_from_slice(v),
        Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| collect_atoms(c, out)),
        Cond::Not(c) => collect_atoms(c, out),
        _ => {}
    }
}

fn is_id(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || extra.contains(&c))
}

fn weight(b: &mut Builder, at: usize, w: f64) -> f32 {
    if !(0.0..=1.0).contains(&w) {
        b.err(at, "weight must be within [0, 1]");
    }
    w as f32
}

/// Parse, validate and compile a pack. `file` names it in messages.
pub fn compile(file: &str, src: &str) -> Result<CompiledPack, RulesError> {
    let diag = |off: usize, reason: String| {
        let (line, col) = line_col(src, off);
        RulesError::Invalid(vec![Diagnostic {
            file: file.to_string(),
            line,
            col,
            reason,
        }])
    };
    if src.len() > MAX_PACK_BYTES {
        return Err(diag(
            0,
            format!(
                "pack is {} bytes, over the limit of {MAX_PACK_BYTES}",
                src.len()
            ),
        ));
    }
    let (depth, at) = bracket_depth(src);
    // Conditions nest two brackets per level (`{ all = [ {`).
    if depth > 2 * MAX_DEPTH + 8 {
        return Err(diag(
            at,
            format!("nested deeper than {MAX_DEPTH} conditions"),
        ));
    }
    let spec: PackSpec = toml::from_str(src).map_err(|e| {
        let off = e.span().map(|s| s.start).unwrap_or(0);
        let msg = e.message().trim().trim_end_matches('.').to_string();
        diag(off, lowercase_first(&msg))
    })?;
    if spec.rules.len() > MAX_RULES {
        return Err(diag(
            0,
            format!("{} rules, over the limit of {MAX_RULES}", spec.rules.len()),
        ));
    }
    let mut b = Builder {
        file,
        src,
        lines: Lines::new(src),
        diags: Vec::new(),
        atoms: Vec::new(),
        atom_ids: HashMap::new(),
        leaves: 0,
    };
    let name = spec.pack.name.get_ref().clone();
    if !is_id(&name, &[]) || name.chars().any(|c| c.is_ascii_uppercase()) {
        b.err(
            spec.pack.name.span().start,
            "pack name must be 1-128 chars of [a-z0-9_-]",
        );
    }
    let version = spec.pack.version.get_ref().clone();
    if version.trim().is_empty() || version.len() > 64 || version.chars().any(char::is_control) {
        b.err(
            spec.pack.version.span().start,
            "pack version must be 1-64 printable chars",
        );
    }
    let mut rules = Vec::with_capacity(spec.rules.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &spec.rules {
        let at = r.span().start;
        if let Some(cr) = compile_rule(&mut b, at, r.get_ref(), &mut seen) {
            rules.push(cr);
        }
    }
    if !b.diags.is_empty() {
        return Err(RulesError::Invalid(b.diags));
    }
    let Builder { atoms, .. } = b;
    build_pack(
        file,
        src,
        name,
        version,
        spec.pack.description,
        rules,
        atoms,
    )
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn compile_rule(
    b: &mut Builder,
    at: usize,
    r: &RuleSpec,
    seen: &mut HashMap<String, usize>,
) -> Option<CompiledRule> {
    let id = r.id.get_ref().clone();
    let (line, _) = b.lines.line_col(b.src, at);
    if !is_id(&id, &['.']) {
        b.err(
            r.id.span().start,
            "rule id must be 1-128 chars of [A-Za-z0-9_.-]",
        );
    } else if let Some(prev) = seen.insert(id.clone(), line) {
        b.err(
            r.id.span().start,
            format!("duplicate rule id {id:?} (first on line {prev})"),
        );
    }
    let cond = b.cond(&r.when, 0);
    let signal = r.signal.as_ref().and_then(|s| {
        let at = s.span().start;
        let s = s.get_ref();
        let w = weight(b, at, s.weight);
        match Category::parse(&s.category) {
            Some(c) => Some((c, w)),
            None => {
                b.err(
                    at,
                    format!(
                        "unknown category {:?} (see shared/TAXONOMY.md)",
                        vigil_model::truncate_for_message(&s.category, 40)
                    ),
                );
                None
            }
        }
    });
    let context = r.context.as_ref().and_then(|s| {
        let at = s.span().start;
        let s = s.get_ref();
        let w = weight(b, at, s.weight);
        match Context::parse(&s.kind) {
            Some(c) => Some((c, w)),
            None => {
                b.err(at, format!("unknown context {:?}: want news_reporting, research, counter_speech or educational", vigil_model::truncate_for_message(&s.kind, 40)));
                None
            }
        }
    });
    if r.signal.is_some() && r.context.is_some() {
        b.err(
            at,
            "a rule adds either a harm signal or a context signal, not both",
        );
    }
    if r.context.is_some() && r.action.is_some() {
        b.err(at, "a context rule cannot propose an action");
    }
    let label = r.label.as_ref().and_then(|l| {
        let at = l.span().start;
        let l = l.get_ref();
        if !is_id(&l.name, &['.', ':']) {
            b.err(at, "label name must be 1-128 chars of [A-Za-z0-9_.:-]");
            return None;
        }
        let exp = match l.expires_days {
            None => None,
            Some(d) if d.is_finite() && d > 0.0 && d <= 36_500.0 => Some((d * 86_400_000.0) as i64),
            Some(_) => {
                b.err(at, "expires_days must be within (0, 36500]");
                return None;
            }
        };
        Some((l.name.clone(), exp))
    });
    let queue = r.queue.as_ref().and_then(|q| {
        if is_id(q.get_ref(), &['.', ':', '/']) {
            Some(q.get_ref().clone())
        } else {
            b.err(
                q.span().start,
                "queue name must be 1-128 chars of [A-Za-z0-9_.:/-]",
            );
            None
        }
    });
    if r.signal.is_none()
        && r.context.is_none()
        && r.label.is_none()
        && r.queue.is_none()
        && r.action.is_none()
    {
        b.err(
            at,
            "a rule needs at least one effect: signal, context, label, queue or action",
        );
    }
    let mut examples = Vec::new();
    for (list, must) in [(&r.must_match, true), (&r.must_not_match, false)] {
        if list.len() > 256 {
            b.err(at, "more than 256 examples in one list");
            continue;
        }
        for e in list {
            let (line, col) = b.lines.line_col(b.src, e.span().start);
            let mut ex = Example {
                must_match: must,
                line,
                col,
                text: String::new(),
                platform: None,
                bio: None,
                handle: None,
                followers: None,
                account_age_days: None,
                risk: None,
                campaign_member: false,
                cluster_member: false,
                bank_match: None,
            };
            match e.get_ref() {
                ExampleSpec::Text(t) => ex.text = t.clone(),
                ExampleSpec::Full(f) => {
                    ex.text = f.text.clone();
                    ex.platform = f.platform.clone();
                    ex.bio = f.bio.clone();
                    ex.handle = f.handle.clone();
                    ex.followers = f.followers;
                    ex.account_age_days = f.account_age_days;
                    ex.risk = f.risk;
                    ex.campaign_member = f.campaign_member;
                    ex.cluster_member = f.cluster_member;
                    ex.bank_match = f.bank_match.clone();
                    if let Some(p) = &f.platform {
                        if vigil_model::Platform::parse(p).is_err() {
                            b.err(
                                e.span().start,
                                "example platform is not a valid platform name",
                            );
                        }
                    }
                }
            }
            if ex.text.len() > MAX_EXAMPLE_BYTES {
                b.err(
                    e.span().start,
                    format!("example longer than {MAX_EXAMPLE_BYTES} bytes"),
                );
            }
            examples.push(ex);
        }
    }
    let cond = cond?;
    let mut atoms = Vec::new();
    collect_atoms(&cond, &mut atoms);
    atoms.sort_unstable();
    atoms.dedup();
    Some(CompiledRule {
        id,
        state: r.state,
        description: r.description.clone(),
        entity: match r.entity {
            EntitySpec::Post => EntityKind::Post,
            EntitySpec::Account => EntityKind::Account,
        },
        signal,
        context,
        label,
        queue,
        action: r.action,
        line,
        cond,
        atoms,
        examples,
    })
}

fn build_pack(
    file: &str,
    src: &str,
    name: String,
    version: String,
    description: Option<String>,
    rules: Vec<CompiledRule>,
    atoms: Vec<Atom>,
) -> Result<CompiledPack, RulesError> {
    let fail = |reason: String| {
        RulesError::Invalid(vec![Diagnostic {
            file: file.to_string(),
            line: 1,
            col: 1,
            reason,
        }])
    };
    // Per channel: distinct literal patterns (keywords and regex triggers) and regexes.
    let mut lt: Vec<LitTable> = (0..6).map(|_| LitTable::default()).collect();
    let mut regexes: Vec<Vec<(String, u32)>> = vec![Vec::new(); 5];
    let mut hashtags = HashMap::new();
    let mut domains = HashMap::new();
    let mut pointers = HashMap::new();
    let mut used = vec![false; atoms.len()];
    for r in rules.iter().filter(|r| r.state != RuleState::Disabled) {
        for &a in &r.atoms {
            used[a as usize] = true;
        }
    }
    for (i, a) in atoms.iter().enumerate() {
        if !used[i] {
            continue;
        }
        let id = i as u32;
        match &a.kind {
            AtomKind::Keyword { ch, pattern, mode } => {
                let k = lt[*ch].index(pattern);
                lt[*ch].groups[k].push((id, *mode));
            }
            AtomKind::Regex { ch, pattern } => regexes[*ch].push((pattern.clone(), id)),
            AtomKind::Hashtag(k) => {
                hashtags.insert(k.clone(), id);
            }
            AtomKind::Domain(d) => {
                domains.insert(d.clone(), id);
            }
            AtomKind::Pointer(p) => {
                pointers.insert(p.clone(), id);
            }
        }
    }
    // Regexes go into sets of at most SHARD regexes. A shard whose regexes all have literal
    // prefixes (extracted from the regex itself) runs only when the channel's automaton saw
    // one of those prefixes; the others run on every post.
    let mut shards: Vec<Shard> = Vec::new();
    let mut chan_shards: Vec<Vec<u32>> = vec![Vec::new(); 6];
    for ch in 0..5 {
        let (mut trig, mut untrig): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
        for (p, id) in &regexes[ch] {
            match triggers(p) {
                Some(t) => trig.push((p, *id, t)),
                None => untrig.push((p, *id, Vec::new())),
            }
        }
        for (group, always) in [(trig, false), (untrig, true)] {
            for chunk in group.chunks(SHARD) {
                let sid = shards.len() as u32;
                let set = RegexSetBuilder::new(chunk.iter().map(|r| r.0.as_str()))
                    .size_limit(REGEX_SET_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .nest_limit(64)
                    .build()
                    .map_err(|e| {
                        fail(format!(
                            "building a {} regex set: {}",
                            channel_name(ch),
                            e.to_string().lines().last().unwrap_or("").to_lowercase()
                        ))
                    })?;
                for r in chunk {
                    for t in &r.2 {
                        let k = lt[ch].index(t);
                        if lt[ch].shards[k].last() != Some(&sid) {
                            lt[ch].shards[k].push(sid);
                        }
                    }
                }
                shards.push(Shard {
                    set,
                    atoms: chunk.iter().map(|r| r.1).collect(),
                    always,
                });
                chan_shards[ch].push(sid);
            }
        }
    }
    let mut channels = Vec::with_capacity(6);
    for ch in 0..6 {
        let mut scan = ChannelScan {
            shards: std::mem::take(&mut chan_shards[ch]),
            ..ChannelScan::default()
        };
        let t = &lt[ch];
        if !t.pats.is_empty() {
            let kind = if t.pats.iter().map(String::len).sum::<usize>() <= DFA_MAX_PATTERN_BYTES {
                Some(AhoCorasickKind::DFA)
            } else {
                None
            };
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .build(&t.pats)
                .map_err(|e| fail(format!("building the {} automaton: {e}", channel_name(ch))))?;
            scan.ac = Some(ac);
            for (g, sh) in t.groups.iter().zip(&t.shards) {
                scan.pat_start.push(scan.lits.len() as u32);
                scan.lits.extend_from_slice(g);
                scan.shard_start.push(scan.pat_shards.len() as u32);
                scan.pat_shards.extend_from_slice(sh);
            }
            scan.pat_start.push(scan.lits.len() as u32);
            scan.shard_start.push(scan.pat_shards.len() as u32);
        }
        channels.push(scan);
    }
    // Anchors.
    let mut per_atom: Vec<Vec<u32>> = vec![Vec::new(); atoms.len()];
    let mut always = Vec::new();
    for (ri, r) in rules.iter().enumerate() {
        if r.state == RuleState::Disabled {
            continue;
        }
        match anchor(&r.cond) {
            Some(v) => v.iter().for_each(|&a| per_atom[a as usize].push(ri as u32)),
            None => always.push(ri as u32),
        }
    }
    let mut anchor_start = Vec::with_capacity(atoms.len() + 1);
    let mut anchor_rules = Vec::new();
    for v in per_atom {
        anchor_start.push(anchor_rules.len() as u32);
        anchor_rules.extend(v);
    }
    anchor_start.push(anchor_rules.len() as u32);
    let has_bio = channels[BIO].ac.is_some();
    Ok(CompiledPack {
        name,
        version,
        description,
        file: file.to_string(),
        fingerprint: fnv1a(src.as_bytes()),
        rules,
        has_domains: !domains.is_empty(),
        has_pointers: !pointers.is_empty(),
        atoms,
        channels,
        shards,
        hashtags,
        domains,
        pointers,
        anchor_start,
        anchor_rules,
        always,
        has_bio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let s = "ab\nцd x";
        assert_eq!(line_col(s, 0), (1, 1));
        assert_eq!(line_col(s, 3), (2, 1));
        assert_eq!(line_col(s, 6), (2, 3));
        let l = Lines::new(s);
        for off in 0..=s.len() {
            if s.is_char_boundary(off) {
                assert_eq!(l.line_col(s, off), line_col(s, off));
            }
        }
    }

    #[test]
    fn bracket_depth_skips_strings() {
        assert_eq!(bracket_depth("a = \"[[[[\" # {{{{\nb = [1]").0, 1);
        assert_eq!(bracket_depth("a = '''\n[[[\n'''").0, 0);
        assert_eq!(bracket_depth("a = [[[1]]]").0, 3);
    }
}
