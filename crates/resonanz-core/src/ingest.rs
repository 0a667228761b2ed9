//! Inbound e-mail: idempotency, identity resolution, threading, case creation — in one transaction.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::NewAuditEvent;
use crate::case::{Case, CaseStatus, Priority, find_reference_token};
use crate::contact::{AddressForm, Contact, EmailAddress, Identity, IdentityKind};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AttachmentId, CaseId, ContactId, MessageId, QuarantineId};
use crate::mail::{InboundMail, MailSource};
use crate::message::{Attachment, AuthorKind, AutoKind, Direction, Message};
use crate::quarantine::QuarantineEntry;
use crate::routing::Trigger;
use crate::search;
use crate::service::Core;
use crate::store::Tx;
use crate::user::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestStatus {
    Created,
    Appended,
    Duplicate,
    Quarantined,
}

/// The result of ingesting one mail; `resonanz ingest` prints it as one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    pub source: String,
    pub status: IngestStatus,
    pub case_id: Option<CaseId>,
    pub message_id: Option<MessageId>,
    pub contact_id: Option<ContactId>,
    pub quarantine_id: Option<QuarantineId>,
    pub reason: Option<String>,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// What identifies a mail for the duplicate check: its Message-ID, or without one its raw bytes
/// (`raw_sha` gives their SHA-256, asked for only then).
fn dedupe_key(mail: &InboundMail, raw_sha: impl FnOnce() -> String) -> String {
    mail.message_id.clone().unwrap_or_else(|| format!("sha256:{}", raw_sha()))
}

fn sender_address(mail: &InboundMail) -> Option<EmailAddress> {
    mail.from.as_ref().and_then(|f| EmailAddress::parse(&f.address).ok())
}

/// One mail to ingest: where it came from, its raw bytes, and the parse of them (or why parsing failed).
pub struct IngestItem<'a> {
    pub source: &'a MailSource,
    pub raw: &'a [u8],
    pub parsed: Result<InboundMail, String>,
}

