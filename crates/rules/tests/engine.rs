//! Conditions, effects, states, errors with places, and hot reload of the compiled rules engine.

use std::sync::Arc;
use std::time::Duration;
use vigil_detect::{BankMatch, Facts};
use vigil_model::{Account, Category, Context, EntityKind, Platform, Post, Signal};
use vigil_rules::{compile, CompiledPack, RulesEngine, Scratch, Subject};

const T0: i64 = 1_700_000_000_000;

fn pack(rules: &str) -> CompiledPack {
    let src = format!("[pack]\nname = \"t\"\nversion = \"7\"\n\n{rules}");
    compile("t.toml", &src).unwrap_or_else(|e| panic!("{e}"))
}

fn err(rules: &str) -> String {
    let src = format!("[pack]\nname = \"t\"\nversion = \"7\"\n\n{rules}");
    compile("t.toml", &src).map(|_| ()).unwrap_err().to_string()
}

struct Post1 {
    post: Post,
    account: Option<Account>,
    facts: Facts,
}

fn post(text: &str) -> Post1 {
    let mut p = Post::new(Platform::Twitter, "1", "twitter:9".into(), T0);
    p.text = text.into();
    Post1 {
        post: p,
        account: None,
        facts: Facts::default(),
    }
}

/// Signals from evaluating `p` with `pack`, checked against the naive evaluator.
fn run(pack: &CompiledPack, p: &Post1) -> Vec<Signal> {
    let text = vigil_text::analyze(&p.post.text);
    let s = Subject {
        post: &p.post,
        account: p.account.as_ref(),
        text: &text,
        facts: &p.facts,
    };
    let (mut sc, mut fired, mut out) = (Scratch::new(), Vec::new(), Vec::new());
    pack.evaluate(&s, &mut sc, &mut fired);
    assert_eq!(
        fired,
        vigil_rules::naive::evaluate(pack, &s),
        "compiled vs naive"
    );
    pack.signals(&s, &fired, &sc, &mut out);
    out
}

fn fires(pack: &CompiledPack, p: &Post1) -> Vec<String> {
    run(pack, p)
        .into_iter()
        .map(|s| s.source.rsplit('/').next().unwrap().to_string())
        .collect()
}

const SIG: &str = "signal = { category = \"threat\", weight = 0.5 }";

#[test]
fn keywords_per_channel() {
    let p = pack(&format!(
        "[[rule]]\nid = \"orig\"\nwhen = {{ keywords = [\"IS\"], channel = \"original\" }}\n{SIG}\n\
         [[rule]]\nid = \"nfkc\"\nwhen = {{ keywords = [\"ISIL\"], channel = \"nfkc\" }}\n{SIG}\n\
         [[rule]]\nid = \"fold\"\nwhen = {{ keywords = [\"isis\"] }}\n{SIG}\n\
         [[rule]]\nid = \"skel\"\nwhen = {{ keywords = [\"isis\"], channel = \"skeleton\" }}\n{SIG}\n\
         [[rule]]\nid = \"ar\"\nwhen = {{ keywords = [\"الدولة\"], channel = \"arabic\" }}\n{SIG}\n"
    ));
    assert_eq!(fires(&p, &post("the IS claim")), ["orig"]);
    assert!(fires(&p, &post("this is it")).is_empty());
    assert_eq!(fires(&p, &post("isil")), ["nfkc"]);
    // punctuation-split letters are joined only by the evasion fold
    assert_eq!(fires(&p, &post("I.S.I.S")), ["fold"]);
    assert_eq!(fires(&p, &post("𝐈𝐒𝐈𝐒")), ["fold", "skel"]);
    // all-Cyrillic lookalikes stay Cyrillic in the folded channel; the skeleton meets them
    assert_eq!(fires(&p, &post("ІЅІЅ")), ["skel"]);
    assert_eq!(fires(&p, &post("والدولة")), ["ar"]);
    assert_eq!(fires(&p, &post("الدولَة")), ["ar"]);
    assert!(fires(&p, &post("crisis")).is_empty());
}

#[test]
fn boundary_modes() {
    let p = pack(&format!(
        "[[rule]]\nid = \"w\"\nwhen = {{ keywords = [\"nachrichten\"] }}\n{SIG}\n\
         [[rule]]\nid = \"p\"\nwhen = {{ keywords = [\"nachrichten\"], boundary = \"prefix\" }}\n{SIG}\n\
         [[rule]]\nid = \"n\"\nwhen = {{ keywords = [\"richten\"], boundary = \"none\" }}\n{SIG}\n"
    ));
    assert_eq!(fires(&p, &post("nachrichtenzeile")), ["p", "n"]);
    assert_eq!(fires(&p, &post("die nachrichten")), ["w", "p", "n"]);
}

