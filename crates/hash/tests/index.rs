//! Radius index: exact recall on `radius32.tsv`, property tests against brute force, incremental updates and (de)serialisation.

mod common;

use proptest::prelude::*;
use std::collections::BTreeSet;
use vigil_hash::index::{IndexError, RadiusIndex};
use vigil_hash::pdq::PdqHash;

fn read_hashes(path: &std::path::Path) -> Vec<PdqHash> {
    std::fs::read_to_string(path)
        .expect("read hash list")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| PdqHash::from_hex(l).expect("hex"))
        .collect()
}

#[test]
fn radius32_reference_pairs_are_found_exactly() {
    let Some(reference) = common::shared_reference() else {
        return;
    };
    let dir = reference.join("pdq/images/reg-test-input");
    let needles = read_hashes(&dir.join("needles.txt"));
    let haystack = read_hashes(&dir.join("haystack.txt"));
    assert_eq!((needles.len(), haystack.len()), (100, 1350));
    let tsv = std::fs::read_to_string(reference.join("pdq/radius32.tsv")).expect("radius32.tsv");
    let expected: BTreeSet<(usize, usize, u32)> = tsv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].parse().expect("n"),
                c[1].parse().expect("h"),
                c[2].parse().expect("d"),
            )
        })
        .collect();
    assert!(expected.len() >= 250);
    // Indices are 0-based line numbers in needles.txt and haystack.txt.
    // Pass 1: bulk build over the haystack; pass 2: incremental adds of the same set.
    let bulk = RadiusIndex::build(32, haystack.iter().enumerate().map(|(i, h)| (i as u64, *h)));
    let mut incremental = RadiusIndex::new(32);
    for (i, h) in haystack.iter().enumerate() {
        incremental.add(i as u64, *h);
    }
    for idx in [&bulk, &incremental] {
        let mut got = BTreeSet::new();
        for (n, q) in needles.iter().enumerate() {
            for (id, d) in idx.query(q, 32) {
                got.insert((n, id as usize, d));
            }
        }
        assert_eq!(got, expected);
        // At Meta's default threshold 31 the answer is the subset within 31.
        let mut got31 = BTreeSet::new();
        for (n, q) in needles.iter().enumerate() {
            for (id, d) in idx.query(q, 31) {
                got31.insert((n, id as usize, d));
            }
        }
        let want31: BTreeSet<_> = expected.iter().copied().filter(|x| x.2 <= 31).collect();
        assert_eq!(got31, want31);
    }
}

fn flip(h: &PdqHash, bits: &[u8]) -> PdqHash {
    let mut o = *h;
    for &b in bits {
        o.0[(b / 8) as usize] ^= 1 << (b % 8);
    }
    o
}

fn brute(items: &[(u64, PdqHash)], q: &PdqHash, r: u32) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = items
        .iter()
        .map(|(id, h)| (*id, h.hamming(q)))
        .filter(|x| x.1 <= r)
        .collect();
    v.sort_unstable_by_key(|&(id, d)| (d, id));
    v
}

