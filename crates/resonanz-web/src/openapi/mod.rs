//! The hand-written OpenAPI 3.1 document of the API. A test checks that it describes every route
//! of [`crate::routes`], and `/api/v1/docs` renders it as HTML.

use std::sync::LazyLock;

use axum::Json;
use serde_json::{Map, Value, json};

mod assist;
mod components;
mod directory;
mod responsibility;
use components::components;

static DOCUMENT: LazyLock<Value> = LazyLock::new(build);

/// The OpenAPI document.
pub fn document() -> &'static Value {
    &DOCUMENT
}

pub async fn serve() -> Json<Value> {
    Json(document().clone())
}

pub(crate) fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{name}")})
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path_id(description: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": description,
           "schema": {"type": "string", "format": "uuid"}})
}

fn limit_param() -> Value {
    query(
        "limit",
        "Page size, 1 to 200 (default 50).",
        json!({"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
    )
}

fn cursor_param() -> Value {
    query("cursor", "Opaque cursor: the `next_cursor` of the previous page.", json!({"type": "string"}))
}

fn json_body(schema_name: &str, example: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema(schema_name), "example": example}}})
}

pub(crate) fn json_response(description: &str, schema: Value, example: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema, "example": example}}})
}

fn page_of(item: &str) -> Value {
    json!({"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": schema(item)},
        "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` to get the next page; null on the last page."}
    }})
}

/// Adds the error responses every authenticated operation can give.
fn with_auth_errors(mut responses: Value, extra: &[(&str, &str)]) -> Value {
    if let Some(map) = responses.as_object_mut() {
        map.insert("401".into(), error_ref("Unauthorized"));
        map.insert("500".into(), error_ref("Internal"));
        for (status, name) in extra {
            map.insert((*status).into(), error_ref(name));
        }
    }
    responses
}

struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    parameters: Vec<Value>,
    request_body: Option<Value>,
    responses: Value,
    public: bool,
}