#[test]
fn regexes_and_combinators() {
    let p = pack(&format!(
        "[[rule]]\nid = \"re\"\nwhen = {{ regex = ['\\bcode\\d{{3}}\\b'] }}\n{SIG}\n\
         [[rule]]\nid = \"combo\"\nwhen.all = [{{ keywords = [\"alpha\"] }}, {{ any = [{{ keywords = [\"beta\"] }}, {{ regex = ['gam+a'] }}] }}, {{ not = {{ keywords = [\"delta\"] }} }}]\n{SIG}\n"
    ));
    assert_eq!(fires(&p, &post("see CODE123 now")), ["re"]);
    assert!(fires(&p, &post("code1234")).is_empty());
    assert_eq!(fires(&p, &post("alpha gammma")), ["combo"]);
    assert_eq!(fires(&p, &post("alpha beta")), ["combo"]);
    assert!(fires(&p, &post("alpha beta delta")).is_empty());
    assert!(fires(&p, &post("alpha")).is_empty());
}

#[test]
fn hashtags_domains_pointers_lang_platform() {
    let p = pack(&format!(
        "[[rule]]\nid = \"tag\"\nwhen = {{ hashtags = [\"#AllEyesOnISIS\"] }}\n{SIG}\n\
         [[rule]]\nid = \"dom\"\nwhen = {{ domains = [\"example.org\"] }}\n{SIG}\n\
         [[rule]]\nid = \"ptr\"\nwhen = {{ pointers = [\"telegram:some_channel\"] }}\n{SIG}\n\
         [[rule]]\nid = \"anytg\"\nwhen = {{ pointers = [\"telegram:*\"] }}\n{SIG}\n\
         [[rule]]\nid = \"lang\"\nwhen.all = [{{ lang = [\"ru\"] }}, {{ platform = [\"twitter\"] }}]\n{SIG}\n\
         [[rule]]\nid = \"vk\"\nwhen = {{ platform = [\"vk\"] }}\n{SIG}\n"
    ));
    assert_eq!(fires(&p, &post("#alleyesonІЅІЅ")), ["tag"]);
    assert_eq!(
        fires(&p, &post("https://www.example.org/x?utm_source=1")),
        ["dom"]
    );
    assert!(fires(
        &p,
        &post("https://example.net/ and https://notexample.org/")
    )
    .is_empty());
    assert_eq!(fires(&p, &post("t.me/Some_Channel")), ["ptr", "anytg"]);
    assert_eq!(fires(&p, &post("https://t.me/other")), ["anytg"]);
    assert_eq!(
        fires(&p, &post("сегодня хорошая погода в городе и дождь")),
        ["lang"]
    );
    let mut v = post("hello");
    v.post.platform = Platform::Vk;
    assert_eq!(fires(&p, &v), ["vk"]);
}

#[test]
fn account_features_and_facts() {
    let p = pack(&format!(
        "[[rule]]\nid = \"young\"\nwhen = {{ account_age_days = {{ max = 7 }} }}\n{SIG}\n\
         [[rule]]\nid = \"big\"\nwhen = {{ followers = {{ min = 1000 }} }}\n{SIG}\n\
         [[rule]]\nid = \"handle\"\nwhen = {{ handle = '^news_\\d+$' }}\n{SIG}\n\
         [[rule]]\nid = \"bio\"\nwhen = {{ bio_keywords = [\"reporter\"] }}\n{SIG}\n\
         [[rule]]\nid = \"bank\"\nwhen = {{ bank_match = \"known\" }}\n{SIG}\n\
         [[rule]]\nid = \"anybank\"\nwhen = {{ bank_match = true }}\n{SIG}\n\
         [[rule]]\nid = \"camp\"\nwhen = {{ campaign_member = true }}\n{SIG}\n\
         [[rule]]\nid = \"clus\"\nwhen = {{ cluster_member = true }}\n{SIG}\n\
         [[rule]]\nid = \"risk\"\nwhen = {{ risk_min = 0.8 }}\n{SIG}\n"
    ));
    let mut x = post("hi");
    assert!(
        fires(&p, &x).is_empty(),
        "unknown account features are false"
    );
    let mut a = Account::new(Platform::Twitter, "9");
    a.created_at = Some(T0 - 3 * 86_400_000);
    a.followers = Some(5000);
    a.handle = Some("news_12".into());
    a.bio = Some("𝐑𝐄𝐏𝐎𝐑𝐓𝐄𝐑 at a desk".into());
    x.account = Some(a.clone());
    assert_eq!(fires(&p, &x), ["young", "big", "handle", "bio"]);
    a.created_at = Some(T0 - 30 * 86_400_000);
    a.followers = Some(10);
    x.account = Some(a);
    x.facts.bank_matches.push(BankMatch {
        bank: "other".into(),
        item: "1".into(),
        label: "l".into(),
        algorithm: "pdq".into(),
        distance: 3,
    });
    x.facts.campaigns.push("c1".into());
    x.facts.risk = Some(0.9);
    assert_eq!(fires(&p, &x), ["handle", "bio", "anybank", "camp", "risk"]);
    x.facts.bank_matches[0].bank = "known".into();
    x.facts.clusters.push("k".into());
    x.facts.risk = Some(0.5);
    assert_eq!(
        fires(&p, &x),
        ["handle", "bio", "bank", "anybank", "camp", "clus"]
    );
}

