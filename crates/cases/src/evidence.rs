//! Evidence export: a case's preserved content, media metadata and context, written as a
//! directory with a manifest of SHA-256 hashes (and the manifest's own hash beside it).

use crate::{CaseError, CaseStore, Service};
use serde::Serialize;
use std::path::Path;
use vigil_store::cases::sha256_hex;
use vigil_store::Store;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub kind: String,
    pub ref_id: String,
    pub preserved_at: i64,
    pub expires_at: i64,
}

/// `manifest.json` of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportManifest {
    pub format: &'static str,
    pub case_id: i64,
    pub exported_at: i64,
    pub exported_by: String,
    pub retention_ms: i64,
    pub files: Vec<ManifestFile>,
}

/// A file name from an id: only `[A-Za-z0-9._-]`, at most 80 characters, never `..`.
fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CaseError> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Write case `id`'s evidence to `out` (which must not exist or be empty) and record the
/// export in the audit log.
pub fn export_evidence<S: Store + CaseStore>(
    svc: &mut Service<S>,
    id: i64,
    out: &Path,
    actor: &str,
) -> Result<ExportManifest, CaseError> {
    let case = svc.case(id)?;
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        return Err(CaseError::Invalid(format!(
            "{} is not empty",
            out.display()
        )));
    }
    std::fs::create_dir_all(out)?;
    let items = svc.store.evidence_for_case(id)?;
    let mut files = Vec::with_capacity(items.len() + 1);
    let case_json = serde_json::to_vec_pretty(&serde_json::json!({
        "case": case,
        "decisions": svc.store.decisions_for(id)?,
    }))
    .map_err(|e| CaseError::Io(e.into()))?;
    write_new(&out.join("case.json"), &case_json)?;
    files.push(ManifestFile {
        path: "case.json".into(),
        sha256: sha256_hex(&case_json),
        bytes: case_json.len() as u64,
        kind: "case".into(),
        ref_id: format!("case:{id}"),
        preserved_at: svc.now(),
        expires_at: 0,
    });
    for (i, e) in items.iter().enumerate() {
        if sha256_hex(&e.content) != e.sha256 {
            return Err(CaseError::EvidenceCorrupt { id: e.id });
        }
        let name = format!(
            "{:04}-{}-{}.json",
            i + 1,
            safe_name(&e.kind),
            safe_name(&e.ref_id)
        );
        write_new(&out.join(&name), &e.content)?;
        files.push(ManifestFile {
            path: name,
            sha256: e.sha256.clone(),
            bytes: e.content.len() as u64,
            kind: e.kind.clone(),
            ref_id: e.ref_id.clone(),
            preserved_at: e.preserved_at,
            expires_at: e.expires_at,
        });
    }
    let m = ExportManifest {
        format: "vigil-evidence-v1",
        case_id: id,
        exported_at: svc.now(),
        exported_by: actor.into(),
        retention_ms: svc.config.retention_ms,
        files,
    };
    let mj = serde_json::to_vec_pretty(&m).map_err(|e| CaseError::Io(e.into()))?;
    write_new(&out.join("manifest.json"), &mj)?;
    let mh = sha256_hex(&mj);
    write_new(
        &out.join("manifest.json.sha256"),
        format!("{mh}  manifest.json\n").as_bytes(),
    )?;
    svc.audit(
        actor,
        "export",
        &format!("case:{id}"),
        "evidence export",
        serde_json::json!({"files": m.files.len(), "manifest_sha256": mh}),
    )?;
    Ok(m)
}
