//! Banks: lifecycle, TCAP/CSV/NDJSON import-export round trips, hostile inputs, and the in-memory matcher.

use proptest::prelude::*;
use vigil_hash::banks::{
    self, Actor, Bank, BankMatcher, HashAlgorithm, ItemDraft, Labels, ParseLimits, Severity,
};
use vigil_hash::media::{hash_bytes, Limits};
use vigil_hash::pdq::PdqHash;

fn by() -> Actor<'static> {
    Actor {
        name: "analyst-1",
        at: "2026-01-01T00:00:00Z",
    }
}

const PDQ_A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

#[test]
fn tcap_parse_accepts_the_shape_and_rejects_bad_rows_with_line_numbers() {
    let doc = format!(
        r#"{{"data": [
        {{"hash_digest": "{PDQ_A}", "algorithm": "PDQ", "ideology": "placeholder-ideology", "file_type": "image/jpeg", "deleted": false, "extra": 1}},
        {{"hash_digest": "900150983CD24FB0D6963F7D28E17F72", "algorithm": "MD5", "ideology": null, "file_type": null, "deleted": true}},
        {{"hash_digest": "zz", "algorithm": "SHA256"}},
        {{"hash_digest": "{PDQ_A}", "algorithm": "crc32"}},
        17
    ]}}"#
    );
    let p = banks::tcap::parse(doc.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(p.drafts.len(), 2);
    assert_eq!(
        p.drafts[0].labels.ideology.as_deref(),
        Some("placeholder-ideology")
    );
    assert_eq!(
        p.drafts[0].labels.content_type.as_deref(),
        Some("image/jpeg")
    );
    assert_eq!(p.drafts[1].digest, "900150983cd24fb0d6963f7d28e17f72");
    assert!(!p.drafts[1].enabled);
    let lines: Vec<u64> = p.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![3, 4, 5]);
}

