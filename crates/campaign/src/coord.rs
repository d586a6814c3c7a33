//! Coordination: a weighted account graph built incrementally over sliding event-time
//! windows (co-post, co-similar text, co-link, co-hashtag-sequence, co-repost, co-reply),
//! with Louvain communities re-computed on an event-time cadence, and a score and an
//! explanation per cluster.

use crate::features::PostFeatures;
use crate::louvain::louvain;
use crate::sketch::{bands, hash_bytes, minhash_similarity, FastMap, MINHASH_K};
use crate::ClusterRecord;
use serde_json::json;
use std::collections::{HashMap, VecDeque};

/// The relations that make an edge.
pub const RELATIONS: [&str; NREL] = [
    "co_post",
    "co_similar_text",
    "co_link",
    "co_hashtag_sequence",
    "co_repost",
    "co_reply",
    "fast_amplify",
];

/// Number of relations (the last, `fast_amplify`, links a fast re-sharer to the author).
pub const NREL: usize = 7;
const AMPLIFY: usize = 6;
const CO_REPOST: usize = 4;

/// Coordination settings. Windows are in event-time milliseconds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoordConfig {
    /// Window for identical and similar texts.
    pub text_window_ms: i64,
    /// Window for shared links and hashtag sequences.
    pub link_window_ms: i64,
    /// Window for reposts of, and replies to, the same post.
    pub repost_window_ms: i64,
    /// MinHash similarity at or above which two texts are "similar".
    pub similarity: f32,
    /// Co-occurrences a pair needs before its edge enters the graph.
    pub min_edge_weight: u32,
    /// A key with more partners than this in its window links only to the most recent ones
    /// (a viral link is not evidence of coordination between all who share it).
    pub max_fanout: usize,
    /// Re-run Louvain every this much event time.
    pub recluster_every_ms: i64,
    /// Drop sub-threshold edges not reinforced for this long.
    pub prune_after_ms: i64,
    /// A re-share within this long of the original is "fast": co-reposts where both re-shares
    /// are fast count `fast_weight` instead of 1, and a fast re-share links the re-sharer to the
    /// original's author (`fast_amplify`). Organic re-shares spread over hours; amplifier bots
    /// re-share within seconds.
    pub fast_repost_ms: i64,
    pub fast_weight: u32,
    /// Smallest community reported as a cluster.
    pub min_cluster_size: usize,
    /// Clusters at or above this score are reported (signals, `reported` flag).
    pub report_score: f32,
    /// Edges held at once. Past it, sub-threshold edges go first, then the weakest and
    /// oldest strong ones, down to three quarters of the bound.
    pub max_edges: usize,
    /// Accounts held at once. Past it, at each prune, accounts idle for `prune_after_ms`
    /// with no edge and no cluster are forgotten (their ids are reused).
    pub max_accounts: usize,
    /// Re-clustering is also deferred until the posts since the last one, times this, reach
    /// the number of strong edges: Louvain's cost stays within a bounded amount per post.
    pub recluster_edges_per_post: usize,
}

