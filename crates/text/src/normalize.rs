//! Normalized channels: NFKC with case folding, UTS #39 skeleton, the evasion fold and Arabic normalization.

use unicode_normalization::UnicodeNormalization;

use crate::chars::{
    nfkc_quick_yes, props, push_lower, skeleton_of, Skel, ALNUM, ALPHA, ARDIA, INVIS, LOWER_MULTI,
    NFKC_SAFE, NFKC_YES, WS,
};
use crate::script::Script;

/// NFKC followed by full lowercase mapping (then NFKC again so the result is stable).
pub fn nfkc_casefold(text: &str) -> String {
    let mut out = String::new();
    nfkc_casefold_into(text, &mut out);
    out
}

/// [`nfkc_casefold`] into a reused buffer.
///
/// Fast path: when every char is NFKC-quick-check Yes with combining class 0 the
/// first NFKC is the identity, and when every lowercased char is too, so is the second.
pub(crate) fn nfkc_casefold_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    if nfkc_quick_yes(text.chars()) {
        let mut safe = true;
        for c in text.chars() {
            push_lower(c, out, &mut safe);
        }
        if !safe && !nfkc_quick_yes(out.chars()) {
            let lowered = std::mem::take(out);
            nfkc_segments(&lowered, out);
        }
        return;
    }
    let mut first = String::with_capacity(text.len() + 8);
    nfkc_segments(text, &mut first);
    let mut lowered = String::with_capacity(first.len() + 8);
    lowered.extend(first.chars().flat_map(char::to_lowercase));
    nfkc_segments(&lowered, out);
}

/// Appends NFKC of `text` to `out`, running the normalizer only on the segments that
/// need it.
///
/// A char whose NFKC quick check is Yes and whose combining class is 0 ("safe") is
/// a normalization boundary: nothing before it can reorder or compose across it
/// (quick check Yes means it never composes with a preceding char), so
/// NFKC(x + y) = NFKC(x) + NFKC(y) whenever y starts with a safe char. Each unsafe
/// char is normalized together with the safe char before it (which it may compose
/// with) and the unsafe chars after it, up to the next safe char; everything else
/// is copied verbatim.
pub(crate) fn nfkc_segments(text: &str, out: &mut String) {
    out.reserve(text.len());
    // Bytes of `text` already written, and the start of the last safe char seen.
    let mut done = 0usize;
    let mut last_safe = 0usize;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if props(c).has(NFKC_SAFE) {
            last_safe = i;
            continue;
        }
        let start = last_safe.max(done);
        out.push_str(&text[done..start]);
        let mut end = text.len();
        while let Some(&(j, d)) = it.peek() {
            if props(d).has(NFKC_SAFE) {
                end = j;
                break;
            }
            it.next();
        }
        out.extend(text[start..end].nfkc());
        done = end;
        last_safe = end;
    }
    out.push_str(&text[done..]);
}

/// UTS #39 confusable skeleton of `text` (computed as given; callers pass the NFKC channel).
pub fn skeleton(text: &str) -> String {
    let mut out = String::new();
    skeleton_into(text, &mut out);
    out
}

