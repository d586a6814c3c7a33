//! Reference copy (pre-optimization) of the normalized channels, for differential tests.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script as UScript, UnicodeScript};

/// NFKC followed by full lowercase mapping (then NFKC again so the result is stable).
pub fn nfkc_casefold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let lowered: String = text.nfkc().flat_map(char::to_lowercase).collect();
    lowered.nfkc().collect()
}

fn ascii_skeleton_table() -> &'static [String; 128] {
    static T: OnceLock<[String; 128]> = OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = char::from(i as u8);
            unicode_security::skeleton(&c.to_string()).collect()
        })
    })
}

/// UTS #39 confusable skeleton of `text` (computed as given; callers pass the NFKC channel).
pub fn skeleton(text: &str) -> String {
    if text.is_ascii() {
        let table = ascii_skeleton_table();
        let mut out = String::with_capacity(text.len());
        for b in text.bytes() {
            out.push_str(&table[b as usize]);
        }
        return out;
    }
    unicode_security::skeleton(text).collect()
}

/// Invisible characters used to split or disguise words: zero-width, soft hyphen,
/// bidi controls, variation selectors, fillers and tag characters.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Arabic tatweel and harakat (tashkeel), including Quranic marks and superscript alef.
pub fn is_arabic_diacritic(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

/// Lucene ArabicNormalizer rules applied to the NFKC channel, plus Persian/Urdu letter folding.
///
/// Lucene: alef with madda / hamza above / hamza below → alef; alef maksura → yeh;
/// teh marbuta → heh; tatweel and harakat (U+064B..U+0652) removed. vigil also drops
/// the remaining Arabic marks (U+0610..U+061A, U+0653..U+065F, U+0670, Quranic
/// annotation signs), maps alef wasla → alef, and folds Persian/Urdu forms to the
/// Arabic letters they vary: keheh ک → kaf ك, farsi yeh ی and yeh barree ے → yeh ي,
/// heh goal ہ, heh doachashmee ھ, heh with yeh above ۀ and teh marbuta goal ۃ → heh ه.
pub fn arabic_normalize(nfkc: &str) -> String {
    if nfkc.is_ascii() {
        return nfkc.to_string();
    }
    let mut out = String::with_capacity(nfkc.len());
    for c in nfkc.chars() {
        if is_arabic_diacritic(c) {
            continue;
        }
        out.push(arabic_fold_char(c));
    }
    out
}

fn arabic_fold_char(c: char) -> char {
    match c {
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' => '\u{0627}',
        '\u{0649}' | '\u{06CC}' | '\u{06D2}' | '\u{06D0}' => '\u{064A}',
        '\u{0629}' | '\u{06C1}' | '\u{06BE}' | '\u{06C0}' | '\u{06C3}' | '\u{06D5}' => '\u{0647}',
        '\u{06A9}' | '\u{06AA}' => '\u{0643}',
        _ => c,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum WordScript {
    None,
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn char_word_script(c: char) -> WordScript {
    if c.is_ascii_alphabetic() {
        return WordScript::Latin;
    }
    if c.is_ascii() {
        return WordScript::None;
    }
    match c.script() {
        UScript::Latin => WordScript::Latin,
        UScript::Cyrillic => WordScript::Cyrillic,
        UScript::Greek => WordScript::Greek,
        UScript::Common | UScript::Inherited | UScript::Unknown => WordScript::None,
        _ => WordScript::Other,
    }
}

/// Lowercase Cyrillic or Greek letter that looks like a Latin letter (the text is
/// lowercased first, so uppercase lookalikes such as В, Н, Т arrive as в, н, т).
fn to_latin_homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ї' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'һ' => 'h',
        'ӏ' => 'l',
        'ү' => 'y',
        'ɡ' => 'g',
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'ζ' => 'z',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        _ => return None,
    })
}

/// Lowercase Latin letter that looks like a Cyrillic letter.
fn to_cyrillic_homoglyph(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'b' => 'в',
        'e' => 'е',
        'k' => 'к',
        'm' => 'м',
        'h' => 'н',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        't' => 'т',
        'y' => 'у',
        'x' => 'х',
        'i' => 'і',
        'j' => 'ј',
        's' => 'ѕ',
        _ => return None,
    })
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        '|' => 'l',
        _ => return None,
    })
}

