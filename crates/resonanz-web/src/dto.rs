//! Wire DTOs: the JSON shapes of the API, built from domain types. Domain types never go on the
//! wire directly, so a change inside the core cannot silently change the API.

use chrono::SecondsFormat;
use resonanz_core::Timestamp;
use resonanz_core::assist::{Approval, MessageAnalysis};
use resonanz_core::audit::AuditEvent;
use resonanz_core::case::Case;
use resonanz_core::contact::{ContactView, Identity, Organisation};
use resonanz_core::ingest::IngestReport;
use resonanz_core::message::{Attachment, MessageView};
use resonanz_core::quarantine::QuarantineEntry;
use resonanz_core::service::Core;
use resonanz_core::service::{CaseDetail, UserRef};
use resonanz_core::store::SearchHit;
use resonanz_core::user::{TeamView, UserView};
use serde::Serialize;
use serde_json::Value;

use crate::assist::dto::{AnalysisDto, ApprovalDto};

/// RFC 3339 in UTC with a `Z`, e.g. `2026-03-02T09:00:00Z`.
pub fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(crate) fn opt_rfc3339(t: Option<Timestamp>) -> Option<String> {
    t.map(rfc3339)
}

/// A case in lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDto {
    pub id: String,
    pub reference: String,
    pub number: i64,
    pub subject: String,
    pub status: &'static str,
    pub priority: &'static str,
    pub tags: Vec<String>,
    pub contact_id: String,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub waiting_since: Option<String>,
    pub last_message_at: String,
    pub created_at: String,
    /// The categories of the newest analysed message (or as a person corrected them).
    pub categories: Vec<String>,
    /// Under the safeguarding protocol: no automatic replies, four-eyes on every reply.
    pub safeguarding: bool,
    /// The safeguarding protocol's deadline (also in `sla.first_response_due`).
    pub sla_due_at: Option<String>,
    pub sla: crate::responsibility::dto::SlaDto,
    pub escalation: crate::responsibility::dto::EscalationStateDto,
    /// Snoozed until then (Wiedervorlage).
    pub snoozed_until: Option<String>,
}

