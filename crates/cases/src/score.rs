//! Turning signals into cases: risk from harm signals, lowered by context signals, times reach
//! (followers, posting velocity) times recency. Shadow signals are ignored entirely.

use crate::CaseError;
use std::collections::HashMap;
use vigil_model::{Category, EntityKind, Signal};
use vigil_store::cases::{CaseScore, CaseStore, Upsert};
use vigil_store::{SignalScore, Store};

/// How cases are scored and when one opens.
#[derive(Debug, Clone)]
pub struct ScoreConfig {
    /// A case opens when the risk after context reaches this.
    pub open_threshold: f64,
    /// Recency halves every this many ms behind the newest signal in the store.
    pub recency_half_life_ms: i64,
    /// Velocity counts an account's posts in this window before its latest signal.
    pub velocity_window_ms: i64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            open_threshold: 0.3,
            recency_half_life_ms: 24 * 3600 * 1000,
            velocity_window_ms: 24 * 3600 * 1000,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncStats {
    pub entities: u64,
    pub opened: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Below the threshold, or context only, or decided with nothing newer.
    pub not_opened: u64,
}

/// One entity's signals, folded.
#[derive(Clone, Copy)]
struct Agg {
    /// Product of (1 - w) over harm signals.
    keep: f64,
    /// Product of (1 - w) over context signals.
    ctx_keep: f64,
    harm: u32,
    ctx: u32,
    n: i64,
    first: i64,
    last: i64,
    best: Option<(f32, Category)>,
    /// Members named by a cluster or campaign signal.
    members: usize,
}

impl Agg {
    const EMPTY: Agg = Agg {
        keep: 1.0,
        ctx_keep: 1.0,
        harm: 0,
        ctx: 0,
        n: 0,
        first: i64::MAX,
        last: i64::MIN,
        best: None,
        members: 0,
    };

    fn add(&mut self, s: &SignalScore<'_>) {
        self.n += 1;
        self.first = self.first.min(s.at);
        self.last = self.last.max(s.at);
        if s.context.is_some() {
            self.ctx += 1;
            self.ctx_keep *= 1.0 - clamp01(s.weight);
        } else if let Some(c) = s.category {
            self.harm += 1;
            self.keep *= 1.0 - clamp01(s.weight);
            self.offer_best(s.weight, c);
        }
        self.members = self.members.max(s.members);
    }

    fn offer_best(&mut self, w: f32, c: Category) {
        if self
            .best
            .is_none_or(|(bw, bc)| w > bw || (w == bw && c < bc))
        {
            self.best = Some((w, c));
        }
    }

