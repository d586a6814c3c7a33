//! The console's list pages: sign-in, dashboard, queue, banks, rules, audit, settings, and the
//! static assets.

use crate::case::claim_cell;
use crate::strings::{t, Msg};
use crate::view::{self, bar, dur, entity_href, ident, page, snippet, when, Nav, ANALYSIS};
use crate::{peer, Console, ConsoleError, Html, ALL};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use vigil_cases::{CaseRow, CaseState, CaseStore, Role};
use vigil_model::{Category, EntityKind};
use vigil_store::console::{ConsoleStore, Count, QueueQuery, StateFilter};
use vigil_store::Store;

/// The setting key of the wellbeing preference.
pub const REVEAL_MEDIA: &str = "reveal_media";

const HTMX: &[u8] = include_bytes!("../assets/htmx.min.js");
const JS: &[u8] = include_bytes!("../assets/console.js");
const CSS: &[u8] = include_bytes!("../assets/console.css");

pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        "console.css" => (CSS, "text/css; charset=utf-8"),
        _ => return ConsoleError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ty)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    token: String,
}

fn login_page(err: Option<&str>) -> Markup {
    page(
        t(Msg::LoginTitle),
        None,
        Nav::None,
        html! {
            div.card.login {
                h1 { (t(Msg::LoginTitle)) }
                @if let Some(e) = err { p.err #login-error { (e) } }
                form method="post" action="/login" autocomplete="off" {
                    label for="user" { (t(Msg::LoginUser)) }
                    input #user type="text" name="user" maxlength="64" required autofocus;
                    label for="token" { (t(Msg::LoginToken)) }
                    input #token type="password" name="token" maxlength="256" required;
                    button.primary #login type="submit" { (t(Msg::LoginSubmit)) }
                }
                p.muted { (t(Msg::LoginHint)) }
            }
        },
    )
}

pub async fn login_form() -> Html {
    Html(login_page(None))
}

/// Sign in with a user name and that user's API token. Throttled per client address (every
/// attempt) and per user name (failed attempts); every success is in the audit log.
pub async fn login(
    State(c): State<Console>,
    req: axum::extract::Request,
) -> Result<Response, ConsoleError> {
    let ip = peer(req.extensions());
    let Form(f): Form<LoginForm> = Form::from_request(req, &c)
        .await
        .map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
    let user = f.user.trim().to_string();
    let ukey = user.to_lowercase();
    {
        let mut l = crate::lock(&c.per_ip);
        if let Some(d) = l.blocked(&ip) {
            return Err(ConsoleError::Throttled(d));
        }
        l.hit(&ip);
    }
    if let Some(d) = crate::lock(&c.per_user).blocked(&ukey) {
        return Err(ConsoleError::Throttled(d));
    }
    let token = f.token.trim().to_string();
    let found = if user.is_empty() || user.len() > 64 || token.is_empty() || token.len() > 256 {
        None
    } else {
        let name = user.clone();
        c.run(move |s| {
            // Check the name before recording a login: a token of another user is a failure.
            let u = s.authenticate(&token)?;
            match u {
                Some(u) if u.name == name => {
                    let u = s.login(&token)?;
                    let reveal = s.store.user_setting(&name, REVEAL_MEDIA)?.as_deref() == Some("1");
                    Ok(u.map(|u| (u, reveal)))
                }
                _ => Ok(None),
            }
        })
        .await?
    };
    let Some((u, reveal)) = found else {
        crate::lock(&c.per_user).hit(&ukey);
        return Ok((
            StatusCode::UNAUTHORIZED,
            Html(login_page(Some(t(Msg::LoginFailed)))),
        )
            .into_response());
    };
    let id = crate::lock(&c.sessions)
        .create(u, reveal)
        .ok_or(ConsoleError::Internal)?;
    let mut r = Redirect::to("/queue").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, c.cookie(&id, None));
    Ok(r)
}

use axum::extract::FromRequest;

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(c): State<Console>,
    h: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let (id, s) = c.session(&h)?;
    if !s.csrf_ok(&f.csrf) {
        return Err(ConsoleError::Csrf);
    }
    crate::lock(&c.sessions).remove(&id);
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, c.cookie("", Some(0)));
    Ok(r)
}