fn ops() -> Vec<Op> {
    let case_id = || path_id("The case id.");
    let contact_id = || path_id("The contact id.");
    let quarantine_id = || path_id("The quarantine entry id.");
    let case_example = json!({
        "id": "01956a6e-8f00-7000-8000-000000000001", "reference": "R-1", "number": 1,
        "subject": "Frage zu meinen Rechnungen", "status": "new", "priority": "normal", "tags": [],
        "contact_id": "01956a6e-8f00-7000-8000-000000000002", "owner_id": null, "team_id": null,
        "waiting_since": "2026-03-02T09:00:00Z", "last_message_at": "2026-03-02T09:00:00Z",
        "created_at": "2026-03-02T09:00:00Z", "categories": ["question"], "safeguarding": false, "sla_due_at": null,
        "sla": {"state": "ok", "first_response_due": "2026-03-02T13:00:00Z", "resolution_due": "2026-03-04T09:00:00Z",
            "first_responded_at": null, "resolved_at": null, "paused_since": null, "policy_id": "01956a6e-8f00-7000-8000-00000000001b"},
        "escalation": {"level": 0, "reason": null, "escalated_at": null, "acknowledged_at": null, "acknowledged_by": null},
        "snoozed_until": null
    });
    let report_example = json!({
        "source": "http", "status": "created", "case_id": "01956a6e-8f00-7000-8000-000000000001",
        "message_id": "01956a6e-8f00-7000-8000-000000000003", "contact_id": "01956a6e-8f00-7000-8000-000000000002",
        "quarantine_id": null, "reason": null
    });
    let contact_example = json!({
        "id": "01956a6e-8f00-7000-8000-000000000002", "display_name": "Erika Mustermann", "organisation_id": null,
        "address_form": "formal", "language": "de", "notes": "",
        "identities": [{"kind": "email", "value": "erika@example.de", "failing_since": null}], "attributes": {"vip": "ja"},
        "created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z"
    });
    let mut ops = vec![
        Op {
            method: "get",
            path: "/healthz",
            tag: "Operations",
            summary: "Liveness",
            description: "Answers `ok` while the process runs.",
            parameters: vec![],
            request_body: None,
            responses: json!({"200": {"description": "The process runs.", "content": {"text/plain": {"schema": {"type": "string"}, "example": "ok"}}}}),
            public: true,
        },
        Op {
            method: "get",
            path: "/readyz",
            tag: "Operations",
            summary: "Readiness",
            description: "Ready when the database is reachable and every migration is applied.",
            parameters: vec![],
            request_body: None,
            responses: json!({
                "200": json_response("Ready.", json!({"type": "object", "properties": {"status": {"const": "ready"}}}), json!({"status": "ready"})),
                "503": json_response("Not ready.", schema("Error"), json!({"error": {"code": "not_ready", "message": "the database is not reachable", "fields": []}}))
            }),
            public: true,
        },
        Op {
            method: "get",
            path: "/api/v1/openapi.json",
            tag: "Documentation",
            summary: "This OpenAPI document",
            description: "The OpenAPI 3.1 description of the API.",
            parameters: vec![],
            request_body: None,
            responses: json!({"200": {"description": "The document.", "content": {"application/json": {"schema": {"type": "object"}}}}}),
            public: true,
        },
        Op {
            method: "get",
            path: "/api/v1/docs",
            tag: "Documentation",
            summary: "API reference (HTML)",
            description: "This document rendered as a readable page.",
            parameters: vec![],
            request_body: None,
            responses: json!({"200": {"description": "An HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}}),
            public: true,
        },
        Op {
            method: "get",
            path: "/api/v1/docs.css",
            tag: "Documentation",
            summary: "Stylesheet of the reference page",
            description: "Served separately so the Content-Security-Policy needs no inline styles.",
            parameters: vec![],
            request_body: None,
            responses: json!({"200": {"description": "CSS.", "content": {"text/css": {"schema": {"type": "string"}}}}}),
            public: true,
        },
        Op {
            method: "get",
            path: "/api/v1/cases",
            tag: "Cases",
            summary: "List cases",
            description: "Cases in inbox order: the longest-waiting first, then answered cases by last activity.",
            parameters: vec![
                query(
                    "status",
                    "Comma-separated statuses, e.g. `new,open`.",
                    json!({"type": "string", "example": "new,open"}),
                ),
                query("owner", "`me`, `unowned` or a user id.", json!({"type": "string"})),
                query("team", "A team id.", json!({"type": "string", "format": "uuid"})),
                query("contact", "A contact id.", json!({"type": "string", "format": "uuid"})),
                query(
                    "q",
                    "Full-text search (German stemming: `Rechnung` finds `Rechnungen`).",
                    json!({"type": "string"}),
                ),
                limit_param(),
                cursor_param(),
            ],
            request_body: None,
            responses: with_auth_errors(
                json!({
                    "200": json_response("A page of cases.", page_of("Case"), json!({"items": [case_example.clone()], "next_cursor": null}))
                }),
                &[("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/cases/{id}",
            tag: "Cases",
            summary: "Case detail",
            description: "The case with its contact, owner, messages (with attachments and delivery state) and audit events.",
            parameters: vec![case_id()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The case.", "content": {"application/json": {"schema": schema("CaseDetail")}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "patch",
            path: "/api/v1/cases/{id}",
            tag: "Cases",
            summary: "Change status, priority or tags",
            description: "Only the fields given change; each change is audited.",
            parameters: vec![case_id()],
            request_body: Some(json_body(
                "CasePatch",
                json!({"status": "waiting_on_contact", "priority": "high", "tags": ["rechnung"]}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The changed case.", schema("Case"), case_example.clone())}),
                &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/cases/{id}/reply",
            tag: "Cases",
            summary: "Reply to the contact",
            description: "Queues a reply in the outbox; it is sent by the worker. By default it goes to the address the contact last wrote from. On a safeguarding case the reply is held (`held: true`) until a second person approves it. `draft_id` names the Assist draft the reply started from (`unknown` if it is no draft of this case); the ledger records it as accepted or edited.",
            parameters: vec![case_id()],
            request_body: Some(json_body(
                "ReplyRequest",
                json!({"text": "Guten Tag, anbei die korrigierte Rechnung.", "status": "waiting_on_contact"}),
            )),
            responses: with_auth_errors(
                json!({"202": json_response("Queued for sending.",
                json!({"type": "object", "required": ["message_id", "outbox_id", "held"], "properties": {"message_id": {"type": "string", "format": "uuid"}, "outbox_id": {"type": "string", "format": "uuid"}, "held": {"type": "boolean", "description": "Waits for a second person's approval (safeguarding)."}}}),
                json!({"message_id": "01956a6e-8f00-7000-8000-000000000004", "outbox_id": "01956a6e-8f00-7000-8000-000000000005", "held": false}))}),
                &[
                    ("404", "NotFound"),
                    ("409", "Conflict"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/cases/{id}/notes",
            tag: "Cases",
            summary: "Add an internal note",
            description: "Visible to colleagues only; never sent.",
            parameters: vec![case_id()],
            request_body: Some(json_body("NoteRequest", json!({"text": "Kundin hat telefonisch nachgefragt."}))),
            responses: with_auth_errors(
                json!({"201": json_response("The note.",
                json!({"type": "object", "required": ["message_id"], "properties": {"message_id": {"type": "string", "format": "uuid"}}}),
                json!({"message_id": "01956a6e-8f00-7000-8000-000000000006"}))}),
                &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/cases/{id}/assign",
            tag: "Cases",
            summary: "Hand the case over",
            description: "Sets or clears the owner. Every change of hands needs a handover note (`handover_note_required`), except taking an unowned case for oneself.",
            parameters: vec![case_id()],
            request_body: Some(json_body(
                "AssignRequest",
                json!({"owner_id": "01956a6e-8f00-7000-8000-000000000007", "note": "Bitte Rückruf morgen früh."}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The case.", schema("Case"), case_example.clone())}),
                &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/contacts",
            tag: "Contacts",
            summary: "List contacts",
            description: "Contacts whose name or address contains `q`, in creation order.",
            parameters: vec![
                query("q", "Part of a name or address.", json!({"type": "string"})),
                limit_param(),
                cursor_param(),
            ],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("A page of contacts.", page_of("Contact"), json!({"items": [contact_example.clone()], "next_cursor": null}))}),
                &[("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/contacts",
            tag: "Contacts",
            summary: "Create a contact",
            description: "A new contact with its e-mail addresses; an address that belongs to another contact is `taken`.",
            parameters: vec![],
            request_body: Some(json_body(
                "ContactCreate",
                json!({"display_name": "Erika Mustermann", "emails": ["erika@example.de"], "address_form": "formal", "language": "de"}),
            )),
            responses: with_auth_errors(
                json!({"201": json_response("The contact.", schema("Contact"), contact_example.clone())}),
                &[("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/contacts/{id}",
            tag: "Contacts",
            summary: "Contact detail",
            description: "The contact with its identities, its organisation (`{id, name}`, or null) and its cases (at most 50, in inbox order).",
            parameters: vec![contact_id()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The contact.", "content": {"application/json": {"schema": schema("Contact")}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "patch",
            path: "/api/v1/contacts/{id}",
            tag: "Contacts",
            summary: "Change a contact",
            description: "Only the fields given change; `add_emails` adds addresses; `organisation_id` moves the contact to an organisation, `null` removes it from one.",
            parameters: vec![contact_id()],
            request_body: Some(json_body(
                "ContactPatch",
                json!({"add_emails": ["erika.m@example.org"], "address_form": "informal"}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The contact.", schema("Contact"), contact_example)}),
                &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/search",
            tag: "Search",
            summary: "Full-text search",
            description: "Messages whose subject or text contain every word of `q` (German stemming, umlauts folded).",
            parameters: vec![
                json!({"name": "q", "in": "query", "required": true, "description": "Search words.", "schema": {"type": "string"}}),
                limit_param(),
            ],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("Hits, best first.",
                json!({"type": "object", "properties": {"items": {"type": "array", "items": schema("SearchHit")}}}),
                json!({"items": [{"case_id": "01956a6e-8f00-7000-8000-000000000001", "message_id": "01956a6e-8f00-7000-8000-000000000003", "subject": "Frage zu meinen Rechnungen", "created_at": "2026-03-02T09:00:00Z"}]}))}),
                &[("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/mail",
            tag: "Mail",
            summary: "Ingest one raw e-mail",
            description: "The body is one RFC 5322 message (any content type). A mail that cannot be parsed, or is larger than the configured limit, is quarantined with the reason — never dropped. Bodies larger than twice the limit are refused with 413.",
            parameters: vec![],
            request_body: Some(
                json!({"required": true, "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"},
                "example": "From: Erika <erika@example.de>\r\nSubject: Rechnungen\r\nMessage-ID: <1@example.de>\r\n\r\nGuten Tag ..."}}}),
            ),
            responses: with_auth_errors(
                json!({
                    "201": json_response("A new case was created, or the mail was appended to one.", schema("IngestReport"), report_example.clone()),
                    "200": json_response("The mail was ingested before (same Message-ID).", schema("IngestReport"), json!({"source": "http", "status": "duplicate", "case_id": "01956a6e-8f00-7000-8000-000000000001", "message_id": "01956a6e-8f00-7000-8000-000000000003", "contact_id": "01956a6e-8f00-7000-8000-000000000002", "quarantine_id": null, "reason": null})),
                    "202": json_response("The mail was quarantined.", schema("IngestReport"), json!({"source": "http", "status": "quarantined", "case_id": null, "message_id": null, "contact_id": null, "quarantine_id": "01956a6e-8f00-7000-8000-000000000008", "reason": "message is too large: 2097152 bytes, the limit is 1048576 bytes"}))
                }),
                &[("413", "PayloadTooLarge"), ("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/quarantine",
            tag: "Quarantine",
            summary: "List quarantined mail",
            description: "Held and released entries, oldest first.",
            parameters: vec![limit_param(), cursor_param()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "A page of entries.", "content": {"application/json": {"schema": page_of("QuarantineEntry")}}}}),
                &[("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/quarantine/{id}",
            tag: "Quarantine",
            summary: "One quarantine entry",
            description: "Where the mail came from, why it was held, its size and state.",
            parameters: vec![quarantine_id()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The entry.", "content": {"application/json": {"schema": schema("QuarantineEntry")}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/quarantine/{id}/raw",
            tag: "Quarantine",
            summary: "Download the raw mail",
            description: "The bytes exactly as received, as an `.eml` download.",
            parameters: vec![quarantine_id()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The raw mail.", "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/quarantine/{id}/reingest",
            tag: "Quarantine",
            summary: "Try a quarantined mail again",
            description: "Parses the stored mail again (after a parser fix or a raised limit). On success the entry is released; otherwise it stays held and the report says why.",
            parameters: vec![quarantine_id()],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("The ingest report.", schema("IngestReport"), report_example)}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/attachments/{id}",
            tag: "Attachments",
            summary: "Download an attachment",
            description: "Always a download (`Content-Disposition: attachment`). Only PNG, JPEG, GIF, PDF and plain text keep their type; everything else is `application/octet-stream`.",
            parameters: vec![path_id("The attachment id.")],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The attachment bytes.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
    ];
    ops.extend(directory::ops());
    ops.extend(assist::ops());
    ops.extend(responsibility::ops());
    ops
}

fn build() -> Value {
    let mut paths = Map::new();
    for op in ops() {
        let mut operation = json!({
            "tags": [op.tag],
            "summary": op.summary,
            "description": op.description,
            "operationId": format!("{}_{}", op.method, op.path.trim_start_matches('/').replace(['/', '.', '{', '}'], "_")),
            "parameters": op.parameters,
            "responses": op.responses,
        });
        if let Some(map) = operation.as_object_mut() {
            if let Some(body) = op.request_body {
                map.insert("requestBody".into(), body);
            }
            if op.public {
                map.insert("security".into(), json!([]));
            }
        }
        let entry = paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        if let Some(map) = entry.as_object_mut() {
            map.insert(op.method.to_string(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Resonanz API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON API of Resonanz. Authenticate with `Authorization: Bearer <token>`. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}` with a stable `code`. Lists are paged with an opaque `cursor`. Timestamps are RFC 3339 in UTC."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": "Cases", "description": "Anliegen: the inbox, the case page and what agents do on it."},
            {"name": "Contacts", "description": "People and the addresses they write from."},
            {"name": "Organisations", "description": "Companies and institutions contacts belong to."},
            {"name": "Teams", "description": "Users and teams: the ids to assign cases to and filter them by."},
            {"name": "Search", "description": "Full-text search over messages."},
            {"name": "Mail", "description": "Ingesting e-mail."},
            {"name": "Quarantine", "description": "Mail that could not be processed, kept with the reason."},
            {"name": "Attachments", "description": "Attachment downloads."},
            {"name": "Assist", "description": "What the machine suggests — analyses, reply drafts, routing — always with its confidence and reasons, and what people decided: corrections, four-eyes approval on safeguarding cases, the AI ledger, automatic replies (off by default)."},
            {"name": "Responsibility", "description": "Who takes care of a case, by when, and what happens when nobody does: routing rules and their dry run, SLA policies and business calendars, team leads and availability, escalation and its acknowledgement, handovers, the ownership timeline, follow-ups (Wiedervorlage), the watcher, notifications, satisfaction surveys."},
            {"name": "Documentation", "description": "This reference."},
            {"name": "Operations", "description": "Health checks for load balancers and orchestrators."}
        ],
        "paths": paths,
        "components": components(),
    })
}
