//! Escalation: by hand with a reason, acknowledged by the right person, de-escalated; raised on
//! ingest when the contact asks for a person or a manager, and by Assist's categories.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::error::CoreError;
use resonanz_core::ids::CaseId;
use resonanz_core::responsibility::{Escalation, EscalationSource};
use resonanz_core::service::CasePatch;
use resonanz_core::user::Actor;
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{answer, case, mail};
use crate::responsibility::{analyser, events, fields, header_of, notices, org};

fn summary(list: &[Escalation]) -> Vec<(i32, i32, EscalationSource, String)> {
    list.iter().map(|e| (e.level, e.previous_level, e.source, e.reason.clone())).collect()
}

async fn escalations(t: &TestCore, id: CaseId) -> Vec<Escalation> {
    t.core.case_escalations(id).await.unwrap()
}

async fn manual_escalation_is_acknowledged_by_the_right_person(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let (owner, colleague) = (&o.members[0], &o.members[1]);
    let (id, _) = mail(&t, "erwin.empoert@example.de", "Erwin Empört", "Skandal", "Ich bin empört!").await;
    let patch = CasePatch { team_id: Some(Some(o.team)), ..Default::default() };
    t.core.update_case(id, &Actor::User(o.admin.id), patch).await.unwrap();
    t.core.assign(id, owner.id, Some(owner.id), "").await.unwrap();

    // A reason is required, and levels go from 0 to 2.
    let e = t.core.set_escalation(id, owner.id, 1, "   ").await.unwrap_err();
    assert_eq!(fields(e), [("reason".to_string(), "required".to_string())]);
    let e = t.core.set_escalation(id, owner.id, 3, "Ganz oben").await.unwrap_err();
    assert_eq!(fields(e), [("level".to_string(), "out_of_range".to_string())]);
    assert_eq!(case(&t, id).await.escalation_level, 0);
    let e = t.core.acknowledge_escalation(id, &o.lead).await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "nothing to acknowledge: {e:?}");

    // Level 1: the team lead is told and acknowledges; a colleague may not.
    t.clock.advance(Duration::minutes(5));
    let raised_at = t.clock.now();
    let c = t.core.set_escalation(id, owner.id, 1, "  Droht mit dem Rundfunkrat ").await.unwrap();
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (1, Some("Droht mit dem Rundfunkrat")));
    assert_eq!((c.escalated_at, c.escalation_ack_at, c.escalation_ack_by), (Some(raised_at), None, None));
    assert_eq!(case(&t, id).await, c);
    let told = notices(&t, &o.lead, "escalation", id).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].actor_user_id, Some(owner.id));
    assert!(told[0].body.ends_with("„Skandal“ – Eskalationsstufe 1: Droht mit dem Rundfunkrat"), "{}", told[0].body);
    assert!(notices(&t, owner, "escalation", id).await.is_empty(), "who escalated is not told");
    assert!(notices(&t, &o.supervisor, "escalation", id).await.is_empty());
    let escalated = events(&t, id, "case.escalated").await;
    assert_eq!((escalated.len(), escalated[0].actor.clone()), (1, Actor::User(owner.id).label()));

    for who in [colleague, owner] {
        let e = t.core.acknowledge_escalation(id, who).await.unwrap_err();
        assert!(matches!(e, CoreError::Forbidden(_)), "{} is not the lead: {e:?}", who.display_name);
    }
    t.clock.advance(Duration::minutes(7));
    let c = t.core.acknowledge_escalation(id, &o.lead).await.unwrap();
    assert_eq!((c.escalation_ack_at, c.escalation_ack_by), (Some(t.clock.now()), Some(o.lead.id)));
    let e = t.core.acknowledge_escalation(id, &o.lead).await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "acknowledged already: {e:?}");
    let list = escalations(&t, id).await;
    assert_eq!((list[0].acknowledged_by, list[0].acknowledged_at), (Some(o.lead.id), Some(t.clock.now())));
    assert_eq!((list[0].created_by, list[0].created_at), (Some(owner.id), raised_at));
    assert_eq!(events(&t, id, "case.escalation_acknowledged").await.len(), 1);

    // Level 2: the supervisors; the lead may not acknowledge it, a supervisor does.
    t.clock.advance(Duration::minutes(30));
    t.core.set_escalation(id, o.lead.id, 2, "Rechtsabteilung einbeziehen").await.unwrap();
    assert_eq!(notices(&t, &o.supervisor, "escalation", id).await.len(), 1);
    assert_eq!(notices(&t, owner, "escalation", id).await.len(), 1, "the owner hears of it");
    let e = t.core.acknowledge_escalation(id, &o.lead).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    t.core.acknowledge_escalation(id, &o.supervisor).await.unwrap();

    // De-escalation needs a reason too, is recorded, and needs no acknowledgement.
    t.clock.advance(Duration::hours(2));
    let e = t.core.set_escalation(id, o.supervisor.id, 0, "").await.unwrap_err();
    assert_eq!(fields(e), [("reason".to_string(), "required".to_string())]);
    let c = t.core.set_escalation(id, o.supervisor.id, 0, "Mit dem Zuschauer telefoniert, geklärt").await.unwrap();
    assert_eq!((c.escalation_level, c.escalation_reason.clone(), c.escalated_at), (0, None, None));
    assert_eq!(events(&t, id, "case.deescalated").await.len(), 1);
    let list = escalations(&t, id).await;
    assert_eq!(
        summary(&list),
        [
            (1, 0, EscalationSource::Manual, "Droht mit dem Rundfunkrat".to_string()),
            (2, 1, EscalationSource::Manual, "Rechtsabteilung einbeziehen".to_string()),
            (0, 2, EscalationSource::Manual, "Mit dem Zuschauer telefoniert, geklärt".to_string()),
        ]
    );
    assert_eq!((list[1].acknowledged_by, list[2].created_by), (Some(o.supervisor.id), Some(o.supervisor.id)));
    assert_eq!((list[2].acknowledged_by, list[2].acknowledged_at), (None, Some(t.clock.now())));
    assert_eq!(notices(&t, &o.lead, "escalation", id).await.len(), 1, "lowering tells nobody");
    let e = t.core.acknowledge_escalation(id, &o.supervisor).await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "{e:?}");
}
db_test!(manual_escalation_is_acknowledged_by_the_right_person, manual_escalation_is_acknowledged_by_the_right_person);

