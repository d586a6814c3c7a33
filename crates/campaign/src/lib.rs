//! vigil-campaign: streaming campaign detection and incremental coordination networks
//! (issue 7). Two [`Detector`]s share one feature extraction per post; results go out as
//! signals and, through [`Findings`], into the store's campaign and cluster tables.

pub mod burst;
pub mod coord;
pub mod ctk;
pub mod eval;
pub mod export;
pub mod features;
pub mod louvain;
pub mod reorder;
pub mod sketch;

pub use burst::BurstConfig;
pub use coord::CoordConfig;
pub use eval::{evaluate, CampaignMetrics, CoordinationMetrics};
pub use features::{HarmHook, IndicatorLexicon, TextView};
pub use vigil_store::{CampaignRecord, ClusterRecord, EdgeRecord};

use features::{FeatureConfig, PostFeatures};
use reorder::Reorder;
use serde_json::json;
use std::sync::{Arc, Mutex};
use vigil_detect::{Detector, Observation};
use vigil_model::{Category, Enforcement, EnforcementAction, EntityKind, Signal};
use vigil_store::{Store, StoreError};

/// `Signal::detector` of the campaign detector.
pub const CAMPAIGN: &str = "campaign";
/// `Signal::detector` of the coordination detector.
pub const COORDINATION: &str = "coordination";
/// Version stamped on signals.
pub const VERSION: &str = "campaign/1";

/// Posts named in one campaign or cluster signal's explanation (`posts`): a bounded sample
/// (the first posts) beside the total (`posts_total`). See [`MAX_EXPLANATION_ACCOUNTS`].
pub const MAX_EXPLANATION_POSTS: usize = 100;

/// Accounts named in one campaign or cluster signal's explanation (`accounts`): the first
/// participants (a cluster's members in id order), beside `accounts_total`, with
/// `members_truncated` true when either list was cut. Larger than the post sample because
/// the risk detector (crates/identity) attributes campaign and cluster membership from this
/// list. The full lists go to the campaign and cluster tables through [`Findings::persist`]
/// (bounded by [`BurstConfig::max_participants`] per campaign and by the coordination graph's
/// account bound per cluster).
pub const MAX_EXPLANATION_ACCOUNTS: usize = 1_000;

/// Account signals (one per campaign it took part in) emitted per account at `finish`: the
/// first campaigns in creation order.
pub const MAX_CAMPAIGN_SIGNALS_PER_ACCOUNT: usize = 8;

/// The first `n` of a list, as JSON.
fn sample<S: serde::Serialize>(xs: &[S], n: usize) -> serde_json::Value {
    json!(&xs[..xs.len().min(n)])
}

/// Publicly documented indicator tokens (group names and supporter hashtags) used by the
/// default [`IndicatorLexicon`] until the rule pack's verdicts arrive as signals.
pub const DEFAULT_INDICATORS: &[&str] = &[
    "ISIS",
    "ISIL",
    "Daesh",
    "داعش",
    "الدولة_الإسلامية",
    "الدولة الإسلامية",
    "دولة_الخلافة",
    "ИГИЛ",
    "Dabiq",
    "Amaq",
    "AllEyesOnISIS",
    "CalamityWillBefallUS",
];

/// Everything configurable, as one serde/TOML-able struct.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How far behind the newest event an event may arrive and still be processed in order.
    pub lateness_ms: i64,
    pub burst: BurstConfig,
    pub coord: CoordConfig,
    /// Indicator tokens for the built-in harm hook; empty disables it.
    pub indicators: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lateness_ms: 5 * 60_000,
            burst: BurstConfig::default(),
            coord: CoordConfig::default(),
            indicators: DEFAULT_INDICATORS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// What the detectors found, filled at `finish`; hand it to [`Findings::persist`].
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub campaigns: Vec<CampaignRecord>,
    pub clusters: Vec<ClusterRecord>,
    /// The coordination graph's strong edges, when `edges_fresh`: filled at `finish` and at
    /// most every [`EDGES_EVERY_MS`] of event time by a refresh, and handed to the store by
    /// [`Findings::take_for_persist`] (not kept: up to a million edges).
    pub edges: Vec<EdgeRecord>,
    /// `edges` holds a graph the store has not been given yet.
    pub edges_fresh: bool,
    /// Strong edges in the latest graph written to `edges`.
    pub edges_total: usize,
    pub posts: u64,
    pub too_late: u64,
    pub tracked_keys: usize,
    pub bytes_per_key: usize,
    /// Entries and approximate bytes of each detector's state at `finish` (every structure
    /// is bounded: docs/CAMPAIGNS.md "Bounds").
    pub campaign_state_len: usize,
    pub campaign_state_bytes: usize,
    pub coordination_state_len: usize,
    pub coordination_state_bytes: usize,
    /// Edges dropped by `CoordConfig::max_edges`, accounts forgotten by `max_accounts`.
    pub edges_evicted: u64,
    pub accounts_forgotten: u64,
    /// Bursts that opened no campaign because every slot held an extremist campaign.
    pub campaigns_refused: u64,
}

