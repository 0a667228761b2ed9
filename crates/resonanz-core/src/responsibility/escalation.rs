//! Escalation: levels from the owner up to the team lead (1) and the supervisors (2). Raised by SLA
//! risk, by category, by a contact asking for a person or a manager, or by hand with a reason;
//! each escalation notifies its level and must be acknowledged; de-escalation is recorded too.

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::case::Case;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, EscalationId, TeamId, UserId};
use crate::service::Core;
use crate::store::Tx;
use crate::user::{Actor, Role, User};

/// The highest level: the supervisors.
pub const MAX_LEVEL: i32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationSource {
    Manual,
    Sla,
    Category,
    /// The contact asked for a person or for a manager.
    Contact,
    /// A handover nobody acknowledged.
    Handover,
    Safeguarding,
}

impl EscalationSource {
    pub const ALL: [EscalationSource; 6] =
        [Self::Manual, Self::Sla, Self::Category, Self::Contact, Self::Handover, Self::Safeguarding];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Sla => "sla",
            Self::Category => "category",
            Self::Contact => "contact",
            Self::Handover => "handover",
            Self::Safeguarding => "safeguarding",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One escalation or de-escalation of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    pub id: EscalationId,
    pub case_id: CaseId,
    pub level: i32,
    pub previous_level: i32,
    pub reason: String,
    pub source: EscalationSource,
    /// `None` when the system escalated.
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub acknowledged_by: Option<UserId>,
    pub acknowledged_at: Option<Timestamp>,
}

/// What a contact's message asks for, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsksFor {
    Person,
    Manager,
}

/// Recognises a request to talk to a person (rather than a machine) or to a manager, in German
/// and English.
pub fn asks_for_person(text: &str) -> Option<AsksFor> {
    let t = text.to_lowercase();
    // Phrases, not bare words: "Geschäftsführung" alone is often a signature or a department.
    const MANAGER: [&str; 16] = [
        "ihren vorgesetzten",
        "ihre vorgesetzte",
        "ihrem vorgesetzten",
        "ihrer vorgesetzten",
        "mit dem vorgesetzten",
        "mit der vorgesetzten",
        "ihren chef",
        "ihre chefin",
        "mit der geschäftsführung",
        "an die geschäftsführung",
        "mit der geschäftsleitung",
        "an die geschäftsleitung",
        "teamleitung sprechen",
        "speak to a manager",
        "speak to your manager",
        "talk to a manager",
    ];
    const PERSON: [&str; 12] = [
        "mit einem menschen",
        "einen menschen sprechen",
        "ein mensch antworten",
        "echten menschen",
        "echte person",
        "mit einer person sprechen",
        "keine maschine",
        "keinen bot",
        "kein bot",
        "speak to a human",
        "talk to a human",
        "real person",
    ];
    if MANAGER.iter().any(|p| t.contains(p)) {
        return Some(AsksFor::Manager);
    }
    PERSON.iter().any(|p| t.contains(p)).then_some(AsksFor::Person)
}

/// The lead of a team, if it has one and they are active.
pub(crate) async fn team_lead(tx: &mut dyn Tx, team: Option<TeamId>) -> CoreResult<Option<UserId>> {
    let Some(t) = team else { return Ok(None) };
    let Some(team) = tx.team(t).await? else { return Ok(None) };
    let Some(lead) = team.lead_user_id else { return Ok(None) };
    Ok(tx.user(lead).await?.filter(|u| u.active).map(|u| u.id))
}

/// Who a level reaches: the team lead (or, without one, the supervisors) at 1; the supervisors
/// (or, without any, the administrators) at 2.
async fn level_recipients(core: &Core, tx: &mut dyn Tx, case: &Case, level: i32) -> CoreResult<Vec<UserId>> {
    if level <= 0 {
        return Ok(case.owner_id.into_iter().collect());
    }
    if level == 1
        && let Some(lead) = team_lead(tx, case.team_id).await?
    {
        return Ok(vec![lead]);
    }
    let users = core.store.list_users().await?;
    let supervisors: Vec<UserId> =
        users.iter().filter(|u| u.active && u.role == Role::Supervisor).map(|u| u.id).collect();
    if !supervisors.is_empty() {
        return Ok(supervisors);
    }
    Ok(users.iter().filter(|u| u.active && u.role == Role::Admin).map(|u| u.id).collect())
}

