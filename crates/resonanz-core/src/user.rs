//! Users (agents, supervisors, administrators), teams and API tokens.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{TeamId, TokenId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
}

impl Role {
    /// Whether this role may shape the organisation of work (create teams).
    pub fn manages_teams(self) -> bool {
        matches!(self, Self::Admin | Self::Supervisor)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Supervisor => "supervisor",
            Self::Agent => "agent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "supervisor" => Self::Supervisor,
            "agent" => Self::Agent,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// PHC string (argon2id). Never serialised.
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: Timestamp,
    /// UI language: `de` (default) or `en`.
    pub locale: String,
    /// Deactivated users cannot sign in; their history stays.
    pub active: bool,
    /// Failed sign-ins since the last success; reaching the limit locks the account for a while.
    #[serde(skip)]
    pub failed_logins: i64,
    #[serde(skip)]
    pub locked_until: Option<Timestamp>,
    /// Whether they take new cases now (routing skips those away or absent).
    pub availability: crate::routing::Availability,
    /// Absent until this instant; `None` while absent means until further notice.
    pub absent_until: Option<Timestamp>,
    /// Languages they answer in (primary tags such as `de`, `tr`).
    pub languages: Vec<String>,
    /// Their own daily cap on distressing cases; `None` uses the organisation's.
    pub distressing_cap: Option<i64>,
    pub notification_prefs: crate::notify::NotificationPrefs,
}

impl User {
    /// The first word of the display name, for greetings and signatures.
    pub fn first_name(&self) -> &str {
        self.display_name.split_whitespace().next().unwrap_or(&self.display_name)
    }
}

/// UI languages. German is the default.
pub const LOCALES: [&str; 2] = ["de", "en"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub created_at: Timestamp,
    /// The team lead: the first level of escalation.
    pub lead_user_id: Option<UserId>,
    /// The team's business calendar (a `CalendarSpec` as JSON); `None` uses the organisation's.
    pub calendar: Option<String>,
}

/// A user with the teams they belong to, as user lists show them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserView {
    pub user: User,
    pub team_ids: Vec<TeamId>,
}

/// A team with its members, as team lists show them.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamView {
    pub team: Team,
    pub member_ids: Vec<UserId>,
}

/// An API token as stored: only the SHA-256 of the secret is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub secret_sha256: String,
    pub created_at: Timestamp,
}

/// Who did something, for the audit trail and author kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    User(UserId),
    Contact(crate::ids::ContactId),
    System,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::Contact(id) => format!("contact:{id}"),
            Self::System => "system".into(),
        }
    }
}