/// A refresh rebuilds the stored coordination graph at most this often (event time); the
/// clusters, campaigns and signals are current after every refresh.
pub const EDGES_EVERY_MS: i64 = 6 * 3_600_000;

impl Findings {
    /// Write campaigns, clusters and (when fresh) edges to the store's tables.
    pub fn persist(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        store.write_campaigns(&self.campaigns)?;
        store.write_clusters(&self.clusters, self.edges_fresh.then_some(&self.edges[..]))
    }

    /// A copy for writing outside the lock (and for reporting its counters): the campaigns,
    /// clusters and counters are copied, the edges moved out (a later refresh writes the next
    /// graph).
    pub fn take_for_persist(&mut self) -> Findings {
        let edges_fresh = std::mem::take(&mut self.edges_fresh);
        Findings {
            campaigns: self.campaigns.clone(),
            clusters: self.clusters.clone(),
            edges: if edges_fresh {
                std::mem::take(&mut self.edges)
            } else {
                Vec::new()
            },
            edges_fresh,
            edges_total: self.edges_total,
            posts: self.posts,
            too_late: self.too_late,
            tracked_keys: self.tracked_keys,
            bytes_per_key: self.bytes_per_key,
            campaign_state_len: self.campaign_state_len,
            campaign_state_bytes: self.campaign_state_bytes,
            coordination_state_len: self.coordination_state_len,
            coordination_state_bytes: self.coordination_state_bytes,
            edges_evicted: self.edges_evicted,
            accounts_forgotten: self.accounts_forgotten,
            campaigns_refused: self.campaigns_refused,
        }
    }
}

/// A shared handle to the findings of a detector pair.
pub type FindingsHandle = Arc<Mutex<Findings>>;

enum Ev {
    /// Shared with the other detector of the pair: no per-post deep copy.
    Post(Arc<PostFeatures>),
    Suspend(String),
}

/// Features extracted by the first detector of the pair for the second, per post.
type Slot = Arc<Mutex<Option<Arc<PostFeatures>>>>;

struct Shared {
    slot: Slot,
    hook: Option<Arc<dyn HarmHook>>,
    fcfg: FeatureConfig,
    /// Accounts (hashed) in reported clusters, from the coordination detector, read by the
    /// campaign one.
    risky: Arc<Mutex<Vec<u64>>>,
    findings: FindingsHandle,
}

impl Clone for Shared {
    fn clone(&self) -> Self {
        Shared {
            slot: self.slot.clone(),
            hook: self.hook.clone(),
            fcfg: self.fcfg.clone(),
            risky: self.risky.clone(),
            findings: self.findings.clone(),
        }
    }
}

impl Shared {
    fn features(&self, obs: &Observation<'_>, out: &[Signal], first: bool) -> Arc<PostFeatures> {
        if !first {
            if let Ok(s) = self.slot.lock() {
                if let Some(f) = s.as_ref() {
                    if f.post_id == obs.post.id {
                        return f.clone();
                    }
                }
            }
        }
        let f = Arc::new(features::extract(
            obs,
            out,
            self.hook.as_deref(),
            &self.fcfg,
        ));
        if first {
            if let Ok(mut s) = self.slot.lock() {
                *s = Some(f.clone());
            }
        }
        f
    }
}

/// The coordination detector: see [`coord`].
pub struct CoordinationDetector {
    graph: coord::CoordGraph,
    reorder: Reorder<Ev>,
    shared: Shared,
    ready: Vec<Ev>,
    /// Event time of the last edge list handed to the findings.
    edges_at: Option<i64>,
    /// Late posts already counted in the findings.
    too_late_published: u64,
}

