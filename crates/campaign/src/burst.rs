//! Streaming burst detection and campaign judgement. Keys (hashtags, URLs, domains, phrase
//! bands) are tracked in a Space-Saving table; each tracked key keeps sub-window counts and
//! its recent accounts, and is compared with an exponentially decayed baseline rate from a
//! Count-Min sketch. A burst opens a campaign; a campaign is judged extremist by who takes
//! part and what they post (near-duplicate texts from distinct accounts, harm evidence,
//! participants' risk), never by volume.

use crate::features::{Key, KeyKind, PostFeatures};
use crate::sketch::{
    hash_bytes, minhash_similarity, DecayedCountMin, FastMap, HyperLogLog, SpaceSaving, MINHASH_K,
};
use crate::CampaignRecord;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Burst and campaign settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurstConfig {
    /// The sliding window compared with the baseline.
    pub window_ms: i64,
    /// Sub-window (bucket) width.
    pub bucket_ms: i64,
    /// Half-life of the decayed baseline counts.
    pub baseline_half_life_ms: i64,
    /// Minimum posts in the window for a burst.
    pub min_posts: u32,
    /// Minimum distinct accounts in the window for a burst.
    pub min_accounts: usize,
    /// The window count must exceed `ratio` × expected + `z` × sqrt(expected + 1).
    pub ratio: f32,
    pub z: f32,
    /// Keys tracked at once (Space-Saving capacity).
    pub max_keys: usize,
    /// Campaigns held at once; the oldest ended non-extremist ones are dropped first.
    pub max_campaigns: usize,
    /// Participants listed per campaign (distinct accounts are still counted by HyperLogLog).
    pub max_participants: usize,
    /// A campaign ends after this much event time without posts.
    pub idle_end_ms: i64,
    /// Share of a bursting key's window posts that must already belong to a campaign for the
    /// key to join it rather than open its own.
    pub join_share: f32,
    /// Judgement: share of posts that near-duplicate another account's post in the campaign.
    pub min_duplicate_share: f32,
    /// Judgement: share of posts (or participants) with harm evidence.
    pub min_harm_share: f32,
    /// Minimum distinct accounts before any judgement.
    pub judge_min_accounts: usize,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            window_ms: 5 * 60_000,
            bucket_ms: 30_000,
            baseline_half_life_ms: 6 * 3_600_000,
            min_posts: 8,
            min_accounts: 6,
            ratio: 4.0,
            z: 3.0,
            max_keys: 16_384,
            max_campaigns: 1_024,
            max_participants: 5_000,
            idle_end_ms: 3_600_000,
            join_share: 0.6,
            min_duplicate_share: 0.4,
            min_harm_share: 0.3,
            judge_min_accounts: 6,
        }
    }
}

const RECENT: usize = 64;
/// Risk at or above which a participant counts as risky in the judgement.
const RISKY: f32 = 0.5;
/// Accounts whose risk is held (about 24 bytes each).
pub const MAX_RISKY_ACCOUNTS: usize = 1 << 20;
/// Campaign post times held for the velocity (a campaign faster than this many posts per
/// window reports this as its window count).
pub const MAX_RECENT_TIMES: usize = 1 << 16;
/// LSH bands remembered per campaign (about 72 bytes each).
pub const MAX_BANDS: usize = 16_384;
/// Participant-set entries held across all campaigns (each about 24 bytes, plus the listed
/// account id for the first `max_participants` of a campaign). Past it, campaigns count new
/// participants by their HyperLogLog only.
pub const MAX_PARTICIPANT_ENTRIES: usize = 1 << 19;
/// LSH band entries held across all campaigns. Past it, no campaign adds bands.
pub const MAX_BAND_ENTRIES: usize = 1 << 19;

/// What is left of the global entry budgets.
struct Budget {
    participants: usize,
    bands: usize,
}
/// Keys of hijacked trends remembered per campaign.
pub const MAX_CO_KEYS: usize = 64;
/// A participant is in a campaign's coordinated core after this many windowed near-duplicate
/// links (a flood's posts are each surrounded by others within minutes; a release re-posted by
/// fans over hours links a pair now and then).
pub const CORE_MIN_LINKS: u32 = 3;

/// Who posted a phrase band in a campaign: the first account, and the latest with its time,
/// with a 16-bit fingerprint of each MinHash bin of the first post, to verify a band match.
struct Band {
    first: u64,
    last: u64,
    last_t: i64,
    fp: [u16; MINHASH_K],
}

fn fingerprint(sig: &[u64; MINHASH_K]) -> [u16; MINHASH_K] {
    let mut fp = [0u16; MINHASH_K];
    for (o, v) in fp.iter_mut().zip(sig) {
        *o = (crate::sketch::mix64(*v) >> 48) as u16;
    }
    fp
}

/// Whether a post with fingerprint `b` near-duplicates the band's first post: at least
/// [`PHRASE_VERIFY`] of the bins agree (a band is 4 agreeing bins: only a candidate).
fn fp_verified(a: &[u16; MINHASH_K], b: &[u16; MINHASH_K]) -> bool {
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f32 >= PHRASE_VERIFY * MINHASH_K as f32
}
/// Post ids kept per campaign (its first posts, the sample its signals name).
pub const MAX_LISTED_POSTS: usize = crate::MAX_EXPLANATION_POSTS;

