//! Routing rules: what they say, how they are checked when saved, and how they are evaluated.
//!
//! A rule has conditions (all must hold; if `any` is not empty, at least one of those too) over the
//! facts of a case, and actions. Rules are compiled once (regular expressions built, values checked
//! against their field's type) and gathered into a [`RuleSet`], which evaluates them without
//! allocation per condition:
//!
//! - every `contains_any` keyword of every rule goes into one Aho-Corasick automaton, so subject and
//!   body are scanned once per case (not once per keyword), and only when a rule asks;
//! - a regular expression with a Unicode word boundary (`\b`) is first tried without its boundaries,
//!   which the regex crate's fast engine runs on any text. Its slower engine (which it needs for `\b`
//!   on text that is not ASCII, as German mail never is) only runs when that looser pattern matched,
//!   and only from where it matched. The result is the same as the exact pattern's.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

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

impl RoutingRule {
    /// A new enabled rule at ordinal 0 with a clean error record, not stored yet.
    pub fn new(
        name: &str,
        triggers: Vec<Trigger>,
        conditions: Conditions,
        actions: RuleActions,
        now: Timestamp,
    ) -> Self {
        Self {
            id: RoutingRuleId::new(now),
            ordinal: 0,
            name: name.trim().to_string(),
            enabled: true,
            triggers,
            conditions,
            actions,
            stop: false,
            created_at: now,
            updated_at: now,
            updated_by: None,
            error_count: 0,
            last_error: None,
            last_error_at: None,
        }
    }
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
    /// `contains_any` on text: the words, and their ids in the rule set's keyword automaton (filled
    /// in by [`RuleSet::new`]).
    Words(Vec<String>, Vec<usize>),
    Matches(Pattern),
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

/// A regular expression, with a looser one that is checked first when the exact one would be slow.
#[derive(Debug, Clone)]
struct Pattern {
    exact: regex::Regex,
    /// The pattern without its Unicode word boundaries: it matches wherever the exact one does (an
    /// assertion removed only allows more), and the regex crate's lazy DFA runs it on any text.
    gate: Option<regex_automata::meta::Regex>,
}

impl Pattern {
    fn new(pattern: &str) -> Result<Self, String> {
        let exact = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| e.to_string().lines().last().unwrap_or_default().trim().to_string())?;
        let hir = regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(pattern);
        let gate = match hir {
            Ok(hir) => {
                let mut found = false;
                let loose = without_unicode_word_boundaries(&hir, &mut found);
                if found {
                    regex_automata::meta::Regex::builder()
                        .configure(regex_automata::meta::Config::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT)))
                        .build_from_hir(&loose)
                        .ok()
                } else {
                    None
                }
            }
            // The regex crate accepted it, so this does not happen; without a gate it is only slower.
            Err(_) => None,
        };
        Ok(Self { exact, gate })
    }

    fn is_match(&self, text: &str) -> bool {
        match &self.gate {
            None => self.exact.is_match(text),
            // Every exact match is a gate match at the same start, and the gate's match is the
            // leftmost: no exact match starts before it. `is_match_at` still sees the text before
            // `start`, so `\b` there is judged as in the whole text.
            Some(gate) => gate.find(text).is_some_and(|m| self.exact.is_match_at(text, m.start())),
        }
    }
}

