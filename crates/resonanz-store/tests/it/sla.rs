//! Service levels: due instants in business time (nights, weekends, German public holidays,
//! closures, daylight saving), warnings and breaches found by the watcher with notices and
//! escalation, pauses while waiting on the contact, first response and resolution met, reopening,
//! and recomputing after a policy or calendar changed. Expected instants are written in UTC.

use resonanz_core::Clock;
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, SlaPolicyId};
use resonanz_core::responsibility::{EscalationSource, TickReport};
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::sla::{PolicyInput, SlaState};
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, User};
use resonanz_testkit::{Db, TestCore, db_test};
use serde_json::json;

use crate::assist::{answer, case, drain, mail};
use crate::responsibility::{after, at, events, fields, notices, org, system_mails};

/// "Standard": first response in 4 business hours, resolution in 16, warning an hour before.
pub(crate) fn standard() -> PolicyInput {
    PolicyInput {
        name: "Standard".into(),
        enabled: true,
        first_response_minutes: 4 * 60,
        resolution_minutes: 16 * 60,
        warn_before_minutes: 60,
        ..Default::default()
    }
}

pub(crate) async fn save_policy(t: &TestCore, admin: &User, input: PolicyInput) -> SlaPolicyId {
    t.core.save_sla_policy(admin.id, None, input).await.unwrap().id
}

/// A mail arriving at `when`; returns its case.
async fn mail_at(t: &TestCore, when: &str, n: usize) -> CaseId {
    t.clock.set(at(when));
    let from = format!("zuschauer{n}@example.de");
    mail(t, &from, &format!("Zuschauer {n}"), &format!("Anfrage {n}"), "Guten Tag, eine Frage zur Sendung.").await.0
}

async fn first_due(t: &TestCore, id: CaseId) -> chrono::DateTime<chrono::Utc> {
    case(t, id).await.sla.first_response_due.expect("a first-response target")
}

async fn resolution_due(t: &TestCore, id: CaseId) -> chrono::DateTime<chrono::Utc> {
    case(t, id).await.sla.resolution_due.expect("a resolution target")
}

/// The Message-ID of the contact's first mail on a case, to answer it.
async fn first_header(t: &TestCore, id: CaseId) -> String {
    let messages = t.store.case_messages(id).await.unwrap();
    let first = messages.iter().find(|m| m.message.author_contact_id.is_some()).unwrap();
    first.message.message_id_header.clone().unwrap()
}

/// The watcher's queue (`sla_checks`) holds exactly the cases with a next SLA check, at that
/// instant. On PostgreSQL it is written apart from the case, so every path that moves a check must
/// keep it level (on SQLite it is a view of the cases). Returns how many checks are queued.
pub(crate) async fn assert_queue_level(t: &TestCore) -> usize {
    let pool = t.store.pool();
    let cases: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, sla_next_check_at FROM cases WHERE sla_next_check_at IS NOT NULL ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    let queue: Vec<(String, i64)> =
        sqlx::query_as("SELECT case_id, next_check_at FROM sla_checks ORDER BY case_id").fetch_all(pool).await.unwrap();
    assert_eq!(queue, cases, "the watcher's queue and the cases' next checks");
    queue.len()
}

fn set(status: CaseStatus) -> CasePatch {
    CasePatch { status: Some(status), ..Default::default() }
}

// ---------------------------------------------------------------------------------------------
// Due instants

