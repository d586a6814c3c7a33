//! Writes a synthetic message CSV in the Coordination Network Toolkit's shape (for the
//! differential test and the side-by-side benchmark): `ctk_gen N SEED > out.csv`.
//! Content is placeholder tokens only.

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    vigil_campaign::ctk::write_synthetic_csv(&mut w, n, seed).expect("writing csv");
    w.flush().expect("flush");
}
