//! Rules added after the review of Assist: nothing with `{{prüfen}}` leaves, browser line breaks
//! do not count as edits, a held reply does not answer anyone until it is approved, a safeguarding
//! case stays with its team, and automatic replies look at the whole case.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::assist::{DraftRecord, Outcome};
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::error::CoreError;
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{actions, case, fake, mail, outbound, rule, text_block, user};
use crate::assist_safeguarding::{safeguarding_case, staff};

async fn a_draft_mark_or_placeholder_left_in_the_text_is_refused(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, _) = mail(&t, "ina@example.de", "Ina Iks", "Vertrag", "Wie lautet meine Vertragsnummer?").await;
    for text in ["Ihre Nummer ist {{prüfen}}.", "Ihre Nummer ist {{ prüfen }}.", "Guten Tag {{contact.name}}"] {
        let input = ReplyInput { text: text.into(), ..Default::default() };
        match t.core.reply(case_id, t.agent.id, input).await {
            Err(CoreError::Invalid(errors)) => assert_eq!(errors[0].code, "unfilled_placeholder", "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(outbound(&t, case_id).await.is_empty());
}
db_test!(
    a_draft_mark_or_placeholder_left_in_the_text_is_refused,
    a_draft_mark_or_placeholder_left_in_the_text_is_refused
);

async fn a_draft_sent_unchanged_from_a_browser_counts_as_accepted(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, mid) = mail(&t, "ina@example.de", "Ina Iks", "Frage", "Wann kommt die Sendung?").await;
    let text = "Guten Tag,\n\ndie Sendung kommt am Mittwoch.\n\nViele Grüße";
    let draft = DraftRecord {
        text: text.into(),
        confidence: 0.8,
        output: serde_json::json!({"text": text}),
        category: Some("question".into()),
        producer: "drafts-bm25".into(),
        producer_version: "drafts-test".into(),
    };
    let recorded = t.core.record_drafts(case_id, Some(mid), vec![draft]).await.unwrap();
    // What a browser's textarea submits: CRLF line breaks.
    let input = ReplyInput { text: text.replace('\n', "\r\n"), draft: Some(recorded[0].id), ..Default::default() };
    let (message, _) = t.core.reply(case_id, t.agent.id, input).await.unwrap();
    let s = t.core.suggestion(recorded[0].id).await.unwrap();
    assert_eq!((s.outcome, s.edit_distance), (Outcome::Accepted, Some(0)));
    let stored = t.store.message(message).await.unwrap().unwrap();
    assert!(!stored.text_body.contains('\r'), "stored with LF");
}
db_test!(
    a_draft_sent_unchanged_from_a_browser_counts_as_accepted,
    a_draft_sent_unchanged_from_a_browser_counts_as_accepted
);

async fn a_held_reply_answers_nobody_until_approved(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let case_id = safeguarding_case(&t).await;
    let before = case(&t, case_id).await;
    assert!(before.waiting_since.is_some() && before.safeguarding_due_at.is_some());
    let input = ReplyInput {
        text: "Danke, wir melden uns gleich.".into(),
        status: Some(CaseStatus::Resolved),
        ..Default::default()
    };
    let (message, _) = t.core.reply(case_id, s.members[0].id, input).await.unwrap();
    let held = case(&t, case_id).await;
    assert_eq!(held.status, before.status, "not resolved by a reply nobody has received");
    assert_eq!((held.waiting_since, held.safeguarding_due_at), (before.waiting_since, before.safeguarding_due_at));
    t.clock.advance(Duration::minutes(5));
    t.core.approve_message(message, &s.members[1]).await.unwrap();
    let answered = case(&t, case_id).await;
    assert_eq!((answered.waiting_since, answered.safeguarding_due_at), (None, None), "answered: the deadline is met");
    assert_eq!(answered.status, CaseStatus::Open);
}
db_test!(a_held_reply_answers_nobody_until_approved, a_held_reply_answers_nobody_until_approved);

async fn a_safeguarding_case_stays_with_its_team(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let case_id = safeguarding_case(&t).await;
    let away = CasePatch { team_id: Some(None), ..Default::default() };
    let e = t.core.update_case(case_id, &Actor::User(s.members[0].id), away.clone()).await;
    assert!(matches!(e, Err(CoreError::Forbidden(_))), "{e:?}");
    assert_eq!(case(&t, case_id).await.team_id, Some(s.team));
    // Other attributes stay the agents' to change.
    let priority = CasePatch { priority: Some(Priority::High), ..Default::default() };
    t.core.update_case(case_id, &Actor::User(s.members[0].id), priority).await.unwrap();
    // A supervisor may move it.
    t.core.update_case(case_id, &Actor::User(s.supervisor.id), away).await.unwrap();
    assert_eq!(case(&t, case_id).await.team_id, None);
}
db_test!(a_safeguarding_case_stays_with_its_team, a_safeguarding_case_stays_with_its_team);

async fn automatic_replies_look_at_the_whole_case(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    text_block(&t, &admin, "eingang", "Guten Tag, danke für Ihre Nachricht.").await;
    t.core.set_auto_reply_rule(&Actor::User(admin.id), rule("question", 0.6, "eingang")).await.unwrap();
    let question = fake(&[("question", 0.95)]);

    // An unanswered sensitive message, then a plain follow-up: a person answers both.
    let (first_case, first) = mail(&t, "tom@example.de", "Tom Tau", "Kündigung", "Mein Mann ist verstorben.").await;
    t.core.analyze_message(first, &fake(&[("sensitive", 0.9)])).await.unwrap();
    let header = t.store.message(first).await.unwrap().unwrap().message_id_header.unwrap();
    let (same, second) =
        crate::assist::answer(&t, "tom@example.de", "Tom Tau", &header, "Wann bekomme ich eine Antwort?").await;
    assert_eq!(same, first_case);
    t.core.analyze_message(second, &question).await.unwrap();
    assert!(outbound(&t, first_case).await.is_empty());
    assert!(actions(&t, first_case).await.contains(&"assist.auto_reply_blocked".to_string()));

    // Messages analysed out of order: the older one, analysed last, sends nothing.
    let (c2, m1) = mail(&t, "uta@example.de", "Uta Ulm", "Frage", "Wann läuft die Sendung?").await;
    let h = t.store.message(m1).await.unwrap().unwrap().message_id_header.unwrap();
    let (_, m2) = crate::assist::answer(&t, "uta@example.de", "Uta Ulm", &h, "Und noch eine Frage?").await;
    t.core.analyze_message(m1, &question).await.unwrap();
    assert!(outbound(&t, c2).await.is_empty(), "not the newest message");
    t.core.analyze_message(m2, &question).await.unwrap();
    assert_eq!(outbound(&t, c2).await.len(), 1, "the newest, with every message analysed");

    // A case someone has taken or closed is theirs.
    let (c3, m3) = mail(&t, "vera@example.de", "Vera Vau", "Frage", "Gibt es Untertitel?").await;
    let closed = CasePatch { status: Some(CaseStatus::Closed), ..Default::default() };
    t.core.update_case(c3, &Actor::User(t.agent.id), closed).await.unwrap();
    t.core.analyze_message(m3, &question).await.unwrap();
    assert!(outbound(&t, c3).await.is_empty());
    assert_eq!(case(&t, c3).await.status, CaseStatus::Closed, "a late analysis does not reopen it");
    let _ = t.clock.now();
}
db_test!(automatic_replies_look_at_the_whole_case, automatic_replies_look_at_the_whole_case);

async fn a_correction_before_the_analysis_settles_its_rows(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, mid) = mail(&t, "ina@example.de", "Ina Iks", "Frage", "Warum ist das so teuer?").await;
    t.core.correct_categories(mid, t.agent.id, &["question".to_string()]).await.unwrap();
    t.core.analyze_message(mid, &fake(&[("complaint", 0.8), ("question", 0.7)])).await.unwrap();
    t.core.reply(case_id, t.agent.id, ReplyInput { text: "Weil …".into(), ..Default::default() }).await.unwrap();
    let rows = t.core.store.case_suggestions(case_id).await.unwrap();
    let of = |c: &str| rows.iter().filter(|s| s.category.as_deref() == Some(c)).map(|s| s.outcome).collect::<Vec<_>>();
    assert_eq!(of("complaint"), [Outcome::Overridden], "the person had removed it");
    assert_eq!(of("question"), [Outcome::Accepted], "once, kept");
    // Re-running a done analysis is refused: it would count everything twice.
    assert!(matches!(t.core.retry_analysis(mid, &Actor::System).await, Err(CoreError::Conflict(_))));
}
db_test!(a_correction_before_the_analysis_settles_its_rows, a_correction_before_the_analysis_settles_its_rows);

