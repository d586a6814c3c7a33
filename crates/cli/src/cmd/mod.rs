//! One module per `vigil` subcommand.

pub mod campaigns;
pub mod export;
pub mod ingest;
pub mod scan;
pub mod simulate;
pub mod stats;