#[test]
fn tcap_deleted_rows_retire_existing_hashes_on_import() {
    let mut bank = Bank::new("tcap", "", &by()).unwrap();
    let add = format!(r#"[{{"hash_digest": "{PDQ_A}", "algorithm": "pdq", "deleted": false}}]"#);
    let p = banks::tcap::parse(add.as_bytes(), &ParseLimits::default()).unwrap();
    let s = bank.import("tcap", p.drafts, 0, &by()).unwrap();
    assert_eq!(s.added, 1);
    let del = add.replace("false", "true");
    let p = banks::tcap::parse(del.as_bytes(), &ParseLimits::default()).unwrap();
    let s = bank.import("tcap", p.drafts, 0, &by()).unwrap();
    assert_eq!((s.added, s.disabled), (0, 1));
    assert!(!bank.items[0].enabled);
}

fn sample_bank() -> Bank {
    let mut b = Bank::new("mixed", "synthetic", &by()).unwrap();
    let labels = Labels {
        source: Some("internal".into()),
        ideology: Some("плейсхолдер, \"quoted\"".into()),
        group: Some("جماعة-نموذج".into()),
        category: Some("terrorist_propaganda".into()),
        severity: Some(Severity::Critical),
        content_type: Some("=cmd|' /C calc'!A0".into()),
    };
    for (alg, d) in [
        (HashAlgorithm::Pdq, PDQ_A.to_string()),
        (
            HashAlgorithm::Md5,
            "900150983cd24fb0d6963f7d28e17f72".into(),
        ),
        (
            HashAlgorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
        ),
    ] {
        b.add(
            ItemDraft {
                algorithm: alg,
                digest: d,
                labels: labels.clone(),
                enabled: alg != HashAlgorithm::Sha256,
                provenance: Some("line1\nline2, with comma".into()),
            },
            &by(),
        )
        .unwrap();
    }
    b
}

fn drafts_of(b: &Bank) -> Vec<ItemDraft> {
    b.items
        .iter()
        .map(|i| ItemDraft {
            algorithm: i.algorithm,
            digest: i.digest.clone(),
            labels: i.labels.clone(),
            enabled: i.enabled,
            provenance: i.provenance.clone(),
        })
        .collect()
}

#[test]
fn csv_and_ndjson_round_trip_exactly() {
    let b = sample_bank();
    let csv = banks::csv::write(&b.items);
    let text = String::from_utf8(csv.clone()).unwrap();
    // Formula-looking cells are neutralised for spreadsheets.
    assert!(text.contains("'=cmd"), "{text}");
    let p = banks::csv::parse(&csv, &ParseLimits::default()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.drafts, drafts_of(&b));
    let nd = banks::ndjson::write(&b.items);
    let p = banks::ndjson::parse(&nd, &ParseLimits::default()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.drafts, drafts_of(&b));
}

#[test]
fn tcap_round_trip_keeps_its_fields() {
    let b = sample_bank();
    let p = banks::tcap::parse(&banks::tcap::write(&b.items), &ParseLimits::default()).unwrap();
    assert_eq!(p.drafts.len(), 3);
    for (d, it) in p.drafts.iter().zip(&b.items) {
        assert_eq!(
            (d.algorithm, &d.digest, d.enabled),
            (it.algorithm, &it.digest, it.enabled)
        );
        assert_eq!(d.labels.ideology, it.labels.ideology);
        assert_eq!(d.labels.content_type, it.labels.content_type);
    }
}

#[test]
fn hma_style_minimal_csv_with_bom_and_crlf() {
    let csv = format!("\u{FEFF}signal_type,signal_value\r\npdq,{PDQ_A}\r\n\r\nvideo_md5,900150983cd24fb0d6963f7d28e17f72\r\nmd5,nothex\r\n\"unterminated");
    let p = banks::csv::parse(csv.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(p.drafts.len(), 2);
    assert_eq!(p.drafts[1].algorithm, HashAlgorithm::Md5);
    let lines: Vec<u64> = p.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![5, 6]);
    assert!(banks::csv::parse(b"a,b\n1,2\n", &ParseLimits::default()).is_err());
}

#[test]
fn hostile_documents_are_bounded() {
    let deep = "[".repeat(100_000);
    assert!(banks::tcap::parse(deep.as_bytes(), &ParseLimits::default()).is_err());
    let small = ParseLimits {
        max_bytes: 10,
        ..ParseLimits::default()
    };
    assert!(banks::ndjson::parse(&[b'x'; 11], &small).is_err());
    let few = ParseLimits {
        max_records: 1,
        ..ParseLimits::default()
    };
    let two = format!("{{\"algorithm\":\"pdq\",\"digest\":\"{PDQ_A}\"}}\n{{\"algorithm\":\"pdq\",\"digest\":\"{PDQ_A}\"}}\n");
    assert!(banks::ndjson::parse(two.as_bytes(), &few).is_err());
    let short = ParseLimits {
        max_line: 16,
        ..ParseLimits::default()
    };
    let p = banks::ndjson::parse(two.as_bytes(), &short).unwrap();
    assert_eq!(p.rejected.len(), 2);
    let long_csv = format!("signal_type,signal_value\npdq,{}\n", "a".repeat(100));
    let csv_short = ParseLimits {
        max_line: 40,
        ..ParseLimits::default()
    };
    let p = banks::csv::parse(long_csv.as_bytes(), &csv_short).unwrap();
    assert_eq!(p.rejected.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn parsers_are_total(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let l = ParseLimits::default();
        let _ = banks::tcap::parse(&bytes, &l);
        let _ = banks::csv::parse(&bytes, &l);
        let _ = banks::ndjson::parse(&bytes, &l);
        let mut with_header = b"signal_type,signal_value,source\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = banks::csv::parse(&with_header, &l);
    }

    #[test]
    fn csv_round_trips_arbitrary_labels(source in "\\PC{0,40}", ideology in "[ -~\"',=+@-]{0,40}", digest in proptest::array::uniform32(any::<u8>())) {
        let mut b = Bank::new("p", "", &by()).unwrap();
        let labels = Labels { source: Some(source.trim().to_string()).filter(|s| !s.is_empty()), ideology: Some(ideology.trim().to_string()).filter(|s| !s.is_empty()), ..Labels::default() };
        prop_assume!(labels.validate().is_ok());
        b.add(ItemDraft { algorithm: HashAlgorithm::Pdq, digest: PdqHash(digest).to_hex(), labels, enabled: true, provenance: None }, &by()).unwrap();
        let p = banks::csv::parse(&banks::csv::write(&b.items), &ParseLimits::default()).unwrap();
        prop_assert!(p.rejected.is_empty());
        prop_assert_eq!(p.drafts, drafts_of(&b));
    }
}

fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(200, 160, |x, y| {
        let v = ((x as f32 / 9.0).sin() * 60.0 + (y as f32 / 7.0).cos() * 60.0 + 128.0) as u8;
        image::Rgb([v, v / 2, 255 - v])
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut buf, image::ImageFormat::Png)
        .unwrap();
    buf.into_inner()
}

#[test]
fn matcher_reports_labels_and_respects_disable_and_quality() {
    let png = png_bytes();
    let h = hash_bytes(&png, &Limits::default());
    let (pdq, quality) = h.pdq.expect("png decodes");
    assert!(quality >= 50, "quality {quality}");
    let mut near = pdq;
    near.0[0] ^= 0b111; // distance 3
    let mut bank = Bank::new("propaganda-posters", "", &by()).unwrap();
    let labels = Labels {
        category: Some("terrorist_propaganda".into()),
        severity: Some(Severity::High),
        ..Labels::default()
    };
    let pdq_id = bank
        .add(
            ItemDraft {
                algorithm: HashAlgorithm::Pdq,
                digest: near.to_hex(),
                labels: labels.clone(),
                enabled: true,
                provenance: Some("synthetic".into()),
            },
            &by(),
        )
        .unwrap();
    let md5_id = bank
        .add(
            ItemDraft {
                algorithm: HashAlgorithm::Md5,
                digest: h.md5.to_uppercase(),
                labels: labels.clone(),
                enabled: true,
                provenance: None,
            },
            &by(),
        )
        .unwrap();
    let other = Bank::new("empty", "", &by()).unwrap();
    let mut m = BankMatcher::from_banks([&bank, &other], 31).unwrap();
    let hits = m.match_media(&h);
    assert_eq!(hits.len(), 2);
    assert_eq!(
        (hits[0].algorithm, hits[0].item_id, hits[0].distance),
        (HashAlgorithm::Md5, md5_id, 0)
    );
    assert_eq!(
        (hits[1].algorithm, hits[1].item_id, hits[1].distance),
        (HashAlgorithm::Pdq, pdq_id, 3)
    );
    assert_eq!(hits[1].bank, "propaganda-posters");
    assert_eq!(hits[1].labels, labels);
    // Disable in the bank model and the matcher: no longer reported.
    bank.set_enabled(pdq_id, false, &by(), Some("appeal upheld"))
        .unwrap();
    assert!(m.set_enabled("propaganda-posters", pdq_id, false));
    assert_eq!(m.match_media(&h).len(), 1);
    // Low-quality PDQ is never matched from media.
    let mut flat = h.clone();
    flat.pdq = Some((near, 10));
    flat.md5 = "0".repeat(32);
    m.set_enabled("propaganda-posters", pdq_id, true);
    assert!(m.match_media(&flat).is_empty());
    assert_eq!(m.match_pdq(&near).len(), 1);
    // Incremental removal and re-add.
    assert!(m.remove_item("propaganda-posters", pdq_id));
    assert!(m.match_pdq(&near).is_empty());
    m.set_item("propaganda-posters", bank.get(pdq_id).unwrap())
        .unwrap();
    assert!(m.match_pdq(&near).is_empty(), "the bank copy is disabled");
    bank.set_enabled(pdq_id, true, &by(), None).unwrap();
    m.upsert_bank(&bank).unwrap();
    assert_eq!(m.match_pdq(&near).len(), 1);
    assert_eq!(m.len(), 2);
}
