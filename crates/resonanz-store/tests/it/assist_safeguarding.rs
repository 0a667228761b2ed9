//! Assist's safeguarding protocol: escalation to the safeguarding team with notifications and
//! mails, no automatic replies, four-eyes approval of every reply, and lifting the protocol.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::assist::{ApprovalStatus, AssistSettings, Outcome, SuggestionKind};
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, TeamId};
use resonanz_core::jobs::{ClaimedJob, SendMail, SendSystemMail};
use resonanz_core::outbound::OutboxStatus;
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::sla::SlaState;
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, Role, User};
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{VERSION, actions, case, drain, fake, ledger, mail, names, outbound, rule, text_block, user};

const BODY: &str = "Ein Kind aus der Kindersendung hat geschrieben, dass es zu Hause geschlagen wird.";

/// The people of an installation: an admin, a supervisor, the two members of the safeguarding
/// team and an agent outside it.
pub(crate) struct Staff {
    pub admin: User,
    pub supervisor: User,
    pub members: [User; 2],
    pub outsider: User,
    pub team: TeamId,
}

pub(crate) async fn staff(t: &TestCore, sla_minutes: i64, configure_team: bool) -> Staff {
    let admin = user(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let supervisor = user(t, "sven.supervisor@resonanz.test", "Sven Supervisor", Role::Supervisor).await;
    let karla = user(t, "karla.kinderschutz@resonanz.test", "Karla Kinderschutz", Role::Agent).await;
    let moritz = user(t, "moritz.melder@resonanz.test", "Moritz Melder", Role::Agent).await;
    let outsider = user(t, "otto.aussen@resonanz.test", "Otto Außen", Role::Agent).await;
    let by_admin = Actor::User(admin.id);
    let team = t.core.create_team(&by_admin, "Kinderschutz", &[karla.id, moritz.id]).await.unwrap().team.id;
    let settings =
        AssistSettings { safeguarding_team: configure_team.then_some(team), safeguarding_sla_minutes: sla_minutes };
    t.core.set_assist_settings(&by_admin, &settings).await.unwrap();
    assert_eq!(t.core.assist_settings().await.unwrap(), settings);
    Staff { admin, supervisor, members: [karla, moritz], outsider, team }
}

/// How many notifications of a kind about a case a user has.
async fn told(t: &TestCore, who: &User, kind: &str, case_id: CaseId) -> usize {
    let all = t.store.notifications(who.id, 100).await.unwrap();
    all.iter().filter(|n| n.kind == kind && n.case_id == Some(case_id)).count()
}

/// The addresses of the system mails among the jobs, sorted.
fn mailed(jobs: &[ClaimedJob]) -> Vec<String> {
    let mut to: Vec<String> = jobs
        .iter()
        .filter(|j| j.name == "send_system_mail")
        .map(|j| j.decode::<SendSystemMail>().unwrap().to)
        .collect();
    to.sort();
    to
}

fn sorted(users: &[&User]) -> Vec<String> {
    let mut v: Vec<String> = users.iter().map(|u| u.email.clone()).collect();
    v.sort();
    v
}

/// A case the analysis put under the protocol; its analysis and system mail jobs are drained.
pub(crate) async fn safeguarding_case(t: &TestCore) -> CaseId {
    let (case_id, mid) = mail(t, "besorgt@example.de", "Bea Besorgt", "Bitte helfen Sie", BODY).await;
    t.core.analyze_message(mid, &fake(&[("safeguarding", 0.93), ("child", 0.8)])).await.unwrap();
    drain(t).await;
    assert!(case(t, case_id).await.safeguarding);
    case_id
}

/// The machine's safeguarding routing hint on a case, as the ledger holds it.
async fn routing_hint(t: &TestCore, case_id: CaseId) -> resonanz_core::assist::Suggestion {
    ledger(t, case_id, SuggestionKind::Routing).await.into_iter().next().expect("the machine's routing hint")
}

fn reply(text: &str) -> ReplyInput {
    ReplyInput { text: text.into(), ..Default::default() }
}

// ---------------------------------------------------------------------------------------------

async fn safeguarding_escalates_to_the_team_and_tells_people(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    // Only administrators change the settings, and only to something sensible.
    let bad = AssistSettings { safeguarding_team: Some(s.team), safeguarding_sla_minutes: 2 };
    let e = t.core.set_assist_settings(&Actor::User(s.admin.id), &bad).await;
    assert!(matches!(e, Err(CoreError::Invalid(_))), "{e:?}");
    let fine = AssistSettings { safeguarding_team: Some(s.team), safeguarding_sla_minutes: 30 };
    let e = t.core.set_assist_settings(&Actor::User(s.supervisor.id), &fine).await;
    assert!(matches!(e, Err(CoreError::Forbidden(_))), "{e:?}");
    assert_eq!(t.core.assist_settings().await.unwrap().safeguarding_sla_minutes, 60);

    let (case_id, mid) = mail(&t, "besorgt@example.de", "Bea Besorgt", "Bitte helfen Sie", BODY).await;
    drain(&t).await;
    t.clock.advance(Duration::minutes(5));
    t.core.analyze_message(mid, &fake(&[("safeguarding", 0.93), ("child", 0.8)])).await.unwrap();

    let c = case(&t, case_id).await;
    assert!(c.safeguarding);
    assert_eq!(c.team_id, Some(s.team));
    assert!(c.escalation_level >= 2, "level {}", c.escalation_level);
    assert_eq!(c.priority, Priority::Urgent);
    assert_eq!(c.safeguarding_due_at, Some(t.clock.now() + Duration::minutes(60)));
    assert_eq!(c.categories, ["safeguarding", "child"]);
    assert!(
        c.escalation_reason.as_deref().unwrap_or_default().starts_with("Kinderschutz:"),
        "{:?}",
        c.escalation_reason
    );

    let [karla, moritz] = &s.members;
    for who in [karla, moritz, &s.supervisor] {
        assert_eq!(told(&t, who, "safeguarding", case_id).await, 1, "{} is told", who.display_name);
    }
    for who in [&s.outsider, &s.admin, &t.agent] {
        assert_eq!(told(&t, who, "safeguarding", case_id).await, 0, "{} is not told", who.display_name);
    }
    let jobs = drain(&t).await;
    assert!(names(&jobs).iter().all(|n| *n == "send_system_mail"), "{:?}", names(&jobs));
    assert_eq!(mailed(&jobs), sorted(&[karla, moritz, &s.supervisor]));
    for j in &jobs {
        let m: SendSystemMail = j.decode().unwrap();
        assert!(m.subject.contains(&c.reference()), "{}", m.subject);
        assert!(!m.text.contains("geschlagen"), "no message content in mail: {}", m.text);
    }
    assert!(actions(&t, case_id).await.contains(&"case.safeguarding_started".to_string()));
    let routing = ledger(&t, case_id, SuggestionKind::Routing).await;
    assert_eq!(routing.len(), 1);
    assert_eq!((routing[0].category.as_deref(), routing[0].producer.as_str()), (Some("safeguarding"), "assist"));
    assert_eq!((routing[0].producer_version.as_str(), routing[0].confidence), (VERSION, 0.93));
    assert_eq!(routing[0].output["team_id"], s.team.to_string());
    // The outside agent cannot even see it any more.
    assert!(matches!(t.core.visible_case(&s.outsider, case_id).await, Err(CoreError::NotFound(_))));
    assert!(t.core.visible_case(karla, case_id).await.is_ok());
}
db_test!(safeguarding_escalates_to_the_team_and_tells_people, safeguarding_escalates_to_the_team_and_tells_people);

async fn safeguarding_without_a_team_tells_admins_and_supervisors(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 30, false).await;
    let (case_id, mid) = mail(&t, "besorgt@example.de", "Bea Besorgt", "Bitte helfen Sie", BODY).await;
    drain(&t).await;
    t.core.analyze_message(mid, &fake(&[("safeguarding", 0.7)])).await.unwrap();
    let c = case(&t, case_id).await;
    assert!(c.safeguarding);
    assert_eq!(c.team_id, None);
    assert_eq!(c.safeguarding_due_at, Some(t.clock.now() + Duration::minutes(30)));
    for who in [&s.admin, &s.supervisor] {
        assert_eq!(told(&t, who, "safeguarding", case_id).await, 1, "{} is told", who.display_name);
    }
    for who in [&s.members[0], &s.members[1], &s.outsider] {
        assert_eq!(told(&t, who, "safeguarding", case_id).await, 0, "{} is not told", who.display_name);
    }
    assert_eq!(mailed(&drain(&t).await), sorted(&[&s.admin, &s.supervisor]));

    // A person marks another case: the one who acts is not told about their own step.
    let (other, _) = mail(&t, "lehrerin@example.de", "Lea Lehrerin", "Schüler", "Ein Schüler wirkt verängstigt.").await;
    drain(&t).await;
    let e = t.core.mark_safeguarding(other, s.supervisor.id, "  ").await.unwrap_err();
    assert!(matches!(e, CoreError::Invalid(_)), "{e:?}");
    t.core.mark_safeguarding(other, s.supervisor.id, "Lehrkraft meldet Verdacht").await.unwrap();
    assert_eq!(told(&t, &s.admin, "safeguarding", other).await, 1);
    assert_eq!(told(&t, &s.supervisor, "safeguarding", other).await, 0);
    assert_eq!(mailed(&drain(&t).await), sorted(&[&s.admin]));
    assert!(ledger(&t, other, SuggestionKind::Routing).await.is_empty(), "a person's decision, not the model's");
    let again = t.core.mark_safeguarding(other, s.admin.id, "doppelt").await;
    assert!(matches!(again, Err(CoreError::Conflict(_))), "{again:?}");
}
db_test!(
    safeguarding_without_a_team_tells_admins_and_supervisors,
    safeguarding_without_a_team_tells_admins_and_supervisors
);

