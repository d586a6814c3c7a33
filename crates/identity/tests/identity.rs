//! Behaviour tests of the returning-account linker and the account risk, through the detectors.

use vigil_detect::{Detector, Facts, Observation};
use vigil_identity::risk::{decide, personalized_pagerank, Action, Component, RiskConfig};
use vigil_identity::{detectors_with_findings, Config};
use vigil_model::{Account, Enforcement, EnforcementAction, Platform, Post, Signal};

const H: i64 = 3_600_000;
const T0: i64 = 1_700_000_000_000;

fn account(p: Platform, id: &str, handle: &str, name: &str, bio: &str, avatar: &str) -> Account {
    let mut a = Account::new(p, id);
    a.handle = Some(handle.into());
    a.display_name = Some(name.into());
    a.bio = Some(bio.into());
    a.avatar_url = Some(avatar.into());
    a.created_at = Some(T0);
    a
}

fn post(a: &Account, n: u32, at: i64, text: &str, mentions: &[&str]) -> Post {
    let mut p = Post::new(
        a.platform.clone(),
        &format!("{}_{n}", a.id.replace(':', "_")),
        a.id.clone(),
        at,
    );
    p.text = text.into();
    p.mentions = mentions.iter().map(|s| s.to_string()).collect();
    p
}

fn feed(dets: &mut [Box<dyn Detector>], a: &Account, p: &Post, out: &mut Vec<Signal>) {
    let text = vigil_text::analyze(&p.text);
    let mut facts = Facts::default();
    let mut obs = Observation {
        post: p,
        account: Some(a),
        text: &text,
        facts: &mut facts,
    };
    for d in dets.iter_mut() {
        d.on_post(&mut obs, out);
    }
}

fn suspend(dets: &mut [Box<dyn Detector>], id: &str, at: i64, out: &mut Vec<Signal>) {
    let e = Enforcement {
        platform: Platform::Twitter,
        account_id: id.into(),
        post_id: None,
        action: EnforcementAction::Suspend,
        at,
        reason: None,
    };
    for d in dets.iter_mut() {
        d.on_enforcement(&e, out);
    }
}

const BIO: &str = "#AllEyesOnISIS placeholder phrase alpha beta gamma https://t.me/sample_channel";

#[test]
fn a_returning_account_is_linked_and_a_namesake_is_not() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let old = account(
        Platform::Twitter,
        "1",
        "sample_acct7",
        "Sample Acct",
        BIO,
        "https://pbs.example/a1.jpg",
    );
    for i in 0..5 {
        feed(
            &mut dets,
            &old,
            &post(
                &old,
                i,
                T0 + i as i64 * H,
                "placeholder text https://t.me/sample_channel",
                &["hub_one", "hub_two"],
            ),
            &mut out,
        );
    }
    suspend(&mut dets, &old.id, T0 + 10 * H, &mut out);
    // Same stem, same bio with a small change, same avatar, same network.
    let mut new = account(
        Platform::Twitter,
        "2",
        "sample_acct8",
        "Sample Acct",
        &BIO.replace("gamma", "gamma delta"),
        "https://pbs.example/a1.jpg",
    );
    new.created_at = Some(T0 + 12 * H);
    // A benign namesake: similar handle, unrelated bio, avatar and network.
    let mut namesake = account(
        Platform::Twitter,
        "3",
        "sampleacct",
        "Sample Acct",
        "football and coffee in the morning",
        "https://pbs.example/zz.jpg",
    );
    namesake.created_at = Some(T0 + 12 * H);
    for i in 0..3 {
        feed(
            &mut dets,
            &namesake,
            &post(
                &namesake,
                i,
                T0 + 13 * H + i as i64,
                "match day today",
                &["club_fc"],
            ),
            &mut out,
        );
    }
    feed(
        &mut dets,
        &new,
        &post(&new, 0, T0 + 13 * H, "placeholder text", &["hub_one"]),
        &mut out,
    );
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let returning: Vec<&Signal> = out.iter().filter(|s| s.detector == "returning").collect();
    assert_eq!(returning.len(), 1, "{returning:?}");
    assert_eq!(returning[0].entity_id, new.id);
    assert_eq!(returning[0].explanation["predecessor"], old.id.as_str());
    assert_eq!(returning[0].explanation["posts_seen"], 1);
    let feats: Vec<&str> = returning[0].explanation["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert!(
        feats.contains(&"handle") && feats.contains(&"bio") && feats.contains(&"avatar"),
        "{feats:?}"
    );
    let f = findings.lock().unwrap();
    assert_eq!(f.links.len(), 1);
    // Risk: the returning account is reviewed, the namesake is not; a suspension alone is
    // in the breakdown but opens nothing (platforms suspend benign accounts too).
    let risky: Vec<&str> = out
        .iter()
        .filter(|s| s.detector == "risk")
        .map(|s| s.entity_id.as_str())
        .collect();
    assert!(risky.contains(&new.id.as_str()), "{risky:?}");
    assert!(!risky.contains(&namesake.id.as_str()));
    let old_risk = f.risks.iter().find(|r| r.account == old.id).unwrap();
    assert!(old_risk
        .components
        .iter()
        .any(|c| c.component == "platform_suspension"));
    assert!(
        f.risks.iter().all(|r| r.action != Action::AutoAction),
        "auto is off by default"
    );
}

