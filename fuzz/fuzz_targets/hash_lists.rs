//! Fuzz target: TCAP, CSV and NDJSON hash-list parsers and the index deserialiser on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_hash::banks::{csv, ndjson, tcap, ParseLimits};
use vigil_hash::index::RadiusIndex;

fuzz_target!(|data: &[u8]| {
    let l = ParseLimits::default();
    let _ = tcap::parse(data, &l);
    let _ = csv::parse(data, &l);
    let _ = ndjson::parse(data, &l);
    let _ = RadiusIndex::from_bytes(data);
});