async fn safeguarding_blocks_automatic_replies(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    text_block(&t, &s.admin, "eingang", "Guten Tag {{contact.name}}, wir haben Ihre Nachricht erhalten.").await;
    t.core.set_auto_reply_rule(&Actor::User(s.admin.id), rule("routine", 0.7, "eingang")).await.unwrap();
    let (case_id, mid) = mail(&t, "besorgt@example.de", "Bea Besorgt", "Bitte helfen Sie", BODY).await;
    drain(&t).await;
    t.core.analyze_message(mid, &fake(&[("routine", 0.95), ("safeguarding", 0.9)])).await.unwrap();

    assert!(outbound(&t, case_id).await.is_empty(), "no automatic reply on a safeguarding case");
    assert!(ledger(&t, case_id, SuggestionKind::AutoReply).await.is_empty());
    assert!(!names(&drain(&t).await).contains(&"send_mail"));
    let events = t.store.subject_events("case", &case_id.to_string()).await.unwrap();
    let blocked: Vec<_> = events.iter().filter(|e| e.action == "assist.auto_reply_blocked").collect();
    assert_eq!(blocked.len(), 1);
    assert!(blocked[0].after.as_deref().unwrap_or_default().contains("safeguarding"), "{:?}", blocked[0].after);
    assert!(!case(&t, case_id).await.tags.iter().any(|t| t == resonanz_core::assist::AUTO_TAG));
}
db_test!(safeguarding_blocks_automatic_replies, safeguarding_blocks_automatic_replies);