#[test]
fn an_account_created_before_the_suspension_is_not_its_return() {
    let (mut dets, _) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let old = account(
        Platform::Twitter,
        "1",
        "sample_acct7",
        "Sample Acct",
        BIO,
        "https://pbs.example/a1.jpg",
    );
    let mut twin = account(
        Platform::Twitter,
        "2",
        "sample_acct8",
        "Sample Acct",
        BIO,
        "https://pbs.example/a1.jpg",
    );
    twin.created_at = Some(T0);
    feed(&mut dets, &old, &post(&old, 0, T0, "x", &[]), &mut out);
    suspend(&mut dets, &old.id, T0 + 100 * H, &mut out);
    feed(
        &mut dets,
        &twin,
        &post(&twin, 0, T0 + 101 * H, "x", &[]),
        &mut out,
    );
    assert!(out.iter().all(|s| s.detector != "returning"));
}

#[test]
fn hostile_profiles_do_not_panic() {
    let (mut dets, _) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let huge = "ᅟ\u{202e}0_1".repeat(200_000);
    let a = account(Platform::Vk, "1", &huge, &huge, &huge, &huge);
    feed(&mut dets, &a, &post(&a, 0, T0, &huge, &[&huge]), &mut out);
    suspend(&mut dets, &a.id, T0 + H, &mut out);
    let mut b = account(Platform::Vk, "2", &huge, &huge, &huge, &huge);
    b.created_at = Some(T0 + 2 * H);
    feed(&mut dets, &b, &post(&b, 0, T0 + 3 * H, "", &[]), &mut out);
    let e = account(Platform::Vk, "3", "", "", "", "");
    feed(&mut dets, &e, &post(&e, 0, i64::MIN / 2, "", &[]), &mut out);
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
}

#[test]
fn context_accounts_never_reach_auto_action() {
    let cfg = RiskConfig {
        auto_enabled: true,
        ..Default::default()
    };
    let strong: Vec<Component> = (0..10)
        .map(|i| Component {
            component: format!("c{i}"),
            weight: 0.99,
            detail: serde_json::Value::Null,
        })
        .collect();
    let (_, r, a) = decide(&cfg, &strong, 1.0, false);
    assert!(r >= cfg.auto_threshold && a == Action::AutoAction);
    // Even with a context weight of zero (keep = 1), context caps the action at review.
    for keep in [1.0, 0.9, 0.5, 0.0] {
        let (_, r, a) = decide(&cfg, &strong, keep, true);
        assert!(r < cfg.auto_threshold, "{r}");
        assert_ne!(a, Action::AutoAction);
    }
    let (_, _, a) = decide(&RiskConfig::default(), &strong, 1.0, false);
    assert_eq!(a, Action::Review, "auto is off by default");
}

#[test]
fn proximity_follows_the_graph_from_the_seeds() {
    // 0 - 1 - 2 - 3, and 4 - 5 apart.
    let r = personalized_pagerank(6, &[(0, 1), (1, 2), (2, 3), (4, 5)], &[0], 0.15, 30);
    assert!(r[1] > r[2] && r[2] > r[3] && r[3] > 0.0);
    assert_eq!(r[4], 0.0);
    assert_eq!(r[5], 0.0);
    let total: f64 = r.iter().sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
}

