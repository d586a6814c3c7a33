//! Console render times and page weights: the queue over 100k open cases, a case page of a
//! 1,000-account cluster, and the size of every page. Run with
//! `taskset -c 0 cargo run --release -p vigil-console --example console_bench [-- CASES MEMBERS]`.

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use std::time::Instant;
use tower::ServiceExt;
use vigil_cases::{CaseStore, Config, Role, Service};
use vigil_model::{Account, Category, EntityKind, Platform, Post, Record, Signal};
use vigil_store::cases::CaseScore;
use vigil_store::{Sourced, SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let n_cases: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let n_members: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("b.db")).unwrap();
    let t = Instant::now();
    // Posts and accounts behind the cases: 10 posts per account.
    let mut batch = Vec::new();
    for i in 0..n_cases {
        if i % 10 == 0 {
            let mut a = Account::new(Platform::Twitter, &format!("a{}", i / 10));
            a.handle = Some(format!("handle_{}", i / 10));
            a.followers = Some((i % 5000) as u64);
            batch.push(Record::Account(a));
        }
        let mut p = Post::new(
            Platform::Twitter,
            &format!("p{i}"),
            format!("twitter:a{}", i / 10),
            T0 + i as i64 * 1000,
        );
        p.text = format!("placeholder text {i} #AllEyesOnISIS مرحبا");
        p.lang = Some(if i % 3 == 0 { "ar" } else { "en" }.into());
        batch.push(Record::Post(p));
        if batch.len() >= 20_000 {
            write(&mut store, &mut batch);
        }
    }
    write(&mut store, &mut batch);
    // Cases written through the store's upsert (what sync does per entity), one per post.
    for i in 0..n_cases {
        let risk = 0.3 + (i % 700) as f64 / 1000.0;
        store
            .upsert_case(
                &CaseScore {
                    entity_kind: EntityKind::Post,
                    entity_id: format!("twitter:p{i}"),
                    priority: risk * 1.5,
                    risk,
                    reach: 1.5,
                    recency: 1.0,
                    category: Some(Category::TerroristPropaganda),
                    has_context: false,
                    signal_count: 1,
                    first_signal: T0,
                    last_signal: T0,
                    platform: Some("twitter".into()),
                },
                T0,
            )
            .unwrap();
    }
    // A cluster of `n_members` accounts (the first accounts above) and their posts.
    let members: Vec<String> = (0..n_members).map(|i| format!("twitter:a{i}")).collect();
    let posts: Vec<String> = (0..n_members)
        .map(|i| format!("twitter:p{}", i * 10))
        .collect();
    store
        .write_signals(&[Signal {
            entity_kind: EntityKind::Cluster,
            entity_id: "cluster:bench".into(),
            detector: "coordination".into(),
            category: Some(Category::CoordinatedAmplification),
            context: None,
            weight: 0.9,
            source: "coord:v1".into(),
            version: "1".into(),
            explanation: serde_json::json!({"accounts": members, "posts": posts}),
            at: T0,
            shadow: false,
        }])
        .unwrap();
    let mut svc = Service::new(store, Config::default());
    svc.sync().unwrap();
    let token = svc.add_user("bench", Role::Admin, "bench").unwrap();
    let cluster_case = svc
        .store
        .active_case(EntityKind::Cluster, "cluster:bench")
        .unwrap()
        .unwrap()
        .id;
    let counts = svc.store.case_counts().unwrap();
    eprintln!(
        "setup: {:?} cases {:?}, cluster case #{cluster_case} ({n_members} accounts), {:.1} s",
        n_cases,
        counts,
        t.elapsed().as_secs_f64()
    );
    let app = vigil_console::app(
        vigil_server::AppState::new(svc, Default::default(), None),
        vigil_console::ConsoleConfig::default(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let form = format!("user=bench&token={token}");
        let r = app
            .clone()
            .oneshot(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await
            .unwrap();
        let cookie = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let get = |path: String| {
            let app = app.clone();
            let cookie = cookie.clone();
            async move {
                let t = Instant::now();
                let r = app
                    .oneshot(
                        Request::get(&path)
                            .header(header::COOKIE, &cookie)
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{path}: {}", r.status());
                let b = r.into_body().collect().await.unwrap().to_bytes();
                (t.elapsed().as_secs_f64() * 1000.0, b.len())
            }
        };
        let timed = [
            ("queue, first page (50 of all open)", "/queue".to_string()),
            ("queue, filtered lang=ar", "/queue?lang=ar".to_string()),
            ("queue, page 100 (keyset)", String::new()),
            (
                "case page, 1,000-account cluster",
                format!("/cases/{cluster_case}"),
            ),
            ("case page, post", "/cases/1".to_string()),
            ("dashboard", "/".to_string()),
            (
                "network, 1,000-account cluster (300 drawn)",
                "/network?kind=cluster&id=cluster%3Abench".to_string(),
            ),
            (
                "campaign timeline, 1,000-account cluster",
                "/campaign?kind=cluster&id=cluster%3Abench".to_string(),
            ),
        ];
        // A deep keyset page: follow "next" 99 times.
        let mut deep = "/queue".to_string();
        for _ in 0..99 {
            let r = app
                .clone()
                .oneshot(
                    Request::get(&deep)
                        .header(header::COOKIE, &cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let b = r.into_body().collect().await.unwrap().to_bytes();
            let s = String::from_utf8_lossy(&b);
            let next = s
                .split("id=\"next\" href=\"")
                .nth(1)
                .and_then(|x| x.split('"').next())
                .unwrap()
                .replace("&amp;", "&");
            deep = next;
        }
        println!("| page | p50 ms | p95 ms | KB |");
        println!("|---|---:|---:|---:|");
        for (name, path) in timed {
            let path = if path.is_empty() { deep.clone() } else { path };
            let _ = get(path.clone()).await; // warm
            let mut ms = Vec::new();
            let mut size = 0;
            for _ in 0..21 {
                let (t, n) = get(path.clone()).await;
                ms.push(t);
                size = n;
            }
            ms.sort_by(|a, b| a.total_cmp(b));
            println!(
                "| {name} | {:.1} | {:.1} | {:.1} |",
                ms[ms.len() / 2],
                ms[ms.len() * 95 / 100],
                size as f64 / 1024.0
            );
        }
        println!();
        println!("| page weight | KB |");
        println!("|---|---:|");
        for (name, path) in [
            ("/settings", "/settings"),
            ("/audit", "/audit"),
            ("/rules", "/rules"),
            ("/banks", "/banks"),
            ("/static/console.css", "/static/console.css"),
            ("/static/console.js", "/static/console.js"),
            ("/static/htmx.min.js", "/static/htmx.min.js"),
        ] {
            let (_, n) = get(path.to_string()).await;
            println!("| {name} | {:.1} |", n as f64 / 1024.0);
        }
    });
}

fn write(store: &mut SqliteStore, batch: &mut Vec<Record>) {
    let b: Vec<Sourced> = batch
        .drain(..)
        .enumerate()
        .map(|(i, r)| Sourced {
            record: r,
            source: "bench".into(),
            line: i as u64,
        })
        .collect();
    store.write_batch(&b).unwrap();
}
