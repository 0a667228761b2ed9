//! Routing rules: what they say, how they are checked when saved, and how they are evaluated.
//!
//! A rule has conditions (all must hold; if `any` is not empty, at least one of those too) over the
//! facts of a case, and actions. Rules are compiled once (regular expressions built, values checked
//! against their field's type) and then evaluated without allocation per condition, so 200 rules
//! take a few microseconds per case.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{Case, Priority};
use crate::clock::Timestamp;
use crate::error::FieldError;
use crate::ids::{RoutingRuleId, TeamId, UserId};

/// When a rule is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A new case was made from an inbound message.
    Created,
    /// A new inbound message arrived on an existing case.
    Message,
    /// Assist stored its analysis of an inbound message (categories are known from here on).
    Analysed,
    /// A person changed the case's status, priority, tags or team.
    Updated,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [Self::Created, Self::Message, Self::Analysed, Self::Updated];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Message => "message",
            Self::Analysed => "analysed",
            Self::Updated => "updated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    In,
    NotIn,
    /// Text: contains the value (case-insensitive). Lists: has the value.
    Contains,
    NotContains,
    /// Text: contains any of the words (case-insensitive). Lists: has any of them.
    ContainsAny,
    /// Text: matches the regular expression (case-insensitive).
    Matches,
    Gte,
    Lte,
    IsSet,
    IsNotSet,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEquals => "not_equals",
            Self::In => "in",
            Self::NotIn => "not_in",
            Self::Contains => "contains",
            Self::NotContains => "not_contains",
            Self::ContainsAny => "contains_any",
            Self::Matches => "matches",
            Self::Gte => "gte",
            Self::Lte => "lte",
            Self::IsSet => "is_set",
            Self::IsNotSet => "is_not_set",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conditions {
    #[serde(default)]
    pub all: Vec<Condition>,
    #[serde(default)]
    pub any: Vec<Condition>,
}

/// How a rule picks an owner among the team's eligible members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerStrategy {
    RoundRobin,
    FewestOpen,
    /// Whoever last owned a case of this contact, if they may take it now; else the fewest open.
    PreviousOwner,
}

impl OwnerStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoundRobin => "round_robin",
            Self::FewestOpen => "fewest_open",
            Self::PreviousOwner => "previous_owner",
        }
    }
}

/// Who a rule tells about the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "to", content = "user_id")]
pub enum NotifyTarget {
    Owner,
    TeamLead,
    Team,
    Supervisors,
    User(UserId),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RuleActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_tags: Vec<String>,
    /// Only used when the case has no owner; a case someone holds keeps its owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerStrategy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NotifyTarget>,
}

