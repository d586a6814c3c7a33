//! Decisions on cases: what each action touches (with a preview for bulk actions), the
//! feedback it writes (labels, strikes, seeds, bank items, evidence), the webhook outbox rows,
//! and automatic actions through an explicit, off-by-default policy.

use crate::score::members_of;
use crate::{check_reason, CaseError, CaseRow, CaseState, CaseStore, Service};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use vigil_model::{Category, EntityKind, Post};
use vigil_store::cases::{
    sha256_hex, AuditWrite, BankItem, CaseQuery, DecisionRefused, DecisionWrite, EvidenceWrite,
    LabelWrite, OutboxWrite,
};
use vigil_store::Store;

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Remove the case's post.
    RemovePost,
    /// Suspend the account (the case's account, or the author of the case's post).
    SuspendAccount,
    /// Remove every post a cluster or campaign names.
    BulkRemovePosts,
    /// Suspend every account a cluster or campaign names.
    BulkSuspendAccounts,
    /// Attach a label (an interstitial, reduced distribution) without removing.
    Label,
    /// Hand to a senior reviewer or to law enforcement liaison; the case stays open.
    Escalate,
    /// Not violating: a false positive.
    Dismiss,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::RemovePost => "remove_post",
            Action::SuspendAccount => "suspend_account",
            Action::BulkRemovePosts => "bulk_remove_posts",
            Action::BulkSuspendAccounts => "bulk_suspend_accounts",
            Action::Label => "label",
            Action::Escalate => "escalate",
            Action::Dismiss => "dismiss",
        }
    }
    fn enforces(self) -> bool {
        matches!(
            self,
            Action::RemovePost
                | Action::SuspendAccount
                | Action::BulkRemovePosts
                | Action::BulkSuspendAccounts
                | Action::Label
        )
    }
}

/// Why a case was dismissed as a false positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dismissal {
    News,
    Research,
    CounterSpeech,
    Other,
}

impl Dismissal {
    pub fn as_str(self) -> &'static str {
        match self {
            Dismissal::News => "news",
            Dismissal::Research => "research",
            Dismissal::CounterSpeech => "counter_speech",
            Dismissal::Other => "other",
        }
    }
}

/// A decision as a reviewer submits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub action: Action,
    /// The policy category; required for every action that enforces.
    #[serde(default)]
    pub category: Option<Category>,
    /// Required for `dismiss`.
    #[serde(default)]
    pub dismissal: Option<Dismissal>,
    /// Free text: why. Required.
    pub reason: String,
    /// Strikes per touched account (default 1 for enforcing actions, 0 otherwise; at most 10).
    #[serde(default)]
    pub strikes: Option<u32>,
    /// The label to attach, for `label`.
    #[serde(default)]
    pub label: Option<String>,
}

/// One thing a decision acts on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub kind: EntityKind,
    pub id: String,
    /// The platform action: `remove_post`, `suspend_account`, `label`.
    pub action: String,
}

/// A member a bulk action leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub kind: EntityKind,
    pub id: String,
    pub why: String,
}

/// What a decision would touch, before it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub case_id: i64,
    pub action: Action,
    pub targets: Vec<Target>,
    pub excluded: Vec<Excluded>,
    /// Accounts that would get strikes.
    pub accounts: Vec<String>,
    /// Webhook deliveries it would enqueue.
    pub webhooks: usize,
}

/// Bulk actions stop at this many targets; larger networks need several decisions.
pub const MAX_BULK: usize = 10_000;

/// Evidence kept per removed post: its thread, up to this many ancestors.
const MAX_THREAD: usize = 20;

impl<S: Store + CaseStore> Service<S> {
    fn has_context(&self, kind: EntityKind, id: &str) -> Result<bool, CaseError> {
        Ok(self
            .store
            .signals_for(kind, id)?
            .iter()
            .any(|s| s.context.is_some() && !s.shadow))
    }

    /// Whether a post or account, or the account behind a post, carries a context signal.
    fn context_covers(&self, kind: EntityKind, id: &str) -> Result<bool, CaseError> {
        if self.has_context(kind, id)? {
            return Ok(true);
        }
        if kind == EntityKind::Post {
            if let Some(p) = self.store.post(id)? {
                return self.has_context(EntityKind::Account, &p.account_id);
            }
        }
        Ok(false)
    }