fn announce(dets: &mut [Box<dyn Detector>], a: &Account, out: &mut Vec<Signal>) {
    for d in dets.iter_mut() {
        d.on_account(a, out);
    }
}

#[test]
fn a_predecessor_suspended_before_it_ever_posted_is_still_a_seed() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    // The grandparent posted, was suspended; its return never posted before it was suspended
    // too; the third account must link to that silent return, not to the grandparent.
    let gp = account(
        Platform::Twitter,
        "1",
        "sample_acct",
        "Sample Acct",
        BIO,
        "https://pbs.example/a1.jpg",
    );
    announce(&mut dets, &gp, &mut out);
    for i in 0..3 {
        let p = post(&gp, i, T0 + i as i64 * H, "placeholder text", &[]);
        feed(&mut dets, &gp, &p, &mut out);
    }
    suspend(&mut dets, "twitter:1", T0 + 5 * H, &mut out);
    let mut silent = account(
        Platform::Twitter,
        "2",
        "sample_acct2",
        "Sample Acct",
        BIO,
        "https://pbs.example/a2.jpg",
    );
    silent.created_at = Some(T0 + 6 * H);
    announce(&mut dets, &silent, &mut out);
    suspend(&mut dets, "twitter:2", T0 + 7 * H, &mut out);
    let mut third = account(
        Platform::Twitter,
        "3",
        "sample_acct3",
        "Sample Acct",
        BIO,
        "https://pbs.example/a2.jpg",
    );
    third.created_at = Some(T0 + 8 * H);
    announce(&mut dets, &third, &mut out);
    let p = post(&third, 0, T0 + 9 * H, "placeholder text", &[]);
    feed(&mut dets, &third, &p, &mut out);
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap();
    let l: Vec<_> = f.links.iter().filter(|l| l.new == "twitter:3").collect();
    assert_eq!(l.len(), 1, "{:?}", f.links);
    assert_eq!(l[0].predecessor, "twitter:2");
}

#[test]
fn live_accounts_naming_each_other_across_platforms_are_linked() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let tw = account(
        Platform::Twitter,
        "10",
        "sample_actor",
        "Sample Actor",
        "placeholder bio https://t.me/sampleactor_chan",
        "https://pbs.example/x.jpg",
    );
    let mut tg = Account::new(Platform::Telegram, "channel1000000042");
    tg.handle = Some("sampleactor_chan".into());
    tg.display_name = Some("Sample Actor".into());
    // A supporter advertising the same channel in its bio is not the channel.
    let fan = account(
        Platform::Twitter,
        "11",
        "unrelated_fan",
        "Other Person",
        "placeholder bio https://t.me/sampleactor_chan",
        "https://pbs.example/y.jpg",
    );
    for a in [&tw, &tg, &fan] {
        announce(&mut dets, a, &mut out);
        let p = post(a, 0, T0, "placeholder text", &[]);
        feed(&mut dets, a, &p, &mut out);
    }
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap();
    assert_eq!(f.cross_links.len(), 1, "{:?}", f.cross_links);
    let l = &f.cross_links[0];
    assert_eq!(
        (l.account.as_str(), l.other.as_str()),
        ("twitter:10", "telegram:channel1000000042")
    );
    assert!(l.features.iter().any(|x| x.feature == "name"));
    assert_eq!(l.pointer, "telegram:sampleactor_chan");
}

#[test]
fn one_kind_of_weak_evidence_alone_opens_no_review() {
    let cfg = RiskConfig::default();
    let c = |name: &str, w: f64| Component {
        component: name.into(),
        weight: w,
        detail: serde_json::Value::Null,
    };
    // A bystander in a hijacked trend: campaign membership by two routes is one kind of
    // evidence, counted once, and not strong enough alone.
    let (raw, _, action) = decide(
        &cfg,
        &[c("campaign", 0.35), c("signal:campaign", 0.5)],
        1.0,
        false,
    );
    assert!((raw - 0.5).abs() < 1e-9, "{raw}");
    assert_eq!(action, Action::None);
    // Proximity only adds to evidence: with a suspension it is still one kind.
    let (_, _, action) = decide(
        &cfg,
        &[c("platform_suspension", 0.25), c("proximity", 0.25)],
        1.0,
        false,
    );
    assert_eq!(action, Action::None);
    // Two kinds corroborate; one strong kind stands alone.
    let (_, _, action) = decide(
        &cfg,
        &[c("signal:campaign", 0.5), c("signal:rules", 0.4)],
        1.0,
        false,
    );
    assert_eq!(action, Action::Review);
    let (_, _, action) = decide(&cfg, &[c("returning", 0.9)], 1.0, false);
    assert_eq!(action, Action::Review);
}

