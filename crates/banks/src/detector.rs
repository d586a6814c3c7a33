//! The `hash` detector: a post's media hashes (filled at ingest) and its folded text are
//! matched against enabled bank items; a match becomes a Signal on the post and a
//! `Facts.bank_matches` entry for later detectors. No IO: banks are loaded before the pass.

use crate::Error;
use std::collections::HashMap;
use vigil_detect::{BankMatch, Detector, Observation};
use vigil_hash::banks::{Bank, BankMatcher, HashAlgorithm, Labels, Match};
use vigil_hash::minhash::{exact_jaccard, LshIndex, MinHasher};
use vigil_hash::pdq::PdqHash;
use vigil_model::{Category, EntityKind, Signal};
use vigil_store::banks::{BankStore, BankText};

/// The detector's name, as `Signal::detector`.
pub const DETECTOR: &str = "hash";
/// PDQ radius (Meta's recommendation for PDQ: 31).
pub const RADIUS: u32 = 31;
/// Jaccard threshold for known-text near-duplicates.
pub const TEXT_THRESHOLD: f64 = 0.8;
/// Folded texts shorter than this (in chars) are not matched: too few shingles to tell.
pub const MIN_TEXT_CHARS: usize = 40;

struct KnownText {
    bank: String,
    id: u64,
    folded: String,
    labels: Labels,
}

/// Matches posts against banks.
pub struct HashDetector {
    matcher: BankMatcher,
    /// Bank name → version (`name@audit-seq`), recorded on signals.
    versions: HashMap<String, String>,
    mh: MinHasher,
    lsh: LshIndex,
    texts: Vec<KnownText>,
}

/// A detector over `banks` (disabled items never match) and known `texts`.
pub fn detector(banks: &[Bank], texts: &[BankText]) -> Result<Box<dyn Detector>, Error> {
    Ok(Box::new(HashDetector::new(banks, texts)?))
}

/// A detector over every bank and known text in the store.
pub fn detector_from_store(store: &dyn BankStore) -> Result<Box<dyn Detector>, Error> {
    let banks = crate::persist::load_all(store)?;
    let texts = store.bank_texts()?;
    detector(&banks, &texts)
}

impl HashDetector {
    pub fn new(banks: &[Bank], texts: &[BankText]) -> Result<Self, Error> {
        let matcher = BankMatcher::from_banks(banks, RADIUS)?;
        let versions = banks
            .iter()
            .map(|b| {
                let seq = b.audit.last().map_or(0, |a| a.seq);
                (b.name.clone(), format!("{}@{seq}", b.name))
            })
            .collect();
        let mh = MinHasher::default();
        let mut lsh = LshIndex::new(&mh, TEXT_THRESHOLD);
        let mut known = Vec::new();
        for t in texts.iter().filter(|t| t.enabled) {
            let folded = vigil_hash::minhash::fold(&t.text);
            if folded.chars().count() < MIN_TEXT_CHARS {
                continue;
            }
            let sig = mh.signature(&folded);
            if sig.is_empty() {
                continue;
            }
            lsh.insert(known.len() as u64, &sig);
            known.push(KnownText {
                bank: t.bank.clone(),
                id: t.id,
                folded,
                labels: serde_json::from_value(t.labels.clone()).unwrap_or_default(),
            });
        }
        Ok(HashDetector {
            matcher,
            versions,
            mh,
            lsh,
            texts: known,
        })
    }

    /// Items held by the media matcher.
    pub fn items(&self) -> usize {
        self.matcher.len()
    }

    fn media_matches(&self, m: &vigil_model::Media) -> Vec<(Match, bool)> {
        let mut out: Vec<(Match, bool)> = Vec::new();
        let mut push = |mt: Match, mirrored: bool| match out
            .iter_mut()
            .find(|(o, _)| o.bank == mt.bank && o.item_id == mt.item_id)
        {
            Some(o) if mt.distance < o.0.distance => *o = (mt, mirrored),
            Some(_) => {}
            None => out.push((mt, mirrored)),
        };
        if let Some(d) = &m.md5 {
            for mt in self.matcher.match_exact(HashAlgorithm::Md5, d) {
                push(mt, false);
            }
        }
        if let Some(d) = &m.sha256 {
            for mt in self.matcher.match_exact(HashAlgorithm::Sha256, d) {
                push(mt, false);
            }
        }
        let quality_ok = m.pdq_quality.is_some_and(|q| q >= self.matcher.min_quality);
        if quality_ok {
            if let Some(h) = m.pdq.as_deref().and_then(|h| PdqHash::from_hex(h).ok()) {
                for mt in self.matcher.match_pdq(&h) {
                    push(mt, false);
                }
            }
            if let Some(h) = m
                .pdq_mirror
                .as_deref()
                .and_then(|h| PdqHash::from_hex(h).ok())
            {
                for mt in self.matcher.match_pdq(&h) {
                    push(mt, true);
                }
            }
        }
        out
    }

