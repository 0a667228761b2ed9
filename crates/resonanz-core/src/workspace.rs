//! The agent workspace: inbox views, visibility, handovers and their acknowledgement, escalation,
//! notifications (@mentions, handovers), presence on a case, saved views and bulk actions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::case::{Case, CaseCursor, CaseFilter, CaseStatus, OwnerFilter, SnoozeFilter, Visibility};
use crate::clock::Timestamp;
use crate::contact::Contact;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, HandoverId, NotificationId, SavedViewId, TeamId, UserId};
use crate::service::{CasePatch, Core, Page};
use crate::user::{Actor, Role, User};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    pub id: HandoverId,
    pub case_id: CaseId,
    pub from_user_id: Option<UserId>,
    pub to_user_id: Option<UserId>,
    pub by_user_id: UserId,
    pub note: String,
    pub created_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    /// When the recipient was reminded, and when the unacknowledged handover was escalated.
    pub reminded_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    /// `mention` or `handover` (more to come with routing and SLAs).
    pub kind: String,
    pub case_id: Option<CaseId>,
    pub actor_user_id: Option<UserId>,
    pub body: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

impl Notification {
    pub fn new(
        user_id: UserId,
        kind: &str,
        case_id: Option<CaseId>,
        actor_user_id: Option<UserId>,
        body: String,
        now: Timestamp,
    ) -> Self {
        Self {
            id: NotificationId::new(now),
            user_id,
            kind: kind.into(),
            case_id,
            actor_user_id,
            body: body.chars().take(500).collect(),
            created_at: now,
            read_at: None,
        }
    }
}

/// What someone is doing on a case, refreshed by heartbeats from the case page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Composing,
    Left,
}

impl PresenceState {
    pub fn code(self) -> i64 {
        match self {
            Self::Viewing => 0,
            Self::Composing => 1,
            Self::Left => -1,
        }
    }
    pub fn from_code(c: i64) -> Self {
        match c {
            1 => Self::Composing,
            0 => Self::Viewing,
            _ => Self::Left,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub case_id: CaseId,
    pub user_id: UserId,
    pub state: PresenceState,
    pub seen_at: Timestamp,
}

/// A heartbeat older than this no longer counts as present.
pub const PRESENCE_TTL: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: SavedViewId,
    pub user_id: UserId,
    pub name: String,
    /// The inbox query string (`view=…&status=…`), as the inbox form produces it.
    pub query: String,
    pub created_at: Timestamp,
}

/// The inbox's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxView {
    Mine,
    Teams,
    Unowned,
    Waiting,
    Escalated,
    /// Snoozed cases, until they return.
    Snoozed,
    All,
}

impl InboxView {
    pub const ALL: [InboxView; 7] =
        [Self::Mine, Self::Teams, Self::Unowned, Self::Waiting, Self::Escalated, Self::Snoozed, Self::All];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::Teams => "teams",
            Self::Unowned => "unowned",
            Self::Waiting => "waiting",
            Self::Escalated => "escalated",
            Self::Snoozed => "snoozed",
            Self::All => "all",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The statuses someone still has to act on.
pub const ACTIONABLE: [CaseStatus; 3] = [CaseStatus::New, CaseStatus::Open, CaseStatus::WaitingOnThirdParty];

/// Narrowing of an inbox view by the filter form.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub view: Option<InboxView>,
    pub status: Option<CaseStatus>,
    pub team_id: Option<TeamId>,
    pub text: Option<String>,
    pub cursor: Option<CaseCursor>,
    pub limit: u32,
}

/// One row of the inbox: the case and what the row shows beside it.
#[derive(Debug, Clone)]
pub struct InboxRow {
    pub case: Case,
    pub contact: Option<Contact>,
    pub owner: Option<String>,
}

impl InboxRow {
    /// The next SLA instant that matters: the first response while it is open, else the
    /// resolution (none once resolved or while paused).
    pub fn sla_due(&self) -> Option<Timestamp> {
        let s = &self.case.sla;
        if s.resolved_at.is_some() || s.paused_at.is_some() {
            return None;
        }
        match s.first_responded_at {
            None => s.first_response_due.or(s.resolution_due),
            Some(_) => s.resolution_due,
        }
    }
}

/// Finds `@name` mentions: a user's e-mail local part (`@anna.schmidt`), their first name
/// (`@anna`) or their name without spaces (`@annaschmidt`), case-insensitive.
pub fn mentioned_users<'a>(text: &str, users: &'a [User]) -> Vec<&'a User> {
    let mut out: Vec<&User> = Vec::new();
    for (i, _) in text.match_indices('@') {
        // An address such as a@b.de is no mention.
        if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
            continue;
        }
        let word: String =
            text[i + 1..].chars().take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '-' || *c == '_').collect();
        let word = word.trim_end_matches('.').to_lowercase();
        if word.is_empty() {
            continue;
        }
        let found = users.iter().filter(|u| u.active).find(|u| {
            let local = u.email.split('@').next().unwrap_or_default().to_lowercase();
            let joined: String = u.display_name.split_whitespace().collect::<String>().to_lowercase();
            local == word || joined == word
        });
        let found = found.or_else(|| {
            let by_first: Vec<&User> =
                users.iter().filter(|u| u.active && u.first_name().to_lowercase() == word).collect();
            // A first name only counts when it is unambiguous.
            (by_first.len() == 1).then(|| by_first[0])
        });
        if let Some(u) = found
            && !out.iter().any(|o| o.id == u.id)
        {
            out.push(u);
        }
    }
    out
}