/// The campaign detector: see [`burst`].
pub struct CampaignDetector {
    state: burst::BurstState,
    reorder: Reorder<Ev>,
    shared: Shared,
    ready: Vec<Ev>,
    signalled_posts: u64,
    /// Smallest coordinated core reported as a cluster.
    min_core: usize,
    /// Late posts already counted in the findings.
    too_late_published: u64,
}

/// Both detectors (coordination first, so the campaign one reuses its features and sees its
/// clusters), and the handle their findings appear in after `finish`.
pub fn detectors_with_findings(config: Config) -> (Vec<Box<dyn Detector>>, FindingsHandle) {
    let hook: Option<Arc<dyn HarmHook>> = if config.indicators.is_empty() {
        None
    } else {
        Some(Arc::new(IndicatorLexicon::new(&config.indicators)))
    };
    detectors_with_hook(config, hook)
}

/// As [`detectors_with_findings`], with a caller-supplied harm hook (a rule engine, a model).
pub fn detectors_with_hook(
    config: Config,
    hook: Option<Arc<dyn HarmHook>>,
) -> (Vec<Box<dyn Detector>>, FindingsHandle) {
    let findings: FindingsHandle = Arc::default();
    let shared = Shared {
        slot: Arc::default(),
        hook,
        fcfg: FeatureConfig::default(),
        risky: Arc::default(),
        findings: findings.clone(),
    };
    let c = CoordinationDetector {
        graph: coord::CoordGraph::new(config.coord.clone()),
        reorder: Reorder::new(config.lateness_ms),
        shared: shared.clone(),
        ready: Vec::new(),
        edges_at: None,
        too_late_published: 0,
    };
    let b = CampaignDetector {
        state: burst::BurstState::new(config.burst.clone()),
        reorder: Reorder::new(config.lateness_ms),
        shared,
        ready: Vec::new(),
        signalled_posts: 0,
        min_core: config.coord.min_cluster_size.max(2),
        too_late_published: 0,
    };
    (vec![Box::new(c), Box::new(b)], findings)
}

/// Both detectors, for `vigil ingest` (findings still arrive as signals).
pub fn detectors(config: Config) -> Vec<Box<dyn Detector>> {
    detectors_with_findings(config).0
}

impl CoordinationDetector {
    fn drain(&mut self, out: &mut Vec<Signal>) {
        let mut ready = std::mem::take(&mut self.ready);
        for ev in ready.drain(..) {
            if let Ev::Post(f) = ev {
                if self.graph.observe(&f) {
                    self.publish_risky();
                }
            }
        }
        // Keep the buffer's allocation for the next post.
        self.ready = ready;
        let _ = out;
    }

    fn publish_risky(&self) {
        if let Ok(mut r) = self.shared.risky.lock() {
            r.clear();
            self.graph.reported_member_hashes(&mut r);
        }
    }
}

impl Detector for CoordinationDetector {
    fn name(&self) -> &'static str {
        COORDINATION
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let f = self.shared.features(obs, out, true);
        if let Some(c) = self.graph.clusters_of(&obs.post.account_id) {
            obs.facts.clusters.push(c.id.clone());
        }
        self.reorder
            .push(f.t, &f.post_id, Ev::Post(f.clone()), &mut self.ready);
        self.drain(out);
    }

    fn finish(&mut self, out: &mut Vec<Signal>) {
        self.reorder.flush(&mut self.ready);
        self.drain(out);
        self.report(out, true, i64::MAX);
    }

    /// The clusters so far, without flushing the reorder buffer (posts still held for late
    /// arrivals are judged when their turn comes); the edge list only every
    /// [`EDGES_EVERY_MS`].
    fn refresh(&mut self, now: i64, out: &mut Vec<Signal>) {
        self.report(out, false, now);
    }
}