fn count_table(title: Msg, rows: &[Count]) -> Markup {
    let max = rows.iter().map(|c| c.n).max().unwrap_or(1).max(1) as f64;
    html! {
        div.card {
            h2 { (t(title)) }
            @if rows.is_empty() { p.muted { (t(Msg::None_)) } } @else {
                table { tbody {
                    @for r in rows {
                        tr { td { (ident(&r.key)) } td.num { (r.n) } td { (bar(r.n as f64 / max)) } }
                    }
                } }
            }
        }
    }
}

pub async fn dashboard(State(c): State<Console>, h: HeaderMap) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let d = c.run(|svc| Ok(svc.store.dashboard()?)).await?;
    Ok(Html(page(
        t(Msg::DashboardTitle),
        Some(&s),
        Nav::Dashboard,
        html! {
            h1 { (t(Msg::DashboardTitle)) }
            div.grid {
                (count_table(Msg::QueueSizes, &d.by_state))
                div.card {
                    h2 { (t(Msg::TimeToDecision)) }
                    dl.kv {
                        dt { (t(Msg::Decisions)) } dd { (d.decisions) }
                        dt { "p50" } dd { (d.decide_p50_ms.map(dur).unwrap_or_else(|| "-".into())) }
                        dt { "p90" } dd { (d.decide_p90_ms.map(dur).unwrap_or_else(|| "-".into())) }
                    }
                }
                (count_table(Msg::OpenByPlatform, &d.open_by_platform))
                (count_table(Msg::OpenByCategory, &d.open_by_category))
                (count_table(Msg::Languages, &d.open_by_language))
                (count_table(Msg::ActionsByCategory, &d.actions_by_category))
                (count_table(Msg::ActionsByPlatform, &d.actions_by_platform))
            }
        },
    )))
}

/// Queue filters, as the form sends them; empty means any.
#[derive(Deserialize, Default, Clone)]
pub struct QueueParams {
    #[serde(default)]
    state: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    signal: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    after: String,
}

fn short(s: &str, max: usize) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(max).collect())
}

fn parse_kind(s: &str) -> Option<EntityKind> {
    serde_json::from_value(serde_json::Value::String(s.into())).ok()
}

impl QueueParams {
    fn query(&self, limit: usize) -> Result<QueueQuery, ConsoleError> {
        let bad = |w: &str| ConsoleError::BadRequest(format!("unknown {w}"));
        let state = match self.state.as_str() {
            "" | "active" => StateFilter::Active,
            "all" => StateFilter::All,
            s => StateFilter::One(CaseState::parse(s).ok_or_else(|| bad("state"))?),
        };
        let after = match self.after.split_once('_') {
            None if self.after.is_empty() => None,
            Some((p, id)) => Some((
                u64::from_str_radix(p, 16)
                    .map(f64::from_bits)
                    .map_err(|_| bad("cursor"))?,
                id.parse().map_err(|_| bad("cursor"))?,
            )),
            None => return Err(bad("cursor")),
        };
        Ok(QueueQuery {
            state,
            platform: short(&self.platform, 32),
            lang: short(&self.lang, 16),
            category: match short(&self.category, 40) {
                None => None,
                Some(c) => Some(Category::parse(&c).ok_or_else(|| bad("category"))?),
            },
            kind: match short(&self.kind, 16) {
                None => None,
                Some(k) => Some(parse_kind(&k).ok_or_else(|| bad("kind"))?),
            },
            detector: short(&self.signal, 64),
            after,
            limit,
        })
    }

    fn link_after(&self, last: &CaseRow) -> String {
        format!(
            "/queue?state={}&platform={}&lang={}&category={}&signal={}&kind={}&after={:x}_{}",
            view::enc(&self.state),
            view::enc(&self.platform),
            view::enc(&self.lang),
            view::enc(&self.category),
            view::enc(&self.signal),
            view::enc(&self.kind),
            last.priority.to_bits(),
            last.id
        )
    }
}

/// What a queue row shows beside the case: a text snippet and language for posts, a handle
/// for accounts.
#[derive(Clone, Default)]
pub struct RowInfo {
    pub snippet: String,
    pub lang: Option<String>,
}