struct KeyState {
    kind: KeyKind,
    label: std::sync::Arc<str>,
    buckets: Vec<u32>,
    bucket_epoch: i64,
    recent: VecDeque<(i64, u64)>,
    campaign: Option<u32>,
    /// Window posts that also carried keys of campaign c (for joining).
    co: Vec<(u32, u32)>,
}

impl KeyState {
    fn window_count(&self) -> u32 {
        self.buckets.iter().sum()
    }
    fn roll(&mut self, t: i64, bucket_ms: i64) {
        let e = t.div_euclid(bucket_ms);
        let n = self.buckets.len() as i64;
        if self.bucket_epoch == i64::MIN {
            self.bucket_epoch = e;
        }
        if e > self.bucket_epoch {
            let steps = (e - self.bucket_epoch).min(n);
            for s in 1..=steps {
                let i = (self.bucket_epoch + s).rem_euclid(n) as usize;
                self.buckets[i] = 0;
            }
            self.bucket_epoch = e;
            self.co.clear();
        }
    }
}

/// A live campaign.
pub struct Campaign {
    pub id: String,
    pub keys: Vec<(KeyKind, String)>,
    pub co_keys: BTreeSet<String>,
    pub start: i64,
    pub end: i64,
    pub posts: u64,
    pub velocity: f32,
    pub peak_velocity: f32,
    hll: HyperLogLog,
    participants: Vec<String>,
    /// Account hash -> index into `participants` (`u32::MAX` past the listing cap).
    participant_set: FastMap<u64, u32>,
    /// The participant set reached its bound (`max_participants`, or the global budget).
    set_full: bool,
    /// Participants (indices) whose posts near-duplicate another participant's, or were
    /// near-duplicated: the campaign's coordinated core.
    coordinated: BTreeMap<u32, u32>,
    /// Participants (indices) with evidence of their own in the campaign: a harmful
    /// non-context post, or a risky author. A bystander who only used a trend tag has none.
    evidenced: BTreeSet<u32>,
    /// The campaign's post ids (capped at [`MAX_LISTED_POSTS`]), for bulk decisions.
    pub post_ids: Vec<String>,
    langs: BTreeMap<String, u64>,
    platforms: BTreeSet<String>,
    judged_posts: u64,
    dup_posts: u64,
    harm_posts: u64,
    context_posts: u64,
    risky_accounts: u64,
    bands: FastMap<u64, Band>,
    pub extremist: bool,
    pub first_alert_at: Option<i64>,
    pub posts_before_alert: Option<u64>,
    pub score: f32,
    recent_times: VecDeque<i64>,
    /// Representative MinHash signatures of the posts that carry the campaign's content (its
    /// link or phrase; at most [`MAX_REPS`]): a post reaches the campaign through a phrase band
    /// only when its text is a verified near-duplicate of one of them. Once a harmful post
    /// joins, only harmful posts are kept.
    reps: Vec<[u64; MINHASH_K]>,
    harmful_reps: bool,
}

/// Representative signatures held per campaign (128 bytes each).
pub const MAX_REPS: usize = 8;
/// Estimated Jaccard similarity a post needs with a representative to join a campaign through
/// a phrase band. A band is only a candidate: a short text shares a band with an unrelated
/// one far more often than 4 matching bins suggest, and at a million accounts the
/// everyday posts that collide with a flood's band outnumber the flood.
pub const PHRASE_VERIFY: f32 = 0.5;

/// The streaming burst detector's state.
pub struct BurstState {
    cfg: BurstConfig,
    keys: SpaceSaving<KeyState>,
    cms: DecayedCountMin,
    pub campaigns: Vec<Campaign>,
    by_id: HashMap<String, u32>,
    /// Account risk: max harm of their own posts, raised by membership in reported clusters.
    risk: FastMap<u64, f32>,
    /// Risky accounts not stored because the table was full.
    pub risk_dropped: u64,
    /// Bursts that opened no campaign because every slot held an extremist campaign.
    pub campaigns_refused: u64,
    budget: Budget,
    pub alerts: Vec<u32>,
    pub posts: u64,
}

impl BurstState {
    pub fn new(cfg: BurstConfig) -> Self {
        BurstState {
            keys: SpaceSaving::new(cfg.max_keys),
            cms: DecayedCountMin::new(16, 4, cfg.baseline_half_life_ms),
            campaigns: Vec::new(),
            by_id: HashMap::new(),
            risk: FastMap::default(),
            risk_dropped: 0,
            campaigns_refused: 0,
            budget: Budget {
                participants: MAX_PARTICIPANT_ENTRIES,
                bands: MAX_BAND_ENTRIES,
            },
            alerts: Vec::new(),
            posts: 0,
            cfg,
        }
    }

    pub fn config(&self) -> &BurstConfig {
        &self.cfg
    }

    /// Bytes held per tracked key (state plus its share of the sketch), for the figures.
    pub fn bytes_per_key(&self) -> usize {
        let per = std::mem::size_of::<KeyState>()
            + (self.cfg.window_ms / self.cfg.bucket_ms.max(1)) as usize * 4
            + RECENT * 16
            + 48;
        per + self.cms.bytes() / self.cfg.max_keys.max(1)
    }

