//! Returning accounts, cross-platform identity and explainable account risk (issue 8): the
//! `returning` and `risk` detectors, their findings and how they are persisted.
//!
//! Seeds are accounts the platform suspended (enforcement events) and accounts moderators
//! confirmed ([`Config::confirmed`]). A new account is compared only with the seeds that share a
//! blocking key with it ([`link::Linker`]); a link needs an identity feature (handle, name)
//! corroborated by a behavioural one (bio, avatar, neighbourhood, links, pointers).

pub mod features;
pub mod link;
pub mod risk;

use features::{bio_hasher, bio_signature, stem, token_hash, Profile};
use link::{Feature, Link, LinkConfig, Linker, SeedKind};
use risk::{AccountRisk, RiskConfig, RiskDetector};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use vigil_detect::{Detector, Observation};
use vigil_hash::minhash::MinHasher;
use vigil_model::{Category, EnforcementAction, EntityKind, Signal};
use vigil_store::{Store, StoreError};

/// Version of the detectors' logic, recorded on every signal.
pub const VERSION: &str = "identity-1";

/// Errors from persisting findings.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("findings lock poisoned")]
    Poisoned,
}

/// Settings of both detectors.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Config {
    pub link: LinkConfig,
    pub risk: RiskConfig,
    /// Accounts confirmed by moderators (the cases seeds): linked to like suspended ones and
    /// seeding network proximity.
    pub confirmed: Vec<String>,
    /// At most this many account profiles are kept (memory bound); later accounts are not linked.
    pub max_profiles: usize,
}

impl Config {
    fn profiles_cap(&self) -> usize {
        if self.max_profiles == 0 {
            20_000_000
        } else {
            self.max_profiles
        }
    }
}

/// What the detectors found, for persisting after a replay and for the CLI.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub links: Vec<Link>,
    /// Live accounts on two platforms that name each other (see [`cross_platform_links`]).
    pub cross_links: Vec<CrossLink>,
    pub risks: Vec<AccountRisk>,
    /// Seeds indexed, comparisons made, buckets skipped.
    pub seeds: u64,
    pub comparisons: u64,
    pub skipped_buckets: u64,
}

impl Findings {
    /// Write links and risks to the store (idempotent: a re-run replaces them).
    pub fn persist(&self, store: &mut dyn Store) -> Result<(), IdentityError> {
        let links: Vec<vigil_store::IdentityLinkRecord> = self
            .links
            .iter()
            .map(|l| vigil_store::IdentityLinkRecord {
                account_id: l.new.clone(),
                other_id: l.predecessor.clone(),
                kind: "returning".into(),
                score: l.score,
                explanation: serde_json::to_value(l).unwrap_or_default(),
                at: l.predecessor_at,
            })
            .chain(
                self.cross_links
                    .iter()
                    .map(|l| vigil_store::IdentityLinkRecord {
                        account_id: l.account.clone(),
                        other_id: l.other.clone(),
                        kind: "cross_platform".into(),
                        score: l.score,
                        explanation: serde_json::to_value(l).unwrap_or_default(),
                        at: l.at,
                    }),
            )
            .collect();
        store.write_identity_links(&links)?;
        let risks: Vec<vigil_store::AccountRiskRecord> = self
            .risks
            .iter()
            .map(|r| vigil_store::AccountRiskRecord {
                account_id: r.account.clone(),
                risk: r.risk,
                action: r.action.as_str().into(),
                breakdown: serde_json::to_value(r).unwrap_or_default(),
                at: r.at,
            })
            .collect();
        store.write_account_risks(&risks)?;
        Ok(())
    }
}

/// The detectors with defaults-or-`cfg`, in order (`returning` before `risk`).
pub fn detectors(cfg: Config) -> Vec<Box<dyn Detector>> {
    detectors_with_findings(cfg).0
}

