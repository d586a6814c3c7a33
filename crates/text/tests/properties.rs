//! Property tests: the text stage is total, idempotent where it should be, and its indices are sound.

use proptest::prelude::*;
use vigil_text::*;

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("#".to_string()),
                Just("@".to_string()),
                Just("$".to_string()),
                Just(".".to_string()),
                Just("http://".to_string()),
                Just("t.co/".to_string()),
                Just("com".to_string()),
                Just(" ".to_string()),
                Just("\u{200B}".to_string()),
                Just("\u{202E}".to_string()),
                Just("ـ".to_string()),
                Just("َ".to_string()),
                Just("а".to_string()),
                Just("a".to_string()),
                Just("1".to_string()),
                Just("ＩＳ".to_string()),
                Just("日本".to_string()),
                Just("(".to_string()),
                Just(")".to_string()),
                Just("_".to_string()),
                Just("-".to_string()),
                Just("?".to_string()),
                Just("=".to_string()),
                Just("xn--".to_string()),
                Just("𝐈".to_string()),
                Just("پاکستان".to_string()),
                Just("RT".to_string()),
                Just("/".to_string()),
                any::<char>().prop_map(|c| c.to_string()),
            ],
            0..60,
        )
        .prop_map(|v| v.concat()),
    ]
}

fn check_span(text: &str, s: &Span) {
    assert!(s.byte_start <= s.byte_end && s.byte_end <= text.len());
    assert!(text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end));
    let u16_start = text[..s.byte_start].encode_utf16().count() as u32;
    let u16_end = text[..s.byte_end].encode_utf16().count() as u32;
    assert_eq!((u16_start, u16_end), (s.start, s.end));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn analyze_is_total_and_spans_are_sound(text in hostile()) {
        let copy = text.clone();
        let a = analyze(&text);
        prop_assert_eq!(&copy, &text);
        for h in &a.hashtags { check_span(&text, &h.span); prop_assert_eq!(text[h.span.byte_start..h.span.byte_end].chars().skip(1).collect::<String>(), h.text.clone()); }
        for m in &a.mentions { check_span(&text, &m.span); }
        for c in &a.cashtags { check_span(&text, &c.span); }
        for u in &a.urls {
            let s = u.span.expect("urls from text carry a span");
            check_span(&text, &s);
            prop_assert_eq!(&text[s.byte_start..s.byte_end], u.raw.as_str());
        }
        prop_assert!(a.lang.confidence >= 0.0 && a.lang.confidence <= 1.0);
        prop_assert_eq!(channel(&a, &text, Channel::Original), text.as_str());
    }

    #[test]
    fn channels_are_idempotent(text in hostile()) {
        let f = fold(&text);
        prop_assert_eq!(fold(&f), f.clone());
        let n = nfkc_casefold(&text);
        prop_assert_eq!(nfkc_casefold(&n), n.clone());
        let ar = arabic_normalize(&n);
        prop_assert_eq!(arabic_normalize(&ar), ar.clone());
        let k = hashtag_key(&text);
        prop_assert_eq!(hashtag_key(&k), k);
    }

    #[test]
    fn canonical_url_is_stable(text in hostile()) {
        if let Some(u) = canonicalize_url(&text) {
            let again = canonicalize_url(&u.canonical).expect("canonical form parses");
            prop_assert_eq!(again.canonical, u.canonical);
        }
    }
}

#[test]
fn huge_inputs_finish() {
    let big =
        "#a @b $C http://x.com/".repeat(20_000) + &"a.".repeat(100_000) + &"#".repeat(100_000);
    let a = analyze(&big);
    assert!(a.truncated);
    let _ = extract_entities(&"@".repeat(200_000));
    let _ = fold(&"i ".repeat(200_000));
    let _ = canonicalize_url(&"a".repeat(1 << 20));
}

/// Found by `canonical_url_is_stable`: IDNA maps U+200B to nothing, which left a host of `.`
/// whose canonical form did not re-parse.
#[test]
fn zero_width_host_remainders_are_stable() {
    for raw in [
        ".\u{200b}",
        "a.\u{200b}",
        "example.org.\u{200b}/x",
        "\u{200b}",
    ] {
        if let Some(u) = canonicalize_url(raw) {
            let again = canonicalize_url(&u.canonical)
                .unwrap_or_else(|| panic!("{raw:?}: canonical {:?} does not parse", u.canonical));
            assert_eq!(again.canonical, u.canonical, "{raw:?}");
        }
    }
    assert!(canonicalize_url(".\u{200b}").is_none());
    assert_eq!(
        canonicalize_url("a.\u{200b}").map(|u| u.canonical),
        Some("http://a/".to_string())
    );
}