    pub fn tracked_keys(&self) -> usize {
        self.keys.len()
    }

    /// Campaign ids currently open for this post's keys (for `Facts::campaigns`).
    pub fn campaigns_for(&self, f: &PostFeatures) -> Vec<String> {
        let mut v = Vec::new();
        for k in &f.keys {
            if let Some(c) = self.campaign_of_key(k, f) {
                let id = &self.campaigns[c as usize].id;
                if !v.contains(id) {
                    v.push(id.clone());
                }
            }
        }
        v
    }

    /// Whether the post carries campaign `c`'s content: its link or link domain, or a verified
    /// near-duplicate of its representative posts (harmful ones, once it has any).
    fn carries_content(&self, f: &PostFeatures, c: u32) -> bool {
        f.keys.iter().any(|k| {
            k.kind != KeyKind::Hashtag
                && self.keys.get(k.hash).and_then(|ks| ks.campaign) == Some(c)
                && (k.kind != KeyKind::Phrase
                    || self.campaigns[c as usize].verifies(f.sig.as_ref()))
        })
    }

    /// The campaign a post reaches through key `k`: the key's campaign, except that a phrase
    /// band (a MinHash LSH candidate) counts only for a verified near-duplicate.
    fn campaign_of_key(&self, k: &Key, f: &PostFeatures) -> Option<u32> {
        let c = self.keys.get(k.hash)?.campaign?;
        if k.kind == KeyKind::Phrase && !self.campaigns[c as usize].verifies(f.sig.as_ref()) {
            return None;
        }
        Some(c)
    }

    /// Raise an account's risk (coordination cluster membership, association with suspensions).
    pub fn raise_risk(&mut self, account: &str, r: f32) {
        self.raise_risk_hash(hash_bytes(account.as_bytes()), r);
    }

    /// As [`raise_risk`](Self::raise_risk), by the account id's [`hash_bytes`].
    pub fn raise_risk_hash(&mut self, account: u64, r: f32) {
        // Only risks at or above the judgement's threshold are ever read, so lower ones are
        // not stored; at most `MAX_RISKY_ACCOUNTS` accounts are held (later ones are dropped).
        if r < RISKY {
            return;
        }
        if self.risk.len() >= MAX_RISKY_ACCOUNTS && !self.risk.contains_key(&account) {
            self.risk_dropped += 1;
            return;
        }
        let e = self.risk.entry(account).or_insert(0.0);
        *e = e.max(r);
    }

    /// Entries held in the detector's growing structures (tracked keys, campaigns, their
    /// participants, post samples and band tables, risky accounts): every one is bounded,
    /// see docs/CAMPAIGNS.md "Bounds".
    pub fn state_len(&self) -> usize {
        self.keys.len()
            + self.keys.heap_len()
            + self.risk.len()
            + self
                .campaigns
                .iter()
                .map(|c| {
                    1 + c.participants.len()
                        + c.participant_set.len()
                        + c.coordinated.len()
                        + c.post_ids.len()
                        + c.bands.len()
                        + c.recent_times.len()
                        + c.co_keys.len()
                })
                .sum::<usize>()
    }

    /// Approximate bytes of detector state (containers' element sizes, strings by length).
    pub fn approx_bytes(&self) -> usize {
        let per_key = std::mem::size_of::<KeyState>()
            + 48
            + (self.cfg.window_ms / self.cfg.bucket_ms.max(1)) as usize * 4
            + RECENT * 16;
        let mut b = self.keys.len() * per_key + self.keys.heap_len() * 16 + self.cms.bytes();
        b += self.risk.len() * 24;
        for c in &self.campaigns {
            b += std::mem::size_of::<Campaign>() + HyperLogLog::BYTES + c.id.len();
            b += c.participants.iter().map(|p| p.len() + 24).sum::<usize>();
            b += c.participant_set.len() * 24 + c.coordinated.len() * 16;
            b += c.post_ids.iter().map(|p| p.len() + 24).sum::<usize>();
            b += c.bands.len() * 72 + c.recent_times.len() * 8;
            b += c.co_keys.iter().map(|k| k.len() + 24).sum::<usize>();
        }
        b
    }

