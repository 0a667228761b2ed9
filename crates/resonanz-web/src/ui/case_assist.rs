//! What Assist adds to the case page, prepared for the templates: the machine's analysis of each
//! inbound message, the approval state of held replies, and reply drafts. Every text in here that
//! came from a machine or a person (explanations, signals, drafts, reasons) is escaped by askama.

use resonanz_core::CoreError;
use resonanz_core::assist::{
    Approval, ApprovalStatus, CATEGORIES, MessageAnalysis, Outcome, Suggestion, SuggestionKind,
};
use resonanz_core::ids::{CaseId, UserId};
use resonanz_core::message::Direction;
use resonanz_core::service::{CaseDetail, Core};
use serde_json::Value;

use super::Tr;
use super::case_events::Names;
use crate::assist::dto::DraftDto;

/// The analyses and approvals of one case, read once per page.
#[derive(Default)]
pub struct CaseAssist {
    pub analyses: Vec<MessageAnalysis>,
    pub approvals: Vec<Approval>,
}

impl CaseAssist {
    pub async fn load(core: &Core, case: CaseId) -> Result<Self, CoreError> {
        Ok(Self { analyses: core.store.case_analyses(case).await?, approvals: core.store.case_approvals(case).await? })
    }
}

/// The translation of `prefix-value`, or the value itself when there is none.
fn label(t: Tr, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}-{value}");
    let text = t.get(&key);
    if text == key { value.to_string() } else { text }
}

