//! The watcher: what has to happen because time passed. The worker calls [`Core::tick`] every
//! minute; tests call it after moving the fake clock. Every step decides inside its own
//! transaction from the stored state (a flag, a timestamp), so several workers ticking at once do
//! each thing once.

use serde::Serialize;

use crate::audit::NewAuditEvent;
use crate::error::CoreResult;
use crate::notify::{Notice, notify};
use crate::service::Core;
use crate::sla::SlaState;
use crate::user::{Actor, Role};

use super::escalation::{EscalationSource, raise, team_lead};

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Cases whose SLA state was looked at again.
    pub sla_checked: usize,
    pub handovers_reminded: usize,
    pub handovers_escalated: usize,
    pub unowned_reported: usize,
    pub inactive_reported: usize,
    pub follow_ups_due: usize,
}

/// Cases handled per batch (each case in its own transaction, except SLA checks).
const BATCH: u32 = 500;
/// SLA checks decided in one transaction.
const CHECKS_PER_TRANSACTION: usize = 100;

impl Core {
    /// Runs everything that is due at the clock's `now`.
    pub async fn tick(&self) -> CoreResult<TickReport> {
        let settings = self.responsibility_settings().await?;
        let mut r = TickReport { sla_checked: self.check_sla_due().await?, ..Default::default() };
        let now = self.clock.now();

        // Handovers nobody acknowledged: a reminder, later an escalation to the team lead.
        let remind_before = now - chrono::Duration::minutes(settings.handover_remind_minutes);
        let escalate_before = now - chrono::Duration::minutes(settings.handover_escalate_minutes);
        for h in self.store.unacknowledged_handovers(remind_before, escalate_before, BATCH).await? {
            let mut tx = self.store.begin().await?;
            let Some(mut h) = tx.handover(h.id).await? else { continue };
            if h.acknowledged_at.is_some() {
                continue;
            }
            let Some(mut case) = tx.case(h.case_id).await? else { continue };
            let escalate_at = h.created_at + chrono::Duration::minutes(settings.handover_escalate_minutes);
            if h.reminded_at.is_none() {
                if let Some(to) = h.to_user_id {
                    let body = format!("{} „{}“: Bitte bestätigen Sie die Übergabe.", case.reference(), case.subject);
                    let n = Notice {
                        user: to,
                        kind: "handover_reminder",
                        case_id: Some(case.id),
                        reference: Some(case.reference()),
                        actor: Some(h.by_user_id),
                        body,
                        now,
                    };
                    notify(&mut *tx, n).await?;
                }
                h.reminded_at = Some(now);
                tx.update_handover(&h).await?;
                tx.append_audit(
                    NewAuditEvent::new(&Actor::System, "case.handover_reminded", "case", case.id, now)
                        .after(serde_json::json!({"handover_id": h.id, "to": h.to_user_id})),
                )
                .await?;
                r.handovers_reminded += 1;
            } else if h.escalated_at.is_none() && now >= escalate_at {
                let before = case.clone();
                h.escalated_at = Some(now);
                tx.update_handover(&h).await?;
                if case.escalation_level < 1 {
                    let reason = "Übergabe nicht bestätigt";
                    raise(self, &mut *tx, &mut case, 1, reason, EscalationSource::Handover, None, now).await?;
                    super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
                }
                r.handovers_escalated += 1;
            } else {
                continue;
            }
            tx.commit().await?;
        }

        // Cases without an owner for too long, and cases nobody touched for too long.
        let unowned_before = now - chrono::Duration::minutes(settings.unowned_minutes);
        let inactive_before = now - chrono::Duration::hours(settings.inactive_hours);
        let (unowned, inactive) = self.store.watch_cases(unowned_before, inactive_before, now, true, BATCH).await?;
        for (list, unowned_list) in [(unowned, true), (inactive, false)] {
            for case in list {
                let mut tx = self.store.begin().await?;
                let Some(mut case) = tx.case(case.id).await? else { continue };
                if case.watch_flagged_at.is_some() || !case.status.is_open() {
                    continue;
                }
                let before = case.clone();
                case.watch_flagged_at = Some(now);
                let (what, action) = if unowned_list {
                    ("ist seit über {} ohne Verantwortliche", "case.watch_unowned")
                } else {
                    ("ist seit über {} ohne Bewegung", "case.watch_inactive")
                };
                let span = if unowned_list {
                    format!("{} Minuten", settings.unowned_minutes)
                } else {
                    format!("{} Stunden", settings.inactive_hours)
                };
                let body = format!("{} „{}“ {}", case.reference(), case.subject, what.replace("{}", &span));
                let mut told = Vec::new();
                if let Some(o) = case.owner_id {
                    told.push(o);
                }
                match team_lead(&mut *tx, case.team_id).await? {
                    Some(lead) => told.push(lead),
                    None => told.extend(
                        self.store
                            .list_users()
                            .await?
                            .into_iter()
                            .filter(|u| u.active && u.role == Role::Supervisor)
                            .map(|u| u.id),
                    ),
                }
                told.dedup();
                for user in told {
                    let n = Notice {
                        user,
                        kind: "watcher",
                        case_id: Some(case.id),
                        reference: Some(case.reference()),
                        actor: None,
                        body: body.clone(),
                        now,
                    };
                    notify(&mut *tx, n).await?;
                }
                tx.append_audit(NewAuditEvent::new(&Actor::System, action, "case", case.id, now)).await?;
                // Not activity: the flag must survive this save.
                super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
                tx.commit().await?;
                if unowned_list {
                    r.unowned_reported += 1;
                } else {
                    r.inactive_reported += 1;
                }
            }
        }

        // Follow-ups that are due: the case is back (a snooze ends) and its owner is told.
        for f in self.store.due_follow_ups(now, BATCH).await? {
            let mut tx = self.store.begin().await?;
            let Some(mut f) = tx.follow_up(f.id).await? else { continue };
            if f.notified_at.is_some() || f.done_at.is_some() {
                continue;
            }
            let Some(mut case) = tx.case(f.case_id).await? else { continue };
            f.notified_at = Some(now);
            if f.kind == super::FollowUpKind::Snooze {
                f.done_at = Some(now);
            }
            tx.update_follow_up(&f).await?;
            let before = case.clone();
            if f.kind == super::FollowUpKind::Snooze && case.snoozed_until.is_some_and(|s| s <= now) {
                case.snoozed_until = None;
            }
            let recipient = case.owner_id.unwrap_or(f.user_id);
            let what =
                if f.note.is_empty() { "Wiedervorlage".to_string() } else { format!("Wiedervorlage: {}", f.note) };
            let body = format!("{} „{}“ – {what}", case.reference(), case.subject);
            let n = Notice {
                user: recipient,
                kind: "follow_up",
                case_id: Some(case.id),
                reference: Some(case.reference()),
                actor: Some(f.created_by),
                body,
                now,
            };
            notify(&mut *tx, n).await?;
            tx.append_audit(
                NewAuditEvent::new(&Actor::System, "case.follow_up_due", "case", case.id, now)
                    .after(serde_json::json!({"follow_up_id": f.id, "kind": f.kind, "to": recipient})),
            )
            .await?;
            if case != before {
                super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
            }
            tx.commit().await?;
            r.follow_ups_due += 1;
        }
        Ok(r)
    }