    /// Observe one post in event-time order; returns the campaigns that newly alerted.
    pub fn observe(&mut self, f: &PostFeatures) {
        self.posts += 1;
        let acct = hash_bytes(f.account.as_bytes());
        if !f.context && f.harm > 0.0 {
            self.raise_risk_hash(acct, f.harm * 0.8);
        }
        let t = f.t;
        let nb = (self.cfg.window_ms / self.cfg.bucket_ms.max(1)).max(1) as usize;
        // Which campaigns this post already touches (through keys with campaigns).
        let mut touched: Vec<u32> = Vec::new();
        for k in &f.keys {
            if let Some(c) = self.campaign_of_key(k, f) {
                if !touched.contains(&c) {
                    touched.push(c);
                }
            }
        }
        let mut triggered: Vec<(u64, i64)> = Vec::new();
        for k in &f.keys {
            self.cms.add(k.hash, t, 1.0);
            // Admission: a phrase band seen once (almost all of them) cannot be a burst; it
            // enters the Space-Saving table only on its second sighting (its first counts in
            // the sketch), so unique texts do not churn the table. (An exact "seen once"
            // table was tried in round 3: ~10% less CPU on a 335k-post world, but one fewer
            // true detection on the seed-2 demo world, so the sketch test stays.)
            if k.kind == KeyKind::Phrase
                && self.keys.get(k.hash).is_none()
                && self.cms.estimate(k.hash) < 1.5
            {
                continue;
            }
            let bucket_ms = self.cfg.bucket_ms.max(1);
            let Some((ks, _, _)) = self.keys.touch(
                k.hash,
                || KeyState {
                    kind: k.kind,
                    label: k.label.clone(),
                    buckets: vec![0; nb],
                    bucket_epoch: i64::MIN,
                    recent: VecDeque::new(),
                    campaign: None,
                    co: Vec::new(),
                },
                |s| s.campaign.is_some(),
            ) else {
                continue;
            };
            ks.roll(t, bucket_ms);
            let bi = t.div_euclid(bucket_ms).rem_euclid(nb as i64) as usize;
            ks.buckets[bi] += 1;
            ks.recent.push_back((t, acct));
            while ks.recent.len() > RECENT
                || ks
                    .recent
                    .front()
                    .is_some_and(|r| r.0 < t - self.cfg.window_ms)
            {
                ks.recent.pop_front();
            }
            for &c in &touched {
                if Some(c) == ks.campaign {
                    continue;
                }
                match ks.co.iter_mut().find(|x| x.0 == c) {
                    Some(x) => x.1 += 1,
                    None => ks.co.push((c, 1)),
                }
            }
            if ks.campaign.is_some() {
                continue;
            }
            let wc = ks.window_count();
            if wc < self.cfg.min_posts {
                continue;
            }
            let mut accts: Vec<u64> = ks.recent.iter().map(|r| r.1).collect();
            accts.sort_unstable();
            accts.dedup();
            if accts.len() < self.cfg.min_accounts {
                continue;
            }
            let decayed = self.cms.estimate(k.hash);
            let base_mass = (decayed - wc as f32).max(0.0);
            let rate = base_mass * std::f32::consts::LN_2 / self.cfg.baseline_half_life_ms as f32;
            let expected = rate * self.cfg.window_ms as f32;
            if (wc as f32) < self.cfg.ratio * expected + self.cfg.z * (expected + 1.0).sqrt() {
                continue;
            }
            let start = ks.recent.front().map(|r| r.0).unwrap_or(t);
            triggered.push((k.hash, start));
        }
        // Phrase bands of one post that burst together are one campaign.
        let mut phrase_campaign: Option<u32> = None;
        let mut created_here: Option<u32> = None;
        // Hashtags and links first, so that phrase bands of the same post join their campaign.
        triggered.sort_by_key(|(h, _)| {
            self.keys
                .get(*h)
                .map(|k| k.kind == KeyKind::Phrase)
                .unwrap_or(true)
        });
        for (h, start) in triggered {
            let (join, label, kind, wc) = {
                let ks = self.keys.get(h).expect("tracked");
                let wc = ks.window_count().max(1);
                // Join the campaign this key's posts mostly belong to. A hashtag joins only
                // when the campaign's posts also mostly carry it (a flood that uses a live
                // trend's tag is not the trend); content keys (phrases, links) may be a part.
                let mut best: Option<(u32, f32)> = None;
                for &(c, n) in &ks.co {
                    if (n as f32) < self.cfg.join_share * wc as f32 {
                        continue;
                    }
                    let camp_recent = self.campaigns[c as usize].recent_times.len().max(1) as f32;
                    let mutual = n as f32 / camp_recent;
                    // A link or domain is a trend too when everyone shares it (a popular
                    // page): it joins only when the campaign's posts mostly carry it.
                    if ks.kind != KeyKind::Phrase && mutual < self.cfg.join_share {
                        continue;
                    }
                    if best.is_none_or(|b| mutual > b.1) {
                        best = Some((c, mutual));
                    }
                }
                (best.map(|b| b.0), ks.label.to_string(), ks.kind, wc)
            };
            let join = join.or(if kind == KeyKind::Phrase {
                phrase_campaign
            } else {
                None
            });
            let join = join.or(if kind == KeyKind::Phrase {
                created_here
            } else {
                None
            });
            let c = match join {
                Some(c) => {
                    let camp = &mut self.campaigns[c as usize];
                    if camp.keys.len() < 64 && !camp.keys.iter().any(|k| k.1 == label) {
                        camp.keys.push((kind, label));
                    }
                    c
                }
                None => {
                    let id = format!("campaign:{}:{:012x}", kind.as_str(), h & 0xffff_ffff_ffff);
                    if let Some(&c) = self.by_id.get(&id) {
                        c
                    } else {
                        match self.new_campaign(id, kind, label, start, wc) {
                            Some(c) => c,
                            None => {
                                self.campaigns_refused += 1;
                                continue;
                            }
                        }
                    }
                }
            };
            if kind == KeyKind::Phrase && phrase_campaign.is_none() {
                phrase_campaign = Some(c);
            }
            if kind != KeyKind::Phrase && created_here.is_none() {
                created_here = Some(c);
            }
            if let Some(ks) = self.keys.get_mut(h) {
                ks.campaign = Some(c);
            }
            if !touched.contains(&c) {
                touched.push(c);
            }
        }
        // Update every campaign this post belongs to. A post that also carries keys of an
        // extremist campaign counts toward that one only (a hijacked trend stays a trend).
        let extremist_touched: Vec<u32> = touched
            .iter()
            .copied()
            .filter(|c| self.campaigns[*c as usize].extremist)
            .collect();
        for &c in &touched {
            // A hashtag, link or domain burst can be hijacked (a page everyone shares is a
            // trend like a tag); a phrase is the content itself.
            let trend_burst = self.campaigns[c as usize]
                .keys
                .first()
                .is_some_and(|k| k.0 != KeyKind::Phrase);
            let hijacked =
                trend_burst && !extremist_touched.is_empty() && !extremist_touched.contains(&c);
            let risk = self.risk.get(&acct).copied().unwrap_or(0.0);
            let content = self.carries_content(f, c);
            let cfg = self.cfg.clone();
            let camp = &mut self.campaigns[c as usize];
            camp.update(f, acct, risk, hijacked, content, &cfg, &mut self.budget);
            if hijacked {
                for &e in &extremist_touched {
                    let k = self.campaigns[c as usize]
                        .keys
                        .first()
                        .map(|k| k.1.clone())
                        .unwrap_or_default();
                    let ck = &mut self.campaigns[e as usize].co_keys;
                    if ck.len() < MAX_CO_KEYS {
                        ck.insert(k);
                    }
                }
            }
            let camp = &mut self.campaigns[c as usize];
            if !camp.extremist && camp.judge(&cfg) {
                camp.extremist = true;
                camp.first_alert_at = Some(t);
                camp.posts_before_alert = Some(camp.posts);
                self.alerts.push(c);
            }
        }
    }

