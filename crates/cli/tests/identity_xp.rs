//! End to end on a small simulated world: cross-platform identities the simulator declares
//! (a Twitter bio naming the same actor's VK account) are linked and scored by `vigil eval`, a
//! funnel target many bios name is no one's identity, and avatar PDQs survive the store so a
//! `vigil identity` replay compares avatars as ingest did.

use std::collections::HashMap;
use vigil_store::{SqliteStore, Store};

mod common;
use common::{ok, vigil};

#[test]
fn declared_cross_platform_identities_are_linked_and_funnels_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&vigil(
        &[
            "simulate",
            "--out",
            "w",
            "--seed",
            "3",
            "--accounts",
            "3000",
            "--hours",
            "24",
        ],
        d,
    ));
    let truth = vigil_sim::truth::load(&d.join("w/truth.json")).unwrap();
    assert!(
        !truth.identities.is_empty(),
        "the simulator declares cross-platform identities"
    );
    ok(&vigil(&["ingest", "-q", "--db", "w.db", "w"], d));

    let store = SqliteStore::open(&d.join("w.db")).unwrap();
    // Each declared identity: the first account's bio names the second's own address.
    for i in &truth.identities {
        let (a, b) = (&i.accounts[0], &i.accounts[1]);
        let (Some(a), Some(b)) = (store.account(a).unwrap(), store.account(b).unwrap()) else {
            continue;
        };
        let h = b.handle.clone().expect("the twin has a handle");
        assert!(a.bio.unwrap_or_default().contains(&h), "{i:?}");
    }

    let v: serde_json::Value = serde_json::from_str(&ok(&vigil(
        &["eval", "--truth", "w/truth.json", "--db", "w.db", "--json"],
        d,
    )))
    .unwrap();
    let xp = &v["cross_platform"];
    assert!(xp["identities"].as_u64().unwrap() >= 1, "{v}");
    assert!(xp["recall"].as_f64().unwrap() >= 0.5, "{v}");
    assert!(xp["precision"].as_f64().unwrap() >= 0.9, "{v}");
    assert_eq!(v["truth"]["identities"], truth.identities.len(), "{v}");

    // A target many bios name (a network's funnel community) is never linked as an identity.
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut accounts = Vec::new();
    store
        .for_each_account(&mut |a| {
            accounts.push(a);
            true
        })
        .unwrap();
    for a in &accounts {
        let bio = a.bio.clone().unwrap_or_default().to_lowercase();
        for t in &accounts {
            if let Some(h) = &t.handle {
                if t.id != a.id && bio.contains(&format!("/{}", h.to_lowercase())) {
                    *named.entry(t.id.clone()).or_default() += 1;
                }
            }
        }
    }
    assert!(
        named.values().any(|&n| n > 2),
        "the world has funnel targets: {named:?}"
    );
    for a in &accounts {
        for l in store.identity_links(&a.id).unwrap() {
            if l.kind == "cross_platform" {
                let n = named.get(&l.other_id).copied().unwrap_or(0);
                assert!(n <= 2, "{} is named by {n} bios: {l:?}", l.other_id);
            }
        }
    }

    // Avatar PDQs are stored, and a replay compares avatars by PDQ (a returning account's
    // picture is an edited copy at another URL, so URL equality would not match it).
    let hashed = accounts.iter().filter(|a| a.avatar_pdq.is_some()).count();
    assert!(hashed > 0, "ingest hashes local avatars into the store");
    drop(store);
    ok(&vigil(&["identity", "--db", "w.db"], d));
    let store = SqliteStore::open(&d.join("w.db")).unwrap();
    let mut avatar = false;
    for a in &accounts {
        for l in store.identity_links(&a.id).unwrap() {
            if l.kind == "returning" && l.explanation.to_string().contains("\"avatar\"") {
                avatar = true;
            }
        }
    }
    assert!(avatar, "a replayed link matched an avatar by PDQ");
}
