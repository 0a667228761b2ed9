//! `resonanz ingest PATH…`: files, directories, mbox and Maildir, or `-` for one mail on stdin.
//! Prints one JSON line per mail; the run fails only if something could not be read or stored.
//!
//! Mails are read one at a time (a large mbox is never loaded whole) and stored in batches of up to
//! `BATCH_MAILS` mails or `BATCH_BYTES` bytes per transaction, which shares the cost of a commit.

use std::io::Write;
use std::path::Path;

use resonanz_channels::mailbox_formats::{self, RawMail, Source};
use resonanz_core::ids::MailboxId;
use resonanz_core::ingest::IngestItem;
use resonanz_core::mail::MailSource;
use resonanz_core::service::Core;

use crate::adapters::parse_mail;

const BATCH_MAILS: usize = 200;
const BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Stores a batch and prints one line per mail. Returns whether every mail was stored.
pub async fn store_batch(
    core: &Core,
    batch: &[RawMail],
    mailbox: Option<MailboxId>,
    max_bytes: usize,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let sources: Vec<MailSource> =
        batch.iter().map(|r| MailSource { label: r.label.clone(), mailbox_id: mailbox }).collect();
    let items = batch
        .iter()
        .zip(&sources)
        .map(|(r, source)| IngestItem { source, raw: &r.bytes, parsed: parse_mail(&r.bytes, max_bytes) })
        .collect();
    let mut all_stored = true;
    for (raw, result) in batch.iter().zip(core.ingest_batch(items).await) {
        let line = match result {
            Ok(report) => serde_json::to_value(&report)?,
            Err(e) => {
                all_stored = false;
                serde_json::json!({"source": raw.label, "status": "error", "reason": e.to_string()})
            }
        };
        writeln!(out, "{line}")?;
    }
    Ok(all_stored)
}

pub async fn run(
    core: &Core,
    paths: &[impl AsRef<Path>],
    mailbox: Option<MailboxId>,
    max_bytes: usize,
) -> anyhow::Result<bool> {
    let sources: Vec<Source> = paths.iter().map(|p| Source::from_arg(&p.as_ref().to_string_lossy())).collect();
    let mut all_stored = true;
    let mut out = std::io::stdout().lock();
    let mut batch: Vec<RawMail> = Vec::new();
    let mut batch_bytes = 0;
    for item in mailbox_formats::read_sources(&sources) {
        match item {
            Err(e) => {
                // Keep the output in input order: what was read before the error goes first.
                store_batch(core, &batch, mailbox, max_bytes, &mut out).await?;
                batch.clear();
                batch_bytes = 0;
                all_stored = false;
                let line = serde_json::json!({"source": e.path.display().to_string(), "status": "error", "reason": e.to_string()});
                writeln!(out, "{line}")?;
            }
            Ok(raw) => {
                batch_bytes += raw.bytes.len();
                batch.push(raw);
                if batch.len() >= BATCH_MAILS || batch_bytes >= BATCH_BYTES {
                    all_stored &= store_batch(core, &batch, mailbox, max_bytes, &mut out).await?;
                    batch.clear();
                    batch_bytes = 0;
                }
            }
        }
    }
    all_stored &= store_batch(core, &batch, mailbox, max_bytes, &mut out).await?;
    Ok(all_stored)
}