impl RuleActions {
    pub fn is_empty(&self) -> bool {
        self.team_id.is_none()
            && self.priority.is_none()
            && self.add_tags.is_empty()
            && self.owner.is_none()
            && self.notify.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub id: RoutingRuleId,
    /// Rules run in ascending order.
    pub ordinal: i64,
    pub name: String,
    pub enabled: bool,
    pub triggers: Vec<Trigger>,
    pub conditions: Conditions,
    pub actions: RuleActions,
    /// No later rule runs after this one matched.
    pub stop: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: Option<UserId>,
    /// Run-time failures (shown to administrators); the rule was skipped each time.
    pub error_count: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

/// The case facts rules read. Built once per evaluation; texts are lower-cased here once.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub channel: String,
    /// The mailbox's address, lower-case.
    pub mailbox: Option<String>,
    /// The language of the newest analysed message, else the contact's.
    pub language: Option<String>,
    pub categories: Vec<String>,
    pub safeguarding: bool,
    /// Sensitive, safeguarding or threat: cases that weigh on the person who takes them.
    pub distressing: bool,
    pub sentiment: Option<String>,
    pub urgency: Option<String>,
    pub contact_email: Option<String>,
    pub contact_domain: Option<String>,
    pub contact_organisation: Option<String>,
    /// Contact attributes, keys lower-case.
    pub contact_attributes: BTreeMap<String, String>,
    pub subject: String,
    /// The newest inbound message's text, lower-case.
    pub body: String,
    pub status: String,
    pub priority: Priority,
    pub team_id: Option<TeamId>,
    /// The team's name, lower-case: `team` conditions accept the id or the name.
    pub team_name: Option<String>,
    pub owned: bool,
    pub tags: Vec<String>,
    pub escalation_level: i32,
    /// Local weekday, 1 = Monday … 7 = Sunday, and hour 0–23 in the organisation's time zone.
    pub weekday: u32,
    pub hour: u32,
    /// Whether the team's (or the organisation's) business hours are open now.
    pub business_hours: bool,
}

/// The categories that weigh on whoever handles them; the daily cap counts these.
pub const DISTRESSING: [&str; 3] = ["sensitive", "safeguarding", "threat"];

pub fn is_distressing(case: &Case) -> bool {
    case.safeguarding || case.categories.iter().any(|c| DISTRESSING.contains(&c.as_str()))
}

impl Facts {
    /// The facts every case has; the caller adds the message text, analysis, contact and time.
    pub fn of_case(case: &Case) -> Self {
        Self {
            channel: case.channel.to_lowercase(),
            categories: case.categories.clone(),
            safeguarding: case.safeguarding,
            distressing: is_distressing(case),
            subject: case.subject.to_lowercase(),
            status: case.status.as_str().into(),
            priority: case.priority,
            team_id: case.team_id,
            owned: case.owner_id.is_some(),
            tags: case.tags.clone(),
            escalation_level: case.escalation_level,
            ..Default::default()
        }
    }
}

/// The kind of value a field holds: it decides which operators and values are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One short value compared exactly (case-insensitive).
    Word,
    /// Free text: contains, contains_any, matches.
    Text,
    /// A set of words (categories, tags).
    List,
    Bool,
    Number,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Channel,
    Mailbox,
    Language,
    Category,
    Safeguarding,
    Distressing,
    Sentiment,
    Urgency,
    ContactEmail,
    ContactDomain,
    ContactOrganisation,
    ContactAttribute(String),
    Subject,
    Body,
    Text,
    Status,
    Priority,
    Team,
    Owned,
    Tags,
    EscalationLevel,
    Weekday,
    Hour,
    BusinessHours,
}

/// The fields a condition may read, for the admin form and error messages.
pub const FIELDS: [&str; 24] = [
    "channel",
    "mailbox",
    "language",
    "category",
    "safeguarding",
    "distressing",
    "sentiment",
    "urgency",
    "contact.email",
    "contact.domain",
    "contact.organisation",
    "contact.<attribute>",
    "subject",
    "body",
    "text",
    "status",
    "priority",
    "team",
    "owned",
    "tags",
    "escalation_level",
    "time.weekday",
    "time.hour",
    "time.business_hours",
];

impl Field {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "channel" => Self::Channel,
            "mailbox" => Self::Mailbox,
            "language" => Self::Language,
            "category" | "categories" => Self::Category,
            "safeguarding" => Self::Safeguarding,
            "distressing" | "sensitivity" => Self::Distressing,
            "sentiment" => Self::Sentiment,
            "urgency" => Self::Urgency,
            "contact.email" => Self::ContactEmail,
            "contact.domain" => Self::ContactDomain,
            "contact.organisation" => Self::ContactOrganisation,
            "subject" => Self::Subject,
            "body" => Self::Body,
            "text" => Self::Text,
            "status" => Self::Status,
            "priority" => Self::Priority,
            "team" => Self::Team,
            "owned" => Self::Owned,
            "tags" | "tag" => Self::Tags,
            "escalation_level" => Self::EscalationLevel,
            "time.weekday" => Self::Weekday,
            "time.hour" => Self::Hour,
            "time.business_hours" => Self::BusinessHours,
            other => {
                let key = other.strip_prefix("contact.")?;
                let ok = !key.is_empty()
                    && key.len() <= 40
                    && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                return ok.then(|| Self::ContactAttribute(key.to_lowercase()));
            }
        })
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Subject | Self::Body | Self::Text => Kind::Text,
            Self::Category | Self::Tags => Kind::List,
            Self::Safeguarding | Self::Distressing | Self::Owned | Self::BusinessHours => Kind::Bool,
            Self::EscalationLevel | Self::Hour | Self::Weekday => Kind::Number,
            _ => Kind::Word,
        }
    }
}

