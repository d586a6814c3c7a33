//! The quarantine: every bad record goes to stderr as `FILE:LINE: reason` and to an NDJSON
//! file with its place, reason and (bounded) raw bytes, so nothing is silently dropped.

use anyhow::{Context, Result};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// How much of a bad record's raw bytes the quarantine keeps.
const MAX_RAW: usize = 64 << 10;

/// Entries of an existing quarantine file read back to skip (a resumed or repeated run
/// re-reads its inputs from the start and meets the same bad records again).
const MAX_KNOWN: usize = 4 << 20;

pub struct Quarantine {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    pub count: u64,
    /// Bad records already in the file from an earlier run over the same inputs: reported
    /// again on stderr and counted, but not written twice.
    pub already: u64,
    /// Keys (file, line, reason, raw bytes) of the entries the file holds.
    known: HashSet<u64>,
    quiet: bool,
    format: &'static str,
}

/// The identity of a quarantine entry.
fn entry_key(file: &str, line: u64, reason: &str, raw: &[u8]) -> u64 {
    let mut h = vigil_model::fasthash::FastHasher::default();
    (file, line, reason, raw).hash(&mut h);
    h.finish()
}

impl Quarantine {
    pub fn new(path: PathBuf, quiet: bool) -> Quarantine {
        Quarantine {
            path,
            file: None,
            count: 0,
            already: 0,
            known: HashSet::new(),
            quiet,
            format: "",
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn set_format(&mut self, f: &'static str) {
        self.format = f;
    }

    /// Record one bad record. The file is created on first use.
    pub fn add(&mut self, file: &str, line: u64, reason: &str, raw: &[u8]) -> Result<()> {
        self.count += 1;
        if !self.quiet {
            eprintln!("{file}:{line}: {reason}");
        }
        if self.file.is_none() {
            self.open()?;
        }
        let cut = raw.len().min(MAX_RAW);
        let text = String::from_utf8_lossy(&raw[..cut]);
        if !self
            .known
            .insert(entry_key(file, line, reason, text.as_bytes()))
        {
            self.already += 1;
            return Ok(());
        }
        let entry = serde_json::json!({
            "file": file,
            "line": line,
            "reason": reason,
            "format": self.format,
            "raw": text,
            "raw_truncated": raw.len() > cut,
            "raw_bytes": raw.len(),
        });
        if let Some(w) = self.file.as_mut() {
            serde_json::to_writer(&mut *w, &entry)?;
            w.write_all(b"\n")?;
            // Bad records are rare: each is on disk before the run goes on, so a crash loses
            // none (a resumed run skips the ones already written).
            w.flush()
                .with_context(|| format!("writing quarantine file {}", self.path.display()))?;
        }
        Ok(())
    }

    /// Open (or create) the file, reading back the entries it already holds. A last line cut
    /// short by a crash is closed with a newline so the next entry starts on its own line.
    fn open(&mut self) -> Result<()> {
        let ctx = || format!("opening quarantine file {}", self.path.display());
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&self.path)
            .with_context(ctx)?;
        let len = f.seek(SeekFrom::End(0)).with_context(ctx)?;
        if len > 0 {
            f.seek(SeekFrom::Start(len - 1)).with_context(ctx)?;
            let mut last = [0u8; 1];
            f.read_exact(&mut last).with_context(ctx)?;
            f.seek(SeekFrom::Start(0)).with_context(ctx)?;
            let mut r = BufReader::new(&mut f);
            let mut line = Vec::new();
            loop {
                line.clear();
                // Entries are bounded by MAX_RAW; a longer line is not one of ours.
                let n = (&mut r)
                    .take(4 * MAX_RAW as u64 + 4096)
                    .read_until(b'\n', &mut line)
                    .with_context(ctx)?;
                if n == 0 || self.known.len() >= MAX_KNOWN {
                    break;
                }
                if let Ok(e) = serde_json::from_slice::<Entry>(&line) {
                    let raw = e.raw.as_bytes();
                    self.known
                        .insert(entry_key(&e.file, e.line, &e.reason, raw));
                }
            }
            if last[0] != b'\n' {
                f.write_all(b"\n").with_context(ctx)?;
            }
        }
        self.file = Some(BufWriter::new(f));
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        if let Some(w) = self.file.as_mut() {
            w.flush()
                .with_context(|| format!("writing quarantine file {}", self.path.display()))?;
        }
        Ok(())
    }
}

/// The part of a quarantine entry that identifies it.
#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    line: u64,
    reason: String,
    #[serde(default)]
    raw: String,
}
