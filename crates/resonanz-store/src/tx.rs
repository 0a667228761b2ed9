//! Write transactions. Each begins by taking the one `write_head` row, which serialises writers on
//! both backends: SQLite takes its write lock up front (no lock upgrade can fail later) and
//! PostgreSQL keeps the audit chain linear. The row also holds the audit chain's head and the last
//! case number; a transaction keeps them in memory, buffers its audit events and writes both back
//! at commit, so an audited change costs no extra round trips until then.

use async_trait::async_trait;
use resonanz_core::Timestamp;
use resonanz_core::assist::{Approval, AutoReplyRule, MessageAnalysis, Suggestion};
use resonanz_core::audit::{AuditEvent, NewAuditEvent};
use resonanz_core::case::Case;
use resonanz_core::contact::{Contact, ContactView, Identity, IdentityKind, Organisation};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::*;
use resonanz_core::jobs::NewJob;
use resonanz_core::message::{Attachment, Message};
use resonanz_core::outbound::{Mailbox, OutboxEntry};
use resonanz_core::quarantine::QuarantineEntry;
use resonanz_core::responsibility::{AssignmentRecord, Escalation, FollowUp, Survey};
use resonanz_core::routing::RoutingRule;
use resonanz_core::sla::{SlaPolicy, SlaRow};
use resonanz_core::store::{Backend, Tx};
use resonanz_core::user::{ApiToken, Team, User};
use resonanz_core::workspace::Handover;
use sqlx::{Any, Row, Transaction};

use crate::rows::{self, micros, opt_micros, to_json_list};
use crate::{SqlStore, db_err, dialect};

pub(crate) struct SqlTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    audit_seq: i64,
    audit_hash: String,
    case_number: i64,
    head_changed: bool,
    pending_audit: Vec<AuditEvent>,
    /// Rows that nothing in a transaction reads back (blobs, attachments, search documents) are
    /// written in multi-row statements at commit: on SQLite every statement is a round trip to the
    /// database thread, and ingest is dominated by those round trips.
    pending_blobs: Vec<(String, Vec<u8>)>,
    pending_attachments: Vec<Attachment>,
    pending_search: Vec<Vec<Val>>,
    /// New messages' pending analyses and their jobs (see `Tx::queue_analysis`).
    pending_analyses: Vec<MessageAnalysis>,
    pending_jobs: Vec<NewJob>,
    /// Each written case's next SLA check (`None`: no check), by case id, on PostgreSQL: the table
    /// `sla_checks`, the watcher's queue, is brought level with the cases' `sla_next_check_at` at
    /// commit, in multi-row statements. Nothing reads it inside a transaction. (On SQLite the
    /// queue is a view over the cases; see migration 0006.)
    pending_checks: std::collections::BTreeMap<String, Option<i64>>,
    /// Message-IDs and e-mail addresses `prefetch_absent` found nowhere, until this transaction
    /// stores one: their lookups answer "none" without a statement.
    absent_headers: std::collections::HashSet<String>,
    absent_emails: std::collections::HashSet<String>,
    /// Configuration read once per transaction: a batch of mails evaluates the same rules,
    /// policies and settings for every mail, and nothing but this transaction can change them while
    /// it holds the write head. Writes through this transaction refresh them.
    cached_rules: Option<Vec<RoutingRule>>,
    cached_policies: Option<Vec<SlaPolicy>>,
    cached_settings: std::collections::HashMap<String, Option<String>>,
}

/// A value bound into a buffered multi-row insert.
pub(crate) enum Val {
    S(String),
    OptS(Option<String>),
    I(i64),
    OptI(Option<i64>),
    B(Vec<u8>),
}

