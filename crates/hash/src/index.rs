//! Radius search over 256-bit PDQ hashes: a multi-index-hashing (MIH) index with inline filters, incremental updates and byte (de)serialisation.
//!
//! ## Why this layout
//! A hash is cut into 16 disjoint 16-bit keys; keys `2c` and `2c+1` form 32-bit chunk `c`.
//! For a query at radius `r` we hand out `r + 1` "units" over the 16 keys (key `i` gets
//! `u_i`, chunk `c` gets `U_c = u_2c + u_2c+1`). By the generalised pigeonhole principle any
//! hash within `r` has some chunk with distance `<= U_c - 1`, and inside that chunk some key
//! with distance `<= u_i - 1`. So each key table is probed at radius `t_i = u_i - 1`
//! (1 at `r = 31`: 17 buckets per table) and a candidate is kept only if
//! `d(key) + d(partner byte) <= U_c - 1`, using one byte of the partner key stored inline.
//!
//! * Buckets are CSR (one `u32` offset array of 65 537 entries per table, 256 KiB, cache
//!   resident) over packed `u32` entries `slot << 10 | low 10 bits of the partner key`
//!   (`SLOT_BITS` = 22, so a segment holds up to 4.2M hashes); no per-bucket heap.
//! * The inline bits reject ~94% of random bucket entries before touching the hash array,
//!   which is the expensive (random DRAM) access; buckets are prefetched a few ranges
//!   ahead and survivors a few dozen candidates ahead.
//! * Each match is reported by exactly one table (the first whose condition holds on the
//!   full hash), so no dedup set is needed.
//! * Updates go to a small unsorted buffer; full buffers become immutable segments that
//!   merge like an LSM tree (sizes at least halve down the list), so adds never rebuild
//!   the whole index. Remove and disable are flag flips; removed items vanish at merge.
//! * Memory is 4 bytes x 16 tables + 32 (hash) + 8 (id) + 1 (flags) = ~105 bytes per hash.

#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use crate::pdq::PdqHash;

/// Default search radius (Meta's recommended PDQ match threshold is 31).
pub const DEFAULT_RADIUS: u32 = 31;
const TABLES: usize = 16;
const BUCKETS: usize = 1 << 16;
const PENDING_MAX: usize = 4096;
/// Bits of a segment-local slot in a bucket entry; the rest of the `u32` is the inline filter.
const SLOT_BITS: u32 = 22;
const FILTER_BITS: u32 = 32 - SLOT_BITS;
const FILTER_MASK: u32 = (1 << FILTER_BITS) - 1;
const MAX_SEGMENT: usize = 1 << SLOT_BITS;
/// Radii above this are answered by a linear scan (the MIH enumeration would be slower).
const MAX_MIH_RADIUS: u32 = 47;

const FLAG_REMOVED: u8 = 1;
const FLAG_DISABLED: u8 = 2;

/// Errors from index (de)serialisation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The byte blob is not a serialised index.
    #[error("not a vigil radius index (bad magic or version)")]
    BadMagic,
    /// The byte blob is truncated or has trailing bytes.
    #[error("index bytes have the wrong length: {0}")]
    BadLength(String),
    /// The checksum does not match.
    #[error("index checksum mismatch")]
    BadChecksum,
}

#[inline(always)]
fn key(h: &[u64; 4], t: usize) -> usize {
    ((h[t >> 2] >> ((3 - (t & 3)) * 16)) & 0xffff) as usize
}

