//! Storage conformance suite: every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod assist;
mod assist_rules;
mod assist_safeguarding;
mod audit;
mod cases;
mod directory;
mod ingest;
mod jobs;
mod schema;
mod workspace;
