//! `vigil bank create|import|export|list|add|disable`: manage persisted hash banks; every
//! change lands in the bank's own log and in the hash-chained audit log.

use crate::{DbArgs, Outcome, UsageError};
use anyhow::{Context, Result};
use std::path::PathBuf;
use vigil_hash::banks::{
    self, Actor, Bank, HashAlgorithm, ItemDraft, Labels, ParseLimits, Severity,
};
use vigil_store::banks::BankStore;
use vigil_store::SqliteStore;

/// Manage hash banks
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create an empty bank
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        common: Common,
    },
    /// Import a hash list (TCAP JSON, ThreatExchange/HMA-style CSV, vigil NDJSON)
    Import {
        name: String,
        file: PathBuf,
        /// tcap, csv or ndjson (default: from the file name)
        #[arg(long)]
        format: Option<String>,
        /// Create the bank if it does not exist
        #[arg(long)]
        create: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Export a bank's items to stdout (or --out)
    Export {
        name: String,
        /// tcap, csv or ndjson
        #[arg(long, default_value = "ndjson")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List banks with their item counts
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Add one hash (or the hashes of a local file with --file)
    Add {
        name: String,
        /// The digest (with --algorithm)
        digest: Option<String>,
        /// pdq, md5, sha256 or tmk
        #[arg(long, default_value = "pdq")]
        algorithm: String,
        /// Hash this local file instead: adds its PDQ and SHA-256
        #[arg(long, conflicts_with = "digest")]
        file: Option<PathBuf>,
        /// Harm category (TAXONOMY.md), e.g. terrorist_propaganda
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        ideology: Option<String>,
        #[arg(long)]
        group: Option<String>,
        /// low, medium, high or critical
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        provenance: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Disable an item (or enable it again with --enable)
    Disable {
        name: String,
        item: u64,
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// Who makes the change (recorded in the audit logs)
    #[arg(long, env = "VIGIL_ACTOR", default_value = "cli")]
    pub actor: String,
    /// Why (recorded in the audit logs)
    #[arg(long)]
    pub reason: Option<String>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Record a bank change in the hash-chained audit log (through the service layer).
pub fn audit(
    store: &mut SqliteStore,
    actor: &str,
    bank: &str,
    reason: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let owned = std::mem::replace(store, SqliteStore::open_in_memory()?);
    let mut svc = vigil_cases::Service::new(owned, vigil_cases::Config::default());
    let r = svc.audit(
        actor,
        "bank_change",
        &format!("bank:{bank}"),
        reason,
        detail,
    );
    *store = svc.store;
    r?;
    Ok(())
}

fn open(db: &DbArgs) -> Result<SqliteStore> {
    SqliteStore::open(&db.db).with_context(|| format!("opening database {}", db.db.display()))
}

fn load(store: &SqliteStore, name: &str) -> Result<Bank> {
    vigil_banks::load(store, name)?
        .ok_or_else(|| UsageError(format!("no bank named {name} (see `vigil bank list`)")).into())
}

fn format_of(format: Option<&str>, file: &std::path::Path) -> Result<&'static str> {
    let f = match format {
        Some(f) => f.to_ascii_lowercase(),
        None => {
            let n = file.to_string_lossy().to_ascii_lowercase();
            if n.ends_with(".csv") {
                "csv".into()
            } else if n.ends_with(".ndjson") || n.ends_with(".jsonl") {
                "ndjson".into()
            } else {
                "tcap".into()
            }
        }
    };
    match f.as_str() {
        "tcap" | "json" => Ok("tcap"),
        "csv" => Ok("csv"),
        "ndjson" | "jsonl" => Ok("ndjson"),
        other => Err(UsageError(format!(
            "unknown hash-list format {other} (tcap, csv, ndjson)"
        ))
        .into()),
    }
}

pub fn run(c: Command) -> Result<Outcome> {
    let at = vigil_model::format_rfc3339_ms(now_ms());
    match c {
        Command::Create {
            name,
            description,
            common,
        } => {
            let mut store = open(&common.db)?;
            if store.bank_get(&name)?.is_some() {
                return Err(UsageError(format!("bank {name} already exists")).into());
            }
            let by = Actor {
                name: &common.actor,
                at: &at,
            };
            let b = Bank::new(&name, &description, &by).map_err(|e| UsageError(e.to_string()))?;
            vigil_banks::save(&mut store, &b)?;
            audit(
                &mut store,
                &common.actor,
                &name,
                common.reason.as_deref().unwrap_or("bank created"),
                serde_json::json!({"action": "create", "description": description}),
            )?;
            if common.json {
                println!("{}", serde_json::json!({"created": name}));
            } else {
                eprintln!("created bank {name}");
            }
        }
        Command::Import {
            name,
            file,
            format,
            create,
            common,
        } => {
            let fmt = format_of(format.as_deref(), &file)?;
            let limits = ParseLimits::default();
            let bytes = vigil_hash::media::read_bounded(&file, limits.max_bytes as u64)
                .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            let parsed = match fmt {
                "csv" => banks::csv::parse(&bytes, &limits),
                "ndjson" => banks::ndjson::parse(&bytes, &limits),
                _ => banks::tcap::parse(&bytes, &limits),
            }
            .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            let mut store = open(&common.db)?;
            let by = Actor {
                name: &common.actor,
                at: &at,
            };
            let mut bank = match vigil_banks::load(&store, &name)? {
                Some(b) => b,
                None if create => {
                    Bank::new(&name, "", &by).map_err(|e| UsageError(e.to_string()))?
                }
                None => {
                    return Err(UsageError(format!("no bank named {name} (use --create)")).into())
                }
            };
            for r in &parsed.rejected {
                eprintln!("{}:{}: {}", file.display(), r.line, r.reason);
            }
            let rejected = parsed.rejected.clone();
            let summary = bank.import(fmt, parsed.drafts, rejected.len() as u64, &by)?;
            vigil_banks::save(&mut store, &bank)?;
            audit(
                &mut store,
                &common.actor,
                &name,
                common.reason.as_deref().unwrap_or("hash list imported"),
                serde_json::json!({"action": "import", "file": file.display().to_string(), "format": fmt, "summary": summary}),
            )?;
            if common.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "bank": name, "format": fmt, "summary": summary, "rejected": rejected,
                    }))?
                );
            } else {
                eprintln!(
                    "{name}: {} added, {} already present, {} disabled, {} rejected",
                    summary.added, summary.duplicates, summary.disabled, summary.rejected
                );
            }
        }
        Command::Export {
            name,
            format,
            out,
            db,
        } => {
            let store = open(&db)?;
            let bank = load(&store, &name)?;
            let bytes = match format_of(Some(&format), std::path::Path::new(""))? {
                "csv" => banks::csv::write(&bank.items),
                "ndjson" => banks::ndjson::write(&bank.items),
                _ => banks::tcap::write(&bank.items),
            };
            match out {
                Some(p) => std::fs::write(&p, &bytes)
                    .with_context(|| format!("writing {}", p.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().lock().write_all(&bytes)?;
                }
            }
        }
        Command::List { json, db } => {
            let store = open(&db)?;
            let list = store.bank_list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!(
                    "{:<24} {:>10} {:>10} {:>8}  description",
                    "bank", "items", "enabled", "texts"
                );
                for b in list {
                    println!(
                        "{:<24} {:>10} {:>10} {:>8}  {}",
                        b.name, b.items, b.enabled, b.texts, b.description
                    );
                }
            }
        }
        Command::Add {
            name,
            digest,
            algorithm,
            file,
            category,
            ideology,
            group,
            severity,
            provenance,
            common,
        } => {
            let labels = Labels {
                category,
                ideology,
                group,
                severity: severity
                    .as_deref()
                    .map(Severity::parse)
                    .transpose()
                    .map_err(|e| UsageError(e.to_string()))?,
                ..Labels::default()
            };
            labels.validate().map_err(|e| UsageError(e.to_string()))?;
            let mut drafts = Vec::new();
            match (digest, file) {
                (Some(d), None) => drafts.push((
                    HashAlgorithm::parse(&algorithm).map_err(|e| UsageError(e.to_string()))?,
                    d,
                )),
                (None, Some(f)) => {
                    let h = vigil_hash::media::hash_file(&f, &vigil_hash::media::Limits::default())
                        .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
                    if let Some((p, _)) = h.pdq {
                        drafts.push((HashAlgorithm::Pdq, p.to_hex()));
                    }
                    drafts.push((HashAlgorithm::Sha256, h.sha256));
                }
                _ => return Err(UsageError("give a DIGEST or --file".into()).into()),
            }
            let mut store = open(&common.db)?;
            let mut bank = load(&store, &name)?;
            let by = Actor {
                name: &common.actor,
                at: &at,
            };
            let mut ids = Vec::new();
            for (alg, d) in drafts {
                let id = bank
                    .add(
                        ItemDraft {
                            algorithm: alg,
                            digest: d,
                            labels: labels.clone(),
                            enabled: true,
                            provenance: provenance.clone(),
                        },
                        &by,
                    )
                    .map_err(|e| UsageError(e.to_string()))?;
                ids.push(id);
            }
            vigil_banks::save(&mut store, &bank)?;
            audit(
                &mut store,
                &common.actor,
                &name,
                common.reason.as_deref().unwrap_or("items added"),
                serde_json::json!({"action": "add", "items": ids}),
            )?;
            if common.json {
                println!("{}", serde_json::json!({"bank": name, "items": ids}));
            } else {
                for id in ids {
                    println!("{name}#{id}");
                }
            }
        }
        Command::Disable {
            name,
            item,
            enable,
            common,
        } => {
            let mut store = open(&common.db)?;
            let mut bank = load(&store, &name)?;
            let by = Actor {
                name: &common.actor,
                at: &at,
            };
            bank.set_enabled(item, enable, &by, common.reason.as_deref())
                .map_err(|e| UsageError(e.to_string()))?;
            vigil_banks::save(&mut store, &bank)?;
            let action = if enable { "enable" } else { "disable" };
            audit(
                &mut store,
                &common.actor,
                &name,
                common.reason.as_deref().unwrap_or(if enable {
                    "item enabled"
                } else {
                    "item disabled"
                }),
                serde_json::json!({"action": action, "item": item}),
            )?;
            if common.json {
                println!(
                    "{}",
                    serde_json::json!({"bank": name, "item": item, "enabled": enable})
                );
            } else {
                eprintln!("{name}#{item} {action}d");
            }
        }
    }
    Ok(Outcome::Clean)
}
