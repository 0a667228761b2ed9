//! Organisations (create, validate, list, membership of contacts) and teams (role check, members,
//! the user and team lists), with their audit events.

use resonanz_core::contact::{ContactPatch, NewContact};
use resonanz_core::error::CoreError;
use resonanz_core::ids::{OrganisationId, UserId};
use resonanz_core::mail::MailSource;
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

/// The `(field, code)` pairs of a validation error.
fn fields(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Invalid(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn organisations_are_created_validated_and_listed(db: Db) {
    let t = TestCore::new(db).await;
    let actor = Actor::User(t.agent.id);
    let o = t
        .core
        .create_organisation(&actor, "  Stadtwerke Musterstadt GmbH ", Some(" Stadtwerke-Musterstadt.DE ".into()))
        .await
        .unwrap();
    assert_eq!(o.name, "Stadtwerke Musterstadt GmbH");
    assert_eq!(o.domain.as_deref(), Some("stadtwerke-musterstadt.de"));
    assert_eq!(t.core.organisation(o.id).await.unwrap(), o);
    // An empty domain is no domain.
    let bare = t.core.create_organisation(&actor, "Verein Ohne Netz e.V.", Some("  ".into())).await.unwrap();
    assert_eq!(bare.domain, None);

    let events = t.store.subject_events("organisation", &o.id.to_string()).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "organisation.created");
    assert_eq!(events[0].actor, format!("user:{}", t.agent.id));
    let after: serde_json::Value = serde_json::from_str(events[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["domain"], "stadtwerke-musterstadt.de");

    let e = t.core.create_organisation(&actor, " ", Some("kein domain".into())).await.unwrap_err();
    assert_eq!(fields(e), pairs(&[("name", "required"), ("domain", "invalid_domain")]));
    let e = t.core.create_organisation(&actor, &"x".repeat(201), None).await.unwrap_err();
    assert_eq!(fields(e), pairs(&[("name", "too_long")]));
    assert!(t.core.create_organisation(&actor, &"ä".repeat(200), None).await.is_ok(), "200 characters, not bytes");
    assert!(matches!(t.core.organisation(OrganisationId(uuid::Uuid::nil())).await, Err(CoreError::NotFound(_))));

    // Search by name or domain, and page through everything once.
    let hits = t.core.list_organisations(Some("musterstadt"), 50, None).await.unwrap();
    assert_eq!(hits.items.iter().map(|o| o.id).collect::<Vec<_>>(), vec![o.id]);
    let hits = t.core.list_organisations(Some("STADTWERKE-"), 50, None).await.unwrap();
    assert_eq!(hits.items.len(), 1, "the domain matches too, case-insensitively");
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = t.core.list_organisations(None, 2, after).await.unwrap();
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next_cursor {
            Some(c) => after = OrganisationId::parse(&c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[..2], [o.id, bare.id]);
}
db_test!(organisations_are_created_validated_and_listed, organisations_are_created_validated_and_listed);

async fn contacts_join_and_leave_organisations(db: Db) {
    let t = TestCore::new(db).await;
    let actor = Actor::User(t.agent.id);
    let org = t.core.create_organisation(&actor, "Stadtwerke", None).await.unwrap();
    let other = t.core.create_organisation(&actor, "Bäckerei Korn", None).await.unwrap();
    let unknown = OrganisationId(uuid::Uuid::now_v7());

    let erika = t
        .core
        .create_contact(
            &actor,
            NewContact {
                display_name: "Erika Mustermann".into(),
                emails: vec!["erika@example.de".into()],
                organisation_id: Some(org.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(erika.contact.organisation_id, Some(org.id));
    let e = t
        .core
        .create_contact(
            &actor,
            NewContact { display_name: String::new(), organisation_id: Some(unknown), ..Default::default() },
        )
        .await
        .unwrap_err();
    assert_eq!(fields(e), pairs(&[("display_name", "required"), ("organisation_id", "unknown_organisation")]));

    // A contact made by ingest joins later; moves; an unknown id changes nothing.
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let report = t.core.ingest_mail(&src, b"1", Ok(inbound("max@example.de", "Max", "Zähler", "Text"))).await.unwrap();
    let max = report.contact_id.unwrap();
    let set = ContactPatch { organisation_id: Some(Some(org.id)), ..Default::default() };
    assert_eq!(t.core.update_contact(&actor, max, set).await.unwrap().contact.organisation_id, Some(org.id));
    let members: Vec<_> =
        t.core.organisation_contacts(org.id, 50).await.unwrap().iter().map(|c| c.contact.id).collect();
    assert_eq!(members, vec![erika.contact.id, max]);
    let bad = ContactPatch { organisation_id: Some(Some(unknown)), ..Default::default() };
    assert_eq!(
        fields(t.core.update_contact(&actor, max, bad).await.unwrap_err()),
        pairs(&[("organisation_id", "unknown_organisation")])
    );
    let moved = ContactPatch { organisation_id: Some(Some(other.id)), ..Default::default() };
    t.core.update_contact(&actor, max, moved).await.unwrap();
    assert_eq!(t.core.organisation_contacts(org.id, 50).await.unwrap().len(), 1);

    // The case detail names the organisation.
    let detail = t.core.case_detail(report.case_id.unwrap()).await.unwrap();
    assert_eq!(detail.organisation.map(|o| o.name), Some("Bäckerei Korn".to_string()));

    // A patch without the field keeps it; `Some(None)` clears it.
    let notes = ContactPatch { notes: Some("VIP".into()), ..Default::default() };
    assert_eq!(t.core.update_contact(&actor, max, notes).await.unwrap().contact.organisation_id, Some(other.id));
    let clear = ContactPatch { organisation_id: Some(None), ..Default::default() };
    assert_eq!(t.core.update_contact(&actor, max, clear).await.unwrap().contact.organisation_id, None);
    assert!(t.core.organisation_contacts(other.id, 50).await.unwrap().is_empty());
    assert!(t.core.case_detail(report.case_id.unwrap()).await.unwrap().organisation.is_none());

    // Each change of membership is a contact.updated event with the ids before and after.
    let events = t.store.subject_events("contact", &max.to_string()).await.unwrap();
    let moves: Vec<(serde_json::Value, serde_json::Value)> = events
        .iter()
        .filter(|e| e.action == "contact.updated")
        .map(|e| {
            let get = |s: &Option<String>| {
                serde_json::from_str::<serde_json::Value>(s.as_deref().unwrap()).unwrap()["organisation_id"].clone()
            };
            (get(&e.before), get(&e.after))
        })
        .collect();
    let id = |o: OrganisationId| serde_json::Value::String(o.to_string());
    let null = serde_json::Value::Null;
    assert_eq!(
        moves,
        vec![
            (null.clone(), id(org.id)),
            (id(org.id), id(other.id)),
            (id(other.id), id(other.id)),
            (id(other.id), null)
        ]
    );
    let created = t.store.subject_events("contact", &erika.contact.id.to_string()).await.unwrap();
    assert!(created[0].after.as_deref().unwrap().contains(&org.id.to_string()));
}
db_test!(contacts_join_and_leave_organisations, contacts_join_and_leave_organisations);

async fn teams_need_a_manager_and_known_members(db: Db) {
    let t = TestCore::new(db).await;
    let boss = t
        .core
        .create_user(&Actor::System, "berta@resonanz.test", "Berta Boss", Role::Supervisor, "!".into())
        .await
        .unwrap();
    let admin =
        t.core.create_user(&Actor::System, "ada@resonanz.test", "Ada Admin", Role::Admin, "!".into()).await.unwrap();

    let e = t.core.create_team(&Actor::User(t.agent.id), "Technik", &[t.agent.id]).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    let e = t.core.create_team(&Actor::Contact(resonanz_core::ids::ContactId(uuid::Uuid::nil())), "X", &[]).await;
    assert!(matches!(e, Err(CoreError::Forbidden(_))));

    let technik =
        t.core.create_team(&Actor::User(boss.id), " Technik ", &[t.agent.id, boss.id, t.agent.id]).await.unwrap();
    assert_eq!(technik.team.name, "Technik");
    assert_eq!(technik.member_ids, vec![t.agent.id, boss.id], "duplicates collapse");
    let events = t.store.subject_events("team", &technik.team.id.to_string()).await.unwrap();
    assert_eq!((events.len(), events[0].action.as_str()), (1, "team.created"));
    assert!(events[0].after.as_deref().unwrap().contains(&boss.id.to_string()));

    let ghost = UserId(uuid::Uuid::now_v7());
    let e = t.core.create_team(&Actor::User(admin.id), "technik", &[t.agent.id, ghost]).await.unwrap_err();
    assert_eq!(fields(e), pairs(&[("name", "taken"), ("member_ids[1]", "unknown_user")]));
    let e = t.core.create_team(&Actor::User(admin.id), "  ", &[]).await.unwrap_err();
    assert_eq!(fields(e), pairs(&[("name", "required")]));
    // The command line acts as the system.
    let leer = t.core.create_team(&Actor::System, "Abrechnung", &[]).await.unwrap();

    let teams = t.core.list_teams().await.unwrap();
    let shape: Vec<(&str, usize)> = teams.iter().map(|t| (t.team.name.as_str(), t.member_ids.len())).collect();
    assert_eq!(shape, vec![("Abrechnung", 0), ("Technik", 2)]);
    let users = t.core.list_users().await.unwrap();
    let shape: Vec<(&str, Vec<_>)> = users.iter().map(|u| (u.user.display_name.as_str(), u.team_ids.clone())).collect();
    assert_eq!(
        shape,
        vec![("Ada Admin", vec![]), ("Anna Agentin", vec![technik.team.id]), ("Berta Boss", vec![technik.team.id])]
    );
    assert!(teams.iter().any(|t| t.team.id == leer.team.id));
}
db_test!(teams_need_a_manager_and_known_members, teams_need_a_manager_and_known_members);
