//! Property tests for every parser: no input makes an adapter panic, and a bad record never
//! costs a good neighbour.

use proptest::prelude::*;
use std::path::Path;
use vigil_ingest::{read_input, Emitter, Format, Limits, Place, Sink};
use vigil_model::Record;

#[derive(Default)]
struct Collect {
    ids: Vec<String>,
    bad: Vec<(u64, String)>,
}

impl Sink for Collect {
    fn record(&mut self, rec: Record, _place: Place<'_>) {
        if let Record::Post(p) = rec {
            self.ids.push(p.id);
        }
    }
    fn quarantine(&mut self, place: Place<'_>, reason: &str, _raw: &[u8]) {
        self.bad.push((place.line, reason.to_string()));
    }
}

fn run(format: Format, bytes: &[u8], limits: Limits) -> Collect {
    let mut c = Collect::default();
    let mut em = Emitter::new(&mut c, limits);
    read_input(bytes, format, "t", None, &limits, &mut em, &mut |_| {}).unwrap();
    drop(em);
    c
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(rel),
    )
    .unwrap()
}

fn small() -> Limits {
    Limits {
        max_line: 4096,
        max_record: 4096,
        max_document: 1 << 16,
        ..Limits::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_bytes_make_any_adapter_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for f in Format::ALL {
            run(f, &bytes, small());
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(seed in any::<u64>(), flips in 1usize..8) {
        for (f, rel) in [
            (Format::Twitter, "twitter/search_page.json"),
            (Format::Twitter, "twitter/stream.jsonl"),
            (Format::Vk, "vk/wall_get.json"),
            (Format::Facebook, "facebook/page_feed.json"),
            (Format::Telegram, "telegram/full/result.json"),
            (Format::Native, "native/sample.ndjson"),
        ] {
            let mut b = fixture(rel);
            let mut s = seed;
            for _ in 0..flips {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let i = (s >> 33) as usize % b.len();
                b[i] = (s >> 13) as u8;
            }
            run(f, &b, Limits::default());
            // Truncation at an arbitrary point keeps going too.
            let cut = (seed as usize) % b.len();
            run(f, &b[..cut], Limits::default());
        }
    }

    /// Native NDJSON: any mix of good lines and garbage keeps exactly the good ones.
    #[test]
    fn native_keeps_every_good_line(kinds in proptest::collection::vec(0u8..4, 1..60)) {
        let mut input = Vec::new();
        let mut want = Vec::new();
        let mut bad_lines = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            match k {
                0 | 1 => {
                    want.push(format!("twitter:{i}"));
                    input.extend_from_slice(format!(
                        r#"{{"kind":"post","id":"twitter:{i}","platform":"twitter","account_id":"twitter:a","created_at":"2014-06-14T10:00:00.000Z","text":"t{i}"}}"#
                    ).as_bytes());
                }
                2 => { bad_lines.push(i as u64 + 1); input.extend_from_slice(b"{\"kind\":\"post\",\"id\":"); }
                _ => { bad_lines.push(i as u64 + 1); input.extend_from_slice(&[0xff, 0xfe, b'{']); }
            }
            input.push(b'\n');
        }
        let c = run(Format::Native, &input, small());
        prop_assert_eq!(c.ids, want);
        prop_assert_eq!(c.bad.iter().map(|b| b.0).collect::<Vec<_>>(), bad_lines);
    }

    /// Telegram: bad messages between good ones cost nothing but themselves.
    #[test]
    fn telegram_keeps_every_good_message(kinds in proptest::collection::vec(0u8..4, 1..40)) {
        let mut msgs = Vec::new();
        let mut want = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            msgs.push(match k {
                0 | 1 => { want.push(format!("telegram:channel7/{i}")); format!(r#"{{"id":{i},"type":"message","date_unixtime":"1402740000","text":"m{i}"}}"#) }
                2 => format!(r#"{{"id":{i},"type":"message","date_unixtime":"12","text":"old"}}"#),
                _ => format!(r#"{{"id":"{i}","text":[{{"type":1}}]}}"#),
            });
        }
        let doc = format!("{{\"name\":\"n\",\"type\":\"public_channel\",\"id\":7,\"messages\":[\n{}\n]}}", msgs.join(",\n"));
        let c = run(Format::Telegram, doc.as_bytes(), Limits::default());
        prop_assert_eq!(c.ids, want);
        prop_assert_eq!(c.bad.len(), kinds.iter().filter(|k| **k >= 2).count());
    }
}
