//! `vigil account ID`: one account's risk with its breakdown, its identity links and its
//! cross-platform identities (pointers in its bio and posts).

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use vigil_model::EntityKind;
use vigil_store::{SqliteStore, Store};

/// Show an account's risk, its breakdown, links and cross-platform identities
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The account's stable id (`twitter:123`)
    pub id: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Cross-platform identities an account points to: explicit pointers in its bio and its posts.
fn pointers(store: &SqliteStore, id: &str) -> Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    let mut texts = Vec::new();
    if let Some(a) = store.account(id)? {
        texts.extend(a.bio);
    }
    for p in store.posts_by_account(id, 200)? {
        texts.push(p.text);
    }
    for t in texts {
        for u in vigil_text::analyze(&t).urls {
            if let Some(p) = u.pointer {
                if out.len() < 64 {
                    out.insert(format!("{:?}:{}", p.platform, p.handle).to_lowercase());
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

pub fn run(a: Args) -> Result<Outcome> {
    if !a.db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", a.db.db.display())).into());
    }
    let store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let Some(account) = store.account(&a.id)? else {
        return Err(crate::UsageError(format!(
            "no account {:?} in the store",
            vigil_model::truncate_for_message(&a.id, 80)
        ))
        .into());
    };
    let risk = store.account_risk(&a.id)?;
    let links = store.identity_links(&a.id)?;
    let ptrs = pointers(&store, &a.id)?;
    let signals = store.signals_for(EntityKind::Account, &a.id)?;
    if a.json {
        let v = serde_json::json!({
            "account": account,
            "risk": risk,
            "links": links,
            "cross_platform_pointers": ptrs,
            "signals": signals,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(Outcome::Clean);
    }
    println!(
        "{}  @{}  {:?}",
        account.id,
        account.handle.as_deref().unwrap_or("-"),
        account.status
    );
    match &risk {
        Some(r) => {
            println!("risk {:.3} ({})", r.risk, r.action);
            if let Some(cs) = r.breakdown["components"].as_array() {
                for c in cs {
                    println!(
                        "  {:<28} {:.3}  {}",
                        c["component"].as_str().unwrap_or("?"),
                        c["weight"].as_f64().unwrap_or(0.0),
                        c["detail"]
                    );
                }
            }
            if r.breakdown["has_context"].as_bool() == Some(true) {
                println!(
                    "  context: risk kept ×{:.3}, never auto-actioned",
                    r.breakdown["context_keep"].as_f64().unwrap_or(1.0)
                );
            }
        }
        None => println!("risk: none recorded (run `vigil identity`)"),
    }
    println!("links:");
    for l in &links {
        let other = if l.account_id == a.id {
            &l.other_id
        } else {
            &l.account_id
        };
        let dir = if l.account_id == a.id { "→" } else { "←" };
        println!("  {dir} {other} {} score {:.3}", l.kind, l.score);
        for f in l.explanation["features"].as_array().into_iter().flatten() {
            println!(
                "      {:<14} {}",
                f["feature"].as_str().unwrap_or("?"),
                f["strength"]
            );
        }
    }
    println!("cross-platform identities:");
    for p in &ptrs {
        println!("  {p}");
    }
    Ok(Outcome::Clean)
}
