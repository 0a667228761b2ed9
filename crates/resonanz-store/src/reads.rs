//! `Store` for `SqlStore`: reads, the job queue, and the entry to write transactions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use resonanz_core::Timestamp;
use resonanz_core::assist::{
    Approval, AutoReplyRule, Correction, LedgerCount, MessageAnalysis, ResolvedCaseText, Suggestion,
};
use resonanz_core::audit::AuditEvent;
use resonanz_core::case::{Case, CaseFilter, OwnerFilter, SnoozeFilter};
use resonanz_core::contact::{ContactView, Organisation};
use resonanz_core::error::{CoreError, CoreResult};
use resonanz_core::ids::*;
use resonanz_core::jobs::{ClaimedJob, lease};
use resonanz_core::message::{Attachment, Message, MessageView};
use resonanz_core::outbound::{Mailbox, OutboxEntry};
use resonanz_core::quarantine::QuarantineEntry;
use resonanz_core::responsibility::{AssignmentRecord, Escalation, FollowUp, Survey};
use resonanz_core::routing::RoutingRule;
use resonanz_core::sla::SlaPolicy;
use resonanz_core::store::{Backend, JobCounts, SearchHit, Store, Tx};
use resonanz_core::user::{ApiToken, Team, User};
use resonanz_core::workspace::Handover as HandoverRow;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::rows::{self, micros};
use crate::{SqlStore, db_err, dialect};

use crate::rows::map_all;

pub(crate) async fn contact_view(conn: &mut AnyConnection, id: ContactId) -> CoreResult<Option<ContactView>> {
    let sql = format!("SELECT {} FROM contacts WHERE id = $1", rows::CONTACT_COLS);
    let Some(row) = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut *conn).await.map_err(db_err)? else {
        return Ok(None);
    };
    let contact = rows::contact(&row).map_err(db_err)?;
    let sql = format!("SELECT {} FROM identities WHERE contact_id = $1 ORDER BY created_at, id", rows::IDENTITY_COLS);
    let ids = sqlx::query(&sql).bind(id.to_string()).fetch_all(&mut *conn).await.map_err(db_err)?;
    Ok(Some(ContactView { contact, identities: map_all(ids, rows::identity)? }))
}

enum Arg {
    S(String),
    I(i64),
}

fn bind_all<'q>(mut q: Query<'q, Any, AnyArguments<'q>>, args: &'q [Arg]) -> Query<'q, Any, AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::S(s) => q.bind(s.as_str()),
            Arg::I(i) => q.bind(*i),
        };
    }
    q
}

