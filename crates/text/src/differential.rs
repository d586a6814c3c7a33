//! Differential tests: the optimized text stage must give exactly what the reference (pre-optimization) stage gives.

use proptest::prelude::*;

use crate::reference;

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/mo.rs"]
mod mo;

/// Compares every public channel function and `analyze` on one string.
fn same(text: &str, analyzer: &mut crate::Analyzer) {
    let want = reference::analyze(text);
    assert_eq!(crate::analyze(text), want, "analyze differs on {text:?}");
    assert_eq!(
        *analyzer.analyze(text),
        want,
        "Analyzer differs on {text:?}"
    );
    assert_eq!(
        crate::fold(text),
        reference::normalize::fold(text),
        "fold differs on {text:?}"
    );
    assert_eq!(
        crate::nfkc_casefold(text),
        reference::normalize::nfkc_casefold(text),
        "nfkc_casefold differs on {text:?}"
    );
    assert_eq!(
        crate::skeleton(text),
        reference::normalize::skeleton(text),
        "skeleton differs on {text:?}"
    );
    assert_eq!(
        crate::arabic_normalize(text),
        reference::normalize::arabic_normalize(text),
        "arabic_normalize differs on {text:?}"
    );
    assert_eq!(
        crate::detect_language(text),
        reference::langid::detect_language(text),
        "detect_language differs on {text:?}"
    );
    assert_eq!(
        crate::hashtag_key(text),
        reference::hashtag_key(text),
        "hashtag_key differs on {text:?}"
    );
    assert_eq!(
        crate::extract_entities(text),
        reference::entities::extract_entities(text),
        "extract_entities differs on {text:?}"
    );
    assert_eq!(
        crate::extract_urls(text),
        reference::entities::extract_urls(text)
    );
    assert_eq!(
        crate::extract_hashtags(text),
        reference::entities::extract_hashtags(text)
    );
    assert_eq!(
        crate::extract_mentions(text),
        reference::entities::extract_mentions(text)
    );
    assert_eq!(
        crate::extract_mentions_or_lists(text),
        reference::entities::extract_mentions_or_lists(text)
    );
    assert_eq!(
        crate::extract_cashtags(text),
        reference::entities::extract_cashtags(text)
    );
    assert_eq!(
        crate::extract_reply(text),
        reference::entities::extract_reply(text)
    );
}

/// Pieces that exercise every branch: invisibles, combining marks out of canonical
/// order, case mappings that expand, compatibility forms, Arabic marks, homoglyphs,
/// leetspeak, spaced letters, entity sigils, scripts beyond the 12 languages.
/// Indicator tokens only; nothing here is operational content.
const PIECES: &[&str] = &[
    " ",
    "  ",
    "\t",
    "\n",
    "\u{3000}",
    "\u{00A0}",
    ".",
    ",",
    "-",
    "_",
    "*",
    "·",
    "/",
    "|",
    "+",
    "~",
    "•",
    "'",
    "!",
    "?",
    ":",
    "(",
    ")",
    "#",
    "＃",
    "@",
    "＠",
    "$",
    "&",
    "%",
    "=",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{202E}",
    "\u{2066}",
    "\u{FEFF}",
    "\u{00AD}",
    "\u{034F}",
    "\u{FE0F}",
    "\u{20E3}",
    "\u{E0041}",
    "\u{0301}",
    "\u{0323}",
    "\u{0308}",
    "\u{0327}",
    "\u{0344}",
    "\u{0F73}",
    "e\u{0301}",
    "é",
    "É",
    "İ",
    "ı",
    "ß",
    "ẞ",
    "ﬁ",
    "ǅ",
    "Ω",
    "Ω",
    "K",
    "Å",
    "ſ",
    "ΐ",
    "ς",
    "Σ",
    "ΣΑΣ",
    "𝐈𝐒𝐈𝐒",
    "ＩＳＩＳ",
    "①",
    "½",
    "㎏",
    "ｶ",
    "한국어",
    "ᄀ",
    "日本語",
    "ひらがな",
    "カタカナ",
    "中文",
    "ไทย",
    "हिन्दी",
    "ελληνικά",
    "עברית",
    "հայ",
    "ქართ",
    "አማርኛ",
    "ⅰⅱ",
    "ℌ",
    "ℍ",
    "a",
    "A",
    "i",
    "I",
    "s",
    "S",
    "o",
    "0",
    "1",
    "3",
    "4",
    "5",
    "7",
    "l",
    "rn",
    "m",
    "isis",
    "ISIS",
    "ІЅІЅ",
    "іѕіѕ",
    "а",
    "е",
    "о",
    "р",
    "с",
    "х",
    "в",
    "н",
    "т",
    "у",
    "ё",
    "Ё",
    "пoбеда",
    "победа",
    "п0беда",
    "Москва",
    "қазақ",
    "ўзбек",
    "oʻzbek",
    "ğ",
    "ş",
    "ç",
    "ö",
    "ü",
    "Ğ",
    "İstanbul",
    "straße",
    "élan",
    "niño",
    "allEyesOn",
    "AllEyesOnISIS",
    "alleyesonisis",
    "h3ll0",
    "w0rld",
    "p@ss",
    "$TAG",
    "$ab.c",
    "@user",
    "@user/list-1",
    "RT",
    "rt:",
    "RT @someone:",
    "http://",
    "https://",
    "HTTPS://",
    "t.co/",
    "t.co/abcdef",
    "t.me/",
    "example_channel",
    "vk.com/",
    "x.com/",
    "bit.ly/abc123",
    "com",
    "org",
    "xn--",
    "рф",
    ".рф",
    "example",
    "www.",
    "?utm_source=x",
    "&fbclid=y",
    "#frag",
    ":8080",
    "?",
    "=",
    "الدولة",
    "الدَّوْلَة",
    "ســـلام",
    "ـ",
    "َ",
    "ٰ",
    "ٱ",
    "أ",
    "إ",
    "آ",
    "ى",
    "ة",
    "ک",
    "ی",
    "ے",
    "ہ",
    "ھ",
    "پاکستان",
    "فارسی",
    "اردو",
    "٣",
    "۳",
    "،",
    "؟",
    "\u{061C}",
    "i s i s",
    "I.S.I.S",
    "I-S-I-S",
    "i . s . i . s",
    "a b",
    "x y z",
    "и в с",
    "ا ب ت",
    "🙂",
    "👍🏽",
    "👨\u{200D}👩",
    "\u{1F1FA}\u{1F1F8}",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{E000}",
    "\u{0}",
    "\u{1}",
    "\u{7F}",
    "\u{80}",
    "\u{9F}",
    "\u{2028}",
    "Ǆ",
    "ǈ",
    "ᾼ",
    "ﷺ",
    "ﻻ",
    "ﺍ",
    "Ⓐ",
    "⒜",
    "ℓ",
    "℡",
    "™",
    "µ",
    "ª",
    "º",
    "¹",
    "ǰ",
    "ŉ",
    "ﬀ",
    "Ⅻ",
    "ᴬ",
    "ₐ",
];

