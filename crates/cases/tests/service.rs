//! Service-layer tests: cases from signals, claims, decisions and their feedback, automatic
//! policy, audit tamper detection, and evidence export.

use vigil_cases::*;
use vigil_model::{
    Account, Category, Context, EntityKind, Media, MediaKind, Platform, Post, Record, Signal,
};
use vigil_store::cases::CaseStore;
use vigil_store::{Sourced, SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;

fn harm(kind: EntityKind, id: &str, source: &str, w: f32, at: i64) -> Signal {
    Signal {
        entity_kind: kind,
        entity_id: id.into(),
        detector: "rules".into(),
        category: Some(Category::Recruitment),
        context: None,
        weight: w,
        source: source.into(),
        version: "1".into(),
        explanation: serde_json::json!({"matched": ["#AllEyesOnISIS"]}),
        at,
        shadow: false,
    }
}

fn context(kind: EntityKind, id: &str, w: f32, at: i64) -> Signal {
    Signal {
        category: None,
        context: Some(Context::NewsReporting),
        detector: "context".into(),
        source: "rule:context/news".into(),
        weight: w,
        ..harm(kind, id, "x", 0.0, at)
    }
}

/// A small world: accounts 1..=4 on Twitter, each with one post; post 3 replies to post 2;
/// account 4 is a news outlet (context signal).
fn world() -> Service {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut recs = Vec::new();
    for i in 1..=4u64 {
        let mut a = Account::new(Platform::Twitter, &i.to_string());
        a.handle = Some(format!("acct{i}"));
        a.followers = Some(10u64.pow(i as u32));
        recs.push(Record::Account(a));
        let mut p = Post::new(
            Platform::Twitter,
            &format!("10{i}"),
            format!("twitter:{i}"),
            T0 + i as i64 * 1000,
        );
        p.text = format!("placeholder text {i} #AllEyesOnISIS");
        if i == 1 {
            let mut m = Media::new(MediaKind::Photo);
            m.sha256 = Some("ab".repeat(32));
            p.media.push(m);
        }
        if i == 3 {
            p.reply_to = Some("twitter:102".into());
        }
        recs.push(Record::Post(p));
    }
    let batch: Vec<Sourced> = recs
        .into_iter()
        .enumerate()
        .map(|(i, r)| Sourced {
            record: r,
            source: "t".into(),
            line: i as u64,
        })
        .collect();
    s.write_batch(&batch).unwrap();
    let mut svc = Service::new(s, Config::default());
    svc.clock = Clock::manual(T0 + 3_600_000);
    svc
}

fn signals(svc: &mut Service, sigs: &[Signal]) {
    svc.store.write_signals(sigs).unwrap();
}

fn remove(cat: Category) -> DecisionRequest {
    DecisionRequest {
        action: Action::RemovePost,
        category: Some(cat),
        dismissal: None,
        reason: "recruitment call with indicator hashtag".into(),
        strikes: None,
        label: None,
    }
}

#[test]
fn sync_opens_dedups_ignores_shadow_and_context_lowers() {
    let mut svc = world();
    let mut shadow = harm(EntityKind::Post, "twitter:103", "rule:shadow", 0.99, T0);
    shadow.shadow = true;
    signals(
        &mut svc,
        &[
            harm(EntityKind::Post, "twitter:101", "rule:a", 0.8, T0 + 1000),
            harm(EntityKind::Post, "twitter:101", "rule:b", 0.5, T0 + 1000),
            harm(EntityKind::Post, "twitter:104", "rule:a", 0.8, T0 + 4000),
            context(EntityKind::Account, "twitter:4", 0.7, T0),
            shadow,
        ],
    );
    let st = svc.sync().unwrap();
    assert_eq!(st.opened, 1, "{st:?}");
    let open = svc
        .list(&CaseQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(open.len(), 1);
    let c = &open[0];
    assert_eq!(c.entity_id, "twitter:101");
    assert!((c.risk - 0.9).abs() < 1e-6, "1 - 0.2 * 0.5 = {}", c.risk);
    assert_eq!(c.category, Some(Category::Recruitment));
    assert_eq!(c.state, CaseState::Open);
    // The news outlet's post is scored low (0.8 * 0.3 = 0.24, under the threshold).
    assert!(svc
        .store
        .active_case(EntityKind::Post, "twitter:104")
        .unwrap()
        .is_none());
    // Idempotent.
    let again = svc.sync().unwrap();
    assert_eq!((again.opened, again.updated), (0, 0), "{again:?}");
    // A new signal updates the open case instead of opening another.
    signals(
        &mut svc,
        &[harm(
            EntityKind::Post,
            "twitter:101",
            "rule:c",
            0.5,
            T0 + 2000,
        )],
    );
    let st = svc.sync().unwrap();
    assert_eq!((st.opened, st.updated), (0, 1));
    let c2 = svc.case(c.id).unwrap();
    assert_eq!(c2.signal_count, 3);
    assert!(c2.risk > c.risk);
}

#[test]
fn priority_orders_by_reach() {
    let mut svc = world();
    signals(
        &mut svc,
        &[
            harm(EntityKind::Post, "twitter:101", "rule:a", 0.8, T0),
            harm(EntityKind::Post, "twitter:103", "rule:a", 0.8, T0),
        ],
    );
    svc.sync().unwrap();
    let q = svc
        .list(&CaseQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q[0].entity_id, "twitter:103", "1000 followers beat 10");
    // Pagination with a cursor returns the rest.
    let p1 = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    let p2 = svc
        .list(&CaseQuery {
            limit: 1,
            after: Some((p1[0].priority, p1[0].id)),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p2[0].entity_id, "twitter:101");
}

#[test]
fn claims_are_exclusive_and_expire() {
    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:101", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    svc.claim(id, "alice").unwrap();
    assert!(matches!(svc.claim(id, "bob"), Err(CaseError::Claimed { by, .. }) if by == "alice"));
    assert!(matches!(
        svc.decide(id, &remove(Category::Recruitment), "bob"),
        Err(CaseError::Claimed { .. })
    ));
    svc.claim(id, "alice").unwrap(); // renew
    svc.clock.advance(svc.config.claim_ttl_ms + 1);
    let c = svc.claim(id, "bob").unwrap();
    assert_eq!(c.claimed_by.as_deref(), Some("bob"));
    assert!(svc.release(id, "alice").is_err());
    assert_eq!(svc.release(id, "bob").unwrap().state, CaseState::Open);
}

#[test]
fn removal_writes_feedback_evidence_outbox_and_audit_at_once() {
    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:101", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    svc.claim(id, "alice").unwrap();
    let p = svc.preview(id, &remove(Category::Recruitment)).unwrap();
    assert_eq!(p.targets.len(), 1);
    assert_eq!(p.accounts, vec!["twitter:1".to_string()]);
    svc.decide(id, &remove(Category::Recruitment), "alice")
        .unwrap();
    assert_eq!(svc.case(id).unwrap().state, CaseState::Decided);
    assert!(matches!(
        svc.decide(id, &remove(Category::Recruitment), "alice"),
        Err(CaseError::AlreadyDecided(_))
    ));
    assert_eq!(svc.store.strikes_for("twitter:1").unwrap(), 1);
    assert_eq!(
        svc.store
            .labels_for(EntityKind::Post, "twitter:101")
            .unwrap(),
        vec![("violating".to_string(), Some(Category::Recruitment))]
    );
    let mut bank = VecBank::default();
    assert_eq!(
        drain_bank(&mut svc, &mut bank).unwrap(),
        2,
        "one image and one text"
    );
    assert_eq!(bank.0[0].sha256, "ab".repeat(32));
    assert_eq!(drain_bank(&mut svc, &mut bank).unwrap(), 0);
    let ev = svc.store.evidence_for_case(id).unwrap();
    let kinds: Vec<&str> = ev.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["post", "media", "account"]);
    let due = svc.due_deliveries(10).unwrap();
    assert_eq!(due.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
    assert_eq!(body["action"], "remove_post");
    assert_eq!(body["idempotency_key"], due[0].idempotency_key.as_str());
    let r = svc.verify_audit(None).unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.entries, 2, "the decision and the bank change");
    // A newer signal after the decision opens a fresh case; an older one does not.
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:101", "rule:z", 0.9, T0 - 5)],
    );
    assert_eq!(svc.sync().unwrap().opened, 0);
    signals(
        &mut svc,
        &[harm(
            EntityKind::Post,
            "twitter:101",
            "rule:y",
            0.9,
            T0 + 99_000,
        )],
    );
    assert_eq!(svc.sync().unwrap().opened, 1);
}

#[test]
fn thread_context_is_preserved_and_suspension_seeds() {
    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:103", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let mut req = remove(Category::Recruitment);
    req.action = Action::SuspendAccount;
    req.strikes = Some(3);
    svc.decide(id, &req, "alice").unwrap();
    assert!(svc.store.is_seed("twitter:3").unwrap());
    assert_eq!(svc.store.strikes_for("twitter:3").unwrap(), 3);
    let kinds: Vec<String> = svc
        .store
        .evidence_for_case(id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["account", "posts"]);

    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:103", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    svc.decide(id, &remove(Category::Recruitment), "alice")
        .unwrap();
    let ev = svc.store.evidence_for_case(id).unwrap();
    assert!(
        ev.iter()
            .any(|e| e.kind == "thread" && e.ref_id == "twitter:102"),
        "{ev:?}"
    );
}

#[test]
fn decisions_reject_bad_requests() {
    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Account, "twitter:2", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let bad = [
        DecisionRequest {
            category: None,
            ..remove(Category::Recruitment)
        },
        DecisionRequest {
            reason: "  ".into(),
            ..remove(Category::Recruitment)
        },
        remove(Category::Recruitment), // remove_post on an account case
        DecisionRequest {
            action: Action::Dismiss,
            dismissal: None,
            ..remove(Category::Recruitment)
        },
        DecisionRequest {
            strikes: Some(11),
            action: Action::SuspendAccount,
            ..remove(Category::Recruitment)
        },
        DecisionRequest {
            action: Action::BulkSuspendAccounts,
            ..remove(Category::Recruitment)
        },
    ];
    for b in bad {
        assert!(
            matches!(svc.decide(id, &b, "alice"), Err(CaseError::Invalid(_))),
            "{b:?}"
        );
    }
    assert!(matches!(
        svc.decide(999, &remove(Category::Recruitment), "a"),
        Err(CaseError::NotFound(999))
    ));
    // Dismissal is a label too, and can be appealed.
    let d = DecisionRequest {
        action: Action::Dismiss,
        dismissal: Some(Dismissal::Research),
        category: None,
        ..remove(Category::Recruitment)
    };
    svc.decide(id, &d, "alice").unwrap();
    assert_eq!(
        svc.store
            .labels_for(EntityKind::Account, "twitter:2")
            .unwrap()[0]
            .0,
        "benign:research"
    );
    assert_eq!(
        svc.appeal(id, "bob", "user appeal").unwrap().state,
        CaseState::Appealed
    );
    assert!(svc.appeal(id, "bob", "again").is_err());
    svc.claim(id, "carol").unwrap();
}

#[test]
fn bulk_action_previews_and_spares_context_members() {
    let mut svc = world();
    let mut cl = harm(EntityKind::Cluster, "cluster:7", "coord:1", 0.9, T0);
    cl.category = Some(Category::CoordinatedAmplification);
    cl.explanation = serde_json::json!({"accounts": ["twitter:1", "twitter:2", "twitter:4"]});
    signals(
        &mut svc,
        &[cl, context(EntityKind::Account, "twitter:4", 0.8, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let req = DecisionRequest {
        action: Action::BulkSuspendAccounts,
        ..remove(Category::CoordinatedAmplification)
    };
    let p = svc.preview(id, &req).unwrap();
    let ids: Vec<&str> = p.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["twitter:1", "twitter:2"]);
    assert_eq!(p.excluded.len(), 1);
    assert_eq!(p.excluded[0].id, "twitter:4");
    // Preview wrote nothing.
    assert!(svc.due_deliveries(10).unwrap().is_empty());
    svc.decide(id, &req, "alice").unwrap();
    assert_eq!(svc.due_deliveries(10).unwrap().len(), 2);
    assert!(svc.store.is_seed("twitter:2").unwrap());
    assert!(!svc.store.is_seed("twitter:4").unwrap());
}

#[test]
fn automatic_policy_is_off_by_default_dry_runs_and_never_touches_context() {
    let mut svc = world();
    let mut news_post = harm(EntityKind::Post, "twitter:102", "rule:a", 0.99, T0);
    news_post.weight = 0.99;
    signals(
        &mut svc,
        &[
            harm(EntityKind::Post, "twitter:101", "rule:a", 0.99, T0),
            news_post,
            context(EntityKind::Post, "twitter:102", 0.01, T0),
        ],
    );
    svc.sync().unwrap();
    let policy: AutoPolicy = serde_json::from_value(serde_json::json!({
        "name": "p1", "threshold": 0.95, "categories": ["recruitment"]
    }))
    .unwrap();
    assert!(
        !policy.enabled && policy.dry_run,
        "off and dry-run by default"
    );
    assert_eq!(
        svc.run_policy(&policy).unwrap(),
        PolicyReport {
            considered: 0,
            ..Default::default()
        }
    );
    let dry = AutoPolicy {
        enabled: true,
        ..policy.clone()
    };
    let r = svc.run_policy(&dry).unwrap();
    assert_eq!(
        (r.would_act, r.acted, r.skipped_context),
        (1, 0, 1),
        "{r:?}"
    );
    assert!(
        svc.due_deliveries(10).unwrap().is_empty(),
        "a dry run acts on nothing"
    );
    assert_eq!(svc.store.policy_runs(10).unwrap().len(), 1);
    let live = AutoPolicy {
        dry_run: false,
        ..dry
    };
    let r = svc.run_policy(&live).unwrap();
    assert_eq!((r.acted, r.skipped_context), (1, 1));
    let c = svc
        .store
        .active_case(EntityKind::Post, "twitter:102")
        .unwrap()
        .unwrap();
    assert_eq!(
        c.state,
        CaseState::Open,
        "the context post is left for a person"
    );
    assert!(svc
        .store
        .active_case(EntityKind::Post, "twitter:101")
        .unwrap()
        .is_none());
}

fn chain(n: usize) -> Service {
    let mut svc = world();
    for i in 0..n {
        svc.audit(
            "alice",
            "rule_change",
            &format!("rule:{i}"),
            "tuning",
            serde_json::json!({"i": i}),
        )
        .unwrap();
    }
    assert!(svc.verify_audit(None).unwrap().ok);
    svc
}

#[test]
fn audit_detects_alteration() {
    let svc = chain(10);
    svc.store
        .tamper_for_tests("UPDATE audit SET reason = 'nothing to see' WHERE seq = 4")
        .unwrap();
    let r = svc.verify_audit(None).unwrap();
    assert_eq!(r.problems, vec![AuditProblem::Altered { seq: 4 }]);
    assert_eq!(r.problems[0].to_string(), "entry 4 was altered");
}

#[test]
fn audit_detects_removal() {
    let svc = chain(10);
    svc.store
        .tamper_for_tests("DELETE FROM audit WHERE seq IN (5, 6)")
        .unwrap();
    let r = svc.verify_audit(None).unwrap();
    assert_eq!(r.problems, vec![AuditProblem::Removed { from: 5, to: 6 }]);
    let svc = chain(10);
    svc.store
        .tamper_for_tests("DELETE FROM audit WHERE seq = 10")
        .unwrap();
    let r = svc.verify_audit(None).unwrap();
    assert_eq!(
        r.problems,
        vec![AuditProblem::TailRemoved { last: 9, head: 10 }]
    );
}

#[test]
fn audit_detects_reordering() {
    let svc = chain(10);
    // Swap entries 3 and 7 by renumbering them.
    svc.store
        .tamper_for_tests("UPDATE audit SET seq = -3 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = -3;")
        .unwrap();
    let r = svc.verify_audit(None).unwrap();
    assert_eq!(
        r.problems,
        vec![
            AuditProblem::Reordered { seq: 3, was: 7 },
            AuditProblem::Reordered { seq: 7, was: 3 }
        ]
    );
}

#[test]
fn audit_detects_a_rewritten_chain_against_an_anchor_and_a_forged_insert() {
    let svc = chain(5);
    let head = svc.verify_audit(None).unwrap().head.unwrap().1;
    assert!(svc.verify_audit(Some(&head)).unwrap().ok);
    assert!(!svc.verify_audit(Some(&"f".repeat(64))).unwrap().ok);
    // A forged entry appended with a self-consistent hash but no link to the chain.
    let fake_hash = vigil_store::cases::audit_hash(&"0".repeat(64), 6, 1, "x", "y", "z", "w", "{}");
    svc.store
        .tamper_for_tests(&format!(
            "INSERT INTO audit VALUES (6, 1, 'x', 'y', 'z', 'w', '{{}}', '{}', '{fake_hash}')",
            "0".repeat(64)
        ))
        .unwrap();
    let r = svc.verify_audit(None).unwrap();
    assert!(
        r.problems.contains(&AuditProblem::BrokenLink { seq: 6 }),
        "{r:?}"
    );
}

#[test]
fn evidence_exports_with_a_manifest_and_expires() {
    let mut svc = world();
    signals(
        &mut svc,
        &[harm(EntityKind::Post, "twitter:101", "rule:a", 0.9, T0)],
    );
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    svc.decide(id, &remove(Category::Recruitment), "alice")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pkg");
    let m = export_evidence(&mut svc, id, &out, "admin").unwrap();
    assert_eq!(m.files.len(), 4);
    for f in &m.files {
        let bytes = std::fs::read(out.join(&f.path)).unwrap();
        assert_eq!(
            vigil_store::cases::sha256_hex(&bytes),
            f.sha256,
            "{}",
            f.path
        );
    }
    let mj = std::fs::read(out.join("manifest.json")).unwrap();
    let sum = std::fs::read_to_string(out.join("manifest.json.sha256")).unwrap();
    assert!(sum.starts_with(&vigil_store::cases::sha256_hex(&mj)));
    assert!(
        export_evidence(&mut svc, id, &out, "admin").is_err(),
        "never overwrites"
    );
    // Retention: six months by default.
    let ev = svc.store.evidence_for_case(id).unwrap();
    assert_eq!(ev[0].expires_at - ev[0].preserved_at, DEFAULT_RETENTION_MS);
    svc.clock.advance(DEFAULT_RETENTION_MS - 1);
    assert_eq!(svc.purge_evidence().unwrap(), 0);
    svc.clock.advance(2);
    assert_eq!(svc.purge_evidence().unwrap(), 3);
    let actions: Vec<String> = svc
        .store
        .audit_page(0, 100)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["decision", "export", "evidence_purge"]);
    assert!(svc.verify_audit(None).unwrap().ok);
}

#[test]
fn tokens_are_stored_hashed() {
    let mut svc = world();
    let t = svc.add_user("alice", Role::Moderator, "admin").unwrap();
    assert!(t.starts_with("vgl_") && t.len() == 68);
    assert_eq!(svc.authenticate(&t).unwrap().unwrap().role, Role::Moderator);
    assert!(svc.authenticate("vgl_nope").unwrap().is_none());
    assert!(matches!(
        svc.add_user("alice", Role::Admin, "admin"),
        Err(CaseError::UserExists(_))
    ));
    assert!(matches!(
        svc.add_user("a b", Role::Admin, "admin"),
        Err(CaseError::Invalid(_))
    ));
    assert!(svc.login(&t).unwrap().is_some());
    let actions: Vec<String> = svc
        .store
        .audit_page(0, 10)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["user_add", "login"]);
}

/// Regression (found by the API benchmark): decisions failed with "database is locked" while
/// another connection wrote, because a deferred transaction that reads first cannot upgrade
/// after someone else commits. Write transactions are IMMEDIATE now and wait instead.
#[test]
fn decisions_succeed_while_another_connection_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let mut s = SqliteStore::open(&db).unwrap();
    let mut recs = Vec::new();
    let mut sigs = Vec::new();
    for i in 0..150u64 {
        recs.push(Record::Account(Account::new(
            Platform::Twitter,
            &i.to_string(),
        )));
        let p = Post::new(
            Platform::Twitter,
            &format!("9{i}"),
            format!("twitter:{i}"),
            T0 + i as i64,
        );
        recs.push(Record::Post(p));
        sigs.push(harm(
            EntityKind::Post,
            &format!("twitter:9{i}"),
            "rule:a",
            0.9,
            T0 + i as i64,
        ));
    }
    let b: Vec<Sourced> = recs
        .into_iter()
        .map(|r| Sourced {
            record: r,
            source: "t".into(),
            line: 0,
        })
        .collect();
    s.write_batch(&b).unwrap();
    s.write_signals(&sigs).unwrap();
    let mut svc = Service::new(s, Config::default());
    svc.sync().unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let db2 = db.clone();
    let writer = std::thread::spawn(move || {
        let mut w = SqliteStore::open(&db2).unwrap();
        let mut n = 0u64;
        while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            let batch: Vec<Sourced> = (0..200)
                .map(|k| {
                    let p = Post::new(
                        Platform::Twitter,
                        &format!("7{n}{k}"),
                        "twitter:1".into(),
                        T0,
                    );
                    Sourced {
                        record: Record::Post(p),
                        source: "w".into(),
                        line: 0,
                    }
                })
                .collect();
            w.write_batch(&batch).unwrap();
            n += 1;
        }
    });
    for c in svc
        .list(&CaseQuery {
            limit: 200,
            ..Default::default()
        })
        .unwrap()
    {
        svc.claim(c.id, "alice").unwrap();
        svc.decide(c.id, &remove(Category::Recruitment), "alice")
            .unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.join().unwrap();
    assert!(svc.verify_audit(None).unwrap().ok);
}

