//! Case list, pagination, German full-text search, reply with outbox, notes and handovers.

use resonanz_core::case::{CaseCursor, CaseFilter, CaseStatus, OwnerFilter, Priority};
use resonanz_core::error::CoreError;
use resonanz_core::mail::MailSource;
use resonanz_core::service::ReplyInput;
use resonanz_core::store::Store;
use resonanz_core::user::Actor;
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

fn src() -> MailSource {
    MailSource { label: "test".into(), mailbox_id: None }
}

async fn list_is_sorted_by_waiting_time_and_pages_with_cursor(db: Db) {
    let t = TestCore::new(db).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let r = t
            .core
            .ingest_mail(
                &src(),
                format!("{i}").as_bytes(),
                Ok(inbound(&format!("p{i}@example.de"), "P", &format!("Anliegen {i}"), "Text")),
            )
            .await
            .unwrap();
        ids.push(r.case_id.unwrap());
        t.clock.advance(chrono::Duration::minutes(5));
    }
    // Answer case 0: it no longer waits and moves behind the waiting ones.
    t.core.reply(ids[0], t.agent.id, ReplyInput { text: "Danke!".into(), ..Default::default() }).await.unwrap();

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page =
            t.core.list_cases(CaseFilter { limit: 3, cursor: cursor.clone(), ..Default::default() }).await.unwrap();
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => cursor = Some(CaseCursor::decode(&c).unwrap()),
            None => break,
        }
    }
    let mut expected: Vec<_> = ids[1..].to_vec();
    expected.push(ids[0]);
    assert_eq!(seen, expected, "oldest waiting first, answered last, each once");

    let open = t
        .core
        .list_cases(CaseFilter { status: Some(vec![CaseStatus::Open]), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(open.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[0]]);
    let unowned = t
        .core
        .list_cases(CaseFilter { owner: Some(OwnerFilter::Unowned), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(unowned.items.len(), 7);
    t.core.assign(ids[3], t.agent.id, Some(t.agent.id), "").await.unwrap();
    let mine = t
        .core
        .list_cases(CaseFilter { owner: Some(OwnerFilter::User(t.agent.id)), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(mine.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[3]]);
}
db_test!(list_is_sorted_by_waiting_time_and_pages_with_cursor, list_is_sorted_by_waiting_time_and_pages_with_cursor);

async fn german_search_finds_inflections_and_transliterations(db: Db) {
    let t = TestCore::new(db).await;
    let a = t
        .core
        .ingest_mail(
            &src(),
            b"1",
            Ok(inbound(
                "m@example.de",
                "Frau Müller",
                "Rechnungen doppelt",
                "Sehr geehrte Damen und Herren, Frau Müller aus der Hauptstraße schreibt.",
            )),
        )
        .await
        .unwrap();
    t.core
        .ingest_mail(&src(), b"2", Ok(inbound("x@example.de", "X", "Programmhinweis", "Wann läuft der Tatort?")))
        .await
        .unwrap();
    for q in ["Rechnung", "rechnungen", "Mueller", "Müller", "Hauptstrasse", "Hauptstraße", "mueller rechnung"] {
        let hits = t.core.search(q, 10).await.unwrap();
        assert_eq!(hits.len(), 1, "query {q}");
        assert_eq!(hits[0].case_id, a.case_id.unwrap(), "query {q}");
    }
    assert!(t.core.search("Mahnung", 10).await.unwrap().is_empty());
    assert!(t.core.search("Rechnung Tatort", 10).await.unwrap().is_empty(), "all terms must match one message");
    let listed =
        t.core.list_cases(CaseFilter { text: Some("Rechnung".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    // Operators typed by users are plain words, never syntax.
    assert!(t.core.search("\"OR\" NEAR( * -", 10).await.is_ok());
}
db_test!(german_search_finds_inflections_and_transliterations, german_search_finds_inflections_and_transliterations);

async fn reply_writes_message_outbox_and_job_together(db: Db) {
    let t = TestCore::new(db).await;
    let mail = inbound("anna@example.de", "Anna", "Frage", "Hallo?");
    let r = t.core.ingest_mail(&src(), b"1", Ok(mail.clone())).await.unwrap();
    let case_id = r.case_id.unwrap();
    let (message_id, outbox_id) = t
        .core
        .reply(case_id, t.agent.id, ReplyInput { text: "Guten Tag, gern geschehen.".into(), ..Default::default() })
        .await
        .unwrap();
    let m = t.store.message(message_id).await.unwrap().unwrap();
    assert_eq!(m.to, vec!["anna@example.de".to_string()]);
    assert_eq!(m.in_reply_to, mail.message_id);
    assert!(m.subject.starts_with("Re: Frage [#R-"));
    assert!(m.text_body.ends_with("-- \nIhr Zuschauerservice"));
    assert!(m.message_id_header.unwrap().ends_with("@resonanz.test"));
    let o = t.store.outbox(outbox_id).await.unwrap().unwrap();
    assert_eq!(o.status, resonanz_core::outbound::OutboxStatus::Pending);
    // The send job, and the analysis job the inbound mail queued.
    assert_eq!(t.store.job_counts().await.unwrap().queued, 2);
    let d = t.core.case_detail(case_id).await.unwrap();
    assert_eq!(d.case.status, CaseStatus::Open);
    assert_eq!(d.case.waiting_since, None);
    assert_eq!(d.messages[1].delivery.as_deref(), Some("pending"));

    let err =
        t.core.reply(case_id, t.agent.id, ReplyInput { text: "  ".into(), ..Default::default() }).await.unwrap_err();
    assert!(matches!(err, CoreError::Invalid(ref f) if f[0].field == "text"));
    let err = t
        .core
        .reply(case_id, t.agent.id, ReplyInput { text: "x".into(), cc: vec!["kaputt".into()], ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::Invalid(ref f) if f[0].field == "cc[0]"));
}
db_test!(reply_writes_message_outbox_and_job_together, reply_writes_message_outbox_and_job_together);

async fn handover_needs_a_note_and_is_recorded(db: Db) {
    let t = TestCore::new(db).await;
    let bert = t
        .core
        .create_user(&Actor::System, "bert@resonanz.test", "Bert", resonanz_core::user::Role::Agent, "!".into())
        .await
        .unwrap();
    let r = t.core.ingest_mail(&src(), b"1", Ok(inbound("k@example.de", "K", "Frage", "?"))).await.unwrap();
    let id = r.case_id.unwrap();
    // Taking an unowned case for oneself needs no note.
    t.core.assign(id, t.agent.id, Some(t.agent.id), "").await.unwrap();
    let err = t.core.assign(id, t.agent.id, Some(bert.id), "  ").await.unwrap_err();
    assert!(matches!(err, CoreError::Invalid(ref f) if f[0].code == "handover_note_required"));
    let case =
        t.core.assign(id, t.agent.id, Some(bert.id), "Kunde möchte Rückruf, Vertragsnummer im Anhang").await.unwrap();
    assert_eq!(case.owner_id, Some(bert.id));
    let d = t.core.case_detail(id).await.unwrap();
    assert!(d.messages.iter().any(|m| m.message.text_body.contains("Übergabe: Kunde möchte Rückruf")));
    assert_eq!(d.events.iter().filter(|e| e.action == "case.assigned").count(), 2);

    let note = t.core.add_note(id, bert.id, "Intern: bitte bis Freitag klären").await.unwrap();
    assert_eq!(t.store.message(note).await.unwrap().unwrap().direction, resonanz_core::message::Direction::Note);
    let c = t
        .core
        .update_case(
            id,
            &Actor::User(bert.id),
            resonanz_core::service::CasePatch {
                status: Some(CaseStatus::WaitingOnThirdParty),
                priority: Some(Priority::High),
                tags: Some(vec!["VIP".into(), " rückruf ".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.tags, vec!["rückruf".to_string(), "vip".to_string()]);
    assert_eq!(c.priority, Priority::High);
    let actions: Vec<_> = t.core.case_detail(id).await.unwrap().events.into_iter().map(|e| e.action).collect();
    for a in ["case.status_changed", "case.priority_changed", "case.tags_changed", "note.added"] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }
}
db_test!(handover_needs_a_note_and_is_recorded, handover_needs_a_note_and_is_recorded);

async fn a_case_moves_between_teams_and_the_team_filter_finds_it(db: Db) {
    let t = TestCore::new(db).await;
    let team = t.core.create_team(&Actor::System, "Kinderschutz", &[t.agent.id]).await.unwrap();
    let r = t.core.ingest_mail(&src(), b"1", Ok(inbound("k@example.de", "K", "Frage", "?"))).await.unwrap();
    let id = r.case_id.unwrap();
    let by_team = |team| CaseFilter { team_id: Some(team), limit: 10, ..Default::default() };
    assert!(t.core.list_cases(by_team(team.team.id)).await.unwrap().items.is_empty());

    let patch = resonanz_core::service::CasePatch { team_id: Some(Some(team.team.id)), ..Default::default() };
    let case = t.core.update_case(id, &Actor::User(t.agent.id), patch).await.unwrap();
    assert_eq!(case.team_id, Some(team.team.id));
    let listed = t.core.list_cases(by_team(team.team.id)).await.unwrap().items;
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);
    let events = t.core.case_detail(id).await.unwrap().events;
    assert!(events.iter().any(|e| e.action == "case.team_changed"));

    let unknown = resonanz_core::ids::TeamId::new(chrono::Utc::now());
    let patch = resonanz_core::service::CasePatch { team_id: Some(Some(unknown)), ..Default::default() };
    let err = t.core.update_case(id, &Actor::System, patch).await.unwrap_err();
    assert!(matches!(err, CoreError::Invalid(ref f) if f[0].code == "unknown_team"));

    let clear = resonanz_core::service::CasePatch { team_id: Some(None), ..Default::default() };
    assert_eq!(t.core.update_case(id, &Actor::System, clear).await.unwrap().team_id, None);
    assert!(t.core.list_cases(by_team(team.team.id)).await.unwrap().items.is_empty());
}
db_test!(
    a_case_moves_between_teams_and_the_team_filter_finds_it,
    a_case_moves_between_teams_and_the_team_filter_finds_it
);
