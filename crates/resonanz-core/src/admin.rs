//! Administrative use cases: users, teams, API tokens, mailboxes, the audit check.

use std::collections::HashMap;

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::{ChainError, ChainVerifier, NewAuditEvent};
use crate::contact::EmailAddress;
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::{MailboxId, TeamId, TokenId, UserId};
use crate::outbound::Mailbox;
use crate::service::Core;
use crate::user::{Actor, ApiToken, Role, Team, TeamView, User, UserView};

/// Input for a new mailbox. (No `Debug`: the server URLs carry passwords.)
#[derive(Clone, Default)]
pub struct NewMailbox {
    pub name: String,
    pub address: String,
    pub display_name: String,
    pub signature: String,
    pub imap_url: Option<String>,
    pub smtp_url: Option<String>,
    pub is_default: bool,
}

/// An administrator's change to a user.
#[derive(Debug, Clone)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub team_ids: Vec<TeamId>,
    pub active: bool,
}

pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Core {
    /// Creates a user. `password_hash` is a PHC string made by the caller (argon2id).
    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        role: Role,
        password_hash: String,
    ) -> CoreResult<User> {
        let email = EmailAddress::parse(email).map_err(|m| CoreError::invalid("email", "invalid_email", m))?;
        if self.store.user_by_email(email.as_str()).await?.is_some() {
            return Err(CoreError::invalid("email", "taken", "a user with this address exists"));
        }
        let now = self.clock.now();
        let user = User {
            id: UserId::new(now),
            email: email.to_string(),
            display_name: if name.trim().is_empty() { email.to_string() } else { name.trim().to_string() },
            role,
            password_hash,
            created_at: now,
            locale: "de".into(),
            active: true,
            failed_logins: 0,
            locked_until: None,
            availability: Default::default(),
            absent_until: None,
            languages: Vec::new(),
            distressing_cap: None,
            notification_prefs: Default::default(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "user.created", "user", user.id, now)
                .after(serde_json::json!({"email": user.email, "role": user.role})),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates a team with its members. Only admins and supervisors may (and the system, i.e. an
    /// operator on the command line); an unknown member is a field error `member_ids[i]`.
    pub async fn create_team(&self, actor: &Actor, name: &str, members: &[UserId]) -> CoreResult<TeamView> {
        self.require_team_manager(actor).await?;
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "required", "a team needs a name"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new("name", "too_long", "at most 200 characters"));
        } else if self.store.teams().await?.iter().any(|t| t.name.to_lowercase() == name.to_lowercase()) {
            // Checked here for a field error; the unique index still decides a race (409).
            errors.push(FieldError::new("name", "taken", "a team with this name exists"));
        }
        let mut member_ids: Vec<UserId> = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if self.store.user(*m).await?.is_none() {
                errors.push(FieldError::new(&format!("member_ids[{i}]"), "unknown_user", "no such user"));
            } else if !member_ids.contains(m) {
                member_ids.push(*m);
            }
        }
        crate::contact::check(errors)?;
        let now = self.clock.now();
        let team =
            Team { id: TeamId::new(now), name: name.into(), created_at: now, lead_user_id: None, calendar: None };
        let mut tx = self.store.begin().await?;
        tx.insert_team(&team).await?;
        for m in &member_ids {
            tx.add_team_member(team.id, *m).await?;
        }
        tx.append_audit(
            NewAuditEvent::new(actor, "team.created", "team", team.id, now)
                .after(serde_json::json!({"name": team.name, "member_ids": member_ids})),
        )
        .await?;
        tx.commit().await?;
        Ok(TeamView { team, member_ids })
    }

    /// Sets a user's UI language (their own, or an admin's change).
    pub async fn set_locale(&self, actor: &Actor, user: UserId, locale: &str) -> CoreResult<()> {
        if !crate::user::LOCALES.contains(&locale) {
            return Err(CoreError::invalid("locale", "invalid_locale", "de or en"));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut u = tx.user(user).await?.ok_or(CoreError::NotFound("user"))?;
        u.locale = locale.into();
        tx.update_user(&u).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "user.locale_changed", "user", user, now)
                .after(serde_json::json!({"locale": locale})),
        )
        .await?;
        tx.commit().await
    }

    /// An administrator changes a user: name, role, teams, active. Deactivating ends their sessions.
    pub async fn update_user(&self, actor: &Actor, user: UserId, change: UserChange) -> CoreResult<User> {
        self.require_admin(actor).await?;
        let mut errors = Vec::new();
        let name = change.display_name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("display_name", "required", "a name is required"));
        }
        let teams = self.store.teams().await?;
        for (i, t) in change.team_ids.iter().enumerate() {
            if !teams.iter().any(|x| x.id == *t) {
                errors.push(FieldError::new(&format!("team_ids[{i}]"), "unknown_team", "no such team"));
            }
        }
        if *actor == Actor::User(user) && (!change.active || change.role != Role::Admin) {
            errors.push(FieldError::new("role", "own_admin", "you cannot take away your own administration"));
        }
        crate::contact::check(errors)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let before = tx.user(user).await?.ok_or(CoreError::NotFound("user"))?;
        let mut u = before.clone();
        u.display_name = name;
        u.role = change.role;
        u.active = change.active;
        tx.update_user(&u).await?;
        tx.set_user_teams(user, &change.team_ids).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "user.updated", "user", user, now)
                .before(serde_json::json!({"display_name": before.display_name, "role": before.role, "active": before.active}))
                .after(serde_json::json!({"display_name": u.display_name, "role": u.role, "active": u.active, "team_ids": change.team_ids})),
        )
        .await?;
        tx.commit().await?;
        if !u.active {
            self.store.delete_user_sessions(user, None).await?;
        }
        Ok(u)
    }

    /// Changes a mailbox's settings (administrators only).
    pub async fn update_mailbox(&self, actor: &Actor, id: MailboxId, input: NewMailbox) -> CoreResult<Mailbox> {
        self.require_admin(actor).await?;
        let address =
            EmailAddress::parse(&input.address).map_err(|m| CoreError::invalid("address", "invalid_email", m))?;
        if input.name.trim().is_empty() {
            return Err(CoreError::invalid("name", "required", "a mailbox needs a name"));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut m = tx.mailbox(id).await?.ok_or(CoreError::NotFound("mailbox"))?;
        m.name = input.name.trim().into();
        m.address = address.to_string();
        m.display_name = input.display_name.trim().into();
        m.signature = input.signature;
        m.imap_url = input.imap_url.filter(|u| !u.trim().is_empty());
        m.smtp_url = input.smtp_url.filter(|u| !u.trim().is_empty());
        m.is_default = input.is_default;
        tx.update_mailbox(&m).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "mailbox.updated", "mailbox", id, now)
                .after(serde_json::json!({"name": m.name, "address": m.address, "is_default": m.is_default})),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Whether an actor may do something only some roles may: the system (an operator on the
    /// command line) always may, contacts never, people by their role.
    pub(crate) async fn require_role(
        &self,
        actor: &Actor,
        allowed: impl Fn(Role) -> bool,
        refusal: &str,
    ) -> CoreResult<()> {
        let ok = match actor {
            Actor::System => true,
            Actor::User(id) => self.store.user(*id).await?.is_some_and(|u| allowed(u.role)),
            Actor::Contact(_) => false,
        };
        if ok { Ok(()) } else { Err(CoreError::Forbidden(refusal.into())) }
    }

    async fn require_admin(&self, actor: &Actor) -> CoreResult<()> {
        self.require_role(actor, |r| r == Role::Admin, "only administrators may do this").await
    }

    async fn require_team_manager(&self, actor: &Actor) -> CoreResult<()> {
        self.require_role(actor, Role::manages_teams, "only admins and supervisors may create teams").await
    }

    /// Every user with their team ids, ordered by display name.
    pub async fn list_users(&self) -> CoreResult<Vec<UserView>> {
        let mut teams_of: HashMap<UserId, Vec<TeamId>> = HashMap::new();
        for (t, u) in self.store.team_members().await? {
            teams_of.entry(u).or_default().push(t);
        }
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|user| UserView { team_ids: teams_of.remove(&user.id).unwrap_or_default(), user })
            .collect())
    }

    /// Every team with its member ids, ordered by name.
    pub async fn list_teams(&self) -> CoreResult<Vec<TeamView>> {
        let mut members_of: HashMap<TeamId, Vec<UserId>> = HashMap::new();
        for (t, u) in self.store.team_members().await? {
            members_of.entry(t).or_default().push(u);
        }
        Ok(self
            .store
            .teams()
            .await?
            .into_iter()
            .map(|team| TeamView { member_ids: members_of.remove(&team.id).unwrap_or_default(), team })
            .collect())
    }

    /// Creates an API token and returns its secret, which is shown once and stored only hashed.
    pub async fn create_token(&self, actor: &Actor, user: UserId, name: &str) -> CoreResult<String> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let secret = format!("rz_{}", hex::encode(bytes));
        let now = self.clock.now();
        let token = ApiToken {
            id: TokenId::new(now),
            user_id: user,
            name: name.to_string(),
            secret_sha256: token_hash(&secret),
            created_at: now,
        };
        let mut tx = self.store.begin().await?;
        if tx.user(user).await?.is_none() {
            return Err(CoreError::NotFound("user"));
        }
        tx.insert_token(&token).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "token.created", "user", user, now)
                .after(serde_json::json!({"token_id": token.id, "name": name})),
        )
        .await?;
        tx.commit().await?;
        Ok(secret)
    }

    pub async fn user_for_token(&self, secret: &str) -> CoreResult<Option<User>> {
        Ok(self.store.token_by_secret(&token_hash(secret)).await?.map(|(_, u)| u).filter(|u| u.active))
    }

    pub async fn add_mailbox(&self, actor: &Actor, input: NewMailbox) -> CoreResult<Mailbox> {
        let address =
            EmailAddress::parse(&input.address).map_err(|m| CoreError::invalid("address", "invalid_email", m))?;
        if input.name.trim().is_empty() {
            return Err(CoreError::invalid("name", "required", "a mailbox needs a name"));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let is_default = input.is_default || tx.default_mailbox().await?.is_none();
        let mailbox = Mailbox {
            id: MailboxId::new(now),
            name: input.name.trim().into(),
            address: address.to_string(),
            display_name: input.display_name,
            signature: input.signature,
            imap_url: input.imap_url,
            smtp_url: input.smtp_url,
            is_default,
            created_at: now,
        };
        tx.insert_mailbox(&mailbox).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "mailbox.created", "mailbox", mailbox.id, now)
                .after(serde_json::json!({"name": mailbox.name, "address": mailbox.address})),
        )
        .await?;
        tx.commit().await?;
        Ok(mailbox)
    }

    /// Walks the whole audit chain in pages and checks that it ends at the recorded head.
    /// Returns the number of events checked.
    pub async fn verify_audit(&self) -> CoreResult<Result<u64, ChainError>> {
        // The head first: events appended while we walk lie beyond it and are not checked.
        let (head_seq, head_hash) = self.store.audit_head().await?;
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        while after < head_seq {
            let page = self.store.audit_events(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for event in page.iter().take_while(|e| e.seq <= head_seq) {
                if let Err(e) = verifier.check(event) {
                    return Ok(Err(e));
                }
            }
        }
        Ok(verifier.finish(head_seq, &head_hash))
    }
}