/// Maps homoglyphs toward the word's dominant script, and leetspeak inside Latin words.
fn fold_token(token: &[char], out: &mut Vec<char>) {
    let (mut lat, mut cyr, mut other) = (0u32, 0u32, 0u32);
    for &c in token {
        match char_word_script(c) {
            WordScript::Latin => lat += 1,
            WordScript::Cyrillic => cyr += 1,
            WordScript::Greek | WordScript::Other => other += 1,
            WordScript::None => {}
        }
    }
    let latin_word = lat > 0 && lat >= cyr && lat >= other;
    let cyrillic_word = cyr > 0 && cyr > lat && cyr >= other;
    for (i, &c) in token.iter().enumerate() {
        let mapped = if latin_word {
            if let Some(l) = to_latin_homoglyph(c) {
                l
            } else if let Some(l) = leet(c) {
                // Digits anywhere in a Latin word; symbols only between word characters,
                // so sigils (@user, $TAG) and trailing punctuation stay as they are.
                let interior = i > 0
                    && token[..i].iter().any(|&p| p.is_alphanumeric())
                    && token[i + 1..].iter().any(|&n| n.is_alphanumeric());
                if c.is_ascii_digit() || interior {
                    l
                } else {
                    c
                }
            } else {
                c
            }
        } else if cyrillic_word {
            to_cyrillic_homoglyph(c).unwrap_or(c)
        } else {
            c
        };
        out.push(mapped);
    }
}

fn is_collapse_sep(c: char) -> bool {
    matches!(
        c,
        ' ' | '.' | '-' | '_' | '*' | '·' | '/' | '|' | ',' | '+' | '~' | '•' | '\''
    )
}

/// Collapses runs of ≥3 single letters split by separators: "i.s.i.s", "i s i s", "i-s-i-s".
fn collapse_spaced(chars: &[char]) -> (Vec<char>, bool) {
    let n = chars.len();
    let mut out = Vec::with_capacity(n);
    let mut changed = false;
    let is_single = |i: usize| -> bool {
        chars[i].is_alphabetic()
            && (i == 0 || !chars[i - 1].is_alphanumeric())
            && (i + 1 == n || !chars[i + 1].is_alphanumeric())
    };
    let mut i = 0;
    while i < n {
        if is_single(i) {
            // Gather letters separated by 1-2 separator chars.
            let mut letters = vec![i];
            let mut j = i + 1;
            loop {
                let mut k = j;
                while k < n && k - j < 2 && is_collapse_sep(chars[k]) {
                    k += 1;
                }
                if k > j && k < n && is_single(k) {
                    letters.push(k);
                    j = k + 1;
                } else {
                    break;
                }
            }
            if letters.len() >= 3 {
                out.extend(letters.iter().map(|&k| chars[k]));
                changed = true;
                i = j;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    (out, changed)
}

fn fold_tokens(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == ' ' {
            if i > start {
                fold_token(&chars[start..i], &mut out);
            }
            if i < chars.len() {
                out.push(' ');
            }
            start = i + 1;
        }
    }
    out
}

/// The evasion-folded channel.
///
/// Invisible and bidi characters are removed; NFKC maps styled letters (𝐈𝐒𝐈𝐒, fullwidth)
/// to plain ones; Arabic tatweel and harakat are removed; each whitespace-separated
/// word has homoglyphs mapped toward its dominant script (Cyrillic in a Latin word →
/// Latin, Latin in a Cyrillic word → Cyrillic) and, for Latin words only, leetspeak
/// digits and symbols mapped to letters; runs of single letters split by spaces or
/// punctuation are joined; the result is lowercased with whitespace collapsed.
/// Arabic, Cyrillic and other scripts are never rewritten into Latin lookalikes.
pub fn fold(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    let mut pending_space = false;
    let mut push = |c: char, chars: &mut Vec<char>| {
        if c.is_whitespace() {
            pending_space = !chars.is_empty();
        } else {
            if pending_space {
                chars.push(' ');
                pending_space = false;
            }
            chars.push(c);
        }
    };
    if text.is_ascii() {
        for c in text.chars() {
            push(c.to_ascii_lowercase(), &mut chars);
        }
    } else {
        for c in text
            .chars()
            .filter(|&c| !is_invisible(c))
            .nfkc()
            .flat_map(char::to_lowercase)
        {
            if is_arabic_diacritic(c) || is_invisible(c) {
                continue;
            }
            push(c, &mut chars);
        }
    }
    let mapped = fold_tokens(&chars);
    let (collapsed, changed) = collapse_spaced(&mapped);
    let final_chars = if changed {
        fold_tokens(&collapsed)
    } else {
        collapsed
    };
    let mut s: String = final_chars.into_iter().collect();
    if !s.is_ascii() {
        s = s.nfkc().collect();
    }
    s
}
