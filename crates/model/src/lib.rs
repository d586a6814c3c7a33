//! vigil's data model: the one shape every platform's data is turned into, with ids stable across runs.
//!
//! Ids are `platform:native_id` strings (`twitter:1234`, `vk:-42`, `telegram:channel123/77`).
//! The same input always yields the same ids, so re-ingesting is idempotent and the
//! simulator's ground truth can be joined on them. This crate does no IO.

pub mod fasthash;
pub mod signal;
pub mod taxonomy;
mod time_fmt;
mod write;

pub use signal::{EntityKind, Signal};
pub use taxonomy::{Category, Context};
pub use write::{write_json_str, write_post, write_post_open, write_record};

pub use time_fmt::{
    check_plausible, format_rfc3339_ms, from_unix_seconds, parse_timestamp, write_rfc3339_ms,
    TimeError, MAX_FUTURE_SKEW_MS, MIN_PLAUSIBLE_MS,
};

use serde::{Deserialize, Serialize};
use std::fmt;

/// A social platform. Known platforms have their own variant; anything else a native
/// NDJSON producer names is kept as `Other`, lowercased and validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Twitter,
    Facebook,
    Vk,
    Telegram,
    Other(String),
}

/// Why a name cannot be used as a platform.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlatformError {
    /// Platform names are short lowercase identifiers so that ids stay unambiguous.
    #[error("invalid platform name {0:?}: want 1-32 chars of [a-z0-9_-]")]
    Invalid(String),
}

impl Platform {
    pub const KNOWN: [Platform; 4] = [
        Platform::Twitter,
        Platform::Facebook,
        Platform::Vk,
        Platform::Telegram,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Platform::Twitter => "twitter",
            Platform::Facebook => "facebook",
            Platform::Vk => "vk",
            Platform::Telegram => "telegram",
            Platform::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Result<Platform, PlatformError> {
        Ok(match s {
            "twitter" | "x" => Platform::Twitter,
            "facebook" | "fb" => Platform::Facebook,
            "vk" | "vkontakte" => Platform::Vk,
            "telegram" | "tg" => Platform::Telegram,
            other => {
                let ok = !other.is_empty()
                    && other.len() <= 32
                    && other.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                    });
                if !ok {
                    return Err(PlatformError::Invalid(truncate_for_message(other, 40)));
                }
                Platform::Other(other.to_string())
            }
        })
    }

    /// The stable id of an entity on this platform: `platform:native`.
    pub fn id(&self, native: &str) -> String {
        let mut s = String::with_capacity(self.as_str().len() + 1 + native.len());
        s.push_str(self.as_str());
        s.push(':');
        s.push_str(native);
        s
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Platform::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Cut a hostile string down to something safe to put in an error message.
pub fn truncate_for_message(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max_chars)
        .filter(|c| !c.is_control())
        .collect();
    if s.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// What kind of actor an account is: platforms mix people with pages, communities and channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    #[default]
    User,
    /// A VK community, a Facebook page or group.
    Community,
    /// A Telegram channel or group chat.
    Channel,
}

/// Whether the platform still shows the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    #[default]
    Active,
    Suspended,
    Deleted,
    Unknown,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Deleted => "deleted",
            AccountStatus::Unknown => "unknown",
        }
    }
}

/// An account, page, community or channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Stable id, `platform:native_id`.
    pub id: String,
    pub platform: Platform,
    /// Named `account_type` on the wire: `kind` is the record tag in native NDJSON.
    #[serde(default, rename = "account_type")]
    pub kind: AccountKind,
    /// The handle without `@` (screen name, username, channel link name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// Milliseconds since the Unix epoch, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// PDQ of the avatar image (64 hex digits), when ingest could hash a local copy of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_pdq: Option<String>,
    #[serde(default)]
    pub status: AccountStatus,
}

impl Account {
    pub fn new(platform: Platform, native_id: &str) -> Account {
        Account {
            id: platform.id(native_id),
            platform,
            kind: AccountKind::User,
            handle: None,
            display_name: None,
            bio: None,
            created_at: None,
            followers: None,
            following: None,
            avatar_url: None,
            avatar_pdq: None,
            status: AccountStatus::Active,
        }
    }
}

/// The kind of a media item attached to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    #[default]
    Photo,
    Video,
    AnimatedGif,
    Audio,
    File,
    Other,
}

/// An image, video or file attached to a post.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    #[serde(default)]
    pub kind: MediaKind,
    /// Where the platform serves it. vigil never fetches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A local file, relative to the input it came with (Telegram exports, simulated worlds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The platform's own key for it (Twitter media_key, VK photo id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// PDQ perceptual hash of a local file (64 hex, Meta's order), filled by ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// PDQ quality score (0..=100) of `pdq`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq_quality: Option<u32>,
    /// PDQ hash of the mirrored image (Meta's `flipy` dihedral), so mirrored re-posts match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq_mirror: Option<String>,
}