async fn replies_on_safeguarding_cases_need_a_second_person(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let [karla, moritz] = &s.members;
    let case_id = safeguarding_case(&t).await;

    let (msg, outbox) = t.core.reply(case_id, karla.id, reply("Wir kümmern uns sofort darum.")).await.unwrap();
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, OutboxStatus::Held);
    assert!(drain(&t).await.is_empty(), "nothing is sent before the approval");
    let approvals = t.core.case_approvals(case_id).await.unwrap();
    assert_eq!(approvals.len(), 1);
    assert_eq!((approvals[0].message_id, approvals[0].outbox_id), (msg, outbox));
    assert_eq!((approvals[0].status, approvals[0].requested_by), (ApprovalStatus::Pending, karla.id));
    assert_eq!(told(&t, moritz, "approval_requested", case_id).await, 1);
    assert_eq!(told(&t, &s.supervisor, "approval_requested", case_id).await, 1);
    assert_eq!(told(&t, karla, "approval_requested", case_id).await, 0);

    assert_eq!(routing_hint(&t, case_id).await.outcome, Outcome::Pending, "a reply held is no decision yet");
    let own = t.core.approve_message(msg, karla).await;
    assert!(matches!(own, Err(CoreError::Forbidden(_))), "four eyes: {own:?}");
    let blind = t.core.approve_message(msg, &s.outsider).await;
    assert!(matches!(blind, Err(CoreError::NotFound(_))), "{blind:?}");
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, OutboxStatus::Held);

    let a = t.core.approve_message(msg, moritz).await.unwrap();
    assert_eq!(
        (a.status, a.decided_by, a.decided_at),
        (ApprovalStatus::Approved, Some(moritz.id), Some(t.clock.now()))
    );
    assert_eq!(t.core.case_approvals(case_id).await.unwrap(), vec![a.clone()]);
    // Two people acted under the protocol: the machine's routing hint counts as accepted.
    let hint = routing_hint(&t, case_id).await;
    assert_eq!(
        (hint.outcome, hint.decided_by, hint.decided_at),
        (Outcome::Accepted, Some(moritz.id), Some(t.clock.now()))
    );
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, OutboxStatus::Pending);
    let jobs = drain(&t).await;
    assert_eq!(names(&jobs), ["send_mail"]);
    assert_eq!(jobs[0].decode::<SendMail>().unwrap().outbox_id, outbox);
    assert_eq!(told(&t, karla, "approval_granted", case_id).await, 1);
    assert!(actions(&t, case_id).await.contains(&"message.approved".to_string()));
    let twice = t.core.approve_message(msg, &s.supervisor).await;
    assert!(matches!(twice, Err(CoreError::Conflict(_))), "{twice:?}");

    // Refused: never sent, and only with a reason.
    let (msg2, outbox2) = t.core.reply(case_id, karla.id, reply("Können Sie den Namen nennen?")).await.unwrap();
    assert_eq!(t.store.outbox(outbox2).await.unwrap().unwrap().status, OutboxStatus::Held);
    let e = t.core.reject_message(msg2, moritz, "   ").await.unwrap_err();
    assert!(matches!(e, CoreError::Invalid(ref f) if f[0].field == "reason"), "{e:?}");
    let r = t.core.reject_message(msg2, &s.supervisor, "Keine Nachfragen per Mail, bitte anrufen.").await.unwrap();
    assert_eq!((r.status, r.decided_by), (ApprovalStatus::Rejected, Some(s.supervisor.id)));
    assert_eq!(r.reason.as_deref(), Some("Keine Nachfragen per Mail, bitte anrufen."));
    assert_eq!(t.store.outbox(outbox2).await.unwrap().unwrap().status, OutboxStatus::Cancelled);
    assert!(drain(&t).await.is_empty(), "a refused reply is never sent");
    assert_eq!(told(&t, karla, "approval_refused", case_id).await, 1);
    let late = t.core.approve_message(msg2, moritz).await;
    assert!(matches!(late, Err(CoreError::Conflict(_))), "{late:?}");
    assert_eq!(t.store.outbox(outbox2).await.unwrap().unwrap().status, OutboxStatus::Cancelled);

    // Resolved, a safeguarding case never feeds the similar-case index: its answers are never
    // proposed to anyone else.
    let patch = CasePatch { status: Some(CaseStatus::Resolved), ..Default::default() };
    t.core.update_case(case_id, &Actor::User(karla.id), patch).await.unwrap();
    let resolved = t.store.resolved_cases(None, 10).await.unwrap();
    assert!(resolved.iter().all(|r| r.case_id != case_id), "{resolved:?}");
}
db_test!(replies_on_safeguarding_cases_need_a_second_person, replies_on_safeguarding_cases_need_a_second_person);