    fn new_campaign(
        &mut self,
        id: String,
        kind: KeyKind,
        label: String,
        start: i64,
        wc: u32,
    ) -> Option<u32> {
        if self.campaigns.len() >= self.cfg.max_campaigns.max(1) {
            // Keep memory bounded: recycle the oldest non-extremist campaign's slot; when
            // every slot holds an extremist campaign, no new campaign opens (counted).
            if let Some((i, _)) = self
                .campaigns
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.extremist)
                .min_by_key(|(_, c)| c.end)
            {
                let old = std::mem::replace(
                    &mut self.campaigns[i],
                    Campaign::new(id.clone(), kind, label, start, wc),
                );
                self.budget.participants += old.participant_set.len();
                self.budget.bands += old.bands.len();
                self.by_id.remove(&old.id);
                self.by_id.insert(id, i as u32);
                // Keys still pointing at the recycled slot are detached lazily by id check.
                return Some(i as u32);
            }
            return None;
        }
        let c = self.campaigns.len() as u32;
        self.campaigns
            .push(Campaign::new(id.clone(), kind, label, start, wc));
        self.by_id.insert(id, c);
        Some(c)
    }

    /// Snapshot of every campaign (bursts included; `extremist` says which are campaigns).
    pub fn records(&self) -> Vec<CampaignRecord> {
        self.campaigns.iter().map(Campaign::record).collect()
    }
}

impl Campaign {
    fn new(id: String, kind: KeyKind, label: String, start: i64, wc: u32) -> Self {
        Campaign {
            id,
            keys: vec![(kind, label)],
            co_keys: BTreeSet::new(),
            start,
            end: start,
            // The window posts that made the burst are campaign posts already seen.
            posts: wc.saturating_sub(1) as u64,
            velocity: 0.0,
            peak_velocity: 0.0,
            hll: HyperLogLog::default(),
            participants: Vec::new(),
            evidenced: BTreeSet::new(),
            participant_set: FastMap::default(),
            set_full: false,
            coordinated: BTreeMap::new(),
            post_ids: Vec::new(),
            langs: BTreeMap::new(),
            platforms: BTreeSet::new(),
            judged_posts: 0,
            dup_posts: 0,
            harm_posts: 0,
            context_posts: 0,
            risky_accounts: 0,
            bands: FastMap::default(),
            extremist: false,
            first_alert_at: None,
            posts_before_alert: None,
            score: 0.0,
            recent_times: VecDeque::new(),
            reps: Vec::new(),
            harmful_reps: false,
        }
    }

    /// Whether a post whose phrase band points at this campaign is a verified near-duplicate
    /// of its content (always, before the campaign holds any representative).
    fn verifies(&self, sig: Option<&[u64; MINHASH_K]>) -> bool {
        let Some(sig) = sig else {
            return false;
        };
        self.reps.is_empty()
            || self
                .reps
                .iter()
                .any(|r| minhash_similarity(r, sig) >= PHRASE_VERIFY)
    }

    /// Keep the post's signature as a representative when it is new enough; harmful posts
    /// replace the others.
    fn add_rep(&mut self, f: &PostFeatures) {
        let Some(sig) = &f.sig else {
            return;
        };
        let harmful = !f.context && f.harm >= 0.5;
        if harmful && !self.harmful_reps {
            self.reps.clear();
            self.harmful_reps = true;
        }
        if (harmful || !self.harmful_reps)
            && self.reps.len() < MAX_REPS
            && self.reps.iter().all(|r| minhash_similarity(r, sig) < 0.75)
        {
            self.reps.push(*sig);
        }
    }

