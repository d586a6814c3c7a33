//! Ingest-time media hashing: resolve a post's media to a local file (a simulated world's
//! `media/index.jsonl`, or a path relative to the input, as Telegram exports carry them), hash
//! it (MD5, SHA-256, PDQ and its mirror) and fill the `Media` fields before the record is
//! stored. Never fetches a URL; refuses paths that leave their root.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use vigil_hash::media::{self, Limits};
use vigil_hash::pdq;
use vigil_model::{Media, Record};

/// Index in Meta's dihedral order (`pdq::DIHEDRAL_NAMES`) of the left-right mirror: Meta's
/// `flipy` (a flip about the vertical axis); the test below pins it.
pub const MIRROR: usize = 5;
/// At most this many lines in one `media/index.jsonl`.
pub const MAX_INDEX_LINES: usize = 4_000_000;
/// At most this many bytes per index line.
pub const MAX_INDEX_LINE: usize = 64 * 1024;
/// Hashes of this many distinct files are kept for re-posts of the same file.
pub const CACHE_ENTRIES: usize = 200_000;

/// The hashes of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedMedia {
    pub md5: String,
    pub sha256: String,
    /// PDQ hex, its quality and the mirrored image's PDQ hex, when the bytes decode.
    pub pdq: Option<(String, u32, String)>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Counts of what the hasher did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HashStats {
    /// Media items given hashes.
    pub hashed: u64,
    /// Distinct files read and hashed.
    pub files: u64,
    /// Media with a local path or indexed URL whose file could not be read.
    pub missing: u64,
    /// Files read whose image did not decode (exact hashes only).
    pub undecodable: u64,
    /// Media left alone (no local file known).
    pub skipped: u64,
    /// Nanoseconds spent reading and hashing files.
    pub hash_ns: u64,
}

/// Hashes media files as records stream past. Not thread-safe; one per reader.
#[derive(Debug, Default)]
pub struct MediaHasher {
    /// URL or platform path → absolute file.
    index: HashMap<String, PathBuf>,
    cache: HashMap<PathBuf, Option<HashedMedia>>,
    /// Canonical directories local media paths must stay inside (the inputs given).
    roots: Vec<PathBuf>,
    limits: Limits,
    pub stats: HashStats,
}

/// Whether `rel` is a plain relative path that stays inside its root.
fn safe_relative(rel: &str) -> Option<&Path> {
    let p = Path::new(rel);
    if rel.is_empty() || rel.len() > 4096 || rel.contains('\0') {
        return None;
    }
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then_some(p)
}

/// One line of `media/index.jsonl`.
#[derive(serde::Deserialize)]
struct IndexLine {
    url: String,
    path: String,
}

impl MediaHasher {
    pub fn new() -> Self {
        MediaHasher {
            limits: Limits::default(),
            ..Default::default()
        }
    }

