//! The watcher (`Core::tick`): handovers nobody acknowledged are reminded and then escalated,
//! cases without an owner or without activity are reported once, and ownership is a timeline.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::case::CaseStatus;
use resonanz_core::error::CoreError;
use resonanz_core::ids::CaseId;
use resonanz_core::responsibility::{EscalationSource, FollowUpKind, TickReport};
use resonanz_core::service::CasePatch;
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, User};
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{case, drain, mail};
use crate::responsibility::{at, events, notices, org, system_mails};

async fn in_team(t: &TestCore, id: CaseId, admin: &User, team: resonanz_core::ids::TeamId) {
    let patch = CasePatch { team_id: Some(Some(team)), ..Default::default() };
    t.core.update_case(id, &Actor::User(admin.id), patch).await.unwrap();
}

async fn tick_at(t: &TestCore, from: chrono::DateTime<chrono::Utc>, minutes: i64) -> TickReport {
    t.clock.set(from + Duration::minutes(minutes));
    t.core.tick().await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// Handovers

async fn an_unacknowledged_handover_is_reminded_then_escalated(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let (giver, taker) = (&o.members[0], &o.members[1]);
    let (id, _) = mail(&t, "wilma.weber@example.de", "Wilma Weber", "Vertragsfrage", "Wie kündige ich?").await;
    in_team(&t, id, &o.admin, o.team).await;
    let taken_at = t.clock.now();
    t.core.assign(id, giver.id, Some(giver.id), "").await.unwrap();

    t.clock.advance(Duration::minutes(30));
    let handed_at = t.clock.now();
    let note = "Bitte Rückruf bei Frau Weber, der Vertrag liegt in der Akte";
    t.core.assign(id, giver.id, Some(taker.id), note).await.unwrap();
    assert_eq!(notices(&t, taker, "handover", id).await.len(), 1);
    drain(&t).await;
    let reference = case(&t, id).await.reference();

    assert_eq!(tick_at(&t, handed_at, 59).await, TickReport::default());
    // After an hour: a reminder to the new owner, in the app and by mail.
    assert_eq!(tick_at(&t, handed_at, 61).await, TickReport { handovers_reminded: 1, ..Default::default() });
    let reminded = notices(&t, taker, "handover_reminder", id).await;
    assert_eq!(reminded.len(), 1);
    assert_eq!(reminded[0].body, format!("{reference} „Vertragsfrage“: Bitte bestätigen Sie die Übergabe."));
    assert_eq!(reminded[0].actor_user_id, Some(giver.id));
    assert_eq!(
        system_mails(&t).await,
        [(taker.email.clone(), format!("[Resonanz] {reference}: Übergabe noch nicht bestätigt"))]
    );
    assert_eq!(events(&t, id, "case.handover_reminded").await.len(), 1);
    let h = t.store.case_handovers(id).await.unwrap().into_iter().find(|h| h.to_user_id == Some(taker.id)).unwrap();
    assert_eq!((h.reminded_at, h.escalated_at, h.acknowledged_at), (Some(t.clock.now()), None, None));

    // Once only.
    assert_eq!(tick_at(&t, handed_at, 62).await, TickReport::default());
    assert_eq!(tick_at(&t, handed_at, 239).await, TickReport::default());
    assert_eq!(case(&t, id).await.escalation_level, 0);

    // After four hours: escalated to the team lead.
    assert_eq!(tick_at(&t, handed_at, 241).await, TickReport { handovers_escalated: 1, ..Default::default() });
    let c = case(&t, id).await;
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (1, Some("Übergabe nicht bestätigt")));
    let list = t.core.case_escalations(id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].source, list[0].created_by, list[0].level), (EscalationSource::Handover, None, 1));
    assert_eq!(notices(&t, &o.lead, "escalation", id).await.len(), 1);
    assert_eq!(notices(&t, taker, "escalation", id).await.len(), 1, "the owner hears of it too");
    let h = t.store.case_handovers(id).await.unwrap().into_iter().find(|h| h.to_user_id == Some(taker.id)).unwrap();
    assert_eq!(h.escalated_at, Some(t.clock.now()));
    assert_eq!(tick_at(&t, handed_at, 300).await, TickReport::default());
    assert_eq!(notices(&t, taker, "handover_reminder", id).await.len(), 1);

    // The ownership timeline: who held the case, from when, how long, and why.
    let spans = t.core.ownership(id).await.unwrap();
    let rows: Vec<_> =
        spans.iter().map(|s| (s.user_id, s.from, s.until, s.seconds, s.source.as_str(), s.by_user_id)).collect();
    assert_eq!(
        rows,
        [
            (Some(giver.id), taken_at, Some(handed_at), 30 * 60, "take", Some(giver.id)),
            (Some(taker.id), handed_at, None, 300 * 60, "manual", Some(giver.id)),
        ]
    );
    assert_eq!((spans[0].note.as_str(), spans[1].note.as_str()), ("", note));

    // Given back to nobody: the span ends, and an unowned stretch begins.
    t.core.assign(id, taker.id, None, "Bin im Urlaub, bitte neu verteilen").await.unwrap();
    let spans = t.core.ownership(id).await.unwrap();
    assert_eq!(spans.len(), 3);
    assert_eq!((spans[1].until, spans[1].seconds), (Some(t.clock.now()), 300 * 60));
    assert_eq!((spans[2].user_id, spans[2].by_user_id, spans[2].until), (None, Some(taker.id), None));
}
db_test!(an_unacknowledged_handover_is_reminded_then_escalated, an_unacknowledged_handover_is_reminded_then_escalated);

