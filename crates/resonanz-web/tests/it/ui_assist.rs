//! Assist in the workspace: the analysis box and its correction, the safeguarding banner and
//! four-eyes approval, drafts (with and without the script), the ledger page and the admin page;
//! hostile text from the machine always escaped.

use axum::http::StatusCode;
use resonanz_core::assist::SuggestionKind;
use resonanz_core::ids::{CaseId, MessageId};
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};

use crate::assist_support::{FakeAnalyzer, FakeDrafts, analyse};
use crate::support::App;
use crate::ui::{person, sign_in, team, value_after};

async fn mail(app: &App, from: &str, name: &str, subject: &str, body: &str) -> (CaseId, MessageId) {
    let r = app.ingest(inbound(from, name, subject, body)).await;
    (r.case_id.unwrap(), r.message_id.unwrap())
}

/// Neither the raw script nor the raw image tag of [`crate::assist_support::XSS`], but its
/// escaped form (askama writes `<` as `&#60;`).
fn assert_escaped(html: &str, what: &str) {
    assert!(!html.contains("<script>alert"), "{what}: unescaped script");
    assert!(!html.contains("<img src=x"), "{what}: unescaped tag");
    assert!(html.contains("&#60;script&#62;alert("), "{what}: the text is shown escaped");
}

