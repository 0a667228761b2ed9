//! The storage traits. `resonanz-store` implements them for SQLite and PostgreSQL; core's services
//! are written against them only.
//!
//! Writes go through a [`Tx`]: everything a use case changes — rows, audit events, jobs — commits
//! together or not at all. Reads that need no transaction are on [`Store`].

use async_trait::async_trait;

use crate::assist::{Approval, AutoReplyRule, Correction, LedgerCount, MessageAnalysis, ResolvedCaseText, Suggestion};
use crate::audit::{AuditEvent, NewAuditEvent};
use crate::auth::{PasswordReset, Session};
use crate::case::{Case, CaseFilter};
use crate::clock::Timestamp;
use crate::contact::{Contact, ContactView, Identity, IdentityKind, Organisation};
use crate::error::CoreResult;
use crate::ids::{
    AttachmentId, CaseId, ContactId, FollowUpId, HandoverId, JobId, MailboxId, MessageId, NotificationId,
    OrganisationId, OutboxId, QuarantineId, RoutingRuleId, SavedViewId, SlaPolicyId, SuggestionId, SurveyId, TeamId,
    TextBlockId, UserId,
};
use crate::jobs::{ClaimedJob, NewJob};
use crate::message::{Attachment, Message, MessageView};
use crate::outbound::{Mailbox, OutboxEntry};
use crate::quarantine::QuarantineEntry;
use crate::responsibility::{AssignmentRecord, Escalation, FollowUp, Survey};
use crate::routing::RoutingRule;
use crate::sla::{SlaPolicy, SlaRow};
use crate::textblocks::TextBlock;
use crate::user::{ApiToken, Team, User};
use crate::workspace::{Handover, Notification, Presence, SavedView};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A full-text search hit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub case_id: CaseId,
    pub message_id: MessageId,
    pub subject: String,
    pub created_at: Timestamp,
}

