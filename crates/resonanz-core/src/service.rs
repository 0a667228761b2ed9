//! Use-case services on cases: the reading and writing an agent does. Each write is one transaction
//! with its audit events (and, for replies, its outbox row and send job).

use std::sync::Arc;

use serde::Serialize;

use crate::audit::{AuditEvent, NewAuditEvent};
use crate::case::{Case, CaseCursor, CaseFilter, CaseStatus, Priority, normalise_tags, reply_subject};
use crate::clock::Clock;
use crate::contact::{ContactView, EmailAddress, Organisation};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::{CaseId, MessageId, OutboxId, TeamId, UserId};
use crate::jobs::{NewJob, SendMail};
use crate::message::{AuthorKind, AutoKind, Direction, Message, MessageView};
use crate::outbound::{OutboxEntry, OutboxStatus};
use crate::search;
use crate::store::{SearchHit, Store};
use crate::user::{Actor, User};

/// Settings the core needs, taken from the binary's configuration.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// Largest accepted mail in bytes; larger ones are quarantined.
    pub max_mail_bytes: usize,
    /// The organisation's time zone: business hours, "today" for daily caps, rule times.
    pub time_zone: chrono_tz::Tz,
    /// Where people reach this installation (`--public-url`), for links in mails to contacts.
    pub public_url: Option<String>,
}

impl Default for CoreSettings {
    fn default() -> Self {
        Self { max_mail_bytes: 50 * 1024 * 1024, time_zone: chrono_tz::Europe::Berlin, public_url: None }
    }
}

/// The application core: storage and clock, injected.
#[derive(Clone)]
pub struct Core {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: CoreSettings,
    /// Routing rules compiled once per change (per process; the rules themselves are stored).
    pub(crate) rule_cache: crate::routing::SharedRuleCache,
    /// Business calendars compiled from their stored JSON, by that JSON.
    pub(crate) calendar_cache: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, Option<resonanz_calendar::BusinessCalendar>>>,
    >,
}

/// A page of a list with the cursor of the next page.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A user as shown beside cases: never the password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRef {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
}

impl From<User> for UserRef {
    fn from(u: User) -> Self {
        Self { id: u.id, display_name: u.display_name, email: u.email }
    }
}

/// Everything about one case: what the case page and `resonanz case show` show.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub reference: String,
    pub contact: Option<ContactView>,
    /// The contact's organisation, if it has one.
    pub organisation: Option<Organisation>,
    pub owner: Option<UserRef>,
    pub messages: Vec<MessageView>,
    pub events: Vec<AuditEvent>,
}

/// Changes to a case's attributes; `None` leaves a field as it is. `team_id: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CasePatch {
    pub status: Option<CaseStatus>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub team_id: Option<Option<TeamId>>,
}

#[derive(Debug, Clone, Default)]
pub struct ReplyInput {
    pub text: String,
    /// Recipients; by default the address the contact last wrote from.
    pub to: Option<Vec<String>>,
    pub cc: Vec<String>,
    /// Status after the reply; by default a new case becomes open and others keep theirs.
    pub status: Option<CaseStatus>,
    /// Text blocks used in the text; their usage counts go up.
    pub text_blocks: Vec<crate::ids::TextBlockId>,
    /// The Assist draft the reply started from (the ledger records accepted or edited).
    pub draft: Option<crate::ids::SuggestionId>,
}

/// The address the contact last wrote from, unless mail to it bounced since; then any working
/// address of the contact.
pub(crate) async fn default_recipient(
    tx: &mut dyn crate::store::Tx,
    case: &Case,
    last_in: Option<&Message>,
) -> CoreResult<Option<String>> {
    let contact = tx.contact(case.contact_id).await?.ok_or(CoreError::NotFound("contact"))?;
    let working = |addr: &String| contact.identities.iter().any(|i| &i.value == addr && i.failing_since.is_none());
    let from_last = last_in.filter(|m| m.auto_kind == AutoKind::None).and_then(|m| m.from_addr.clone()).filter(working);
    let fallback = contact.identities.iter().find(|i| i.failing_since.is_none()).map(|i| i.value.clone());
    Ok(from_last.or(fallback))
}

