//! Console tests through `oneshot`: hostile content is escaped on every page (checked by a tag
//! scanner, not by string search alone), security headers, CSRF and cross-origin refusal, role
//! refusals, sign-in throttling and cookies, and the claim → preview → decide → audit flow.

mod seed;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vigil_cases::{Config, Role, Service};
use vigil_console::{ConsoleConfig, CSP};
use vigil_server::{AppState, ServerConfig};
use vigil_store::SqliteStore;

struct Env {
    app: Router,
    seeded: seed::Seeded,
    tokens: Vec<(String, Role, String)>,
    _dir: tempfile::TempDir,
}

fn env_with(cfg: ConsoleConfig) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("c.db")).unwrap();
    let seeded = seed::hostile(&mut store, 40);
    let mut svc = Service::new(store, Config::default());
    svc.sync().unwrap();
    let mut tokens = Vec::new();
    for (n, r) in [
        ("mod", Role::Moderator),
        ("ana", Role::Analyst),
        ("adm", Role::Admin),
    ] {
        tokens.push((n.to_string(), r, svc.add_user(n, r, "test").unwrap()));
    }
    let app = vigil_console::app(AppState::new(svc, ServerConfig::default(), None), cfg);
    Env {
        app,
        seeded,
        tokens,
        _dir: dir,
    }
}

fn env() -> Env {
    env_with(ConsoleConfig::default())
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Resp {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body =
        String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes()).into_owned();
    Resp {
        status,
        headers,
        body,
    }
}

async fn get(app: &Router, path: &str, cookie: Option<&str>) -> Resp {
    let mut b = Request::get(path).header(header::HOST, "console.test");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    send(app, b.body(Body::empty()).unwrap()).await
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                vigil_console::view::enc(k),
                vigil_console::view::enc(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(
    app: &Router,
    path: &str,
    cookie: Option<&str>,
    body: &str,
    extra: &[(&str, &str)],
) -> Resp {
    let mut b = Request::post(path)
        .header(header::HOST, "console.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    send(app, b.body(Body::from(body.to_string())).unwrap()).await
}

/// Sign in; returns (cookie, csrf token).
async fn login(e: &Env, role: Role) -> (String, String) {
    let (name, _, tok) = e.tokens.iter().find(|t| t.1 == role).unwrap();
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", name), ("token", tok)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let page = get(&e.app, "/settings", Some(&cookie)).await;
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    (cookie, csrf)
}

/// A tag in rendered HTML: its name and attributes (name, value).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Scan HTML as a browser's tokenizer would for start tags outside script/style bodies. maud
/// always double-quotes attribute values and escapes `"`, `<`, `>`, `&` inside them.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let end = html[i..].find('>').map(|e| i + e).unwrap_or(b.len());
        let inner = &html[i..end];
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut rest = &inner[name_end..];
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                break;
            }
            let an = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let aname = rest[..an].to_ascii_lowercase();
            rest = &rest[an..];
            let mut val = String::new();
            if let Some(r) = rest.strip_prefix('=') {
                if let Some(r) = r.strip_prefix('"') {
                    let q = r.find('"').expect("unterminated attribute");
                    val = r[..q].to_string();
                    rest = &r[q + 1..];
                } else {
                    let q = r.find(char::is_whitespace).unwrap_or(r.len());
                    val = r[..q].to_string();
                    rest = &r[q..];
                }
            }
            attrs.push((aname, val));
        }
        out.push(Tag { name, attrs });
        i = end;
    }
    out
}

const ALLOWED_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "header",
    "span",
    "nav",
    "a",
    "form",
    "input",
    "button",
    "main",
    "div",
    "h1",
    "h2",
    "p",
    "table",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "label",
    "select",
    "option",
    "br",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "bdi",
    "code",
    "article",
    "figure",
    "figcaption",
    "svg",
    "rect",
    "details",
    "summary",
    "textarea",
    "line",
    "polyline",
    "text",
    "circle",
];

