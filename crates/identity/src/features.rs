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

/// A platform's name, borrowed for the four known platforms.
pub fn platform_name(p: &vigil_model::Platform) -> std::borrow::Cow<'static, str> {
    use vigil_model::Platform;
    match p {
        Platform::Twitter => "twitter".into(),
        Platform::Facebook => "facebook".into(),
        Platform::Vk => "vk".into(),
        Platform::Telegram => "telegram".into(),
        Platform::Other(s) => s.clone().into(),
    }
}

/// The key of an avatar URL (its first 512 characters): equal URLs, equal keys.
pub fn avatar_key(url: &str) -> u64 {
    let end = url.char_indices().nth(512).map_or(url.len(), |(i, _)| i);
    keyed_hash(b'a', url[..end].as_bytes())
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
    /// `Platform::as_str` of the account's platform ([`platform_name`]: no copy for the
    /// four platforms).
    pub platform: std::borrow::Cow<'static, str>,
    pub handle: Option<String>,
    pub handle_stem: String,
    pub name_stem: String,
    pub bio: Option<Signature>,
    /// The avatar URL, hashed ([`avatar_key`]): compared only for equality.
    pub avatar: Option<u64>,
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
    /// The whole display name, inner digits kept ([`name_keys`]); 0 when none.
    pub name_full: u64,
    /// The display name without a trailing enumeration token (`Cedar Stone 97 2` → `Cedar
    /// Stone 97`); 0 when the name has none.
    pub name_base: u64,
    /// The whole display name carries a number of its own (`Cedar Stone 97`).
    pub name_numbered: bool,
    /// User, community or channel, from the account record.
    pub kind: Option<vigil_model::AccountKind>,
    /// Feeds the account posts into that are not its own (a Facebook group, a VK community
    /// wall), hashed, at most [`MAX_VENUES`]: co-participation.
    pub venues: Vec<u64>,
}

/// Venues kept per account.
pub const MAX_VENUES: usize = 8;

/// Keys of a display name for exact comparison: NFKC + case fold and confusable skeleton per
/// whitespace-separated token, digits kept (a community's number, `Cedar Stone 97`, is part of
/// who it is, unlike in [`stem`]). Returns (whole name, name without a trailing enumeration:
/// a separate number from 2 to 20); either is 0 when absent. A return that appends an enumeration (`… 97 2`) has a base
/// equal to its predecessor's whole name.
pub fn name_keys(name: &str) -> (u64, u64) {
    name_keys_numbered(name).0
}

/// As [`name_keys`], and whether the whole name carries a number token of its own (before any
/// enumeration): a numbered name (`Cedar Stone 97`) is specific, two common nouns are not.
pub fn name_keys_numbered(name: &str) -> ((u64, u64), bool) {
    let cut: String = name.chars().take(MAX_NAME_CHARS).collect();
    let toks: Vec<String> = cut
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|t| !t.is_empty())
        .map(|t| {
            let t = vigil_text::nfkc_casefold(t);
            if t.chars().all(|c| c.is_ascii_digit()) {
                // A number stays a number (the skeleton reads `1` as `l`).
                return t;
            }
            vigil_text::skeleton(&t)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let letters: usize = toks
        .iter()
        .map(|t| t.chars().filter(|c| !c.is_ascii_digit()).count())
        .sum();
    if letters < 3 {
        return ((0, 0), false);
    }
    let full = keyed_hash(b'N', toks.join(" ").as_bytes());
    let base = match toks.split_last() {
        Some((last, rest))
            if !rest.is_empty()
                && last.len() <= 2
                && last.chars().all(|c| c.is_ascii_digit())
                && (2..=20).contains(&last.parse::<u32>().unwrap_or(0)) =>
        {
            keyed_hash(b'N', rest.join(" ").as_bytes())
        }
        _ => 0,
    };
    let body = if base != 0 {
        toks.len() - 1
    } else {
        toks.len()
    };
    let numbered = toks[..body]
        .iter()
        .any(|t| t.chars().any(|c| c.is_ascii_digit()));
    ((full, base), numbered)
}

/// The feed a post lives in when it is not the author's own: Facebook and VK write post ids as
/// `<owner>_<n>` (a group, page or community wall, then the post), so the owner is named; `None`
/// for the author's own feed, other platforms and ids of any other shape.
pub fn venue_of(post_id: &str, account_id: &str) -> Option<u64> {
    let (platform, native) = post_id.split_once(':')?;
    if platform != "facebook" && platform != "vk" {
        return None;
    }
    let (owner, n) = native.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(owner.strip_prefix('-').unwrap_or(owner)) || !digits(n) {
        return None;
    }
    let own = account_id.split_once(':').map_or(account_id, |(_, n)| n);
    if owner == own {
        return None;
    }
    Some(keyed_hash(b'v', format!("{platform}:{owner}").as_bytes()))
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
    pub fn add_venue(&mut self, v: u64) {
        if self.venues.len() < MAX_VENUES && !self.venues.contains(&v) {
            self.venues.push(v);
        }
    }
    /// Jaccard of the two (exact, bounded) venue sets; 0 when either is empty.
    pub fn venue_jaccard(&self, o: &Profile) -> f64 {
        if self.venues.is_empty() || o.venues.is_empty() {
            return 0.0;
        }
        let inter = self.venues.iter().filter(|v| o.venues.contains(v)).count();
        inter as f64 / (self.venues.len() + o.venues.len() - inter) as f64
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
    fn name_keys_keep_a_communitys_number_and_drop_an_enumeration() {
        let (full, _) = name_keys("Cedar Stone 97");
        let (full2, base2) = name_keys("Cedar  Stone 97 2");
        assert_ne!(full, full2);
        assert_eq!(base2, full, "an appended enumeration is dropped");
        assert_ne!(
            name_keys("Cedar Stone 98 2").1,
            full,
            "another number is another name"
        );
        assert_eq!(
            name_keys("Cedar Stone 88").1,
            0,
            "a community's number is no enumeration"
        );
        // Cyrillic о in place of Latin o, any case
        assert_eq!(name_keys("CEDAR St\u{43e}ne 97").0, full);
        assert_eq!(name_keys("ab 1"), (0, 0));
        assert_eq!(name_keys("Cedar Stone").1, 0);
        assert!(name_keys_numbered("Cedar Stone 97").1);
        assert!(!name_keys_numbered("Cedar Stone 2").1);
    }

    #[test]
    fn venues_are_other_owners_feeds() {
        let a = "facebook:100000000021014";
        assert!(venue_of("facebook:300000000000011_42", a).is_some());
        assert_eq!(venue_of("facebook:100000000021014_42", a), None);
        assert_eq!(venue_of("telegram:channel1/42", "telegram:channel1"), None);
        assert_eq!(venue_of("twitter:123", "twitter:9"), None);
        assert_eq!(venue_of("twitter:twitter_1_0", "twitter:1"), None);
        assert!(venue_of("vk:-30000007_12", "vk:100007").is_some());
        assert_eq!(venue_of("vk:abc_12", "vk:100007"), None);
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
