//! One module per `vigil` subcommand.

pub mod eval;
pub mod ingest;
pub mod scan;
pub mod simulate;
pub mod stats;