pub fn row_info<S: Store>(store: &S, c: &CaseRow) -> Result<RowInfo, ConsoleError> {
    Ok(match c.entity_kind {
        EntityKind::Post => match store.post(&c.entity_id)? {
            Some(p) => RowInfo {
                snippet: p.text.chars().take(160).collect(),
                lang: p.lang,
            },
            None => RowInfo::default(),
        },
        EntityKind::Account => match store.account(&c.entity_id)? {
            Some(a) => RowInfo {
                snippet: a
                    .handle
                    .or(a.display_name)
                    .unwrap_or_default()
                    .chars()
                    .take(160)
                    .collect(),
                lang: None,
            },
            None => RowInfo::default(),
        },
        _ => RowInfo::default(),
    })
}

/// One queue row; also the htmx swap target of a claim.
pub fn queue_row(c: &CaseRow, info: &RowInfo, s: &crate::session::Session) -> Markup {
    let href = format!("/cases/{}", c.id);
    html! {
        tr data-href=(href) id=(format!("case-{}", c.id)) {
            td { a href=(href) { "#" (c.id) } br; span.pill { (c.entity_kind.as_str()) } }
            td {
                a href=(entity_href(c.entity_kind, &c.entity_id)) { (ident(&c.entity_id)) }
                @if !info.snippet.is_empty() { br; span.text { (snippet(&info.snippet, 160)) } }
            }
            td { (c.platform.as_deref().unwrap_or("-")) @if let Some(l) = &info.lang { br; span.muted { (ident(l)) } } }
            td { (c.category.map(|x| x.as_str()).unwrap_or("-")) @if c.has_context { br; span.pill { "context" } } }
            td.num { (format!("{:.3}", c.priority)) }
            td.num { (format!("{:.2}", c.risk)) }
            td { span class=(format!("pill {}", c.state.as_str())) { (c.state.as_str()) } @if c.appealed { " " span.pill.appealed { "appealed" } } }
            td { (claim_cell(c, s)) }
            td.num { (c.signal_count) }
        }
    }
}

fn select(name: &str, label: Msg, cur: &str, opts: &[(String, String)]) -> Markup {
    html! {
        label { (t(label))
            select name=(name) {
                @for (v, l) in opts { option value=(v) selected[v == cur] { (l) } }
            }
        }
    }
}

pub async fn queue(
    State(c): State<Console>,
    h: HeaderMap,
    Query(p): Query<QueueParams>,
) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    let q = p.query(c.cfg.page_size)?;
    let rows = c
        .run(move |svc| {
            let rows = svc.store.queue(&q)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let i = row_info(&svc.store, &r)?;
                out.push((r, i));
            }
            Ok(out)
        })
        .await?;
    let any = || (String::new(), t(Msg::Any).to_string());
    let mut states = vec![
        (String::new(), t(Msg::Active).to_string()),
        ("all".into(), t(Msg::All).to_string()),
    ];
    for st in ["open", "claimed", "decided", "appealed"] {
        states.push((st.into(), st.into()));
    }
    let mut platforms = vec![any()];
    platforms.extend(
        ["twitter", "facebook", "vk", "telegram"]
            .iter()
            .map(|x| (x.to_string(), x.to_string())),
    );
    let mut cats = vec![any()];
    cats.extend(vigil_model::taxonomy::MAPPINGS.iter().map(|m| {
        (
            m.category.as_str().to_string(),
            m.category.as_str().to_string(),
        )
    }));
    let mut kinds = vec![any()];
    kinds.extend(
        ["post", "account", "campaign", "cluster"]
            .iter()
            .map(|x| (x.to_string(), x.to_string())),
    );
    let next = rows
        .last()
        .filter(|_| rows.len() >= c.cfg.page_size)
        .map(|(r, _)| p.link_after(r));
    Ok(Html(page(
        t(Msg::QueueTitle),
        Some(&s),
        Nav::Queue,
        html! {
            h1 { (t(Msg::QueueTitle)) }
            form.filters method="get" action="/queue" {
                (select("state", Msg::FilterState, &p.state, &states))
                (select("platform", Msg::FilterPlatform, &p.platform, &platforms))
                label { (t(Msg::FilterLanguage)) input type="text" name="lang" value=(p.lang) maxlength="16" size="5"; }
                (select("category", Msg::FilterCategory, &p.category, &cats))
                label { (t(Msg::FilterSignal)) input type="text" name="signal" value=(p.signal) maxlength="64" size="10"; }
                (select("kind", Msg::FilterKind, &p.kind, &kinds))
                button type="submit" { (t(Msg::FilterApply)) }
            }
            p.keys { (t(Msg::QueueKeys)) }
            @if rows.is_empty() { p.muted #queue-empty { (t(Msg::QueueEmpty)) } } @else {
                table #queue {
                    colgroup { col width="8%"; col width="34%"; col width="8%"; col width="13%"; col width="7%"; col width="6%"; col width="9%"; col width="10%"; col width="5%"; }
                    thead { tr {
                        th { (t(Msg::ColCase)) } th { (t(Msg::ColEntity)) } th { (t(Msg::ColPlatform)) }
                        th { (t(Msg::ColCategory)) } th.num { (t(Msg::ColPriority)) } th.num { (t(Msg::ColRisk)) }
                        th { (t(Msg::ColState)) } th { (t(Msg::ColHolder)) } th.num { (t(Msg::ColSignals)) }
                    } }
                    tbody {
                        @for (r, i) in &rows { (queue_row(r, i, &s)) }
                    }
                }
            }
            @if let Some(n) = next { p { a #next href=(n) { (t(Msg::NextPage)) " →" } } }
        },
    )))
}

