//! Bounded state and bounded explanations under a flood: 200k posts where every post carries
//! one of eight hashtags (one an indicator tag) and near-identical word-salad texts, so one
//! campaign and one huge coordinated community form. Member lists named in signals stay within
//! the sample bounds and detector state stops growing once the configured bounds are reached.

use vigil_campaign::{
    detectors_with_findings, Config, Findings, MAX_EXPLANATION_ACCOUNTS, MAX_EXPLANATION_POSTS,
};
use vigil_detect::{Facts, Observation};
use vigil_model::{EntityKind, Platform, Post, Signal};
use vigil_text::TextAnalysis;

const WORDS: &[&str] = &[
    "weather",
    "match",
    "market",
    "news",
    "today",
    "city",
    "music",
    "family",
    "الطقس",
    "السوق",
    "погода",
    "рынок",
    "placeholder",
];
const TAGS: &[&str] = &[
    "AllEyesOnISIS",
    "football",
    "news",
    "погода",
    "worldcup",
    "music",
    "travel",
    "food",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A pool of texts analysed once (the text stage is not what this test measures).
fn pool(r: &mut Rng) -> Vec<(String, TextAnalysis)> {
    (0..256)
        .map(|i| {
            let mut s = String::new();
            while s.chars().count() < 100 {
                s.push_str(WORDS[(r.next() % WORDS.len() as u64) as usize]);
                s.push(' ');
            }
            s.push('#');
            s.push_str(TAGS[i % TAGS.len()]);
            let a = vigil_text::analyze(&s);
            (s, a)
        })
        .collect()
}

struct Run {
    findings: Findings,
    signals: Vec<Signal>,
}

fn flood(n: u64, cfg: Config) -> Run {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let texts = pool(&mut r);
    let (mut dets, f) = detectors_with_findings(cfg);
    let mut out = Vec::new();
    let mut kept = Vec::new();
    let t0 = 1_402_740_000_000i64;
    for i in 0..n {
        let (text, a) = &texts[(r.next() % texts.len() as u64) as usize];
        let acct = r.next() % 50_000;
        let mut p = Post::new(
            Platform::Twitter,
            &(1_000_000_000 + i).to_string(),
            format!("twitter:{acct}"),
            t0 + (i as i64) * 100,
        );
        p.text = text.clone();
        let mut facts = Facts::default();
        let mut obs = Observation {
            post: &p,
            account: None,
            text: a,
            facts: &mut facts,
        };
        for d in dets.iter_mut() {
            d.on_post(&mut obs, &mut out);
        }
        // Post signals are one per post; keep the campaign and cluster ones to inspect.
        kept.extend(
            out.drain(..)
                .filter(|s| matches!(s.entity_kind, EntityKind::Campaign | EntityKind::Cluster)),
        );
    }
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    kept.extend(
        out.drain(..)
            .filter(|s| matches!(s.entity_kind, EntityKind::Campaign | EntityKind::Cluster)),
    );
    let findings = f.lock().unwrap().clone();
    Run {
        findings,
        signals: kept,
    }
}

fn small_bounds() -> Config {
    let mut c = Config::default();
    c.coord.max_edges = 20_000;
    c.coord.max_accounts = 5_000;
    c.burst.max_participants = 2_000;
    c.burst.max_campaigns = 64;
    c.burst.max_keys = 1_024;
    c
}

fn list_len(s: &Signal, k: &str) -> usize {
    s.explanation
        .get(k)
        .and_then(|v| v.as_array())
        .map_or(0, |a| a.len())
}

#[test]
fn flood_keeps_explanations_and_state_bounded() {
    let cfg = small_bounds();
    let half = flood(100_000, cfg.clone());
    let full = flood(200_000, cfg.clone());
    let f = &full.findings;
    // The flood is found: an extremist campaign on the indicator tag, and clusters.
    assert!(
        f.campaigns
            .iter()
            .any(|c| c.extremist && c.keys.iter().any(|k| k.contains("AllEyesOnISIS"))),
        "no extremist campaign found"
    );
    assert!(!full.signals.is_empty());
    let mut truncated = 0;
    for s in &full.signals {
        assert!(
            list_len(s, "accounts") <= MAX_EXPLANATION_ACCOUNTS,
            "{}",
            s.entity_id
        );
        assert!(
            list_len(s, "posts") <= MAX_EXPLANATION_POSTS,
            "{}",
            s.entity_id
        );
        if s.explanation["members_truncated"] == true {
            truncated += 1;
            assert!(
                s.explanation["posts_total"].as_u64().unwrap_or(0) > 0
                    || s.explanation["accounts_total"].as_u64().unwrap_or(0) > 0
            );
        }
    }
    assert!(truncated > 0, "a 200k-post flood must truncate some list");
    // Persisted lists are bounded too.
    for c in &f.campaigns {
        assert!(c.participants.len() <= cfg.burst.max_participants);
    }
    assert!(f.campaigns.len() <= cfg.burst.max_campaigns);
    assert!(f.edges.len() <= cfg.coord.max_edges);
    assert!(f.edges_evicted > 0, "the edge bound was never reached");
    assert!(f.tracked_keys <= cfg.burst.max_keys);
    // Flat: doubling the input does not grow the state by more than a quarter.
    let h = &half.findings;
    eprintln!(
        "state 100k: campaign {} entries / {} B, coordination {} / {} B; 200k: {} / {} B, {} / {} B",
        h.campaign_state_len,
        h.campaign_state_bytes,
        h.coordination_state_len,
        h.coordination_state_bytes,
        f.campaign_state_len,
        f.campaign_state_bytes,
        f.coordination_state_len,
        f.coordination_state_bytes
    );
    assert!(f.campaign_state_bytes * 4 <= h.campaign_state_bytes * 5);
    assert!(f.coordination_state_bytes * 4 <= h.coordination_state_bytes * 5);
    // And within absolute bounds for these settings.
    assert!(f.coordination_state_bytes < 64 << 20);
    assert!(f.campaign_state_bytes < 64 << 20);
}
