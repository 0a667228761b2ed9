//! The operations on organisations, users and teams; split from `mod.rs` to keep both readable.

use serde_json::{Value, json};

use super::{
    Op, cursor_param, json_body, json_response, limit_param, page_of, path_id, query, schema, with_auth_errors,
};

/// The schemas of these operations, merged into `components.schemas`.
pub(super) fn schemas() -> Value {
    let ts = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    json!({
        "Organisation": {"type": "object", "required": ["id", "name", "domain", "created_at"], "properties": {
            "id": uuid, "name": {"type": "string", "maxLength": 200}, "domain": {"type": ["string", "null"], "example": "example.de"}, "created_at": ts,
            "contacts": {"type": "array", "items": schema("Contact"), "description": "Only in the organisation detail (at most 50)."}
        }},
        "OrganisationRef": {"type": "object", "required": ["id", "name"], "properties": {"id": uuid, "name": {"type": "string"}}},
        "OrganisationCreate": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": {"type": "string", "maxLength": 200}, "domain": {"type": ["string", "null"], "description": "e.g. `example.de`; stored lower-case (`invalid_domain` otherwise)."}}},
        "User": {"type": "object", "required": ["id", "email", "display_name", "role", "team_ids"], "properties": {
            "id": uuid, "email": {"type": "string"}, "display_name": {"type": "string"},
            "role": {"type": "string", "enum": ["admin", "supervisor", "agent"]}, "team_ids": {"type": "array", "items": uuid}}},
        "Team": {"type": "object", "required": ["id", "name", "member_ids", "created_at"], "properties": {
            "id": uuid, "name": {"type": "string"}, "member_ids": {"type": "array", "items": uuid}, "created_at": ts}},
        "TeamCreate": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": {"type": "string", "maxLength": 200}, "member_ids": {"type": "array", "items": uuid}}}
    })
}

pub(super) fn ops() -> Vec<Op> {
    let organisation_example = json!({
        "id": "01956a6e-8f00-7000-8000-000000000009", "name": "Stadtwerke Musterstadt GmbH",
        "domain": "stadtwerke-musterstadt.de", "created_at": "2026-03-02T09:00:00Z"
    });
    let team_example = json!({
        "id": "01956a6e-8f00-7000-8000-00000000000a", "name": "Zuschauerservice",
        "member_ids": ["01956a6e-8f00-7000-8000-000000000007"], "created_at": "2026-03-02T09:00:00Z"
    });
    vec![
        Op {
            method: "get",
            path: "/api/v1/organisations",
            tag: "Organisations",
            summary: "List organisations",
            description: "Organisations whose name or domain contains `q`, in creation order.",
            parameters: vec![
                query("q", "Part of a name or domain.", json!({"type": "string"})),
                limit_param(),
                cursor_param(),
            ],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("A page of organisations.", page_of("Organisation"), json!({"items": [organisation_example.clone()], "next_cursor": null}))}),
                &[("422", "ValidationFailed")],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/organisations",
            tag: "Organisations",
            summary: "Create an organisation",
            description: "A name (at most 200 characters) and optionally a domain, stored lower-case. Contacts join it through `organisation_id` on the contact endpoints.",
            parameters: vec![],
            request_body: Some(json_body(
                "OrganisationCreate",
                json!({"name": "Stadtwerke Musterstadt GmbH", "domain": "Stadtwerke-Musterstadt.de"}),
            )),
            responses: with_auth_errors(
                json!({"201": json_response("The organisation.", schema("Organisation"), organisation_example.clone())}),
                &[("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/organisations/{id}",
            tag: "Organisations",
            summary: "Organisation detail",
            description: "The organisation with its contacts (at most 50, in creation order).",
            parameters: vec![path_id("The organisation id.")],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": {"description": "The organisation.", "content": {"application/json": {"schema": schema("Organisation")}}}}),
                &[("404", "NotFound")],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/users",
            tag: "Teams",
            summary: "List users",
            description: "Every user, by display name, with the ids of their teams: the ids to assign cases to.",
            parameters: vec![],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("All users.", items_of("User"), json!({"items": [{
                    "id": "01956a6e-8f00-7000-8000-000000000007", "email": "anna.agentin@example.de",
                    "display_name": "Anna Agentin", "role": "agent", "team_ids": ["01956a6e-8f00-7000-8000-00000000000a"]
                }]}))}),
                &[],
            ),
            public: false,
        },
        Op {
            method: "get",
            path: "/api/v1/teams",
            tag: "Teams",
            summary: "List teams",
            description: "Every team, by name, with the ids of its members: the ids to filter cases by (`team`).",
            parameters: vec![],
            request_body: None,
            responses: with_auth_errors(
                json!({"200": json_response("All teams.", items_of("Team"), json!({"items": [team_example.clone()]}))}),
                &[],
            ),
            public: false,
        },
        Op {
            method: "post",
            path: "/api/v1/teams",
            tag: "Teams",
            summary: "Create a team",
            description: "Admins and supervisors only (others get 403 `forbidden`). A member id that names no user is `unknown_user`; a name in use is `taken`.",
            parameters: vec![],
            request_body: Some(json_body(
                "TeamCreate",
                json!({"name": "Zuschauerservice", "member_ids": ["01956a6e-8f00-7000-8000-000000000007"]}),
            )),
            responses: with_auth_errors(
                json!({"201": json_response("The team.", schema("Team"), team_example)}),
                &[
                    ("403", "Forbidden"),
                    ("409", "Conflict"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            public: false,
        },
    ]
}

/// A complete, unpaged list.
fn items_of(item: &str) -> Value {
    json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema(item)}}})
}
