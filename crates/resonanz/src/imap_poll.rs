//! Fetches mail from each mailbox's IMAP folder. A mail is marked processed on the server only after
//! it is committed to the database; if anything fails in between, it stays unseen and comes again
//! (ingest is idempotent, so a second arrival is a duplicate, not a second case).

use std::time::Duration;

use resonanz_channels::imap::{ImapSession, ImapSettings};
use resonanz_core::ids::MailboxId;
use resonanz_core::mail::MailSource;
use resonanz_core::service::Core;
use tokio::sync::watch;

use crate::adapters::parse_mail;

/// One pass over a mailbox: fetch every unseen mail, ingest it, then mark it processed.
/// Returns the number of mails committed.
pub async fn poll_once(
    core: &Core,
    mailbox: MailboxId,
    session: &mut ImapSession,
    max_bytes: usize,
) -> anyhow::Result<usize> {
    let mut done = 0;
    for (uid, raw) in session.fetch_unseen().await? {
        let source = MailSource { label: format!("imap:{mailbox}/{uid}"), mailbox_id: Some(mailbox) };
        let report = core.ingest_mail(&source, &raw, parse_mail(&raw, max_bytes)).await?;
        tracing::info!(source = %report.source, status = ?report.status, "ingested from IMAP");
        session.mark_processed(uid).await?;
        done += 1;
    }
    Ok(done)
}

/// Polls one mailbox until shutdown, waiting with IDLE where the server offers it.
pub async fn run(
    core: Core,
    mailbox: MailboxId,
    settings: ImapSettings,
    max_bytes: usize,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    while !*shutdown.borrow() {
        let result = async {
            let mut session = ImapSession::connect(&settings).await?;
            poll_once(&core, mailbox, &mut session, max_bytes).await?;
            let session = tokio::select! {
                s = session.wait_for_change(poll) => s?,
                _ = shutdown.changed() => return Ok::<(), anyhow::Error>(()),
            };
            let mut session = session;
            poll_once(&core, mailbox, &mut session, max_bytes).await?;
            session.logout().await;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => failures = 0,
            Err(e) => {
                failures += 1;
                let wait = Duration::from_secs(5u64.saturating_mul(1 << failures.min(6)));
                tracing::warn!(%mailbox, error = %format!("{e:#}"), retry_in = ?wait, "IMAP poll failed");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}
