//! End-to-end tests of the application: the real binary, real IMAP and SMTP servers, both databases.

#![allow(clippy::unwrap_used)]

mod assist_app;
mod assist_e2e;
mod browser;
mod cli;
mod live_multi;
mod mail_roundtrip;
mod serve;
mod support;
mod workspace_browser;
