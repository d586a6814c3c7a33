//! Signals: what a detector says about an entity, with the explanation and versions that
//! produced it. Cases group signals; risk combines them.

use crate::taxonomy::{Category, Context};
use serde::{Deserialize, Serialize};

/// What a signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Post,
    Account,
    Campaign,
    Cluster,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Post => "post",
            EntityKind::Account => "account",
            EntityKind::Campaign => "campaign",
            EntityKind::Cluster => "cluster",
        }
    }
}

/// One detector's finding about one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub entity_kind: EntityKind,
    /// The entity's stable id (`twitter:1`, or a campaign/cluster id).
    pub entity_id: String,
    /// `rules`, `hash`, `campaign`, `coordination`, `returning`, `risk`, …
    pub detector: String,
    /// A harm category, or `None` for a context signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// News, research, counter-speech or educational context: lowers risk, never auto-actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Strength in [0, 1] for harm signals; the amount of reduction for context signals.
    pub weight: f32,
    /// Which rule, bank item or model produced it (`rule:starter/alleyes`, `bank:known#12`).
    pub source: String,
    /// The version of that rule pack, bank or model.
    pub version: String,
    /// Human-readable and machine-readable detail: matched terms, distance, features.
    pub explanation: serde_json::Value,
    /// Event time (ms since epoch) of the evidence.
    pub at: i64,
    /// Recorded for evaluation only; it must have no effect (shadow-mode rules).
    #[serde(default)]
    pub shadow: bool,
}

impl Signal {
    /// A stable key: the same detector finding the same thing about the same entity twice
    /// is one signal, so re-processing is idempotent.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.entity_kind.as_str(),
            self.entity_id,
            self.detector,
            self.source
        )
    }
}
