//! Sending the outbox: the `send_mail` job. The raw mail is composed once, stored, and then handed to
//! the transport; retries resend the stored bytes, and a sent entry is never sent again.

use crate::audit::NewAuditEvent;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::OutboxId;
use crate::ingest::sha256_hex;
use crate::jobs::JobOutcome;
use crate::mail::MailAddress;
use crate::outbound::{MailTransport, OutboxStatus};
use crate::service::Core;
use crate::user::Actor;

/// What to put on the wire; the channels crate turns it into RFC 5322 bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingSpec {
    pub from: MailAddress,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub subject: String,
    pub text_body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: Timestamp,
    pub extra_headers: Vec<(String, String)>,
}

pub trait MailComposer: Send + Sync {
    fn compose(&self, spec: &OutgoingSpec) -> Result<Vec<u8>, String>;
}

impl Core {
    pub async fn deliver_outbox(
        &self,
        outbox_id: OutboxId,
        composer: &dyn MailComposer,
        transport: &dyn MailTransport,
    ) -> CoreResult<JobOutcome> {
        let Some(entry) = self.store.outbox(outbox_id).await? else {
            return Ok(JobOutcome::Fail(format!("outbox entry {outbox_id} does not exist")));
        };
        if entry.status != OutboxStatus::Pending {
            // Sent (or given up) already: never twice.
            return Ok(JobOutcome::Done);
        }
        let message = self.store.message(entry.message_id).await?.ok_or(CoreError::NotFound("message"))?;
        let mailbox = {
            let mut tx = self.store.begin().await?;
            let mb = match entry.mailbox_id {
                Some(id) => tx.mailbox(id).await?,
                None => tx.default_mailbox().await?,
            };
            tx.commit().await?;
            mb
        };
        let Some(mailbox) = mailbox else {
            return Ok(JobOutcome::Retry("no mailbox configured to send from".into()));
        };
        let raw = match &entry.raw_sha256 {
            Some(sha) => self.store.blob(sha).await?.ok_or(CoreError::NotFound("outbound raw mail"))?,
            None => {
                let spec = OutgoingSpec {
                    from: MailAddress {
                        address: mailbox.address.clone(),
                        name: Some(mailbox.display_name.clone()).filter(|n| !n.is_empty()),
                    },
                    to: message.to.iter().map(|a| MailAddress { address: a.clone(), name: None }).collect(),
                    cc: message.cc.iter().map(|a| MailAddress { address: a.clone(), name: None }).collect(),
                    subject: message.subject.clone(),
                    text_body: message.text_body.clone(),
                    message_id: message.message_id_header.clone().unwrap_or_default(),
                    in_reply_to: message.in_reply_to.clone(),
                    references: message.references.clone(),
                    date: message.date.unwrap_or(message.created_at),
                    extra_headers: {
                        let mut h = vec![("X-Resonanz-Case".to_string(), message.case_id.to_string())];
                        // RFC 3834: an automatic reply says so, so that other robots do not answer it.
                        if message.author_kind == crate::message::AuthorKind::Automation {
                            h.push(("Auto-Submitted".into(), "auto-replied".into()));
                        }
                        h
                    },
                };
                let raw = match composer.compose(&spec) {
                    Ok(raw) => raw,
                    Err(e) => return Ok(JobOutcome::Fail(format!("cannot compose the mail: {e}"))),
                };
                let sha = sha256_hex(&raw);
                let mut tx = self.store.begin().await?;
                let mut current = tx.outbox(outbox_id).await?.ok_or(CoreError::NotFound("outbox entry"))?;
                tx.put_blob(&sha, &raw).await?;
                current.raw_sha256 = Some(sha.clone());
                tx.update_outbox(&current).await?;
                let mut m = tx.message(message.id).await?.ok_or(CoreError::NotFound("message"))?;
                m.raw_sha256 = Some(sha);
                // The stored message is what was sent: update its raw reference in place.
                tx.set_message_raw(&m).await?;
                tx.commit().await?;
                raw
            }
        };
        let mut recipients = message.to.clone();
        recipients.extend(message.cc.iter().cloned());
        let result = transport.send(&mailbox, &mailbox.address, &recipients, &raw).await;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut current = tx.outbox(outbox_id).await?.ok_or(CoreError::NotFound("outbox entry"))?;
        current.attempts += 1;
        let outcome = match result {
            Ok(()) => {
                current.status = OutboxStatus::Sent;
                current.sent_at = Some(now);
                current.last_error = None;
                tx.append_audit(
                    NewAuditEvent::new(&Actor::System, "message.sent", "case", message.case_id, now)
                        .after(serde_json::json!({"message_id": message.id, "recipients": recipients})),
                )
                .await?;
                JobOutcome::Done
            }
            Err(e) if e.permanent => {
                current.status = OutboxStatus::Failed;
                current.last_error = Some(e.message.clone());
                tx.append_audit(
                    NewAuditEvent::new(&Actor::System, "message.send_failed", "case", message.case_id, now)
                        .after(serde_json::json!({"message_id": message.id, "error": e.message})),
                )
                .await?;
                JobOutcome::Fail(e.message)
            }
            Err(e) => {
                current.last_error = Some(e.message.clone());
                JobOutcome::Retry(e.message)
            }
        };
        tx.update_outbox(&current).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Sends a system mail (password reset, notification) from the default mailbox.
    pub async fn deliver_system_mail(
        &self,
        mail: &crate::jobs::SendSystemMail,
        composer: &dyn MailComposer,
        transport: &dyn MailTransport,
    ) -> CoreResult<JobOutcome> {
        let mailbox = {
            let mut tx = self.store.begin().await?;
            let mb = tx.default_mailbox().await?;
            tx.commit().await?;
            mb
        };
        let Some(mailbox) = mailbox else {
            return Ok(JobOutcome::Retry("no mailbox configured to send from".into()));
        };
        let now = self.clock.now();
        let domain = mailbox.address.rsplit_once('@').map(|(_, d)| d).unwrap_or("resonanz.invalid");
        let spec = OutgoingSpec {
            from: MailAddress { address: mailbox.address.clone(), name: Some("Resonanz".into()) },
            to: vec![MailAddress { address: mail.to.clone(), name: None }],
            cc: Vec::new(),
            subject: mail.subject.clone(),
            text_body: mail.text.clone(),
            message_id: format!("{}@{domain}", crate::ids::MessageId::new(now)),
            in_reply_to: None,
            references: Vec::new(),
            date: now,
            extra_headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        };
        let raw = match composer.compose(&spec) {
            Ok(raw) => raw,
            Err(e) => return Ok(JobOutcome::Fail(format!("cannot compose the mail: {e}"))),
        };
        Ok(match transport.send(&mailbox, &mailbox.address, std::slice::from_ref(&mail.to), &raw).await {
            Ok(()) => JobOutcome::Done,
            Err(e) if e.permanent => JobOutcome::Fail(e.message),
            Err(e) => JobOutcome::Retry(e.message),
        })
    }

    /// Marks an outbox entry failed when its job gave up (after the last retry, or because the
    /// mail could not be composed), and records that on the case: an agent must see that the
    /// answer did not leave.
    pub async fn give_up_outbox(&self, outbox_id: OutboxId, error: &str) -> CoreResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(mut e) = tx.outbox(outbox_id).await?
            && e.status == OutboxStatus::Pending
        {
            e.status = OutboxStatus::Failed;
            e.last_error = Some(error.to_string());
            tx.update_outbox(&e).await?;
            if let Some(message) = tx.message(e.message_id).await? {
                tx.append_audit(
                    NewAuditEvent::new(&Actor::System, "message.send_failed", "case", message.case_id, now)
                        .after(serde_json::json!({"message_id": message.id, "error": error, "attempts": e.attempts})),
                )
                .await?;
            }
        }
        tx.commit().await
    }
}
