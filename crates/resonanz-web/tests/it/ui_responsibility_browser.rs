//! Responsibility in headless Chromium: a case with its SLA in the inbox and on the case page; the
//! owner hands it over with a note and escalates it; the colleague — who leads the team —
//! acknowledges both; the ownership history and the escalation show it. The admin pages for
//! routing and service levels, the account page and the public survey page have no serious
//! accessibility violation, and nothing breaks the strict CSP.

use std::time::Duration;

use resonanz_core::routing::{Conditions, RuleActions, RuleInput, Trigger};
use resonanz_core::sla::PolicyInput;
use resonanz_core::user::Role;
use resonanz_testkit::browser::fantoccini::Locator;
use resonanz_testkit::browser::{Browser, assert_accessible, wait_for};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::support::App;
use crate::ui::{PASSWORT, person, team};

async fn sign_in(b: &Browser, base: &str, email: &str) {
    b.goto(&format!("{base}/login")).await;
    b.find(Locator::Id("email")).await.unwrap().send_keys(email).await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORT).await.unwrap();
    b.find(Locator::Css("form button.btn-primary")).await.unwrap().click().await.unwrap();
    assert!(wait_for(b, "document.querySelector('#case-rows')").await, "{email} signed in");
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn handover_and_escalation(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let anna = person(t, "anna.berger@resonanz.test", "Anna Berger", Role::Agent).await;
    let lea = person(t, "lea.leitung@resonanz.test", "Lea Leitung", Role::Agent).await;
    let admin = person(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let team_id = team(t, "Zuschauerservice", &[anna.id, lea.id]).await;
    t.core.set_team_lead(admin.id, team_id, Some(lea.id)).await.unwrap();
    t.core
        .set_availability(&admin, lea.id, resonanz_core::routing::Availability::Away, None, None, None)
        .await
        .unwrap();
    let policy = PolicyInput {
        name: "Standard".into(),
        enabled: true,
        first_response_minutes: 240,
        resolution_minutes: 2400,
        warn_before_minutes: 60,
        ..Default::default()
    };
    t.core.save_sla_policy(admin.id, None, policy).await.unwrap();
    // Everything for the service goes to the team, round robin among those present (Anna).
    let rule = RuleInput {
        name: "Zuschauerpost".into(),
        enabled: true,
        triggers: Some(vec![Trigger::Created]),
        conditions: Conditions::default(),
        actions: RuleActions {
            team_id: Some(team_id),
            owner: Some(resonanz_core::routing::OwnerStrategy::RoundRobin),
            ..Default::default()
        },
        ..Default::default()
    };
    t.core.create_routing_rule(&admin, rule).await.unwrap();
    let report = app
        .ingest(inbound(
            "renate.fuchs@example.de",
            "Renate Fuchs",
            "Tatort-Wiederholung fehlt",
            "Guten Tag, die angekündigte Wiederholung lief gestern nicht. Wann kommt sie?",
        ))
        .await;
    let case = report.case_id.unwrap();
    assert_eq!(t.core.store.case(case).await.unwrap().unwrap().owner_id, Some(anna.id), "routed to Anna");
    t.core
        .set_availability(&admin, lea.id, resonanz_core::routing::Availability::Present, None, None, None)
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The router with the live-update tail running, as `serve` runs it.
    let state = crate::support::state(t, 1024 * 1024);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let tail = tokio::spawn(resonanz_web::ui::live::run_tail(
        t.core.clone(),
        state.ui.live.clone(),
        Duration::from_millis(100),
        stopped,
    ));
    let router = resonanz_web::router(state);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    // Anna sees the case with its SLA in her inbox and on the case page.
    let a = Browser::start().await;
    sign_in(&a, &base, "anna.berger@resonanz.test").await;
    assert!(wait_for(&a, "document.querySelector('#case-rows td.sla .sla-ok')").await, "the SLA in the inbox");
    a.goto(&format!("{base}/cases/{case}")).await;
    assert!(wait_for(&a, "document.querySelector('#responsibility')").await);
    assert_eq!(text_of(&a, "#sla-state").await, "im Plan");
    // Monday 10:00 + 4 business hours = 14:00 local.
    assert_eq!(text_of(&a, "#sla-first-response").await, "02.03.2026 14:00");
    assert!(text_of(&a, ".ownership").await.contains("Regel „Zuschauerpost“"), "the history says why");

    // Lea, the team lead, has her inbox open meanwhile.
    let b = Browser::start().await;
    sign_in(&b, &base, "lea.leitung@resonanz.test").await;
    b.eval("window.__notReloaded = true; return null;").await;
    assert_eq!(
        b.eval("return document.querySelector('#notif-count').textContent.trim();").await,
        json!("0"),
        "nothing yet"
    );

    // She escalates to the team lead with a reason, then hands the case over with a note.
    a.find(Locator::Id("escalate-level")).await.unwrap().select_by_value("1").await.unwrap();
    a.find(Locator::Id("escalate-reason"))
        .await
        .unwrap()
        .send_keys("Zuschauerin droht mit Beschwerde beim Rundfunkrat")
        .await
        .unwrap();
    a.find(Locator::Id("escalate-submit")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&a, "document.querySelector('#escalation-unacknowledged')").await, "escalated, not yet taken on");
    assert!(text_of(&a, "#escalation-state").await.contains("Stufe 1: Teamleitung"));
    assert!(a.find(Locator::Id("ack-escalation")).await.is_err(), "the owner cannot take on her own escalation");
    assert!(
        wait_for(
            &b,
            "document.querySelector('#notif-count') && Number(document.querySelector('#notif-count').textContent) >= 1"
        )
        .await,
        "the escalation reaches the lead's open page live"
    );
    assert_eq!(b.eval("return window.__notReloaded === true;").await, json!(true), "without a reload");
    a.find(Locator::Css("#assign-owner")).await.unwrap().select_by_value(&lea.id.to_string()).await.unwrap();
    a.find(Locator::Id("assign-note"))
        .await
        .unwrap()
        .send_keys("Bitte übernehmen: Frau Fuchs wartet auf den neuen Sendetermin.")
        .await
        .unwrap();
    a.find(Locator::Css("#assign-form button")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&a, "document.querySelector('.ownership') && document.querySelector('.ownership').textContent.includes('noch nicht bestätigt')").await);
    assert_accessible(&a, "case with SLA, escalation and handover").await;
    a.screenshot(&format!("responsibility-case-{db:?}")).await;
    a.close().await;
    t.clock.advance(chrono::Duration::minutes(20));

    // Lea, the team lead: a notification, the handover banner, and the escalation to take on.
    let b = Browser::start().await;
    sign_in(&b, &base, "lea.leitung@resonanz.test").await;
    assert!(
        wait_for(&b, "Number(document.querySelector('#notif-count').textContent) >= 2").await,
        "handover and escalation"
    );
    assert!(wait_for(&b, "document.querySelector('#case-rows .escalated.unacknowledged')").await, "the inbox shows it");
    b.goto(&format!("{base}/cases/{case}")).await;
    assert!(text_of(&b, ".handover-banner").await.contains("Frau Fuchs wartet"));
    b.find(Locator::Id("ack-handover")).await.unwrap().click().await.unwrap();
    assert!(
        wait_for(&b, "!document.querySelector('.handover-banner') && document.querySelector('#ack-escalation')").await
    );
    assert!(text_of(&b, ".ownership").await.contains("bestätigt"));
    b.find(Locator::Id("ack-escalation")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&b, "document.querySelector('#escalation-acknowledged')").await);
    assert!(text_of(&b, "#escalation-acknowledged").await.contains("Lea Leitung"));
    let events = text_of(&b, "#timeline").await;
    assert!(
        events.contains("Eskalation übernommen") && events.contains("Regel „Zuschauerpost“ hat gegriffen"),
        "{events}"
    );
    assert_accessible(&b, "case after acknowledgement").await;
    b.goto(&format!("{base}/account")).await;
    assert_accessible(&b, "account with availability and notification preferences").await;
    let severe: Vec<_> = b.console_log().await.into_iter().filter(|e| e.level == "SEVERE").collect();
    assert!(severe.is_empty(), "no script errors or CSP refusals: {severe:#?}");
    b.close().await;

    // The administrator's pages.
    let c = Browser::start().await;
    sign_in(&c, &base, "ada.admin@resonanz.test").await;
    c.goto(&format!("{base}/admin/routing")).await;
    assert!(text_of(&c, "#rules").await.contains("Zuschauerpost"));
    let number = t.core.store.case(case).await.unwrap().unwrap().number;
    c.find(Locator::Id("dry-reference")).await.unwrap().send_keys(&format!("R-{number}")).await.unwrap();
    c.find(Locator::Css("#dry-run-form button")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&c, "document.querySelector('#dry-run-result')").await);
    assert!(text_of(&c, "#dry-run-result").await.contains("Zuschauerpost"));
    assert_accessible(&c, "admin routing").await;
    c.screenshot(&format!("responsibility-admin-routing-{db:?}")).await;
    c.goto(&format!("{base}/admin/sla")).await;
    assert!(text_of(&c, "#sla-policies").await.contains("Standard"));
    assert_accessible(&c, "admin SLA").await;
    c.goto(&format!("{base}/umfrage/unbekannt")).await;
    assert_accessible(&c, "survey page").await;
    let severe: Vec<_> =
        c.console_log().await.into_iter().filter(|e| e.level == "SEVERE" && !e.message.contains("404")).collect();
    assert!(severe.is_empty(), "no script errors or CSP refusals: {severe:#?}");
    c.close().await;
    server.abort();
    tail.abort();
}
db_test!(handover_and_escalation_are_acknowledged_in_the_browser, handover_and_escalation);
