//! The `risk` detector: per-account risk from every signal the pass emits (content, rules, banks,
//! campaigns, coordination, returning links), platform suspensions and network proximity to
//! seeds (personalized PageRank over mentions and re-shares), with a breakdown by component.
//! Context (news, research, counter-speech) lowers risk and structurally bars auto-action.

use crate::Findings;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use vigil_detect::{Detector, Observation};
use vigil_model::{Category, EnforcementAction, EntityKind, Signal};

/// Risk settings.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct RiskConfig {
    /// At or above: a case for review (and a `risk` signal).
    pub review_threshold: f64,
    /// At or above: automatic action, only when `auto_enabled` and never with context.
    pub auto_threshold: f64,
    pub auto_enabled: bool,
    /// Weight of a platform suspension: below `review_threshold`, platforms suspend benign
    /// accounts too, so a suspension alone opens no case.
    pub suspension_weight: f64,
    /// Ceiling of the proximity component: below `review_threshold`, so proximity alone never
    /// opens a case (being mentioned by extremists is not evidence against anyone).
    pub proximity_cap: f64,
    /// Review needs corroboration: evidence of at least two kinds (content, campaign,
    /// coordination, returning, enforcement), or one kind at least this strong. Proximity never
    /// counts as a kind: it only adds to evidence.
    pub standalone_weight: f64,
    /// Personalized PageRank: restart probability and iterations.
    pub restart: f64,
    pub iterations: usize,
    /// Edges kept in the interaction graph (memory bound).
    pub max_edges: usize,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            review_threshold: 0.3,
            auto_threshold: 0.95,
            auto_enabled: false,
            suspension_weight: 0.25,
            proximity_cap: 0.25,
            standalone_weight: 0.6,
            restart: 0.15,
            iterations: 20,
            max_edges: 50_000_000,
        }
    }
}

/// What to do with a risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    None,
    Review,
    AutoAction,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "none",
            Action::Review => "review",
            Action::AutoAction => "auto_action",
        }
    }
}

/// One component of a risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub component: String,
    pub weight: f64,
    pub detail: serde_json::Value,
}

/// An account's risk and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRisk {
    pub account: String,
    pub risk: f64,
    /// Risk before the context reduction.
    pub raw_risk: f64,
    /// The product of (1 − context weight); 1 without context.
    pub context_keep: f64,
    pub has_context: bool,
    pub action: Action,
    pub category: Option<Category>,
    pub components: Vec<Component>,
    pub at: i64,
}

/// Combine components into a risk and decide the action. Context multiplies the risk down and,
/// whatever the numbers, caps the action at review: this is the only place an action is chosen.
pub fn decide(
    cfg: &RiskConfig,
    components: &[Component],
    context_keep: f64,
    has_context: bool,
) -> (f64, f64, Action) {
    // One piece of evidence often arrives by two routes (a campaign signal and the campaign's
    // member list, a rule and a label): within a kind the strongest counts, not the product.
    let mut kinds: Vec<(&'static str, f64)> = Vec::new();
    for c in components {
        let k = kind_of(&c.component);
        let w = if c.weight.is_nan() {
            0.0
        } else {
            c.weight.clamp(0.0, 0.99)
        };
        match kinds.iter_mut().find(|(n, _)| *n == k) {
            Some(e) => e.1 = e.1.max(w),
            None => kinds.push((k, w)),
        }
    }
    let keep: f64 = kinds.iter().map(|(_, w)| 1.0 - w).product();
    let raw = 1.0 - keep;
    let evidence: Vec<f64> = kinds
        .iter()
        .filter(|(k, w)| *k != "supporting" && *w > 0.0)
        .map(|(_, w)| *w)
        .collect();
    let corroborated = evidence.len() >= 2 || evidence.iter().any(|&w| w >= cfg.standalone_weight);
    let mut risk = raw * context_keep.clamp(0.0, 1.0);
    if has_context {
        // Structural bar: a context account stays strictly below the auto threshold.
        risk = risk.min(cfg.auto_threshold - 1e-3).max(0.0);
    }
    let action = if !corroborated {
        Action::None
    } else if !has_context && cfg.auto_enabled && risk >= cfg.auto_threshold {
        Action::AutoAction
    } else if risk >= cfg.review_threshold {
        Action::Review
    } else {
        Action::None
    };
    (raw, risk, action)
}

/// The kind of evidence a component is, for corroboration: `content` (rules, banks, text),
/// `campaign`, `coordination`, `returning`, `enforcement` (the platform's own suspension, weak
/// but independent), `funnel` (posts that send readers to, or re-share, accounts which are
/// themselves under review or suspended), or `supporting` (proximity), which adds to evidence but is none itself.
pub fn kind_of(component: &str) -> &'static str {
    match component {
        "campaign" | "signal:campaign" => "campaign",
        "coordination" | "signal:coordination" => "coordination",
        "returning" | "signal:returning" => "returning",
        "platform_suspension" => "enforcement",
        "funnel" => "funnel",
        "proximity" => "supporting",
        _ => "content",
    }
}

