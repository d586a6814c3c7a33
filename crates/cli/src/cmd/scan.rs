//! `vigil scan`: stream enriched native NDJSON to stdout; touches no store.

use crate::input::{self, ReadArgs};
use crate::quarantine::Quarantine;
use crate::Outcome;
use anyhow::{Context, Result};
use std::io::{self, Write};

/// Stream platform data as vigil's native NDJSON on stdout, one record per line
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Skip the text stage: write records exactly as the adapters produced them, without `analysis`
    #[arg(long)]
    pub raw: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    let inputs = input::expand(&a.read.inputs)?;
    let qpath = a
        .read
        .quarantine
        .clone()
        .unwrap_or_else(|| "vigil.quarantine.ndjson".into());
    let mut q = Quarantine::new(qpath, a.read.quiet);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut write_err: Option<io::Error> = None;
    let pb = input::progress_bar(&a.read, &inputs);
    // Records are written into one buffer that goes to stdout whenever it passes 64 KiB.
    let mut line = Vec::with_capacity(1 << 17);
    let mut analyzer = vigil_text::Analyzer::new();
    let summary = input::read_all(
        &a.read,
        &inputs,
        &mut q,
        |rec, _place| {
            if write_err.is_some() {
                return;
            }
            let r = match &rec {
                vigil_model::Record::Post(p) if !a.raw => {
                    // The text stage: normalized channels, entities, URLs, language.
                    vigil_model::write_post_open(&mut line, p);
                    line.extend_from_slice(b",\"analysis\":");
                    let r = serde_json::to_writer(&mut line, analyzer.analyze(&p.text));
                    line.push(b'}');
                    r
                }
                rec => vigil_model::write_record(&mut line, rec),
            };
            if let Err(e) = r {
                write_err = Some(io::Error::other(e));
                return;
            }
            line.push(b'\n');
            if line.len() >= 1 << 16 {
                if let Err(e) = out.write_all(&line) {
                    write_err = Some(e);
                }
                line.clear();
            }
        },
        &mut |n| {
            if let Some(pb) = &pb {
                pb.inc(n)
            }
        },
    )?;
    if let Some(e) = write_err {
        return Err(e).context("writing to stdout");
    }
    out.write_all(&line).context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    q.flush()?;
    crate::cmd::ingest::report(&a.read, &summary, None, &q)?;
    Ok(if q.count > 0 {
        Outcome::Quarantined
    } else {
        Outcome::Clean
    })
}
