//! The returning-account linker: seed profiles indexed by blocking keys (handle and name stems,
//! avatar, pointers, bio LSH bands) so a new account is compared with a handful of candidates,
//! never with every seed; each comparison gives a score with its matched features.

use crate::features::{keyed_hash, mix, pdq_distance, stem_similarity, token_hash, Profile};

/// Bios at least this alike (estimated Jaccard of 4-char shingles) corroborate a link. A returning
/// account keeps its bio with small edits (≈ 0.9–1.0); supporters filling one network's bio
/// template share 0.4–0.6 of their shingles, which says nothing about who they are.
pub const BIO_JACCARD: f64 = 0.7;

/// Avatars within this many PDQ bits (of 256) are the same picture (Meta's usual threshold
/// for near-duplicates is 31).
pub const AVATAR_PDQ_RADIUS: u32 = 31;
use serde::Serialize;
use std::collections::HashMap;

/// Linker settings.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct LinkConfig {
    /// A link is reported at or above this score.
    pub threshold: f64,
    /// Buckets larger than this are too common to block on (a stem like `news`): skipped.
    pub max_bucket: usize,
    /// A new account is re-examined on each of its first this many posts while unlinked.
    pub max_posts_checked: u32,
    /// A new account must be created (or first seen) no earlier than this many ms before the
    /// predecessor's suspension.
    pub slack_ms: i64,
    /// Bio LSH: bands × rows over the 64-permutation bio signature.
    pub bio_bands: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            threshold: 0.8,
            max_bucket: 512,
            max_posts_checked: 10,
            slack_ms: 3_600_000,
            bio_bands: 16,
        }
    }
}

/// One matched feature and how strongly (in [0, 1]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feature {
    pub feature: &'static str,
    pub strength: f64,
}

/// A scored candidate link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkScore {
    pub score: f64,
    pub features: Vec<Feature>,
}

/// Score a new account against a seed. Identity features (handle, name) need corroboration by
/// at least one behavioural one (bio, avatar, neighbourhood, links, pointers): a shared name
/// alone never links two people.
pub fn score(new: &Profile, seed: &Profile) -> LinkScore {
    score_with(new, seed, &|_| true)
}

/// Handles closer than this (or one edit apart) name one identity. Returns keep the stem
/// (next digits, an underscore, a homoglyph); two generated names sharing 80% of their letters
/// are different people.
pub const HANDLE_SIMILARITY: f64 = 0.85;

/// As [`score`], counting only shared pointers for which `rare` holds: a pointer many accounts
/// carry is their network's funnel, not an individual's trace.
pub fn score_with(new: &Profile, seed: &Profile, rare: &dyn Fn(&str) -> bool) -> LinkScore {
    score_in(
        new,
        seed,
        &Context {
            rare_pointer: rare,
            name_holders: &|_| u32::MAX,
            seed_at: None,
        },
    )
}

/// What a comparison knows beyond the two profiles.
pub struct Context<'a> {
    /// Whether a shared pointer is rare enough to be an individual's trace.
    pub rare_pointer: &'a dyn Fn(&str) -> bool,
    /// How many accounts seen so far carry a whole display name ([`Profile::name_full`]).
    pub name_holders: &'a dyn Fn(u64) -> u32,
    /// When the seed was suspended (or confirmed), if it was.
    pub seed_at: Option<i64>,
}

/// A whole display name carried by at most this many accounts (the seed, and the new account
/// when it took the name unchanged) is individual: no one else uses it.
pub const UNIQUE_NAME_HOLDERS: u32 = 2;

/// A return is created within this long after its predecessor's suspension (resurgent accounts
/// come back within hours).
pub const RETURN_WINDOW_MS: i64 = 72 * 3_600_000;