/// `hir` with every Unicode word-boundary assertion replaced by the empty pattern; `found` tells
/// whether there was one.
fn without_unicode_word_boundaries(hir: &regex_syntax::hir::Hir, found: &mut bool) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};
    match hir.kind() {
        HirKind::Look(
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode,
        ) => {
            *found = true;
            Hir::empty()
        }
        HirKind::Concat(items) => {
            Hir::concat(items.iter().map(|h| without_unicode_word_boundaries(h, found)).collect())
        }
        HirKind::Alternation(items) => {
            Hir::alternation(items.iter().map(|h| without_unicode_word_boundaries(h, found)).collect())
        }
        HirKind::Repetition(r) => {
            Hir::repetition(Repetition { sub: Box::new(without_unicode_word_boundaries(&r.sub, found)), ..r.clone() })
        }
        HirKind::Capture(c) => {
            Hir::capture(Capture { sub: Box::new(without_unicode_word_boundaries(&c.sub, found)), ..c.clone() })
        }
        _ => hir.clone(),
    }
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
        (Op::ContainsAny, Kind::Text) => match value_list(&c.value) {
            Some(l) => Test::Words(l, Vec::new()),
            None => return bad(errors, "a list of words"),
        },
        (Op::ContainsAny, Kind::List | Kind::Word) => match value_list(&c.value) {
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
            match Pattern::new(pattern) {
                Ok(re) => Test::Matches(re),
                Err(first) => {
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

/// Whether `hay[start..end]` stands at word boundaries (so `rat` does not match `Beratung`).
fn at_word_boundaries(hay: &str, start: usize, end: usize) -> bool {
    hay[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
        && hay[end..].chars().next().is_none_or(|c| !c.is_alphanumeric())
}

/// Which of the rule set's keywords occur in `hay` as whole words, by keyword id.
fn word_hits(keywords: &aho_corasick::AhoCorasick, hay: &str) -> Vec<bool> {
    let mut hits = vec![false; keywords.patterns_len()];
    // Overlapping: every occurrence of every keyword, so `rat` inside `beratung` does not hide a
    // later `rat`. A match of a UTF-8 keyword in UTF-8 text starts and ends on character boundaries.
    for m in keywords.find_overlapping_iter(hay) {
        let id = m.pattern().as_usize();
        if !hits[id] && at_word_boundaries(hay, m.start(), m.end()) {
            hits[id] = true;
        }
    }
    hits
}

/// One evaluation: the facts, and what was worked out about them once for all rules.
struct Scan<'a> {
    facts: &'a Facts,
    set: &'a RuleSet,
    subject_words: OnceCell<Vec<bool>>,
    body_words: OnceCell<Vec<bool>>,
}

impl Scan<'_> {
    fn words_in(&self, text: &str, cell: &OnceCell<Vec<bool>>, ids: &[usize]) -> bool {
        let Some(keywords) = &self.set.keywords else { return false };
        let hits = cell.get_or_init(|| word_hits(keywords, text));
        ids.iter().any(|&i| hits[i])
    }
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

    fn holds(&self, scan: &Scan<'_>) -> bool {
        let f = scan.facts;
        if let Test::Words(_, ids) = &self.test {
            let subject = || scan.words_in(&f.subject, &scan.subject_words, ids);
            let body = || scan.words_in(&f.body, &scan.body_words, ids);
            let found = match self.field {
                Field::Subject => subject(),
                Field::Body => body(),
                _ => subject() || body(),
            };
            return found != self.negate;
        }
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
    fn evaluate(&self, scan: &Scan<'_>) -> Option<RuleMatch> {
        let mut because = Vec::new();
        for c in &self.all {
            if !c.holds(scan) {
                return None;
            }
        }
        if !self.any.is_empty() {
            let hit = self.any.iter().find(|c| c.holds(scan))?;
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

/// Compiled rules in order, with what they share: one automaton over all their keywords.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    keywords: Option<aho_corasick::AhoCorasick>,
}

impl RuleSet {
    pub fn new(mut rules: Vec<CompiledRule>) -> Self {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        for c in rules.iter_mut().flat_map(|r| r.all.iter_mut().chain(r.any.iter_mut())) {
            if let Test::Words(list, list_ids) = &mut c.test {
                *list_ids = list
                    .iter()
                    .map(|w| {
                        *ids.entry(w.clone()).or_insert_with(|| {
                            words.push(w.clone());
                            words.len() - 1
                        })
                    })
                    .collect();
            }
        }
        // Keywords are short lower-case words the rules were saved with; building cannot fail
        // for them, and without an automaton `contains_any` on text finds nothing.
        let keywords = (!words.is_empty()).then(|| aho_corasick::AhoCorasick::new(&words).ok()).flatten();
        Self { rules, keywords }
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }
}

/// Rules that match the facts for this trigger, in order, stopping after a `stop` rule.
pub fn matching(set: &RuleSet, trigger: Trigger, facts: &Facts) -> Vec<RuleMatch> {
    let scan = Scan { facts, set, subject_words: OnceCell::new(), body_words: OnceCell::new() };
    let mut out = Vec::new();
    for r in set.rules.iter().filter(|r| r.rule.enabled && r.rule.triggers.contains(&trigger)) {
        if let Some(m) = r.evaluate(&scan) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    /// The plain definition `word_hits` must agree with: `needle` somewhere at word boundaries.
    fn has_word(hay: &str, needle: &str) -> bool {
        hay.match_indices(needle).any(|(start, _)| at_word_boundaries(hay, start, start + needle.len()))
    }

    /// Random lower-case German-looking text: letters with umlauts and ß, digits, spaces, punctuation.
    fn random_text(rng: &mut rand::rngs::StdRng, len: usize) -> String {
        const PIECES: &[&str] = &[
            "a", "e", "i", "n", "r", "t", "s", "ä", "ö", "ü", "ß", "é", "0", "1", "5", "9", " ", " ", "-", ".", ":",
            "\n", "rat", "ung", "iban", "de", "rechnung", "ärger", "straße", "re:", "12345", "anwalt",
        ];
        (0..len).map(|_| PIECES[rng.gen_range(0..PIECES.len())]).collect()
    }

    #[test]
    fn a_pattern_with_its_gate_decides_as_the_exact_pattern_does() {
        let patterns = [
            r"\b(re|rechnung)[- ]?\d{4}-\d{5}\b",
            r"^(aw|wg|fwd?|re):\s",
            r"\b\d{5}\s+[a-zäöüß-]{3,}",
            r"\biban\b|\bde\d{2}\s?\d{4}",
            r"\bärger\b",
            r"straße\b",
            r"\Bung\b",
            r"\b(rat)+\b",
            r"(?:\brat\b){2}",
            r"\b{start}rat",
            r"ung\b{end}",
            r"(?-u:\b)rat(?-u:\b)",
            r"anwalt\w*",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let texts: Vec<String> = (0..3_000).map(|i| random_text(&mut rng, 1 + i % 40)).collect();
        let mut agreed_matches = 0;
        for p in patterns {
            let compiled = Pattern::new(p).expect("the pattern compiles");
            let has_gate = compiled.gate.is_some();
            assert_eq!(has_gate, p.contains(r"\b") && !p.contains("(?-u:") || p.contains(r"\B"), "gate for {p}");
            for t in &texts {
                let exact = compiled.exact.is_match(t);
                assert_eq!(compiled.is_match(t), exact, "{p:?} on {t:?}");
                agreed_matches += usize::from(exact);
            }
        }
        // The texts exercise both answers, not only "no match".
        assert!(agreed_matches > 1_000, "only {agreed_matches} matches");
    }

    #[test]
    fn keyword_hits_are_whole_words_found_in_one_scan() {
        let words: Vec<String> = ["rat", "ung", "ärger", "straße", "re", "de", "12345", "anwalt", "a e"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let automaton = aho_corasick::AhoCorasick::new(&words).expect("the keywords build");
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut found = 0;
        for i in 0..5_000 {
            let t = random_text(&mut rng, 1 + i % 30);
            let hits = word_hits(&automaton, &t);
            for (id, w) in words.iter().enumerate() {
                assert_eq!(hits[id], has_word(&t, w), "{w:?} in {t:?}");
                found += usize::from(hits[id]);
            }
        }
        assert!(found > 1_000, "only {found} hits");
        assert!(!has_word("beratung", "rat") && has_word("zur beratung: rat", "rat"));
    }

    fn rule(name: &str, conditions: Vec<Condition>, stop: bool) -> RoutingRule {
        let conditions = Conditions { all: conditions, any: Vec::new() };
        let actions = RuleActions { add_tags: vec![name.into()], ..Default::default() };
        RoutingRule { stop, ..RoutingRule::new(name, vec![Trigger::Created], conditions, actions, chrono::Utc::now()) }
    }

    fn cond(field: &str, op: Op, value: Value) -> Condition {
        Condition { field: field.into(), op, value }
    }

    #[test]
    fn contains_any_reads_the_field_it_names_with_keywords_shared_between_rules() {
        let rules = [
            rule("subject", vec![cond("subject", Op::ContainsAny, json!(["kündigung", "widerruf"]))], false),
            rule("body", vec![cond("body", Op::ContainsAny, json!(["widerruf"]))], false),
            rule("text", vec![cond("text", Op::ContainsAny, json!(["Mahnung", "kündigung"]))], false),
            rule("not", vec![cond("text", Op::NotContains, json!("danke"))], false),
            rule("regex", vec![cond("body", Op::Matches, json!(r"\bärger\b"))], false),
        ];
        let set = RuleSet::new(rules.iter().map(|r| compile(r).expect("the rule compiles")).collect());
        let names = |subject: &str, body: &str| {
            let facts = Facts { subject: subject.into(), body: body.into(), ..Default::default() };
            matching(&set, Trigger::Created, &facts).into_iter().map(|m| m.name).collect::<Vec<_>>()
        };
        assert_eq!(names("kündigung zum 31.", "bitte bestätigen"), ["subject", "text", "not"]);
        assert_eq!(names("frage", "ich mache den widerruf. viel ärger!"), ["body", "not", "regex"]);
        assert_eq!(names("ihre mahnung", "danke"), ["text"]);
        // Inside a longer word is not the word.
        assert_eq!(names("kündigungsfrist", "widerrufsrecht, ärgerlich, danke"), Vec::<String>::new());
        // A rule set without keywords evaluates the rest.
        let plain = RuleSet::new(vec![compile(&rules[3]).expect("the rule compiles")]);
        let facts = Facts { subject: "hallo".into(), ..Default::default() };
        assert_eq!(matching(&plain, Trigger::Created, &facts).len(), 1);
    }
}
