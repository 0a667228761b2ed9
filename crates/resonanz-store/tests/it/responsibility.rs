//! Helpers shared by the responsibility suites (`routing`, `assignment`, `sla`, `escalation`,
//! `watcher`, `follow_ups`, `surveys`), and the notification preferences.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use resonanz_core::Timestamp;
use resonanz_core::assist::{AnalysisOutcome, Analyze, ScoredCategory};
use resonanz_core::audit::AuditEvent;
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, MessageId, TeamId};
use resonanz_core::jobs::SendSystemMail;
use resonanz_core::notify::Delivery;
use resonanz_core::routing::{Condition, Op, RuleActions, RuleInput};
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, Role, User};
use resonanz_core::workspace::Notification;
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{case, drain, mail, user};

/// An instant from RFC 3339 (`2026-03-06T17:00:00+01:00` for Berlin wall time, `…Z` for UTC).
pub(crate) fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The people of an installation: an administrator, a supervisor, and a team whose first member
/// is its lead.
pub(crate) struct Org {
    pub admin: User,
    pub supervisor: User,
    pub lead: User,
    /// The team's other members, in the order they were created (the round robin's order).
    pub members: Vec<User>,
    pub team: TeamId,
}

/// Names of team members, for `org`.
const MEMBERS: [(&str, &str); 4] = [
    ("mehmet.yilmaz@resonanz.test", "Mehmet Yılmaz"),
    ("jana.berger@resonanz.test", "Jana Berger"),
    ("paul.krueger@resonanz.test", "Paul Krüger"),
    ("sophie.wagner@resonanz.test", "Sophie Wagner"),
];

/// An organisation with `n` members besides the lead of team "Publikumsservice".
pub(crate) async fn org(t: &TestCore, n: usize) -> Org {
    let admin = user(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let supervisor = user(t, "sven.supervisor@resonanz.test", "Sven Supervisor", Role::Supervisor).await;
    let lead = user(t, "lea.leitung@resonanz.test", "Lea Leitung", Role::Agent).await;
    let mut members = Vec::new();
    for (email, name) in MEMBERS.iter().take(n) {
        members.push(user(t, email, name, Role::Agent).await);
    }
    let mut ids = vec![lead.id];
    ids.extend(members.iter().map(|m| m.id));
    let team = t.core.create_team(&Actor::User(admin.id), "Publikumsservice", &ids).await.unwrap().team.id;
    t.core.set_team_lead(admin.id, team, Some(lead.id)).await.unwrap();
    Org { admin, supervisor, lead, members, team }
}

/// A team without a lead.
pub(crate) async fn team(t: &TestCore, admin: &User, name: &str, members: &[&User]) -> TeamId {
    let ids: Vec<_> = members.iter().map(|m| m.id).collect();
    t.core.create_team(&Actor::User(admin.id), name, &ids).await.unwrap().team.id
}

pub(crate) fn cond(field: &str, op: Op, value: serde_json::Value) -> Condition {
    Condition { field: field.into(), op, value }
}

/// An enabled rule with `all` conditions, default triggers (created, analysed) and no stop.
pub(crate) fn rule(name: &str, all: Vec<Condition>, actions: RuleActions) -> RuleInput {
    RuleInput {
        name: name.into(),
        enabled: true,
        conditions: resonanz_core::routing::Conditions { all, any: Vec::new() },
        actions,
        ..Default::default()
    }
}

/// An analyser that answers like `resonanz-assist`: a language guess and fixed categories.
pub(crate) struct Analyser {
    pub language: &'static str,
    pub categories: Vec<(&'static str, f32)>,
}

pub(crate) fn analyser(language: &'static str, categories: &[(&'static str, f32)]) -> Analyser {
    Analyser { language, categories: categories.to_vec() }
}

impl Analyze for Analyser {
    fn version(&self) -> String {
        "assist/fake-responsibility-1".into()
    }
    fn analyze(&self, _subject: &str, _text: &str) -> AnalysisOutcome {
        let categories: Vec<ScoredCategory> =
            self.categories.iter().map(|(n, c)| ScoredCategory { name: (*n).into(), confidence: *c }).collect();
        AnalysisOutcome {
            result: serde_json::json!({
                "language": {"code": self.language, "confidence": 0.97},
                "sentiment": {"label": "neutral", "score": 0.0},
                "urgency": {"level": "normal"},
                "categories": categories,
            }),
            confidence: self.categories.iter().map(|c| c.1).fold(0.0, f32::max),
            categories,
            language: self.language.into(),
        }
    }
}

/// The Message-ID header of a stored message, to answer it.
pub(crate) async fn header_of(t: &TestCore, id: MessageId) -> String {
    t.store.message(id).await.unwrap().unwrap().message_id_header.unwrap()
}

/// A user's notifications of one kind about one case (newest first).
pub(crate) async fn notices(t: &TestCore, who: &User, kind: &str, case_id: CaseId) -> Vec<Notification> {
    let all = t.store.notifications(who.id, 200).await.unwrap();
    all.into_iter().filter(|n| n.kind == kind && n.case_id == Some(case_id)).collect()
}