/// Score `new` against `seed` with what the linker knows about the population ([`Context`]).
pub fn score_in(new: &Profile, seed: &Profile, ctx: &Context<'_>) -> LinkScore {
    let rare = ctx.rare_pointer;
    struct Acc {
        f: Vec<Feature>,
        keep: f64,
        identity: bool,
        behaviour: bool,
    }
    impl Acc {
        fn add(&mut self, name: &'static str, s: f64, w: f64, beh: bool) {
            self.f.push(Feature {
                feature: name,
                strength: (s * 1000.0).round() / 1000.0,
            });
            self.keep *= 1.0 - (w * s).clamp(0.0, 0.99);
            if beh {
                self.behaviour = true;
            } else {
                self.identity = true;
            }
        }
    }
    let mut acc = Acc {
        f: Vec::new(),
        keep: 1.0,
        identity: false,
        behaviour: false,
    };
    let mut add = |name, s, w, beh| acc.add(name, s, w, beh);
    let h = stem_similarity(&new.handle_stem, &seed.handle_stem);
    if h >= HANDLE_SIMILARITY
        || (h > 0.0 && crate::features::edit_distance(&new.handle_stem, &seed.handle_stem) <= 1)
    {
        add("handle", h, 0.6, false);
    }
    let n = stem_similarity(&new.name_stem, &seed.name_stem);
    if n >= 0.75 {
        // Where the platform has no handles (Facebook pages, Telegram exports), the display
        // name is the only identity the record carries and weighs as much as a handle.
        let w = if new.handle_stem.is_empty() || seed.handle_stem.is_empty() {
            0.6
        } else {
            0.35
        };
        add("display_name", n, w, false);
    }
    // The whole name, its number kept, taken over with an enumeration appended (`… 2`), or
    // a numbered name taken over unchanged and carried by no one else: as individual as a
    // handle. A name many accounts share (two common nouns) is not, and in a stream "no one
    // else so far" says little about a name of two common words. Same platform and kind only:
    // a namesake elsewhere is no return, nor does a user come back as a community (whose
    // number is no enumeration).
    let same_platform =
        new.platform == seed.platform && (new.kind.is_none() || new.kind == seed.kind);
    let enumerated = same_platform && seed.name_full != 0 && new.name_base == seed.name_full;
    let unique_name = same_platform
        && seed.name_numbered
        && seed.name_full != 0
        && (enumerated || new.name_full == seed.name_full)
        && (ctx.name_holders)(seed.name_full) <= UNIQUE_NAME_HOLDERS;
    if enumerated {
        add("name_enumerated", 1.0, 0.7, false);
    }
    if unique_name {
        add("unique_name", 1.0, 0.7, false);
    }
    if let (Some(a), Some(b)) = (&new.bio, &seed.bio) {
        let j = a.jaccard(b);
        if j >= BIO_JACCARD {
            add("bio", j, 0.6, true);
        }
    }
    match (&new.avatar_pdq, &seed.avatar_pdq) {
        // The same picture, re-encoded, cropped or lightly edited: PDQ within the usual
        // match radius; strength falls linearly with the distance (1 at 0 bits, ~0 at 32), so
        // a lightly edited copy of a picture many accounts use corroborates little.
        (Some(a), Some(b)) => {
            let d = pdq_distance(a, b);
            if d <= AVATAR_PDQ_RADIUS {
                add("avatar", 1.0 - d as f64 / 32.0, 0.5, true);
            }
        }
        // No image on one side: the URL, exactly.
        _ => {
            if let (Some(a), Some(b)) = (&new.avatar, &seed.avatar) {
                if a == b {
                    add("avatar", 1.0, 0.5, true);
                }
            }
        }
    }
    let nb = new.neighbours.jaccard(&seed.neighbours);
    if nb >= 0.15 {
        add("neighbourhood", (nb * 2.0).min(1.0), 0.5, true);
    }
    let l = new.links.jaccard(&seed.links);
    if l >= 0.2 {
        add("links", l, 0.3, true);
    }
    let shared = new
        .pointers
        .iter()
        .filter(|p| seed.pointers.contains(p) && rare(p))
        .count();
    if shared > 0 {
        add("pointers", (shared as f64 / 2.0).min(1.0), 0.4, true);
    }
    let v = new.venue_jaccard(seed);
    if v >= 0.5 {
        // Posting into the same groups or community walls (co-participation); groups have many
        // members, so this weighs little.
        add("venues", v, 0.4, true);
    }
    // Created within hours of the predecessor's suspension: corroborates only an individual
    // name (timing alone says nothing about who an account is).
    if enumerated || unique_name {
        let born = new.created_at.unwrap_or(new.first_seen).min(new.first_seen);
        if let Some(at) = ctx.seed_at {
            if born >= at - 3_600_000 && born <= at + RETURN_WINDOW_MS {
                add("return_timing", 1.0, 0.3, true);
            }
        }
    }
    let t = new.time_similarity(seed);
    if t >= 0.8 && (acc.identity || acc.behaviour) {
        acc.add("posting_time", t, 0.1, true);
    }
    // A numbered name no one else carries, continued with an enumeration (`Cedar Stone 97` →
    // `Cedar Stone 97 2`), is two independent specifics and an explicit claim of continuity:
    // it needs no further corroboration.
    let self_evident = enumerated && unique_name;
    let score: f64 = if acc.identity && (acc.behaviour || self_evident) {
        1.0 - acc.keep
    } else {
        0.0
    };
    LinkScore {
        score: (score * 1000.0).round() / 1000.0,
        features: acc.f,
    }
}

/// Why a seed is a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedKind {
    Suspended,
    Confirmed,
}

#[derive(Debug, Clone)]
struct Seed {
    profile: Profile,
    at: i64,
    kind: SeedKind,
}

