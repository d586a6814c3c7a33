//! One module per `vigil` subcommand.

pub mod account;
pub mod audit;
pub mod bank;
pub mod bench;
pub mod campaigns;
pub mod cases;
pub mod demo;
pub mod eval;
pub mod evidence;
pub mod export;
pub mod hash;
pub mod identity;
pub mod ingest;
pub mod matching;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod simulate;
pub mod stats;
pub mod user;
