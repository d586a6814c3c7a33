//! vigil-rules: analyst rule packs (TOML) compiled so that each post is scanned once per text channel, with shadow mode, hot reload, examples and backtests.
//!
//! Entry points: [`compile`] / [`load_file`] turn a pack into a [`CompiledPack`];
//! [`RulesEngine`] holds the pack in force behind an atomic swap and reloads it;
//! [`detector`] plugs it into `vigil_detect::replay`; [`run_examples`] and [`backtest`]
//! serve `vigil rules test` and `vigil rules backtest`. docs/RULES.md documents the format.

mod backtest;
mod boundary;
mod compile;
mod engine;
mod eval;
mod examples;
#[doc(hidden)]
pub mod naive;
pub mod spec;

pub use backtest::{backtest, BacktestReport, Baseline, RuleCounts};
pub use boundary::{check as boundary_check, is_word_char};
pub use compile::{
    compile, CompiledPack, CompiledRule, MAX_DEPTH, MAX_EXAMPLE_BYTES, MAX_KEYWORD_BYTES,
    MAX_PACK_BYTES, MAX_REGEX_BYTES, MAX_RULES,
};
pub use engine::{
    detector, load_file, starter_engine, ReloadEvent, RulesConfig, RulesDetector, RulesEngine,
    Watcher,
};
pub use eval::{Scratch, Subject};
pub use examples::{run_examples, ExampleResult};
pub use spec::{ActionSpec, Boundary, RuleState};

use serde::Serialize;
use vigil_model::Signal;

/// The starter pack shipped with vigil (rules/starter.toml), used when no pack is configured.
pub const STARTER: &str = include_str!("../../../rules/starter.toml");

/// `Signal::detector` of every rule signal.
pub const DETECTOR: &str = "rules";

/// One problem in a pack, at its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub reason: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.reason
        )
    }
}

/// Why a pack was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The pack is malformed or fails validation; every problem found, each as `file:line:col: reason`.
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// The pack file could not be read.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl RulesError {
    /// The problems, for `--json` output.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            RulesError::Invalid(d) => d.clone(),
            RulesError::Io { file, source } => vec![Diagnostic {
                file: file.clone(),
                line: 0,
                col: 0,
                reason: source.to_string(),
            }],
        }
    }
}

/// The net harm of an entity's signals: the strongest live harm weight minus the strongest
/// live context weight. Shadow signals count for nothing. Positive means "harm outweighs context".
pub fn net_harm(signals: &[Signal]) -> f32 {
    let live = signals.iter().filter(|s| !s.shadow);
    let harm = live
        .clone()
        .filter(|s| s.category.is_some())
        .map(|s| s.weight)
        .fold(0.0f32, f32::max);
    let ctx = live
        .filter(|s| s.context.is_some())
        .map(|s| s.weight)
        .fold(0.0f32, f32::max);
    harm - ctx
}

/// Whether signals allow an automatic action at all: never with a live context signal
/// (TCO Art. 1(3): journalism, research and counter-speech are not actioned automatically).
pub fn auto_action_allowed(signals: &[Signal]) -> bool {
    !signals.iter().any(|s| !s.shadow && s.context.is_some()) && net_harm(signals) > 0.0
}