#[test]
fn look_alike_supporters_of_one_network_are_not_linked() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    // Generated handles sharing most letters, a network's bio template and its funnel channel:
    // two people, not one account returning.
    let bio = "placeholder network bio template https://t.me/funnel_chan_sim";
    let old = account(
        Platform::Twitter,
        "1",
        "sarakasim",
        "Alpha Beta",
        bio,
        "https://pbs.example/a.jpg",
    );
    for i in 0..5 {
        let fan = account(
            Platform::Twitter,
            &format!("9{i}"),
            &format!("other{i}_x"),
            "Gamma",
            "placeholder https://t.me/funnel_chan_sim",
            "https://pbs.example/f.jpg",
        );
        announce(&mut dets, &fan, &mut out);
    }
    announce(&mut dets, &old, &mut out);
    let p = post(&old, 0, T0, "placeholder text", &[]);
    feed(&mut dets, &old, &p, &mut out);
    suspend(&mut dets, "twitter:1", T0 + H, &mut out);
    let mut other = account(
        Platform::Twitter,
        "2",
        "kararasim",
        "Delta",
        bio,
        "https://pbs.example/b.jpg",
    );
    other.created_at = Some(T0 + 2 * H);
    announce(&mut dets, &other, &mut out);
    let p = post(&other, 0, T0 + 3 * H, "placeholder text", &[]);
    feed(&mut dets, &other, &p, &mut out);
    // The same account returning with the next digit is linked.
    let mut back = account(
        Platform::Twitter,
        "3",
        "sarakasim2",
        "Alpha Beta",
        bio,
        "https://pbs.example/a.jpg",
    );
    back.created_at = Some(T0 + 2 * H);
    announce(&mut dets, &back, &mut out);
    let p = post(&back, 0, T0 + 3 * H, "placeholder text", &[]);
    feed(&mut dets, &back, &p, &mut out);
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap();
    let news: Vec<&str> = f.links.iter().map(|l| l.new.as_str()).collect();
    assert_eq!(news, vec!["twitter:3"], "{:?}", f.links);
}

#[test]
fn a_re_encoded_avatar_matches_by_pdq_where_urls_differ() {
    let pdq = "f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdeffedcba9876543210";
    // Two bits flipped: a re-encoded copy. Far: half the bits flipped.
    let near = "f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdeffedcba9876543213";
    let far = "0f1e2d3c4b5a69788796a5b4c3d2e1f0fedcba98765432100123456789abcdef";
    for (other, linked) in [(near, true), (far, false)] {
        let (mut dets, findings) = detectors_with_findings(Config::default());
        let mut out = Vec::new();
        let mut old = account(
            Platform::Twitter,
            "1",
            "sample_acct",
            "Sample Acct",
            "",
            "https://pbs.example/a.jpg",
        );
        old.bio = None;
        old.avatar_pdq = Some(pdq.into());
        announce(&mut dets, &old, &mut out);
        let p = post(&old, 0, T0, "placeholder text", &[]);
        feed(&mut dets, &old, &p, &mut out);
        suspend(&mut dets, "twitter:1", T0 + H, &mut out);
        let mut new = account(
            Platform::Twitter,
            "2",
            "sample_acct2",
            "Sample Acct",
            "",
            "https://pbs.example/b.jpg",
        );
        new.bio = None;
        new.avatar_pdq = Some(other.into());
        new.created_at = Some(T0 + 2 * H);
        announce(&mut dets, &new, &mut out);
        let p = post(&new, 0, T0 + 3 * H, "placeholder text", &[]);
        feed(&mut dets, &new, &p, &mut out);
        let f = findings.lock().unwrap();
        assert_eq!(f.links.len() == 1, linked, "{other}: {:?}", f.links);
        if linked {
            assert!(f.links[0].features.iter().any(|x| x.feature == "avatar"));
        }
    }
}

