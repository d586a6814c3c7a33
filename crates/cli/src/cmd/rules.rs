//! `vigil rules check|test|backtest`: validate a pack, run its examples, replay stored history through it.

use crate::{DbArgs, Outcome, UsageError};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_rules::{Baseline, RulesError};
use vigil_store::SqliteStore;

/// Work with analyst rule packs
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Validate a pack: exit 0 when it compiles, 1 with `file:line:col: reason` lines when not
    Check {
        /// Pack file (TOML)
        pack: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Run every rule's must_match / must_not_match examples: exit 0 when all hold
    Test {
        /// Pack file (TOML)
        pack: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Load a pack and keep it in force, printing one line per reload (swapped or rejected)
    /// as the file changes; runs until interrupted
    Watch {
        /// Pack file (TOML)
        pack: PathBuf,
        /// Poll interval in milliseconds
        #[arg(long, default_value_t = 500)]
        interval_ms: u64,
        /// Print JSON lines
        #[arg(long)]
        json: bool,
    },
    /// Replay stored posts through a pack and report per rule the hits it would have had,
    /// compared with the pack in force (`--baseline PACK`, else the rule signals in the store)
    Backtest {
        /// Pack file (TOML)
        pack: PathBuf,
        /// The pack in force to compare with; without it, the signals the store holds from
        /// the pack with the same name
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Report the candidate's hits alone
        #[arg(long, conflicts_with = "baseline")]
        no_baseline: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// A pack that failed validation: exit 1 with its diagnostics (already printed).
fn invalid(e: RulesError, json: bool) -> Result<Outcome> {
    if json {
        println!(
            "{}",
            serde_json::json!({"ok": false, "errors": e.diagnostics()})
        );
    } else {
        eprintln!("{e}");
    }
    Err(anyhow::anyhow!("pack rejected"))
}

pub fn run(a: Args) -> Result<Outcome> {
    match a.command {
        Sub::Check { pack, json } => match vigil_rules::load_file(&pack) {
            Ok(p) => {
                let live = p
                    .rules
                    .iter()
                    .filter(|r| r.state == vigil_rules::RuleState::Live)
                    .count();
                let shadow = p
                    .rules
                    .iter()
                    .filter(|r| r.state == vigil_rules::RuleState::Shadow)
                    .count();
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"ok": true, "pack": p.name, "version": p.version,
                            "rules": p.rules.len(), "live": live, "shadow": shadow,
                            "disabled": p.rules.len() - live - shadow,
                            "atoms": p.atom_count(), "unanchored_rules": p.unanchored_rules()})
                    );
                } else {
                    println!(
                        "{}: ok: pack {} {}, {} rules ({live} live, {shadow} shadow), {} distinct patterns",
                        pack.display(),
                        p.name,
                        p.version,
                        p.rules.len(),
                        p.atom_count()
                    );
                }
                Ok(Outcome::Clean)
            }
            Err(e) => invalid(e, json),
        },
        Sub::Test { pack, json } => {
            let p = match vigil_rules::load_file(&pack) {
                Ok(p) => p,
                Err(e) => return invalid(e, json),
            };
            let res = vigil_rules::run_examples(&p);
            let failed = res.iter().filter(|r| !r.ok).count();
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": failed == 0, "examples": res.len(), "failed": failed, "results": res})
                );
            } else {
                for r in res.iter().filter(|r| !r.ok) {
                    println!(
                        "{}:{}:{}: rule {} {} {:?}: {}",
                        r.file,
                        r.line,
                        r.col,
                        r.rule,
                        r.expect,
                        r.text,
                        if r.matched {
                            "matched"
                        } else {
                            "did not match"
                        }
                    );
                }
                println!("{} examples, {} failed", res.len(), failed);
            }
            if failed > 0 {
                return Err(anyhow::anyhow!("{failed} examples failed"));
            }
            Ok(Outcome::Clean)
        }
        Sub::Watch {
            pack,
            interval_ms,
            json,
        } => {
            let eng = match vigil_rules::RulesEngine::open(&pack) {
                Ok(e) => std::sync::Arc::new(e),
                Err(e) => return invalid(e, json),
            };
            let cur = eng.current();
            let say = move |line: serde_json::Value, text: String| {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = if json {
                    writeln!(out, "{line}")
                } else {
                    writeln!(out, "{text}")
                };
                let _ = out.flush();
            };
            say(
                serde_json::json!({"event": "loaded", "pack": cur.name, "version": cur.version}),
                format!("loaded pack {} {}", cur.name, cur.version),
            );
            let _watcher = eng.watch(
                std::time::Duration::from_millis(interval_ms.clamp(10, 60_000)),
                move |ev| match ev {
                    vigil_rules::ReloadEvent::Swapped { name, version } => say(
                        serde_json::json!({"event": "swapped", "pack": name, "version": version}),
                        format!("swapped in pack {name} {version}"),
                    ),
                    vigil_rules::ReloadEvent::Rejected(e) => say(
                        serde_json::json!({"event": "rejected", "errors": e.diagnostics()}),
                        format!("rejected (the previous pack stays in force):\n{e}"),
                    ),
                },
            );
            loop {
                std::thread::park();
            }
        }
        Sub::Backtest {
            pack,
            baseline,
            no_baseline,
            db,
            json,
        } => {
            let p = match vigil_rules::load_file(&pack) {
                Ok(p) => p,
                Err(e) => return invalid(e, json),
            };
            let base = match &baseline {
                Some(b) => match vigil_rules::load_file(b) {
                    Ok(b) => Some(b),
                    Err(e) => return invalid(e, json),
                },
                None => None,
            };
            if !db.db.exists() {
                return Err(UsageError(format!(
                    "no database at {} (run `vigil ingest` first, or pass --db)",
                    db.db.display()
                ))
                .into());
            }
            let store = SqliteStore::open(&db.db)
                .with_context(|| format!("opening {}", db.db.display()))?;
            let b = match (&base, no_baseline) {
                (Some(b), _) => Baseline::Pack(b),
                (None, true) => Baseline::None,
                (None, false) => Baseline::Stored,
            };
            let rep = vigil_rules::backtest(&store, &p, b).context("backtest")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rep)?);
            } else {
                println!(
                    "pack {} {} over {} posts, baseline: {}",
                    rep.pack, rep.version, rep.posts, rep.baseline
                );
                println!(
                    "{:<32} {:<9} {:>9} {:>9} {:>9} {:>9}",
                    "rule", "state", "hits", "baseline", "new", "lost"
                );
                for r in &rep.rules {
                    let bh = r
                        .baseline_hits
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "-".into());
                    println!(
                        "{:<32} {:<9} {:>9} {:>9} {:>9} {:>9}",
                        r.id, r.state, r.hits, bh, r.new, r.lost
                    );
                }
            }
            Ok(Outcome::Clean)
        }
    }
}