    fn update(
        &mut self,
        f: &PostFeatures,
        acct: u64,
        risk: f32,
        hijacked: bool,
        content: bool,
        cfg: &BurstConfig,
        budget: &mut Budget,
    ) {
        self.posts += 1;
        self.end = self.end.max(f.t);
        self.recent_times.push_back(f.t);
        while self.recent_times.len() > MAX_RECENT_TIMES
            || self
                .recent_times
                .front()
                .is_some_and(|&x| x < f.t - cfg.window_ms)
        {
            self.recent_times.pop_front();
        }
        self.velocity = self.recent_times.len() as f32 / (cfg.window_ms as f32 / 60_000.0);
        self.peak_velocity = self.peak_velocity.max(self.velocity);
        if self.platforms.len() < 16 {
            self.platforms.insert(f.platform.clone());
        }
        if self.langs.len() < 32 || self.langs.contains_key(&f.lang) {
            *self.langs.entry(f.lang.clone()).or_insert(0) += 1;
        }
        if self.post_ids.len() < MAX_LISTED_POSTS {
            self.post_ids.push(f.post_id.clone());
        }
        let hll_new = self.hll.add(acct);
        let new_participant = if self.participant_set.contains_key(&acct) {
            false
        } else if self.participant_set.len() < cfg.max_participants && budget.participants > 0 {
            budget.participants -= 1;
            let idx = if self.participants.len() < cfg.max_participants {
                self.participants.push(f.account.clone());
                (self.participants.len() - 1) as u32
            } else {
                u32::MAX
            };
            self.participant_set.insert(acct, idx);
            true
        } else {
            // Past the set's bound, newness is the HyperLogLog's (a register moved).
            self.set_full = true;
            hll_new
        };
        if !f.context && (f.harm >= 0.5 || risk >= 0.5 || content) {
            if let Some(&i) = self.participant_set.get(&acct) {
                if i != u32::MAX {
                    self.evidenced.insert(i);
                }
            }
        }
        if hijacked {
            return;
        }
        if content {
            self.add_rep(f);
        }
        self.judged_posts += 1;
        if f.context {
            self.context_posts += 1;
        } else if f.harm >= 0.5 {
            self.harm_posts += 1;
        }
        if new_participant && !f.context && risk >= RISKY {
            self.risky_accounts += 1;
        }
        if let Some(sig) = &f.sig {
            let mut b = Vec::new();
            crate::sketch::bands(sig, 4, &mut b);
            let fp = fingerprint(sig);
            let mut dup = false;
            for h in b {
                match self.bands.get_mut(&h) {
                    // A shared band between texts that are not near-duplicates (short
                    // everyday posts collide often at scale) is neither a duplicate nor a
                    // coordination link.
                    Some(e) if !fp_verified(&e.fp, &fp) => {}
                    Some(e) => {
                        if e.first != acct || e.last != acct {
                            dup = true;
                        }
                        // The coordinated core: near-duplicates of another account's post
                        // within the burst window (a flood acts within minutes; news and
                        // fans re-posting a release over hours do not).
                        if e.last != acct && f.t - e.last_t <= cfg.window_ms && !f.context {
                            for x in [e.last, acct] {
                                if let Some(&i) = self.participant_set.get(&x) {
                                    if i != u32::MAX {
                                        *self.coordinated.entry(i).or_insert(0) += 1;
                                    }
                                }
                            }
                        }
                        e.last = acct;
                        e.last_t = f.t;
                    }
                    None => {
                        if self.bands.len() < MAX_BANDS && budget.bands > 0 {
                            budget.bands -= 1;
                            self.bands.insert(
                                h,
                                Band {
                                    first: acct,
                                    last: acct,
                                    last_t: f.t,
                                    fp,
                                },
                            );
                        }
                    }
                }
            }
            if dup && !f.context {
                self.dup_posts += 1;
            }
        }
    }

    /// Distinct participants: exact below the participant set's bound, estimated past it.
    fn distinct(&self) -> usize {
        let n = self.participant_set.len();
        if self.set_full {
            n.max(self.hll.estimate().round() as usize)
        } else {
            n
        }
    }

    fn judge(&mut self, cfg: &BurstConfig) -> bool {
        let accounts = self.distinct();
        if accounts < cfg.judge_min_accounts || self.judged_posts == 0 {
            return false;
        }
        let p = self.judged_posts as f32;
        let dup = self.dup_posts as f32 / p;
        let harm = (self.harm_posts as f32 / p).max(self.risky_accounts as f32 / accounts as f32);
        let context = self.context_posts as f32 / p;
        self.score = (dup.min(1.0) * 0.5 + harm.min(1.0) * 0.5) * (1.0 - context);
        dup >= cfg.min_duplicate_share && harm >= cfg.min_harm_share && context < 0.5
    }

