//! What both detectors read from one post: keys, text hashes, a MinHash signature, links,
//! hashtag sequence, repost and reply targets, and harm/context evidence. Extracted once per
//! post into an owned, compact value so that posts can wait in the lateness buffer.

use crate::sketch::{hash_bytes, minhash, mix64, MINHASH_K};
use std::collections::HashSet;
use std::sync::Arc;
use vigil_detect::Observation;
use vigil_model::{EntityKind, Signal};

/// Characters of normalized text used for shingling (posts are short; this bounds the work).
pub const MAX_SHINGLE_CHARS: usize = 2_000;
/// At most this many hashtags, URLs and phrase keys are used per post.
pub const MAX_KEYS_PER_KIND: usize = 16;
/// Character shingle width.
pub const SHINGLE: usize = 4;

/// A campaign key's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Hashtag,
    Url,
    Domain,
    Phrase,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Hashtag => "hashtag",
            KeyKind::Url => "url",
            KeyKind::Domain => "domain",
            KeyKind::Phrase => "phrase",
        }
    }
}

/// One candidate campaign key of a post.
#[derive(Debug, Clone)]
pub struct Key {
    pub kind: KeyKind,
    pub hash: u64,
    /// Display form: `#tag` as first written, the canonical URL, the domain, or a phrase excerpt
    /// (shared: the phrase bands of one post point at one excerpt).
    pub label: Arc<str>,
}

/// Harm and context evidence about a post or its author, from other detectors and the hook.
pub trait HarmHook: Send + Sync {
    /// A harm score in [0, 1] for this post (0 when nothing indicates harm).
    fn harm(&self, obs: &Observation<'_>, f: &TextView<'_>) -> f32;
    /// The harm score and whether the post carries a news, research, counter-speech or
    /// educational context. A hook that can tell context (a rule pack) overrides this; the
    /// default knows no context.
    fn assess(&self, obs: &Observation<'_>, f: &TextView<'_>) -> (f32, bool) {
        (self.harm(obs, f), false)
    }
}

/// What a [`HarmHook`] may look at besides the observation.
pub struct TextView<'a> {
    pub hashtag_keys: &'a [String],
    pub words: &'a [&'a str],
}

/// A lexicon of publicly documented indicator tokens (group names, supporter hashtags): a
/// stand-in for the rule pack's verdicts. A hit is weak evidence (weight 0.6): news and
/// counter-speech quote the same tokens, which is why a campaign needs coordination too.
pub struct IndicatorLexicon {
    keys: HashSet<String>,
    words: HashSet<String>,
}

impl IndicatorLexicon {
    pub fn new<S: AsRef<str>>(terms: &[S]) -> Self {
        let mut keys = HashSet::new();
        let mut words = HashSet::new();
        for t in terms {
            let t = t.as_ref();
            keys.insert(vigil_text::hashtag_key(t));
            words.insert(vigil_text::fold(t.trim_start_matches('#')));
        }
        IndicatorLexicon { keys, words }
    }
}

impl HarmHook for IndicatorLexicon {
    fn harm(&self, _obs: &Observation<'_>, f: &TextView<'_>) -> f32 {
        let hit = f.hashtag_keys.iter().any(|k| self.keys.contains(k))
            || f.words.iter().any(|w| self.words.contains(*w));
        if hit {
            0.6
        } else {
            0.0
        }
    }
}

/// The features of one post.
#[derive(Debug, Clone)]
pub struct PostFeatures {
    pub post_id: String,
    /// Hash of the post id (as `repost_of`/`reply_to` hash theirs).
    pub id_hash: u64,
    pub account: String,
    pub platform: String,
    pub lang: String,
    pub t: i64,
    /// Campaign keys (hashtags, URLs, domains, phrase bands).
    pub keys: Vec<Key>,
    /// Hash of the normalized text (mentions and URLs dropped); `None` for reposts and
    /// texts too short to mean anything.
    pub text_hash: Option<u64>,
    pub sig: Option<[u64; MINHASH_K]>,
    pub links: Vec<u64>,
    pub tag_seq: Option<u64>,
    pub repost_of: Option<u64>,
    pub reply_to: Option<u64>,
    /// Harm evidence in [0, 1].
    pub harm: f32,
    /// The post or its author carries a news, research, counter-speech or educational context.
    pub context: bool,
}

/// Extraction settings.
#[derive(Debug, Clone)]
pub struct FeatureConfig {
    /// Minimum normalized characters for text-based coordination (co-post, co-similar).
    pub min_text_chars: usize,
    /// MinHash rows per LSH band (16 bins / rows = bands).
    pub band_rows: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            min_text_chars: 12,
            band_rows: 4,
        }
    }
}

