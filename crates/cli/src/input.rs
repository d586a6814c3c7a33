//! Inputs: expand files, directories and `-`, name each one's format, and run its adapter.

use crate::quarantine::Quarantine;
use crate::UsageError;
use anyhow::{Context, Result};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use vigil_ingest::{Emitter, Format, Limits, Place, Sink};
use vigil_model::Record;

/// `--format` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Auto,
    Native,
    Twitter,
    Vk,
    Facebook,
    Telegram,
}

impl FormatArg {
    pub fn fixed(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Native => Some(Format::Native),
            FormatArg::Twitter => Some(Format::Twitter),
            FormatArg::Vk => Some(Format::Vk),
            FormatArg::Facebook => Some(Format::Facebook),
            FormatArg::Telegram => Some(Format::Telegram),
        }
    }
}

/// Arguments shared by every command that reads platform data.
#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    /// Files or directories to read; `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<String>,
    /// Input format; `auto` detects it per file and names it
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Where bad records go (NDJSON); default beside the database
    #[arg(long, value_name = "FILE")]
    pub quarantine: Option<PathBuf>,
    /// Longest accepted line in line-oriented files, in bytes
    #[arg(long, default_value_t = 1 << 20)]
    pub max_line: usize,
    /// Largest accepted record inside a document, in bytes
    #[arg(long, default_value_t = 1 << 20)]
    pub max_record: usize,
    /// Largest whole document held at once (pretty-printed pages), in bytes
    #[arg(long, default_value_t = 64 << 20)]
    pub max_document: usize,
    /// No progress bar and no per-record messages on stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

impl ReadArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_line: self.max_line.max(64),
            max_record: self.max_record.max(64),
            max_document: self.max_document.max(64),
            ..Limits::default()
        }
    }
}

/// One input to read.
pub struct Input {
    pub name: String,
    pub path: Option<PathBuf>,
    pub size: Option<u64>,
}

/// Names of files a directory walk reads: platform data, not ground truth, hash lists or
/// vigil's own quarantine files (a database kept beside its data would read its rejects back).
fn wanted(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "truth.json" || name.starts_with('.') || name.ends_with(".quarantine.ndjson") {
        return false;
    }
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "jsonl" | "ndjson")
    )
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading directory {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            let n = e.file_name();
            // Media and hash lists are not posts; `known/` is imported into banks separately.
            if n == "media"
                || n == "known"
                || n == "photos"
                || n == "files"
                || n.to_string_lossy().starts_with('.')
            {
                continue;
            }
            walk(&p, out)?;
        } else if ft.is_file() && wanted(&p) {
            let size = e.metadata().ok().map(|m| m.len());
            out.push(Input {
                name: p.display().to_string(),
                path: Some(p),
                size,
            });
        }
    }
    Ok(())
}

/// Expand the command line's inputs.
pub fn expand(inputs: &[String]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for i in inputs {
        if i == "-" {
            out.push(Input {
                name: "-".into(),
                path: None,
                size: None,
            });
            continue;
        }
        let p = PathBuf::from(i);
        let md = std::fs::metadata(&p).map_err(|e| UsageError(format!("{i}: {e}")))?;
        if md.is_dir() {
            walk(&p, &mut out)?;
        } else {
            out.push(Input {
                name: i.clone(),
                path: Some(p),
                size: Some(md.len()),
            });
        }
    }
    Ok(out)
}

/// Counts for a whole run.
#[derive(Debug, Default, serde::Serialize)]
pub struct RunSummary {
    pub inputs: Vec<InputSummary>,
    pub totals: vigil_ingest::InputStats,
}

#[derive(Debug, serde::Serialize)]
pub struct InputSummary {
    pub input: String,
    pub format: Option<&'static str>,
    #[serde(flatten)]
    pub stats: vigil_ingest::InputStats,
}

/// A sink that forwards records to a closure and problems to the quarantine.
pub struct Forward<'a, F: FnMut(Record, Place<'_>)> {
    pub on_record: F,
    pub quarantine: &'a mut Quarantine,
    pub error: Option<anyhow::Error>,
    /// The format of the input being read, for the quarantine entries.
    pub format: std::rc::Rc<std::cell::Cell<&'static str>>,
}