/// The detectors and a handle on their findings (filled as they run and at `finish`).
pub fn detectors_with_findings(cfg: Config) -> (Vec<Box<dyn Detector>>, Arc<Mutex<Findings>>) {
    let findings = Arc::new(Mutex::new(Findings::default()));
    let r = ReturningDetector::new(cfg.clone(), findings.clone());
    let k = RiskDetector::new(cfg.risk.clone(), &cfg.confirmed, findings.clone());
    (vec![Box::new(r), Box::new(k)], findings)
}

/// The `returning` detector: keeps a bounded profile of every account it sees, indexes the
/// profiles of suspended and confirmed ones, and links new accounts to them.
pub struct ReturningDetector {
    cfg: Config,
    mh: MinHasher,
    profiles: Profiles,
    linker: Linker,
    linked: HashSet<String>,
    confirmed: HashSet<String>,
    /// Own addresses (`handle_key`, hashed) → the account's profile, for cross-platform
    /// pointers.
    handles: HashMap<u64, u32>,
    findings: Arc<Mutex<Findings>>,
}

/// The profiles, one row per account in a dense table, found by a 64-bit hash of the id.
/// (A hash map holding the 640-byte profiles by value touched every bucket of a table up to
/// twice the size it needed, and held the old and the new table at once while growing: ~2 GB
/// at a million accounts.) Each id is kept once, in its row.
#[derive(Default)]
pub struct Profiles {
    rows: Vec<Profile>,
    by_hash: vigil_model::fasthash::HashedMap<u32>,
    /// Ids whose 64-bit hash another id took first (practically never).
    collided: HashMap<String, u32>,
}

impl Profiles {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// The row of `id`, if it has one.
    pub fn find(&self, id: &str) -> Option<u32> {
        let h = vigil_model::fasthash::hash64(id.as_bytes());
        match self.by_hash.get(&h) {
            Some(&i) if self.rows[i as usize].id == id => Some(i),
            Some(_) => self.collided.get(id).copied(),
            None => None,
        }
    }
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.find(id).map(|i| &self.rows[i as usize])
    }
    pub fn row(&self, i: u32) -> &Profile {
        &self.rows[i as usize]
    }
    /// The row of `id`, a new empty profile (with its id) if it had none.
    pub fn row_of(&mut self, id: &str) -> u32 {
        if let Some(i) = self.find(id) {
            return i;
        }
        let i = self.rows.len() as u32;
        self.rows.push(Profile {
            id: id.to_string(),
            ..Profile::default()
        });
        let h = vigil_model::fasthash::hash64(id.as_bytes());
        if self.by_hash.contains_key(&h) {
            self.collided.insert(id.to_string(), i);
        } else {
            self.by_hash.insert(h, i);
        }
        i
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Profile> {
        self.rows.iter()
    }
}

/// Two live accounts on different platforms that are one identity: `account`'s bio points at
/// `other`'s own address, corroborated by a similar name or a pointer back.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossLink {
    pub account: String,
    pub other: String,
    /// The pointer as written in the bio (`telegram:somechannel`).
    pub pointer: String,
    pub score: f64,
    pub features: Vec<Feature>,
    /// When the later of the two was first seen.
    pub at: i64,
}

/// A bio pointer named by more accounts than this is a funnel and links no identity.
pub const MAX_CLAIMANTS: u32 = 2;

/// Score of a cross-platform link at or above which it is reported.
pub const CROSS_LINK_THRESHOLD: f64 = 0.7;

