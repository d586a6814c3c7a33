//! Helpers shared by the integration tests: locating ../shared/reference and skipping only when asked.
#![allow(dead_code)]

use std::path::PathBuf;

/// `$VIGIL_SHARED_DIR/reference`, or `<repo>/../shared/reference`.
pub fn reference_dir() -> PathBuf {
    match std::env::var_os("VIGIL_SHARED_DIR") {
        Some(d) => PathBuf::from(d).join("reference"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    }
}

/// True when VIGIL_SKIP_SHARED=1; otherwise missing inputs must fail the test.
pub fn skip_shared() -> bool {
    std::env::var("VIGIL_SKIP_SHARED").is_ok_and(|v| v == "1")
}
