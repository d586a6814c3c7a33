//! Per-character property tables for the hot loops: one lookup instead of several Unicode table searches per char.
//!
//! Every property is computed by the same functions the stage used before (std's
//! `char` methods, `unicode-script`, `unicode-general-category`, `unicode-normalization`,
//! `unicode-security`), so a table hit is the same answer by construction. The dense
//! table covers U+0000..U+07FF (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic);
//! other chars are computed on the spot. Skeleton prototypes are cached per 256-char
//! block for every plane, built on first use.

use std::sync::OnceLock;

use unicode_general_category::{get_general_category, GeneralCategory as Gc};
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};
use unicode_normalization::{is_nfkc_quick, IsNormalized};
use unicode_script::{Script as UScript, UnicodeScript};

use crate::script::Script;

/// `char::is_alphabetic`.
pub(crate) const ALPHA: u16 = 1;
/// `char::is_alphanumeric`.
pub(crate) const ALNUM: u16 = 1 << 1;
/// `char::is_whitespace`.
pub(crate) const WS: u16 = 1 << 2;
/// Letter for language ID (general category L*).
pub(crate) const LETTER: u16 = 1 << 3;
/// Skipped by language ID (marks and format characters).
pub(crate) const SKIP: u16 = 1 << 4;
/// `normalize::is_invisible`.
pub(crate) const INVIS: u16 = 1 << 5;
/// `normalize::is_arabic_diacritic`.
pub(crate) const ARDIA: u16 = 1 << 6;
/// Lowercase mapping is more than one char (`lower` is then meaningless).
pub(crate) const LOWER_MULTI: u16 = 1 << 7;
/// NFKC quick check says Yes and the canonical combining class is 0: a string made
/// only of such chars is in NFKC.
pub(crate) const NFKC_SAFE: u16 = 1 << 8;
/// Counts as part of a word for script statistics.
pub(crate) const WORDPART: u16 = 1 << 9;
/// NFKC quick check property is Yes (the combining class is in `ccc`).
pub(crate) const NFKC_YES: u16 = 1 << 10;

/// Properties of one char.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Props {
    pub flags: u16,
    /// `script::script_of` as `Script as u8`, or `NO_SCRIPT`.
    pub script: u8,
    /// Canonical combining class.
    pub ccc: u8,
    /// The lowercase mapping when it is a single char.
    pub lower: char,
}

pub(crate) const NO_SCRIPT: u8 = 0xFF;

impl Props {
    #[inline]
    pub fn has(self, f: u16) -> bool {
        self.flags & f != 0
    }
    #[inline]
    pub fn script(self) -> Option<Script> {
        if self.script == NO_SCRIPT {
            None
        } else {
            Some(crate::script::ALL[self.script as usize])
        }
    }
}

const DENSE: usize = 0x800;

fn compute(c: char) -> Props {
    let mut flags = 0u16;
    if c.is_alphabetic() {
        flags |= ALPHA;
    }
    if c.is_alphanumeric() {
        flags |= ALNUM;
    }
    if c.is_whitespace() {
        flags |= WS;
    }
    let gc = if c.is_ascii() {
        None
    } else {
        Some(get_general_category(c))
    };
    let letter = if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        matches!(
            gc,
            Some(
                Gc::UppercaseLetter
                    | Gc::LowercaseLetter
                    | Gc::TitlecaseLetter
                    | Gc::ModifierLetter
                    | Gc::OtherLetter
            )
        )
    };
    if letter {
        flags |= LETTER;
    }
    if matches!(
        gc,
        Some(Gc::NonspacingMark | Gc::SpacingMark | Gc::EnclosingMark | Gc::Format)
    ) {
        flags |= SKIP;
    }
    let invis = crate::normalize::is_invisible(c);
    if invis {
        flags |= INVIS;
    }
    if crate::normalize::is_arabic_diacritic(c) {
        flags |= ARDIA;
    }
    let mut low = c.to_lowercase();
    let lower = low.next().unwrap_or(c);
    if low.next().is_some() {
        flags |= LOWER_MULTI;
    }
    let ccc = canonical_combining_class(c);
    if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
        flags |= NFKC_YES;
        if ccc == 0 {
            flags |= NFKC_SAFE;
        }
    }
    if c.is_alphanumeric()
        || matches!(c, '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0640}')
        || invis
    {
        flags |= WORDPART;
    }
    let script = match script_of_slow(c) {
        Some(s) => s as u8,
        None => NO_SCRIPT,
    };
    Props {
        flags,
        script,
        ccc,
        lower,
    }
}

/// The script classification of `script::script_of`, from `unicode-script`.
pub(crate) fn script_of_slow(c: char) -> Option<Script> {
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

fn dense() -> &'static [Props; DENSE] {
    static T: OnceLock<Box<[Props; DENSE]>> = OnceLock::new();
    T.get_or_init(|| {
        let v: Vec<Props> = (0..DENSE as u32)
            .map(|u| compute(char::from_u32(u).unwrap_or('\u{FFFD}')))
            .collect();
        v.into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("length is DENSE"))
    })
}

type PropBlock = [Props; 256];

static PROP_BLOCKS: [OnceLock<Box<PropBlock>>; BLOCKS] = [const { OnceLock::new() }; BLOCKS];

#[cold]
fn build_prop_block(b: usize) -> Box<PropBlock> {
    let v: Vec<Props> = (0..256u32)
        .map(|i| compute(char::from_u32((b as u32) << 8 | i).unwrap_or('\u{FFFD}')))
        .collect();
    v.into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("length is 256"))
}

/// Properties of `c`.
#[inline]
pub(crate) fn props(c: char) -> Props {
    let u = c as usize;
    if u < DENSE {
        dense()[u]
    } else {
        PROP_BLOCKS[u >> 8].get_or_init(|| build_prop_block(u >> 8))[u & 0xFF]
    }
}