/// Distinct pointer targets kept per account.
pub const MAX_POINTED: usize = 16;

/// Weight of the funnel component after `n` posts pointing at or re-sharing flagged accounts:
/// 1 − 0.7ⁿ, at most this (one link is weak; a habit of sending readers to flagged channels is
/// not: three such posts reach review on their own).
pub const FUNNEL_CAP: f64 = 0.8;

/// An address advertised by at least this many accounts under review (and by no more than as
/// many others) is a funnel target in its own right.
pub const ADVERTISED_BY: u32 = 3;

/// Marks a funnel target that is a re-shared author's index, not an address hash.
const RESHARE: u64 = 1 << 63;

/// The key of an account's own address, as posts point at it (`telegram:somechannel`).
fn address(platform: &str, handle: &str) -> u64 {
    let h: String = handle.chars().take(64).collect();
    h64(&format!("{platform}:{h}").to_lowercase()) & !RESHARE
}

/// What an account's signals said, kept only for accounts that had any (most have none: a
/// million accounts' aggregates stay small).
#[derive(Default)]
struct Evidence {
    /// Best weight per (detector, category) of harm signals on the account or its posts.
    content: HashMap<(String, Category), f64>,
    /// Campaigns and clusters named in participant-level account signals, with their weights.
    campaigns: HashMap<String, f64>,
    clusters: HashMap<String, f64>,
    returning: Option<(f64, String)>,
}

#[derive(Default)]
struct Agg {
    ev: Option<Box<Evidence>>,
    suspended: bool,
    /// Other accounts' own addresses (`telegram:handle`, hashed) this account's posts point
    /// at, with how many posts did, at most [`MAX_POINTED`].
    pointed: Vec<(u64, u16)>,
    ctx_keep: f64,
    has_context: bool,
    last: i64,
}

/// The risk detector (runs after every other detector in the registry).
pub struct RiskDetector {
    cfg: RiskConfig,
    seeds_confirmed: HashSet<String>,
    /// Accounts by dense number (the index of their `aggs`).
    accounts: vigil_model::fasthash::Ids,
    aggs: Vec<Agg>,
    /// Own addresses ([`address`]) of accounts seen posting: mention targets and funnel
    /// targets.
    addresses: vigil_model::fasthash::HashedMap<u32>,
    post_author: vigil_model::fasthash::HashedMap<u32>,
    edges: Vec<(u32, u32)>,
    findings: Arc<Mutex<Findings>>,
}

fn h64(s: &str) -> u64 {
    crate::features::token_hash(s)
}

impl RiskDetector {
    pub fn new(cfg: RiskConfig, confirmed: &[String], findings: Arc<Mutex<Findings>>) -> Self {
        RiskDetector {
            cfg,
            seeds_confirmed: confirmed.iter().cloned().collect(),
            accounts: Default::default(),
            aggs: Vec::new(),
            addresses: Default::default(),
            post_author: Default::default(),
            edges: Vec::new(),
            findings,
        }
    }

    fn idx(&mut self, id: &str) -> u32 {
        let i = self.accounts.intern(id);
        if (i as usize) < self.aggs.len() {
            return i;
        }
        self.aggs.push(Agg {
            ctx_keep: 1.0,
            ..Default::default()
        });
        i
    }

