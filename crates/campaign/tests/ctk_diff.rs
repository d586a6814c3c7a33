//! Differential test against the Coordination Network Toolkit (PyPI
//! `coordination-network-toolkit`): on the same CSV, co-tweet, co-retweet and co-link
//! networks with the same window and minimum weight must have identical edges and weights.
//! Fails loudly when python3 or the package is missing, unless VIGIL_SKIP_PYREF=1.

use std::collections::BTreeSet;
use std::process::Command;
use vigil_campaign::ctk::{compute, read_csv, write_synthetic_csv, CtkOptions, Network};

fn python_ok() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import coordination_network_toolkit"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("VIGIL_SKIP_PYREF").as_deref() == Ok("1") {
            eprintln!(
                "skipping: VIGIL_SKIP_PYREF=1 and python3/coordination-network-toolkit missing"
            );
            return false;
        }
        panic!("python3 with coordination-network-toolkit is required (pip install coordination-network-toolkit), or set VIGIL_SKIP_PYREF=1");
    }
    true
}

const SCRIPT: &str = r#"
import sys, sqlite3
import coordination_network_toolkit as ctk
from coordination_network_toolkit import compute_networks as cn
from coordination_network_toolkit.preprocess import preprocess_csv_files
db, csv, window, minw = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    preprocess_csv_files(db, [csv])
    cn.compute_co_tweet_network(db, window, min_edge_weight=minw, n_threads=1)
    cn.compute_co_retweet_parallel(db, window, n_threads=1, min_edge_weight=minw)
    cn.compute_co_link_network(db, window, n_threads=1, min_edge_weight=minw)
con = sqlite3.connect(db)
for t in ["co_tweet_network", "co_retweet_network", "co_link_network"]:
    for a, b, w in con.execute(f"select user_1, user_2, weight from {t} where user_1 != user_2"):
        print(t, a, b, w, sep="\t")
"#;

#[test]
fn same_edges_as_the_toolkit() {
    if !python_ok() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("vigil-ctk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("m.csv");
    let mut buf = Vec::new();
    write_synthetic_csv(&mut buf, 3000, 7).unwrap();
    std::fs::write(&csv, &buf).unwrap();
    let msgs = read_csv(&mut buf.as_slice()).unwrap();
    assert_eq!(msgs.len(), 3000);
    for (window, minw) in [(10, 1), (30, 2)] {
        let db = dir.join(format!("ctk-{window}-{minw}.db"));
        let _ = std::fs::remove_file(&db);
        let out = Command::new("python3")
            .args([
                "-c",
                SCRIPT,
                db.to_str().unwrap(),
                csv.to_str().unwrap(),
                &window.to_string(),
                &minw.to_string(),
            ])
            .output()
            .expect("running python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        for (table, net) in [
            ("co_tweet_network", Network::CoTweet),
            ("co_retweet_network", Network::CoRetweet),
            ("co_link_network", Network::CoLink),
        ] {
            let theirs: BTreeSet<(String, String, u64)> = text
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split('\t').collect();
                    (f[0] == table)
                        .then(|| (f[1].to_string(), f[2].to_string(), f[3].parse().unwrap()))
                })
                .collect();
            let opt = CtkOptions {
                time_window: window as f64,
                min_edge_weight: minw,
                ..Default::default()
            };
            let ours: BTreeSet<(String, String, u64)> =
                compute(&msgs, net, &opt).into_iter().collect();
            assert!(
                !theirs.is_empty(),
                "{table}: the toolkit found no edges; the input is too sparse"
            );
            let only_theirs: Vec<_> = theirs.difference(&ours).take(5).collect();
            let only_ours: Vec<_> = ours.difference(&theirs).take(5).collect();
            assert!(
                only_theirs.is_empty() && only_ours.is_empty(),
                "{table} window {window} min {minw}: {} vs {} edges; only toolkit: {only_theirs:?}; only vigil: {only_ours:?}",
                theirs.len(),
                ours.len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