async fn without_a_team_lead_level_one_reaches_the_supervisors(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let (id, _) = mail(&t, "erwin.empoert@example.de", "Erwin Empört", "Skandal", "Ich bin empört!").await;
    t.core.set_escalation(id, o.members[0].id, 1, "Kein Team zuständig").await.unwrap();
    assert_eq!(notices(&t, &o.supervisor, "escalation", id).await.len(), 1);
    assert!(notices(&t, &o.lead, "escalation", id).await.is_empty(), "the case has no team, so no lead");
    // A supervisor may acknowledge every level; an agent without a lead role none.
    let e = t.core.acknowledge_escalation(id, &o.lead).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    let c = t.core.acknowledge_escalation(id, &o.supervisor).await.unwrap();
    assert_eq!(c.escalation_ack_by, Some(o.supervisor.id));
}
db_test!(without_a_team_lead_level_one_reaches_the_supervisors, without_a_team_lead_level_one_reaches_the_supervisors);

async fn a_contact_asking_for_a_manager_escalates_on_ingest(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let body = "Das ist jetzt das dritte Mal. Ich möchte mit Ihrem Vorgesetzten sprechen.";
    let (manager, _) = mail(&t, "karin.klage@example.de", "Karin Klage", "Beschwerde", body).await;
    let c = case(&t, manager).await;
    assert_eq!(c.escalation_level, 2);
    assert_eq!(c.escalation_reason.as_deref(), Some("Kontakt verlangt eine Vorgesetzte oder einen Vorgesetzten"));
    assert_eq!(c.escalated_at, Some(t.clock.now()));
    let list = escalations(&t, manager).await;
    assert_eq!(summary(&list), [(2, 0, EscalationSource::Contact, c.escalation_reason.clone().unwrap())]);
    assert_eq!((list[0].created_by, list[0].acknowledged_at), (None, None));
    let escalated = events(&t, manager, "case.escalated").await;
    assert_eq!((escalated.len(), escalated[0].actor.as_str()), (1, "system"));
    assert_eq!(notices(&t, &o.supervisor, "escalation", manager).await.len(), 1);

    // Asking for a person: level 1 (no team, so the supervisors hear of it).
    let (person, mid) = mail(
        &t,
        "max.mensch@example.de",
        "Max Mensch",
        "Bot?",
        "Bitte keine Maschine, ich will einen Menschen sprechen.",
    )
    .await;
    let c = case(&t, person).await;
    assert_eq!(
        (c.escalation_level, c.escalation_reason.as_deref()),
        (1, Some("Kontakt möchte mit einem Menschen sprechen"))
    );
    assert_eq!(escalations(&t, person).await[0].source, EscalationSource::Contact);
    assert_eq!(notices(&t, &o.supervisor, "escalation", person).await.len(), 1);

    // Asking again changes nothing; asking for the manager on the same case raises it.
    let header = header_of(&t, mid).await;
    t.clock.advance(Duration::minutes(10));
    answer(&t, "max.mensch@example.de", "Max Mensch", &header, "Ich will einen Menschen sprechen!").await;
    assert_eq!(escalations(&t, person).await.len(), 1);
    answer(&t, "max.mensch@example.de", "Max Mensch", &header, "Dann eben Ihre Chefin.").await;
    let c = case(&t, person).await;
    assert_eq!(c.escalation_level, 2);
    assert_eq!(
        summary(&escalations(&t, person).await).iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
        [(1, 0), (2, 1)]
    );

    // An ordinary mail is not escalated.
    let (calm, _) = mail(&t, "rita.ruhig@example.de", "Rita Ruhig", "Lob", "Der Mensch im Film war toll.").await;
    assert_eq!(case(&t, calm).await.escalation_level, 0);
    assert!(escalations(&t, calm).await.is_empty());
}
db_test!(a_contact_asking_for_a_manager_escalates_on_ingest, a_contact_asking_for_a_manager_escalates_on_ingest);

