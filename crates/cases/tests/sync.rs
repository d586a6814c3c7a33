//! Case sync at volume: thousands of entities upserted in several transactions open one case
//! each; a later sync with more signals updates those same cases and opens none twice.

use vigil_cases::*;
use vigil_model::{Category, EntityKind, Signal};
use vigil_store::cases::CaseStore;
use vigil_store::{SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;

fn harm(id: &str, source: &str, w: f32, at: i64) -> Signal {
    Signal {
        entity_kind: EntityKind::Post,
        entity_id: id.into(),
        detector: "rules".into(),
        category: Some(Category::Recruitment),
        context: None,
        weight: w,
        source: source.into(),
        version: "1".into(),
        explanation: serde_json::json!({"matched": ["#AllEyesOnISIS"]}),
        at,
        shadow: false,
    }
}

fn total_cases(s: &SqliteStore) -> i64 {
    s.case_counts().unwrap().iter().map(|(_, n)| n).sum()
}

#[test]
fn a_large_sync_opens_each_case_once_and_a_later_one_updates_them() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let n = 9_000; // more than two upsert transactions' worth
    let first: Vec<Signal> = (0..n)
        .map(|i| harm(&format!("twitter:{i}"), "rule:a", 0.6, T0 + i as i64))
        .collect();
    s.write_signals(&first).unwrap();
    let cfg = ScoreConfig::default();
    let st = sync_cases(&mut s, &cfg, T0).unwrap();
    assert_eq!((st.opened, st.updated, st.entities), (n, 0, n), "{st:?}");
    assert_eq!(total_cases(&s), n as i64);
    let before = s
        .active_case(EntityKind::Post, "twitter:77")
        .unwrap()
        .unwrap();

    // More signals on every other entity: those cases are updated in place.
    let more: Vec<Signal> = (0..n)
        .step_by(2)
        .map(|i| harm(&format!("twitter:{i}"), "rule:b", 0.5, T0 + i as i64))
        .collect();
    s.write_signals(&more).unwrap();
    let st = sync_cases(&mut s, &cfg, T0 + 1).unwrap();
    assert_eq!(st.opened, 0, "{st:?}");
    assert_eq!(st.updated, n / 2, "{st:?}");
    assert_eq!(st.unchanged, n / 2, "{st:?}");
    assert_eq!(total_cases(&s), n as i64);
    let hit = s
        .active_case(EntityKind::Post, "twitter:76")
        .unwrap()
        .unwrap();
    assert_eq!(hit.signal_count, 2);
    assert!(
        (hit.risk - 0.8).abs() < 1e-6,
        "1 - 0.4 * 0.5 = {}",
        hit.risk
    );
    let same = s
        .active_case(EntityKind::Post, "twitter:77")
        .unwrap()
        .unwrap();
    assert_eq!(same.id, before.id);
    assert_eq!(same.signal_count, 1);

    // Nothing new: nothing changes.
    let st = sync_cases(&mut s, &cfg, T0 + 2).unwrap();
    assert_eq!((st.opened, st.updated, st.unchanged), (0, 0, n), "{st:?}");
}

#[test]
fn an_entity_whose_signals_another_ids_keys_split_is_scored_once_with_all_of_them() {
    // Keys are `kind|id|detector|source`: the signals of `twitter:5` from sources `rule:a` and
    // `rule:z` sort around those of the entity `twitter:5|rules|rule:m` (a hostile id with a `|`).
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.write_signals(&[
        harm("twitter:5", "rule:a", 0.5, T0),
        harm("twitter:5|rules|rule:m", "x", 0.6, T0 + 1),
        harm("twitter:5", "rule:z", 0.5, T0 + 2),
    ])
    .unwrap();
    let mut keys = Vec::new();
    s.for_each_signal_by_key(&mut |g| {
        keys.push(g.entity_id);
        true
    })
    .unwrap();
    assert_eq!(keys, ["twitter:5", "twitter:5|rules|rule:m", "twitter:5"]);
    let st = sync_cases(&mut s, &ScoreConfig::default(), T0).unwrap();
    assert_eq!((st.entities, st.opened, st.updated), (2, 2, 0), "{st:?}");
    let c = s
        .active_case(EntityKind::Post, "twitter:5")
        .unwrap()
        .unwrap();
    assert_eq!(c.signal_count, 2);
    assert!((c.risk - 0.75).abs() < 1e-6, "1 - 0.5 * 0.5 = {}", c.risk);
    assert_eq!((c.first_signal, c.last_signal), (T0, T0 + 2));
}