#[test]
fn bulk_suspension_reaches_every_member_of_a_network_not_only_the_signals_sample() {
    let mut svc = world();
    // The cluster's signal names a bounded sample (two accounts); the cluster table holds all.
    let mut cl = harm(EntityKind::Cluster, "cluster:9", "coord:1", 0.9, T0);
    cl.category = Some(Category::CoordinatedAmplification);
    cl.explanation = serde_json::json!({
        "accounts": ["twitter:1", "twitter:2"], "accounts_total": 5, "members_truncated": true
    });
    signals(&mut svc, &[cl]);
    svc.store
        .write_clusters(
            &[vigil_store::ClusterRecord {
                id: "cluster:9".into(),
                score: 0.9,
                reported: true,
                at: T0,
                explanation: serde_json::json!({}),
                members: (1..=5).map(|i| format!("twitter:{i}")).collect(),
            }],
            Some(&[]),
        )
        .unwrap();
    svc.sync().unwrap();
    let id = svc
        .list(&CaseQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let req = DecisionRequest {
        action: Action::BulkSuspendAccounts,
        ..remove(Category::CoordinatedAmplification)
    };
    let p = svc.preview(id, &req).unwrap();
    let ids: Vec<&str> = p.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "twitter:1",
            "twitter:2",
            "twitter:3",
            "twitter:4",
            "twitter:5"
        ]
    );
}
