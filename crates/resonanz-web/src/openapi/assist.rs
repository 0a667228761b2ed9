//! The operations and schemas of Assist: analyses, safeguarding, four-eyes approval, drafts, the AI
//! ledger, automatic replies and settings; split from `mod.rs` to keep both readable.

use serde_json::{Value, json};

use super::{Op, json_body, json_response, path_id, query, schema, with_auth_errors};

const EX_MESSAGE: &str = "01956a6e-8f00-7000-8000-000000000003";
const EX_USER: &str = "01956a6e-8f00-7000-8000-000000000007";

fn items_of(item: &str) -> Value {
    json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema(item)}}})
}

/// The schemas of these operations, merged into `components.schemas`.
pub(crate) fn schemas() -> Value {
    let ts = json!({"type": "string", "format": "date-time"});
    let ts_null = json!({"type": ["string", "null"], "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let uuid_null = json!({"type": ["string", "null"], "format": "uuid"});
    let str_null = json!({"type": ["string", "null"]});
    let rate = json!({"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "Share of the decided suggestions; null when none was decided."});
    let category = json!({"type": "string", "enum": resonanz_core::assist::CATEGORIES});
    json!({
        "Analysis": {"type": "object", "required": ["message_id", "status", "attempts", "error", "model_version", "result", "corrected", "updated_at"], "properties": {
            "message_id": uuid, "status": {"type": "string", "enum": ["pending", "done", "failed"]},
            "attempts": {"type": "integer"}, "error": {"type": ["string", "null"], "description": "Why the last attempt failed."},
            "model_version": str_null,
            "result": {"type": ["object", "null"], "description": "The machine's suggestion as stored: `language` {code, confidence}, `sentiment` {label, score, confidence}, `emotions` [{name, intensity, signals}], `categories` [{name, confidence, signals}], `urgency` {level, confidence, signals}, `confidence`, `explanation`."},
            "corrected": {"type": ["array", "null"], "items": category, "description": "The categories a person set; null while nobody corrected them."},
            "updated_at": ts
        }},
        "Approval": {"type": "object", "required": ["message_id", "status", "requested_by", "requested_at", "decided_by", "decided_at", "reason"], "properties": {
            "message_id": uuid, "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
            "requested_by": uuid, "requested_at": ts, "decided_by": uuid_null, "decided_at": ts_null, "reason": str_null
        }},
        "Draft": {"type": "object", "required": ["suggestion_id", "text", "confidence", "kind", "sources", "explanation", "machine_drafted"], "properties": {
            "suggestion_id": {"type": "string", "format": "uuid", "description": "Pass as `draft_id` with the reply that starts from this draft."},
            "text": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "kind": {"type": ["string", "null"], "enum": ["text_block", "similar_case", "llm", null]},
            "sources": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["text_block", "case", "history", "llm"]}, "id": {"type": "string"},
                "label": {"type": "string", "description": "Text block name, case reference or model."}, "score": {"type": "number"}}}},
            "explanation": {"type": "string"},
            "machine_drafted": {"type": "boolean", "description": "Written by a machine rather than taken from text people wrote: the reply must say so."}
        }},
        "DraftProposal": {"type": "object", "required": ["drafts", "abstained"], "properties": {
            "drafts": {"type": "array", "items": schema("Draft"), "maxItems": 3},
            "abstained": {"type": ["string", "null"], "description": "Why there is no draft."}
        }},
        "Suggestion": {"type": "object", "properties": {
            "id": uuid, "kind": {"type": "string", "enum": ["classification", "draft", "routing", "auto_reply"]}, "case_id": uuid,
            "message_id": uuid_null, "category": str_null, "producer": {"type": "string"}, "producer_version": {"type": "string"},
            "confidence": {"type": "number"}, "outcome": {"type": "string", "enum": ["pending", "accepted", "edited", "rejected", "overridden"]},
            "decided_by": uuid_null, "decided_at": ts_null, "created_at": ts
        }},
        "LedgerRow": {"type": "object", "properties": {
            "period": {"type": "string", "example": "2026-W10"}, "kind": {"type": "string", "enum": ["classification", "draft", "routing", "auto_reply"]},
            "category": str_null, "producer": {"type": "string", "description": "What made them: assist, drafts-bm25, llm:<model>, …"}, "model_version": {"type": "string"}, "total": {"type": "integer"}, "pending": {"type": "integer"},
            "accepted": {"type": "integer"}, "edited": {"type": "integer"}, "rejected": {"type": "integer"}, "overridden": {"type": "integer"},
            "acceptance_rate": rate, "edit_rate": rate, "rejection_rate": rate, "override_rate": rate,
            "mean_edit_distance": {"type": ["number", "null"], "description": "Characters changed in edited drafts, on average."}
        }},
        "AutoReplyRule": {"type": "object", "properties": {
            "category": {"type": "string", "enum": resonanz_core::assist::AUTO_REPLY_CATEGORIES}, "enabled": {"type": "boolean"},
            "min_confidence": {"type": "number", "minimum": 0.5, "maximum": 1}, "text_block": {"type": "string"},
            "updated_by": uuid_null, "updated_at": ts_null
        }},
        "AutoReplyRuleInput": {"type": "object", "required": ["category", "enabled", "min_confidence", "text_block"], "additionalProperties": false, "properties": {
            "category": {"type": "string", "enum": resonanz_core::assist::AUTO_REPLY_CATEGORIES}, "enabled": {"type": "boolean"},
            "min_confidence": {"type": "number", "minimum": 0.5, "maximum": 1}, "text_block": {"type": "string", "description": "The name of an existing text block."}
        }},
        "AssistSettings": {"type": "object", "required": ["safeguarding_team", "safeguarding_sla_minutes"], "additionalProperties": false, "properties": {
            "safeguarding_team": {"type": ["string", "null"], "format": "uuid", "description": "The team that takes safeguarding cases; null: supervisors and administrators are told."},
            "safeguarding_sla_minutes": {"type": "integer", "minimum": 5, "maximum": 1440}
        }},
        "CategoriesRequest": {"type": "object", "required": ["categories"], "additionalProperties": false, "properties": {"categories": {"type": "array", "items": category}}},
        "ReasonRequest": {"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string"}}}
    })
}