    /// Fold in signals emitted since the last look (by every detector, this one excluded).
    fn absorb(&mut self, out: &[Signal], author_of_post: Option<(&str, &str)>) {
        // The engine hands each record its own `out` (the signals earlier detectors emitted
        // on it), so all of it is new here.
        for s in out {
            if s.shadow || s.detector == "risk" {
                continue;
            }
            let mut targets: Vec<String> = Vec::new();
            match s.entity_kind {
                EntityKind::Account => targets.push(s.entity_id.clone()),
                EntityKind::Post => {
                    if let Some((pid, aid)) = author_of_post {
                        if pid == s.entity_id {
                            targets.push(aid.to_string());
                        }
                    }
                    if targets.is_empty() {
                        if let Some(&a) = self.post_author.get(&h64(&s.entity_id)) {
                            targets.push(self.accounts.name(a).to_string());
                        }
                    }
                }
                // Membership comes from the participant-level account signals the campaign and
                // coordination detectors emit (a bystander in a member list gets none).
                EntityKind::Campaign | EntityKind::Cluster => continue,
            }
            for t in targets {
                let i = self.idx(&t) as usize;
                let a = &mut self.aggs[i];
                a.last = a.last.max(s.at);
                let w = if s.weight.is_nan() {
                    0.0
                } else {
                    (s.weight as f64).clamp(0.0, 1.0)
                };
                if s.context.is_some() {
                    a.has_context = true;
                    a.ctx_keep *= 1.0 - w;
                    continue;
                }
                let a = a.ev.get_or_insert_with(Default::default);
                match (s.entity_kind, s.detector.as_str()) {
                    (EntityKind::Account, "campaign") if a.campaigns.len() < 64 => {
                        let id = s.explanation["campaign"].as_str().unwrap_or(&s.source);
                        let e = a.campaigns.entry(id.to_string()).or_insert(0.0);
                        *e = e.max(w);
                    }
                    (EntityKind::Account, "coordination") if a.clusters.len() < 64 => {
                        let id = s.explanation["cluster"].as_str().unwrap_or(&s.source);
                        let e = a.clusters.entry(id.to_string()).or_insert(0.0);
                        *e = e.max(w);
                    }
                    (EntityKind::Account, "returning") => {
                        let pred = s.explanation["predecessor"]
                            .as_str()
                            .unwrap_or("")
                            .to_string();
                        if a.returning.as_ref().is_none_or(|(b, _)| w > *b) {
                            a.returning = Some((w, pred));
                        }
                    }
                    _ => {
                        if let Some(c) = s.category {
                            let e = a.content.entry((s.detector.clone(), c)).or_insert(0.0);
                            *e = e.max(w);
                        }
                    }
                }
            }
        }
    }
}

/// 1 − Π(1 − w) over the (at most 8) strongest weights, rounded to 3 decimals.
fn combine<'a>(ws: impl Iterator<Item = &'a f64>) -> f64 {
    let mut v: Vec<f64> = ws.copied().collect();
    v.sort_by(|a, b| b.total_cmp(a));
    let keep: f64 = v.iter().take(8).map(|w| 1.0 - w.clamp(0.0, 0.99)).product();
    ((1.0 - keep) * 1000.0).round() / 1000.0
}

/// Personalized PageRank from `seeds` over an undirected edge list, by power iteration.
pub fn personalized_pagerank(
    n: usize,
    edges: &[(u32, u32)],
    seeds: &[u32],
    restart: f64,
    iterations: usize,
) -> Vec<f64> {
    let mut rank = vec![0.0; n];
    if seeds.is_empty() || n == 0 {
        return rank;
    }
    let mut deg = vec![0u32; n];
    for &(a, b) in edges {
        deg[a as usize] += 1;
        deg[b as usize] += 1;
    }
    let p0 = 1.0 / seeds.len() as f64;
    for &s in seeds {
        rank[s as usize] = p0;
    }
    let mut next = vec![0.0; n];
    for _ in 0..iterations {
        next.iter_mut().for_each(|v| *v = 0.0);
        for &s in seeds {
            next[s as usize] += restart * p0;
        }
        let mut dangling = 0.0;
        for (i, &d) in deg.iter().enumerate() {
            if d == 0 {
                dangling += rank[i];
            }
        }
        for &(a, b) in edges {
            let (a, b) = (a as usize, b as usize);
            next[b] += (1.0 - restart) * rank[a] / deg[a] as f64;
            next[a] += (1.0 - restart) * rank[b] / deg[b] as f64;
        }
        // Dangling mass returns to the seeds.
        for &s in seeds {
            next[s as usize] += (1.0 - restart) * dangling * p0;
        }
        std::mem::swap(&mut rank, &mut next);
    }
    rank
}