/// Counts of the job table by state, for status pages and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Starts a write transaction. Write transactions are serialised (they also extend the audit
    /// chain), which keeps SQLite free of lock upgrades and PostgreSQL's chain linear.
    async fn begin(&self) -> CoreResult<Box<dyn Tx>>;

    /// Database reachable and every migration applied.
    async fn ready(&self) -> CoreResult<()>;

    async fn case(&self, id: CaseId) -> CoreResult<Option<Case>>;
    async fn case_by_number(&self, number: i64) -> CoreResult<Option<Case>>;
    /// At most `filter.limit + 1` cases in inbox order, starting after `filter.cursor`.
    async fn list_cases(&self, filter: &CaseFilter) -> CoreResult<Vec<Case>>;
    async fn case_messages(&self, id: CaseId) -> CoreResult<Vec<MessageView>>;
    /// The audit events about one subject, oldest first: the event part of a timeline.
    async fn subject_events(&self, subject_type: &str, subject_id: &str) -> CoreResult<Vec<AuditEvent>>;
    async fn message(&self, id: MessageId) -> CoreResult<Option<Message>>;
    async fn attachment(&self, id: AttachmentId) -> CoreResult<Option<Attachment>>;
    async fn blob(&self, sha256: &str) -> CoreResult<Option<Vec<u8>>>;

    async fn contact(&self, id: ContactId) -> CoreResult<Option<ContactView>>;
    /// Contacts by name or address containing `query`, ordered by id, after `after`.
    async fn list_contacts(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<ContactId>,
    ) -> CoreResult<Vec<ContactView>>;

    async fn organisation(&self, id: OrganisationId) -> CoreResult<Option<Organisation>>;
    /// Organisations by name or domain containing `query`, ordered by id, after `after`.
    async fn list_organisations(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<OrganisationId>,
    ) -> CoreResult<Vec<Organisation>>;
    /// The first `limit` contacts of an organisation, ordered by id.
    async fn contacts_of_organisation(&self, id: OrganisationId, limit: u32) -> CoreResult<Vec<ContactView>>;

    /// Messages whose subject or body contain every term (terms from `search::query_terms`).
    async fn search(&self, terms: &[String], limit: u32) -> CoreResult<Vec<SearchHit>>;

    async fn quarantine(&self, id: QuarantineId) -> CoreResult<Option<QuarantineEntry>>;
    async fn list_quarantine(&self, limit: u32, after: Option<QuarantineId>) -> CoreResult<Vec<QuarantineEntry>>;

    async fn user(&self, id: UserId) -> CoreResult<Option<User>>;
    async fn user_by_email(&self, email: &str) -> CoreResult<Option<User>>;
    async fn count_users(&self) -> CoreResult<i64>;
    /// Every user, ordered by display name.
    async fn list_users(&self) -> CoreResult<Vec<User>>;
    /// Every team, ordered by name.
    async fn teams(&self) -> CoreResult<Vec<Team>>;
    /// Every team membership as `(team, user)`, for building both directions at once.
    async fn team_members(&self) -> CoreResult<Vec<(TeamId, UserId)>>;
    async fn token_by_secret(&self, secret_sha256: &str) -> CoreResult<Option<(ApiToken, User)>>;

    async fn mailboxes(&self) -> CoreResult<Vec<Mailbox>>;
    async fn outbox(&self, id: OutboxId) -> CoreResult<Option<OutboxEntry>>;

    /// The sequence number and hash of the newest audit event, as recorded with every write.
    async fn audit_head(&self) -> CoreResult<(i64, String)>;
    /// Audit events with `seq > after_seq`, in order, at most `limit`.
    async fn audit_events(&self, after_seq: i64, limit: u32) -> CoreResult<Vec<AuditEvent>>;

    /// Takes the next due job (or one whose lease ran out), marking it running until `now + lease`.
    async fn claim_job(&self, now: Timestamp) -> CoreResult<Option<ClaimedJob>>;
    async fn complete_job(&self, id: JobId, now: Timestamp) -> CoreResult<()>;
    async fn retry_job(&self, id: JobId, run_at: Timestamp, error: &str) -> CoreResult<()>;
    async fn fail_job(&self, id: JobId, now: Timestamp, error: &str) -> CoreResult<()>;
    async fn job_counts(&self) -> CoreResult<JobCounts>;

    // The workspace. Sessions, presence, saved views and read marks are written directly: they
    // are not part of the audited record.
    async fn contacts_by_ids(&self, ids: &[ContactId]) -> CoreResult<Vec<Contact>>;
    async fn session(&self, id_sha256: &str) -> CoreResult<Option<Session>>;
    async fn insert_session(&self, session: &Session) -> CoreResult<()>;
    async fn touch_session(&self, id_sha256: &str, last_seen_at: Timestamp) -> CoreResult<()>;
    async fn delete_session(&self, id_sha256: &str) -> CoreResult<()>;
    /// Deletes every session of a user but `keep`; returns how many went.
    async fn delete_user_sessions(&self, user: UserId, keep: Option<&str>) -> CoreResult<u64>;
    async fn password_reset(&self, token_sha256: &str) -> CoreResult<Option<PasswordReset>>;

    async fn text_block(&self, id: TextBlockId) -> CoreResult<Option<TextBlock>>;
    /// Text blocks whose name, category or body contain `query`, by category and name.
    async fn text_blocks(&self, query: Option<&str>, category: Option<&str>) -> CoreResult<Vec<TextBlock>>;

    async fn case_handovers(&self, case: CaseId) -> CoreResult<Vec<Handover>>;

    async fn notifications(&self, user: UserId, limit: u32) -> CoreResult<Vec<Notification>>;
    /// Notifications made after `after`, oldest first, and the newest id seen; with `None`, none
    /// and the newest id there is (where the live tail starts).
    async fn notifications_after(
        &self,
        after: Option<NotificationId>,
        limit: u32,
    ) -> CoreResult<(Vec<Notification>, Option<NotificationId>)>;
    async fn unread_notifications(&self, user: UserId) -> CoreResult<i64>;
    /// Marks the given notifications (all when `None`) of a user read.
    async fn mark_notifications_read(
        &self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        at: Timestamp,
    ) -> CoreResult<()>;

    async fn upsert_presence(&self, presence: &Presence) -> CoreResult<()>;
    async fn case_presence(&self, case: CaseId) -> CoreResult<Vec<Presence>>;
    /// Presence rows changed at or after `since`, for the live stream.
    async fn presence_changed_since(&self, since: Timestamp) -> CoreResult<Vec<Presence>>;

    async fn saved_views(&self, user: UserId) -> CoreResult<Vec<SavedView>>;
    async fn insert_saved_view(&self, view: &SavedView) -> CoreResult<()>;
    async fn delete_saved_view(&self, user: UserId, id: SavedViewId) -> CoreResult<()>;

    // Assist: analyses, the AI ledger, approvals, automatic replies, settings.
    async fn message_analysis(&self, id: MessageId) -> CoreResult<Option<MessageAnalysis>>;
    async fn case_analyses(&self, case: CaseId) -> CoreResult<Vec<MessageAnalysis>>;
    async fn suggestion(&self, id: SuggestionId) -> CoreResult<Option<Suggestion>>;
    async fn case_suggestions(&self, case: CaseId) -> CoreResult<Vec<Suggestion>>;
    async fn case_approvals(&self, case: CaseId) -> CoreResult<Vec<Approval>>;
    /// Ledger rows created in `[from, to)`, counted by day, kind, category, version and outcome.
    async fn ledger_counts(&self, from: Timestamp, to: Timestamp) -> CoreResult<Vec<LedgerCount>>;
    /// Messages whose categories a person corrected, newest first.
    async fn corrections(&self, limit: u32) -> CoreResult<Vec<Correction>>;
    /// Resolved or closed cases changed after `after` (by `updated_at`, then id), oldest first,
    /// with the contact's first message and the last reply of a person.
    async fn resolved_cases(&self, after: Option<(Timestamp, CaseId)>, limit: u32)
    -> CoreResult<Vec<ResolvedCaseText>>;
    /// Cases changed after `after` that are not resolved or closed (reopened ones among them), at
    /// most `limit`: the similar-case index drops them.
    async fn open_cases_changed_since(&self, after: Timestamp, limit: u32) -> CoreResult<Vec<CaseId>>;
    async fn auto_reply_rules(&self) -> CoreResult<Vec<AutoReplyRule>>;
    async fn setting(&self, key: &str) -> CoreResult<Option<String>>;

    // Responsibility: routing, SLAs, escalations, follow-ups, surveys, the watcher.
    /// Every routing rule, in order.
    async fn routing_rules(&self) -> CoreResult<Vec<RoutingRule>>;
    async fn sla_policies(&self) -> CoreResult<Vec<SlaPolicy>>;
    async fn case_escalations(&self, case: CaseId) -> CoreResult<Vec<Escalation>>;
    /// The assignment log of a case, oldest first.
    async fn case_assignments(&self, case: CaseId) -> CoreResult<Vec<AssignmentRecord>>;
    async fn case_follow_ups(&self, case: CaseId) -> CoreResult<Vec<FollowUp>>;
    /// A person's follow-ups that are not done, soonest first.
    async fn user_follow_ups(&self, user: UserId) -> CoreResult<Vec<FollowUp>>;
    /// Follow-ups due at `now` whose owner was not told yet.
    async fn due_follow_ups(&self, now: Timestamp, limit: u32) -> CoreResult<Vec<FollowUp>>;
    /// Open cases whose SLA must be looked at again (`sla_next_check_at <= now`).
    async fn sla_checks_due(&self, now: Timestamp, limit: u32) -> CoreResult<Vec<CaseId>>;
    /// Open cases after `after` in id order, for recomputing SLAs.
    async fn open_cases_after(&self, after: Option<CaseId>, limit: u32) -> CoreResult<Vec<Case>>;
    /// Unacknowledged handovers to someone that are not escalated yet and are due for a step: not
    /// reminded and made at or before `remind_before`, or made at or before `escalate_before`.
    async fn unacknowledged_handovers(
        &self,
        remind_before: Timestamp,
        escalate_before: Timestamp,
        limit: u32,
    ) -> CoreResult<Vec<Handover>>;
    /// The watcher's lists: open cases without an owner since `unowned_before`, and open cases
    /// (not snoozed at `now`, not waiting on the contact) untouched since `inactive_before`.
    /// `unflagged_only` leaves out cases reported already.
    async fn watch_cases(
        &self,
        unowned_before: Timestamp,
        inactive_before: Timestamp,
        now: Timestamp,
        unflagged_only: bool,
        limit: u32,
    ) -> CoreResult<(Vec<Case>, Vec<Case>)>;
    async fn survey_by_token(&self, token_sha256: &str) -> CoreResult<Option<Survey>>;
    async fn case_surveys(&self, case: CaseId) -> CoreResult<Vec<Survey>>;
    /// Surveys sent in `[from, to)`: the case's team and the rating (if answered).
    async fn survey_stats(&self, from: Timestamp, to: Timestamp) -> CoreResult<Vec<(Option<TeamId>, Option<i64>)>>;
}