impl CoordinationDetector {
    /// Recluster, emit every reported cluster and its members, and publish the findings.
    /// Repeatable: a later call replaces the findings and updates the signals.
    /// `clock`: the event time of the refresh (for the edge list's cadence).
    fn report(&mut self, out: &mut Vec<Signal>, final_report: bool, clock: i64) {
        let now = self
            .graph
            .clusters
            .first()
            .map(|c| c.at)
            .unwrap_or(0)
            .max(0);
        let last = self.graph_now();
        self.graph.recluster(last.max(now));
        self.publish_risky();
        for c in self.graph.clusters.iter().filter(|c| c.reported) {
            let mut explanation = c.explanation.clone();
            let (posts, posts_total) = self.graph.cluster_posts(c, MAX_EXPLANATION_POSTS);
            explanation["accounts"] = sample(&c.members, MAX_EXPLANATION_ACCOUNTS);
            explanation["accounts_total"] = json!(c.members.len());
            explanation["posts"] = json!(posts);
            explanation["posts_total"] = json!(posts_total);
            explanation["members_truncated"] =
                json!(c.members.len() > MAX_EXPLANATION_ACCOUNTS || posts_total > posts.len());
            out.push(Signal {
                entity_kind: EntityKind::Cluster,
                entity_id: c.id.clone(),
                detector: COORDINATION.into(),
                category: Some(Category::CoordinatedAmplification),
                context: None,
                weight: c.score,
                source: "louvain".into(),
                version: VERSION.into(),
                explanation,
                at: c.at,
                shadow: false,
            });
            for m in &c.members {
                out.push(Signal {
                    entity_kind: EntityKind::Account,
                    entity_id: m.clone(),
                    detector: COORDINATION.into(),
                    category: Some(Category::CoordinatedAmplification),
                    context: None,
                    weight: c.score,
                    source: c.id.clone(),
                    version: VERSION.into(),
                    explanation: json!({"cluster": c.id, "members": c.members.len()}),
                    at: c.at,
                    shadow: false,
                });
            }
        }
        let edges_due = final_report
            || self
                .edges_at
                .is_none_or(|t| clock.saturating_sub(t) >= EDGES_EVERY_MS);
        if !edges_due {
            self.publish_findings(None);
            return;
        }
        self.edges_at = Some(clock);
        // The previous list, if the store has not taken it, is replaced: drop it first.
        if let Ok(mut fnd) = self.shared.findings.lock() {
            fnd.edges = Vec::new();
        }
        let edges = self
            .graph
            .strong_edges()
            .into_iter()
            .map(|(a, b, w, kinds)| {
                use std::fmt::Write;
                // The relation names are fixed identifiers: no escaping needed.
                let mut rel = String::from("{");
                for (i, r) in coord::RELATIONS.iter().enumerate() {
                    if kinds[i] > 0 {
                        let sep = if rel.len() > 1 { "," } else { "" };
                        let _ = write!(rel, "{sep}\"{r}\":{}", kinds[i]);
                    }
                }
                rel.push('}');
                rel.shrink_to_fit();
                EdgeRecord {
                    user_1: a,
                    user_2: b,
                    weight: w as u64,
                    relations: rel,
                }
            })
            .collect();
        self.publish_findings(Some(edges));
    }

    /// Hand the clusters (and a new edge list) to the findings.
    fn publish_findings(&mut self, edges: Option<Vec<EdgeRecord>>) {
        if let Ok(mut fnd) = self.shared.findings.lock() {
            // Campaign-core clusters (added by the campaign detector) stay.
            fnd.clusters
                .retain(|c| c.id.starts_with(CAMPAIGN_CLUSTER_PREFIX));
            fnd.clusters.extend(self.graph.clusters.iter().cloned());
            if let Some(edges) = edges {
                fnd.edges_total = edges.len();
                fnd.edges = edges;
                fnd.edges_fresh = true;
            }
            fnd.posts = self.graph.posts;
            fnd.coordination_state_len = self.graph.state_len();
            fnd.coordination_state_bytes = self.graph.approx_bytes();
            fnd.edges_evicted = self.graph.edges_evicted;
            fnd.accounts_forgotten = self.graph.accounts_forgotten;
            // Each report adds only the late posts since the last one.
            fnd.too_late += self.reorder.too_late - self.too_late_published;
            self.too_late_published = self.reorder.too_late;
        }
    }
}

impl CoordinationDetector {
    fn graph_now(&self) -> i64 {
        self.graph.clusters.iter().map(|c| c.at).max().unwrap_or(0)
    }
}

