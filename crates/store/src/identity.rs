//! Identity-link and account-risk records as the store keeps them (migration 0008).

use serde::{Deserialize, Serialize};

/// A link between two accounts: a returning account and its predecessor, or two identities
/// of one actor across platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityLinkRecord {
    pub account_id: String,
    pub other_id: String,
    /// `returning` or `cross_platform`.
    pub kind: String,
    pub score: f64,
    /// Matched features and strengths.
    pub explanation: serde_json::Value,
    pub at: i64,
}

/// An account's risk with its breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRiskRecord {
    pub account_id: String,
    pub risk: f64,
    /// `none`, `review` or `auto_action`.
    pub action: String,
    pub breakdown: serde_json::Value,
    pub at: i64,
}
