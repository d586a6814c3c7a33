//! Verifying the hash-chained audit log: every entry's hash is recomputed and every link
//! checked, and each problem is named (altered, removed, reordered, broken link, cut tail).

use crate::CaseError;
use serde::Serialize;
use vigil_store::cases::{audit_hash, AuditRow, CaseStore, AUDIT_GENESIS};

/// One thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AuditProblem {
    /// The entry's content no longer matches its hash.
    Altered { seq: i64 },
    /// Entries `from..=to` are missing.
    Removed { from: i64, to: i64 },
    /// The entry at `seq` was written as entry `was`.
    Reordered { seq: i64, was: i64 },
    /// The entry hashes correctly but does not name its predecessor: inserted or forged.
    BrokenLink { seq: i64 },
    /// The chain ends before its recorded head: the last entries were removed.
    TailRemoved { last: i64, head: i64 },
    /// The recorded head, or the head the caller expected, does not match the chain.
    HeadMismatch { seq: i64 },
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditProblem::Altered { seq } => write!(f, "entry {seq} was altered"),
            AuditProblem::Removed { from, to } if from == to => {
                write!(f, "entry {from} was removed")
            }
            AuditProblem::Removed { from, to } => write!(f, "entries {from} to {to} were removed"),
            AuditProblem::Reordered { seq, was } => {
                write!(
                    f,
                    "entry {seq} holds what was written as entry {was} (reordered)"
                )
            }
            AuditProblem::BrokenLink { seq } => write!(
                f,
                "entry {seq} does not follow its predecessor (inserted or rewritten)"
            ),
            AuditProblem::TailRemoved { last, head } => write!(
                f,
                "entries after {last} were removed (the head records {head})"
            ),
            AuditProblem::HeadMismatch { seq } => {
                write!(f, "the chain head at entry {seq} does not match")
            }
        }
    }
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: u64,
    pub ok: bool,
    /// The first problems found (at most 1000).
    pub problems: Vec<AuditProblem>,
    /// The last entry's hash: publish it elsewhere to anchor the chain.
    pub head: Option<(i64, String)>,
}

const MAX_PROBLEMS: usize = 1000;
/// How far away a moved entry is looked for.
const REORDER_WINDOW: i64 = 64;

fn recompute(r: &AuditRow, seq: i64) -> String {
    audit_hash(
        &r.prev_hash,
        seq,
        r.at,
        &r.actor,
        &r.action,
        &r.target,
        &r.reason,
        &r.detail,
    )
}

/// Check every entry. `expect_head` is a head hash published earlier (an external anchor):
/// it catches a chain rewritten wholesale, which no internal check can.
pub fn verify_audit<S: CaseStore>(
    store: &S,
    expect_head: Option<&str>,
) -> Result<AuditReport, CaseError> {
    let mut problems = Vec::new();
    let push = |p: AuditProblem, problems: &mut Vec<AuditProblem>| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };
    let mut prev_hash = AUDIT_GENESIS.to_string();
    let mut prev_seq = 0i64;
    let mut n = 0u64;
    let mut anchor_seen = expect_head.is_none();
    // After a moved entry, the next one's link points at the entry that used to be there.
    let mut after_move = false;
    store.for_each_audit(&mut |r| {
        n += 1;
        let mut flagged = false;
        let mut moved = false;
        if r.seq > prev_seq + 1 {
            push(
                AuditProblem::Removed {
                    from: prev_seq + 1,
                    to: r.seq - 1,
                },
                &mut problems,
            );
            flagged = true;
        }
        if recompute(&r, r.seq) != r.hash {
            let was = (1.max(r.seq - REORDER_WINDOW)..=r.seq + REORDER_WINDOW)
                .find(|&s| s != r.seq && recompute(&r, s) == r.hash);
            match was {
                Some(was) => {
                    moved = true;
                    push(AuditProblem::Reordered { seq: r.seq, was }, &mut problems)
                }
                None => push(AuditProblem::Altered { seq: r.seq }, &mut problems),
            }
            flagged = true;
        }
        if !flagged && !after_move && r.prev_hash != prev_hash {
            push(AuditProblem::BrokenLink { seq: r.seq }, &mut problems);
        }
        if expect_head == Some(r.hash.as_str()) {
            anchor_seen = true;
        }
        after_move = moved;
        prev_hash = r.hash;
        prev_seq = r.seq;
        true
    })?;
    let head = store.audit_head()?;
    match &head {
        Some((hs, hh)) => {
            if prev_seq < *hs {
                push(
                    AuditProblem::TailRemoved {
                        last: prev_seq,
                        head: *hs,
                    },
                    &mut problems,
                );
            } else if prev_seq > *hs || *hh != prev_hash {
                push(AuditProblem::HeadMismatch { seq: prev_seq }, &mut problems);
            }
        }
        None if n > 0 => push(AuditProblem::HeadMismatch { seq: prev_seq }, &mut problems),
        None => {}
    }
    if !anchor_seen {
        push(AuditProblem::HeadMismatch { seq: prev_seq }, &mut problems);
    }
    Ok(AuditReport {
        entries: n,
        ok: problems.is_empty(),
        problems,
        head: (n > 0).then_some((prev_seq, prev_hash)),
    })
}