fn arb_hash() -> impl Strategy<Value = PdqHash> {
    proptest::array::uniform32(any::<u8>()).prop_map(PdqHash)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn matches_brute_force(
        base in proptest::collection::vec(arb_hash(), 1..60),
        noise in proptest::collection::vec(arb_hash(), 0..200),
        flips in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 1..120),
        radius in 0u32..70,
    ) {
        // Planted neighbours at every distance 0..48 around the base hashes, plus random noise.
        let mut items: Vec<(u64, PdqHash)> = Vec::new();
        for (i, f) in flips.iter().enumerate() {
            items.push((i as u64 * 3 + 1, flip(&base[i % base.len()], f)));
        }
        for (i, h) in noise.iter().enumerate() {
            items.push((1_000_000 + i as u64, *h));
        }
        let idx = RadiusIndex::build(radius, items.iter().copied());
        for q in &base {
            prop_assert_eq!(idx.query(q, radius), brute(&items, q, radius));
        }
    }

    #[test]
    fn incremental_updates_match_brute_force(
        ops in proptest::collection::vec((0u8..5, 0u64..300, arb_hash(), proptest::collection::vec(any::<u8>(), 0..40)), 1..400),
        q in arb_hash(),
    ) {
        let mut idx = RadiusIndex::new(31);
        let mut model: std::collections::BTreeMap<u64, (PdqHash, bool)> = Default::default();
        for (op, id, h, f) in ops {
            match op {
                0 | 1 => {
                    // Half the adds are near the query so matches exist.
                    let h = if op == 0 { flip(&q, &f) } else { h };
                    idx.add(id, h);
                    model.insert(id, (h, true));
                }
                2 => {
                    prop_assert_eq!(idx.remove(id), model.remove(&id).is_some());
                }
                3 => {
                    let present = model.get_mut(&id).map(|e| e.1 = false).is_some();
                    prop_assert_eq!(idx.disable(id), present);
                }
                _ => {
                    let present = model.get_mut(&id).map(|e| e.1 = true).is_some();
                    prop_assert_eq!(idx.enable(id), present);
                }
            }
        }
        let live: Vec<(u64, PdqHash)> = model.iter().filter(|e| e.1 .1).map(|(id, e)| (*id, e.0)).collect();
        prop_assert_eq!(idx.query(&q, 31), brute(&live, &q, 31));
        prop_assert_eq!(idx.len(), model.len());
        idx.flush();
        prop_assert_eq!(idx.query(&q, 31), brute(&live, &q, 31));
        let back = RadiusIndex::from_bytes(&idx.to_bytes()).expect("roundtrip");
        prop_assert_eq!(back.query(&q, 31), brute(&live, &q, 31));
        prop_assert_eq!(back.len(), model.len());
    }

    #[test]
    fn from_bytes_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = RadiusIndex::from_bytes(&bytes);
        let mut b = b"VGRIDX01".to_vec();
        b.extend_from_slice(&bytes);
        let _ = RadiusIndex::from_bytes(&b);
    }
}

#[test]
fn many_adds_cross_segment_boundaries() {
    // More than the update buffer, so segments are built and merged.
    let mut idx = RadiusIndex::new(31);
    let mut items = Vec::new();
    let base = PdqHash([0x5a; 32]);
    for i in 0..20_000u64 {
        let mut h = PdqHash([0; 32]);
        let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for b in h.0.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let h = if i % 1000 == 0 {
            flip(&base, &[(i % 251) as u8, 3, 77])
        } else {
            h
        };
        idx.add(i, h);
        items.push((i, h));
    }
    assert!(idx.stats().segments >= 1);
    assert_eq!(idx.query(&base, 31), brute(&items, &base, 31));
    for i in (0..20_000u64).step_by(2000) {
        assert!(idx.remove(i));
    }
    items.retain(|(id, _)| id % 2000 != 0);
    assert_eq!(idx.query(&base, 31), brute(&items, &base, 31));
    idx.compact();
    assert_eq!(idx.query(&base, 31), brute(&items, &base, 31));
    assert_eq!(idx.len(), items.len());
}

#[test]
fn corrupt_bytes_are_rejected() {
    let idx = RadiusIndex::build(31, [(1u64, PdqHash([1; 32])), (2, PdqHash([2; 32]))]);
    let mut b = idx.to_bytes();
    assert!(RadiusIndex::from_bytes(&b).is_ok());
    b[25] ^= 1;
    assert_eq!(
        RadiusIndex::from_bytes(&b).unwrap_err(),
        IndexError::BadChecksum
    );
    assert!(matches!(
        RadiusIndex::from_bytes(&b[..b.len() - 1]),
        Err(IndexError::BadLength(_))
    ));
    assert_eq!(
        RadiusIndex::from_bytes(b"nope").unwrap_err(),
        IndexError::BadMagic
    );
}