    /// What `req` would touch on case `id`.
    pub fn preview(&self, id: i64, req: &DecisionRequest) -> Result<Preview, CaseError> {
        let c = self.case(id)?;
        self.plan(&c, req)
    }

    fn plan(&self, c: &CaseRow, req: &DecisionRequest) -> Result<Preview, CaseError> {
        validate(req)?;
        let mut targets = Vec::new();
        let mut excluded = Vec::new();
        let mut accounts = BTreeSet::new();
        let kind = c.entity_kind;
        let wrong = |what: &str| {
            Err(CaseError::Invalid(format!(
                "{} applies to {what} cases, not {} cases",
                req.action.as_str(),
                kind.as_str()
            )))
        };
        match req.action {
            Action::RemovePost => {
                if kind != EntityKind::Post {
                    return wrong("post");
                }
                targets.push(target(kind, &c.entity_id, "remove_post"));
                if let Some(p) = self.store.post(&c.entity_id)? {
                    accounts.insert(p.account_id);
                }
            }
            Action::SuspendAccount => {
                let acct = match kind {
                    EntityKind::Account => c.entity_id.clone(),
                    EntityKind::Post => match self.store.post(&c.entity_id)? {
                        Some(p) => p.account_id,
                        None => {
                            return Err(CaseError::Invalid(
                                "the case's post is not in the store".into(),
                            ))
                        }
                    },
                    _ => return wrong("post or account"),
                };
                targets.push(target(EntityKind::Account, &acct, "suspend_account"));
                accounts.insert(acct);
            }
            Action::BulkRemovePosts | Action::BulkSuspendAccounts => {
                if !matches!(kind, EntityKind::Cluster | EntityKind::Campaign) {
                    return wrong("cluster or campaign");
                }
                let (key, mkind, act) = if req.action == Action::BulkRemovePosts {
                    ("posts", EntityKind::Post, "remove_post")
                } else {
                    ("accounts", EntityKind::Account, "suspend_account")
                };
                let mut members = BTreeSet::new();
                for s in self.store.signals_for(kind, &c.entity_id)? {
                    if !s.shadow {
                        members.extend(members_of(&s, key));
                    }
                }
                // Signals name a bounded sample of a large network; the campaign and cluster
                // tables hold every member account.
                if mkind == EntityKind::Account {
                    members.extend(
                        self.store
                            .member_accounts(kind, &c.entity_id, MAX_BULK + 1)?,
                    );
                }
                for m in members {
                    // A bulk action never sweeps up news, research or counter-speech.
                    if self.context_covers(mkind, &m)? {
                        excluded.push(Excluded {
                            kind: mkind,
                            id: m,
                            why: "context signal (news, research, counter-speech or educational)"
                                .into(),
                        });
                        continue;
                    }
                    if targets.len() >= MAX_BULK {
                        excluded.push(Excluded {
                            kind: mkind,
                            id: m,
                            why: format!("over the bulk limit of {MAX_BULK}"),
                        });
                        continue;
                    }
                    if mkind == EntityKind::Post {
                        if let Some(p) = self.store.post(&m)? {
                            accounts.insert(p.account_id);
                        }
                    } else {
                        accounts.insert(m.clone());
                    }
                    targets.push(target(mkind, &m, act));
                }
            }
            Action::Label => targets.push(target(kind, &c.entity_id, "label")),
            Action::Escalate | Action::Dismiss => {}
        }
        let webhooks = targets.len();
        let accounts = if req.action.enforces() && req.action != Action::Label {
            accounts.into_iter().collect()
        } else {
            Vec::new()
        };
        Ok(Preview {
            case_id: c.id,
            action: req.action,
            targets,
            excluded,
            accounts,
            webhooks,
        })
    }

    /// Make a decision as `actor`. The case must be open, appealed, or claimed by `actor`
    /// (or by someone whose claim expired). Everything it writes lands in one transaction.
    pub fn decide(
        &mut self,
        id: i64,
        req: &DecisionRequest,
        actor: &str,
    ) -> Result<i64, CaseError> {
        self.decide_inner(id, req, actor, false)
    }