impl Media {
    pub fn new(kind: MediaKind) -> Media {
        Media {
            kind,
            url: None,
            path: None,
            sha256: None,
            md5: None,
            width: None,
            height: None,
            key: None,
            pdq: None,
            pdq_quality: None,
            pdq_mirror: None,
        }
    }
}

/// A post, tweet, wall item or channel message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Stable id, `platform:native_id`.
    pub id: String,
    pub platform: Platform,
    /// The author's stable id.
    pub account_id: String,
    /// Milliseconds since the Unix epoch, UTC.
    #[serde(with = "ts")]
    pub created_at: i64,
    #[serde(default)]
    pub text: String,
    /// The language the platform reported, if any (BCP 47-ish, as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_of: Option<String>,
    /// Without `#`, as the platform or the text gave them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashtags: Vec<String>,
    /// Handles without `@`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// Expanded URLs where the platform gave them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    /// The account a forwarded message came from (Telegram), when the export names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<String>,
    /// The platform's public link to the post, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// `vigil scan` appends the text stage's output as `analysis`; it is derived data, so
    /// reading it back accepts and ignores it.
    #[serde(default, rename = "analysis", skip_serializing)]
    pub derived: Derived,
}

/// A field vigil derives and recomputes: accepted (and discarded) on input, never written by serde.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Derived;

impl<'de> Deserialize<'de> for Derived {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Derived)
    }
}

impl Post {
    pub fn new(platform: Platform, native_id: &str, account_id: String, created_at: i64) -> Post {
        Post {
            id: platform.id(native_id),
            platform,
            account_id,
            created_at,
            text: String::new(),
            lang: None,
            reply_to: None,
            repost_of: None,
            quote_of: None,
            hashtags: Vec::new(),
            mentions: Vec::new(),
            urls: Vec::new(),
            media: Vec::new(),
            forwarded_from: None,
            permalink: None,
            derived: Derived,
        }
    }
}

/// What a platform did to an account or post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnforcementAction {
    Suspend,
    Reinstate,
    Delete,
    RemovePost,
    Restrict,
}

impl EnforcementAction {
    pub fn as_str(self) -> &'static str {
        match self {
            EnforcementAction::Suspend => "suspend",
            EnforcementAction::Reinstate => "reinstate",
            EnforcementAction::Delete => "delete",
            EnforcementAction::RemovePost => "remove_post",
            EnforcementAction::Restrict => "restrict",
        }
    }
}

/// An enforcement event, such as a suspension, as the platform recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enforcement {
    pub platform: Platform,
    /// The account acted on (stable id).
    pub account_id: String,
    /// The post acted on, for post-level actions (stable id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<String>,
    pub action: EnforcementAction,
    #[serde(with = "ts")]
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Enforcement {
    /// Stable id of the event itself, so re-ingesting it is idempotent.
    pub fn id(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.account_id,
            self.post_id.as_deref().unwrap_or(""),
            self.action.as_str(),
            self.at
        )
    }
}

/// One unit of vigil's native NDJSON: every adapter produces these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Account(Account),
    Post(Post),
    Enforcement(Enforcement),
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Account(_) => "account",
            Record::Post(_) => "post",
            Record::Enforcement(_) => "enforcement",
        }
    }

    pub fn platform(&self) -> &Platform {
        match self {
            Record::Account(a) => &a.platform,
            Record::Post(p) => &p.platform,
            Record::Enforcement(e) => &e.platform,
        }
    }
}

/// RFC 3339 on the wire, milliseconds in memory.
mod ts {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 24];
        let n = crate::write_rfc3339_ms(*v, &mut buf);
        s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or("1970-01-01T00:00:00.000Z"))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        crate::parse_timestamp(&s).map_err(serde::de::Error::custom)
    }
}

mod opt_ts {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&crate::format_rfc3339_ms(*v)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let s = Option::<std::borrow::Cow<str>>::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => crate::parse_timestamp(&s)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_ids_are_stable() {
        assert_eq!(Platform::Vk.id("-42"), "vk:-42");
        assert_eq!(Platform::parse("x").unwrap(), Platform::Twitter);
        assert_eq!(Platform::parse("mastodon").unwrap().id("1"), "mastodon:1");
        assert!(Platform::parse("Bad Name").is_err());
        assert!(Platform::parse("").is_err());
    }

    #[test]
    fn record_round_trips_through_native_json() {
        let mut p = Post::new(
            Platform::Twitter,
            "1",
            "twitter:9".into(),
            1_402_740_000_000,
        );
        p.text = "hello #tag".into();
        p.hashtags = vec!["tag".into()];
        let r = Record::Post(p);
        let s = serde_json::to_string(&r).unwrap();
        assert!(s.starts_with(r#"{"kind":"post","id":"twitter:1""#), "{s}");
        assert!(
            s.contains(r#""created_at":"2014-06-14T10:00:00.000Z""#),
            "{s}"
        );
        let back: Record = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e = serde_json::from_str::<Record>(
            r#"{"kind":"account","id":"vk:1","platform":"vk","surprise":1}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}
