//! `vigil hash pdq FILE...`: PDQ hash, quality and dimensions of local images (bounded,
//! hostile-safe decoding), optionally with the 8 dihedral hashes.

use crate::{Outcome, UsageError};
use anyhow::Result;
use std::path::PathBuf;
use vigil_hash::media::{self, Limits};
use vigil_hash::pdq;

/// Perceptual hashes of local files
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// PDQ hash, quality and dimensions of each image
    Pdq {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also print the 8 dihedral hashes (rotations and flips, Meta's order)
        #[arg(long)]
        dihedral: bool,
        /// One JSON object per file
        #[arg(long)]
        json: bool,
    },
}

pub fn run(c: Command) -> Result<Outcome> {
    let Command::Pdq {
        files,
        dihedral,
        json,
    } = c;
    let limits = Limits::default();
    let mut failed = 0;
    for f in &files {
        let r = media::read_bounded(f, limits.max_bytes)
            .and_then(|bytes| media::decode(&bytes, &limits))
            .map_err(|e| e.to_string())
            .and_then(|img| {
                let main =
                    pdq::hash_rgb(img.width, img.height, &img.pixels).map_err(|e| e.to_string())?;
                let dih = if dihedral {
                    Some(
                        pdq::hash_rgb_dihedral(img.width, img.height, &img.pixels)
                            .map_err(|e| e.to_string())?
                            .0,
                    )
                } else {
                    None
                };
                Ok((img.width, img.height, main, dih))
            });
        match r {
            Ok((w, h, main, dih)) => {
                if json {
                    let mut v = serde_json::json!({
                        "file": f.display().to_string(), "pdq": main.hash.to_hex(),
                        "quality": main.quality, "width": w, "height": h,
                    });
                    if let Some(d) = &dih {
                        let m: serde_json::Map<String, serde_json::Value> = pdq::DIHEDRAL_NAMES
                            .iter()
                            .zip(d.iter())
                            .map(|(n, h)| (n.to_string(), h.to_hex().into()))
                            .collect();
                        v["dihedral"] = m.into();
                    }
                    println!("{v}");
                } else {
                    println!(
                        "{}\t{}\t{}x{}\t{}",
                        main.hash.to_hex(),
                        main.quality,
                        w,
                        h,
                        f.display()
                    );
                    if let Some(d) = &dih {
                        for (n, h) in pdq::DIHEDRAL_NAMES.iter().zip(d.iter()) {
                            println!("  {n:<11} {}", h.to_hex());
                        }
                    }
                }
            }
            Err(e) => {
                failed += 1;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"file": f.display().to_string(), "error": e})
                    );
                } else {
                    eprintln!("vigil: {}: {e}", f.display());
                }
            }
        }
    }
    if failed == files.len() {
        return Err(UsageError(format!("no file could be hashed ({failed} failed)")).into());
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} files could not be hashed", files.len());
    }
    Ok(Outcome::Clean)
}