/// Raises (or, with a lower level, lowers) a case's escalation inside `tx`: the case's fields, the
/// escalation record, the audit event and the notices. The caller saves the case.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn raise(
    core: &Core,
    tx: &mut dyn Tx,
    case: &mut Case,
    level: i32,
    reason: &str,
    source: EscalationSource,
    by: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    let level = level.clamp(0, MAX_LEVEL);
    let previous = case.escalation_level;
    if level == previous && source != EscalationSource::Manual {
        return Ok(());
    }
    case.escalation_level = level;
    case.escalation_reason = (level > 0).then(|| reason.to_string());
    if level > previous {
        // A raise waits for someone at its level to take it on.
        case.escalated_at = Some(now);
        case.escalation_ack_at = None;
        case.escalation_ack_by = None;
    } else if level == 0 {
        case.escalated_at = None;
        case.escalation_ack_at = None;
        case.escalation_ack_by = None;
    } else if level < previous {
        // Lowered by someone who may: taken on by them at the new level.
        case.escalation_ack_at = Some(now);
        case.escalation_ack_by = by;
    }
    let record = Escalation {
        id: EscalationId::new(now),
        case_id: case.id,
        level,
        previous_level: previous,
        reason: reason.to_string(),
        source,
        created_by: by,
        created_at: now,
        // A de-escalation needs no acknowledgement.
        acknowledged_by: None,
        acknowledged_at: (level <= previous).then_some(now),
    };
    tx.insert_escalation(&record).await?;
    let actor = by.map_or(Actor::System, Actor::User);
    let action = match level.cmp(&previous) {
        std::cmp::Ordering::Greater => "case.escalated",
        std::cmp::Ordering::Less => "case.deescalated",
        std::cmp::Ordering::Equal => "case.escalation_changed",
    };
    tx.append_audit(
        NewAuditEvent::new(&actor, action, "case", case.id, now)
            .before(serde_json::json!({"level": previous}))
            .after(serde_json::json!({"level": level, "reason": reason, "source": source})),
    )
    .await?;
    if level > previous {
        let body = format!("{} „{}“ – Eskalationsstufe {level}: {reason}", case.reference(), case.subject);
        let mut recipients = level_recipients(core, tx, case, level).await?;
        // The owner hears of it too.
        if let Some(o) = case.owner_id
            && !recipients.contains(&o)
        {
            recipients.push(o);
        }
        for user in recipients.into_iter().filter(|u| Some(*u) != by) {
            crate::notify::notify(
                tx,
                crate::notify::Notice {
                    user,
                    kind: "escalation",
                    case_id: Some(case.id),
                    reference: Some(case.reference()),
                    actor: by,
                    body: body.clone(),
                    now,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Whether someone may acknowledge an escalation at this level: the team lead at level 1,
/// supervisors and administrators at every level.
async fn may_acknowledge(tx: &mut dyn Tx, case: &Case, user: &User) -> CoreResult<bool> {
    if user.role != Role::Agent {
        return Ok(true);
    }
    Ok(case.escalation_level == 1 && team_lead(tx, case.team_id).await? == Some(user.id))
}

impl Core {
    /// Escalates or de-escalates a case by hand, with a reason (required both ways).
    pub async fn set_escalation(&self, case_id: CaseId, by: UserId, level: i32, reason: &str) -> CoreResult<Case> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::invalid("reason", "required", "say why"));
        }
        if reason.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            let max = crate::workspace::MAX_NOTE_CHARS;
            return Err(CoreError::invalid("reason", "too_long", format!("at most {max} characters")));
        }
        if !(0..=MAX_LEVEL).contains(&level) {
            return Err(CoreError::invalid("level", "out_of_range", format!("a level from 0 to {MAX_LEVEL}")));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let user = tx.user(by).await?.ok_or(CoreError::NotFound("user"))?;
        // Lowering (or rewording) an escalation is for those at its level: the team lead at 1,
        // supervisors and administrators at every level. Anyone may raise one.
        if level <= case.escalation_level
            && case.escalation_level > 0
            && !may_acknowledge(&mut *tx, &case, &user).await?
        {
            return Err(CoreError::Forbidden(
                "only the team lead (level 1), supervisors and administrators lower an escalation".into(),
            ));
        }
        let before = case.clone();
        raise(self, &mut *tx, &mut case, level, reason, EscalationSource::Manual, Some(by), now).await?;
        case.updated_at = now;
        super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Acknowledges the current escalation: someone at its level has taken it on.
    pub async fn acknowledge_escalation(&self, case_id: CaseId, by: &User) -> CoreResult<Case> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        if case.escalation_level == 0 {
            return Err(CoreError::Conflict("the case is not escalated".into()));
        }
        if case.escalation_ack_at.is_some() {
            return Err(CoreError::Conflict("the escalation is acknowledged already".into()));
        }
        if !may_acknowledge(&mut *tx, &case, by).await? {
            return Err(CoreError::Forbidden(
                "the team lead acknowledges level 1; supervisors and administrators every level".into(),
            ));
        }
        let before = case.clone();
        case.escalation_ack_at = Some(now);
        case.escalation_ack_by = Some(by.id);
        case.updated_at = now;
        if let Some(mut open) = tx.open_escalation(case_id).await? {
            open.acknowledged_at = Some(now);
            open.acknowledged_by = Some(by.id);
            tx.update_escalation(&open).await?;
        }
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(by.id), "case.escalation_acknowledged", "case", case_id, now)
                .after(serde_json::json!({"level": case.escalation_level})),
        )
        .await?;
        super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        tx.commit().await?;
        Ok(case)
    }

    pub async fn case_escalations(&self, case_id: CaseId) -> CoreResult<Vec<Escalation>> {
        self.store.case_escalations(case_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_requests_for_a_person_or_a_manager() {
        assert_eq!(asks_for_person("Ich möchte endlich mit einem Menschen sprechen!"), Some(AsksFor::Person));
        assert_eq!(asks_for_person("Bitte leiten Sie das an Ihren Vorgesetzten weiter."), Some(AsksFor::Manager));
        assert_eq!(asks_for_person("I want to speak to a manager"), Some(AsksFor::Manager));
        assert_eq!(asks_for_person("Can I talk to a human please"), Some(AsksFor::Person));
        assert_eq!(asks_for_person("Der Mensch im Film war toll."), None);
        assert_eq!(asks_for_person("Mit freundlichen Grüßen\nMüller GmbH, Geschäftsführung"), None, "a signature");
        assert_eq!(asks_for_person("Ich wende mich jetzt an die Geschäftsführung."), Some(AsksFor::Manager));
    }
}
