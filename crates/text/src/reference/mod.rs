//! The text stage as it was before the speed work (vigil-text at ea07fc4), kept verbatim for differential tests.
//!
//! Only compiled for tests. `differential` checks that the optimized stage gives
//! byte-identical results to this one on corpora and generated hostile strings.
#![allow(dead_code)]

pub mod entities;
pub mod langid;
pub mod normalize;
pub mod script;

use crate::url::canonicalize_url;
use crate::{TextAnalysis, UrlInfo, MAX_ANALYZE_BYTES};

use entities::extract_entities;
use normalize::{arabic_normalize, fold, nfkc_casefold, skeleton};

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

pub fn hashtag_key(tag: &str) -> String {
    let tag = head(tag, 1024);
    let mut key = key_step(tag.trim_start_matches(['#', '＃']));
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