/// Deterministic xorshift so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn generated(n: usize) -> Vec<String> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            let parts = (r.next() % 40) as usize;
            let mut s = String::new();
            for _ in 0..parts {
                s.push_str(PIECES[(r.next() as usize) % PIECES.len()]);
            }
            s
        })
        .collect()
}

#[test]
fn pieces_alone_and_generated_mixes_match_reference() {
    let mut an = crate::Analyzer::new();
    for p in PIECES {
        same(p, &mut an);
        same(&p.repeat(3), &mut an);
        same(&format!("{p} {p} {p}"), &mut an);
    }
    for s in generated(6000) {
        same(&s, &mut an);
    }
    same("", &mut an);
}

#[test]
fn bench_corpus_matches_reference() {
    let root = std::path::Path::new(mo::LOCALE_ROOT);
    let missing = mo::missing_test_catalogs(root);
    if !missing.is_empty() {
        if common::skip_shared() {
            eprintln!("skipping: test catalogs missing and VIGIL_SKIP_SHARED=1");
            return;
        }
        panic!("missing Debian test catalogs {missing:?}: install the packages in .ci/apt-packages (or set VIGIL_SKIP_SHARED=1)");
    }
    let posts = mo::bench_posts(root);
    assert!(
        posts.len() > 5000,
        "bench corpus too small: {}",
        posts.len()
    );
    let mut an = crate::Analyzer::new();
    for p in &posts {
        same(p, &mut an);
    }
    // Single catalog strings too (short ones exercise the language-ID thresholds).
    for (_, s) in mo::eval_set(root, 1).iter().step_by(7) {
        same(s, &mut an);
    }
}

#[test]
fn long_and_truncated_inputs_match_reference() {
    let mut an = crate::Analyzer::new();
    let big = "Привет мир. #AllEyesOnISIS @example_user t.me/example_channel i s i s ".repeat(2000);
    same(&big, &mut an);
    let big = "é\u{0323}\u{0301}ا\u{064E}".repeat(20_000);
    same(&big, &mut an);
    // Truncation lands inside a multi-byte char.
    let mut s = "a".repeat(crate::MAX_ANALYZE_BYTES - 1);
    s.push('é');
    same(&s, &mut an);
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(PIECES).prop_map(str::to_string),
                any::<char>().prop_map(|c| c.to_string()),
            ],
            0..60,
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn generated_strings_match_reference(text in hostile()) {
        let mut an = crate::Analyzer::new();
        same(&text, &mut an);
    }
}
