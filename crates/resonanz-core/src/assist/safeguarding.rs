//! The safeguarding protocol: a message about a child or person at risk escalates the case to the
//! safeguarding team at once, tells its members and the supervisors (in the app and by e-mail),
//! blocks every automatic reply, holds each outbound message for a second person's approval and
//! starts a short response deadline.

use chrono::Duration;

use super::{
    Approval, ApprovalStatus, AssistSettings, DEFAULT_SAFEGUARDING_SLA_MINUTES, Outcome, SETTING_SAFEGUARDING_SLA,
    SETTING_SAFEGUARDING_TEAM, Suggestion, SuggestionKind,
};
use crate::Timestamp;
use crate::audit::NewAuditEvent;
use crate::case::{Case, Priority};
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, MessageId, SuggestionId, TeamId, UserId};
use crate::jobs::{NewJob, SendMail, SendSystemMail};
use crate::outbound::OutboxStatus;
use crate::service::Core;
use crate::store::Tx;
use crate::user::{Actor, Role, User};
use crate::workspace::Notification;

/// The escalation level of a safeguarding case: straight to the supervisor level.
const SAFEGUARDING_LEVEL: i32 = 2;

impl Core {
    pub async fn assist_settings(&self) -> CoreResult<AssistSettings> {
        let team = self.store.setting(SETTING_SAFEGUARDING_TEAM).await?.and_then(|t| TeamId::parse(&t));
        let sla = self
            .store
            .setting(SETTING_SAFEGUARDING_SLA)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_SAFEGUARDING_SLA_MINUTES);
        Ok(AssistSettings { safeguarding_team: team, safeguarding_sla_minutes: sla })
    }

    /// Sets the safeguarding team and deadline (administrators).
    pub async fn set_assist_settings(&self, actor: &Actor, settings: &AssistSettings) -> CoreResult<()> {
        self.require_role(actor, |r| r == Role::Admin, "only administrators change assist settings").await?;
        if !(5..=24 * 60).contains(&settings.safeguarding_sla_minutes) {
            return Err(CoreError::invalid(
                "safeguarding_sla_minutes",
                "out_of_range",
                "between 5 minutes and 24 hours",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(team) = settings.safeguarding_team
            && tx.team(team).await?.is_none()
        {
            return Err(CoreError::invalid("safeguarding_team", "unknown", "no such team"));
        }
        let team = settings.safeguarding_team.map(|t| t.to_string()).unwrap_or_default();
        tx.set_setting(SETTING_SAFEGUARDING_TEAM, &team, now).await?;
        tx.set_setting(SETTING_SAFEGUARDING_SLA, &settings.safeguarding_sla_minutes.to_string(), now).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "assist.settings_changed", "settings", "assist", now).after(settings),
        )
        .await?;
        tx.commit().await
    }

    /// Starts the protocol on a case inside the caller's transaction. `by_model` is the producer
    /// version when the analysis triggered it (a routing suggestion in the ledger), `None` when a
    /// person did.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn start_safeguarding(
        &self,
        tx: &mut dyn Tx,
        case: &mut Case,
        actor: &Actor,
        reason: &str,
        by_model: Option<&str>,
        confidence: f32,
    ) -> CoreResult<()> {
        let now = self.clock.now();
        let settings = &self.assist_settings().await?;
        let before = case.clone();
        case.safeguarding = true;
        if settings.safeguarding_team.is_some() {
            case.team_id = settings.safeguarding_team;
        }
        if case.escalation_level < SAFEGUARDING_LEVEL {
            // The protocol's own notices reach the team and the supervisors: the escalation is
            // recorded (and waits for acknowledgement) without a second round of notices.
            tx.insert_escalation(&crate::responsibility::Escalation {
                id: crate::ids::EscalationId::new(now),
                case_id: case.id,
                level: SAFEGUARDING_LEVEL,
                previous_level: case.escalation_level,
                reason: format!("Kinderschutz: {reason}"),
                source: crate::responsibility::EscalationSource::Safeguarding,
                created_by: match actor {
                    Actor::User(u) => Some(*u),
                    _ => None,
                },
                created_at: now,
                acknowledged_by: None,
                acknowledged_at: None,
            })
            .await?;
            case.escalation_level = SAFEGUARDING_LEVEL;
            case.escalated_at = Some(now);
            case.escalation_ack_at = None;
            case.escalation_ack_by = None;
        }
        case.escalation_reason = Some(format!("Kinderschutz: {reason}"));
        case.priority = Priority::Urgent;
        let due = now + Duration::minutes(settings.safeguarding_sla_minutes);
        case.safeguarding_due_at = Some(case.safeguarding_due_at.map_or(due, |d| d.min(due)));
        case.updated_at = now;
        tx.append_audit(
            NewAuditEvent::new(actor, "case.safeguarding_started", "case", case.id, now)
                .before(serde_json::json!({"team_id": before.team_id, "escalation_level": before.escalation_level}))
                .after(serde_json::json!({
                    "reason": reason,
                    "team_id": case.team_id,
                    "escalation_level": case.escalation_level,
                    "sla_due_at": case.safeguarding_due_at,
                    "team_configured": settings.safeguarding_team.is_some(),
                })),
        )
        .await?;
        if let Some(version) = by_model {
            tx.insert_suggestion(&Suggestion {
                id: SuggestionId::new(now),
                kind: SuggestionKind::Routing,
                case_id: case.id,
                message_id: None,
                input_ref: format!("case:{}", case.id),
                producer: "assist".into(),
                producer_version: version.to_string(),
                category: Some(super::SAFEGUARDING.into()),
                output: serde_json::json!({"team_id": case.team_id, "escalation_level": case.escalation_level}),
                confidence,
                outcome: Outcome::Pending,
                edit_distance: None,
                correction: None,
                decided_by: None,
                decided_at: None,
                created_at: now,
            })
            .await?;
        }
        // Replies queued before the protocol started and not yet attempted wait for approval too.
        for mut entry in tx.unsent_outbox(case.id).await? {
            let Some(message) = tx.message(entry.message_id).await? else { continue };
            let Some(author) = message.author_user_id else {
                // An automatic reply: never on a safeguarding case.
                entry.status = OutboxStatus::Cancelled;
                tx.update_outbox(&entry).await?;
                continue;
            };
            entry.status = OutboxStatus::Held;
            tx.update_outbox(&entry).await?;
            tx.insert_approval(&Approval {
                message_id: message.id,
                case_id: case.id,
                outbox_id: entry.id,
                requested_by: author,
                requested_at: now,
                status: ApprovalStatus::Pending,
                decided_by: None,
                decided_at: None,
                reason: None,
            })
            .await?;
        }
        let body = format!("{} Kinderschutz/Gefährdung: {} — {}", case.reference(), case.subject, reason);
        for user in self.safeguarding_recipients(settings, actor).await? {
            tx.insert_notification(&Notification::new(
                user.id,
                "safeguarding",
                Some(case.id),
                actor_user(actor),
                body.clone(),
                now,
            ))
            .await?;
            let (subject, text) = safeguarding_mail(case, reason, settings.safeguarding_sla_minutes);
            tx.enqueue_job(&NewJob::of(&SendSystemMail { to: user.email.clone(), subject, text }, now)).await?;
        }
        Ok(())
    }

    /// Members of the safeguarding team and every supervisor (admins too when no team is set):
    /// active people other than the one who acted.
    async fn safeguarding_recipients(&self, settings: &AssistSettings, actor: &Actor) -> CoreResult<Vec<User>> {
        let users = self.store.list_users().await?;
        let members: Vec<UserId> = match settings.safeguarding_team {
            Some(team) => {
                self.store.team_members().await?.into_iter().filter(|(t, _)| *t == team).map(|p| p.1).collect()
            }
            None => Vec::new(),
        };
        let acting = actor_user(actor);
        Ok(users
            .into_iter()
            .filter(|u| u.active && Some(u.id) != acting)
            .filter(|u| {
                members.contains(&u.id)
                    || u.role == Role::Supervisor
                    || (settings.safeguarding_team.is_none() && u.role == Role::Admin)
            })
            .collect())
    }

    /// A person puts a case under the protocol (with a reason).
    pub async fn mark_safeguarding(&self, case_id: crate::ids::CaseId, by: UserId, reason: &str) -> CoreResult<Case> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::invalid("reason", "required", "say why the case needs safeguarding"));
        }
        if reason.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            return Err(CoreError::invalid("reason", "too_long", "the reason is too long"));
        }
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        if case.safeguarding {
            return Err(CoreError::Conflict("the case is already under the safeguarding protocol".into()));
        }
        let before = case.clone();
        self.start_safeguarding(&mut *tx, &mut case, &Actor::User(by), reason, None, 1.0).await?;
        let now = self.clock.now();
        crate::responsibility::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Ends the protocol (supervisors and admins), with a reason; the escalation stays as it is.
    pub async fn lift_safeguarding(&self, case_id: crate::ids::CaseId, by: UserId, reason: &str) -> CoreResult<Case> {
        let actor = Actor::User(by);
        self.require_role(&actor, |r| r != Role::Agent, "only supervisors end the safeguarding protocol").await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::invalid("reason", "required", "say why the protocol ends"));
        }
        if reason.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            return Err(CoreError::invalid("reason", "too_long", "the reason is too long"));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        if !case.safeguarding {
            return Err(CoreError::Conflict("the case is not under the safeguarding protocol".into()));
        }
        let before = case.clone();
        // The machine's hint was right if the case still carries the category, wrong if a person
        // took it away before ending the protocol.
        let kept = case.categories.iter().any(|c| c == super::SAFEGUARDING);
        let outcome = if kept { Outcome::Accepted } else { Outcome::Overridden };
        settle_routing(&mut *tx, case.id, outcome, by, now).await?;
        case.safeguarding = false;
        case.safeguarding_due_at = None;
        case.updated_at = now;
        crate::responsibility::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        tx.append_audit(
            NewAuditEvent::new(&actor, "case.safeguarding_lifted", "case", case.id, now)
                .after(serde_json::json!({"reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// A second person approves a held reply: it is queued for sending. The author cannot approve
    /// their own reply.
    pub async fn approve_message(&self, message_id: MessageId, by: &User) -> CoreResult<Approval> {
        self.decide_approval(message_id, by, ApprovalStatus::Approved, None).await
    }

    /// A second person refuses a held reply (with a reason): it is never sent.
    pub async fn reject_message(&self, message_id: MessageId, by: &User, reason: &str) -> CoreResult<Approval> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::invalid("reason", "required", "say why the reply must not go out"));
        }
        if reason.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            return Err(CoreError::invalid("reason", "too_long", "the reason is too long"));
        }
        self.decide_approval(message_id, by, ApprovalStatus::Rejected, Some(reason)).await
    }

    async fn decide_approval(
        &self,
        message_id: MessageId,
        by: &User,
        decision: ApprovalStatus,
        reason: Option<&str>,
    ) -> CoreResult<Approval> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut approval = tx.approval(message_id).await?.ok_or(CoreError::NotFound("approval"))?;
        let case = tx.case(approval.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        if !self.can_see(by, &case).await? {
            return Err(CoreError::NotFound("approval"));
        }
        if approval.status != ApprovalStatus::Pending {
            return Err(CoreError::Conflict(format!("the reply was {} already", approval.status.as_str())));
        }
        if approval.requested_by == by.id {
            return Err(CoreError::Forbidden("a second person must approve this reply (four-eyes)".into()));
        }
        // The second person is someone who carries this responsibility: the safeguarding team, or
        // a supervisor or administrator.
        let settings = self.assist_settings().await?;
        let in_team = match settings.safeguarding_team {
            Some(team) => self.store.team_members().await?.contains(&(team, by.id)),
            None => false,
        };
        if by.role == Role::Agent && !in_team {
            return Err(CoreError::Forbidden(
                "only the safeguarding team, supervisors and administrators approve these replies".into(),
            ));
        }
        let mut outbox = tx.outbox(approval.outbox_id).await?.ok_or(CoreError::NotFound("outbox"))?;
        approval.status = decision;
        approval.decided_by = Some(by.id);
        approval.decided_at = Some(now);
        approval.reason = reason.map(str::to_string);
        tx.update_approval(&approval).await?;
        let action = if decision == ApprovalStatus::Approved {
            outbox.status = OutboxStatus::Pending;
            tx.update_outbox(&outbox).await?;
            tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: outbox.id }, now)).await?;
            // Two people acted under the protocol: the machine's hint is kept.
            settle_routing(&mut *tx, case.id, Outcome::Accepted, by.id, now).await?;
            // Now the contact is answered: the waiting clock stops and the deadline is met.
            let mut answered = case.clone();
            answered.waiting_since = None;
            answered.safeguarding_due_at = None;
            if answered.sla.first_responded_at.is_none() {
                answered.sla.first_responded_at = Some(now);
            }
            if answered.status == crate::case::CaseStatus::New {
                answered.status = crate::case::CaseStatus::Open;
            }
            if answered != case {
                answered.updated_at = now;
                crate::responsibility::save_case(self, &mut *tx, Some(&case), &mut answered, now).await?;
            }
            "message.approved"
        } else {
            outbox.status = OutboxStatus::Cancelled;
            tx.update_outbox(&outbox).await?;
            "message.rejected"
        };
        tx.append_audit(NewAuditEvent::new(&Actor::User(by.id), action, "case", case.id, now).after(
            serde_json::json!({
                "message_id": message_id,
                "requested_by": approval.requested_by,
                "reason": reason,
            }),
        ))
        .await?;
        tx.insert_notification(&Notification::new(
            approval.requested_by,
            if decision == ApprovalStatus::Approved { "approval_granted" } else { "approval_refused" },
            Some(case.id),
            Some(by.id),
            format!("{} {}: {}", case.reference(), by.display_name, reason.unwrap_or("freigegeben")),
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(approval)
    }

    /// The replies of a case held for, or decided by, a second person.
    pub async fn case_approvals(&self, case_id: crate::ids::CaseId) -> CoreResult<Vec<Approval>> {
        self.store.case_approvals(case_id).await
    }
}

