//! Row mapping shared by both backends: one column list and one mapper per table.

use chrono::{DateTime, Utc};
use resonanz_core::Timestamp;
use resonanz_core::audit::AuditEvent;
use resonanz_core::case::{Case, CaseStatus, Priority};
use resonanz_core::contact::{AddressForm, Contact, Identity, IdentityKind, Organisation};
use resonanz_core::ids::*;
use resonanz_core::message::{Attachment, AuthorKind, AutoKind, Direction, Message};
use resonanz_core::outbound::{Mailbox, OutboxEntry, OutboxStatus};
use resonanz_core::quarantine::QuarantineEntry;
use resonanz_core::user::{ApiToken, Role, Team, User};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

pub(crate) type R<T> = Result<T, sqlx::Error>;

/// Every row mapped by `f`, or the first error.
pub(crate) fn map_all<T>(rows: Vec<AnyRow>, f: fn(&AnyRow) -> R<T>) -> resonanz_core::error::CoreResult<Vec<T>> {
    rows.iter().map(f).collect::<Result<_, _>>().map_err(crate::db_err)
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn opt_micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(micros)
}

fn ts(v: i64) -> Timestamp {
    DateTime::<Utc>::from_timestamp_micros(v).unwrap_or_default()
}

pub(crate) fn decode_err(col: &str, msg: impl Into<String>) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: col.to_string(), source: msg.into().into() }
}

pub(crate) fn uuid(row: &AnyRow, col: &str) -> R<Uuid> {
    let s: String = row.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| decode_err(col, e.to_string()))
}

pub(crate) fn opt_uuid(row: &AnyRow, col: &str) -> R<Option<Uuid>> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| decode_err(col, e.to_string()))).transpose()
}

pub(crate) fn time(row: &AnyRow, col: &str) -> R<Timestamp> {
    Ok(ts(row.try_get::<i64, _>(col)?))
}

pub(crate) fn opt_time(row: &AnyRow, col: &str) -> R<Option<Timestamp>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(ts))
}

pub(crate) fn json_list(row: &AnyRow, col: &str) -> R<Vec<String>> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| decode_err(col, e.to_string()))
}

pub(crate) fn to_json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(crate) const CASE_COLS: &str = "id, number, subject, status, priority, contact_id, owner_id, team_id, mailbox_id, \
    channel, tags, created_at, updated_at, waiting_since, last_message_at, preview, escalation_level, escalation_reason, \
    categories, safeguarding, sla_due_at, sla_policy_id, sla_started_at, first_response_due_at, first_responded_at, \
    resolution_due_at, resolved_at, sla_paused_at, sla_paused_secs, sla_state, sla_next_check_at, escalated_at, \
    escalation_ack_at, escalation_ack_by, snoozed_until, watch_flagged_at";

/// The columns a case write sets, in the order [`bind_case`] binds them (`id` first).
const CASE_WRITE_COLS: [&str; 37] = [
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "contact_id",
    "owner_id",
    "team_id",
    "mailbox_id",
    "channel",
    "tags",
    "created_at",
    "updated_at",
    "waiting_since",
    "last_message_at",
    "sort_key",
    "preview",
    "escalation_level",
    "escalation_reason",
    "categories",
    "safeguarding",
    "sla_due_at",
    "sla_policy_id",
    "sla_started_at",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "resolved_at",
    "sla_paused_at",
    "sla_paused_secs",
    "sla_state",
    "sla_next_check_at",
    "escalated_at",
    "escalation_ack_at",
    "escalation_ack_by",
    "snoozed_until",
    "watch_flagged_at",
];

/// The INSERT and the UPDATE of a case, both binding [`CASE_WRITE_COLS`] with [`bind_case`].
pub(crate) static CASE_WRITE: std::sync::LazyLock<(String, String)> = std::sync::LazyLock::new(|| {
    let params: Vec<String> = (1..=CASE_WRITE_COLS.len()).map(|i| format!("${i}")).collect();
    let insert = format!("INSERT INTO cases ({}) VALUES ({})", CASE_WRITE_COLS.join(", "), params.join(", "));
    let sets: Vec<String> =
        CASE_WRITE_COLS.iter().enumerate().skip(1).map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let update = format!("UPDATE cases SET {} WHERE id = $1", sets.join(", "));
    (insert, update)
});

