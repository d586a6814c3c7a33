//! Evaluation of a compiled pack on one post: one Aho-Corasick scan and one regex-set scan per channel, then only the rules whose anchors hit.

use crate::boundary;
use crate::compile::{pointer_key, AtomKind, CompiledPack, Cond, BIO};
use crate::spec::{BankSpec, RuleState};
use vigil_detect::Facts;
use vigil_model::{Account, Post};
use vigil_text::TextAnalysis;

/// Everything a rule can look at for one post.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub post: &'a Post,
    pub account: Option<&'a Account>,
    /// The text analysis of `post.text`.
    pub text: &'a TextAnalysis,
    pub facts: &'a Facts,
}

/// Reusable per-thread buffers: evaluation allocates nothing in the steady state.
#[derive(Debug, Default)]
pub struct Scratch {
    gen: u32,
    atom_stamp: Vec<u32>,
    rule_stamp: Vec<u32>,
    shard_stamp: Vec<u32>,
    cand: Vec<u32>,
    hits: Vec<u32>,
    bio: String,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    fn reset(&mut self, atoms: usize, rules: usize, shards: usize) {
        if self.atom_stamp.len() != atoms
            || self.rule_stamp.len() != rules
            || self.shard_stamp.len() != shards
        {
            self.atom_stamp = vec![0; atoms];
            self.rule_stamp = vec![0; rules];
            self.shard_stamp = vec![0; shards];
            self.gen = 0;
        }
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.atom_stamp.iter_mut().for_each(|x| *x = 0);
            self.rule_stamp.iter_mut().for_each(|x| *x = 0);
            self.shard_stamp.iter_mut().for_each(|x| *x = 0);
            self.gen = 1;
        }
        self.cand.clear();
        self.hits.clear();
    }

    fn hit(&mut self, atom: u32) {
        let s = &mut self.atom_stamp[atom as usize];
        if *s != self.gen {
            *s = self.gen;
            self.hits.push(atom);
        }
    }

    pub(crate) fn is_hit(&self, atom: u32) -> bool {
        self.atom_stamp[atom as usize] == self.gen
    }
}

/// The original text as rules see it: the same head that the analysis covered.
pub(crate) fn original(text: &str) -> &str {
    if text.len() <= vigil_text::MAX_ANALYZE_BYTES {
        return text;
    }
    let mut cut = vigil_text::MAX_ANALYZE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

pub(crate) fn channel_text<'a>(s: &Subject<'a>, ch: usize) -> &'a str {
    match ch {
        0 => original(&s.post.text),
        1 => &s.text.nfkc,
        2 => &s.text.skeleton,
        3 => &s.text.folded,
        _ => &s.text.arabic,
    }
}

/// Suffixes of a host at label boundaries: `a.b.example.org`, `b.example.org`, `example.org`, `org`.
pub(crate) fn host_suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(
        host.char_indices()
            .filter(|&(_, c)| c == '.')
            .map(move |(i, _)| &host[i + 1..]),
    )
}