/// Stores a machine's outbound message on a case and queues it for sending (an automatic reply, a
/// survey): the message with its search document, its outbox entry and the send job.
pub(crate) async fn queue_automatic(
    tx: &mut dyn crate::store::Tx,
    message: &Message,
    mailbox: &crate::outbound::Mailbox,
    now: crate::clock::Timestamp,
) -> CoreResult<OutboxEntry> {
    let outbox = OutboxEntry::new(message.id, mailbox.id, OutboxStatus::Pending, now);
    tx.insert_message(message, &search::document(&message.subject, &message.text_body)).await?;
    tx.insert_outbox(&outbox).await?;
    tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: outbox.id }, now)).await?;
    Ok(outbox)
}

/// What an outbound message says and to whom.
pub(crate) struct Outgoing<'a> {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The text without the mailbox signature.
    pub text: &'a str,
    /// The agent; `None` for an automatic reply.
    pub author: Option<UserId>,
    pub now: crate::clock::Timestamp,
}

/// An outbound message on a case: threaded to the contact's last message, with the mailbox's
/// signature and the case's reference in the subject.
pub(crate) fn outbound_message(
    case: &Case,
    mailbox: &crate::outbound::Mailbox,
    last_in: Option<&Message>,
    out: Outgoing<'_>,
) -> Message {
    let now = out.now;
    let message_id = MessageId::new(now);
    let mut references = last_in.map(|m| m.references.clone()).unwrap_or_default();
    if let Some(mid) = last_in.and_then(|m| m.message_id_header.clone()) {
        references.push(mid);
    }
    // Keep the first (thread root) and the most recent references, as RFC 5322 suggests.
    if references.len() > 20 {
        let tail = references.split_off(references.len() - 19);
        references.truncate(1);
        references.extend(tail);
    }
    let mut body = out.text.to_string();
    if !mailbox.signature.trim().is_empty() {
        body.push_str("\n\n-- \n");
        body.push_str(mailbox.signature.trim_end());
    }
    Message {
        id: message_id,
        case_id: case.id,
        direction: Direction::Outbound,
        author_kind: if out.author.is_some() { AuthorKind::Agent } else { AuthorKind::Automation },
        author_user_id: out.author,
        author_contact_id: None,
        message_id_header: Some(format!("{}@{}", message_id.0.simple(), mailbox.domain())),
        in_reply_to: last_in.and_then(|m| m.message_id_header.clone()),
        references,
        from_addr: Some(mailbox.address.clone()),
        from_name: Some(mailbox.display_name.clone()),
        to: out.to,
        cc: out.cc,
        subject: reply_subject(&case.subject, case.number),
        date: Some(now),
        text_body: body,
        html_body: None,
        has_remote_images: false,
        auto_kind: AutoKind::None,
        raw_sha256: None,
        created_at: now,
    }
}

pub const MAX_BODY_CHARS: usize = 200_000;

