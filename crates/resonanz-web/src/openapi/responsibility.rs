//! The operations and schemas of responsibility: routing rules and their dry run, SLA policies,
//! business calendars and holidays, team leads and availability, escalation and its
//! acknowledgement, handovers, the ownership timeline, follow-ups, the watcher, notifications and
//! their preferences, satisfaction surveys; split from `mod.rs` to keep both readable.

use resonanz_core::notify::{Delivery, KINDS};
use resonanz_core::responsibility::{EscalationSource, MAX_LEVEL};
use resonanz_core::routing::{Availability, FIELDS, Trigger};
use resonanz_core::sla::{MAX_TARGET_MINUTES, SlaState};
use serde_json::{Map, Value, json};

use super::{Op, json_body, json_response, path_id, query, schema, with_auth_errors};

const EX_CASE: &str = "01956a6e-8f00-7000-8000-000000000001";
const EX_CONTACT: &str = "01956a6e-8f00-7000-8000-000000000002";
const EX_USER: &str = "01956a6e-8f00-7000-8000-000000000007";
const EX_LEAD: &str = "01956a6e-8f00-7000-8000-00000000000b";
const EX_TEAM: &str = "01956a6e-8f00-7000-8000-00000000000a";
const EX_TEAM_TR: &str = "01956a6e-8f00-7000-8000-000000000016";
const EX_RULE: &str = "01956a6e-8f00-7000-8000-000000000010";
const EX_RULE_2: &str = "01956a6e-8f00-7000-8000-000000000017";
const EX_POLICY: &str = "01956a6e-8f00-7000-8000-000000000011";
const EX_ESCALATION: &str = "01956a6e-8f00-7000-8000-000000000012";
const EX_FOLLOW_UP: &str = "01956a6e-8f00-7000-8000-000000000013";
const EX_NOTIFICATION: &str = "01956a6e-8f00-7000-8000-000000000014";
const EX_SURVEY: &str = "01956a6e-8f00-7000-8000-000000000015";

fn items_of(item: &str) -> Value {
    json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema(item)}}})
}

fn field_error(field: &str, code: &str, message: &str) -> Value {
    json!({"error": {"code": "validation_failed", "message": "the request has invalid fields",
        "fields": [{"field": field, "code": code, "message": message}]}})
}

fn error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "fields": []}})
}

/// The condition fields with the operators each kind of field takes, for the schema descriptions.
fn condition_description() -> String {
    format!(
        "One test on a fact of the case: `{{\"field\", \"op\", \"value\"}}`. Text is compared case-insensitively.\n\n\
         **Fields** ({}):\n\
         - one value — `channel`, `mailbox` (the receiving address), `language` (of the newest analysed message, else the contact's; primary tag such as `de`, `tr`), \
         `sentiment` (`negative`, `neutral`, `positive`), `urgency` (`low`, `normal`, `high`, `critical`), `contact.email`, `contact.domain`, `contact.organisation` (its name), \
         `contact.<attribute>` (a contact attribute, e.g. `contact.vip`), `status`, `priority`, `team` (its id or its name): \
         `equals`, `not_equals`, `in`, `not_in`, `contains`, `not_contains`, `contains_any`, `matches`, `is_set`, `is_not_set`;\n\
         - text — `subject`, `body` (the newest inbound message), `text` (subject or body): \
         `equals`, `not_equals`, `contains`, `not_contains`, `contains_any` (whole words: `rat` does not match `Beratung`), `matches`, `is_set`, `is_not_set`;\n\
         - lists — `category` (Assist's categories), `tags`: `contains`, `not_contains`, `contains_any`, `is_set`, `is_not_set`;\n\
         - yes/no — `safeguarding`, `distressing` (sensitive, safeguarding or threat), `owned`, `time.business_hours`: `equals`, `not_equals` with `true` or `false`;\n\
         - numbers — `escalation_level`, `time.weekday` (1 = Monday … 7 = Sunday; `Mo`, `Montag` or `monday` work too), \
         `time.hour` (0–23, the organisation's time zone): `equals`, `not_equals`, `in`, `not_in`, `gte`, `lte`.\n\n\
         **Values**: `in`, `not_in` and `contains_any` take a list; `is_set` and `is_not_set` none; `matches` a regular expression \
         (case-insensitive, at most 500 characters). A rule is checked when saved, and errors name the spot: \
         `conditions.all[0].field` / `unknown_field` (\"unknown field \\\"sprache\\\"; known fields: channel, mailbox, …\"), \
         `conditions.any[1].value` / `invalid_regex` (\"not a valid regular expression: error: unclosed group\"), \
         `…op` / `unsupported_operator` (\"gte cannot be used with field language\"), `…value` / `invalid_value` (\"language in needs a list of values\"). \
         An operator that does not exist is not JSON of the expected shape (`invalid_json`).",
        FIELDS.join(", ")
    )
}

