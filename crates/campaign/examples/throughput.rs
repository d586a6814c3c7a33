//! Throughput of both detectors on a stored world with the text analysis precomputed
//! (the text stage is another crate's cost): `throughput DB [REPEAT [TRUTH]]`; with a
//! world's truth.json, the first repeat's findings are evaluated against it (in memory). Reports wall time and
//! the process's CPU time (from /proc, so a shared machine's preemption is visible).

use vigil_detect::{Facts, Observation};
use vigil_store::{SqliteStore, Store};

fn main() {
    let mut a = std::env::args().skip(1);
    let db = a.next().expect("usage: throughput DB [REPEAT]");
    let repeat: usize = a.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let truth = a.next();
    let store = SqliteStore::open(std::path::Path::new(&db)).expect("open");
    let mut posts = Vec::new();
    store
        .for_each_post(&mut |p| {
            posts.push(p);
            true
        })
        .expect("posts");
    let texts: Vec<_> = posts.iter().map(|p| vigil_text::analyze(&p.text)).collect();
    eprintln!("{} posts loaded and analysed", posts.len());
    let mut total = 0u64;
    let cpu0 = cpu_seconds();
    let t0 = std::time::Instant::now();
    for r in 0..repeat {
        let (mut dets, findings) = vigil_campaign::detectors_with_findings(Default::default());
        let shift = r as i64 * 7 * 86_400_000;
        let mut out = Vec::new();
        for (p, t) in posts.iter().zip(&texts) {
            let mut p2;
            let post = if shift != 0 {
                p2 = p.clone();
                p2.created_at += shift;
                &p2
            } else {
                p
            };
            let mut facts = Facts::default();
            let mut obs = Observation {
                post,
                account: None,
                text: t,
                facts: &mut facts,
            };
            for d in dets.iter_mut() {
                d.on_post(&mut obs, &mut out);
            }
            if out.len() > 4096 {
                out.clear();
            }
            total += 1;
        }
        for d in dets.iter_mut() {
            d.finish(&mut out);
        }
        let f = findings.lock().unwrap();
        if let (0, Some(t)) = (r, &truth) {
            let truth = vigil_sim::truth::load(std::path::Path::new(t)).expect("truth");
            let mut mem = SqliteStore::open_in_memory().expect("memory store");
            f.persist(&mut mem).expect("persist");
            let (cm, co) = vigil_campaign::evaluate(&mem, &truth).expect("evaluate");
            eprintln!(
                "eval: campaigns P {:?} R {:?} (detected {}, truth {}, trends {}, median {:?} min / {:?} posts); coordination P {:?} R {:?} F1 {:?}",
                cm.precision, cm.recall, cm.detected, cm.truth, cm.trends_reported,
                cm.median_detect_minutes, cm.median_detect_posts, co.precision, co.recall, co.f1
            );
        }
        if r == 0 {
            eprintln!(
                "campaigns {} bursts {} clusters {} edges {} tracked keys {} bytes/key {}",
                f.campaigns.iter().filter(|c| c.extremist).count(),
                f.campaigns.iter().filter(|c| !c.extremist).count(),
                f.clusters.len(),
                f.edges.len(),
                f.tracked_keys,
                f.bytes_per_key
            );
            eprintln!(
                "state: campaign {} entries ~{} KiB, coordination {} entries ~{} KiB; \
                 edges evicted {}, accounts forgotten {}",
                f.campaign_state_len,
                f.campaign_state_bytes / 1024,
                f.coordination_state_len,
                f.coordination_state_bytes / 1024,
                f.edges_evicted,
                f.accounts_forgotten
            );
        }
    }
    let s = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{total} posts in {s:.2}s wall, {cpu:.2}s CPU: {:.0} posts/s wall, {:.0} posts/CPU-s \
         (both detectors, text analysis precomputed)",
        total as f64 / s,
        total as f64 / cpu.max(1e-9)
    );
}

/// User + system CPU seconds of this process (Linux /proc; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // rest[0] is field 3, so field N is rest[N - 3]; clock ticks are 100 Hz on Linux.
    (ticks(11) + ticks(12)) / 100.0
}
