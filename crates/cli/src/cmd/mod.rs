//! One module per `vigil` subcommand.

pub mod ingest;
pub mod scan;
pub mod stats;