fn analysis_example() -> Value {
    json!({"message_id": EX_MESSAGE, "status": "done", "attempts": 1, "error": null, "model_version": "assist-2026.11-1a2b3c4d",
        "result": {"language": {"code": "de", "confidence": 0.97}, "sentiment": {"label": "negative", "score": -0.6, "confidence": 0.8},
            "emotions": [{"name": "anger", "intensity": 0.7, "signals": ["unverschämt"]}],
            "categories": [{"name": "complaint", "confidence": 0.91, "signals": ["Beschwerde", "doppelt abgebucht"]}],
            "urgency": {"level": "normal", "confidence": 0.7, "signals": []}, "confidence": 0.85,
            "explanation": "Complaint (91 %): \"Beschwerde\", \"doppelt abgebucht\"."},
        "corrected": null, "updated_at": "2026-03-02T09:00:05Z"})
}

fn approval_example(status: &str) -> Value {
    json!({"message_id": EX_MESSAGE, "status": status, "requested_by": EX_USER, "requested_at": "2026-03-02T09:10:00Z",
        "decided_by": if status == "pending" { Value::Null } else { json!("01956a6e-8f00-7000-8000-00000000000b") },
        "decided_at": if status == "pending" { Value::Null } else { json!("2026-03-02T09:12:00Z") }, "reason": null})
}

fn op(method: &'static str, path: &'static str, summary: &'static str, description: &'static str) -> Op {
    Op {
        method,
        path,
        tag: "Assist",
        summary,
        description,
        parameters: Vec::new(),
        request_body: None,
        responses: json!({}),
        public: false,
    }
}

