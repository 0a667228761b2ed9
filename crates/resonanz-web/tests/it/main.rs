//! The HTTP API, in process, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod support;

mod api_cases;
mod api_contacts;
mod api_directory;
mod api_mail;
mod api_meta;
mod api_visibility;
mod ui;
