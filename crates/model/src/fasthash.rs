//! A fast non-cryptographic 64-bit hash for duplicate and change detection.
//!
//! Each 8-byte word is mixed with a folded 128-bit multiply (the high half folds back into
//! the low half), so every input bit reaches every output bit; a plain multiply-rotate hash
//! only carries differences upward and collides on ids that differ in two nearby bytes.
//! Not for anything adversarial beyond a false "duplicate" report, which names both places.

const K1: u64 = 0xa076_1d64_78bd_642f;
const K2: u64 = 0xe703_7ed1_a0b4_28db;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let m = (a as u128) * (b as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Hash bytes to 64 bits.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h = fold_mul(bytes.len() as u64 ^ K1, K2);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = fold_mul(h ^ w ^ K1, K2);
    }
    let rem = chunks.remainder();
    if !rem.is_empty() {
        let mut tail = [0u8; 8];
        tail[..rem.len()].copy_from_slice(rem);
        h = fold_mul(h ^ u64::from_le_bytes(tail) ^ K2, K1);
    }
    fold_mul(h, K1 ^ K2)
}

/// A [`std::hash::Hasher`] over the same mixing, for hashing whole structs.
#[derive(Default)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        fold_mul(self.0 ^ K2, K1)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fold_mul(self.0 ^ hash64(bytes), K2);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64)
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64)
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = fold_mul(self.0 ^ v ^ K1, K2);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64)
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_collisions_on_sequential_ids() {
        // The regression: ids differing in two nearby bytes collided under multiply-rotate.
        let mut seen = std::collections::HashSet::new();
        for i in 0..1_000_000u64 {
            assert!(
                seen.insert(hash64(format!("twitter:{}", 1_000_000_000 + i).as_bytes())),
                "collision at {i}"
            );
        }
    }

    #[test]
    fn lengths_and_tails_matter() {
        assert_ne!(hash64(b""), hash64(b"\0"));
        assert_ne!(hash64(b"abcdefgh"), hash64(b"abcdefgh\0"));
    }
}

/// A [`std::hash::Hasher`] for keys that are already hashes (a `u64` from [`hash64`]): the
/// key is its own hash.
#[derive(Default, Clone, Copy)]
pub struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A map keyed by [`hash64`] of an id.
pub type HashedMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<PreHashed>>;

/// Dense numbers for string ids, each id kept once: a [`hash64`] → number map over a `Vec`
/// of the ids (a `HashMap<String, u32>` beside a `Vec<String>` keeps every id twice).
#[derive(Default, Debug, Clone)]
pub struct Ids {
    names: Vec<String>,
    by_hash: HashedMap<u32>,
    /// Ids whose 64-bit hash another id took first (practically never).
    collided: std::collections::HashMap<String, u32>,
}

impl Ids {
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// The number of `id`, if it has one.
    pub fn get(&self, id: &str) -> Option<u32> {
        match self.by_hash.get(&hash64(id.as_bytes())) {
            Some(&i) if self.names[i as usize] == id => Some(i),
            Some(_) => self.collided.get(id).copied(),
            None => None,
        }
    }
    /// The number of `id`, the next one if it had none.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(i) = self.get(id) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(id.to_string());
        match self.by_hash.entry(hash64(id.as_bytes())) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(id.to_string(), i);
            }
        }
        i
    }
    /// The id numbered `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod ids_tests {
    use super::*;

    #[test]
    fn ids_are_numbered_densely_and_found_again() {
        let mut ids = Ids::default();
        assert_eq!(ids.intern("twitter:1"), 0);
        assert_eq!(ids.intern("vk:1"), 1);
        assert_eq!(ids.intern("twitter:1"), 0);
        assert_eq!(ids.get("vk:1"), Some(1));
        assert_eq!(ids.get("vk:2"), None);
        assert_eq!(ids.name(1), "vk:1");
        // A colliding hash (forced) still finds each id.
        ids.by_hash.insert(hash64(b"x"), 0);
        assert_eq!(ids.get("x"), None);
        assert_eq!(ids.intern("x"), 2);
        assert_eq!(ids.get("x"), Some(2));
        assert_eq!(ids.get("twitter:1"), Some(0));
        assert_eq!(ids.len(), 3);
    }
}
