//! Hostile seed data for the console tests (shared with the browser test in crates/cli): posts,
//! handles, bios, hashtags, URLs, media and signal explanations holding script, event-handler,
//! javascript:, SVG and CSS payloads, bidi overrides and very long unbroken strings.
#![allow(dead_code)]

use vigil_model::{
    Account, Category, Context, EntityKind, Media, MediaKind, Platform, Post, Record, Signal,
};
use vigil_store::{Sourced, SqliteStore, Store};

/// Each payload would set `window.__pwned` or change `document.title` if it ever ran.
pub const SCRIPT: &str = "<script>window.__pwned=1;document.title='pwned'</script>";
pub const IMG: &str = "<img src=x onerror=\"window.__pwned=2;document.title='pwned'\">";
pub const JS_URL: &str = "javascript:window.__pwned=3;document.title='pwned'";
pub const SVG: &str =
    "<svg onload=\"window.__pwned=4\"><script>window.__pwned=5</script><a xlink:href=\"javascript:window.__pwned=9\">x</a></svg>";
pub const CSS: &str = "</style><style>body{display:none!important}</style><div style=\"position:fixed;inset:0;background:red;z-index:9\">";
pub const ATTR: &str =
    "\" onmouseover=\"window.__pwned=6\" x=\"'><script>window.__pwned=7</script>";
pub const BIDI: &str = "\u{202E}gnp.exe \u{2067}مرحبا بالعالم‎ \u{202B}نص عربي";
pub const ARABIC: &str = "هذا نص عربي عادي عن الأخبار #AllEyesOnISIS";
pub const DATA_URL: &str = "data:text/html,<script>window.__pwned=10</script>";

/// 6,000 characters with no break opportunity.
pub fn long() -> String {
    "W".repeat(6000)
}

pub const T0: i64 = 1_700_000_000_000;

/// What [`hostile`] wrote.
pub struct Seeded {
    /// The hostile post (a case opens on it).
    pub post: String,
    pub account: String,
    pub cluster: String,
    pub campaign: String,
    /// A cluster member with a news context signal: bulk actions must exclude it.
    pub context_member: String,
    pub members: Vec<String>,
}

fn src(r: Record, line: u64) -> Sourced {
    Sourced {
        record: r,
        source: "seed".into(),
        line,
    }
}

fn sig(
    kind: EntityKind,
    id: &str,
    det: &str,
    source: &str,
    w: f32,
    e: serde_json::Value,
) -> Signal {
    Signal {
        entity_kind: kind,
        entity_id: id.into(),
        detector: det.into(),
        category: Some(Category::TerroristPropaganda),
        context: None,
        weight: w,
        source: source.into(),
        version: "1".into(),
        explanation: e,
        at: T0,
        shadow: false,
    }
}

