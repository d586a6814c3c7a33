//! One module per `vigil` subcommand.

pub mod ingest;
pub mod rules;
pub mod scan;
pub mod simulate;
pub mod stats;