    /// Reads `dir/media/index.jsonl` if it exists; returns how many entries it added. Bad
    /// lines (malformed, too long, paths leaving `dir`) are skipped.
    pub fn add_index(&mut self, dir: &Path) -> Result<usize, crate::Error> {
        use std::io::{BufRead, Read};
        let path = dir.join("media").join("index.jsonl");
        let f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => {
                return Err(crate::Error::Io {
                    path: path.display().to_string(),
                    reason: e.to_string().to_lowercase(),
                })
            }
        };
        let mut r = std::io::BufReader::new(f);
        let mut line = Vec::new();
        let mut added = 0;
        for _ in 0..MAX_INDEX_LINES {
            line.clear();
            let n = (&mut r)
                .take(MAX_INDEX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| crate::Error::Io {
                    path: path.display().to_string(),
                    reason: e.to_string().to_lowercase(),
                })?;
            if n == 0 {
                break;
            }
            if line.len() > MAX_INDEX_LINE {
                // Skip the rest of an over-long line.
                line.clear();
                let _ = r.read_until(b'\n', &mut line);
                continue;
            }
            let Ok(l) = serde_json::from_slice::<IndexLine>(&line) else {
                continue;
            };
            if let Some(rel) = safe_relative(&l.path) {
                self.index.insert(l.url, dir.join(rel));
                added += 1;
            }
        }
        Ok(added)
    }

    /// Allow local media paths (as adapters give them, e.g. a Telegram export's `photos/…`
    /// joined to the export's directory) inside `dir`. Paths outside every root, including
    /// through symlinks, are never read.
    pub fn add_root(&mut self, dir: &Path) {
        if let Ok(c) = std::fs::canonicalize(dir) {
            if c.is_dir() && !self.roots.contains(&c) {
                self.roots.push(c);
            }
        }
    }

    fn inside_roots(&self, p: &Path) -> Option<PathBuf> {
        let c = std::fs::canonicalize(p).ok()?;
        self.roots.iter().any(|r| c.starts_with(r)).then_some(c)
    }

    /// Entries known from indexes.
    pub fn index_len(&self) -> usize {
        self.index.len()
    }

    fn resolve(&self, m: &Media, input_dir: Option<&Path>) -> Option<PathBuf> {
        if let Some(p) = m.url.as_deref().and_then(|u| self.index.get(u)) {
            return Some(p.clone());
        }
        let path = m.path.as_deref()?;
        if let Some(p) = self.index.get(path) {
            return Some(p.clone());
        }
        if path.is_empty() || path.len() > 4096 || path.contains('\0') {
            return None;
        }
        // As the adapter gave it (already joined to its input), else relative to the input.
        if let Some(c) = self.inside_roots(Path::new(path)) {
            return Some(c);
        }
        self.inside_roots(&input_dir?.join(safe_relative(path)?))
    }

    /// Hash one file (or take it from the cache).
    pub fn hash_path(&mut self, path: &Path) -> Option<HashedMedia> {
        if let Some(h) = self.cache.get(path) {
            return h.clone();
        }
        let t = std::time::Instant::now();
        let h = hash_file(path, &self.limits);
        self.stats.hash_ns += t.elapsed().as_nanos() as u64;
        match &h {
            None => self.stats.missing += 1,
            Some(h) => {
                self.stats.files += 1;
                if h.pdq.is_none() {
                    self.stats.undecodable += 1;
                }
            }
        }
        if self.cache.len() >= CACHE_ENTRIES {
            self.cache.clear();
        }
        self.cache.insert(path.to_path_buf(), h.clone());
        h
    }

    /// Fill one media item's hashes from its local file, if one is known. Hashes the
    /// platform supplied itself are kept unless the file says otherwise.
    pub fn fill(&mut self, m: &mut Media, input_dir: Option<&Path>) -> bool {
        let Some(path) = self.resolve(m, input_dir) else {
            self.stats.skipped += 1;
            return false;
        };
        let Some(h) = self.hash_path(&path) else {
            return false;
        };
        m.md5 = Some(h.md5);
        m.sha256 = Some(h.sha256);
        if let Some((hash, q, mirror)) = h.pdq {
            m.pdq = Some(hash);
            m.pdq_quality = Some(q);
            m.pdq_mirror = Some(mirror);
            m.width = h.width.or(m.width);
            m.height = h.height.or(m.height);
        }
        self.stats.hashed += 1;
        true
    }

    /// Fill every media item of a post record, and an account's avatar PDQ when its
    /// `avatar_url` names a known local file (never fetched).
    pub fn fill_record(&mut self, r: &mut Record, input_dir: Option<&Path>) {
        match r {
            Record::Post(p) => {
                for m in &mut p.media {
                    self.fill(m, input_dir);
                }
            }
            Record::Account(a) => {
                let Some(url) = a.avatar_url.as_deref() else {
                    return;
                };
                let Some(path) = self.index.get(url).cloned() else {
                    return;
                };
                // Below PDQ's quality floor (flat images) the hash says little about identity.
                if let Some(HashedMedia {
                    pdq: Some((hash, quality, _)),
                    ..
                }) = self.hash_path(&path)
                {
                    if quality >= AVATAR_MIN_QUALITY {
                        a.avatar_pdq = Some(hash);
                    }
                }
            }
            Record::Enforcement(_) => {}
        }
    }
}

/// Avatars whose PDQ quality is below this get no `avatar_pdq` (Meta's recommended floor).
pub const AVATAR_MIN_QUALITY: u32 = 50;

/// Exact hashes of the file; PDQ, quality and the mirror's PDQ when it decodes. `None` when the
/// file cannot be read (missing, too large).
pub fn hash_file(path: &Path, limits: &Limits) -> Option<HashedMedia> {
    let bytes = media::read_bounded(path, limits.max_bytes).ok()?;
    Some(hash_bytes(&bytes, limits))
}