/// Cross-platform identities among `profiles`: for every bio pointer that names another
/// platform's account seen in the stream (`handles`: own address → id), a link when the two
/// also share a near-identical name stem or the other points back. A pointer alone is not
/// enough: supporters' bios advertise their network's channels, which are not their own
/// accounts; a target more than [`MAX_CLAIMANTS`] bios name is such a funnel. Sorted by
/// (account, other).
pub fn cross_platform_links(profiles: &Profiles, handles: &HashMap<u64, u32>) -> Vec<CrossLink> {
    // A target many bios point at is a funnel (a network's channel), not anyone's own account.
    let mut claimants: HashMap<&str, u32> = HashMap::new();
    for p in profiles.iter() {
        for ptr in &p.bio_pointers {
            *claimants.entry(ptr.as_str()).or_insert(0) += 1;
        }
    }
    let mut out = Vec::new();
    for p in profiles.iter().filter(|p| !p.bio_pointers.is_empty()) {
        let own = p.handle.as_deref().map(|h| handle_key(&p.platform, h));
        for ptr in &p.bio_pointers {
            if claimants.get(ptr.as_str()).copied().unwrap_or(0) > MAX_CLAIMANTS {
                continue;
            }
            let Some(&other) = handles.get(&token_hash(ptr)) else {
                continue;
            };
            let o = profiles.row(other);
            if o.id == p.id || o.platform == p.platform {
                continue;
            }
            let mut features = vec![Feature {
                feature: "bio_pointer",
                strength: 1.0,
            }];
            let mut keep = 1.0 - 0.5;
            let name = [
                (&p.name_stem, &o.name_stem),
                (&p.handle_stem, &o.handle_stem),
                (&p.handle_stem, &o.name_stem),
                (&p.name_stem, &o.handle_stem),
            ]
            .iter()
            .map(|(a, b)| features::stem_similarity(a, b))
            .fold(0.0, f64::max);
            let mut corroborated = false;
            if name >= 0.85 {
                features.push(Feature {
                    feature: "name",
                    strength: (name * 1000.0).round() / 1000.0,
                });
                keep *= 1.0 - 0.6 * name;
                corroborated = true;
            }
            if own.as_ref().is_some_and(|k| o.pointers.contains(k)) {
                features.push(Feature {
                    feature: "pointer_back",
                    strength: 1.0,
                });
                keep *= 1.0 - 0.6;
                corroborated = true;
            }
            let score = ((1.0 - keep) * 1000.0).round() / 1000.0;
            if !corroborated || score < CROSS_LINK_THRESHOLD {
                continue;
            }
            out.push(CrossLink {
                account: p.id.clone(),
                other: o.id.clone(),
                pointer: ptr.clone(),
                score,
                features,
                at: p.first_seen.max(o.first_seen),
            });
        }
    }
    out.sort_by(|a, b| (&a.account, &a.other).cmp(&(&b.account, &b.other)));
    out.dedup_by(|a, b| a.account == b.account && a.other == b.other);
    out
}

impl ReturningDetector {
    pub fn new(cfg: Config, findings: Arc<Mutex<Findings>>) -> Self {
        ReturningDetector {
            linker: Linker::new(cfg.link.clone()),
            confirmed: cfg.confirmed.iter().cloned().collect(),
            cfg,
            mh: bio_hasher(),
            profiles: Profiles::default(),
            linked: HashSet::new(),
            handles: HashMap::new(),
            findings,
        }
    }

    /// The linker (for benchmarks and tests).
    pub fn linker(&self) -> &Linker {
        &self.linker
    }
}

/// Fill `p`'s identity features (handle, name, bio, avatar, bio links and pointers) from an
/// account record. Called when the record arrives, and from [`observe`] for an author whose
/// record came only with its post.
pub fn observe_account(p: &mut Profile, mh: &MinHasher, a: &vigil_model::Account) {
    if p.platform.is_empty() {
        p.id.clone_from(&a.id);
        p.platform = features::platform_name(&a.platform);
    }
    if p.posts == 0 {
        p.first_seen = a.created_at.unwrap_or(p.first_seen);
    }
    p.account_seen = true;
    p.kind = Some(a.kind);
    p.handle = a.handle.as_ref().map(|h| h.chars().take(64).collect());
    p.handle_stem = a.handle.as_deref().map(stem).unwrap_or_default();
    p.name_stem = a.display_name.as_deref().map(stem).unwrap_or_default();
    ((p.name_full, p.name_base), p.name_numbered) = a
        .display_name
        .as_deref()
        .map_or(((0, 0), false), features::name_keys_numbered);
    p.bio = a.bio.as_deref().and_then(|b| bio_signature(mh, b));
    p.avatar = a.avatar_url.as_deref().map(features::avatar_key);
    p.avatar_pdq = a.avatar_pdq.as_deref().and_then(features::parse_pdq);
    p.created_at = a.created_at;
    p.bio_pointers.clear();
    if let Some(bio) = &a.bio {
        let bio: String = bio.chars().take(1024).collect();
        for u in vigil_text::analyze(&bio).urls {
            if let Some(key) = add_url(p, &u) {
                if p.bio_pointers.len() < features::MAX_BIO_POINTERS
                    && !p.bio_pointers.contains(&key)
                {
                    p.bio_pointers.push(key);
                }
            }
        }
    }
}

