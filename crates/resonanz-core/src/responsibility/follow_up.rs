//! Follow-ups (Wiedervorlage): snooze a case until a date, or set a task with a due date. When it
//! is due, the case is back in its owner's inbox and they are told (in the app and by e-mail).

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, FollowUpId, UserId};
use crate::service::Core;
use crate::user::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// The case leaves the inbox views until the due date.
    Snooze,
    /// A reminder to do something; the case stays visible.
    Task,
}

impl FollowUpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Snooze => "snooze",
            Self::Task => "task",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "snooze" => Some(Self::Snooze),
            "task" => Some(Self::Task),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub case_id: CaseId,
    /// Whom it returns to: the owner when it was set (or whoever set it on an unowned case).
    pub user_id: UserId,
    pub created_by: UserId,
    pub kind: FollowUpKind,
    pub note: String,
    pub due_at: Timestamp,
    pub created_at: Timestamp,
    /// When its owner was told that it is due.
    pub notified_at: Option<Timestamp>,
    /// Done or cancelled.
    pub done_at: Option<Timestamp>,
}

/// How far ahead a follow-up may be set.
pub const MAX_AHEAD_DAYS: i64 = 366 * 2;

impl Core {
    /// Sets a follow-up on a case. A snooze replaces an earlier open snooze of the case.
    pub async fn add_follow_up(
        &self,
        case_id: CaseId,
        by: UserId,
        kind: FollowUpKind,
        due_at: Timestamp,
        note: &str,
    ) -> CoreResult<FollowUp> {
        let now = self.clock.now();
        let note = note.trim();
        if due_at <= now {
            return Err(CoreError::invalid("due_at", "in_the_past", "the due date must be in the future"));
        }
        if due_at > now + chrono::Duration::days(MAX_AHEAD_DAYS) {
            return Err(CoreError::invalid("due_at", "too_far", "at most two years ahead"));
        }
        if note.chars().count() > crate::workspace::MAX_NOTE_CHARS {
            return Err(CoreError::invalid("note", "too_long", "the note is too long"));
        }
        if kind == FollowUpKind::Task && note.is_empty() {
            return Err(CoreError::invalid("note", "required", "say what is to be done"));
        }
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        if !case.status.is_open() {
            return Err(CoreError::Conflict("the case is resolved; reopen it first".into()));
        }
        let before = case.clone();
        if kind == FollowUpKind::Snooze {
            for mut f in tx.case_follow_ups(case_id).await? {
                if f.kind == FollowUpKind::Snooze && f.done_at.is_none() {
                    f.done_at = Some(now);
                    tx.update_follow_up(&f).await?;
                }
            }
            case.snoozed_until = Some(due_at);
        }
        let f = FollowUp {
            id: FollowUpId::new(now),
            case_id,
            user_id: case.owner_id.unwrap_or(by),
            created_by: by,
            kind,
            note: note.to_string(),
            due_at,
            created_at: now,
            notified_at: None,
            done_at: None,
        };
        tx.insert_follow_up(&f).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(by), "case.follow_up_set", "case", case_id, now)
                .after(serde_json::json!({"follow_up_id": f.id, "kind": kind, "due_at": due_at, "note": note})),
        )
        .await?;
        if case != before {
            case.updated_at = now;
            super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        }
        tx.commit().await?;
        Ok(f)
    }

    /// Marks a follow-up done (or cancels it); a snooze ends and the case is back in the inbox.
    pub async fn complete_follow_up(&self, id: FollowUpId, by: &crate::user::User) -> CoreResult<FollowUp> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut f = tx.follow_up(id).await?.ok_or(CoreError::NotFound("follow-up"))?;
        let mut case = tx.case(f.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        // Someone who may not see the case does not learn that the follow-up exists.
        if !self.can_see(by, &case).await? {
            return Err(CoreError::NotFound("follow-up"));
        }
        if f.done_at.is_some() {
            return Ok(f);
        }
        f.done_at = Some(now);
        tx.update_follow_up(&f).await?;
        if f.kind == FollowUpKind::Snooze && case.snoozed_until.is_some() {
            let before = case.clone();
            case.snoozed_until = None;
            case.updated_at = now;
            super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
        }
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(by.id), "case.follow_up_done", "case", f.case_id, now)
                .after(serde_json::json!({"follow_up_id": f.id, "kind": f.kind})),
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// The watcher's lists as a person may see them: open cases without an owner beyond the
    /// threshold, and open cases without activity beyond it (reported or not).
    pub async fn watch_lists(
        &self,
        user: &crate::user::User,
    ) -> CoreResult<(Vec<crate::case::Case>, Vec<crate::case::Case>)> {
        let s = self.responsibility_settings().await?;
        let now = self.clock.now();
        let (unowned, inactive) = self
            .store
            .watch_cases(
                now - chrono::Duration::minutes(s.unowned_minutes),
                now - chrono::Duration::hours(s.inactive_hours),
                now,
                false,
                200,
            )
            .await?;
        let mut out = (Vec::new(), Vec::new());
        for c in unowned {
            if self.can_see(user, &c).await? {
                out.0.push(c);
            }
        }
        for c in inactive {
            if self.can_see(user, &c).await? {
                out.1.push(c);
            }
        }
        Ok(out)
    }

    pub async fn case_follow_ups(&self, case_id: CaseId) -> CoreResult<Vec<FollowUp>> {
        self.store.case_follow_ups(case_id).await
    }

    /// A person's open follow-ups, soonest first.
    pub async fn my_follow_ups(&self, user: UserId) -> CoreResult<Vec<FollowUp>> {
        self.store.user_follow_ups(user).await
    }
}
