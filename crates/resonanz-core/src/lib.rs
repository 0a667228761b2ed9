//! Resonanz core: domain types and rules, use-case services and the storage traits.
//!
//! This crate performs no I/O. Everything it needs from the world — storage, the clock, id
//! generation — comes in through a trait (`store::Store`, `clock::Clock`).

pub mod admin;
pub mod assist;
pub mod audit;
pub mod auth;
pub mod case;
pub mod clock;
pub mod contact;
pub mod contacts;
pub mod delivery;
pub mod error;
pub mod ids;
pub mod ingest;
pub mod jobs;
pub mod mail;
pub mod message;
pub mod notify;
pub mod organisations;
pub mod outbound;
pub mod passwords;
pub mod quarantine;
pub mod responsibility;
pub mod routing;
pub mod search;
pub mod service;
pub mod sla;
pub mod store;
pub mod textblocks;
pub mod user;
pub mod workspace;

pub use clock::{Clock, FakeClock, SystemClock, Timestamp};
pub use error::{CoreError, FieldError};
