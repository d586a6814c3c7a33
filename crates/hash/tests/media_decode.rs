//! vigil's own decoder against `expected.tsv` (exact for PNG, Meta's 16-bit tolerance for JPEG/WebP), EXIF orientation, bombs and corrupt input.

mod common;

use proptest::prelude::*;
use vigil_hash::media::{decode, hash_bytes, hash_file, Limits, MediaError};
use vigil_hash::pdq::{hash_rgb_dihedral, PdqHash};

#[test]
fn reference_files_match_expected_tsv() {
    let Some(reference) = common::shared_reference() else {
        return;
    };
    let expected =
        std::fs::read_to_string(reference.join("pdq/expected.tsv")).expect("expected.tsv");
    let limits = Limits::default();
    let mut checked = 0;
    let mut report = Vec::new();
    for line in expected.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let path = reference.join("pdq").join(c[0]);
        let bytes = std::fs::read(&path).expect("read image");
        let img = decode(&bytes, &limits).unwrap_or_else(|e| panic!("{}: {e}", c[0]));
        assert_eq!(
            (img.width.to_string(), img.height.to_string()),
            (c[1].to_string(), c[2].to_string()),
            "{}: dimensions after EXIF orientation",
            c[0]
        );
        let (dih, q) = hash_rgb_dihedral(img.width, img.height, &img.pixels).expect("hash");
        let want = PdqHash::from_hex(c[3]).expect("hex");
        let d = dih[0].hamming(&want);
        let lossless = c[0].ends_with(".png");
        let tolerance = if lossless { 0 } else { 16 };
        report.push(format!("{}\t{d}\t{q}/{}", c[0], c[4]));
        assert!(
            d <= tolerance,
            "{}: distance {d} > {tolerance} ({} vs {})",
            c[0],
            dih[0],
            c[3]
        );
        if lossless {
            assert_eq!(q.to_string(), c[4], "{}: quality", c[0]);
            for k in 0..8 {
                assert_eq!(dih[k].to_hex(), c[5 + k], "{}: dihedral{k}", c[0]);
            }
        }
        // The file path API agrees with the in-memory one.
        let h = hash_file(&path, &limits).expect("hash_file");
        assert_eq!(h.pdq.map(|p| p.0), Some(dih[0]));
        checked += 1;
    }
    eprintln!("path\tdistance\tquality ours/ref\n{}", report.join("\n"));
    assert!(checked >= 40);
}

#[test]
fn exif_orientation_is_applied() {
    let Some(reference) = common::shared_reference() else {
        return;
    };
    let expected =
        std::fs::read_to_string(reference.join("pdq/expected.tsv")).expect("expected.tsv");
    let limits = Limits::default();
    let mut seen = 0;
    for line in expected.lines().filter(|l| l.contains("exif-rotn")) {
        let c: Vec<&str> = line.split('\t').collect();
        let img = decode(
            &std::fs::read(reference.join("pdq").join(c[0])).expect("read"),
            &limits,
        )
        .expect("decode");
        // Orientations 6 and 8 swap the stored sides; 1 and 3 keep them.
        assert_eq!(
            (img.width.to_string(), img.height.to_string()),
            (c[1].to_string(), c[2].to_string()),
            "{}",
            c[0]
        );
        let (h, _) = hash_rgb_dihedral(img.width, img.height, &img.pixels).expect("hash");
        let want = PdqHash::from_hex(c[3]).expect("hex");
        assert!(h[0].hamming(&want) <= 16, "{}: {} vs {}", c[0], h[0], want);
        seen += 1;
    }
    assert_eq!(seen, 4);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A tiny IDAT that would inflate to nothing useful; the bomb check must fire first.
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    v.extend_from_slice(&8u32.to_be_bytes());
    v.extend_from_slice(idat);
    v.extend_from_slice(&crc32(idat).to_be_bytes());
    v
}

#[test]
fn decompression_bombs_are_refused_before_allocation() {
    let limits = Limits::default();
    let e = decode(&png_header(19_000, 19_000), &limits).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::TooManyPixels {
                width: 19_000,
                height: 19_000,
                ..
            }
        ),
        "{e:?}"
    );
    let e = decode(&png_header(100_000, 1), &limits).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::DimensionTooLarge { .. } | MediaError::Corrupt(_)
        ),
        "{e:?}"
    );
    // GIF with a 65535x65535 logical screen and frame.
    let mut gif = b"GIF89a\xff\xff\xff\xff\x00\x00\x00".to_vec();
    gif.extend_from_slice(b"\x2c\x00\x00\x00\x00\xff\xff\xff\xff\x00\x02\x02\x44\x01\x00\x3b");
    let e = decode(&gif, &limits).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::TooManyPixels { .. }
                | MediaError::DimensionTooLarge { .. }
                | MediaError::Corrupt(_)
        ),
        "{e:?}"
    );
    // JPEG SOF0 declaring 60000x60000.
    let jpeg: Vec<u8> = [
        &b"\xff\xd8\xff\xc0\x00\x11\x08\xea\x60\xea\x60\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"[..],
        &b"\xff\xd9"[..],
    ]
    .concat();
    let e = decode(&jpeg, &limits).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::TooManyPixels { .. }
                | MediaError::DimensionTooLarge { .. }
                | MediaError::Corrupt(_)
        ),
        "{e:?}"
    );
    // A stricter pixel budget refuses an ordinary image too, with the clear error.
    let small = Limits {
        max_pixels: 10,
        ..Limits::default()
    };
    let e = decode(&png_header(4, 4), &small).unwrap_err();
    assert!(matches!(e, MediaError::TooManyPixels { .. }), "{e:?}");
}

#[test]
fn unsupported_bytes_still_get_exact_hashes() {
    let h = hash_bytes(b"not an image at all", &Limits::default());
    assert_eq!(h.byte_len, 19);
    assert!(h.pdq.is_none());
    assert_eq!(h.md5.len(), 32);
    assert_eq!(h.sha256.len(), 64);
    assert!(h.pdq_error.is_some());
}

fn sample_files() -> Vec<Vec<u8>> {
    let img = image::RgbImage::from_fn(37, 29, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 9) as u8, (x ^ y) as u8])
    });
    let mut out = Vec::new();
    for fmt in [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Gif,
        image::ImageFormat::WebP,
    ] {
        let mut buf = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img.clone())
            .write_to(&mut buf, fmt)
            .expect("encode");
        out.push(buf.into_inner());
    }
    out
}

#[test]
fn sample_files_decode() {
    for f in sample_files() {
        let img = decode(&f, &Limits::default()).expect("decode sample");
        assert_eq!((img.width, img.height), (37, 29));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn truncated_or_corrupted_images_never_panic(which in 0usize..4, cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..8)) {
        let files = sample_files();
        let mut f = files[which].clone();
        let n = ((f.len() as f64) * cut) as usize;
        for (pos, v) in flips {
            if !f.is_empty() {
                let i = ((f.len() as f64 - 1.0) * pos) as usize;
                f[i] ^= v;
            }
        }
        f.truncate(n.max(1));
        let r = decode(&f, &Limits::default());
        if let Ok(img) = r {
            prop_assert_eq!(img.pixels.len() as u64, u64::from(img.width) * u64::from(img.height) * 3);
        }
        let _ = hash_bytes(&f, &Limits::default());
    }
}