impl CampaignDetector {
    fn drain(&mut self, out: &mut Vec<Signal>) {
        let mut ready = std::mem::take(&mut self.ready);
        for ev in ready.drain(..) {
            match ev {
                Ev::Post(f) => {
                    let before = self.state.alerts.len();
                    self.state.observe(&f);
                    for i in before..self.state.alerts.len() {
                        let c = self.state.alerts[i];
                        out.push(campaign_signal(
                            &self.state.records_one(c),
                            self.state.post_ids(c),
                        ));
                    }
                    // Posts of extremist campaigns, after the alert.
                    for (id, content) in self.state.extremist_campaigns_of(&f) {
                        self.signalled_posts += 1;
                        out.push(Signal {
                            entity_kind: EntityKind::Post,
                            entity_id: f.post_id.clone(),
                            detector: CAMPAIGN.into(),
                            category: Some(Category::CoordinatedAmplification),
                            context: None,
                            // Participant-level evidence: a post with no harm of its own
                            // that does not carry the campaign's content (a bystander using a
                            // trend tag the campaign took over, or an everyday text whose
                            // words resemble the flood's filler) is listed at a weight that
                            // opens no case by itself.
                            weight: if f.context {
                                0.0
                            } else if f.harm >= 0.5 || content {
                                0.5
                            } else {
                                0.1
                            },
                            source: id,
                            version: VERSION.into(),
                            explanation: json!({"harm": f.harm, "context": f.context}),
                            at: f.t,
                            shadow: false,
                        });
                    }
                }
                Ev::Suspend(a) => {
                    // A suspended account's co-participants are not condemned by it; its own
                    // risk is maximal for the campaigns it joined before.
                    self.state.raise_risk(&a, 1.0);
                }
            }
        }
        self.ready = ready;
    }

    fn pull_risky(&mut self) {
        let Ok(mut r) = self.shared.risky.lock() else {
            return;
        };
        if r.is_empty() {
            return;
        }
        for h in r.drain(..) {
            self.state.raise_risk_hash(h, 0.6);
        }
    }
}

/// Cluster ids of campaign cores start with this.
pub const CAMPAIGN_CLUSTER_PREFIX: &str = "cluster:campaign:";

/// A campaign signal; its explanation names members (`accounts`, `posts`) as docs/CASES.md
/// asks, as a bounded sample (see [`MAX_EXPLANATION_POSTS`]) with the totals beside it.
fn campaign_signal(c: &CampaignRecord, posts: &[String]) -> Signal {
    Signal {
        entity_kind: EntityKind::Campaign,
        entity_id: c.id.clone(),
        detector: CAMPAIGN.into(),
        category: Some(Category::CoordinatedAmplification),
        context: None,
        weight: c.score.clamp(0.0, 1.0),
        source: "burst".into(),
        version: VERSION.into(),
        explanation: json!({
            "keys": c.keys, "key_kinds": c.key_kinds, "co_keys": c.co_keys,
            "start": c.start, "end": c.end, "velocity_per_min": c.velocity,
            "distinct_accounts": c.distinct_accounts,
            "languages": c.languages, "platforms": c.platforms,
            "first_alert_at": c.first_alert_at, "posts_before_alert": c.posts_before_alert,
            "evidence": c.evidence,
            "accounts": sample(&c.participants, MAX_EXPLANATION_ACCOUNTS),
            "accounts_total": c.distinct_accounts.max(c.participants.len() as u64),
            "posts": sample(posts, MAX_EXPLANATION_POSTS),
            "posts_total": c.posts,
            "members_truncated": c.participants.len() > MAX_EXPLANATION_ACCOUNTS
                || c.posts > posts.len().min(MAX_EXPLANATION_POSTS) as u64,
        }),
        at: c.first_alert_at.unwrap_or(c.start),
        shadow: false,
    }
}

