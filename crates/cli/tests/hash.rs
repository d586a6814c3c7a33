//! End-to-end tests of hash banks: `vigil hash pdq` against Meta's reference, bank import and
//! export round trips with audited changes, `vigil match`, and a simulated world ingested in one
//! call getting hash signals on re-posts of known media (recall per transformation and eval).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigil_store::{SqliteStore, Store};

mod common;
use common::{ok, vigil};

/// `../shared/reference`, or None when VIGIL_SKIP_SHARED=1 says to skip; fails loudly otherwise.
fn shared_reference() -> Option<PathBuf> {
    let base = std::env::var_os("VIGIL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let r = base.join("reference");
    if r.join("pdq/expected.tsv").is_file() {
        return Some(r);
    }
    if std::env::var("VIGIL_SKIP_SHARED").as_deref() == Ok("1") {
        eprintln!(
            "skipping: VIGIL_SKIP_SHARED=1 and {} is missing",
            r.display()
        );
        return None;
    }
    panic!(
        "{} is missing: set VIGIL_SHARED_DIR, or VIGIL_SKIP_SHARED=1 to skip",
        r.display()
    );
}

fn hamming(a: &str, b: &str) -> u32 {
    (u128::from_str_radix(a, 16).unwrap() ^ u128::from_str_radix(b, 16).unwrap()).count_ones()
}

fn dist(a: &str, b: &str) -> u32 {
    hamming(&a[..32], &b[..32]) + hamming(&a[32..], &b[32..])
}

#[test]
fn hash_pdq_matches_meta_reference() {
    let Some(r) = shared_reference() else { return };
    let pdq = r.join("pdq");
    let tsv = std::fs::read_to_string(pdq.join("expected.tsv")).unwrap();
    let mut rows = Vec::new();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        rows.push((
            f[0].to_string(),
            f[1].to_string(),
            f[2].to_string(),
            f[3].to_string(),
            f[4].to_string(),
            f[5..13].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ));
    }
    assert!(rows.len() >= 40);
    let mut args = vec!["hash", "pdq", "--json", "--dihedral"];
    args.extend(rows.iter().map(|r| r.0.as_str()));
    let out = ok(&vigil(&args, &pdq));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), rows.len());
    let mut exact = 0;
    for (row, got) in rows.iter().zip(&lines) {
        let (path, w, h, hash, q, dih) = row;
        assert_eq!(got["file"], path.as_str());
        assert_eq!(got["width"].to_string(), *w, "{path}");
        assert_eq!(got["height"].to_string(), *h, "{path}");
        let g = got["pdq"].as_str().unwrap();
        let d = dist(g, hash);
        if path.to_lowercase().ends_with(".png") {
            assert_eq!(d, 0, "{path}: lossless decode must be bit-exact");
            assert_eq!(got["quality"].to_string(), *q, "{path}");
            for (i, name) in [
                "original",
                "rotate90",
                "rotate180",
                "rotate270",
                "flipx",
                "flipy",
                "flipplus1",
                "flipminus1",
            ]
            .iter()
            .enumerate()
            {
                assert_eq!(
                    got["dihedral"][name].as_str().unwrap(),
                    dih[i],
                    "{path} {name}"
                );
            }
        } else {
            assert!(d <= 16, "{path}: distance {d} beyond Meta's tolerance");
        }
        exact += (d == 0) as u32;
    }
    eprintln!(
        "hash pdq: {exact} of {} reference images bit-exact from files",
        rows.len()
    );
}