/// Every tag is one the console itself writes; no event handler or style attribute exists; the
/// only scripts are the two local ones; no link or resource uses a scheme other than http(s)
/// or a same-origin path.
fn assert_inert(page: &str, what: &str) {
    let mut scripts = 0;
    for t in tags(page) {
        assert!(
            ALLOWED_TAGS.contains(&t.name.as_str()),
            "{what}: unexpected tag <{}>",
            t.name
        );
        for (a, v) in &t.attrs {
            assert!(
                !a.starts_with("on"),
                "{what}: event handler {a} on <{}>",
                t.name
            );
            assert!(a != "style", "{what}: style attribute on <{}>", t.name);
            assert!(
                !a.contains('<') && !a.contains('"') && !a.contains('\''),
                "{what}: odd attribute name {a:?}"
            );
            if matches!(
                a.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href" | "hx-post" | "hx-get"
            ) {
                let l = v.trim().to_ascii_lowercase();
                assert!(
                    l.starts_with('/') || l.starts_with("http://") || l.starts_with("https://"),
                    "{what}: {a}={v:?} on <{}>",
                    t.name
                );
            }
        }
        if t.name == "script" {
            scripts += 1;
            let src = t
                .attrs
                .iter()
                .find(|(a, _)| a == "src")
                .map(|(_, v)| v.as_str());
            assert!(
                matches!(src, Some("/static/htmx.min.js" | "/static/console.js")),
                "{what}: script {src:?}"
            );
        }
        if t.name == "a"
            && t.attrs
                .iter()
                .any(|(a, v)| a == "href" && v.starts_with("http"))
        {
            let rel = t
                .attrs
                .iter()
                .find(|(a, _)| a == "rel")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            for need in ["noopener", "noreferrer", "nofollow"] {
                assert!(rel.contains(need), "{what}: external link without {need}");
            }
        }
    }
    assert!(scripts <= 2, "{what}: {scripts} scripts");
    // Raw bidi overrides appear only inside an isolating <bdi dir="auto"> of content text.
    for (i, _) in page.match_indices('\u{202E}') {
        let before = &page[..i];
        let open = before.rfind("<bdi dir=\"auto\">");
        let close = before.rfind("</bdi>");
        assert!(
            open.is_some() && open > close,
            "{what}: bidi override outside an isolate"
        );
    }
}

fn pages(s: &seed::Seeded, case_ids: &[i64]) -> Vec<String> {
    let enc = vigil_console::view::enc;
    let mut v = vec![
        "/".to_string(),
        "/queue".into(),
        "/queue?state=all".into(),
        format!("/post?id={}", enc(&s.post)),
        format!("/account?id={}", enc(&s.account)),
        format!("/campaign?kind=cluster&id={}", enc(&s.cluster)),
        format!("/campaign?kind=campaign&id={}", enc(&s.campaign)),
        format!("/network?kind=cluster&id={}", enc(&s.cluster)),
        "/banks".into(),
        "/rules".into(),
        "/audit".into(),
        "/settings".into(),
    ];
    v.extend(case_ids.iter().map(|id| format!("/cases/{id}")));
    v
}