pub(crate) fn bind_case<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &Case,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let q = q
        .bind(c.id.to_string())
        .bind(c.number)
        .bind(c.subject.clone())
        .bind(c.status.as_str())
        .bind(c.priority.rank())
        .bind(c.contact_id.to_string())
        .bind(c.owner_id.map(|i| i.to_string()))
        .bind(c.team_id.map(|i| i.to_string()))
        .bind(c.mailbox_id.map(|i| i.to_string()))
        .bind(c.channel.clone())
        .bind(to_json_list(&c.tags))
        .bind(micros(c.created_at))
        .bind(micros(c.updated_at))
        .bind(opt_micros(c.waiting_since))
        .bind(micros(c.last_message_at))
        .bind(resonanz_core::case::sort_key(c))
        .bind(c.preview.clone())
        .bind(i64::from(c.escalation_level))
        .bind(c.escalation_reason.clone())
        .bind(to_json_list(&c.categories))
        .bind(i64::from(c.safeguarding))
        .bind(opt_micros(c.safeguarding_due_at));
    sla_clock_values(&c.sla)
        .into_iter()
        .fold(q, crate::tx::Val::bind)
        .bind(opt_micros(c.escalated_at))
        .bind(opt_micros(c.escalation_ack_at))
        .bind(c.escalation_ack_by.map(|i| i.to_string()))
        .bind(opt_micros(c.snoozed_until))
        .bind(opt_micros(c.watch_flagged_at))
}

pub(crate) fn case(row: &AnyRow) -> R<Case> {
    let status: String = row.try_get("status")?;
    Ok(Case {
        id: CaseId(uuid(row, "id")?),
        number: row.try_get("number")?,
        subject: row.try_get("subject")?,
        status: CaseStatus::parse(&status).ok_or_else(|| decode_err("status", status.clone()))?,
        priority: Priority::from_rank(row.try_get("priority")?),
        contact_id: ContactId(uuid(row, "contact_id")?),
        owner_id: opt_uuid(row, "owner_id")?.map(UserId),
        team_id: opt_uuid(row, "team_id")?.map(TeamId),
        mailbox_id: opt_uuid(row, "mailbox_id")?.map(MailboxId),
        channel: row.try_get("channel")?,
        tags: json_list(row, "tags")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        waiting_since: opt_time(row, "waiting_since")?,
        last_message_at: time(row, "last_message_at")?,
        preview: row.try_get("preview")?,
        escalation_level: row.try_get::<i64, _>("escalation_level")? as i32,
        escalation_reason: row.try_get("escalation_reason")?,
        categories: json_list(row, "categories")?,
        safeguarding: row.try_get::<i64, _>("safeguarding")? != 0,
        safeguarding_due_at: opt_time(row, "sla_due_at")?,
        sla: case_sla(row)?,
        escalated_at: opt_time(row, "escalated_at")?,
        escalation_ack_at: opt_time(row, "escalation_ack_at")?,
        escalation_ack_by: opt_uuid(row, "escalation_ack_by")?.map(UserId),
        snoozed_until: opt_time(row, "snoozed_until")?,
        watch_flagged_at: opt_time(row, "watch_flagged_at")?,
    })
}