#[test]
fn bank_import_export_round_trips_and_match() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let pdq_a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let tcap = format!(
        "[{{\"hash_digest\":\"{pdq_a}\",\"algorithm\":\"PDQ\",\"ideology\":\"islamist\",\"file_type\":\"image/png\",\"deleted\":false}},\n\
         {{\"hash_digest\":\"not-hex\",\"algorithm\":\"MD5\"}},\n\
         {{\"hash_digest\":\"{}\",\"algorithm\":\"MD5\",\"ideology\":\"islamist\",\"deleted\":false}}]",
        "ab".repeat(16)
    );
    std::fs::write(d.join("list.json"), tcap).unwrap();
    ok(&vigil(
        &[
            "bank",
            "create",
            "gifct",
            "--db",
            "b.db",
            "--description",
            "test list",
        ],
        d,
    ));
    let o = vigil(
        &[
            "bank",
            "import",
            "gifct",
            "list.json",
            "--db",
            "b.db",
            "--json",
        ],
        d,
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["summary"]["added"], 2);
    assert_eq!(v["summary"]["rejected"], 1);
    assert!(v["rejected"][0]["line"].as_u64().unwrap() >= 1, "{v}");
    // Importing again changes nothing but counts duplicates (idempotent).
    let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
        &[
            "bank",
            "import",
            "gifct",
            "list.json",
            "--db",
            "b.db",
            "--json",
        ],
        d,
    )))
    .unwrap();
    assert_eq!(
        (
            v["summary"]["added"].as_u64(),
            v["summary"]["duplicates"].as_u64()
        ),
        (Some(0), Some(2))
    );
    ok(&vigil(
        &[
            "bank",
            "add",
            "gifct",
            "--db",
            "b.db",
            "--algorithm",
            "sha256",
            &"cd".repeat(32),
            "--category",
            "terrorist_propaganda",
        ],
        d,
    ));
    // Every format round-trips into a fresh bank with the same items.
    for fmt in ["tcap", "csv", "ndjson"] {
        let out = d.join(format!("out.{fmt}"));
        ok(&vigil(
            &[
                "bank",
                "export",
                "gifct",
                "--db",
                "b.db",
                "--format",
                fmt,
                "--out",
                out.to_str().unwrap(),
            ],
            d,
        ));
        let name = format!("copy-{fmt}");
        let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
            &[
                "bank",
                "import",
                &name,
                out.to_str().unwrap(),
                "--format",
                fmt,
                "--create",
                "--db",
                "b.db",
                "--json",
            ],
            d,
        )))
        .unwrap();
        assert_eq!(v["summary"]["added"], 3, "{fmt}: {v}");
        assert_eq!(v["summary"]["rejected"], 0, "{fmt}: {v}");
    }
    let nd = ok(&vigil(
        &["bank", "export", "copy-ndjson", "--db", "b.db"],
        d,
    ));
    let orig = ok(&vigil(&["bank", "export", "gifct", "--db", "b.db"], d));
    let strip = |s: &str| -> Vec<(String, String)> {
        s.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["algorithm"].to_string(), v["digest"].to_string())
            })
            .collect()
    };
    assert_eq!(strip(&nd), strip(&orig));
    // A PDQ hash 3 bits away matches; after disabling the item it does not.
    let mut near: Vec<char> = pdq_a.chars().collect();
    near[0] = 'e'; // f -> e: 1 bit
    near[1] = 'a'; // 8 -> a: 1 bit
    near[2] = 'f'; // f -> f: 0; next
    near[3] = '9'; // 8 -> 9: 1 bit
    let near: String = near.into_iter().collect();
    let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
        &["match", &near, "--bank", "gifct", "--db", "b.db", "--json"],
        d,
    )))
    .unwrap();
    assert_eq!(v["matches"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["matches"][0]["distance"], 3);
    let item = v["matches"][0]["item"].as_u64().unwrap().to_string();
    ok(&vigil(
        &[
            "bank",
            "disable",
            "gifct",
            &item,
            "--db",
            "b.db",
            "--reason",
            "false positive",
        ],
        d,
    ));
    let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
        &["match", &near, "--bank", "gifct", "--db", "b.db", "--json"],
        d,
    )))
    .unwrap();
    assert!(v["matches"].as_array().unwrap().is_empty(), "{v}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&vigil(&["bank", "list", "--db", "b.db", "--json"], d))).unwrap();
    let g = v
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "gifct")
        .unwrap();
    assert_eq!(
        (g["items"].as_u64(), g["enabled"].as_u64()),
        (Some(3), Some(2))
    );
    // Every change is in the hash-chained audit log, and the chain verifies.
    let store = SqliteStore::open(&d.join("b.db")).unwrap();
    let n: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'bank_change' AND target = 'bank:gifct'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 5, "create, 2 imports, add, disable");
    ok(&vigil(&["audit", "verify", "--db", "b.db"], d));
    // Bad input is a usage error, not a panic.
    let o = vigil(&["match", "zz", "--db", "b.db"], d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn simulated_world_gets_hash_signals_on_known_media_reposts() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let seed = 11u64;
    ok(&vigil(
        &[
            "simulate",
            "--out",
            "w",
            "--seed",
            &seed.to_string(),
            "--accounts",
            "3000",
            "--hours",
            "12",
        ],
        d,
    ));
    let known = std::fs::read_to_string(d.join("w/known/hashes.json")).unwrap();
    assert!(known.contains("\"PDQ\""), "known/ carries PDQ");
    let o = vigil(&["ingest", "--db", "x.db", "w"], d);
    ok(&o);
    // Ingest again: the known bank import is idempotent.
    ok(&vigil(&["ingest", "--db", "x.db", "w"], d));
    let v: serde_json::Value =
        serde_json::from_str(&ok(&vigil(&["bank", "list", "--db", "x.db", "--json"], d))).unwrap();
    let kb = v
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "known")
        .expect("known bank");
    assert_eq!(
        kb["items"].as_u64().unwrap() as usize,
        known.matches("hash_digest").count()
    );

    let truth = vigil_sim::truth::load(&d.join("w/truth.json")).unwrap();
    let store = SqliteStore::open(&d.join("x.db")).unwrap();
    let mut flagged = std::collections::HashSet::new();
    store
        .for_each_signal(&mut |s| {
            if s.detector == "hash" {
                assert_eq!(s.category, Some(vigil_model::Category::TerroristPropaganda));
                for k in ["bank", "item", "label", "algorithm", "distance"] {
                    assert!(s.explanation.get(k).is_some(), "{k} in {}", s.explanation);
                }
                flagged.insert(s.entity_id);
            }
            true
        })
        .unwrap();
    // Recall per transformation over re-posts of known media.
    let mut per: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for m in truth.media_posts.iter().filter(|m| m.known) {
        let ops = vigil_sim::media::variant_ops(seed, m.image, m.variant, 320);
        let hit = flagged.contains(&m.post) as u32;
        let names: Vec<&str> = if ops.is_empty() {
            vec!["original"]
        } else {
            ops
        };
        for n in names.iter().copied().chain(std::iter::once("all")) {
            let e = per.entry(n).or_default();
            e.0 += hit;
            e.1 += 1;
        }
        if m.variant > 0 {
            let e = per.entry("recompression").or_default();
            e.0 += hit;
            e.1 += 1;
        }
    }
    for (k, (h, n)) in &per {
        eprintln!(
            "recall {k:<14} {h:>3}/{n:<3} = {:.2}",
            *h as f64 / *n as f64
        );
    }
    let (h, n) = per["original"];
    assert_eq!(h, n, "unmodified known files always match");
    assert!(
        per["all"].0 > per["original"].0,
        "some transformed re-posts match too"
    );
    // And the eval's media metric is filled.
    let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
        &["eval", "--truth", "w/truth.json", "--db", "x.db", "--json"],
        d,
    )))
    .unwrap();
    eprintln!("eval media: {}", v["media"]);
    let p = v["media"]["precision"].as_f64().unwrap();
    let r = v["media"]["recall"].as_f64().unwrap();
    assert!(p >= 0.95, "media precision {p}");
    assert!(r > 0.0 && r < 1.0 + 1e-9, "media recall {r}");
}
