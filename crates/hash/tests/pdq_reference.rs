//! Differential test: vigil's PDQ against Meta's C++ (PyPI `pdqhash`) on identical RGB pixels.

mod common;

use common::*;
use std::path::Path;
use vigil_hash::pdq::{hash_rgb, hash_rgb_dihedral};

struct Case {
    name: String,
    w: u32,
    h: u32,
    rgb: Vec<u8>,
}

fn generated_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut push = |name: &str, w: u32, h: u32, rgb: Vec<u8>| {
        cases.push(Case {
            name: name.to_string(),
            w,
            h,
            rgb,
        })
    };
    for (i, (w, h)) in [
        (64u32, 64u32),
        (512, 512),
        (127, 131),
        (333, 97),
        (1001, 67),
    ]
    .into_iter()
    .enumerate()
    {
        push(
            &format!("random-{w}x{h}"),
            w,
            h,
            xorshift_bytes(i as u64 + 11, (w * h * 3) as usize),
        );
    }
    for (w, h) in [
        (1u32, 1u32),
        (2, 3),
        (3, 2),
        (4, 4),
        (5, 5),
        (7, 130),
        (130, 7),
        (65, 63),
    ] {
        push(
            &format!("random-tiny-{w}x{h}"),
            w,
            h,
            xorshift_bytes(u64::from(w * 31 + h), (w * h * 3) as usize),
        );
    }
    for (v, (w, h)) in [(0u8, (50u32, 40u32)), (255, (64, 64)), (128, (300, 200))] {
        push(
            &format!("flat-{v}-{w}x{h}"),
            w,
            h,
            vec![v; (w * h * 3) as usize],
        );
    }
    // Smooth structured content (gradients and rings) has quality > 0 and stable bits.
    for (w, h) in [(640u32, 480u32), (4000, 3000), (257, 1025)] {
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        let noise = xorshift_bytes(u64::from(w + h), (w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let dx = x as f64 / w as f64 - 0.4;
                let dy = y as f64 / h as f64 - 0.6;
                let ring = ((dx * dx + dy * dy).sqrt() * 40.0).sin();
                let n = noise[(y * w + x) as usize] / 16;
                rgb.push(((x * 255 / w) as u8).wrapping_add(n));
                rgb.push((128.0 + 100.0 * ring) as u8);
                rgb.push(((y * 255 / h) as u8) ^ n);
            }
        }
        push(&format!("structured-{w}x{h}"), w, h, rgb);
    }
    cases
}

fn compare_with_reference(
    py: &str,
    script: &Path,
    dir: &Path,
    cases: &[(String, String, u32, u32)],
) -> usize {
    let manifest = dir.join("manifest.tsv");
    let mut m = String::new();
    for (_, raw, w, h) in cases {
        m.push_str(&format!("{raw}\t{w}\t{h}\n"));
    }
    std::fs::write(&manifest, m).expect("write manifest");
    let out = run_py(
        py,
        script,
        &["hash-raw", manifest.to_str().expect("utf8 path")],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        cases.len(),
        "reference printed one line per image"
    );
    let mut failures = Vec::new();
    for ((name, raw, w, h), line) in cases.iter().zip(lines) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 11, "reference line: {line}");
        assert_eq!(cols[0], raw);
        let rgb = std::fs::read(raw).expect("read raw");
        let single = hash_rgb(*w, *h, &rgb).expect("hash");
        let (dih, q) = hash_rgb_dihedral(*w, *h, &rgb).expect("dihedral");
        let want_q: u32 = cols[1].parse().expect("quality");
        let mut bad = Vec::new();
        if single.quality != want_q || q != want_q {
            bad.push(format!("quality {} vs {want_q}", single.quality));
        }
        if single.hash.to_hex() != cols[2] {
            bad.push(format!("hash {} vs {}", single.hash, cols[2]));
        }
        for k in 0..8 {
            if dih[k].to_hex() != cols[3 + k] {
                bad.push(format!("dihedral{k} {} vs {}", dih[k], cols[3 + k]));
            }
        }
        if !bad.is_empty() {
            failures.push(format!("{name} ({w}x{h}): {}", bad.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ from pdqhash:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn generated_images_are_bit_exact_with_pdqhash() {
    let Some((py, script)) = python_ref() else {
        return;
    };
    let dir = TempDir::new("pdqref-gen");
    let mut listed = Vec::new();
    for (i, c) in generated_cases().into_iter().enumerate() {
        let raw = dir.0.join(format!("{i}.rgb"));
        std::fs::write(&raw, &c.rgb).expect("write raw");
        listed.push((c.name, raw.to_string_lossy().into_owned(), c.w, c.h));
    }
    let n = compare_with_reference(&py, &script, &dir.0, &listed);
    assert!(n >= 19);
}

#[test]
fn reference_images_decoded_by_pillow_are_bit_exact_with_pdqhash_and_expected_tsv() {
    let Some(reference) = shared_reference() else {
        return;
    };
    let Some((py, script)) = python_ref() else {
        return;
    };
    let expected =
        std::fs::read_to_string(reference.join("pdq/expected.tsv")).expect("expected.tsv");
    let rows: Vec<Vec<&str>> = expected
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert!(rows.len() >= 40, "expected.tsv has {} rows", rows.len());
    let dir = TempDir::new("pdqref-img");
    let paths: Vec<String> = rows
        .iter()
        .map(|r| {
            reference
                .join("pdq")
                .join(r[0])
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut args = vec!["decode", dir.0.to_str().expect("utf8")];
    args.extend(paths.iter().map(|s| s.as_str()));
    let out = run_py(&py, &script, &args);
    let mut listed = Vec::new();
    for (line, row) in out.lines().zip(&rows) {
        let c: Vec<&str> = line.split('\t').collect();
        let (w, h): (u32, u32) = (c[2].parse().expect("w"), c[3].parse().expect("h"));
        assert_eq!(
            (w.to_string(), h.to_string()),
            (row[1].to_string(), row[2].to_string()),
            "{}",
            row[0]
        );
        listed.push((row[0].to_string(), c[1].to_string(), w, h));
    }
    assert_eq!(listed.len(), rows.len());
    compare_with_reference(&py, &script, &dir.0, &listed);
    // And the same pixels reproduce expected.tsv exactly.
    for ((name, raw, w, h), row) in listed.iter().zip(&rows) {
        let rgb = std::fs::read(raw).expect("raw");
        let (dih, q) = hash_rgb_dihedral(*w, *h, &rgb).expect("hash");
        assert_eq!(q.to_string(), row[4], "{name} quality");
        assert_eq!(dih[0].to_hex(), row[3], "{name} hash");
        for k in 0..8 {
            assert_eq!(dih[k].to_hex(), row[5 + k], "{name} dihedral{k}");
        }
    }
}
