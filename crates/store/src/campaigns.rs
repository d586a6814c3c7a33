//! Campaign, cluster and coordination-edge records as the store keeps them for analysts.

use serde::{Deserialize, Serialize};

/// A burst or campaign. `extremist` separates campaigns from organic bursts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRecord {
    pub id: String,
    pub keys: Vec<String>,
    pub key_kinds: Vec<String>,
    /// Keys of other bursts this campaign's posts also carried (hijacked trends).
    pub co_keys: Vec<String>,
    pub start: i64,
    pub end: i64,
    /// Peak posts per minute.
    pub velocity: f32,
    pub distinct_accounts: u64,
    pub posts: u64,
    pub languages: Vec<String>,
    pub platforms: Vec<String>,
    pub extremist: bool,
    pub score: f32,
    pub first_alert_at: Option<i64>,
    pub posts_before_alert: Option<u64>,
    pub participants: Vec<String>,
    pub evidence: serde_json::Value,
}

/// A coordinated cluster (a Louvain community of the coordination graph).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub id: String,
    pub score: f32,
    /// At or above the report score.
    pub reported: bool,
    /// Event time of the clustering.
    pub at: i64,
    pub explanation: serde_json::Value,
    pub members: Vec<String>,
}

/// An undirected coordination edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeRecord {
    pub user_1: String,
    pub user_2: String,
    pub weight: u64,
    /// Relation name -> co-occurrences, as a JSON object's text (`{"co_post":3}`): a
    /// million-account graph has millions of edges, and a parsed object costs ~5× the bytes.
    pub relations: String,
}