async fn lifting_safeguarding_ends_the_hold(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let karla = &s.members[0];
    let case_id = safeguarding_case(&t).await;

    let e = t.core.lift_safeguarding(case_id, karla.id, "erledigt").await;
    assert!(matches!(e, Err(CoreError::Forbidden(_))), "{e:?}");
    let e = t.core.lift_safeguarding(case_id, s.supervisor.id, " ").await;
    assert!(matches!(e, Err(CoreError::Invalid(_))), "{e:?}");
    assert!(case(&t, case_id).await.safeguarding);

    let lifted =
        t.core.lift_safeguarding(case_id, s.supervisor.id, "Jugendamt informiert, Kind in Sicherheit").await.unwrap();
    assert_eq!(case(&t, case_id).await, lifted);
    assert!(!lifted.safeguarding);
    assert_eq!(lifted.safeguarding_due_at, None);
    assert_eq!((lifted.team_id, lifted.escalation_level), (Some(s.team), 2), "the escalation stays");
    let hint = routing_hint(&t, case_id).await;
    assert_eq!((hint.outcome, hint.decided_by), (Outcome::Accepted, Some(s.supervisor.id)), "ended, category kept");
    assert!(actions(&t, case_id).await.contains(&"case.safeguarding_lifted".to_string()));
    let again = t.core.lift_safeguarding(case_id, s.admin.id, "nochmal").await;
    assert!(matches!(again, Err(CoreError::Conflict(_))), "{again:?}");

    let (_, outbox) = t.core.reply(case_id, karla.id, reply("Danke, dass Sie sich gemeldet haben.")).await.unwrap();
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, OutboxStatus::Pending);
    assert_eq!(names(&drain(&t).await), ["send_mail"]);
    assert!(t.core.case_approvals(case_id).await.unwrap().is_empty());
}
db_test!(lifting_safeguarding_ends_the_hold, lifting_safeguarding_ends_the_hold);