/// A page as Facebook writes it: a display name, no handle, bio or avatar.
fn page(id: &str, name: &str) -> Account {
    let mut a = Account::new(Platform::Facebook, id);
    a.display_name = Some(name.into());
    a
}

/// A post in the feed `owner` (`<owner>_<n>`, as Facebook ids are).
fn fb_post(a: &Account, owner: &str, n: u32, at: i64) -> Post {
    let mut p = Post::new(
        Platform::Facebook,
        &format!("{owner}_{n}"),
        a.id.clone(),
        at,
    );
    p.text = "placeholder text #AllEyesOnISIS".into();
    p
}

fn links_of(out: &[Signal], id: &str) -> Vec<String> {
    out.iter()
        .filter(|s| s.detector == "returning" && s.entity_id == id)
        .map(|s| {
            s.explanation["predecessor"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn a_page_that_continues_a_unique_numbered_name_is_its_return() {
    let (mut dets, _findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let old = page("1000", "Cedar Stone 97");
    // Others share the two nouns, not the number.
    let others = [page("1001", "Cedar Stone 12"), page("1002", "Cedar Stone")];
    for a in std::iter::once(&old).chain(&others) {
        announce(&mut dets, a, &mut out);
        let p = fb_post(a, &a.id["facebook:".len()..], 1, T0);
        feed(&mut dets, a, &p, &mut out);
    }
    suspend(&mut dets, "facebook:1000", T0 + H, &mut out);
    // Nothing individual but the name: its own feed, other posts, no shared links.
    let back = page("2000", "Cedar Stone 97 2");
    let other_number = page("2001", "Cedar Stone 98 2");
    for a in [&back, &other_number] {
        announce(&mut dets, a, &mut out);
        let p = fb_post(a, &a.id["facebook:".len()..], 1, T0 + 30 * H);
        feed(&mut dets, a, &p, &mut out);
    }
    assert_eq!(links_of(&out, "facebook:2000"), vec!["facebook:1000"]);
    assert!(links_of(&out, "facebook:2001").is_empty());
}

#[test]
fn a_two_word_name_needs_more_than_the_name() {
    let (mut dets, _findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let old = page("1000", "Cedar Stone");
    announce(&mut dets, &old, &mut out);
    for i in 0..3 {
        let p = fb_post(&old, "300000000000011", i, T0 + i as i64);
        feed(&mut dets, &old, &p, &mut out);
    }
    suspend(&mut dets, "facebook:1000", T0 + H, &mut out);
    // The enumerated name in the same group (co-participation) is its return; the same name
    // elsewhere days later, or the bare name with nothing behind it, is a namesake.
    let back = page("2000", "Cedar Stone 2");
    let elsewhere = page("2001", "Cedar Stone 2");
    let bare = page("2002", "Cedar Stone");
    // A user seed does not come back as a community numbered like an enumeration.
    let mut community = page("2003", "Cedar Stone 15");
    community.kind = vigil_model::AccountKind::Community;
    for (a, owner, at) in [
        (&community, "2003", T0 + 3 * H),
        (&back, "300000000000011", T0 + 100 * H),
        (&elsewhere, "300000000000022", T0 + 100 * H),
        (&bare, "2002", T0 + 3 * H),
    ] {
        announce(&mut dets, a, &mut out);
        for i in 0..2 {
            let p = fb_post(a, owner, 10 + i, at + i as i64);
            feed(&mut dets, a, &p, &mut out);
        }
    }
    assert_eq!(links_of(&out, "facebook:2000"), vec!["facebook:1000"]);
    assert!(links_of(&out, "facebook:2001").is_empty());
    assert!(links_of(&out, "facebook:2002").is_empty());
    assert!(links_of(&out, "facebook:2003").is_empty());
}

#[test]
fn sending_readers_to_a_flagged_channel_again_and_again_is_reviewed() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    let chan = account(
        Platform::Telegram,
        "channel7",
        "sample_chan",
        "Sample Chan",
        "",
        "https://t.example/c.jpg",
    );
    let p = post(&chan, 0, T0, "placeholder text", &[]);
    feed(&mut dets, &chan, &p, &mut out);
    // The platform suspended the channel: it is flagged.
    suspend(&mut dets, &chan.id, T0 + H, &mut out);
    let recruiter = account(Platform::Twitter, "20", "rec_acct", "Rec", "", "x");
    let once = account(Platform::Twitter, "21", "curious_acct", "Curious", "", "y");
    for i in 0..3 {
        let mut p = post(
            &recruiter,
            i,
            T0 + 2 * H + i as i64,
            "placeholder recruitment text https://t.me/sample_chan",
            &[],
        );
        if i == 2 {
            // As Twitter writes it: a short link in the text, the target among expanded URLs.
            p.text = "placeholder recruitment text https://t.co/AbCdEf".into();
            p.urls = vec!["https://t.me/sample_chan".into()];
        }
        feed(&mut dets, &recruiter, &p, &mut out);
    }
    let p = post(
        &once,
        0,
        T0 + 2 * H,
        "what is https://t.me/sample_chan",
        &[],
    );
    feed(&mut dets, &once, &p, &mut out);
    // An amplifier re-sharing a flagged account's posts, three times.
    let core = account(Platform::Twitter, "30", "core_acct", "Core", "", "z");
    let amp = account(Platform::Twitter, "31", "amp_acct", "Amp", "", "w");
    for i in 0..3 {
        let c = post(&core, i, T0 + 3 * H + i as i64, "placeholder release", &[]);
        feed(&mut dets, &core, &c, &mut out);
        let mut r = post(&amp, i, T0 + 3 * H + 10 + i as i64, "", &[]);
        r.repost_of = Some(c.id.clone());
        feed(&mut dets, &amp, &r, &mut out);
    }
    suspend(&mut dets, &core.id, T0 + 4 * H, &mut out);
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap();
    let risk = |id: &str| f.risks.iter().find(|r| r.account == id).cloned();
    let r = risk(&recruiter.id).expect("the recruiter has a risk");
    assert_eq!(r.action, Action::Review, "{r:?}");
    assert!(r.components.iter().any(|c| c.component == "funnel"));
    let o = risk(&once.id).expect("one link is still in the breakdown");
    assert_eq!(o.action, Action::None, "{o:?}");
    let a = risk(&amp.id).expect("the amplifier has a risk");
    assert_eq!(a.action, Action::Review, "{a:?}");
}

#[test]
fn an_address_flagged_accounts_advertise_is_a_funnel_even_unseen() {
    let (mut dets, findings) = detectors_with_findings(Config::default());
    let mut out = Vec::new();
    // Three suspended supporters advertised a channel never seen in the stream.
    for k in 0..3 {
        let s = account(Platform::Twitter, &format!("{k}"), "sup", "Sup", "", "a");
        let p = post(&s, 0, T0 + k as i64, "join https://t.me/unseen_chan", &[]);
        feed(&mut dets, &s, &p, &mut out);
        suspend(&mut dets, &s.id, T0 + H, &mut out);
    }
    // A benign channel that many unflagged accounts link.
    for k in 10..16 {
        let s = account(Platform::Twitter, &format!("{k}"), "fan", "Fan", "", "b");
        let p = post(&s, 0, T0 + k as i64, "https://t.me/weather_chan", &[]);
        feed(&mut dets, &s, &p, &mut out);
    }
    let rec = account(Platform::Twitter, "20", "rec_acct", "Rec", "", "x");
    let fan = account(Platform::Twitter, "21", "fan_acct", "Fan2", "", "y");
    for i in 0..3 {
        let p = post(
            &rec,
            i,
            T0 + 2 * H + i as i64,
            "https://t.me/unseen_chan",
            &[],
        );
        feed(&mut dets, &rec, &p, &mut out);
        let p = post(
            &fan,
            i,
            T0 + 2 * H + i as i64,
            "https://t.me/weather_chan",
            &[],
        );
        feed(&mut dets, &fan, &p, &mut out);
    }
    for d in dets.iter_mut() {
        d.finish(&mut out);
    }
    let f = findings.lock().unwrap();
    let action = |id: &str| f.risks.iter().find(|r| r.account == id).map(|r| r.action);
    assert_eq!(action(&rec.id), Some(Action::Review));
    assert_ne!(action(&fan.id), Some(Action::Review));
}
