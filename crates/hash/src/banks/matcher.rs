//! In-memory matcher over banks: PDQ radius search plus exact MD5/SHA-256 lookups, returning labelled matches.

use std::collections::HashMap;

use super::{Bank, BankError, BankItem, HashAlgorithm, Labels};
use crate::index::RadiusIndex;
use crate::media::MediaHashes;
use crate::pdq::PdqHash;

/// Most banks one matcher holds (bank index is packed into the top 24 bits of a u64).
pub const MAX_BANKS: usize = (1 << 24) - 1;
/// Meta's guidance: PDQ hashes with quality below 50 are too flat to match reliably.
pub const DEFAULT_MIN_QUALITY: u32 = 50;

/// One hit against a bank item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    /// Bank name.
    pub bank: String,
    /// Item id within the bank.
    pub item_id: u64,
    /// Which hash matched.
    pub algorithm: HashAlgorithm,
    /// Hamming distance for PDQ, 0 for exact hashes.
    pub distance: u32,
    /// The item's labels.
    pub labels: Labels,
    /// The item's provenance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

#[derive(Debug, Clone)]
struct Meta {
    algorithm: HashAlgorithm,
    digest: String,
    labels: Labels,
    provenance: Option<String>,
    enabled: bool,
}

/// Matches hashes against any number of banks; updates are incremental.
#[derive(Debug, Clone)]
pub struct BankMatcher {
    radius: u32,
    /// PDQ hashes with a lower quality are not matched by [`BankMatcher::match_media`].
    pub min_quality: u32,
    bank_names: Vec<String>,
    bank_ix: HashMap<String, usize>,
    meta: HashMap<u64, Meta>,
    pdq: RadiusIndex,
    exact: HashMap<(HashAlgorithm, String), Vec<u64>>,
}

fn pack(bank: usize, item: u64) -> u64 {
    ((bank as u64) << 40) | (item & super::MAX_ITEM_ID)
}

fn unpack(key: u64) -> (usize, u64) {
    ((key >> 40) as usize, key & super::MAX_ITEM_ID)
}

impl BankMatcher {
    /// An empty matcher with PDQ radius `radius` (31 is Meta's recommendation).
    pub fn new(radius: u32) -> Self {
        BankMatcher {
            radius,
            min_quality: DEFAULT_MIN_QUALITY,
            bank_names: Vec::new(),
            bank_ix: HashMap::new(),
            meta: HashMap::new(),
            pdq: RadiusIndex::new(radius),
            exact: HashMap::new(),
        }
    }