/// Claims every due job and returns the system mails among them, as (to, subject).
pub(crate) async fn system_mails(t: &TestCore) -> Vec<(String, String)> {
    drain(t)
        .await
        .iter()
        .filter(|j| j.name == "send_system_mail")
        .map(|j| j.decode::<SendSystemMail>().unwrap())
        .map(|m| (m.to, m.subject))
        .collect()
}

/// The audit events about a case with this action, oldest first.
pub(crate) async fn events(t: &TestCore, case_id: CaseId, action: &str) -> Vec<AuditEvent> {
    let all = t.store.subject_events("case", &case_id.to_string()).await.unwrap();
    all.into_iter().filter(|e| e.action == action).collect()
}

/// The `after` JSON of an audit event.
pub(crate) fn after(e: &AuditEvent) -> serde_json::Value {
    serde_json::from_str(e.after.as_deref().unwrap_or("null")).unwrap()
}

/// The `(field, code)` pairs of a validation error.
pub(crate) fn fields(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Invalid(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The field errors (field, code, message) of a validation error.
pub(crate) fn field_errors(e: CoreError) -> Vec<(String, String, String)> {
    match e {
        CoreError::Invalid(f) => f.into_iter().map(|f| (f.field, f.code, f.message)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub(crate) fn field(name: &str, code: &str) -> Vec<(String, String)> {
    vec![(name.to_string(), code.to_string())]
}

// ---------------------------------------------------------------------------------------------
// Notification preferences

async fn notification_preferences_decide_app_and_mail(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let (giver, taker) = (&o.members[0], &o.members[1]);

    // By default a handover reaches the app and the mailbox.
    let (first, _) = mail(&t, "erika.muster@example.de", "Erika Muster", "Rückfrage zur Sendung", "Hallo!").await;
    drain(&t).await;
    t.core.assign(first, giver.id, Some(taker.id), "Bitte Rückruf heute noch").await.unwrap();
    let n = notices(&t, taker, "handover", first).await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].actor_user_id, Some(giver.id));
    let reference = case(&t, first).await.reference();
    assert_eq!(
        system_mails(&t).await,
        [(taker.email.clone(), format!("[Resonanz] {reference}: Ein Anliegen wurde Ihnen übergeben"))]
    );

    // Turned off: neither.
    let prefs = BTreeMap::from([("handover".to_string(), Delivery::Off)]);
    let stored = t.core.set_notification_prefs(taker.id, prefs).await.unwrap();
    assert_eq!(stored.delivery("handover"), Delivery::Off);
    assert_eq!(t.store.user(taker.id).await.unwrap().unwrap().notification_prefs, stored);
    let (second, _) = mail(&t, "max.muster@example.de", "Max Muster", "Tonstörung", "Der Ton fehlt.").await;
    drain(&t).await;
    t.core.assign(second, giver.id, Some(taker.id), "Technik fragen").await.unwrap();
    assert!(notices(&t, taker, "handover", second).await.is_empty());
    assert_eq!(system_mails(&t).await, []);

    // In the app only.
    let prefs = BTreeMap::from([("handover".to_string(), Delivery::App)]);
    t.core.set_notification_prefs(taker.id, prefs).await.unwrap();
    let (third, _) = mail(&t, "ida.muster@example.de", "Ida Muster", "Untertitel", "Bitte Untertitel.").await;
    drain(&t).await;
    t.core.assign(third, giver.id, Some(taker.id), "Redaktion fragen").await.unwrap();
    assert_eq!(notices(&t, taker, "handover", third).await.len(), 1);
    assert_eq!(system_mails(&t).await, []);

    // Escalations cannot be turned off: they still reach the app (not the mailbox).
    let prefs = BTreeMap::from([("escalation".to_string(), Delivery::Off)]);
    let stored = t.core.set_notification_prefs(o.lead.id, prefs).await.unwrap();
    assert_eq!(stored.delivery("escalation"), Delivery::App);
    t.core
        .update_case(
            third,
            &Actor::User(o.admin.id),
            resonanz_core::service::CasePatch { team_id: Some(Some(o.team)), ..Default::default() },
        )
        .await
        .unwrap();
    t.core.set_escalation(third, taker.id, 1, "Zuschauerin droht mit Beschwerde beim Rundfunkrat").await.unwrap();
    let esc = notices(&t, &o.lead, "escalation", third).await;
    assert_eq!(esc.len(), 1, "the lead is told in the app");
    assert!(esc[0].body.contains("Eskalationsstufe 1: Zuschauerin droht"), "{}", esc[0].body);
    assert_eq!(system_mails(&t).await, [], "no mail to the lead; the escalating owner is not told");

    // Unknown kinds are refused.
    let bad = BTreeMap::from([("horoskop".to_string(), Delivery::App)]);
    let e = t.core.set_notification_prefs(taker.id, bad).await.unwrap_err();
    assert_eq!(fields(e), field("notification_prefs", "unknown_kind"));
}
db_test!(notification_preferences_decide_app_and_mail, notification_preferences_decide_app_and_mail);
