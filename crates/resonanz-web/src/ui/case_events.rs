//! The events of a case's timeline: who did what, in the reader's language, from the audit trail
//! (so the timeline shows what the audit trail proves).

use std::collections::HashMap;

use resonanz_core::audit::AuditEvent;

use super::Tr;

/// Names of the people and the contact of a case, for the timeline.
pub struct Names {
    pub(super) users: HashMap<String, String>,
    pub(super) contact: String,
}

impl Names {
    pub(super) fn new(users: HashMap<String, String>, contact: String) -> Self {
        Self { users, contact }
    }
    pub(super) fn actor(&self, t: Tr, label: &str) -> String {
        if let Some(id) = label.strip_prefix("user:") {
            return self.users.get(id).cloned().unwrap_or_else(|| t.get("someone"));
        }
        if label.starts_with("contact:") {
            return self.contact.clone();
        }
        t.get("actor-system")
    }
    pub(super) fn user(&self, t: Tr, id: Option<&str>) -> String {
        match id {
            Some(id) => self.users.get(id).cloned().unwrap_or_else(|| t.get("someone")),
            None => t.get("unowned"),
        }
    }
}

fn json_field(raw: &Option<String>, key: &str) -> serde_json::Value {
    raw.as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get(key).cloned())
        .unwrap_or(serde_json::Value::Null)
}

fn str_of(v: &serde_json::Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

/// "Beschwerde, Sensibel": category names in the reader's language.
pub(super) fn category_list(t: Tr, v: &serde_json::Value) -> String {
    let names: Vec<String> =
        v.as_array().map(|a| a.iter().map(|c| t.key("category", str_of(c))).collect()).unwrap_or_default();
    if names.is_empty() { t.get("none") } else { names.join(", ") }
}

/// The text of an event, or `None` for events the timeline shows otherwise (the message itself,
/// the analysis in its box).
pub(super) fn describe(t: Tr, names: &Names, e: &AuditEvent) -> Option<(String, &'static str, &'static str)> {
    let actor = names.actor(t, &e.actor);
    let (mark, class) = if e.actor.starts_with("user:") {
        ("mark-team", "agent")
    } else if e.actor.starts_with("contact:") {
        ("mark-contact", "contact")
    } else {
        ("mark-machine", "automation")
    };
    let status = |key| {
        let s = str_of(&json_field(if key == "before" { &e.before } else { &e.after }, "status"));
        t.get(&format!("status-{s}"))
    };
    let reason = || str_of(&json_field(&e.after, "reason"));
    let text = match e.action.as_str() {
        "case.status_changed" => format!("{actor}: {} → {}", status("before"), status("after")),
        "case.priority_changed" => {
            let p = str_of(&json_field(&e.after, "priority"));
            format!("{actor}: {} {}", t.get("field-priority"), t.get(&format!("priority-{p}")))
        }
        "case.tags_changed" => {
            let tags = json_field(&e.after, "tags");
            let list: Vec<String> = tags.as_array().map(|a| a.iter().map(str_of).collect()).unwrap_or_default();
            format!("{actor}: {} {}", t.get("field-tags"), list.join(", "))
        }
        "case.team_changed" => format!("{actor}: {}", t.get("ev-team-changed")),
        "case.assigned" => {
            let to = json_field(&e.after, "owner_id");
            let note = str_of(&json_field(&e.after, "note"));
            let mut s = t.arg("ev-assigned", "name", names.user(t, to.as_str()));
            s = format!("{actor}: {s}");
            if !note.is_empty() {
                s.push_str(&format!(" — „{note}“"));
            }
            s
        }
        "case.handover_acknowledged" => t.arg("ev-acknowledged", "name", &actor),
        "case.escalated" | "case.deescalated" | "case.escalation_changed" => {
            let level = json_field(&e.after, "level").as_i64().unwrap_or(0);
            let key = if e.action == "case.deescalated" { "deescalated" } else { "escalated" };
            format!("{actor}: {} ({}) — {}", t.get(key), t.key("escalation-level", level), reason())
        }
        "case.escalation_acknowledged" => format!("{actor}: {}", t.get("ev-escalation-acknowledged")),
        "case.routed" => {
            let rule = str_of(&json_field(&e.after, "rule"));
            let because: Vec<String> =
                json_field(&e.after, "because").as_array().map(|a| a.iter().map(str_of).collect()).unwrap_or_default();
            let mut s = t.arg("ev-routed", "rule", rule);
            let owner = json_field(&e.after, "changes").get("owner_id").cloned().unwrap_or_default();
            if let Some(o) = owner.as_str() {
                s.push_str(&format!(" · {}", t.arg("ev-assigned", "name", names.user(t, Some(o)))));
            }
            if !because.is_empty() {
                s.push_str(&format!(" — {} {}", t.get("ev-because"), because.join("; ")));
            }
            s
        }
        "case.sla_warning" => t.get("ev-sla-warning"),
        "case.sla_breached" => t.get("ev-sla-breached"),
        "case.sla_met" => t.get("ev-sla-met"),
        "case.sla_paused" => t.get("ev-sla-paused"),
        "case.sla_resumed" => t.get("ev-sla-resumed"),
        "case.handover_reminded" => t.get("ev-handover-reminded"),
        "case.watch_unowned" => t.get("ev-watch-unowned"),
        "case.watch_inactive" => t.get("ev-watch-inactive"),
        "case.follow_up_set" => {
            let due = json_field(&e.after, "due_at");
            let due = due
                .as_str()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| t.datetime(d.to_utc()))
                .unwrap_or_default();
            let kind = str_of(&json_field(&e.after, "kind"));
            format!("{actor}: {} {due}", t.key("ev-follow-up", kind))
        }
        "case.follow_up_due" => t.get("ev-follow-up-due"),
        "case.follow_up_done" => format!("{actor}: {}", t.get("ev-follow-up-done")),
        "case.survey_sent" => t.get("ev-survey-sent"),
        "case.survey_answered" => {
            let rating = json_field(&e.after, "rating").as_i64().unwrap_or(0);
            let comment = str_of(&json_field(&e.after, "comment"));
            let mut s = t.arg("ev-survey-answered", "rating", rating);
            if !comment.is_empty() {
                s.push_str(&format!(" — „{comment}“"));
            }
            s
        }
        "message.sent" => t.get("ev-sent"),
        "message.send_failed" => format!("{} {}", t.get("ev-send-failed"), str_of(&json_field(&e.after, "error"))),
        "case.reopened" => t.get("ev-reopened"),
        "case.safeguarding_started" => format!("{actor}: {} — {}", t.get("ev-safeguarding-started"), reason()),
        "case.safeguarding_lifted" => format!("{actor}: {} — {}", t.get("ev-safeguarding-lifted"), reason()),
        "message.approval_requested" => format!("{actor}: {}", t.get("ev-approval-requested")),
        "message.approved" => format!("{actor}: {}", t.get("ev-approved")),
        "message.rejected" => format!("{actor}: {} — {}", t.get("ev-rejected"), reason()),
        "message.categories_corrected" => {
            format!(
                "{actor}: {} {}",
                t.get("ev-categories-corrected"),
                category_list(t, &json_field(&e.after, "categories"))
            )
        }
        "message.analysis_failed" => {
            format!("{} {}", t.get("ev-analysis-failed"), str_of(&json_field(&e.after, "error")))
        }
        "assist.auto_reply_blocked" => format!("{} {}", t.get("ev-auto-reply-blocked"), reason()),
        _ => return None,
    };
    Some((text, mark, class))
}