async fn due_instants_count_business_hours(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let policy = save_policy(&t, &o.admin, standard()).await;

    // Monday 10:00 in Berlin (CET, UTC+1): four hours later, the same afternoon.
    let monday = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    let c = case(&t, monday).await;
    assert_eq!((c.sla.policy_id, c.sla.state), (Some(policy), SlaState::Ok));
    assert_eq!(c.sla.started_at, Some(at("2026-03-02T09:00:00Z")));
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-02T13:00:00Z")));
    assert_eq!(c.sla.resolution_due, Some(at("2026-03-03T15:00:00Z")), "8 h Monday, 8 h Tuesday");
    assert_eq!(c.sla.next_check_at, Some(at("2026-03-02T12:00:00Z")), "the warning, an hour before");

    // Over a night: 2 h on Monday, 2 h on Tuesday morning.
    let evening = mail_at(&t, "2026-03-02T16:00:00+01:00", 2).await;
    assert_eq!(first_due(&t, evening).await, at("2026-03-03T09:00:00Z"));

    // Over a weekend: Friday 17:00 → Monday 11:00.
    let friday = mail_at(&t, "2026-03-06T17:00:00+01:00", 3).await;
    assert_eq!(first_due(&t, friday).await, at("2026-03-09T10:00:00Z"));
    assert_eq!(resolution_due(&t, friday).await, at("2026-03-10T12:00:00Z"), "1 h + 10 h + 5 h");
    // A mail on Saturday counts from Monday's opening.
    let saturday = mail_at(&t, "2026-03-07T12:00:00+01:00", 4).await;
    assert_eq!(first_due(&t, saturday).await, at("2026-03-09T11:00:00Z"));

    // Over the change to summer time: Friday 17:00 CET → Monday 11:00 CEST (UTC+2).
    let before_dst = mail_at(&t, "2026-03-27T17:00:00+01:00", 5).await;
    assert_eq!(first_due(&t, before_dst).await, at("2026-03-30T09:00:00Z"));

    // Easter: Good Friday (3 April) and Easter Monday (6 April) are closed nationwide.
    let easter = mail_at(&t, "2026-04-02T16:00:00+02:00", 6).await;
    assert_eq!(first_due(&t, easter).await, at("2026-04-07T08:00:00Z"));

    // Corpus Christi (4 June) is a holiday in North Rhine-Westphalia, not nationwide.
    let corpus = mail_at(&t, "2026-06-03T17:00:00+02:00", 7).await;
    assert_eq!(first_due(&t, corpus).await, at("2026-06-04T09:00:00Z"));
    assert_eq!(resolution_due(&t, corpus).await, at("2026-06-05T11:00:00Z"));
    let mut spec = t.core.default_calendar_spec().await.unwrap();
    assert_eq!(
        (spec.time_zone.as_str(), spec.hours.as_str(), spec.holidays),
        ("Europe/Berlin", "Mo-Fr 08:00-18:00", true)
    );
    spec.state = Some("NW".into());
    t.core.set_calendar(o.admin.id, None, Some(&spec)).await.unwrap();
    assert_eq!(t.core.default_calendar_spec().await.unwrap(), spec);
    // Open cases follow at once.
    assert_eq!(first_due(&t, corpus).await, at("2026-06-05T09:00:00Z"), "Wednesday 1 h, Friday 3 h");
    assert_eq!(resolution_due(&t, corpus).await, at("2026-06-08T11:00:00Z"));

    // Closures: the works holiday between Christmas and New Year, then New Year's Day and a weekend.
    spec.closures =
        serde_json::from_value(json!([{"from": "2026-12-24", "to": "2026-12-31", "name": "Betriebsferien"}])).unwrap();
    t.core.set_calendar(o.admin.id, None, Some(&spec)).await.unwrap();
    let christmas = mail_at(&t, "2026-12-23T16:00:00+01:00", 8).await;
    assert_eq!(first_due(&t, christmas).await, at("2027-01-04T09:00:00Z"));

    // Calendars are checked, and only administrators set them.
    let mut bad = spec.clone();
    bad.state = Some("XY".into());
    let e = t.core.set_calendar(o.admin.id, None, Some(&bad)).await.unwrap_err();
    assert_eq!(fields(e), [("calendar.state".to_string(), "invalid_calendar".to_string())]);
    let mut bad = spec.clone();
    bad.closures =
        serde_json::from_value(json!([{"from": "2026-12-31", "to": "2026-12-24", "name": "Rückwärts"}])).unwrap();
    let e = t.core.set_calendar(o.admin.id, None, Some(&bad)).await.unwrap_err();
    assert_eq!(fields(e), [("calendar.closures".to_string(), "invalid_calendar".to_string())]);
    let e = t.core.set_calendar(o.supervisor.id, None, Some(&spec)).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    assert_eq!(t.core.default_calendar_spec().await.unwrap(), spec);
}
db_test!(due_instants_count_business_hours, due_instants_count_business_hours);

