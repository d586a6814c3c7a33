//! One module per `vigil` subcommand.

pub mod audit;
pub mod bench;
pub mod cases;
pub mod eval;
pub mod evidence;
pub mod ingest;
pub mod scan;
pub mod serve;
pub mod simulate;
pub mod stats;
pub mod user;