    fn record(&self) -> CampaignRecord {
        let p = self.judged_posts.max(1) as f32;
        CampaignRecord {
            id: self.id.clone(),
            keys: self.keys.iter().map(|k| k.1.clone()).collect(),
            key_kinds: self.keys.iter().map(|k| k.0.as_str().to_string()).collect(),
            co_keys: self.co_keys.iter().cloned().collect(),
            start: self.start,
            end: self.end,
            velocity: self.peak_velocity,
            distinct_accounts: self.hll.estimate().round() as u64,
            posts: self.posts,
            languages: self.langs.keys().cloned().collect(),
            platforms: self.platforms.iter().cloned().collect(),
            extremist: self.extremist,
            score: self.score,
            first_alert_at: self.first_alert_at,
            posts_before_alert: self.posts_before_alert,
            participants: self.participants.clone(),
            evidence: serde_json::json!({
                "duplicate_share": crate::coord::round3((self.dup_posts as f32 / p) as f64),
                "harm_post_share": crate::coord::round3((self.harm_posts as f32 / p) as f64),
                "risky_participant_share": crate::coord::round3((self.risky_accounts as f32 / self.distinct().max(1) as f32) as f64),
                "context_post_share": crate::coord::round3((self.context_posts as f32 / p) as f64),
                "judged_posts": self.judged_posts,
            }),
        }
    }
}

impl BurstState {
    /// One campaign's record.
    pub fn records_one(&self, c: u32) -> CampaignRecord {
        self.campaigns[c as usize].record()
    }

    /// The post ids of campaign `c` (capped at [`MAX_LISTED_POSTS`]).
    pub fn post_ids(&self, c: u32) -> &[String] {
        &self.campaigns[c as usize].post_ids
    }