    fn decide_inner(
        &mut self,
        id: i64,
        req: &DecisionRequest,
        actor: &str,
        automatic: bool,
    ) -> Result<i64, CaseError> {
        let c = self.case(id)?;
        if c.state == CaseState::Decided {
            return Err(CaseError::AlreadyDecided(id));
        }
        let plan = self.plan(&c, req)?;
        let now = self.now();
        let strikes = req
            .strikes
            .map(i64::from)
            .unwrap_or(if plan.accounts.is_empty() { 0 } else { 1 });
        let mut w = DecisionWrite {
            case_id: id,
            action: req.action.as_str().into(),
            category: req.category,
            dismissal: req.dismissal.map(|d| d.as_str().to_string()),
            reason: req.reason.clone(),
            actor: actor.into(),
            automatic,
            targets: serde_json::json!({"targets": plan.targets, "excluded": plan.excluded}),
            at: now,
            new_state: if req.action == Action::Escalate {
                CaseState::Open
            } else {
                CaseState::Decided
            },
            labels: Vec::new(),
            strikes: if strikes > 0 {
                plan.accounts.iter().map(|a| (a.clone(), strikes)).collect()
            } else {
                Vec::new()
            },
            seeds: Vec::new(),
            bank: Vec::new(),
            evidence: Vec::new(),
        };
        // Labels: every decision teaches.
        match req.action {
            Action::Dismiss => w.labels.push(LabelWrite {
                entity_kind: c.entity_kind,
                entity_id: c.entity_id.clone(),
                label: format!(
                    "benign:{}",
                    req.dismissal.map(|d| d.as_str()).unwrap_or("other")
                ),
                category: c.category,
            }),
            Action::Escalate => w.labels.push(LabelWrite {
                entity_kind: c.entity_kind,
                entity_id: c.entity_id.clone(),
                label: "escalated".into(),
                category: req.category.or(c.category),
            }),
            Action::Label => w.labels.push(LabelWrite {
                entity_kind: c.entity_kind,
                entity_id: c.entity_id.clone(),
                label: format!("labelled:{}", req.label.as_deref().unwrap_or("sensitive")),
                category: req.category,
            }),
            _ => {
                if !matches!(c.entity_kind, EntityKind::Post | EntityKind::Account) {
                    w.labels.push(LabelWrite {
                        entity_kind: c.entity_kind,
                        entity_id: c.entity_id.clone(),
                        label: "violating".into(),
                        category: req.category,
                    });
                }
                for t in &plan.targets {
                    w.labels.push(LabelWrite {
                        entity_kind: t.kind,
                        entity_id: t.id.clone(),
                        label: "violating".into(),
                        category: req.category,
                    });
                }
            }
        }
        // Feedback and evidence for removals and suspensions.
        let expires = now.saturating_add(self.config.retention_ms);
        let content_category = req
            .category
            .is_some_and(|c| c.mapping().tco_article_2_7.is_some());
        for t in &plan.targets {
            match t.action.as_str() {
                "remove_post" => {
                    let Some(p) = self.store.post(&t.id)? else {
                        continue;
                    };
                    if content_category {
                        bank_items(&p, req.category, &mut w.bank);
                    }
                    self.preserve_post(&p, expires, &mut w.evidence)?;
                }
                "suspend_account" => {
                    w.seeds.push(t.id.clone());
                    self.preserve_account(&t.id, expires, &mut w.evidence)?;
                }
                _ => {}
            }
        }
        let case_id = id;
        let targets = plan.targets.clone();
        let category = req.category;
        let action = req.action;
        let reason = req.reason.clone();
        let actor_s = actor.to_string();
        let mut finish = |did: i64| {
            let outbox = targets
                .iter()
                .map(|t| {
                    let key = format!("vigil-d{did}-{}-{}", t.action, t.id);
                    let body = serde_json::json!({
                        "idempotency_key": key,
                        "decision_id": did,
                        "case_id": case_id,
                        "action": t.action,
                        "target": {"kind": t.kind, "id": t.id},
                        "category": category,
                        "dsa_category": category.map(|c| c.mapping().dsa_category),
                        "automatic": automatic,
                        "at": now,
                    });
                    OutboxWrite {
                        idempotency_key: key,
                        body: body.to_string(),
                    }
                })
                .collect();
            let audit = AuditWrite {
                at: now,
                actor: actor_s.clone(),
                action: "decision".into(),
                target: format!("case:{case_id}"),
                reason: reason.clone(),
                detail: serde_json::json!({
                    "decision_id": did,
                    "action": action,
                    "category": category,
                    "targets": targets.len(),
                    "automatic": automatic,
                }),
            };
            (outbox, audit)
        };
        match self.store.commit_decision(&w, &mut finish)? {
            Ok(did) => Ok(did),
            Err(DecisionRefused::NotFound) => Err(CaseError::NotFound(id)),
            Err(DecisionRefused::AlreadyDecided) => Err(CaseError::AlreadyDecided(id)),
            Err(DecisionRefused::HeldBy(by)) => Err(CaseError::Claimed { id, by }),
        }
    }

