//! `vigil export graph`: the coordination graph for analysts (GEXF, GraphML, CSV edges).

use crate::{DbArgs, Outcome};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use vigil_campaign::export::{write_graph, Format};
use vigil_store::{SqliteStore, Store};

/// Export data for analysts
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// The coordination graph (run `vigil campaigns` first)
    Graph(GraphArgs),
    /// Accounts with their risk, action, top components and links (run `vigil identity` first)
    Accounts(AccountsArgs),
}

#[derive(clap::Args, Debug)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// csv or ndjson
    #[arg(long, default_value = "csv")]
    pub format: String,
}

/// A CSV field, quoted, with formula-leading characters neutralized (CSV injection: a cell
/// starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`).
pub fn csv_field(s: &str) -> String {
    let mut v = String::with_capacity(s.len() + 3);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(s);
    format!("\"{}\"", v.replace('"', "\"\""))
}

fn export_accounts(a: AccountsArgs) -> Result<Outcome> {
    let csv = match a.format.as_str() {
        "csv" => true,
        "ndjson" => false,
        other => {
            return Err(crate::UsageError(format!(
                "unknown format {:?}: want csv or ndjson",
                vigil_model::truncate_for_message(other, 20)
            ))
            .into())
        }
    };
    if !a.db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", a.db.db.display())).into());
    }
    let store =
        SqliteStore::open(&a.db.db).with_context(|| format!("opening {}", a.db.db.display()))?;
    let mut rows = Vec::new();
    store.for_each_account_risk(&mut |r| {
        rows.push(r);
        true
    })?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    if csv {
        writeln!(
            w,
            "account_id,handle,platform,risk,action,category,components,links"
        )?;
    }
    for r in rows {
        let acct = store.account(&r.account_id)?;
        let links = store.identity_links(&r.account_id)?;
        let comps: Vec<String> = r.breakdown["components"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={:.3}",
                    c["component"].as_str().unwrap_or("?"),
                    c["weight"].as_f64().unwrap_or(0.0)
                )
            })
            .collect();
        let link_ids: Vec<String> = links
            .iter()
            .map(|l| {
                let other = if l.account_id == r.account_id {
                    &l.other_id
                } else {
                    &l.account_id
                };
                format!("{}:{}:{:.3}", l.kind, other, l.score)
            })
            .collect();
        let handle = acct
            .as_ref()
            .and_then(|a| a.handle.clone())
            .unwrap_or_default();
        let platform = acct
            .as_ref()
            .map(|a| a.platform.as_str().to_string())
            .unwrap_or_default();
        let category = r.breakdown["category"].as_str().unwrap_or("").to_string();
        if csv {
            let cells = [
                csv_field(&r.account_id),
                csv_field(&handle),
                csv_field(&platform),
                format!("{:.3}", r.risk),
                csv_field(&r.action),
                csv_field(&category),
                csv_field(&comps.join(";")),
                csv_field(&link_ids.join(";")),
            ];
            writeln!(w, "{}", cells.join(","))?;
        } else {
            let v = serde_json::json!({
                "account_id": r.account_id, "handle": handle, "platform": platform,
                "risk": r.risk, "action": r.action, "category": category,
                "breakdown": r.breakdown, "links": links,
            });
            writeln!(w, "{v}")?;
        }
    }
    w.flush()?;
    Ok(Outcome::Clean)
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// gexf, graphml or csv (user_1,user_2,weight)
    #[arg(long, default_value = "gexf")]
    pub format: String,
}

pub fn run(a: Args) -> Result<Outcome> {
    let g = match a.what {
        What::Graph(g) => g,
        What::Accounts(x) => return export_accounts(x),
    };
    let format = match g.format.as_str() {
        "gexf" => Format::Gexf,
        "graphml" => Format::Graphml,
        "csv" => Format::Csv,
        other => {
            return Err(crate::UsageError(format!(
                "unknown format {:?}: want gexf, graphml or csv",
                vigil_model::truncate_for_message(other, 20)
            ))
            .into())
        }
    };
    if !g.db.db.exists() {
        return Err(crate::UsageError(format!("no database at {}", g.db.db.display())).into());
    }
    let store =
        SqliteStore::open(&g.db.db).with_context(|| format!("opening {}", g.db.db.display()))?;
    let mut edges = Vec::new();
    store.for_each_edge(&mut |e| {
        edges.push(e);
        true
    })?;
    let clusters = store.clusters()?;
    let mut labels = BTreeMap::new();
    if format != Format::Csv {
        for e in &edges {
            for id in [&e.user_1, &e.user_2] {
                if !labels.contains_key(id) {
                    if let Some(acc) = store.account(id)? {
                        if let Some(h) = acc.handle {
                            labels.insert(id.clone(), h);
                        }
                    }
                }
            }
        }
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    write_graph(&mut w, format, &edges, &clusters, &labels)?;
    w.flush()?;
    Ok(Outcome::Clean)
}