/// Write the hostile world: one account whose handle, name and bio are payloads, a post by it
/// holding every payload, a reply thread, `n_members` cluster members, and signals of every
/// kind the console renders. Returns the ids; call `sync` afterwards.
pub fn hostile(store: &mut SqliteStore, n_members: usize) -> Seeded {
    let mut recs = Vec::new();
    let mut a = Account::new(Platform::Twitter, &format!("h{}", "<script>x</script>"));
    a.handle = Some(format!("{ATTR}{BIDI}"));
    a.display_name = Some(format!("{SCRIPT}{BIDI}"));
    a.bio = Some(format!("{IMG} {SVG} {CSS} {}", long()));
    a.followers = Some(12_000);
    a.avatar_url = Some(JS_URL.into());
    let acct = a.id.clone();
    recs.push(Record::Account(a));
    let mut root = Post::new(Platform::Twitter, "9000", acct.clone(), T0 - 60_000);
    root.text = format!("thread root {SCRIPT}");
    let mut p = Post::new(Platform::Twitter, "9001", acct.clone(), T0);
    p.text = format!(
        "{SCRIPT} {IMG} {SVG} {CSS} {ATTR} {BIDI} {ARABIC} {}",
        long()
    );
    p.reply_to = Some(root.id.clone());
    p.lang = Some("ar\"><script>window.__pwned=11</script>".into());
    p.hashtags = vec![format!("AllEyesOnISIS{SCRIPT}"), BIDI.into()];
    p.mentions = vec![IMG.into()];
    p.urls = vec![
        JS_URL.into(),
        " JaVaScRiPt:window.__pwned=12".into(),
        DATA_URL.into(),
        "https://example.org/ok?q=\"><script>window.__pwned=13</script>".into(),
        format!("https://example.org/{}", long()),
    ];
    let mut m = Media::new(MediaKind::Photo);
    m.url = Some(JS_URL.into());
    m.sha256 = Some(SVG.to_string());
    m.key = Some(CSS.into());
    m.width = Some(640);
    m.height = Some(480);
    p.media = vec![m.clone()];
    let post = p.id.clone();
    recs.push(Record::Post(root));
    recs.push(Record::Post(p));
    let mut members = Vec::new();
    let mut member_posts = Vec::new();
    for i in 0..n_members {
        let mut a = Account::new(Platform::Twitter, &format!("m{i}"));
        a.handle = Some(if i % 3 == 0 {
            format!("عضو_{i}")
        } else {
            format!("member_{i}")
        });
        a.followers = Some(10 * i as u64);
        members.push(a.id.clone());
        let mut mp = Post::new(
            Platform::Twitter,
            &format!("m{i}p"),
            a.id.clone(),
            T0 - (i as i64 % 48) * 3_600_000,
        );
        mp.text = if i % 2 == 0 {
            format!("coordinated text #AllEyesOnISIS {SCRIPT}")
        } else {
            "coordinated text two #AllEyesOnISIS".into()
        };
        mp.media = vec![m.clone()];
        member_posts.push(mp.id.clone());
        recs.push(Record::Account(a));
        recs.push(Record::Post(mp));
    }
    let batch: Vec<Sourced> = recs
        .into_iter()
        .enumerate()
        .map(|(i, r)| src(r, i as u64 + 1))
        .collect();
    store.write_batch(&batch).expect("seed records");
    let cluster = format!("cluster:{SCRIPT}");
    let campaign = "campaign:k1\u{202E}evil".to_string();
    let context_member = members.first().cloned().unwrap_or_default();
    let mut roles = serde_json::Map::new();
    for (i, m) in members.iter().enumerate() {
        roles.insert(
            m.clone(),
            serde_json::Value::String(if i < 2 {
                "seed".into()
            } else if i % 4 == 0 {
                "amplifier".into()
            } else {
                SCRIPT.into()
            }),
        );
    }
    let mut sigs = vec![
        sig(
            EntityKind::Post,
            &post,
            "rules",
            "rule:starter/alleyes",
            0.9,
            serde_json::json!({
                "rule": "rule:starter/alleyes", "matched": [SCRIPT, IMG], IMG: ATTR, "channel": "folded",
                "url": JS_URL
            }),
        ),
        sig(
            EntityKind::Post,
            &post,
            "hash",
            "bank:known#12",
            0.8,
            serde_json::json!({
                "bank_item": 12, "distance": 4, "threshold": 31, "sha256": SVG
            }),
        ),
        sig(
            EntityKind::Account,
            &acct,
            "risk",
            "model:risk",
            0.7,
            serde_json::json!({
                "features": {"strikes": 0.4, "cluster": 0.3, "text": CSS}
            }),
        ),
        sig(
            EntityKind::Account,
            &acct,
            "returning",
            "returning:v1",
            0.6,
            serde_json::json!({
                "linked": ["twitter:m1", SCRIPT], "similarity": 0.91
            }),
        ),
        sig(
            EntityKind::Account,
            &acct,
            "identity",
            "identity:v1",
            0.5,
            serde_json::json!({
                "identities": ["vk:7", JS_URL, "telegram:chan"]
            }),
        ),
        sig(
            EntityKind::Cluster,
            &cluster,
            "coordination",
            "coord:v1",
            0.95,
            serde_json::json!({
                "accounts": members, "posts": member_posts, "roles": roles, "why": SCRIPT
            }),
        ),
        sig(
            EntityKind::Campaign,
            &campaign,
            "campaign",
            "campaign:v1",
            0.85,
            serde_json::json!({
                "accounts": members, "posts": member_posts, "hashtag": "alleyesonisis"
            }),
        ),
    ];
    let mut shadow = sig(
        EntityKind::Post,
        &post,
        "rules",
        "rule:shadow/try<script>",
        0.9,
        serde_json::json!({"rule": "shadow"}),
    );
    shadow.shadow = true;
    sigs.push(shadow);
    if !context_member.is_empty() {
        let mut ctx = sig(
            EntityKind::Account,
            &context_member,
            "context",
            "context:news",
            0.5,
            serde_json::json!({"outlet": true}),
        );
        ctx.category = None;
        ctx.context = Some(Context::NewsReporting);
        sigs.push(ctx);
    }
    store.write_signals(&sigs).expect("seed signals");
    Seeded {
        post,
        account: acct,
        cluster,
        campaign,
        context_member,
        members,
    }
}
