//! Hash banks wired into vigil: banks persisted in the store, media hashing at ingest, the
//! `hash` detector (media and known-text matches become signals and facts), the import of a
//! world's `known/` list, and the sink that turns confirmed case items into bank entries.

pub mod detector;
pub mod known;
pub mod media;
pub mod persist;
pub mod sink;

pub use detector::{detector, detector_from_store, HashDetector, DETECTOR};
pub use known::import_known;
pub use media::{HashedMedia, MediaHasher, PdqKnownHasher};
pub use persist::{load, load_all, save};
pub use sink::StoreBankSink;

/// Failures of the bank integration.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store: {0}")]
    Store(#[from] vigil_store::StoreError),
    #[error("bank: {0}")]
    Bank(#[from] vigil_hash::banks::BankError),
    #[error("hash list: {0}")]
    Format(#[from] vigil_hash::banks::FormatError),
    #[error("stored bank is malformed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
}