    /// The coordinated core of each extremist campaign: participants that posted near-duplicates
    /// of one another (campaign index, sorted account ids).
    pub fn coordinated_cores(&self) -> Vec<(u32, Vec<String>)> {
        let mut v = Vec::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            if !c.extremist {
                continue;
            }
            let mut m: Vec<String> = c
                .coordinated
                .iter()
                .filter(|(_, &n)| n >= CORE_MIN_LINKS)
                .map(|(&j, _)| c.participants[j as usize].clone())
                .collect();
            m.sort();
            m.dedup();
            v.push((i as u32, m));
        }
        v
    }

    /// The participants of campaign `c` with evidence of their own: a harmful post, a risky
    /// author, a post carrying the campaign's content (its link or domain, or a verified
    /// near-duplicate of its representative posts) ([`Campaign`]'s `evidenced`), or a place in its coordinated core.
    /// Sorted. Anyone else only used a key the campaign also used.
    pub fn evidenced_participants(&self, c: u32) -> Vec<String> {
        let camp = &self.campaigns[c as usize];
        // The core is what [`Self::coordinated_cores`] reports: one windowed near-duplicate
        // (two fans' short posts alike by chance) is no place in it.
        let core = camp
            .coordinated
            .iter()
            .filter(|(_, &n)| n >= CORE_MIN_LINKS)
            .map(|(j, _)| j);
        let mut m: Vec<String> = camp
            .evidenced
            .iter()
            .chain(core)
            .filter_map(|&j| camp.participants.get(j as usize).cloned())
            .collect();
        m.sort();
        m.dedup();
        m
    }

    /// Extremist campaigns (already alerted) this post belongs to, each with whether the post
    /// carries the campaign's content itself: its link or link domain, or a verified
    /// near-duplicate of its representative posts. A post that only shares a hashtag is a
    /// bystander.
    pub fn extremist_campaigns_of(&self, f: &PostFeatures) -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = Vec::new();
        for k in &f.keys {
            if let Some(c) = self.campaign_of_key(k, f) {
                let camp = &self.campaigns[c as usize];
                if !camp.extremist {
                    continue;
                }
                // `campaign_of_key` verified a phrase band already.
                let content = k.kind != KeyKind::Hashtag;
                match v.iter_mut().find(|x| x.0 == camp.id) {
                    Some(x) => x.1 |= content,
                    None => v.push((camp.id.clone(), content)),
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::{bands, mix64};
    use std::sync::Arc;

    /// Features of a post with a given MinHash signature, keyed by its phrase bands as
    /// `features` keys them.
    fn post(n: u64, account: &str, t: i64, sig: [u64; MINHASH_K], harm: f32) -> PostFeatures {
        let mut b = Vec::new();
        bands(&sig, 4, &mut b);
        let label: Arc<str> = format!("text {n}").into();
        let keys = b
            .into_iter()
            .enumerate()
            .map(|(i, h)| Key {
                kind: KeyKind::Phrase,
                hash: mix64(h ^ 0x4 ^ i as u64),
                label: label.clone(),
            })
            .collect();
        PostFeatures {
            post_id: format!("twitter:{n}"),
            id_hash: n,
            account: account.into(),
            platform: "twitter".into(),
            lang: "en".into(),
            t,
            keys,
            text_hash: Some(n),
            sig: Some(sig),
            links: Vec::new(),
            tag_seq: None,
            repost_of: None,
            reply_to: None,
            harm,
            context: false,
        }
    }

    /// A flood of near-duplicates opens a campaign through its phrase bands; everyday posts
    /// that share one band with it (4 agreeing MinHash bins: an LSH candidate) but are not
    /// near-duplicates do not reach it, are not listed as its posts, do not count as its
    /// duplicates and do not enter its coordinated core. At a million accounts such collisions
    /// outnumbered a flood's posts and opened cases on benign posts.
    #[test]
    fn phrase_band_candidates_are_verified() {
        let mut st = BurstState::new(BurstConfig::default());
        let flood: [u64; MINHASH_K] = std::array::from_fn(|i| 1000 + i as u64);
        let t0 = 1_402_000_000_000i64;
        let mut n = 0;
        for i in 0..40 {
            n += 1;
            // Variants of one text: two bins differ per post (estimated Jaccard 14/16).
            let mut sig = flood;
            sig[12 + (i % 4)] = 50_000 + i as u64;
            st.observe(&post(
                n,
                &format!("twitter:f{}", i % 20),
                t0 + i as i64 * 1000,
                sig,
                0.9,
            ));
        }
        let c = st
            .campaigns
            .iter()
            .position(|c| c.extremist)
            .expect("flood alerts") as u32;
        let dup_before = st.campaigns[c as usize].dup_posts;
        // Everyday texts sharing only the first band (bins 0-3) with the flood.
        let mut bystanders = Vec::new();
        for i in 0..40u64 {
            n += 1;
            let mut sig: [u64; MINHASH_K] = std::array::from_fn(|j| 900_000 + i * 100 + j as u64);
            sig[..4].copy_from_slice(&flood[..4]);
            let f = post(
                n,
                &format!("twitter:b{i}"),
                t0 + 41_000 + i as i64 * 1000,
                sig,
                0.0,
            );
            assert!(f.keys[0].hash == post(0, "x", 0, flood, 0.0).keys[0].hash);
            assert!(st.campaigns_for(&f).is_empty(), "a band candidate joined");
            assert!(st.extremist_campaigns_of(&f).is_empty());
            st.observe(&f);
            bystanders.push((f.account.clone(), f.post_id.clone()));
        }
        assert_eq!(st.campaigns[c as usize].dup_posts, dup_before);
        let evidenced = st.evidenced_participants(c);
        for (a, p) in &bystanders {
            assert!(!evidenced.contains(a), "{a} counted as evidenced");
            assert!(!st.post_ids(c).contains(p), "{p} listed as a campaign post");
        }
        // A real near-duplicate still joins, as campaign content.
        let mut sig = flood;
        sig[15] = 7;
        let f = post(999, "twitter:late", t0 + 90_000, sig, 0.0);
        let of = st.extremist_campaigns_of(&f);
        assert_eq!(of, vec![(st.campaigns[c as usize].id.clone(), true)]);
    }

    /// A page everyone shares (a popular news link) that a flood also carries is a trend: the
    /// flood's posts that carry it are judged in the flood's campaign, so the link's own burst
    /// is judged on its other posts and its everyday sharers get no case-opening signal.
    #[test]
    fn a_flood_carrying_a_popular_link_does_not_condemn_its_sharers() {
        let mut st = BurstState::new(BurstConfig::default());
        let flood: [u64; MINHASH_K] = std::array::from_fn(|i| 1000 + i as u64);
        let link = Key {
            kind: KeyKind::Url,
            hash: 0xfeed_beef,
            label: "https://news.example/p/28".into(),
        };
        let t0 = 1_402_000_000_000i64;
        let mut n = 0u64;
        let mut flood_post = |st: &mut BurstState, i: u64, t: i64, with_link: bool| {
            n += 1;
            let mut sig = flood;
            sig[12 + (i % 4) as usize] = 50_000 + i;
            let mut f = post(n, &format!("twitter:f{}", i % 20), t, sig, 0.9);
            if with_link {
                f.keys.push(link.clone());
            }
            st.observe(&f);
        };
        for i in 0..40 {
            flood_post(&mut st, i, t0 + i as i64 * 1000, false);
        }
        assert!(st.campaigns.iter().any(|c| c.extremist));
        let mut sharers = Vec::new();
        for i in 0..60u64 {
            let t = t0 + 41_000 + i as i64 * 1000;
            flood_post(&mut st, 100 + i, t, i % 3 == 0);
            if i % 5 == 0 {
                let sig: [u64; MINHASH_K] = std::array::from_fn(|j| 900_000 + i * 100 + j as u64);
                let mut f = post(10_000 + i, &format!("twitter:b{i}"), t + 500, sig, 0.0);
                f.keys.push(link.clone());
                st.observe(&f);
                sharers.push(f);
            }
        }
        let link_campaign = st.campaigns.iter().find(|c| {
            c.keys
                .first()
                .is_some_and(|k| k.1 == "https://news.example/p/28")
        });
        assert!(
            link_campaign.is_some(),
            "the link bursts as its own campaign"
        );
        assert!(
            !link_campaign.unwrap().extremist,
            "the link was judged on the flood's posts"
        );
        for f in &sharers {
            assert!(
                st.extremist_campaigns_of(f).is_empty(),
                "a sharer of the page reaches an extremist campaign"
            );
        }
    }

    #[test]
    fn one_chance_near_duplicate_is_no_place_in_a_hashtag_campaigns_core() {
        let mut st = BurstState::new(BurstConfig::default());
        let mut c = Campaign::new("c".into(), KeyKind::Hashtag, "#trend".into(), 0, 0);
        c.participants = vec!["bystander".into(), "bot".into(), "poster".into()];
        // The bystander's post matched another's once; the bot's did again and again.
        c.coordinated.insert(0, 1);
        c.coordinated.insert(1, CORE_MIN_LINKS);
        c.evidenced.insert(2);
        st.campaigns.push(c);
        assert_eq!(st.evidenced_participants(0), vec!["bot", "poster"]);
    }
}