#[test]
fn effects_record_rule_and_version() {
    let p = pack(
        "[[rule]]\nid = \"h\"\nwhen = { keywords = [\"isis\"] }\nsignal = { category = \"terrorist_propaganda\", weight = 0.4 }\n\
         label = { name = \"watch\", expires_days = 2 }\nqueue = \"q1\"\naction = \"remove_post\"\n\
         [[rule]]\nid = \"acct\"\nentity = \"account\"\nwhen = { keywords = [\"isis\"] }\nlabel = { name = \"seen\" }\n\
         [[rule]]\nid = \"ctx\"\nwhen = { keywords = [\"researchers\"] }\ncontext = { kind = \"research\", weight = 0.6 }\n\
         [[rule]]\nid = \"sh\"\nstate = \"shadow\"\nwhen = { keywords = [\"isis\"] }\nsignal = { category = \"threat\", weight = 0.9 }\n\
         [[rule]]\nid = \"off\"\nstate = \"disabled\"\nwhen = { keywords = [\"isis\"] }\nsignal = { category = \"threat\", weight = 0.9 }\n",
    );
    let s = run(&p, &post("isis again"));
    assert_eq!(s.len(), 3, "{s:#?}");
    let h = &s[0];
    assert_eq!(h.source, "rule:t/h");
    assert_eq!(h.version, "7");
    assert_eq!(h.detector, "rules");
    assert_eq!(h.category, Some(Category::TerroristPropaganda));
    assert_eq!(h.entity_kind, EntityKind::Post);
    assert_eq!(h.explanation["queue"], "q1");
    assert_eq!(h.explanation["action"], "remove_post");
    assert_eq!(h.explanation["label"]["name"], "watch");
    assert_eq!(h.explanation["label"]["expires_at"], T0 + 2 * 86_400_000);
    assert_eq!(h.explanation["matched"][0], "folded:isis");
    assert!(h.explanation.get("action_suppressed").is_none());
    assert_eq!(s[1].entity_kind, EntityKind::Account);
    assert_eq!(s[1].entity_id, "twitter:9");
    assert_eq!(s[1].category, None);
    assert!(s[2].shadow && s[2].source == "rule:t/sh");
    assert!(vigil_rules::auto_action_allowed(&s));
    assert!(
        (vigil_rules::net_harm(&s) - 0.4).abs() < 1e-6,
        "shadow counts for nothing"
    );

    let s = run(&p, &post("researchers on isis"));
    assert_eq!(s.len(), 4);
    assert_eq!(s[0].explanation["action_suppressed"], "context");
    assert_eq!(s[2].context, Some(Context::Research));
    assert!(!vigil_rules::auto_action_allowed(&s));
    assert!(vigil_rules::net_harm(&s) < 0.0);
}