async fn a_calendar_around_the_clock_counts_real_hours_across_dst(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let hour = PolicyInput {
        name: "Rund um die Uhr".into(),
        enabled: true,
        first_response_minutes: 60,
        resolution_minutes: 120,
        warn_before_minutes: 0,
        ..Default::default()
    };
    save_policy(&t, &o.admin, hour).await;
    let office = t.core.default_calendar_spec().await.unwrap();
    let mut always = office.clone();
    always.hours = "Mo-So 00:00-24:00".into();
    always.holidays = false;
    t.core.set_calendar(o.admin.id, None, Some(&always)).await.unwrap();

    // Spring forward: 01:30 CET + 1 h is 03:30 CEST (the clock skips 02:00–03:00).
    let spring = mail_at(&t, "2026-03-29T01:30:00+01:00", 1).await;
    assert_eq!(first_due(&t, spring).await, at("2026-03-29T01:30:00Z"));
    assert_eq!(first_due(&t, spring).await, at("2026-03-29T03:30:00+02:00"));
    assert_eq!(resolution_due(&t, spring).await, at("2026-03-29T02:30:00Z"));
    assert_eq!(
        case(&t, spring).await.sla.next_check_at,
        Some(at("2026-03-29T01:30:00Z")),
        "no warning: the due instant"
    );

    // Fall back: 02:30 CEST + 1 h is the second 02:30 of the night, in CET.
    let autumn = mail_at(&t, "2026-10-25T02:30:00+02:00", 2).await;
    assert_eq!(first_due(&t, autumn).await, at("2026-10-25T01:30:00Z"));
    assert_eq!(first_due(&t, autumn).await, at("2026-10-25T02:30:00+01:00"));

    // A team's own calendar: the organisation keeps office hours, the on-call team works around the
    // clock. A Saturday mail waits for Monday until it is given to that team.
    t.core.set_calendar(o.admin.id, None, Some(&office)).await.unwrap();
    let on_call = crate::responsibility::team(&t, &o.admin, "Bereitschaft", &[&o.lead]).await;
    t.core.set_calendar(o.admin.id, Some(on_call), Some(&always)).await.unwrap();
    let saturday = mail_at(&t, "2026-10-31T12:00:00+01:00", 3).await;
    assert_eq!(first_due(&t, saturday).await, at("2026-11-02T08:00:00Z"));
    let patch = CasePatch { team_id: Some(Some(on_call)), ..Default::default() };
    t.core.update_case(saturday, &Actor::User(o.admin.id), patch).await.unwrap();
    assert_eq!(first_due(&t, saturday).await, at("2026-10-31T12:00:00Z"));
    // Without its own calendar the team uses the organisation's again.
    t.core.set_calendar(o.admin.id, Some(on_call), None).await.unwrap();
    assert_eq!(first_due(&t, saturday).await, at("2026-11-02T08:00:00Z"));
}
db_test!(
    a_calendar_around_the_clock_counts_real_hours_across_dst,
    a_calendar_around_the_clock_counts_real_hours_across_dst
);

