//! Backtests: replay stored history through a candidate pack and compare, per rule, with the pack in force (another pack, or the signals the store already holds).

use crate::compile::CompiledPack;
use crate::eval::{Scratch, Subject};
use crate::DETECTOR;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use vigil_detect::Facts;
use vigil_model::{Account, EntityKind};
use vigil_store::{Store, StoreError};

/// What the candidate is compared with.
pub enum Baseline<'a> {
    /// Nothing: report the candidate's hits alone.
    None,
    /// Another pack, replayed over the same history.
    Pack(&'a CompiledPack),
    /// The rule signals already in the store from the pack with the candidate's name (what
    /// the pack in force actually produced, shadow signals included).
    Stored,
}

/// Hits of one rule.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RuleCounts {
    pub id: String,
    /// `live`, `shadow`, `disabled`, or `removed` (in the baseline only).
    pub state: String,
    /// Entities (posts, or accounts for account rules) the candidate rule hits.
    pub hits: u64,
    /// The same for the baseline rule with this id; `None` without a baseline.
    pub baseline_hits: Option<u64>,
    /// Hit by the candidate, not by the baseline.
    pub new: u64,
    /// Hit by the baseline, not by the candidate.
    pub lost: u64,
    /// Up to five entity ids the candidate hits.
    pub samples: Vec<String>,
}

/// The whole backtest.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    pub pack: String,
    pub version: String,
    /// `none`, `pack <name> <version>` or `store`.
    pub baseline: String,
    pub posts: u64,
    pub rules: Vec<RuleCounts>,
}

fn entity(pack: &CompiledPack, r: u32, post: &str, account: &str) -> (String, String) {
    let rule = &pack.rules[r as usize];
    let e = if rule.entity == EntityKind::Account {
        account
    } else {
        post
    };
    (rule.id.clone(), e.to_string())
}

/// Replay every stored post (event-time order) through `pack` and `baseline`.
pub fn backtest(
    store: &dyn Store,
    pack: &CompiledPack,
    baseline: Baseline<'_>,
) -> Result<BacktestReport, StoreError> {
    let mut cand: HashSet<(String, String)> = HashSet::new();
    let mut base: HashSet<(String, String)> = HashSet::new();
    let mut accounts: HashMap<String, Option<Account>> = HashMap::new();
    let (mut sc, mut fired) = (Scratch::new(), Vec::new());
    let facts = Facts::default();
    let mut posts = 0u64;
    let mut failed: Option<StoreError> = None;
    // Streams: one post in memory at a time, authors cached (bounded).
    store.for_each_post(&mut |post| {
        if !accounts.contains_key(&post.account_id) {
            if accounts.len() > 1_000_000 {
                accounts.clear();
            }
            match store.account(&post.account_id) {
                Ok(a) => accounts.insert(post.account_id.clone(), a),
                Err(e) => {
                    failed = Some(e);
                    return false;
                }
            };
        }
        let account = accounts.get(&post.account_id).and_then(Option::as_ref);
        let text = vigil_text::analyze(&post.text);
        let s = Subject {
            post: &post,
            account,
            text: &text,
            facts: &facts,
        };
        pack.evaluate(&s, &mut sc, &mut fired);
        for &r in &fired {
            cand.insert(entity(pack, r, &post.id, &post.account_id));
        }
        if let Baseline::Pack(b) = baseline {
            b.evaluate(&s, &mut sc, &mut fired);
            for &r in &fired {
                base.insert(entity(b, r, &post.id, &post.account_id));
            }
        }
        posts += 1;
        true
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let prefix = format!("rule:{}/", pack.name);
    let baseline_name = match baseline {
        Baseline::None => "none".to_string(),
        Baseline::Pack(b) => format!("pack {} {}", b.name, b.version),
        Baseline::Stored => {
            store.for_each_signal(&mut |s| {
                if s.detector == DETECTOR {
                    if let Some(id) = s.source.strip_prefix(&prefix) {
                        base.insert((id.to_string(), s.entity_id));
                    }
                }
                true
            })?;
            "store".to_string()
        }
    };
    let has_base = !matches!(baseline, Baseline::None);
    let mut per: BTreeMap<String, RuleCounts> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in &pack.rules {
        order.push(r.id.clone());
        per.insert(
            r.id.clone(),
            RuleCounts {
                id: r.id.clone(),
                state: r.state.as_str().to_string(),
                baseline_hits: has_base.then_some(0),
                ..RuleCounts::default()
            },
        );
    }
    for (id, e) in &cand {
        if let Some(c) = per.get_mut(id) {
            c.hits += 1;
            if has_base && !base.contains(&(id.clone(), e.clone())) {
                c.new += 1;
            }
        }
    }
    for (id, e) in &base {
        let c = per.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            RuleCounts {
                id: id.clone(),
                state: "removed".into(),
                baseline_hits: Some(0),
                ..RuleCounts::default()
            }
        });
        *c.baseline_hits.get_or_insert(0) += 1;
        if !cand.contains(&(id.clone(), e.clone())) {
            c.lost += 1;
        }
    }
    let mut samples: Vec<&(String, String)> = cand.iter().collect();
    samples.sort();
    for (id, e) in samples {
        if let Some(c) = per.get_mut(id) {
            if c.samples.len() < 5 {
                c.samples.push(e.clone());
            }
        }
    }
    let rules = order.into_iter().filter_map(|id| per.remove(&id)).collect();
    Ok(BacktestReport {
        pack: pack.name.clone(),
        version: pack.version.clone(),
        baseline: baseline_name,
        posts,
        rules,
    })
}