impl Detector for CampaignDetector {
    fn name(&self) -> &'static str {
        CAMPAIGN
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let f = self.shared.features(obs, out, false);
        for id in self.state.campaigns_for(&f) {
            if !obs.facts.campaigns.contains(&id) {
                obs.facts.campaigns.push(id);
            }
        }
        self.pull_risky();
        self.reorder
            .push(f.t, &f.post_id, Ev::Post(f.clone()), &mut self.ready);
        self.drain(out);
    }

    fn on_enforcement(&mut self, e: &Enforcement, out: &mut Vec<Signal>) {
        if e.action == EnforcementAction::Suspend && e.post_id.is_none() {
            let tie = format!("~enf|{}", e.account_id);
            self.reorder.push(
                e.at,
                &tie,
                Ev::Suspend(e.account_id.clone()),
                &mut self.ready,
            );
            self.drain(out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Signal>) {
        self.pull_risky();
        self.reorder.flush(&mut self.ready);
        self.drain(out);
        self.report(out);
    }

    /// The campaigns so far, without flushing the reorder buffer.
    fn refresh(&mut self, _now: i64, out: &mut Vec<Signal>) {
        self.pull_risky();
        self.report(out);
    }
}

impl CampaignDetector {
    /// Emit every extremist campaign, its evidenced participants and coordinated cores, and
    /// publish the findings. Repeatable: a later call replaces them and updates the signals.
    fn report(&mut self, out: &mut Vec<Signal>) {
        let recs = self.state.records();
        // Participant signals per account are capped: in a flood an account takes part in
        // hundreds of phrase campaigns, and one signal per (account, campaign) made the final
        // output grow as campaigns × participants.
        let mut per_account: sketch::FastMap<u64, u8> = sketch::FastMap::default();
        for (i, c) in recs.iter().enumerate().filter(|(_, c)| c.extremist) {
            out.push(campaign_signal(c, self.state.post_ids(i as u32)));
            // Only participants with evidence of their own are signalled: membership of a
            // burst is not evidence against a bystander.
            for p in &self.state.evidenced_participants(i as u32) {
                let n = per_account
                    .entry(sketch::hash_bytes(p.as_bytes()))
                    .or_insert(0);
                if *n as usize >= MAX_CAMPAIGN_SIGNALS_PER_ACCOUNT {
                    continue;
                }
                *n += 1;
                out.push(Signal {
                    entity_kind: EntityKind::Account,
                    entity_id: p.clone(),
                    detector: CAMPAIGN.into(),
                    category: Some(Category::CoordinatedAmplification),
                    context: None,
                    weight: (0.5 * c.score).clamp(0.0, 1.0),
                    source: c.id.clone(),
                    version: VERSION.into(),
                    explanation: json!({"campaign": c.id, "keys": c.keys}),
                    at: c.first_alert_at.unwrap_or(c.start),
                    shadow: false,
                });
            }
        }
        // Each extremist campaign's coordinated core (participants whose posts near-duplicate
        // one another's) is a coordinated cluster in its own right: Louvain over pairwise
        // edges splits large floods, where every participant joined one centrally set text.
        let mut cores = Vec::new();
        for (ci, members) in self.state.coordinated_cores() {
            if members.len() < self.min_core {
                continue;
            }
            let c = &recs[ci as usize];
            let id = format!(
                "{CAMPAIGN_CLUSTER_PREFIX}{:012x}",
                sketch::hash_bytes(c.id.as_bytes()) & 0xffff_ffff_ffff
            );
            let explanation = json!({
                "kind": "campaign_core",
                "campaign": c.id,
                "keys": c.keys,
                "members": members.len(),
                "relations": {"co_similar_text": c.posts},
                "evidence": c.evidence,
            });
            let mut sig_expl = explanation.clone();
            let posts = self.state.post_ids(ci);
            sig_expl["accounts"] = sample(&members, MAX_EXPLANATION_ACCOUNTS);
            sig_expl["accounts_total"] = json!(members.len());
            sig_expl["posts"] = sample(posts, MAX_EXPLANATION_POSTS);
            sig_expl["posts_total"] = json!(c.posts);
            sig_expl["members_truncated"] = json!(
                members.len() > MAX_EXPLANATION_ACCOUNTS
                    || c.posts > posts.len().min(MAX_EXPLANATION_POSTS) as u64
            );
            let at = c.first_alert_at.unwrap_or(c.start);
            out.push(Signal {
                entity_kind: EntityKind::Cluster,
                entity_id: id.clone(),
                detector: CAMPAIGN.into(),
                category: Some(Category::CoordinatedAmplification),
                context: None,
                weight: c.score.clamp(0.0, 1.0),
                source: "campaign_core".into(),
                version: VERSION.into(),
                explanation: sig_expl,
                at,
                shadow: false,
            });
            cores.push(ClusterRecord {
                id,
                score: c.score.clamp(0.0, 1.0),
                reported: true,
                at,
                explanation,
                members,
            });
        }
        if let Ok(mut fnd) = self.shared.findings.lock() {
            fnd.clusters
                .retain(|c| !c.id.starts_with(CAMPAIGN_CLUSTER_PREFIX));
            fnd.clusters.extend(cores);
            fnd.campaigns = recs;
            // Each report adds only the late posts since the last one.
            fnd.too_late += self.reorder.too_late - self.too_late_published;
            self.too_late_published = self.reorder.too_late;
            fnd.tracked_keys = self.state.tracked_keys();
            fnd.bytes_per_key = self.state.bytes_per_key();
            fnd.campaign_state_len = self.state.state_len();
            fnd.campaign_state_bytes = self.state.approx_bytes();
            fnd.campaigns_refused = self.state.campaigns_refused;
        }
    }
}