pub async fn banks(State(c): State<Console>, h: HeaderMap) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ANALYSIS)?;
    let (items, sources) = c
        .run(|svc| {
            let items = svc.store.bank_rows(None, 200)?;
            let sources: Vec<_> = svc
                .store
                .source_summaries(2000)?
                .into_iter()
                .filter(|x| x.detector == "hash" || x.source.starts_with("bank:"))
                .collect();
            Ok((items, sources))
        })
        .await?;
    Ok(Html(page(
        t(Msg::BanksTitle),
        Some(&s),
        Nav::Banks,
        html! {
            h1 { (t(Msg::BanksTitle)) }
            div.card {
                h2 { (t(Msg::BankSignals)) }
                (source_table(&sources))
            }
            div.card {
                h2 { (t(Msg::BankItems)) }
                @if items.is_empty() { p.muted { (t(Msg::None_)) } } @else {
                    table { thead { tr { th { "#" } th { "kind" } th { "post" } th { "sha256" } th { "text" } th { (t(Msg::Category)) } th { (t(Msg::ColState)) } th { (t(Msg::ColWhen)) } } }
                    tbody { @for b in &items { tr {
                        td { (b.item.id) }
                        td { (b.item.kind) }
                        td { a href=(entity_href(EntityKind::Post, &b.item.post_id)) { (ident(&b.item.post_id)) } }
                        td { span.ident { (snippet(&b.item.sha256, 16)) } }
                        td { @if let Some(x) = &b.item.text { (snippet(x, 200)) } }
                        td { (b.item.category.map(|c| c.as_str()).unwrap_or("-")) }
                        td { @if b.exported_at.is_some() { (t(Msg::Exported)) } @else { (t(Msg::Pending)) } }
                        td { (when(b.at)) }
                    } } } }
                }
            }
        },
    )))
}

fn source_table(rows: &[vigil_store::console::SourceSummary]) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (t(Msg::None_)) } } @else {
            table { thead { tr { th { "detector" } th { "source" } th { "version" } th.num { (t(Msg::Signals)) } th.num { "entities" } th { "last" } th { "examples" } } }
            tbody { @for r in rows { tr {
                td { (ident(&r.detector)) @if r.shadow { " " span.pill.shadow { (t(Msg::ShadowSignal)) } } }
                td { (ident(&r.source)) }
                td { (ident(&r.version)) }
                td.num { (r.signals) }
                td.num { (r.entities) }
                td { (when(r.last_at)) }
                td { @for (k, id) in &r.sample { a href=(entity_href(*k, id)) { (ident(id)) } " " } }
            } } } }
        }
    }
}