/// A database from before the watcher's queue had its own table (migration 6) keeps every check.
async fn upgrading_moves_every_next_check_into_the_watchers_queue(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    save_policy(&t, &o.admin, standard()).await;
    let id = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    mail_at(&t, "2026-03-02T10:30:00+01:00", 2).await;
    // The schema as migration 5 left it: the next check only on the case, with its index.
    let pool = t.store.pool();
    let undo: &[&str] = match db {
        Db::Sqlite => &["DROP VIEW sla_checks"],
        Db::Postgres => &["DROP TABLE sla_checks", "CREATE INDEX cases_sla_check ON cases (sla_next_check_at)"],
    };
    for sql in undo.iter().chain(&["DELETE FROM schema_migrations WHERE version = 6"]) {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    }
    assert_eq!(t.store.migrate().await.unwrap(), 1);
    assert_eq!(assert_queue_level(&t).await, 2);
    // The watcher finds the first case's warning through it.
    t.clock.set(at("2026-03-02T12:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    assert_eq!(case(&t, id).await.sla.state, SlaState::Warning);
}
db_test!(
    upgrading_moves_every_next_check_into_the_watchers_queue,
    upgrading_moves_every_next_check_into_the_watchers_queue
);

// ---------------------------------------------------------------------------------------------
// Warning and breach

async fn the_watcher_warns_then_reports_a_breach_and_escalates(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let owner = &o.members[0];
    save_policy(&t, &o.admin, standard()).await;
    let id = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    let patch = CasePatch { team_id: Some(Some(o.team)), ..Default::default() };
    t.core.update_case(id, &Actor::User(o.admin.id), patch).await.unwrap();
    t.core.assign(id, owner.id, Some(owner.id), "").await.unwrap();
    drain(&t).await;
    let reference = case(&t, id).await.reference();

    t.clock.set(at("2026-03-02T11:59:00Z"));
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default(), "nothing is due yet");

    // An hour before the first response is due: a warning to the owner, level 1 (the team lead).
    t.clock.set(at("2026-03-02T12:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap(), TickReport { sla_checked: 1, ..Default::default() });
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Warning, Some(at("2026-03-02T13:00:00Z"))));
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (1, Some("Frist läuft bald ab")));
    assert_eq!(assert_queue_level(&t).await, 1);
    assert_eq!(c.escalated_at, Some(t.clock.now()));
    let warned = notices(&t, owner, "sla_warning", id).await;
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].body, format!("{reference} „Anfrage 1“: Frist läuft bald ab (fällig 02.03.2026 14:00)"));
    assert_eq!(notices(&t, &o.lead, "escalation", id).await.len(), 1);
    assert_eq!(notices(&t, owner, "escalation", id).await.len(), 1, "the owner hears of it too");
    assert!(notices(&t, &o.supervisor, "escalation", id).await.is_empty());
    let mut mails = system_mails(&t).await;
    mails.sort();
    let escalation = format!("[Resonanz] {reference}: Eskalation");
    assert_eq!(mails, [(o.lead.email.clone(), escalation.clone()), (owner.email.clone(), escalation.clone())]);
    assert_eq!(events(&t, id, "case.sla_warning").await.len(), 1);

    // Nothing new until the due instant.
    t.clock.set(at("2026-03-02T12:30:00Z"));
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default());

    // Due: a breach, level 2 (the supervisors), and a mail to the owner.
    t.clock.set(at("2026-03-02T13:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    let c = case(&t, id).await;
    assert_eq!(c.sla.state, SlaState::Breached);
    assert_eq!(c.sla.next_check_at, Some(at("2026-03-03T14:00:00Z")), "the resolution's warning");
    assert_eq!(assert_queue_level(&t).await, 1);
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (2, Some("Frist überschritten")));
    assert_eq!(notices(&t, owner, "sla_breach", id).await.len(), 1);
    assert_eq!(notices(&t, &o.supervisor, "escalation", id).await.len(), 1);
    assert_eq!(notices(&t, &o.lead, "escalation", id).await.len(), 1, "level 2 goes past the lead");
    let mut mails = system_mails(&t).await;
    mails.sort();
    assert_eq!(
        mails,
        [
            (owner.email.clone(), escalation.clone()),
            (owner.email.clone(), format!("[Resonanz] {reference}: Frist überschritten")),
            (o.supervisor.email.clone(), escalation.clone()),
        ]
    );
    let escalations = t.core.case_escalations(id).await.unwrap();
    let summary: Vec<_> =
        escalations.iter().map(|e| (e.level, e.previous_level, e.source, e.created_by, e.reason.as_str())).collect();
    assert_eq!(
        summary,
        [
            (1, 0, EscalationSource::Sla, None, "Frist läuft bald ab"),
            (2, 1, EscalationSource::Sla, None, "Frist überschritten"),
        ]
    );
    let actions: Vec<String> = t
        .store
        .subject_events("case", &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("case.sla") || a.starts_with("case.escal"))
        .collect();
    assert_eq!(actions, ["case.sla_warning", "case.escalated", "case.sla_breached", "case.escalated"]);

    // Later checks of the resolution target change nothing while the case stays breached.
    t.clock.set(at("2026-03-03T14:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    t.clock.set(at("2026-03-03T15:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.next_check_at, c.escalation_level), (SlaState::Breached, None, 2));
    assert_eq!(assert_queue_level(&t).await, 0, "nothing left to check");
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default());
    assert_eq!(notices(&t, owner, "sla_breach", id).await.len(), 1);
    assert_eq!(t.core.case_escalations(id).await.unwrap().len(), 2);
}
db_test!(the_watcher_warns_then_reports_a_breach_and_escalates, the_watcher_warns_then_reports_a_breach_and_escalates);