    /// Builds a matcher over `banks`.
    pub fn from_banks<'a>(
        banks: impl IntoIterator<Item = &'a Bank>,
        radius: u32,
    ) -> Result<Self, BankError> {
        let mut m = BankMatcher::new(radius);
        let mut pdq = Vec::new();
        for b in banks {
            let bi = m.bank_index(&b.name)?;
            for it in &b.items {
                m.insert_meta(bi, it, &mut |k, h| pdq.push((k, h)));
            }
        }
        m.pdq = RadiusIndex::build(radius, pdq);
        for (k, meta) in &m.meta {
            if meta.algorithm == HashAlgorithm::Pdq && !meta.enabled {
                m.pdq.disable(*k);
            }
        }
        Ok(m)
    }

    fn bank_index(&mut self, name: &str) -> Result<usize, BankError> {
        if let Some(&i) = self.bank_ix.get(name) {
            return Ok(i);
        }
        if self.bank_names.len() >= MAX_BANKS {
            return Err(BankError::TooManyBanks(MAX_BANKS));
        }
        self.bank_names.push(name.to_string());
        self.bank_ix
            .insert(name.to_string(), self.bank_names.len() - 1);
        Ok(self.bank_names.len() - 1)
    }

    fn insert_meta(&mut self, bi: usize, it: &BankItem, pdq: &mut dyn FnMut(u64, PdqHash)) {
        let k = pack(bi, it.id);
        match it.algorithm {
            HashAlgorithm::Pdq => {
                if let Some(h) = it.pdq() {
                    pdq(k, h);
                }
            }
            HashAlgorithm::Md5 | HashAlgorithm::Sha256 => {
                self.exact
                    .entry((it.algorithm, it.digest.clone()))
                    .or_default()
                    .push(k);
            }
            HashAlgorithm::Tmk => {}
        }
        self.meta.insert(
            k,
            Meta {
                algorithm: it.algorithm,
                digest: it.digest.clone(),
                labels: it.labels.clone(),
                provenance: it.provenance.clone(),
                enabled: it.enabled,
            },
        );
    }

    /// Adds or replaces one item of bank `bank`.
    pub fn set_item(&mut self, bank: &str, it: &BankItem) -> Result<(), BankError> {
        self.remove_item(bank, it.id);
        let bi = self.bank_index(bank)?;
        let mut added = None;
        self.insert_meta(bi, it, &mut |k, h| added = Some((k, h)));
        if let Some((k, h)) = added {
            self.pdq.add(k, h);
            if !it.enabled {
                self.pdq.disable(k);
            }
        }
        Ok(())
    }

    /// Removes one item; returns whether it was present.
    pub fn remove_item(&mut self, bank: &str, id: u64) -> bool {
        let Some(&bi) = self.bank_ix.get(bank) else {
            return false;
        };
        let k = pack(bi, id);
        let Some(meta) = self.meta.remove(&k) else {
            return false;
        };
        match meta.algorithm {
            HashAlgorithm::Pdq => {
                self.pdq.remove(k);
            }
            HashAlgorithm::Md5 | HashAlgorithm::Sha256 => {
                let key = (meta.algorithm, meta.digest);
                if let Some(v) = self.exact.get_mut(&key) {
                    v.retain(|&x| x != k);
                    if v.is_empty() {
                        self.exact.remove(&key);
                    }
                }
            }
            HashAlgorithm::Tmk => {}
        }
        true
    }

    /// Enables or disables one item; returns whether it was present.
    pub fn set_enabled(&mut self, bank: &str, id: u64, enabled: bool) -> bool {
        let Some(&bi) = self.bank_ix.get(bank) else {
            return false;
        };
        let k = pack(bi, id);
        let Some(meta) = self.meta.get_mut(&k) else {
            return false;
        };
        meta.enabled = enabled;
        if meta.algorithm == HashAlgorithm::Pdq {
            if enabled {
                self.pdq.enable(k);
            } else {
                self.pdq.disable(k);
            }
        }
        true
    }

    /// Replaces every item of `bank` with the bank's current items.
    pub fn upsert_bank(&mut self, bank: &Bank) -> Result<(), BankError> {
        if let Some(&bi) = self.bank_ix.get(&bank.name) {
            let keys: Vec<u64> = self
                .meta
                .keys()
                .copied()
                .filter(|k| unpack(*k).0 == bi)
                .collect();
            for k in keys {
                self.remove_item(&bank.name, unpack(k).1);
            }
        }
        for it in &bank.items {
            self.set_item(&bank.name, it)?;
        }
        Ok(())
    }

    fn to_match(&self, k: u64, distance: u32) -> Option<Match> {
        let meta = self.meta.get(&k)?;
        if !meta.enabled {
            return None;
        }
        let (bi, item) = unpack(k);
        Some(Match {
            bank: self.bank_names[bi].clone(),
            item_id: item,
            algorithm: meta.algorithm,
            distance,
            labels: meta.labels.clone(),
            provenance: meta.provenance.clone(),
        })
    }

    /// PDQ matches within the matcher's radius, nearest first.
    pub fn match_pdq(&self, h: &PdqHash) -> Vec<Match> {
        self.match_pdq_radius(h, self.radius)
    }

    /// PDQ matches within `radius`, nearest first.
    pub fn match_pdq_radius(&self, h: &PdqHash, radius: u32) -> Vec<Match> {
        self.pdq
            .query(h, radius)
            .into_iter()
            .filter_map(|(k, d)| self.to_match(k, d))
            .collect()
    }

    /// Exact MD5/SHA-256 matches (digest in any case).
    pub fn match_exact(&self, algorithm: HashAlgorithm, digest: &str) -> Vec<Match> {
        let Ok(d) = algorithm.normalise(digest) else {
            return Vec::new();
        };
        self.exact
            .get(&(algorithm, d))
            .map(|ks| ks.iter().filter_map(|&k| self.to_match(k, 0)).collect())
            .unwrap_or_default()
    }

    /// Everything a media file matches: exact hashes first, then PDQ (if its quality is at
    /// least [`BankMatcher::min_quality`]).
    pub fn match_media(&self, m: &MediaHashes) -> Vec<Match> {
        let mut out = self.match_exact(HashAlgorithm::Md5, &m.md5);
        out.extend(self.match_exact(HashAlgorithm::Sha256, &m.sha256));
        if let Some((h, q)) = m.pdq {
            if q >= self.min_quality {
                out.extend(self.match_pdq(&h));
            }
        }
        out
    }

    /// Items held (all algorithms, enabled or not).
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// Whether no item is held.
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }
}