#[inline(always)]
fn dist(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// Per-query probe plan: probe radius per key table and threshold per chunk.
#[derive(Clone, Copy)]
struct Plan {
    /// `t_i`, or -1 to skip the table.
    t: [i32; TABLES],
    /// `U_c - 1` per chunk.
    chunk: [i32; TABLES / 2],
}

impl Plan {
    fn new(r: u32) -> Plan {
        let units = r as usize + 1;
        let mut u = [units / TABLES; TABLES];
        // Spread the remainder over keys of distinct chunks first (0, 2, 4, ..., then 1, 3, ...)
        // so chunk thresholds stay balanced.
        let order: Vec<usize> = (0..TABLES)
            .step_by(2)
            .chain((1..TABLES).step_by(2))
            .collect();
        for &i in order.iter().take(units % TABLES) {
            u[i] += 1;
        }
        let mut p = Plan {
            t: [0; TABLES],
            chunk: [0; TABLES / 2],
        };
        for i in 0..TABLES {
            p.t[i] = u[i] as i32 - 1;
        }
        for c in 0..TABLES / 2 {
            p.chunk[c] = (u[2 * c] + u[2 * c + 1]) as i32 - 1;
        }
        p
    }

    /// Whether table `i` is the canonical reporter for a hash with per-key distances `dk`.
    #[inline]
    fn holds(&self, i: usize, dk: &[i32; TABLES]) -> bool {
        let c = i / 2;
        dk[i] <= self.t[i] && dk[2 * c] + dk[2 * c + 1] <= self.chunk[c]
    }
}

fn key_dists(q: &[u64; 4], h: &[u64; 4]) -> [i32; TABLES] {
    let mut d = [0i32; TABLES];
    for (t, v) in d.iter_mut().enumerate() {
        *v = ((key(q, t) ^ key(h, t)) as u16).count_ones() as i32;
    }
    d
}

/// Flip masks of 16 bits grouped by popcount (0..=3).
fn masks() -> &'static [Vec<u16>; 4] {
    static M: std::sync::OnceLock<[Vec<u16>; 4]> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let mut m: [Vec<u16>; 4] = Default::default();
        for v in 0..=u16::MAX {
            let c = v.count_ones() as usize;
            if c <= 3 {
                m[c].push(v);
            }
        }
        m
    })
}

/// An immutable MIH segment over up to 2^SLOT_BITS hashes, sorted by external id.
#[derive(Clone)]
struct Segment {
    ids: Vec<u64>,
    hashes: Vec<[u64; 4]>,
    flags: Vec<u8>,
    offsets: Vec<u32>,
    entries: Vec<u32>,
}