/// The schemas of these operations, merged into `components.schemas`.
pub(crate) fn schemas() -> Value {
    let ts = json!({"type": "string", "format": "date-time"});
    let ts_null = json!({"type": ["string", "null"], "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let uuid_null = json!({"type": ["string", "null"], "format": "uuid"});
    let str_null = json!({"type": ["string", "null"]});
    let priority = json!({"type": "string", "enum": ["low", "normal", "high", "urgent"]});
    let trigger = json!({"type": "string", "enum": Trigger::ALL.map(Trigger::as_str)});
    let owner_strategy = json!({"type": "string", "enum": ["round_robin", "fewest_open", "previous_owner"],
        "description": "`round_robin`: in turn through the team; `fewest_open`: whoever owns the fewest open cases; `previous_owner`: whoever last had a case of this contact, if they can take it now, else the fewest open."});
    let level = json!({"type": "integer", "minimum": 0, "maximum": MAX_LEVEL});
    let category = json!({"type": "string", "enum": resonanz_core::assist::CATEGORIES});
    let delivery = json!({"type": "string", "enum": Delivery::ALL.map(Delivery::as_str)});
    let kind = json!({"type": "string", "enum": KINDS.map(|(k, _, _)| k)});
    let minutes = json!({"type": "integer", "minimum": 1, "maximum": MAX_TARGET_MINUTES});
    let calendar_null = json!({"oneOf": [schema("Calendar"), {"type": "null"}]});
    let rule_properties = json!({
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "enabled": {"type": "boolean", "default": true},
        "triggers": {"type": "array", "items": trigger, "description": "When the rule is looked at: `created` (a new case), `message` (a new inbound message on a case), `analysed` (Assist analysed a message: categories, language and sentiment are known), `updated` (a person changed status, priority, tags or team). Default on create: `created` and `analysed`; on change: as before."},
        "conditions": schema("Conditions"),
        "actions": schema("RuleActions"),
        "stop": {"type": "boolean", "default": false, "description": "No later rule runs once this one matched."},
        "ordinal": {"type": "integer", "description": "Position: rules run in ascending order. Default on create: after the last rule; on change: as before."}
    });
    let mut s = Map::new();
    s.insert(
        "Condition".into(),
        json!({"type": "object", "required": ["field", "op"], "additionalProperties": false, "description": condition_description(), "properties": {
            "field": {"type": "string", "examples": FIELDS.map(|f| if f == "contact.<attribute>" { "contact.vip" } else { f })},
            "op": {"type": "string", "enum": ["equals", "not_equals", "in", "not_in", "contains", "not_contains", "contains_any", "matches", "gte", "lte", "is_set", "is_not_set"]},
            "value": {"description": "A string, number, boolean or list, as the operator needs; left out for `is_set` / `is_not_set`."}
        }}),
    );
    s.insert(
        "Conditions".into(),
        json!({"type": "object", "description": "Every condition in `all` must hold; if `any` is not empty, at least one of those too. At most 50 conditions; a rule without conditions matches every case.", "properties": {
            "all": {"type": "array", "items": schema("Condition"), "default": []},
            "any": {"type": "array", "items": schema("Condition"), "default": []}
        }}),
    );
    s.insert(
        "NotifyTarget".into(),
        json!({"type": "object", "required": ["to"], "properties": {
            "to": {"type": "string", "enum": ["owner", "team_lead", "team", "supervisors", "user"]},
            "user_id": {"type": "string", "format": "uuid", "description": "Only with `\"to\": \"user\"` (`unknown_user` if nobody has this id)."}
        }}),
    );
    s.insert(
        "RuleActions".into(),
        json!({"type": "object", "description": "What a matching rule does; at least one action (`actions` / `required`). Fields without an action are left out of answers. When several rules match, later ones win for team, priority and owner; tags and notifications add up. A case under the safeguarding protocol keeps its team.", "properties": {
            "team_id": {"type": "string", "format": "uuid", "description": "Move the case to this team (`actions.team_id` / `unknown_team`)."},
            "priority": priority,
            "add_tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 60}},
            "owner": owner_strategy,
            "notify": {"type": "array", "items": schema("NotifyTarget")}
        }}),
    );
    s.insert(
        "RoutingRuleRequest".into(),
        json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": rule_properties}),
    );
    let mut rule = rule_properties.clone();
    if let Some(map) = rule.as_object_mut() {
        let more = json!({
            "id": uuid,
            "created_at": ts, "updated_at": ts, "updated_by": uuid_null,
            "error_count": {"type": "integer", "description": "How often the rule failed at run time since it was last changed; each time it was skipped and the case went on."},
            "last_error": str_null, "last_error_at": ts_null
        });
        if let Value::Object(more) = more {
            map.extend(more);
        }
    }
    s.insert(
        "RoutingRule".into(),
        json!({"type": "object", "required": ["id", "ordinal", "name", "enabled", "triggers", "conditions", "actions", "stop", "created_at", "updated_at", "updated_by", "error_count", "last_error", "last_error_at"],
            "description": "An ordered rule that sets team, priority, tags and owner of a case and tells people about it. See `Condition` for the fields and operators.",
            "properties": rule}),
    );
    s.insert(
        "DryRunRequest".into(),
        json!({"type": "object", "required": ["case_id"], "additionalProperties": false, "properties": {
            "case_id": {"type": "string", "format": "uuid", "description": "A case the caller may see (`invalid_id` if not a UUID)."},
            "trigger": {"type": "string", "enum": Trigger::ALL.map(Trigger::as_str), "default": "created"},
            "rule": {"allOf": [schema("RoutingRuleRequest")], "description": "A rule not yet saved, tried alone (checked like a saved one). Without it, the saved rules are tried."}
        }}),
    );
    s.insert(
        "RuleMatch".into(),
        json!({"type": "object", "required": ["rule_id", "name", "because", "actions"], "properties": {
            "rule_id": uuid, "name": {"type": "string"},
            "because": {"type": "array", "items": {"type": "string"}, "description": "The conditions that held, as `field op value`."},
            "actions": schema("RuleActions")
        }}),
    );
    s.insert(
        "Assignment".into(),
        json!({"type": "object", "required": ["chosen", "strategy", "fell_back", "skipped"], "properties": {
            "chosen": {"type": ["string", "null"], "format": "uuid", "description": "Null when nobody can take the case now: it stays with the team, unowned."},
            "strategy": owner_strategy,
            "fell_back": {"type": "boolean", "description": "`previous_owner` fell back to `fewest_open`."},
            "skipped": {"type": "array", "items": {"type": "object", "properties": {
                "user_id": uuid,
                "why": {"type": "string", "enum": ["inactive", "away", "absent", "language", "cap"], "description": "`language`: does not speak the contact's language while colleagues do; `cap`: reached the daily cap of distressing cases."}
            }}}
        }}),
    );
    s.insert(
        "DryRun".into(),
        json!({"type": "object", "required": ["case_id", "trigger", "matches", "actions", "assignment", "failed"], "properties": {
            "case_id": uuid, "trigger": trigger,
            "matches": {"type": "array", "items": schema("RuleMatch"), "description": "In order; evaluation stops after a matching `stop` rule."},
            "actions": schema("RuleActions"),
            "assignment": {"oneOf": [schema("Assignment"), {"type": "null"}], "description": "Whom the owner strategy would pick now; null when no rule picks an owner or the case has one."},
            "failed": {"type": "array", "items": {"type": "object", "properties": {"rule_id": uuid, "error": {"type": "string"}}}, "description": "Saved rules that could not be evaluated."}
        }}),
    );
    let policy_properties = json!({
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "enabled": {"type": "boolean", "default": true},
        "team_id": {"type": ["string", "null"], "format": "uuid", "description": "Filter: only cases of this team; null: any."},
        "priority": {"type": ["string", "null"], "enum": ["low", "normal", "high", "urgent", null], "description": "Filter; null: any."},
        "category": {"type": ["string", "null"], "enum": resonanz_core::assist::CATEGORIES.iter().map(|c| json!(c)).chain([Value::Null]).collect::<Vec<_>>(), "description": "Filter: cases with this category; null: any."},
        "first_response_minutes": minutes,
        "resolution_minutes": minutes,
        "warn_before_minutes": {"type": "integer", "minimum": 0, "default": 0, "description": "A warning is raised this many business minutes before a target; less than the first-response target."},
        "ordinal": {"type": "integer", "description": "The first enabled policy in ascending order whose filters all match applies."}
    });
    s.insert(
        "SlaPolicyRequest".into(),
        json!({"type": "object", "required": ["name", "first_response_minutes", "resolution_minutes"], "additionalProperties": false, "properties": policy_properties}),
    );
    let mut policy = policy_properties.clone();
    if let Some(map) = policy.as_object_mut() {
        map.insert("id".into(), uuid.clone());
        map.insert("created_at".into(), ts.clone());
        map.insert("updated_at".into(), ts.clone());
    }
    s.insert(
        "SlaPolicy".into(),
        json!({"type": "object", "description": "Targets in business minutes of the case team's calendar (or the organisation's). While a case waits on the contact the clock stands still.", "properties": policy}),
    );
    s.insert(
        "Calendar".into(),
        json!({"type": "object", "required": ["time_zone", "hours"], "description": "A business calendar (CalendarSpec): opening hours in a time zone, German public holidays (nationwide and of one federal state) and closures. Errors name the part: `calendar.time_zone`, `calendar.hours`, `calendar.state`, `calendar.closures`, all with code `invalid_calendar`, e.g. \"unknown day \\\"Mx\\\" in \\\"Mx-Fr 08:00-18:00\\\" (use Mo Di Mi Do Fr Sa So or Mo Tu We Th Fr Sa Su)\".", "properties": {
            "time_zone": {"type": "string", "example": "Europe/Berlin", "description": "An IANA time zone name."},
            "hours": {"type": "string", "example": "Mo-Fr 08:00-18:00; Sa 09:00-13:00", "description": "Groups separated by `;`: days (`Mo Di Mi Do Fr Sa So` or `Mo Tu We Th Fr Sa Su`, ranges `Mo-Fr`, lists `Mo,Mi`) and times `HH:MM-HH:MM`, several separated by commas (`08:00-12:00,13:00-17:00`); `24:00` may end an interval. `Mo-So 00:00-24:00` is open around the clock."},
            "state": {"type": ["string", "null"], "enum": resonanz_calendar::State::ALL.map(|s| json!(s.code())).into_iter().chain([Value::Null]).collect::<Vec<_>>(), "description": "Federal state whose holidays apply in addition to the nationwide ones."},
            "closures": {"type": "array", "default": [], "items": {"type": "object", "required": ["from", "to", "name"], "properties": {
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date", "description": "Inclusive; not before `from`."}, "name": {"type": "string"}}}},
            "holidays": {"type": "boolean", "default": true, "description": "Observe public holidays."}
        }}),
    );
    s.insert(
        "Holidays".into(),
        json!({"type": "object", "required": ["state", "year", "items"], "properties": {
            "state": str_null, "year": {"type": "integer"},
            "items": {"type": "array", "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "name": {"type": "string"}}}}
        }}),
    );
    s.insert(
        "TeamPatch".into(),
        json!({"type": "object", "additionalProperties": false, "description": "Only the fields given change.", "properties": {
            "lead_user_id": {"type": ["string", "null"], "format": "uuid", "description": "The team lead: an active member of the team (`not_a_member` otherwise); null: no lead. Supervisors and administrators."},
            "calendar": {"oneOf": [schema("Calendar"), {"type": "null"}], "description": "The team's own business calendar; null: the organisation's. Administrators."}
        }}),
    );
    s.insert(
        "TeamResponsibility".into(),
        json!({"type": "object", "required": ["id", "name", "lead_user_id", "calendar"], "properties": {
            "id": uuid, "name": {"type": "string"}, "lead_user_id": uuid_null,
            "calendar": calendar_null
        }}),
    );
    s.insert(
        "AvailabilityRequest".into(),
        json!({"type": "object", "required": ["availability"], "additionalProperties": false, "properties": {
            "availability": {"type": "string", "enum": Availability::ALL.map(Availability::as_str), "description": "`present`: takes new cases; `away`: briefly not (a meeting); `absent`: leave or illness."},
            "absent_until": {"type": ["string", "null"], "format": "date-time", "description": "Only kept with `absent`: back from then on."},
            "languages": {"type": "array", "maxItems": 20, "items": {"type": "string", "example": "tr"}, "description": "Replaces the languages spoken (primary tags such as `de`, `en`, `tr`); left out: unchanged. Assignment prefers people who speak the contact's language."},
            "distressing_cap": {"type": ["integer", "null"], "minimum": 0, "maximum": 100, "description": "Own daily cap on distressing cases; null: the organisation's. Administrators only; left out: unchanged."}
        }}),
    );
    s.insert(
        "Availability".into(),
        json!({"type": "object", "required": ["id", "availability", "absent_until", "languages", "distressing_cap"], "properties": {
            "id": uuid, "availability": {"type": "string", "enum": Availability::ALL.map(Availability::as_str)}, "absent_until": ts_null,
            "languages": {"type": "array", "items": {"type": "string"}}, "distressing_cap": {"type": ["integer", "null"]}
        }}),
    );
    s.insert(
        "Sla".into(),
        json!({"type": "object", "required": ["state", "first_response_due", "resolution_due", "first_responded_at", "resolved_at", "paused_since", "policy_id"], "description": "The case's service level clock.", "properties": {
            "state": {"type": "string", "enum": SlaState::ALL.map(SlaState::as_str), "description": "`none`: no policy applies; `warning`: a target is near; `breached`: a target was missed; `paused`: waiting on the contact; `met`: every target was met."},
            "first_response_due": ts_null, "resolution_due": ts_null, "first_responded_at": ts_null, "resolved_at": ts_null,
            "paused_since": {"type": ["string", "null"], "format": "date-time", "description": "Waiting on the contact since then: the clock stands still."},
            "policy_id": uuid_null
        }}),
    );
    s.insert(
        "EscalationState".into(),
        json!({"type": "object", "required": ["level", "reason", "escalated_at", "acknowledged_at", "acknowledged_by"], "description": "The case's current escalation.", "properties": {
            "level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "description": "0: none; 1: the team lead (or the supervisors if the team has none); 2: the supervisors."},
            "reason": str_null, "escalated_at": ts_null,
            "acknowledged_at": {"type": ["string", "null"], "format": "date-time", "description": "Null while nobody at the level has taken it on."},
            "acknowledged_by": uuid_null
        }}),
    );
    s.insert(
        "EscalateRequest".into(),
        json!({"type": "object", "required": ["level", "reason"], "additionalProperties": false, "properties": {
            "level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "description": "The new level; lower than now de-escalates, 0 ends the escalation."},
            "reason": {"type": "string", "minLength": 1, "maxLength": 2000}
        }}),
    );
    s.insert(
        "Escalation".into(),
        json!({"type": "object", "required": ["id", "level", "previous_level", "reason", "source", "created_by", "created_at", "acknowledged_by", "acknowledged_at"], "properties": {
            "id": uuid, "level": level, "previous_level": level, "reason": {"type": "string"},
            "source": {"type": "string", "enum": EscalationSource::ALL.map(EscalationSource::as_str), "description": "`contact`: the contact asked for a person or a manager; `handover`: a handover nobody acknowledged."},
            "created_by": {"type": ["string", "null"], "format": "uuid", "description": "Null when the system escalated."},
            "created_at": ts, "acknowledged_by": uuid_null,
            "acknowledged_at": {"type": ["string", "null"], "format": "date-time", "description": "A de-escalation counts as acknowledged when made."}
        }}),
    );
    s.insert(
        "Ownership".into(),
        json!({"type": "object", "required": ["user_id", "from", "until", "seconds", "source", "by_user_id", "note"], "description": "One stretch of ownership.", "properties": {
            "user_id": {"type": ["string", "null"], "format": "uuid", "description": "Null: nobody held the case."},
            "from": ts, "until": {"type": ["string", "null"], "format": "date-time", "description": "Null while they still hold it."},
            "seconds": {"type": "integer"},
            "source": {"type": "string", "enum": ["routing", "manual", "take"]},
            "by_user_id": {"type": ["string", "null"], "format": "uuid", "description": "Who handed it over; null for routing."},
            "note": {"type": "string", "description": "The handover note, or the rule that assigned it."}
        }}),
    );
    s.insert(
        "FollowUpRequest".into(),
        json!({"type": "object", "required": ["kind", "due_at"], "additionalProperties": false, "properties": {
            "kind": {"type": "string", "enum": ["snooze", "task"], "description": "`snooze`: the case leaves the inbox views until `due_at` (an earlier open snooze ends); `task`: a reminder, the case stays visible."},
            "due_at": {"type": "string", "format": "date-time", "description": "In the future, at most two years ahead."},
            "note": {"type": "string", "maxLength": 2000, "default": "", "description": "Required for a task."}
        }}),
    );
    s.insert(
        "FollowUp".into(),
        json!({"type": "object", "required": ["id", "case_id", "user_id", "created_by", "kind", "note", "due_at", "created_at", "notified_at", "done_at"], "properties": {
            "id": uuid, "case_id": uuid,
            "user_id": {"type": "string", "format": "uuid", "description": "Whom it returns to: the owner when it was set, or whoever set it on an unowned case."},
            "created_by": uuid, "kind": {"type": "string", "enum": ["snooze", "task"]}, "note": {"type": "string"}, "due_at": ts, "created_at": ts,
            "notified_at": {"type": ["string", "null"], "format": "date-time", "description": "When its person was told that it is due."},
            "done_at": {"type": ["string", "null"], "format": "date-time", "description": "Done or cancelled."}
        }}),
    );
    s.insert(
        "WatchLists".into(),
        json!({"type": "object", "required": ["unowned", "inactive"], "properties": {
            "unowned": {"type": "array", "items": schema("Case"), "description": "Open cases without an owner for longer than `unowned_minutes`."},
            "inactive": {"type": "array", "items": schema("Case"), "description": "Open cases nobody touched for longer than `inactive_hours`."}
        }}),
    );
    s.insert(
        "ResponsibilitySettings".into(),
        json!({"type": "object", "description": "Thresholds and levels of responsibility. A field left out takes its default (shown), not its current value: send the whole object.", "properties": {
            "handover_remind_minutes": {"type": "integer", "minimum": 1, "maximum": 20160, "default": 60, "description": "An unacknowledged handover is reminded after this many minutes …"},
            "handover_escalate_minutes": {"type": "integer", "minimum": 1, "maximum": 43200, "default": 240, "description": "… and escalated to the team lead after this many (not before the reminder: `before_reminder`)."},
            "unowned_minutes": {"type": "integer", "minimum": 1, "maximum": 43200, "default": 120, "description": "The watcher reports open cases without an owner after this many minutes."},
            "inactive_hours": {"type": "integer", "minimum": 1, "maximum": 8760, "default": 48, "description": "The watcher reports open cases nobody touched for this many hours."},
            "sla_warning_level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "default": 1, "description": "The escalation level an SLA warning raises a case to (0: none)."},
            "sla_breach_level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "default": 2},
            "category_levels": {"type": "object", "propertyNames": category, "additionalProperties": level, "default": {"complaint": 1, "threat": 2}, "description": "The escalation level a category raises a case to."},
            "asks_for_person_level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "default": 1, "description": "When the contact asks to talk to a person."},
            "asks_for_manager_level": {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL, "default": 2, "description": "When the contact asks for a manager."},
            "distressing_cap": {"type": "integer", "minimum": 0, "maximum": 100, "default": resonanz_core::routing::DEFAULT_DISTRESSING_CAP, "description": "Daily cap on distressing cases (sensitive, safeguarding, threat) per person without their own."},
            "csat_enabled": {"type": "boolean", "default": false, "description": "Send a satisfaction survey when a case is resolved (never for safeguarding, threat or spam). Needs `public_url`."},
            "csat_valid_days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
            "public_url": {"type": "string", "default": "", "example": "https://resonanz.example.org", "description": "The public address of this installation, for the survey links (`invalid_url` unless http(s))."}
        }}),
    );
    s.insert(
        "Notification".into(),
        json!({"type": "object", "required": ["id", "kind", "case_id", "actor_user_id", "body", "created_at", "read_at"], "properties": {
            "id": uuid, "kind": kind, "case_id": uuid_null,
            "actor_user_id": {"type": ["string", "null"], "format": "uuid", "description": "Who caused it; null for the system."},
            "body": {"type": "string"}, "created_at": ts, "read_at": ts_null
        }}),
    );
    s.insert(
        "Notifications".into(),
        json!({"type": "object", "required": ["unread", "items"], "properties": {
            "unread": {"type": "integer", "description": "All unread notifications, not only those listed."},
            "items": {"type": "array", "maxItems": 100, "items": schema("Notification")}
        }}),
    );
    s.insert(
        "ReadNotificationsRequest".into(),
        json!({"type": "object", "additionalProperties": false, "properties": {
            "ids": {"type": "array", "items": uuid, "description": "The notifications to mark read (`ids[i]` / `invalid_id`); left out: all."}
        }}),
    );
    s.insert(
        "NotificationPreferences".into(),
        json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["kind", "delivery", "default", "can_turn_off"], "properties": {
            "kind": kind,
            "delivery": {"allOf": [delivery.clone()], "description": "Where it goes for this person: `off`, `app` (the notification centre) or `email` (the centre and by e-mail)."},
            "default": delivery,
            "can_turn_off": {"type": "boolean", "description": "Escalations and safeguarding always reach the app, even when set to `off`."}
        }}}}}),
    );
    s.insert(
        "NotificationPreferencesRequest".into(),
        json!({"type": "object", "propertyNames": kind, "additionalProperties": delivery, "description": "Kind → delivery. Replaces every choice: kinds left out go back to their default."}),
    );
    s.insert(
        "Survey".into(),
        json!({"type": "object", "required": ["id", "created_at", "expires_at", "rating", "comment", "answered_at"], "properties": {
            "id": uuid, "created_at": ts, "expires_at": ts,
            "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5}, "comment": str_null, "answered_at": ts_null
        }}),
    );
    s.insert(
        "CsatSummary".into(),
        json!({"type": "object", "required": ["team_id", "sent", "answered", "ratings", "average", "satisfied_share"], "properties": {
            "team_id": {"type": ["string", "null"], "format": "uuid", "description": "Null in `overall`, and for cases without a team."},
            "sent": {"type": "integer"}, "answered": {"type": "integer"},
            "ratings": {"type": "array", "items": {"type": "integer"}, "minItems": 5, "maxItems": 5, "description": "Answers per rating 1 to 5."},
            "average": {"type": ["number", "null"], "description": "Mean rating; null without answers."},
            "satisfied_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "Share of 4 and 5 among the answers (the CSAT score)."}
        }}),
    );
    s.insert(
        "CsatReport".into(),
        json!({"type": "object", "required": ["from", "to", "overall", "teams"], "properties": {
            "from": ts, "to": ts, "overall": schema("CsatSummary"), "teams": {"type": "array", "items": schema("CsatSummary")}
        }}),
    );
    Value::Object(s)
}

fn turkish_rule_body() -> Value {
    json!({"name": "Türkisch → Türkischsprachiger Service", "triggers": ["analysed"],
        "conditions": {"all": [{"field": "language", "op": "equals", "value": "tr"}]},
        "actions": {"team_id": EX_TEAM_TR, "owner": "round_robin"}, "stop": false})
}

fn turkish_rule() -> Value {
    json!({"id": EX_RULE, "ordinal": 10, "name": "Türkisch → Türkischsprachiger Service", "enabled": true, "triggers": ["analysed"],
        "conditions": {"all": [{"field": "language", "op": "equals", "value": "tr"}], "any": []},
        "actions": {"team_id": EX_TEAM_TR, "owner": "round_robin"}, "stop": false,
        "created_at": "2026-03-02T08:00:00Z", "updated_at": "2026-03-02T08:00:00Z", "updated_by": EX_LEAD,
        "error_count": 0, "last_error": null, "last_error_at": null})
}

fn cancellation_rule_body() -> Value {
    json!({"name": "Kündigung oder Widerruf", "triggers": ["created", "message"],
        "conditions": {"all": [{"field": "text", "op": "contains_any", "value": ["kündigung", "widerruf"]}],
            "any": [{"field": "contact.vip", "op": "equals", "value": "ja"}, {"field": "category", "op": "contains", "value": "complaint"}]},
        "actions": {"priority": "high", "add_tags": ["kündigung"], "notify": [{"to": "team_lead"}]}, "stop": true})
}

fn cancellation_rule() -> Value {
    let mut r = cancellation_rule_body();
    if let Some(map) = r.as_object_mut() {
        let more = json!({"id": EX_RULE_2, "ordinal": 20, "enabled": true,
            "created_at": "2026-03-02T08:05:00Z", "updated_at": "2026-03-02T08:05:00Z", "updated_by": EX_LEAD,
            "error_count": 0, "last_error": null, "last_error_at": null});
        if let Value::Object(more) = more {
            map.extend(more);
        }
    }
    r
}

fn policy_body() -> Value {
    json!({"name": "Beschwerden: 4 Stunden", "category": "complaint", "priority": null, "team_id": null,
        "first_response_minutes": 240, "resolution_minutes": 1440, "warn_before_minutes": 60})
}

fn policy() -> Value {
    json!({"id": EX_POLICY, "ordinal": 10, "name": "Beschwerden: 4 Stunden", "enabled": true, "team_id": null, "priority": null,
        "category": "complaint", "first_response_minutes": 240, "resolution_minutes": 1440, "warn_before_minutes": 60,
        "created_at": "2026-03-02T08:00:00Z", "updated_at": "2026-03-02T08:00:00Z"})
}

fn calendar() -> Value {
    json!({"time_zone": "Europe/Berlin", "hours": "Mo-Fr 08:00-18:00; Sa 09:00-13:00", "state": "NW",
        "closures": [{"from": "2026-12-24", "to": "2027-01-01", "name": "Betriebsferien"}], "holidays": true})
}

/// A case as the escalation operations return it.
fn escalated_case(acknowledged: bool) -> Value {
    json!({
        "id": EX_CASE, "reference": "R-1", "number": 1, "subject": "Frage zu meinen Rechnungen", "status": "open",
        "priority": "high", "tags": ["kündigung"], "contact_id": EX_CONTACT, "owner_id": EX_USER, "team_id": EX_TEAM,
        "waiting_since": "2026-03-02T09:00:00Z", "last_message_at": "2026-03-02T09:00:00Z", "created_at": "2026-03-02T09:00:00Z",
        "categories": ["complaint"], "safeguarding": false, "sla_due_at": null,
        "sla": {"state": "warning", "first_response_due": "2026-03-02T13:00:00Z", "resolution_due": "2026-03-04T09:00:00Z",
            "first_responded_at": null, "resolved_at": null, "paused_since": null, "policy_id": EX_POLICY},
        "escalation": {"level": 1, "reason": "Kundin droht mit Kündigung, Rückruf durch die Teamleitung.", "escalated_at": "2026-03-02T10:00:00Z",
            "acknowledged_at": if acknowledged { json!("2026-03-02T10:15:00Z") } else { Value::Null },
            "acknowledged_by": if acknowledged { json!(EX_LEAD) } else { Value::Null }},
        "snoozed_until": null
    })
}

fn follow_up(kind: &str, note: &str, done: bool) -> Value {
    json!({"id": EX_FOLLOW_UP, "case_id": EX_CASE, "user_id": EX_USER, "created_by": EX_USER, "kind": kind, "note": note,
        "due_at": "2026-03-09T08:00:00Z", "created_at": "2026-03-02T09:30:00Z", "notified_at": null,
        "done_at": if done { json!("2026-03-05T11:00:00Z") } else { Value::Null }})
}

fn settings_example() -> Value {
    json!({"handover_remind_minutes": 60, "handover_escalate_minutes": 240, "unowned_minutes": 120, "inactive_hours": 48,
        "sla_warning_level": 1, "sla_breach_level": 2, "category_levels": {"complaint": 1, "threat": 2},
        "asks_for_person_level": 1, "asks_for_manager_level": 2, "distressing_cap": 3,
        "csat_enabled": true, "csat_valid_days": 30, "public_url": "https://resonanz.example.org"})
}

fn prefs_example() -> Value {
    let items: Vec<Value> = KINDS
        .iter()
        .map(|(k, default, optional)| {
            let delivery = if *k == "routed" { "off" } else { default.as_str() };
            json!({"kind": k, "delivery": delivery, "default": default.as_str(), "can_turn_off": optional})
        })
        .collect();
    json!({"items": items})
}

fn op(method: &'static str, path: &'static str, summary: &'static str, description: &'static str) -> Op {
    Op {
        method,
        path,
        tag: "Responsibility",
        summary,
        description,
        parameters: Vec::new(),
        request_body: None,
        responses: json!({}),
        public: false,
    }
}

pub(crate) fn ops() -> Vec<Op> {
    let mut ops = rule_ops();
    ops.extend(sla_ops());
    ops.extend(case_ops());
    ops.extend(people_ops());
    ops
}

/// Routing rules and their dry run.
fn rule_ops() -> Vec<Op> {
    let rule_id = || path_id("The routing rule id.");
    let unknown_field = field_error(
        "conditions.all[0].field",
        "unknown_field",
        &format!("unknown field \"sprache\"; known fields: {}", FIELDS.join(", ")),
    );
    let bad_regex = field_error(
        "conditions.any[0].value",
        "invalid_regex",
        "not a valid regular expression: error: unclosed group",
    );
    let rule_422 = |example: &Value| {
        json_response(
            "Invalid fields, named by their path: an unknown field, a bad regular expression, an operator the field does not take, an unknown team or user, no action.",
            schema("Error"),
            example.clone(),
        )
    };
    vec![
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The rules in order.", items_of("RoutingRule"), json!({"items": [turkish_rule(), cancellation_rule()]}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/routing-rules",
                "List routing rules",
                "Every rule in the order they run (ascending `ordinal`), with its run-time failures (`error_count`, `last_error`). Any signed-in user may read them; only administrators change them.",
            )
        },
        Op {
            request_body: Some(json_body("RoutingRuleRequest", turkish_rule_body())),
            responses: with_auth_errors(
                json!({"201": json_response("The rule.", schema("RoutingRule"), turkish_rule()), "422": rule_422(&unknown_field)}),
                &[("403", "Forbidden"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "post",
                "/api/v1/routing-rules",
                "Create a routing rule",
                "Administrators only (`403` for others). The rule is checked before it is saved: every condition must name a known field with an operator and value that suit it (see the `Condition` schema for fields and operators), regular expressions must compile, the team and users named must exist, and there must be at least one action. Errors name the spot and say what is wrong, e.g. `conditions.all[0].field` / `unknown_field`: \"unknown field \\\"sprache\\\"; known fields: channel, mailbox, language, …\", or `conditions.any[0].value` / `invalid_regex`: \"not a valid regular expression: error: unclosed group\"; an unknown trigger is `triggers[i]` / `unknown_trigger`. Without `triggers` the rule runs on `created` and `analysed`; without `ordinal` it runs last. Rules run on new cases, new messages, Assist's analysis and changes by people; an owner is only picked for a case nobody holds.",
            )
        },
        Op {
            request_body: Some(json_body(
                "DryRunRequest",
                json!({"case_id": EX_CASE, "trigger": "created", "rule": cancellation_rule_body()}),
            )),
            responses: with_auth_errors(
                json!({
                    "200": json_response("What would happen.", schema("DryRun"), json!({
                        "case_id": EX_CASE, "trigger": "created",
                        "matches": [{"rule_id": "01956a6e-8f00-7000-8000-00000000001a", "name": "Kündigung oder Widerruf",
                            "because": ["text contains_any [\"kündigung\",\"widerruf\"]", "contact.vip equals \"ja\""],
                            "actions": {"priority": "high", "add_tags": ["kündigung"], "notify": [{"to": "team_lead"}]}}],
                        "actions": {"priority": "high", "add_tags": ["kündigung"], "notify": [{"to": "team_lead"}]},
                        "assignment": null,
                        "failed": []
                    })),
                    "422": rule_422(&bad_regex)
                }),
                &[("404", "NotFound"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "post",
                "/api/v1/routing-rules/dry-run",
                "Try the rules on a case",
                "Which rules would match the case now for `trigger` (default `created`), why (`because`), what they would do together, and whom the owner strategy would pick (with who was passed over and why). Changes nothing. With `rule`, that unsaved rule is tried alone (under a temporary id) and checked like a saved one, so its mistakes come back as `422` field errors. Anyone who may see the case may call it; `404` for a case the caller may not see. A `case_id` that is not a UUID is `invalid_id`, an unknown trigger `unknown_trigger`.",
            )
        },
        Op {
            parameters: vec![rule_id()],
            responses: with_auth_errors(
                json!({"200": json_response("The rule.", schema("RoutingRule"), turkish_rule())}),
                &[("404", "NotFound")],
            ),
            ..op("get", "/api/v1/routing-rules/{id}", "One routing rule", "Any signed-in user may read it.")
        },
        Op {
            parameters: vec![rule_id()],
            request_body: Some(json_body("RoutingRuleRequest", cancellation_rule_body())),
            responses: with_auth_errors(
                json!({"200": json_response("The changed rule.", schema("RoutingRule"), cancellation_rule()), "422": rule_422(&bad_regex)}),
                &[("403", "Forbidden"), ("404", "NotFound"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/routing-rules/{id}",
                "Change a routing rule",
                "Administrators only. Replaces the rule's name, conditions, actions, `enabled` and `stop`; `triggers` and `ordinal` stay as they were when left out. Checked like a new rule (`422` with the field's path). A changed rule starts with a clean error record.",
            )
        },
        Op {
            parameters: vec![rule_id()],
            responses: with_auth_errors(
                json!({"204": {"description": "Deleted."}}),
                &[("403", "Forbidden"), ("404", "NotFound")],
            ),
            ..op(
                "delete",
                "/api/v1/routing-rules/{id}",
                "Delete a routing rule",
                "Administrators only. Cases it routed keep their team, priority, tags and owner; the audit trail keeps the rule.",
            )
        },
    ]
}

/// SLA policies, calendars and holidays, team leads and availability.
fn sla_ops() -> Vec<Op> {
    let policy_id = || path_id("The SLA policy id.");
    let calendar_422 = json_response(
        "The calendar does not compile; the error names the part.",
        schema("Error"),
        field_error(
            "calendar.hours",
            "invalid_calendar",
            "unknown day \"Mx\" in \"Mx-Fr 08:00-18:00\" (use Mo Di Mi Do Fr Sa So or Mo Tu We Th Fr Sa Su)",
        ),
    );
    let policy_422 = json_response(
        "Invalid fields.",
        schema("Error"),
        field_error(
            "resolution_minutes",
            "before_first_response",
            "the resolution target cannot be shorter than the first-response target",
        ),
    );
    vec![
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The policies in order.", items_of("SlaPolicy"), json!({"items": [policy()]}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/sla-policies",
                "List SLA policies",
                "Every policy in order. A case gets the first enabled policy whose filters (team, priority, category) all match; its targets count business minutes of the team's calendar (or the organisation's), and stand still while the case waits on the contact. Any signed-in user may read them.",
            )
        },
        Op {
            request_body: Some(json_body("SlaPolicyRequest", policy_body())),
            responses: with_auth_errors(
                json!({"201": json_response("The policy.", schema("SlaPolicy"), policy()), "422": policy_422.clone()}),
                &[("403", "Forbidden"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "post",
                "/api/v1/sla-policies",
                "Create an SLA policy",
                "Administrators only. Targets are 1 to 525600 business minutes (`out_of_range`); the resolution target is not shorter than the first-response target (`before_first_response`); the warning comes 0 or more minutes before, less than the first-response target. An unknown team is `unknown_team`, a malformed one `invalid_id`; an unknown priority `invalid_priority`, category `unknown_category`. Open cases are recomputed afterwards.",
            )
        },
        Op {
            parameters: vec![policy_id()],
            request_body: Some(json_body("SlaPolicyRequest", policy_body())),
            responses: with_auth_errors(
                json!({"200": json_response("The changed policy.", schema("SlaPolicy"), policy()), "422": policy_422}),
                &[("403", "Forbidden"), ("404", "NotFound"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/sla-policies/{id}",
                "Change an SLA policy",
                "Administrators only; checked like a new policy. Every open case is recomputed with the new targets (deadlines follow from a formula, so they come out the same however often this runs).",
            )
        },
        Op {
            parameters: vec![policy_id()],
            responses: with_auth_errors(
                json!({"204": {"description": "Deleted; open cases were recomputed."}}),
                &[("403", "Forbidden"), ("404", "NotFound")],
            ),
            ..op(
                "delete",
                "/api/v1/sla-policies/{id}",
                "Delete an SLA policy",
                "Administrators only. Open cases are recomputed: those it applied to get the next matching policy, or none.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("How many open cases were looked at.",
                    json!({"type": "object", "required": ["cases"], "properties": {"cases": {"type": "integer"}}}), json!({"cases": 42}))}),
                &[("403", "Forbidden")],
            ),
            ..op(
                "post",
                "/api/v1/sla/recompute",
                "Recompute every open case's SLA",
                "Administrators only. Re-picks the policy and recomputes due times and state of every open case; changes of state are audited. A case that turns due soon or breached is left to the watcher, whose next tick (within a minute) raises it with its notices and escalation. Saving a policy or a calendar does this already.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The calendar.", schema("Calendar"), calendar())}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/calendar",
                "The organisation's business calendar",
                "The calendar SLA targets count in, unless a team has its own. Until an administrator sets one: Monday to Friday 08:00–18:00 in the server's time zone, nationwide holidays. Any signed-in user may read it.",
            )
        },
        Op {
            request_body: Some(json_body("Calendar", calendar())),
            responses: with_auth_errors(
                json!({"200": json_response("The calendar as saved.", schema("Calendar"), calendar()), "422": calendar_422}),
                &[("403", "Forbidden"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/calendar",
                "Set the organisation's business calendar",
                "Administrators only. A calendar that does not compile is refused with the part that is wrong (`calendar.time_zone`, `calendar.hours`, `calendar.state`, `calendar.closures`; code `invalid_calendar`) and a message such as \"unknown time zone \\\"Europe/Berln\\\" (expected an IANA name such as \\\"Europe/Berlin\\\")\". Open cases are recomputed.",
            )
        },
        Op {
            parameters: vec![
                query(
                    "state",
                    "A federal state code (`NW`, `BY`, `BE`, …) whose holidays are added to the nationwide ones; `unknown_state` otherwise.",
                    json!({"type": "string", "example": "NW"}),
                ),
                query(
                    "year",
                    "1995 to 2200 (`invalid_year` otherwise); default: this year.",
                    json!({"type": "integer", "minimum": 1995, "maximum": 2200}),
                ),
            ],
            responses: with_auth_errors(
                json!({"200": json_response("The holidays in date order.", schema("Holidays"), json!({"state": "NW", "year": 2026, "items": [
                    {"date": "2026-01-01", "name": "Neujahr"}, {"date": "2026-04-03", "name": "Karfreitag"}, {"date": "2026-04-06", "name": "Ostermontag"},
                    {"date": "2026-06-04", "name": "Fronleichnam"}, {"date": "2026-10-03", "name": "Tag der Deutschen Einheit"}]}))}),
                &[("422", "ValidationFailed")],
            ),
            ..op(
                "get",
                "/api/v1/holidays",
                "German public holidays",
                "The public holidays a calendar with this `state` observes, to check a calendar before saving it.",
            )
        },
        Op {
            parameters: vec![path_id("The team id.")],
            request_body: Some(json_body(
                "TeamPatch",
                json!({"lead_user_id": EX_LEAD, "calendar": {"time_zone": "Europe/Berlin", "hours": "Mo-Fr 07:00-20:00; Sa 09:00-14:00", "state": "BY"}}),
            )),
            responses: with_auth_errors(
                json!({
                    "200": json_response("The team's lead and calendar.", schema("TeamResponsibility"), json!({"id": EX_TEAM, "name": "Zuschauerservice", "lead_user_id": EX_LEAD,
                        "calendar": {"time_zone": "Europe/Berlin", "hours": "Mo-Fr 07:00-20:00; Sa 09:00-14:00", "state": "BY", "closures": [], "holidays": true}})),
                    "422": json_response("Invalid fields.", schema("Error"), field_error("lead_user_id", "not_a_member", "the team lead must be a member of the team"))
                }),
                &[("403", "Forbidden"), ("404", "NotFound"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "patch",
                "/api/v1/teams/{id}",
                "Set a team's lead and calendar",
                "Only the fields given change. `lead_user_id`: supervisors and administrators (`403` for agents); the lead must be a member (`not_a_member`), null removes the lead. The lead is told about level-1 escalations and acknowledges them. `calendar`: administrators only; null makes the team use the organisation's calendar; errors as for `PUT /api/v1/calendar`. The lead is saved before the calendar is checked.",
            )
        },
        Op {
            parameters: vec![path_id("The user id.")],
            request_body: Some(json_body(
                "AvailabilityRequest",
                json!({"availability": "absent", "absent_until": "2026-03-16T07:00:00Z", "languages": ["de", "tr", "en"]}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The user's availability.", schema("Availability"),
                    json!({"id": EX_USER, "availability": "absent", "absent_until": "2026-03-16T07:00:00Z", "languages": ["de", "en", "tr"], "distressing_cap": null}))}),
                &[
                    ("403", "Forbidden"),
                    ("404", "NotFound"),
                    ("422", "ValidationFailed"),
                    ("415", "UnsupportedMediaType"),
                ],
            ),
            ..op(
                "put",
                "/api/v1/users/{id}/availability",
                "Set availability, languages and daily cap",
                "People set their own; administrators anyone's (`403` otherwise). Only present people are given new cases by routing; absent with an `absent_until` in the past counts as back. `distressing_cap` (a person's own cap on sensitive, safeguarding and threat cases per day) only by administrators. Errors: `invalid_availability`, `invalid_time`, `invalid_language`, `out_of_range`.",
            )
        },
    ]
}

/// Escalation, handover, ownership and follow-ups of a case.
fn case_ops() -> Vec<Op> {
    let case_id = || path_id("The case id.");
    let body_errors: &[(&str, &str)] =
        &[("404", "NotFound"), ("422", "ValidationFailed"), ("415", "UnsupportedMediaType")];
    vec![
        Op {
            parameters: vec![case_id()],
            request_body: Some(json_body(
                "EscalateRequest",
                json!({"level": 1, "reason": "Kundin droht mit Kündigung, Rückruf durch die Teamleitung."}),
            )),
            responses: with_auth_errors(
                json!({"200": json_response("The case with its new escalation.", schema("Case"), escalated_case(false))}),
                body_errors,
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/escalation",
                "Escalate or de-escalate a case",
                "Anyone who may see the case (`404` otherwise) sets its level with a reason (`reason` / `required`, at most 2000 characters; `level` 0 to 2, `out_of_range` otherwise). Level 1 tells the team lead (the supervisors if the team has none), level 2 the supervisors (the administrators if there are none); the owner is told too. A raised escalation waits for acknowledgement; a lower level or 0 de-escalates and is recorded as well. The system also escalates: on SLA warnings and breaches, by category, when the contact asks for a person or a manager, and when a handover stays unacknowledged (levels in the responsibility settings).",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({
                    "200": json_response("The case, escalation acknowledged.", schema("Case"), escalated_case(true)),
                    "403": json_response("Not at the escalation's level.", schema("Error"), error("forbidden", "the team lead acknowledges level 1; supervisors and administrators every level")),
                    "409": json_response("Nothing to acknowledge.", schema("Error"), error("conflict", "the escalation is acknowledged already"))
                }),
                &[("404", "NotFound")],
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/escalation/acknowledge",
                "Acknowledge the escalation",
                "Says that someone at the escalation's level has taken it on. The team lead of the case's team acknowledges level 1; supervisors and administrators acknowledge every level; other agents get `403`. `409` when the case is not escalated or the escalation is acknowledged already; `404` for a case the caller may not see.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({"200": json_response("Escalations and de-escalations, oldest first.", items_of("Escalation"), json!({"items": [
                    {"id": EX_ESCALATION, "level": 1, "previous_level": 0, "reason": "Frist läuft bald ab", "source": "sla", "created_by": null,
                        "created_at": "2026-03-02T12:00:00Z", "acknowledged_by": EX_LEAD, "acknowledged_at": "2026-03-02T12:10:00Z"}]}))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/cases/{id}/escalations",
                "Escalation history",
                "Every escalation and de-escalation of the case with level, reason, source, who and when, and who acknowledged it. `404` for a case the caller may not see.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({
                    "204": {"description": "Acknowledged."},
                    "403": json_response("Not the new owner.", schema("Error"), error("forbidden", "only the new owner acknowledges a handover")),
                    "409": json_response("No open handover.", schema("Error"), error("conflict", "there is no open handover on this case"))
                }),
                &[("404", "NotFound")],
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/handover/acknowledge",
                "Acknowledge a handover",
                "The new owner confirms they have taken the case over. Until then they are reminded after `handover_remind_minutes`, and the handover is escalated to the team lead after `handover_escalate_minutes`. Only the new owner (`403`); `409` without an open handover; `404` for a case the caller may not see.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({"200": json_response("Stretches of ownership, oldest first.", items_of("Ownership"), json!({"items": [
                    {"user_id": EX_USER, "from": "2026-03-02T09:00:05Z", "until": "2026-03-02T14:00:00Z", "seconds": 17995, "source": "routing", "by_user_id": null, "note": "Regel „Türkisch → Türkischsprachiger Service“"},
                    {"user_id": EX_LEAD, "from": "2026-03-02T14:00:00Z", "until": null, "seconds": 3600, "source": "manual", "by_user_id": EX_USER, "note": "Bitte Rückruf morgen früh."}]}))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/cases/{id}/ownership",
                "Ownership timeline",
                "Who held the case, from when to when, how it came to them (routing, handed over, taken) and the note. `404` for a case the caller may not see.",
            )
        },
        Op {
            parameters: vec![case_id()],
            responses: with_auth_errors(
                json!({"200": json_response("The case's follow-ups, open and done, by due date.", items_of("FollowUp"), json!({"items": [follow_up("task", "Gutschrift prüfen und Kundin zurückrufen.", false)]}))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/cases/{id}/follow-ups",
                "Follow-ups of a case",
                "Snoozes and tasks (Wiedervorlage) set on the case. `404` for a case the caller may not see.",
            )
        },
        Op {
            parameters: vec![case_id()],
            request_body: Some(json_body(
                "FollowUpRequest",
                json!({"kind": "task", "due_at": "2026-03-09T08:00:00Z", "note": "Gutschrift prüfen und Kundin zurückrufen."}),
            )),
            responses: with_auth_errors(
                json!({
                    "201": json_response("The follow-up.", schema("FollowUp"), follow_up("task", "Gutschrift prüfen und Kundin zurückrufen.", false)),
                    "409": json_response("The case is resolved.", schema("Error"), error("conflict", "the case is resolved; reopen it first")),
                    "422": json_response("Invalid fields.", schema("Error"), field_error("due_at", "in_the_past", "the due date must be in the future"))
                }),
                &[("404", "NotFound"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "post",
                "/api/v1/cases/{id}/follow-ups",
                "Set a follow-up",
                "Anyone who may see the case (`404` otherwise). A `snooze` takes the case out of the inbox views until `due_at` (the case's `snoozed_until`; an earlier open snooze ends); a `task` is a reminder with a note. When it is due, the case's owner (or whoever set it on an unowned case) is told. Errors: `kind` / `invalid_kind`; `due_at` / `invalid_time`, `in_the_past`, `too_far` (more than two years); `note` / `required` (tasks), `too_long`. `409` on a resolved case.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("Open follow-ups, soonest first.", items_of("FollowUp"), json!({"items": [follow_up("snooze", "", false)]}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/follow-ups",
                "My follow-ups",
                "The caller's open follow-ups (snoozes and tasks), soonest first.",
            )
        },
        Op {
            parameters: vec![path_id("The follow-up id.")],
            responses: with_auth_errors(
                json!({"200": json_response("The follow-up, done.", schema("FollowUp"), follow_up("task", "Gutschrift prüfen und Kundin zurückrufen.", true))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "post",
                "/api/v1/follow-ups/{id}/done",
                "Mark a follow-up done",
                "Done or cancelled; a snooze ends and the case is back in the inbox. Anyone who may see the case; `404` otherwise, so the follow-up's existence is not revealed. Marking a follow-up that is done already answers it unchanged.",
            )
        },
    ]
}

/// The watcher, settings, notifications and satisfaction.
fn people_ops() -> Vec<Op> {
    let settings_422 = json_response(
        "Invalid fields.",
        schema("Error"),
        field_error("handover_escalate_minutes", "before_reminder", "escalate no earlier than the reminder"),
    );
    vec![
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The watcher's lists.", schema("WatchLists"), json!({"unowned": [], "inactive": [escalated_case(true)]}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/watch",
                "Cases nobody takes care of",
                "Open cases without an owner for longer than `unowned_minutes`, and open cases nobody touched for longer than `inactive_hours` (responsibility settings), at most 200 each — only those the caller may see. The watcher itself tells the owner and the team lead (the supervisors if the team has none), once per case until something happens on it.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The settings.", schema("ResponsibilitySettings"), settings_example())}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/responsibility/settings",
                "Responsibility settings",
                "Handover reminders, watcher thresholds, escalation levels for SLA risk, categories and contacts asking for a person, the daily cap on distressing cases, and satisfaction surveys. Any signed-in user may read them.",
            )
        },
        Op {
            request_body: Some(json_body("ResponsibilitySettings", settings_example())),
            responses: with_auth_errors(
                json!({"200": json_response("The settings as saved.", schema("ResponsibilitySettings"), settings_example()), "422": settings_422}),
                &[("403", "Forbidden"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/responsibility/settings",
                "Change the responsibility settings",
                "Administrators only. Send the whole object: fields left out take their defaults. Errors: `out_of_range` (with the range), `before_reminder` (escalating a handover before reminding), `category_levels` / `unknown_category`, `public_url` / `invalid_url`, and `public_url` / `required` when surveys are switched on without it.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("The newest notifications first.", schema("Notifications"), json!({"unread": 1, "items": [
                    {"id": EX_NOTIFICATION, "kind": "escalation", "case_id": EX_CASE, "actor_user_id": EX_USER,
                        "body": "R-1 „Frage zu meinen Rechnungen“ – Eskalationsstufe 1: Kundin droht mit Kündigung, Rückruf durch die Teamleitung.",
                        "created_at": "2026-03-02T10:00:00Z", "read_at": null}]}))}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/notifications",
                "My notifications",
                "The caller's newest 100 notifications (assignments, handovers, escalations, SLA warnings, due follow-ups, …) and how many are unread.",
            )
        },
        Op {
            request_body: Some(json_body("ReadNotificationsRequest", json!({"ids": [EX_NOTIFICATION]}))),
            responses: with_auth_errors(
                json!({"204": {"description": "Marked read."}}),
                &[("422", "ValidationFailed"), ("415", "UnsupportedMediaType")],
            ),
            ..op(
                "post",
                "/api/v1/notifications/read",
                "Mark notifications read",
                "The given notifications of the caller, or all with `{}`. Ids of other people's notifications change nothing.",
            )
        },
        Op {
            responses: with_auth_errors(
                json!({"200": json_response("Every kind with its delivery.", schema("NotificationPreferences"), prefs_example())}),
                &[],
            ),
            ..op(
                "get",
                "/api/v1/me/notification-preferences",
                "My notification preferences",
                "For every kind of notification: where it goes for the caller (`off`, `app`, `email`), its default, and whether it may be turned off (escalations and safeguarding always reach the app).",
            )
        },
        Op {
            request_body: Some(json_body(
                "NotificationPreferencesRequest",
                json!({"routed": "off", "sla_warning": "email"}),
            )),
            responses: with_auth_errors(
                json!({
                    "200": json_response("Every kind with its delivery.", schema("NotificationPreferences"), prefs_example()),
                    "422": json_response("An unknown kind or delivery.", schema("Error"), field_error("sla_warning", "invalid_delivery", "expected off, app or email"))
                }),
                &[("415", "UnsupportedMediaType")],
            ),
            ..op(
                "put",
                "/api/v1/me/notification-preferences",
                "Set my notification preferences",
                "An object of kind → `off`, `app` or `email`; it replaces the caller's choices (kinds left out use their default). A bad delivery is named by its kind (`invalid_delivery`); an unknown kind is `notification_prefs` / `unknown_kind` with the known kinds in the message.",
            )
        },
        Op {
            parameters: vec![path_id("The case id.")],
            responses: with_auth_errors(
                json!({"200": json_response("Surveys sent for the case.", items_of("Survey"), json!({"items": [
                    {"id": EX_SURVEY, "created_at": "2026-03-03T10:00:00Z", "expires_at": "2026-04-02T10:00:00Z", "rating": 5,
                        "comment": "Schnelle und freundliche Hilfe, vielen Dank!", "answered_at": "2026-03-03T18:20:00Z"}]}))}),
                &[("404", "NotFound")],
            ),
            ..op(
                "get",
                "/api/v1/cases/{id}/surveys",
                "Satisfaction surveys of a case",
                "When surveys are on, a resolved case's contact gets a link to rate it from 1 to 5 with an optional comment, without signing in (never for safeguarding, threat or spam cases). `404` for a case the caller may not see.",
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
            ],
            responses: with_auth_errors(
                json!({"200": json_response("Overall and per team.", schema("CsatReport"), json!({"from": "2025-12-02T00:00:00Z", "to": "2026-03-03T00:00:00Z",
                    "overall": {"team_id": null, "sent": 40, "answered": 18, "ratings": [1, 1, 2, 6, 8], "average": 4.056, "satisfied_share": 0.778},
                    "teams": [{"team_id": EX_TEAM, "sent": 40, "answered": 18, "ratings": [1, 1, 2, 6, 8], "average": 4.056, "satisfied_share": 0.778}]}))}),
                &[("403", "Forbidden"), ("422", "ValidationFailed")],
            ),
            ..op(
                "get",
                "/api/v1/reports/csat",
                "Satisfaction report",
                "Supervisors and administrators only (`403` for agents). Surveys sent in the period: how many were answered, answers per rating, the mean and the share of 4 and 5 — overall and per team. A date that cannot be read is `invalid_date`; an end before the start `before_from`.",
            )
        },
    ]
}
