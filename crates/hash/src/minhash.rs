//! MinHash signatures over character shingles of folded text, and an LSH index for near-duplicate texts (Jaccard >= 0.8 by default).
//!
//! Shingles are character (not byte) n-grams, so Arabic and Cyrillic text gets the same
//! resolution as Latin text. [`fold`] is a minimal script-neutral fold (lowercase, letters
//! and digits only, Arabic diacritics and tatweel dropped, whitespace collapsed); callers
//! that hold vigil-text's folded channel may pass it instead, folding is idempotent.

use std::collections::{HashMap, HashSet};

/// Default number of hash permutations.
pub const DEFAULT_PERMUTATIONS: usize = 128;
/// Default shingle length in characters.
pub const DEFAULT_SHINGLE: usize = 5;
/// Default LSH threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// Texts longer than this many characters are truncated before shingling (bounds work).
pub const MAX_CHARS: usize = 100_000;

/// Script-neutral fold used before shingling.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 4));
    let mut space = true;
    for c in text.chars().take(MAX_CHARS) {
        // Arabic harakat, superscript alef and tatweel carry no identity for matching.
        if ('\u{064B}'..='\u{065F}').contains(&c) || c == '\u{0670}' || c == '\u{0640}' {
            continue;
        }
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                out.push(l);
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Computes MinHash signatures; cheap to clone, deterministic across runs and versions.
#[derive(Debug, Clone)]
pub struct MinHasher {
    shingle: usize,
    a: Vec<u64>,
    b: Vec<u64>,
}

impl Default for MinHasher {
    fn default() -> Self {
        MinHasher::new(DEFAULT_PERMUTATIONS, DEFAULT_SHINGLE)
    }
}

/// A MinHash signature (the top 32 bits of each permutation's minimum).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Signature(pub Vec<u32>);

impl Signature {
    /// Whether the text had no shingles (empty after folding).
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == u32::MAX)
    }

    /// Estimated Jaccard similarity; 0 when either side is empty or lengths differ.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        if self.0.len() != other.0.len() || self.0.is_empty() || self.is_empty() || other.is_empty()
        {
            return 0.0;
        }
        let eq = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        eq as f64 / self.0.len() as f64
    }
}

impl MinHasher {
    /// `permutations` hash functions over `shingle`-character shingles (both at least 1).
    pub fn new(permutations: usize, shingle: usize) -> Self {
        let permutations = permutations.clamp(1, 1024);
        let mut s = 0x76_6967_696c_u64; // fixed seed: signatures must be stable on disk
        let mut next = || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(s)
        };
        let a = (0..permutations).map(|_| next() | 1).collect();
        let b = (0..permutations).map(|_| next()).collect();
        MinHasher {
            shingle: shingle.max(1),
            a,
            b,
        }
    }

    /// Number of permutations.
    pub fn permutations(&self) -> usize {
        self.a.len()
    }

    /// Hashed shingles of the folded text.
    pub fn shingles(&self, text: &str) -> HashSet<u64> {
        let folded = fold(text);
        let chars: Vec<char> = folded.chars().collect();
        let mut set = HashSet::new();
        if chars.is_empty() {
            return set;
        }
        let k = self.shingle.min(chars.len());
        for w in chars.windows(k) {
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            for &c in w {
                h ^= c as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            set.insert(mix(h));
        }
        set
    }

    /// Signature of `text` (folded with [`fold`] first).
    pub fn signature(&self, text: &str) -> Signature {
        let shingles = self.shingles(text);
        let mut mins = vec![u64::MAX; self.a.len()];
        for &x in &shingles {
            for ((m, &a), &b) in mins.iter_mut().zip(&self.a).zip(&self.b) {
                let v = a.wrapping_mul(x).wrapping_add(b);
                if v < *m {
                    *m = v;
                }
            }
        }
        if shingles.is_empty() {
            return Signature(vec![u32::MAX; self.a.len()]);
        }
        Signature(
            mins.into_iter()
                .map(|v| ((v >> 32) as u32).min(u32::MAX - 1))
                .collect(),
        )
    }
}

/// Exact Jaccard of the two texts' shingle sets (for verification and benchmarks).
pub fn exact_jaccard(mh: &MinHasher, a: &str, b: &str) -> f64 {
    let (sa, sb) = (mh.shingles(a), mh.shingles(b));
    if sa.is_empty() || sb.is_empty() {
        return 0.0;
    }
    let inter = sa.intersection(&sb).count();
    inter as f64 / (sa.len() + sb.len() - inter) as f64
}

/// A candidate near-duplicate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Candidate {
    /// Id given at insert.
    pub id: u64,
    /// Jaccard estimated from the signatures.
    pub estimated_jaccard: f64,
}

