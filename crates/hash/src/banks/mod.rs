//! Hash banks: named, labelled collections of PDQ/MD5/SHA-256 hashes with per-item enable/disable, provenance and an audit trail; IO-free.
//!
//! The store persists [`Bank`] values; the CLI and ingest build a [`BankMatcher`] over them.
//! Nothing here reads a clock or a file: timestamps and actors are supplied by the caller.

pub mod csv;
mod matcher;
pub mod ndjson;
pub mod tcap;

pub use matcher::{BankMatcher, Match};

use serde::{Deserialize, Serialize};

/// Harm categories from vigil's taxonomy that a bank item may carry.
pub const CATEGORIES: [&str; 9] = [
    "terrorist_propaganda",
    "recruitment",
    "travel_facilitation",
    "fundraising",
    "incitement",
    "instruction",
    "threat",
    "coordinated_amplification",
    "ban_evasion",
];

/// Largest digest text accepted (TMK signatures are long; the others are fixed-size hex).
pub const MAX_DIGEST_LEN: usize = 65_536;
/// Largest label text accepted.
pub const MAX_LABEL_LEN: usize = 256;
/// Item ids must fit in 40 bits so the matcher can pack (bank, item) into one u64.
pub const MAX_ITEM_ID: u64 = (1 << 40) - 1;

/// Errors from bank operations and imports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// Bank names are 1..=64 characters of `a-z 0-9 _ - .`.
    #[error("bad bank name {0:?}: use 1-64 of a-z, 0-9, '_', '-', '.'")]
    BadName(String),
    /// The algorithm name is unknown.
    #[error("unknown hash algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The digest does not fit the algorithm.
    #[error("bad {algorithm} digest: {reason}")]
    BadDigest {
        /// Algorithm name.
        algorithm: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A label is too long or a category is not in the taxonomy.
    #[error("bad label {field}: {reason}")]
    BadLabel {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No such item in the bank.
    #[error("no item {0} in bank")]
    NoSuchItem(u64),
    /// The bank has no more item ids.
    #[error("bank is full")]
    Full,
    /// Too many banks for one matcher.
    #[error("too many banks for one matcher (limit {0})")]
    TooManyBanks(usize),
}

/// Hash algorithms a bank can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    /// Meta's PDQ, 64 hex digits; matched by Hamming radius.
    Pdq,
    /// MD5 of the file bytes, 32 hex digits; exact.
    Md5,
    /// SHA-256 of the file bytes, 64 hex digits; exact.
    Sha256,
    /// Meta's TMK+PDQF video hash; stored and exchanged, not matched locally yet.
    Tmk,
}

impl HashAlgorithm {
    /// Canonical lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Pdq => "pdq",
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Tmk => "tmk",
        }
    }

    /// Parses the names used by TCAP, ThreatExchange and HMA (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, BankError> {
        let l = s.trim().to_ascii_lowercase();
        Ok(match l.as_str() {
            "pdq" | "photo_pdq" | "pdq_hash" => HashAlgorithm::Pdq,
            "md5" | "photo_md5" | "video_md5" | "hash_md5" => HashAlgorithm::Md5,
            "sha256" | "sha-256" | "sha_256" | "hash_sha256" => HashAlgorithm::Sha256,
            "tmk" | "video_tmk" | "tmk_pdqf" | "video_tmk_pdqf" => HashAlgorithm::Tmk,
            _ => return Err(BankError::UnknownAlgorithm(truncate(s, 64))),
        })
    }

    /// Validates and normalises a digest (lowercase hex for the fixed-size ones).
    pub fn normalise(self, digest: &str) -> Result<String, BankError> {
        let d = digest.trim();
        let hex_len = match self {
            HashAlgorithm::Pdq | HashAlgorithm::Sha256 => Some(64),
            HashAlgorithm::Md5 => Some(32),
            HashAlgorithm::Tmk => None,
        };
        let bad = |reason: String| BankError::BadDigest {
            algorithm: self.as_str(),
            reason,
        };
        match hex_len {
            Some(n) => {
                if d.len() != n {
                    return Err(bad(format!(
                        "expected {n} hex digits, got {} characters",
                        d.chars().count()
                    )));
                }
                if !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("not hexadecimal".into()));
                }
                Ok(d.to_ascii_lowercase())
            }
            None => {
                if d.is_empty() || d.len() > MAX_DIGEST_LEN {
                    return Err(bad(format!("length must be 1..={MAX_DIGEST_LEN}")));
                }
                Ok(d.to_string())
            }
        }
    }
}

impl std::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How severe a match against this item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only.
    Low,
    /// Review.
    Medium,
    /// Prioritised review.
    High,
    /// Immediate action per policy.
    Critical,
}

