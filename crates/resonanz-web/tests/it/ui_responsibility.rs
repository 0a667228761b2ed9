//! Responsibility in the workspace's forms (without a browser): the public satisfaction survey and
//! its report; routing rules written as lines, refused with the line and the reason; follow-ups
//! that take a case out of the inbox and back; availability and notification preferences.

use axum::http::StatusCode;
use resonanz_core::case::CaseStatus;
use resonanz_core::responsibility::ResponsibilitySettings;
use resonanz_core::service::CasePatch;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::{Db, db_test};

use crate::support::{App, ui_router};
use crate::ui::{Browser, erika_case, hidden, person, sign_in};

async fn survey_and_report(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let boss = person(t, "sina.supervisorin@resonanz.test", "Sina Supervisorin", Role::Supervisor).await;
    person(t, "paul.agent@resonanz.test", "Paul Agent", Role::Agent).await;
    let settings = ResponsibilitySettings { csat_enabled: true, ..Default::default() };
    t.core.set_responsibility_settings(&Actor::System, &settings).await.unwrap();
    let router = ui_router(t, "https://resonanz.example.org");
    // The server's public address (`--public-url`) is the base of the link.
    let mut core = t.core.clone();
    core.settings.public_url = Some("https://resonanz.example.org".into());
    let (case, _) = erika_case(&app, "Danke", "Danke für die schnelle Hilfe!").await;
    let patch = CasePatch { status: Some(CaseStatus::Resolved), ..Default::default() };
    core.update_case(case, &Actor::User(boss.id), patch).await.unwrap();
    let d = t.core.case_detail(case).await.unwrap();
    let mail = d.messages.iter().find(|m| m.message.text_body.contains("/umfrage/")).expect("a survey mail");
    assert!(mail.message.text_body.contains("automatisch versendet"), "the mail says a machine sent it");
    let link = mail.message.text_body.split_whitespace().find(|w| w.contains("/umfrage/")).unwrap();
    assert!(link.starts_with("https://resonanz.example.org/umfrage/"), "{link}");
    let path = link.trim_start_matches("https://resonanz.example.org");

    // The contact, not signed in: the page names the case only.
    let mut contact = Browser::new(&router);
    let r = contact.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&d.reference) && !r.text().contains("Erika"), "no personal data on the page");
    let csrf = hidden(&r.text(), "_csrf");
    let r = contact.post_raw(path, &[("_csrf", &csrf), ("comment", "Super")], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bitte wählen Sie eine Bewertung"));
    let r = contact.post_raw(path, &[("_csrf", &csrf), ("rating", "4"), ("comment", "Sehr freundlich")], &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Vielen Dank"));
    let r = contact.post_raw(path, &[("_csrf", &csrf), ("rating", "1")], &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "answered once");
    let r = contact.post_raw(path, &[("rating", "5")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no form without its token");
    assert_eq!(contact.get("/umfrage/erfunden").await.status, StatusCode::NOT_FOUND);
    let surveys = t.core.case_surveys(case).await.unwrap();
    assert_eq!((surveys[0].rating, surveys[0].comment.as_deref()), (Some(4), Some("Sehr freundlich")));

    // The report: managers only.
    let mut b = sign_in(&router, "sina.supervisorin@resonanz.test").await;
    let r = b.get("/reports/satisfaction").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<td>1</td><td>1</td><td>0 · 0 · 0 · 1 · 0</td><td>4.0</td><td>100 %</td>"), "{html}");
    let mut p = sign_in(&router, "paul.agent@resonanz.test").await;
    assert_eq!(p.get("/reports/satisfaction").await.status, StatusCode::FORBIDDEN);
}
db_test!(the_survey_is_answered_without_signing_in_and_reported, survey_and_report);

async fn rule_lines_follow_ups_and_preferences(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let router = ui_router(t, "http://localhost");
    let mut a = sign_in(&router, "ada.admin@resonanz.test").await;

    // Rules as lines: a wrong operator names its line; core's refusals name the condition.
    let base = [("name", "Kündigungen"), ("enabled", "1"), ("triggers", "created"), ("priority", "high")];
    let mut form = base.to_vec();
    form.push(("conditions_all", "text contains_any kündigung, widerruf\nsubject ist Rechnung"));
    let r = a.post("/admin/routing", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Zeile 2:") && r.text().contains("„ist“ ist kein Operator."), "{}", r.text());
    assert!(r.text().contains("Kündigungen"), "the form keeps what was sent");
    let mut form = base.to_vec();
    form.push(("conditions_all", "subject matches (Rechnung"));
    let r = a.post("/admin/routing", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bedingung 1: Kein gültiger regulärer Ausdruck:"), "{}", r.text());
    // Core's refusals in German, naming field and operator from the line.
    let mut form = base.to_vec();
    form.push(("conditions_all", "language equals tr\nfarbe equals blau\npriority gte 3\nowned equals vielleicht"));
    let r = a.post("/admin/routing", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Bedingung 2: Das Feld „farbe“ gibt es nicht. Bekannte Felder: channel,"), "{text}");
    assert!(text.contains("Bedingung 3: Der Operator „gte“ passt nicht zum Feld „priority“."), "{text}");
    assert!(text.contains("Bedingung 4: „owned equals“ braucht einen passenden Wert"), "{text}");
    assert!(!text.contains("unknown field") && !text.contains("cannot be used"), "no English left: {text}");
    let mut form: Vec<_> = base.iter().filter(|(k, _)| *k != "priority").copied().collect();
    form[0] = ("name", " ");
    let r = a.post("/admin/routing", &form).await;
    assert!(r.text().contains("Ein Name mit 1 bis 120 Zeichen."), "{}", r.text());
    assert!(r.text().contains("Eine Regel braucht mindestens eine Aktion."), "{}", r.text());
    let mut form = base.to_vec();
    form.push(("conditions_all", "text contains_any kündigung, widerruf"));
    let r = a.post("/admin/routing", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = a.get("/admin/routing").await.text();
    assert!(page.contains("text contains_any kündigung, widerruf"), "listed as written");
    let (case, _) = erika_case(&app, "Vertrag", "Hiermit erkläre ich die Kündigung meines Abos.").await;
    let c = t.core.store.case(case).await.unwrap().unwrap();
    assert_eq!(c.priority, resonanz_core::case::Priority::High, "the rule acted on the mail");

    // SLA policies: created, refused with the field, edited in place.
    let policy = [
        ("name", "Standard"),
        ("first_response_minutes", "240"),
        ("resolution_minutes", "2400"),
        ("warn_before_minutes", "30"),
        ("enabled", "1"),
    ];
    let mut bad = policy.to_vec();
    bad[2] = ("resolution_minutes", "60");
    let r = a.post("/admin/sla/policies", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"policy-resolution_minutes-error\""), "the field says what is wrong");
    assert!(r.text().contains("nicht kürzer sein als das Ziel für die erste Antwort"), "in German: {}", r.text());
    assert_eq!(a.post("/admin/sla/policies", &policy).await.status, StatusCode::SEE_OTHER);
    let id = t.core.sla_policies().await.unwrap()[0].id.to_string();
    let form = a.get(&format!("/admin/sla?policy={id}")).await.text();
    assert!(form.contains(&format!("name=\"id\" value=\"{id}\"")) && form.contains("value=\"2400\""), "prefilled");
    let mut changed = policy.to_vec();
    changed.push(("id", id.as_str()));
    changed[1] = ("first_response_minutes", "120");
    assert_eq!(a.post("/admin/sla/policies", &changed).await.status, StatusCode::SEE_OTHER);
    let p = t.core.sla_policies().await.unwrap();
    assert_eq!((p.len(), p[0].first_response_minutes), (1, 120), "changed, not added");

    // The watcher's thresholds and the escalation levels: saved from the page, refused by field.
    let settings = [
        ("handover_remind_minutes", "30"),
        ("handover_escalate_minutes", "90"),
        ("unowned_minutes", "60"),
        ("inactive_hours", "24"),
        ("distressing_cap", "2"),
        ("csat_valid_days", "14"),
        ("public_url", ""),
        ("sla_warning_level", "0"),
        ("sla_breach_level", "1"),
        ("asks_for_person_level", "2"),
        ("asks_for_manager_level", "2"),
    ];
    let mut before = t.core.responsibility_settings().await.unwrap();
    before.category_levels.insert("complaint".into(), 2);
    t.core.set_responsibility_settings(&Actor::System, &before).await.unwrap();
    let r = a.post("/admin/sla/settings", &settings).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let s = t.core.responsibility_settings().await.unwrap();
    assert_eq!(
        (s.handover_remind_minutes, s.handover_escalate_minutes, s.unowned_minutes, s.inactive_hours),
        (30, 90, 60, 24)
    );
    assert_eq!(
        (s.sla_warning_level, s.sla_breach_level, s.asks_for_person_level, s.asks_for_manager_level),
        (0, 1, 2, 2)
    );
    assert_eq!(s.category_levels, before.category_levels, "kept: the form named no category");

    // Category levels: one choice per category; 0 removes one.
    let page = a.get("/admin/sla").await.text();
    assert!(page.contains("Eskalationsstufe je Kategorie"), "{page}");
    let threat = page.find(r#"<select id="cat-level-threat""#).expect("a choice for threats");
    let threat = &page[threat..threat + page[threat..].find("</select>").unwrap()];
    assert!(threat.contains(r#"<option value="2" selected>Stufe 2: Supervision</option>"#), "{threat}");
    let mut with_levels = settings.to_vec();
    with_levels.extend([
        ("category_level_complaint", "0"),
        ("category_level_threat", "1"),
        ("category_level_spam", "2"),
    ]);
    let r = a.post("/admin/sla/settings", &with_levels).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let levels = t.core.responsibility_settings().await.unwrap().category_levels;
    let want: std::collections::HashMap<String, i32> = [("threat".to_string(), 1), ("spam".to_string(), 2)].into();
    assert_eq!(levels, want, "complaint removed, threat lowered, spam added");
    let mut broken = settings.to_vec();
    broken.push(("category_level_praise", "viel"));
    let r = a.post("/admin/sla/settings", &broken).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains(r#"id="category-levels-error">Bitte eine ganze Zahl eingeben.</p>"#), "{}", r.text());
    let mut too_high: Vec<(&str, &str)> =
        settings.iter().map(|&(k, v)| if k == "inactive_hours" { (k, "12") } else { (k, v) }).collect();
    too_high.extend([("category_level_praise", "3"), ("category_level_spam", "1")]);
    let r = a.post("/admin/sla/settings", &too_high).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "core refuses a level above 2");
    let html = r.text();
    assert!(html.contains(r#"id="category-levels-error">"#), "{html}");
    // The refused form shows what was sent, not what is stored.
    assert!(html.contains(r#"name="inactive_hours" type="number" min="0" step="1" value="12""#), "{html}");
    let spam = html.find(r#"<select id="cat-level-spam""#).expect("a choice for spam");
    let spam = &html[spam..spam + html[spam..].find("</select>").unwrap()];
    assert!(spam.contains(r#"<option value="1" selected>"#), "{spam}");
    assert_eq!(t.core.responsibility_settings().await.unwrap().inactive_hours, 24, "unchanged");
    assert_eq!(t.core.responsibility_settings().await.unwrap().category_levels, want, "unchanged");
    let page = a.get("/admin/sla").await.text();
    assert!(page.contains("Eskalationsstufe, wenn eine Frist überschritten ist"), "labelled in German");
    assert!(
        page.contains(r#"id="set-sla_breach_level" name="sla_breach_level" type="number" min="0" step="1" value="1""#)
    );
    let mut bad = settings.to_vec();
    bad[8] = ("sla_breach_level", "3");
    let r = a.post("/admin/sla/settings", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains(
            r#"<p class="field-error" id="set-sla_breach_level-error">Außerhalb des erlaubten Bereichs.</p>"#
        ),
        "{}",
        r.text()
    );
    assert_eq!(t.core.responsibility_settings().await.unwrap().sla_breach_level, 1, "unchanged");

    // A follow-up from the case page: the case leaves the inbox and is under "Wiedervorlage".
    let anna = person(t, "anna.berger@resonanz.test", "Anna Berger", Role::Agent).await;
    let mut b = sign_in(&router, "anna.berger@resonanz.test").await;
    t.core.assign(case, anna.id, Some(anna.id), "").await.unwrap();
    let r = b
        .post(&format!("/cases/{case}/follow-ups"), &[("kind", "snooze"), ("due_at", "2026-03-01T09:00"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "in the past");
    let r = b
        .post(&format!("/cases/{case}/follow-ups"), &[("kind", "snooze"), ("due_at", "2031-03-01T09:00"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "too far ahead");
    assert!(r.text().contains("Höchstens zwei Jahre im Voraus."), "core's refusal in German: {}", r.text());
    let r = b
        .post(
            &format!("/cases/{case}/follow-ups"),
            &[("kind", "snooze"), ("due_at", "2026-03-04T09:00"), ("note", "Rückruf")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mine = b.get("/?view=mine").await.text();
    assert!(!mine.contains("Vertrag"), "snoozed cases leave the inbox");
    assert!(b.get("/?view=snoozed").await.text().contains("Vertrag"));
    let page = b.get(&format!("/cases/{case}")).await.text();
    assert!(page.contains("Zurückgestellt bis") && page.contains("04.03.2026 09:00"), "shown in local time");
    t.clock.set("2026-03-04T08:00:01Z".parse().unwrap());
    t.core.tick().await.unwrap();
    // Two days later the session has ended: sign in again.
    let mut b = sign_in(&router, "anna.berger@resonanz.test").await;
    assert!(b.get("/?view=mine").await.text().contains("Vertrag"), "back on time");
    let notes = t.core.store.notifications(anna.id, 10).await.unwrap();
    assert!(notes.iter().any(|n| n.kind == "follow_up" && n.body.contains("Rückruf")), "{notes:?}");

    // Availability and notification preferences on the account page.
    let r = b
        .post(
            "/account/availability",
            &[("availability", "absent"), ("absent_until", "2026-03-09T08:00"), ("languages", "de, TR")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let me = t.core.store.user(anna.id).await.unwrap().unwrap();
    assert_eq!(me.availability, resonanz_core::routing::Availability::Absent);
    assert_eq!(me.absent_until, Some("2026-03-09T07:00:00Z".parse().unwrap()), "local time to UTC");
    assert_eq!(me.languages, vec!["de".to_string(), "tr".to_string()]);
    let r = b.post("/account/notifications", &[("kind_handover", "off"), ("kind_escalation", "off")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = t.core.store.user(anna.id).await.unwrap().unwrap();
    assert_eq!(me.notification_prefs.delivery("handover"), resonanz_core::notify::Delivery::Off);
    assert_eq!(me.notification_prefs.delivery("escalation"), resonanz_core::notify::Delivery::App);
    let page = b.get("/account").await.text();
    assert!(page.contains("id=\"kind-escalation\""), "every kind is listed");

    // An administrator sets someone else's availability, languages and own daily cap on their page.
    let mut a = sign_in(&router, "ada.admin@resonanz.test").await;
    let path = format!("/admin/users/{}/availability", anna.id);
    let page = a.get(&format!("/admin/users/{}", anna.id)).await.text();
    assert!(page.contains(r#"<option value="absent" selected>"#), "her own choice is shown: {page}");
    assert!(page.contains(r#"name="distressing_cap" type="number" min="0" max="100" step="1" value="""#), "{page}");
    let form = |cap: &'static str| {
        [("availability", "present"), ("absent_until", ""), ("languages", "de, en"), ("distressing_cap", cap)]
    };
    let r = a.post(&path, &form("1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let her = t.core.store.user(anna.id).await.unwrap().unwrap();
    assert_eq!((her.availability, her.absent_until), (resonanz_core::routing::Availability::Present, None));
    assert_eq!((her.languages.clone(), her.distressing_cap), (vec!["de".to_string(), "en".to_string()], Some(1)));
    for (cap, says) in [("viele", "Bitte eine ganze Zahl eingeben."), ("101", "Außerhalb des erlaubten Bereichs.")] {
        let r = a.post(&path, &form(cap)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{cap}");
        let html = r.text();
        assert!(html.contains(&format!(r#"id="cap-error">{says}</p>"#)), "{cap}: {html}");
        assert!(html.contains(&format!(r#"step="1" value="{cap}""#)), "what was typed stays: {html}");
        assert!(html.contains(r#"name="languages" value="de, en""#), "{html}");
    }
    assert_eq!(t.core.store.user(anna.id).await.unwrap().unwrap().distressing_cap, Some(1), "unchanged");
    assert_eq!(a.post(&path, &form("")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.core.store.user(anna.id).await.unwrap().unwrap().distressing_cap, None, "back to the organisation's");
    // Not for agents, not even for themselves through this page.
    let r = b.post(&path, &form("5")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.core.store.user(anna.id).await.unwrap().unwrap().distressing_cap, None);
}
db_test!(rules_as_lines_follow_ups_and_account_preferences, rule_lines_follow_ups_and_preferences);
