//! Administration: users (role, teams, active, password), teams, and mailboxes with a connection
//! check. Administrators only.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::admin::{NewMailbox, UserChange};
use resonanz_core::ids::{MailboxId, TeamId, UserId};
use resonanz_core::outbound::Mailbox;
use resonanz_core::user::{Actor, Role, Team, User};

use super::{Agent, FormData, FormErrors, Layout, error_page, parse_uuid, render, see_other};
use crate::AppState;

const ROLES: [&str; 3] = ["agent", "supervisor", "admin"];
/// Shown instead of a stored password; submitting it unchanged keeps the stored one.
const MASK: &str = "••••••";

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    l: Layout,
    users: Vec<(User, String)>,
    teams: Vec<(String, usize)>,
    mailboxes: Vec<Mailbox>,
    roles: [&'static str; 3],
    errors: FormErrors,
    user_form: (String, String),
    new_password: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    l: Layout,
    u: User,
    teams: Vec<(Team, bool)>,
    roles: [&'static str; 3],
    errors: FormErrors,
    /// The person's availability, absence and languages as the form shows them.
    prefs: super::account_prefs::AccountPrefs,
    /// The person's own daily cap of distressing cases (empty: the organisation's), and the default.
    cap: String,
    default_cap: i64,
}

pub struct MailboxForm {
    pub name: String,
    pub address: String,
    pub display_name: String,
    pub signature: String,
    pub imap_url: String,
    pub smtp_url: String,
    pub is_default: bool,
}

#[derive(Template)]
#[template(path = "admin_mailbox.html")]
struct MailboxPage {
    l: Layout,
    id: String,
    f: MailboxForm,
    errors: FormErrors,
    checks: Vec<(String, bool, String)>,
}

fn require_admin(agent: &Agent) -> Result<(), CoreError> {
    if agent.is_admin() { Ok(()) } else { Err(CoreError::Forbidden("administrators only".into())) }
}

/// `scheme://user:secret@host` → `scheme://user:••••••@host`.
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some(MASK));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The submitted URL, with the stored password put back where the mask was left.
fn unmask_url(submitted: &str, stored: Option<&str>) -> Option<String> {
    let submitted = submitted.trim();
    if submitted.is_empty() {
        return None;
    }
    let masked: String = url::form_urlencoded::byte_serialize(MASK.as_bytes()).collect();
    match (url::Url::parse(submitted), stored.and_then(|s| url::Url::parse(s).ok())) {
        // The stored password goes back only to the same server and user: a changed host with the
        // mask left in would otherwise send the real password there.
        (Ok(mut u), Some(old))
            if u.password().is_some_and(|p| p == MASK || p == masked)
                && (u.scheme(), u.host_str(), u.port(), u.username())
                    == (old.scheme(), old.host_str(), old.port(), old.username()) =>
        {
            let _ = u.set_password(old.password());
            Some(u.to_string())
        }
        _ => Some(submitted.to_string()),
    }
}

