//! Benchmark driver for vigil-hash (PDQ, decode, radius index, MinHash); run by scripts/hash-bench.sh.
//!
//! Subcommands print one TSV line of figures each:
//!   pdq RAW W H SECONDS              hashes/s and ms/hash on raw RGB pixels
//!   decode FILE SECONDS              ms per decode with vigil's decoder
//!   index N NQ RADIUS [DUMPDIR]      build time, queries/s, recall, memory; DUMPDIR gets
//!                                    base.u8 / queries.u8 / truth.tsv for the faiss peer
//!   minhash NTEXTS                   texts/s and recall at Jaccard >= 0.8

use std::io::Write;
use std::time::Instant;

use vigil_hash::index::RadiusIndex;
use vigil_hash::media::{decode, Limits};
use vigil_hash::minhash::{exact_jaccard, LshIndex, MinHasher};
use vigil_hash::pdq::{hash_rgb, PdqHash};

fn arg<T: std::str::FromStr>(a: &[String], i: usize, what: &str) -> T {
    a.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("missing or bad argument {i}: {what}"))
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn hash(&mut self) -> PdqHash {
        PdqHash::from_words([self.next(), self.next(), self.next(), self.next()])
    }
}

fn flip_n(rng: &mut Rng, h: &PdqHash, n: u32) -> PdqHash {
    let mut w = h.to_words();
    let mut flipped = 0u64;
    let mut done = 0;
    let mut chosen = [0u8; 256];
    while done < n {
        let b = (rng.next() % 256) as usize;
        if chosen[b] == 0 {
            chosen[b] = 1;
            w[b / 64] ^= 1 << (b % 64);
            done += 1;
            flipped += 1;
        }
    }
    let _ = flipped;
    PdqHash::from_words(w)
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) consumed by this process, from /proc/self/stat.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn bench_pdq(a: &[String]) {
    let raw = std::fs::read(&a[2]).expect("read raw");
    let (w, h): (u32, u32) = (arg(a, 3, "width"), arg(a, 4, "height"));
    let secs: f64 = arg(a, 5, "seconds");
    hash_rgb(w, h, &raw).expect("hash");
    let c0 = cpu_s();
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        std::hint::black_box(hash_rgb(w, h, &raw).expect("hash"));
        n += 1;
    }
    let el = t0.elapsed().as_secs_f64();
    let cpu = cpu_s() - c0;
    // hashes/s, wall ms per hash, cpu ms per hash
    println!(
        "{:.3}\t{:.3}\t{:.3}",
        n as f64 / el,
        1000.0 * el / n as f64,
        1000.0 * cpu / n as f64
    );
}

fn bench_decode(a: &[String]) {
    let bytes = std::fs::read(&a[2]).expect("read file");
    let secs: f64 = arg(a, 3, "seconds");
    let limits = Limits::default();
    decode(&bytes, &limits).expect("decode");
    let c0 = cpu_s();
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        std::hint::black_box(decode(&bytes, &limits).expect("decode"));
        n += 1;
    }
    // wall ms, cpu ms per decode
    println!(
        "{:.3}\t{:.3}",
        1000.0 * t0.elapsed().as_secs_f64() / n as f64,
        1000.0 * (cpu_s() - c0) / n as f64
    );
}

fn bench_index(a: &[String]) {
    let n: usize = arg(a, 2, "n");
    let nq: usize = arg(a, 3, "queries");
    let r: u32 = arg(a, 4, "radius");
    let dump = a.get(5);
    let mut rng = Rng(0x5eed);
    let rss0 = rss_kib("VmRSS:");
    // Random base, then per query one planted neighbour at distance (j % (r+1)) and one
    // decoy just outside the radius.
    let queries: Vec<PdqHash> = (0..nq).map(|_| rng.hash()).collect();
    let mut items: Vec<(u64, PdqHash)> = Vec::with_capacity(n + 2 * nq);
    for i in 0..n {
        items.push((i as u64, rng.hash()));
    }
    let mut truth = Vec::with_capacity(nq);
    for (j, q) in queries.iter().enumerate() {
        let d = (j as u32) % (r + 1);
        let id = (n + 2 * j) as u64;
        items.push((id, flip_n(&mut rng, q, d)));
        items.push((id + 1, flip_n(&mut rng, q, r + 1 + (j as u32 % 4))));
        truth.push(id);
    }
    if let Some(dir) = dump {
        let dir = std::path::Path::new(dir);
        std::fs::create_dir_all(dir).expect("mkdir");
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(dir.join("base.u8")).expect("create"));
        for (_, h) in &items {
            f.write_all(&h.0).expect("write");
        }
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(dir.join("queries.u8")).expect("create"));
        for q in &queries {
            f.write_all(&q.0).expect("write");
        }
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(dir.join("truth.tsv")).expect("create"));
        for (j, id) in truth.iter().enumerate() {
            writeln!(f, "{j}\t{id}").expect("write");
        }
    }
    let total = items.len();
    let t0 = Instant::now();
    let idx = RadiusIndex::build(r, items.iter().copied());
    let build_s = t0.elapsed().as_secs_f64();
    let stats = idx.stats();
    let rss_after_build = rss_kib("VmRSS:");
    // Keep a copy of hashes only for the brute-force exactness sample, then drop the input.
    let sample: Vec<usize> = (0..nq).step_by((nq / 20).max(1)).collect();
    let mut brute_expected = Vec::new();
    for &j in &sample {
        let q = &queries[j];
        let mut v: Vec<(u64, u32)> = items
            .iter()
            .map(|(id, h)| (*id, h.hamming(q)))
            .filter(|x| x.1 <= r)
            .collect();
        v.sort_unstable_by_key(|&(id, d)| (d, id));
        brute_expected.push(v);
    }
    drop(items);
    let rss_index = rss_kib("VmRSS:");
    let mut scratch = vigil_hash::index::Scratch::default();
    let mut out = Vec::new();
    // Warm-up pass over a few queries.
    for q in queries.iter().take(100) {
        out.clear();
        idx.query_into(q, r, &mut scratch, &mut out);
    }
    let c0 = cpu_s();
    let t0 = Instant::now();
    let mut found = 0usize;
    let mut results = 0usize;
    for (j, q) in queries.iter().enumerate() {
        out.clear();
        idx.query_into(q, r, &mut scratch, &mut out);
        results += out.len();
        if out.iter().any(|x| x.0 == truth[j]) {
            found += 1;
        }
    }
    let qs = t0.elapsed().as_secs_f64();
    let qcpu = cpu_s() - c0;
    let mut exact = true;
    for (k, &j) in sample.iter().enumerate() {
        if idx.query(&queries[j], r) != brute_expected[k] {
            exact = false;
        }
    }
    println!(
        "n={total}\tbuild_s={build_s:.2}\tqps_wall={:.0}\tqps_cpu={:.0}\tus_per_query={:.1}\trecall={:.6}\tbrute_force_sample_exact={exact}\tresults={results}\tindex_heap_mib={:.0}\trss_index_mib={:.0}\trss_after_build_mib={:.0}\tpeak_rss_mib={:.0}\tbaseline_rss_mib={:.0}",
        nq as f64 / qs,
        nq as f64 / qcpu.max(1e-9),
        1e6 * qs / nq as f64,
        found as f64 / nq as f64,
        stats.heap_bytes as f64 / 1048576.0,
        rss_index as f64 / 1024.0,
        rss_after_build as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0,
        rss0 as f64 / 1024.0,
    );
}