// ---------------------------------------------------------------------------------------------
// Met, paused, reopened

async fn a_reply_meets_the_first_response_and_resolving_meets_resolution(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    save_policy(&t, &o.admin, standard()).await;
    let id = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    let unanswered = mail_at(&t, "2026-03-02T10:00:00+01:00", 2).await;

    t.clock.set(at("2026-03-02T10:00:00Z"));
    let reply = ReplyInput { text: "Guten Tag, die Folge läuft am Freitag.".into(), ..Default::default() };
    t.core.reply(id, t.agent.id, reply.clone()).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!(c.sla.first_responded_at, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-02T13:00:00Z")), "kept as it was");
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Ok, Some(at("2026-03-03T14:00:00Z"))));
    // A second reply does not move the first response.
    t.clock.set(at("2026-03-02T10:30:00Z"));
    t.core.reply(id, t.agent.id, reply.clone()).await.unwrap();
    assert_eq!(case(&t, id).await.sla.first_responded_at, Some(at("2026-03-02T10:00:00Z")));

    // No warning for the answered case; the unanswered one gets its own.
    t.clock.set(at("2026-03-02T12:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    assert_eq!(case(&t, id).await.sla.state, SlaState::Ok);
    assert_eq!(case(&t, unanswered).await.sla.state, SlaState::Warning);

    // Resolved in time: every target met.
    t.clock.set(at("2026-03-03T09:00:00Z"));
    t.core.update_case(id, &Actor::User(t.agent.id), set(CaseStatus::Resolved)).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.resolved_at, c.sla.next_check_at), (SlaState::Met, Some(t.clock.now()), None));
    assert_eq!(assert_queue_level(&t).await, 1, "only the unanswered case");
    assert_eq!(events(&t, id, "case.sla_met").await.len(), 1);

    // The contact writes again: a new resolution clock from now; the first response stays met.
    t.clock.set(at("2026-03-04T10:00:00+01:00"));
    let header = first_header(&t, id).await;
    let (same, _) = answer(&t, "zuschauer1@example.de", "Zuschauer 1", &header, "Leider doch nicht.").await;
    assert_eq!(same, id);
    let c = case(&t, id).await;
    assert_eq!(c.status, CaseStatus::Open);
    assert_eq!((c.sla.started_at, c.sla.resolved_at), (Some(at("2026-03-04T09:00:00Z")), None));
    assert_eq!(c.sla.resolution_due, Some(at("2026-03-05T15:00:00Z")), "16 business hours from Wednesday 10:00");
    assert_eq!(c.sla.first_responded_at, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Ok, Some(at("2026-03-05T14:00:00Z"))));

    // Resolved late this time: the resolution target is breached, not met.
    t.clock.set(at("2026-03-05T16:00:00Z"));
    t.core.update_case(id, &Actor::User(t.agent.id), set(CaseStatus::Resolved)).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.resolved_at), (SlaState::Breached, Some(t.clock.now())));
}
db_test!(
    a_reply_meets_the_first_response_and_resolving_meets_resolution,
    a_reply_meets_the_first_response_and_resolving_meets_resolution
);