impl Segment {
    /// `ids` sorted ascending and unique; `hashes` parallel.
    fn build(ids: Vec<u64>, hashes: Vec<[u64; 4]>, flags: Vec<u8>) -> Segment {
        let n = ids.len();
        assert!(n <= MAX_SEGMENT, "segment over the slot capacity");
        let mut offsets = vec![0u32; TABLES * (BUCKETS + 1)];
        let mut entries = vec![0u32; TABLES * n];
        for t in 0..TABLES {
            let off = &mut offsets[t * (BUCKETS + 1)..(t + 1) * (BUCKETS + 1)];
            for h in &hashes {
                off[key(h, t) + 1] += 1;
            }
            for b in 0..BUCKETS {
                off[b + 1] += off[b];
            }
            let mut cursor: Vec<u32> = off[..BUCKETS].to_vec();
            let ent = &mut entries[t * n..(t + 1) * n];
            let partner = t ^ 1;
            for (slot, h) in hashes.iter().enumerate() {
                let k = key(h, t);
                let f = key(h, partner) as u32 & FILTER_MASK;
                ent[cursor[k] as usize] = ((slot as u32) << FILTER_BITS) | f;
                cursor[k] += 1;
            }
        }
        Segment {
            ids,
            hashes,
            flags,
            offsets,
            entries,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn live(&self) -> usize {
        self.flags
            .iter()
            .filter(|f| **f & FLAG_REMOVED == 0)
            .count()
    }

    fn find(&self, id: u64) -> Option<usize> {
        self.ids
            .binary_search(&id)
            .ok()
            .filter(|&s| self.flags[s] & FLAG_REMOVED == 0)
    }

    /// Three phases so that memory latency overlaps instead of adding up: (A) read all
    /// bucket bounds and prefetch bucket heads, (B) scan buckets through the inline filter
    /// and prefetch each survivor's hash, (C) verify survivors.
    #[inline(always)]
    fn query_into(
        &self,
        q: &[u64; 4],
        r: u32,
        plan: &Plan,
        scratch: &mut Scratch,
        out: &mut Vec<(u64, u32)>,
    ) {
        let n = self.len();
        if n == 0 {
            return;
        }
        let masks = masks();
        let balls = balls();
        scratch.ranges.clear();
        scratch.cands.clear();
        for t in 0..TABLES {
            let ti = plan.t[t];
            if ti < 0 {
                continue;
            }
            let c = t / 2;
            let qk = key(q, t);
            let off = &self.offsets[t * (BUCKETS + 1)..(t + 1) * (BUCKETS + 1)];
            for d in 0..=(ti as usize).min(3) {
                let budget = plan.chunk[c] - d as i32;
                if budget < 0 {
                    break;
                }
                for &m in &masks[d] {
                    let k = qk ^ m as usize;
                    let (lo, hi) = (off[k], off[k + 1]);
                    if lo < hi {
                        let base = t * n;
                        prefetch(&self.entries[base + lo as usize]);
                        scratch.ranges.push(Range {
                            lo: base as u32 + lo,
                            hi: base as u32 + hi,
                            table: t as u8,
                            budget: budget.min(16) as u8,
                        });
                    }
                }
            }
        }
        const RANGE_AHEAD: usize = 6;
        for rg in scratch.ranges.iter().take(RANGE_AHEAD) {
            prefetch_range(&self.entries[rg.lo as usize..rg.hi as usize]);
        }
        for (ri, rg) in scratch.ranges.iter().enumerate() {
            if let Some(nx) = scratch.ranges.get(ri + RANGE_AHEAD) {
                prefetch_range(&self.entries[nx.lo as usize..nx.hi as usize]);
            }
            let t = rg.table as usize;
            let qf = key(q, t ^ 1) as u32 & FILTER_MASK;
            let ball = &balls[rg.budget as usize];
            // Branch-free filter: always write, advance only on a pass (a few percent of
            // random entries pass; a branch would mispredict constantly).
            let bucket = &self.entries[rg.lo as usize..rg.hi as usize];
            let start = scratch.cands.len();
            scratch.cands.resize(start + bucket.len(), 0);
            let dst = &mut scratch.cands[start..];
            let mut w = 0usize;
            for &e in bucket {
                let f = (e ^ qf) & FILTER_MASK;
                let pass = (ball[(f >> 6) as usize] >> (f & 63)) & 1;
                dst[w] = ((e >> FILTER_BITS) << 4) | t as u32;
                w += pass as usize;
            }
            scratch.cands.truncate(start + w);
        }
        const AHEAD: usize = 32;
        for &cand in scratch.cands.iter().take(AHEAD) {
            prefetch(&self.hashes[(cand >> 4) as usize]);
        }
        for (i, &cand) in scratch.cands.iter().enumerate() {
            if let Some(&next) = scratch.cands.get(i + AHEAD) {
                prefetch(&self.hashes[(next >> 4) as usize]);
            }
            let slot = (cand >> 4) as usize;
            let t = (cand & 15) as usize;
            let h = &self.hashes[slot];
            let d = dist(q, h);
            if d > r {
                continue;
            }
            let dk = key_dists(q, h);
            // Report from the first table whose condition holds, so each match appears once.
            if !plan.holds(t, &dk) || (0..t).any(|j| plan.t[j] >= 0 && plan.holds(j, &dk)) {
                continue;
            }
            if self.flags[slot] != 0 {
                continue;
            }
            out.push((self.ids[slot], d));
        }
    }
}

/// Bucket range to scan, with the inline-filter budget for its table.
#[derive(Clone, Copy)]
struct Range {
    lo: u32,
    hi: u32,
    table: u8,
    budget: u8,
}

/// Reusable per-thread buffers for [`RadiusIndex::query_into`].
#[derive(Default)]
pub struct Scratch {
    ranges: Vec<Range>,
    cands: Vec<u32>,
}

const BALL_WORDS: usize = 1 << (FILTER_BITS - 6);

/// `balls()[b]` is the set of filter values with popcount <= b, as a bitmask.
fn balls() -> &'static [[u64; BALL_WORDS]; 17] {
    static B: std::sync::OnceLock<[[u64; BALL_WORDS]; 17]> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut b = [[0u64; BALL_WORDS]; 17];
        for (budget, m) in b.iter_mut().enumerate() {
            for v in 0..(1u32 << FILTER_BITS) {
                if v.count_ones() as usize <= budget {
                    m[(v >> 6) as usize] |= 1 << (v & 63);
                }
            }
        }
        b
    })
}
/// Prefetches every cache line of a bucket.
#[inline(always)]
fn prefetch_range(b: &[u32]) {
    let mut i = 16;
    while i < b.len() {
        prefetch(&b[i]);
        i += 16;
    }
}

