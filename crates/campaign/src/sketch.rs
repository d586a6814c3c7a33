//! Small streaming sketches: HyperLogLog (distinct accounts), a decayed Count-Min sketch
//! (per-key baselines), Space-Saving (heavy hitters) and one-permutation MinHash (phrases).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are already well mixed (u64 hashes, interned u32 ids): one
/// multiply-xorshift per word instead of SipHash. Not for attacker-chosen keys that are not
/// already hashed: every map keyed by it here holds [`hash_bytes`] outputs or dense ids.
#[derive(Default, Clone, Copy)]
pub struct MixHasher(u64);

impl Hasher for MixHasher {
    #[inline]
    fn finish(&self) -> u64 {
        mix64(self.0)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(29) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.write_u64(x as u64);
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// A `HashMap` with [`MixHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

/// A 64-bit mixer (SplitMix64 finalizer); good avalanche, used to spread ids and shingles.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a over bytes followed by [`mix64`]: deterministic across runs and platforms.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// HyperLogLog with 2^P registers of one byte (P = 8: 256 bytes, about 6.5% standard error).
#[derive(Clone, Debug)]
pub struct HyperLogLog {
    regs: Box<[u8; 256]>,
}

impl Default for HyperLogLog {
    fn default() -> Self {
        HyperLogLog {
            regs: Box::new([0u8; 256]),
        }
    }
}

impl HyperLogLog {
    pub const BYTES: usize = 256;

    /// Add an already-hashed item; true when a register moved (the item is surely new).
    #[inline]
    pub fn add(&mut self, h: u64) -> bool {
        let idx = (h >> 56) as usize;
        let rest = (h << 8) | 0x80;
        let rank = rest.leading_zeros() as u8 + 1;
        if self.regs[idx] < rank {
            self.regs[idx] = rank;
            true
        } else {
            false
        }
    }

    /// Estimated number of distinct items (with the small-range correction).
    pub fn estimate(&self) -> f64 {
        let m = 256.0f64;
        let mut sum = 0.0;
        let mut zeros = 0u32;
        for &r in self.regs.iter() {
            sum += 1.0 / (1u64 << r) as f64;
            if r == 0 {
                zeros += 1;
            }
        }
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let e = alpha * m * m / sum;
        if e <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            e
        }
    }

    pub fn merge(&mut self, o: &HyperLogLog) {
        for (a, b) in self.regs.iter_mut().zip(o.regs.iter()) {
            *a = (*a).max(*b);
        }
    }
}

/// Count-Min sketch of exponentially decayed counts: `add` at event time `t`, `estimate`
/// returns the decayed count at the last decay epoch. Decay is applied lazily per epoch
/// (every `half_life_ms` all counters halve), so the estimate is an EWMA of the key's rate.
#[derive(Clone, Debug)]
pub struct DecayedCountMin {
    width_mask: usize,
    depth: usize,
    cells: Vec<f32>,
    half_life_ms: i64,
    epoch: i64,
}

impl DecayedCountMin {
    /// `log2_width` columns per row, `depth` rows.
    pub fn new(log2_width: u32, depth: usize, half_life_ms: i64) -> Self {
        let w = 1usize << log2_width;
        DecayedCountMin {
            width_mask: w - 1,
            depth,
            cells: vec![0.0; w * depth],
            half_life_ms: half_life_ms.max(1),
            epoch: i64::MIN,
        }
    }

    pub fn bytes(&self) -> usize {
        self.cells.len() * 4
    }

    fn advance(&mut self, t: i64) {
        let e = t.div_euclid(self.half_life_ms);
        if self.epoch == i64::MIN {
            self.epoch = e;
            return;
        }
        if e > self.epoch {
            let steps = (e - self.epoch).min(64) as i32;
            let f = 0.5f32.powi(steps);
            for c in self.cells.iter_mut() {
                *c *= f;
            }
            self.epoch = e;
        }
    }

