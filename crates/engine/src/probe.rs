//! Two small, real detectors of the engine's own, for its tests and `vigil bench` while the
//! detector crates land: a hashtag watchlist over the text stage's normalized keys, and a
//! stateful event-time burst counter whose output depends on seeing posts in order.

use std::collections::{HashMap, VecDeque};
use vigil_detect::{Detector, Observation};
use vigil_model::{Category, Enforcement, EntityKind, Signal};

/// Flags posts carrying a watched hashtag (compared by normalized key, so case and
/// confusable variants meet). Watchlists hold publicly documented indicator tags only.
pub struct Watchlist {
    keys: Vec<(String, String)>,
}

impl Watchlist {
    /// Watch these tags (written as tags, with or without `#`).
    pub fn new(tags: &[&str]) -> Watchlist {
        Watchlist {
            keys: tags
                .iter()
                .map(|t| {
                    let t = t.trim_start_matches('#');
                    (vigil_text::hashtag_key(t), t.to_string())
                })
                .collect(),
        }
    }
}

impl Detector for Watchlist {
    fn name(&self) -> &'static str {
        "probe.watchlist"
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        for h in &obs.text.hashtags {
            if let Some((_, tag)) = self.keys.iter().find(|(k, _)| *k == h.key) {
                out.push(Signal {
                    entity_kind: EntityKind::Post,
                    entity_id: obs.post.id.clone(),
                    detector: self.name().into(),
                    category: Some(Category::TerroristPropaganda),
                    context: None,
                    weight: 0.3,
                    source: format!("watch:{tag}"),
                    version: "1".into(),
                    explanation: serde_json::json!({"hashtag": h.text, "watched": tag}),
                    at: obs.post.created_at,
                    shadow: false,
                });
                return;
            }
        }
    }
}

/// Counts distinct accounts per hashtag key in a sliding event-time window, and emits one
/// campaign signal when a key first reaches `threshold` accounts within `window_ms`. Its
/// output depends on the order it sees posts in and on suspensions (a suspended account's
/// posts stop counting), which makes it a good probe of the engine's ordering guarantees.
pub struct Burst {
    window_ms: i64,
    threshold: usize,
    recent: HashMap<String, VecDeque<(i64, String)>>,
    fired: HashMap<String, i64>,
    suspended: std::collections::HashSet<String>,
    /// Key count that triggers forgetting idle keys; doubles when most keys are live, so the
    /// sweep costs O(1) per post amortized.
    sweep_at: usize,
}

impl Burst {
    pub fn new(window_ms: i64, threshold: usize) -> Burst {
        Burst {
            window_ms,
            threshold: threshold.max(2),
            recent: HashMap::new(),
            fired: HashMap::new(),
            suspended: Default::default(),
            sweep_at: 1 << 16,
        }
    }
}

impl Detector for Burst {
    fn name(&self) -> &'static str {
        "probe.burst"
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let p = obs.post;
        if self.suspended.contains(&p.account_id) {
            return;
        }
        for h in &obs.text.hashtags {
            let q = self.recent.entry(h.key.clone()).or_default();
            while q
                .front()
                .is_some_and(|(t, _)| *t < p.created_at - self.window_ms)
            {
                q.pop_front();
            }
            // Bounded per key: a flood never grows memory past the threshold's need.
            if q.len() >= 4 * self.threshold {
                q.pop_front();
            }
            q.push_back((p.created_at, p.account_id.clone()));
            if self.fired.contains_key(&h.key) {
                continue;
            }
            let mut accounts: Vec<&str> = q.iter().map(|(_, a)| a.as_str()).collect();
            accounts.sort_unstable();
            accounts.dedup();
            if accounts.len() >= self.threshold {
                self.fired.insert(h.key.clone(), p.created_at);
                out.push(Signal {
                    entity_kind: EntityKind::Campaign,
                    entity_id: format!("burst:{}", h.key),
                    detector: "probe.burst".into(),
                    category: Some(Category::CoordinatedAmplification),
                    context: None,
                    weight: 0.2,
                    source: format!("burst:{}", h.key),
                    version: "1".into(),
                    explanation: serde_json::json!({
                        "hashtag": h.key, "accounts": accounts, "posts": [p.id],
                        "window_ms": self.window_ms, "trigger_post": p.id,
                    }),
                    at: p.created_at,
                    shadow: false,
                });
            }
        }
        // Bound the number of keys: forget keys idle for a window (deterministic in event time).
        if self.recent.len() > self.sweep_at {
            let cut = p.created_at - self.window_ms;
            self.recent
                .retain(|_, q| q.back().is_some_and(|(t, _)| *t >= cut));
            self.sweep_at = (2 * self.recent.len()).max(1 << 16);
        }
    }

    fn on_enforcement(&mut self, e: &Enforcement, _out: &mut Vec<Signal>) {
        if e.action == vigil_model::EnforcementAction::Suspend {
            self.suspended.insert(e.account_id.clone());
        }
    }
}

/// The probes with their default settings, in registry order.
pub fn probes() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(Watchlist::new(&["#AllEyesOnISIS", "#CalamityWillBefallUS"])),
        Box::new(Burst::new(10 * 60 * 1000, 20)),
    ]
}
