//! Cases (Anliegen): status lifecycle, ownership, team, priority, tags, reference token.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{CaseId, ContactId, MailboxId, TeamId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    Open,
    WaitingOnContact,
    WaitingOnThirdParty,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 6] =
        [Self::New, Self::Open, Self::WaitingOnContact, Self::WaitingOnThirdParty, Self::Resolved, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::WaitingOnContact => "waiting_on_contact",
            Self::WaitingOnThirdParty => "waiting_on_third_party",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Open cases are the ones someone must act on or wait for.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }

    /// The status a case takes when its contact writes again.
    pub fn on_contact_message(self) -> Self {
        match self {
            Self::New => Self::New,
            // Reopened: the contact answered or came back.
            _ => Self::Open,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "low" => Self::Low,
            "normal" => Self::Normal,
            "high" => Self::High,
            "urgent" => Self::Urgent,
            _ => return None,
        })
    }
    /// Stored as a number so lists can sort by it.
    pub fn rank(self) -> i64 {
        match self {
            Self::Low => 0,
            Self::Normal => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }
    pub fn from_rank(rank: i64) -> Self {
        match rank {
            i64::MIN..=0 => Self::Low,
            1 => Self::Normal,
            2 => Self::High,
            _ => Self::Urgent,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    /// Human reference number, shown as `R-1234` and used in the subject token `[#R-1234]`.
    pub number: i64,
    pub subject: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub contact_id: ContactId,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub mailbox_id: Option<MailboxId>,
    pub channel: String,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Since when the contact has been waiting for an answer (their oldest unanswered message);
    /// `None` when the organisation has answered. The inbox sorts by it.
    pub waiting_since: Option<Timestamp>,
    pub last_message_at: Timestamp,
    /// The start of the newest message, for inbox rows.
    pub preview: String,
    /// 0 when not escalated; higher levels reach further up (owner → team lead → supervisor).
    pub escalation_level: i32,
    pub escalation_reason: Option<String>,
    /// The categories of the newest analysed message (or as a person corrected them).
    pub categories: Vec<String>,
    /// Under the safeguarding protocol: no automatic replies, four-eyes on every reply.
    pub safeguarding: bool,
    /// The safeguarding protocol's deadline for the first response (around the clock).
    pub safeguarding_due_at: Option<Timestamp>,
    /// The SLA clock: targets, pauses, state (see `sla`).
    pub sla: crate::sla::CaseSla,
    /// When the current escalation was raised, and who acknowledged it when.
    pub escalated_at: Option<Timestamp>,
    pub escalation_ack_at: Option<Timestamp>,
    pub escalation_ack_by: Option<UserId>,
    /// Snoozed (Wiedervorlage): out of the inbox views until then.
    pub snoozed_until: Option<Timestamp>,
    /// When the watcher reported the case as unowned or inactive; cleared by the next activity.
    pub watch_flagged_at: Option<Timestamp>,
}

/// How many characters of a message the inbox shows.
pub const PREVIEW_CHARS: usize = 160;

/// The inbox preview of a message text: whitespace collapsed, quoted lines dropped, cut at a
/// character boundary.
pub fn preview_of(text: &str) -> String {
    let mut out = String::new();
    for word in text.lines().filter(|l| !l.trim_start().starts_with('>')).flat_map(str::split_whitespace) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= PREVIEW_CHARS {
            break;
        }
    }
    match out.char_indices().nth(PREVIEW_CHARS) {
        Some((i, _)) => format!("{}…", &out[..i]),
        None => out,
    }
}

impl Case {
    pub fn reference(&self) -> String {
        reference(self.number)
    }
}

pub fn reference(number: i64) -> String {
    format!("R-{number}")
}

/// Finds a case token such as `[#R-1234]` in a subject line.
pub fn find_reference_token(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(start) = rest.find("[#R-") {
        let after = &rest[start + 4..];
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

/// The subject of an outbound reply: `Re: ` once, and the case token once.
pub fn reply_subject(case_subject: &str, number: i64) -> String {
    let token = format!("[#{}]", reference(number));
    let base = case_subject.trim();
    let lower = base.to_lowercase();
    let prefixed =
        if lower.starts_with("re:") || lower.starts_with("aw:") { base.to_string() } else { format!("Re: {base}") };
    if prefixed.contains(&token) { prefixed } else { format!("{prefixed} {token}") }
}

/// Tags: trimmed, lower-case, no empties, no duplicates, sorted.
pub fn normalise_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

/// Filters for the case list. All optional; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub status: Option<Vec<CaseStatus>>,
    pub owner: Option<OwnerFilter>,
    pub team_id: Option<TeamId>,
    pub contact_id: Option<ContactId>,
    pub text: Option<String>,
    /// Cases of any of these teams.
    pub team_ids: Option<Vec<TeamId>>,
    /// Only cases this person may see (see [`Visibility`]).
    pub visible_to: Option<Visibility>,
    /// Only escalated cases.
    pub escalated: bool,
    /// Snoozed cases: hidden from the inbox until their time, or only those.
    pub snoozed: Option<SnoozeFilter>,
    pub limit: u32,
    pub cursor: Option<CaseCursor>,
}

/// How a list treats snoozed cases, at the given instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SnoozeFilter {
    Hide(Timestamp),
    Only(Timestamp),
}

/// What an agent may see: the cases of their teams, the cases they own, and cases no team has
/// been given yet (the shared inbox). Supervisors and administrators see everything (no filter).
#[derive(Debug, Clone, PartialEq)]
pub struct Visibility {
    pub user_id: UserId,
    pub team_ids: Vec<TeamId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OwnerFilter {
    User(UserId),
    Unowned,
}

/// Keyset cursor for the list sorted by waiting time (longest waiting first, then by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCursor {
    pub sort_key: i64,
    pub id: CaseId,
}

impl CaseCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.sort_key, self.id)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let (k, id) = s.split_once('.')?;
        Some(Self { sort_key: k.parse().ok()?, id: CaseId::parse(id)? })
    }
}

