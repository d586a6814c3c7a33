//! Shared output plumbing: counted file writers and what each block reports back for the truth.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::SimError;

/// A buffered file that counts the bytes it writes.
pub struct OutFile {
    pub path: PathBuf,
    w: BufWriter<File>,
    pub bytes: u64,
}

impl OutFile {
    pub fn create(path: &Path) -> Result<OutFile, SimError> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| SimError::io(d, e))?;
        }
        let f = File::create(path).map_err(|e| SimError::io(path, e))?;
        Ok(OutFile {
            path: path.to_path_buf(),
            w: BufWriter::with_capacity(1 << 20, f),
            bytes: 0,
        })
    }
    pub fn write(&mut self, b: &[u8]) -> Result<(), SimError> {
        self.bytes += b.len() as u64;
        self.w.write_all(b).map_err(|e| SimError::io(&self.path, e))
    }
    pub fn finish(mut self) -> Result<u64, SimError> {
        self.w.flush().map_err(|e| SimError::io(&self.path, e))?;
        Ok(self.bytes)
    }
}

/// A post the truth needs to know about.
#[derive(Debug, Clone)]
pub struct PostRec {
    pub t: i64,
    pub post: String,
    pub acct: u32,
    pub campaign: u32,
    pub prop: Option<(u32, u32)>,
}

/// What one (platform, block) unit produced.
#[derive(Debug, Default)]
pub struct UnitOut {
    pub posts: u64,
    pub shares: u64,
    pub with_media: u64,
    pub bytes: u64,
    pub files: u64,
    pub recs: Vec<PostRec>,
    /// Telegram single-chat export parts: (channel account, part file path).
    pub tg_parts: Vec<(u32, PathBuf)>,
}