/// As [`hash_file`], on bytes.
pub fn hash_bytes(bytes: &[u8], limits: &Limits) -> HashedMedia {
    let (md5, sha256) = media::exact_hashes(bytes);
    let mut out = HashedMedia {
        md5,
        sha256,
        pdq: None,
        width: None,
        height: None,
    };
    if let Ok(img) = media::decode(bytes, limits) {
        if let Ok((hs, q)) = pdq::hash_rgb_dihedral(img.width, img.height, &img.pixels) {
            out.pdq = Some((hs[0].to_hex(), q, hs[MIRROR].to_hex()));
            out.width = Some(img.width);
            out.height = Some(img.height);
        }
    }
    out
}

/// The PDQ column of a simulated world's `known/` list (`vigil simulate` passes it to
/// `vigil_sim::simulate_with_hashers`): the same hash ingest computes for each file.
#[derive(Debug, Default, Clone, Copy)]
pub struct PdqKnownHasher;

impl vigil_sim::KnownMediaHasher for PdqKnownHasher {
    fn algorithm(&self) -> &'static str {
        "PDQ"
    }
    fn hash(&self, bytes: &[u8]) -> Option<String> {
        hash_bytes(bytes, &Limits::default()).pdq.map(|(h, _, _)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(w: u32, h: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let v = ((x * 7 + y * 3) % 256) as u8;
                let b = if x < w / 3 { 255 } else { (y * 255 / h) as u8 };
                px.extend_from_slice(&[v, b, ((x * x + y) % 256) as u8]);
            }
        }
        px
    }

    #[test]
    fn mirror_index_is_the_left_right_flip() {
        let (w, h) = (120, 90);
        let px = pattern(w, h);
        let mut m = px.clone();
        for y in 0..h {
            for x in 0..w {
                let s = ((y * w + x) * 3) as usize;
                let d = ((y * w + (w - 1 - x)) * 3) as usize;
                m[d..d + 3].copy_from_slice(&px[s..s + 3]);
            }
        }
        let (hs, _) = pdq::hash_rgb_dihedral(w, h, &px).unwrap();
        let (mh, _) = pdq::hash_rgb_dihedral(w, h, &m).unwrap();
        assert_eq!(hs[MIRROR].hamming(&mh[0]), 0);
        assert!(hs[0].hamming(&mh[0]) > 31);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(safe_relative("../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a/../../b").is_none());
        assert!(safe_relative("").is_none());
        assert!(safe_relative("photos/a.jpg").is_some());
        let dir = std::env::temp_dir().join(format!("vigil-banks-roots-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("inner")).unwrap();
        std::fs::write(dir.join("outside.jpg"), b"x").unwrap();
        std::fs::write(dir.join("inner").join("in.jpg"), b"x").unwrap();
        let mut hasher = MediaHasher::new();
        hasher.add_root(&dir.join("inner"));
        let mut m = Media::new(vigil_model::MediaKind::Photo);
        m.path = Some("../outside.jpg".into());
        assert!(hasher.resolve(&m, Some(&dir.join("inner"))).is_none());
        m.path = Some(dir.join("inner/../outside.jpg").display().to_string());
        assert!(hasher.resolve(&m, None).is_none());
        m.path = Some(dir.join("inner/../inner/in.jpg").display().to_string());
        assert!(hasher.resolve(&m, None).is_some());
        m.path = Some("in.jpg".into());
        assert!(hasher.resolve(&m, Some(&dir.join("inner"))).is_some());
        std::fs::remove_dir_all(&dir).unwrap();
        // A URL is never turned into a path.
        let mut m = Media::new(vigil_model::MediaKind::Photo);
        m.url = Some("https://example.invalid/x.jpg".into());
        assert!(hasher.resolve(&m, Some(Path::new("/tmp"))).is_none());
    }

    #[test]
    fn garbage_bytes_get_exact_hashes_only() {
        let h = hash_bytes(b"not an image at all", &Limits::default());
        assert!(h.pdq.is_none());
        assert_eq!(h.md5.len(), 32);
        assert_eq!(h.sha256.len(), 64);
    }
}
