//! `vigil match FILE|HASH [--bank B]`: hash a local file (or take a PDQ/MD5/SHA-256 hex
//! digest) and report which enabled bank items it matches, nearest first.

use crate::{DbArgs, Outcome, UsageError};
use anyhow::{Context, Result};
use vigil_hash::banks::{BankMatcher, HashAlgorithm, Match};
use vigil_hash::pdq::PdqHash;
use vigil_store::SqliteStore;

/// Match a file or hash against the hash banks
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A local file, or a hex digest (64 hex: PDQ unless --algorithm says sha256; 32: MD5)
    pub target: String,
    /// Only this bank (repeatable)
    #[arg(long)]
    pub bank: Vec<String>,
    /// How to read a hex TARGET: pdq, sha256 or md5
    #[arg(long)]
    pub algorithm: Option<String>,
    /// PDQ radius
    #[arg(long, default_value_t = vigil_banks::detector::RADIUS)]
    pub radius: u32,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(a: Args) -> Result<Outcome> {
    let store = SqliteStore::open(&a.db.db)
        .with_context(|| format!("opening database {}", a.db.db.display()))?;
    let mut banks = vigil_banks::load_all(&store)?;
    if !a.bank.is_empty() {
        for b in &a.bank {
            if !banks.iter().any(|x| &x.name == b) {
                return Err(UsageError(format!("no bank named {b}")).into());
            }
        }
        banks.retain(|b| a.bank.contains(&b.name));
    }
    let matcher = BankMatcher::from_banks(&banks, a.radius)?;
    let path = std::path::Path::new(&a.target);
    let (matches, what): (Vec<(Match, bool)>, serde_json::Value) = if path.is_file() {
        let limits = vigil_hash::media::Limits::default();
        let bytes = vigil_hash::media::read_bounded(path, limits.max_bytes)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        let h = vigil_banks::media::hash_bytes(&bytes, &limits);
        let mut out: Vec<(Match, bool)> = Vec::new();
        for m in matcher.match_exact(HashAlgorithm::Md5, &h.md5) {
            out.push((m, false));
        }
        for m in matcher.match_exact(HashAlgorithm::Sha256, &h.sha256) {
            out.push((m, false));
        }
        if let Some((p, q, mirror)) = &h.pdq {
            if *q >= matcher.min_quality {
                for (hex, mirrored) in [(p, false), (mirror, true)] {
                    if let Ok(ph) = PdqHash::from_hex(hex) {
                        for m in matcher.match_pdq(&ph) {
                            if !out.iter().any(|(o, _)| {
                                o.bank == m.bank
                                    && o.item_id == m.item_id
                                    && o.distance <= m.distance
                            }) {
                                out.retain(|(o, _)| !(o.bank == m.bank && o.item_id == m.item_id));
                                out.push((m, mirrored));
                            }
                        }
                    }
                }
            }
        }
        let info = serde_json::json!({"file": a.target, "md5": h.md5, "sha256": h.sha256,
            "pdq": h.pdq.as_ref().map(|p| &p.0), "quality": h.pdq.as_ref().map(|p| p.1)});
        (out, info)
    } else {
        let t = a.target.trim();
        let alg = match a.algorithm.as_deref() {
            Some(s) => HashAlgorithm::parse(s).map_err(|e| UsageError(e.to_string()))?,
            None if t.len() == 32 => HashAlgorithm::Md5,
            None if t.len() == 64 => HashAlgorithm::Pdq,
            None => {
                return Err(UsageError(format!(
                    "{} is neither a file nor a 32/64-hex digest",
                    a.target.chars().take(80).collect::<String>()
                ))
                .into())
            }
        };
        let out = match alg {
            HashAlgorithm::Pdq => {
                let h = PdqHash::from_hex(t).map_err(|e| UsageError(e.to_string()))?;
                matcher.match_pdq(&h)
            }
            other => matcher.match_exact(other, t),
        };
        (
            out.into_iter().map(|m| (m, false)).collect(),
            serde_json::json!({"hash": t, "algorithm": alg.as_str()}),
        )
    };
    let mut matches = matches;
    matches.sort_by(|x, y| {
        x.0.distance
            .cmp(&y.0.distance)
            .then(x.0.bank.cmp(&y.0.bank))
            .then(x.0.item_id.cmp(&y.0.item_id))
    });
    if a.json {
        let list: Vec<serde_json::Value> = matches
            .iter()
            .map(|(m, mirrored)| serde_json::json!({"bank": m.bank, "item": m.item_id, "algorithm": m.algorithm.as_str(),
                "distance": m.distance, "labels": m.labels, "provenance": m.provenance, "mirrored": mirrored}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"query": what, "matches": list}))?
        );
    } else if matches.is_empty() {
        eprintln!("no match");
    } else {
        for (m, mirrored) in &matches {
            println!(
                "{}#{}\t{}\t{}{}\t{}",
                m.bank,
                m.item_id,
                m.algorithm.as_str(),
                m.distance,
                if *mirrored { " (mirrored)" } else { "" },
                m.labels
                    .category
                    .as_deref()
                    .or(m.labels.ideology.as_deref())
                    .unwrap_or("-")
            );
        }
    }
    Ok(Outcome::Clean)
}