/// [`skeleton`] into a reused buffer. Chars whose decomposition and prototype are
/// starters come from a per-char cache; runs of other chars (combining marks,
/// default-ignorables) go through `unicode_security::skeleton` as a unit, which gives
/// the same result because canonical reordering never crosses a starter.
pub(crate) fn skeleton_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    // Start of the pending run of identity chars (copied verbatim), of a pending run
    // of complex chars, and a head char waiting to see whether a simple char follows.
    let mut pend = 0usize;
    let mut seg: Option<usize> = None;
    let mut head: Option<(usize, &'static str)> = None;
    for (i, c) in text.char_indices() {
        let mut k = skeleton_of(c);
        if let Some((hs, hstr)) = head.take() {
            match k {
                Skel::Identity | Skel::Mapped(_) => {
                    out.push_str(hstr);
                    pend = i;
                }
                Skel::Head(_) | Skel::Complex => seg = Some(hs),
            }
        }
        if let Skel::Head(h) = k {
            if seg.is_some() {
                k = Skel::Complex;
            } else {
                out.push_str(&text[pend..i]);
                head = Some((i, h));
                continue;
            }
        }
        match k {
            Skel::Identity => {
                if let Some(st) = seg.take() {
                    out.extend(unicode_security::skeleton(&text[st..i]));
                    pend = i;
                }
            }
            Skel::Mapped(s) => {
                match seg.take() {
                    Some(st) => out.extend(unicode_security::skeleton(&text[st..i])),
                    None => out.push_str(&text[pend..i]),
                }
                out.push_str(s);
                pend = i + c.len_utf8();
            }
            Skel::Head(_) | Skel::Complex => {
                if seg.is_none() {
                    out.push_str(&text[pend..i]);
                    seg = Some(i);
                }
            }
        }
    }
    if let Some((_, hstr)) = head {
        out.push_str(hstr);
        return;
    }
    match seg {
        Some(st) => out.extend(unicode_security::skeleton(&text[st..])),
        None => out.push_str(&text[pend..]),
    }
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
    let mut out = String::new();
    arabic_normalize_into(nfkc, &mut out);
    out
}

