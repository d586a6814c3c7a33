//! Dominant script of a text and detection of words that mix scripts (a homoglyph tell).

use serde::{Deserialize, Serialize};

use crate::chars::{props, ALPHA, WORDPART};

/// Writing system of a text or word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    /// No letters at all.
    Unknown,
    Latin,
    Cyrillic,
    Arabic,
    Greek,
    Hebrew,
    Armenian,
    Georgian,
    Devanagari,
    Thai,
    /// Han, Hiragana and Katakana (Chinese and Japanese writing).
    Cjk,
    Hangul,
    Ethiopic,
    /// Any other script.
    Other,
}

#[inline]
pub(crate) fn script_of(c: char) -> Option<Script> {
    crate::chars::props(c).script()
}

/// Letters per script and mixed-script words of one text.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScriptStats {
    pub counts: [u32; 14],
    pub letters: u32,
    pub mixed_words: u32,
    pub mixed_examples: Vec<String>,
}

/// Most mixed-script words kept as examples.
const MAX_MIXED_EXAMPLES: usize = 16;

fn idx(s: Script) -> usize {
    s as usize
}

pub(crate) const ALL: [Script; 14] = [
    Script::Unknown,
    Script::Latin,
    Script::Cyrillic,
    Script::Arabic,
    Script::Greek,
    Script::Hebrew,
    Script::Armenian,
    Script::Georgian,
    Script::Devanagari,
    Script::Thai,
    Script::Cjk,
    Script::Hangul,
    Script::Ethiopic,
    Script::Other,
];

pub(crate) fn stats(text: &str) -> ScriptStats {
    let mut st = ScriptStats::default();
    let mut word_start: Option<usize> = None;
    let mut word_scripts: u16 = 0;
    let finish = |st: &mut ScriptStats, start: Option<usize>, end: usize, mask: u16| {
        if mask.count_ones() >= 2 {
            st.mixed_words += 1;
            if st.mixed_examples.len() < MAX_MIXED_EXAMPLES {
                if let Some(s) = start {
                    let w = &text[s..end];
                    // Bound the example size.
                    let cut = w.char_indices().nth(64).map(|(i, _)| i).unwrap_or(w.len());
                    st.mixed_examples.push(w[..cut].to_string());
                }
            }
        }
    };
    for (i, c) in text.char_indices() {
        let p = props(c);
        if p.has(WORDPART) {
            if word_start.is_none() {
                word_start = Some(i);
                word_scripts = 0;
            }
            if p.script != crate::chars::NO_SCRIPT {
                let s = p.script as usize;
                if p.has(ALPHA) {
                    st.counts[s] += 1;
                    st.letters += 1;
                }
                word_scripts |= 1 << s;
            }
        } else if word_start.is_some() {
            finish(&mut st, word_start, i, word_scripts);
            word_start = None;
        }
    }
    if word_start.is_some() {
        finish(&mut st, word_start, text.len(), word_scripts);
    }
    st
}

impl ScriptStats {
    pub fn dominant(&self) -> Script {
        let mut best = Script::Unknown;
        let mut best_n = 0;
        for s in ALL {
            let n = self.counts[idx(s)];
            if n > best_n {
                best = s;
                best_n = n;
            }
        }
        best
    }
    pub fn count(&self, s: Script) -> u32 {
        self.counts[idx(s)]
    }
}
