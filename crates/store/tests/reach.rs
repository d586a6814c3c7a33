//! The narrow reads case scoring uses (`account_velocity`, `post_author`,
//! `account_followers`) answer exactly what the general reads they replace would.

use vigil_model::{Account, Platform, Post, Record};
use vigil_store::{Sourced, SqliteStore, Store};

const T0: i64 = 1_700_000_000_000;

fn store() -> SqliteStore {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut recs = Vec::new();
    for a in 0..6u64 {
        let mut acct = Account::new(Platform::Twitter, &a.to_string());
        acct.followers = (a % 2 == 0).then_some(a * 100);
        recs.push(Record::Account(acct));
        // Account a posts 40 * a times, some at the same millisecond.
        for i in 0..40 * a {
            let p = Post::new(
                Platform::Twitter,
                &format!("{a}-{i}"),
                format!("twitter:{a}"),
                T0 + (i as i64 / 3) * 60_000,
            );
            recs.push(Record::Post(p));
        }
    }
    let batch: Vec<Sourced> = recs
        .into_iter()
        .enumerate()
        .map(|(i, record)| Sourced {
            record,
            source: "t".into(),
            line: i as u64,
        })
        .collect();
    s.write_batch(&batch).unwrap();
    s
}

#[test]
fn velocity_counts_the_same_posts_as_posts_by_account() {
    let s = store();
    for a in 0..7u64 {
        let id = format!("twitter:{a}");
        for newest in [0usize, 1, 5, 37, 500] {
            for (since, until) in [
                (i64::MIN, i64::MAX),
                (T0, T0),
                (T0 + 120_000, T0 + 900_000),
                (T0 + 3_000_000, T0 + 6_000_000),
                (T0 + 10, T0 - 10),
            ] {
                let want = s
                    .posts_by_account(&id, newest)
                    .unwrap()
                    .iter()
                    .filter(|p| p.created_at >= since && p.created_at <= until)
                    .count() as u64;
                let got = s.account_velocity(&id, since, until, newest).unwrap();
                assert_eq!(got, want, "{id} newest {newest} [{since}, {until}]");
            }
        }
    }
}

#[test]
fn author_and_followers_match_the_full_reads() {
    let s = store();
    for id in ["twitter:3-0", "twitter:5-17", "twitter:9-9"] {
        assert_eq!(
            s.post_author(id).unwrap(),
            s.post(id).unwrap().map(|p| p.account_id)
        );
    }
    for a in 0..8 {
        let id = format!("twitter:{a}");
        assert_eq!(
            s.account_followers(&id).unwrap(),
            s.account(&id).unwrap().and_then(|a| a.followers)
        );
    }
}

#[test]
fn post_times_are_the_newest_posts_times_newest_first() {
    let s = store();
    for a in 0..7u64 {
        let id = format!("twitter:{a}");
        for newest in [0usize, 1, 5, 37, 500] {
            let want: Vec<i64> = s
                .posts_by_account(&id, newest)
                .unwrap()
                .iter()
                .map(|p| p.created_at)
                .collect();
            assert_eq!(
                s.account_post_times(&id, newest).unwrap(),
                want,
                "{id} {newest}"
            );
        }
    }
}