pub(crate) fn ops() -> Vec<Op> {
    let message_id = || path_id("The message id.");
    let case_id = || path_id("The case id.");
    let ts = json!({"type": "string", "format": "date-time"});
    let settings_example =
        json!({"safeguarding_team": "01956a6e-8f00-7000-8000-00000000000a", "safeguarding_sla_minutes": 60});
    let rule_example = json!({"category": "praise", "enabled": true, "min_confidence": 0.9, "text_block": "danke-lob",
        "updated_by": EX_USER, "updated_at": "2026-03-02T09:00:00Z"});
    let body_errors: &[(&str, &str)] =
        &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")];
    vec![
        Op {
            parameters: vec![message_id()],
            responses: with_auth_errors(
                json!({"200": json_response("The analysis.", schema("Analysis"), analysis_example())}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/messages/{id}/analysis",
                "The machine's analysis of a message",
                "Language, sentiment, emotions, categories with confidence and the words behind them, urgency and a readable explanation — a suggestion, never a decision. `404` for messages of cases the caller may not see and for messages without analysis (notes, replies, automatic mail).",
            )
        },
        Op {
            parameters: vec![message_id()],
            responses: with_auth_errors(
                json!({"202": json_response("Queued again.", schema("Analysis"), json!({"message_id": EX_MESSAGE, "status": "pending", "attempts": 2, "error": null, "model_version": null, "result": null, "corrected": null, "updated_at": "2026-03-02T09:30:00Z"}))}),
                &[("404", "NotFound"), ("409", "Conflict")],
            ),
            ..op(
                "post",
                "/api/v1/messages/{id}/analysis/retry",
                "Analyse a message again",
                "After a failure, or to run a newer model: the analysis is queued for the worker (status `pending`). Only inbound messages are analysed (`409` otherwise).",
            )
        },
        Op {
            parameters: vec![message_id()],
            request_body: Some(json_body("CategoriesRequest", json!({"categories": ["complaint", "sensitive"]}))),
            responses: with_auth_errors(
                json!({"200": json_response("The analysis with the correction.", schema("Analysis"), analysis_example())}),
                body_errors,
            ),
            ..op(
                "put",
                "/api/v1/messages/{id}/categories",
                "Correct the categories",
                "A person sets the categories of an inbound message; the ledger records kept categories as accepted and removed or added ones as overridden. Adding `safeguarding` starts the safeguarding protocol. An unknown name is `categories[i]` / `unknown_category`.",
            )
        },
        Op {
            parameters: vec![case_id()],
            request_body: Some(json_body("ReasonRequest", json!({"reason": "Kind schreibt von Gewalt zu Hause."}))),
            responses: with_auth_errors(
                json!({"200": json_response("The case, now under the protocol.", schema("Case"), json!({}))}),
                &[
                    ("404", "NotFound"),
                    ("409", "Conflict"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/safeguarding",
                "Start the safeguarding protocol",
                "Anyone who may see the case can start it, with a reason (`required`). The case goes to the safeguarding team, is escalated and urgent, the team and supervisors are told at once, automatic replies are blocked, every reply needs a second person's approval, and the first response is due within the configured minutes (`sla_due_at`). `409` if it is already under the protocol.",
            )
        },
        Op {
            parameters: vec![case_id()],
            request_body: Some(json_body("ReasonRequest", json!({"reason": "Mit dem Jugendamt geklärt."}))),
            responses: with_auth_errors(
                json!({"200": json_response("The case.", schema("Case"), json!({}))}),
                &[
                    ("403", "Forbidden"),
                    ("404", "NotFound"),
                    ("409", "Conflict"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            ..op(
                "delete",
                "/api/v1/cases/{id}/safeguarding",
                "End the safeguarding protocol",
                "Supervisors and administrators only (`403` for agents), with a reason in the body. The escalation stays as it is.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({"200": json_response("Held and decided replies, oldest first.", items_of("Approval"), json!({"items": [approval_example("pending")]}))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/cases/{id}/approvals",
                "Replies waiting for approval",
                "On a safeguarding case every reply is held until a second person approves it (four-eyes). This lists the held replies and the decisions.",
            )
        },
        Op {
            parameters: vec![message_id()],
            responses: with_auth_errors(
                json!({"200": json_response("Approved: the reply is queued for sending.", schema("Approval"), approval_example("approved"))}),
                &[("403", "Forbidden"), ("404", "NotFound"), ("409", "Conflict")],
            ),
            ..op(
                "post",
                "/api/v1/messages/{id}/approve",
                "Approve a held reply",
                "Another person than the author approves; the reply is then sent. The author gets `403` (four-eyes); a reply decided already is `409`.",
            )
        },
        Op {
            parameters: vec![message_id()],
            request_body: Some(json_body("ReasonRequest", json!({"reason": "Bitte ohne Namen der Schule antworten."}))),
            responses: with_auth_errors(
                json!({"200": json_response("Refused: the reply is never sent.", schema("Approval"), approval_example("rejected"))}),
                &[
                    ("403", "Forbidden"),
                    ("404", "NotFound"),
                    ("409", "Conflict"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            ..op(
                "post",
                "/api/v1/messages/{id}/reject",
                "Refuse a held reply",
                "Another person than the author refuses it with a reason (`required`); the author is told.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({
                    "200": json_response("Up to three drafts, best first, or the reason there is none.", schema("DraftProposal"), json!({"drafts": [{
                        "suggestion_id": "01956a6e-8f00-7000-8000-00000000000c", "text": "Guten Tag Frau Mustermann, …", "confidence": 0.82,
                        "kind": "text_block", "sources": [{"kind": "text_block", "id": "01956a6e-8f00-7000-8000-00000000000d", "label": "rechnung-doppelt", "score": 0.82}],
                        "explanation": "The text block matches \"Rechnung\" and \"doppelt\".", "machine_drafted": false}], "abstained": null})),
                    "503": json_response("The drafting side is not configured on this server.", schema("Error"), json!({"error": {"code": "drafts_unavailable", "message": "reply drafts are not configured on this server", "fields": []}}))
                }),
                &[("404", "NotFound")],
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/drafts",
                "Propose reply drafts",
                "Drafts from text blocks, similar resolved cases and, where configured, a language model — each with its confidence, sources and explanation. Every draft is recorded in the AI ledger; send the reply with its `suggestion_id` as `draft_id` and the ledger records it as accepted or edited (the others as rejected). Below the confidence threshold the assistant abstains and says why.",
            )
        },
        Op {
            parameters: vec![path_id("The suggestion id.")],
            responses: with_auth_errors(
                json!({"200": json_response("The suggestion, now rejected.", schema("Suggestion"), json!({}))}),
                &[("404", "NotFound"), ("409", "Conflict")],
            ),
            ..op(
                "post",
                "/api/v1/suggestions/{id}/reject",
                "Discard a draft",
                "Records in the ledger that a person discarded the suggestion. `409` when it was decided already.",
            )
        },
        Op {
            parameters: vec![
                query(
                    "from",
                    "Start, inclusive: a date (`2026-03-02`) or an RFC 3339 time. Default: 90 days before `to`.",
                    json!({"type": "string"}),
                ),
                query(
                    "to",
                    "End: a date (inclusive) or an RFC 3339 time (exclusive). Default: the end of today (UTC).",
                    json!({"type": "string"}),
                ),
                query(
                    "bucket",
                    "Period length.",
                    json!({"type": "string", "enum": ["day", "week", "month"], "default": "week"}),
                ),
            ],
            responses: with_auth_errors(
                json!({"200": json_response("Rows per period, kind, category, producer and model version.",
                json!({"type": "object", "properties": {"from": ts, "to": ts, "bucket": {"type": "string"}, "items": {"type": "array", "items": schema("LedgerRow")}}}),
                json!({"from": "2025-12-02T09:00:00Z", "to": "2026-03-02T09:00:00Z", "bucket": "week", "items": [{"period": "2026-W10", "kind": "classification", "category": "complaint",
                    "producer": "assist", "model_version": "assist-2026.11-1a2b3c4d", "total": 8, "pending": 4, "accepted": 3, "edited": 0, "rejected": 0, "overridden": 1,
                    "acceptance_rate": 0.75, "edit_rate": 0.0, "rejection_rate": 0.0, "override_rate": 0.25, "mean_edit_distance": null}]}))}),
                &[("403", "Forbidden"), ("422", "ValidationFailed")],
            ),
            ..op(
                "get",
                "/api/v1/assist/ledger",
                "The AI ledger",
                "How often suggestions were accepted, edited, rejected or overridden, per period, kind, category and model version. Supervisors and administrators only (`403` for agents).",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The rule of each category that can be answered automatically.",
                json!({"type": "object", "properties": {"items": {"type": "array", "items": schema("AutoReplyRule")}, "never_automatic": {"type": "array", "items": {"type": "string"}}}}),
                json!({"items": [rule_example.clone()], "never_automatic": resonanz_core::assist::NEVER_AUTOMATIC}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/assist/auto-replies",
                "Automatic replies",
                "Off unless an administrator enabled them, and possible only for routine requests, questions and praise. Complaints, sensitive matters, children, safeguarding, threats and spam are never answered automatically, and every automatic reply says that it is automatic and how to reach a person.",
            )
        },
        Op {
            request_body: Some(json_body(
                "AutoReplyRuleInput",
                json!({"category": "praise", "enabled": true, "min_confidence": 0.9, "text_block": "danke-lob"}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The rule.", schema("AutoReplyRule"), rule_example)}),
                &[("403", "Forbidden"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/assist/auto-replies",
                "Set the automatic reply of a category",
                "Administrators only. `category` must be `routine`, `question` or `praise` (`not_allowed` otherwise), `min_confidence` between 0.5 and 1 (`out_of_range`), `text_block` the name of an existing text block (`unknown`).",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The settings.", schema("AssistSettings"), settings_example.clone())}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/assist/settings",
                "Safeguarding settings",
                "The team that takes safeguarding cases and the minutes it has for a first response.",
            )
        },
        Op {
            request_body: Some(json_body("AssistSettings", settings_example.clone())),
            responses: with_auth_errors(
                json!({"200": json_response("The settings.", schema("AssistSettings"), settings_example)}),
                &[("403", "Forbidden"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/assist/settings",
                "Change the safeguarding settings",
                "Administrators only. The deadline is 5 to 1440 minutes (`out_of_range`); an unknown team is `unknown`.",
            )
        },
    ]
}