async fn waiting_on_the_contact_stops_the_clock(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    save_policy(&t, &o.admin, standard()).await;
    let id = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    let header = first_header(&t, id).await;

    // An hour later the agent asks the contact something and waits.
    t.clock.set(at("2026-03-02T11:00:00+01:00"));
    t.core.update_case(id, &Actor::User(t.agent.id), set(CaseStatus::WaitingOnContact)).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.paused_at, c.sla.next_check_at), (SlaState::Paused, Some(t.clock.now()), None));
    assert_eq!(assert_queue_level(&t).await, 0, "a paused clock is not checked");
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-02T13:00:00Z")));
    assert_eq!(events(&t, id, "case.sla_paused").await.len(), 1);

    // The due instant passes while waiting: no warning, no breach.
    t.clock.set(at("2026-03-03T10:00:00+01:00"));
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default());
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.escalation_level), (SlaState::Paused, 0));
    // Saving the case meanwhile (a note) does not turn the paused target into a breach.
    t.core.add_note(id, t.agent.id, "Kundin hat angerufen, sie schickt die Nummer.").await.unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.escalation_level), (SlaState::Paused, 0));
    assert!(events(&t, id, "case.sla_breached").await.is_empty());

    // The contact answers: the clock runs again, the targets move by the business time it stood
    // still (Monday 11–18 and Tuesday 8–10: 9 hours).
    let (same, _) = answer(&t, "zuschauer1@example.de", "Zuschauer 1", &header, "Hier die Kundennummer: 4711.").await;
    assert_eq!(same, id);
    let c = case(&t, id).await;
    assert_eq!(c.status, CaseStatus::Open);
    assert_eq!((c.sla.paused_at, c.sla.paused_secs), (None, 9 * 3600));
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-03T12:00:00Z")), "the 3 hours left, from Tuesday 10:00");
    assert_eq!(c.sla.resolution_due, Some(at("2026-03-04T14:00:00Z")));
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Ok, Some(at("2026-03-03T11:00:00Z"))));
    assert_eq!(events(&t, id, "case.sla_resumed").await.len(), 1);

    // And the watcher works on the moved targets.
    t.clock.set(at("2026-03-03T11:00:00Z"));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    assert_eq!(case(&t, id).await.sla.state, SlaState::Warning);
}
db_test!(waiting_on_the_contact_stops_the_clock, waiting_on_the_contact_stops_the_clock);

// ---------------------------------------------------------------------------------------------
// Policies

