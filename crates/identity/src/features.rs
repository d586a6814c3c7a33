//! Identity features: handle and name stems, edit distance, set sketches and the per-account profile.

use std::collections::HashSet;
use vigil_hash::minhash::{MinHasher, Signature};

/// Handles and names longer than this many chars are cut before comparison (bounds work).
pub const MAX_NAME_CHARS: usize = 64;
/// Bios longer than this many bytes are cut (on a char boundary) before hashing.
pub const MAX_BIO_BYTES: usize = 1024;
/// Number of minima in a neighbourhood sketch.
pub const SKETCH: usize = 32;

/// The comparable stem of a handle or display name: NFKC + case fold, confusable skeleton,
/// then digits, underscores, dots, dashes and spaces dropped. `abu_x12`, `abux13` and `ab‌u_x` give
/// the same stem.
pub fn stem(s: &str) -> String {
    let cut: String = s.chars().take(MAX_NAME_CHARS).collect();
    // Trailing digits are an enumeration (`name2`, `name3`), not letters in disguise: drop them
    // before the skeleton, which would otherwise read `1` as `l`.
    let trimmed = cut.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    let skel = vigil_text::skeleton(&vigil_text::nfkc_casefold(trimmed));
    skel.chars()
        .filter(|c| c.is_alphanumeric() && !c.is_ascii_digit())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Levenshtein distance over chars, with both inputs bounded by [`MAX_NAME_CHARS`].
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(MAX_NAME_CHARS).collect();
    let b: Vec<char> = b.chars().take(MAX_NAME_CHARS).collect();
    if a.is_empty() {
        return b.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Similarity of two stems in [0, 1]: 1 − distance / longer length; 0 when either is shorter
/// than 3 chars (too little to identify anyone).
pub fn stem_similarity(a: &str, b: &str) -> f64 {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la < 3 || lb < 3 {
        return 0.0;
    }
    1.0 - edit_distance(a, b) as f64 / la.max(lb) as f64
}

/// A 64-bit hash of a token (FNV-1a then a mixer); stable across runs.
pub fn token_hash(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

/// [`token_hash`] of `tag` followed by `bytes`, without building the string.
pub fn keyed_hash(tag: u8, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in std::iter::once(&tag).chain(bytes) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

/// A 64-bit finalizer (splitmix64's).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A bounded MinHash sketch of a set of tokens (one minimum per seeded permutation), so that
/// neighbourhood overlap is estimated in constant memory however many neighbours an account has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSketch {
    mins: [u32; SKETCH],
    /// Distinct insertions seen (saturating; approximate once over the exact cap).
    n: u32,
}

impl Default for SetSketch {
    fn default() -> Self {
        SetSketch {
            mins: [u32::MAX; SKETCH],
            n: 0,
        }
    }
}

impl SetSketch {
    pub fn insert(&mut self, h: u64) {
        let mut changed = false;
        for (i, m) in self.mins.iter_mut().enumerate() {
            let v = (mix(h ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 32) as u32;
            if v < *m {
                *m = v;
                changed = true;
            }
        }
        if changed || self.n == 0 {
            self.n = self.n.saturating_add(1);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Estimated Jaccard; 0 when either side is empty.
    pub fn jaccard(&self, o: &SetSketch) -> f64 {
        if self.is_empty() || o.is_empty() {
            return 0.0;
        }
        let eq = self
            .mins
            .iter()
            .zip(&o.mins)
            .filter(|(a, b)| a == b)
            .count();
        eq as f64 / SKETCH as f64
    }
}

/// Everything the linker keeps about one account: bounded whatever the input.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub id: String,
    pub platform: String,
    pub handle: Option<String>,
    pub handle_stem: String,
    pub name_stem: String,
    pub bio: Option<Signature>,
    pub avatar: Option<String>,
    /// The avatar's PDQ (256 bits), when ingest hashed a local copy.
    pub avatar_pdq: Option<[u64; 4]>,
    pub created_at: Option<i64>,
    pub first_seen: i64,
    pub posts: u32,
    /// Mention targets, repost/quote/reply-to authors and forwarded sources.
    pub neighbours: SetSketch,
    /// Canonical links and explicit cross-platform pointers posted or in the bio.
    pub links: SetSketch,
    /// Exact pointer targets (`telegram:chan`, `vk:club`), at most [`MAX_POINTERS`].
    pub pointers: Vec<String>,
    /// Posts per UTC hour.
    pub hours: [u16; 24],
    /// An account record (profile) has been seen, not only posts.
    pub account_seen: bool,
    /// Pointers written in the bio (a claim of one's own other address, unlike a post's link),
    /// at most [`MAX_BIO_POINTERS`].
    pub bio_pointers: Vec<String>,
}

/// Bio pointers kept per account.
pub const MAX_BIO_POINTERS: usize = 4;

/// Pointers kept per account.
pub const MAX_POINTERS: usize = 16;

impl Profile {
    pub fn add_pointer(&mut self, p: String) {
        if self.pointers.len() < MAX_POINTERS && !self.pointers.contains(&p) {
            self.pointers.push(p);
        }
    }
    /// Cosine similarity of two hour-of-day profiles; 0 with too few posts on either side.
    pub fn time_similarity(&self, o: &Profile) -> f64 {
        let (sa, sb): (u32, u32) = (
            self.hours.iter().map(|&v| v as u32).sum(),
            o.hours.iter().map(|&v| v as u32).sum(),
        );
        if sa < 3 || sb < 3 {
            return 0.0;
        }
        let dot: f64 = self
            .hours
            .iter()
            .zip(&o.hours)
            .map(|(&a, &b)| a as f64 * b as f64)
            .sum();
        let na: f64 = self.hours.iter().map(|&a| (a as f64).powi(2)).sum();
        let nb: f64 = o.hours.iter().map(|&a| (a as f64).powi(2)).sum();
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// A PDQ hash from its 64 hex digits; `None` for anything else.
pub fn parse_pdq(hex: &str) -> Option<[u64; 4]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u64::from_str_radix(&hex[i * 16..(i + 1) * 16], 16).ok()?;
    }
    Some(out)
}

/// Hamming distance of two PDQ hashes (0–256).
pub fn pdq_distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// Bio signature with a shared hasher (64 permutations over 4-char shingles).
pub fn bio_hasher() -> MinHasher {
    MinHasher::new(64, 4)
}

/// The signature of a bio, cut to [`MAX_BIO_BYTES`]; `None` when it has no shingles.
pub fn bio_signature(mh: &MinHasher, bio: &str) -> Option<Signature> {
    let mut end = bio.len().min(MAX_BIO_BYTES);
    while !bio.is_char_boundary(end) {
        end -= 1;
    }
    let s = mh.signature(&bio[..end]);
    (!s.is_empty()).then_some(s)
}

/// Distinct items of a small list (order kept).
pub fn dedup<T: Eq + std::hash::Hash + Clone>(v: &[T]) -> Vec<T> {
    let mut seen = HashSet::new();
    v.iter()
        .filter(|x| seen.insert((*x).clone()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_survive_digits_underscores_and_homoglyphs() {
        assert_eq!(stem("abu_sample12"), stem("abusample13"));
        assert_eq!(stem("abu_sample"), stem("abu_sample_"));
        // Cyrillic о in place of Latin o
        assert_eq!(stem("s\u{43e}urce_acct"), stem("source_acct"));
        assert!(stem_similarity(&stem("sourceacct"), &stem("s0urceacct2")) > 0.85);
        assert_eq!(stem_similarity("ab", "ab"), 0.0);
    }

    #[test]
    fn edit_distance_is_bounded_and_correct() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        let long = "x".repeat(1_000_000);
        assert!(edit_distance(&long, &long) == 0);
    }

    #[test]
    fn set_sketch_estimates_overlap() {
        let mut a = SetSketch::default();
        let mut b = SetSketch::default();
        for i in 0..100 {
            a.insert(token_hash(&format!("t{i}")));
            b.insert(token_hash(&format!("t{}", i + 10)));
        }
        let j = a.jaccard(&b);
        assert!(j > 0.6 && j < 1.0, "{j}");
        assert_eq!(SetSketch::default().jaccard(&a), 0.0);
    }
}