/// Weekday names accepted for `time.weekday` (German and English), Monday = 1.
fn weekday_number(s: &str) -> Option<f64> {
    let s = s.to_lowercase();
    let days = [["mo", "monday", "montag"], ["di", "tuesday", "dienstag"], ["mi", "wednesday", "mittwoch"]];
    let more = [["do", "thursday", "donnerstag"], ["fr", "friday", "freitag"], ["sa", "saturday", "samstag"]];
    let sun = [["so", "sunday", "sonntag"]];
    let tu_we_th_su = [("tu", 2.0), ("we", 3.0), ("th", 4.0), ("su", 7.0)];
    for (i, names) in days.iter().chain(more.iter()).chain(sun.iter()).enumerate() {
        if names.contains(&s.as_str()) {
            return Some(i as f64 + 1.0);
        }
    }
    tu_we_th_su.iter().find(|(n, _)| *n == s).map(|(_, v)| *v)
}

#[derive(Debug, Clone)]
enum Test {
    Eq(String),
    In(Vec<String>),
    Contains(String),
    ContainsAny(Vec<String>),
    Matches(regex::Regex),
    Bool(bool),
    Gte(f64),
    Lte(f64),
    NumEq(f64),
    NumIn(Vec<f64>),
    IsSet,
}

#[derive(Debug, Clone)]
struct CompiledCondition {
    field: Field,
    test: Test,
    negate: bool,
    /// `field op value`, for the timeline's "why".
    label: String,
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: RoutingRule,
    all: Vec<CompiledCondition>,
    any: Vec<CompiledCondition>,
}

/// The longest regular expression and how large it may compile.
const MAX_PATTERN: usize = 500;
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_list(v: &Value) -> Option<Vec<String>> {
    let items = v.as_array()?;
    let out: Option<Vec<String>> = items.iter().map(value_str).collect();
    out.filter(|l| !l.is_empty() && l.iter().all(|s| !s.is_empty()))
}

