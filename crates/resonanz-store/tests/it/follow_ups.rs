//! Follow-ups (Wiedervorlage): a snooze takes a case out of the inbox until it is due, then the
//! watcher brings it back and tells its owner in the app and by mail; a task reminds without
//! hiding anything.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::case::CaseStatus;
use resonanz_core::error::CoreError;
use resonanz_core::ids::CaseId;
use resonanz_core::responsibility::{FollowUpKind, TickReport};
use resonanz_core::service::CasePatch;
use resonanz_core::user::{Actor, User};
use resonanz_core::workspace::{InboxQuery, InboxView};
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{case, drain, mail};
use crate::responsibility::{events, fields, notices, org, system_mails};

/// Whether a user's inbox view shows the case.
async fn shows(t: &TestCore, user: &User, view: InboxView, id: CaseId) -> bool {
    let q = InboxQuery { view: Some(view), limit: 50, ..Default::default() };
    t.core.inbox(user, &q).await.unwrap().items.iter().any(|r| r.case.id == id)
}

async fn a_snoozed_case_leaves_the_inbox_until_it_is_due(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let owner = &o.members[0];
    let (id, _) = mail(&t, "frieda.frage@example.de", "Frieda Frage", "Rückruf", "Bitte rufen Sie mich an.").await;
    let patch = CasePatch { team_id: Some(Some(o.team)), ..Default::default() };
    t.core.update_case(id, &Actor::User(o.admin.id), patch).await.unwrap();
    t.core.assign(id, owner.id, Some(owner.id), "").await.unwrap();
    drain(&t).await;
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    assert!(!shows(&t, owner, InboxView::Snoozed, id).await);

    // Not into the past, not beyond two years.
    let now = t.clock.now();
    for (due, code) in
        [(now, "in_the_past"), (now - Duration::hours(1), "in_the_past"), (now + Duration::days(800), "too_far")]
    {
        let e = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, due, "").await.unwrap_err();
        assert_eq!(fields(e), [("due_at".to_string(), code.to_string())]);
    }

    let due = now + Duration::days(1);
    let f = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, due, " Kundin ruft morgen zurück ").await.unwrap();
    assert_eq!(
        (f.user_id, f.created_by, f.kind, f.note.as_str()),
        (owner.id, owner.id, FollowUpKind::Snooze, "Kundin ruft morgen zurück")
    );
    assert_eq!((f.due_at, f.notified_at, f.done_at), (due, None, None));
    assert_eq!(case(&t, id).await.snoozed_until, Some(due));
    assert_eq!(t.core.case_follow_ups(id).await.unwrap(), std::slice::from_ref(&f));
    assert_eq!(events(&t, id, "case.follow_up_set").await.len(), 1);

    // Out of the inbox views, in "snoozed".
    for view in [InboxView::Mine, InboxView::Teams, InboxView::Unowned, InboxView::Escalated] {
        assert!(!shows(&t, owner, view, id).await, "{view:?}");
    }
    assert!(!shows(&t, &o.lead, InboxView::Teams, id).await);
    assert!(shows(&t, owner, InboxView::Snoozed, id).await);
    assert!(shows(&t, &o.lead, InboxView::Snoozed, id).await);
    assert!(shows(&t, owner, InboxView::All, id).await);

    t.clock.set(due - Duration::minutes(1));
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default());
    assert!(!shows(&t, owner, InboxView::Mine, id).await);

    // Due: back in the inbox, and the owner is told in the app and by mail.
    t.clock.set(due);
    assert_eq!(t.core.tick().await.unwrap(), TickReport { follow_ups_due: 1, ..Default::default() });
    assert_eq!(case(&t, id).await.snoozed_until, None);
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    assert!(!shows(&t, owner, InboxView::Snoozed, id).await);
    let reference = case(&t, id).await.reference();
    let told = notices(&t, owner, "follow_up", id).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].body, format!("{reference} „Rückruf“ – Wiedervorlage: Kundin ruft morgen zurück"));
    assert_eq!(
        system_mails(&t).await,
        [(owner.email.clone(), format!("[Resonanz] {reference}: Wiedervorlage fällig"))]
    );
    let stored = t.core.case_follow_ups(id).await.unwrap();
    assert_eq!((stored[0].notified_at, stored[0].done_at), (Some(due), Some(due)));
    assert_eq!(events(&t, id, "case.follow_up_due").await.len(), 1);
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default(), "once");
    assert!(t.core.my_follow_ups(owner.id).await.unwrap().is_empty());

    // A new snooze replaces an open one; ending it early brings the case back at once.
    let later = t.clock.now() + Duration::days(7);
    let sooner = t.clock.now() + Duration::days(2);
    let first = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, later, "").await.unwrap();
    t.clock.advance(Duration::minutes(1));
    let second = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, sooner, "").await.unwrap();
    let stored = t.core.case_follow_ups(id).await.unwrap();
    let first_now = stored.iter().find(|f| f.id == first.id).unwrap();
    assert_eq!(first_now.done_at, Some(t.clock.now()));
    assert_eq!(case(&t, id).await.snoozed_until, Some(sooner));
    assert_eq!(t.core.my_follow_ups(owner.id).await.unwrap(), std::slice::from_ref(&second));
    let done = t.core.complete_follow_up(second.id, owner).await.unwrap();
    assert_eq!(done.done_at, Some(t.clock.now()));
    assert_eq!(case(&t, id).await.snoozed_until, None);
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    assert_eq!(events(&t, id, "case.follow_up_done").await.len(), 1);
    t.clock.set(later + Duration::minutes(1));
    assert_eq!(t.core.tick().await.unwrap().follow_ups_due, 0, "replaced and completed snoozes never fire");

    // A resolved case cannot be snoozed.
    let patch = CasePatch { status: Some(CaseStatus::Resolved), ..Default::default() };
    t.core.update_case(id, &Actor::User(owner.id), patch).await.unwrap();
    let e = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, t.clock.now() + Duration::days(1), "").await;
    assert!(matches!(e, Err(CoreError::Conflict(_))), "{e:?}");
}
db_test!(a_snoozed_case_leaves_the_inbox_until_it_is_due, a_snoozed_case_leaves_the_inbox_until_it_is_due);