/// Extract features; `earlier` are the signals other detectors already emitted in this pass
/// (the tail of the shared output vector), scanned for harm and context about this post.
pub fn extract(
    obs: &Observation<'_>,
    earlier: &[Signal],
    hook: Option<&dyn HarmHook>,
    cfg: &FeatureConfig,
) -> PostFeatures {
    let post = obs.post;
    let text = obs.text;
    let mut keys = Vec::new();
    let mut hashtag_keys = Vec::new();
    for h in text.hashtags.iter().take(MAX_KEYS_PER_KIND) {
        if h.key.is_empty() || hashtag_keys.contains(&h.key) {
            continue;
        }
        hashtag_keys.push(h.key.clone());
        keys.push(Key {
            kind: KeyKind::Hashtag,
            hash: hash_bytes(h.key.as_bytes()) ^ 0x1,
            label: format!("#{}", vigil_model::truncate_for_message(&h.text, 140)).into(),
        });
    }
    let tag_seq = if hashtag_keys.len() >= 2 {
        let mut h = 0x7a6u64;
        for k in &hashtag_keys {
            h = mix64(h ^ hash_bytes(k.as_bytes()));
        }
        Some(h)
    } else {
        None
    };
    let mut links = Vec::new();
    let mut domains: Vec<u64> = Vec::new();
    // Prefer the platform's expanded URLs (a `t.co` wrapper says nothing); fall back to the text's.
    let expanded: Vec<vigil_text::UrlInfo> = post
        .urls
        .iter()
        .take(MAX_KEYS_PER_KIND)
        .filter_map(|u| vigil_text::canonicalize_url(u))
        .collect();
    let infos: &[vigil_text::UrlInfo] = if expanded.is_empty() {
        &text.urls
    } else {
        &expanded
    };
    for u in infos.iter().take(MAX_KEYS_PER_KIND) {
        let h = hash_bytes(u.canonical.as_bytes()) ^ 0x2;
        if links.contains(&h) {
            continue;
        }
        links.push(h);
        if u.is_shortener {
            continue;
        }
        keys.push(Key {
            kind: KeyKind::Url,
            hash: h,
            label: vigil_model::truncate_for_message(&u.canonical, 300).into(),
        });
        if let Some(d) = &u.registrable_domain {
            let dh = hash_bytes(d.as_bytes()) ^ 0x3;
            if !domains.contains(&dh) {
                domains.push(dh);
                keys.push(Key {
                    kind: KeyKind::Domain,
                    hash: dh,
                    label: vigil_model::truncate_for_message(d, 300).into(),
                });
            }
        }
    }
    // Normalized text: the folded channel without mentions and URLs, whitespace collapsed.
    let mut words: Vec<&str> = Vec::new();
    let mut norm = String::new();
    for w in text.folded.split_whitespace() {
        if w.starts_with('@') || w.contains("://") || w.starts_with("www.") {
            continue;
        }
        if norm.len() >= MAX_SHINGLE_CHARS * 4 {
            break;
        }
        if !norm.is_empty() {
            norm.push(' ');
        }
        norm.push_str(w);
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if !bare.is_empty() {
            words.push(bare);
        }
    }
    let is_repost = post.repost_of.is_some();
    let chars: Vec<char> = norm.chars().take(MAX_SHINGLE_CHARS).collect();
    let (text_hash, sig) = if is_repost || chars.len() < cfg.min_text_chars {
        (None, None)
    } else {
        let th = hash_bytes(norm.as_bytes());
        let sig = minhash(chars.windows(SHINGLE).map(|w| {
            let mut h = 0u64;
            for &c in w {
                h = h.wrapping_mul(0x100_0000_01b3) ^ c as u64;
            }
            h
        }));
        (Some(th), sig)
    };
    if let Some(sig) = &sig {
        let mut b = Vec::new();
        crate::sketch::bands(sig, cfg.band_rows, &mut b);
        let excerpt: Arc<str> = chars.iter().take(80).collect::<String>().into();
        for (i, h) in b.into_iter().enumerate().take(MAX_KEYS_PER_KIND) {
            keys.push(Key {
                kind: KeyKind::Phrase,
                hash: mix64(h ^ 0x4 ^ i as u64),
                label: excerpt.clone(),
            });
        }
    }
    // Evidence from detectors that ran earlier in this pass.
    let mut harm = 0f32;
    let mut context = false;
    for s in earlier.iter().rev().take(256) {
        let about_post = s.entity_kind == EntityKind::Post && s.entity_id == post.id;
        let about_author = s.entity_kind == EntityKind::Account && s.entity_id == post.account_id;
        if !(about_post || about_author) || s.shadow {
            continue;
        }
        if s.detector == crate::CAMPAIGN || s.detector == crate::COORDINATION {
            continue;
        }
        if s.context.is_some() {
            context = true;
        } else if s.category.is_some() {
            harm = harm.max(s.weight.clamp(0.0, 1.0));
        }
    }
    if !obs.facts.bank_matches.is_empty() {
        harm = harm.max(0.9);
    }
    if let Some(r) = obs.facts.risk {
        if r.is_finite() {
            harm = harm.max(r.clamp(0.0, 1.0));
        }
    }
    if let Some(hook) = hook {
        let v = TextView {
            hashtag_keys: &hashtag_keys,
            words: &words,
        };
        let (h, ctx) = hook.assess(obs, &v);
        if h.is_finite() {
            harm = harm.max(h.clamp(0.0, 1.0));
        }
        context |= ctx;
    }
    PostFeatures {
        post_id: post.id.clone(),
        id_hash: hash_bytes(post.id.as_bytes()),
        account: post.account_id.clone(),
        platform: post.platform.as_str().to_string(),
        lang: text.lang.code.clone(),
        t: post.created_at,
        keys,
        text_hash,
        sig,
        links,
        tag_seq,
        repost_of: post.repost_of.as_deref().map(|r| hash_bytes(r.as_bytes())),
        reply_to: post.reply_to.as_deref().map(|r| hash_bytes(r.as_bytes())),
        harm,
        context,
    }
}
