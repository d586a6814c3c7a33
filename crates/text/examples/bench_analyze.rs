//! Throughput of the whole text stage (`analyze`) over ~140-char multilingual posts built from real Debian catalog text.
//!
//! Run: taskset -c 0 cargo run --release -p vigil-text --example bench_analyze
//! Env: BENCH_ROUNDS (default 5), BENCH_STAGES=0 to skip the per-stage table
//! (handy under `valgrind --tool=callgrind`).
#[path = "../tests/common/mo.rs"]
mod mo;

use std::time::Instant;

fn main() {
    let root = std::path::Path::new(mo::LOCALE_ROOT);
    let posts = mo::bench_posts(root);
    assert!(
        !posts.is_empty(),
        "no Debian test catalogs found: install .ci/apt-packages"
    );
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let stages_on = std::env::var("BENCH_STAGES").map_or(true, |v| v != "0");
    let avg_chars =
        posts.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / posts.len() as f64;
    // Warm up.
    let mut sink = 0usize;
    for p in posts.iter().take(2000) {
        sink += vigil_text::analyze(p).hashtags.len();
    }
    let mut analyzer = vigil_text::Analyzer::new();
    let start = Instant::now();
    for _ in 0..rounds {
        for p in &posts {
            let a = analyzer.analyze(p);
            sink += a.hashtags.len() + a.urls.len() + a.folded.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (posts.len() * rounds) as f64;
    println!(
        "posts: {} x {rounds} rounds, avg {avg_chars:.0} chars",
        posts.len()
    );
    println!(
        "analyze: {:.0} posts/s ({:.2} us/post)  [sink {sink}]",
        n / secs,
        secs / n * 1e6
    );
    if !stages_on {
        return;
    }
    // Stage breakdown.
    type Stage = (&'static str, fn(&str) -> usize);
    let stages: [Stage; 6] = [
        ("nfkc_casefold", |s| vigil_text::nfkc_casefold(s).len()),
        ("skeleton(nfkc)", |s| {
            vigil_text::skeleton(&vigil_text::nfkc_casefold(s)).len()
        }),
        ("fold", |s| vigil_text::fold(s).len()),
        ("extract_entities", |s| {
            vigil_text::extract_entities(s).urls.len()
        }),
        ("detect_language", |s| {
            vigil_text::detect_language(s).code.len()
        }),
        ("arabic(nfkc)", |s| {
            vigil_text::arabic_normalize(&vigil_text::nfkc_casefold(s)).len()
        }),
    ];
    for (name, f) in stages {
        let start = Instant::now();
        for _ in 0..rounds {
            for p in &posts {
                sink += f(p);
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  {name:>18}: {:.0} posts/s",
            (posts.len() * rounds) as f64 / secs
        );
    }
    let _ = sink;
}
