//! Throughput of the whole text stage (`analyze`) over ~140-char multilingual posts built from real Debian catalog text.
//!
//! Run: taskset -c 0 cargo run --release -p vigil-text --example bench_analyze
#[path = "../tests/common/mo.rs"]
mod mo;

use std::time::Instant;

fn cut(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

fn main() {
    let root = std::path::Path::new(mo::LOCALE_ROOT);
    let set = mo::eval_set(root, 20);
    assert!(
        !set.is_empty(),
        "no Debian test catalogs found: install .ci/apt-packages"
    );
    // Mix in entities as posts carry them (synthetic, non-operational tokens).
    let decor = [
        " #AllEyesOnISIS",
        " @example_user",
        " https://t.me/example_channel?utm_source=x",
        " bit.ly/abc123",
        " #news",
        "",
        "",
        "",
    ];
    // Join consecutive strings of one language until a post reaches ~140 chars.
    let mut posts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_lang = "";
    for (lang, s) in &set {
        if *lang != cur_lang {
            cur.clear();
            cur_lang = lang;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(s);
        if cur.chars().count() >= 140 {
            let d = decor[posts.len() % decor.len()];
            let body = cut(&cur, 140usize.saturating_sub(d.chars().count()));
            posts.push(format!("{body}{d}"));
            cur.clear();
        }
    }
    let avg_chars =
        posts.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / posts.len() as f64;
    // Warm up.
    let mut sink = 0usize;
    for p in posts.iter().take(2000) {
        sink += vigil_text::analyze(p).hashtags.len();
    }
    let rounds = 5;
    let start = Instant::now();
    for _ in 0..rounds {
        for p in &posts {
            let a = vigil_text::analyze(p);
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
    // Stage breakdown.
    let stages: [(&str, fn(&str) -> usize); 6] = [
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
        for p in &posts {
            sink += f(p);
        }
        let secs = start.elapsed().as_secs_f64();
        println!("  {name:>18}: {:.0} posts/s", posts.len() as f64 / secs);
    }
    let _ = sink;
}
