//! vigil-text: the text stage for one post (normalized channels, twitter-text entities, URLs, language and script).
//!
//! Every function here is total: any `&str` is accepted, nothing panics, work is
//! linear in the input (with fixed caps), and nothing performs IO. The original text
//! is never altered; detectors pick a [`Channel`] to read.

mod chars;
mod entities;
mod langid;
mod normalize;
mod script;
mod tlds;
mod url;

#[cfg(test)]
mod differential;
#[cfg(test)]
mod reference;

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

pub use entities::{
    extract_cashtags, extract_entities, extract_hashtags, extract_mentions,
    extract_mentions_or_lists, extract_reply, extract_urls, Cashtag, Entities, Hashtag, Mention,
    Span, UrlEntity,
};
pub use langid::{
    detect_language, LangGuess, LANGS as LANGID_LANGUAGES, MIN_LETTERS as LANGID_MIN_LETTERS,
};
pub use normalize::{arabic_normalize, fold, nfkc_casefold, skeleton};
pub use script::Script;
pub use url::{canonicalize_url, Platform, PlatformPointer, UrlInfo, MAX_URL_BYTES};

/// Errors of this crate. The analysis functions are total and never return them;
/// they exist for callers that want to refuse oversized input explicitly.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    /// The text is larger than the caller's limit.
    #[error("text is {len} bytes, over the limit of {limit}")]
    TooLarge {
        /// Actual size in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

/// Refuses text over `limit` bytes; a convenience for ingest code.
pub fn check_size(text: &str, limit: usize) -> Result<&str, TextError> {
    if text.len() > limit {
        Err(TextError::TooLarge {
            len: text.len(),
            limit,
        })
    } else {
        Ok(text)
    }
}

/// Text beyond this many bytes is not analysed by [`analyze`] (the cut is on a char
/// boundary); posts on every supported platform are far shorter.
pub const MAX_ANALYZE_BYTES: usize = 64 * 1024;

/// Everything the text stage derives from one post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAnalysis {
    /// NFKC with case folding.
    pub nfkc: String,
    /// UTS #39 confusable skeleton of the NFKC channel.
    pub skeleton: String,
    /// Evasion-folded channel (per script; Arabic is never turned into Latin).
    pub folded: String,
    /// Lucene ArabicNormalizer rules (plus Persian/Urdu folding) on top of `nfkc`.
    pub arabic: String,
    /// Hashtags, exactly as twitter-text extracts them, with normalized keys.
    pub hashtags: Vec<Hashtag>,
    /// Mentions and list references.
    pub mentions: Vec<Mention>,
    /// URLs with canonical form, IDN, registrable domain and pointers.
    pub urls: Vec<UrlInfo>,
    /// Cashtags.
    pub cashtags: Vec<Cashtag>,
    /// Language guess.
    pub lang: LangGuess,
    /// Dominant script.
    pub script: Script,
    /// Number of words mixing letters of two or more scripts.
    pub mixed_script_words: u32,
    /// Up to 16 of those words (each cut to 64 chars).
    pub mixed_script_examples: Vec<String>,
    /// The input was longer than [`MAX_ANALYZE_BYTES`] and only its head was analysed.
    pub truncated: bool,
}

/// Which text a detector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The text as posted.
    Original,
    /// NFKC + case folding.
    Nfkc,
    /// Confusable skeleton.
    Skeleton,
    /// Evasion fold.
    Folded,
    /// Arabic normalization.
    Arabic,
}

/// The text of one channel; `original` is the text that `a` was computed from.
pub fn channel<'a>(a: &'a TextAnalysis, original: &'a str, ch: Channel) -> &'a str {
    match ch {
        Channel::Original => original,
        Channel::Nfkc => &a.nfkc,
        Channel::Skeleton => &a.skeleton,
        Channel::Folded => &a.folded,
        Channel::Arabic => &a.arabic,
    }
}

fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// Normalized hashtag key: evasion fold (NFKC, case, invisibles, homoglyphs toward the
/// word's script, leetspeak in Latin words), then Arabic folding, then the UTS #39
/// skeleton, with the `#` and underscores removed. `#AllEyesOnISIS`, `#alleyesonisis`
/// and `#AllEyesOnІЅІЅ` (Cyrillic І, Ѕ) share one key.
pub fn hashtag_key(tag: &str) -> String {
    thread_local! {
        static KEY: RefCell<KeyScratch> = RefCell::new(KeyScratch::default());
    }
    KEY.with(|k| match k.try_borrow_mut() {
        Ok(mut sc) => hashtag_key_with(tag, &mut sc),
        Err(_) => hashtag_key_with(tag, &mut KeyScratch::default()),
    })
}

/// Reused buffers of [`hashtag_key`].
#[derive(Debug, Default)]
struct KeyScratch {
    fold: normalize::FoldScratch,
    folded: String,
    arabic: String,
    joined: String,
    next: String,
}

