//! The floor for `vigil scan` throughput: a bare serde_json pass over the same bytes, parsing
//! into `IgnoredAny` (per line for line-oriented files, the whole stream for one document).
//!
//! usage: floor lines|document FILE

use serde::de::IgnoredAny;
use std::io::{BufRead, BufReader};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let f = std::fs::File::open(&a[2]).expect("open");
    let t = std::time::Instant::now();
    let mut n = 0u64;
    match a[1].as_str() {
        "lines" => {
            let mut r = BufReader::with_capacity(1 << 16, f);
            let mut line = Vec::new();
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line).unwrap() == 0 {
                    break;
                }
                serde_json::from_slice::<IgnoredAny>(&line).expect("json");
                n += 1;
            }
        }
        _ => {
            let r = BufReader::with_capacity(1 << 16, f);
            let mut de = serde_json::Deserializer::from_reader(r);
            serde::Deserialize::deserialize(&mut de)
                .map(|_: IgnoredAny| ())
                .expect("json");
            n = 1;
        }
    }
    eprintln!("units {n} in {:.3}s", t.elapsed().as_secs_f64());
}