impl Severity {
    /// Parses `low|medium|high|critical` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, BankError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(BankError::BadLabel {
                field: "severity",
                reason: format!("{:?} is not low, medium, high or critical", truncate(s, 32)),
            }),
        }
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Labels carried into every match signal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Labels {
    /// Where the hash came from (e.g. `tcap`, `gifct`, `internal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Ideology as named by the source list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideology: Option<String>,
    /// Group, using publicly documented group names only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Harm category from the taxonomy ([`CATEGORIES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Content type (`image`, `video`, a MIME type, or the source's `file_type`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl Labels {
    /// Checks lengths, control characters and the category name.
    pub fn validate(&self) -> Result<(), BankError> {
        for (field, v) in [
            ("source", &self.source),
            ("ideology", &self.ideology),
            ("group", &self.group),
            ("category", &self.category),
            ("content_type", &self.content_type),
        ] {
            if let Some(v) = v {
                if v.len() > MAX_LABEL_LEN || v.chars().any(char::is_control) {
                    return Err(BankError::BadLabel {
                        field,
                        reason: format!("at most {MAX_LABEL_LEN} bytes, no control characters"),
                    });
                }
            }
        }
        if let Some(c) = &self.category {
            if !CATEGORIES.contains(&c.as_str()) {
                return Err(BankError::BadLabel {
                    field: "category",
                    reason: format!("{:?} is not a taxonomy harm category", truncate(c, 64)),
                });
            }
        }
        Ok(())
    }
}

/// A hash to add to a bank (an item without its bank-assigned id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDraft {
    /// Algorithm.
    pub algorithm: HashAlgorithm,
    /// Digest text (normalised on add).
    pub digest: String,
    /// Labels.
    #[serde(default)]
    pub labels: Labels,
    /// Whether matches are reported.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where this entry came from: list name, version, URL of the list (never fetched), analyst note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

fn yes() -> bool {
    true
}

/// A hash in a bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankItem {
    /// Id unique within the bank (assigned on add, never reused).
    pub id: u64,
    /// Algorithm.
    pub algorithm: HashAlgorithm,
    /// Normalised digest.
    pub digest: String,
    /// Labels.
    #[serde(default)]
    pub labels: Labels,
    /// Whether matches are reported.
    pub enabled: bool,
    /// Provenance text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// When it was added (caller-supplied timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<String>,
}

impl BankItem {
    /// The PDQ hash, for PDQ items.
    pub fn pdq(&self) -> Option<crate::pdq::PdqHash> {
        (self.algorithm == HashAlgorithm::Pdq)
            .then(|| crate::pdq::PdqHash::from_hex(&self.digest).ok())
            .flatten()
    }
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditAction {
    /// Bank created.
    Create,
    /// Item added.
    Add {
        /// Item id.
        item: u64,
    },
    /// Item disabled.
    Disable {
        /// Item id.
        item: u64,
    },
    /// Item enabled.
    Enable {
        /// Item id.
        item: u64,
    },
    /// Item removed.
    Remove {
        /// Item id.
        item: u64,
    },
    /// Labels replaced.
    Relabel {
        /// Item id.
        item: u64,
    },
    /// Bulk import.
    Import {
        /// Format name.
        format: String,
        /// Items added.
        added: u64,
        /// Items already present (same algorithm and digest) and left unchanged.
        duplicates: u64,
        /// Rows rejected.
        rejected: u64,
    },
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number within the bank, from 1.
    pub seq: u64,
    /// Caller-supplied timestamp.
    pub at: String,
    /// Who did it.
    pub actor: String,
    /// What happened.
    #[serde(flatten)]
    pub action: AuditAction,
    /// Why, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Who and when, for audited changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<'a> {
    /// User or system component.
    pub name: &'a str,
    /// Timestamp (RFC 3339 recommended).
    pub at: &'a str,
}

/// A named collection of hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bank {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Items in id order.
    pub items: Vec<BankItem>,
    /// Change log, oldest first.
    pub audit: Vec<AuditEntry>,
    #[serde(default)]
    next_id: u64,
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

impl Bank {
    /// A new empty bank; the creation is the first audit record.
    pub fn new(name: &str, description: &str, by: &Actor<'_>) -> Result<Self, BankError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
        if !ok {
            return Err(BankError::BadName(truncate(name, 80)));
        }
        let mut b = Bank {
            name: name.to_string(),
            description: truncate(description, 4096),
            items: Vec::new(),
            audit: Vec::new(),
            next_id: 1,
        };
        b.log(by, AuditAction::Create, None);
        Ok(b)
    }

