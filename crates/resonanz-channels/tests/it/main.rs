//! Integration tests of resonanz-channels: fixtures of real-world mail, sanitising, mailbox
//! formats, building mail, and the real IMAP and SMTP servers started by `./scripts/test`.
#![allow(clippy::unwrap_used)]

mod html_xss;
mod mailbox_formats;
mod mime_auto;
mod mime_fixtures;
mod mime_robustness;
mod outgoing;
mod servers;
mod servers_tls;

use std::path::PathBuf;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

pub fn parse_fixture(name: &str) -> resonanz_core::mail::InboundMail {
    resonanz_channels::mime::parse_mail(&fixture(name), &Default::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}
