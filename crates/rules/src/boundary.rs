//! Word-boundary semantics that work in every script: Unicode word characters, no-space scripts, and Arabic proclitics.
//!
//! A keyword match in `word` mode must not be preceded or followed by a word character
//! (Unicode letter, mark or number). Two exceptions, both documented in docs/RULES.md:
//! - scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar)
//!   have no boundary to require: a side where either character is from such a script is
//!   always a boundary;
//! - a keyword that starts with an Arabic letter may be preceded by the proclitics
//!   و ف (and, so), ب ك ل (with, like, for), the article ال and the contraction لل, in the
//!   order Arabic attaches them (`وال`, `فبال`, …), as long as a real boundary precedes them.
//!   Suffixes (pronouns) are not skipped: use `boundary = "prefix"` for that.

use crate::spec::Boundary;
use unicode_general_category::{get_general_category, GeneralCategory as G};

/// A letter, mark or number.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if c.is_alphanumeric() {
        return true;
    }
    matches!(
        get_general_category(c),
        G::NonspacingMark | G::SpacingMark | G::EnclosingMark
    )
}

/// Scripts written without spaces between words.
pub fn is_nospace(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF    // Han
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F)
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c as u32, 0x0620..=0x064A | 0x066E..=0x06D3 | 0x06FA..=0x06FF)
}

/// Is there a word boundary between `a` and `b` (either may be absent: text edge)?
fn boundary_between(a: Option<char>, b: Option<char>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            !(is_word_char(a) && is_word_char(b)) || is_nospace(a) || is_nospace(b)
        }
        _ => true,
    }
}

/// Is `prefix` (the word characters between a real boundary and the match) a run of
/// Arabic proclitics: (و|ف)? (ب|ك|ل)? (ال)? or (و|ف)? لل, non-empty?
fn is_arabic_proclitics(prefix: &[char]) -> bool {
    let mut i = 0;
    if i < prefix.len() && matches!(prefix[i], 'و' | 'ف') {
        i += 1;
    }
    if prefix[i..] == ['ل', 'ل'] {
        return true;
    }
    if i < prefix.len() && matches!(prefix[i], 'ب' | 'ك' | 'ل') {
        i += 1;
    }
    if prefix.len() >= i + 2 && prefix[i] == 'ا' && prefix[i + 1] == 'ل' {
        i += 2;
    }
    i == prefix.len() && !prefix.is_empty()
}

/// Does the match `text[start..end]` satisfy `mode`? A range that is empty, out of bounds
/// or not on char boundaries is no match.
pub fn check(text: &str, start: usize, end: usize, mode: Boundary) -> bool {
    if start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return false;
    }
    if mode == Boundary::None {
        return true;
    }
    let m = &text[start..end];
    let first = m.chars().next();
    let before = text[..start].chars().next_back();
    let start_ok = boundary_between(before, first) || {
        // Arabic proclitics: walk back over at most 4 word chars.
        first.is_some_and(is_arabic_letter) && {
            let mut pre = Vec::with_capacity(4);
            let mut it = text[..start].chars().rev();
            let mut edge = true;
            loop {
                match it.next() {
                    Some(c) if is_word_char(c) && !is_nospace(c) => {
                        if pre.len() == 4 {
                            edge = false;
                            break;
                        }
                        pre.push(c);
                    }
                    _ => break,
                }
            }
            pre.reverse();
            edge && is_arabic_proclitics(&pre)
        }
    };
    if !start_ok {
        return false;
    }
    if mode == Boundary::Prefix {
        return true;
    }
    let last = m.chars().next_back();
    let after = text[end..].chars().next();
    boundary_between(last, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, kw: &str) -> bool {
        text.match_indices(kw)
            .any(|(i, _)| check(text, i, i + kw.len(), Boundary::Word))
    }

    #[test]
    fn latin_cyrillic_boundaries() {
        assert!(word("about isis today", "isis"));
        assert!(word("isis", "isis"));
        assert!(word("(isis)", "isis"));
        assert!(!word("crisis", "isis"));
        assert!(!word("isis2", "isis"));
        assert!(word("против игил сегодня", "игил"));
        assert!(!word("игилы", "игил"));
        // combining mark after the keyword continues the word
        assert!(!word("isis\u{301}", "isis"));
    }

    #[test]
    fn arabic_proclitics() {
        assert!(word("عن داعش اليوم", "داعش"));
        assert!(word("وداعش", "داعش"));
        assert!(word("والدولة", "الدولة"));
        assert!(word("بالدولة", "دولة"));
        assert!(word("للدولة", "دولة"));
        assert!(word("فبالدولة", "دولة"));
        // not a proclitic run: the keyword is inside another word
        assert!(!word("مداعش", "داعش"));
        assert!(!word("داعشي", "داعش"));
        // Latin keyword gets no clitic exemption
        assert!(!word("وisis", "isis"));
    }

    #[test]
    fn nospace_scripts() {
        assert!(word("他们说伊斯兰国的事", "伊斯兰国"));
        assert!(word("ข่าวไอซิสวันนี้", "ไอซิส"));
        assert!(word("ISIS的宣传", "ISIS"));
    }

    #[test]
    fn prefix_and_none() {
        let t = "platzhalter-nachrichtenzeile";
        let i = t.find("nachrichten").unwrap();
        assert!(!check(t, i, i + 11, Boundary::Word));
        assert!(check(t, i, i + 11, Boundary::Prefix));
        let t = "crisis";
        assert!(check(t, 2, 6, Boundary::None));
        assert!(!check(t, 2, 6, Boundary::Prefix));
    }
}