    fn preserve_post(
        &self,
        p: &Post,
        expires_at: i64,
        out: &mut Vec<EvidenceWrite>,
    ) -> Result<(), CaseError> {
        let ev = |kind: &str, id: &str, v: serde_json::Value| EvidenceWrite {
            kind: kind.into(),
            ref_id: id.into(),
            content: v.to_string().into_bytes(),
            expires_at,
        };
        out.push(ev(
            "post",
            &p.id,
            serde_json::to_value(p).unwrap_or_default(),
        ));
        for (i, m) in p.media.iter().enumerate() {
            out.push(ev(
                "media",
                &format!("{}#{i}", p.id),
                serde_json::to_value(m).unwrap_or_default(),
            ));
        }
        if let Some(a) = self.store.account(&p.account_id)? {
            out.push(ev(
                "account",
                &a.id,
                serde_json::to_value(&a).unwrap_or_default(),
            ));
        }
        // The thread: the chain of posts it replies to, quotes or reposts.
        let mut cur = p
            .reply_to
            .clone()
            .or(p.quote_of.clone())
            .or(p.repost_of.clone());
        let mut seen = BTreeSet::new();
        while let Some(id) = cur.take() {
            if seen.len() >= MAX_THREAD || !seen.insert(id.clone()) {
                break;
            }
            if let Some(parent) = self.store.post(&id)? {
                out.push(ev(
                    "thread",
                    &parent.id,
                    serde_json::to_value(&parent).unwrap_or_default(),
                ));
                cur = parent.reply_to.clone().or(parent.quote_of.clone());
            }
        }
        Ok(())
    }

    fn preserve_account(
        &self,
        id: &str,
        expires_at: i64,
        out: &mut Vec<EvidenceWrite>,
    ) -> Result<(), CaseError> {
        if let Some(a) = self.store.account(id)? {
            out.push(EvidenceWrite {
                kind: "account".into(),
                ref_id: a.id.clone(),
                content: serde_json::to_vec(&a).unwrap_or_default(),
                expires_at,
            });
        }
        let posts = self.store.posts_by_account(id, 50)?;
        if !posts.is_empty() {
            out.push(EvidenceWrite {
                kind: "posts".into(),
                ref_id: id.into(),
                content: serde_json::to_vec(&posts).unwrap_or_default(),
                expires_at,
            });
        }
        Ok(())
    }