impl Core {
    /// Ingests one mail. `parsed` is the channels crate's parse of `raw`, or the reason it failed;
    /// a failure is quarantined with the raw bytes, never dropped. Returns an error only when
    /// nothing could be stored (the database failed); then nothing at all was stored.
    pub async fn ingest_mail(
        &self,
        source: &MailSource,
        raw: &[u8],
        parsed: Result<InboundMail, String>,
    ) -> CoreResult<IngestReport> {
        let mut tx = self.store.begin().await?;
        let report = self.ingest_in(tx.as_mut(), source, raw, parsed.as_ref().map_err(String::as_str)).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Ingests several mails in one transaction: the same rules as [`Core::ingest_mail`], with the
    /// cost of a commit shared. If the batch fails, every mail is retried alone, so one bad apple
    /// cannot hold the others back; the error of a mail that fails alone is returned in its place.
    pub async fn ingest_batch(&self, items: Vec<IngestItem<'_>>) -> Vec<CoreResult<IngestReport>> {
        let batch = async {
            let mut tx = self.store.begin().await?;
            // The batch's duplicate checks and sender lookups, in two statements instead of two per mail.
            let mut headers = Vec::new();
            let mut emails = Vec::new();
            for item in &items {
                if let Ok(mail) = &item.parsed {
                    headers.push(dedupe_key(mail, || sha256_hex(item.raw)));
                    emails.extend(sender_address(mail).map(|a| a.to_string()));
                }
            }
            tx.prefetch_absent(&headers, &emails).await?;
            let mut reports = Vec::with_capacity(items.len());
            for item in &items {
                let parsed = item.parsed.as_ref().map_err(String::as_str);
                reports.push(self.ingest_in(tx.as_mut(), item.source, item.raw, parsed).await?);
            }
            tx.commit().await?;
            Ok::<_, CoreError>(reports)
        };
        match batch.await {
            Ok(reports) => reports.into_iter().map(Ok).collect(),
            Err(_) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.ingest_mail(item.source, item.raw, item.parsed).await);
                }
                out
            }
        }
    }

    async fn ingest_in(
        &self,
        tx: &mut dyn Tx,
        source: &MailSource,
        raw: &[u8],
        parsed: Result<&InboundMail, &str>,
    ) -> CoreResult<IngestReport> {
        let mail = match parsed {
            Ok(mail) => mail,
            Err(reason) => return self.quarantine_in(tx, source, raw, reason).await,
        };
        let Some(from) = sender_address(mail) else {
            return self.quarantine_in(tx, source, raw, "the sender address is missing or invalid").await;
        };
        let raw_sha = sha256_hex(raw);
        let dedupe_key = dedupe_key(mail, || raw_sha.clone());
        let now = self.clock.now();

        if let Some(existing) = tx.message_by_header(&dedupe_key).await? {
            return Ok(IngestReport {
                source: source.label.clone(),
                status: IngestStatus::Duplicate,
                case_id: Some(existing.case_id),
                message_id: Some(existing.id),
                contact_id: existing.author_contact_id,
                quarantine_id: None,
                reason: None,
            });
        }

        let header_case = thread_by_headers(tx, mail).await?;
        let is_bounce = mail.auto_kind == AutoKind::Bounce;
        // A bounce that names the mail it returns belongs to that case and needs no contact of its
        // own: the mailer daemon is not a person we keep a relationship with.
        let sender = if is_bounce && header_case.is_some() {
            None
        } else {
            Some(resolve_sender(tx, &from, mail.from.as_ref().and_then(|f| f.name.clone()), mail, now).await?)
        };
        if is_bounce {
            mark_failing(tx, mail, now).await?;
        }
        let existing_case = match header_case {
            Some(case) => Some(case),
            None => thread_by_token(tx, mail, sender).await?,
        };
        let actor = sender.map(Actor::Contact).unwrap_or(Actor::System);
        let (mut case, created) = match existing_case {
            Some(case) => (case, false),
            None => {
                // Only a threaded bounce has no sender contact, and it is threaded.
                let contact_id = sender.ok_or(CoreError::NotFound("contact"))?;
                let number = tx.next_case_number().await?;
                let subject =
                    if mail.subject.trim().is_empty() { "(kein Betreff)".to_string() } else { mail.subject.clone() };
                let case = Case {
                    id: CaseId::new(now),
                    number,
                    subject,
                    status: CaseStatus::New,
                    priority: Priority::Normal,
                    contact_id,
                    owner_id: None,
                    team_id: None,
                    mailbox_id: source.mailbox_id,
                    channel: "email".into(),
                    tags: Vec::new(),
                    created_at: now,
                    updated_at: now,
                    waiting_since: None,
                    last_message_at: now,
                    preview: String::new(),
                    escalation_level: 0,
                    escalation_reason: None,
                    categories: Vec::new(),
                    safeguarding: false,
                    safeguarding_due_at: None,
                    sla: Default::default(),
                    escalated_at: None,
                    escalation_ack_at: None,
                    escalation_ack_by: None,
                    snoozed_until: None,
                    watch_flagged_at: None,
                };
                (case, true)
            }
        };
        let before = case.clone();
        // Auto-replies and bounces are filed, but do not reopen a case or start a waiting clock.
        if mail.auto_kind == AutoKind::None {
            case.status = case.status.on_contact_message();
            // The contact wrote: a snoozed case is back at once.
            if case.snoozed_until.take().is_some() {
                for mut f in tx.case_follow_ups(case.id).await? {
                    if f.kind == crate::responsibility::FollowUpKind::Snooze && f.done_at.is_none() {
                        f.done_at = Some(now);
                        tx.update_follow_up(&f).await?;
                    }
                }
            }
            if case.waiting_since.is_none() {
                case.waiting_since = Some(now);
            }
        } else if created {
            case.waiting_since = Some(now);
        }
        case.last_message_at = now;
        case.updated_at = now;
        if mail.auto_kind == AutoKind::None || created {
            case.preview = crate::case::preview_of(&mail.text_body);
        }

        let message = Message {
            id: MessageId::new(now),
            case_id: case.id,
            direction: Direction::Inbound,
            author_kind: if mail.auto_kind == AutoKind::None { AuthorKind::Contact } else { AuthorKind::Automation },
            author_user_id: None,
            author_contact_id: sender,
            message_id_header: Some(dedupe_key),
            in_reply_to: mail.in_reply_to.first().cloned(),
            references: mail.references.clone(),
            from_addr: Some(from.to_string()),
            from_name: mail.from.as_ref().and_then(|f| f.name.clone()),
            to: mail.to.iter().map(|a| a.address.to_lowercase()).collect(),
            cc: mail.cc.iter().map(|a| a.address.to_lowercase()).collect(),
            subject: mail.subject.clone(),
            date: mail.date,
            text_body: mail.text_body.clone(),
            html_body: mail.html_body.clone(),
            has_remote_images: mail.has_remote_images,
            auto_kind: mail.auto_kind,
            raw_sha256: Some(raw_sha.clone()),
            created_at: now,
        };

        if created {
            crate::responsibility::save_case(self, tx, None, &mut case, now).await?;
            tx.append_audit(NewAuditEvent::new(&actor, "case.created", "case", case.id, now).after(&case)).await?;
        } else {
            crate::responsibility::save_case(self, tx, Some(&before), &mut case, now).await?;
            if before.status != case.status {
                tx.append_audit(
                    NewAuditEvent::new(&actor, "case.reopened", "case", case.id, now)
                        .before(serde_json::json!({"status": before.status}))
                        .after(serde_json::json!({"status": case.status})),
                )
                .await?;
            }
        }
        tx.put_blob(&raw_sha, raw).await?;
        tx.insert_message(&message, &search::document(&message.subject, &message.text_body)).await?;
        if mail.auto_kind == AutoKind::None {
            // Rules act once the case and message are stored, so what they record refers to both.
            let stored = case.clone();
            let trigger = if created { Trigger::Created } else { Trigger::Message };
            self.route(tx, &mut case, trigger, Some(&message), None, now).await?;
            if let Some(asks) = crate::responsibility::asks_for_person(&message.text_body) {
                crate::responsibility::escalate_for_request(self, tx, &mut case, asks, now).await?;
            }
            if case != stored {
                crate::responsibility::save_case(self, tx, Some(&stored), &mut case, now).await?;
            }
        }
        // People write; machines' auto-replies and bounces need no analysis.
        if message.auto_kind == AutoKind::None {
            crate::assist::queue_analysis(tx, &message).await?;
        }
        for att in &mail.attachments {
            let sha = sha256_hex(&att.data);
            tx.put_blob(&sha, &att.data).await?;
            tx.insert_attachment(&Attachment {
                id: AttachmentId::new(now),
                message_id: message.id,
                filename: att.filename.clone(),
                content_type: att.content_type.clone(),
                size: att.data.len() as i64,
                sha256: sha,
                content_id: att.content_id.clone(),
                inline: att.inline,
            })
            .await?;
        }
        tx.append_audit(NewAuditEvent::new(&actor, "message.received", "case", case.id, now).after(
            serde_json::json!({
                "message_id": message.id,
                "source": source.label,
                "auto_kind": message.auto_kind,
            }),
        ))
        .await?;

        Ok(IngestReport {
            source: source.label.clone(),
            status: if created { IngestStatus::Created } else { IngestStatus::Appended },
            case_id: Some(case.id),
            message_id: Some(message.id),
            contact_id: sender,
            quarantine_id: None,
            reason: None,
        })
    }

    async fn quarantine_in(
        &self,
        tx: &mut dyn Tx,
        source: &MailSource,
        raw: &[u8],
        reason: &str,
    ) -> CoreResult<IngestReport> {
        let now = self.clock.now();
        let raw_sha256 = sha256_hex(raw);
        // The same bytes held already: stored once, like any mail.
        if let Some(held) = tx.held_quarantine(&raw_sha256).await? {
            return Ok(IngestReport {
                source: source.label.clone(),
                status: IngestStatus::Duplicate,
                case_id: None,
                message_id: None,
                contact_id: None,
                quarantine_id: Some(held.id),
                reason: Some(held.reason),
            });
        }
        let entry = QuarantineEntry {
            id: QuarantineId::new(now),
            source: source.label.clone(),
            reason: reason.to_string(),
            raw_sha256,
            size: raw.len() as i64,
            mailbox_id: source.mailbox_id,
            status: "held".into(),
            created_at: now,
            released_at: None,
        };
        tx.put_blob(&entry.raw_sha256, raw).await?;
        tx.insert_quarantine(&entry).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::System, "mail.quarantined", "quarantine", entry.id, now)
                .after(serde_json::json!({"source": entry.source, "reason": entry.reason, "size": entry.size})),
        )
        .await?;
        Ok(IngestReport {
            source: source.label.clone(),
            status: IngestStatus::Quarantined,
            case_id: None,
            message_id: None,
            contact_id: None,
            quarantine_id: Some(entry.id),
            reason: Some(reason.to_string()),
        })
    }

    /// Tries a quarantined mail again (after a parser fix, or a raised size limit). On success the
    /// entry is released; on failure it stays held and the report says why.
    pub async fn reingest_quarantine(
        &self,
        id: QuarantineId,
        actor: &Actor,
        parse: &(dyn Fn(&[u8]) -> Result<InboundMail, String> + Send + Sync),
    ) -> CoreResult<IngestReport> {
        let entry = self.store.quarantine(id).await?.ok_or(CoreError::NotFound("quarantine entry"))?;
        let raw = self.store.blob(&entry.raw_sha256).await?.ok_or(CoreError::NotFound("quarantined mail"))?;
        let source = MailSource { label: format!("quarantine:{id}"), mailbox_id: entry.mailbox_id };
        let mail = match parse(&raw) {
            Ok(mail) if mail.from.as_ref().is_some_and(|f| EmailAddress::parse(&f.address).is_ok()) => mail,
            Ok(_) => return Ok(held(&source, id, "the sender address is missing or invalid".into())),
            Err(reason) => return Ok(held(&source, id, reason)),
        };
        let report = self.ingest_mail(&source, &raw, Ok(mail)).await?;
        if entry.status == "held" {
            self.release_quarantine(id, actor).await?;
        }
        Ok(report)
    }

    /// Marks a quarantined mail released after it was re-ingested successfully.
    pub async fn release_quarantine(&self, id: QuarantineId, actor: &Actor) -> CoreResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut entry = tx.quarantine(id).await?.ok_or(CoreError::NotFound("quarantine entry"))?;
        entry.status = "released".into();
        entry.released_at = Some(now);
        tx.update_quarantine(&entry).await?;
        tx.append_audit(NewAuditEvent::new(actor, "quarantine.released", "quarantine", id, now)).await?;
        tx.commit().await
    }
}

