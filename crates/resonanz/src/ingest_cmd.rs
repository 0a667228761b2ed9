//! `resonanz ingest PATH…`: files, directories, mbox and Maildir, or `-` for one mail on stdin.
//! Prints one JSON line per mail as it goes (mails are read one at a time, a large mbox is never
//! loaded whole); the run fails only if something could not be read or stored.

use std::io::Write;
use std::path::Path;

use resonanz_channels::mailbox_formats::{self, Source};
use resonanz_core::ids::MailboxId;
use resonanz_core::mail::MailSource;
use resonanz_core::service::Core;

use crate::adapters::parse_mail;

/// Returns whether every mail was stored (created, appended, duplicate or quarantined).
pub async fn run(
    core: &Core,
    paths: &[impl AsRef<Path>],
    mailbox: Option<MailboxId>,
    max_bytes: usize,
) -> anyhow::Result<bool> {
    let sources: Vec<Source> = paths.iter().map(|p| Source::from_arg(&p.as_ref().to_string_lossy())).collect();
    let mut all_stored = true;
    let stdout = std::io::stdout();
    for item in mailbox_formats::read_sources(&sources) {
        let line = match item {
            Err(e) => {
                all_stored = false;
                serde_json::json!({"source": e.path.display().to_string(), "status": "error", "reason": e.to_string()})
            }
            Ok(raw) => {
                let source = MailSource { label: raw.label.clone(), mailbox_id: mailbox };
                match core.ingest_mail(&source, &raw.bytes, parse_mail(&raw.bytes, max_bytes)).await {
                    Ok(report) => serde_json::to_value(&report)?,
                    Err(e) => {
                        all_stored = false;
                        serde_json::json!({"source": raw.label, "status": "error", "reason": e.to_string()})
                    }
                }
            }
        };
        let mut out = stdout.lock();
        writeln!(out, "{line}")?;
    }
    Ok(all_stored)
}
