//! The pages about one thing: a case (post in context, signals, decision form with bulk
//! preview), a post, an account, a campaign timeline and a network drawing; and the claim,
//! release, preview and decide actions.

use crate::pages::{queue_row, row_info};
use crate::session::Session;
use crate::strings::{t, Msg};
use crate::svg::{self, Bucket, Node};
use crate::view::{
    bar, enc, entity_href, ext_link, ident, json, media_tile, page, snippet, text, when, Nav,
    REVIEW,
};
use crate::{Console, ConsoleError, Html, ALL};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vigil_cases::{
    Action, CaseRow, CaseState, CaseStore, DecisionRequest, Dismissal, Preview, Service,
};
use vigil_model::{Account, Category, EntityKind, Post, Signal};
use vigil_store::console::ConsoleStore;
use vigil_store::Store;

/// Members of a cluster or campaign shown on its pages; the rest are counted.
const SHOW_MEMBERS: usize = 200;
/// Nodes drawn in a network.
const MAX_NODES: usize = 300;
/// Posts read for a campaign timeline.
const MAX_CAMPAIGN_POSTS: usize = 5000;

fn htmx(h: &HeaderMap) -> bool {
    h.get("hx-request").is_some()
}

/// Who holds a case, and the claim or release button for reviewers.
pub fn claim_cell(c: &CaseRow, s: &Session) -> Markup {
    let review = REVIEW.contains(&s.user.role);
    let mine = c.claimed_by.as_deref() == Some(s.user.name.as_str());
    let held = c.state == CaseState::Claimed;
    html! {
        @if held { @if let Some(by) = &c.claimed_by { span.ident.holder { (ident(by)) } } }
        @if review && c.state != CaseState::Decided {
            @if held && mine {
                form.inline.release method="post" action=(format!("/cases/{}/release", c.id))
                    hx-post=(format!("/cases/{}/release", c.id)) hx-target="closest tr" hx-swap="outerHTML" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    button type="submit" { (t(Msg::Release)) }
                }
            } @else if !held {
                form.inline.claim method="post" action=(format!("/cases/{}/claim", c.id))
                    hx-post=(format!("/cases/{}/claim", c.id)) hx-target="closest tr" hx-swap="outerHTML" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    button.claim type="submit" { (t(Msg::Claim)) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn claim_or_release(
    c: Console,
    h: HeaderMap,
    id: i64,
    csrf: String,
    claim: bool,
) -> Result<Response, ConsoleError> {
    let s = c.require_post(&h, REVIEW, &csrf)?;
    let name = s.user.name.clone();
    let (row, info) = c
        .run(move |svc| {
            let row = if claim {
                svc.claim(id, &name)?
            } else {
                svc.release(id, &name)?
            };
            let info = row_info(&svc.store, &row)?;
            Ok((row, info))
        })
        .await?;
    if htmx(&h) {
        Ok(Html(queue_row(&row, &info, &s)).into_response())
    } else {
        Ok(Redirect::to(&format!("/cases/{id}")).into_response())
    }
}

pub async fn claim(
    State(c): State<Console>,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, ConsoleError> {
    claim_or_release(c, h, id, f.csrf, true).await
}

pub async fn release(
    State(c): State<Console>,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, ConsoleError> {
    claim_or_release(c, h, id, f.csrf, false).await
}

/// The decision form as posted.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    dismissal: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    strikes: String,
    #[serde(default)]
    label: String,
}

fn enum_of<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<Option<T>, ConsoleError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map(Some)
        .map_err(|_| ConsoleError::BadRequest(format!("unknown {what}")))
}

impl DecisionForm {
    fn request(&self) -> Result<DecisionRequest, ConsoleError> {
        Ok(DecisionRequest {
            action: enum_of::<Action>(&self.action, "action")?
                .ok_or_else(|| ConsoleError::BadRequest("choose an action".into()))?,
            category: enum_of::<Category>(&self.category, "category")?,
            dismissal: enum_of::<Dismissal>(&self.dismissal, "dismissal")?,
            reason: self.reason.clone(),
            strikes: match self.strikes.trim() {
                "" => None,
                x => Some(
                    x.parse::<u32>()
                        .ok()
                        .filter(|n| *n <= 10)
                        .ok_or_else(|| ConsoleError::BadRequest("strikes are 0 to 10".into()))?,
                ),
            },
            label: Some(self.label.trim())
                .filter(|l| !l.is_empty())
                .map(|l| l.chars().take(64).collect()),
        })
    }
}

fn preview_view(p: &Preview) -> Markup {
    html! {
        div.card #preview-result {
            h2 { (t(Msg::PreviewTitle)) }
            dl.kv {
                dt { (t(Msg::Action)) } dd { (p.action.as_str()) }
                dt { (t(Msg::Targets)) } dd #preview-targets { (p.targets.len()) }
                dt { (t(Msg::Excluded)) } dd { (p.excluded.len()) }
                dt { (t(Msg::StrikesTotal)) } dd { (p.accounts.len()) " accounts" }
                dt { (t(Msg::Webhooks)) } dd { (p.webhooks) }
            }
            @if !p.targets.is_empty() {
                details { summary { (t(Msg::Targets)) }
                    ul { @for x in p.targets.iter().take(SHOW_MEMBERS) { li { (x.action) " " a href=(entity_href(x.kind, &x.id)) { (ident(&x.id)) } } }
                    @if p.targets.len() > SHOW_MEMBERS { li.muted { (p.targets.len() - SHOW_MEMBERS) " " (t(Msg::MoreMembers)) } } }
                }
            }
            @if !p.excluded.is_empty() {
                details open { summary { (t(Msg::Excluded)) }
                    ul { @for x in p.excluded.iter().take(SHOW_MEMBERS) { li { a href=(entity_href(x.kind, &x.id)) { (ident(&x.id)) } ": " (x.why) } } }
                }
            }
        }
    }
}

pub async fn preview(
    State(c): State<Console>,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    let s = c.require_post(&h, REVIEW, &f.csrf)?;
    let req = f.request()?;
    let p = c.run(move |svc| Ok(svc.preview(id, &req)?)).await?;
    if htmx(&h) {
        return Ok(Html(preview_view(&p)).into_response());
    }
    Ok(Html(page(
        t(Msg::PreviewTitle),
        Some(&s),
        Nav::Queue,
        html! { (preview_view(&p)) p { a href=(format!("/cases/{id}")) { "← " (t(Msg::CaseTitle)) " #" (id) } } },
    ))
    .into_response())
}

pub async fn decide(
    State(c): State<Console>,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    let s = c.require_post(&h, REVIEW, &f.csrf)?;
    let req = f.request()?;
    let name = s.user.name.clone();
    c.run(move |svc| Ok(svc.decide(id, &req, &name)?)).await?;
    if htmx(&h) {
        let mut r = Response::new(axum::body::Body::empty());
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!("/cases/{id}")) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return Ok(r);
    }
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

/// One post, as a card: author, time, text, entities, media.
fn post_card(p: &Post, author: Option<&Account>, reveal: bool) -> Markup {
    html! {
        article.post.card {
            div.muted {
                a href=(entity_href(EntityKind::Account, &p.account_id)) {
                    @match author.and_then(|a| a.handle.as_deref()) {
                        Some(hnd) => { "@" (ident(hnd)) }
                        None => (ident(&p.account_id)),
                    }
                }
                @if let Some(dn) = author.and_then(|a| a.display_name.as_deref()) { " · " (snippet(dn, 100)) }
                " · " (when(p.created_at)) " · " (ident(&p.id))
                @if let Some(l) = &p.lang { " · " span.pill { (ident(l)) } }
            }
            div.text { (text(&p.text)) }
            @if !p.hashtags.is_empty() { div { @for x in p.hashtags.iter().take(50) { span.pill { "#" (ident(x)) } " " } } }
            @if !p.mentions.is_empty() { div { @for x in p.mentions.iter().take(50) { span.pill { "@" (ident(x)) } " " } } }
            @if !p.urls.is_empty() { ul { @for u in p.urls.iter().take(20) { li { (ext_link(u)) } } } }
            @if !p.media.is_empty() { div { @for m in p.media.iter().take(8) { (media_tile(m, reveal)) } } }
            @if let Some(r) = &p.reply_to { div.muted { "reply to " a href=(entity_href(EntityKind::Post, r)) { (ident(r)) } } }
            @if let Some(r) = p.repost_of.as_ref().or(p.quote_of.as_ref()) { div.muted { "repost/quote of " a href=(entity_href(EntityKind::Post, r)) { (ident(r)) } } }
            @if let Some(f) = &p.forwarded_from { div.muted { "forwarded from " (ident(f)) } }
        }
    }
}

fn signal_kind(s: &Signal) -> String {
    match (s.category, s.context) {
        (Some(c), _) => c.as_str().to_string(),
        (None, Some(x)) => format!("context: {}", x.as_str()),
        _ => "-".into(),
    }
}

/// Each signal with what produced it (detector, source = rule id or bank item, version) and
/// its explanation; distance and rule ids are in the explanation and shown as they are.
fn signals_table(sigs: &[Signal]) -> Markup {
    html! {
        @if sigs.is_empty() { p.muted { (t(Msg::None_)) } } @else {
            table.signals {
                colgroup { col width="12%"; col width="18%"; col width="14%"; col width="10%"; col width="46%"; }
                thead { tr { th { "detector" } th { "source" } th { (t(Msg::Category)) } th { "weight" } th { (t(Msg::Explanation)) } } }
                tbody { @for s in sigs.iter().take(500) { tr {
                    td { (ident(&s.detector)) @if s.shadow { br; span.pill.shadow { (t(Msg::ShadowSignal)) } } }
                    td { (ident(&s.source)) br; span.muted { "v" (ident(&s.version)) " · " (when(s.at)) } }
                    td { (signal_kind(s)) }
                    td { (format!("{:.2}", s.weight)) br; (bar(s.weight as f64)) }
                    td { (json(&s.explanation)) }
                } } }
            }
        }
    }
}

fn members(sigs: &[Signal], key: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for s in sigs.iter().filter(|s| !s.shadow) {
        if let Some(a) = s.explanation.get(key).and_then(|v| v.as_array()) {
            out.extend(
                a.iter()
                    .take(100_000)
                    .filter_map(|v| v.as_str().map(str::to_string)),
            );
        }
    }
    out.into_iter().collect()
}

struct GroupView {
    kind: EntityKind,
    id: String,
    /// Other member accounts (id, handle).
    accounts: Vec<(String, Option<String>)>,
    total: usize,
}

fn groups_of<S: Store + ConsoleStore>(
    store: &S,
    member_ids: &[&str],
    skip_account: Option<&str>,
) -> Result<Vec<GroupView>, ConsoleError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for m in member_ids {
        for g in store.groups_with_member(m, 20)? {
            if !seen.insert((g.entity_kind, g.entity_id.clone())) {
                continue;
            }
            let accts = members(std::slice::from_ref(&g), "accounts");
            let total = accts.len();
            let mut accounts = Vec::new();
            for a in accts
                .iter()
                .filter(|a| Some(a.as_str()) != skip_account)
                .take(30)
            {
                accounts.push((a.clone(), store.account(a)?.and_then(|x| x.handle)));
            }
            out.push(GroupView {
                kind: g.entity_kind,
                id: g.entity_id.clone(),
                accounts,
                total,
            });
        }
    }
    Ok(out)
}

fn groups_view(groups: &[GroupView]) -> Markup {
    html! {
        @if groups.is_empty() { p.muted { (t(Msg::None_)) } }
        @for g in groups {
            div {
                span.pill { (g.kind.as_str()) } " "
                a href=(entity_href(g.kind, &g.id)) { (ident(&g.id)) }
                " · " a href=(format!("/network?kind={}&id={}", g.kind.as_str(), enc(&g.id))) { (t(Msg::OpenNetwork)) }
                " · " (g.total) " accounts"
                ul { @for (a, hnd) in &g.accounts { li { a href=(entity_href(EntityKind::Account, a)) { (ident(a)) } @if let Some(x) = hnd { " @" (ident(x)) } } } }
            }
        }
    }
}

struct CaseData {
    case: CaseRow,
    signals: Vec<Signal>,
    decisions: Vec<serde_json::Value>,
    post: Option<Post>,
    author: Option<Account>,
    thread: Vec<(Post, Option<Account>)>,
    history: Vec<Post>,
    groups: Vec<GroupView>,
    /// Cluster or campaign members: (account id, handle), and the totals.
    member_accounts: Vec<(String, Option<String>)>,
    total_accounts: usize,
    total_posts: usize,
}

fn load_case(svc: &mut Service, id: i64) -> Result<CaseData, ConsoleError> {
    let case = svc.case(id)?;
    let st = &svc.store;
    let signals = st.signals_for(case.entity_kind, &case.entity_id)?;
    let decisions = st.decisions_for(id)?;
    let mut d = CaseData {
        signals,
        decisions,
        post: None,
        author: None,
        thread: Vec::new(),
        history: Vec::new(),
        groups: Vec::new(),
        member_accounts: Vec::new(),
        total_accounts: 0,
        total_posts: 0,
        case,
    };
    let eid = d.case.entity_id.clone();
    match d.case.entity_kind {
        EntityKind::Post => {
            if let Some(p) = st.post(&eid)? {
                d.author = st.account(&p.account_id)?;
                let mut next = p.reply_to.clone();
                let mut seen = BTreeSet::new();
                while let Some(r) = next.take() {
                    if d.thread.len() >= 20 || !seen.insert(r.clone()) {
                        break;
                    }
                    if let Some(pp) = st.post(&r)? {
                        next = pp.reply_to.clone();
                        let a = st.account(&pp.account_id)?;
                        d.thread.push((pp, a));
                    }
                }
                d.thread.reverse();
                d.history = st
                    .posts_by_account(&p.account_id, 21)?
                    .into_iter()
                    .filter(|x| x.id != p.id)
                    .take(20)
                    .collect();
                d.groups = groups_of(st, &[&p.account_id, &p.id], Some(&p.account_id))?;
                d.post = Some(p);
            }
        }
        EntityKind::Account => {
            d.author = st.account(&eid)?;
            d.history = st.posts_by_account(&eid, 20)?;
            d.groups = groups_of(st, &[&eid], Some(&eid))?;
        }
        EntityKind::Cluster | EntityKind::Campaign => {
            let accts = members(&d.signals, "accounts");
            d.total_accounts = accts.len();
            d.total_posts = members(&d.signals, "posts").len();
            for a in accts.into_iter().take(SHOW_MEMBERS) {
                let h = st.account(&a)?.and_then(|x| x.handle);
                d.member_accounts.push((a, h));
            }
        }
    }
    Ok(d)
}

fn actions_for(kind: EntityKind) -> &'static [Action] {
    match kind {
        EntityKind::Post => &[
            Action::RemovePost,
            Action::SuspendAccount,
            Action::Label,
            Action::Escalate,
            Action::Dismiss,
        ],
        EntityKind::Account => &[
            Action::SuspendAccount,
            Action::Label,
            Action::Escalate,
            Action::Dismiss,
        ],
        _ => &[
            Action::BulkRemovePosts,
            Action::BulkSuspendAccounts,
            Action::Label,
            Action::Escalate,
            Action::Dismiss,
        ],
    }
}

fn decision_form(c: &CaseRow, s: &Session, preset: Option<&str>) -> Markup {
    let bulk = matches!(c.entity_kind, EntityKind::Cluster | EntityKind::Campaign);
    html! {
        form.decision #decision method="post" action=(format!("/cases/{}/decide", c.id)) {
            input type="hidden" name="csrf" value=(s.csrf);
            label for="action" { (t(Msg::Action)) }
            select #action name="action" required {
                @for a in actions_for(c.entity_kind) {
                    option value=(a.as_str()) selected[preset == Some(a.as_str())] { (a.as_str()) }
                }
            }
            label for="category" { (t(Msg::Category)) }
            select #category name="category" {
                option value="" { "-" }
                @for m in vigil_model::taxonomy::MAPPINGS.iter() {
                    option value=(m.category.as_str()) selected[c.category == Some(m.category)] { (m.category.as_str()) }
                }
            }
            label for="dismissal" { (t(Msg::Dismissal)) }
            select #dismissal name="dismissal" {
                option value="" { "-" }
                @for d in ["news", "research", "counter_speech", "other"] { option value=(d) { (d) } }
            }
            label for="reason" { (t(Msg::Reason)) }
            textarea #reason name="reason" maxlength="4000" required {}
            label for="strikes" { (t(Msg::Strikes)) }
            input #strikes type="number" name="strikes" min="0" max="10";
            label for="label" { (t(Msg::Label)) }
            input #label type="text" name="label" maxlength="64";
            p {
                button #preview type="submit" formaction=(format!("/cases/{}/preview", c.id)) formnovalidate
                    hx-post=(format!("/cases/{}/preview", c.id)) hx-target="#preview-box" hx-swap="innerHTML" {
                    (t(Msg::Preview)) @if bulk { " (bulk)" }
                }
                " "
                button.primary #decide type="submit" { (t(Msg::Decide)) }
            }
            div #preview-box {}
            p.keys { "keys: r remove, s suspend, b bulk suspend, l label, e escalate, d dismiss" }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CaseParams {
    #[serde(default)]
    action: String,
}