    fn signal(
        &self,
        post: &vigil_model::Post,
        bank: &str,
        item: u64,
        labels: &Labels,
        algorithm: &str,
        distance: u32,
        weight: f32,
        extra: serde_json::Value,
    ) -> Signal {
        let mut explanation = serde_json::json!({
            "bank": bank,
            "item": item,
            "label": labels,
            "algorithm": algorithm,
            "distance": distance,
        });
        if let (Some(o), serde_json::Value::Object(x)) = (explanation.as_object_mut(), extra) {
            o.extend(x);
        }
        Signal {
            entity_kind: EntityKind::Post,
            entity_id: post.id.clone(),
            detector: DETECTOR.to_string(),
            category: Some(category(labels)),
            context: None,
            weight,
            source: format!("bank:{bank}#{item}"),
            version: self
                .versions
                .get(bank)
                .cloned()
                .unwrap_or_else(|| bank.to_string()),
            explanation,
            at: post.created_at,
            shadow: false,
        }
    }
}

/// The harm category a bank item stands for; hash-sharing lists (GIFCT, TCAP) are terrorist
/// content, so an item without a category label is terrorist propaganda.
fn category(labels: &Labels) -> Category {
    labels
        .category
        .as_deref()
        .and_then(Category::parse)
        .unwrap_or(Category::TerroristPropaganda)
}

fn label_name(labels: &Labels) -> String {
    labels
        .category
        .clone()
        .or_else(|| labels.ideology.clone())
        .unwrap_or_else(|| "terrorist_propaganda".into())
}

/// Weight by PDQ distance: 1.0 for an exact match, falling linearly to 0.5 at the radius.
pub fn weight(distance: u32) -> f32 {
    1.0 - 0.5 * (distance.min(RADIUS) as f32 / RADIUS as f32)
}

impl Detector for HashDetector {
    fn name(&self) -> &'static str {
        DETECTOR
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let post = obs.post;
        let mut seen: Vec<(String, u64)> = Vec::new();
        for (idx, m) in post.media.iter().enumerate() {
            for (mt, mirrored) in self.media_matches(m) {
                if seen.iter().any(|(b, i)| *b == mt.bank && *i == mt.item_id) {
                    continue;
                }
                seen.push((mt.bank.clone(), mt.item_id));
                let alg = mt.algorithm.as_str();
                out.push(self.signal(
                    post,
                    &mt.bank,
                    mt.item_id,
                    &mt.labels,
                    alg,
                    mt.distance,
                    weight(mt.distance),
                    serde_json::json!({"media_index": idx, "mirrored": mirrored,
                        "provenance": mt.provenance}),
                ));
                obs.facts.bank_matches.push(BankMatch {
                    bank: mt.bank.clone(),
                    item: mt.item_id.to_string(),
                    label: label_name(&mt.labels),
                    algorithm: alg.to_string(),
                    distance: mt.distance,
                });
            }
        }
        if self.texts.is_empty() || obs.text.folded.chars().count() < MIN_TEXT_CHARS {
            return;
        }
        let folded = vigil_hash::minhash::fold(&obs.text.folded);
        let sig = self.mh.signature(&folded);
        if sig.is_empty() {
            return;
        }
        for c in self.lsh.query(&sig) {
            let Some(k) = self.texts.get(c.id as usize) else {
                continue;
            };
            // Verify: the estimate alone is not enough to act on (false positives are harms).
            let j = exact_jaccard(&self.mh, &folded, &k.folded);
            if j < TEXT_THRESHOLD {
                continue;
            }
            let distance = ((1.0 - j) * 100.0).round() as u32;
            let mut sig = self.signal(
                post,
                &k.bank,
                k.id,
                &k.labels,
                "minhash",
                distance,
                (0.5 + 0.5 * j) as f32,
                serde_json::json!({"jaccard": j, "text": true}),
            );
            sig.source = format!("text:{}#{}", k.bank, k.id);
            out.push(sig);
            obs.facts.bank_matches.push(BankMatch {
                bank: k.bank.clone(),
                item: format!("text:{}", k.id),
                label: label_name(&k.labels),
                algorithm: "minhash".into(),
                distance,
            });
        }
    }
}
