//! Resonanz, the application: configuration, the command line, the worker, IMAP polling, and the
//! adapters that wire core's traits to the channels crate. The `resonanz` binary is `cli::main`.

pub mod adapters;
pub mod assist;
pub mod assist_cmd;
pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_data;
pub mod directory_cmd;
pub mod imap_poll;
pub mod ingest_cmd;
pub use resonanz_core::passwords;
pub mod serve;
pub mod worker;
