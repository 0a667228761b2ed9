//! Analysis as a job: queued with the message, run by the worker, retried on failure, and never in
//! the way of ingestion. Also a person's correction of the categories.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{
    AnalysisStatus, Analyze, MessageAnalysis, Outcome, SAFEGUARDING, Suggestion, SuggestionKind, normalise_categories,
};
use crate::audit::NewAuditEvent;
use crate::error::{CoreError, CoreResult};
use crate::ids::{MessageId, UserId};
use crate::jobs::{AnalyzeMessage, NewJob};
use crate::message::Direction;
use crate::service::Core;
use crate::store::Tx;
use crate::user::Actor;

/// The most text an analysis reads; longer messages are analysed by their start.
const MAX_ANALYSED_CHARS: usize = 20_000;

/// Queues the analysis of a freshly stored inbound message, in the ingest transaction.
pub(crate) async fn queue(tx: &mut dyn Tx, message: &crate::message::Message) -> CoreResult<()> {
    let now = message.created_at;
    let job = NewJob::of(&AnalyzeMessage { message_id: message.id }, now);
    tx.queue_analysis(MessageAnalysis::pending(message.id, message.case_id, now), job).await
}

impl Core {
    /// Runs the analysis of one message and what follows from it, in one transaction: the result,
    /// the ledger rows, the case's categories, the safeguarding protocol and an automatic reply.
    /// Done analyses are not repeated. On failure the error is stored (visible on the case) and
    /// returned, so that the job is retried.
    pub async fn analyze_message(&self, id: MessageId, analyzer: &dyn Analyze) -> CoreResult<()> {
        let message = self.store.message(id).await?.ok_or(CoreError::NotFound("message"))?;
        if message.direction != Direction::Inbound {
            return Err(CoreError::Conflict("only inbound messages are analysed".into()));
        }
        if let Some(a) = self.store.message_analysis(id).await?
            && a.status == AnalysisStatus::Done
        {
            return Ok(());
        }
        let text: String = message.text_body.chars().take(MAX_ANALYSED_CHARS).collect();
        let version = analyzer.version();
        let outcome = match catch_unwind(AssertUnwindSafe(|| analyzer.analyze(&message.subject, &text))) {
            Ok(o) => o,
            Err(panic) => {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the analyser panicked".into());
                let error = format!("analysis failed: {reason}");
                self.record_analysis_failure(id, &error).await?;
                return Err(CoreError::Conflict(error));
            }
        };
        let applied = self.apply_analysis(&message, &outcome, &version).await;
        if let Err(e) = &applied {
            // Storage trouble: recorded if the database lets us, and the job retries.
            let _ = self.record_analysis_failure(id, &format!("storing the analysis failed: {e}")).await;
        }
        applied
    }

