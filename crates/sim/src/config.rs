//! The simulator's knobs: one serde struct that is both the `--scenario` TOML schema and the defaults from published figures.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::SimError;

/// A social platform the simulator writes in its native export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Twitter,
    Facebook,
    Vk,
    Telegram,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Twitter,
        Platform::Facebook,
        Platform::Vk,
        Platform::Telegram,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Twitter => "twitter",
            Platform::Facebook => "facebook",
            Platform::Vk => "vk",
            Platform::Telegram => "telegram",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Share of the simulated population each platform gets when all four are enabled (an assumption, see docs/SIMULATOR.md).
    pub fn default_weight(self) -> f64 {
        match self {
            Platform::Twitter => 0.55,
            Platform::Facebook => 0.15,
            Platform::Vk => 0.20,
            Platform::Telegram => 0.10,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, SimError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "twitter" | "x" => Ok(Platform::Twitter),
            "facebook" | "fb" => Ok(Platform::Facebook),
            "vk" | "vkontakte" => Ok(Platform::Vk),
            "telegram" | "tg" => Ok(Platform::Telegram),
            other => Err(SimError::Config(format!(
                "unknown platform `{other}` (known: twitter, facebook, vk, telegram)"
            ))),
        }
    }
}

/// Every knob of a simulated world. `--scenario FILE` is this struct in TOML; unknown keys are rejected.
///
/// Defaults reproduce published figures where one exists (cited in docs/SIMULATOR.md) and are
/// sized for a demo of about a minute: 20k accounts over 24 simulated hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Seed of every random stream; same seed and knobs give byte-identical output.
    pub seed: u64,
    /// Accounts alive at the start, over all platforms (returning accounts come on top).
    pub accounts: u64,
    /// Simulated hours of activity.
    pub hours: u32,
    /// Simulated start instant, RFC 3339 UTC. Default: the week #AllEyesOnISIS trended (June 2014).
    pub start: String,
    /// Share of accounts in the extremist network (default 1%).
    pub extremist_share: f64,
    /// Number of hashtag floods (campaigns in the #AllEyesOn… style).
    pub campaigns: u32,
    /// Probability that a suspended extremist account comes back under a new account.
    pub return_rate: f64,
    /// Median hours between a suspension and the return (log-normal).
    pub return_delay_hours: f64,
    /// Probability that a supporter account is suspended within 48 hours of its creation (Conway et al. 2017: over 30%).
    pub suspended_within_2_days: f64,
    /// Probability that a supporter account is suspended within 90 days (Conway et al. 2017: 63%).
    pub suspended_within_90_days: f64,
    /// Benign population languages (ISO 639-1). Extremist language mix follows the ISIS Twitter Census instead.
    pub languages: Vec<String>,
    /// Platforms to write.
    pub platforms: Vec<Platform>,
    /// Mean posts per benign account per day (heavy-tailed, log-normal).
    pub posts_per_account_day: f64,
    /// Share of accounts that are news, research or counter-speech accounts.
    pub news_share: f64,
    /// Number of organic trend bursts (sports, news, memes): bursts that are not campaigns.
    pub trends: u32,
    /// Share of extremist accounts that are hyperactive (Census: 500–2,000 of ~46,000).
    pub hyperactive_share: f64,
    /// App-driven posts per supporter account on the peak day (Dawn of Glad Tidings: ~40,000 tweets/day over ~46,000 accounts).
    pub app_posts_per_supporter_day: f64,
    /// Share of supporter accounts enrolled in the posting app.
    pub app_enrolled_share: f64,
    /// Distinct propaganda images (each with re-posted variants).
    pub propaganda_images: u32,
    /// Variants (crop, resize, recompress, border, overlay, mirror) made of each propaganda image.
    pub variants_per_image: u32,
    /// Share of propaganda images already in the hash-sharing list at the start.
    pub known_media_share: f64,
    /// Share of extremist accounts already enforced at the start (their returning accounts are in the world).
    pub known_account_share: f64,
    /// Distinct benign photos shared by the benign population.
    pub benign_images: u32,
    /// Side of the longest edge of generated images, in pixels (clamped to 64..=1024).
    pub image_size: u32,
    /// Worker threads (0 = all available cores). Output does not depend on it, so it is not echoed into truth.json.
    #[serde(skip_serializing)]
    pub threads: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            accounts: 20_000,
            hours: 24,
            start: "2014-06-14T00:00:00Z".to_string(),
            extremist_share: 0.01,
            campaigns: 3,
            return_rate: 0.6,
            return_delay_hours: 6.0,
            suspended_within_2_days: 0.30,
            suspended_within_90_days: 0.63,
            languages: ["en", "ar", "ru", "fr", "tr", "de", "uz", "kk", "es", "id"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            platforms: Platform::ALL.to_vec(),
            posts_per_account_day: 3.0,
            news_share: 0.003,
            trends: 4,
            hyperactive_share: 1250.0 / 46_000.0,
            app_posts_per_supporter_day: 40_000.0 / 46_000.0,
            app_enrolled_share: 0.4,
            propaganda_images: 16,
            variants_per_image: 6,
            known_media_share: 0.5,
            known_account_share: 0.1,
            benign_images: 32,
            image_size: 320,
            threads: 0,
        }
    }
}

