//! Shared helpers for vigil-hash integration tests: reference-data lookup, temp dirs, the python reference.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/reference` of the repository (or `$VIGIL_SHARED_DIR/reference`); `None` only when
/// `VIGIL_SKIP_SHARED=1`. Panics loudly when missing otherwise.
pub fn shared_reference() -> Option<PathBuf> {
    let base = match std::env::var_os("VIGIL_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let r = base.join("reference");
    if r.join("pdq").is_dir() {
        return Some(r);
    }
    if std::env::var("VIGIL_SKIP_SHARED").as_deref() == Ok("1") {
        eprintln!("skipping: {} missing and VIGIL_SKIP_SHARED=1", r.display());
        return None;
    }
    panic!(
        "shared reference data missing at {} (set VIGIL_SHARED_DIR, or VIGIL_SKIP_SHARED=1 to skip)",
        r.display()
    );
}

/// Python with `pdqhash` importable; `None` only when `VIGIL_SKIP_PYREF=1`.
pub fn python_ref() -> Option<(String, PathBuf)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/hash-pdq-ref.py");
    let py = std::env::var("VIGIL_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&py)
        .args(["-c", "import pdqhash, numpy, PIL"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        return Some((py, script));
    }
    if std::env::var("VIGIL_SKIP_PYREF").as_deref() == Ok("1") {
        eprintln!("skipping: python3 with pdqhash/numpy/Pillow missing and VIGIL_SKIP_PYREF=1");
        return None;
    }
    panic!("python3 with pdqhash, numpy and Pillow is required (pip install pdqhash numpy Pillow), or set VIGIL_SKIP_PYREF=1");
}

/// Runs the reference script and returns stdout, panicking with stderr on failure.
pub fn run_py(py: &str, script: &Path, args: &[&str]) -> String {
    let out = Command::new(py)
        .arg(script)
        .args(args)
        .output()
        .expect("spawn python3");
    assert!(
        out.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8 output")
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p =
            std::env::temp_dir().join(format!("vigil-hash-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic xorshift bytes for generated images.
pub fn xorshift_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