#[test]
fn errors_carry_file_line_col() {
    let e = err("[[rule]]\nid = \"a\"\nwhen = { keywords = [\"x\"], colour = 1 }\n");
    assert!(e.starts_with("t.toml:7:"), "{e}");
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ regex = ['(?<=a)b'] }}\n{SIG}\n"
    ));
    assert!(e.starts_with("t.toml:7:19: invalid regex"), "{e}");
    assert!(e.contains("look-around"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ regex = ['a*'] }}\n{SIG}\n"
    ));
    assert!(e.contains("empty string"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ regex = ['\\w{{1000}}{{1000}}'] }}\n{SIG}\n"
    ));
    assert!(e.contains("invalid regex"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ keywords = [\"x\"], lang = [\"en\"] }}\n{SIG}\n"
    ));
    assert!(e.contains("exactly one kind, found keywords, lang"), "{e}");
    let e = err("[[rule]]\nid = \"a\"\nwhen = { keywords = [\"x\"] }\n");
    assert!(e.contains("at least one effect"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ keywords = [\"\u{200b}\"] }}\n{SIG}\n"
    ));
    assert!(e.contains("empty in its channel"), "{e}");
    let e = err(&format!(
        "[[rule]]\nid = \"a\"\nwhen = {{ hashtags = [\"x\"], channel = \"folded\" }}\n{SIG}\n"
    ));
    assert!(e.contains("`channel` applies only"), "{e}");
    let e = err("[[rule]]\nid = \"a\"\nwhen = { keywords = [\"x\"] }\ncontext = { kind = \"news_reporting\", weight = 0.5 }\naction = \"suspend\"\n");
    assert!(e.contains("cannot propose an action"), "{e}");
    // deep nesting is refused before the TOML parser recurses
    let deep = format!(
        "[[rule]]\nid = \"a\"\nwhen = {}{{ keywords = [\"x\"] }}{}\n{SIG}\n",
        "{ not = ".repeat(5000),
        " }".repeat(5000)
    );
    assert!(err(&deep).contains("nested deeper"));
    let mid = format!(
        "[[rule]]\nid = \"a\"\nwhen = {}{{ keywords = [\"x\"] }}{}\n{SIG}\n",
        "{ not = ".repeat(33),
        " }".repeat(33)
    );
    assert!(err(&mid).contains("nested deeper than 32"), "{}", err(&mid));
    // oversized packs
    let big = "#".repeat(vigil_rules::MAX_PACK_BYTES + 1);
    let e = compile("big.toml", &big).unwrap_err().to_string();
    assert!(e.starts_with("big.toml:1:1: pack is"), "{e}");
}

#[test]
fn hot_reload_swaps_valid_packs_and_keeps_the_old_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let body = |v: &str, kw: &str| {
        format!("[pack]\nname = \"hot\"\nversion = \"{v}\"\n[[rule]]\nid = \"r\"\nwhen = {{ keywords = [\"{kw}\"] }}\n{SIG}\n")
    };
    std::fs::write(&path, body("1", "alpha")).unwrap();
    let eng = Arc::new(RulesEngine::open(&path).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = eng.watch(Duration::from_millis(10), move |ev| {
        let _ = tx.send(ev);
    });
    let old = eng.current();
    assert_eq!(old.version, "1");
    // a valid change is swapped in
    std::fs::write(&path, body("2", "betabeta")).unwrap();
    match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
        vigil_rules::ReloadEvent::Swapped { version, .. } => assert_eq!(version, "2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(eng.current().version, "2");
    assert_eq!(fires(&eng.current(), &post("betabeta")), ["r"]);
    // a snapshot taken before keeps working
    assert_eq!(fires(&old, &post("alpha")), ["r"]);
    // an invalid change is rejected with its place; version 2 stays in force
    std::fs::write(
        &path,
        body("3", "gamma").replace("weight = 0.5", "weight = 0.5, extra = 1"),
    )
    .unwrap();
    match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
        vigil_rules::ReloadEvent::Rejected(e) => {
            let m = e.to_string();
            assert!(m.starts_with(&format!("{}:7:", path.display())), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(eng.current().version, "2");
    drop(watcher);
}

/// Readers evaluating while another thread swaps packs always see one whole pack: the signal's
/// version and the keyword that fired belong to the same pack.
#[test]
fn swaps_are_atomic_for_concurrent_readers() {
    let mk = |v: &str, kw: &str| {
        compile(
            "s.toml",
            &format!("[pack]\nname = \"s\"\nversion = \"{v}\"\n[[rule]]\nid = \"r\"\nwhen = {{ keywords = [\"{kw}\"] }}\n{SIG}\n"),
        )
        .unwrap()
    };
    let eng = Arc::new(RulesEngine::new(mk("a", "alpha")));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (eng, stop) = (Arc::clone(&eng), Arc::clone(&stop));
            std::thread::spawn(move || {
                let p = post("alpha beta");
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 100 {
                    let pack = eng.current();
                    let s = run(&pack, &p);
                    assert_eq!(s.len(), 1);
                    let want = if pack.version == "a" {
                        "folded:alpha"
                    } else {
                        "folded:beta"
                    };
                    assert_eq!(s[0].version, pack.version);
                    assert_eq!(s[0].explanation["matched"][0], want);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..200 {
        let old = if i % 2 == 0 {
            eng.swap(mk("b", "beta"))
        } else {
            eng.swap(mk("a", "alpha"))
        };
        assert_eq!(old.version, if i % 2 == 0 { "a" } else { "b" });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() >= 100);
    }
}