/// Banded LSH over signatures.
#[derive(Debug, Clone)]
pub struct LshIndex {
    bands: usize,
    rows: usize,
    threshold: f64,
    /// Candidates whose estimate is below this are dropped. Defaults to the threshold
    /// itself (false positives are harms); lower it (e.g. by three standard errors,
    /// [`LshIndex::recall_first_estimate`]) when candidates are verified afterwards against
    /// the known texts with [`exact_jaccard`].
    pub min_estimate: f64,
    tables: Vec<HashMap<u64, Vec<u64>>>,
    sigs: HashMap<u64, Signature>,
}

impl LshIndex {
    /// Picks the band layout with the most rows whose hit probability at `threshold` is
    /// still >= 0.99 for `mh`'s permutation count.
    pub fn new(mh: &MinHasher, threshold: f64) -> Self {
        let n = mh.permutations();
        let t = threshold.clamp(0.05, 1.0);
        let mut best = (n, 1);
        for rows in (1..=n).rev() {
            let bands = n / rows;
            if bands == 0 {
                continue;
            }
            let p = 1.0 - (1.0 - t.powi(rows as i32)).powi(bands as i32);
            if p >= 0.99 {
                best = (bands, rows);
                break;
            }
        }
        LshIndex {
            bands: best.0,
            rows: best.1,
            threshold: t,
            min_estimate: t,
            tables: vec![HashMap::new(); best.0],
            sigs: HashMap::new(),
        }
    }

    /// Threshold minus three standard errors of the estimate: a `min_estimate` that keeps
    /// nearly every true pair at the threshold, for callers that verify candidates.
    pub fn recall_first_estimate(&self) -> f64 {
        let n = (self.bands * self.rows) as f64;
        let t = self.threshold;
        (t - 3.0 * (t * (1.0 - t) / n).sqrt()).max(0.0)
    }

    /// `(bands, rows)` in use.
    pub fn layout(&self) -> (usize, usize) {
        (self.bands, self.rows)
    }

    /// The threshold the layout was chosen for.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    fn band_key(&self, sig: &Signature, band: usize) -> u64 {
        let mut h = 0x243f_6a88_85a3_08d3u64 ^ band as u64;
        for &v in &sig.0[band * self.rows..(band + 1) * self.rows] {
            h = mix(h ^ u64::from(v));
        }
        h
    }

    /// Inserts or replaces `id`. Empty signatures are not indexed (they would match each other).
    pub fn insert(&mut self, id: u64, sig: &Signature) {
        self.remove(id);
        if sig.is_empty() || sig.0.len() < self.bands * self.rows {
            return;
        }
        for b in 0..self.bands {
            let k = self.band_key(sig, b);
            self.tables[b].entry(k).or_default().push(id);
        }
        self.sigs.insert(id, sig.clone());
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        let Some(sig) = self.sigs.remove(&id) else {
            return false;
        };
        for b in 0..self.bands {
            let k = self.band_key(&sig, b);
            if let Some(v) = self.tables[b].get_mut(&k) {
                v.retain(|&x| x != id);
                if v.is_empty() {
                    self.tables[b].remove(&k);
                }
            }
        }
        true
    }

    /// Number of indexed signatures.
    pub fn len(&self) -> usize {
        self.sigs.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    /// Candidates sharing a band with `sig` whose estimate is at least `min_estimate`,
    /// best first.
    pub fn query(&self, sig: &Signature) -> Vec<Candidate> {
        if sig.is_empty() || sig.0.len() < self.bands * self.rows {
            return Vec::new();
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for b in 0..self.bands {
            if let Some(ids) = self.tables[b].get(&self.band_key(sig, b)) {
                for &id in ids {
                    if seen.insert(id) {
                        let est = self.sigs[&id].jaccard(sig);
                        if est >= self.min_estimate {
                            out.push(Candidate {
                                id,
                                estimated_jaccard: est,
                            });
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            b.estimated_jaccard
                .total_cmp(&a.estimated_jaccard)
                .then(a.id.cmp(&b.id))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_is_script_neutral_and_idempotent() {
        assert_eq!(fold("  Hello,   WORLD!! "), "hello world");
        assert_eq!(fold("Привет, МИР"), "привет мир");
        // Diacritics and tatweel removed from Arabic.
        assert_eq!(fold("سَلَامٌ ـــ عالم"), "سلام عالم");
        for s in ["a b", "ПРИВЕТ мир", "x"] {
            assert_eq!(fold(&fold(s)), fold(s));
        }
    }

    #[test]
    fn identical_texts_estimate_one_and_empty_matches_nothing() {
        let mh = MinHasher::default();
        let a = mh.signature("placeholder indicator text #AllEyesOnISIS join channel");
        assert_eq!(a.jaccard(&a), 1.0);
        let e = mh.signature("  !!! ");
        assert!(e.is_empty());
        assert_eq!(e.jaccard(&e), 0.0);
        let mut lsh = LshIndex::new(&mh, 0.8);
        lsh.insert(1, &e);
        assert!(lsh.is_empty());
        assert!(lsh.query(&e).is_empty());
    }

    #[test]
    fn layout_for_default_threshold() {
        let lsh = LshIndex::new(&MinHasher::default(), 0.8);
        assert_eq!(lsh.layout(), (21, 6));
    }
}