async fn acknowledging_a_handover_stops_reminder_and_escalation(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let (giver, taker) = (&o.members[0], &o.members[1]);
    let (early, _) = mail(&t, "wilma.weber@example.de", "Wilma Weber", "Vertragsfrage", "Wie kündige ich?").await;
    let (late, _) = mail(&t, "otto.ohr@example.de", "Otto Ohr", "Hörfunk", "Der Empfang rauscht.").await;
    for id in [early, late] {
        in_team(&t, id, &o.admin, o.team).await;
        t.core.assign(id, giver.id, Some(taker.id), "Bitte übernehmen, ich bin ab morgen weg").await.unwrap();
    }
    let handed_at = t.clock.now();

    // Only the new owner acknowledges.
    let e = t.core.acknowledge_handover(early, giver.id).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    t.clock.advance(Duration::minutes(30));
    t.core.acknowledge_handover(early, taker.id).await.unwrap();
    assert_eq!(events(&t, early, "case.handover_acknowledged").await.len(), 1);

    // The other is reminded, then acknowledged before it would be escalated.
    assert_eq!(tick_at(&t, handed_at, 61).await, TickReport { handovers_reminded: 1, ..Default::default() });
    assert!(notices(&t, taker, "handover_reminder", early).await.is_empty());
    assert_eq!(notices(&t, taker, "handover_reminder", late).await.len(), 1);
    t.clock.set(handed_at + Duration::minutes(100));
    t.core.acknowledge_handover(late, taker.id).await.unwrap();
    let e = t.core.acknowledge_handover(late, taker.id).await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "nothing left to acknowledge: {e:?}");

    assert_eq!(tick_at(&t, handed_at, 241).await, TickReport::default());
    assert_eq!(tick_at(&t, handed_at, 600).await, TickReport::default());
    for id in [early, late] {
        assert_eq!(case(&t, id).await.escalation_level, 0);
        assert!(t.core.case_escalations(id).await.unwrap().is_empty());
        assert!(notices(&t, &o.lead, "escalation", id).await.is_empty());
    }
}
db_test!(
    acknowledging_a_handover_stops_reminder_and_escalation,
    acknowledging_a_handover_stops_reminder_and_escalation
);

// ---------------------------------------------------------------------------------------------
// Unowned and inactive cases

