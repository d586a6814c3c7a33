//! Follow mode: tail a growing file, or a directory whose files appear in name order, by
//! polling. A file that shrinks was truncated and is read again from the start; a file
//! replaced under the same name (rotation) is read from the start of the new one.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_ingest::Format;

/// A followed file or directory, read as one byte stream.
pub struct Follow {
    name: String,
    path: PathBuf,
    pub(crate) format: Option<Format>,
    poll: Duration,
    /// Stop after this long without new bytes (tests, batch use); `None` follows forever.
    idle_exit: Option<Duration>,
    stop: Arc<AtomicBool>,
    cur: Option<Open>,
    /// A newline is owed between two files of a directory.
    owe_newline: bool,
}

struct Open {
    path: PathBuf,
    file: File,
    offset: u64,
    id: FileId,
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
struct FileId(u64, u64);

fn file_id(md: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        FileId(md.dev(), md.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = md;
        FileId(0, 0)
    }
}

impl Follow {
    /// Follow `path` (a file, or a directory of `.json`/`.jsonl`/`.ndjson` files read in name
    /// order). `format` fixes the format; otherwise it is detected from the first file.
    pub fn new(path: impl Into<PathBuf>, format: Option<Format>) -> Follow {
        let path = path.into();
        Follow {
            name: path.display().to_string(),
            path,
            format,
            poll: Duration::from_millis(200),
            idle_exit: None,
            stop: Arc::new(AtomicBool::new(false)),
            cur: None,
            owe_newline: false,
        }
    }

    pub fn poll(mut self, d: Duration) -> Follow {
        self.poll = d;
        self
    }

    pub fn idle_exit(mut self, d: Option<Duration>) -> Follow {
        self.idle_exit = d;
        self
    }

    /// A flag that ends the stream (at the next poll) when set.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn base_dir(&self) -> Option<PathBuf> {
        if self.path.is_dir() {
            Some(self.path.clone())
        } else {
            self.path.parent().map(Path::to_path_buf)
        }
    }

    /// Detect the format from the first file present, if not fixed.
    pub(crate) fn resolve_format(&mut self) {
        if self.format.is_none() {
            if let Some(p) = self.files().into_iter().next() {
                self.format = vigil_ingest::detect_path(&p).ok().flatten();
            }
        }
    }

    fn files(&self) -> Vec<PathBuf> {
        if !self.path.is_dir() {
            return vec![self.path.clone()];
        }
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.path)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.is_file()
                            && matches!(
                                p.extension().and_then(|e| e.to_str()),
                                Some("json" | "jsonl" | "ndjson")
                            )
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn open(path: &Path) -> Option<Open> {
        let file = File::open(path).ok()?;
        let id = file_id(&file.metadata().ok()?);
        Some(Open {
            path: path.to_path_buf(),
            file,
            offset: 0,
            id,
        })
    }

    /// One attempt to read new bytes; `Ok(None)` when there are none yet.
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        if self.cur.is_none() {
            if let Some(p) = self.files().into_iter().next() {
                self.cur = Self::open(&p);
            }
        }
        let Some(cur) = self.cur.as_mut() else {
            return Ok(None);
        };
        let n = cur.file.read(buf)?;
        if n > 0 {
            cur.offset += n as u64;
            return Ok(Some(n));
        }
        // At the end: truncated, rotated, or a next file?
        let on_disk = std::fs::metadata(&cur.path).ok();
        match on_disk {
            Some(md) if file_id(&md) != cur.id => {
                tracing::info!(file = %cur.path.display(), "followed file rotated; reading the new one");
                self.cur = Self::open(&cur.path.clone());
                self.owe_newline = true;
            }
            Some(md) if md.len() < cur.offset => {
                tracing::info!(file = %cur.path.display(), "followed file truncated; reading it again");
                cur.file.seek(SeekFrom::Start(0))?;
                cur.offset = 0;
                self.owe_newline = true;
            }
            _ => {
                let cur_path = cur.path.clone();
                let next = self.files().into_iter().find(|p| *p > cur_path);
                if let Some(p) = next {
                    self.cur = Self::open(&p);
                    self.owe_newline = true;
                }
            }
        }
        if std::mem::take(&mut self.owe_newline) && !buf.is_empty() {
            buf[0] = b'\n';
            return Ok(Some(1));
        }
        Ok(None)
    }
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut idle_since = Instant::now();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            if let Some(n) = self.try_read(buf)? {
                return Ok(n);
            }
            if self.idle_exit.is_some_and(|d| idle_since.elapsed() >= d) {
                return Ok(0);
            }
            std::thread::sleep(self.poll);
            if self.cur.is_none() {
                idle_since = idle_since.min(Instant::now());
            }
        }
    }
}