/// [`arabic_normalize`] into a reused buffer. Every rule touches only U+0610..U+06ED,
/// whose UTF-8 lead bytes are 0xD8..0xDB: text without them is copied as is.
pub(crate) fn arabic_normalize_into(nfkc: &str, out: &mut String) {
    out.clear();
    if !nfkc.bytes().any(|b| (0xD8..=0xDB).contains(&b)) {
        out.push_str(nfkc);
        return;
    }
    out.reserve(nfkc.len());
    for c in nfkc.chars() {
        if is_arabic_diacritic(c) {
            continue;
        }
        out.push(arabic_fold_char(c));
    }
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

#[inline]
fn char_word_script(c: char) -> WordScript {
    match props(c).script() {
        Some(Script::Latin) => WordScript::Latin,
        Some(Script::Cyrillic) => WordScript::Cyrillic,
        Some(Script::Greek) => WordScript::Greek,
        None => WordScript::None,
        Some(_) => WordScript::Other,
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
    // ASCII letters (Latin, mapped to themselves), other ASCII, non-ASCII.
    let (mut ascii_alpha, mut ascii_other) = (0u32, 0u32);
    for &c in token {
        if c.is_ascii() {
            if c.is_ascii_alphabetic() {
                ascii_alpha += 1;
            } else {
                ascii_other += 1;
            }
            continue;
        }
        match char_word_script(c) {
            WordScript::Latin => lat += 1,
            WordScript::Cyrillic => cyr += 1,
            WordScript::Greek | WordScript::Other => other += 1,
            WordScript::None => {}
        }
    }
    lat += ascii_alpha;
    let latin_word = lat > 0 && lat >= cyr && lat >= other;
    let cyrillic_word = cyr > 0 && cyr > lat && cyr >= other;
    // Nothing to map: neither script, a Latin word of ASCII letters only, or a
    // Cyrillic word without ASCII (only ASCII letters have Cyrillic lookalikes).
    if (!latin_word && !cyrillic_word)
        || (latin_word && ascii_alpha as usize == token.len())
        || (cyrillic_word && ascii_alpha + ascii_other == 0)
    {
        out.extend_from_slice(token);
        return;
    }
    // First and last alphanumeric positions, for the "between word characters" test.
    let alnum = |c: char| props(c).has(ALNUM);
    let first_alnum = token.iter().position(|&c| alnum(c)).unwrap_or(usize::MAX);
    let last_alnum = token.iter().rposition(|&c| alnum(c));
    for (i, &c) in token.iter().enumerate() {
        let mapped = if latin_word {
            if c.is_ascii_alphabetic() {
                c
            } else if let Some(l) = to_latin_homoglyph(c) {
                l
            } else if let Some(l) = leet(c) {
                // Digits anywhere in a Latin word; symbols only between word characters,
                // so sigils (@user, $TAG) and trailing punctuation stay as they are.
                let interior = first_alnum < i && last_alnum.is_some_and(|l| l > i);
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
/// Returns whether anything was collapsed.
fn collapse_spaced(chars: &[char], flags: &mut Vec<u8>, out: &mut Vec<char>) -> bool {
    out.clear();
    let n = chars.len();
    let mut changed = false;
    // One property lookup per char: bit 0 alphabetic, bit 1 alphanumeric.
    flags.clear();
    flags.extend(chars.iter().map(|&c| {
        let p = props(c);
        u8::from(p.has(ALPHA)) | u8::from(p.has(ALNUM)) << 1
    }));
    let flags = &flags[..];
    let alnum = |i: usize| flags[i] & 2 != 0;
    let is_single = |i: usize| -> bool {
        flags[i] & 1 != 0 && (i == 0 || !alnum(i - 1)) && (i + 1 == n || !alnum(i + 1))
    };
    let mut i = 0;
    while i < n {
        if is_single(i) {
            // Gather letters separated by 1-2 separator chars.
            let mark = out.len();
            out.push(chars[i]);
            let mut count = 1usize;
            let mut j = i + 1;
            loop {
                let mut k = j;
                while k < n && k - j < 2 && is_collapse_sep(chars[k]) {
                    k += 1;
                }
                if k > j && k < n && is_single(k) {
                    out.push(chars[k]);
                    count += 1;
                    j = k + 1;
                } else {
                    break;
                }
            }
            if count >= 3 {
                changed = true;
                i = j;
                continue;
            }
            out.truncate(mark);
        }
        out.push(chars[i]);
        i += 1;
    }
    changed
}

fn fold_tokens(chars: &[char], out: &mut Vec<char>) {
    out.clear();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == ' ' {
            if i > start {
                fold_token(&chars[start..i], out);
            }
            if i < chars.len() {
                out.push(' ');
            }
            start = i + 1;
        }
    }
}

/// Reused buffers of the evasion fold.
#[derive(Debug, Default)]
pub(crate) struct FoldScratch {
    a: Vec<char>,
    b: Vec<char>,
    flags: Vec<u8>,
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
    let mut out = String::new();
    fold_into(text, &mut FoldScratch::default(), &mut out);
    out
}

/// Collects the fold's first-stage chars with whitespace runs collapsed to one space
/// (none at the start; a trailing one is never added).
struct Pusher {
    pending_space: bool,
    /// Every char pushed so far is NFKC-safe.
    safe: bool,
}

impl Pusher {
    #[inline]
    fn push(&mut self, c: char, ws: bool, chars: &mut Vec<char>) {
        if ws {
            self.pending_space = !chars.is_empty();
        } else {
            if self.pending_space {
                chars.push(' ');
                self.pending_space = false;
            }
            chars.push(c);
        }
    }
}

/// [`fold`] into a reused buffer.
pub(crate) fn fold_into(text: &str, sc: &mut FoldScratch, out: &mut String) {
    out.clear();
    let chars = &mut sc.a;
    chars.clear();
    let mut pu = Pusher {
        pending_space: false,
        safe: true,
    };
    if text.is_ascii() {
        for b in text.bytes() {
            let c = char::from(b.to_ascii_lowercase());
            pu.push(c, props(c).has(WS), chars);
        }
    } else if fold_lower_nfkc_yes(text, &mut pu, chars) {
        // Done: without its invisibles the text was already NFKC, lowercased char by char.
    } else {
        chars.clear();
        pu = Pusher {
            pending_space: false,
            safe: false,
        };
        let visible: String = text.chars().filter(|&c| !is_invisible(c)).collect();
        let mut normalized = String::with_capacity(visible.len() + 8);
        nfkc_segments(&visible, &mut normalized);
        for c in normalized.chars().flat_map(char::to_lowercase) {
            if is_arabic_diacritic(c) || is_invisible(c) {
                continue;
            }
            pu.push(c, c.is_whitespace(), chars);
        }
    }
    fold_rest(sc, pu.safe, out);
}

/// The fold's first stage for text that is NFKC once its invisibles are removed
/// (the exact quick check of `nfkc_quick_yes`, run in the same pass): invisibles
/// dropped, lowercased char by char, tatweel and harakat dropped. Returns false,
/// with `chars` partly filled, as soon as the quick check fails.
#[inline]
fn fold_lower_nfkc_yes(text: &str, pu: &mut Pusher, chars: &mut Vec<char>) -> bool {
    let mut last_ccc = 0u8;
    for c in text.chars() {
        let p = props(c);
        if p.has(INVIS) {
            continue;
        }
        if !p.has(NFKC_YES) || (last_ccc > p.ccc && p.ccc != 0) {
            return false;
        }
        last_ccc = p.ccc;
        if !p.has(LOWER_MULTI) {
            let l = p.lower;
            let lp = if l == c { p } else { props(l) };
            if lp.flags & (ARDIA | INVIS) != 0 {
                continue;
            }
            pu.safe &= lp.has(NFKC_SAFE);
            pu.push(l, lp.has(WS), chars);
        } else {
            for l in c.to_lowercase() {
                let lp = props(l);
                if lp.flags & (ARDIA | INVIS) != 0 {
                    continue;
                }
                pu.safe &= lp.has(NFKC_SAFE);
                pu.push(l, lp.has(WS), chars);
            }
        }
    }
    true
}

/// The fold after its first stage (`sc.a` holds the lowercased, space-collapsed
/// chars; `safe`: all of them are NFKC-safe). The later steps only drop chars or
/// write ASCII and basic Cyrillic letters (all NFKC-safe), so safe input gives
/// output that is already NFKC.
fn fold_rest(sc: &mut FoldScratch, safe: bool, out: &mut String) {
    let chars = &mut sc.a;
    let mapped = &mut sc.b;
    fold_tokens(chars, mapped);
    let collapsed = &mut sc.a;
    let changed = collapse_spaced(mapped, &mut sc.flags, collapsed);
    let final_chars: &[char] = if changed {
        fold_tokens(collapsed, mapped);
        mapped
    } else {
        collapsed
    };
    out.reserve(final_chars.len());
    if safe {
        out.extend(final_chars.iter());
        return;
    }
    let mut safe = true;
    for &c in final_chars {
        safe &= props(c).has(NFKC_SAFE);
        out.push(c);
    }
    if !safe && !nfkc_quick_yes(out.chars()) {
        let s = std::mem::take(out);
        nfkc_segments(&s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_examples() {
        assert_eq!(fold("𝐈𝐒𝐈𝐒"), "isis");
        assert_eq!(fold("I.S.I.S"), "isis");
        assert_eq!(fold("i s i s"), "isis");
        assert_eq!(fold("I-S-I-S"), "isis");
        assert_eq!(fold("I\u{200B}SIS"), "isis");
        assert_eq!(fold("1S1S"), "isis");
        assert_eq!(fold("h3ll0 w0rld"), "hello world");
        assert_eq!(fold("IЅIЅ"), "isis");
        assert_eq!(fold("the year 2024"), "the year 2024");
        // Arabic: tatweel and harakat go, letters stay Arabic.
        assert_eq!(fold("الدَّوْلَة"), "الدولة");
        assert_eq!(fold("ســـلام"), "سلام");
        // A Cyrillic word with a Latin 'o' gets a Cyrillic 'о'.
        assert_eq!(fold("пoбеда"), "победа");
        // Leetspeak is not applied in Cyrillic words.
        assert_eq!(fold("п0беда"), "п0беда");
    }

    #[test]
    fn arabic_examples() {
        assert_eq!(arabic_normalize("أإآ"), "ااا");
        assert_eq!(arabic_normalize("مدرسة"), "مدرسه");
        assert_eq!(arabic_normalize("على"), "علي");
        assert_eq!(arabic_normalize("کتاب"), "كتاب");
        assert_eq!(arabic_normalize("فارسی"), "فارسي");
    }
}