#[inline(always)]
fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint; it never faults, and `p` is a valid reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const T as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Statistics for reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    /// Live (not removed) hashes, including disabled ones.
    pub live: usize,
    /// Disabled hashes (kept, never returned).
    pub disabled: usize,
    /// Immutable segments.
    pub segments: usize,
    /// Hashes in the unsorted update buffer.
    pub pending: usize,
    /// Approximate heap bytes held.
    pub heap_bytes: usize,
}

/// Radius-search index over PDQ hashes with incremental add/remove/disable.
#[derive(Clone)]
pub struct RadiusIndex {
    radius: u32,
    segments: Vec<Segment>,
    pending: Vec<(u64, [u64; 4], u8)>,
    pending_pos: HashMap<u64, usize>,
}

impl std::fmt::Debug for RadiusIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RadiusIndex")
            .field("radius", &self.radius)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for RadiusIndex {
    fn default() -> Self {
        RadiusIndex::new(DEFAULT_RADIUS)
    }
}

impl RadiusIndex {
    /// An empty index whose [`RadiusIndex::query_default`] uses `radius`.
    pub fn new(radius: u32) -> Self {
        RadiusIndex {
            radius: radius.min(256),
            segments: Vec::new(),
            pending: Vec::new(),
            pending_pos: HashMap::new(),
        }
    }

    /// Bulk build; later duplicates of an id replace earlier ones.
    pub fn build(radius: u32, items: impl IntoIterator<Item = (u64, PdqHash)>) -> Self {
        let mut v: Vec<(u64, [u64; 4], u8)> = items
            .into_iter()
            .map(|(id, h)| (id, h.to_words(), 0))
            .collect();
        let mut idx = RadiusIndex::new(radius);
        idx.bulk_segments(&mut v);
        idx
    }

    fn bulk_segments(&mut self, v: &mut Vec<(u64, [u64; 4], u8)>) {
        // Stable sort keeps insertion order among equal ids; keep the last.
        v.sort_by_key(|x| x.0);
        let mut dedup: Vec<(u64, [u64; 4], u8)> = Vec::with_capacity(v.len());
        for item in v.drain(..) {
            match dedup.last_mut() {
                Some(last) if last.0 == item.0 => *last = item,
                _ => dedup.push(item),
            }
        }
        for chunk in dedup.chunks(MAX_SEGMENT) {
            let ids = chunk.iter().map(|x| x.0).collect();
            let hashes = chunk.iter().map(|x| x.1).collect();
            let flags = chunk.iter().map(|x| x.2).collect();
            self.segments.push(Segment::build(ids, hashes, flags));
        }
        self.segments.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Default radius given at construction.
    pub fn radius(&self) -> u32 {
        self.radius
    }

    /// Adds or replaces `id`. Amortised O(log n) work; never a full rebuild per add.
    pub fn add(&mut self, id: u64, hash: PdqHash) {
        self.remove(id);
        self.pending_pos.insert(id, self.pending.len());
        self.pending.push((id, hash.to_words(), 0));
        if self.pending.len() >= PENDING_MAX {
            self.flush();
        }
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        if let Some(pos) = self.pending_pos.remove(&id) {
            self.pending.swap_remove(pos);
            if let Some(moved) = self.pending.get(pos) {
                self.pending_pos.insert(moved.0, pos);
            }
            return true;
        }
        for s in &mut self.segments {
            if let Some(slot) = s.find(id) {
                s.flags[slot] |= FLAG_REMOVED;
                return true;
            }
        }
        false
    }

    fn set_disabled(&mut self, id: u64, disabled: bool) -> bool {
        let apply = |f: &mut u8| {
            if disabled {
                *f |= FLAG_DISABLED
            } else {
                *f &= !FLAG_DISABLED
            }
        };
        if let Some(&pos) = self.pending_pos.get(&id) {
            apply(&mut self.pending[pos].2);
            return true;
        }
        for s in &mut self.segments {
            if let Some(slot) = s.find(id) {
                apply(&mut s.flags[slot]);
                return true;
            }
        }
        false
    }

    /// Keeps `id` but stops returning it; returns whether it was present.
    pub fn disable(&mut self, id: u64) -> bool {
        self.set_disabled(id, true)
    }

    /// Undoes [`RadiusIndex::disable`]; returns whether it was present.
    pub fn enable(&mut self, id: u64) -> bool {
        self.set_disabled(id, false)
    }

    /// Whether `id` is present (enabled or disabled).
    pub fn contains(&self, id: u64) -> bool {
        self.pending_pos.contains_key(&id) || self.segments.iter().any(|s| s.find(id).is_some())
    }

    /// Live hashes (enabled or disabled).
    pub fn len(&self) -> usize {
        self.pending.len() + self.segments.iter().map(Segment::live).sum::<usize>()
    }

    /// Whether no live hash is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the update buffer into a segment and merges segments LSM-style.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut v = std::mem::take(&mut self.pending);
        self.pending_pos.clear();
        v.sort_by_key(|x| x.0);
        let seg = Segment::build(
            v.iter().map(|x| x.0).collect(),
            v.iter().map(|x| x.1).collect(),
            v.iter().map(|x| x.2).collect(),
        );
        self.segments.push(seg);
        while self.segments.len() >= 2 {
            let n = self.segments.len();
            let (a, b) = (self.segments[n - 2].live(), self.segments[n - 1].live());
            if a > 2 * b && a + b <= MAX_SEGMENT {
                break;
            }
            if a + b > MAX_SEGMENT {
                break;
            }
            let s2 = self.segments.pop().expect("two segments");
            let s1 = self.segments.pop().expect("two segments");
            self.segments.push(merge(s1, s2));
        }
    }