/// The longest handover note or escalation reason.
pub const MAX_NOTE_CHARS: usize = 2000;

/// The most cases one bulk action may change.
pub const MAX_BULK: usize = 200;

/// A bulk action over several cases.
#[derive(Debug, Clone)]
pub enum BulkAction {
    Assign { owner: Option<UserId>, note: String },
    AddTag(String),
    Status(CaseStatus),
}

/// What a bulk action did: how many cases changed and which could not (with why).
#[derive(Debug, Default)]
pub struct BulkOutcome {
    pub changed: usize,
    /// The cases left unchanged, each with why (shown in the user's language by the pages).
    pub failed: Vec<(CaseId, CoreError)>,
}

impl Core {
    /// The teams a user belongs to.
    pub async fn teams_of(&self, user: UserId) -> CoreResult<Vec<TeamId>> {
        Ok(self.store.team_members().await?.into_iter().filter(|(_, u)| *u == user).map(|(t, _)| t).collect())
    }

    /// The visibility filter for a user's case lists: none for supervisors and admins.
    pub async fn visibility_for(&self, user: &User) -> CoreResult<Option<Visibility>> {
        if user.role != Role::Agent {
            return Ok(None);
        }
        Ok(Some(Visibility { user_id: user.id, team_ids: self.teams_of(user.id).await? }))
    }

    /// Whether a user may see a case: supervisors and admins see all; agents the cases of their
    /// teams, their own and those without a team.
    pub async fn can_see(&self, user: &User, case: &Case) -> CoreResult<bool> {
        if user.role != Role::Agent || case.owner_id == Some(user.id) {
            return Ok(true);
        }
        Ok(match case.team_id {
            None => true,
            Some(t) => self.teams_of(user.id).await?.contains(&t),
        })
    }

    /// A case the user may see, or not found (never "forbidden": that would confirm it exists).
    pub async fn visible_case(&self, user: &User, id: CaseId) -> CoreResult<Case> {
        let case = self.store.case(id).await?.ok_or(CoreError::NotFound("case"))?;
        if self.can_see(user, &case).await? { Ok(case) } else { Err(CoreError::NotFound("case")) }
    }

