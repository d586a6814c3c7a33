//! The rule-pack file format as analysts write it (TOML), before validation; docs/RULES.md is its user documentation.

use serde::Deserialize;
use toml::Spanned;

/// A whole pack file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackSpec {
    /// Name, version and description.
    pub pack: PackMeta,
    /// The rules, in file order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Spanned<RuleSpec>>,
}

/// The `[pack]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    /// Short identifier, `[a-z0-9_-]`, used in `Signal::source` (`rule:<pack>/<rule>`).
    pub name: Spanned<String>,
    /// Free-form version recorded in every signal (`Signal::version`).
    pub version: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Rule states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    /// Evaluated; effects apply.
    #[default]
    Live,
    /// Evaluated and recorded with `shadow: true`; no effect.
    Shadow,
    /// Not evaluated.
    Disabled,
}

impl RuleState {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleState::Live => "live",
            RuleState::Shadow => "shadow",
            RuleState::Disabled => "disabled",
        }
    }
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique within the pack, `[A-Za-z0-9_.-]`.
    pub id: Spanned<String>,
    #[serde(default)]
    pub state: RuleState,
    #[serde(default)]
    pub description: Option<String>,
    /// The condition.
    pub when: Spanned<CondSpec>,
    /// Which entity the rule's signal is about: the post (default) or its author.
    #[serde(default)]
    pub entity: EntitySpec,
    /// Add a harm signal.
    #[serde(default)]
    pub signal: Option<Spanned<SignalSpec>>,
    /// Add a context signal that lowers risk (news, research, counter-speech, educational).
    #[serde(default)]
    pub context: Option<Spanned<ContextSpec>>,
    /// Label the entity.
    #[serde(default)]
    pub label: Option<Spanned<LabelSpec>>,
    /// Route to a review queue.
    #[serde(default)]
    pub queue: Option<Spanned<String>>,
    /// Propose an action to a moderator (never applied automatically by the rules engine).
    #[serde(default)]
    pub action: Option<ActionSpec>,
    /// Texts this rule must match (checked by `vigil rules test`).
    #[serde(default)]
    pub must_match: Vec<Spanned<ExampleSpec>>,
    /// Texts this rule must not match.
    #[serde(default)]
    pub must_not_match: Vec<Spanned<ExampleSpec>>,
}

/// What a rule's signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntitySpec {
    #[default]
    Post,
    Account,
}

/// `signal = { category = "...", weight = 0.6 }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalSpec {
    pub category: String,
    pub weight: f64,
}

/// `context = { kind = "news_reporting", weight = 0.5 }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    pub kind: String,
    pub weight: f64,
}

/// `label = { name = "...", expires_days = 30 }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    pub name: String,
    #[serde(default)]
    pub expires_days: Option<f64>,
}

/// Proposed actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSpec {
    Review,
    RemovePost,
    Restrict,
    Suspend,
    Escalate,
}

impl ActionSpec {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionSpec::Review => "review",
            ActionSpec::RemovePost => "remove_post",
            ActionSpec::Restrict => "restrict",
            ActionSpec::Suspend => "suspend",
            ActionSpec::Escalate => "escalate",
        }
    }
}

/// An example: a bare text, or a text with the post and account around it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ExampleSpec {
    Text(String),
    Full(FullExample),
}

/// An example with context.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullExample {
    pub text: String,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub followers: Option<u64>,
    #[serde(default)]
    pub account_age_days: Option<f64>,
    #[serde(default)]
    pub risk: Option<f32>,
    #[serde(default)]
    pub campaign_member: bool,
    #[serde(default)]
    pub cluster_member: bool,
    #[serde(default)]
    pub bank_match: Option<String>,
}

/// Keyword boundary modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Not preceded and not followed by a word character (see docs/RULES.md).
    #[default]
    Word,
    /// Not preceded by a word character; any continuation (German compounds, suffixes).
    Prefix,
    /// Anywhere, even inside a word.
    None,
}

/// A numeric range, both ends inclusive and optional.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

/// One condition. Exactly one of the primary keys must be set; `channel` and `boundary`
/// modify `keywords`/`regex`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CondSpec {
    #[serde(default)]
    pub all: Option<Vec<Spanned<CondSpec>>>,
    #[serde(default)]
    pub any: Option<Vec<Spanned<CondSpec>>>,
    #[serde(default)]
    pub not: Option<Box<Spanned<CondSpec>>>,
    #[serde(default)]
    pub keywords: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub regex: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub channel: Option<Spanned<String>>,
    #[serde(default)]
    pub boundary: Option<Boundary>,
    #[serde(default)]
    pub hashtags: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub domains: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub pointers: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub lang: Option<Vec<String>>,
    #[serde(default)]
    pub platform: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub account_age_days: Option<RangeSpec>,
    #[serde(default)]
    pub followers: Option<RangeSpec>,
    #[serde(default)]
    pub handle: Option<Spanned<String>>,
    #[serde(default)]
    pub bio_keywords: Option<Vec<Spanned<String>>>,
    /// `true`: any hash-bank match; a string: a match in that bank.
    #[serde(default)]
    pub bank_match: Option<BankSpec>,
    #[serde(default)]
    pub campaign_member: Option<bool>,
    #[serde(default)]
    pub cluster_member: Option<bool>,
    #[serde(default)]
    pub risk_min: Option<f64>,
}

/// `bank_match = true` or `bank_match = "bank-name"`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum BankSpec {
    Any(bool),
    Named(String),
}
