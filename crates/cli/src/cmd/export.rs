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
    let What::Graph(g) = a.what;
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