async fn admin_page(
    state: &AppState,
    agent: &Agent,
    errors: FormErrors,
    user_form: (String, String),
    new_password: Option<String>,
) -> Response {
    let r = async {
        require_admin(agent)?;
        let users = state.core.list_users().await?;
        let teams = state.core.list_teams().await?;
        let mailboxes = state.core.store.mailboxes().await?;
        Ok::<_, CoreError>((users, teams, mailboxes))
    }
    .await;
    let (users, teams, mailboxes) = match r {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let team_name =
        |id: &TeamId| teams.iter().find(|t| t.team.id == *id).map(|t| t.team.name.clone()).unwrap_or_default();
    let users = users
        .iter()
        .map(|u| (u.user.clone(), u.team_ids.iter().map(team_name).collect::<Vec<_>>().join(", ")))
        .collect();
    let failed = !errors.is_empty();
    let l = Layout::for_agent(state, agent, "admin", agent.tr().get("nav-admin")).await;
    let mut res = render(&AdminPage {
        l,
        users,
        teams: teams.iter().map(|t| (t.team.name.clone(), t.member_ids.len())).collect(),
        mailboxes,
        roles: ROLES,
        errors,
        user_form,
        new_password,
    });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn index(State(state): State<AppState>, agent: Agent) -> Response {
    admin_page(&state, &agent, FormErrors::default(), Default::default(), None).await
}

pub async fn create_user(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    if let Err(e) = require_admin(&agent) {
        return error_page(&state, Some(&agent), &e);
    }
    let role = Role::parse(&form.get("role")).unwrap_or(Role::Agent);
    let password = resonanz_core::passwords::generate();
    let hash = match resonanz_core::passwords::hash(&password) {
        Ok(h) => h,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    let r = state
        .core
        .create_user(&Actor::User(agent.user.id), &form.get("email"), &form.get("display_name"), role, hash)
        .await;
    match r {
        // The one-time password is shown once, to the administrator, to hand over.
        Ok(_) => admin_page(&state, &agent, FormErrors::default(), Default::default(), Some(password)).await,
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => {
                admin_page(&state, &agent, errors, (form.get("display_name"), form.get("email")), None).await
            }
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn create_team(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    match state.core.create_team(&Actor::User(agent.user.id), &form.get("name"), &[]).await {
        Ok(_) => see_other("/admin#teams"),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => admin_page(&state, &agent, errors, Default::default(), None).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

/// A refused availability form as it was sent: the availability fields and the cap.
type TypedAvailability = (super::account_prefs::AccountPrefs, String);

async fn user_page(
    state: &AppState,
    agent: &Agent,
    id: &str,
    errors: FormErrors,
    typed: Option<TypedAvailability>,
) -> Response {
    let r = async {
        require_admin(agent)?;
        let uid = parse_uuid(id).map(UserId).ok_or(CoreError::NotFound("user"))?;
        let u = state.core.store.user(uid).await?.ok_or(CoreError::NotFound("user"))?;
        let mine = state.core.teams_of(uid).await?;
        let teams = state.core.store.teams().await?.into_iter().map(|t| {
            let member = mine.contains(&t.id);
            (t, member)
        });
        let default_cap = state.core.responsibility_settings().await?.distressing_cap;
        Ok::<_, CoreError>((u, teams.collect(), default_cap))
    }
    .await;
    match r {
        Ok((u, teams, default_cap)) => {
            let failed = !errors.is_empty();
            let l = Layout::for_agent(state, agent, "admin", u.display_name.clone()).await;
            let (prefs, cap) = typed.unwrap_or_else(|| {
                let cap = u.distressing_cap.map(|c| c.to_string()).unwrap_or_default();
                (super::account_prefs::AccountPrefs::of(agent.tr(), &u), cap)
            });
            let mut res = render(&UserPage { l, u, teams, roles: ROLES, errors, prefs, cap, default_cap });
            if failed {
                *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            }
            res
        }
        Err(e) => error_page(state, Some(agent), &e),
    }
}

pub async fn user(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    user_page(&state, &agent, &id, FormErrors::default(), None).await
}

pub async fn update_user(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let Some(uid) = parse_uuid(&id).map(UserId) else {
        return error_page(&state, Some(&agent), &CoreError::NotFound("user"));
    };
    let change = UserChange {
        display_name: form.get("display_name"),
        role: Role::parse(&form.get("role")).unwrap_or(Role::Agent),
        team_ids: form.all("team_ids").iter().filter_map(|s| parse_uuid(s)).map(TeamId).collect(),
        active: form.get("active") == "1",
    };
    let r = state.core.update_user(&Actor::User(agent.user.id), uid, change).await;
    after_user_form(&state, &agent, &id, r, None).await
}

pub async fn set_password(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = require_admin(&agent) {
        return error_page(&state, Some(&agent), &e);
    }
    let Some(uid) = parse_uuid(&id).map(UserId) else {
        return error_page(&state, Some(&agent), &CoreError::NotFound("user"));
    };
    let r = state.core.set_password(&Actor::User(agent.user.id), uid, &form.get("new_password")).await;
    after_user_form(&state, &agent, &id, r, None).await
}

/// After a form on a person's page: back to the list, the page again with the refusal at its fields
/// (and a refused availability form as it was sent), or the error page.
async fn after_user_form<T>(
    state: &AppState,
    agent: &Agent,
    id: &str,
    result: Result<T, CoreError>,
    typed: Option<TypedAvailability>,
) -> Response {
    match result {
        Ok(_) => see_other("/admin#users"),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => user_page(state, agent, id, errors, typed).await,
            None => error_page(state, Some(agent), &e),
        },
    }
}

/// Someone else's availability, absence, languages and own daily cap of distressing cases
/// (administrators; an empty cap means the organisation's).
pub async fn set_user_availability(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = require_admin(&agent) {
        return error_page(&state, Some(&agent), &e);
    }
    let Some(uid) = parse_uuid(&id).map(UserId) else {
        return error_page(&state, Some(&agent), &CoreError::NotFound("user"));
    };
    let (availability, until, languages) = super::account_prefs::availability_of(&form);
    let raw_cap = form.get("distressing_cap");
    let typed = || {
        let prefs = super::account_prefs::AccountPrefs {
            availability: availability.as_str(),
            absent_until: form.get("absent_until"),
            languages: form.get("languages"),
            kinds: Vec::new(),
        };
        Some((prefs, raw_cap.clone()))
    };
    let cap = match raw_cap.trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some),
    };
    let Ok(cap) = cap else {
        let mut errors = FormErrors::default();
        errors.add("distressing_cap", agent.tr().get("err-whole-number"));
        return user_page(&state, &agent, &id, errors, typed()).await;
    };
    let r = state.core.set_availability(&agent.user, uid, availability, until, Some(languages), Some(cap)).await;
    after_user_form(&state, &agent, &id, r, typed()).await
}

fn form_of(m: &Mailbox) -> MailboxForm {
    MailboxForm {
        name: m.name.clone(),
        address: m.address.clone(),
        display_name: m.display_name.clone(),
        signature: m.signature.clone(),
        imap_url: m.imap_url.as_deref().map(mask_url).unwrap_or_default(),
        smtp_url: m.smtp_url.as_deref().map(mask_url).unwrap_or_default(),
        is_default: m.is_default,
    }
}

async fn mailbox_page(
    state: &AppState,
    agent: &Agent,
    id: String,
    f: MailboxForm,
    errors: FormErrors,
    checks: Vec<(String, bool, String)>,
) -> Response {
    if let Err(e) = require_admin(agent) {
        return error_page(state, Some(agent), &e);
    }
    let failed = !errors.is_empty();
    let l = Layout::for_agent(state, agent, "admin", agent.tr().get("admin-mailboxes")).await;
    let mut res = render(&MailboxPage { l, id, f, errors, checks });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn find_mailbox(state: &AppState, id: &str) -> Result<Mailbox, CoreError> {
    let id = parse_uuid(id).map(MailboxId).ok_or(CoreError::NotFound("mailbox"))?;
    state.core.store.mailboxes().await?.into_iter().find(|m| m.id == id).ok_or(CoreError::NotFound("mailbox"))
}

pub async fn mailbox(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    if id == "new" {
        let f = MailboxForm {
            name: String::new(),
            address: String::new(),
            display_name: String::new(),
            signature: String::new(),
            imap_url: String::new(),
            smtp_url: String::new(),
            is_default: false,
        };
        return mailbox_page(&state, &agent, String::new(), f, FormErrors::default(), Vec::new()).await;
    }
    match find_mailbox(&state, &id).await {
        Ok(m) => mailbox_page(&state, &agent, id, form_of(&m), FormErrors::default(), Vec::new()).await,
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

fn mailbox_input(form: &FormData, stored: Option<&Mailbox>) -> NewMailbox {
    NewMailbox {
        name: form.get("name"),
        address: form.get("address"),
        display_name: form.get("display_name"),
        signature: form.get("signature"),
        imap_url: unmask_url(&form.get("imap_url"), stored.and_then(|m| m.imap_url.as_deref())),
        smtp_url: unmask_url(&form.get("smtp_url"), stored.and_then(|m| m.smtp_url.as_deref())),
        is_default: form.get("is_default") == "1",
    }
}

fn submitted(form: &FormData) -> MailboxForm {
    MailboxForm {
        name: form.get("name"),
        address: form.get("address"),
        display_name: form.get("display_name"),
        signature: form.get("signature"),
        imap_url: form.get("imap_url"),
        smtp_url: form.get("smtp_url"),
        is_default: form.get("is_default") == "1",
    }
}

pub async fn save_mailbox(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = require_admin(&agent) {
        return error_page(&state, Some(&agent), &e);
    }
    let actor = Actor::User(agent.user.id);
    let r = if id.is_empty() || id == "new" {
        state.core.add_mailbox(&actor, mailbox_input(&form, None)).await
    } else {
        match find_mailbox(&state, &id).await {
            Ok(m) => state.core.update_mailbox(&actor, m.id, mailbox_input(&form, Some(&m))).await,
            Err(e) => Err(e),
        }
    };
    match r {
        Ok(m) => see_other(&format!("/admin/mailboxes/{}", m.id)),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => mailbox_page(&state, &agent, id, submitted(&form), errors, Vec::new()).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn create_mailbox(state: State<AppState>, agent: Agent, form: FormData) -> Response {
    save_mailbox(state, agent, Path(String::new()), form).await
}

/// Logs in to IMAP and SMTP with the stored settings and shows what happened.
pub async fn check_mailbox(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    if let Err(e) = require_admin(&agent) {
        return error_page(&state, Some(&agent), &e);
    }
    let t = agent.tr();
    match find_mailbox(&state, &id).await {
        Ok(m) => {
            let results = (state.ui.check_mailbox)(m.clone()).await;
            let checks = results
                .into_iter()
                .map(|(what, r)| match r {
                    Ok(()) => (what, true, t.get("check-ok")),
                    Err(e) => (what, false, e),
                })
                .collect();
            mailbox_page(&state, &agent, id, form_of(&m), FormErrors::default(), checks).await
        }
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_passwords_are_masked_and_restored() {
        let stored = "imaps://service:geheim@imap.example.org/INBOX";
        let shown = mask_url(stored);
        assert!(!shown.contains("geheim"), "{shown}");
        assert_eq!(unmask_url(&shown, Some(stored)).as_deref(), Some(stored));
        assert_eq!(
            unmask_url("imaps://service:neu@imap.example.org/INBOX", Some(stored)).as_deref(),
            Some("imaps://service:neu@imap.example.org/INBOX")
        );
        assert_eq!(unmask_url("  ", Some(stored)), None);
        // Another server keeps the mask, never the stored password.
        let elsewhere = shown.replace("imap.example.org", "attacker.example");
        assert!(!unmask_url(&elsewhere, Some(stored)).unwrap().contains("geheim"));
    }
}
