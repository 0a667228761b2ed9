//! The HTTP API, in process, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod assist_support;
mod support;

mod api_assist;
mod api_cases;
mod api_contacts;
mod api_directory;
mod api_mail;
mod api_meta;
mod api_responsibility;
mod api_visibility;
mod ui;
mod ui_assist;
mod ui_assist_browser;
mod ui_responsibility;
mod ui_responsibility_browser;