pub async fn case_page(
    State(c): State<Console>,
    h: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<CaseParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let d = c.run(move |svc| load_case(svc, id)).await?;
    Ok(Html(render_case(
        &d,
        &s,
        Some(q.action.as_str()).filter(|a| !a.is_empty()),
    )))
}

fn render_case(d: &CaseData, s: &Session, preset: Option<&str>) -> Markup {
    let c = &d.case;
    let review = REVIEW.contains(&s.user.role);
    let title = format!("{} #{}", t(Msg::CaseTitle), c.id);
    page(
        &title,
        Some(s),
        Nav::Queue,
        html! {
            h1 { (title) " " span.pill { (c.entity_kind.as_str()) } " " span class=(format!("pill {}", c.state.as_str())) #state { (c.state.as_str()) } }
            div.card {
                dl.kv {
                    dt { "entity" } dd { a href=(entity_href(c.entity_kind, &c.entity_id)) { (ident(&c.entity_id)) } }
                    dt { (t(Msg::Category)) } dd { (c.category.map(|x| x.as_str()).unwrap_or("-")) @if c.has_context { " " span.pill { "context" } } }
                    dt { (t(Msg::Priority)) } dd { (format!("{:.4}", c.priority)) " = " (t(Msg::Risk)) " " (format!("{:.3}", c.risk)) " × " (t(Msg::Reach)) " " (format!("{:.3}", c.reach)) " × " (t(Msg::Recency)) " " (format!("{:.3}", c.recency)) }
                    dt { (t(Msg::Risk)) } dd { (bar(c.risk)) }
                    dt { (t(Msg::ColHolder)) } dd #holder { (claim_cell(c, s)) }
                    dt { (t(Msg::ColSignals)) } dd { (c.signal_count) " · " (when(c.first_signal)) " → " (when(c.last_signal)) }
                }
            }
            div.grid {
                div {
                    @if let Some(p) = &d.post {
                        h2 { (t(Msg::Post)) }
                        (post_card(p, d.author.as_ref(), s.reveal_media))
                        @if !d.thread.is_empty() {
                            h2 { (t(Msg::Thread)) }
                            @for (tp, ta) in &d.thread { (post_card(tp, ta.as_ref(), s.reveal_media)) }
                        }
                    }
                    @if c.entity_kind == EntityKind::Account {
                        h2 { (t(Msg::AccountTitle)) }
                        @if let Some(a) = &d.author { (account_card(a)) }
                    }
                    @if matches!(c.entity_kind, EntityKind::Cluster | EntityKind::Campaign) {
                        h2 { (t(Msg::Members)) ": " (d.total_accounts) " accounts, " (d.total_posts) " posts" }
                        p {
                            a href=(format!("/network?kind={}&id={}", c.entity_kind.as_str(), enc(&c.entity_id))) { (t(Msg::OpenNetwork)) }
                            " · "
                            a href=(entity_href(c.entity_kind, &c.entity_id)) { (t(Msg::OpenCampaign)) }
                        }
                        ul #members { @for (a, hnd) in &d.member_accounts { li { a href=(entity_href(EntityKind::Account, a)) { (ident(a)) } @if let Some(x) = hnd { " @" (ident(x)) } } } }
                        @if d.total_accounts > d.member_accounts.len() { p.muted { (d.total_accounts - d.member_accounts.len()) " " (t(Msg::MoreMembers)) } }
                    }
                }
                div {
                    h2 { (t(Msg::DecisionForm)) }
                    div.card {
                        @if review && c.state != CaseState::Decided { (decision_form(c, s, preset)) }
                        @else if !review { p.muted { (t(Msg::ReadOnly)) } }
                        @else { p.muted { "decided" } }
                    }
                    @if !d.decisions.is_empty() {
                        h2 { (t(Msg::Decisions)) }
                        div.card #decisions { @for x in &d.decisions { (json(x)) } }
                    }
                }
            }
            h2 { (t(Msg::Signals)) }
            div.card { (signals_table(&d.signals)) }
            @if matches!(c.entity_kind, EntityKind::Post | EntityKind::Account) {
                h2 { (t(Msg::GroupMembers)) }
                div.card { (groups_view(&d.groups)) }
                h2 { (t(Msg::AccountHistory)) }
                @for p in &d.history { (post_card(p, d.author.as_ref(), s.reveal_media)) }
            }
        },
    )
}

fn account_card(a: &Account) -> Markup {
    html! {
        div.card.account {
            dl.kv {
                dt { "id" } dd { (ident(&a.id)) }
                dt { "handle" } dd { @if let Some(hnd) = &a.handle { "@" (ident(hnd)) } }
                dt { "name" } dd { @if let Some(n) = &a.display_name { (snippet(n, 200)) } }
                dt { "bio" } dd { @if let Some(b) = &a.bio { (text(b)) } }
                dt { (t(Msg::Followers)) } dd { (a.followers.map(|f| f.to_string()).unwrap_or_else(|| "-".into())) }
                dt { "status" } dd { (a.status.as_str()) }
                dt { "created" } dd { (a.created_at.map(when).unwrap_or_default()) }
                dt { "avatar" } dd { @if let Some(u) = &a.avatar_url { (ext_link(u)) } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct IdParams {
    #[serde(default)]
    id: String,
    #[serde(default)]
    kind: String,
}

fn bounded_id(s: &str) -> Result<String, ConsoleError> {
    if s.is_empty() || s.len() > 512 {
        return Err(ConsoleError::BadRequest("id must be 1 to 512 bytes".into()));
    }
    Ok(s.to_string())
}

pub async fn post_page(
    State(c): State<Console>,
    h: HeaderMap,
    Query(q): Query<IdParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let id = bounded_id(&q.id)?;
    let (p, a, sigs, case) = c
        .run(move |svc| {
            let st = &svc.store;
            let p = st.post(&id)?.ok_or(ConsoleError::NotFound)?;
            let a = st.account(&p.account_id)?;
            let sigs = st.signals_for(EntityKind::Post, &id)?;
            let case = st.active_case(EntityKind::Post, &id)?;
            Ok((p, a, sigs, case))
        })
        .await?;
    Ok(Html(page(
        t(Msg::Post),
        Some(&s),
        Nav::Queue,
        html! {
            h1 { (t(Msg::Post)) " " (ident(&p.id)) }
            @if let Some(c) = &case { p { a href=(format!("/cases/{}", c.id)) { (t(Msg::CaseTitle)) " #" (c.id) } } }
            (post_card(&p, a.as_ref(), s.reveal_media))
            h2 { (t(Msg::Signals)) }
            div.card { (signals_table(&sigs)) }
        },
    )))
}

pub async fn account_page(
    State(c): State<Console>,
    h: HeaderMap,
    Query(q): Query<IdParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let id = bounded_id(&q.id)?;
    let (a, sigs, strikes, seed, posts, case, groups) = c
        .run(move |svc| {
            let st = &svc.store;
            let a = st.account(&id)?;
            let sigs = st.signals_for(EntityKind::Account, &id)?;
            if a.is_none() && sigs.is_empty() {
                return Err(ConsoleError::NotFound);
            }
            let strikes = st.strikes_for(&id)?;
            let seed = st.is_seed(&id)?;
            let posts = st.posts_by_account(&id, 30)?;
            let case = st.active_case(EntityKind::Account, &id)?;
            let groups = groups_of(st, &[&id], Some(&id))?;
            Ok((a, sigs, strikes, seed, posts, case, groups))
        })
        .await?;
    let is = |s: &Signal, words: &[&str]| {
        words
            .iter()
            .any(|w| s.detector.contains(w) || s.source.starts_with(w))
    };
    let (risk, rest): (Vec<_>, Vec<_>) = sigs.into_iter().partition(|x| is(x, &["risk"]));
    let (returning, rest): (Vec<_>, Vec<_>) = rest.into_iter().partition(|x| is(x, &["returning"]));
    let (idents, other): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|x| is(x, &["identity", "cross_platform", "xplatform", "link"]));
    let title = format!(
        "{} {}",
        t(Msg::AccountTitle),
        q.id.chars().take(80).collect::<String>()
    );
    Ok(Html(page(
        &title,
        Some(&s),
        Nav::Queue,
        html! {
            h1 { (t(Msg::AccountTitle)) " " (ident(&q.id)) }
            @if let Some(c) = &case { p { a href=(format!("/cases/{}", c.id)) { (t(Msg::CaseTitle)) " #" (c.id) } " · " (t(Msg::Risk)) " " (format!("{:.3}", c.risk)) " " (bar(c.risk)) } }
            @if let Some(a) = &a { (account_card(a)) }
            div.card { dl.kv {
                dt { (t(Msg::StrikesTotal)) } dd #strikes { (strikes) }
                dt { (t(Msg::Seed)) } dd { (if seed { "yes" } else { "no" }) }
            } }
            h2 { (t(Msg::RiskBreakdown)) } div.card { (signals_table(&risk)) }
            h2 { (t(Msg::ReturningLinks)) } div.card { (signals_table(&returning)) }
            h2 { (t(Msg::Identities)) } div.card { (signals_table(&idents)) }
            h2 { (t(Msg::OtherSignals)) } div.card { (signals_table(&other)) }
            h2 { (t(Msg::GroupMembers)) } div.card { (groups_view(&groups)) }
            h2 { (t(Msg::RecentPosts)) }
            @for p in &posts { (post_card(p, a.as_ref(), s.reveal_media)) }
        },
    )))
}

fn group_kind(k: &str) -> Result<EntityKind, ConsoleError> {
    match k {
        "cluster" => Ok(EntityKind::Cluster),
        "campaign" | "" => Ok(EntityKind::Campaign),
        _ => Err(ConsoleError::BadRequest(
            "kind is cluster or campaign".into(),
        )),
    }
}

/// The posts of a group: those its signals name, else its accounts' recent posts.
fn group_posts<S: Store>(st: &S, sigs: &[Signal]) -> Result<Vec<Post>, ConsoleError> {
    let mut posts = Vec::new();
    for id in members(sigs, "posts").iter().take(MAX_CAMPAIGN_POSTS) {
        if let Some(p) = st.post(id)? {
            posts.push(p);
        }
    }
    if posts.is_empty() {
        for a in members(sigs, "accounts").iter().take(500) {
            posts.extend(st.posts_by_account(a, 10)?);
            if posts.len() >= MAX_CAMPAIGN_POSTS {
                break;
            }
        }
    }
    Ok(posts)
}

/// Hourly buckets (wider when the span is long: at most 240 bars).
pub fn buckets(posts: &[Post]) -> Vec<Bucket> {
    let (Some(lo), Some(hi)) = (
        posts.iter().map(|p| p.created_at).min(),
        posts.iter().map(|p| p.created_at).max(),
    ) else {
        return Vec::new();
    };
    let hour = 3_600_000i64;
    let span = (hi - lo).max(0);
    let width = (span / 240 / hour + 1) * hour;
    let start = lo - lo.rem_euclid(hour);
    let n = ((hi - start) / width + 1) as usize;
    let mut b: Vec<(u64, BTreeSet<&str>)> = vec![(0, BTreeSet::new()); n.min(241)];
    for p in posts {
        let i = (((p.created_at - start) / width) as usize).min(b.len() - 1);
        b[i].0 += 1;
        b[i].1.insert(p.account_id.as_str());
    }
    b.into_iter()
        .enumerate()
        .map(|(i, (posts, who))| Bucket {
            start: start + i as i64 * width,
            posts,
            participants: who.len() as u64,
        })
        .collect()
}

pub async fn campaign_page(
    State(c): State<Console>,
    h: HeaderMap,
    Query(q): Query<IdParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let id = bounded_id(&q.id)?;
    let kind = group_kind(&q.kind)?;
    let (sigs, posts, case) = c
        .run(move |svc| {
            let st = &svc.store;
            let sigs = st.signals_for(kind, &id)?;
            if sigs.is_empty() {
                return Err(ConsoleError::NotFound);
            }
            let posts = group_posts(st, &sigs)?;
            let case = st.active_case(kind, &id)?;
            Ok((sigs, posts, case))
        })
        .await?;
    let b = buckets(&posts);
    let mut texts: HashMap<String, usize> = HashMap::new();
    let mut media: HashMap<String, (usize, vigil_model::Media)> = HashMap::new();
    for p in &posts {
        let key: String = p.text.trim().chars().take(280).collect();
        if !key.is_empty() {
            *texts.entry(key).or_default() += 1;
        }
        for m in &p.media {
            if let Some(h) = &m.sha256 {
                media.entry(h.clone()).or_insert((0, m.clone())).0 += 1;
            }
        }
    }
    let mut texts: Vec<_> = texts.into_iter().collect();
    texts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut media: Vec<_> = media.into_iter().collect();
    media.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let accounts = members(&sigs, "accounts").len();
    Ok(Html(page(
        t(Msg::CampaignTitle),
        Some(&s),
        Nav::Queue,
        html! {
            h1 { (t(Msg::CampaignTitle)) " " span.pill { (kind.as_str()) } " " (ident(&q.id)) }
            p {
                @if let Some(c) = &case { a href=(format!("/cases/{}", c.id)) { (t(Msg::CaseTitle)) " #" (c.id) } " · " }
                (accounts) " accounts · " (posts.len()) " posts · "
                a href=(format!("/network?kind={}&id={}", kind.as_str(), enc(&q.id))) { (t(Msg::OpenNetwork)) }
            }
            div.card { h2 { (t(Msg::Timeline)) } (svg::timeline(&b)) }
            div.grid {
                div.card {
                    h2 { (t(Msg::TopTexts)) }
                    table { colgroup { col width="12%"; col width="88%"; } tbody { @for (x, n) in texts.iter().take(10) { tr { td.num { (n) } td { (snippet(x, 280)) } } } } }
                }
                div.card {
                    h2 { (t(Msg::TopMedia)) }
                    @if media.is_empty() { p.muted { (t(Msg::NoMedia)) } }
                    @for (_, (n, m)) in media.iter().take(10) { div { (media_tile(m, s.reveal_media)) " ×" (n) } }
                }
            }
            h2 { (t(Msg::Signals)) }
            div.card { (signals_table(&sigs)) }
        },
    )))
}

/// Edges a detector gave (`edges`: `[[a, b], ...]` or `[{"a", "b"}, ...]`), else accounts
/// that posted the same text, chained per text.
fn edges_of(sigs: &[Signal], idx: &HashMap<&str, usize>, posts: &[Post]) -> Vec<(usize, usize)> {
    let mut out = BTreeSet::new();
    for s in sigs.iter().filter(|s| !s.shadow) {
        if let Some(a) = s.explanation.get("edges").and_then(|v| v.as_array()) {
            for e in a.iter().take(20_000) {
                let pair = match e {
                    serde_json::Value::Array(x) if x.len() >= 2 => (x[0].as_str(), x[1].as_str()),
                    serde_json::Value::Object(o) => (
                        o.get("a").and_then(|v| v.as_str()),
                        o.get("b").and_then(|v| v.as_str()),
                    ),
                    _ => (None, None),
                };
                if let (Some(x), Some(y)) = pair {
                    if let (Some(&i), Some(&j)) = (idx.get(x), idx.get(y)) {
                        if i != j {
                            out.insert((i.min(j), i.max(j)));
                        }
                    }
                }
            }
        }
    }
    if out.is_empty() {
        let mut by_text: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for p in posts {
            if let Some(&i) = idx.get(p.account_id.as_str()) {
                by_text.entry(p.text.trim()).or_default().insert(i);
            }
        }
        for who in by_text.values() {
            let v: Vec<usize> = who.iter().copied().collect();
            for w in v.windows(2) {
                out.insert((w[0], w[1]));
                if out.len() >= 5000 {
                    break;
                }
            }
        }
    }
    out.into_iter().collect()
}

fn risk_class(r: f64) -> &'static str {
    if r < 0.3 {
        "r0"
    } else if r < 0.6 {
        "r1"
    } else if r < 0.85 {
        "r2"
    } else {
        "r3"
    }
}

pub async fn network_page(
    State(c): State<Console>,
    h: HeaderMap,
    Query(q): Query<IdParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let id = bounded_id(&q.id)?;
    let kind = group_kind(&q.kind)?;
    let (nodes, edges, total) = c
        .run(move |svc| {
            let st = &svc.store;
            let sigs = st.signals_for(kind, &id)?;
            if sigs.is_empty() {
                return Err(ConsoleError::NotFound);
            }
            let accts = members(&sigs, "accounts");
            let total = accts.len();
            let shown: Vec<String> = accts.into_iter().take(MAX_NODES).collect();
            let roles: HashMap<String, String> = sigs
                .iter()
                .filter_map(|s| s.explanation.get("roles").and_then(|v| v.as_object()))
                .flat_map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                })
                .collect();
            let mut nodes = Vec::with_capacity(shown.len());
            for a in &shown {
                let class = match roles.get(a).map(String::as_str) {
                    Some("seed") => "role-seed".to_string(),
                    Some("amplifier") => "role-amplifier".to_string(),
                    Some(_) => "role-member".to_string(),
                    None => risk_class(
                        st.active_case(EntityKind::Account, a)?
                            .map(|c| c.risk)
                            .unwrap_or(0.0),
                    )
                    .to_string(),
                };
                let handle = st.account(a)?.and_then(|x| x.handle);
                nodes.push(Node {
                    id: a.clone(),
                    class,
                    label: match handle {
                        Some(hnd) => format!("{a} @{hnd}"),
                        None => a.clone(),
                    },
                });
            }
            let idx: HashMap<&str, usize> = shown
                .iter()
                .enumerate()
                .map(|(i, a)| (a.as_str(), i))
                .collect();
            let posts = group_posts(st, &sigs)?;
            let edges = edges_of(&sigs, &idx, &posts);
            Ok((nodes, edges, total))
        })
        .await?;
    Ok(Html(page(
        t(Msg::NetworkTitle),
        Some(&s),
        Nav::Queue,
        html! {
            h1 { (t(Msg::NetworkTitle)) " " span.pill { (kind.as_str()) } " " (ident(&q.id)) }
            p.muted { (t(Msg::NetworkLegend)) ". " (nodes.len()) " / " (total) " accounts, " (edges.len()) " edges." }
            div.card { (svg::network(&nodes, &edges)) }
        },
    )))
}
