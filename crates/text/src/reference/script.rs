//! Reference copy (pre-optimization) of script statistics, for differential tests.

pub use crate::script::Script;
use unicode_script::{Script as UScript, UnicodeScript};

pub(crate) fn script_of(c: char) -> Option<Script> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then_some(Script::Latin);
    }
    Some(match c.script() {
        UScript::Latin => Script::Latin,
        UScript::Cyrillic => Script::Cyrillic,
        UScript::Arabic => Script::Arabic,
        UScript::Greek => Script::Greek,
        UScript::Hebrew => Script::Hebrew,
        UScript::Armenian => Script::Armenian,
        UScript::Georgian => Script::Georgian,
        UScript::Devanagari => Script::Devanagari,
        UScript::Thai => Script::Thai,
        UScript::Han | UScript::Hiragana | UScript::Katakana | UScript::Bopomofo => Script::Cjk,
        UScript::Hangul => Script::Hangul,
        UScript::Ethiopic => Script::Ethiopic,
        UScript::Common | UScript::Inherited | UScript::Unknown => return None,
        _ => Script::Other,
    })
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
        let part_of_word = c.is_alphanumeric()
            || matches!(c, '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0640}')
            || super::normalize::is_invisible(c);
        if part_of_word {
            if word_start.is_none() {
                word_start = Some(i);
                word_scripts = 0;
            }
            if let Some(s) = script_of(c) {
                if c.is_alphabetic() {
                    st.counts[idx(s)] += 1;
                    st.letters += 1;
                }
                word_scripts |= 1 << idx(s);
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