async fn a_task_reminds_the_owner_without_hiding_the_case(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let owner = &o.members[0];
    let (id, _) = mail(&t, "frieda.frage@example.de", "Frieda Frage", "Abo", "Ich will mein Abo ändern.").await;
    let due = t.clock.now() + Duration::hours(2);
    let e = t.core.add_follow_up(id, o.lead.id, FollowUpKind::Task, due, "  ").await.unwrap_err();
    assert_eq!(fields(e), [("note".to_string(), "required".to_string())]);

    // Set on an unowned case by the lead: it is theirs until the case has an owner.
    let f = t.core.add_follow_up(id, o.lead.id, FollowUpKind::Task, due, "Abo-Unterlagen anfordern").await.unwrap();
    assert_eq!((f.user_id, f.kind), (o.lead.id, FollowUpKind::Task));
    assert_eq!(case(&t, id).await.snoozed_until, None);
    assert!(shows(&t, &o.lead, InboxView::Unowned, id).await, "a task hides nothing");
    assert!(!shows(&t, &o.lead, InboxView::Snoozed, id).await);
    assert_eq!(t.core.my_follow_ups(o.lead.id).await.unwrap(), std::slice::from_ref(&f));

    let patch = CasePatch { team_id: Some(Some(o.team)), ..Default::default() };
    t.core.update_case(id, &Actor::User(o.admin.id), patch).await.unwrap();
    t.core.assign(id, o.lead.id, Some(owner.id), "Bitte um das Abo kümmern").await.unwrap();
    t.core.acknowledge_handover(id, owner.id).await.unwrap();
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    drain(&t).await;

    // Due: the owner of the case now is told; the task stays open until it is done.
    t.clock.set(due);
    assert_eq!(t.core.tick().await.unwrap(), TickReport { follow_ups_due: 1, ..Default::default() });
    let reference = case(&t, id).await.reference();
    let told = notices(&t, owner, "follow_up", id).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].body, format!("{reference} „Abo“ – Wiedervorlage: Abo-Unterlagen anfordern"));
    assert_eq!(told[0].actor_user_id, Some(o.lead.id));
    assert!(notices(&t, &o.lead, "follow_up", id).await.is_empty());
    assert_eq!(
        system_mails(&t).await,
        [(owner.email.clone(), format!("[Resonanz] {reference}: Wiedervorlage fällig"))]
    );
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    let stored = t.core.case_follow_ups(id).await.unwrap();
    assert_eq!((stored[0].notified_at, stored[0].done_at), (Some(due), None));
    assert_eq!(t.core.my_follow_ups(o.lead.id).await.unwrap().len(), 1);
    assert_eq!(t.core.tick().await.unwrap(), TickReport::default(), "reminded once");

    // Someone who cannot see the case does not learn of the task; the owner marks it done.
    let e = t.core.complete_follow_up(f.id, &t.agent).await.unwrap_err();
    assert!(matches!(e, CoreError::NotFound(_)), "{e:?}");
    t.clock.advance(Duration::minutes(20));
    let done = t.core.complete_follow_up(f.id, owner).await.unwrap();
    assert_eq!(done.done_at, Some(t.clock.now()));
    assert!(t.core.my_follow_ups(o.lead.id).await.unwrap().is_empty());
    // Completing twice changes nothing.
    assert_eq!(t.core.complete_follow_up(f.id, owner).await.unwrap(), done);
}
db_test!(a_task_reminds_the_owner_without_hiding_the_case, a_task_reminds_the_owner_without_hiding_the_case);