pub(crate) fn post_lang(s: &Subject) -> String {
    if s.text.lang.code != "unknown" {
        return s.text.lang.code.clone();
    }
    s.post
        .lang
        .as_deref()
        .map(|l| {
            l.split(['-', '_'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Non-text leaves, shared by the compiled and the naive evaluator.
pub(crate) fn eval_leaf(c: &Cond, s: &Subject, lang: &mut Option<String>) -> bool {
    match c {
        Cond::Lang(l) => {
            let code = lang.get_or_insert_with(|| post_lang(s));
            l.iter().any(|x| x == code)
        }
        Cond::Platform(p) => p.iter().any(|x| x == s.post.platform.as_str()),
        Cond::AgeDays(r) => s.account.and_then(|a| a.created_at).is_some_and(|c| {
            r.contains((s.post.created_at.saturating_sub(c)) as f64 / 86_400_000.0)
        }),
        Cond::Followers(r) => s
            .account
            .and_then(|a| a.followers)
            .is_some_and(|f| r.contains(f as f64)),
        Cond::Handle(re) => s
            .account
            .and_then(|a| a.handle.as_deref())
            .is_some_and(|h| re.is_match(h)),
        Cond::Bank(BankSpec::Any(want)) => s.facts.bank_matches.is_empty() != *want,
        Cond::Bank(BankSpec::Named(b)) => s.facts.bank_matches.iter().any(|m| &m.bank == b),
        Cond::Campaign(want) => s.facts.campaigns.is_empty() != *want,
        Cond::Cluster(want) => s.facts.clusters.is_empty() != *want,
        Cond::RiskMin(x) => s.facts.risk.is_some_and(|r| r >= *x),
        Cond::All(_) | Cond::Any(_) | Cond::Not(_) | Cond::Atoms(_) => false,
    }
}

fn eval(c: &Cond, s: &Subject, sc: &Scratch, lang: &mut Option<String>) -> bool {
    match c {
        Cond::All(cs) => cs.iter().all(|c| eval(c, s, sc, lang)),
        Cond::Any(cs) => cs.iter().any(|c| eval(c, s, sc, lang)),
        Cond::Not(c) => !eval(c, s, sc, lang),
        Cond::Atoms(v) => v.iter().any(|&a| sc.is_hit(a)),
        leaf => eval_leaf(leaf, s, lang),
    }
}

impl CompiledPack {
    /// Rules (live and shadow) whose condition holds for `s`, in pack order, into `out`.
    /// Each channel is scanned once, whatever the number of rules.
    pub fn evaluate(&self, s: &Subject, sc: &mut Scratch, out: &mut Vec<u32>) {
        out.clear();
        sc.reset(self.atoms.len(), self.rules.len(), self.shards.len());
        for ch in 0..5 {
            let scan = &self.channels[ch];
            if scan.ac.is_none() && scan.shards.is_empty() {
                continue;
            }
            let text = channel_text(s, ch);
            self.scan_literals(ch, text, sc);
            for &sh in &scan.shards {
                let shard = &self.shards[sh as usize];
                if shard.always || sc.shard_stamp[sh as usize] == sc.gen {
                    for i in shard.set.matches(text).iter() {
                        sc.hit(shard.atoms[i]);
                    }
                }
            }
        }
        if self.has_bio {
            if let Some(bio) = s.account.and_then(|a| a.bio.as_deref()) {
                let mut folded = std::mem::take(&mut sc.bio);
                folded.clear();
                folded.push_str(&vigil_text::fold(original(bio)));
                self.scan_literals(BIO, &folded, sc);
                sc.bio = folded;
            }
        }
        if !self.hashtags.is_empty() {
            for h in &s.text.hashtags {
                if let Some(&a) = self.hashtags.get(&h.key) {
                    sc.hit(a);
                }
            }
        }
        if self.has_domains || self.has_pointers {
            for u in &s.text.urls {
                if self.has_domains && !u.host_ascii.is_empty() {
                    for suf in host_suffixes(&u.host_ascii) {
                        if let Some(&a) = self.domains.get(suf) {
                            sc.hit(a);
                        }
                    }
                }
                if self.has_pointers {
                    if let Some(p) = &u.pointer {
                        let key = pointer_key(p);
                        if let Some(&a) = self.pointers.get(&key) {
                            sc.hit(a);
                        }
                        if let Some((plat, _)) = key.split_once(':') {
                            if let Some(&a) = self.pointers.get(&format!("{plat}:*")) {
                                sc.hit(a);
                            }
                        }
                    }
                }
            }
        }
        // Candidates: rules anchored on a hit atom, and the unanchored ones.
        let gen = sc.gen;
        for i in 0..sc.hits.len() {
            let a = sc.hits[i] as usize;
            let (lo, hi) = (
                self.anchor_start[a] as usize,
                self.anchor_start[a + 1] as usize,
            );
            for &r in &self.anchor_rules[lo..hi] {
                let st = &mut sc.rule_stamp[r as usize];
                if *st != gen {
                    *st = gen;
                    sc.cand.push(r);
                }
            }
        }
        sc.cand.extend_from_slice(&self.always);
        sc.cand.sort_unstable();
        let mut lang = None;
        for &r in &sc.cand {
            let rule = &self.rules[r as usize];
            debug_assert!(rule.state != RuleState::Disabled);
            if eval(&rule.cond, s, sc, &mut lang) {
                out.push(r);
            }
        }
    }

    fn scan_literals(&self, ch: usize, text: &str, sc: &mut Scratch) {
        let scan = &self.channels[ch];
        let Some(ac) = &scan.ac else { return };
        for m in ac.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            let (lo, hi) = (scan.pat_start[p] as usize, scan.pat_start[p + 1] as usize);
            let (slo, shi) = (
                scan.shard_start[p] as usize,
                scan.shard_start[p + 1] as usize,
            );
            for &sh in &scan.pat_shards[slo..shi] {
                sc.shard_stamp[sh as usize] = sc.gen;
            }
            for &(atom, mode) in &scan.lits[lo..hi] {
                if sc.atom_stamp[atom as usize] != sc.gen
                    && text.is_char_boundary(m.start())
                    && text.is_char_boundary(m.end())
                    && boundary::check(text, m.start(), m.end(), mode)
                {
                    sc.hit(atom);
                }
            }
        }
    }

    /// The atoms of rule `r` that hit in the last `evaluate`, as the analyst wrote them (≤ 8).
    pub fn matched_terms(&self, r: u32, sc: &Scratch) -> Vec<String> {
        self.rules[r as usize]
            .atoms
            .iter()
            .filter(|&&a| sc.is_hit(a))
            .take(8)
            .map(|&a| {
                let at = &self.atoms[a as usize];
                let kind = match &at.kind {
                    AtomKind::Keyword { ch, .. } => crate::compile::channel_name(*ch),
                    AtomKind::Regex { .. } => "regex",
                    AtomKind::Hashtag(_) => "hashtag",
                    AtomKind::Domain(_) => "domain",
                    AtomKind::Pointer(_) => "pointer",
                };
                format!("{kind}:{}", at.display)
            })
            .collect()
    }
}