/// The key of an account's own address on its platform (`telegram:somechannel`), as bio and
/// post pointers name it.
pub fn handle_key(platform: &str, handle: &str) -> String {
    let h: String = handle.chars().take(64).collect();
    format!("{platform}:{h}").to_lowercase()
}

/// Fill or update `p` from one post and its author record.
pub fn observe(p: &mut Profile, mh: &MinHasher, obs: &Observation<'_>) {
    let post = obs.post;
    if p.posts == 0 {
        p.id.clone_from(&post.account_id);
        p.platform = features::platform_name(&post.platform);
        p.first_seen = post.created_at;
    }
    if let Some(a) = obs.account {
        if !p.account_seen || p.handle.is_none() {
            observe_account(p, mh, a);
        }
    }
    p.posts = p.posts.saturating_add(1);
    if let Some(v) = features::venue_of(&post.id, &post.account_id) {
        p.add_venue(v);
    }
    let hour = (post.created_at.rem_euclid(86_400_000) / 3_600_000) as usize;
    p.hours[hour.min(23)] = p.hours[hour.min(23)].saturating_add(1);
    for m in obs.text.mentions.iter().take(32) {
        p.neighbours
            .insert(token_hash(&format!("m:{}", m.screen_name.to_lowercase())));
    }
    for m in post.mentions.iter().take(32) {
        p.neighbours
            .insert(token_hash(&format!("m:{}", m.to_lowercase())));
    }
    for r in [&post.repost_of, &post.quote_of, &post.forwarded_from]
        .into_iter()
        .flatten()
    {
        p.neighbours.insert(token_hash(&format!("r:{r}")));
    }
    for u in obs.text.urls.iter().take(32) {
        add_url(p, u);
    }
    // Expanded links (a tweet's text holds only `t.co` short links).
    for u in post.urls.iter().take(16) {
        if let Some(u) = vigil_text::canonicalize_url(u) {
            add_url(p, &u);
        }
    }
}

/// Add a link (and its cross-platform pointer, returned, if it has one).
fn add_url(p: &mut Profile, u: &vigil_text::UrlInfo) -> Option<String> {
    p.links.insert(token_hash(&u.canonical));
    let ptr = u.pointer.as_ref()?;
    let key = handle_key(&format!("{:?}", ptr.platform), &ptr.handle);
    p.links.insert(token_hash(&key));
    p.add_pointer(key.clone());
    Some(key)
}