impl SimConfig {
    /// Parses a `--scenario` TOML file's contents; unknown keys are an error.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        let cfg: SimConfig =
            toml::from_str(text).map_err(|e| SimError::Config(e.to_string().trim().to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Start instant in unix milliseconds.
    pub fn start_ms(&self) -> Result<i64, SimError> {
        crate::clock::parse_rfc3339(&self.start).ok_or_else(|| {
            SimError::Config(format!(
                "start `{}` is not RFC 3339 UTC like 2014-06-14T00:00:00Z",
                self.start
            ))
        })
    }

    /// Rejects knob values that would make a meaningless or unbounded world.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Config(m));
        let share = |name: &str, v: f64| -> Result<(), SimError> {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return Err(SimError::Config(format!(
                    "{name} must be within 0..=1, got {v}"
                )));
            }
            Ok(())
        };
        if self.accounts == 0 || self.accounts > 50_000_000 {
            return bad(format!(
                "accounts must be within 1..=50000000, got {}",
                self.accounts
            ));
        }
        if self.hours == 0 || self.hours > 24 * 366 {
            return bad(format!("hours must be within 1..=8784, got {}", self.hours));
        }
        let start = self.start_ms()?;
        // Tweet ids are snowflakes (time-ordered since November 2010); earlier starts would make them collide.
        let (lo, hi) = (1_293_840_000_000, 4_102_444_800_000);
        if !(lo..hi).contains(&start) {
            return bad(format!(
                "start `{}` must be within 2011-01-01..2100-01-01",
                self.start
            ));
        }
        share("extremist_share", self.extremist_share)?;
        share("return_rate", self.return_rate)?;
        share("suspended_within_2_days", self.suspended_within_2_days)?;
        share("suspended_within_90_days", self.suspended_within_90_days)?;
        if self.suspended_within_90_days < self.suspended_within_2_days {
            return bad("suspended_within_90_days must be at least suspended_within_2_days".into());
        }
        share("news_share", self.news_share)?;
        share("hyperactive_share", self.hyperactive_share)?;
        share("app_enrolled_share", self.app_enrolled_share)?;
        share("known_media_share", self.known_media_share)?;
        share("known_account_share", self.known_account_share)?;
        if self.extremist_share + self.news_share > 1.0 {
            return bad("extremist_share + news_share must not exceed 1".into());
        }
        let pos = |name: &str, v: f64, max: f64| -> Result<(), SimError> {
            if !(v >= 0.0 && v <= max) {
                return Err(SimError::Config(format!(
                    "{name} must be within 0..={max}, got {v}"
                )));
            }
            Ok(())
        };
        pos("return_delay_hours", self.return_delay_hours, 24.0 * 365.0)?;
        pos("posts_per_account_day", self.posts_per_account_day, 1000.0)?;
        pos(
            "app_posts_per_supporter_day",
            self.app_posts_per_supporter_day,
            1000.0,
        )?;
        if self.campaigns > 10_000 || self.trends > 10_000 {
            return bad("campaigns and trends must be at most 10000".into());
        }
        if self.propaganda_images == 0 || self.propaganda_images > 10_000 {
            return bad("propaganda_images must be within 1..=10000".into());
        }
        if self.variants_per_image > 64 || self.benign_images > 10_000 {
            return bad(
                "variants_per_image must be at most 64 and benign_images at most 10000".into(),
            );
        }
        if self.platforms.is_empty() {
            return bad("platforms must name at least one platform".into());
        }
        let mut p = self.platforms.clone();
        p.sort();
        p.dedup();
        if p.len() != self.platforms.len() {
            return bad("platforms lists a platform twice".into());
        }
        if self.languages.is_empty() || self.languages.len() > 64 {
            return bad("languages must list 1..=64 codes".into());
        }
        for l in &self.languages {
            if l.is_empty() || l.len() > 8 || !l.bytes().all(|c| c.is_ascii_lowercase()) {
                return bad(format!(
                    "language code `{l}` must be 1-8 lowercase ascii letters"
                ));
            }
        }
        if self.threads > 256 {
            return bad("threads must be at most 256".into());
        }
        Ok(())
    }

    /// Enabled platforms in a fixed order, whatever order the user listed them in.
    pub fn platforms_sorted(&self) -> Vec<Platform> {
        let mut p = self.platforms.clone();
        p.sort();
        p.dedup();
        p
    }
}
