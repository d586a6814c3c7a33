//! Linking throughput and memory: index N synthetic seed profiles, then link M new accounts
//! (half of them mutated returns of a seed, half unrelated) and report accounts/s and peak RSS.
//! Usage: `cargo run --release -p vigil-identity --example link_bench -- [seeds] [new]`.

use std::time::Instant;
use vigil_identity::features::{bio_hasher, bio_signature, stem, token_hash, Profile};
use vigil_identity::link::{LinkConfig, Linker, SeedKind};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn word(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

fn profile(
    r: &mut Rng,
    i: u64,
    mh: &vigil_hash::minhash::MinHasher,
) -> (Profile, String, String, String) {
    let handle = format!("{}_{}", r.word(6), r.word(4));
    let name = format!("{} {}", r.word(5), r.word(7));
    let bio = (0..8).map(|_| r.word(6)).collect::<Vec<_>>().join(" ");
    let mut p = Profile {
        id: format!("twitter:{i}"),
        platform: "twitter".into(),
        handle_stem: stem(&handle),
        name_stem: stem(&name),
        bio: bio_signature(mh, &bio),
        avatar: Some(vigil_identity::features::avatar_key(&format!(
            "https://pbs.example/{}.jpg",
            r.word(12)
        ))),
        created_at: Some(0),
        first_seen: 0,
        posts: 1,
        ..Default::default()
    };
    for _ in 0..8 {
        p.neighbours
            .insert(token_hash(&format!("m:{}", r.next() % 1_000_000)));
    }
    (p, handle, name, bio)
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
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seeds = args.first().copied().unwrap_or(1_000_000);
    let news = args.get(1).copied().unwrap_or(20_000);
    let mh = bio_hasher();
    let mut r = Rng(7);
    let mut linker = Linker::new(LinkConfig::default());
    let before = rss_kib("VmRSS:");
    let t = Instant::now();
    let mut kept = Vec::new();
    for i in 0..seeds {
        let (p, h, n, b) = profile(&mut r, i, &mh);
        if i % (seeds / news.max(1)).max(1) == 0 && kept.len() < news as usize / 2 {
            kept.push((p.clone(), h, n, b));
        }
        linker.insert(p, 1, SeedKind::Suspended);
    }
    let index_s = t.elapsed().as_secs_f64();
    let after_index = rss_kib("VmRSS:");
    let t = Instant::now();
    let mut linked = 0u64;
    let mut correct = 0u64;
    let mut false_links = 0u64;
    for j in 0..news {
        let p = if j % 2 == 0 && ((j / 2) as usize) < kept.len() {
            let (old, h, n, b) = &kept[(j / 2) as usize];
            let mut p = old.clone();
            p.id = format!("twitter:new{j}");
            p.handle_stem = stem(&format!("{h}2"));
            p.name_stem = stem(&n.replacen('a', "\u{430}", 1));
            p.bio = bio_signature(&mh, &format!("{b} x"));
            p.created_at = Some(10);
            p.first_seen = 10;
            p
        } else {
            let (mut p, ..) = profile(&mut r, 10_000_000 + j, &mh);
            p.id = format!("twitter:new{j}");
            p.created_at = Some(10);
            p
        };
        if let Some(l) = linker.best(&p) {
            linked += 1;
            let want = j % 2 == 0 && ((j / 2) as usize) < kept.len();
            if want && l.predecessor == kept[(j / 2) as usize].0.id {
                correct += 1;
            } else {
                false_links += 1;
            }
        }
    }
    let link_s = t.elapsed().as_secs_f64();
    println!(
        "seeds {seeds}  index {index_s:.2}s ({:.0} seeds/s)  index memory {:.0} MiB ({:.0} B/seed)",
        seeds as f64 / index_s,
        (after_index - before) as f64 / 1024.0,
        (after_index - before) as f64 * 1024.0 / seeds as f64
    );
    println!(
        "new accounts {news}  linking {link_s:.2}s = {:.0} new accounts/s  comparisons/new {:.2}  linked {linked} (correct {correct}, false {false_links})  peak RSS {:.0} MiB",
        news as f64 / link_s,
        linker.comparisons as f64 / news as f64,
        rss_kib("VmHWM:") as f64 / 1024.0
    );
}
