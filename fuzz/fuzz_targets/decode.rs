//! Fuzz target: vigil's media decoder and PDQ on arbitrary bytes must never panic or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_hash::media::{decode, hash_bytes, Limits};

fuzz_target!(|data: &[u8]| {
    // Tight limits keep each run small; the bomb checks are what is under test.
    let limits = Limits {
        max_bytes: 1 << 20,
        max_pixels: 4_000_000,
        max_dimension: 8192,
        max_alloc: 64 << 20,
    };
    if let Ok(img) = decode(data, &limits) {
        assert_eq!(img.pixels.len() as u64, u64::from(img.width) * u64::from(img.height) * 3);
    }
    let _ = hash_bytes(data, &limits);
});