impl SqlStore {
    /// A read transaction for a full-text query, so PostgreSQL's plan settings stay local to it.
    /// PostgreSQL first counts matches through the GIN index up to a cap: few are fetched through
    /// it and sorted; many are found by walking the newest messages backwards. Its planner cannot
    /// tell the two apart from the statistics it keeps for rare words.
    async fn begin_search(&self, argument: &str) -> CoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for setting in dialect::search_plan(self.backend) {
            sqlx::query(setting).execute(&mut *tx).await.map_err(db_err)?;
        }
        if self.backend == Backend::Postgres {
            let matches: i64 = sqlx::query_scalar(dialect::PG_SEARCH_PROBE)
                .bind(argument.to_string())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            if matches >= dialect::PG_SEARCH_PROBE_CAP {
                for setting in dialect::PG_SEARCH_COMMON {
                    sqlx::query(setting).execute(&mut *tx).await.map_err(db_err)?;
                }
            }
        }
        Ok(tx)
    }

    /// PostgreSQL: the cases of all matching messages when they are few (the probe of
    /// `begin_search`), because its planner would otherwise walk the whole time index looking for a
    /// rare word. `None` when the words are common, or on SQLite, whose FTS5 walk is fast either way.
    async fn rare_match_case_ids(&self, terms: &[String]) -> CoreResult<Option<Vec<String>>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let argument = dialect::match_argument(self.backend, terms);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for setting in dialect::search_plan(self.backend) {
            sqlx::query(setting).execute(&mut *tx).await.map_err(db_err)?;
        }
        let ids: Vec<String> = sqlx::query_scalar(dialect::PG_RARE_MATCH_CASES)
            .bind(argument)
            .bind(dialect::PG_SEARCH_PROBE_CAP)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.rollback().await.map_err(db_err)?;
        if ids.len() as i64 >= dialect::PG_SEARCH_PROBE_CAP {
            return Ok(None);
        }
        let mut seen = std::collections::HashSet::new();
        Ok(Some(ids.into_iter().filter(|id| seen.insert(id.clone())).collect()))
    }

    async fn conn(&self) -> CoreResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.pool.acquire().await.map_err(db_err)
    }

    async fn one<T>(&self, sql: &str, arg: String, f: fn(&AnyRow) -> rows::R<T>) -> CoreResult<Option<T>> {
        let row = sqlx::query(sql).bind(arg).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| f(&r)).transpose().map_err(db_err)
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn begin(&self) -> CoreResult<Box<dyn Tx>> {
        Ok(Box::new(self.begin_tx().await?))
    }

    async fn ready(&self) -> CoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
        let pending = self.pending_migrations().await?;
        if pending > 0 {
            return Err(CoreError::Conflict(format!("{pending} migration(s) not applied")));
        }
        Ok(())
    }

    async fn case(&self, id: CaseId) -> CoreResult<Option<Case>> {
        self.one(&format!("SELECT {} FROM cases WHERE id = $1", rows::CASE_COLS), id.to_string(), rows::case).await
    }

    async fn case_by_number(&self, number: i64) -> CoreResult<Option<Case>> {
        let sql = format!("SELECT {} FROM cases WHERE number = $1", rows::CASE_COLS);
        let row = sqlx::query(&sql).bind(number).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| rows::case(&r)).transpose().map_err(db_err)
    }

    async fn list_cases(&self, f: &CaseFilter) -> CoreResult<Vec<Case>> {
        let mut cond = Vec::new();
        let mut args = Vec::new();
        let mut by_id = false;
        let next = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        if let Some(statuses) = &f.status {
            if statuses.is_empty() {
                return Ok(Vec::new());
            }
            let ps: Vec<String> = statuses.iter().map(|s| next(&mut args, Arg::S(s.as_str().into()))).collect();
            // Escalated cases are few: found through their own index, not among all open ones.
            let status = if f.escalated { dialect::no_index(self.backend, "status") } else { "status".into() };
            cond.push(format!("{status} IN ({})", ps.join(", ")));
        }
        match &f.owner {
            Some(OwnerFilter::User(u)) => {
                let p = next(&mut args, Arg::S(u.to_string()));
                cond.push(format!("owner_id = {p}"));
            }
            Some(OwnerFilter::Unowned) => cond.push("owner_id IS NULL".into()),
            None => {}
        }
        if let Some(t) = f.team_id {
            let p = next(&mut args, Arg::S(t.to_string()));
            cond.push(format!("team_id = {p}"));
        }
        if let Some(c) = f.contact_id {
            let p = next(&mut args, Arg::S(c.to_string()));
            cond.push(format!("contact_id = {p}"));
        }
        if let Some(teams) = &f.team_ids {
            if teams.is_empty() {
                return Ok(Vec::new());
            }
            let ps: Vec<String> = teams.iter().map(|t| next(&mut args, Arg::S(t.to_string()))).collect();
            cond.push(format!("team_id IN ({})", ps.join(", ")));
        }
        if let Some(v) = &f.visible_to {
            // Checked row by row while walking the sort order: most cases are visible, and an index
            // on these terms would make SQLite collect and sort them all to show fifty.
            let (team, owner) =
                (dialect::no_index(self.backend, "team_id"), dialect::no_index(self.backend, "owner_id"));
            let mut alt = vec![format!("{team} IS NULL")];
            alt.push(format!("{owner} = {}", next(&mut args, Arg::S(v.user_id.to_string()))));
            if !v.team_ids.is_empty() {
                let ps: Vec<String> = v.team_ids.iter().map(|t| next(&mut args, Arg::S(t.to_string()))).collect();
                alt.push(format!("{team} IN ({})", ps.join(", ")));
            }
            cond.push(format!("({})", alt.join(" OR ")));
        }
        if f.escalated {
            cond.push("escalation_level > 0".into());
        }
        match f.snoozed {
            Some(SnoozeFilter::Hide(now)) => {
                let p = next(&mut args, Arg::I(rows::micros(now)));
                cond.push(format!("(snoozed_until IS NULL OR snoozed_until <= {p})"));
            }
            Some(SnoozeFilter::Only(now)) => {
                let p = next(&mut args, Arg::I(rows::micros(now)));
                cond.push(format!("snoozed_until > {p}"));
            }
            None => {}
        }
        if let Some(text) = &f.text {
            let terms = resonanz_core::search::query_terms(text);
            if terms.is_empty() {
                return Ok(Vec::new());
            }
            match self.rare_match_case_ids(&terms).await? {
                // Few matches (PostgreSQL): their cases by id, then sorted.
                Some(ids) if ids.is_empty() => return Ok(Vec::new()),
                Some(ids) => {
                    let ps: Vec<String> = ids.into_iter().map(|id| next(&mut args, Arg::S(id))).collect();
                    cond.push(format!("id IN ({})", ps.join(", ")));
                    by_id = true;
                }
                // The newest matching messages' cases, inside the list query.
                None => {
                    args.push(Arg::S(dialect::match_argument(self.backend, &terms)));
                    cond.push(format!("id IN ({})", dialect::case_ids_matching(self.backend, args.len())));
                }
            }
        }
        if let Some(cur) = &f.cursor {
            let k = next(&mut args, Arg::I(cur.sort_key));
            let i = next(&mut args, Arg::S(cur.id.to_string()));
            cond.push(format!("(sort_key > {k} OR (sort_key = {k} AND id > {i}))"));
        }
        let where_ = if cond.is_empty() { String::new() } else { format!("WHERE {}", cond.join(" AND ")) };
        // A few cases named by id (or the few escalated ones) are fetched and sorted; `+ 0` keeps
        // the planner from walking the whole sort index instead, looking for them.
        let order = if by_id || f.escalated { "sort_key + 0, id" } else { "sort_key, id" };
        let lim = next(&mut args, Arg::I(i64::from(f.limit) + 1));
        let sql = format!("SELECT {} FROM cases {where_} ORDER BY {order} LIMIT {lim}", rows::CASE_COLS);
        let rows = bind_all(sqlx::query(&sql), &args).fetch_all(&self.pool).await.map_err(db_err)?;
        map_all(rows, rows::case)
    }

    async fn case_messages(&self, id: CaseId) -> CoreResult<Vec<MessageView>> {
        let sql = format!("SELECT {} FROM messages WHERE case_id = $1 ORDER BY created_at, id", rows::MESSAGE_COLS);
        let msgs = map_all(
            sqlx::query(&sql).bind(id.to_string()).fetch_all(&self.pool).await.map_err(db_err)?,
            rows::message,
        )?;
        let sql = format!(
            "SELECT {} FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE case_id = $1) ORDER BY id",
            rows::ATTACHMENT_COLS
        );
        let atts = map_all(
            sqlx::query(&sql).bind(id.to_string()).fetch_all(&self.pool).await.map_err(db_err)?,
            rows::attachment,
        )?;
        let delivery_rows = sqlx::query(
            "SELECT message_id, status FROM outbox WHERE message_id IN (SELECT id FROM messages WHERE case_id = $1)",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut delivery = std::collections::HashMap::new();
        for r in delivery_rows {
            let m: String = r.try_get("message_id").map_err(db_err)?;
            let s: String = r.try_get("status").map_err(db_err)?;
            delivery.insert(m, s);
        }
        Ok(msgs
            .into_iter()
            .map(|message| {
                let attachments: Vec<Attachment> =
                    atts.iter().filter(|a| a.message_id == message.id).cloned().collect();
                let delivery = delivery.get(&message.id.to_string()).cloned();
                MessageView { message, attachments, delivery }
            })
            .collect())
    }

    async fn subject_events(&self, subject_type: &str, subject_id: &str) -> CoreResult<Vec<AuditEvent>> {
        let sql = format!(
            "SELECT {} FROM audit_log WHERE subject_type = $1 AND subject_id = $2 ORDER BY seq",
            rows::AUDIT_COLS
        );
        let r = sqlx::query(&sql)
            .bind(subject_type.to_string())
            .bind(subject_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        map_all(r, rows::audit)
    }

    async fn message(&self, id: MessageId) -> CoreResult<Option<Message>> {
        self.one(&format!("SELECT {} FROM messages WHERE id = $1", rows::MESSAGE_COLS), id.to_string(), rows::message)
            .await
    }

    async fn attachment(&self, id: AttachmentId) -> CoreResult<Option<Attachment>> {
        let sql = format!("SELECT {} FROM attachments WHERE id = $1", rows::ATTACHMENT_COLS);
        self.one(&sql, id.to_string(), rows::attachment).await
    }

    async fn blob(&self, sha256: &str) -> CoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar::<_, Vec<u8>>("SELECT data FROM blobs WHERE sha256 = $1")
            .bind(sha256.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn contact(&self, id: ContactId) -> CoreResult<Option<ContactView>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        contact_view(&mut conn, id).await
    }

    async fn list_contacts(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<ContactId>,
    ) -> CoreResult<Vec<ContactView>> {
        let mut args = Vec::new();
        let mut cond = Vec::new();
        if let Some(q) = query {
            let pattern = format!("%{}%", q.trim().to_lowercase().replace(['%', '_'], ""));
            args.push(Arg::S(pattern));
            cond.push(
                "(LOWER(display_name) LIKE $1 OR id IN (SELECT contact_id FROM identities WHERE value LIKE $1))"
                    .to_string(),
            );
        }
        if let Some(a) = after {
            args.push(Arg::S(a.to_string()));
            cond.push(format!("id > ${}", args.len()));
        }
        args.push(Arg::I(i64::from(limit)));
        let where_ = if cond.is_empty() { String::new() } else { format!("WHERE {}", cond.join(" AND ")) };
        let sql = format!("SELECT id FROM contacts {where_} ORDER BY id LIMIT ${}", args.len());
        let ids = bind_all(sqlx::query(&sql), &args).fetch_all(&self.pool).await.map_err(db_err)?;
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            let id: String = r.try_get("id").map_err(db_err)?;
            if let Some(v) =
                contact_view(&mut conn, ContactId::parse(&id).ok_or(CoreError::NotFound("contact"))?).await?
            {
                out.push(v);
            }
        }
        Ok(out)
    }

    async fn organisation(&self, id: OrganisationId) -> CoreResult<Option<Organisation>> {
        self.organisation_by_id(id).await
    }

    async fn list_organisations(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<OrganisationId>,
    ) -> CoreResult<Vec<Organisation>> {
        self.organisations_page(query, limit, after).await
    }

    async fn contacts_of_organisation(&self, id: OrganisationId, limit: u32) -> CoreResult<Vec<ContactView>> {
        self.organisation_contacts(id, limit).await
    }

    async fn search(&self, terms: &[String], limit: u32) -> CoreResult<Vec<SearchHit>> {
        let argument = dialect::match_argument(self.backend, terms);
        let mut tx = self.begin_search(&argument).await?;
        let rows = sqlx::query(dialect::search_messages(self.backend))
            .bind(argument)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.rollback().await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let case_id: String = r.try_get("case_id")?;
                let id: String = r.try_get("id")?;
                Ok(SearchHit {
                    case_id: CaseId::parse(&case_id).unwrap_or(CaseId(uuid::Uuid::nil())),
                    message_id: MessageId::parse(&id).unwrap_or(MessageId(uuid::Uuid::nil())),
                    subject: r.try_get("subject")?,
                    created_at: DateTime::<Utc>::from_timestamp_micros(r.try_get("created_at")?).unwrap_or_default(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db_err)
    }

    async fn quarantine(&self, id: QuarantineId) -> CoreResult<Option<QuarantineEntry>> {
        let sql = format!("SELECT {} FROM quarantine WHERE id = $1", rows::QUARANTINE_COLS);
        self.one(&sql, id.to_string(), rows::quarantine).await
    }

    async fn list_quarantine(&self, limit: u32, after: Option<QuarantineId>) -> CoreResult<Vec<QuarantineEntry>> {
        let sql = format!("SELECT {} FROM quarantine WHERE id > $1 ORDER BY id LIMIT $2", rows::QUARANTINE_COLS);
        let r = sqlx::query(&sql)
            .bind(after.map(|a| a.to_string()).unwrap_or_default())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        map_all(r, rows::quarantine)
    }

    async fn user(&self, id: UserId) -> CoreResult<Option<User>> {
        self.one(&format!("SELECT {} FROM users WHERE id = $1", rows::USER_COLS), id.to_string(), rows::user).await
    }

    async fn user_by_email(&self, email: &str) -> CoreResult<Option<User>> {
        let sql = format!("SELECT {} FROM users WHERE email = $1", rows::USER_COLS);
        self.one(&sql, email.to_lowercase(), rows::user).await
    }

    async fn count_users(&self) -> CoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await.map_err(db_err)
    }

    async fn list_users(&self) -> CoreResult<Vec<User>> {
        self.all_users().await
    }

    async fn team_members(&self) -> CoreResult<Vec<(TeamId, UserId)>> {
        self.all_team_members().await
    }

    async fn teams(&self) -> CoreResult<Vec<Team>> {
        let r = sqlx::query(&format!("SELECT {} FROM teams ORDER BY name", rows::TEAM_COLS))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        map_all(r, rows::team)
    }

    async fn token_by_secret(&self, secret_sha256: &str) -> CoreResult<Option<(ApiToken, User)>> {
        let sql = "SELECT t.id AS token_id, t.user_id AS token_user_id, t.name AS token_name, t.secret_sha256, \
                   t.created_at AS token_created_at, u.id, u.email, u.display_name, u.role, u.password_hash, u.created_at, \
                   u.locale, u.active, u.failed_logins, u.locked_until, u.availability, u.absent_until, u.languages, \
                   u.distressing_cap, u.notification_prefs \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_sha256 = $1";
        let row = sqlx::query(sql).bind(secret_sha256.to_string()).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| Ok((rows::token(&r)?, rows::user(&r)?))).transpose().map_err(db_err)
    }

    async fn mailboxes(&self) -> CoreResult<Vec<Mailbox>> {
        let sql = format!("SELECT {} FROM mailboxes ORDER BY name", rows::MAILBOX_COLS);
        map_all(sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_err)?, rows::mailbox)
    }

    async fn outbox(&self, id: OutboxId) -> CoreResult<Option<OutboxEntry>> {
        self.one(&format!("SELECT {} FROM outbox WHERE id = $1", rows::OUTBOX_COLS), id.to_string(), rows::outbox).await
    }

    async fn audit_head(&self) -> CoreResult<(i64, String)> {
        let row = sqlx::query("SELECT audit_seq, audit_hash FROM write_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok((row.try_get("audit_seq").map_err(db_err)?, row.try_get("audit_hash").map_err(db_err)?))
    }

    async fn audit_events(&self, after_seq: i64, limit: u32) -> CoreResult<Vec<AuditEvent>> {
        let sql = format!("SELECT {} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", rows::AUDIT_COLS);
        let r = sqlx::query(&sql).bind(after_seq).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_err)?;
        map_all(r, rows::audit)
    }

    async fn claim_job(&self, now: Timestamp) -> CoreResult<Option<ClaimedJob>> {
        let row = sqlx::query(dialect::claim_job(self.backend))
            .bind(micros(now + lease()))
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let id: String = r.try_get("id").map_err(db_err)?;
        Ok(Some(ClaimedJob {
            id: JobId::parse(&id).ok_or(CoreError::NotFound("job"))?,
            name: r.try_get("name").map_err(db_err)?,
            payload: r.try_get("payload").map_err(db_err)?,
            attempts: r.try_get::<i64, _>("attempts").map_err(db_err)? as i32,
            max_attempts: r.try_get::<i64, _>("max_attempts").map_err(db_err)? as i32,
        }))
    }

    async fn complete_job(&self, id: JobId, now: Timestamp) -> CoreResult<()> {
        sqlx::query("UPDATE jobs SET state = 'done', finished_at = $2, locked_until = NULL WHERE id = $1")
            .bind(id.to_string())
            .bind(micros(now))
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    async fn retry_job(&self, id: JobId, run_at: Timestamp, error: &str) -> CoreResult<()> {
        sqlx::query("UPDATE jobs SET state = 'queued', run_at = $2, last_error = $3, locked_until = NULL WHERE id = $1")
            .bind(id.to_string())
            .bind(micros(run_at))
            .bind(error.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    async fn fail_job(&self, id: JobId, now: Timestamp, error: &str) -> CoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'failed', finished_at = $2, last_error = $3, locked_until = NULL WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(micros(now))
        .bind(error.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)
        .map(|_| ())
    }

    async fn job_counts(&self) -> CoreResult<JobCounts> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut c = JobCounts::default();
        for r in rows {
            let state: String = r.try_get("state").map_err(db_err)?;
            let n: i64 = r.try_get("n").map_err(db_err)?;
            match state.as_str() {
                "queued" => c.queued = n,
                "running" => c.running = n,
                "done" => c.done = n,
                _ => c.failed += n,
            }
        }
        Ok(c)
    }

    async fn contacts_by_ids(&self, ids: &[ContactId]) -> CoreResult<Vec<resonanz_core::contact::Contact>> {
        self.contacts_by_ids_(ids).await
    }
    async fn session(&self, sha: &str) -> CoreResult<Option<resonanz_core::auth::Session>> {
        self.session_(sha).await
    }
    async fn insert_session(&self, s: &resonanz_core::auth::Session) -> CoreResult<()> {
        self.insert_session_(s).await
    }
    async fn touch_session(&self, sha: &str, at: Timestamp) -> CoreResult<()> {
        self.touch_session_(sha, at).await
    }
    async fn delete_session(&self, sha: &str) -> CoreResult<()> {
        self.delete_session_(sha).await
    }
    async fn delete_user_sessions(&self, user: UserId, keep: Option<&str>) -> CoreResult<u64> {
        self.delete_user_sessions_(user, keep).await
    }
    async fn password_reset(&self, sha: &str) -> CoreResult<Option<resonanz_core::auth::PasswordReset>> {
        self.password_reset_(sha).await
    }
    async fn text_block(&self, id: TextBlockId) -> CoreResult<Option<resonanz_core::textblocks::TextBlock>> {
        self.text_block_(id).await
    }
    async fn text_blocks(
        &self,
        query: Option<&str>,
        category: Option<&str>,
    ) -> CoreResult<Vec<resonanz_core::textblocks::TextBlock>> {
        self.text_blocks_(query, category).await
    }
    async fn case_handovers(&self, case: CaseId) -> CoreResult<Vec<resonanz_core::workspace::Handover>> {
        self.case_handovers_(case).await
    }
    async fn notifications(&self, user: UserId, limit: u32) -> CoreResult<Vec<resonanz_core::workspace::Notification>> {
        self.notifications_(user, limit).await
    }
    async fn notifications_after(
        &self,
        after: Option<NotificationId>,
        limit: u32,
    ) -> CoreResult<(Vec<resonanz_core::workspace::Notification>, Option<NotificationId>)> {
        self.notifications_after_(after, limit).await
    }
    async fn unread_notifications(&self, user: UserId) -> CoreResult<i64> {
        self.unread_notifications_(user).await
    }
    async fn mark_notifications_read(
        &self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        at: Timestamp,
    ) -> CoreResult<()> {
        self.mark_notifications_read_(user, ids, at).await
    }
    async fn upsert_presence(&self, p: &resonanz_core::workspace::Presence) -> CoreResult<()> {
        self.upsert_presence_(p).await
    }
    async fn case_presence(&self, case: CaseId) -> CoreResult<Vec<resonanz_core::workspace::Presence>> {
        self.case_presence_(case).await
    }
    async fn presence_changed_since(&self, since: Timestamp) -> CoreResult<Vec<resonanz_core::workspace::Presence>> {
        self.presence_changed_since_(since).await
    }
    async fn saved_views(&self, user: UserId) -> CoreResult<Vec<resonanz_core::workspace::SavedView>> {
        self.saved_views_(user).await
    }
    async fn insert_saved_view(&self, v: &resonanz_core::workspace::SavedView) -> CoreResult<()> {
        self.insert_saved_view_(v).await
    }
    async fn delete_saved_view(&self, user: UserId, id: SavedViewId) -> CoreResult<()> {
        self.delete_saved_view_(user, id).await
    }

    async fn message_analysis(&self, id: MessageId) -> CoreResult<Option<MessageAnalysis>> {
        crate::assist::message_analysis(&mut *self.conn().await?, id).await
    }
    async fn case_analyses(&self, case: CaseId) -> CoreResult<Vec<MessageAnalysis>> {
        crate::assist::case_analyses(&mut *self.conn().await?, case).await
    }
    async fn suggestion(&self, id: SuggestionId) -> CoreResult<Option<Suggestion>> {
        crate::assist::suggestion_by_id(&mut *self.conn().await?, id).await
    }
    async fn case_suggestions(&self, case: CaseId) -> CoreResult<Vec<Suggestion>> {
        crate::assist::suggestions_where(&mut *self.conn().await?, "case_id", case.to_string()).await
    }
    async fn case_approvals(&self, case: CaseId) -> CoreResult<Vec<Approval>> {
        crate::assist::case_approvals(&mut *self.conn().await?, case).await
    }
    async fn ledger_counts(&self, from: Timestamp, to: Timestamp) -> CoreResult<Vec<LedgerCount>> {
        crate::assist::ledger_counts(&mut *self.conn().await?, from, to).await
    }
    async fn corrections(&self, limit: u32) -> CoreResult<Vec<Correction>> {
        crate::assist::corrections(&mut *self.conn().await?, limit).await
    }
    async fn resolved_cases(
        &self,
        after: Option<(Timestamp, CaseId)>,
        limit: u32,
    ) -> CoreResult<Vec<ResolvedCaseText>> {
        crate::assist::resolved_cases(&mut *self.conn().await?, after, limit).await
    }
    async fn open_cases_changed_since(&self, after: Timestamp, limit: u32) -> CoreResult<Vec<CaseId>> {
        crate::assist::open_cases_changed_since(&mut *self.conn().await?, after, limit).await
    }
    async fn auto_reply_rules(&self) -> CoreResult<Vec<AutoReplyRule>> {
        crate::assist::auto_reply_rules(&mut *self.conn().await?).await
    }
    async fn setting(&self, key: &str) -> CoreResult<Option<String>> {
        crate::assist::setting(&mut *self.conn().await?, key).await
    }
    async fn routing_rules(&self) -> CoreResult<Vec<RoutingRule>> {
        crate::responsibility::routing_rules(&mut *self.conn().await?).await
    }
    async fn sla_policies(&self) -> CoreResult<Vec<SlaPolicy>> {
        crate::responsibility::sla_policies(&mut *self.conn().await?).await
    }
    async fn case_escalations(&self, case: CaseId) -> CoreResult<Vec<Escalation>> {
        crate::responsibility::case_escalations(&mut *self.conn().await?, case).await
    }
    async fn case_assignments(&self, case: CaseId) -> CoreResult<Vec<AssignmentRecord>> {
        crate::responsibility::case_assignments(&mut *self.conn().await?, case).await
    }
    async fn case_follow_ups(&self, case: CaseId) -> CoreResult<Vec<FollowUp>> {
        crate::responsibility::follow_ups_where(&mut *self.conn().await?, "case_id = $1", case.to_string(), None).await
    }
    async fn user_follow_ups(&self, user: UserId) -> CoreResult<Vec<FollowUp>> {
        crate::responsibility::follow_ups_where(
            &mut *self.conn().await?,
            "user_id = $1 AND done_at IS NULL",
            user.to_string(),
            None,
        )
        .await
    }
    async fn due_follow_ups(&self, now: Timestamp, limit: u32) -> CoreResult<Vec<FollowUp>> {
        let cond = "notified_at IS NULL AND done_at IS NULL AND due_at <= $1";
        crate::responsibility::follow_ups_where(&mut *self.conn().await?, cond, String::new(), Some((now, limit))).await
    }
    async fn sla_checks_due(&self, now: Timestamp, limit: u32) -> CoreResult<Vec<CaseId>> {
        crate::responsibility::sla_checks_due(&mut *self.conn().await?, now, limit).await
    }
    async fn open_cases_after(&self, after: Option<CaseId>, limit: u32) -> CoreResult<Vec<Case>> {
        crate::responsibility::open_cases_after(&mut *self.conn().await?, after, limit).await
    }
    async fn unacknowledged_handovers(
        &self,
        remind_before: Timestamp,
        escalate_before: Timestamp,
        limit: u32,
    ) -> CoreResult<Vec<HandoverRow>> {
        crate::responsibility::unacknowledged_handovers(&mut *self.conn().await?, remind_before, escalate_before, limit)
            .await
    }
    async fn watch_cases(
        &self,
        unowned_before: Timestamp,
        inactive_before: Timestamp,
        now: Timestamp,
        unflagged_only: bool,
        limit: u32,
    ) -> CoreResult<(Vec<Case>, Vec<Case>)> {
        let conn = &mut *self.conn().await?;
        crate::responsibility::watch_cases(conn, unowned_before, inactive_before, now, unflagged_only, limit).await
    }
    async fn survey_by_token(&self, token_sha256: &str) -> CoreResult<Option<Survey>> {
        let found =
            crate::responsibility::surveys_where(&mut *self.conn().await?, "token_sha256", token_sha256.to_string())
                .await?;
        Ok(found.into_iter().next())
    }
    async fn case_surveys(&self, case: CaseId) -> CoreResult<Vec<Survey>> {
        crate::responsibility::surveys_where(&mut *self.conn().await?, "case_id", case.to_string()).await
    }
    async fn survey_stats(&self, from: Timestamp, to: Timestamp) -> CoreResult<Vec<(Option<TeamId>, Option<i64>)>> {
        crate::responsibility::survey_stats(&mut *self.conn().await?, from, to).await
    }
}
