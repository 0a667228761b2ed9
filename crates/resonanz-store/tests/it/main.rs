//! Storage conformance suite: every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod assignment;
mod assist;
mod assist_rules;
mod assist_safeguarding;
mod audit;
mod cases;
mod directory;
mod escalation;
mod follow_ups;
mod ingest;
mod jobs;
mod responsibility;
mod routing;
mod schema;
mod sla;
mod surveys;
mod watcher;
mod workspace;