    /// Rewrites everything into as few segments as possible, dropping removed hashes.
    pub fn compact(&mut self) {
        let mut all = self.items_with_flags();
        self.segments.clear();
        self.pending.clear();
        self.pending_pos.clear();
        self.bulk_segments(&mut all);
    }

    fn items_with_flags(&self) -> Vec<(u64, [u64; 4], u8)> {
        let mut all: Vec<(u64, [u64; 4], u8)> = Vec::with_capacity(self.len());
        for s in &self.segments {
            for i in 0..s.len() {
                if s.flags[i] & FLAG_REMOVED == 0 {
                    all.push((s.ids[i], s.hashes[i], s.flags[i]));
                }
            }
        }
        all.extend(self.pending.iter().copied());
        all
    }

    /// Hashes within the construction radius.
    pub fn query_default(&self, q: &PdqHash) -> Vec<(u64, u32)> {
        self.query(q, self.radius)
    }

    /// Enabled hashes within `radius` of `q`, as `(id, distance)` sorted by distance then id.
    pub fn query(&self, q: &PdqHash, radius: u32) -> Vec<(u64, u32)> {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        self.query_into(q, radius, &mut scratch, &mut out);
        out.sort_unstable_by_key(|&(id, d)| (d, id));
        out
    }

    /// Allocation-free form of [`RadiusIndex::query`] for hot loops (results unsorted, appended).
    pub fn query_into(
        &self,
        q: &PdqHash,
        radius: u32,
        scratch: &mut Scratch,
        out: &mut Vec<(u64, u32)>,
    ) {
        let qw = q.to_words();
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports popcnt, checked just above.
                unsafe { self.query_popcnt(&qw, radius, scratch, out) };
                return;
            }
        }
        self.query_generic(&qw, radius, scratch, out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn query_popcnt(
        &self,
        q: &[u64; 4],
        r: u32,
        scratch: &mut Scratch,
        out: &mut Vec<(u64, u32)>,
    ) {
        self.query_generic(q, r, scratch, out)
    }

    #[inline(always)]
    fn query_generic(
        &self,
        q: &[u64; 4],
        r: u32,
        scratch: &mut Scratch,
        out: &mut Vec<(u64, u32)>,
    ) {
        let r = r.min(256);
        if r > MAX_MIH_RADIUS {
            for s in &self.segments {
                for (i, h) in s.hashes.iter().enumerate() {
                    let d = dist(q, h);
                    if d <= r && s.flags[i] == 0 {
                        out.push((s.ids[i], d));
                    }
                }
            }
        } else {
            let plan = Plan::new(r);
            for s in &self.segments {
                s.query_into(q, r, &plan, scratch, out);
            }
        }
        for (id, h, f) in &self.pending {
            let d = dist(q, h);
            if d <= r && *f == 0 {
                out.push((*id, d));
            }
        }
    }

    /// Counts for dashboards and benchmarks.
    pub fn stats(&self) -> IndexStats {
        let mut heap = self.pending.capacity() * 48 + self.pending_pos.capacity() * 24;
        let mut disabled = self
            .pending
            .iter()
            .filter(|x| x.2 & FLAG_DISABLED != 0)
            .count();
        for s in &self.segments {
            heap += s.ids.capacity() * 8
                + s.hashes.capacity() * 32
                + s.flags.capacity()
                + s.offsets.capacity() * 4
                + s.entries.capacity() * 4;
            disabled += s.flags.iter().filter(|f| **f == FLAG_DISABLED).count();
        }
        IndexStats {
            live: self.len(),
            disabled,
            segments: self.segments.len(),
            pending: self.pending.len(),
            heap_bytes: heap,
        }
    }

    /// Serialises live hashes (with their disabled flags) for the store.
    ///
    /// Layout: `VGRIDX01`, radius u32 LE, count u64 LE, then per hash id u64 LE, 32 hash
    /// bytes, flags u8, then an FNV-1a 64 checksum of everything before it. Tables are
    /// rebuilt on load, so a hostile blob can never corrupt search structures.
    pub fn to_bytes(&self) -> Vec<u8> {
        let items = self.items_with_flags();
        let mut b = Vec::with_capacity(20 + items.len() * 41 + 8);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.radius.to_le_bytes());
        b.extend_from_slice(&(items.len() as u64).to_le_bytes());
        for (id, h, f) in items {
            b.extend_from_slice(&id.to_le_bytes());
            b.extend_from_slice(&PdqHash::from_words(h).0);
            b.push(f & FLAG_DISABLED);
        }
        let sum = fnv1a(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b
    }

    /// Inverse of [`RadiusIndex::to_bytes`]; total on arbitrary input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IndexError> {
        if bytes.len() < 28 || &bytes[..8] != MAGIC {
            return Err(IndexError::BadMagic);
        }
        let radius = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        let count = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let body = bytes.len() - 28;
        if count.checked_mul(41) != Some(body as u64) {
            return Err(IndexError::BadLength(format!(
                "{count} records need {} bytes, have {body}",
                count.saturating_mul(41)
            )));
        }
        let (data, sum) = bytes.split_at(bytes.len() - 8);
        if fnv1a(data) != u64::from_le_bytes(sum.try_into().expect("8 bytes")) {
            return Err(IndexError::BadChecksum);
        }
        let mut items = Vec::with_capacity(count as usize);
        for rec in data[20..].chunks_exact(41) {
            let id = u64::from_le_bytes(rec[..8].try_into().expect("8 bytes"));
            let mut h = [0u8; 32];
            h.copy_from_slice(&rec[8..40]);
            items.push((id, PdqHash(h).to_words(), rec[40] & FLAG_DISABLED));
        }
        let mut idx = RadiusIndex::new(radius);
        idx.bulk_segments(&mut items);
        Ok(idx)
    }
}

