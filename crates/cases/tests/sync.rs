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