/// A case's SLA clock, from the columns [`SLA_ROW_COLS`] names.
fn case_sla(row: &AnyRow) -> R<resonanz_core::sla::CaseSla> {
    let sla_state: String = row.try_get("sla_state")?;
    Ok(resonanz_core::sla::CaseSla {
        policy_id: opt_uuid(row, "sla_policy_id")?.map(SlaPolicyId),
        started_at: opt_time(row, "sla_started_at")?,
        first_response_due: opt_time(row, "first_response_due_at")?,
        first_responded_at: opt_time(row, "first_responded_at")?,
        resolution_due: opt_time(row, "resolution_due_at")?,
        resolved_at: opt_time(row, "resolved_at")?,
        paused_at: opt_time(row, "sla_paused_at")?,
        paused_secs: row.try_get("sla_paused_secs")?,
        state: resonanz_core::sla::SlaState::parse(&sla_state)
            .ok_or_else(|| decode_err("sla_state", sla_state.clone()))?,
        next_check_at: opt_time(row, "sla_next_check_at")?,
    })
}

/// The columns of a case the SLA recompute reads: [`SLA_CLOCK_COLS`] and what they depend on.
pub(crate) const SLA_ROW_COLS: &str = "id, team_id, priority, categories, created_at, sla_due_at, sla_policy_id, \
    sla_started_at, first_response_due_at, first_responded_at, resolution_due_at, resolved_at, sla_paused_at, \
    sla_paused_secs, sla_state, sla_next_check_at";

/// The columns of a case's SLA clock, in the order [`sla_clock_values`] gives them: the run of
/// [`CASE_WRITE_COLS`] from `sla_policy_id` to `sla_next_check_at`.
pub(crate) const SLA_CLOCK_COLS: &[&str] = CASE_WRITE_COLS.split_at(22).1.split_at(10).0;

/// A case's SLA clock as the values of [`SLA_CLOCK_COLS`] (a whole case write and the SLA
/// recompute's write bind the same).
pub(crate) fn sla_clock_values(s: &resonanz_core::sla::CaseSla) -> Vec<crate::tx::Val> {
    use crate::tx::Val;
    vec![
        Val::OptS(s.policy_id.map(|i| i.to_string())),
        Val::OptI(opt_micros(s.started_at)),
        Val::OptI(opt_micros(s.first_response_due)),
        Val::OptI(opt_micros(s.first_responded_at)),
        Val::OptI(opt_micros(s.resolution_due)),
        Val::OptI(opt_micros(s.resolved_at)),
        Val::OptI(opt_micros(s.paused_at)),
        Val::I(s.paused_secs),
        Val::S(s.state.as_str().into()),
        Val::OptI(opt_micros(s.next_check_at)),
    ]
}

pub(crate) fn sla_row(row: &AnyRow) -> R<resonanz_core::sla::SlaRow> {
    Ok(resonanz_core::sla::SlaRow {
        case_id: CaseId(uuid(row, "id")?),
        team_id: opt_uuid(row, "team_id")?.map(TeamId),
        priority: Priority::from_rank(row.try_get("priority")?),
        categories: json_list(row, "categories")?,
        created_at: time(row, "created_at")?,
        safeguarding_due_at: opt_time(row, "sla_due_at")?,
        sla: case_sla(row)?,
    })
}

pub(crate) const CONTACT_COLS: &str =
    "id, display_name, organisation_id, address_form, language, notes, attributes, created_at, updated_at";

