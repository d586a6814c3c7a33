//! vigil-text: the text stage for one post (normalized channels, twitter-text entities, URLs, language and script).
//!
//! Every function here is total: any `&str` is accepted, nothing panics, work is
//! linear in the input (with fixed caps), and nothing performs IO. The original text
//! is never altered; detectors pick a [`Channel`] to read.

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
    let tag = head(tag, 1024);
    let mut key = key_step(tag.trim_start_matches(['#', '＃']));
    // Skeleton output can itself fold further (e.g. a digit); iterate to a fixpoint
    // (in practice one extra step) so that keys are stable.
    for _ in 0..4 {
        let next = key_step(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

fn key_step(tag: &str) -> String {
    let folded = fold(tag);
    let ar = arabic_normalize(&folded);
    let joined: String = ar
        .chars()
        .filter(|&c| c.is_alphanumeric() || entities::is_hashtag_alpha(c))
        .collect();
    skeleton(&joined)
}

/// Reusable state for the text stage: keeps scratch buffers between posts so that a
/// worker analysing many posts allocates little. One per thread.
#[derive(Debug, Default)]
pub struct Analyzer {
    last: Option<TextAnalysis>,
}

impl Analyzer {
    /// A fresh analyzer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Same result as [`analyze`]; the returned analysis lives until the next call.
    pub fn analyze(&mut self, text: &str) -> &TextAnalysis {
        self.last.insert(analyze(text))
    }
}

/// The whole text stage for one post.
pub fn analyze(text: &str) -> TextAnalysis {
    let truncated = text.len() > MAX_ANALYZE_BYTES;
    let text = head(text, MAX_ANALYZE_BYTES);
    let nfkc = nfkc_casefold(text);
    let skeleton = skeleton(&nfkc);
    let folded = fold(text);
    let arabic = arabic_normalize(&nfkc);
    let ents = extract_entities(text);
    let urls = ents
        .urls
        .into_iter()
        .map(|u| {
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
        })
        .collect();
    let st = script::stats(text);
    let lang = langid::detect_with_stats(text, &st);
    TextAnalysis {
        nfkc,
        skeleton,
        folded,
        arabic,
        hashtags: ents.hashtags,
        mentions: ents.mentions,
        urls,
        cashtags: ents.cashtags,
        lang,
        script: st.dominant(),
        mixed_script_words: st.mixed_words,
        mixed_script_examples: st.mixed_examples,
        truncated,
    }
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