async fn changed_policies_recompute_open_cases(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let admin = o.admin.id;

    // Policies are checked, and only administrators manage them.
    let bad = |f: fn(&mut PolicyInput)| {
        let mut p = standard();
        f(&mut p);
        p
    };
    let cases: [(PolicyInput, &str, &str); 5] = [
        (bad(|p| p.resolution_minutes = 120), "resolution_minutes", "before_first_response"),
        (bad(|p| p.warn_before_minutes = 240), "warn_before_minutes", "out_of_range"),
        (
            bad(|p| {
                p.first_response_minutes = 0;
                p.warn_before_minutes = 0;
            }),
            "first_response_minutes",
            "out_of_range",
        ),
        (bad(|p| p.category = Some("horoskop".into())), "category", "unknown_category"),
        (bad(|p| p.name = " ".into()), "name", "required"),
    ];
    for (input, field, code) in cases {
        let e = t.core.save_sla_policy(admin, None, input).await.unwrap_err();
        assert_eq!(fields(e), [(field.to_string(), code.to_string())]);
    }
    let e = t.core.save_sla_policy(o.supervisor.id, None, standard()).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    assert!(t.core.sla_policies().await.unwrap().is_empty());

    let id = mail_at(&t, "2026-03-02T10:00:00+01:00", 1).await;
    assert_eq!(case(&t, id).await.sla.state, SlaState::None, "no policy yet");
    let standard_id = save_policy(&t, &o.admin, standard()).await;
    let c = case(&t, id).await;
    assert_eq!((c.sla.policy_id, c.sla.first_response_due), (Some(standard_id), Some(at("2026-03-02T13:00:00Z"))));

    // A shorter target: the open case follows.
    let shorter = PolicyInput { first_response_minutes: 120, warn_before_minutes: 30, ..standard() };
    t.core.save_sla_policy(admin, Some(standard_id), shorter).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-02T11:00:00Z")));
    assert_eq!(c.sla.next_check_at, Some(at("2026-03-02T10:30:00Z")));
    let audit = t.store.subject_events("sla_policy", &standard_id.to_string()).await.unwrap();
    assert_eq!(
        audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["sla_policy.created", "sla_policy.updated"]
    );

    // A policy for urgent cases, ahead of the standard one.
    let urgent = PolicyInput {
        name: "Dringend".into(),
        enabled: true,
        priority: Some(Priority::Urgent),
        first_response_minutes: 60,
        resolution_minutes: 240,
        warn_before_minutes: 15,
        ordinal: Some(5),
        ..Default::default()
    };
    let urgent_id = save_policy(&t, &o.admin, urgent.clone()).await;
    assert_eq!(case(&t, id).await.sla.policy_id, Some(standard_id), "the case is not urgent");
    let patch = CasePatch { priority: Some(Priority::Urgent), ..Default::default() };
    t.core.update_case(id, &Actor::User(t.agent.id), patch).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!(c.sla.policy_id, Some(urgent_id));
    assert_eq!(
        (c.sla.first_response_due, c.sla.resolution_due),
        (Some(at("2026-03-02T10:00:00Z")), Some(at("2026-03-02T13:00:00Z")))
    );
    assert_eq!(t.core.recompute_sla().await.unwrap(), 1);
    assert_eq!(case(&t, id).await, c, "recomputing again changes nothing");

    // Tightened so far that the case is late already: the recompute stores the new deadline and
    // hands the breach to the watcher, whose next tick records, tells and escalates it.
    t.clock.set(at("2026-03-02T09:45:00Z"));
    t.core
        .save_sla_policy(admin, Some(urgent_id), PolicyInput { first_response_minutes: 30, ..urgent.clone() })
        .await
        .unwrap();
    let c = case(&t, id).await;
    assert_eq!(c.sla.first_response_due, Some(at("2026-03-02T09:30:00Z")));
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Ok, Some(t.clock.now())), "for the watcher, now");
    assert_eq!(assert_queue_level(&t).await, 1);
    let recomputed = events(&t, id, "case.sla_recomputed").await;
    let states: Vec<_> = recomputed.iter().map(|e| after(e)["state"].clone()).collect();
    assert_eq!(states, [json!("ok"), json!("breached")], "when the first policy came, and now");
    assert!(events(&t, id, "case.sla_breached").await.is_empty());
    assert_eq!(c.escalation_level, 0);
    t.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    let c = case(&t, id).await;
    assert_eq!(c.sla.state, SlaState::Breached);
    assert_eq!(events(&t, id, "case.sla_breached").await.len(), 1);
    assert_eq!(c.escalation_level, 2, "a breach escalates, however it was found");
    assert_eq!(notices(&t, &o.supervisor, "escalation", id).await.len(), 1);
    assert_eq!(t.core.recompute_sla().await.unwrap(), 1);
    assert_eq!(case(&t, id).await, c, "recomputing again changes nothing");

    // Loosened again: back to ok at once (nothing for the watcher), the escalation stays.
    t.core
        .save_sla_policy(admin, Some(urgent_id), PolicyInput { first_response_minutes: 120, ..urgent })
        .await
        .unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.state, c.sla.first_response_due), (SlaState::Ok, Some(at("2026-03-02T11:00:00Z"))));
    assert_eq!(c.sla.next_check_at, Some(at("2026-03-02T10:45:00Z")), "the warning, 15 minutes before");
    assert_eq!(assert_queue_level(&t).await, 1);
    assert_eq!(c.escalation_level, 2);
    let states: Vec<_> =
        events(&t, id, "case.sla_recomputed").await.iter().map(|e| after(e)["state"].clone()).collect();
    assert_eq!(states, [json!("ok"), json!("breached"), json!("ok")]);

    // Without any policy the case has no targets.
    t.core.delete_sla_policy(admin, urgent_id).await.unwrap();
    assert_eq!(case(&t, id).await.sla.policy_id, Some(standard_id));
    t.core.delete_sla_policy(admin, standard_id).await.unwrap();
    let c = case(&t, id).await;
    assert_eq!((c.sla.policy_id, c.sla.first_response_due, c.sla.resolution_due), (None, None, None));
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::None, None));
    assert_eq!(assert_queue_level(&t).await, 0);
}
db_test!(changed_policies_recompute_open_cases, changed_policies_recompute_open_cases);