/// Lowercase of `c` appended to `out`; clears `*safe` when an appended char is not NFKC-safe.
#[inline]
pub(crate) fn push_lower(c: char, out: &mut String, safe: &mut bool) {
    let p = props(c);
    if !p.has(LOWER_MULTI) {
        let l = p.lower;
        let lp = if l == c { p } else { props(l) };
        if !lp.has(NFKC_SAFE) {
            *safe = false;
        }
        out.push(l);
    } else {
        for l in c.to_lowercase() {
            if !props(l).has(NFKC_SAFE) {
                *safe = false;
            }
            out.push(l);
        }
    }
}

/// True when `unicode_normalization::is_nfkc_quick` would answer Yes for these chars
/// (the same algorithm: every char's quick-check property is Yes and non-zero
/// combining classes never decrease), so NFKC would return them unchanged.
#[inline]
pub(crate) fn nfkc_quick_yes(chars: impl Iterator<Item = char>) -> bool {
    let mut last = 0u8;
    for c in chars {
        let p = props(c);
        if !p.has(NFKC_YES) || (last > p.ccc && p.ccc != 0) {
            return false;
        }
        last = p.ccc;
    }
    true
}

// ------------------------------------------------------------------ skeleton blocks

/// Per-char skeleton of one 256-char block. `entry[i]` is `COMPLEX`, or the byte
/// offset (high 23 bits), an identity bit (bit 8: the skeleton is the char itself)
/// and the length (low 8 bits) of the prototype in `data`.
struct SkelBlock {
    entry: [u32; 256],
    /// For `COMPLEX` entries that are heads: offset (high 23 bits) and length (low 8
    /// bits) of the char's own skeleton in `data`; `COMPLEX` otherwise.
    head: [u32; 256],
    data: String,
}

const COMPLEX: u32 = u32::MAX;
const BLOCKS: usize = 0x11_0000 / 256;

static SKEL: [OnceLock<Box<SkelBlock>>; BLOCKS] = [const { OnceLock::new() }; BLOCKS];

fn all_starters_nfd(c: char) -> bool {
    let mut ok = true;
    decompose_canonical(c, |d| ok &= canonical_combining_class(d) == 0);
    ok
}

fn starter_initial_nfd(c: char) -> bool {
    let mut first = None;
    decompose_canonical(c, |d| {
        if first.is_none() {
            first = Some(canonical_combining_class(d) == 0);
        }
    });
    first == Some(true)
}

#[cold]
fn build_block(b: usize) -> Box<SkelBlock> {
    let mut blk = Box::new(SkelBlock {
        entry: [COMPLEX; 256],
        head: [COMPLEX; 256],
        data: String::new(),
    });
    let mut buf = [0u8; 4];
    for i in 0..256u32 {
        let Some(c) = char::from_u32((b as u32) << 8 | i) else {
            continue;
        };
        let s: String = unicode_security::skeleton(c.encode_utf8(&mut buf)).collect();
        // A char is "simple" when its NFD and its skeleton are non-empty runs of
        // starters (combining class 0): then the skeleton of a string is the
        // concatenation of per-char skeletons around it (canonical reordering and
        // ignorable removal cannot reach across it).
        let simple = !s.is_empty()
            && s.len() < 256
            && all_starters_nfd(c)
            && s.chars().all(|d| canonical_combining_class(d) == 0)
            && blk.data.len() < (1 << 23) - 256;
        if simple {
            let identity = s.chars().eq(std::iter::once(c));
            blk.entry[i as usize] =
                (blk.data.len() as u32) << 9 | u32::from(identity) << 8 | s.len() as u32;
            blk.data.push_str(&s);
        } else if !s.is_empty()
            && s.len() < 256
            && starter_initial_nfd(c)
            && s.chars()
                .next()
                .is_some_and(|d| canonical_combining_class(d) == 0)
            && blk.data.len() < (1 << 23) - 256
        {
            // "Head": NFD and skeleton start with a starter, but non-starters follow
            // (precomposed letters such as é). Its skeleton alone is exact when the
            // next char is simple (starts a new run of starters), see `skeleton_into`.
            blk.head[i as usize] = (blk.data.len() as u32) << 9 | s.len() as u32;
            blk.data.push_str(&s);
        }
    }
    blk
}

/// Skeleton of one char, for strings (see `build_block`).
pub(crate) enum Skel {
    /// The char is its own skeleton.
    Identity,
    /// The char's skeleton.
    Mapped(&'static str),
    /// Its own skeleton is this when the next char is simple (or there is none);
    /// otherwise it is `Complex`.
    Head(&'static str),
    /// Needs the full algorithm together with its neighbours up to the next simple char.
    Complex,
}

/// The per-char skeleton class of `c`.
#[inline]
pub(crate) fn skeleton_of(c: char) -> Skel {
    let u = c as usize;
    let blk = SKEL[u >> 8].get_or_init(|| build_block(u >> 8));
    let e = blk.entry[u & 0xFF];
    if e == COMPLEX {
        let h = blk.head[u & 0xFF];
        if h == COMPLEX {
            return Skel::Complex;
        }
        let off = (h >> 9) as usize;
        let len = (h & 0xFF) as usize;
        return match blk.data.get(off..off + len) {
            Some(s) => Skel::Head(s),
            None => Skel::Complex,
        };
    }
    if e & 0x100 != 0 {
        return Skel::Identity;
    }
    let off = (e >> 9) as usize;
    let len = (e & 0xFF) as usize;
    match blk.data.get(off..off + len) {
        Some(s) => Skel::Mapped(s),
        None => Skel::Complex,
    }
}