async fn case_ids(e: &Env, cookie: &str) -> Vec<i64> {
    let q = get(&e.app, "/queue?state=all", Some(cookie)).await;
    let mut ids: Vec<i64> = q
        .body
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test]
async fn every_page_escapes_hostile_content_and_sends_the_csp() {
    let e = env();
    let (cookie, _) = login(&e, Role::Admin).await;
    let ids = case_ids(&e, &cookie).await;
    assert!(
        ids.len() >= 4,
        "post, account, cluster and campaign cases: {ids:?}"
    );
    for p in pages(&e.seeded, &ids) {
        let r = get(&e.app, &p, Some(&cookie)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{p}: {}",
            &r.body[..r.body.len().min(500)]
        );
        assert_eq!(
            r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            CSP,
            "{p}"
        );
        assert!(!CSP.contains("unsafe"), "no unsafe-inline or unsafe-eval");
        assert_eq!(
            r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_inert(&r.body, &p);
        assert!(!r.body.contains(seed::SCRIPT), "{p}: raw script payload");
        assert!(!r.body.contains("<img"), "{p}: raw img payload");
    }
    // The payloads are there, escaped, where content is shown.
    let acct = get(
        &e.app,
        &format!(
            "/account?id={}",
            vigil_console::view::enc(&e.seeded.account)
        ),
        Some(&cookie),
    )
    .await;
    assert!(
        acct.body.contains("&lt;script&gt;window.__pwned=1"),
        "escaped, not dropped"
    );
    assert!(
        acct.body.contains("U+202E"),
        "bidi override in a handle is shown as a code point"
    );
    let post_page = get(
        &e.app,
        &format!("/post?id={}", vigil_console::view::enc(&e.seeded.post)),
        Some(&cookie),
    )
    .await;
    assert!(
        post_page.body.contains("<bdi dir=\"auto\">"),
        "content isolated"
    );
    assert!(
        post_page.body.contains("href=\"https://example.org/ok"),
        "http(s) URLs stay links"
    );
    assert!(!post_page.body.to_lowercase().contains("href=\"javascript"));
    assert!(!post_page.body.contains(&"W".repeat(seed::long().len() + 1)));
}

#[tokio::test]
async fn every_route_refuses_no_session() {
    let e = env();
    let (cookie, _) = login(&e, Role::Admin).await;
    let ids = case_ids(&e, &cookie).await;
    for p in pages(&e.seeded, &ids) {
        for c in [
            None,
            Some("vigil_session=0000000000000000000000000000000000000000000000000000000000000000"),
        ] {
            let r = get(&e.app, &p, c).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
            assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/login");
            assert!(!r.body.contains("pwned"));
        }
    }
    let id = ids[0];
    for p in ["claim", "release", "preview", "decide"] {
        let r = post(
            &e.app,
            &format!("/cases/{id}/{p}"),
            None,
            "csrf=x&action=dismiss&reason=x",
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
    }
    for p in ["/settings", "/logout"] {
        let r = post(&e.app, p, None, "csrf=x", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
    }
    // Nothing was claimed.
    let q = get(&e.app, "/queue", Some(&cookie)).await;
    assert!(!q.body.contains("class=\"pill claimed\""));
}

#[tokio::test]
async fn state_changes_need_the_session_csrf_token_and_same_origin() {
    let e = env();
    let (cookie, csrf) = login(&e, Role::Moderator).await;
    let (_, other_csrf) = login(&e, Role::Admin).await;
    let id = case_ids(&e, &cookie).await[0];
    let path = format!("/cases/{id}/claim");
    for body in [
        "".to_string(),
        "csrf=".into(),
        format!("csrf={other_csrf}"),
        "csrf=zz".into(),
    ] {
        let r = post(&e.app, &path, Some(&cookie), &body, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
    }
    let good = format!("csrf={csrf}");
    let r = post(
        &e.app,
        &path,
        Some(&cookie),
        &good,
        &[("origin", "http://evil.test")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-origin");
    let r = post(&e.app, &path, Some(&cookie), &good, &[("origin", "null")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "opaque origin");
    let r = post(
        &e.app,
        &path,
        Some(&cookie),
        &good,
        &[("origin", "http://console.test")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post(
        &e.app,
        &path,
        Some(&cookie),
        &good,
        &[("hx-request", "true")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "renewing one's own claim");
    assert!(
        r.body.starts_with("<tr"),
        "htmx gets the row: {}",
        &r.body[..80.min(r.body.len())]
    );
    assert!(r.body.contains("mod"));
}

#[tokio::test]
async fn roles_are_enforced_on_the_server() {
    let e = env();
    let (ana, ana_csrf) = login(&e, Role::Analyst).await;
    let (moder, _) = login(&e, Role::Moderator).await;
    let id = case_ids(&e, &ana).await[0];
    for p in ["claim", "preview", "decide", "release"] {
        let r = post(
            &e.app,
            &format!("/cases/{id}/{p}"),
            Some(&ana),
            &form(&[
                ("csrf", &ana_csrf),
                ("action", "dismiss"),
                ("dismissal", "news"),
                ("reason", "r"),
            ]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "analyst {p}");
    }
    let c = get(&e.app, &format!("/cases/{id}"), Some(&ana)).await;
    assert!(
        !c.body.contains("id=\"decision\""),
        "no decision form for analysts"
    );
    assert!(!c.body.contains("class=\"inline claim\""));
    for p in ["/banks", "/rules", "/audit"] {
        let r = get(&e.app, p, Some(&moder)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "moderator {p}");
        assert!(
            get(&e.app, p, Some(&ana)).await.status.is_success(),
            "analyst {p}"
        );
    }
    let q = get(&e.app, "/queue", Some(&moder)).await;
    assert!(
        !q.body.contains("href=\"/audit\""),
        "moderator nav has no audit link"
    );
    // The analyst sees the audit but not the chain verification, as in the API.
    let a = get(&e.app, "/audit", Some(&ana)).await;
    assert!(a.body.contains("chain verification is for admins"));
}

#[tokio::test]
async fn login_is_throttled_per_user_and_per_address_and_cookies_are_strict() {
    let e = env_with(ConsoleConfig {
        login_per_user: 3,
        login_per_ip: 8,
        secure_cookies: true,
        ..Default::default()
    });
    let (_, _, tok) = e
        .tokens
        .iter()
        .find(|t| t.1 == Role::Moderator)
        .unwrap()
        .clone();
    let (_, _, adm_tok) = e
        .tokens
        .iter()
        .find(|t| t.1 == Role::Admin)
        .unwrap()
        .clone();
    // Another user's valid token is a failure for this name.
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", "mod"), ("token", &adm_tok)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("unknown user name or token"));
    for _ in 0..2 {
        let r = post(
            &e.app,
            "/login",
            None,
            &form(&[("user", "mod"), ("token", "vgl_wrong")]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", "mod"), ("token", &tok)]),
        &[],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "per-user throttle holds even for the right token"
    );
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // The address has made 4 attempts; 4 more for other names, then it is throttled too.
    for i in 0..4 {
        let r = post(
            &e.app,
            "/login",
            None,
            &form(&[("user", &format!("u{i}")), ("token", "x")]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", "adm"), ("token", &adm_tok)]),
        &[],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "per-address throttle"
    );

    let e = env_with(ConsoleConfig {
        secure_cookies: true,
        ..Default::default()
    });
    let (_, _, tok) = e
        .tokens
        .iter()
        .find(|t| t.1 == Role::Moderator)
        .unwrap()
        .clone();
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", "mod"), ("token", &tok)]),
        &[],
    )
    .await;
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    for need in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(need), "{set}");
    }
    let e = env();
    let (_, _, tok) = e
        .tokens
        .iter()
        .find(|t| t.1 == Role::Moderator)
        .unwrap()
        .clone();
    let r = post(
        &e.app,
        "/login",
        None,
        &form(&[("user", "mod"), ("token", &tok)]),
        &[],
    )
    .await;
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(!set.contains("Secure") && set.contains("HttpOnly"), "{set}");
}

#[tokio::test]
async fn claim_preview_decide_and_see_it_in_the_audit() {
    let e = env();
    let (cookie, csrf) = login(&e, Role::Moderator).await;
    let q = get(&e.app, "/queue?kind=cluster", Some(&cookie)).await;
    let id: i64 = q
        .body
        .split("href=\"/cases/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = post(
        &e.app,
        &format!("/cases/{id}/claim"),
        Some(&cookie),
        &format!("csrf={csrf}"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let decision = |action: &'static str| {
        form(&[
            ("csrf", &csrf),
            ("action", action),
            ("category", "coordinated_amplification"),
            (
                "reason",
                "coordinated network <script>window.__pwned=8</script>",
            ),
        ])
    };
    let r = post(
        &e.app,
        &format!("/cases/{id}/preview"),
        Some(&cookie),
        &decision("bulk_suspend_accounts"),
        &[("hx-request", "true")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .starts_with("<div class=\"card\" id=\"preview-result\">"),
        "fragment for htmx"
    );
    assert!(
        r.body.contains(">39<"),
        "39 of 40 members targeted: {}",
        r.body
    );
    assert!(
        r.body.contains("context signal"),
        "the news account is excluded"
    );
    let r = post(
        &e.app,
        &format!("/cases/{id}/decide"),
        Some(&cookie),
        &decision("bulk_suspend_accounts"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = get(&e.app, &format!("/cases/{id}"), Some(&cookie)).await;
    assert!(c.body.contains("class=\"pill decided\""), "decided");
    assert!(c.body.contains("bulk_suspend_accounts"));
    let again = post(
        &e.app,
        &format!("/cases/{id}/decide"),
        Some(&cookie),
        &decision("bulk_suspend_accounts"),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = post(
        &e.app,
        &format!("/cases/{id}/preview"),
        Some(&cookie),
        &form(&[("csrf", &csrf), ("action", "nuke"), ("reason", "x")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (adm, _) = login(&e, Role::Admin).await;
    let a = get(&e.app, "/audit", Some(&adm)).await;
    assert!(a.body.contains("chain verified"), "{}", a.body);
    assert!(a.body.contains(">decision<") && a.body.contains(&format!("case:{id}")));
    assert!(a.body.contains("&lt;script&gt;window.__pwned=8"));
    assert_inert(&a.body, "audit");
    let d = get(&e.app, "/", Some(&adm)).await;
    assert!(d
        .body
        .contains("bulk_suspend_accounts/coordinated_amplification"));
}

#[tokio::test]
async fn media_is_blurred_until_the_user_chooses_otherwise() {
    let e = env();
    let (cookie, csrf) = login(&e, Role::Moderator).await;
    let p = format!("/post?id={}", vigil_console::view::enc(&e.seeded.post));
    assert!(get(&e.app, &p, Some(&cookie))
        .await
        .body
        .contains("class=\"media blurred\""));
    let r = post(
        &e.app,
        "/settings",
        Some(&cookie),
        &form(&[("csrf", &csrf), ("reveal_media", "1")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = get(&e.app, &p, Some(&cookie)).await.body;
    assert!(body.contains("class=\"media\"") && !body.contains("media blurred"));
    // The setting is per user and survives a new session.
    let (cookie2, _) = login(&e, Role::Moderator).await;
    assert!(!get(&e.app, &p, Some(&cookie2))
        .await
        .body
        .contains("media blurred"));
    let (ana, _) = login(&e, Role::Analyst).await;
    assert!(get(&e.app, &p, Some(&ana))
        .await
        .body
        .contains("media blurred"));
}

#[tokio::test]
async fn assets_are_local_and_bad_input_is_a_4xx() {
    let e = env();
    let r = get(&e.app, "/static/htmx.min.js", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(
        get(&e.app, "/static/../x", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&e.app, "/static/nope.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    let (cookie, _) = login(&e, Role::Analyst).await;
    for p in [
        "/queue?state=bogus",
        "/queue?category=x",
        "/queue?after=zz",
        "/campaign?kind=post&id=x",
        &format!("/account?id={}", "a".repeat(600)),
    ] {
        let r = get(&e.app, p, Some(&cookie)).await;
        assert!(r.status.is_client_error(), "{p}: {}", r.status);
    }
    assert_eq!(
        get(&e.app, "/cases/999999", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&e.app, "/account?id=none", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    // The API is still there behind the console.
    assert_eq!(
        get(&e.app, "/api/health", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&e.app, "/api/cases", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Filters narrow the queue.
    let r = get(
        &e.app,
        "/queue?kind=post&signal=hash&lang=nope",
        Some(&cookie),
    )
    .await;
    assert!(r.body.contains("id=\"queue-empty\""));
    let r = get(
        &e.app,
        "/queue?kind=post&signal=hash&platform=twitter",
        Some(&cookie),
    )
    .await;
    assert!(r.body.contains("id=\"queue\""));
}

/// Escaping happens in one place: maud's interpolation. No code path bypasses it.
#[test]
fn no_markup_bypasses_escaping() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(!s.contains("PreEscaped"), "{}", p.display());
    }
    let js = include_str!("../assets/console.js");
    assert!(!js.contains("innerHTML") && !js.contains("eval("));
}