/// A link found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub new: String,
    pub predecessor: String,
    pub predecessor_kind: SeedKind,
    pub predecessor_at: i64,
    pub cross_platform: bool,
    pub score: f64,
    pub features: Vec<Feature>,
}

/// The seed index.
#[derive(Debug, Default)]
pub struct Linker {
    pub cfg: LinkConfig,
    seeds: Vec<Seed>,
    by_id: HashMap<String, u32>,
    /// The first seed of each blocking key. Most keys (bio bands) name one seed only, so they
    /// cost one map entry and no allocation; later seeds of a key go to `more`.
    first: HashMap<u64, u32>,
    more: HashMap<u64, Vec<u32>>,
    /// Candidate lookups skipped because a bucket was over `max_bucket`.
    pub skipped_buckets: u64,
    /// Pairs scored (for the benchmark: comparisons per new account).
    pub comparisons: u64,
    /// Accounts seen carrying each pointer (hashed), for [`score_with`]'s rarity.
    pointer_holders: HashMap<u64, u32>,
    /// Accounts seen carrying each whole display name ([`Profile::name_full`]).
    name_holders: HashMap<u64, u32>,
}

/// A pointer carried by at most this many accounts counts as an individual's trace.
pub const RARE_POINTER_HOLDERS: u32 = 3;

/// Blocking keys of a profile: tagged hashes of the handle and name stems, avatar bands (or
/// URL), pointers and bio LSH bands. Hashed in place, with no string formatting.
/// Whether account `a` is older than account `b` by their ids: Twitter, Facebook, VK and
/// Telegram hand out numeric ids in increasing order, so a lower id on the same platform (same
/// id kind: a VK user, a VK community, a Telegram channel) was created first and cannot be the
/// replacement of `b`. Platforms such as VK do not report when an account was created, so
/// this is the only age evidence for an account first seen long after it was made. `false`
/// when the ids are not comparable.
pub fn older_by_id(a: &str, b: &str) -> bool {
    fn split(id: &str) -> Option<(&str, &str, bool, u64)> {
        let (platform, native) = id.split_once(':')?;
        let digits = native.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-');
        let prefix = &native[..native.len() - digits.len()];
        let (neg, digits) = match digits.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, digits),
        };
        if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some((platform, prefix, neg, digits.parse().ok()?))
    }
    match (split(a), split(b)) {
        (Some((pa, xa, na, va)), Some((pb, xb, nb, vb))) => {
            pa == pb && xa == xb && na == nb && va < vb
        }
        _ => false,
    }
}

fn keys(p: &Profile, bands: usize) -> Vec<u64> {
    let mut k = Vec::with_capacity(4 + p.pointers.len() + bands);
    if p.handle_stem.chars().count() >= 3 {
        k.push(keyed_hash(b'h', p.handle_stem.as_bytes()));
    }
    if p.name_stem.chars().count() >= 3 {
        k.push(keyed_hash(b'n', p.name_stem.as_bytes()));
    }
    if p.name_full != 0 {
        k.push(mix(p.name_full ^ 0x6e66_0000_0000_0000));
    }
    if p.name_base != 0 {
        k.push(mix(p.name_base ^ 0x6e66_0000_0000_0000));
    }
    if let Some(h) = &p.avatar_pdq {
        // Eight 32-bit bands: two avatars within a few bits share at least one.
        for (i, w) in h.iter().enumerate() {
            for (j, half) in [w >> 32, w & 0xffff_ffff].into_iter().enumerate() {
                let band = ((2 * i + j) as u64) << 32 | half;
                k.push(mix(band ^ 0x7164_7100_0000_0000));
            }
        }
    } else if let Some(a) = p.avatar {
        k.push(a);
    }
    for ptr in &p.pointers {
        k.push(keyed_hash(b'p', ptr.as_bytes()));
    }
    if let Some(sig) = &p.bio {
        let rows = (sig.0.len() / bands.max(1)).max(1);
        for (b, chunk) in sig.0.chunks(rows).enumerate() {
            let mut h = 0x0062_696f_u64 ^ b as u64;
            for &v in chunk {
                h = mix(h.rotate_left(29) ^ v as u64);
            }
            k.push(h);
        }
    }
    k
}