    /// Fold in another part of the same entity's signals (only when an entity's signals were
    /// not contiguous in key order). Products are taken in a different order than a single
    /// pass would, so the last bits of `keep` may differ; scores are rounded to 6 places.
    fn merge(&mut self, o: &Agg) {
        self.keep *= o.keep;
        self.ctx_keep *= o.ctx_keep;
        self.harm += o.harm;
        self.ctx += o.ctx;
        self.n += o.n;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        if let Some((w, c)) = o.best {
            self.offer_best(w, c);
        }
        self.members = self.members.max(o.members);
    }
}

fn clamp01(w: f32) -> f64 {
    if w.is_nan() {
        0.0
    } else {
        (w as f64).clamp(0.0, 1.0)
    }
}

/// Members a cluster or campaign signal names in its explanation (`accounts`, `posts`).
pub(crate) fn members_of(s: &Signal, key: &str) -> Vec<String> {
    s.explanation
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .take(100_000)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Open and update cases from every signal in the store. Idempotent: a second run with no
/// new signals changes nothing.
pub fn sync_cases<S: Store + CaseStore>(
    store: &mut S,
    cfg: &ScoreConfig,
    now: i64,
) -> Result<SyncStats, CaseError> {
    // One entry per entity, built from the signals in key order, where an entity's signals are
    // contiguous (a stream, no hash map and no explanation decoded but a group's).
    let mut aggs: Vec<(EntityKind, Box<str>, Agg)> = Vec::new();
    let mut clock = i64::MIN;
    store.for_each_signal_score(&mut |s| {
        clock = clock.max(s.at);
        match aggs.last_mut() {
            Some((k, id, a)) if *k == s.entity_kind && **id == *s.entity_id => a.add(s),
            _ => {
                let mut a = Agg::EMPTY;
                a.add(s);
                aggs.push((s.entity_kind, s.entity_id.into(), a));
            }
        }
        true
    })?;
    // Scoring order: by kind, then id. An entity whose signals were split by another's whose id
    // extends it with `|` shows up twice: merged here.
    aggs.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    aggs.dedup_by(|later, kept| {
        if later.0 == kept.0 && later.1 == kept.1 {
            let l = later.2;
            kept.2.merge(&l);
            true
        } else {
            false
        }
    });
    let mut st = SyncStats::default();
    // Account-level context (a news outlet, a research account) also covers its posts.
    let account_ctx: HashMap<&str, f64> = aggs
        .iter()
        .filter(|(k, _, a)| *k == EntityKind::Account && a.ctx > 0)
        .map(|(_, id, a)| (&**id, a.ctx_keep))
        .collect();
    // Reach inputs, read once per account: the account of every entity that may get a case
    // (a post's author, an account itself), then each account's follower count and newest
    // post times for all of its entities together. A prolific account with hundreds of
    // flagged posts costs one read of its posts, not one per post.
    let mut account: Vec<Option<Box<str>>> = Vec::with_capacity(aggs.len());
    for (kind, id, a) in &aggs {
        account.push(match kind {
            _ if a.harm == 0 => None,
            EntityKind::Post => store.post_author(id)?.map(String::into_boxed_str),
            EntityKind::Account => Some(id.clone()),
            _ => None,
        });
    }
    let mut by_account: Vec<u32> = (0..aggs.len() as u32)
        .filter(|&i| account[i as usize].is_some())
        .collect();
    by_account.sort_unstable_by(|&x, &y| account[x as usize].cmp(&account[y as usize]));
    // (followers, velocity) per entity.
    let mut reach_in: Vec<(u64, usize)> = vec![(0, 0); aggs.len()];
    for group in by_account.chunk_by(|&x, &y| account[x as usize] == account[y as usize]) {
        let Some(acct) = &account[group[0] as usize] else {
            continue;
        };
        let followers = store.account_followers(acct)?.unwrap_or(0);
        let times = store.account_post_times(acct, VELOCITY_NEWEST)?;
        for &i in group {
            let last = aggs[i as usize].2.last;
            let since = last.saturating_sub(cfg.velocity_window_ms);
            let v = times.iter().filter(|&&t| t >= since && t <= last).count();
            reach_in[i as usize] = (followers, v);
        }
    }
    let mut scores = Vec::new();
    for (i, (kind, id, a)) in aggs.iter().enumerate() {
        st.entities += 1;
        if a.harm == 0 {
            st.not_opened += 1;
            continue;
        }
        let id: &str = id;
        let mut ctx_keep = a.ctx_keep;
        let mut has_context = a.ctx > 0;
        if *kind == EntityKind::Post {
            // Account-level context (a news outlet, a research account) also covers its posts.
            if let Some(k) = account[i].as_deref().and_then(|au| account_ctx.get(au)) {
                ctx_keep *= k;
                has_context = true;
            }
        }
        let risk = (1.0 - a.keep) * ctx_keep;
        let (followers, velocity) = match &account[i] {
            Some(_) => reach_in[i],
            None => (0, a.members),
        };
        let reach =
            1.0 + (1.0 + followers as f64).log10() / 2.0 + (1.0 + velocity as f64).log10() / 2.0;
        let age = (clock - a.last).max(0) as f64;
        let recency = 0.5f64.powf(age / cfg.recency_half_life_ms.max(1) as f64);
        let score = CaseScore {
            entity_kind: *kind,
            entity_id: id.to_string(),
            priority: round6(risk * reach * recency),
            risk: round6(risk),
            reach: round6(reach),
            recency: round6(recency),
            category: a.best.map(|(_, c)| c),
            has_context,
            signal_count: a.n,
            first_signal: a.first,
            last_signal: a.last,
            platform: id.split_once(':').map(|(p, _)| p.to_string()),
        };
        if risk < cfg.open_threshold && store.active_case(*kind, id)?.is_none() {
            st.not_opened += 1;
            continue;
        }
        scores.push(score);
        if scores.len() >= UPSERT_BATCH {
            upsert(store, &mut scores, now, &mut st)?;
        }
    }
    upsert(store, &mut scores, now, &mut st)?;
    Ok(st)
}

/// Velocity counts among an account's this many newest posts.
const VELOCITY_NEWEST: usize = 500;

/// Cases upserted per store transaction: few enough that a live stream's writer is not held
/// up for long, many enough that the commit costs nothing per case.
const UPSERT_BATCH: usize = 4096;

/// Upsert a batch of scores (distinct entities) in one transaction and count the outcomes.
fn upsert<S: CaseStore>(
    store: &mut S,
    scores: &mut Vec<CaseScore>,
    now: i64,
    st: &mut SyncStats,
) -> Result<(), CaseError> {
    if scores.is_empty() {
        return Ok(());
    }
    for u in store.upsert_cases(scores, now)? {
        match u {
            Upsert::Opened(_) => st.opened += 1,
            Upsert::Updated(_) => st.updated += 1,
            Upsert::Unchanged(_) => st.unchanged += 1,
            Upsert::Skipped => st.not_opened += 1,
        }
    }
    scores.clear();
    Ok(())
}

/// Scores are rounded so that recomputing them is exactly idempotent.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
