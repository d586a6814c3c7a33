//! An account's avatar PDQ survives the store (migration 0013), so replays compare avatars as
//! the live engine does; a sparse re-send keeps it, a new picture replaces it.

use vigil_model::{Account, Platform, Record};
use vigil_store::{Sourced, SqliteStore, Store};

const PDQ: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0fedcba98765432100123456789abcdef";

fn write(s: &mut SqliteStore, a: Account) {
    s.write_batch(&[Sourced {
        record: Record::Account(a),
        source: "t".into(),
        line: 0,
    }])
    .unwrap();
}

#[test]
fn avatar_pdq_is_stored_and_read_back() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut a = Account::new(Platform::Twitter, "1");
    a.avatar_url = Some("https://pbs.example/a.jpg".into());
    a.avatar_pdq = Some(PDQ.into());
    write(&mut s, a.clone());
    assert_eq!(
        s.account("twitter:1")
            .unwrap()
            .unwrap()
            .avatar_pdq
            .as_deref(),
        Some(PDQ)
    );
    // A sparse record (no picture) and a re-send of the same URL without a hash keep it.
    let mut sparse = Account::new(Platform::Twitter, "1");
    sparse.display_name = Some("Sample".into());
    write(&mut s, sparse);
    let mut same = a.clone();
    same.avatar_pdq = None;
    same.bio = Some("changed".into());
    write(&mut s, same);
    let mut all = Vec::new();
    s.for_each_account(&mut |a| {
        all.push(a);
        true
    })
    .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].avatar_pdq.as_deref(), Some(PDQ));
    // A new picture without a hash drops the old picture's hash.
    let mut changed = a;
    changed.avatar_url = Some("https://pbs.example/b.jpg".into());
    changed.avatar_pdq = None;
    write(&mut s, changed);
    assert_eq!(s.account("twitter:1").unwrap().unwrap().avatar_pdq, None);
}