pub(crate) fn contact(row: &AnyRow) -> R<Contact> {
    let form: String = row.try_get("address_form")?;
    Ok(Contact {
        id: ContactId(uuid(row, "id")?),
        display_name: row.try_get("display_name")?,
        organisation_id: opt_uuid(row, "organisation_id")?.map(OrganisationId),
        address_form: AddressForm::parse(&form).unwrap_or_default(),
        language: row.try_get("language")?,
        notes: row.try_get("notes")?,
        attributes: {
            let raw: String = row.try_get("attributes")?;
            serde_json::from_str(&raw).map_err(|e| decode_err("attributes", e.to_string()))?
        },
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) const ORGANISATION_COLS: &str = "id, name, domain, created_at";

pub(crate) fn organisation(row: &AnyRow) -> R<Organisation> {
    Ok(Organisation {
        id: OrganisationId(uuid(row, "id")?),
        name: row.try_get("name")?,
        domain: row.try_get("domain")?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const IDENTITY_COLS: &str = "id, contact_id, kind, value, failing_since, failure_reason, created_at";

pub(crate) fn identity(row: &AnyRow) -> R<Identity> {
    let kind: String = row.try_get("kind")?;
    Ok(Identity {
        id: IdentityId(uuid(row, "id")?),
        contact_id: ContactId(uuid(row, "contact_id")?),
        kind: IdentityKind::parse(&kind).ok_or_else(|| decode_err("kind", kind.clone()))?,
        value: row.try_get("value")?,
        failing_since: opt_time(row, "failing_since")?,
        failure_reason: row.try_get("failure_reason")?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const MESSAGE_COLS: &str = "id, case_id, direction, author_kind, author_user_id, author_contact_id, \
    message_id_header, in_reply_to, refs, from_addr, from_name, to_addrs, cc_addrs, subject, sent_date, text_body, \
    html_body, has_remote_images, auto_kind, raw_sha256, created_at";

pub(crate) fn message(row: &AnyRow) -> R<Message> {
    let direction: String = row.try_get("direction")?;
    let author: String = row.try_get("author_kind")?;
    let auto: String = row.try_get("auto_kind")?;
    Ok(Message {
        id: MessageId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        direction: Direction::parse(&direction).ok_or_else(|| decode_err("direction", direction.clone()))?,
        author_kind: AuthorKind::parse(&author).ok_or_else(|| decode_err("author_kind", author.clone()))?,
        author_user_id: opt_uuid(row, "author_user_id")?.map(UserId),
        author_contact_id: opt_uuid(row, "author_contact_id")?.map(ContactId),
        message_id_header: row.try_get("message_id_header")?,
        in_reply_to: row.try_get("in_reply_to")?,
        references: json_list(row, "refs")?,
        from_addr: row.try_get("from_addr")?,
        from_name: row.try_get("from_name")?,
        to: json_list(row, "to_addrs")?,
        cc: json_list(row, "cc_addrs")?,
        subject: row.try_get("subject")?,
        date: opt_time(row, "sent_date")?,
        text_body: row.try_get("text_body")?,
        html_body: row.try_get("html_body")?,
        has_remote_images: row.try_get::<i64, _>("has_remote_images")? != 0,
        auto_kind: AutoKind::parse(&auto),
        raw_sha256: row.try_get("raw_sha256")?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const ATTACHMENT_COLS: &str = "id, message_id, filename, content_type, size, sha256, content_id, inline";

pub(crate) fn attachment(row: &AnyRow) -> R<Attachment> {
    Ok(Attachment {
        id: AttachmentId(uuid(row, "id")?),
        message_id: MessageId(uuid(row, "message_id")?),
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        content_id: row.try_get("content_id")?,
        inline: row.try_get::<i64, _>("inline")? != 0,
    })
}

pub(crate) const USER_COLS: &str = "id, email, display_name, role, password_hash, created_at, locale, active, \
    failed_logins, locked_until, availability, absent_until, languages, distressing_cap, notification_prefs";

pub(crate) fn user(row: &AnyRow) -> R<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: UserId(uuid(row, "id")?),
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| decode_err("role", role.clone()))?,
        password_hash: row.try_get("password_hash")?,
        created_at: time(row, "created_at")?,
        locale: row.try_get("locale")?,
        active: row.try_get::<i64, _>("active")? != 0,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: opt_time(row, "locked_until")?,
        availability: {
            let a: String = row.try_get("availability")?;
            resonanz_core::routing::Availability::parse(&a).ok_or_else(|| decode_err("availability", a.clone()))?
        },
        absent_until: opt_time(row, "absent_until")?,
        languages: json_list(row, "languages")?,
        distressing_cap: row.try_get("distressing_cap")?,
        notification_prefs: {
            let raw: String = row.try_get("notification_prefs")?;
            serde_json::from_str(&raw).map_err(|e| decode_err("notification_prefs", e.to_string()))?
        },
    })
}

pub(crate) const TEAM_COLS: &str = "id, name, created_at, lead_user_id, calendar";

pub(crate) fn team(row: &AnyRow) -> R<Team> {
    Ok(Team {
        id: TeamId(uuid(row, "id")?),
        name: row.try_get("name")?,
        created_at: time(row, "created_at")?,
        lead_user_id: opt_uuid(row, "lead_user_id")?.map(UserId),
        calendar: row.try_get("calendar")?,
    })
}

pub(crate) fn token(row: &AnyRow) -> R<ApiToken> {
    Ok(ApiToken {
        id: TokenId(uuid(row, "token_id")?),
        user_id: UserId(uuid(row, "token_user_id")?),
        name: row.try_get("token_name")?,
        secret_sha256: row.try_get("secret_sha256")?,
        created_at: time(row, "token_created_at")?,
    })
}

pub(crate) const MAILBOX_COLS: &str =
    "id, name, address, display_name, signature, imap_url, smtp_url, is_default, created_at";

pub(crate) fn mailbox(row: &AnyRow) -> R<Mailbox> {
    Ok(Mailbox {
        id: MailboxId(uuid(row, "id")?),
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        display_name: row.try_get("display_name")?,
        signature: row.try_get("signature")?,
        imap_url: row.try_get("imap_url")?,
        smtp_url: row.try_get("smtp_url")?,
        is_default: row.try_get::<i64, _>("is_default")? != 0,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const OUTBOX_COLS: &str =
    "id, message_id, mailbox_id, status, raw_sha256, attempts, last_error, created_at, sent_at";

pub(crate) fn outbox(row: &AnyRow) -> R<OutboxEntry> {
    let status: String = row.try_get("status")?;
    Ok(OutboxEntry {
        id: OutboxId(uuid(row, "id")?),
        message_id: MessageId(uuid(row, "message_id")?),
        mailbox_id: opt_uuid(row, "mailbox_id")?.map(MailboxId),
        status: OutboxStatus::parse(&status),
        raw_sha256: row.try_get("raw_sha256")?,
        attempts: row.try_get::<i64, _>("attempts")? as i32,
        last_error: row.try_get("last_error")?,
        created_at: time(row, "created_at")?,
        sent_at: opt_time(row, "sent_at")?,
    })
}

pub(crate) const QUARANTINE_COLS: &str =
    "id, source, reason, raw_sha256, size, mailbox_id, status, created_at, released_at";

pub(crate) fn quarantine(row: &AnyRow) -> R<QuarantineEntry> {
    Ok(QuarantineEntry {
        id: QuarantineId(uuid(row, "id")?),
        source: row.try_get("source")?,
        reason: row.try_get("reason")?,
        raw_sha256: row.try_get("raw_sha256")?,
        size: row.try_get("size")?,
        mailbox_id: opt_uuid(row, "mailbox_id")?.map(MailboxId),
        status: row.try_get("status")?,
        created_at: time(row, "created_at")?,
        released_at: opt_time(row, "released_at")?,
    })
}

pub(crate) const AUDIT_COLS: &str =
    "seq, actor, action, subject_type, subject_id, before_json, after_json, at, prev_hash, hash";

pub(crate) fn audit(row: &AnyRow) -> R<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject_type: row.try_get("subject_type")?,
        subject_id: row.try_get("subject_id")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        at_micros: row.try_get("at")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sla_clock_columns_are_the_run_from_policy_to_next_check() {
        assert_eq!(super::SLA_CLOCK_COLS.first(), Some(&"sla_policy_id"));
        assert_eq!(super::SLA_CLOCK_COLS.last(), Some(&"sla_next_check_at"));
        assert_eq!(super::SLA_CLOCK_COLS.len(), 10);
        for c in super::SLA_CLOCK_COLS {
            assert!(super::SLA_ROW_COLS.contains(c), "{c} is read too");
        }
    }
}
