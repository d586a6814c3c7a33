//! Compact character n-gram language identifier (hashed naive Bayes) trained on Debian gettext catalogs.
//!
//! The model (`langid_model.bin`) is produced by `tools/train_langid.py`; the feature
//! extraction and the hash here must match that script exactly. The script of the
//! text narrows the candidates first (Arabic script: ar/fa/ur; Cyrillic: ru/kk/uz;
//! Latin: en/fr/de/tr/uz/id/es), then the n-gram model picks among them.

use serde::{Deserialize, Serialize};

use crate::chars::{props, LETTER, LOWER_MULTI, SKIP};
use crate::script::{self, Script};

static MODEL: &[u8] = include_bytes!("langid_model.bin");
const HEADER: usize = 8;
/// Languages in model column order.
pub const LANGS: [&str; 12] = [
    "ar", "en", "ru", "fr", "de", "tr", "uz", "kk", "fa", "ur", "id", "es",
];
const SCALE: f32 = 16.0;
/// Letters looked at; more adds little and would make the work unbounded.
const MAX_LETTERS: usize = 400;
/// Below this share of letters in the dominant script the text counts as mixed ("unknown").
pub const MIN_SHARE: f32 = 0.6;
/// Below this many letters the answer is "unknown".
pub const MIN_LETTERS: u32 = 8;

/// A language guess with a confidence in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LangGuess {
    /// ISO 639-1 code, or "unknown".
    pub code: String,
    /// Posterior-like confidence; 0 for "unknown".
    pub confidence: f32,
}

impl LangGuess {
    fn unknown() -> Self {
        LangGuess {
            code: "unknown".to_string(),
            confidence: 0.0,
        }
    }
}

fn model_ok() -> bool {
    MODEL.len() == HEADER + (1 << 16) * LANGS.len() && &MODEL[..6] == b"VLID1\0"
}

fn fnv_init() -> u32 {
    0x811C_9DC5
}

#[inline]
fn fnv_step(mut h: u32, c: char) -> u32 {
    // FNV-1a over the UTF-8 bytes of `c`, encoded inline.
    let u = c as u32;
    let mut byte = |b: u32| {
        h ^= b;
        h = h.wrapping_mul(0x0100_0193);
    };
    if u < 0x80 {
        byte(u);
    } else if u < 0x800 {
        byte(0xC0 | (u >> 6));
        byte(0x80 | (u & 0x3F));
    } else if u < 0x1_0000 {
        byte(0xE0 | (u >> 12));
        byte(0x80 | ((u >> 6) & 0x3F));
        byte(0x80 | (u & 0x3F));
    } else {
        byte(0xF0 | (u >> 18));
        byte(0x80 | ((u >> 12) & 0x3F));
        byte(0x80 | ((u >> 6) & 0x3F));
        byte(0x80 | (u & 0x3F));
    }
    h
}

/// Adds the scores of every 1-3-gram of the word to `scores`; `padded` is the word
/// with a space before and after (the padding alone is not a unigram). All 12
/// columns are summed (a fixed-width add the compiler vectorizes); callers read
/// only the candidate columns.
fn score_word(padded: &[char], scores: &mut [u32; 12]) {
    let table = &MODEL[HEADER..];
    let n = padded.len();
    let mut add = |h: u32| {
        let row = ((h & 0xFFFF) as usize) * LANGS.len();
        if let Some(r) = table.get(row..row + 12) {
            for (s, &b) in scores.iter_mut().zip(r) {
                *s += b as u32;
            }
        }
    };
    for i in 0..n {
        let h1 = fnv_step(fnv_init(), padded[i]);
        if i != 0 && i != n - 1 {
            add(h1);
        }
        if i + 1 < n {
            let h2 = fnv_step(h1, padded[i + 1]);
            add(h2);
            if i + 2 < n {
                add(fnv_step(h2, padded[i + 2]));
            }
        }
    }
}

fn candidates(s: Script) -> &'static [usize] {
    // Column indices into LANGS.
    match s {
        Script::Arabic => &[0, 8, 9],
        Script::Cyrillic => &[2, 6, 7],
        Script::Latin => &[1, 3, 4, 5, 6, 10, 11],
        _ => &[],
    }
}

fn script_only(s: Script, text: &str) -> Option<&'static str> {
    Some(match s {
        Script::Greek => "el",
        Script::Hebrew => "he",
        Script::Armenian => "hy",
        Script::Georgian => "ka",
        Script::Thai => "th",
        Script::Hangul => "ko",
        Script::Devanagari => "hi",
        Script::Ethiopic => "am",
        Script::Cjk => {
            if text.chars().any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)) {
                "ja"
            } else {
                "zh"
            }
        }
        _ => return None,
    })
}

/// Guesses the language of `text`.
pub fn detect_language(text: &str) -> LangGuess {
    let st = script::stats(text);
    detect_with_stats(text, &st)
}

pub(crate) fn detect_with_stats(text: &str, st: &script::ScriptStats) -> LangGuess {
    if st.letters < MIN_LETTERS || !model_ok() {
        return LangGuess::unknown();
    }
    let dom = st.dominant();
    let share = st.count(dom) as f32 / st.letters as f32;
    if share < MIN_SHARE {
        return LangGuess::unknown();
    }
    if let Some(code) = script_only(dom, text) {
        return LangGuess {
            code: code.to_string(),
            confidence: share * 0.9,
        };
    }
    let cands = candidates(dom);
    if cands.is_empty() {
        return LangGuess::unknown();
    }
    let mut scores = [0u32; 12];
    // The current word, padded with a space on each side once complete.
    let mut word: Vec<char> = Vec::with_capacity(64);
    word.push(' ');
    let mut letters = 0usize;
    let mut features = 0u32;
    let mut finish = |word: &mut Vec<char>, scores: &mut [u32; 12]| {
        // Only words written in the dominant script carry its language.
        if script::script_of(word[1]) == Some(dom) {
            word.push(' ');
            score_word(word, scores);
            features += 3 * (word.len() - 2) as u32;
        }
        word.truncate(1);
    };
    for c in text.chars() {
        let p = props(c);
        if p.has(LETTER) {
            if letters >= MAX_LETTERS {
                break;
            }
            letters += 1;
            if !p.has(LOWER_MULTI) {
                word.push(p.lower);
            } else {
                word.extend(c.to_lowercase());
            }
        } else if p.has(SKIP) {
            continue;
        } else if word.len() > 1 {
            finish(&mut word, &mut scores);
        }
    }
    if word.len() > 1 {
        finish(&mut word, &mut scores);
    }
    // Lower score = more likely (scores are scaled negative log-probabilities).
    let best = *cands
        .iter()
        .min_by_key(|&&l| scores[l])
        .unwrap_or(&cands[0]);
    let best_s = scores[best] as f32 / SCALE;
    // Temper the naive-Bayes posterior: features are far from independent.
    let temper = 1.0 / (features.max(1) as f32).sqrt();
    let mut z = 0.0f32;
    for &l in cands {
        let d = (scores[l] as f32 / SCALE - best_s) * temper;
        z += (-d).exp();
    }
    let confidence = (1.0 / z) * share;
    LangGuess {
        code: LANGS[best].to_string(),
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_is_present() {
        assert!(model_ok());
    }

    #[test]
    fn short_is_unknown() {
        assert_eq!(detect_language("ok").code, "unknown");
        assert_eq!(detect_language("").code, "unknown");
    }
}
