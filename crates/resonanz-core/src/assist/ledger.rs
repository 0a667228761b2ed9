//! The AI ledger: every suggestion with what produced it and what a person did with it, and the
//! rates (accepted, edited, rejected, overridden) per category and model version over time.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use serde::Serialize;

use super::{Outcome, Suggestion, SuggestionKind};
use crate::audit::NewAuditEvent;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, MessageId, SuggestionId, UserId};
use crate::service::Core;
use crate::store::Tx;
use crate::user::Actor;

/// A draft as the drafting side proposes it, to be recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftRecord {
    pub text: String,
    pub confidence: f32,
    /// The whole draft (sources, explanation) as shown.
    pub output: serde_json::Value,
    /// The case's main category when the draft was made, for per-category rates.
    pub category: Option<String>,
    pub producer: String,
    pub producer_version: String,
}

/// Counts of ledger rows by day, as the store groups them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerCount {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    pub kind: SuggestionKind,
    pub category: Option<String>,
    /// What made it: `assist`, `drafts-bm25`, `llm:<model>`, …
    pub producer: String,
    pub producer_version: String,
    pub outcome: Outcome,
    pub count: i64,
    pub edit_distance_sum: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LedgerBucket {
    Day,
    #[default]
    Week,
    Month,
}

impl LedgerBucket {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            _ => return None,
        })
    }

    fn label(self, day: i64) -> String {
        let date = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.date_naive() + Duration::days(day);
        match self {
            Self::Day => date.format("%Y-%m-%d").to_string(),
            Self::Week => {
                let w = date.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Self::Month => date.format("%Y-%m").to_string(),
        }
    }
}

/// One line of the ledger report: a period, a kind, a category, a producer and its version (so drafts
/// of an LLM and of the similar-case search are rated apart).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    pub period: String,
    pub kind: SuggestionKind,
    pub category: Option<String>,
    pub producer: String,
    pub producer_version: String,
    pub total: i64,
    pub pending: i64,
    pub accepted: i64,
    pub edited: i64,
    pub rejected: i64,
    pub overridden: i64,
    /// Shares of the decided suggestions (total minus pending); `None` when none was decided.
    pub acceptance_rate: Option<f64>,
    pub edit_rate: Option<f64>,
    pub rejection_rate: Option<f64>,
    pub override_rate: Option<f64>,
    pub mean_edit_distance: Option<f64>,
}

/// Levenshtein distance in characters between what was proposed and what was sent, with
/// surrounding whitespace ignored. Very long texts are compared by their first 4,000 characters
/// plus the difference in length, which keeps this cheap on a send.
pub fn edit_distance(proposed: &str, sent: &str) -> i64 {
    const CAP: usize = 4000;
    let a: String = proposed.trim().chars().take(CAP).collect();
    let b: String = sent.trim().chars().take(CAP).collect();
    let rest =
        proposed.trim().chars().count().saturating_sub(CAP).abs_diff(sent.trim().chars().count().saturating_sub(CAP));
    (strsim::levenshtein(&a, &b) + rest) as i64
}

impl Core {
    /// Records the drafts shown for a case; returns them with their ledger ids, so that the
    /// composer can say which one a reply started from.
    pub async fn record_drafts(
        &self,
        case_id: CaseId,
        message_id: Option<MessageId>,
        drafts: Vec<DraftRecord>,
    ) -> CoreResult<Vec<Suggestion>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut out = Vec::new();
        for d in drafts {
            let s = Suggestion {
                id: SuggestionId::new(now),
                kind: SuggestionKind::Draft,
                case_id,
                message_id,
                input_ref: match message_id {
                    Some(m) => format!("message:{m}"),
                    None => format!("case:{case_id}"),
                },
                producer: d.producer,
                producer_version: d.producer_version,
                category: d.category,
                output: d.output,
                confidence: d.confidence,
                outcome: Outcome::Pending,
                edit_distance: None,
                correction: None,
                decided_by: None,
                decided_at: None,
                created_at: now,
            };
            tx.insert_suggestion(&s).await?;
            out.push(s);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A person discards a draft (or refuses another pending suggestion).
    pub async fn reject_suggestion(&self, id: SuggestionId, by: UserId) -> CoreResult<Suggestion> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut s = tx.suggestion(id).await?.ok_or(CoreError::NotFound("suggestion"))?;
        if s.kind != SuggestionKind::Draft {
            return Err(CoreError::Conflict("only drafts are discarded; correct categories instead".into()));
        }
        if s.outcome != Outcome::Pending {
            return Err(CoreError::Conflict(format!("the suggestion was {} already", s.outcome.as_str())));
        }
        s.outcome = Outcome::Rejected;
        s.decided_by = Some(by);
        s.decided_at = Some(now);
        tx.update_suggestion(&s).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(by), "suggestion.rejected", "case", s.case_id, now)
                .after(serde_json::json!({"suggestion_id": s.id, "kind": s.kind})),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn suggestion(&self, id: SuggestionId) -> CoreResult<Suggestion> {
        self.store.suggestion(id).await?.ok_or(CoreError::NotFound("suggestion"))
    }

    /// Rates per period, kind, category and producer version between `from` and `to`.
    pub async fn ledger_stats(
        &self,
        from: Timestamp,
        to: Timestamp,
        bucket: LedgerBucket,
    ) -> CoreResult<Vec<LedgerRow>> {
        let counts = self.store.ledger_counts(from, to).await?;
        Ok(aggregate(&counts, bucket))
    }
}