impl From<Case> for CaseDto {
    fn from(c: Case) -> Self {
        let sla = crate::responsibility::dto::SlaDto::from(&c);
        let escalation = crate::responsibility::dto::EscalationStateDto::from(&c);
        Self {
            id: c.id.to_string(),
            reference: c.reference(),
            number: c.number,
            subject: c.subject,
            status: c.status.as_str(),
            priority: c.priority.as_str(),
            tags: c.tags,
            contact_id: c.contact_id.to_string(),
            owner_id: c.owner_id.map(|u| u.to_string()),
            team_id: c.team_id.map(|t| t.to_string()),
            waiting_since: opt_rfc3339(c.waiting_since),
            last_message_at: rfc3339(c.last_message_at),
            created_at: rfc3339(c.created_at),
            safeguarding: c.safeguarding,
            sla_due_at: opt_rfc3339(c.safeguarding_due_at),
            sla,
            escalation,
            snoozed_until: opt_rfc3339(c.snoozed_until),
            categories: c.categories,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRefDto {
    pub id: String,
    pub display_name: String,
    pub email: String,
}

impl From<UserRef> for UserRefDto {
    fn from(u: UserRef) -> Self {
        Self { id: u.id.to_string(), display_name: u.display_name, email: u.email }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityDto {
    pub kind: &'static str,
    pub value: String,
    pub failing_since: Option<String>,
}

impl From<Identity> for IdentityDto {
    fn from(i: Identity) -> Self {
        Self { kind: i.kind.as_str(), value: i.value, failing_since: opt_rfc3339(i.failing_since) }
    }
}

/// The contact as shown on a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseContactDto {
    pub id: String,
    pub display_name: String,
    pub address_form: &'static str,
    pub language: String,
    pub identities: Vec<IdentityDto>,
    /// Filled from the case detail; null when the contact belongs to no organisation.
    pub organisation: Option<OrganisationRefDto>,
}

impl From<ContactView> for CaseContactDto {
    fn from(v: ContactView) -> Self {
        Self {
            id: v.contact.id.to_string(),
            display_name: v.contact.display_name,
            address_form: v.contact.address_form.as_str(),
            language: v.contact.language,
            identities: v.identities.into_iter().map(IdentityDto::from).collect(),
            organisation: None,
        }
    }
}

/// A contact on the contact endpoints; `organisation` and `cases` are filled by
/// `GET /contacts/{id}` only (`organisation` is then null when there is none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactDto {
    pub id: String,
    pub display_name: String,
    pub organisation_id: Option<String>,
    pub address_form: &'static str,
    pub language: String,
    pub notes: String,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub identities: Vec<IdentityDto>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Option<OrganisationRefDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<Vec<CaseDto>>,
}

impl From<ContactView> for ContactDto {
    fn from(v: ContactView) -> Self {
        let c = v.contact;
        Self {
            id: c.id.to_string(),
            display_name: c.display_name,
            organisation_id: c.organisation_id.map(|o| o.to_string()),
            address_form: c.address_form.as_str(),
            language: c.language,
            notes: c.notes,
            attributes: c.attributes,
            identities: v.identities.into_iter().map(IdentityDto::from).collect(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            organisation: None,
            cases: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentDto {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub inline: bool,
    pub content_id: Option<String>,
}

impl From<Attachment> for AttachmentDto {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id.to_string(),
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            inline: a.inline,
            content_id: a.content_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageDto {
    pub id: String,
    pub direction: &'static str,
    pub author_kind: &'static str,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date: Option<String>,
    pub created_at: String,
    pub text_body: String,
    /// Sanitised by the channels crate at ingest; safe to show.
    pub html_body: Option<String>,
    pub has_remote_images: bool,
    pub auto_kind: &'static str,
    pub message_id_header: Option<String>,
    pub in_reply_to: Option<String>,
    pub delivery: Option<String>,
    pub attachments: Vec<AttachmentDto>,
    /// Inbound messages: the machine's analysis (null when there is none).
    pub analysis: Option<AnalysisDto>,
    /// Outbound messages on safeguarding cases: the second person's approval (null when none).
    pub approval: Option<ApprovalDto>,
}

impl From<MessageView> for MessageDto {
    fn from(v: MessageView) -> Self {
        let m = v.message;
        Self {
            id: m.id.to_string(),
            direction: m.direction.as_str(),
            author_kind: m.author_kind.as_str(),
            from: m.from_addr,
            from_name: m.from_name,
            to: m.to,
            cc: m.cc,
            subject: m.subject,
            date: opt_rfc3339(m.date),
            created_at: rfc3339(m.created_at),
            text_body: m.text_body,
            html_body: m.html_body,
            has_remote_images: m.has_remote_images,
            auto_kind: m.auto_kind.as_str(),
            message_id_header: m.message_id_header,
            in_reply_to: m.in_reply_to,
            delivery: v.delivery,
            attachments: v.attachments.into_iter().map(AttachmentDto::from).collect(),
            analysis: None,
            approval: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDto {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Stored audit values are JSON text; text that is not JSON is kept as a string.
fn parse_json_text(text: Option<String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

impl From<AuditEvent> for EventDto {
    fn from(e: AuditEvent) -> Self {
        let at = chrono::DateTime::from_timestamp_micros(e.at_micros).map(rfc3339).unwrap_or_default();
        Self {
            seq: e.seq,
            at,
            actor: e.actor,
            action: e.action,
            before: parse_json_text(e.before),
            after: parse_json_text(e.after),
        }
    }
}

/// Everything about one case: `GET /api/v1/cases/{id}` and `resonanz case show ID --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetailDto {
    pub id: String,
    pub reference: String,
    pub number: i64,
    pub subject: String,
    pub status: &'static str,
    pub priority: &'static str,
    pub tags: Vec<String>,
    pub channel: String,
    pub created_at: String,
    pub updated_at: String,
    pub waiting_since: Option<String>,
    pub owner: Option<UserRefDto>,
    pub team_id: Option<String>,
    pub categories: Vec<String>,
    pub safeguarding: bool,
    pub sla_due_at: Option<String>,
    pub sla: crate::responsibility::dto::SlaDto,
    pub escalation: crate::responsibility::dto::EscalationStateDto,
    pub snoozed_until: Option<String>,
    pub contact: Option<CaseContactDto>,
    pub messages: Vec<MessageDto>,
    pub events: Vec<EventDto>,
}

impl CaseDetailDto {
    /// The case with the analyses of its inbound messages and the approvals of its replies (as
    /// `Store::case_analyses` and `Store::case_approvals` return them).
    pub fn new(d: CaseDetail, analyses: &[MessageAnalysis], approvals: &[Approval]) -> Self {
        let c = d.case;
        let sla = crate::responsibility::dto::SlaDto::from(&c);
        let escalation = crate::responsibility::dto::EscalationStateDto::from(&c);
        let messages = d
            .messages
            .into_iter()
            .map(|v| {
                let id = v.message.id;
                let inbound = v.message.direction == resonanz_core::message::Direction::Inbound;
                let mut m = MessageDto::from(v);
                m.analysis = analyses.iter().find(|a| inbound && a.message_id == id).map(AnalysisDto::from);
                m.approval = approvals.iter().find(|a| a.message_id == id).map(ApprovalDto::from);
                m
            })
            .collect();
        Self {
            id: c.id.to_string(),
            reference: d.reference,
            number: c.number,
            subject: c.subject,
            status: c.status.as_str(),
            priority: c.priority.as_str(),
            tags: c.tags,
            channel: c.channel,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            waiting_since: opt_rfc3339(c.waiting_since),
            owner: d.owner.map(UserRefDto::from),
            team_id: c.team_id.map(|t| t.to_string()),
            sla,
            escalation,
            snoozed_until: opt_rfc3339(c.snoozed_until),
            categories: c.categories,
            safeguarding: c.safeguarding,
            sla_due_at: opt_rfc3339(c.safeguarding_due_at),
            contact: d.contact.map(|c| CaseContactDto {
                organisation: d.organisation.map(OrganisationRefDto::from),
                ..CaseContactDto::from(c)
            }),
            messages,
            events: d.events.into_iter().map(EventDto::from).collect(),
        }
    }

    /// Reads what the case detail needs beyond `Core::case_detail`: one query for the analyses,
    /// one for the approvals.
    pub async fn load(core: &Core, detail: CaseDetail) -> resonanz_core::error::CoreResult<Self> {
        let analyses = core.store.case_analyses(detail.case.id).await?;
        let approvals = core.store.case_approvals(detail.case.id).await?;
        Ok(Self::new(detail, &analyses, &approvals))
    }
}

/// The case detail as JSON: the API and the CLI (`resonanz case show ID --json`) print exactly this.
pub async fn case_detail_json(core: &Core, detail: CaseDetail) -> resonanz_core::error::CoreResult<Value> {
    Ok(serde_json::to_value(CaseDetailDto::load(core, detail).await?).unwrap_or(Value::Null))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHitDto {
    pub case_id: String,
    pub message_id: String,
    pub subject: String,
    pub created_at: String,
}

impl From<SearchHit> for SearchHitDto {
    fn from(h: SearchHit) -> Self {
        Self {
            case_id: h.case_id.to_string(),
            message_id: h.message_id.to_string(),
            subject: h.subject,
            created_at: rfc3339(h.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineDto {
    pub id: String,
    pub source: String,
    pub reason: String,
    pub raw_sha256: String,
    pub size: i64,
    pub mailbox_id: Option<String>,
    pub status: String,
    pub created_at: String,
    pub released_at: Option<String>,
}

impl From<QuarantineEntry> for QuarantineDto {
    fn from(q: QuarantineEntry) -> Self {
        Self {
            id: q.id.to_string(),
            source: q.source,
            reason: q.reason,
            raw_sha256: q.raw_sha256,
            size: q.size,
            mailbox_id: q.mailbox_id.map(|m| m.to_string()),
            status: q.status,
            created_at: rfc3339(q.created_at),
            released_at: opt_rfc3339(q.released_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReportDto {
    pub source: String,
    pub status: &'static str,
    pub case_id: Option<String>,
    pub message_id: Option<String>,
    pub contact_id: Option<String>,
    pub quarantine_id: Option<String>,
    pub reason: Option<String>,
}

impl From<IngestReport> for IngestReportDto {
    fn from(r: IngestReport) -> Self {
        use resonanz_core::ingest::IngestStatus;
        Self {
            source: r.source,
            status: match r.status {
                IngestStatus::Created => "created",
                IngestStatus::Appended => "appended",
                IngestStatus::Duplicate => "duplicate",
                IngestStatus::Quarantined => "quarantined",
            },
            case_id: r.case_id.map(|i| i.to_string()),
            message_id: r.message_id.map(|i| i.to_string()),
            contact_id: r.contact_id.map(|i| i.to_string()),
            quarantine_id: r.quarantine_id.map(|i| i.to_string()),
            reason: r.reason,
        }
    }
}

/// A page of items with the opaque cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageDto<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A list that is always complete (users, teams): no paging.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemsDto<T> {
    pub items: Vec<T>,
}

/// An organisation in lists; `contacts` is filled by `GET /organisations/{id}` only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationDto {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactDto>>,
}

impl From<Organisation> for OrganisationDto {
    fn from(o: Organisation) -> Self {
        Self { id: o.id.to_string(), name: o.name, domain: o.domain, created_at: rfc3339(o.created_at), contacts: None }
    }
}

/// An organisation as shown beside a contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationRefDto {
    pub id: String,
    pub name: String,
}

impl From<Organisation> for OrganisationRefDto {
    fn from(o: Organisation) -> Self {
        Self { id: o.id.to_string(), name: o.name }
    }
}

/// A user for API clients: never the password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: &'static str,
    pub team_ids: Vec<String>,
}

impl From<UserView> for UserDto {
    fn from(v: UserView) -> Self {
        let u = v.user;
        Self {
            id: u.id.to_string(),
            email: u.email,
            display_name: u.display_name,
            role: u.role.as_str(),
            team_ids: v.team_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamDto {
    pub id: String,
    pub name: String,
    pub member_ids: Vec<String>,
    pub created_at: String,
}

impl From<TeamView> for TeamDto {
    fn from(v: TeamView) -> Self {
        Self {
            id: v.team.id.to_string(),
            name: v.team.name,
            member_ids: v.member_ids.iter().map(ToString::to_string).collect(),
            created_at: rfc3339(v.team.created_at),
        }
    }
}