impl<F: FnMut(Record, Place<'_>)> Sink for Forward<'_, F> {
    fn record(&mut self, rec: Record, place: Place<'_>) {
        (self.on_record)(rec, place)
    }
    fn quarantine(&mut self, place: Place<'_>, reason: &str, raw: &[u8]) {
        self.quarantine.set_format(self.format.get());
        if let Err(e) = self.quarantine.add(place.file, place.line, reason, raw) {
            self.error.get_or_insert(e);
        }
    }
}

/// Read every input, sending good records to `on_record`; returns per-input counts.
pub fn read_all<F: FnMut(Record, Place<'_>)>(
    args: &ReadArgs,
    inputs: &[Input],
    quarantine: &mut Quarantine,
    on_record: F,
    progress: &mut dyn FnMut(u64),
) -> Result<RunSummary> {
    let limits = args.limits();
    let fmt = std::rc::Rc::new(std::cell::Cell::new(""));
    let mut sink = Forward {
        on_record,
        quarantine,
        error: None,
        format: fmt.clone(),
    };
    let mut summary = RunSummary::default();
    // One emitter for the whole run, so duplicates are caught across inputs.
    let mut em = Emitter::new(&mut sink, limits);
    for input in inputs {
        let (format, reader): (Option<Format>, Box<dyn Read>) = match &input.path {
            Some(p) => {
                let f = match args.format.fixed() {
                    Some(f) => Some(f),
                    None => vigil_ingest::detect_path(p)
                        .with_context(|| format!("reading {}", input.name))?,
                };
                let file =
                    std::fs::File::open(p).with_context(|| format!("opening {}", input.name))?;
                (f, Box::new(file))
            }
            None => {
                let mut head = Vec::new();
                io::stdin()
                    .lock()
                    .take(64 << 10)
                    .read_to_end(&mut head)
                    .context("reading standard input")?;
                let f = args.format.fixed().or_else(|| vigil_ingest::detect(&head));
                (f, Box::new(io::Cursor::new(head).chain(io::stdin())))
            }
        };
        fmt.set(format.map(Format::name).unwrap_or(""));
        let Some(format) = format else {
            em.begin(&input.name, None);
            em.quarantine_at(
                1,
                &format!(
                    "cannot detect the format; pass --format (one of: {})",
                    vigil_ingest::known_formats()
                ),
                b"",
            );
            let stats = em.take_stats();
            add(&mut summary.totals, &stats);
            summary.inputs.push(InputSummary {
                input: input.name.clone(),
                format: None,
                stats,
            });
            continue;
        };
        if !args.quiet && args.format == FormatArg::Auto && !args.json {
            eprintln!("{}: detected format {}", input.name, format.name());
        }
        em.stats = Default::default();
        let base = input
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let mut bytes = 0u64;
        let mut count = |n: u64| {
            bytes += n;
            progress(n)
        };
        vigil_ingest::read_input(
            reader,
            format,
            &input.name,
            base.as_deref(),
            &limits,
            &mut em,
            &mut count,
        )?;
        let mut stats = em.take_stats();
        stats.bytes = bytes;
        add(&mut summary.totals, &stats);
        summary.inputs.push(InputSummary {
            input: input.name.clone(),
            format: Some(format.name()),
            stats,
        });
    }
    drop(em);
    if let Some(e) = sink.error.take() {
        return Err(e);
    }
    Ok(summary)
}

fn add(t: &mut vigil_ingest::InputStats, s: &vigil_ingest::InputStats) {
    t.records += s.records;
    t.posts += s.posts;
    t.accounts += s.accounts;
    t.enforcement += s.enforcement;
    t.quarantined += s.quarantined;
    t.duplicates += s.duplicates;
    t.skipped += s.skipped;
    t.bytes += s.bytes;
}

/// A progress bar on stderr when it is a terminal.
pub fn progress_bar(args: &ReadArgs, inputs: &[Input]) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if args.quiet || args.json || !io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = inputs.iter().filter_map(|i| i.size).sum();
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}
