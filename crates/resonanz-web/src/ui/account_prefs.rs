//! One's own availability (present, away, absent until), languages, and notification preferences
//! (per kind: off, in the app, in the app and by e-mail) on the account page.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use resonanz_core::notify::{Delivery, KINDS};
use resonanz_core::routing::Availability;
use resonanz_core::user::User;

use super::{Agent, FormData, FormErrors, Tr, error_page, see_other};
use crate::AppState;

/// What the account page shows about availability and notifications.
pub struct AccountPrefs {
    pub availability: &'static str,
    pub absent_until: String,
    pub languages: String,
    /// (kind, label, current delivery, may be turned off)
    pub kinds: Vec<(&'static str, String, &'static str, bool)>,
}

impl AccountPrefs {
    pub fn of(t: Tr, u: &User) -> Self {
        Self {
            availability: u.availability.as_str(),
            absent_until: u.absent_until.map(super::i18n::local_value).unwrap_or_default(),
            languages: u.languages.join(", "),
            kinds: KINDS
                .iter()
                .map(|(k, _, optional)| {
                    (*k, t.key("notify-kind", k), u.notification_prefs.delivery(k).as_str(), *optional)
                })
                .collect(),
        }
    }
}

/// The availability form's fields (one's own on the account page, anyone's on the administration's
/// user page): availability, absent until (local time), languages.
pub fn availability_of(form: &FormData) -> (Availability, Option<resonanz_core::Timestamp>, Vec<String>) {
    let availability = Availability::parse(&form.get("availability")).unwrap_or_default();
    let until = super::i18n::local_input(&form.get("absent_until"));
    let languages = form.get("languages").split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
    (availability, until, languages)
}

pub async fn save_availability(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let (availability, until, languages) = availability_of(&form);
    match state.core.set_availability(&agent.user, agent.user.id, availability, until, Some(languages), None).await {
        Ok(_) => see_other("/account#availability"),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => super::auth::account_with_errors(&state, &agent, errors).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn save_notifications(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let mut prefs = BTreeMap::new();
    for (k, _, _) in KINDS {
        if let Some(d) = Delivery::parse(&form.get(&format!("kind_{k}"))) {
            prefs.insert(k.to_string(), d);
        }
    }
    match state.core.set_notification_prefs(agent.user.id, prefs).await {
        Ok(_) => see_other("/account#notification-prefs"),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}