    /// The inbox: a view narrowed by the query, sorted by waiting time, with what each row shows.
    pub async fn inbox(&self, user: &User, q: &InboxQuery) -> CoreResult<Page<InboxRow>> {
        let my_teams = self.teams_of(user.id).await?;
        let view = q.view.unwrap_or(InboxView::Mine);
        let mut f = CaseFilter {
            limit: if q.limit == 0 { 50 } else { q.limit },
            cursor: q.cursor.clone(),
            text: q.text.clone().filter(|t| !t.trim().is_empty()),
            team_id: q.team_id,
            ..Default::default()
        };
        if user.role == Role::Agent {
            f.visible_to = Some(Visibility { user_id: user.id, team_ids: my_teams.clone() });
        }
        let mut status = ACTIONABLE.to_vec();
        match view {
            InboxView::Mine => f.owner = Some(OwnerFilter::User(user.id)),
            InboxView::Teams => f.team_ids = Some(my_teams),
            InboxView::Unowned => f.owner = Some(OwnerFilter::Unowned),
            InboxView::Waiting => status = vec![CaseStatus::WaitingOnContact],
            InboxView::Escalated => f.escalated = true,
            InboxView::Snoozed => {
                f.snoozed = Some(SnoozeFilter::Only(self.clock.now()));
                status = CaseStatus::ALL.iter().copied().filter(|s| s.is_open()).collect();
            }
            InboxView::All => status = CaseStatus::ALL.to_vec(),
        }
        if !matches!(view, InboxView::Snoozed | InboxView::All) {
            f.snoozed = Some(SnoozeFilter::Hide(self.clock.now()));
        }
        f.status = Some(match q.status {
            Some(s) => vec![s],
            None => status,
        });
        let page = self.list_cases(f).await?;
        let contact_ids: Vec<_> = page.items.iter().map(|c| c.contact_id).collect();
        let mut contacts: HashMap<_, Contact> =
            self.store.contacts_by_ids(&contact_ids).await?.into_iter().map(|c| (c.id, c)).collect();
        let names: HashMap<UserId, String> =
            self.store.list_users().await?.into_iter().map(|u| (u.id, u.display_name)).collect();
        let items = page
            .items
            .into_iter()
            .map(|case| InboxRow {
                contact: contacts.remove(&case.contact_id),
                owner: case.owner_id.and_then(|o| names.get(&o).cloned()),
                case,
            })
            .collect();
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    /// The recipient of a handover confirms they have taken it over.
    pub async fn acknowledge_handover(&self, case_id: CaseId, user: UserId) -> CoreResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(open) = tx.open_handover(case_id).await? else {
            return Err(CoreError::Conflict("there is no open handover on this case".into()));
        };
        if open.to_user_id != Some(user) {
            return Err(CoreError::Forbidden("only the new owner acknowledges a handover".into()));
        }
        tx.acknowledge_handover(open.id, now).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(user), "case.handover_acknowledged", "case", case_id, now)
                .after(serde_json::json!({"handover_id": open.id})),
        )
        .await?;
        tx.commit().await
    }

    /// Applies one action to several cases, each in its own transaction, so that one refusal
    /// (a missing handover note, a case someone else deleted) does not undo the rest.
    pub async fn bulk(&self, user: &User, ids: &[CaseId], action: &BulkAction) -> CoreResult<BulkOutcome> {
        // An inbox page shows 50 rows; more than a few pages at once is no longer a selection.
        if ids.len() > MAX_BULK {
            return Err(CoreError::invalid("case_ids", "too_many", format!("at most {MAX_BULK} cases at once")));
        }
        let mut out = BulkOutcome::default();
        for id in ids {
            let result = async {
                let case = self.visible_case(user, *id).await?;
                match action {
                    BulkAction::Assign { owner, note } => self.assign(*id, user.id, *owner, note).await.map(|_| ()),
                    BulkAction::AddTag(tag) => {
                        let mut tags = case.tags.clone();
                        tags.push(tag.clone());
                        let patch = CasePatch { tags: Some(tags), ..Default::default() };
                        self.update_case(*id, &Actor::User(user.id), patch).await.map(|_| ())
                    }
                    BulkAction::Status(s) => {
                        let patch = CasePatch { status: Some(*s), ..Default::default() };
                        self.update_case(*id, &Actor::User(user.id), patch).await.map(|_| ())
                    }
                }
            }
            .await;
            match result {
                Ok(()) => out.changed += 1,
                Err(e) => out.failed.push((*id, e)),
            }
        }
        Ok(out)
    }

    /// Records a heartbeat of someone on a case page.
    pub async fn heartbeat(&self, case_id: CaseId, user: UserId, state: PresenceState) -> CoreResult<Vec<Presence>> {
        let now = self.clock.now();
        self.store.upsert_presence(&Presence { case_id, user_id: user, state, seen_at: now }).await?;
        self.present_on(case_id).await
    }

    /// Who is on a case now (heartbeat within the last minute and not left).
    pub async fn present_on(&self, case_id: CaseId) -> CoreResult<Vec<Presence>> {
        let now = self.clock.now();
        Ok(self
            .store
            .case_presence(case_id)
            .await?
            .into_iter()
            .filter(|p| p.state != PresenceState::Left && p.seen_at + PRESENCE_TTL > now)
            .collect())
    }

    pub async fn save_view(&self, user: UserId, name: &str, query: &str) -> CoreResult<SavedView> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(CoreError::invalid("name", "required", "a name of 1 to 80 characters"));
        }
        let now = self.clock.now();
        let view = SavedView {
            id: SavedViewId::new(now),
            user_id: user,
            name: name.into(),
            query: query.chars().take(2000).collect(),
            created_at: now,
        };
        if self.store.saved_views(user).await?.iter().any(|v| v.name == view.name) {
            return Err(CoreError::invalid("name", "taken", "you have a view with this name"));
        }
        self.store.insert_saved_view(&view).await?;
        Ok(view)
    }
}

/// A short text for an error, as bulk results and forms show it.
pub fn error_text(e: &CoreError) -> String {
    match e {
        CoreError::Invalid(errors) => errors.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
        // The database's words stay in the log, not on the page.
        CoreError::Storage(_) => "an internal error occurred".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, email: &str) -> User {
        User {
            id: UserId::new(Timestamp::default()),
            email: email.into(),
            display_name: name.into(),
            role: Role::Agent,
            password_hash: String::new(),
            created_at: Timestamp::default(),
            locale: "de".into(),
            active: true,
            failed_logins: 0,
            locked_until: None,
            availability: Default::default(),
            absent_until: None,
            languages: Vec::new(),
            distressing_cap: None,
            notification_prefs: Default::default(),
        }
    }

    #[test]
    fn finds_mentions_by_local_part_full_name_and_unique_first_name() {
        let users = vec![
            user("Anna Schmidt", "anna.schmidt@rz.example"),
            user("Jonas Weber", "jw@rz.example"),
            user("Jonas Becker", "jb@rz.example"),
        ];
        let found = mentioned_users("@anna.schmidt bitte, und @JonasWeber. Danke an @jonas", &users);
        let names: Vec<_> = found.iter().map(|u| u.display_name.as_str()).collect();
        assert_eq!(names, vec!["Anna Schmidt", "Jonas Weber"]);
        assert!(mentioned_users("schreib an kunde@anna.example", &users).is_empty());
        assert_eq!(mentioned_users("@anna, @anna", &users).len(), 1);
    }
}