fn bench_minhash(a: &[String]) {
    let n: usize = arg(a, 2, "texts");
    let mut rng = Rng(7);
    // Synthetic token soup (placeholder vocabulary, no real content), then light mutations
    // of every text at controlled rates so pairs straddle Jaccard 0.8.
    let vocab: Vec<String> = (0..5000).map(|i| format!("tok{i:04x}")).collect();
    let mut texts: Vec<String> = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let len = 20 + (rng.next() % 60) as usize;
        let words: Vec<&str> = (0..len)
            .map(|_| vocab[(rng.next() % 5000) as usize].as_str())
            .collect();
        texts.push(words.join(" "));
    }
    for i in 0..n {
        let mut words: Vec<String> = texts[i].split(' ').map(str::to_string).collect();
        let rate = (rng.next() % 12) as usize; // 0..11 % of words changed
        for w in words.iter_mut() {
            if ((rng.next() % 100) as usize) < rate {
                *w = vocab[(rng.next() % 5000) as usize].clone();
            }
        }
        texts.push(words.join(" "));
    }
    let mh = MinHasher::default();
    let t0 = Instant::now();
    let sigs: Vec<_> = texts.iter().map(|t| mh.signature(t)).collect();
    let sig_s = t0.elapsed().as_secs_f64();
    let mut lsh = LshIndex::new(&mh, 0.8);
    let t0 = Instant::now();
    for (i, s) in sigs.iter().enumerate().take(n) {
        lsh.insert(i as u64, s);
    }
    let ins_s = t0.elapsed().as_secs_f64();
    let exact: Vec<f64> = (0..n)
        .map(|i| exact_jaccard(&mh, &texts[i], &texts[n + i]))
        .collect();
    let mut line = format!(
        "texts={}\tsignatures_per_s={:.0}\tinserts_per_s={:.0}\tlayout={:?}",
        2 * n,
        (2 * n) as f64 / sig_s,
        n as f64 / ins_s,
        lsh.layout()
    );
    for (name, min_est) in [
        ("default", lsh.min_estimate),
        ("recall_first", lsh.recall_first_estimate()),
    ] {
        lsh.min_estimate = min_est;
        let t0 = Instant::now();
        let mut all = Vec::with_capacity(n);
        for i in 0..n {
            all.push(lsh.query(&sigs[n + i]));
        }
        let q_s = t0.elapsed().as_secs_f64();
        let (mut positives, mut found, mut reported, mut true_reported) = (0, 0, 0, 0);
        for (i, res) in all.iter().enumerate() {
            if exact[i] >= 0.8 {
                positives += 1;
                if res.iter().any(|c| c.id == i as u64) {
                    found += 1;
                }
            }
            for c in res {
                reported += 1;
                let j = if c.id == i as u64 {
                    exact[i]
                } else {
                    exact_jaccard(&mh, &texts[c.id as usize], &texts[n + i])
                };
                if j >= 0.8 {
                    true_reported += 1;
                }
            }
        }
        line.push_str(&format!(
            "\t{name}(min_est={min_est:.3}): queries_per_s={:.0} pairs_j>=0.8={positives} recall={:.4} precision={:.4}",
            n as f64 / q_s,
            found as f64 / positives.max(1) as f64,
            true_reported as f64 / reported.max(1) as f64,
        ));
    }
    println!("{line}");
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("pdq") => bench_pdq(&a),
        Some("decode") => bench_decode(&a),
        Some("index") => bench_index(&a),
        Some("minhash") => bench_minhash(&a),
        _ => {
            eprintln!("usage: hash-bench pdq|decode|index|minhash ...");
            std::process::exit(2);
        }
    }
}