impl Detector for RiskDetector {
    fn name(&self) -> &'static str {
        "risk"
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let post = obs.post;
        self.absorb(out, Some((&post.id, &post.account_id)));
        let me = self.idx(&post.account_id);
        if self.post_author.len() < 20_000_000 {
            self.post_author.insert(h64(&post.id), me);
        }
        if let Some(a) = obs.account {
            if let Some(h) = &a.handle {
                if self.addresses.len() < 20_000_000 {
                    self.addresses
                        .insert(address(post.platform.as_str(), h), me);
                }
            }
        }
        // Pointers to other platforms' accounts in the text or the expanded links.
        let mut targets: Vec<u64> = Vec::new();
        let expanded = post
            .urls
            .iter()
            .take(16)
            .filter_map(|u| vigil_text::canonicalize_url(u));
        for u in obs.text.urls.iter().take(16).cloned().chain(expanded) {
            if let Some(p) = &u.pointer {
                let k = address(&format!("{:?}", p.platform), &p.handle);
                if !targets.contains(&k) {
                    targets.push(k);
                }
            }
        }
        // Re-shares (not replies: a reply may argue back) of other accounts' posts, keyed by
        // the author's index with the top bit set.
        for r in [&post.repost_of, &post.quote_of].into_iter().flatten() {
            // A post not seen (older than the stream) still names its wall on VK and Facebook
            // (`vk:<owner>_<n>`); when the owner is an account seen, it is the source.
            let author = self.post_author.get(&h64(r)).copied().or_else(|| {
                let (plat, native) = r.split_once(':')?;
                if plat != "vk" && plat != "facebook" {
                    return None;
                }
                let (owner, _) = native.split_once('_')?;
                self.accounts.get(&format!("{plat}:{owner}"))
            });
            if let Some(o) = author {
                let k = RESHARE | o as u64;
                if o != me && !targets.contains(&k) {
                    targets.push(k);
                }
            }
        }
        if let Some(f) = &post.forwarded_from {
            if let Some(o) = self.accounts.get(f.as_str()) {
                let k = RESHARE | o as u64;
                if o != me && !targets.contains(&k) {
                    targets.push(k);
                }
            }
        }
        let pointed = &mut self.aggs[me as usize].pointed;
        for k in targets {
            if let Some(e) = pointed.iter_mut().find(|(t, _)| *t == k) {
                e.1 = e.1.saturating_add(1);
            } else if pointed.len() < MAX_POINTED {
                pointed.push((k, 1));
            }
        }
        // Campaign and cluster membership comes from their signals (which carry the extremist
        // judgement), not from `facts`, which also names organic bursts.
        for b in &obs.facts.bank_matches {
            let e = self.aggs[me as usize]
                .ev
                .get_or_insert_with(Default::default)
                .content
                .entry((format!("bank:{}", b.bank), Category::TerroristPropaganda))
                .or_insert(0.0);
            *e = e.max(0.8);
        }
        self.aggs[me as usize].last = self.aggs[me as usize].last.max(post.created_at);
        if self.edges.len() >= self.cfg.max_edges {
            return;
        }
        let plat = post.platform.as_str().to_string();
        let mut others: Vec<u32> = Vec::new();
        for m in post.mentions.iter().take(32) {
            if let Some(&o) = self.addresses.get(&address(&plat, m)) {
                others.push(o);
            }
        }
        for r in [&post.repost_of, &post.quote_of, &post.reply_to]
            .into_iter()
            .flatten()
        {
            if let Some(&o) = self.post_author.get(&h64(r)) {
                others.push(o);
            }
        }
        others.sort_unstable();
        others.dedup();
        for o in others {
            if o != me {
                self.edges.push((me, o));
            }
        }
    }

    fn on_enforcement(&mut self, e: &vigil_model::Enforcement, _out: &mut Vec<Signal>) {
        if e.action == EnforcementAction::Suspend && e.post_id.is_none() {
            let i = self.idx(&e.account_id) as usize;
            self.aggs[i].suspended = true;
            self.aggs[i].last = self.aggs[i].last.max(e.at);
        }
    }

    fn finish(&mut self, out: &mut Vec<Signal>) {
        self.assess(out);
    }

    fn refresh(&mut self, _now: i64, out: &mut Vec<Signal>) {
        self.assess(out);
    }
}