impl Core {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: CoreSettings) -> Self {
        Self { store, clock, settings, rule_cache: Default::default(), calendar_cache: Default::default() }
    }

    pub async fn list_cases(&self, mut filter: CaseFilter) -> CoreResult<Page<Case>> {
        filter.limit = filter.limit.clamp(1, 200);
        let limit = filter.limit as usize;
        let mut items = self.store.list_cases(&filter).await?;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|c| CaseCursor { sort_key: crate::case::sort_key(c), id: c.id }.encode())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    pub async fn case_detail(&self, id: CaseId) -> CoreResult<CaseDetail> {
        let case = self.store.case(id).await?.ok_or(CoreError::NotFound("case"))?;
        let contact = self.store.contact(case.contact_id).await?;
        let organisation = match contact.as_ref().and_then(|c| c.contact.organisation_id) {
            Some(oid) => self.store.organisation(oid).await?,
            None => None,
        };
        let owner = match case.owner_id {
            Some(uid) => self.store.user(uid).await?.map(UserRef::from),
            None => None,
        };
        let messages = self.store.case_messages(id).await?;
        let events = self.store.subject_events("case", &id.to_string()).await?;
        Ok(CaseDetail { reference: case.reference(), case, contact, organisation, owner, messages, events })
    }

    pub async fn search(&self, query: &str, limit: u32) -> CoreResult<Vec<SearchHit>> {
        let terms = search::query_terms(query);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        self.store.search(&terms, limit.clamp(1, 200)).await
    }

    /// An agent's reply: stored as sent-to-be, with an outbox row and a send job in the same
    /// transaction, so a reply is either fully queued or not at all.
    pub async fn reply(&self, case_id: CaseId, author: UserId, input: ReplyInput) -> CoreResult<(MessageId, OutboxId)> {
        // Browsers send CRLF line breaks; stored text and drafts use LF (edit distances compare them).
        let text = input.text.replace("\r\n", "\n").trim_end().to_string();
        let mut errors = Vec::new();
        if text.trim().is_empty() {
            errors.push(FieldError::new("text", "required", "the reply text is empty"));
        } else if text.chars().count() > MAX_BODY_CHARS {
            errors.push(FieldError::new("text", "too_long", format!("at most {MAX_BODY_CHARS} characters")));
        } else if let Some(p) = crate::textblocks::placeholders(&text)
            .into_iter()
            .find(|p| crate::textblocks::PLACEHOLDERS.contains(p) || *p == crate::textblocks::CHECK_PLACEHOLDER)
        {
            // A text block's placeholder that had no value: the contact must never get `{{…}}`.
            errors.push(FieldError::new(
                "text",
                "unfilled_placeholder",
                format!("replace {{{{{p}}}}} before sending: it had no value for this case"),
            ));
        }
        let cc = parse_addresses("cc", &input.cc, &mut errors);
        let explicit_to = input.to.as_ref().map(|to| parse_addresses("to", to, &mut errors));
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let before = case.clone();
        let author_user = tx.user(author).await?.ok_or(CoreError::NotFound("user"))?;
        let last_in = tx.last_inbound_message(case_id).await?;
        let to = match explicit_to {
            Some(to) if !to.is_empty() => to,
            _ => match default_recipient(&mut *tx, &case, last_in.as_ref()).await? {
                Some(addr) => vec![addr],
                None => {
                    return Err(CoreError::invalid(
                        "to",
                        "no_recipient",
                        "the contact has no working e-mail address: name a recipient",
                    ));
                }
            },
        };
        let mailbox = match case.mailbox_id {
            Some(id) => tx.mailbox(id).await?,
            None => tx.default_mailbox().await?,
        }
        .ok_or_else(|| CoreError::Conflict("no mailbox is configured to send from".into()))?;

        let message = outbound_message(
            &case,
            &mailbox,
            last_in.as_ref(),
            Outgoing { to: to.clone(), cc: cc.clone(), text: &text, author: Some(author), now },
        );
        let message_id = message.id;
        // A reply on a safeguarding case waits for a second person (four-eyes).
        let status = if case.safeguarding { OutboxStatus::Held } else { OutboxStatus::Pending };
        let outbox = OutboxEntry::new(message_id, mailbox.id, status, now);
        let before_status = case.status;
        // A reply held for approval has not answered anyone yet: status and waiting clock change
        // when it is approved.
        if !case.safeguarding {
            case.status = match input.status {
                Some(s) => s,
                None if case.status == CaseStatus::New => CaseStatus::Open,
                None => case.status,
            };
            case.waiting_since = None;
            // A person answered: the first-response target is met (a held reply counts when it
            // is approved).
            if case.sla.first_responded_at.is_none() {
                case.sla.first_responded_at = Some(now);
            }
        }
        case.last_message_at = now;
        case.preview = crate::case::preview_of(&message.text_body);
        case.updated_at = now;
        tx.insert_message(&message, &search::document(&message.subject, &message.text_body)).await?;
        tx.insert_outbox(&outbox).await?;
        if case.safeguarding {
            crate::assist::hold_for_approval(self, &mut *tx, &case, message_id, outbox.id, &author_user).await?;
        } else {
            tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: outbox.id }, now)).await?;
        }
        crate::assist::on_reply(&mut *tx, case_id, author, input.draft, &text, now).await?;
        tx.count_text_block_use(&input.text_blocks).await?;
        crate::responsibility::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        let actor = Actor::User(author_user.id);
        tx.append_audit(
            NewAuditEvent::new(&actor, "message.replied", "case", case_id, now)
                .after(serde_json::json!({"message_id": message_id, "to": to, "cc": cc, "outbox_id": outbox.id})),
        )
        .await?;
        if before_status != case.status {
            tx.append_audit(status_event(&actor, case_id, before_status, case.status, now)).await?;
        }
        tx.commit().await?;
        Ok((message_id, outbox.id))
    }

    /// An internal note: visible to colleagues only, never sent.
    pub async fn add_note(&self, case_id: CaseId, author: UserId, text: &str) -> CoreResult<MessageId> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CoreError::invalid("text", "required", "the note is empty"));
        }
        if text.chars().count() > MAX_BODY_CHARS {
            return Err(CoreError::invalid("text", "too_long", format!("at most {MAX_BODY_CHARS} characters")));
        }
        let now = self.clock.now();
        let users = self.store.list_users().await?;
        let case_now = self.store.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let mut mentioned: Vec<&User> = Vec::new();
        for u in crate::workspace::mentioned_users(text, &users) {
            // Someone who may not see the case is not told about it either.
            if u.id != author && self.can_see(u, &case_now).await? {
                mentioned.push(u);
            }
        }
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let user = tx.user(author).await?.ok_or(CoreError::NotFound("user"))?;
        let id = MessageId::new(now);
        let note = note_message(id, case_id, &user, text, now);
        tx.insert_message(&note, &search::document("", text)).await?;
        let before = case.clone();
        case.updated_at = now;
        crate::responsibility::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        for m in &mentioned {
            let body = format!("{} {}: {}", case.reference(), user.display_name, crate::case::preview_of(text));
            let n = crate::notify::Notice {
                user: m.id,
                kind: "mention",
                case_id: Some(case_id),
                reference: Some(case.reference()),
                actor: Some(author),
                body,
                now,
            };
            crate::notify::notify(&mut *tx, n).await?;
        }
        let mention_ids: Vec<_> = mentioned.iter().map(|u| u.id).collect();
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(author), "note.added", "case", case_id, now)
                .after(serde_json::json!({"message_id": id, "mentions": mention_ids})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes status, priority, tags and team; each change that happens is audited.
    pub async fn update_case(&self, case_id: CaseId, actor: &Actor, patch: CasePatch) -> CoreResult<Case> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let before = case.clone();
        if let Some(s) = patch.status {
            case.status = s;
        }
        if let Some(p) = patch.priority {
            case.priority = p;
        }
        if let Some(t) = patch.tags {
            case.tags = normalise_tags(&t);
        }
        if let Some(team) = patch.team_id {
            if case.safeguarding && team != case.team_id {
                self.require_role(
                    actor,
                    |r| r != crate::user::Role::Agent,
                    "a safeguarding case stays with its team until a supervisor moves it",
                )
                .await?;
            }
            if let Some(id) = team
                && tx.team(id).await?.is_none()
            {
                return Err(CoreError::invalid("team_id", "unknown_team", "no such team"));
            }
            case.team_id = team;
        }
        if case == before {
            return Ok(case);
        }
        case.updated_at = now;
        // The person's change is recorded as theirs; what rules then change is recorded as the
        // rules' (case.routed).
        let by_person = case.clone();
        self.route(&mut *tx, &mut case, crate::routing::Trigger::Updated, None, None, now).await?;
        crate::responsibility::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        let result = case;
        let case = by_person;
        if before.status != case.status {
            tx.append_audit(status_event(actor, case_id, before.status, case.status, now)).await?;
        }
        if before.priority != case.priority {
            tx.append_audit(
                NewAuditEvent::new(actor, "case.priority_changed", "case", case_id, now)
                    .before(serde_json::json!({"priority": before.priority}))
                    .after(serde_json::json!({"priority": case.priority})),
            )
            .await?;
        }
        if before.tags != case.tags {
            tx.append_audit(
                NewAuditEvent::new(actor, "case.tags_changed", "case", case_id, now)
                    .before(serde_json::json!({"tags": before.tags}))
                    .after(serde_json::json!({"tags": case.tags})),
            )
            .await?;
        }
        if before.team_id != case.team_id {
            tx.append_audit(
                NewAuditEvent::new(actor, "case.team_changed", "case", case_id, now)
                    .before(serde_json::json!({"team_id": before.team_id}))
                    .after(serde_json::json!({"team_id": case.team_id})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(result)
    }

    /// Changes the owner. Every change of hands carries a handover note, kept on the case as an
    /// internal note and in the audit trail; only taking an unowned case for oneself needs none.
    pub async fn assign(&self, case_id: CaseId, by: UserId, new_owner: Option<UserId>, note: &str) -> CoreResult<Case> {
        let now = self.clock.now();
        let note = note.trim();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let by_user = tx.user(by).await?.ok_or(CoreError::NotFound("user"))?;
        if case.owner_id == new_owner {
            return Ok(case);
        }
        if let Some(uid) = new_owner
            && tx.user(uid).await?.is_none()
        {
            return Err(CoreError::invalid("owner_id", "unknown_user", "no such user"));
        }
        if note.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            let max = crate::workspace::MAX_NOTE_CHARS;
            return Err(CoreError::invalid("note", "too_long", format!("at most {max} characters")));
        }
        let self_take = case.owner_id.is_none() && new_owner == Some(by);
        if note.is_empty() && !self_take {
            return Err(CoreError::invalid(
                "note",
                "handover_note_required",
                "a change of owner needs a handover note",
            ));
        }
        let before_case = case.clone();
        let before = case.owner_id;
        case.owner_id = new_owner;
        case.updated_at = now;
        let source = if self_take { "take" } else { "manual" };
        crate::responsibility::log_assignment(&mut *tx, &case, Some(by), source, None, note, now).await?;
        crate::responsibility::save_case(self, &mut *tx, Some(&before_case), &mut case, now).await?;
        // A handover to someone else waits for their acknowledgement; an earlier one still open is
        // superseded (acknowledged by the change itself).
        if let Some(open) = tx.open_handover(case_id).await? {
            tx.acknowledge_handover(open.id, now).await?;
        }
        // Taking a case oneself needs no acknowledgement, and giving it back to nobody has no one
        // to acknowledge: both are acknowledged at once.
        let needs_no_ack = new_owner == Some(by) || new_owner.is_none();
        let handover = crate::workspace::Handover {
            id: crate::ids::HandoverId::new(now),
            case_id,
            from_user_id: before,
            to_user_id: new_owner,
            by_user_id: by,
            note: note.to_string(),
            created_at: now,
            acknowledged_at: needs_no_ack.then_some(now),
            reminded_at: None,
            escalated_at: None,
        };
        tx.insert_handover(&handover).await?;
        if let Some(to) = new_owner.filter(|_| !needs_no_ack) {
            let body = format!("{} {} → {}: {note}", case.reference(), by_user.display_name, case.subject);
            let n = crate::notify::Notice {
                user: to,
                kind: "handover",
                case_id: Some(case_id),
                reference: Some(case.reference()),
                actor: Some(by),
                body,
                now,
            };
            crate::notify::notify(&mut *tx, n).await?;
        }
        if !note.is_empty() {
            let id = MessageId::new(now);
            let text = format!("Übergabe: {note}");
            tx.insert_message(&note_message(id, case_id, &by_user, &text, now), &search::document("", &text)).await?;
        }
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(by), "case.assigned", "case", case_id, now)
                .before(serde_json::json!({"owner_id": before}))
                .after(serde_json::json!({"owner_id": new_owner, "note": note})),
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }
}