/// The `n`th parameter of a long statement. SQLite gets an anonymous `?` (parameters are bound in
/// order): it looks up a numbered parameter's name by a linear scan, and sqlx asks for every
/// parameter's name, so `$n` costs time quadratic in a statement's parameters (11 % of an SLA
/// recompute's time).
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// One row of a multi-row statement from its placeholders: `($1, $2, …)`.
fn tuple(p: &[String]) -> String {
    format!("({})", p.join(", "))
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

impl Val {
    pub(crate) fn bind(q: AnyQuery<'_>, v: Val) -> AnyQuery<'_> {
        match v {
            Val::S(s) => q.bind(s),
            Val::OptS(s) => q.bind(s),
            Val::I(i) => q.bind(i),
            Val::OptI(i) => q.bind(i),
            Val::B(b) => q.bind(b),
        }
    }
}

/// A new job's values for `INSERT INTO jobs ({JOB_INSERT_COLS})`.
const JOB_INSERT_COLS: &str =
    "id, name, queue, payload, priority, idempotency_key, state, attempts, max_attempts, run_at, created_at";

fn job_values(j: &NewJob) -> Vec<Val> {
    vec![
        Val::S(j.id.to_string()),
        Val::S(j.name.clone()),
        Val::S(j.queue.clone()),
        Val::S(j.payload.clone()),
        Val::I(i64::from(j.priority)),
        Val::OptS(j.idempotency_key.clone()),
        Val::S("queued".into()),
        Val::I(0),
        Val::I(i64::from(j.max_attempts)),
        Val::I(micros(j.run_at)),
        Val::I(micros(j.run_at)),
    ]
}

impl SqlStore {
    pub(crate) async fn begin_tx(&self) -> CoreResult<SqlTx> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let head = sqlx::query(
            "UPDATE write_head SET audit_seq = audit_seq WHERE id = 1 RETURNING audit_seq, audit_hash, case_number",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        Ok(SqlTx {
            audit_seq: head.try_get("audit_seq").map_err(db_err)?,
            audit_hash: head.try_get("audit_hash").map_err(db_err)?,
            case_number: head.try_get("case_number").map_err(db_err)?,
            head_changed: false,
            pending_audit: Vec::new(),
            pending_blobs: Vec::new(),
            pending_attachments: Vec::new(),
            pending_search: Vec::new(),
            pending_analyses: Vec::new(),
            pending_jobs: Vec::new(),
            pending_checks: Default::default(),
            absent_headers: Default::default(),
            absent_emails: Default::default(),
            cached_rules: None,
            cached_policies: None,
            cached_settings: std::collections::HashMap::new(),
            tx,
            backend: self.backend,
        })
    }
}

impl SqlTx {
    /// Writes `rows` as `{prefix} VALUES (…), (…) {suffix}` with as few statements as the parameter
    /// limits allow (an `INSERT`, or an `UPDATE` from a table of values). `row` renders the
    /// placeholders of one row from its parameter numbers.
    async fn write_rows(
        &mut self,
        prefix: &str,
        suffix: &str,
        rows: Vec<Vec<Val>>,
        row: impl Fn(&[String]) -> String,
    ) -> CoreResult<()> {
        let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
        // Both backends accept far more, but shorter statements are cached better.
        let per_statement = (2000 / width).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
            let mut placeholders = Vec::with_capacity(chunk.len());
            let mut n = 0;
            for _ in &chunk {
                let ps: Vec<String> = (0..width)
                    .map(|_| {
                        n += 1;
                        placeholder(self.backend, n)
                    })
                    .collect();
                placeholders.push(row(&ps));
            }
            let sql = format!("{prefix} VALUES {} {suffix}", placeholders.join(", "));
            let q = chunk.into_iter().flatten().fold(sqlx::query(&sql), Val::bind);
            q.execute(&mut *self.tx).await.map_err(db_err)?;
        }
        Ok(())
    }

    /// Remembers a written case's next SLA check for `sla_checks` (see `pending_checks`).
    fn queue_check(&mut self, case: CaseId, at: Option<Timestamp>) {
        if self.backend == Backend::Postgres {
            self.pending_checks.insert(case.to_string(), at.map(micros));
        }
    }

    /// Writes every buffered row, parents before children (blobs before the rows referring to them).
    async fn flush(&mut self) -> CoreResult<()> {
        let mut seen = std::collections::HashSet::new();
        let blobs: Vec<Vec<Val>> = std::mem::take(&mut self.pending_blobs)
            .into_iter()
            .filter(|(sha, _)| seen.insert(sha.clone()))
            .map(|(sha, data)| vec![Val::S(sha), Val::I(data.len() as i64), Val::B(data)])
            .collect();
        // Stored once by hash: bytes stored before are left as they are.
        self.write_rows("INSERT INTO blobs (sha256, size, data)", "ON CONFLICT DO NOTHING", blobs, tuple).await?;
        let attachments: Vec<Vec<Val>> = std::mem::take(&mut self.pending_attachments)
            .into_iter()
            .map(|a| {
                vec![
                    Val::S(a.id.to_string()),
                    Val::S(a.message_id.to_string()),
                    Val::S(a.filename),
                    Val::S(a.content_type),
                    Val::I(a.size),
                    Val::S(a.sha256),
                    Val::OptS(a.content_id),
                    Val::I(a.inline as i64),
                ]
            })
            .collect();
        self.write_rows(
            "INSERT INTO attachments (id, message_id, filename, content_type, size, sha256, content_id, inline)",
            "",
            attachments,
            tuple,
        )
        .await?;
        let analyses: Vec<Vec<Val>> =
            std::mem::take(&mut self.pending_analyses).iter().map(crate::assist::analysis_values).collect();
        let sql = format!("INSERT INTO message_analyses ({})", crate::assist::ANALYSIS_COLS);
        self.write_rows(&sql, "ON CONFLICT (message_id) DO NOTHING", analyses, tuple).await?;
        let jobs: Vec<Vec<Val>> = std::mem::take(&mut self.pending_jobs).iter().map(job_values).collect();
        let sql = format!("INSERT INTO jobs ({JOB_INSERT_COLS})");
        self.write_rows(&sql, "ON CONFLICT DO NOTHING", jobs, tuple).await?;
        let (due, none): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.pending_checks).into_iter().partition(|(_, at)| at.is_some());
        let due: Vec<Vec<Val>> = due.into_iter().map(|(id, at)| vec![Val::S(id), Val::OptI(at)]).collect();
        self.write_rows(
            "INSERT INTO sla_checks (case_id, next_check_at)",
            "ON CONFLICT (case_id) DO UPDATE SET next_check_at = excluded.next_check_at",
            due,
            tuple,
        )
        .await?;
        let none: Vec<Vec<Val>> = none.into_iter().map(|(id, _)| vec![Val::S(id)]).collect();
        self.write_rows("DELETE FROM sla_checks WHERE case_id IN (", ")", none, tuple).await?;
        let search = std::mem::take(&mut self.pending_search);
        let backend = self.backend;
        self.write_rows(dialect::insert_search_prefix(backend), "", search, |p| dialect::search_row(backend, p))
            .await?;
        let audit: Vec<Vec<Val>> = std::mem::take(&mut self.pending_audit)
            .into_iter()
            .map(|e| {
                vec![
                    Val::I(e.seq),
                    Val::S(e.actor),
                    Val::S(e.action),
                    Val::S(e.subject_type),
                    Val::S(e.subject_id),
                    Val::OptS(e.before),
                    Val::OptS(e.after),
                    Val::I(e.at_micros),
                    Val::S(e.prev_hash),
                    Val::S(e.hash),
                ]
            })
            .collect();
        self.write_rows(
            "INSERT INTO audit_log (seq, actor, action, subject_type, subject_id, before_json, after_json, at, prev_hash, hash)",
            "",
            audit,
            tuple,
        )
        .await
    }
}

