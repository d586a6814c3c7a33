//! The detector seam. Every detector (rules, hash banks, campaigns, coordination, returning
//! accounts, risk) implements [`Detector`]: it sees posts and enforcement events in event-time
//! order with their text analysis, and emits [`Signal`]s. Detectors do no IO; the [`replay`]
//! driver reads the store and writes the signals back.

use std::collections::HashMap;
use vigil_model::{Account, Enforcement, Post, Signal};
use vigil_store::{Store, StoreError};
use vigil_text::TextAnalysis;

/// What earlier detectors in the same pass learned about the current post and its author,
/// for later ones (a rule can require a bank match or campaign membership).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Hash-bank matches on this post's media or text: (bank, label, distance).
    pub bank_matches: Vec<BankMatch>,
    /// Campaign ids this post belongs to.
    pub campaigns: Vec<String>,
    /// Coordinated-cluster ids the author belongs to.
    pub clusters: Vec<String>,
    /// The author's current risk score, if a risk detector has one.
    pub risk: Option<f32>,
    /// Free-form labels set by rules (`label` effects), with optional expiry (ms).
    pub labels: Vec<(String, Option<i64>)>,
}

/// A match of a post's media or text against a hash bank.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BankMatch {
    pub bank: String,
    pub item: String,
    pub label: String,
    pub algorithm: String,
    pub distance: u32,
}

/// One post as detectors see it.
pub struct Observation<'a> {
    pub post: &'a Post,
    /// The author, when the store has a record of them.
    pub account: Option<&'a Account>,
    pub text: &'a TextAnalysis,
    /// Filled by detectors earlier in the pass; read by later ones.
    pub facts: &'a mut Facts,
}

/// A detector: a pure function of what it has observed so far.
pub trait Detector: Send {
    /// Stable name, used as `Signal::detector`.
    fn name(&self) -> &'static str;
    /// One post, in event-time order.
    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>);
    /// An account record (a profile), merged with what came before for the same id, when it
    /// arrives in the stream: before the account's posts, and whether or not it ever posts.
    fn on_account(&mut self, _a: &Account, _out: &mut Vec<Signal>) {}
    /// A platform's enforcement event (a suspension), in event-time order.
    fn on_enforcement(&mut self, _e: &Enforcement, _out: &mut Vec<Signal>) {}
    /// End of input: flush windows and emit what only the whole picture shows.
    fn finish(&mut self, _out: &mut Vec<Signal>) {}
    /// A long-running stream's periodic look at the whole picture so far: emit (again) what
    /// `finish` would report about the stream up to `now` (event time, ms) and refresh the
    /// detector's findings, without ending anything. The engine calls it when event time
    /// crosses a refresh boundary, so a run and its crash-and-resume replay see the same calls.
    /// Signals are idempotent per (entity, detector, source): re-emitting one updates it.
    fn refresh(&mut self, _now: i64, _out: &mut Vec<Signal>) {}
}

/// Counts from one replay.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReplayStats {
    pub posts: u64,
    pub signals: u64,
}

/// Run `detectors` over every stored post in event-time order, writing their signals back.
/// Enforcement events are interleaved at their own times; every stored account record is
/// given to [`Detector::on_account`] first (the store keeps no arrival time for profiles).
pub fn replay(
    store: &mut dyn Store,
    detectors: &mut [Box<dyn Detector>],
) -> Result<ReplayStats, StoreError> {
    let mut enforcement = Vec::new();
    store.for_each_enforcement(&mut |e| {
        enforcement.push(e);
        true
    })?;
    // Each record's detectors see only the signals emitted on it (as in the engine); what
    // they emitted waits in `pending` for the store.
    let mut out = Vec::new();
    let mut pending = Vec::new();
    store.for_each_account(&mut |a| {
        for d in detectors.iter_mut() {
            d.on_account(&a, &mut out);
        }
        pending.append(&mut out);
        true
    })?;
    let mut accounts: HashMap<String, Option<Account>> = HashMap::new();
    let mut posts = Vec::new();
    store.for_each_post(&mut |p| {
        posts.push(p);
        true
    })?;
    let mut enf: Vec<&Enforcement> = enforcement.iter().collect();
    enf.sort_by_key(|e| e.at);
    let mut ei = 0;
    let mut stats = ReplayStats::default();
    let mut analyzer = vigil_text::Analyzer::new();
    for post in &posts {
        while ei < enf.len() && enf[ei].at <= post.created_at {
            for d in detectors.iter_mut() {
                d.on_enforcement(enf[ei], &mut out);
            }
            pending.append(&mut out);
            ei += 1;
        }
        if !accounts.contains_key(&post.account_id) {
            let a = store.account(&post.account_id)?;
            if accounts.len() > 1_000_000 {
                accounts.clear();
            }
            accounts.insert(post.account_id.clone(), a);
        }
        let account = accounts.get(&post.account_id).and_then(Option::as_ref);
        let text = analyzer.analyze(&post.text);
        let mut facts = Facts::default();
        let mut obs = Observation {
            post,
            account,
            text,
            facts: &mut facts,
        };
        for d in detectors.iter_mut() {
            d.on_post(&mut obs, &mut out);
        }
        pending.append(&mut out);
        stats.posts += 1;
        if pending.len() >= 4096 {
            stats.signals += pending.len() as u64;
            store.write_signals(&pending)?;
            pending.clear();
        }
    }
    for e in &enf[ei..] {
        for d in detectors.iter_mut() {
            d.on_enforcement(e, &mut out);
        }
        pending.append(&mut out);
    }
    for d in detectors.iter_mut() {
        d.finish(&mut out);
    }
    pending.append(&mut out);
    stats.signals += pending.len() as u64;
    store.write_signals(&pending)?;
    Ok(stats)
}
