//! End-to-end tests of the application: the real binary, real IMAP and SMTP servers, both databases.

#![allow(clippy::unwrap_used)]

mod browser;
mod cli;
mod mail_roundtrip;
mod serve;
mod support;
