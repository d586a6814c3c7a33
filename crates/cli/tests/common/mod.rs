//! Helpers the CLI's end-to-end test binaries share: run the `vigil` binary in a directory,
//! and require that it succeeded.
// Each test binary compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run `vigil ARGS` in `dir` (never against a database named in the caller's environment).
pub fn vigil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(dir)
        .env_remove("VIGIL_DB")
        .output()
        .expect("run vigil")
}

/// Assert that the run succeeded (showing its output if not); its stdout.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "vigil failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