    async fn apply_analysis(
        &self,
        message: &crate::message::Message,
        outcome: &super::AnalysisOutcome,
        version: &str,
    ) -> CoreResult<()> {
        let id = message.id;
        let version = version.to_string();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut case = tx.case(message.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let before = tx.message_analysis(id).await?;
        // Checked again inside the transaction: two workers (a lease that ran out) apply it once.
        if before.as_ref().is_some_and(|a| a.status == AnalysisStatus::Done) {
            return Ok(());
        }
        let mut analysis = before.unwrap_or_else(|| MessageAnalysis::pending(id, case.id, now));
        analysis.status = AnalysisStatus::Done;
        analysis.attempts += 1;
        analysis.error = None;
        analysis.result = Some(outcome.result.clone());
        analysis.categories = outcome.categories.clone();
        analysis.model_version = Some(version.clone());
        analysis.updated_at = now;
        tx.upsert_analysis(&analysis).await?;
        // A person who corrected the categories while the analysis was pending or failing has
        // decided already: the machine's rows are settled against that correction.
        let corrected = analysis.corrected.clone();
        let settled = |assigned: bool, cat: &str| match &corrected {
            None => (Outcome::Pending, None, None),
            Some(c) => {
                let kept = c.iter().any(|x| x == cat);
                let outcome = if assigned == kept { Outcome::Accepted } else { Outcome::Overridden };
                let correction = (outcome == Outcome::Overridden).then(|| serde_json::json!({"categories": c}));
                (outcome, correction, Some(now))
            }
        };
        for c in &outcome.categories {
            let (state, correction, decided_at) = settled(true, &c.name);
            let row = Suggestion::classification(case.id, id, &version, &c.name, true, c.confidence, now);
            tx.insert_suggestion(&Suggestion { outcome: state, correction, decided_at, ..row }).await?;
        }
        for cat in corrected.iter().flatten().filter(|c| !outcome.categories.iter().any(|o| &o.name == *c)) {
            let (state, correction, decided_at) = settled(false, cat);
            let row = Suggestion::classification(case.id, id, &version, cat, false, 0.0, now);
            tx.insert_suggestion(&Suggestion { outcome: state, correction, decided_at, ..row }).await?;
        }
        let before_case = case.clone();
        // The case shows what its newest message is about (an older message analysed late does not
        // change that); a person's correction stands over the machine's result.
        let person_decided = corrected.is_some();
        let names = analysis.effective_categories();
        let newest = tx.last_inbound_message(case.id).await?.is_none_or(|m| m.id == id);
        if newest {
            case.categories = names.clone();
        }
        tx.append_audit(NewAuditEvent::new(&Actor::System, "message.analysed", "case", case.id, now).after(
            serde_json::json!({
                "message_id": id,
                "model": version,
                "language": outcome.language,
                "categories": outcome.categories,
            }),
        ))
        .await?;
        if names.iter().any(|n| n == SAFEGUARDING) && !case.safeguarding {
            let confidence = outcome.categories.iter().find(|c| c.name == SAFEGUARDING).map_or(0.0, |c| c.confidence);
            let reason = format!("Assist: Verdacht auf Gefährdung ({:.0} %)", confidence * 100.0);
            self.start_safeguarding(&mut *tx, &mut case, &Actor::System, &reason, Some(&version), confidence).await?;
        }
        if newest {
            self.route(
                &mut *tx,
                &mut case,
                crate::routing::Trigger::Analysed,
                Some(message),
                Some(&outcome.result),
                now,
            )
            .await?;
            crate::responsibility::escalate_for_categories(self, &mut *tx, &mut case, now).await?;
        }
        if case != before_case {
            case.updated_at = now;
            crate::responsibility::save_case(self, &mut *tx, Some(&before_case), &mut case, now).await?;
        }
        if !person_decided && newest {
            self.maybe_auto_reply(&mut *tx, &mut case, message, outcome, &version).await?;
        }
        tx.commit().await
    }

    /// Stores a failed attempt (status, error, attempt count) so that people see it.
    pub async fn record_analysis_failure(&self, id: MessageId, error: &str) -> CoreResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(mut a) = tx.message_analysis(id).await? else {
            return Ok(());
        };
        if a.status == AnalysisStatus::Done {
            return Ok(());
        }
        a.status = AnalysisStatus::Failed;
        a.attempts += 1;
        a.error = Some(error.chars().take(1000).collect());
        a.updated_at = now;
        tx.upsert_analysis(&a).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::System, "message.analysis_failed", "case", a.case_id, now)
                .after(serde_json::json!({"message_id": id, "error": a.error, "attempts": a.attempts})),
        )
        .await?;
        tx.commit().await
    }

    /// The worker gave up on an analysis: supervisors and administrators are told, because a
    /// message nobody analysed may be one that needed the safeguarding protocol.
    pub async fn analysis_gave_up(&self, id: MessageId, error: &str) -> CoreResult<()> {
        let now = self.clock.now();
        let Some(a) = self.store.message_analysis(id).await? else { return Ok(()) };
        let case = self.store.case(a.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let users = self.store.list_users().await?;
        let mut tx = self.store.begin().await?;
        let body = format!("{} Analyse endgültig fehlgeschlagen – bitte selbst lesen: {error}", case.reference());
        for u in users.iter().filter(|u| u.active && u.role != crate::user::Role::Agent) {
            tx.insert_notification(&crate::workspace::Notification::new(
                u.id,
                "analysis_failed",
                Some(case.id),
                None,
                body.clone(),
                now,
            ))
            .await?;
        }
        tx.append_audit(
            NewAuditEvent::new(&Actor::System, "message.analysis_gave_up", "case", case.id, now)
                .after(serde_json::json!({"message_id": id, "error": error})),
        )
        .await?;
        tx.commit().await
    }

    /// Queues an analysis again (after a failure, or to re-run it with a new model).
    pub async fn retry_analysis(&self, id: MessageId, actor: &Actor) -> CoreResult<MessageAnalysis> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let message = tx.message(id).await?.ok_or(CoreError::NotFound("message"))?;
        if message.direction != Direction::Inbound {
            return Err(CoreError::Conflict("only inbound messages are analysed".into()));
        }
        let mut a =
            tx.message_analysis(id).await?.unwrap_or_else(|| MessageAnalysis::pending(id, message.case_id, now));
        if a.status == AnalysisStatus::Done {
            return Err(CoreError::Conflict("the message is analysed already".into()));
        }
        a.status = AnalysisStatus::Pending;
        a.error = None;
        a.updated_at = now;
        tx.upsert_analysis(&a).await?;
        tx.enqueue_job(&NewJob::of(&AnalyzeMessage { message_id: id }, now)).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "message.analysis_requeued", "case", a.case_id, now)
                .after(serde_json::json!({"message_id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(a)
    }

    /// A person sets the categories of a message. Kept categories count as accepted, removed ones
    /// as overridden, and added ones are recorded as overrides of a miss. Adding `safeguarding`
    /// starts the protocol; removing it does not end it (that is [`Core::lift_safeguarding`]).
    pub async fn correct_categories(
        &self,
        id: MessageId,
        by: UserId,
        categories: &[String],
    ) -> CoreResult<MessageAnalysis> {
        let corrected = normalise_categories(categories)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let message = tx.message(id).await?.ok_or(CoreError::NotFound("message"))?;
        if message.direction != Direction::Inbound {
            return Err(CoreError::Conflict("only inbound messages have categories".into()));
        }
        let mut case = tx.case(message.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let mut a = tx.message_analysis(id).await?.unwrap_or_else(|| MessageAnalysis::pending(id, case.id, now));
        let previous = a.effective_categories();
        let correction = serde_json::json!({"categories": corrected});
        let mut rows = tx.message_suggestions(id).await?;
        rows.retain(|s| s.kind == SuggestionKind::Classification);
        for mut s in rows.iter().cloned() {
            let Some(cat) = s.category.clone() else { continue };
            let assigned = s.output.get("assigned").and_then(|v| v.as_bool()).unwrap_or(true);
            let kept = corrected.contains(&cat);
            let outcome = if assigned == kept { Outcome::Accepted } else { Outcome::Overridden };
            s.outcome = outcome;
            s.correction = (outcome == Outcome::Overridden).then(|| correction.clone());
            s.decided_by = Some(by);
            s.decided_at = Some(now);
            tx.update_suggestion(&s).await?;
        }
        let version = a.model_version.clone().unwrap_or_else(|| "none".into());
        // Before the machine has run there is nothing it missed: its rows are settled against the
        // correction when the analysis arrives.
        let analysed = a.status == AnalysisStatus::Done;
        for cat in corrected.iter().filter(|c| analysed && !rows.iter().any(|s| s.category.as_ref() == Some(*c))) {
            let row = Suggestion::classification(case.id, id, &version, cat, false, 0.0, now);
            tx.insert_suggestion(&Suggestion {
                outcome: Outcome::Overridden,
                correction: Some(correction.clone()),
                decided_by: Some(by),
                decided_at: Some(now),
                ..row
            })
            .await?;
        }
        a.corrected = Some(corrected.clone());
        a.updated_at = now;
        tx.upsert_analysis(&a).await?;
        let actor = Actor::User(by);
        tx.append_audit(
            NewAuditEvent::new(&actor, "message.categories_corrected", "case", case.id, now)
                .before(serde_json::json!({"message_id": id, "categories": previous}))
                .after(serde_json::json!({"message_id": id, "categories": corrected})),
        )
        .await?;
        // A person confirming safeguarding keeps the machine's routing hint; removing it overrides it.
        if corrected.iter().any(|c| c == SAFEGUARDING) {
            super::safeguarding::settle_routing(&mut *tx, case.id, Outcome::Accepted, by, now).await?;
        } else if previous.iter().any(|c| c == SAFEGUARDING) {
            super::safeguarding::settle_routing(&mut *tx, case.id, Outcome::Overridden, by, now).await?;
        }
        let before_case = case.clone();
        case.categories = corrected.clone();
        if corrected.iter().any(|c| c == SAFEGUARDING) && !case.safeguarding {
            self.start_safeguarding(&mut *tx, &mut case, &actor, "Kategorie von einer Person gesetzt", None, 1.0)
                .await?;
        }
        case.updated_at = now;
        self.route(&mut *tx, &mut case, crate::routing::Trigger::Updated, None, None, now).await?;
        crate::responsibility::escalate_for_categories(self, &mut *tx, &mut case, now).await?;
        crate::responsibility::save_case(self, &mut *tx, Some(&before_case), &mut case, now).await?;
        tx.commit().await?;
        Ok(a)
    }
}