fn hashtag_key_with(tag: &str, sc: &mut KeyScratch) -> String {
    let tag = head(tag, 1024);
    let mut key = String::new();
    key_step(tag.trim_start_matches(['#', '＃']), sc, &mut key);
    // Skeleton output can itself fold further (e.g. a digit); iterate to a fixpoint
    // (in practice one extra step) so that keys are stable.
    let mut next = std::mem::take(&mut sc.next);
    for _ in 0..4 {
        key_step(&key, sc, &mut next);
        if next == key {
            break;
        }
        std::mem::swap(&mut key, &mut next);
    }
    sc.next = next;
    key
}

fn key_step(tag: &str, sc: &mut KeyScratch, out: &mut String) {
    normalize::fold_into(tag, &mut sc.fold, &mut sc.folded);
    normalize::arabic_normalize_into(&sc.folded, &mut sc.arabic);
    sc.joined.clear();
    sc.joined.extend(
        sc.arabic
            .chars()
            .filter(|&c| chars::props(c).has(chars::ALNUM) || entities::is_hashtag_alpha(c)),
    );
    normalize::skeleton_into(&sc.joined, out);
}

/// Reused buffers of the whole stage.
#[derive(Debug, Default)]
struct Scratch {
    fold: normalize::FoldScratch,
}

/// Reusable state for the text stage: keeps scratch buffers and the output channels'
/// allocations between posts, so that a worker analysing many posts allocates little.
/// Use one per thread.
#[derive(Debug)]
pub struct Analyzer {
    out: TextAnalysis,
    sc: Scratch,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// A fresh analyzer.
    pub fn new() -> Self {
        Analyzer {
            out: empty_analysis(),
            sc: Scratch::default(),
        }
    }

    /// Same result as [`analyze`]; the returned analysis lives until the next call.
    pub fn analyze(&mut self, text: &str) -> &TextAnalysis {
        analyze_into(text, &mut self.sc, &mut self.out);
        &self.out
    }
}

fn empty_analysis() -> TextAnalysis {
    TextAnalysis {
        nfkc: String::new(),
        skeleton: String::new(),
        folded: String::new(),
        arabic: String::new(),
        hashtags: Vec::new(),
        mentions: Vec::new(),
        urls: Vec::new(),
        cashtags: Vec::new(),
        lang: LangGuess {
            code: String::new(),
            confidence: 0.0,
        },
        script: Script::Unknown,
        mixed_script_words: 0,
        mixed_script_examples: Vec::new(),
        truncated: false,
    }
}

/// The whole text stage for one post.
pub fn analyze(text: &str) -> TextAnalysis {
    thread_local! {
        static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    }
    let mut out = empty_analysis();
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut sc) => analyze_into(text, &mut sc, &mut out),
        Err(_) => analyze_into(text, &mut Scratch::default(), &mut out),
    });
    out
}

fn analyze_into(text: &str, sc: &mut Scratch, a: &mut TextAnalysis) {
    a.truncated = text.len() > MAX_ANALYZE_BYTES;
    let text = head(text, MAX_ANALYZE_BYTES);
    normalize::nfkc_casefold_into(text, &mut a.nfkc);
    normalize::skeleton_into(&a.nfkc, &mut a.skeleton);
    normalize::fold_into(text, &mut sc.fold, &mut a.folded);
    normalize::arabic_normalize_into(&a.nfkc, &mut a.arabic);
    let ents = extract_entities(text);
    a.urls.clear();
    a.urls.extend(ents.urls.into_iter().map(|u| {
        let mut info = canonicalize_url(&u.url).unwrap_or_else(|| UrlInfo {
            raw: u.url.clone(),
            canonical: u.url.clone(),
            host_unicode: String::new(),
            host_ascii: String::new(),
            registrable_domain: None,
            is_shortener: false,
            had_userinfo: false,
            pointer: None,
            span: None,
        });
        info.span = Some(u.span);
        info
    }));
    a.hashtags = ents.hashtags;
    a.mentions = ents.mentions;
    a.cashtags = ents.cashtags;
    let st = script::stats(text);
    a.lang = langid::detect_with_stats(text, &st);
    a.script = st.dominant();
    a.mixed_script_words = st.mixed_words;
    a.mixed_script_examples = st.mixed_examples;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtag_keys_meet() {
        let k = hashtag_key("AllEyesOnISIS");
        assert_eq!(k, hashtag_key("#alleyesonisis"));
        assert_eq!(k, hashtag_key("AllEyesOnІЅІЅ"));
        assert_eq!(k, hashtag_key("𝐀𝐥𝐥𝐄𝐲𝐞𝐬𝐎𝐧𝐈𝐒𝐈𝐒"));
        assert_ne!(k, hashtag_key("AllEyesOnParis"));
    }

    #[test]
    fn analyze_smoke() {
        let a = analyze(
            "RT @someone: #AllEyesOnISIS see https://t.me/example_channel?utm_source=x and ІЅІЅ",
        );
        assert_eq!(a.hashtags.len(), 1);
        assert_eq!(a.mentions.len(), 1);
        assert_eq!(a.urls.len(), 1);
        assert_eq!(
            a.urls[0].pointer.as_ref().unwrap().platform,
            Platform::Telegram
        );
        assert_eq!(a.urls[0].canonical, "https://t.me/example_channel");
        assert_eq!(a.script, Script::Latin);
        let a = analyze("word with mixеd letters");
        assert_eq!(a.mixed_script_words, 1);
    }
}