const MAGIC: &[u8; 8] = b"VGRIDX01";

fn fnv1a(b: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn merge(a: Segment, b: Segment) -> Segment {
    let cap = a.len() + b.len();
    let (mut ids, mut hashes, mut flags) = (
        Vec::with_capacity(cap),
        Vec::with_capacity(cap),
        Vec::with_capacity(cap),
    );
    let (mut i, mut j) = (0, 0);
    loop {
        let take_a = match (i < a.len(), j < b.len()) {
            (false, false) => break,
            (true, false) => true,
            (false, true) => false,
            (true, true) => a.ids[i] <= b.ids[j],
        };
        let (s, k) = if take_a { (&a, &mut i) } else { (&b, &mut j) };
        if s.flags[*k] & FLAG_REMOVED == 0 {
            ids.push(s.ids[*k]);
            hashes.push(s.hashes[*k]);
            flags.push(s.flags[*k]);
        }
        *k += 1;
    }
    Segment::build(ids, hashes, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_units_sum_to_radius_plus_one() {
        for r in 0..=MAX_MIH_RADIUS {
            let p = Plan::new(r);
            let s: i32 = p.t.iter().map(|t| t + 1).sum();
            assert_eq!(s, r as i32 + 1);
            let c: i32 = p.chunk.iter().map(|t| t + 1).sum();
            assert_eq!(c, r as i32 + 1);
            assert!(p.t.iter().all(|&t| t <= 2));
        }
    }
}