impl RiskDetector {
    /// Rank every account from what was absorbed so far (and the signals in `out`, emitted by
    /// earlier detectors in this pass) and emit a risk signal for each that needs action.
    /// Repeatable: a later pass replaces the findings and updates the signals.
    fn assess(&mut self, out: &mut Vec<Signal>) {
        self.absorb(out, None);
        let n = self.accounts.len();
        let seeds: Vec<u32> = (0..n as u32)
            .filter(|&i| {
                self.aggs[i as usize].suspended
                    || self.seeds_confirmed.contains(self.accounts.name(i))
            })
            .collect();
        let rank = personalized_pagerank(
            n,
            &self.edges,
            &seeds,
            self.cfg.restart,
            self.cfg.iterations,
        );
        // Scale: a node holding as much rank as an average seed's restart share is "close".
        let unit = if seeds.is_empty() {
            1.0
        } else {
            self.cfg.restart / seeds.len() as f64
        };
        let seedset: HashSet<u32> = seeds.iter().copied().collect();
        let mut risks = Vec::new();
        let nothing = Evidence::default();
        for i in 0..n {
            let a = &self.aggs[i];
            let ev = a.ev.as_deref().unwrap_or(&nothing);
            let mut comps = Vec::new();
            let mut best: Option<(f64, Category)> = None;
            let mut note = |c: Category, w: f64| {
                if best.is_none_or(|(b, _)| w > b) {
                    best = Some((w, c));
                }
            };
            let mut content: Vec<_> = ev.content.iter().collect();
            content.sort_by(|x, y| x.0.cmp(y.0));
            for ((det, cat), &w) in content {
                note(*cat, w);
                comps.push(Component {
                    component: format!("signal:{det}"),
                    weight: w,
                    detail: serde_json::json!({"category": cat}),
                });
            }
            if !ev.campaigns.is_empty() {
                let w = combine(ev.campaigns.values());
                note(Category::TerroristPropaganda, w);
                let mut ids: Vec<_> = ev.campaigns.keys().cloned().collect();
                ids.sort();
                ids.truncate(20);
                comps.push(Component {
                    component: "campaign".into(),
                    weight: w,
                    detail: serde_json::json!({"campaigns": ids}),
                });
            }
            if !ev.clusters.is_empty() {
                let w = combine(ev.clusters.values());
                note(Category::CoordinatedAmplification, w);
                let mut ids: Vec<_> = ev.clusters.keys().cloned().collect();
                ids.sort();
                ids.truncate(20);
                comps.push(Component {
                    component: "coordination".into(),
                    weight: w,
                    detail: serde_json::json!({"clusters": ids}),
                });
            }
            if let Some((w, pred)) = &ev.returning {
                note(Category::BanEvasion, *w);
                comps.push(Component {
                    component: "returning".into(),
                    weight: *w,
                    detail: serde_json::json!({"predecessor": pred}),
                });
            }
            if a.suspended {
                note(Category::BanEvasion, self.cfg.suspension_weight);
                comps.push(Component {
                    component: "platform_suspension".into(),
                    weight: self.cfg.suspension_weight,
                    detail: serde_json::Value::Null,
                });
            }
            if !seedset.contains(&(i as u32)) && rank[i] > 0.0 {
                let closeness = 1.0 - (-rank[i] / unit).exp();
                let w = (closeness * self.cfg.proximity_cap).min(self.cfg.proximity_cap);
                if w >= 0.01 {
                    comps.push(Component {
                        component: "proximity".into(),
                        weight: (w * 1000.0).round() / 1000.0,
                        detail: serde_json::json!({"ppr": rank[i], "seeds": seeds.len()}),
                    });
                }
            }
            if comps.is_empty() && a.pointed.is_empty() {
                continue;
            }
            let (raw, risk, action) = decide(&self.cfg, &comps, a.ctx_keep, a.has_context);
            risks.push(AccountRisk {
                account: self.accounts.name(i as u32).to_string(),
                risk: (risk * 1000.0).round() / 1000.0,
                raw_risk: (raw * 1000.0).round() / 1000.0,
                context_keep: a.ctx_keep,
                has_context: a.has_context,
                action,
                category: best.map(|b| b.1),
                components: comps,
                at: a.last,
            });
        }
        // Funnel: posts that send readers to accounts which are, on the evidence above, under
        // review or suspended (a recruiter's links to the network's channels). Judged from the
        // first pass, so a funnel never props up another funnel.
        let mut flagged = vec![false; n];
        for r in &risks {
            if r.action != Action::None {
                if let Some(j) = self.accounts.get(&r.account) {
                    flagged[j as usize] = true;
                }
            }
        }
        for &s in &seeds {
            flagged[s as usize] = true;
        }
        // Address reputation: an address (a channel's `t.me/…`) that accounts under review
        // advertise, at least [`ADVERTISED_BY`] of them and half of all who link it, is the
        // network's funnel even when its own account was never seen (or has no handle).
        let mut advertised: HashMap<u64, (u32, u32)> = HashMap::new();
        for (i, a) in self.aggs.iter().enumerate() {
            for (k, _) in a.pointed.iter().filter(|(k, _)| k & RESHARE == 0) {
                let e = advertised.entry(*k).or_insert((0, 0));
                e.0 += 1;
                if flagged[i] {
                    e.1 += 1;
                }
            }
        }
        advertised.retain(|_, (all, bad)| *bad >= ADVERTISED_BY && 2 * *bad >= *all);
        for r in risks.iter_mut() {
            let Some(i) = self.accounts.get(&r.account) else {
                continue;
            };
            let a = &self.aggs[i as usize];
            let (mut posts, mut targets) = (0u32, 0u32);
            for (k, c) in &a.pointed {
                let j = if k & RESHARE != 0 {
                    Some((k & !RESHARE) as u32)
                } else {
                    self.addresses.get(k).copied()
                };
                let reputed = k & RESHARE == 0 && advertised.contains_key(k);
                let bad = match j {
                    // One's own address is no funnel.
                    Some(j) if j == i => false,
                    Some(j) => flagged[j as usize] || reputed,
                    None => reputed,
                };
                if bad {
                    posts += *c as u32;
                    targets += 1;
                }
            }
            if posts == 0 {
                continue;
            }
            let w = (1.0 - 0.7f64.powi(posts.min(64) as i32)).min(FUNNEL_CAP);
            let w = (w * 1000.0).round() / 1000.0;
            r.components.push(Component {
                component: "funnel".into(),
                weight: w,
                detail: serde_json::json!({"targets": targets, "posts": posts}),
            });
            if r.category.is_none() {
                r.category = Some(Category::TerroristPropaganda);
            }
            let (raw, risk, action) = decide(&self.cfg, &r.components, a.ctx_keep, a.has_context);
            r.raw_risk = (raw * 1000.0).round() / 1000.0;
            r.risk = (risk * 1000.0).round() / 1000.0;
            r.action = action;
        }
        risks.retain(|r| !r.components.is_empty());
        for r in &risks {
            if r.action == Action::None {
                continue;
            }
            out.push(Signal {
                entity_kind: EntityKind::Account,
                entity_id: r.account.clone(),
                detector: "risk".into(),
                category: r.category.or(Some(Category::TerroristPropaganda)),
                context: None,
                weight: r.risk as f32,
                source: "identity/risk".into(),
                version: crate::VERSION.into(),
                explanation: serde_json::to_value(r).unwrap_or_default(),
                at: r.at,
                shadow: false,
            });
        }
        if let Ok(mut f) = self.findings.lock() {
            f.risks = risks;
        }
    }
}
