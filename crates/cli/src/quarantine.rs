//! The quarantine: every bad record goes to stderr as `FILE:LINE: reason` and to an NDJSON
//! file with its place, reason and (bounded) raw bytes, so nothing is silently dropped.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// How much of a bad record's raw bytes the quarantine keeps.
const MAX_RAW: usize = 64 << 10;

pub struct Quarantine {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    pub count: u64,
    quiet: bool,
    format: &'static str,
}

impl Quarantine {
    pub fn new(path: PathBuf, quiet: bool) -> Quarantine {
        Quarantine {
            path,
            file: None,
            count: 0,
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
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .with_context(|| format!("opening quarantine file {}", self.path.display()))?;
            self.file = Some(BufWriter::new(f));
        }
        let cut = raw.len().min(MAX_RAW);
        let entry = serde_json::json!({
            "file": file,
            "line": line,
            "reason": reason,
            "format": self.format,
            "raw": String::from_utf8_lossy(&raw[..cut]),
            "raw_truncated": raw.len() > cut,
            "raw_bytes": raw.len(),
        });
        if let Some(w) = self.file.as_mut() {
            serde_json::to_writer(&mut *w, &entry)?;
            w.write_all(b"\n")?;
        }
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