    fn log(&mut self, by: &Actor<'_>, action: AuditAction, reason: Option<&str>) {
        let seq = self.audit.len() as u64 + 1;
        self.audit.push(AuditEntry {
            seq,
            at: truncate(by.at, 64),
            actor: truncate(by.name, 128),
            action,
            reason: reason.map(|r| truncate(r, 1024)),
        });
    }

    fn push(&mut self, draft: ItemDraft, by: &Actor<'_>) -> Result<u64, BankError> {
        let digest = draft.algorithm.normalise(&draft.digest)?;
        draft.labels.validate()?;
        // A bank read back from storage may carry a stale counter; ids must never repeat
        // and items stay sorted by id.
        let after_last = self.items.last().map_or(1, |i| i.id.saturating_add(1));
        let id = self.next_id.max(after_last);
        if id > MAX_ITEM_ID {
            return Err(BankError::Full);
        }
        self.next_id = id + 1;
        self.items.push(BankItem {
            id,
            algorithm: draft.algorithm,
            digest,
            labels: draft.labels,
            enabled: draft.enabled,
            provenance: draft.provenance.map(|p| truncate(&p, 1024)),
            added_at: Some(truncate(by.at, 64)),
        });
        Ok(id)
    }

    /// Adds one item; returns its id.
    pub fn add(&mut self, draft: ItemDraft, by: &Actor<'_>) -> Result<u64, BankError> {
        let id = self.push(draft, by)?;
        self.log(by, AuditAction::Add { item: id }, None);
        Ok(id)
    }

    /// Adds many drafts as one audited import. Drafts whose (algorithm, digest) is already
    /// in the bank are skipped (counted as duplicates); a draft marked disabled disables an
    /// existing equal item (how TCAP's `deleted` rows retire hashes).
    pub fn import(
        &mut self,
        format: &str,
        drafts: Vec<ItemDraft>,
        rejected: u64,
        by: &Actor<'_>,
    ) -> Result<ImportSummary, BankError> {
        let mut existing: std::collections::HashMap<(HashAlgorithm, String), usize> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| ((it.algorithm, it.digest.clone()), i))
            .collect();
        let (mut added, mut duplicates, mut bad, mut retired) = (0u64, 0u64, rejected, 0u64);
        for d in drafts {
            let Ok(norm) = d.algorithm.normalise(&d.digest) else {
                bad += 1;
                continue;
            };
            if let Some(&i) = existing.get(&(d.algorithm, norm.clone())) {
                if !d.enabled && self.items[i].enabled {
                    self.items[i].enabled = false;
                    retired += 1;
                } else {
                    duplicates += 1;
                }
                continue;
            }
            match self.push(d, by) {
                Ok(_) => {
                    existing.insert(
                        (self.items[self.items.len() - 1].algorithm, norm),
                        self.items.len() - 1,
                    );
                    added += 1;
                }
                Err(BankError::Full) => return Err(BankError::Full),
                Err(_) => bad += 1,
            }
        }
        self.log(
            by,
            AuditAction::Import {
                format: truncate(format, 32),
                added,
                duplicates,
                rejected: bad,
            },
            (retired > 0).then_some("rows marked deleted disabled existing items"),
        );
        Ok(ImportSummary {
            added,
            duplicates,
            rejected: bad,
            disabled: retired,
        })
    }

    fn index_of(&self, id: u64) -> Result<usize, BankError> {
        self.items
            .binary_search_by_key(&id, |i| i.id)
            .map_err(|_| BankError::NoSuchItem(id))
    }

    /// Looks up an item.
    pub fn get(&self, id: u64) -> Option<&BankItem> {
        self.index_of(id).ok().map(|i| &self.items[i])
    }

    /// Enables or disables an item (audited with a reason).
    pub fn set_enabled(
        &mut self,
        id: u64,
        enabled: bool,
        by: &Actor<'_>,
        reason: Option<&str>,
    ) -> Result<(), BankError> {
        let i = self.index_of(id)?;
        self.items[i].enabled = enabled;
        let action = if enabled {
            AuditAction::Enable { item: id }
        } else {
            AuditAction::Disable { item: id }
        };
        self.log(by, action, reason);
        Ok(())
    }

    /// Replaces an item's labels (audited).
    pub fn relabel(
        &mut self,
        id: u64,
        labels: Labels,
        by: &Actor<'_>,
        reason: Option<&str>,
    ) -> Result<(), BankError> {
        labels.validate()?;
        let i = self.index_of(id)?;
        self.items[i].labels = labels;
        self.log(by, AuditAction::Relabel { item: id }, reason);
        Ok(())
    }

