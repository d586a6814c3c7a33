//! End-to-end tests of `vigil rules check|test|backtest`, and of the starter pack on a simulated world: news, research and counter-speech accounts are never auto-actioned.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use vigil_store::Store;

mod common;
use common::vigil;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn starter() -> String {
    root().join("rules/starter.toml").display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn check_accepts_the_starter_pack_and_rejects_bad_packs_with_places() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(&["rules", "check", &starter()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = vigil(&["rules", "check", "--json", &starter()], dir.path());
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["pack"], "starter");
    assert!(v["rules"].as_u64().unwrap() >= 9);

    std::fs::write(
        dir.path().join("bad.toml"),
        "[pack]\nname = \"b\"\nversion = \"1\"\n\n[[rule]]\nid = \"x\"\nwhen = { regex = ['(?!a)b'] }\nsignal = { category = \"threat\", weight = 0.5 }\n",
    )
    .unwrap();
    let out = vigil(&["rules", "check", "bad.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("bad.toml:7:19: invalid regex"),
        "{}",
        stderr(&out)
    );
    let out = vigil(&["rules", "check", "--json", "bad.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"][0]["line"], 7);
    assert_eq!(v["errors"][0]["col"], 19);

    std::fs::write(
        dir.path().join("unknown.toml"),
        "[pack]\nname = \"b\"\nversion = \"1\"\ncolour = 2\n",
    )
    .unwrap();
    let out = vigil(&["rules", "check", "unknown.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("unknown.toml:4:1: unknown field `colour`"),
        "{}",
        stderr(&out)
    );

    let out = vigil(&["rules", "check", "missing.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn test_runs_examples_and_fails_on_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(&["rules", "test", "--json", &starter()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["failed"], 0);
    assert!(v["examples"].as_u64().unwrap() > 40);

    std::fs::write(
        dir.path().join("p.toml"),
        "[pack]\nname = \"p\"\nversion = \"1\"\n\n[[rule]]\nid = \"x\"\nwhen = { keywords = [\"alpha\"] }\nsignal = { category = \"threat\", weight = 0.5 }\nmust_match = [\"alpha\", \"alphabet\"]\nmust_not_match = [\"beta\"]\n",
    )
    .unwrap();
    let out = vigil(&["rules", "test", "p.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("p.toml:9:24: rule x must_match \"alphabet\": did not match"),
        "{text}"
    );
    assert!(text.contains("3 examples, 1 failed"), "{text}");
}

/// Simulate a small world, ingest it, replay it with the starter pack, then check what the
/// issue needs: context accounts' posts get context signals, and none of their posts is left
/// with a harm signal that could auto-action it. Then backtest against the stored signals.
#[test]
fn starter_pack_on_a_simulated_world_never_auto_actions_context_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(
        &[
            "simulate",
            "--out",
            "world",
            "--seed",
            "11",
            "--accounts",
            "3000",
            "--hours",
            "12",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = vigil(&["ingest", "--db", "w.db", "world"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let truth = vigil_sim::truth::load(&dir.path().join("world/truth.json")).unwrap();
    let context: HashSet<String> = truth.context_accounts.iter().cloned().collect();
    assert!(!context.is_empty());
    let extremist: HashSet<String> = truth
        .accounts
        .iter()
        .filter(|a| a.extremist)
        .map(|a| a.id.clone())
        .collect();

    let mut store = vigil_store::SqliteStore::open(&dir.path().join("w.db")).unwrap();
    let det = vigil_rules::detector(&vigil_rules::RulesConfig::default()).unwrap();
    let stats = vigil_detect::replay(&mut store, &mut [det]).unwrap();
    assert!(stats.signals > 0);

    let mut by_post: HashMap<String, Vec<vigil_model::Signal>> = HashMap::new();
    store
        .for_each_signal(&mut |s| {
            if s.entity_kind == vigil_model::EntityKind::Post {
                by_post.entry(s.entity_id.clone()).or_default().push(s);
            }
            true
        })
        .unwrap();
    let mut posts = Vec::new();
    store
        .for_each_post(&mut |p| {
            posts.push((p.id, p.account_id, p.text));
            true
        })
        .unwrap();
    let (mut ctx_posts, mut ctx_with_context, mut ctx_with_harm) = (0, 0, 0);
    let mut extremist_harm = 0;
    let mut bad = Vec::new();
    let mut benign_actionable = Vec::new();
    for (id, author, text) in &posts {
        let sigs = by_post.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let harm = sigs.iter().any(|s| !s.shadow && s.category.is_some());
        if extremist.contains(author) && harm {
            extremist_harm += 1;
        }
        // Benign accounts of every language (including their shares of news posts) are
        // never left auto-actionable either.
        if !extremist.contains(author) && vigil_rules::auto_action_allowed(sigs) {
            benign_actionable.push((id.clone(), text.clone()));
        }
        if !context.contains(author) {
            continue;
        }
        ctx_posts += 1;
        if sigs.iter().any(|s| s.context.is_some()) {
            ctx_with_context += 1;
        }
        if harm {
            ctx_with_harm += 1;
            // never a net-positive harm score without context, never an automatic action
            if vigil_rules::auto_action_allowed(sigs) {
                bad.push((id.clone(), text.clone()));
            }
            for s in sigs
                .iter()
                .filter(|s| s.explanation.get("action").is_some())
            {
                assert_eq!(s.explanation["action_suppressed"], "context", "{s:?}");
            }
        }
    }
    assert!(ctx_posts > 0);
    assert!(
        ctx_with_harm > 0,
        "context accounts mention the group: the pack must see it"
    );
    assert!(ctx_with_context > 0);
    assert!(
        bad.is_empty(),
        "{} of {ctx_with_harm} context-account posts with harm signals could be auto-actioned, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(3)]
    );
    assert!(
        extremist_harm > 0,
        "the starter pack sees the simulated floods"
    );

    // Backtest the same pack against what the store holds: no rule gains or loses a hit.
    let out = vigil(
        &["rules", "backtest", "--json", "--db", "w.db", &starter()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["baseline"], "store");
    assert_eq!(v["posts"].as_u64().unwrap(), posts.len() as u64);
    for r in v["rules"].as_array().unwrap() {
        assert_eq!(r["new"], 0, "{r}");
        assert_eq!(r["lost"], 0, "{r}");
        assert_eq!(r["hits"], r["baseline_hits"], "{r}");
    }
    let hits = |v: &serde_json::Value, id: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["hits"]
            .as_u64()
            .unwrap()
    };
    assert!(hits(&v, "flood-hashtag") > 0);

    // A candidate without the flood rule, compared with the starter pack as baseline.
    let cand = std::fs::read_to_string(starter()).unwrap().replace(
        "id = \"flood-hashtag\"",
        "id = \"flood-hashtag-v2\"\nstate = \"shadow\"",
    );
    std::fs::write(dir.path().join("cand.toml"), cand).unwrap();
    let out = vigil(
        &[
            "rules",
            "backtest",
            "--json",
            "--db",
            "w.db",
            "--baseline",
            &starter(),
            "cand.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let w = json(&out);
    let rules = w["rules"].as_array().unwrap();
    let old = rules.iter().find(|r| r["id"] == "flood-hashtag").unwrap();
    assert_eq!(old["state"], "removed");
    assert_eq!(old["lost"], old["baseline_hits"]);
    let new = rules
        .iter()
        .find(|r| r["id"] == "flood-hashtag-v2")
        .unwrap();
    assert_eq!(new["state"], "shadow");
    assert_eq!(new["new"], new["hits"]);
    assert_eq!(new["hits"].as_u64().unwrap(), hits(&v, "flood-hashtag"));

    let out = vigil(
        &[
            "rules",
            "backtest",
            "--db",
            "w.db",
            "--no-baseline",
            "cand.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("flood-hashtag-v2"));
}

/// `vigil rules watch` swaps a valid edit in and rejects a broken one with its place.
#[test]
fn watch_swaps_and_rejects() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.toml");
    let body = |v: &str| {
        format!("[pack]\nname = \"w\"\nversion = \"{v}\"\n[[rule]]\nid = \"r\"\nwhen = {{ keywords = [\"x\"] }}\nsignal = {{ category = \"threat\", weight = 0.5 }}\n")
    };
    std::fs::write(&path, body("1")).unwrap();
    /// Kills the watcher this test started, also when an assertion fails.
    struct Child(std::process::Child);
    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(["rules", "watch", "--json", "--interval-ms", "20", "w.toml"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut next =
        || -> serde_json::Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    assert_eq!(next()["event"], "loaded");
    std::fs::write(&path, body("22")).unwrap();
    let v = next();
    assert_eq!(v["event"], "swapped", "{v}");
    assert_eq!(v["version"], "22");
    std::fs::write(
        &path,
        body("333").replace("weight = 0.5", "weight = 0.5, oops = 1"),
    )
    .unwrap();
    let v = next();
    assert_eq!(v["event"], "rejected", "{v}");
    assert_eq!(v["errors"][0]["line"], 7);
}