async fn automatic_replies_are_rare_per_contact_and_never_beside_safeguarding(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    text_block(&t, &admin, "eingang", "Guten Tag, danke für Ihre Nachricht.").await;
    t.core.set_auto_reply_rule(&Actor::User(admin.id), rule("question", 0.6, "eingang")).await.unwrap();
    let question = fake(&[("question", 0.95)]);

    // A robot (or a person) writing new threads: one automatic reply a day.
    let (first, m1) = mail(&t, "bot@example.de", "Bot", "Frage 1", "Wann läuft die Sendung?").await;
    t.core.analyze_message(m1, &question).await.unwrap();
    assert_eq!(outbound(&t, first).await.len(), 1);
    t.clock.advance(Duration::hours(1));
    let (second, m2) = mail(&t, "bot@example.de", "Bot", "Frage 2", "Wann läuft die nächste Sendung?").await;
    t.core.analyze_message(m2, &question).await.unwrap();
    assert!(outbound(&t, second).await.is_empty(), "the second within a day goes to a person");
    t.clock.advance(Duration::hours(24));
    let (third, m3) = mail(&t, "bot@example.de", "Bot", "Frage 3", "Und wann die übernächste?").await;
    t.core.analyze_message(m3, &question).await.unwrap();
    assert_eq!(outbound(&t, third).await.len(), 1, "a day later again");

    // Someone with a case under the safeguarding protocol is never answered by a machine.
    let (sg, s1) = mail(&t, "lea@example.de", "Lea", "hilfe", "Zuhause ist es schlimm.").await;
    t.core.analyze_message(s1, &fake(&[("safeguarding", 0.9)])).await.unwrap();
    assert!(case(&t, sg).await.safeguarding);
    let (other, o1) = mail(&t, "lea@example.de", "Lea", "Sendung", "Wann kommt die Folge?").await;
    t.core.analyze_message(o1, &question).await.unwrap();
    assert!(outbound(&t, other).await.is_empty());
    assert!(actions(&t, other).await.contains(&"assist.auto_reply_blocked".to_string()));
}
db_test!(
    automatic_replies_are_rare_per_contact_and_never_beside_safeguarding,
    automatic_replies_are_rare_per_contact_and_never_beside_safeguarding
);

async fn a_reply_queued_before_the_protocol_started_waits_too(db: Db) {
    let t = TestCore::new(db).await;
    let s = staff(&t, 60, true).await;
    let (case_id, mid) = mail(&t, "mia@example.de", "Mia", "hallo", "mein onkel tut mir weh").await;
    // Someone answered before the worker analysed the message; the mail has not left yet.
    let input = ReplyInput { text: "Danke für deine Nachricht!".into(), ..Default::default() };
    let (reply, outbox) = t.core.reply(case_id, s.members[0].id, input).await.unwrap();
    t.core.analyze_message(mid, &fake(&[("safeguarding", 0.95), ("child", 0.9)])).await.unwrap();
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, resonanz_core::outbound::OutboxStatus::Held);
    let approvals = t.core.case_approvals(case_id).await.unwrap();
    assert_eq!((approvals.len(), approvals[0].message_id), (1, reply));
    t.core.approve_message(reply, &s.members[1]).await.unwrap();
    assert_eq!(t.store.outbox(outbox).await.unwrap().unwrap().status, resonanz_core::outbound::OutboxStatus::Pending);
}
db_test!(a_reply_queued_before_the_protocol_started_waits_too, a_reply_queued_before_the_protocol_started_waits_too);