impl Linker {
    pub fn new(cfg: LinkConfig) -> Linker {
        Linker {
            cfg,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.seeds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seeds.is_empty()
    }

    /// Count one more account carrying `pointer` (call once per account and pointer).
    pub fn note_pointer(&mut self, pointer: &str) {
        *self.pointer_holders.entry(token_hash(pointer)).or_insert(0) += 1;
    }

    /// Count one more account carrying the whole display name `key` (once per account and name).
    pub fn note_name(&mut self, key: u64) {
        if key != 0 {
            *self.name_holders.entry(key).or_insert(0) += 1;
        }
    }

    /// Accounts seen carrying the whole display name `key`.
    pub fn name_holders(&self, key: u64) -> u32 {
        self.name_holders.get(&key).copied().unwrap_or(0)
    }

    fn rare(&self, pointer: &str) -> bool {
        self.pointer_holders
            .get(&token_hash(pointer))
            .is_none_or(|&n| n <= RARE_POINTER_HOLDERS)
    }

    pub fn is_seed(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Add (or refresh) a seed.
    pub fn insert(&mut self, profile: Profile, at: i64, kind: SeedKind) {
        if let Some(&i) = self.by_id.get(&profile.id) {
            // Refresh the features (a later suspension keeps the latest profile), keep keys.
            let s = &mut self.seeds[i as usize];
            s.at = s.at.max(at);
            s.profile = profile;
            return;
        }
        let i = self.seeds.len() as u32;
        for k in keys(&profile, self.cfg.bio_bands) {
            match self.first.entry(k) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    let b = self.more.entry(k).or_default();
                    // One past the cap marks the bucket as too common (skipped at lookup).
                    if b.len() < self.cfg.max_bucket {
                        b.push(i);
                    }
                }
            }
        }
        self.by_id.insert(profile.id.clone(), i);
        self.seeds.push(Seed { profile, at, kind });
    }

    /// The best link for `new`, if any reaches the threshold. Among near-equal scores the most
    /// recently suspended predecessor wins (returns chain: the newest link is the direct one).
    pub fn best(&mut self, new: &Profile) -> Option<Link> {
        if self.by_id.contains_key(&new.id) {
            return None;
        }
        let mut cands: Vec<u32> = Vec::new();
        for k in keys(new, self.cfg.bio_bands) {
            if let Some(&f) = self.first.get(&k) {
                let more = self.more.get(&k).map_or(&[][..], Vec::as_slice);
                if 1 + more.len() > self.cfg.max_bucket {
                    self.skipped_buckets += 1;
                    continue;
                }
                cands.push(f);
                cands.extend_from_slice(more);
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let born = new.created_at.unwrap_or(new.first_seen).min(new.first_seen);
        let mut best: Option<(f64, i64, u32, LinkScore)> = None;
        for c in cands {
            let seed = &self.seeds[c as usize];
            if seed.kind == SeedKind::Suspended
                && (born < seed.at - self.cfg.slack_ms || older_by_id(&new.id, &seed.profile.id))
            {
                continue;
            }
            self.comparisons += 1;
            let s = score_in(
                new,
                &seed.profile,
                &Context {
                    rare_pointer: &|p| self.rare(p),
                    name_holders: &|k| self.name_holders(k),
                    seed_at: (seed.kind == SeedKind::Suspended).then_some(seed.at),
                },
            );
            if s.score < self.cfg.threshold {
                continue;
            }
            let better = match &best {
                None => true,
                Some((bs, bat, _, _)) => {
                    s.score > bs + 0.05 || (s.score > bs - 0.05 && seed.at > *bat)
                }
            };
            if better {
                best = Some((s.score, seed.at, c, s));
            }
        }
        best.map(|(_, at, c, s)| {
            let seed = &self.seeds[c as usize];
            Link {
                new: new.id.clone(),
                predecessor: seed.profile.id.clone(),
                predecessor_kind: seed.kind,
                predecessor_at: at,
                cross_platform: seed.profile.platform != new.platform,
                score: s.score,
                features: s.features,
            }
        })
    }
}

#[cfg(test)]
mod id_order_tests {
    use super::older_by_id;

    #[test]
    fn ids_order_accounts_of_one_kind_only() {
        assert!(older_by_id("twitter:2400040729", "twitter:2407153796"));
        assert!(!older_by_id("twitter:2407157150", "twitter:2407152769"));
        assert!(older_by_id("vk:565766", "vk:1500539"));
        // A VK community (negative id) and a user are not comparable; nor are platforms.
        assert!(!older_by_id("vk:-30089943", "vk:1500539"));
        assert!(older_by_id("vk:-300", "vk:-30089943"));
        assert!(!older_by_id("twitter:1", "vk:2"));
        assert!(older_by_id(
            "telegram:channel1000012131",
            "telegram:channel1000054054"
        ));
        assert!(!older_by_id("telegram:chat5", "telegram:channel9"));
        // Facebook post-like or non-numeric ids are not compared.
        assert!(!older_by_id("facebook:300000000000605_1", "facebook:400"));
        assert!(!older_by_id("twitter:abc", "twitter:5"));
        assert!(!older_by_id("twitter:99999999999999999999999", "twitter:5"));
    }
}
