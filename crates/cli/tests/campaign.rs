//! End-to-end test of campaigns and coordination: simulate a small world, ingest it, run
//! `vigil campaigns --truth`, check recall/precision/F1 floors, and check the graph exports parse.

use std::path::Path;
use std::process::{Command, Output};

fn vigil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run vigil")
}

fn ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Minimal XML well-formedness: every start tag is closed in order; comments, declarations
/// and self-closing tags are skipped. Returns the number of elements per name.
fn xml_elements(s: &str) -> std::collections::BTreeMap<String, usize> {
    let mut stack: Vec<String> = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let j = after.find('>').expect("unterminated tag");
        let tag = &after[..j];
        rest = &after[j + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().expect("close without open");
            assert_eq!(open, name.trim(), "mismatched close tag");
            continue;
        }
        let name = tag
            .trim_end_matches('/')
            .split_whitespace()
            .next()
            .expect("empty tag")
            .to_string();
        assert!(!name.contains('"'), "bad tag name {name}");
        *counts.entry(name.clone()).or_insert(0) += 1;
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert!(rest.trim().is_empty() || !rest.contains('>'));
    counts
}

#[test]
fn a_small_world_yields_its_campaigns_and_clusters_and_exports_parse() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&vigil(
        &[
            "simulate",
            "--out",
            "world",
            "--seed",
            "7",
            "--accounts",
            "3000",
            "--hours",
            "12",
        ],
        d,
    ));
    ok(&vigil(&["ingest", "--json", "--db", "w.db", "world"], d));
    let out = vigil(
        &[
            "campaigns",
            "--json",
            "--db",
            "w.db",
            "--truth",
            "world/truth.json",
        ],
        d,
    );
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &v["eval"]["campaigns"];
    let co = &v["eval"]["coordination"];
    eprintln!("{}", serde_json::to_string_pretty(&v["eval"]).unwrap());
    assert!(c["truth"].as_u64().unwrap() >= 1, "{v}");
    // Floors measured on this world (seed 7, 3,000 accounts, 12 h; 2026-11-29: campaign
    // recall 0.4 = 2 of 5, precision 1.0, coordination P 0.93 / R 0.85 / F1 0.89), with some
    // margin. The small world's supporter network is too small for 3 of its 5 campaigns to burst
    // (FIXME: recall on small worlds; 20,000-account worlds reach 1.0, docs/BENCHMARKS.md).
    assert!(c["recall"].as_f64().unwrap() >= 0.39, "{c}");
    assert!(c["precision"].as_f64().unwrap() >= 0.8, "{c}");
    assert_eq!(c["trends_reported"].as_u64().unwrap(), 0, "{c}");
    assert!(co["precision"].as_f64().unwrap() >= 0.8, "{co}");
    assert!(co["f1"].as_f64().unwrap() >= 0.75, "{co}");

    // CSV edges in the toolkit's shape.
    let out = vigil(&["export", "graph", "--db", "w.db", "--format", "csv"], d);
    ok(&out);
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("user_1,user_2,weight"));
    let mut n_edges = 0usize;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert!(f[2].parse::<u64>().unwrap() >= 1, "{l}");
        assert_ne!(f[0], f[1], "{l}");
        n_edges += 1;
    }
    assert!(n_edges > 0);
    for (format, edge_tag, node_tag) in [("gexf", "edge", "node"), ("graphml", "edge", "node")] {
        let out = vigil(&["export", "graph", "--db", "w.db", "--format", format], d);
        ok(&out);
        let s = String::from_utf8(out.stdout).unwrap();
        let counts = xml_elements(&s);
        assert_eq!(counts.get(edge_tag).copied(), Some(n_edges), "{format}");
        assert!(counts.get(node_tag).copied().unwrap_or(0) >= 2, "{format}");
    }
}