async fn categories_escalate_to_their_level(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let (complaint, mid) = mail(&t, "karin.klage@example.de", "Karin Klage", "Ärger", "Das war unmöglich.").await;
    t.core.analyze_message(mid, &analyser("de", &[("complaint", 0.88)])).await.unwrap();
    let c = case(&t, complaint).await;
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (1, Some("Kategorie: Beschwerde")));
    assert_eq!(escalations(&t, complaint).await[0].source, EscalationSource::Category);

    // A person who corrects the categories to a threat raises it to the supervisors.
    t.clock.advance(Duration::minutes(3));
    t.core.correct_categories(mid, o.supervisor.id, &["complaint".into(), "threat".into()]).await.unwrap();
    let c = case(&t, complaint).await;
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (2, Some("Kategorie: Bedrohung")));
    assert_eq!(
        summary(&escalations(&t, complaint).await),
        [
            (1, 0, EscalationSource::Category, "Kategorie: Beschwerde".to_string()),
            (2, 1, EscalationSource::Category, "Kategorie: Bedrohung".to_string()),
        ]
    );

    // Praise is no reason to escalate.
    let (praise, mid) = mail(&t, "lob.lieb@example.de", "Lotte Lieb", "Danke", "Wunderbare Sendung!").await;
    t.core.analyze_message(mid, &analyser("de", &[("praise", 0.95)])).await.unwrap();
    assert_eq!(case(&t, praise).await.escalation_level, 0);
}
db_test!(categories_escalate_to_their_level, categories_escalate_to_their_level);
