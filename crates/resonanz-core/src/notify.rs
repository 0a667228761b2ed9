//! Notifications: in the app (the notification centre) and by e-mail, as each person prefers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, UserId};
use crate::jobs::{NewJob, SendSystemMail};
use crate::store::Tx;
use crate::workspace::Notification;

/// Where a kind of notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Not at all.
    Off,
    /// In the notification centre.
    App,
    /// In the notification centre and by e-mail.
    Email,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Self::Off, Self::App, Self::Email];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::App => "app",
            Self::Email => "email",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The kinds of notification, their default delivery, and whether a person may turn them off.
/// (The safeguarding protocol and failed analyses notify on their own terms: always in the app,
/// safeguarding also by e-mail — they are not a matter of preference.)
pub const KINDS: [(&str, Delivery, bool); 10] = [
    ("mention", Delivery::App, true),
    ("handover", Delivery::Email, true),
    ("handover_reminder", Delivery::Email, true),
    ("assigned", Delivery::App, true),
    ("routed", Delivery::App, true),
    ("escalation", Delivery::Email, false),
    ("sla_warning", Delivery::App, true),
    ("sla_breach", Delivery::Email, true),
    ("follow_up", Delivery::Email, true),
    ("watcher", Delivery::App, true),
];

/// A person's choices per kind; kinds not named use their default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationPrefs(pub BTreeMap<String, Delivery>);

impl NotificationPrefs {
    /// Where a kind goes for this person. Kinds that may not be turned off always reach the app.
    pub fn delivery(&self, kind: &str) -> Delivery {
        let (default, optional) =
            KINDS.iter().find(|(k, _, _)| *k == kind).map_or((Delivery::App, true), |(_, d, o)| (*d, *o));
        match self.0.get(kind).copied().unwrap_or(default) {
            Delivery::Off if !optional => Delivery::App,
            d => d,
        }
    }

    /// Checks the kinds and keeps only known ones.
    pub fn validated(raw: BTreeMap<String, Delivery>) -> CoreResult<Self> {
        for k in raw.keys() {
            if !KINDS.iter().any(|(kind, _, _)| kind == k) {
                let known: Vec<&str> = KINDS.iter().map(|(k, _, _)| *k).collect();
                return Err(CoreError::invalid(
                    "notification_prefs",
                    "unknown_kind",
                    format!("unknown kind {k:?}; known: {}", known.join(", ")),
                ));
            }
        }
        Ok(Self(raw))
    }
}

/// One notification to one person.
pub(crate) struct Notice<'a> {
    pub user: UserId,
    pub kind: &'a str,
    pub case_id: Option<CaseId>,
    /// Shown in the case reference line of the e-mail, e.g. `R-1234`.
    pub reference: Option<String>,
    pub actor: Option<UserId>,
    pub body: String,
    pub now: Timestamp,
}

/// Tells a person, in the app and by e-mail as they prefer. The e-mail names the case reference and
/// what happened, never the subject or the contact's words. Inactive people are not told.
pub(crate) async fn notify(tx: &mut dyn Tx, n: Notice<'_>) -> CoreResult<()> {
    let Some(user) = tx.user(n.user).await? else { return Ok(()) };
    if !user.active {
        return Ok(());
    }
    let delivery = user.notification_prefs.delivery(n.kind);
    if delivery == Delivery::Off {
        return Ok(());
    }
    tx.insert_notification(&Notification::new(n.user, n.kind, n.case_id, n.actor, n.body.clone(), n.now)).await?;
    if delivery == Delivery::Email {
        let subject = match &n.reference {
            Some(r) => format!("[Resonanz] {r}: {}", subject_of(n.kind)),
            None => format!("[Resonanz] {}", subject_of(n.kind)),
        };
        // The mail names the case and what happened, never the case's subject or the contact's
        // words: those stay behind the sign-in.
        let what = match &n.reference {
            Some(r) => format!("{}: Anliegen {r}.", subject_of(n.kind)),
            None => format!("{}.", subject_of(n.kind)),
        };
        let text = format!(
            "Hallo {},\n\n{what}\nDie Einzelheiten sehen Sie in Resonanz.\n\nDiese Nachricht kommt automatisch von \
             Resonanz. Welche Benachrichtigungen Sie per E-Mail bekommen, stellen Sie unter „Mein Konto“ ein.\n",
            user.first_name(),
        );
        tx.enqueue_job(&NewJob::of(&SendSystemMail { to: user.email.clone(), subject, text }, n.now)).await?;
    }
    Ok(())
}

fn subject_of(kind: &str) -> &'static str {
    match kind {
        "mention" => "Sie wurden erwähnt",
        "handover" => "Ein Anliegen wurde Ihnen übergeben",
        "handover_reminder" => "Übergabe noch nicht bestätigt",
        "assigned" => "Ein Anliegen wurde Ihnen zugewiesen",
        "routed" => "Ein Anliegen wurde verteilt",
        "escalation" => "Eskalation",
        "sla_warning" => "Frist läuft bald ab",
        "sla_breach" => "Frist überschritten",
        "follow_up" => "Wiedervorlage fällig",
        "watcher" => "Anliegen ohne Verantwortliche oder ohne Bewegung",
        _ => "Benachrichtigung",
    }
}

impl crate::service::Core {
    /// Sets a person's notification preferences (their own).
    pub async fn set_notification_prefs(
        &self,
        user: crate::ids::UserId,
        prefs: BTreeMap<String, Delivery>,
    ) -> CoreResult<NotificationPrefs> {
        let prefs = NotificationPrefs::validated(prefs)?;
        let mut tx = self.store.begin().await?;
        let mut u = tx.user(user).await?.ok_or(CoreError::NotFound("user"))?;
        u.notification_prefs = prefs.clone();
        tx.update_user(&u).await?;
        tx.commit().await?;
        Ok(prefs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_mandatory_kinds() {
        let mut p = NotificationPrefs::default();
        assert_eq!(p.delivery("handover"), Delivery::Email);
        assert_eq!(p.delivery("mention"), Delivery::App);
        p.0.insert("handover".into(), Delivery::Off);
        p.0.insert("escalation".into(), Delivery::Off);
        assert_eq!(p.delivery("handover"), Delivery::Off);
        assert_eq!(p.delivery("escalation"), Delivery::App, "escalations always reach the app");
        let bad = BTreeMap::from([("nonsense".to_string(), Delivery::App)]);
        assert!(NotificationPrefs::validated(bad).is_err());
    }
}
