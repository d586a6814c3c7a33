//! Ground truth (`truth.json`): roles, campaigns, clusters, returning pairs, trends and what was known at the start; written incrementally, read by `vigil eval`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Platform, SimConfig};
use crate::SimError;

/// Schema tag of the file; bumped on any incompatible change.
pub const SCHEMA: &str = "vigil-truth/1";

/// The whole truth of one simulated world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    pub schema: String,
    pub seed: u64,
    pub config: SimConfig,
    /// First and last simulated instants (RFC 3339, UTC, milliseconds).
    pub start: String,
    pub end: String,
    pub accounts: Vec<TruthAccount>,
    pub campaigns: Vec<TruthCampaign>,
    pub clusters: Vec<TruthCluster>,
    pub returning: Vec<TruthReturn>,
    /// Stable ids of news, research and counter-speech accounts: never to be actioned.
    pub context_accounts: Vec<String>,
    pub trends: Vec<TruthTrend>,
    pub known_at_start: KnownAtStart,
    /// Every post that carries a propaganda image (original or variant).
    pub media_posts: Vec<TruthMediaPost>,
    /// Accounts on two platforms that are one identity and say so: the first account's bio
    /// names the second's own address. (Absent in files written before it existed.)
    #[serde(default)]
    pub identities: Vec<TruthIdentity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthIdentity {
    /// Stable ids, the account whose bio points first.
    pub accounts: Vec<String>,
    /// The role both accounts play (`news`, `fanboy`, …).
    pub role: String,
    pub extremist: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthAccount {
    /// Stable id `platform:native` (e.g. `twitter:2400000013`, `vk:-30000007`, `telegram:channel1000000007`).
    pub id: String,
    pub platform: Platform,
    pub handle: String,
    /// `benign`, `news`, `research`, `counter_speech`, `core_media`, `amplifier_bot`, `fanboy`, `recruiter`, `fundraiser`.
    pub role: String,
    pub extremist: bool,
    pub lang: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<String>,
    /// Same actor across platforms and across returns (extremist accounts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hyperactive: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub app: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known_at_start: bool,
    /// The suspended account this one returns from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthCampaign {
    pub id: u32,
    /// `hashtag_flood` or `app_broadcast`.
    pub kind: String,
    pub platform: Platform,
    /// The hashtag (with `#`) or the canonical URL the campaign pushes.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hijacked_tag: Option<String>,
    /// Planned start, and the first and last posts actually written.
    pub start: String,
    pub first_post_at: Option<String>,
    pub end: Option<String>,
    pub participants: Vec<String>,
    /// Campaign posts in time order (stable post ids).
    pub posts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthCluster {
    pub id: u32,
    /// `amplification` (bots around a core media account), `app` (accounts enrolled in the posting app)
    /// or `flood` (the participants of one hashtag flood). An account may be in several clusters.
    pub kind: String,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthReturn {
    pub new: String,
    pub predecessor: String,
    pub created_at: String,
    pub predecessor_suspended_at: String,
    /// The predecessor was suspended before the start (its posts are in the history block, its suspension in `enforcement.jsonl`).
    pub predecessor_known_at_start: bool,
    pub generation: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthTrend {
    pub id: u32,
    pub key: String,
    pub start: String,
    pub end: String,
    pub participants: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownAtStart {
    pub media: Vec<KnownMedia>,
    /// Accounts the platform had already suspended (also in `enforcement.jsonl`).
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownMedia {
    pub image: u32,
    pub path: String,
    pub md5: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthMediaPost {
    pub post: String,
    pub account: String,
    pub at: String,
    /// Propaganda image number and variant (0 = the original file).
    pub image: u32,
    pub variant: u32,
    /// Whether the image was in the hash list at the start.
    pub known: bool,
    pub path: String,
}

/// Reads a truth file.
pub fn load(path: &Path) -> Result<Truth, SimError> {
    let f = File::open(path).map_err(|e| SimError::io(path, e))?;
    let t: Truth = serde_json::from_reader(BufReader::with_capacity(1 << 20, f))
        .map_err(|e| SimError::Truth(format!("{}: {e}", path.display())))?;
    if t.schema != SCHEMA {
        return Err(SimError::Truth(format!(
            "{}: schema `{}` is not `{SCHEMA}`",
            path.display(),
            t.schema
        )));
    }
    Ok(t)
}

/// Incremental writer of the truth object: each section is written as it is produced, accounts one at a time.
pub struct TruthWriter {
    w: BufWriter<File>,
    path: std::path::PathBuf,
    pub bytes: u64,
    first_field: bool,
    in_array: Option<bool>,
}

impl TruthWriter {
    pub fn create(path: &Path) -> Result<Self, SimError> {
        let f = File::create(path).map_err(|e| SimError::io(path, e))?;
        let mut t = TruthWriter {
            w: BufWriter::with_capacity(1 << 20, f),
            path: path.to_path_buf(),
            bytes: 0,
            first_field: true,
            in_array: None,
        };
        t.raw(b"{")?;
        Ok(t)
    }
    fn raw(&mut self, b: &[u8]) -> Result<(), SimError> {
        self.bytes += b.len() as u64;
        self.w.write_all(b).map_err(|e| SimError::io(&self.path, e))
    }
    fn key(&mut self, k: &str) -> Result<(), SimError> {
        if !self.first_field {
            self.raw(b",\n")?;
        }
        self.first_field = false;
        let mut b = Vec::new();
        crate::json::key(&mut b, k);
        self.raw(&b)
    }
    pub fn field<T: Serialize>(&mut self, k: &str, v: &T) -> Result<(), SimError> {
        self.key(k)?;
        let s = serde_json::to_vec(v).map_err(|e| SimError::Truth(e.to_string()))?;
        self.raw(&s)
    }
    pub fn begin_array(&mut self, k: &str) -> Result<(), SimError> {
        self.key(k)?;
        self.in_array = Some(true);
        self.raw(b"[")
    }
    pub fn item<T: Serialize>(&mut self, v: &T) -> Result<(), SimError> {
        if self.in_array == Some(false) {
            self.raw(b",\n")?;
        } else {
            self.raw(b"\n")?;
        }
        self.in_array = Some(false);
        let s = serde_json::to_vec(v).map_err(|e| SimError::Truth(e.to_string()))?;
        self.raw(&s)
    }
    pub fn end_array(&mut self) -> Result<(), SimError> {
        self.in_array = None;
        self.raw(b"]")
    }
    pub fn finish(mut self) -> Result<u64, SimError> {
        self.raw(b"}\n")?;
        self.w.flush().map_err(|e| SimError::io(&self.path, e))?;
        Ok(self.bytes)
    }
}