/// Settles the machine's pending safeguarding routing hints on a case in the AI ledger: a person
/// kept them (accepted: approved a reply under the protocol, confirmed the category, ended the protocol
/// with the category kept) or overrode them (took the category away).
pub(crate) async fn settle_routing(
    tx: &mut dyn Tx,
    case_id: CaseId,
    outcome: Outcome,
    by: UserId,
    now: Timestamp,
) -> CoreResult<()> {
    for mut s in tx.case_suggestions(case_id).await? {
        if s.kind != SuggestionKind::Routing || s.outcome != Outcome::Pending {
            continue;
        }
        s.outcome = outcome;
        s.decided_by = Some(by);
        s.decided_at = Some(now);
        tx.update_suggestion(&s).await?;
    }
    Ok(())
}

/// Holds a reply on a safeguarding case: stored, not sent, until a second person approves it.
/// Called by `reply` inside its transaction; tells the safeguarding recipients.
pub(crate) async fn hold_for_approval(
    core: &Core,
    tx: &mut dyn Tx,
    case: &Case,
    message_id: MessageId,
    outbox_id: crate::ids::OutboxId,
    author: &User,
) -> CoreResult<()> {
    let now = core.clock.now();
    tx.insert_approval(&Approval {
        message_id,
        case_id: case.id,
        outbox_id,
        requested_by: author.id,
        requested_at: now,
        status: ApprovalStatus::Pending,
        decided_by: None,
        decided_at: None,
        reason: None,
    })
    .await?;
    let settings = core.assist_settings().await?;
    let body =
        format!("{} {} bittet um Freigabe einer Antwort (Vier-Augen-Prinzip)", case.reference(), author.display_name);
    for user in core.safeguarding_recipients(&settings, &Actor::User(author.id)).await? {
        tx.insert_notification(&Notification::new(
            user.id,
            "approval_requested",
            Some(case.id),
            Some(author.id),
            body.clone(),
            now,
        ))
        .await?;
    }
    tx.append_audit(
        NewAuditEvent::new(&Actor::User(author.id), "message.approval_requested", "case", case.id, now)
            .after(serde_json::json!({"message_id": message_id})),
    )
    .await
}

fn actor_user(actor: &Actor) -> Option<UserId> {
    match actor {
        Actor::User(id) => Some(*id),
        _ => None,
    }
}

/// The e-mail to the safeguarding recipients: no message content, only where to look.
fn safeguarding_mail(case: &Case, reason: &str, sla_minutes: i64) -> (String, String) {
    let subject = format!("[Resonanz] Kinderschutz: {} braucht sofort Aufmerksamkeit", case.reference());
    let text = format!(
        "Der Fall {} wurde als möglicher Kinderschutz- oder Gefährdungsfall eingestuft.\n\n\
         Grund: {reason}\n\
         Erste Reaktion fällig in {sla_minutes} Minuten.\n\n\
         Bitte öffnen Sie den Fall in Resonanz. Automatische Antworten sind gesperrt, jede Antwort \
         braucht die Freigabe einer zweiten Person.\n\n\
         Case {} was flagged as a possible safeguarding concern. Please open it in Resonanz.\n",
        case.reference(),
        case.reference()
    );
    (subject, text)
}