pub async fn rules(State(c): State<Console>, h: HeaderMap) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ANALYSIS)?;
    let all = c.run(|svc| Ok(svc.store.source_summaries(2000)?)).await?;
    let (shadow, live): (Vec<_>, Vec<_>) = all.into_iter().partition(|x| x.shadow);
    Ok(Html(page(
        t(Msg::RulesTitle),
        Some(&s),
        Nav::Rules,
        html! {
            h1 { (t(Msg::RulesTitle)) }
            div.card #shadow { h2 { (t(Msg::ShadowHits)) } (source_table(&shadow)) }
            div.card { h2 { (t(Msg::LiveRules)) } (source_table(&live)) }
        },
    )))
}

pub async fn audit(State(c): State<Console>, h: HeaderMap) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ANALYSIS)?;
    let admin = s.user.role == Role::Admin;
    let (rows, report) = c
        .run(move |svc| {
            let head = svc.store.audit_head()?.map(|(seq, _)| seq).unwrap_or(0);
            let mut rows = svc.store.audit_page((head - 100).max(0), 100)?;
            rows.reverse();
            // The API lets only admins verify the chain; the console keeps that rule.
            let report = if admin {
                Some(svc.verify_audit(None)?)
            } else {
                None
            };
            Ok((rows, report))
        })
        .await?;
    Ok(Html(page(
        t(Msg::AuditTitle),
        Some(&s),
        Nav::Audit,
        html! {
            h1 { (t(Msg::AuditTitle)) }
            div.card #chain {
                @match &report {
                    Some(r) if r.ok => p.ok { (t(Msg::ChainOk)) ": " (r.entries) " " (t(Msg::Entries)) }
                    Some(r) => {
                        p.err { (t(Msg::ChainBroken)) ": " (r.entries) " " (t(Msg::Entries)) }
                        ul { @for p in &r.problems { li { (p.to_string()) } } }
                    }
                    None => p.muted { (t(Msg::ChainAdminOnly)) }
                }
            }
            table #audit {
                colgroup { col width="5%"; col width="16%"; col width="10%"; col width="10%"; col width="14%"; col width="20%"; col width="25%"; }
                thead { tr { th { "#" } th { (t(Msg::ColWhen)) } th { "actor" } th { "action" } th { "target" } th { (t(Msg::Reason)) } th { "detail" } } }
                tbody { @for r in &rows { tr {
                    td { (r.seq) } td { (when(r.at)) } td { (ident(&r.actor)) } td { (ident(&r.action)) }
                    td { (ident(&r.target)) } td { (snippet(&r.reason, 500)) }
                    td { span.ident { (snippet(&r.detail, 300)) } }
                } } }
            }
        },
    )))
}

pub async fn settings(State(c): State<Console>, h: HeaderMap) -> Result<Html, ConsoleError> {
    let s = c.require(&h, ALL)?;
    Ok(Html(settings_page(&s, false)))
}

fn settings_page(s: &crate::session::Session, saved: bool) -> Markup {
    page(
        t(Msg::SettingsTitle),
        Some(s),
        Nav::Settings,
        html! {
            h1 { (t(Msg::SettingsTitle)) }
            div.card {
                form method="post" action="/settings" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    label { input #reveal type="checkbox" name="reveal_media" value="1" checked[s.reveal_media]; " " (t(Msg::RevealMedia)) }
                    p { button.primary type="submit" { (t(Msg::Save)) } @if saved { " " span.ok { (t(Msg::Saved)) } } }
                }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reveal_media: Option<String>,
}

pub async fn save_settings(
    State(c): State<Console>,
    h: HeaderMap,
    Form(f): Form<SettingsForm>,
) -> Result<Html, ConsoleError> {
    let (id, _) = c.session(&h)?;
    let mut s = c.require_post(&h, ALL, &f.csrf)?;
    let reveal = f.reveal_media.as_deref() == Some("1");
    let name = s.user.name.clone();
    c.run(move |svc| {
        let now = svc.now();
        svc.store
            .set_user_setting(&name, REVEAL_MEDIA, if reveal { "1" } else { "0" }, now)?;
        Ok(())
    })
    .await?;
    crate::lock(&c.sessions).set_reveal(&id, reveal);
    s.reveal_media = reveal;
    Ok(Html(settings_page(&s, true)))
}