    #[inline]
    fn col(&self, h: u64, row: usize) -> usize {
        let hr = mix64(h ^ (row as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        row * (self.width_mask + 1) + (hr as usize & self.width_mask)
    }

    /// Add `n` at time `t` (conservative update: only the minimal cells grow).
    pub fn add(&mut self, h: u64, t: i64, n: f32) {
        self.advance(t);
        let est = self.estimate(h);
        let target = est + n;
        for r in 0..self.depth {
            let c = self.col(h, r);
            if self.cells[c] < target {
                self.cells[c] = target;
            }
        }
    }

    /// The decayed count of `h` (an over-estimate, never an under-estimate).
    pub fn estimate(&self, h: u64) -> f32 {
        let mut m = f32::INFINITY;
        for r in 0..self.depth {
            m = m.min(self.cells[self.col(h, r)]);
        }
        if m.is_finite() {
            m
        } else {
            0.0
        }
    }

    /// The half life, which is also the mean age of the decayed mass (times 1/ln 2).
    pub fn half_life_ms(&self) -> i64 {
        self.half_life_ms
    }
}

/// Space-Saving heavy hitters over hashed keys with a payload per tracked key: at most
/// `capacity` keys are tracked; a new key replaces the one with the smallest count and
/// inherits its count as error bound (Metwally et al. 2005). Eviction goes through a lazy
/// min-heap holding one entry per tracked key with a count that may lag behind the key's
/// (counts only grow): an increment is O(1) with no heap work, and a popped entry whose count
/// is stale is pushed back with the current one, so the popped live entry is the exact
/// minimum (ties broken by the smaller key).
pub struct SpaceSaving<V> {
    capacity: usize,
    slots: FastMap<u64, (u64, u64, V)>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u64)>>,
    /// Pinned keys popped from the heap since the last rebuild.
    parked: usize,
}

impl<V> SpaceSaving<V> {
    pub fn new(capacity: usize) -> Self {
        SpaceSaving {
            capacity: capacity.max(1),
            slots: FastMap::default(),
            heap: std::collections::BinaryHeap::new(),
            parked: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entries in the eviction heap (one per tracked key plus stale ones of evicted keys,
    /// never more than the capacity plus the keys admitted since the last eviction).
    pub fn heap_len(&self) -> usize {
        self.heap.len()
    }

    /// Count one occurrence of `key`; `make` builds the payload of a newly admitted key and
    /// `keep` says whether a candidate victim may be evicted (pinned keys such as live
    /// campaigns are skipped). Returns the payload and whether the key was just admitted,
    /// with the evicted key if any.
    pub fn touch(
        &mut self,
        key: u64,
        make: impl FnOnce() -> V,
        mut pinned: impl FnMut(&V) -> bool,
    ) -> Option<(&mut V, bool, Option<(u64, V)>)> {
        // Two lookups on the hit path keep the borrow checker content (the miss path needs
        // `self` again); both are one multiply-hash probe.
        if self.slots.contains_key(&key) {
            let s = self.slots.get_mut(&key).expect("present");
            s.0 += 1;
            return Some((&mut s.2, false, None));
        }
        let mut evicted = None;
        let mut base = 0;
        if self.slots.len() >= self.capacity {
            // Pop until a live, unpinned minimum is found. Pinned keys leave the heap (they
            // are parked, not re-queued: re-queuing them made every eviction pop and push
            // every pinned key below the victim); they come back at the next heap rebuild,
            // so a key that is unpinned later is again a candidate.
            let mut victim = None;
            while let Some(std::cmp::Reverse((c, k))) = self.heap.pop() {
                match self.slots.get(&k) {
                    Some(s) if s.0 == c => {
                        if pinned(&s.2) {
                            self.parked += 1;
                            continue;
                        }
                        victim = Some((c, k));
                        break;
                    }
                    // Stale count: back in with the current one.
                    Some(s) => self.heap.push(std::cmp::Reverse((s.0, k))),
                    // An evicted key's leftover entry.
                    None => continue,
                }
            }
            // Everything pinned: the key is not tracked (and the next admission finds the heap
            // empty at once, instead of popping every pinned key again).
            let (c, k) = victim?;
            let (_, _, v) = self.slots.remove(&k).expect("live victim");
            evicted = Some((k, v));
            base = c;
        }
        let c = base + 1;
        self.slots.insert(key, (c, base, make()));
        self.heap.push(std::cmp::Reverse((c, key)));
        if self.heap.len() > 4 * self.capacity + 64 {
            self.rebuild();
        }
        let s = self.slots.get_mut(&key).expect("inserted");
        Some((&mut s.2, true, evicted))
    }

    fn rebuild(&mut self) {
        self.heap = self
            .slots
            .iter()
            .map(|(k, s)| std::cmp::Reverse((s.0, *k)))
            .collect();
        self.parked = 0;
    }

    pub fn get(&self, key: u64) -> Option<&V> {
        self.slots.get(&key).map(|s| &s.2)
    }

    pub fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        self.slots.get_mut(&key).map(|s| &mut s.2)
    }

    /// (count, error) of a tracked key.
    pub fn count(&self, key: u64) -> Option<(u64, u64)> {
        self.slots.get(&key).map(|s| (s.0, s.1))
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.slots.iter().map(|(k, s)| (*k, &s.2))
    }
}

/// Number of MinHash bins.
pub const MINHASH_K: usize = 16;

/// One-permutation MinHash with rotation densification (Shrivastava 2017): one hash per
/// shingle, so the cost is linear in the text. `None` when the text has no shingle.
pub fn minhash(shingles: impl Iterator<Item = u64>) -> Option<[u64; MINHASH_K]> {
    let mut bins = [u64::MAX; MINHASH_K];
    let mut any = false;
    for s in shingles {
        let h = mix64(s);
        let b = (h >> 60) as usize % MINHASH_K;
        let v = h & 0x0fff_ffff_ffff_ffff;
        if v < bins[b] {
            bins[b] = v;
        }
        any = true;
    }
    if !any {
        return None;
    }
    for i in 0..MINHASH_K {
        if bins[i] == u64::MAX {
            let mut j = (i + 1) % MINHASH_K;
            let mut d = 1u64;
            while bins[j] == u64::MAX || bins[j] >> 63 == 1 {
                j = (j + 1) % MINHASH_K;
                d += 1;
            }
            bins[i] = (1 << 63) | mix64(bins[j] ^ d.wrapping_mul(0x9e37_79b9)) >> 1;
        }
    }
    Some(bins)
}

/// The estimated Jaccard similarity of two MinHash signatures.
pub fn minhash_similarity(a: &[u64; MINHASH_K], b: &[u64; MINHASH_K]) -> f32 {
    let eq = a.iter().zip(b.iter()).filter(|(x, y)| x == y).count();
    eq as f32 / MINHASH_K as f32
}

/// LSH band keys: `MINHASH_K / rows` bands of `rows` bins each.
pub fn bands(sig: &[u64; MINHASH_K], rows: usize, out: &mut Vec<u64>) {
    let rows = rows.clamp(1, MINHASH_K);
    for (bi, chunk) in sig.chunks(rows).enumerate() {
        let mut h = 0x5bd1_e995u64 ^ bi as u64;
        for &v in chunk {
            h = mix64(h ^ v);
        }
        out.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hll_estimates_within_fifteen_percent() {
        for n in [10u64, 100, 1000, 20_000] {
            let mut h = HyperLogLog::default();
            for i in 0..n {
                h.add(mix64(i));
                h.add(mix64(i));
            }
            let e = h.estimate();
            assert!((e - n as f64).abs() / (n as f64) < 0.15, "n={n} e={e}");
        }
    }

    #[test]
    fn count_min_never_underestimates_and_decays() {
        let mut c = DecayedCountMin::new(10, 4, 1000);
        for i in 0..500u64 {
            c.add(mix64(i % 50), 0, 1.0);
        }
        for k in 0..50u64 {
            assert!(c.estimate(mix64(k)) >= 10.0);
        }
        c.add(mix64(999), 2500, 1.0);
        assert!(c.estimate(mix64(0)) <= 10.0 * 0.25 + 5.0);
    }

    #[test]
    fn space_saving_keeps_heavy_hitters() {
        let mut s: SpaceSaving<u32> = SpaceSaving::new(8);
        for i in 0..10_000u64 {
            let k = if i % 3 == 0 { 1 } else { 100 + i };
            s.touch(k, || 0, |_| false);
        }
        assert!(s.get(1).is_some());
        assert!(s.len() <= 8);
        let (c, _) = s.count(1).unwrap();
        assert!(c >= 3333);
    }

    #[test]
    fn pinned_keys_survive() {
        let mut s: SpaceSaving<bool> = SpaceSaving::new(2);
        s.touch(1, || true, |p| *p);
        for k in 2..100u64 {
            s.touch(k, || false, |p| *p);
        }
        assert!(s.get(1).is_some());
    }

    #[test]
    fn minhash_tracks_jaccard() {
        let a: Vec<u64> = (0..100).collect();
        let b: Vec<u64> = (10..110).collect();
        let c: Vec<u64> = (1000..1100).collect();
        let sa = minhash(a.iter().copied()).unwrap();
        let sb = minhash(b.iter().copied()).unwrap();
        let sc = minhash(c.iter().copied()).unwrap();
        assert!(minhash_similarity(&sa, &sb) >= 0.5);
        assert!(minhash_similarity(&sa, &sc) <= 0.2);
        assert_eq!(minhash_similarity(&sa, &sa), 1.0);
        assert!(minhash(std::iter::empty()).is_none());
        // A single shingle fills every bin by densification.
        assert!(minhash(std::iter::once(7)).is_some());
    }
}