    /// Re-evaluates the SLA state of every case whose next check is due.
    pub async fn check_sla_due(&self) -> CoreResult<usize> {
        let mut done = 0;
        loop {
            let now = self.clock.now();
            let ids = self.store.sla_checks_due(now, BATCH).await?;
            if ids.is_empty() {
                return Ok(done);
            }
            let n = ids.len();
            // Many cases per transaction: after a recompute thousands can be due at once, and each
            // is decided from its state as read inside the transaction.
            for chunk in ids.chunks(CHECKS_PER_TRANSACTION) {
                let mut tx = self.store.begin().await?;
                for id in chunk {
                    let Some(mut case) = tx.case(*id).await? else { continue };
                    let before = case.clone();
                    super::save_case(self, &mut *tx, Some(&before), &mut case, now).await?;
                    // A check that would come back at once (a calendar without hours) is dropped.
                    if case.sla.next_check_at.is_some_and(|t| t <= now) {
                        case.sla.next_check_at = None;
                        tx.update_case(&case).await?;
                    }
                    done += 1;
                }
                tx.commit().await?;
            }
            if n < BATCH as usize {
                return Ok(done);
            }
        }
    }

    /// Recomputes the SLA state of every open case (after a policy or calendar changed), in
    /// batches of one transaction each. Returns how many cases were looked at.
    ///
    /// It reads only what the SLA depends on and writes only the SLA columns of the cases that
    /// changed, a batch at a time. A case that turns to warning or breach is handed to the watcher
    /// instead of being told and escalated here: its new due instants are stored with its old state
    /// and a check due now, and the next tick (within a minute) makes the change with its notices and
    /// escalation, exactly as when a due instant passes. A new policy on a large backlog thus costs
    /// the person who saved it seconds, and the escalations it causes run in the background.
    pub async fn recompute_sla(&self) -> CoreResult<usize> {
        let now = self.clock.now();
        let mut after = None;
        let mut done = 0;
        loop {
            // Read inside the transaction: writers are serialised, so no edit slips in between.
            let mut tx = self.store.begin().await?;
            let rows = tx.open_case_slas_after(after, 1000).await?;
            let Some(last) = rows.last() else { return Ok(done) };
            after = Some(last.case_id);
            // One context per batch, with every team's calendar.
            let mut ctx = self.sla_context(&mut *tx, None).await?;
            for t in self.store.teams().await? {
                if t.calendar.is_some() {
                    let cal = self.calendar_from(t.calendar.as_deref(), Some(&ctx.default_calendar));
                    ctx.team_calendars.insert(t.id, cal);
                }
            }
            done += rows.len();
            let mut changed = Vec::new();
            for mut row in rows {
                let was = row.sla.clone();
                row.recompute(&ctx, now);
                if row.sla == was {
                    continue;
                }
                let is = row.sla.state;
                if is != was.state {
                    tx.append_audit(
                        NewAuditEvent::new(&Actor::System, "case.sla_recomputed", "case", row.case_id, now)
                            .before(serde_json::json!({"state": was.state}))
                            .after(serde_json::json!({"state": is})),
                    )
                    .await?;
                    if matches!(is, SlaState::Warning | SlaState::Breached) {
                        // For the watcher: the new deadlines, the old state, a check due now.
                        row.sla.state = was.state;
                        row.sla.next_check_at = Some(now);
                    } else if let Some(event) = super::sla_transition_event(row.case_id, was.state, &row.sla, now) {
                        tx.append_audit(event).await?;
                    }
                }
                changed.push(row);
            }
            tx.update_case_slas(&changed).await?;
            tx.commit().await?;
        }
    }
}