fn held(source: &MailSource, id: QuarantineId, reason: String) -> IngestReport {
    IngestReport {
        source: source.label.clone(),
        status: IngestStatus::Quarantined,
        case_id: None,
        message_id: None,
        contact_id: None,
        quarantine_id: Some(id),
        reason: Some(reason),
    }
}

async fn resolve_sender(
    tx: &mut dyn Tx,
    from: &EmailAddress,
    name: Option<String>,
    mail: &InboundMail,
    now: crate::Timestamp,
) -> CoreResult<ContactId> {
    if let Some(mut identity) = tx.identity(IdentityKind::Email, from.as_str()).await? {
        // A person writing from a failing address shows it works again.
        if identity.failing_since.is_some() && mail.auto_kind == AutoKind::None {
            identity.failing_since = None;
            identity.failure_reason = None;
            tx.update_identity(&identity).await?;
        }
        return Ok(identity.contact_id);
    }
    let display_name = name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| from.to_string());
    let contact = Contact {
        id: ContactId::new(now),
        display_name,
        organisation_id: None,
        address_form: AddressForm::Formal,
        language: "de".into(),
        notes: String::new(),
        attributes: Default::default(),
        created_at: now,
        updated_at: now,
    };
    let identity = Identity {
        id: crate::ids::IdentityId::new(now),
        contact_id: contact.id,
        kind: IdentityKind::Email,
        value: from.to_string(),
        failing_since: None,
        failure_reason: None,
        created_at: now,
    };
    tx.insert_contact(&contact).await?;
    tx.insert_identity(&identity).await?;
    tx.append_audit(
        NewAuditEvent::new(&Actor::System, "contact.created", "contact", contact.id, now)
            .after(serde_json::json!({"display_name": contact.display_name, "email": identity.value})),
    )
    .await?;
    Ok(contact.id)
}