    /// Run an automatic policy over the open queue. Off unless `policy.enabled`; in dry-run
    /// mode it only records what it would have done. It never acts on a case whose entity (or
    /// the account behind a post) carries a context signal, nor on appealed cases.
    pub fn run_policy(&mut self, policy: &AutoPolicy) -> Result<PolicyReport, CaseError> {
        let mut rep = PolicyReport::default();
        if !policy.enabled {
            return Ok(rep);
        }
        if !(0.0..=1.0).contains(&policy.threshold) || policy.threshold < 0.5 {
            return Err(CaseError::Invalid(
                "policy threshold must be between 0.5 and 1".into(),
            ));
        }
        let mut after = None;
        loop {
            let page = self.store.list_cases(&CaseQuery {
                state: Some(CaseState::Open),
                after,
                limit: 500,
                ..Default::default()
            })?;
            let Some(last) = page.last() else { break };
            after = Some((last.priority, last.id));
            for c in page {
                rep.considered += 1;
                let in_scope = c.risk >= policy.threshold
                    && c.entity_kind == EntityKind::Post
                    && c.category.is_some_and(|k| policy.categories.contains(&k))
                    && !c.appealed;
                if !in_scope {
                    continue;
                }
                if c.has_context || self.context_covers(c.entity_kind, &c.entity_id)? {
                    rep.skipped_context += 1;
                    continue;
                }
                let req = DecisionRequest {
                    action: Action::RemovePost,
                    category: c.category,
                    dismissal: None,
                    reason: format!(
                        "automatic policy {}: risk {:.3} >= {:.3}",
                        policy.name, c.risk, policy.threshold
                    ),
                    strikes: Some(policy.strikes),
                    label: None,
                };
                let plan = self.plan(&c, &req)?;
                let targets = serde_json::to_value(&plan.targets).unwrap_or_default();
                let now = self.now();
                if policy.dry_run {
                    if self.store.record_policy_run(
                        &policy.name,
                        c.id,
                        true,
                        req.action.as_str(),
                        &targets,
                        c.risk,
                        now,
                    )? {
                        rep.would_act += 1;
                    }
                } else {
                    match self.decide_inner(c.id, &req, &format!("policy:{}", policy.name), true) {
                        Ok(_) => {
                            self.store.record_policy_run(
                                &policy.name,
                                c.id,
                                false,
                                req.action.as_str(),
                                &targets,
                                c.risk,
                                now,
                            )?;
                            rep.acted += 1;
                        }
                        // A reviewer got there first: theirs stands.
                        Err(CaseError::Claimed { .. }) | Err(CaseError::AlreadyDecided(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(rep)
    }
}

fn target(kind: EntityKind, id: &str, action: &str) -> Target {
    Target {
        kind,
        id: id.into(),
        action: action.into(),
    }
}

fn validate(req: &DecisionRequest) -> Result<(), CaseError> {
    check_reason(&req.reason)?;
    if req.action.enforces() && req.category.is_none() {
        return Err(CaseError::Invalid(format!(
            "{} needs a category",
            req.action.as_str()
        )));
    }
    if req.action == Action::Dismiss && req.dismissal.is_none() {
        return Err(CaseError::Invalid(
            "dismiss needs a dismissal (news, research, counter_speech or other)".into(),
        ));
    }
    if req.action != Action::Dismiss && req.dismissal.is_some() {
        return Err(CaseError::Invalid("dismissal is only for dismiss".into()));
    }
    if req.strikes.is_some_and(|s| s > 10) {
        return Err(CaseError::Invalid("strikes must be at most 10".into()));
    }
    if let Some(l) = &req.label {
        if req.action != Action::Label {
            return Err(CaseError::Invalid(
                "label is only for the label action".into(),
            ));
        }
        if l.is_empty()
            || l.len() > 64
            || !l
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(CaseError::Invalid(
                "label must be 1 to 64 characters of letters, digits, _ and -".into(),
            ));
        }
    }
    Ok(())
}

/// Confirmed media and text of a removed post, for the hash bank.
fn bank_items(p: &Post, category: Option<Category>, out: &mut Vec<BankItem>) {
    for m in &p.media {
        let sha = m.sha256.clone().or_else(|| {
            m.md5
                .as_ref()
                .or(m.key.as_ref())
                .map(|k| sha256_hex(format!("{}|{k}", p.platform.as_str()).as_bytes()))
        });
        if let Some(sha) = sha {
            out.push(BankItem {
                id: 0,
                kind: "media".into(),
                post_id: p.id.clone(),
                sha256: sha,
                md5: m.md5.clone(),
                media_key: m.key.clone(),
                text: None,
                category,
            });
        }
    }
    if !p.text.trim().is_empty() {
        out.push(BankItem {
            id: 0,
            kind: "text".into(),
            post_id: p.id.clone(),
            sha256: sha256_hex(p.text.as_bytes()),
            md5: None,
            media_key: None,
            text: Some(p.text.chars().take(10_000).collect()),
            category,
        });
    }
}

/// An automatic action policy. Off by default; dry-run by default once on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoPolicy {
    pub name: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub dry_run: bool,
    /// Minimum risk (after context) to act on; at least 0.5.
    pub threshold: f64,
    /// The categories it may act on (scope). It only ever removes posts.
    pub categories: Vec<Category>,
    #[serde(default = "one")]
    pub strikes: u32,
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}

/// What a policy run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyReport {
    pub considered: u64,
    pub acted: u64,
    /// Dry run: recorded, not done.
    pub would_act: u64,
    pub skipped_context: u64,
}