fn status_event(
    actor: &Actor,
    case_id: CaseId,
    from: CaseStatus,
    to: CaseStatus,
    now: crate::Timestamp,
) -> NewAuditEvent {
    NewAuditEvent::new(actor, "case.status_changed", "case", case_id, now)
        .before(serde_json::json!({"status": from}))
        .after(serde_json::json!({"status": to}))
}

fn note_message(id: MessageId, case_id: CaseId, user: &User, text: &str, now: crate::Timestamp) -> Message {
    Message {
        id,
        case_id,
        direction: Direction::Note,
        author_kind: AuthorKind::Agent,
        author_user_id: Some(user.id),
        author_contact_id: None,
        message_id_header: None,
        in_reply_to: None,
        references: Vec::new(),
        from_addr: Some(user.email.clone()),
        from_name: Some(user.display_name.clone()),
        to: Vec::new(),
        cc: Vec::new(),
        subject: String::new(),
        date: Some(now),
        text_body: text.to_string(),
        html_body: None,
        has_remote_images: false,
        auto_kind: AutoKind::None,
        raw_sha256: None,
        created_at: now,
    }
}

fn parse_addresses(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        match EmailAddress::parse(r) {
            Ok(a) => out.push(a.to_string()),
            Err(m) => errors.push(FieldError::new(&format!("{field}[{i}]"), "invalid_email", m)),
        }
    }
    out
}