    /// Removes an item (audited); its id is never reused.
    pub fn remove(
        &mut self,
        id: u64,
        by: &Actor<'_>,
        reason: Option<&str>,
    ) -> Result<BankItem, BankError> {
        let i = self.index_of(id)?;
        let item = self.items.remove(i);
        self.log(by, AuditAction::Remove { item: id }, reason);
        Ok(item)
    }

    /// Items with this algorithm and (normalised) digest.
    pub fn find(&self, algorithm: HashAlgorithm, digest: &str) -> Vec<&BankItem> {
        let Ok(d) = algorithm.normalise(digest) else {
            return Vec::new();
        };
        self.items
            .iter()
            .filter(|i| i.algorithm == algorithm && i.digest == d)
            .collect()
    }
}

/// Counts from [`Bank::import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// New items.
    pub added: u64,
    /// Already present, unchanged.
    pub duplicates: u64,
    /// Rows the parser or validation rejected.
    pub rejected: u64,
    /// Existing items disabled by rows marked deleted.
    pub disabled: u64,
}

/// A row the parser rejected, with its 1-based line (or record) number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Line or record number.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// Parsed rows: good drafts plus the rejected ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Valid drafts in input order.
    pub drafts: Vec<ItemDraft>,
    /// Rejected rows.
    pub rejected: Vec<Rejected>,
}

/// Errors that stop a whole parse (as opposed to a rejected row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Input larger than the parser's bound.
    #[error("input is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// More rows than the parser's bound.
    #[error("more than {0} records")]
    TooManyRecords(usize),
    /// The document shape is wrong (not JSON, no header, ...).
    #[error("malformed input: {0}")]
    Malformed(String),
}

/// Bounds for every hash-list parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Most records.
    pub max_records: usize,
    /// Longest line (CSV, NDJSON).
    pub max_line: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bytes: 512 << 20,
            max_records: 20_000_000,
            max_line: 1 << 20,
        }
    }
}

fn check_size(input: &[u8], limits: &ParseLimits) -> Result<(), FormatError> {
    if input.len() > limits.max_bytes {
        return Err(FormatError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

fn validate_draft(d: ItemDraft) -> Result<ItemDraft, String> {
    let digest = d
        .algorithm
        .normalise(&d.digest)
        .map_err(|e| e.to_string())?;
    d.labels.validate().map_err(|e| e.to_string())?;
    Ok(ItemDraft { digest, ..d })
}

fn empty_to_none(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by() -> Actor<'static> {
        Actor {
            name: "analyst-1",
            at: "2026-01-01T00:00:00Z",
        }
    }

    fn pdq_draft(hex: &str) -> ItemDraft {
        ItemDraft {
            algorithm: HashAlgorithm::Pdq,
            digest: hex.to_string(),
            labels: Labels {
                source: Some("internal".into()),
                category: Some("terrorist_propaganda".into()),
                severity: Some(Severity::High),
                ..Labels::default()
            },
            enabled: true,
            provenance: Some("synthetic test".into()),
        }
    }

    #[test]
    fn lifecycle_is_audited() {
        let mut b = Bank::new("tcap-pdq", "test", &by()).unwrap();
        let id = b.add(pdq_draft(&"AB".repeat(32)), &by()).unwrap();
        assert_eq!(b.get(id).unwrap().digest, "ab".repeat(32));
        b.set_enabled(
            id,
            false,
            &by(),
            Some("false positive on benign news photo"),
        )
        .unwrap();
        assert!(!b.get(id).unwrap().enabled);
        b.remove(id, &by(), None).unwrap();
        assert!(b.get(id).is_none());
        let actions: Vec<&AuditAction> = b.audit.iter().map(|a| &a.action).collect();
        assert_eq!(
            actions,
            vec![
                &AuditAction::Create,
                &AuditAction::Add { item: 1 },
                &AuditAction::Disable { item: 1 },
                &AuditAction::Remove { item: 1 }
            ]
        );
        // Ids are never reused.
        assert_eq!(b.add(pdq_draft(&"cd".repeat(32)), &by()).unwrap(), 2);
    }

    #[test]
    fn validation() {
        assert!(Bank::new("Bad Name", "", &by()).is_err());
        let mut b = Bank::new("ok", "", &by()).unwrap();
        assert!(b.add(pdq_draft("abc"), &by()).is_err());
        let mut d = pdq_draft(&"00".repeat(32));
        d.labels.category = Some("not_a_category".into());
        assert!(b.add(d, &by()).is_err());
        assert_eq!(
            HashAlgorithm::parse("SHA-256").unwrap(),
            HashAlgorithm::Sha256
        );
        assert!(HashAlgorithm::parse("crc32").is_err());
    }
}
