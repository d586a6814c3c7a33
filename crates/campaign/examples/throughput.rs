//! Throughput of both detectors on a stored world with the text analysis precomputed
//! (the text stage is another crate's cost): `throughput DB [REPEAT]`.

use vigil_detect::{Facts, Observation};
use vigil_store::{SqliteStore, Store};

fn main() {
    let mut a = std::env::args().skip(1);
    let db = a.next().expect("usage: throughput DB [REPEAT]");
    let repeat: usize = a.next().and_then(|s| s.parse().ok()).unwrap_or(1);
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
    println!(
        "{total} posts in {s:.2}s: {:.0} posts/s (both detectors, text analysis precomputed)",
        total as f64 / s
    );
}
