//! Platform adapters: read a platform's own export or API format, exactly, into vigil's model.
//!
//! Every byte read here is attacker-controlled. Each adapter bounds what it buffers (lines,
//! records, nesting), reports each bad record with its file, line and reason through the
//! [`Sink`], and carries on, so a bad record never costs a good neighbour.

mod detect;
mod emit;
mod extract;
mod facebook;
mod hash;
pub mod lines;
mod native;
pub mod split;
mod telegram;
mod twitter;
mod vk;

pub use detect::{detect, detect_path};
pub use emit::{Emitter, RecentIds, Seen};
pub use extract::{extract_hashtags, extract_mentions, extract_urls};
pub use hash::fx64;

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use vigil_model::Record;

/// The input formats vigil reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// vigil's own NDJSON, one record per line (docs/FORMAT.md).
    Native,
    /// Twitter/X API v2: search and timeline pages, filtered-stream lines, bare tweets.
    Twitter,
    /// VK API `wall.get` / `newsfeed.search` responses with `extended=1`.
    Vk,
    /// Facebook Graph API page and group feeds.
    Facebook,
    /// Telegram Desktop `result.json`, single chat or full export.
    Telegram,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Native,
        Format::Twitter,
        Format::Vk,
        Format::Facebook,
        Format::Telegram,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Twitter => "twitter",
            Format::Vk => "vk",
            Format::Facebook => "facebook",
            Format::Telegram => "telegram",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s).or(match s {
            "x" | "twitter-v2" => Some(Format::Twitter),
            "ndjson" | "vigil" => Some(Format::Native),
            "fb" => Some(Format::Facebook),
            "tg" => Some(Format::Telegram),
            _ => None,
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Hard bounds on what one input may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line in a line-oriented file (NDJSON, JSONL pages). Longer lines are skipped unread.
    pub max_line: usize,
    /// Largest single record inside a document (a Telegram message, a VK item).
    pub max_record: usize,
    /// Largest whole document that must be held at once (a pretty-printed Twitter page).
    pub max_document: usize,
    /// Deepest nesting the adapters walk themselves; serde refuses deeper than 128 on its own.
    pub max_depth: usize,
    /// Longest post text or bio, in bytes.
    pub max_text: usize,
    /// How many recent post ids are remembered to catch duplicates within one run.
    pub dedup_window: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 1 << 20,
            max_record: 1 << 20,
            max_document: 64 << 20,
            max_depth: 64,
            max_text: 256 << 10,
            dedup_window: 1 << 20,
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub file: &'a str,
    pub line: u64,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Receives what an adapter produced.
pub trait Sink {
    /// A good record. `base_dir` is the directory of the input, for resolving media paths.
    fn record(&mut self, rec: Record, place: Place<'_>);
    /// A bad record: its place, the reason, and (a bounded prefix of) its raw bytes.
    fn quarantine(&mut self, place: Place<'_>, reason: &str, raw: &[u8]);
}

/// Counts for one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InputStats {
    pub records: u64,
    pub posts: u64,
    pub accounts: u64,
    pub enforcement: u64,
    pub quarantined: u64,
    /// Identical repeats of a post already seen in this run, dropped silently.
    pub duplicates: u64,
    /// Records that carry nothing to keep (Telegram service messages, keep-alives).
    pub skipped: u64,
    pub bytes: u64,
}

/// Failures that stop reading an input altogether (as opposed to a bad record).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// Auto-detection could not name the format.
    #[error("{path}: cannot detect the format; pass --format (one of: {known})")]
    Undetected { path: String, known: String },
}

/// The known format names, for messages.
pub fn known_formats() -> String {
    Format::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read one input in a known format, feeding records and problems to the emitter.
/// `name` is how the input is named in reports; `base_dir` resolves relative media paths.
pub fn read_input<R: Read>(
    src: R,
    format: Format,
    name: &str,
    base_dir: Option<&Path>,
    limits: &Limits,
    em: &mut Emitter<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), IngestError> {
    em.begin(name, base_dir);
    let r = match format {
        Format::Native => {
            native::read(BufReader::with_capacity(1 << 16, src), limits, em, progress)
        }
        Format::Telegram => telegram::read(src, limits, em, progress),
        Format::Twitter => read_units(
            BufReader::with_capacity(1 << 16, src),
            limits,
            em,
            progress,
            twitter::unit,
            true,
        ),
        Format::Vk => read_units(
            BufReader::with_capacity(1 << 16, src),
            limits,
            em,
            progress,
            vk::unit,
            false,
        ),
        Format::Facebook => read_units(
            BufReader::with_capacity(1 << 16, src),
            limits,
            em,
            progress,
            facebook::unit,
            false,
        ),
    };
    r.map_err(|source| IngestError::Io {
        path: name.to_string(),
        source,
    })
}

type UnitFn = fn(&[u8], u64, &Limits, &mut Emitter<'_>);

/// Line-oriented or whole-document input for formats whose unit is one API response.
///
/// If the first non-blank line is a complete JSON value the input is read as JSON Lines;
/// otherwise it is one (pretty-printed) document, held whole up to `max_document`.
fn read_units<R: BufRead>(
    mut src: R,
    limits: &Limits,
    em: &mut Emitter<'_>,
    progress: &mut dyn FnMut(u64),
    unit: UnitFn,
    whole_document_ok: bool,
) -> io::Result<()> {
    let _ = whole_document_ok;
    // Peek: is the first line a complete value?
    let mut head = Vec::new();
    {
        let buf = src.fill_buf()?;
        head.extend_from_slice(&buf[..buf.len().min(limits.max_line + 2)]);
    }
    let is_lines = first_line_is_value(&head, limits.max_line);
    if is_lines {
        let mut lines = lines::LineReader::new(src, limits.max_line);
        let mut last_report = 0;
        while let Some(line) = lines.next_line()? {
            match line {
                lines::Line::Text {
                    no,
                    bytes,
                    terminated,
                } => {
                    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                        continue; // stream keep-alives
                    }
                    if !terminated
                        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()
                    {
                        em.quarantine_at(
                            no,
                            "truncated last line (no newline, incomplete JSON)",
                            bytes,
                        );
                        continue;
                    }
                    unit(bytes, no, limits, em);
                }
                lines::Line::TooLong { no, len, prefix } => {
                    em.quarantine_at(
                        no,
                        &format!(
                            "line of {len} bytes exceeds the {} byte bound",
                            limits.max_line
                        ),
                        prefix,
                    );
                }
            }
            let n = lines.bytes_read();
            if n - last_report > 1 << 20 {
                progress(n - last_report);
                last_report = n;
            }
        }
        progress(lines.bytes_read() - last_report);
    } else {
        // One document: read it whole, bounded.
        let mut doc = Vec::new();
        let n = src
            .by_ref()
            .take(limits.max_document as u64 + 1)
            .read_to_end(&mut doc)?;
        progress(n as u64);
        if doc.len() > limits.max_document {
            let mut rest = 0u64;
            let mut sink = [0u8; 1 << 16];
            loop {
                let k = src.read(&mut sink)?;
                if k == 0 {
                    break;
                }
                rest += k as u64;
            }
            progress(rest);
            let prefix = &doc[..doc.len().min(1024)];
            em.quarantine_at(
                1,
                &format!(
                    "document of {} bytes exceeds the {} byte bound",
                    doc.len() as u64 + rest,
                    limits.max_document
                ),
                prefix,
            );
            return Ok(());
        }
        if doc.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        unit(&doc, 1, limits, em);
    }
    Ok(())
}

fn first_line_is_value(head: &[u8], _max_line: usize) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    // Leading blank lines do not decide anything.
    let rest = &head[start..];
    match memchr::memchr(b'\n', rest) {
        Some(i) => serde_json::from_slice::<serde::de::IgnoredAny>(&rest[..i]).is_ok(),
        // No newline in what we can see: compact JSON on one long line, which lines mode
        // reads correctly whether it is one document or the first of many lines. A
        // pretty-printed document breaks its first line right after the opening brace.
        None => true,
    }
}

/// Maps slices of one buffer to line numbers, scanning each byte once as offsets grow.
pub(crate) struct LineCursor<'a> {
    outer: &'a [u8],
    first: u64,
    off: usize,
    line: u64,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(outer: &'a [u8], line: u64) -> Self {
        LineCursor {
            outer,
            first: line,
            off: 0,
            line,
        }
    }

    /// The line on which `inner` (a slice of the buffer) starts.
    pub(crate) fn line_of(&mut self, inner: &[u8]) -> u64 {
        let off = (inner.as_ptr() as usize)
            .saturating_sub(self.outer.as_ptr() as usize)
            .min(self.outer.len());
        if off < self.off {
            self.off = 0;
            self.line = self.first;
        }
        self.line += memchr::memchr_iter(b'\n', &self.outer[self.off..off]).count() as u64;
        self.off = off;
        self.line
    }
}