impl Default for CoordConfig {
    fn default() -> Self {
        CoordConfig {
            text_window_ms: 10 * 60_000,
            link_window_ms: 10 * 60_000,
            repost_window_ms: 2 * 60_000,
            similarity: 0.6,
            min_edge_weight: 2,
            max_fanout: 64,
            recluster_every_ms: 30 * 60_000,
            prune_after_ms: 2 * 3_600_000,
            fast_repost_ms: 60_000,
            fast_weight: 2,
            min_cluster_size: 3,
            report_score: 0.5,
            max_edges: 1 << 20,
            max_accounts: 1 << 20,
            recluster_edges_per_post: 32,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Edge {
    n: u32,
    kinds: [u32; NREL],
    last: i64,
}

/// Signatures held for similarity checks, whatever the text window holds.
pub const MAX_SIGS: usize = 1 << 18;
/// Emptied window deques kept for reuse.
const POOL: usize = 1 << 16;
/// Posts remembered per window key (the fan-out reads the newest `max_fanout` of them).
const WINDOW_KEEP: usize = 4;

/// A window key's recent (time, account, post seq; for co-similar text the signature's number).
type Window = VecDeque<(i64, u32, u64)>;

/// The incremental coordination graph.
pub struct CoordGraph {
    cfg: CoordConfig,
    ids: HashMap<String, u32>,
    names: Vec<String>,
    /// Per account: strongest harm seen (non-context posts), and whether it posted with context.
    harm: Vec<f32>,
    context: Vec<bool>,
    /// Per account: event time of its latest post (for forgetting idle accounts).
    last_seen: Vec<i64>,
    /// Forgotten account ids, reused by new accounts.
    free: Vec<u32>,
    /// Windows per relation: key -> recent (time, account, post seq).
    windows: [FastMap<u64, Window>; 6],
    /// Recent signatures for similarity checks: (time, signature), numbered densely from
    /// `sig_next - sigs.len()`, the number the co-similar-text windows hold, so a candidate's
    /// signature is found by subtraction, not a search.
    sigs: VecDeque<(i64, [u64; MINHASH_K])>,
    /// The number the next signature pushed onto `sigs` gets.
    sig_next: u64,
    seq: u64,
    edges: FastMap<(u32, u32), Edge>,
    /// Edges at or above the minimum weight.
    strong: usize,
    posts_since_cluster: usize,
    /// Edges dropped by the `max_edges` bound, accounts forgotten by `max_accounts`.
    pub edges_evicted: u64,
    pub accounts_forgotten: u64,
    /// Reusable per-post buffers.
    buf_bands: Vec<u64>,
    buf_cands: Vec<(u32, u64)>,
    buf_partners: Vec<(u32, usize)>,
    /// Emptied window deques kept for reuse (most window keys are seen once: without the
    /// pool every post would allocate and later free several deques).
    pool: Vec<Window>,
    last_prune: i64,
    last_cluster: i64,
    now: i64,
    /// Latest clustering: account -> cluster index into `clusters`.
    pub membership: FastMap<u32, usize>,
    pub clusters: Vec<ClusterRecord>,
    pub posts: u64,
    /// Per account: its posts that matched another account's within a window (capped at
    /// [`POSTS_PER_ACCOUNT`]), listed in cluster signals for bulk decisions.
    coord_posts: FastMap<u32, Vec<String>>,
    /// Recent posts by id hash: (time, author), for fast re-shares (pruned to the repost window).
    origins: FastMap<u64, (i64, u32)>,
}

/// Recent posts remembered for fast re-shares.
pub const MAX_ORIGINS: usize = 1 << 22;

/// Coordinated posts remembered per account (signals name at most
/// [`crate::MAX_EXPLANATION_POSTS`] per cluster, so a few per member suffice; was 32).
pub const POSTS_PER_ACCOUNT: usize = 4;

impl CoordGraph {
    pub fn new(cfg: CoordConfig) -> Self {
        CoordGraph {
            cfg,
            ids: HashMap::new(),
            names: Vec::new(),
            harm: Vec::new(),
            context: Vec::new(),
            last_seen: Vec::new(),
            free: Vec::new(),
            windows: Default::default(),
            sigs: VecDeque::new(),
            sig_next: 0,
            seq: 0,
            edges: FastMap::default(),
            strong: 0,
            posts_since_cluster: 0,
            edges_evicted: 0,
            accounts_forgotten: 0,
            buf_bands: Vec::new(),
            buf_cands: Vec::new(),
            buf_partners: Vec::new(),
            pool: Vec::new(),
            last_prune: i64::MIN,
            last_cluster: i64::MIN,
            now: i64::MIN,
            membership: FastMap::default(),
            clusters: Vec::new(),
            posts: 0,
            coord_posts: FastMap::default(),
            origins: FastMap::default(),
        }
    }

    pub fn config(&self) -> &CoordConfig {
        &self.cfg
    }

    fn intern(&mut self, a: &str, t: i64) -> u32 {
        if let Some(&i) = self.ids.get(a) {
            let ls = &mut self.last_seen[i as usize];
            *ls = (*ls).max(t);
            return i;
        }
        if let Some(i) = self.free.pop() {
            let u = i as usize;
            self.ids.insert(a.to_string(), i);
            self.names[u] = a.to_string();
            self.harm[u] = 0.0;
            self.context[u] = false;
            self.last_seen[u] = t;
            return i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(a.to_string(), i);
        self.names.push(a.to_string());
        self.harm.push(0.0);
        self.context.push(false);
        self.last_seen.push(t);
        i
    }

    /// Accounts currently held (interned and not forgotten).
    pub fn account_count(&self) -> usize {
        self.names.len() - self.free.len()
    }

    /// Entries held in the graph's growing structures (accounts, edges, window entries,
    /// signatures, re-share origins, remembered posts): every one is bounded, see
    /// docs/CAMPAIGNS.md "Bounds".
    pub fn state_len(&self) -> usize {
        self.account_count()
            + self.edges.len()
            + self
                .windows
                .iter()
                .map(|w| w.values().map(|q| 1 + q.len()).sum::<usize>())
                .sum::<usize>()
            + self.sigs.len()
            + self.origins.len()
            + self
                .coord_posts
                .values()
                .map(|v| 1 + v.len())
                .sum::<usize>()
            + self.membership.len()
    }

    /// Approximate bytes of graph state.
    pub fn approx_bytes(&self) -> usize {
        let mut b = self
            .names
            .iter()
            .map(|n| 2 * (n.len() + 24) + 32)
            .sum::<usize>();
        b += self.edges.len() * (8 + std::mem::size_of::<Edge>() + 8);
        for w in &self.windows {
            b += w.values().map(|q| 48 + q.capacity() * 24).sum::<usize>();
        }
        b += self.sigs.len() * (8 + 8 * MINHASH_K);
        b += self.origins.len() * 32;
        b += self
            .coord_posts
            .values()
            .map(|v| 32 + v.iter().map(|p| p.len() + 24).sum::<usize>())
            .sum::<usize>();
        b + self.membership.len() * 24
    }

    /// Hashes ([`hash_bytes`]) of the members of reported clusters, appended to `out`.
    pub fn reported_member_hashes(&self, out: &mut Vec<u64>) {
        for c in self.clusters.iter().filter(|c| c.reported) {
            out.extend(c.members.iter().map(|m| hash_bytes(m.as_bytes())));
        }
    }

    /// The reported cluster ids of an account, from the latest clustering.
    pub fn clusters_of(&self, account: &str) -> Option<&ClusterRecord> {
        let i = self.ids.get(account)?;
        let c = &self.clusters[*self.membership.get(i)?];
        c.reported.then_some(c)
    }

    /// Number of edges currently held (for memory figures).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Observe one post (in event-time order). Returns true when a re-clustering ran.
    pub fn observe(&mut self, f: &PostFeatures) -> bool {
        self.posts += 1;
        self.posts_since_cluster += 1;
        let me = self.intern(&f.account, f.t);
        if f.context {
            self.context[me as usize] = true;
        } else if f.harm > self.harm[me as usize] {
            self.harm[me as usize] = f.harm;
        }
        let t = f.t;
        self.now = self.now.max(t);
        self.seq += 1;
        let seq = self.seq;
        let mut partners = std::mem::take(&mut self.buf_partners);
        partners.clear();
        let tw = self.cfg.text_window_ms;
        let lw = self.cfg.link_window_ms;
        let rw = self.cfg.repost_window_ms;
        if let Some(h) = f.text_hash {
            self.window_hits(0, h, t, me, seq, tw, &mut partners, None);
        }
        if let Some(sig) = &f.sig {
            while let Some(&(st, _)) = self.sigs.front() {
                if st >= t - tw && self.sigs.len() < MAX_SIGS {
                    break;
                }
                self.sigs.pop_front();
            }
            let mut b = std::mem::take(&mut self.buf_bands);
            b.clear();
            bands(sig, 4, &mut b);
            let mut cands = std::mem::take(&mut self.buf_cands);
            cands.clear();
            let mut none = Vec::new();
            for &h in &b {
                let no = self.sig_next;
                self.window_hits(1, h, t, me, no, tw, &mut none, Some(&mut cands));
            }
            self.buf_bands = b;
            cands.sort_unstable();
            cands.dedup_by_key(|c| c.0);
            let first = self.sig_next - self.sigs.len() as u64;
            for &(acct, no) in &cands {
                if partners.iter().any(|p| p.0 == acct && p.1 == 0) {
                    continue; // identical text already counted
                }
                // A number below `first` is a signature already dropped from the window.
                if let Some(idx) = no.checked_sub(first) {
                    if let Some((_, psig)) = self.sigs.get(idx as usize) {
                        if minhash_similarity(sig, psig) >= self.cfg.similarity {
                            partners.push((acct, 1));
                        }
                    }
                }
            }
            self.buf_cands = cands;
            self.sigs.push_back((t, *sig));
            self.sig_next += 1;
        }
        for &l in &f.links {
            self.window_hits(2, l, t, me, seq, lw, &mut partners, None);
        }
        if let Some(h) = f.tag_seq {
            self.window_hits(3, h, t, me, seq, lw, &mut partners, None);
        }
        let mut bonus: Vec<(u32, usize, u32)> = Vec::new();
        if let Some(h) = f.repost_of {
            let fast_ms = self.cfg.fast_repost_ms;
            let extra = self.cfg.fast_weight.saturating_sub(1);
            let origin = self.origins.get(&h).copied();
            let fast_origin = origin.filter(|&(to, _)| t >= to && t - to <= fast_ms);
            if let Some((to, author)) = fast_origin {
                if author != me {
                    bonus.push((author, AMPLIFY, self.cfg.fast_weight));
                }
                if extra > 0 {
                    if let Some(q) = self.windows[CO_REPOST].get(&h) {
                        for &(qt, a, _) in q.iter().rev().take(self.cfg.max_fanout) {
                            if a != me && qt >= to && qt - to <= fast_ms {
                                bonus.push((a, CO_REPOST, extra));
                            }
                        }
                    }
                }
            }
            self.window_hits(CO_REPOST, h, t, me, seq, rw, &mut partners, None);
        }
        if self.origins.len() < MAX_ORIGINS {
            self.origins.insert(f.id_hash, (t, me));
        }
        if let Some(h) = f.reply_to {
            self.window_hits(5, h, t, me, seq, rw, &mut partners, None);
        }
        partners.sort_unstable();
        partners.dedup();
        bonus.sort_unstable();
        bonus.dedup_by_key(|b| (b.0, b.1));
        if !partners.is_empty() || !bonus.is_empty() {
            let v = self.coord_posts.entry(me).or_default();
            if v.len() < POSTS_PER_ACCOUNT {
                v.push(f.post_id.clone());
            }
        }
        let min = self.cfg.min_edge_weight;
        let all = partners.iter().map(|&(a, k)| (a, k, 1)).chain(bonus);
        for (other, kind, w) in all {
            let k = if me < other { (me, other) } else { (other, me) };
            let e = self.edges.entry(k).or_default();
            let was_strong = e.n >= min;
            e.n = e.n.saturating_add(w);
            e.kinds[kind] = e.kinds[kind].saturating_add(w);
            e.last = t;
            if !was_strong && e.n >= min {
                self.strong += 1;
            }
        }
        self.buf_partners = partners;
        if self.edges.len() > self.cfg.max_edges.max(64) {
            self.shrink_edges();
        }
        if self.last_prune == i64::MIN {
            self.last_prune = t;
            self.last_cluster = t;
        }
        if t - self.last_prune >= self.cfg.prune_after_ms / 4 {
            self.prune(t);
        }
        if t - self.last_cluster >= self.cfg.recluster_every_ms
            && self
                .posts_since_cluster
                .saturating_mul(self.cfg.recluster_edges_per_post.max(1))
                >= self.strong
        {
            self.recluster(t);
            return true;
        }
        false
    }

    /// Bring the edge table back to three quarters of `max_edges`: sub-threshold edges first,
    /// then the weakest (fewest co-actions, then least recent) strong ones.
    fn shrink_edges(&mut self) {
        let max = self.cfg.max_edges.max(64);
        let target = max - max / 4;
        let min = self.cfg.min_edge_weight;
        let before = self.edges.len();
        if self.edges.len() - self.strong > 0 {
            self.edges.retain(|_, e| e.n >= min);
        }
        if self.edges.len() > target {
            let mut ranks: Vec<(u32, i64)> = self.edges.values().map(|e| (e.n, e.last)).collect();
            let cut = ranks.len() - target;
            let (_, &mut pivot, _) = ranks.select_nth_unstable(cut);
            self.edges.retain(|_, e| (e.n, e.last) >= pivot);
        }
        self.strong = self.edges.values().filter(|e| e.n >= min).count();
        self.edges_evicted += (before - self.edges.len()) as u64;
    }

    #[allow(clippy::too_many_arguments)]
    fn window_hits(
        &mut self,
        rel: usize,
        key: u64,
        t: i64,
        me: u32,
        seq: u64,
        window: i64,
        partners: &mut Vec<(u32, usize)>,
        cands: Option<&mut Vec<(u32, u64)>>,
    ) {
        let max_fanout = self.cfg.max_fanout;
        let pool = &mut self.pool;
        let q = self.windows[rel]
            .entry(key)
            .or_insert_with(|| pool.pop().unwrap_or_default());
        while let Some(&(qt, _, _)) = q.front() {
            if qt >= t - window && q.len() <= max_fanout * WINDOW_KEEP {
                break;
            }
            q.pop_front();
        }
        let mut seen = 0usize;
        match cands {
            Some(c) => {
                for &(_, a, s) in q.iter().rev() {
                    if a != me {
                        c.push((a, s));
                        seen += 1;
                        if seen >= max_fanout {
                            break;
                        }
                    }
                }
            }
            None => {
                for &(_, a, _) in q.iter().rev() {
                    if a != me {
                        partners.push((a, rel));
                        seen += 1;
                        if seen >= max_fanout {
                            break;
                        }
                    }
                }
            }
        }
        q.push_back((t, me, seq));
    }

    fn prune(&mut self, t: i64) {
        self.last_prune = t;
        let min = self.cfg.min_edge_weight;
        let horizon = t - self.cfg.prune_after_ms;
        self.edges.retain(|_, e| e.n >= min || e.last >= horizon);
        self.forget_idle_accounts(horizon);
        let ow = self.cfg.repost_window_ms.max(self.cfg.fast_repost_ms);
        self.origins.retain(|_, o| o.0 >= t - ow);
        let tw = self.cfg.text_window_ms.max(self.cfg.link_window_ms);
        let rw = self.cfg.repost_window_ms;
        let pool = &mut self.pool;
        for (rel, w) in self.windows.iter_mut().enumerate() {
            let win = if rel >= 4 { rw } else { tw };
            w.retain(|_, q| {
                let keep = q.back().is_some_and(|b| b.0 >= t - win);
                if !keep && pool.len() < POOL && q.capacity() <= 16 {
                    q.clear();
                    pool.push(std::mem::take(q));
                }
                keep
            });
        }
    }

    /// Past `max_accounts`, forget accounts idle since before `horizon` that have no edge and
    /// are in no cluster. Their window entries are older than every window and are never read
    /// again (windows drop entries older than the window before reading), so an id can be
    /// reused at once.
    fn forget_idle_accounts(&mut self, horizon: i64) {
        if self.account_count() <= self.cfg.max_accounts {
            return;
        }
        let mut busy = vec![false; self.names.len()];
        for k in self.edges.keys() {
            busy[k.0 as usize] = true;
            busy[k.1 as usize] = true;
        }
        for a in self.membership.keys() {
            busy[*a as usize] = true;
        }
        for &f in &self.free {
            busy[f as usize] = true; // already free
        }
        for (i, &b) in busy.iter().enumerate() {
            if b || self.last_seen[i] >= horizon {
                continue;
            }
            let name = std::mem::take(&mut self.names[i]);
            self.ids.remove(&name);
            self.coord_posts.remove(&(i as u32));
            self.free.push(i as u32);
            self.accounts_forgotten += 1;
        }
    }

    /// Run Louvain on the current graph (edges at or above the minimum weight) and score clusters.
    pub fn recluster(&mut self, t: i64) {
        self.last_cluster = t;
        self.posts_since_cluster = 0;
        let min = self.cfg.min_edge_weight;
        // Account number -> Louvain node (u32::MAX: not in a strong edge). Account numbers are
        // dense (`names`), so a vector, not a hash map.
        let mut nodes: Vec<u32> = vec![u32::MAX; self.names.len()];
        let mut order: Vec<u32> = Vec::new();
        let mut strong: Vec<(&(u32, u32), &Edge)> =
            self.edges.iter().filter(|(_, e)| e.n >= min).collect();
        strong.sort_unstable_by_key(|(k, _)| **k);
        let mut es = Vec::with_capacity(strong.len());
        for (k, e) in &strong {
            for a in [k.0, k.1] {
                if nodes[a as usize] == u32::MAX {
                    nodes[a as usize] = order.len() as u32;
                    order.push(a);
                }
            }
            es.push((nodes[k.0 as usize], nodes[k.1 as usize], e.n as f64));
        }
        let labels = louvain(order.len(), &es);
        let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
        for (i, &l) in labels.iter().enumerate() {
            members[l as usize].push(order[i]);
        }
        // Internal edge statistics per community.
        let mut internal: Vec<(u64, u64, [u64; NREL])> = vec![(0, 0, [0; NREL]); k];
        for ((_, e), &(x, y, _)) in strong.iter().zip(&es) {
            let (a, b) = (labels[x as usize], labels[y as usize]);
            if a == b {
                let s = &mut internal[a as usize];
                s.0 += 1;
                s.1 += e.n as u64;
                for (i, c) in e.kinds.iter().enumerate() {
                    s.2[i] += *c as u64;
                }
            }
        }
        self.membership.clear();
        self.clusters.clear();
        for (ci, mut m) in members.into_iter().enumerate() {
            if m.len() < self.cfg.min_cluster_size {
                continue;
            }
            m.sort_unstable_by(|a, b| self.names[*a as usize].cmp(&self.names[*b as usize]));
            let (ne, wsum, kinds) = internal[ci];
            let n = m.len() as f64;
            let density = ne as f64 / (n * (n - 1.0) / 2.0);
            let mean_w = if ne > 0 { wsum as f64 / ne as f64 } else { 0.0 };
            let harmful = m
                .iter()
                .filter(|a| !self.context[**a as usize] && self.harm[**a as usize] >= 0.5)
                .count() as f64
                / n;
            let context = m.iter().filter(|a| self.context[**a as usize]).count() as f64 / n;
            // Coordination strength: dense and repeated co-action (saturating), times harm
            // evidence; context accounts (news, research, counter-speech) pull it down.
            let strength =
                (density.sqrt() * (1.0 - (-(mean_w - 1.0).max(0.0) / 2.0).exp())).clamp(0.0, 1.0);
            let score = (strength * (0.25 + 0.75 * harmful) * (1.0 - context)).clamp(0.0, 1.0);
            let id = format!(
                "cluster:{}",
                crate::sketch::hash_bytes(self.names[m[0] as usize].as_bytes()) & 0xffff_ffff_ffff
            );
            let mut rel = serde_json::Map::new();
            for (i, r) in RELATIONS.iter().enumerate() {
                if kinds[i] > 0 {
                    rel.insert((*r).into(), json!(kinds[i]));
                }
            }
            let reported = score >= self.cfg.report_score as f64;
            let explanation = json!({
                "members": m.len(),
                "internal_edges": ne,
                "density": round3(density),
                "mean_edge_weight": round3(mean_w),
                "relations": rel,
                "harmful_member_share": round3(harmful),
                "context_member_share": round3(context),
                "strength": round3(strength),
                "windows_ms": {"text": self.cfg.text_window_ms, "link": self.cfg.link_window_ms, "repost": self.cfg.repost_window_ms},
                "min_edge_weight": self.cfg.min_edge_weight,
            });
            let idx = self.clusters.len();
            for a in &m {
                self.membership.insert(*a, idx);
            }
            self.clusters.push(ClusterRecord {
                id,
                score: score as f32,
                reported,
                at: t,
                explanation,
                members: m.iter().map(|a| self.names[*a as usize].clone()).collect(),
            });
        }
    }

    /// The first `limit` coordinated posts of a cluster's members (see [`POSTS_PER_ACCOUNT`])
    /// and how many are remembered in all.
    pub fn cluster_posts(&self, c: &ClusterRecord, limit: usize) -> (Vec<String>, usize) {
        let mut v = Vec::new();
        let mut total = 0;
        for m in &c.members {
            if let Some(p) = self.ids.get(m).and_then(|i| self.coord_posts.get(i)) {
                total += p.len();
                v.extend(p.iter().take(limit.saturating_sub(v.len())).cloned());
            }
        }
        (v, total)
    }

    /// Edges at or above the minimum weight: (account, account, weight, per-relation counts).
    pub fn strong_edges(&self) -> Vec<(String, String, u32, [u32; NREL])> {
        let mut v: Vec<_> = self
            .edges
            .iter()
            .filter(|(_, e)| e.n >= self.cfg.min_edge_weight)
            .map(|(k, e)| {
                (
                    self.names[k.0 as usize].clone(),
                    self.names[k.1 as usize].clone(),
                    e.n,
                    e.kinds,
                )
            })
            .collect();
        v.sort();
        v
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(n: u32, account: &str, t: i64, sig: [u64; MINHASH_K]) -> PostFeatures {
        PostFeatures {
            post_id: format!("p{n}"),
            id_hash: u64::from(n) + 1,
            account: account.to_string(),
            platform: "twitter".into(),
            lang: "en".into(),
            t,
            keys: Vec::new(),
            text_hash: Some(u64::from(n) * 7919 + 1), // distinct texts: no co-post
            sig: Some(sig),
            links: Vec::new(),
            tag_seq: None,
            repost_of: None,
            reply_to: None,
            harm: 0.0,
            context: false,
        }
    }

    fn similar(g: &CoordGraph, a: &str, b: &str) -> u32 {
        let (Some(&x), Some(&y)) = (g.ids.get(a), g.ids.get(b)) else {
            return 0;
        };
        let k = if x < y { (x, y) } else { (y, x) };
        g.edges.get(&k).map_or(0, |e| e.kinds[1])
    }

    #[test]
    fn near_duplicates_link_through_the_signature_window_only() {
        let cfg = CoordConfig::default();
        let tw = cfg.text_window_ms;
        let mut g = CoordGraph::new(cfg);
        let base: [u64; MINHASH_K] = std::array::from_fn(|i| 1000 + i as u64);
        let mut near = base;
        near[15] = 1; // 15 of 16 bins agree: similar
        let other: [u64; MINHASH_K] = std::array::from_fn(|i| 5000 + i as u64);
        let mut band_only = other;
        band_only[4..].iter_mut().for_each(|v| *v += 1); // shares one band, 4 of 16 bins
        let t0 = 1_400_000_000_000;
        g.observe(&post(1, "a", t0, base));
        g.observe(&post(2, "x", t0 + 1, other));
        g.observe(&post(3, "b", t0 + 2, near));
        g.observe(&post(4, "y", t0 + 3, band_only));
        assert_eq!(
            similar(&g, "a", "b"),
            1,
            "a near-duplicate within the window links"
        );
        assert_eq!(
            similar(&g, "x", "y"),
            0,
            "a shared band alone is not similarity"
        );
        assert_eq!(similar(&g, "a", "x"), 0);
        // After the text window, the earlier signatures are gone: no link.
        g.observe(&post(5, "c", t0 + 2 + tw + 1, near));
        assert_eq!(
            similar(&g, "b", "c"),
            0,
            "a signature outside the window never links"
        );
        // A later near-duplicate still finds the newest signature.
        g.observe(&post(6, "d", t0 + 2 + tw + 2, base));
        assert_eq!(similar(&g, "c", "d"), 1);
    }
}