/// Marks the addresses a bounce reports as failing — but only addresses that the returned mail, one
/// of ours, was sent to. Anyone can send something that looks like a bounce; without that check a
/// forged one could silence any contact.
async fn mark_failing(tx: &mut dyn Tx, mail: &InboundMail, now: crate::Timestamp) -> CoreResult<()> {
    let mut recipients: Vec<String> = Vec::new();
    for id in mail.in_reply_to.iter().chain(mail.references.iter()) {
        if let Some(m) = tx.message_by_header(id).await?
            && m.direction == Direction::Outbound
        {
            recipients.extend(m.to.iter().chain(m.cc.iter()).map(|a| a.to_lowercase()));
        }
    }
    for addr in &mail.failed_recipients {
        let Ok(addr) = EmailAddress::parse(addr) else { continue };
        if !recipients.iter().any(|r| r == addr.as_str()) {
            continue;
        }
        if let Some(mut identity) = tx.identity(IdentityKind::Email, addr.as_str()).await? {
            identity.failing_since = Some(now);
            identity.failure_reason = mail.bounce_reason.clone().or_else(|| Some("delivery failed".into()));
            tx.update_identity(&identity).await?;
            tx.append_audit(
                NewAuditEvent::new(&Actor::System, "identity.failing", "contact", identity.contact_id, now)
                    .after(serde_json::json!({"address": identity.value, "reason": identity.failure_reason})),
            )
            .await?;
        }
    }
    Ok(())
}

