//! Property tests: no panic on arbitrary packs and texts, and the compiled engine agrees with the naive per-rule evaluator on random packs and posts.

use proptest::prelude::*;
use vigil_detect::Facts;
use vigil_model::{Account, Platform, Post};
use vigil_rules::{compile, Scratch, Subject};

/// Words that collide across channels: case, homoglyphs, Arabic clitics, no-space scripts.
const VOCAB: &[&str] = &[
    "isis",
    "ISIS",
    "ІЅІЅ",
    "i.s.i.s",
    "𝐢𝐬𝐢𝐬",
    "crisis",
    "داعش",
    "وداعش",
    "الدولة",
    "والدولة",
    "игил",
    "ИГИЛ",
    "новости",
    "nachrichtenzeile",
    "伊斯兰国",
    "的",
    "news",
    "ab",
    "abc",
    "a",
    "#AllEyesOnISIS",
    "#news",
    "https://t.me/chan_one",
    "https://example.org/x",
    "1s1s",
    "-",
    "_",
    "é",
    "e\u{301}",
    "\u{200b}",
    "ي",
    "ى",
];
const KW: &[&str] = &[
    "isis",
    "ISIS",
    "ІЅІЅ",
    "داعش",
    "الدولة",
    "игил",
    "news",
    "nachrichten",
    "伊斯兰国",
    "ab",
    "a",
    "é",
    "crisis",
    "is",
    "ي",
];
const CH: &[&str] = &["original", "nfkc", "skeleton", "folded", "arabic"];
const BD: &[&str] = &["word", "prefix", "none"];
const RE: &[&str] = &[
    r"\bisis\b",
    r"ab+c?",
    r"[а-я]+л",
    r"\d",
    r"news|داعش",
    r"(?i)isis",
];

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::collection::vec(prop::sample::select(KW), 1..3),
            prop::sample::select(CH),
            prop::sample::select(BD)
        )
            .prop_map(|(k, c, b)| {
                let k: Vec<String> = k.iter().map(|k| format!("{k:?}")).collect();
                format!(
                    "{{ keywords = [{}], channel = \"{c}\", boundary = \"{b}\" }}",
                    k.join(", ")
                )
            }),
        (prop::sample::select(RE), prop::sample::select(CH))
            .prop_map(|(r, c)| format!("{{ regex = ['{r}'], channel = \"{c}\" }}")),
        prop::sample::select(&["AllEyesOnISIS", "news", "other"][..])
            .prop_map(|h| format!("{{ hashtags = [\"{h}\"] }}")),
        Just("{ pointers = [\"telegram:chan_one\"] }".to_string()),
        Just("{ pointers = [\"telegram:*\"] }".to_string()),
        Just("{ domains = [\"example.org\"] }".to_string()),
        Just("{ lang = [\"en\"] }".to_string()),
        Just("{ platform = [\"twitter\"] }".to_string()),
        Just("{ followers = { min = 10 } }".to_string()),
        Just("{ bio_keywords = [\"news\"] }".to_string()),
    ]
}

fn cond() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3)
                .prop_map(|v| format!("{{ all = [{}] }}", v.join(", "))),
            prop::collection::vec(inner.clone(), 1..3)
                .prop_map(|v| format!("{{ any = [{}] }}", v.join(", "))),
            inner.prop_map(|c| format!("{{ not = {c} }}")),
        ]
    })
}

fn pack_src(conds: &[(String, u8)]) -> String {
    let mut s = String::from("[pack]\nname = \"p\"\nversion = \"1\"\n");
    for (i, (c, st)) in conds.iter().enumerate() {
        let state = ["live", "shadow", "disabled"][*st as usize % 3];
        s.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nstate = \"{state}\"\nwhen = {c}\nsignal = {{ category = \"threat\", weight = 0.5 }}\n"
        ));
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn compiled_agrees_with_naive(
        conds in prop::collection::vec((cond(), 0u8..3), 1..8),
        texts in prop::collection::vec(prop::collection::vec(prop::sample::select(VOCAB), 0..10), 1..6),
        seps in prop::collection::vec(prop::sample::select(&[" ", "", ".", "\n"][..]), 10),
        followers in prop::option::of(0u64..100),
        bio in prop::option::of(prop::sample::select(&["news desk", "𝐍𝐄𝐖𝐒", "nothing"][..])),
    ) {
        let src = pack_src(&conds);
        let pack = match compile("p.toml", &src) {
            Ok(p) => p,
            // some random keyword lists normalize to empty in a channel: a clean error is fine
            Err(e) => { prop_assert!(e.to_string().starts_with("p.toml:")); return Ok(()); }
        };
        let mut account = Account::new(Platform::Twitter, "1");
        account.followers = followers;
        account.bio = bio.map(str::to_string);
        let facts = Facts::default();
        let mut sc = Scratch::new();
        let mut fired = Vec::new();
        for words in &texts {
            let mut text = String::new();
            for (i, w) in words.iter().enumerate() {
                text.push_str(w);
                text.push_str(seps[i % seps.len()]);
            }
            let mut post = Post::new(Platform::Twitter, "1", "twitter:1".into(), 0);
            post.text = text;
            let a = vigil_text::analyze(&post.text);
            let s = Subject { post: &post, account: Some(&account), text: &a, facts: &facts };
            pack.evaluate(&s, &mut sc, &mut fired);
            let naive = vigil_rules::naive::evaluate(&pack, &s);
            prop_assert_eq!(&fired, &naive, "text {:?}\npack {}", post.text, src);
        }
    }

    #[test]
    fn arbitrary_packs_never_panic(src in ".{0,400}") {
        let _ = compile("x.toml", &src);
    }

    #[test]
    fn mutated_packs_never_panic(pos in 0usize..4000, junk in ".{0,8}") {
        let mut s = vigil_rules::STARTER.to_string();
        let mut p = pos.min(s.len());
        while !s.is_char_boundary(p) { p -= 1; }
        s.insert_str(p, &junk);
        let _ = compile("x.toml", &s);
    }

    #[test]
    fn arbitrary_texts_never_panic(text in "\\PC{0,200}") {
        let pack = compile("s.toml", vigil_rules::STARTER).unwrap();
        let post = { let mut p = Post::new(Platform::Vk, "1", "vk:1".into(), 0); p.text = text; p };
        let a = vigil_text::analyze(&post.text);
        let facts = Facts::default();
        let s = Subject { post: &post, account: None, text: &a, facts: &facts };
        let (mut sc, mut fired) = (Scratch::new(), Vec::new());
        pack.evaluate(&s, &mut sc, &mut fired);
        prop_assert_eq!(fired, vigil_rules::naive::evaluate(&pack, &s));
    }
}
