//! Times vigil's streaming CTK-compatible networks on a CSV: `ctk_bench FILE WINDOW MIN`
//! prints, per network, the edge count and seconds, then writes the edges (tab-separated)
//! to FILE.vigil.tsv for comparison with the toolkit.

use std::io::Write;
use vigil_campaign::ctk::{compute, read_csv, CtkOptions, Network};

fn main() {
    let mut a = std::env::args().skip(1);
    let path = a.next().expect("usage: ctk_bench FILE WINDOW MIN");
    let window: f64 = a.next().and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let minw: u64 = a.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let t0 = std::time::Instant::now();
    let f = std::fs::File::open(&path).expect("open");
    let msgs = read_csv(&mut std::io::BufReader::new(f)).expect("csv");
    eprintln!(
        "read {} messages in {:.2}s",
        msgs.len(),
        t0.elapsed().as_secs_f64()
    );
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(format!("{path}.vigil.tsv")).expect("create"),
    );
    let opt = CtkOptions {
        time_window: window,
        min_edge_weight: minw,
        ..Default::default()
    };
    for (name, net) in [
        ("co_tweet_network", Network::CoTweet),
        ("co_retweet_network", Network::CoRetweet),
        ("co_link_network", Network::CoLink),
    ] {
        let t = std::time::Instant::now();
        let e = compute(&msgs, net, &opt);
        eprintln!(
            "{name}: {} edges in {:.2}s",
            e.len(),
            t.elapsed().as_secs_f64()
        );
        for (a, b, w) in e {
            writeln!(out, "{name}\t{a}\t{b}\t{w}").expect("write");
        }
    }
    eprintln!("total {:.2}s", t0.elapsed().as_secs_f64());
}