/// Threading by headers: In-Reply-To, then References (newest first).
async fn thread_by_headers(tx: &mut dyn Tx, mail: &InboundMail) -> CoreResult<Option<Case>> {
    let mut refs: Vec<String> = mail.in_reply_to.clone();
    refs.extend(mail.references.iter().rev().cloned());
    refs.dedup();
    refs.truncate(50);
    if !refs.is_empty()
        && let Some(case_id) = tx.case_by_headers(&refs).await?
    {
        return tx.case(case_id).await;
    }
    Ok(None)
}

/// Threading by the case token in the subject (`[#R-1234]`), for replies whose headers were lost.
/// A token is easy to type, so it only counts from the case's own contact or from someone of the
/// same organisation; anyone else opens a new case instead of writing into a stranger's.
async fn thread_by_token(tx: &mut dyn Tx, mail: &InboundMail, sender: Option<ContactId>) -> CoreResult<Option<Case>> {
    let (Some(number), Some(sender)) = (find_reference_token(&mail.subject), sender) else { return Ok(None) };
    let Some(case) = tx.case_by_number(number).await? else { return Ok(None) };
    if case.contact_id == sender {
        return Ok(Some(case));
    }
    let org_of = |c: Option<crate::contact::ContactView>| c.and_then(|c| c.contact.organisation_id);
    let case_org = org_of(tx.contact(case.contact_id).await?);
    let sender_org = org_of(tx.contact(sender).await?);
    Ok(if case_org.is_some() && case_org == sender_org { Some(case) } else { None })
}