fn percent(v: Option<f64>) -> i64 {
    (v.unwrap_or(0.0) * 100.0).round() as i64
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

pub struct CategoryChip {
    pub name: String,
    pub label: String,
    pub percent: i64,
    pub signals: Vec<String>,
}

/// One checkbox of the correction form.
pub struct CategoryChoice {
    pub name: &'static str,
    pub label: String,
    pub checked: bool,
}

/// The analysis box of one inbound message.
pub struct AnalysisView {
    pub message_id: String,
    /// `pending`, `done` or `failed`.
    pub status: &'static str,
    pub error: String,
    pub language: String,
    pub sentiment: String,
    pub emotions: Vec<(String, i64, Vec<String>)>,
    pub urgency: String,
    pub urgency_signals: Vec<String>,
    pub categories: Vec<CategoryChip>,
    /// The categories as a person set them (labels), when someone did.
    pub corrected: Option<Vec<String>>,
    pub explanation: String,
    pub model_version: String,
    pub choices: Vec<CategoryChoice>,
}

impl AnalysisView {
    pub fn new(t: Tr, a: &MessageAnalysis) -> Self {
        let r = a.result.clone().unwrap_or(Value::Null);
        let mut categories: Vec<CategoryChip> = r
            .get("categories")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| {
                        let name = c.get("name")?.as_str()?.to_string();
                        Some(CategoryChip {
                            label: label(t, "category", &name),
                            percent: percent(c.get("confidence").and_then(Value::as_f64)),
                            signals: strings(c.get("signals")),
                            name,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if categories.is_empty() {
            categories = a
                .categories
                .iter()
                .map(|c| CategoryChip {
                    name: c.name.clone(),
                    label: label(t, "category", &c.name),
                    percent: percent(Some(f64::from(c.confidence))),
                    signals: Vec::new(),
                })
                .collect();
        }
        let language = match r.pointer("/language/code").and_then(Value::as_str) {
            Some(code) => {
                format!("{code} ({} %)", percent(r.pointer("/language/confidence").and_then(Value::as_f64)))
            }
            None => String::new(),
        };
        let sentiment = match r.pointer("/sentiment/label").and_then(Value::as_str) {
            Some(l) => format!(
                "{} ({} %)",
                label(t, "sentiment", l),
                percent(r.pointer("/sentiment/confidence").and_then(Value::as_f64))
            ),
            None => String::new(),
        };
        let emotions = r
            .get("emotions")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|e| {
                        let name = e.get("name")?.as_str()?;
                        Some((
                            label(t, "emotion", name),
                            percent(e.get("intensity").and_then(Value::as_f64)),
                            strings(e.get("signals")),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let urgency =
            r.pointer("/urgency/level").and_then(Value::as_str).map(|l| label(t, "urgency", l)).unwrap_or_default();
        let effective = a.effective_categories();
        Self {
            message_id: a.message_id.to_string(),
            status: a.status.as_str(),
            error: a.error.clone().unwrap_or_default(),
            language,
            sentiment,
            emotions,
            urgency,
            urgency_signals: strings(r.pointer("/urgency/signals")),
            categories,
            corrected: a.corrected.as_ref().map(|c| c.iter().map(|n| label(t, "category", n)).collect()),
            explanation: r.get("explanation").and_then(Value::as_str).unwrap_or_default().to_string(),
            model_version: a.model_version.clone().unwrap_or_default(),
            choices: CATEGORIES
                .iter()
                .map(|c| CategoryChoice {
                    name: c,
                    label: label(t, "category", c),
                    checked: effective.iter().any(|e| e == c),
                })
                .collect(),
        }
    }
}

/// The approval state of a held (or decided) reply.
pub struct ApprovalView {
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    /// The reader wrote the reply: they cannot approve it themselves.
    pub mine: bool,
    pub requested_by: String,
    pub decided_by: String,
    pub reason: String,
}

impl ApprovalView {
    pub fn new(t: Tr, names: &Names, a: &Approval, me: UserId) -> Self {
        Self {
            status: a.status.as_str(),
            mine: a.requested_by == me,
            requested_by: names.user(t, Some(&a.requested_by.to_string())),
            decided_by: a.decided_by.map(|u| names.user(t, Some(&u.to_string()))).unwrap_or_default(),
            reason: a.reason.clone().unwrap_or_default(),
        }
    }
    pub fn pending(&self) -> bool {
        self.status == ApprovalStatus::Pending.as_str()
    }
}

pub struct SourceView {
    pub kind: String,
    pub label: String,
    /// A link to the past case a draft came from.
    pub href: Option<String>,
}

pub struct DraftView {
    pub id: String,
    pub text: String,
    pub percent: i64,
    pub kind: String,
    pub sources: Vec<SourceView>,
    pub explanation: String,
    pub machine_drafted: bool,
}

impl DraftView {
    pub fn new(t: Tr, s: &Suggestion) -> Self {
        let d = DraftDto::from(s);
        let sources = d
            .sources
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|src| {
                        let kind = src.get("kind").and_then(Value::as_str).unwrap_or_default();
                        let id = src.get("id").and_then(Value::as_str).unwrap_or_default();
                        SourceView {
                            kind: label(t, "source", kind),
                            label: src.get("label").and_then(Value::as_str).unwrap_or(id).to_string(),
                            href: (kind == "case")
                                .then(|| uuid::Uuid::parse_str(id).ok())
                                .flatten()
                                .map(|u| format!("/cases/{u}")),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: d.suggestion_id,
            text: d.text,
            percent: percent(Some(f64::from(d.confidence))),
            kind: d.kind.as_str().map(|k| label(t, "draft-kind", k)).unwrap_or_default(),
            sources,
            explanation: d.explanation,
            machine_drafted: d.machine_drafted,
        }
    }
}

/// The drafts panel of the composer.
#[derive(Default)]
pub struct DraftsPanel {
    /// The server has a drafting side.
    pub enabled: bool,
    pub drafts: Vec<DraftView>,
    /// Why the assistant made no draft (shown right after asking).
    pub abstained: Option<String>,
}

impl DraftsPanel {
    pub fn new(t: Tr, enabled: bool, drafts: &[Suggestion], abstained: Option<String>) -> Self {
        Self { enabled, drafts: drafts.iter().map(|s| DraftView::new(t, s)).collect(), abstained }
    }
}

/// Drafts proposed for the contact's latest message that nobody used or discarded yet, best first.
pub async fn pending_drafts(core: &Core, d: &CaseDetail) -> Result<Vec<Suggestion>, CoreError> {
    let Some(last) = d.messages.iter().rev().find(|m| m.message.direction == Direction::Inbound) else {
        return Ok(Vec::new());
    };
    let mut drafts: Vec<Suggestion> = core
        .store
        .case_suggestions(d.case.id)
        .await?
        .into_iter()
        .filter(|s| s.kind == SuggestionKind::Draft && s.message_id == Some(last.message.id))
        .collect();
    // Only the latest proposal (its drafts share one creation time), and of it what is left.
    let latest = drafts.iter().map(|s| s.created_at).max();
    drafts.retain(|s| Some(s.created_at) == latest && s.outcome == Outcome::Pending);
    drafts.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    Ok(drafts)
}