async fn an_unowned_case_is_reported_once(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let start = t.clock.now();
    let (shared, _) = mail(&t, "hans.hoerer@example.de", "Hans Hörer", "Frequenz", "Welche Frequenz?").await;
    let (teamed, _) = mail(&t, "tina.team@example.de", "Tina Team", "Mediathek", "Die Folge fehlt.").await;
    in_team(&t, teamed, &o.admin, o.team).await;
    let (snoozed, _) = mail(&t, "sina.schlaf@example.de", "Sina Schlaf", "Technik", "Bild friert ein.").await;
    let until = start + Duration::minutes(180);
    t.core
        .add_follow_up(snoozed, o.admin.id, FollowUpKind::Snooze, until, "Rückmeldung der Technik abwarten")
        .await
        .unwrap();

    assert_eq!(tick_at(&t, start, 119).await, TickReport::default());
    // After two hours without an owner: reported to the team lead, or without a team to the
    // supervisors. The snoozed case sleeps.
    assert_eq!(tick_at(&t, start, 120).await, TickReport { unowned_reported: 2, ..Default::default() });
    let told = notices(&t, &o.supervisor, "watcher", shared).await;
    assert_eq!(told.len(), 1);
    let reference = case(&t, shared).await.reference();
    assert_eq!(told[0].body, format!("{reference} „Frequenz“ ist seit über 120 Minuten ohne Verantwortliche"));
    assert_eq!(notices(&t, &o.lead, "watcher", teamed).await.len(), 1);
    assert!(notices(&t, &o.supervisor, "watcher", teamed).await.is_empty(), "the lead is the one to act");
    assert!(notices(&t, &o.supervisor, "watcher", snoozed).await.is_empty());
    for id in [shared, teamed] {
        assert_eq!(case(&t, id).await.watch_flagged_at, Some(t.clock.now()));
        assert_eq!(events(&t, id, "case.watch_unowned").await.len(), 1);
    }
    assert_eq!(case(&t, snoozed).await.watch_flagged_at, None);

    // Once: not on the next ticks.
    assert_eq!(tick_at(&t, start, 121).await, TickReport::default());
    assert_eq!(tick_at(&t, start, 179).await, TickReport::default());
    // The snooze ends: the case is back, and now it is reported too.
    let r = tick_at(&t, start, 180).await;
    assert_eq!(r, TickReport { unowned_reported: 1, follow_ups_due: 1, ..Default::default() });
    assert_eq!(notices(&t, &o.supervisor, "watcher", snoozed).await.len(), 1);
    assert_eq!(notices(&t, &o.supervisor, "watcher", shared).await.len(), 1);

    // The watcher's lists, as each person may see them.
    let (unowned, inactive) = t.core.watch_lists(&o.supervisor).await.unwrap();
    let mut listed: Vec<CaseId> = unowned.iter().map(|c| c.id).collect();
    listed.sort();
    let mut expected = vec![shared, teamed, snoozed];
    expected.sort();
    assert_eq!((listed, inactive.len()), (expected, 0));
    let (unowned, _) = t.core.watch_lists(&t.agent).await.unwrap();
    assert!(!unowned.iter().any(|c| c.id == teamed), "an agent outside the team does not see its case");

    // A note is no owner: the case stays reported, once, until someone takes it.
    t.clock.advance(Duration::minutes(5));
    let flagged = case(&t, shared).await.watch_flagged_at;
    t.core.add_note(shared, o.supervisor.id, "Wer kennt sich mit Frequenzen aus?").await.unwrap();
    assert_eq!(case(&t, shared).await.watch_flagged_at, flagged);
    assert_eq!(t.core.tick().await.unwrap().unowned_reported, 0, "not reported again");
    t.core.assign(teamed, o.lead.id, Some(o.lead.id), "").await.unwrap();
    assert_eq!(case(&t, teamed).await.watch_flagged_at, None);
    let (unowned, _) = t.core.watch_lists(&o.supervisor).await.unwrap();
    assert!(!unowned.iter().any(|c| c.id == teamed));
}
db_test!(an_unowned_case_is_reported_once, an_unowned_case_is_reported_once);

async fn a_case_without_activity_is_reported_to_owner_and_lead(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let owner = &o.members[0];
    let start = at("2026-03-02T09:00:00Z");
    let (stalled, _) = mail(&t, "otto.ohr@example.de", "Otto Ohr", "Hörfunk", "Der Empfang rauscht.").await;
    let (waiting, _) = mail(&t, "wanda.warte@example.de", "Wanda Warte", "Rückfrage", "Ich melde mich.").await;
    for id in [stalled, waiting] {
        in_team(&t, id, &o.admin, o.team).await;
        t.core.assign(id, owner.id, Some(owner.id), "").await.unwrap();
    }
    // Waiting on the contact is no stall.
    let patch = CasePatch { status: Some(CaseStatus::WaitingOnContact), ..Default::default() };
    t.core.update_case(waiting, &Actor::User(owner.id), patch).await.unwrap();

    assert_eq!(tick_at(&t, start, 48 * 60 - 1).await, TickReport::default());
    assert_eq!(tick_at(&t, start, 48 * 60).await, TickReport { inactive_reported: 1, ..Default::default() });
    let reference = case(&t, stalled).await.reference();
    let body = format!("{reference} „Hörfunk“ ist seit über 48 Stunden ohne Bewegung");
    for who in [owner, &o.lead] {
        let told = notices(&t, who, "watcher", stalled).await;
        assert_eq!((told.len(), told[0].body.as_str()), (1, body.as_str()), "{}", who.display_name);
    }
    assert_eq!(events(&t, stalled, "case.watch_inactive").await.len(), 1);
    assert!(notices(&t, owner, "watcher", waiting).await.is_empty());
    assert_eq!(tick_at(&t, start, 48 * 60 + 1).await, TickReport::default());

    // Activity clears the flag, and the next report comes after another 48 quiet hours.
    t.clock.set(start + Duration::hours(49));
    t.core.add_note(stalled, owner.id, "Techniker ist informiert.").await.unwrap();
    assert_eq!(case(&t, stalled).await.watch_flagged_at, None);
    assert_eq!(tick_at(&t, start, 49 * 60 + 1).await, TickReport::default());
    assert_eq!(tick_at(&t, start, 97 * 60 - 1).await, TickReport::default());
    assert_eq!(tick_at(&t, start, 97 * 60).await, TickReport { inactive_reported: 1, ..Default::default() });
    assert_eq!(notices(&t, owner, "watcher", stalled).await.len(), 2);
}
db_test!(a_case_without_activity_is_reported_to_owner_and_lead, a_case_without_activity_is_reported_to_owner_and_lead);