#[test]
fn shadow_signals_and_group_explanations_score_as_the_full_signals_say() {
    // The scoring stream reads no explanation but a group's: a campaign's reach still counts
    // the accounts and posts it names, and shadow signals still count for nothing.
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut camp = harm("campaign:1", "campaign", 0.9, T0);
    camp.entity_kind = EntityKind::Campaign;
    camp.detector = "campaign".into();
    camp.explanation = serde_json::json!({
        "accounts": ["twitter:1", "twitter:2", "twitter:3", 7],
        "posts": ["twitter:10"],
    });
    let mut shadow = harm("twitter:9", "rule:s", 0.9, T0 + 50);
    shadow.shadow = true;
    s.write_signals(&[camp, shadow]).unwrap();
    let mut seen = Vec::new();
    s.for_each_signal_score(&mut |g| {
        seen.push((g.entity_id.to_string(), g.members));
        true
    })
    .unwrap();
    assert_eq!(seen, [("campaign:1".to_string(), 4)]);
    let st = sync_cases(&mut s, &ScoreConfig::default(), T0).unwrap();
    assert_eq!((st.entities, st.opened), (1, 1), "{st:?}");
    let c = s
        .active_case(EntityKind::Campaign, "campaign:1")
        .unwrap()
        .unwrap();
    // reach = 1 + log10(1 + 0 followers) / 2 + log10(1 + 4 members) / 2
    let want = 1.0 + (5f64).log10() / 2.0;
    assert!((c.reach - want).abs() < 1e-6, "{} vs {want}", c.reach);
    assert!(s
        .active_case(EntityKind::Post, "twitter:9")
        .unwrap()
        .is_none());
}

#[test]
fn reach_read_once_per_author_equals_the_per_entity_reads() {
    use vigil_model::{Account, Platform, Post, Record};
    use vigil_store::Sourced;
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut recs = Vec::new();
    let mut sigs = Vec::new();
    for a in 0..4u64 {
        let mut acct = Account::new(Platform::Twitter, &a.to_string());
        acct.followers = Some(a * 1000);
        recs.push(Record::Account(acct));
        // A prolific author: many posts over two days, every third one flagged.
        for i in 0..(60 * a + 3) {
            let at = T0 + i as i64 * 2_400_000;
            let p = Post::new(
                Platform::Twitter,
                &format!("{a}{i:04}"),
                format!("twitter:{a}"),
                at,
            );
            if i % 3 == 0 {
                sigs.push(harm(&p.id, "rule:a", 0.6, at));
            }
            recs.push(Record::Post(p));
        }
        sigs.push({
            let mut g = harm(&format!("twitter:{a}"), "rule:acct", 0.5, T0 + a as i64);
            g.entity_kind = EntityKind::Account;
            g
        });
    }
    let batch: Vec<Sourced> = recs
        .into_iter()
        .map(|record| Sourced {
            record,
            source: "t".into(),
            line: 1,
        })
        .collect();
    s.write_batch(&batch).unwrap();
    s.write_signals(&sigs).unwrap();
    let cfg = ScoreConfig::default();
    let st = sync_cases(&mut s, &cfg, T0).unwrap();
    assert_eq!(st.opened as usize, sigs.len(), "{st:?}");
    for g in &sigs {
        let c = s.active_case(g.entity_kind, &g.entity_id).unwrap().unwrap();
        let author = match g.entity_kind {
            EntityKind::Post => s.post_author(&g.entity_id).unwrap().unwrap(),
            _ => g.entity_id.clone(),
        };
        let f = s.account_followers(&author).unwrap().unwrap_or(0);
        let v = s
            .account_velocity(
                &author,
                c.last_signal - cfg.velocity_window_ms,
                c.last_signal,
                500,
            )
            .unwrap();
        let want = 1.0 + (1.0 + f as f64).log10() / 2.0 + (1.0 + v as f64).log10() / 2.0;
        assert!(
            (c.reach - want).abs() < 1e-6,
            "{}: {} vs {want}",
            g.entity_id,
            c.reach
        );
    }
}