/// A person who takes the safeguarding category away overrides the machine's routing hint in the
/// ledger; the protocol stays until a supervisor ends it, and ending it changes the verdict no more.
async fn removing_the_category_overrides_the_routing_hint(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let karla = &s.members[0];
    let case_id = safeguarding_case(&t).await;
    let mid = t.core.case_detail(case_id).await.unwrap().messages[0].message.id;
    t.clock.advance(Duration::minutes(3));
    t.core.correct_categories(mid, karla.id, &["child".to_string(), "question".to_string()]).await.unwrap();
    let hint = routing_hint(&t, case_id).await;
    assert_eq!(
        (hint.outcome, hint.decided_by, hint.decided_at),
        (Outcome::Overridden, Some(karla.id), Some(t.clock.now()))
    );
    assert!(case(&t, case_id).await.safeguarding, "the protocol stays until a supervisor ends it");
    t.clock.advance(Duration::minutes(1));
    t.core.lift_safeguarding(case_id, s.supervisor.id, "Missverständnis, kein Kinderschutzfall").await.unwrap();
    let hint = routing_hint(&t, case_id).await;
    assert_eq!((hint.outcome, hint.decided_by), (Outcome::Overridden, Some(karla.id)), "decided once");

    // The report counts it: one routing hint, overridden.
    let now = t.clock.now();
    let rows =
        t.core.ledger_stats(now - Duration::days(1), now + Duration::days(1), resonanz_core::assist::LedgerBucket::Day);
    let rows = rows.await.unwrap();
    let row = rows.iter().find(|r| r.kind == SuggestionKind::Routing).expect("a routing row");
    assert_eq!((row.total, row.overridden, row.override_rate), (1, 1, Some(1.0)));
}
db_test!(removing_the_category_overrides_the_routing_hint, removing_the_category_overrides_the_routing_hint);

/// The short deadline drives the SLA clock: it runs around the clock (a Saturday night counts), is
/// not stopped by waiting on the contact, warns 15 minutes before, and is breached when nobody
/// answered — without lowering the protocol's escalation.
async fn the_safeguarding_deadline_warns_and_breaches_around_the_clock(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    t.clock.set(crate::responsibility::at("2026-03-07T23:00:00+01:00"));
    let case_id = safeguarding_case(&t).await;
    let due = t.clock.now() + Duration::minutes(60);
    let c = case(&t, case_id).await;
    assert_eq!((c.sla.first_response_due, c.sla.state), (Some(due), SlaState::Ok));
    assert_eq!(c.sla.next_check_at, Some(due - Duration::minutes(15)), "the warning comes 15 minutes before");
    let level = c.escalation_level;
    assert!(level >= 2);

    // Waiting on the contact pauses ordinary clocks, never this deadline.
    let patch = CasePatch { status: Some(CaseStatus::WaitingOnContact), ..Default::default() };
    t.core.update_case(case_id, &Actor::User(s.members[0].id), patch).await.unwrap();
    assert_eq!(case(&t, case_id).await.sla.first_response_due, Some(due));

    t.clock.set(due - Duration::minutes(16));
    t.core.tick().await.unwrap();
    assert_eq!(case(&t, case_id).await.sla.state, SlaState::Ok);
    t.clock.set(due - Duration::minutes(15));
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    let c = case(&t, case_id).await;
    assert_eq!((c.sla.state, c.sla.next_check_at), (SlaState::Warning, Some(due)));
    assert_eq!(crate::responsibility::events(&t, case_id, "case.sla_warning").await.len(), 1);
    t.clock.set(due);
    assert_eq!(t.core.tick().await.unwrap().sla_checked, 1);
    let c = case(&t, case_id).await;
    assert_eq!(c.sla.state, SlaState::Breached);
    assert_eq!(crate::responsibility::events(&t, case_id, "case.sla_breached").await.len(), 1);
    assert!(c.escalation_level >= level, "the deadline never lowers the protocol's escalation");
    assert!(c.safeguarding);
}
db_test!(
    the_safeguarding_deadline_warns_and_breaches_around_the_clock,
    the_safeguarding_deadline_warns_and_breaches_around_the_clock
);