/// Settles the ledger when a person sends a reply: the draft it started from is accepted (or
/// edited, with the distance), other pending drafts of the case are rejected, and the pending
/// categories of its messages count as accepted — the person answered without correcting them.
pub(crate) async fn on_reply(
    tx: &mut dyn Tx,
    case_id: CaseId,
    by: UserId,
    draft: Option<SuggestionId>,
    sent: &str,
    now: Timestamp,
) -> CoreResult<()> {
    if let Some(id) = draft {
        let used = tx.suggestion(id).await?;
        if !used.as_ref().is_some_and(|s| s.case_id == case_id && s.kind == SuggestionKind::Draft) {
            return Err(CoreError::invalid("draft_id", "unknown", "no such draft on this case"));
        }
    }
    for mut s in tx.case_suggestions(case_id).await? {
        // The draft a reply started from counts as used even if someone had discarded it before.
        if s.outcome != Outcome::Pending && Some(s.id) != draft {
            continue;
        }
        match s.kind {
            SuggestionKind::Draft if Some(s.id) == draft => {
                let proposed = s.output.get("text").and_then(|t| t.as_str()).unwrap_or_default();
                let d = edit_distance(proposed, sent);
                s.outcome = if d == 0 { Outcome::Accepted } else { Outcome::Edited };
                s.edit_distance = Some(d);
            }
            SuggestionKind::Draft => s.outcome = Outcome::Rejected,
            SuggestionKind::Classification => s.outcome = Outcome::Accepted,
            SuggestionKind::Routing | SuggestionKind::AutoReply => continue,
        }
        s.decided_by = Some(by);
        s.decided_at = Some(now);
        tx.update_suggestion(&s).await?;
    }
    Ok(())
}

fn aggregate(counts: &[crate::assist::LedgerCount], bucket: LedgerBucket) -> Vec<LedgerRow> {
    type Key = (String, &'static str, Option<String>, String, String);
    let mut map: BTreeMap<Key, LedgerRow> = BTreeMap::new();
    for c in counts {
        let period = bucket.label(c.day);
        let key = (period.clone(), c.kind.as_str(), c.category.clone(), c.producer.clone(), c.producer_version.clone());
        let row = map.entry(key).or_insert_with(|| LedgerRow {
            period,
            kind: c.kind,
            category: c.category.clone(),
            producer: c.producer.clone(),
            producer_version: c.producer_version.clone(),
            total: 0,
            pending: 0,
            accepted: 0,
            edited: 0,
            rejected: 0,
            overridden: 0,
            acceptance_rate: None,
            edit_rate: None,
            rejection_rate: None,
            override_rate: None,
            mean_edit_distance: None,
        });
        row.total += c.count;
        match c.outcome {
            Outcome::Pending => row.pending += c.count,
            Outcome::Accepted => row.accepted += c.count,
            Outcome::Edited => {
                row.edited += c.count;
                let sum = row.mean_edit_distance.unwrap_or(0.0) + c.edit_distance_sum as f64;
                row.mean_edit_distance = Some(sum);
            }
            Outcome::Rejected => row.rejected += c.count,
            Outcome::Overridden => row.overridden += c.count,
        }
    }
    let mut rows: Vec<LedgerRow> = map.into_values().collect();
    for r in &mut rows {
        let decided = r.total - r.pending;
        if decided > 0 {
            let share = |n: i64| Some(n as f64 / decided as f64);
            r.acceptance_rate = share(r.accepted);
            r.edit_rate = share(r.edited);
            r.rejection_rate = share(r.rejected);
            r.override_rate = share(r.overridden);
        }
        if r.edited > 0 {
            r.mean_edit_distance = r.mean_edit_distance.map(|sum| sum / r.edited as f64);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters_and_ignores_outer_whitespace() {
        assert_eq!(edit_distance("Hallo Anna,", "  Hallo Anna,\n"), 0);
        assert_eq!(edit_distance("Hallo Anna", "Hallo Annä"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let long = "x".repeat(5000);
        assert_eq!(edit_distance(&long, &"x".repeat(5010)), 10);
    }

    #[test]
    fn aggregate_buckets_by_iso_week_and_computes_shares_of_decided() {
        // 2026-11-23 (Monday) is day 20780; 2026-11-25 the same ISO week, 2026-11-30 the next.
        let day = |d: i64| 20780 + d;
        let c = |d, outcome, count, dist| LedgerCount {
            day: day(d),
            kind: SuggestionKind::Classification,
            category: Some("complaint".into()),
            producer: "assist".into(),
            producer_version: "v1".into(),
            outcome,
            count,
            edit_distance_sum: dist,
        };
        let rows = aggregate(
            &[
                c(0, Outcome::Accepted, 3, 0),
                c(2, Outcome::Overridden, 1, 0),
                c(2, Outcome::Pending, 4, 0),
                c(7, Outcome::Edited, 2, 10),
            ],
            LedgerBucket::Week,
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].period, "2026-W48");
        assert_eq!((rows[0].total, rows[0].pending), (8, 4));
        assert_eq!(rows[0].acceptance_rate, Some(0.75));
        assert_eq!(rows[0].override_rate, Some(0.25));
        assert_eq!(rows[1].period, "2026-W49");
        assert_eq!(rows[1].mean_edit_distance, Some(5.0));
        assert_eq!(rows[1].edit_rate, Some(1.0));
    }
}
