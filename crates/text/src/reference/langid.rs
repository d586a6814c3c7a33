//! Reference copy (pre-optimization) of the n-gram language identifier, for differential tests.
//!
//! The model (`langid_model.bin`) is produced by `tools/train_langid.py`; the feature
//! extraction and the hash here must match that script exactly. The script of the
//! text narrows the candidates first (Arabic script: ar/fa/ur; Cyrillic: ru/kk/uz;
//! Latin: en/fr/de/tr/uz/id/es), then the n-gram model picks among them.

use crate::langid::LangGuess;
use unicode_general_category::{get_general_category, GeneralCategory as Gc};

use super::script::{self, Script};

static MODEL: &[u8] = include_bytes!("../langid_model.bin");
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

fn model_ok() -> bool {
    MODEL.len() == HEADER + (1 << 16) * LANGS.len() && &MODEL[..6] == b"VLID1\0"
}

fn fnv_init() -> u32 {
    0x811C_9DC5
}

fn fnv_step(mut h: u32, c: char) -> u32 {
    let mut buf = [0u8; 4];
    for &b in c.encode_utf8(&mut buf).as_bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn is_letter(c: char) -> bool {
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
    )
}

fn is_skipped(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    matches!(
        get_general_category(c),
        Gc::NonspacingMark | Gc::SpacingMark | Gc::EnclosingMark | Gc::Format
    )
}

/// Adds the scores of every 1-3-gram of the padded word to `scores` for the candidate columns.
fn score_word(word: &[char], cands: &[usize], scores: &mut [u32; 12]) {
    let table = &MODEL[HEADER..];
    let n = word.len() + 2;
    let at = |i: usize| -> char {
        if i == 0 || i == n - 1 {
            ' '
        } else {
            word[i - 1]
        }
    };
    for i in 0..n {
        let mut h = fnv_init();
        for len in 1..=3 {
            if i + len > n {
                break;
            }
            h = fnv_step(h, at(i + len - 1));
            if len == 1 && (i == 0 || i == n - 1) {
                continue;
            }
            let row = ((h & 0xFFFF) as usize) * LANGS.len();
            for &l in cands {
                scores[l] += table[row + l] as u32;
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
        return unknown();
    }
    let dom = st.dominant();
    let share = st.count(dom) as f32 / st.letters as f32;
    if share < MIN_SHARE {
        return unknown();
    }
    if let Some(code) = script_only(dom, text) {
        return LangGuess {
            code: code.to_string(),
            confidence: share * 0.9,
        };
    }
    let cands = candidates(dom);
    if cands.is_empty() {
        return unknown();
    }
    let mut scores = [0u32; 12];
    let mut word: Vec<char> = Vec::with_capacity(32);
    let mut letters = 0usize;
    let mut features = 0u32;
    for c in text.chars() {
        if is_letter(c) {
            if letters >= MAX_LETTERS {
                break;
            }
            letters += 1;
            for lc in c.to_lowercase() {
                word.push(lc);
            }
        } else if is_skipped(c) {
            continue;
        } else if !word.is_empty() {
            // Only words written in the dominant script carry its language.
            if script::script_of(word[0]) == Some(dom) {
                score_word(&word, cands, &mut scores);
                features += 3 * word.len() as u32;
            }
            word.clear();
        }
    }
    if !word.is_empty() && script::script_of(word[0]) == Some(dom) {
        score_word(&word, cands, &mut scores);
        features += 3 * word.len() as u32;
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

fn unknown() -> LangGuess {
    LangGuess {
        code: "unknown".to_string(),
        confidence: 0.0,
    }
}
