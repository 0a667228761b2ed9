//! The API applies the workspace's visibility: an agent's token reaches the cases of their teams,
//! their own and those without a team — in lists, detail, search, writes and attachments.

use axum::http::{Method, StatusCode};
use resonanz_core::mail::InboundAttachment;
use resonanz_core::service::CasePatch;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::support::App;

async fn agents_reach_only_the_cases_they_may_see(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let hash = resonanz_core::passwords::hash("egal-egal-egal").unwrap();
    let lead = t
        .core
        .create_user(&Actor::System, "leitung@resonanz.test", "Lea Leitung", Role::Supervisor, hash)
        .await
        .unwrap();
    let other_team = t.core.create_team(&Actor::System, "Geschäftskunden", &[lead.id]).await.unwrap().team.id;
    let mut mail =
        inbound("b.bauer@example.de", "Bernd Bauer", "Rechnung 4711 doppelt", "Bitte prüfen Sie die Rechnung.");
    mail.attachments.push(InboundAttachment {
        filename: "rechnung.pdf".into(),
        content_type: "application/pdf".into(),
        data: b"%PDF-1.4".to_vec(),
        content_id: None,
        inline: false,
    });
    let hidden = app.ingest(mail).await.case_id.unwrap();
    let patch = CasePatch { team_id: Some(Some(other_team)), ..Default::default() };
    t.core.update_case(hidden, &Actor::System, patch).await.unwrap();
    let open =
        app.ingest(inbound("o.offen@example.de", "Olga Offen", "Rechnung Frage", "Ohne Team.")).await.case_id.unwrap();

    // The agent's token: the team's case is not there.
    let list = app.get("/api/v1/cases").await.json();
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![open.to_string().as_str()]);
    assert_eq!(app.get(&format!("/api/v1/cases/{hidden}")).await.status, StatusCode::NOT_FOUND);
    let r = app.post_json(&format!("/api/v1/cases/{hidden}/notes"), json!({"text": "Darf ich nicht"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.patch_json(&format!("/api/v1/cases/{hidden}"), json!({"priority": "high"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let hits = app.get("/api/v1/search?q=Rechnung").await.json();
    let hit_cases: Vec<&str> =
        hits["items"].as_array().unwrap().iter().map(|h| h["case_id"].as_str().unwrap()).collect();
    assert_eq!(hit_cases, vec![open.to_string().as_str()], "search shows only what the agent may open");
    let detail = t.core.case_detail(hidden).await.unwrap();
    let attachment = detail.messages[0].attachments[0].id;
    assert_eq!(app.get(&format!("/api/v1/attachments/{attachment}")).await.status, StatusCode::NOT_FOUND);
    let contact = app.get(&format!("/api/v1/contacts/{}", detail.case.contact_id)).await.json();
    assert_eq!(contact["cases"], json!([]), "the contact's hidden case is not listed");

    // The supervisor's token reaches it.
    let token = t.core.create_token(&Actor::System, lead.id, "leitung").await.unwrap();
    let r = app.send(Method::GET, &format!("/api/v1/cases/{hidden}"), Some(&token), None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.send(Method::GET, &format!("/api/v1/attachments/{attachment}"), Some(&token), None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    // And so does the agent once they own it.
    t.core.assign(hidden, lead.id, Some(t.agent.id), "Bitte übernehmen, Rückfrage beim Kunden nötig.").await.unwrap();
    assert_eq!(app.get(&format!("/api/v1/cases/{hidden}")).await.status, StatusCode::OK);
}
db_test!(agents_reach_only_the_cases_they_may_see, agents_reach_only_the_cases_they_may_see);
