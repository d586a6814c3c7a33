//! Streaming behaviour: bounded disorder within the lateness gives the same campaigns and
//! clusters; a coordinated flood is an extremist campaign while an organic trend is a burst.

use vigil_campaign::{detectors_with_findings, Config, Findings};
use vigil_detect::{Facts, Observation};
use vigil_model::{Platform, Post};

fn post(i: u64, acct: u64, t: i64, text: &str) -> Post {
    let mut p = Post::new(
        Platform::Twitter,
        &i.to_string(),
        format!("twitter:{acct}"),
        t,
    );
    p.text = text.to_string();
    p
}

/// A world: background chatter, an organic trend (varied texts) and a flood (near-identical
/// texts with an indicator hashtag) from a fixed group of accounts.
fn world() -> Vec<Post> {
    let mut s = 0x1234_5678u64;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let t0 = 1_402_740_000_000i64;
    let mut v = Vec::new();
    let mut id = 0;
    for _ in 0..6000 {
        id += 1;
        let t = t0 + (rnd() % (6 * 3_600_000)) as i64;
        let text = format!(
            "[word {}] [word {}] #topic{}",
            rnd() % 900,
            rnd() % 900,
            rnd() % 300
        );
        v.push(post(id, 1000 + rnd() % 3000, t, &text));
    }
    for _ in 0..300 {
        id += 1;
        let t = t0 + 3_600_000 + (rnd() % 3_600_000) as i64;
        let text = format!(
            "[word {}] [word {}] [word {}] #WorldCup2014",
            rnd() % 900,
            rnd() % 900,
            rnd() % 900
        );
        v.push(post(id, 1000 + rnd() % 3000, t, &text));
    }
    for k in 0..120u64 {
        id += 1;
        let t = t0 + 2 * 3_600_000 + (rnd() % 600_000) as i64;
        let text = format!(
            "[placeholder glorification phrase {}] #AllEyesOnISIS [word 1] [word 2]",
            3 + (k % 2)
        );
        v.push(post(id, 10 + k % 60, t, &text));
    }
    v.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    v
}

fn run(posts: &[Post], cfg: Config) -> Findings {
    let (mut dets, f) = detectors_with_findings(cfg);
    let mut out = Vec::new();
    for p in posts {
        let text = vigil_text::analyze(&p.text);
        let mut facts = Facts::default();
        let mut obs = Observation {
            post: p,
            account: None,
            text: &text,
            facts: &mut facts,
        };
        for d in dets.iter_mut() {
            d.on_post(&mut obs, &mut out);
        }
    }
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let g = f.lock().unwrap().clone();
    g
}

#[test]
fn flood_is_a_campaign_trend_is_a_burst() {
    let f = run(&world(), Config::default());
    let flood: Vec<_> = f
        .campaigns
        .iter()
        .filter(|c| c.keys.iter().any(|k| k == "#AllEyesOnISIS"))
        .collect();
    assert!(flood.iter().any(|c| c.extremist), "{:#?}", f.campaigns);
    let alert = flood.iter().find_map(|c| c.posts_before_alert).unwrap();
    assert!(alert <= 50, "alert after {alert} posts");
    let trend: Vec<_> = f
        .campaigns
        .iter()
        .filter(|c| c.keys.iter().any(|k| k == "#WorldCup2014"))
        .collect();
    assert!(!trend.is_empty(), "the trend is a burst");
    assert!(trend.iter().all(|c| !c.extremist), "{trend:#?}");
    assert!(f
        .clusters
        .iter()
        .any(|c| c.reported && c.members.iter().any(|m| m == "twitter:10")));
}

#[test]
fn bounded_disorder_gives_the_same_result() {
    let sorted = world();
    let cfg = Config::default();
    let lateness = cfg.lateness_ms;
    // Shuffle within blocks shorter than the lateness.
    let mut shuffled = sorted.clone();
    let mut s = 99u64;
    let mut i = 0;
    while i < shuffled.len() {
        let mut j = i;
        while j < shuffled.len() && shuffled[j].created_at - shuffled[i].created_at < lateness / 2 {
            j += 1;
        }
        let block = &mut shuffled[i..j];
        for k in (1..block.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            block.swap(k, (s % (k as u64 + 1)) as usize);
        }
        i = j.max(i + 1);
    }
    assert_ne!(sorted, shuffled);
    let a = run(&sorted, cfg.clone());
    let b = run(&shuffled, cfg);
    assert_eq!(b.too_late, 0);
    assert_eq!(a.campaigns, b.campaigns);
    assert_eq!(a.clusters, b.clusters);
    assert_eq!(a.edges, b.edges);
}