fn value_num(field: &Field, v: &Value) -> Option<f64> {
    match (field, v) {
        (Field::Weekday, Value::String(s)) => weekday_number(s.trim()),
        (_, Value::Number(n)) => n.as_f64(),
        (_, Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compile_condition(c: &Condition, path: &str, errors: &mut Vec<FieldError>) -> Option<CompiledCondition> {
    let Some(field) = Field::parse(c.field.trim()) else {
        errors.push(FieldError::new(
            &format!("{path}.field"),
            "unknown_field",
            format!("unknown field {:?}; known fields: {}", c.field, FIELDS.join(", ")),
        ));
        return None;
    };
    let kind = field.kind();
    let bad = |errors: &mut Vec<FieldError>, what: &str| {
        errors.push(FieldError::new(
            &format!("{path}.value"),
            "invalid_value",
            format!("{} {} needs {what}", c.field, c.op.as_str()),
        ));
        None
    };
    let unsupported = |errors: &mut Vec<FieldError>| {
        errors.push(FieldError::new(
            &format!("{path}.op"),
            "unsupported_operator",
            format!("{} cannot be used with field {}", c.op.as_str(), c.field),
        ));
        None
    };
    let negate = matches!(c.op, Op::NotEquals | Op::NotIn | Op::NotContains | Op::IsNotSet);
    let test = match (c.op, kind) {
        (Op::IsSet | Op::IsNotSet, Kind::Bool | Kind::Number) => return unsupported(errors),
        (Op::IsSet | Op::IsNotSet, _) => Test::IsSet,
        (Op::Equals | Op::NotEquals, Kind::Bool) => match &c.value {
            Value::Bool(b) => Test::Bool(*b),
            Value::String(s) if matches!(s.trim().to_lowercase().as_str(), "true" | "ja" | "yes") => Test::Bool(true),
            Value::String(s) if matches!(s.trim().to_lowercase().as_str(), "false" | "nein" | "no") => {
                Test::Bool(false)
            }
            _ => return bad(errors, "true or false"),
        },
        (Op::Equals | Op::NotEquals, Kind::Number) => match value_num(&field, &c.value) {
            Some(n) => Test::NumEq(n),
            None => return bad(errors, "a number"),
        },
        (Op::Equals | Op::NotEquals, Kind::Word | Kind::Text) => match value_str(&c.value) {
            Some(s) if !s.is_empty() => Test::Eq(s),
            _ => return bad(errors, "a value"),
        },
        (Op::In | Op::NotIn, Kind::Number) => {
            match c.value.as_array().and_then(|a| a.iter().map(|v| value_num(&field, v)).collect::<Option<Vec<_>>>()) {
                Some(l) if !l.is_empty() => Test::NumIn(l),
                _ => return bad(errors, "a list of numbers"),
            }
        }
        (Op::In | Op::NotIn, Kind::Word) => match value_list(&c.value) {
            Some(l) => Test::In(l),
            None => return bad(errors, "a list of values"),
        },
        (Op::Contains | Op::NotContains, Kind::Text | Kind::List | Kind::Word) => match value_str(&c.value) {
            Some(s) if !s.is_empty() => Test::Contains(s),
            _ => return bad(errors, "a value"),
        },
        (Op::ContainsAny, Kind::Text | Kind::List | Kind::Word) => match value_list(&c.value) {
            Some(l) => Test::ContainsAny(l),
            None => return bad(errors, "a list of words"),
        },
        (Op::Matches, Kind::Text | Kind::Word) => {
            let Some(pattern) = c.value.as_str().filter(|p| !p.is_empty()) else {
                return bad(errors, "a regular expression");
            };
            if pattern.len() > MAX_PATTERN {
                return bad(errors, &format!("a regular expression of at most {MAX_PATTERN} characters"));
            }
            match regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(REGEX_SIZE_LIMIT).build() {
                Ok(re) => Test::Matches(re),
                Err(e) => {
                    let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                    errors.push(FieldError::new(
                        &format!("{path}.value"),
                        "invalid_regex",
                        format!("not a valid regular expression: {first}"),
                    ));
                    return None;
                }
            }
        }
        (Op::Gte | Op::Lte, Kind::Number) => match value_num(&field, &c.value) {
            Some(n) if c.op == Op::Gte => Test::Gte(n),
            Some(n) => Test::Lte(n),
            None => return bad(errors, "a number"),
        },
        _ => return unsupported(errors),
    };
    let shown = match &c.value {
        Value::Null => String::new(),
        Value::String(s) => format!(" {s:?}"),
        other => format!(" {other}"),
    };
    Some(CompiledCondition { field, test, negate, label: format!("{} {}{shown}", c.field.trim(), c.op.as_str()) })
}

/// Checks a rule's name, triggers, conditions and the shape of its actions; `path` prefixes field
/// names in errors. Whether teams and users exist is checked by the caller, which has the store.
pub fn compile(rule: &RoutingRule) -> Result<CompiledRule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = rule.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push(FieldError::new("name", "required", "a name of 1 to 120 characters"));
    }
    if rule.triggers.is_empty() {
        errors.push(FieldError::new("triggers", "required", "at least one of created, message, analysed, updated"));
    }
    if rule.conditions.all.len() + rule.conditions.any.len() > 50 {
        errors.push(FieldError::new("conditions", "too_many", "at most 50 conditions"));
    }
    if rule.actions.is_empty() {
        errors.push(FieldError::new("actions", "required", "a rule needs at least one action"));
    }
    if rule.actions.add_tags.iter().any(|t| t.trim().is_empty() || t.chars().count() > 60) {
        errors.push(FieldError::new("actions.add_tags", "invalid_tag", "tags of 1 to 60 characters"));
    }
    let mut all = Vec::new();
    for (i, c) in rule.conditions.all.iter().enumerate() {
        all.extend(compile_condition(c, &format!("conditions.all[{i}]"), &mut errors));
    }
    let mut any = Vec::new();
    for (i, c) in rule.conditions.any.iter().enumerate() {
        any.extend(compile_condition(c, &format!("conditions.any[{i}]"), &mut errors));
    }
    if errors.is_empty() { Ok(CompiledRule { rule: rule.clone(), all, any }) } else { Err(errors) }
}

/// Whether `needle` occurs in `hay` at word boundaries (so `rat` does not match `Beratung`).
fn has_word(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = hay[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

enum Val<'a> {
    Word(Option<&'a str>),
    Text(&'a str, Option<&'a str>),
    List(&'a [String]),
    Bool(bool),
    Num(f64),
}

impl CompiledCondition {
    fn value<'a>(&self, f: &'a Facts, team_id: &'a str) -> Val<'a> {
        match &self.field {
            Field::Channel => Val::Word(Some(&f.channel)),
            Field::Mailbox => Val::Word(f.mailbox.as_deref()),
            Field::Language => Val::Word(f.language.as_deref()),
            Field::Category => Val::List(&f.categories),
            Field::Safeguarding => Val::Bool(f.safeguarding),
            Field::Distressing => Val::Bool(f.distressing),
            Field::Sentiment => Val::Word(f.sentiment.as_deref()),
            Field::Urgency => Val::Word(f.urgency.as_deref()),
            Field::ContactEmail => Val::Word(f.contact_email.as_deref()),
            Field::ContactDomain => Val::Word(f.contact_domain.as_deref()),
            Field::ContactOrganisation => Val::Word(f.contact_organisation.as_deref()),
            Field::ContactAttribute(k) => Val::Word(f.contact_attributes.get(k).map(String::as_str)),
            Field::Subject => Val::Text(&f.subject, None),
            Field::Body => Val::Text(&f.body, None),
            Field::Text => Val::Text(&f.subject, Some(&f.body)),
            Field::Status => Val::Word(Some(&f.status)),
            Field::Priority => Val::Word(Some(f.priority.as_str())),
            Field::Team => Val::Word(f.team_id.map(|_| team_id)),
            Field::Owned => Val::Bool(f.owned),
            Field::Tags => Val::List(&f.tags),
            Field::EscalationLevel => Val::Num(f64::from(f.escalation_level)),
            Field::Weekday => Val::Num(f64::from(f.weekday)),
            Field::Hour => Val::Num(f64::from(f.hour)),
            Field::BusinessHours => Val::Bool(f.business_hours),
        }
    }

    fn holds(&self, f: &Facts) -> bool {
        if self.field == Field::Team {
            // A team is named by its id or its name: the condition holds if either matches.
            let id = f.team_id.map(|t| t.to_string()).unwrap_or_default();
            let by_id = self.test_raw(self.value(f, &id));
            let name = f.team_name.as_deref().unwrap_or_default();
            let by_name = f.team_id.is_some() && self.test_raw(Val::Word(Some(name)));
            return (by_id || by_name) != self.negate;
        }
        self.test_raw(self.value(f, "")) != self.negate
    }

    fn test_raw(&self, v: Val<'_>) -> bool {
        match (&self.test, v) {
            (Test::IsSet, Val::Word(w)) => w.is_some_and(|w| !w.is_empty()),
            (Test::IsSet, Val::Text(a, b)) => !a.is_empty() || b.is_some_and(|b| !b.is_empty()),
            (Test::IsSet, Val::List(l)) => !l.is_empty(),
            (Test::Eq(x), Val::Word(w)) => w.is_some_and(|w| w.eq_ignore_ascii_case(x)),
            (Test::Eq(x), Val::Text(a, _)) => a == x,
            (Test::In(xs), Val::Word(w)) => w.is_some_and(|w| xs.iter().any(|x| w.eq_ignore_ascii_case(x))),
            (Test::Contains(x), Val::Word(w)) => w.is_some_and(|w| w.to_lowercase().contains(x.as_str())),
            (Test::Contains(x), Val::Text(a, b)) => a.contains(x.as_str()) || b.is_some_and(|b| b.contains(x.as_str())),
            (Test::Contains(x), Val::List(l)) => l.iter().any(|i| i.eq_ignore_ascii_case(x)),
            (Test::ContainsAny(xs), Val::Text(a, b)) => {
                xs.iter().any(|x| has_word(a, x) || b.is_some_and(|b| has_word(b, x)))
            }
            (Test::ContainsAny(xs), Val::Word(w)) => w.is_some_and(|w| xs.iter().any(|x| w.eq_ignore_ascii_case(x))),
            (Test::ContainsAny(xs), Val::List(l)) => l.iter().any(|i| xs.iter().any(|x| i.eq_ignore_ascii_case(x))),
            (Test::Matches(re), Val::Text(a, b)) => re.is_match(a) || b.is_some_and(|b| re.is_match(b)),
            (Test::Matches(re), Val::Word(w)) => w.is_some_and(|w| re.is_match(w)),
            (Test::Bool(x), Val::Bool(b)) => b == *x,
            (Test::NumEq(x), Val::Num(n)) => (n - x).abs() < f64::EPSILON,
            (Test::NumIn(xs), Val::Num(n)) => xs.iter().any(|x| (n - x).abs() < f64::EPSILON),
            (Test::Gte(x), Val::Num(n)) => n >= *x,
            (Test::Lte(x), Val::Num(n)) => n <= *x,
            // Combinations compile() does not produce.
            _ => false,
        }
    }
}

/// One rule that matched, with the conditions that made it match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMatch {
    pub rule_id: RoutingRuleId,
    pub name: String,
    /// The conditions that held, as `field op value`; empty for a rule without conditions.
    pub because: Vec<String>,
    pub actions: RuleActions,
}

impl CompiledRule {
    /// Whether the rule matches, and why.
    pub fn evaluate(&self, facts: &Facts) -> Option<RuleMatch> {
        let mut because = Vec::new();
        for c in &self.all {
            if !c.holds(facts) {
                return None;
            }
        }
        if !self.any.is_empty() {
            let hit = self.any.iter().find(|c| c.holds(facts))?;
            because.push(hit.label.clone());
        }
        because.splice(0..0, self.all.iter().map(|c| c.label.clone()));
        Some(RuleMatch {
            rule_id: self.rule.id,
            name: self.rule.name.clone(),
            because,
            actions: self.rule.actions.clone(),
        })
    }
}

/// Rules that match the facts for this trigger, in order, stopping after a `stop` rule.
pub fn matching(rules: &[CompiledRule], trigger: Trigger, facts: &Facts) -> Vec<RuleMatch> {
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| r.rule.enabled && r.rule.triggers.contains(&trigger)) {
        if let Some(m) = r.evaluate(facts) {
            out.push(m);
            if r.rule.stop {
                break;
            }
        }
    }
    out
}

/// What the matching rules ask for together, as applying them in order does: later rules override
/// earlier ones for team and priority; the first owner strategy gives the owner (the case is owned
/// after it); tags and notifications add up.
pub fn combine(matches: &[RuleMatch]) -> RuleActions {
    let mut out = RuleActions::default();
    for m in matches {
        let a = &m.actions;
        out.team_id = a.team_id.or(out.team_id);
        out.priority = a.priority.or(out.priority);
        out.owner = out.owner.or(a.owner);
        for t in &a.add_tags {
            if !out.add_tags.contains(t) {
                out.add_tags.push(t.clone());
            }
        }
        for n in &a.notify {
            if !out.notify.contains(n) {
                out.notify.push(n.clone());
            }
        }
    }
    out
}
