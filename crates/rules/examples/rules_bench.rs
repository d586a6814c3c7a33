//! Benchmark: compile time, memory and posts/s of a synthetic pack (keywords and regexes mixed) on synthetic posts.
//!
//! `cargo run --release -p vigil-rules --example rules_bench -- RULES POSTS`
//! Pin it with `taskset -c 0` for the one-core figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes and their peak, so memory figures do not depend on what the
/// allocator keeps from freed parse structures.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn mib(b: usize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}
use vigil_detect::Facts;
use vigil_model::{Platform, Post};
use vigil_rules::{compile, Scratch, Subject};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SYL: &[&str] = &[
    "ka", "ro", "mi", "lan", "der", "son", "ta", "ne", "li", "ben", "jo", "sa", "vor", "tek", "ul",
    "pa", "zi", "gor", "fen", "ash", "bru", "qel", "myr", "dox", "wen", "hal", "tso", "pik", "nar",
    "eth", "ovo", "gul", "sek", "iru", "baz", "fol", "kem", "yat", "rho", "vin",
];

/// A rule keyword: 3-4 syllables (~2.6M combinations).
fn word(r: &mut Rng) -> String {
    let n = 3 + r.below(2);
    (0..n)
        .map(|_| SYL[r.below(SYL.len() as u64) as usize])
        .collect()
}

/// A post word: 1-2 syllables, so words never equal keywords but share their letters.
fn post_word(r: &mut Rng) -> String {
    let n = 1 + r.below(2);
    (0..n)
        .map(|_| SYL[r.below(SYL.len() as u64) as usize])
        .collect()
}