#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> CoreResult<()>;

    async fn append_audit(&mut self, event: NewAuditEvent) -> CoreResult<()>;
    async fn enqueue_job(&mut self, job: &NewJob) -> CoreResult<bool>;
    /// Stores bytes once by their SHA-256; storing the same bytes again is a no-op.
    async fn put_blob(&mut self, sha256: &str, data: &[u8]) -> CoreResult<()>;

    async fn message_by_header(&mut self, message_id_header: &str) -> CoreResult<Option<Message>>;
    /// The newest case holding a message with one of these Message-IDs.
    async fn case_by_headers(&mut self, message_id_headers: &[String]) -> CoreResult<Option<CaseId>>;
    async fn case(&mut self, id: CaseId) -> CoreResult<Option<Case>>;
    async fn case_by_number(&mut self, number: i64) -> CoreResult<Option<Case>>;
    async fn next_case_number(&mut self) -> CoreResult<i64>;
    async fn insert_case(&mut self, case: &Case) -> CoreResult<()>;
    async fn update_case(&mut self, case: &Case) -> CoreResult<()>;

    async fn identity(&mut self, kind: IdentityKind, value: &str) -> CoreResult<Option<Identity>>;
    async fn insert_identity(&mut self, identity: &Identity) -> CoreResult<()>;
    async fn update_identity(&mut self, identity: &Identity) -> CoreResult<()>;
    async fn contact(&mut self, id: ContactId) -> CoreResult<Option<ContactView>>;
    async fn insert_contact(&mut self, contact: &Contact) -> CoreResult<()>;
    async fn update_contact(&mut self, contact: &Contact) -> CoreResult<()>;
    async fn insert_organisation(&mut self, organisation: &Organisation) -> CoreResult<()>;

    /// Inserts a message and its search document (from `search::document`).
    async fn insert_message(&mut self, message: &Message, search_document: &str) -> CoreResult<()>;
    async fn last_inbound_message(&mut self, case_id: CaseId) -> CoreResult<Option<Message>>;
    async fn message(&mut self, id: MessageId) -> CoreResult<Option<Message>>;
    /// Records the raw bytes (by hash) of a message after it was composed for sending.
    async fn set_message_raw(&mut self, message: &Message) -> CoreResult<()>;
    async fn insert_attachment(&mut self, attachment: &Attachment) -> CoreResult<()>;

    async fn mailbox(&mut self, id: MailboxId) -> CoreResult<Option<Mailbox>>;
    async fn default_mailbox(&mut self) -> CoreResult<Option<Mailbox>>;
    async fn insert_mailbox(&mut self, mailbox: &Mailbox) -> CoreResult<()>;
    async fn outbox(&mut self, id: OutboxId) -> CoreResult<Option<OutboxEntry>>;
    async fn insert_outbox(&mut self, entry: &OutboxEntry) -> CoreResult<()>;
    async fn update_outbox(&mut self, entry: &OutboxEntry) -> CoreResult<()>;

    async fn quarantine(&mut self, id: QuarantineId) -> CoreResult<Option<QuarantineEntry>>;
    /// A quarantine entry still held for exactly these bytes.
    async fn held_quarantine(&mut self, raw_sha256: &str) -> CoreResult<Option<QuarantineEntry>>;
    async fn insert_quarantine(&mut self, entry: &QuarantineEntry) -> CoreResult<()>;
    async fn update_quarantine(&mut self, entry: &QuarantineEntry) -> CoreResult<()>;

    async fn user(&mut self, id: UserId) -> CoreResult<Option<User>>;
    async fn insert_user(&mut self, user: &User) -> CoreResult<()>;
    async fn insert_team(&mut self, team: &Team) -> CoreResult<()>;
    async fn team(&mut self, id: crate::ids::TeamId) -> CoreResult<Option<Team>>;
    async fn add_team_member(&mut self, team: TeamId, user: UserId) -> CoreResult<()>;
    async fn insert_token(&mut self, token: &ApiToken) -> CoreResult<()>;

    async fn user_by_email(&mut self, email: &str) -> CoreResult<Option<User>>;
    async fn update_user(&mut self, user: &User) -> CoreResult<()>;
    /// Replaces the teams of a user.
    async fn set_user_teams(&mut self, user: UserId, teams: &[TeamId]) -> CoreResult<()>;
    async fn update_mailbox(&mut self, mailbox: &Mailbox) -> CoreResult<()>;
    async fn insert_password_reset(&mut self, reset: &PasswordReset) -> CoreResult<()>;
    /// Marks an unused reset token used, and every other open one of the same person; false if it
    /// was used already.
    async fn use_password_reset(&mut self, token_sha256: &str, at: Timestamp) -> CoreResult<bool>;

    async fn insert_text_block(&mut self, block: &TextBlock) -> CoreResult<()>;
    async fn update_text_block(&mut self, block: &TextBlock) -> CoreResult<()>;
    async fn delete_text_block(&mut self, id: TextBlockId) -> CoreResult<()>;
    async fn count_text_block_use(&mut self, ids: &[TextBlockId]) -> CoreResult<()>;

    async fn insert_handover(&mut self, handover: &Handover) -> CoreResult<()>;
    /// The newest unacknowledged handover of a case.
    async fn open_handover(&mut self, case: CaseId) -> CoreResult<Option<Handover>>;
    async fn acknowledge_handover(&mut self, id: HandoverId, at: Timestamp) -> CoreResult<()>;
    async fn insert_notification(&mut self, notification: &Notification) -> CoreResult<()>;

    async fn upsert_analysis(&mut self, analysis: &MessageAnalysis) -> CoreResult<()>;
    /// Queues the analysis of a new inbound message: its pending row and its job. Both are
    /// written at commit in multi-row statements with the other buffered rows (every statement is
    /// a round trip, and ingest stores thousands of mails a minute); `message_analysis` sees the
    /// pending row before then.
    async fn queue_analysis(&mut self, pending: MessageAnalysis, job: NewJob) -> CoreResult<()>;
    /// Looks up many Message-IDs and e-mail addresses at once, so that a batch's lookups that find
    /// nothing (most of them: new mail from new people) need no statement each: afterwards
    /// `message_by_header`, `case_by_headers` and `identity` answer "none" from memory for the
    /// values found absent, until this transaction stores one of them. Writers are serialised, so
    /// nothing else can store one meanwhile.
    async fn prefetch_absent(&mut self, message_id_headers: &[String], emails: &[String]) -> CoreResult<()>;
    async fn message_analysis(&mut self, id: MessageId) -> CoreResult<Option<MessageAnalysis>>;
    /// The audit events about one subject with one action, oldest first, including those this
    /// transaction appended and has not committed yet.
    async fn subject_events_of(
        &mut self,
        subject_type: &str,
        subject_id: &str,
        action: &str,
    ) -> CoreResult<Vec<AuditEvent>>;
    async fn insert_suggestion(&mut self, suggestion: &Suggestion) -> CoreResult<()>;
    async fn update_suggestion(&mut self, suggestion: &Suggestion) -> CoreResult<()>;
    async fn suggestion(&mut self, id: SuggestionId) -> CoreResult<Option<Suggestion>>;
    async fn case_suggestions(&mut self, case: CaseId) -> CoreResult<Vec<Suggestion>>;
    async fn message_suggestions(&mut self, message: MessageId) -> CoreResult<Vec<Suggestion>>;
    async fn insert_approval(&mut self, approval: &Approval) -> CoreResult<()>;
    async fn update_approval(&mut self, approval: &Approval) -> CoreResult<()>;
    async fn approval(&mut self, message: MessageId) -> CoreResult<Option<Approval>>;
    async fn auto_reply_rules(&mut self) -> CoreResult<Vec<AutoReplyRule>>;
    async fn upsert_auto_reply_rule(&mut self, rule: &AutoReplyRule) -> CoreResult<()>;
    async fn set_setting(&mut self, key: &str, value: &str, at: Timestamp) -> CoreResult<()>;
    /// How many outbound messages (sent, queued or held) a case has.
    async fn count_outbound(&mut self, case: CaseId) -> CoreResult<i64>;
    /// The outbox rows of a case's messages that are still `pending` and were never attempted.
    async fn unsent_outbox(&mut self, case: CaseId) -> CoreResult<Vec<OutboxEntry>>;

    async fn setting(&mut self, key: &str) -> CoreResult<Option<String>>;
    /// The SLA rows of open cases after `after` in id order (the recompute reads them inside its
    /// transaction).
    async fn open_case_slas_after(&mut self, after: Option<CaseId>, limit: u32) -> CoreResult<Vec<SlaRow>>;
    /// Writes the SLA columns of these cases and nothing else, in a few multi-row statements.
    async fn update_case_slas(&mut self, rows: &[SlaRow]) -> CoreResult<()>;
    async fn routing_rules(&mut self) -> CoreResult<Vec<RoutingRule>>;
    async fn routing_rule(&mut self, id: RoutingRuleId) -> CoreResult<Option<RoutingRule>>;
    async fn insert_routing_rule(&mut self, rule: &RoutingRule) -> CoreResult<()>;
    async fn update_routing_rule(&mut self, rule: &RoutingRule) -> CoreResult<()>;
    async fn delete_routing_rule(&mut self, id: RoutingRuleId) -> CoreResult<()>;
    /// Counts a run-time failure of a rule and keeps its message.
    async fn record_rule_error(&mut self, id: RoutingRuleId, error: &str, at: Timestamp) -> CoreResult<()>;
    async fn sla_policies(&mut self) -> CoreResult<Vec<SlaPolicy>>;
    async fn sla_policy(&mut self, id: SlaPolicyId) -> CoreResult<Option<SlaPolicy>>;
    async fn insert_sla_policy(&mut self, policy: &SlaPolicy) -> CoreResult<()>;
    async fn update_sla_policy(&mut self, policy: &SlaPolicy) -> CoreResult<()>;
    async fn delete_sla_policy(&mut self, id: SlaPolicyId) -> CoreResult<()>;
    async fn update_team(&mut self, team: &Team) -> CoreResult<()>;
    async fn team_member_ids(&mut self, team: TeamId) -> CoreResult<Vec<UserId>>;
    /// The team's members (by id) with their open cases and the distressing cases given to them
    /// since `since`.
    async fn assignment_load(&mut self, team: TeamId, since: Timestamp) -> CoreResult<Vec<(User, i64, i64)>>;
    /// Who owned the newest other case of the contact.
    async fn previous_owner(&mut self, contact: ContactId, except: CaseId) -> CoreResult<Option<UserId>>;
    async fn round_robin_last(&mut self, team: TeamId) -> CoreResult<Option<UserId>>;
    async fn set_round_robin_last(&mut self, team: TeamId, user: UserId) -> CoreResult<()>;
    async fn insert_assignment(&mut self, record: &AssignmentRecord) -> CoreResult<()>;
    async fn insert_escalation(&mut self, escalation: &Escalation) -> CoreResult<()>;
    async fn update_escalation(&mut self, escalation: &Escalation) -> CoreResult<()>;
    /// The newest unacknowledged escalation of a case.
    async fn open_escalation(&mut self, case: CaseId) -> CoreResult<Option<Escalation>>;
    async fn handover(&mut self, id: HandoverId) -> CoreResult<Option<Handover>>;
    async fn update_handover(&mut self, handover: &Handover) -> CoreResult<()>;
    async fn follow_up(&mut self, id: FollowUpId) -> CoreResult<Option<FollowUp>>;
    async fn case_follow_ups(&mut self, case: CaseId) -> CoreResult<Vec<FollowUp>>;
    async fn insert_follow_up(&mut self, follow_up: &FollowUp) -> CoreResult<()>;
    async fn update_follow_up(&mut self, follow_up: &FollowUp) -> CoreResult<()>;
    async fn survey(&mut self, id: SurveyId) -> CoreResult<Option<Survey>>;
    async fn case_surveys(&mut self, case: CaseId) -> CoreResult<Vec<Survey>>;
    async fn insert_survey(&mut self, survey: &Survey) -> CoreResult<()>;
    async fn update_survey(&mut self, survey: &Survey) -> CoreResult<()>;
}
