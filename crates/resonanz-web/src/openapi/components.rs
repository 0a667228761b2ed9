//! The reusable parts of the OpenAPI document: schemas, error responses, the security scheme.

use serde_json::{Value, json};

use super::{assist, directory, json_response, responsibility, schema};

fn error_response(description: &str, code: &str, message: &str, fields: Value) -> Value {
    json_response(description, schema("Error"), json!({"error": {"code": code, "message": message, "fields": fields}}))
}

pub(super) fn components() -> Value {
    let ts = json!({"type": "string", "format": "date-time"});
    let ts_null = json!({"type": ["string", "null"], "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let uuid_null = json!({"type": ["string", "null"], "format": "uuid"});
    let str_null = json!({"type": ["string", "null"]});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let status = json!({"type": "string", "enum": ["new", "open", "waiting_on_contact", "waiting_on_third_party", "resolved", "closed"]});
    let priority = json!({"type": "string", "enum": ["low", "normal", "high", "urgent"]});
    let address_form = json!({"type": "string", "enum": ["formal", "informal"]});
    let attributes = json!({"type": "object", "additionalProperties": {"type": "string"}, "example": {"vip": "ja"},
        "description": "Free attributes routing rules can read as `contact.<key>`."});
    let mut all = json!({
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API token made with `resonanz user token`."}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
                "code": {"type": "string", "description": "Stable machine code: unauthorized, forbidden, not_found, invalid_id, validation_failed, invalid_json, unsupported_media_type, payload_too_large, conflict, method_not_allowed, internal, not_ready, drafts_unavailable."},
                "message": {"type": "string", "description": "For people; may change."},
                "fields": {"type": "array", "items": schema("FieldError")}
            }}}},
            "FieldError": {"type": "object", "required": ["field", "code", "message"], "properties": {
                "field": {"type": "string", "description": "The field, e.g. `emails[0]`."},
                "code": {"type": "string", "description": "e.g. required, too_long, invalid_email, invalid_domain, invalid_id, taken, unknown_user, unknown_organisation, handover_note_required, unknown_category, out_of_range, not_allowed, unknown, invalid_date, invalid_bucket."},
                "message": {"type": "string"}
            }},
            "Case": {"type": "object", "properties": {
                "id": uuid, "reference": {"type": "string", "example": "R-1"}, "number": {"type": "integer"}, "subject": {"type": "string"},
                "status": status, "priority": priority, "tags": strings, "contact_id": uuid, "owner_id": uuid_null, "team_id": uuid_null,
                "waiting_since": ts_null, "last_message_at": ts, "created_at": ts,
                "categories": strings, "safeguarding": {"type": "boolean", "description": "Under the safeguarding protocol."},
                "sla_due_at": {"type": ["string", "null"], "format": "date-time", "description": "The safeguarding protocol's deadline (also in `sla.first_response_due`)."},
                "sla": schema("Sla"), "escalation": schema("EscalationState"),
                "snoozed_until": {"type": ["string", "null"], "format": "date-time", "description": "Snoozed (Wiedervorlage) until then: out of the inbox views."}
            }},
            "UserRef": {"type": "object", "properties": {"id": uuid, "display_name": {"type": "string"}, "email": {"type": "string"}}},
            "Identity": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["email", "phone", "handle"]}, "value": {"type": "string"}, "failing_since": ts_null}},
            "CaseContact": {"type": "object", "properties": {"id": uuid, "display_name": {"type": "string"}, "address_form": address_form, "language": {"type": "string"},
                "identities": {"type": "array", "items": schema("Identity")}, "organisation": {"oneOf": [schema("OrganisationRef"), {"type": "null"}]}}},
            "Attachment": {"type": "object", "properties": {"id": uuid, "filename": {"type": "string"}, "content_type": {"type": "string"}, "size": {"type": "integer"},
                "sha256": {"type": "string"}, "inline": {"type": "boolean"}, "content_id": str_null}},
            "Message": {"type": "object", "properties": {
                "id": uuid, "direction": {"type": "string", "enum": ["inbound", "outbound", "note"]},
                "author_kind": {"type": "string", "enum": ["contact", "agent", "automation"]},
                "from": str_null, "from_name": str_null, "to": strings, "cc": strings, "subject": {"type": "string"},
                "date": ts_null, "created_at": ts, "text_body": {"type": "string"},
                "html_body": {"type": ["string", "null"], "description": "Sanitised HTML."}, "has_remote_images": {"type": "boolean"},
                "auto_kind": {"type": "string", "enum": ["none", "auto_reply", "bounce"]}, "message_id_header": str_null, "in_reply_to": str_null,
                "delivery": {"type": ["string", "null"], "enum": ["pending", "sent", "failed", "held", "cancelled", null], "description": "`held`: waits for approval; `cancelled`: the approval was refused."},
                "attachments": {"type": "array", "items": schema("Attachment")},
                "analysis": {"oneOf": [schema("Analysis"), {"type": "null"}], "description": "Inbound messages: the machine's analysis."},
                "approval": {"oneOf": [schema("Approval"), {"type": "null"}], "description": "Replies on safeguarding cases: the second person's approval."}
            }},
            "Event": {"type": "object", "properties": {"seq": {"type": "integer"}, "at": ts, "actor": {"type": "string", "example": "user:01956a6e-…"},
                "action": {"type": "string", "example": "case.status_changed"}, "before": {}, "after": {}}},
            "CaseDetail": {"type": "object", "properties": {
                "id": uuid, "reference": {"type": "string"}, "number": {"type": "integer"}, "subject": {"type": "string"}, "status": status,
                "priority": priority, "tags": strings, "channel": {"type": "string"}, "created_at": ts, "updated_at": ts, "waiting_since": ts_null,
                "owner": {"oneOf": [schema("UserRef"), {"type": "null"}]}, "team_id": uuid_null,
                "categories": strings, "safeguarding": {"type": "boolean"}, "sla_due_at": ts_null,
                "sla": schema("Sla"), "escalation": schema("EscalationState"), "snoozed_until": ts_null,
                "contact": {"oneOf": [schema("CaseContact"), {"type": "null"}]},
                "messages": {"type": "array", "items": schema("Message")}, "events": {"type": "array", "items": schema("Event")}
            }},
            "Contact": {"type": "object", "properties": {
                "id": uuid, "display_name": {"type": "string"}, "organisation_id": uuid_null, "address_form": address_form, "language": {"type": "string"},
                "notes": {"type": "string"}, "identities": {"type": "array", "items": schema("Identity")},
                "attributes": attributes.clone(), "created_at": ts, "updated_at": ts,
                "organisation": {"oneOf": [schema("OrganisationRef"), {"type": "null"}], "description": "Only in the contact detail."},
                "cases": {"type": "array", "items": schema("Case"), "description": "Only in the contact detail."}
            }},
            "ContactCreate": {"type": "object", "required": ["display_name"], "additionalProperties": false, "properties": {
                "display_name": {"type": "string"}, "emails": strings, "address_form": address_form, "language": {"type": "string"}, "notes": {"type": "string"},
                "attributes": attributes,
                "organisation_id": {"type": ["string", "null"], "format": "uuid", "description": "An existing organisation (`unknown_organisation` otherwise)."}}},
            "ContactPatch": {"type": "object", "additionalProperties": false, "properties": {
                "display_name": {"type": "string"}, "add_emails": strings, "address_form": address_form, "language": {"type": "string"}, "notes": {"type": "string"},
                "attributes": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Replaces every attribute."},
                "organisation_id": {"type": ["string", "null"], "format": "uuid", "description": "An existing organisation; `null` removes the contact from its organisation."}}},
            "ReplyRequest": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {
                "text": {"type": "string"}, "to": strings, "cc": strings, "status": status,
                "draft_id": {"type": ["string", "null"], "format": "uuid", "description": "The `suggestion_id` of the draft the reply started from."}}},
            "NoteRequest": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {"text": {"type": "string"}}},
            "CasePatch": {"type": "object", "additionalProperties": false, "properties": {"status": status, "priority": priority, "tags": strings, "team_id": uuid_null}},
            "AssignRequest": {"type": "object", "additionalProperties": false, "properties": {"owner_id": uuid_null, "note": {"type": "string"}}},
            "SearchHit": {"type": "object", "properties": {"case_id": uuid, "message_id": uuid, "subject": {"type": "string"}, "created_at": ts}},
            "IngestReport": {"type": "object", "properties": {"source": {"type": "string"}, "status": {"type": "string", "enum": ["created", "appended", "duplicate", "quarantined"]},
                "case_id": uuid_null, "message_id": uuid_null, "contact_id": uuid_null, "quarantine_id": uuid_null, "reason": str_null}},
            "QuarantineEntry": {"type": "object", "properties": {"id": uuid, "source": {"type": "string"}, "reason": {"type": "string"}, "raw_sha256": {"type": "string"},
                "size": {"type": "integer"}, "mailbox_id": uuid_null, "status": {"type": "string", "enum": ["held", "released"]}, "created_at": ts, "released_at": ts_null}}
        },
        "responses": {
            "Unauthorized": error_response("No or an unknown API token.", "unauthorized", "a valid API token is required (Authorization: Bearer …)", json!([])),
            "NotFound": error_response("No such resource (`not_found`), or the id is not a UUID (`invalid_id`).", "not_found", "case not found", json!([])),
            "ValidationFailed": error_response("Invalid fields (`validation_failed`) or a body that is not the expected JSON (`invalid_json`).", "validation_failed", "the request has invalid fields",
                json!([{"field": "emails[0]", "code": "invalid_email", "message": "'erika' is not an e-mail address (no @)"}])),
            "UnsupportedMediaType": error_response("The body is not sent as application/json.", "unsupported_media_type", "expected a request body with Content-Type: application/json", json!([])),
            "Forbidden": error_response("The user's role does not allow this.", "forbidden", "only admins and supervisors may create teams", json!([])),
            "Conflict": error_response("The request conflicts with the current state.", "conflict", "no mailbox is configured to send from", json!([])),
            "PayloadTooLarge": error_response("The body is too large.", "payload_too_large", "the request body is too large", json!([])),
            "Internal": error_response("An internal error; the cause is logged, not shown.", "internal", "an internal error occurred", json!([]))
        }
    });
    // Added separately: one `json!` with every schema exceeds the macro's recursion limit.
    if let Some(schemas) = all.get_mut("schemas").and_then(Value::as_object_mut) {
        for more in [directory::schemas(), assist::schemas(), responsibility::schemas()] {
            if let Value::Object(more) = more {
                schemas.extend(more);
            }
        }
    }
    all
}