/// CPU seconds this process has used (user + system), from /proc: robust on a shared machine.
fn cpu_s() -> f64 {
    let st = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = st.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // fields after the command: state(skipped, not numeric) ppid … utime is field 14 overall
    let (u, s) = (
        f.get(10).copied().unwrap_or(0.0),
        f.get(11).copied().unwrap_or(0.0),
    );
    (u + s) / 100.0
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_rules: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let n_posts: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    // Share of regex rules in percent.
    let re_pct: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    // 80 % keyword rules (1-5 keywords, folded or nfkc), 20 % regex rules; a few
    // combinators and hashtag rules.
    let mut src = String::from("[pack]\nname = \"bench\"\nversion = \"1\"\n");
    let mut n_kw = 0;
    let mut n_re = 0;
    let mut planted: Vec<String> = Vec::new();
    for i in 0..n_rules {
        let kind = if r.below(100) < re_pct { 9 } else { r.below(8) };
        let when = if kind < 7 {
            let k = 1 + r.below(5);
            n_kw += k;
            let kws: Vec<String> = (0..k).map(|_| word(&mut r)).collect();
            planted.push(kws[0].clone());
            let kws: Vec<String> = kws.iter().map(|w| format!("\"{w}\"")).collect();
            let ch = if r.below(2) == 0 { "folded" } else { "nfkc" };
            format!("{{ keywords = [{}], channel = \"{ch}\" }}", kws.join(", "))
        } else if kind < 8 {
            n_kw += 2;
            format!(
                "{{ all = [{{ keywords = [\"{}\"] }}, {{ not = {{ keywords = [\"{}\"] }} }}] }}",
                word(&mut r),
                word(&mut r)
            )
        } else {
            n_re += 1;
            let w = word(&mut r);
            match r.below(3) {
                0 => format!("{{ regex = ['\\b{w}\\d{{2,4}}\\b'] }}"),
                1 => format!("{{ regex = ['{w}[-_ ]?{}'] }}", word(&mut r)),
                _ => format!("{{ regex = ['(?:{w}|{})s?\\b'] }}", word(&mut r)),
            }
        };
        src.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nwhen = {when}\nsignal = {{ category = \"terrorist_propaganda\", weight = 0.3 }}\n"
        ));
    }
    let posts: Vec<Post> = (0..4096)
        .map(|i| {
            let mut p = Post::new(Platform::Twitter, &i.to_string(), "twitter:1".into(), 0);
            let n = 8 + r.below(20);
            let mut words: Vec<String> = (0..n)
                .map(|_| {
                    let mut w = post_word(&mut r);
                    if r.below(10) == 0 {
                        w.push_str(&r.below(1000).to_string());
                    }
                    if r.below(20) == 0 {
                        w = format!("#{w}");
                    }
                    w
                })
                .collect();
            // One post in 20 carries a keyword of the pack.
            if r.below(20) == 0 && !planted.is_empty() {
                let k = r.below(planted.len() as u64) as usize;
                let at = r.below(words.len() as u64) as usize;
                words[at] = planted[k].clone();
            }
            p.text = words.join(" ");
            p
        })
        .collect();
    let avg_len = posts.iter().map(|p| p.text.len()).sum::<usize>() / posts.len();

    let rss0 = rss_kib("VmRSS:");
    let live0 = LIVE.load(Relaxed);
    PEAK.store(live0, Relaxed);
    let t = Instant::now();
    let c0 = cpu_s();
    let pack = compile("bench.toml", &src).expect("bench pack compiles");
    let compile_s = t.elapsed().as_secs_f64();
    let compile_cpu = cpu_s() - c0;
    let (live1, peak1) = (LIVE.load(Relaxed), PEAK.load(Relaxed));
    let rss1 = rss_kib("VmRSS:");
    println!(
        "rules {n_rules} (keywords {n_kw}, regexes {n_re}), pack {} KiB, atoms {}, unanchored {}",
        src.len() / 1024,
        pack.atom_count(),
        pack.unanchored_rules()
    );
    println!(
        "compile {compile_s:.2} s wall ({compile_cpu:.2} CPU s); compiled pack holds {:.1} MiB of heap, compile peaks at +{:.1} MiB; rss +{} MiB (peak rss {} MiB)",
        mib(live1 - live0),
        mib(peak1 - live0),
        rss1.saturating_sub(rss0) / 1024,
        rss_kib("VmHWM:") / 1024
    );

    let analyses: Vec<_> = posts.iter().map(|p| vigil_text::analyze(&p.text)).collect();
    let facts = Facts::default();
    let (mut sc, mut fired) = (Scratch::new(), Vec::new());
    let mut hits = 0u64;
    // warm-up (regex lazy-DFA caches)
    for (p, a) in posts.iter().zip(&analyses) {
        let s = Subject {
            post: p,
            account: None,
            text: a,
            facts: &facts,
        };
        pack.evaluate(&s, &mut sc, &mut fired);
    }
    let t = Instant::now();
    let c0 = cpu_s();
    for i in 0..n_posts {
        let k = i % posts.len();
        let s = Subject {
            post: &posts[k],
            account: None,
            text: &analyses[k],
            facts: &facts,
        };
        pack.evaluate(&s, &mut sc, &mut fired);
        hits += fired.len() as u64;
    }
    let e = t.elapsed().as_secs_f64();
    let c = cpu_s() - c0;
    println!(
        "evaluate (precomputed analysis): {:.0} posts/s wall, {:.0} posts/s per CPU second ({:.2} µs/post wall, avg {avg_len} bytes, {:.2} rules fired/post)",
        n_posts as f64 / e,
        n_posts as f64 / c,
        e * 1e6 / n_posts as f64,
        hits as f64 / n_posts as f64
    );
    let n2 = n_posts / 4;
    let t = Instant::now();
    let c0 = cpu_s();
    for i in 0..n2 {
        let k = i % posts.len();
        let a = vigil_text::analyze(&posts[k].text);
        let s = Subject {
            post: &posts[k],
            account: None,
            text: &a,
            facts: &facts,
        };
        pack.evaluate(&s, &mut sc, &mut fired);
    }
    let e = t.elapsed().as_secs_f64();
    let c = cpu_s() - c0;
    println!(
        "analyze + evaluate: {:.0} posts/s wall, {:.0} posts/s per CPU second ({:.2} µs/post wall)",
        n2 as f64 / e,
        n2 as f64 / c,
        e * 1e6 / n2 as f64
    );
}