macro_rules! one {
    ($self:ident, $sql:expr, $map:path $(, $arg:expr)*) => {{
        let row = sqlx::query($sql)$(.bind($arg))*.fetch_optional(&mut *$self.tx).await.map_err(db_err)?;
        row.map(|r| $map(&r)).transpose().map_err(db_err)
    }};
}

macro_rules! exec {
    ($self:ident, $sql:expr $(, $arg:expr)*) => {{
        sqlx::query($sql)$(.bind($arg))*.execute(&mut *$self.tx).await.map_err(db_err).map(|_| ())
    }};
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(mut self: Box<Self>) -> CoreResult<()> {
        self.flush().await?;
        if self.head_changed {
            sqlx::query("UPDATE write_head SET audit_seq = $1, audit_hash = $2, case_number = $3 WHERE id = 1")
                .bind(self.audit_seq)
                .bind(self.audit_hash.clone())
                .bind(self.case_number)
                .execute(&mut *self.tx)
                .await
                .map_err(db_err)?;
        }
        self.tx.commit().await.map_err(db_err)
    }

    async fn append_audit(&mut self, e: NewAuditEvent) -> CoreResult<()> {
        let mut event = AuditEvent {
            seq: self.audit_seq + 1,
            actor: e.actor.label(),
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            before: e.before.as_ref().map(|v| v.to_string()),
            after: e.after.as_ref().map(|v| v.to_string()),
            at_micros: micros(e.at),
            prev_hash: self.audit_hash.clone(),
            hash: String::new(),
        };
        event.hash = event.expected_hash();
        self.audit_seq = event.seq;
        self.audit_hash = event.hash.clone();
        self.head_changed = true;
        self.pending_audit.push(event);
        Ok(())
    }

    async fn enqueue_job(&mut self, j: &NewJob) -> CoreResult<bool> {
        let sql = format!(
            "INSERT INTO jobs ({JOB_INSERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT DO NOTHING"
        );
        let r = job_values(j)
            .into_iter()
            .fold(sqlx::query(&sql), Val::bind)
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn prefetch_absent(&mut self, headers: &[String], emails: &[String]) -> CoreResult<()> {
        let lookups = [
            ("SELECT message_id_header AS v FROM messages WHERE message_id_header IN", headers, true),
            ("SELECT value AS v FROM identities WHERE kind = 'email' AND value IN", emails, false),
        ];
        for (select, values, is_header) in lookups {
            for chunk in values.chunks(500) {
                let ps: Vec<String> = (1..=chunk.len()).map(|n| placeholder(self.backend, n)).collect();
                let sql = format!("{select} ({})", ps.join(", "));
                let q = chunk.iter().fold(sqlx::query(&sql), |q, v| q.bind(v.clone()));
                let found: std::collections::HashSet<String> = q
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_err)?
                    .iter()
                    .map(|r| r.try_get::<String, _>("v"))
                    .collect::<Result<_, _>>()
                    .map_err(db_err)?;
                let absent = chunk.iter().filter(|v| !found.contains(*v)).cloned();
                if is_header { self.absent_headers.extend(absent) } else { self.absent_emails.extend(absent) }
            }
        }
        Ok(())
    }

    async fn queue_analysis(&mut self, pending: MessageAnalysis, job: NewJob) -> CoreResult<()> {
        self.pending_analyses.push(pending);
        self.pending_jobs.push(job);
        Ok(())
    }

    async fn put_blob(&mut self, sha256: &str, data: &[u8]) -> CoreResult<()> {
        if !self.pending_blobs.iter().any(|(s, _)| s == sha256) {
            self.pending_blobs.push((sha256.to_string(), data.to_vec()));
        }
        Ok(())
    }

    async fn message_by_header(&mut self, header: &str) -> CoreResult<Option<Message>> {
        if self.absent_headers.contains(header) {
            return Ok(None);
        }
        let sql = format!("SELECT {} FROM messages WHERE message_id_header = $1", rows::MESSAGE_COLS);
        one!(self, &sql, rows::message, header.to_string())
    }

    async fn case_by_headers(&mut self, headers: &[String]) -> CoreResult<Option<CaseId>> {
        // Tried one by one, newest reference first; each lookup is a unique-index probe.
        for h in headers.iter().filter(|h| !self.absent_headers.contains(*h)) {
            let row = sqlx::query("SELECT case_id FROM messages WHERE message_id_header = $1")
                .bind(h.clone())
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(db_err)?;
            if let Some(row) = row {
                let id: String = row.try_get("case_id").map_err(db_err)?;
                return Ok(CaseId::parse(&id));
            }
        }
        Ok(None)
    }

    async fn case(&mut self, id: CaseId) -> CoreResult<Option<Case>> {
        let sql = format!("SELECT {} FROM cases WHERE id = $1", rows::CASE_COLS);
        one!(self, &sql, rows::case, id.to_string())
    }

    async fn case_by_number(&mut self, number: i64) -> CoreResult<Option<Case>> {
        let sql = format!("SELECT {} FROM cases WHERE number = $1", rows::CASE_COLS);
        one!(self, &sql, rows::case, number)
    }

    async fn next_case_number(&mut self) -> CoreResult<i64> {
        // Writers are serialised by the head row, so the counter cannot be handed out twice.
        self.case_number += 1;
        self.head_changed = true;
        Ok(self.case_number)
    }

    async fn insert_case(&mut self, c: &Case) -> CoreResult<()> {
        if c.sla.next_check_at.is_some() {
            self.queue_check(c.id, c.sla.next_check_at);
        }
        let sql = &rows::CASE_WRITE.0;
        rows::bind_case(sqlx::query(sql), c).execute(&mut *self.tx).await.map_err(db_err).map(|_| ())
    }

    async fn update_case(&mut self, c: &Case) -> CoreResult<()> {
        self.queue_check(c.id, c.sla.next_check_at);
        let sql = &rows::CASE_WRITE.1;
        rows::bind_case(sqlx::query(sql), c).execute(&mut *self.tx).await.map_err(db_err).map(|_| ())
    }

    async fn identity(&mut self, kind: IdentityKind, value: &str) -> CoreResult<Option<Identity>> {
        if kind == IdentityKind::Email && self.absent_emails.contains(value) {
            return Ok(None);
        }
        let sql = format!("SELECT {} FROM identities WHERE kind = $1 AND value = $2", rows::IDENTITY_COLS);
        one!(self, &sql, rows::identity, kind.as_str(), value.to_string())
    }

    async fn insert_identity(&mut self, i: &Identity) -> CoreResult<()> {
        if i.kind == IdentityKind::Email {
            self.absent_emails.remove(&i.value);
        }
        exec!(
            self,
            "INSERT INTO identities (id, contact_id, kind, value, failing_since, failure_reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            i.id.to_string(),
            i.contact_id.to_string(),
            i.kind.as_str(),
            i.value.clone(),
            opt_micros(i.failing_since),
            i.failure_reason.clone(),
            micros(i.created_at)
        )
    }

    async fn update_identity(&mut self, i: &Identity) -> CoreResult<()> {
        exec!(
            self,
            "UPDATE identities SET contact_id = $2, failing_since = $3, failure_reason = $4 WHERE id = $1",
            i.id.to_string(),
            i.contact_id.to_string(),
            opt_micros(i.failing_since),
            i.failure_reason.clone()
        )
    }

    async fn contact(&mut self, id: ContactId) -> CoreResult<Option<ContactView>> {
        crate::reads::contact_view(&mut self.tx, id).await
    }

    async fn insert_contact(&mut self, c: &Contact) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO contacts (id, display_name, organisation_id, address_form, language, notes, created_at, updated_at, \
             attributes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            c.id.to_string(),
            c.display_name.clone(),
            c.organisation_id.map(|i| i.to_string()),
            c.address_form.as_str(),
            c.language.clone(),
            c.notes.clone(),
            micros(c.created_at),
            micros(c.updated_at),
            serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into())
        )
    }

    async fn update_contact(&mut self, c: &Contact) -> CoreResult<()> {
        exec!(
            self,
            "UPDATE contacts SET display_name = $2, organisation_id = $3, address_form = $4, language = $5, notes = $6, \
             updated_at = $7, attributes = $8 WHERE id = $1",
            c.id.to_string(),
            c.display_name.clone(),
            c.organisation_id.map(|i| i.to_string()),
            c.address_form.as_str(),
            c.language.clone(),
            c.notes.clone(),
            micros(c.updated_at),
            serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into())
        )
    }

    async fn insert_organisation(&mut self, o: &Organisation) -> CoreResult<()> {
        crate::directory::insert_organisation(&mut self.tx, o).await
    }

    async fn insert_message(&mut self, m: &Message, search_document: &str) -> CoreResult<()> {
        if let Some(h) = &m.message_id_header {
            self.absent_headers.remove(h);
        }
        exec!(
            self,
            "INSERT INTO messages (id, case_id, direction, author_kind, author_user_id, author_contact_id, message_id_header, \
             in_reply_to, refs, from_addr, from_name, to_addrs, cc_addrs, subject, sent_date, text_body, html_body, \
             has_remote_images, auto_kind, raw_sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
            m.id.to_string(),
            m.case_id.to_string(),
            m.direction.as_str(),
            m.author_kind.as_str(),
            m.author_user_id.map(|i| i.to_string()),
            m.author_contact_id.map(|i| i.to_string()),
            m.message_id_header.clone(),
            m.in_reply_to.clone(),
            to_json_list(&m.references),
            m.from_addr.clone(),
            m.from_name.clone(),
            to_json_list(&m.to),
            to_json_list(&m.cc),
            m.subject.clone(),
            opt_micros(m.date),
            m.text_body.clone(),
            m.html_body.clone(),
            m.has_remote_images as i64,
            m.auto_kind.as_str(),
            m.raw_sha256.clone(),
            micros(m.created_at)
        )?;
        self.pending_search.push(dialect::search_values(
            self.backend,
            m.id.to_string(),
            m.case_id.to_string(),
            search_document.to_string(),
            micros(m.created_at),
        ));
        Ok(())
    }

    async fn last_inbound_message(&mut self, case_id: CaseId) -> CoreResult<Option<Message>> {
        let sql = format!(
            "SELECT {} FROM messages WHERE case_id = $1 AND direction = 'inbound' ORDER BY created_at DESC, id DESC LIMIT 1",
            rows::MESSAGE_COLS
        );
        one!(self, &sql, rows::message, case_id.to_string())
    }

    async fn message(&mut self, id: MessageId) -> CoreResult<Option<Message>> {
        let sql = format!("SELECT {} FROM messages WHERE id = $1", rows::MESSAGE_COLS);
        one!(self, &sql, rows::message, id.to_string())
    }

    async fn set_message_raw(&mut self, m: &Message) -> CoreResult<()> {
        exec!(self, "UPDATE messages SET raw_sha256 = $2 WHERE id = $1", m.id.to_string(), m.raw_sha256.clone())
    }

    async fn insert_attachment(&mut self, a: &Attachment) -> CoreResult<()> {
        self.pending_attachments.push(a.clone());
        Ok(())
    }

    async fn mailbox(&mut self, id: MailboxId) -> CoreResult<Option<Mailbox>> {
        let sql = format!("SELECT {} FROM mailboxes WHERE id = $1", rows::MAILBOX_COLS);
        one!(self, &sql, rows::mailbox, id.to_string())
    }

    async fn default_mailbox(&mut self) -> CoreResult<Option<Mailbox>> {
        let sql =
            format!("SELECT {} FROM mailboxes ORDER BY is_default DESC, created_at, id LIMIT 1", rows::MAILBOX_COLS);
        one!(self, &sql, rows::mailbox)
    }

    async fn insert_mailbox(&mut self, m: &Mailbox) -> CoreResult<()> {
        if m.is_default {
            exec!(self, "UPDATE mailboxes SET is_default = 0")?;
        }
        exec!(
            self,
            "INSERT INTO mailboxes (id, name, address, display_name, signature, imap_url, smtp_url, is_default, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            m.id.to_string(),
            m.name.clone(),
            m.address.clone(),
            m.display_name.clone(),
            m.signature.clone(),
            m.imap_url.clone(),
            m.smtp_url.clone(),
            m.is_default as i64,
            micros(m.created_at)
        )
    }

    async fn outbox(&mut self, id: OutboxId) -> CoreResult<Option<OutboxEntry>> {
        let sql = format!("SELECT {} FROM outbox WHERE id = $1", rows::OUTBOX_COLS);
        one!(self, &sql, rows::outbox, id.to_string())
    }

    async fn insert_outbox(&mut self, o: &OutboxEntry) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO outbox (id, message_id, mailbox_id, status, raw_sha256, attempts, last_error, created_at, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            o.id.to_string(),
            o.message_id.to_string(),
            o.mailbox_id.map(|i| i.to_string()),
            o.status.as_str(),
            o.raw_sha256.clone(),
            o.attempts as i64,
            o.last_error.clone(),
            micros(o.created_at),
            opt_micros(o.sent_at)
        )
    }

    async fn update_outbox(&mut self, o: &OutboxEntry) -> CoreResult<()> {
        exec!(
            self,
            "UPDATE outbox SET status = $2, raw_sha256 = $3, attempts = $4, last_error = $5, sent_at = $6 WHERE id = $1",
            o.id.to_string(),
            o.status.as_str(),
            o.raw_sha256.clone(),
            o.attempts as i64,
            o.last_error.clone(),
            opt_micros(o.sent_at)
        )
    }

    async fn quarantine(&mut self, id: QuarantineId) -> CoreResult<Option<QuarantineEntry>> {
        let sql = format!("SELECT {} FROM quarantine WHERE id = $1", rows::QUARANTINE_COLS);
        one!(self, &sql, rows::quarantine, id.to_string())
    }

    async fn held_quarantine(&mut self, raw_sha256: &str) -> CoreResult<Option<QuarantineEntry>> {
        let sql = format!(
            "SELECT {} FROM quarantine WHERE raw_sha256 = $1 AND status = 'held' ORDER BY id LIMIT 1",
            rows::QUARANTINE_COLS
        );
        one!(self, &sql, rows::quarantine, raw_sha256.to_string())
    }

    async fn insert_quarantine(&mut self, q: &QuarantineEntry) -> CoreResult<()> {
        // The entry refers to its raw bytes, which may still be buffered.
        self.flush().await?;
        exec!(
            self,
            "INSERT INTO quarantine (id, source, reason, raw_sha256, size, mailbox_id, status, created_at, released_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            q.id.to_string(),
            q.source.clone(),
            q.reason.clone(),
            q.raw_sha256.clone(),
            q.size,
            q.mailbox_id.map(|i| i.to_string()),
            q.status.clone(),
            micros(q.created_at),
            opt_micros(q.released_at)
        )
    }

    async fn update_quarantine(&mut self, q: &QuarantineEntry) -> CoreResult<()> {
        exec!(
            self,
            "UPDATE quarantine SET status = $2, released_at = $3 WHERE id = $1",
            q.id.to_string(),
            q.status.clone(),
            opt_micros(q.released_at)
        )
    }

    async fn user(&mut self, id: UserId) -> CoreResult<Option<User>> {
        let sql = format!("SELECT {} FROM users WHERE id = $1", rows::USER_COLS);
        one!(self, &sql, rows::user, id.to_string())
    }

    async fn insert_user(&mut self, u: &User) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO users (id, email, display_name, role, password_hash, created_at, locale, active, failed_logins, \
             locked_until, availability, absent_until, languages, distressing_cap, notification_prefs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            u.id.to_string(),
            u.email.clone(),
            u.display_name.clone(),
            u.role.as_str(),
            u.password_hash.clone(),
            micros(u.created_at),
            u.locale.clone(),
            i64::from(u.active),
            u.failed_logins,
            opt_micros(u.locked_until),
            u.availability.as_str(),
            opt_micros(u.absent_until),
            to_json_list(&u.languages),
            u.distressing_cap,
            serde_json::to_string(&u.notification_prefs).unwrap_or_else(|_| "{}".into())
        )
    }

    async fn update_user(&mut self, u: &User) -> CoreResult<()> {
        exec!(
            self,
            "UPDATE users SET email = $2, display_name = $3, role = $4, password_hash = $5, locale = $6, active = $7, \
             failed_logins = $8, locked_until = $9, availability = $10, absent_until = $11, languages = $12, \
             distressing_cap = $13, notification_prefs = $14 WHERE id = $1",
            u.id.to_string(),
            u.email.clone(),
            u.display_name.clone(),
            u.role.as_str(),
            u.password_hash.clone(),
            u.locale.clone(),
            i64::from(u.active),
            u.failed_logins,
            opt_micros(u.locked_until),
            u.availability.as_str(),
            opt_micros(u.absent_until),
            to_json_list(&u.languages),
            u.distressing_cap,
            serde_json::to_string(&u.notification_prefs).unwrap_or_else(|_| "{}".into())
        )
    }

    async fn insert_team(&mut self, t: &Team) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO teams (id, name, created_at, lead_user_id, calendar) VALUES ($1, $2, $3, $4, $5)",
            t.id.to_string(),
            t.name.clone(),
            micros(t.created_at),
            t.lead_user_id.map(|u| u.to_string()),
            t.calendar.clone()
        )
    }

    async fn team(&mut self, id: TeamId) -> CoreResult<Option<Team>> {
        let sql = format!("SELECT {} FROM teams WHERE id = $1", rows::TEAM_COLS);
        one!(self, &sql, rows::team, id.to_string())
    }

    async fn add_team_member(&mut self, team: TeamId, user: UserId) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            team.to_string(),
            user.to_string()
        )
    }

    async fn insert_token(&mut self, t: &ApiToken) -> CoreResult<()> {
        exec!(
            self,
            "INSERT INTO api_tokens (id, user_id, name, secret_sha256, created_at) VALUES ($1, $2, $3, $4, $5)",
            t.id.to_string(),
            t.user_id.to_string(),
            t.name.clone(),
            t.secret_sha256.clone(),
            micros(t.created_at)
        )
    }

    async fn user_by_email(&mut self, email: &str) -> CoreResult<Option<User>> {
        let sql = format!("SELECT {} FROM users WHERE email = $1", rows::USER_COLS);
        one!(self, &sql, rows::user, email.to_string())
    }
    async fn set_user_teams(&mut self, user: UserId, teams: &[TeamId]) -> CoreResult<()> {
        crate::workspace::set_user_teams(&mut self.tx, user, teams).await
    }
    async fn update_mailbox(&mut self, m: &Mailbox) -> CoreResult<()> {
        if m.is_default {
            exec!(self, "UPDATE mailboxes SET is_default = 0")?;
        }
        exec!(
            self,
            "UPDATE mailboxes SET name = $2, address = $3, display_name = $4, signature = $5, imap_url = $6, \
             smtp_url = $7, is_default = $8 WHERE id = $1",
            m.id.to_string(),
            m.name.clone(),
            m.address.clone(),
            m.display_name.clone(),
            m.signature.clone(),
            m.imap_url.clone(),
            m.smtp_url.clone(),
            m.is_default as i64
        )
    }
    async fn insert_password_reset(&mut self, r: &resonanz_core::auth::PasswordReset) -> CoreResult<()> {
        crate::workspace::insert_password_reset(&mut self.tx, r).await
    }
    async fn use_password_reset(&mut self, sha: &str, at: resonanz_core::Timestamp) -> CoreResult<bool> {
        crate::workspace::use_password_reset(&mut self.tx, sha, at).await
    }
    async fn insert_text_block(&mut self, b: &resonanz_core::textblocks::TextBlock) -> CoreResult<()> {
        crate::workspace::upsert_text_block(&mut self.tx, b, true).await
    }
    async fn update_text_block(&mut self, b: &resonanz_core::textblocks::TextBlock) -> CoreResult<()> {
        crate::workspace::upsert_text_block(&mut self.tx, b, false).await
    }
    async fn delete_text_block(&mut self, id: TextBlockId) -> CoreResult<()> {
        crate::workspace::delete_text_block(&mut self.tx, id).await
    }
    async fn count_text_block_use(&mut self, ids: &[TextBlockId]) -> CoreResult<()> {
        crate::workspace::count_text_block_use(&mut self.tx, ids).await
    }
    async fn insert_handover(&mut self, h: &resonanz_core::workspace::Handover) -> CoreResult<()> {
        crate::workspace::insert_handover(&mut self.tx, h).await
    }
    async fn open_handover(&mut self, case: CaseId) -> CoreResult<Option<resonanz_core::workspace::Handover>> {
        crate::workspace::open_handover(&mut self.tx, case).await
    }
    async fn acknowledge_handover(&mut self, id: HandoverId, at: resonanz_core::Timestamp) -> CoreResult<()> {
        crate::workspace::acknowledge_handover(&mut self.tx, id, at).await
    }
    async fn insert_notification(&mut self, n: &resonanz_core::workspace::Notification) -> CoreResult<()> {
        crate::workspace::insert_notification(&mut self.tx, n).await
    }

    async fn upsert_analysis(&mut self, a: &MessageAnalysis) -> CoreResult<()> {
        crate::assist::upsert_analysis(&mut self.tx, a).await
    }
    async fn message_analysis(&mut self, id: MessageId) -> CoreResult<Option<MessageAnalysis>> {
        if let Some(pending) = self.pending_analyses.iter().find(|a| a.message_id == id) {
            return Ok(Some(pending.clone()));
        }
        crate::assist::message_analysis(&mut self.tx, id).await
    }
    async fn insert_suggestion(&mut self, s: &Suggestion) -> CoreResult<()> {
        crate::assist::insert_suggestion(&mut self.tx, s).await
    }
    async fn update_suggestion(&mut self, s: &Suggestion) -> CoreResult<()> {
        crate::assist::update_suggestion(&mut self.tx, s).await
    }
    async fn suggestion(&mut self, id: SuggestionId) -> CoreResult<Option<Suggestion>> {
        crate::assist::suggestion_by_id(&mut self.tx, id).await
    }
    async fn case_suggestions(&mut self, case: CaseId) -> CoreResult<Vec<Suggestion>> {
        crate::assist::suggestions_where(&mut self.tx, "case_id", case.to_string()).await
    }
    async fn message_suggestions(&mut self, message: MessageId) -> CoreResult<Vec<Suggestion>> {
        crate::assist::suggestions_where(&mut self.tx, "message_id", message.to_string()).await
    }
    async fn insert_approval(&mut self, a: &Approval) -> CoreResult<()> {
        crate::assist::upsert_approval(&mut self.tx, a, true).await
    }
    async fn update_approval(&mut self, a: &Approval) -> CoreResult<()> {
        crate::assist::upsert_approval(&mut self.tx, a, false).await
    }
    async fn approval(&mut self, message: MessageId) -> CoreResult<Option<Approval>> {
        crate::assist::approval_of(&mut self.tx, message).await
    }
    async fn auto_reply_rules(&mut self) -> CoreResult<Vec<AutoReplyRule>> {
        crate::assist::auto_reply_rules(&mut self.tx).await
    }
    async fn upsert_auto_reply_rule(&mut self, r: &AutoReplyRule) -> CoreResult<()> {
        crate::assist::upsert_auto_reply_rule(&mut self.tx, r).await
    }
    async fn set_setting(&mut self, key: &str, value: &str, at: resonanz_core::Timestamp) -> CoreResult<()> {
        self.cached_settings.remove(key);
        crate::assist::set_setting(&mut self.tx, key, value, at).await
    }
    async fn count_outbound(&mut self, case: CaseId) -> CoreResult<i64> {
        crate::assist::count_outbound(&mut self.tx, case).await
    }
    async fn unsent_outbox(&mut self, case: CaseId) -> CoreResult<Vec<OutboxEntry>> {
        let cols: Vec<String> = rows::OUTBOX_COLS.split(", ").map(|c| format!("o.{c}")).collect();
        let sql = format!(
            "SELECT {} FROM outbox o JOIN messages m ON m.id = o.message_id \
             WHERE m.case_id = $1 AND o.status = 'pending' AND o.attempts = 0 ORDER BY o.created_at",
            cols.join(", ")
        );
        let found = sqlx::query(&sql).bind(case.to_string()).fetch_all(&mut *self.tx).await.map_err(db_err)?;
        found.iter().map(rows::outbox).collect::<Result<_, _>>().map_err(db_err)
    }
    async fn setting(&mut self, key: &str) -> CoreResult<Option<String>> {
        if let Some(v) = self.cached_settings.get(key) {
            return Ok(v.clone());
        }
        let v = crate::assist::setting(&mut self.tx, key).await?;
        self.cached_settings.insert(key.to_string(), v.clone());
        Ok(v)
    }
    async fn subject_events_of(
        &mut self,
        subject_type: &str,
        subject_id: &str,
        action: &str,
    ) -> CoreResult<Vec<AuditEvent>> {
        let sql = format!(
            "SELECT {} FROM audit_log WHERE subject_type = $1 AND subject_id = $2 AND action = $3 ORDER BY seq",
            rows::AUDIT_COLS
        );
        let q = sqlx::query(&sql).bind(subject_type.to_string()).bind(subject_id.to_string()).bind(action.to_string());
        let mut events = rows::map_all(q.fetch_all(&mut *self.tx).await.map_err(db_err)?, rows::audit)?;
        events.extend(
            self.pending_audit
                .iter()
                .filter(|e| e.subject_type == subject_type && e.subject_id == subject_id && e.action == action)
                .cloned(),
        );
        Ok(events)
    }

    async fn open_case_slas_after(&mut self, after: Option<CaseId>, limit: u32) -> CoreResult<Vec<SlaRow>> {
        crate::responsibility::open_case_slas_after(&mut self.tx, after, limit).await
    }

    async fn update_case_slas(&mut self, slas: &[SlaRow]) -> CoreResult<()> {
        for r in slas {
            self.queue_check(r.case_id, r.sla.next_check_at);
        }
        let values: Vec<Vec<Val>> = slas
            .iter()
            .map(|r| std::iter::once(Val::S(r.case_id.to_string())).chain(rows::sla_clock_values(&r.sla)).collect())
            .collect();
        // One `UPDATE … FROM` a table of values per chunk; both backends read the same SQL.
        let names: Vec<String> = (0..rows::SLA_CLOCK_COLS.len()).map(|i| format!("c{i}")).collect();
        let prefix = format!("WITH v(id, {}) AS (", names.join(", "));
        let sets: Vec<String> = rows::SLA_CLOCK_COLS.iter().zip(&names).map(|(c, n)| format!("{c} = v.{n}")).collect();
        let suffix = format!(") UPDATE cases SET {} FROM v WHERE cases.id = v.id", sets.join(", "));
        self.write_rows(&prefix, &suffix, values, tuple).await
    }
    async fn routing_rules(&mut self) -> CoreResult<Vec<RoutingRule>> {
        if let Some(r) = &self.cached_rules {
            return Ok(r.clone());
        }
        let r = crate::responsibility::routing_rules(&mut self.tx).await?;
        self.cached_rules = Some(r.clone());
        Ok(r)
    }
    async fn routing_rule(&mut self, id: RoutingRuleId) -> CoreResult<Option<RoutingRule>> {
        Ok(self.routing_rules().await?.into_iter().find(|r| r.id == id))
    }
    async fn insert_routing_rule(&mut self, rule: &RoutingRule) -> CoreResult<()> {
        self.cached_rules = None;
        crate::responsibility::upsert_routing_rule(&mut self.tx, rule, true).await
    }
    async fn update_routing_rule(&mut self, rule: &RoutingRule) -> CoreResult<()> {
        self.cached_rules = None;
        crate::responsibility::upsert_routing_rule(&mut self.tx, rule, false).await
    }
    async fn delete_routing_rule(&mut self, id: RoutingRuleId) -> CoreResult<()> {
        self.cached_rules = None;
        crate::responsibility::delete_by_id(&mut self.tx, "routing_rules", id.to_string()).await
    }
    async fn record_rule_error(&mut self, id: RoutingRuleId, error: &str, at: Timestamp) -> CoreResult<()> {
        self.cached_rules = None;
        crate::responsibility::record_rule_error(&mut self.tx, id, error, at).await
    }
    async fn sla_policies(&mut self) -> CoreResult<Vec<SlaPolicy>> {
        if let Some(p) = &self.cached_policies {
            return Ok(p.clone());
        }
        let p = crate::responsibility::sla_policies(&mut self.tx).await?;
        self.cached_policies = Some(p.clone());
        Ok(p)
    }
    async fn sla_policy(&mut self, id: SlaPolicyId) -> CoreResult<Option<SlaPolicy>> {
        Ok(self.sla_policies().await?.into_iter().find(|p| p.id == id))
    }
    async fn insert_sla_policy(&mut self, policy: &SlaPolicy) -> CoreResult<()> {
        self.cached_policies = None;
        crate::responsibility::upsert_sla_policy(&mut self.tx, policy, true).await
    }
    async fn update_sla_policy(&mut self, policy: &SlaPolicy) -> CoreResult<()> {
        self.cached_policies = None;
        crate::responsibility::upsert_sla_policy(&mut self.tx, policy, false).await
    }
    async fn delete_sla_policy(&mut self, id: SlaPolicyId) -> CoreResult<()> {
        self.cached_policies = None;
        crate::responsibility::delete_by_id(&mut self.tx, "sla_policies", id.to_string()).await
    }
    async fn update_team(&mut self, team: &Team) -> CoreResult<()> {
        crate::responsibility::update_team(&mut self.tx, team).await
    }
    async fn team_member_ids(&mut self, team: TeamId) -> CoreResult<Vec<UserId>> {
        crate::responsibility::team_member_ids(&mut self.tx, team).await
    }
    async fn assignment_load(&mut self, team: TeamId, since: Timestamp) -> CoreResult<Vec<(User, i64, i64)>> {
        crate::responsibility::assignment_load(&mut self.tx, team, since).await
    }
    async fn previous_owner(&mut self, contact: ContactId, except: CaseId) -> CoreResult<Option<UserId>> {
        crate::responsibility::previous_owner(&mut self.tx, contact, except).await
    }
    async fn round_robin_last(&mut self, team: TeamId) -> CoreResult<Option<UserId>> {
        crate::responsibility::round_robin_last(&mut self.tx, team).await
    }
    async fn set_round_robin_last(&mut self, team: TeamId, user: UserId) -> CoreResult<()> {
        crate::responsibility::set_round_robin_last(&mut self.tx, team, user).await
    }
    async fn insert_assignment(&mut self, record: &AssignmentRecord) -> CoreResult<()> {
        crate::responsibility::insert_assignment(&mut self.tx, record).await
    }
    async fn insert_escalation(&mut self, escalation: &Escalation) -> CoreResult<()> {
        crate::responsibility::upsert_escalation(&mut self.tx, escalation, true).await
    }
    async fn update_escalation(&mut self, escalation: &Escalation) -> CoreResult<()> {
        crate::responsibility::upsert_escalation(&mut self.tx, escalation, false).await
    }
    async fn open_escalation(&mut self, case: CaseId) -> CoreResult<Option<Escalation>> {
        crate::responsibility::open_escalation(&mut self.tx, case).await
    }
    async fn handover(&mut self, id: HandoverId) -> CoreResult<Option<Handover>> {
        crate::responsibility::handover(&mut self.tx, id).await
    }
    async fn update_handover(&mut self, handover: &Handover) -> CoreResult<()> {
        crate::responsibility::update_handover(&mut self.tx, handover).await
    }
    async fn follow_up(&mut self, id: FollowUpId) -> CoreResult<Option<FollowUp>> {
        Ok(crate::responsibility::follow_ups_where(&mut self.tx, "id = $1", id.to_string(), None)
            .await?
            .into_iter()
            .next())
    }
    async fn case_follow_ups(&mut self, case: CaseId) -> CoreResult<Vec<FollowUp>> {
        crate::responsibility::follow_ups_where(&mut self.tx, "case_id = $1", case.to_string(), None).await
    }
    async fn insert_follow_up(&mut self, follow_up: &FollowUp) -> CoreResult<()> {
        crate::responsibility::upsert_follow_up(&mut self.tx, follow_up, true).await
    }
    async fn update_follow_up(&mut self, follow_up: &FollowUp) -> CoreResult<()> {
        crate::responsibility::upsert_follow_up(&mut self.tx, follow_up, false).await
    }
    async fn survey(&mut self, id: SurveyId) -> CoreResult<Option<Survey>> {
        Ok(crate::responsibility::surveys_where(&mut self.tx, "id", id.to_string()).await?.into_iter().next())
    }
    async fn case_surveys(&mut self, case: CaseId) -> CoreResult<Vec<Survey>> {
        crate::responsibility::surveys_where(&mut self.tx, "case_id", case.to_string()).await
    }
    async fn insert_survey(&mut self, survey: &Survey) -> CoreResult<()> {
        crate::responsibility::upsert_survey(&mut self.tx, survey, true).await
    }
    async fn update_survey(&mut self, survey: &Survey) -> CoreResult<()> {
        crate::responsibility::upsert_survey(&mut self.tx, survey, false).await
    }
}
