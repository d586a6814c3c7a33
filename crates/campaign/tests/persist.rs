//! The coordination graph's edge list reaches the findings at the end of a run and at most
//! every `EDGES_EVERY_MS` of event time on refreshes, and is moved (not copied) to the store.

use vigil_campaign::{detectors_with_findings, Config, EDGES_EVERY_MS};
use vigil_detect::{Facts, Observation};
use vigil_model::{Platform, Post};

#[test]
fn edges_are_rebuilt_at_most_every_six_hours_and_moved_out() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let text = "placeholder slogan 7 market weather music city family today #AllEyesOnISIS";
    let a = vigil_text::analyze(text);
    let t0 = 1_402_740_000_000i64;
    let hour = 3_600_000i64;
    let mut out = Vec::new();
    let mut n = 0u64;
    let mut fresh_after_refresh = Vec::new();
    for h in 0..14i64 {
        // Twelve accounts post the same text seconds apart, every ten minutes: co-post edges.
        for round in 0..6i64 {
            for acct in 0..12i64 {
                n += 1;
                let mut p = Post::new(
                    Platform::Twitter,
                    &(1_000_000 + n).to_string(),
                    format!("twitter:{}", 500 + acct),
                    t0 + h * hour + round * 600_000 + acct * 2_000,
                );
                p.text = text.into();
                let mut facts = Facts::default();
                let mut obs = Observation {
                    post: &p,
                    account: None,
                    text: &a,
                    facts: &mut facts,
                };
                for d in dets.iter_mut() {
                    d.on_post(&mut obs, &mut out);
                }
            }
        }
        let now = t0 + (h + 1) * hour;
        for d in dets.iter_mut() {
            d.refresh(now, &mut out);
        }
        let mut f = findings.lock().unwrap();
        let taken = f.take_for_persist();
        assert!(
            f.edges.is_empty(),
            "the edge list is moved to the store, not kept"
        );
        fresh_after_refresh.push(taken.edges_fresh);
        if taken.edges_fresh {
            assert!(
                !taken.edges.is_empty(),
                "a fresh list holds the co-post edges"
            );
            assert_eq!(taken.edges.len(), taken.edges_total);
        }
    }
    // Refresh hours 1..14: the first list at hour 1, then every 6 hours of event time.
    let fresh_hours: Vec<i64> = (1..=14)
        .zip(&fresh_after_refresh)
        .filter(|(_, &f)| f)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(EDGES_EVERY_MS, 6 * 3_600_000);
    assert_eq!(fresh_hours, vec![1, 7, 13]);
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap().take_for_persist();
    assert!(
        f.edges_fresh && !f.edges.is_empty(),
        "finish always hands the final graph over"
    );
    // Each edge's relations are a JSON object of co-occurrence counts that add up to its
    // weight (the co-post edges of this stream).
    for e in &f.edges {
        let rel: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&e.relations).unwrap();
        assert!(rel.contains_key("co_post"), "{}", e.relations);
        let sum: u64 = rel.values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(sum, e.weight, "{}", e.relations);
    }
}