async fn analysis_box(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "jonas.weber@resonanz.test", "Jonas Weber", Role::Agent).await;
    let (case, first) =
        mail(&app, "erika@example.de", "Erika Mustermann", "Beschwerde", "Sie haben doppelt abgebucht!").await;
    analyse(&app, first, &FakeAnalyzer::hostile(&[("complaint", 0.88), ("sensitive", 0.61)])).await;
    let second = app
        .ingest({
            let mut m = inbound("erika@example.de", "Erika Mustermann", "Nachtrag", "Und noch etwas.");
            m.subject = format!("Re: Beschwerde [#R-{}]", t.core.case_detail(case).await.unwrap().case.number);
            m
        })
        .await
        .message_id
        .unwrap();
    let mut b = sign_in(&app.router, "jonas.weber@resonanz.test").await;
    let page = b.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Vorschlag der Maschine"), "clearly the machine's");
    assert!(html.contains("Beschwerde <span class=\"chip-conf\">88 %</span>"), "{html}");
    assert!(html.contains("Sensibel <span class=\"chip-conf\">61 %</span>"));
    assert!(html.contains("negativ (80 %)") && html.contains("Ärger (70 %)") && html.contains("de (97 %)"));
    assert!(html.contains("<summary>Warum? Erklärung und Signale</summary>"));
    assert_escaped(&html, "explanation and signals");
    assert!(html.contains("Analyse läuft"), "the second message waits for the worker");
    for label in ["Routineanfrage", "Frage", "Lob", "Kind", "Kinderschutz/Gefährdung", "Bedrohung", "Spam"] {
        assert!(html.contains(&format!("> {label}</label>")), "{label}");
    }
    assert!(html.contains("name=\"categories\" value=\"complaint\" checked"));

    // A failure shows its reason and can be retried.
    t.core.record_analysis_failure(second, "model timeout <b>fett</b>").await.unwrap();
    let html = b.get(&format!("/cases/{case}/timeline")).await.text();
    assert!(html.contains("Die Analyse ist fehlgeschlagen: model timeout &#60;b&#62;fett"), "{html}");
    assert!(!html.contains("<b>fett"));
    assert!(html.contains("Erneut analysieren"));
    let r = b.post(&format!("/messages/{second}/analysis/retry"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), format!("/cases/{case}#m-{second}"));
    assert!(b.get(&format!("/cases/{case}")).await.text().contains("Analyse läuft"));

    // A person corrects the categories.
    let r =
        b.post(&format!("/messages/{first}/categories"), &[("categories", "complaint"), ("categories", "child")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = b.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Von einer Person korrigiert: Beschwerde, Kind"), "{html}");
    assert!(html.contains("Kategorien korrigiert: Beschwerde, Kind"), "the timeline says who did");
    let r = b.post(&format!("/messages/{first}/categories"), &[("categories", "kaputt")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("flash-error"));

    // The inbox shows up to two category chips.
    let inbox = b.get("/?view=all").await.text();
    assert!(inbox.contains("<span class=\"chip\">Beschwerde</span><span class=\"chip\">Kind</span>"), "{inbox}");
}
db_test!(case_page_shows_the_analysis_and_its_correction, analysis_box);

async fn safeguarding_banner(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "jonas.weber@resonanz.test", "Jonas Weber", Role::Agent).await;
    person(t, "lea.leitung@resonanz.test", "Lea Leitung", Role::Supervisor).await;
    let (case, _) = mail(&app, "kind@example.de", "Mia", "Hilfe", "Zuhause ist es schlimm.").await;
    let mut jonas = sign_in(&app.router, "jonas.weber@resonanz.test").await;
    let html = jonas.get(&format!("/cases/{case}")).await.text();
    assert!(!html.contains("Kinderschutz-Protokoll aktiv"));
    assert!(html.contains("Als Kinderschutzfall markieren"));
    assert!(html.contains(">Antwort senden</button>"));

    let r = jonas.post(&format!("/cases/{case}/safeguarding"), &[("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"sg-reason-error\""), "the error sits beside the field");
    let r = jonas
        .post(&format!("/cases/{case}/safeguarding"), &[("reason", "Kind beschreibt Gewalt <i>zuhause</i>")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = jonas.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Kinderschutz-Protokoll aktiv"));
    assert!(html.contains("Automatische Antworten sind gesperrt."));
    assert!(html.contains("Jede Antwort braucht die Freigabe einer zweiten Person"));
    assert!(html.contains("Erste Reaktion fällig bis 02.03.2026 11:00."), "in the organisation's time zone");
    assert!(html.contains("Wird zur Freigabe vorgelegt") && html.contains(">Zur Freigabe vorlegen</button>"));
    assert!(!html.contains("Protokoll beenden"), "agents do not end the protocol");
    assert!(
        html.contains("Kind beschreibt Gewalt &#60;i&#62;zuhause&#60;/i&#62;"),
        "the reason in the timeline, escaped"
    );

    // A reply waits for a second person.
    let r = jonas.post(&format!("/cases/{case}/reply"), &[("text", "Wir sind für dich da."), ("to", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let held = t.core.case_approvals(case).await.unwrap()[0].message_id;
    let html = jonas.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Wartet auf Freigabe"));
    assert!(html.contains("Eine zweite Person muss diese Antwort freigeben"));
    assert!(!html.contains("Freigeben und senden"), "not for the author");
    let r = jonas.post(&format!("/messages/{held}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut lea = sign_in(&app.router, "lea.leitung@resonanz.test").await;
    let html = lea.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Freigeben und senden") && html.contains(">Ablehnen</button>"));
    assert!(html.contains("Protokoll beenden"));
    assert!(html.contains("von Jonas Weber zur Freigabe vorgelegt"));
    let inbox = lea.get("/?view=all").await.text();
    assert!(
        inbox.contains("<span class=\"badge safeguarding-mark\">Kinderschutz</span>"),
        "a text marker, not colour only"
    );
    let r = lea.post(&format!("/messages/{held}/reject"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = lea.post(&format!("/messages/{held}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), format!("/cases/{case}#m-{held}"));
    let html = lea.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Freigegeben von Lea Leitung."), "{html}");
    assert!(html.contains("Antwort freigegeben"));

    // The supervisor ends the protocol.
    let r = lea.post(&format!("/cases/{case}/safeguarding/lift"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"sg-lift-error\""));
    let r = lea.post(&format!("/cases/{case}/safeguarding/lift"), &[("reason", "Mit dem Jugendamt geklärt")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = lea.get(&format!("/cases/{case}")).await.text();
    assert!(!html.contains("Kinderschutz-Protokoll aktiv"));
    assert!(html.contains("Kinderschutz-Protokoll beendet — Mit dem Jugendamt geklärt"));
}
db_test!(safeguarding_banner_and_four_eyes_in_the_workspace, safeguarding_banner);

async fn drafts_panel(db: Db) {
    let app = App::new(db).await;
    person(&app.tc, "jonas.weber@resonanz.test", "Jonas Weber", Role::Agent).await;
    let (case, _) = mail(&app, "erika@example.de", "Erika Mustermann", "Abbuchung", "Doppelt abgebucht.").await;
    let mut b = sign_in(&app.router, "jonas.weber@resonanz.test").await;
    let html = b.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Antwortentwürfe sind auf diesem Server nicht eingerichtet."));
    assert!(!html.contains("Entwürfe vorschlagen"));

    // With a drafting side, on the same database.
    let (earlier, _) = mail(&app, "max@example.de", "Max", "Früher", "Alt.").await;
    let mut st = crate::support::state(&app.tc, 1024 * 1024);
    st.drafts = Some(std::sync::Arc::new(FakeDrafts { abstain: false, source_case: Some(earlier), hostile: true }));
    let router = resonanz_web::router(st);
    let mut b = sign_in(&router, "jonas.weber@resonanz.test").await;
    let html = b.get(&format!("/cases/{case}")).await.text();
    assert!(html.contains("Entwürfe vorschlagen") && html.contains("Vorschläge"));

    // Without the script: the form posts and the page comes back with the drafts.
    let r = b.post(&format!("/cases/{case}/drafts"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<html"), "the whole page");
    assert!(html.contains("Guten Tag, vielen Dank für Ihre Nachricht. Wir prüfen die Abbuchung."));
    assert!(html.contains("Sicherheit 82 %") && html.contains("Sicherheit 61 %"));
    assert!(html.contains("maschinell entworfen"));
    assert!(html.contains("abbuchung-pruefen") && html.contains("Textbaustein"));
    assert!(html.contains(&format!("<a href=\"/cases/{earlier}\">R-4711</a>")), "a past case as a link");
    assert!(html.contains("class=\"btn btn-small btn-primary draft-insert needs-js\""), "Insert needs the script");
    assert!(html.contains(">Verwerfen</button>"));
    assert!(html.contains("name=\"draft_id\" id=\"draft-id\" value=\"\""));
    assert_escaped(&html, "draft text and explanation");

    // With the script: the panel alone.
    app.tc.clock.advance(chrono::Duration::seconds(30));
    let r = b.post(&format!("/cases/{case}/drafts?fragment=1"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let fragment = r.text();
    assert!(!fragment.contains("<html") && fragment.contains("class=\"draft\""), "{fragment}");
    assert_escaped(&fragment, "fragment");
    let ids: Vec<String> = app
        .tc
        .core
        .store
        .case_suggestions(case)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == SuggestionKind::Draft)
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(ids.len(), 4, "every draft shown is in the ledger");
    let latest = &ids[2..];
    assert!(fragment.contains(&latest[0]) || fragment.contains(&latest[1]));

    // The page keeps showing the latest proposal until it is used or discarded.
    let html = b.get(&format!("/cases/{case}")).await.text();
    assert!(
        html.contains(&format!("id=\"draft-{}\"", latest[0])) && !html.contains(&format!("id=\"draft-{}\"", ids[0]))
    );
    let r = b.post(&format!("/suggestions/{}/reject?fragment=1", latest[1]), &[]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = b.post(&format!("/suggestions/{}/reject", latest[0]), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), format!("/cases/{case}#drafts-heading"));
    assert!(!b.get(&format!("/cases/{case}")).await.text().contains("class=\"draft\""));

    // Sending with a draft settles the ledger.
    app.tc.clock.advance(chrono::Duration::seconds(30));
    let fresh = b.post(&format!("/cases/{case}/drafts?fragment=1"), &[]).await.text();
    let id = value_after(&fresh, "data-draft-id=\"");
    let text = "Guten Tag, vielen Dank für Ihre Nachricht. Wir prüfen die Abbuchung. Bis morgen!";
    let r = b.post(&format!("/cases/{case}/reply"), &[("text", text), ("draft_id", &id)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let used = app.tc.core.suggestion(id.parse().map(resonanz_core::ids::SuggestionId).unwrap()).await.unwrap();
    assert_eq!(used.outcome.as_str(), "edited");
    assert_eq!(used.edit_distance, Some(12));
}
db_test!(drafts_are_proposed_inserted_and_discarded, drafts_panel);

async fn abstaining(db: Db) {
    let app = App::with_drafts(db, FakeDrafts { abstain: true, source_case: None, hostile: false }).await;
    person(&app.tc, "jonas.weber@resonanz.test", "Jonas Weber", Role::Agent).await;
    let (case, _) = mail(&app, "erika@example.de", "Erika Mustermann", "Hallo", "Hm.").await;
    let mut b = sign_in(&app.router, "jonas.weber@resonanz.test").await;
    let r = b.post(&format!("/cases/{case}/drafts"), &[]).await;
    assert!(r.text().contains("Kein Entwurf: confidence below the threshold"), "{}", r.text());
}
db_test!(the_drafts_panel_says_why_it_abstains, abstaining);

async fn ledger_and_admin(db: Db) {
    let app = App::with_drafts(db, FakeDrafts { abstain: false, source_case: None, hostile: false }).await;
    let t = &app.tc;
    person(t, "jonas.weber@resonanz.test", "Jonas Weber", Role::Agent).await;
    person(t, "lea.leitung@resonanz.test", "Lea Leitung", Role::Supervisor).await;
    let ada = person(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let (case, msg) = mail(&app, "erika@example.de", "Erika Mustermann", "Abbuchung", "Doppelt abgebucht.").await;
    analyse(&app, msg, &FakeAnalyzer::new(&[("complaint", 0.88)])).await;

    let mut jonas = sign_in(&app.router, "jonas.weber@resonanz.test").await;
    let fresh = jonas.post(&format!("/cases/{case}/drafts?fragment=1"), &[]).await.text();
    let id = value_after(&fresh, "data-draft-id=\"");
    let text = "Guten Tag, vielen Dank für Ihre Nachricht. Wir prüfen die Abbuchung.";
    let r = jonas.post(&format!("/cases/{case}/reply"), &[("text", text), ("draft_id", &id)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!jonas.get("/").await.text().contains("href=\"/assist\""), "no ledger link for agents");
    assert_eq!(jonas.get("/assist").await.status, StatusCode::FORBIDDEN);

    let mut lea = sign_in(&app.router, "lea.leitung@resonanz.test").await;
    let r = lea.get("/assist").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("href=\"/assist\" aria-current=\"page\""));
    assert!(html.contains("Assist-Protokoll"));
    // Each producer on its own line: the text-block draft was sent, the LLM's was not.
    let row = |producer: &str| {
        let start = format!(
            "<td>Antwortentwurf</td><td>Beschwerde</td><td><code>{producer}</code> <code>drafts-test-1</code></td>"
        );
        let i = html.find(&start).unwrap_or_else(|| panic!("no row for {producer}: {html}"));
        html[i..i + html[i..].find("</tr>").unwrap()].to_string()
    };
    let (bm25, llm) = (row("drafts-bm25"), row("llm:test"));
    assert!(bm25.contains("<td class=\"num\">1</td>") && bm25.contains("<td class=\"num\">100 %</td>"), "{bm25}");
    assert!(llm.contains("<td class=\"num\">0 %</td>"), "{llm}");
    assert!(
        html.contains(
            "<td>Einordnung</td><td>Beschwerde</td><td><code>assist</code> <code>fake/test-1</code></td><td class=\"num\">1</td>"
        ),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">100 %</td>"));
    assert!(html.contains("value=\"2025-12-03\"") && html.contains("value=\"2026-03-02\""), "the default period");
    let r = lea.get("/assist?from=2026-03-03&to=2026-03-31").await;
    assert!(r.text().contains("Keine Vorschläge in diesem Zeitraum."));
    let r = lea.get("/assist?bucket=jahr").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bitte Tage, Wochen oder Monate wählen."));
    assert_eq!(lea.get("/admin/assist").await.status, StatusCode::FORBIDDEN);

    // Administration: safeguarding team and deadline, automatic replies.
    let kinderschutz = team(t, "Kinderschutz", &[]).await;
    let mut ada_b = sign_in(&app.router, "ada.admin@resonanz.test").await;
    let html = ada_b.get("/admin/assist").await.text();
    assert!(html.contains("Beschwerde, Sensibel, Kind, Kinderschutz/Gefährdung, Bedrohung, Spam"), "{html}");
    assert!(html.contains("Jede automatische Antwort sagt, dass sie automatisch versendet wurde"));
    assert!(ada_b.get("/admin").await.text().contains("href=\"/admin/assist\""));
    let r =
        ada_b.post("/admin/assist/settings", &[("safeguarding_team", ""), ("safeguarding_sla_minutes", "bald")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bitte eine ganze Zahl eingeben.") && r.text().contains("value=\"bald\""));
    let r = ada_b.post("/admin/assist/settings", &[("safeguarding_team", ""), ("safeguarding_sla_minutes", "2")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let team_id = kinderschutz.to_string();
    let r = ada_b
        .post("/admin/assist/settings", &[("safeguarding_team", &team_id), ("safeguarding_sla_minutes", "30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let s = t.core.assist_settings().await.unwrap();
    assert_eq!((s.safeguarding_team, s.safeguarding_sla_minutes), (Some(kinderschutz), 30));
    let html = ada_b.get("/admin/assist").await.text();
    assert!(html.contains(&format!("<option value=\"{team_id}\" selected>Kinderschutz</option>")));

    let input = TextBlockInput {
        name: "danke-lob".into(),
        category: "Lob".into(),
        language: "de".into(),
        tone: "sie".into(),
        body: "Vielen Dank für Ihr Lob, {{contact.name}}!".into(),
    };
    t.core.create_text_block(&Actor::User(ada.id), &input).await.unwrap();
    let praise = [("category", "praise"), ("enabled", "1"), ("min_confidence", "30"), ("text_block", "danke-lob")];
    let r = ada_b.post("/admin/assist/auto-replies", &praise).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"min-praise-error\""));
    let praise = [("category", "praise"), ("enabled", "1"), ("min_confidence", "90"), ("text_block", "danke-lob")];
    let r = ada_b.post("/admin/assist/auto-replies", &praise).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let rules = t.core.auto_reply_rules().await.unwrap();
    assert!(rules.iter().any(|r| r.category == "praise" && r.enabled && (r.min_confidence - 0.9).abs() < 1e-6));

    // Praise is now answered automatically, and the page says so.
    let (lob, lob_msg) = mail(&app, "fan@example.de", "Frieda Fan", "Toll", "Tolle Sendung!").await;
    analyse(&app, lob_msg, &FakeAnalyzer::new(&[("praise", 0.97)])).await;
    let html = lea.get(&format!("/cases/{lob}")).await.text();
    assert!(html.contains("Automatisch gesendet"), "{html}");
    assert!(html.contains("Vielen Dank für Ihr Lob, Frieda Fan!"));
}
db_test!(ledger_page_and_assist_administration, ledger_and_admin);