/// The sort key of the inbox: waiting cases by how long they wait (oldest first), answered cases after
/// them by their last activity. Smaller sorts first. Kept in a column so the list stays on an index.
pub fn sort_key(case: &Case) -> i64 {
    match case.waiting_since {
        Some(t) => t.timestamp_micros(),
        // Not waiting: after every waiting case; the most recent activity first.
        None => i64::MAX / 2 - case.last_message_at.timestamp_micros(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_token_anywhere_in_subject() {
        assert_eq!(find_reference_token("AW: Ihre Anfrage [#R-1234]"), Some(1234));
        assert_eq!(find_reference_token("[#R-] kaputt [#R-77] ok"), Some(77));
        assert_eq!(find_reference_token("R-1234 ohne Klammer"), None);
        assert_eq!(find_reference_token("[#R-12x]"), None);
    }

    #[test]
    fn reply_subject_adds_prefix_and_token_once() {
        assert_eq!(reply_subject("Rechnung falsch", 7), "Re: Rechnung falsch [#R-7]");
        assert_eq!(reply_subject("Re: Rechnung falsch [#R-7]", 7), "Re: Rechnung falsch [#R-7]");
        assert_eq!(reply_subject("AW: Frage", 9), "AW: Frage [#R-9]");
    }

    #[test]
    fn tags_are_normalised() {
        let t = normalise_tags(&[" VIP ".into(), "vip".into(), "".into(), "Rechnung".into()]);
        assert_eq!(t, vec!["rechnung".to_string(), "vip".to_string()]);
    }

    #[test]
    fn preview_skips_quotes_and_cuts_long_text() {
        assert_eq!(preview_of("Hallo,\n\n  wie geht's?\n> alter Text"), "Hallo, wie geht's?");
        let long = "Wort ".repeat(100);
        let p = preview_of(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(preview_of("Grüße ".repeat(40).as_str()).chars().count(), PREVIEW_CHARS + 1);
    }

    #[test]
    fn cursor_round_trips() {
        let c = CaseCursor { sort_key: -5, id: CaseId(uuid::Uuid::nil()) };
        assert_eq!(CaseCursor::decode(&c.encode()), Some(c));
        assert_eq!(CaseCursor::decode("garbage"), None);
    }

    #[test]
    fn reopen_rules() {
        assert_eq!(CaseStatus::Resolved.on_contact_message(), CaseStatus::Open);
        assert_eq!(CaseStatus::WaitingOnContact.on_contact_message(), CaseStatus::Open);
        assert_eq!(CaseStatus::New.on_contact_message(), CaseStatus::New);
    }
}
