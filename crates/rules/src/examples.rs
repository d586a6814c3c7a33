//! `must_match` / `must_not_match` examples: each is evaluated as a synthetic post (with an optional synthetic author) against its rule.

use crate::compile::{CompiledPack, Example};
use crate::eval::{Scratch, Subject};
use crate::spec::RuleState;
use serde::Serialize;
use vigil_detect::{BankMatch, Facts};
use vigil_model::{Account, Platform, Post};

/// The outcome of one example.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleResult {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// `must_match` or `must_not_match`.
    pub expect: &'static str,
    pub matched: bool,
    pub ok: bool,
    /// The example text, cut for display.
    pub text: String,
}

/// When examples are evaluated: a fixed instant, so that age conditions are reproducible.
const EXAMPLE_AT: i64 = 1_700_000_000_000;

fn subject_parts(e: &Example) -> (Post, Option<Account>, Facts) {
    let platform = e
        .platform
        .as_deref()
        .and_then(|p| Platform::parse(p).ok())
        .unwrap_or(Platform::Other("example".into()));
    let mut post = Post::new(
        platform.clone(),
        "example",
        platform.id("author"),
        EXAMPLE_AT,
    );
    post.text = e.text.clone();
    let has_account = e.bio.is_some()
        || e.handle.is_some()
        || e.followers.is_some()
        || e.account_age_days.is_some();
    let account = has_account.then(|| {
        let mut a = Account::new(platform, "author");
        a.bio = e.bio.clone();
        a.handle = e.handle.clone();
        a.followers = e.followers;
        a.created_at = e
            .account_age_days
            .filter(|d| d.is_finite() && *d >= 0.0 && *d < 1e6)
            .map(|d| EXAMPLE_AT - (d * 86_400_000.0) as i64);
        a
    });
    let mut facts = Facts {
        risk: e.risk,
        ..Facts::default()
    };
    if e.campaign_member {
        facts.campaigns.push("example-campaign".into());
    }
    if e.cluster_member {
        facts.clusters.push("example-cluster".into());
    }
    if let Some(b) = &e.bank_match {
        facts.bank_matches.push(BankMatch {
            bank: b.clone(),
            item: "example".into(),
            label: "example".into(),
            algorithm: "example".into(),
            distance: 0,
        });
    }
    (post, account, facts)
}

/// Run every example of every rule. Live and shadow rules go through the compiled engine
/// (the path production takes); disabled rules, which the engine does not index, through the
/// per-rule reference evaluator.
pub fn run_examples(pack: &CompiledPack) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    let mut sc = Scratch::new();
    let mut fired = Vec::new();
    for (ri, r) in pack.rules.iter().enumerate() {
        for e in &r.examples {
            let (post, account, facts) = subject_parts(e);
            let text = vigil_text::analyze(&post.text);
            let s = Subject {
                post: &post,
                account: account.as_ref(),
                text: &text,
                facts: &facts,
            };
            let matched = if r.state == RuleState::Disabled {
                crate::naive::rule_holds(pack, ri, &s)
            } else {
                pack.evaluate(&s, &mut sc, &mut fired);
                fired.contains(&(ri as u32))
            };
            out.push(ExampleResult {
                rule: r.id.clone(),
                file: pack.file.clone(),
                line: e.line,
                col: e.col,
                expect: if e.must_match {
                    "must_match"
                } else {
                    "must_not_match"
                },
                matched,
                ok: matched == e.must_match,
                text: vigil_model::truncate_for_message(&e.text, 80),
            });
        }
    }
    out
}