async fn the_contact_writing_ends_a_snooze(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let owner = &o.members[0];
    let (id, msg) = mail(&t, "frieda.frage@example.de", "Frieda Frage", "Rückruf", "Bitte rufen Sie mich an.").await;
    t.core.assign(id, owner.id, Some(owner.id), "").await.unwrap();
    let due = t.clock.now() + Duration::days(3);
    let f = t.core.add_follow_up(id, owner.id, FollowUpKind::Snooze, due, "").await.unwrap();
    assert!(!shows(&t, owner, InboxView::Mine, id).await);
    // Waiting on the contact, the snoozed case is still found under "snoozed".
    let patch = CasePatch { status: Some(CaseStatus::WaitingOnContact), ..Default::default() };
    t.core.update_case(id, &Actor::User(owner.id), patch).await.unwrap();
    assert!(shows(&t, owner, InboxView::Snoozed, id).await);

    t.clock.advance(Duration::hours(2));
    let header = crate::responsibility::header_of(&t, msg).await;
    let (same, _) =
        crate::assist::answer(&t, "frieda.frage@example.de", "Frieda Frage", &header, "Noch eine Frage!").await;
    assert_eq!(same, id);
    let c = case(&t, id).await;
    assert_eq!((c.snoozed_until, c.status), (None, CaseStatus::Open), "the contact's mail brings it back at once");
    assert!(shows(&t, owner, InboxView::Mine, id).await);
    let done = t.core.case_follow_ups(id).await.unwrap().into_iter().find(|x| x.id == f.id).unwrap();
    assert_eq!(done.done_at, Some(t.clock.now()));
    // Nothing is due later for it.
    t.clock.advance(Duration::days(4));
    assert_eq!(t.core.tick().await.unwrap().follow_ups_due, 0);
}
db_test!(the_contact_writing_ends_a_snooze, the_contact_writing_ends_a_snooze);