impl Detector for ReturningDetector {
    fn name(&self) -> &'static str {
        "returning"
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let id = &obs.post.account_id;
        if self.profiles.len() >= self.cfg.profiles_cap() && self.profiles.find(id).is_none() {
            return;
        }
        let row = self.profiles.row_of(id);
        let p = &mut self.profiles.rows[row as usize];
        let had_record = p.account_seen;
        let before = p.pointers.len();
        let name_before = p.name_full;
        observe(p, &self.mh, obs);
        for k in &p.pointers[before..] {
            self.linker.note_pointer(k);
        }
        if p.name_full != name_before {
            self.linker.note_name(p.name_full);
        }
        if !had_record {
            if let Some(h) = &p.handle {
                self.handles
                    .insert(token_hash(&handle_key(&p.platform, h)), row);
            }
        }
        if self.confirmed.contains(id) && !self.linker.is_seed(id) {
            self.linker
                .insert(p.clone(), obs.post.created_at, SeedKind::Confirmed);
        }
        if self.linker.is_empty()
            || self.linked.contains(id)
            || p.posts > self.cfg.link.max_posts_checked
        {
            return;
        }
        let Some(link) = self.linker.best(p) else {
            return;
        };
        let posts_seen = p.posts;
        self.linked.insert(id.clone());
        out.push(Signal {
            entity_kind: EntityKind::Account,
            entity_id: id.clone(),
            detector: "returning".into(),
            category: Some(Category::BanEvasion),
            context: None,
            weight: link.score as f32,
            source: "identity/returning".into(),
            version: VERSION.into(),
            explanation: serde_json::json!({
                "predecessor": link.predecessor,
                "predecessor_kind": link.predecessor_kind,
                "predecessor_at": link.predecessor_at,
                "cross_platform": link.cross_platform,
                "score": link.score,
                "features": link.features,
                "posts_seen": posts_seen,
            }),
            at: obs.post.created_at,
            shadow: false,
        });
        if let Ok(mut f) = self.findings.lock() {
            f.links.push(link);
        }
    }

    fn on_account(&mut self, a: &vigil_model::Account, _out: &mut Vec<Signal>) {
        if self.profiles.len() >= self.cfg.profiles_cap() && self.profiles.find(&a.id).is_none() {
            return;
        }
        let row = self.profiles.row_of(&a.id);
        let p = &mut self.profiles.rows[row as usize];
        let before = p.pointers.len();
        let name_before = p.name_full;
        observe_account(p, &self.mh, a);
        for k in &p.pointers[before..] {
            self.linker.note_pointer(k);
        }
        if p.name_full != name_before {
            self.linker.note_name(p.name_full);
        }
        if let Some(h) = &p.handle {
            self.handles
                .insert(token_hash(&handle_key(&p.platform, h)), row);
        }
    }

    fn on_enforcement(&mut self, e: &vigil_model::Enforcement, _out: &mut Vec<Signal>) {
        if e.action != EnforcementAction::Suspend || e.post_id.is_some() {
            return;
        }
        if let Some(p) = self.profiles.get(&e.account_id) {
            self.linker.insert(p.clone(), e.at, SeedKind::Suspended);
        }
    }

    fn finish(&mut self, _out: &mut Vec<Signal>) {
        self.publish();
    }

    fn refresh(&mut self, _now: i64, _out: &mut Vec<Signal>) {
        self.publish();
    }
}

impl ReturningDetector {
    /// Cross-platform links and counters into the findings (links to predecessors are
    /// published as they are made).
    fn publish(&mut self) {
        let cross = cross_platform_links(&self.profiles, &self.handles);
        if let Ok(mut f) = self.findings.lock() {
            f.cross_links = cross;
            f.seeds = self.linker.len() as u64;
            f.comparisons = self.linker.comparisons;
            f.skipped_buckets = self.linker.skipped_buckets;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_found_by_id_even_when_two_ids_share_a_hash() {
        let mut ps = Profiles::default();
        let a = ps.row_of("twitter:1");
        let b = ps.row_of("vk:1");
        assert_eq!((a, b), (0, 1));
        assert_eq!(ps.row_of("twitter:1"), a);
        assert_eq!(ps.get("vk:1").map(|p| p.id.as_str()), Some("vk:1"));
        assert!(ps.get("vk:2").is_none());
        // Force "x" to collide with "twitter:1"'s row.
        ps.by_hash.insert(vigil_model::fasthash::hash64(b"x"), a);
        assert_eq!(ps.find("x"), None);
        let x = ps.row_of("x");
        assert_eq!(x, 2);
        assert_eq!(ps.find("x"), Some(2));
        assert_eq!(ps.row(x).id, "x");
        assert_eq!(ps.find("twitter:1"), Some(a));
        assert_eq!(ps.len(), 3);
        assert_eq!(ps.iter().count(), 3);
    }
}
