//! Assist in headless Chromium: drafts appear in place, "Insert" fills the reply and its draft id,
//! "Discard" removes a draft without a reload; hostile text from the machine never runs; the Assist
//! pages have no serious accessibility violation and the strict CSP is not broken.

use resonanz_core::user::{Actor, Role};
use resonanz_testkit::browser::fantoccini::Locator;
use resonanz_testkit::browser::{Browser, assert_accessible, wait_for};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::assist_support::{FakeAnalyzer, FakeDrafts, analyse};
use crate::support::App;
use crate::ui::{PASSWORT, person};

async fn drafts_in_the_browser(db: Db) {
    let app = App::with_drafts(db, FakeDrafts { abstain: false, source_case: None, hostile: true }).await;
    let t = &app.tc;
    person(t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let report = app.ingest(inbound("erika@example.de", "Erika Mustermann", "Beschwerde", "Doppelt abgebucht!")).await;
    let (case, msg) = (report.case_id.unwrap(), report.message_id.unwrap());
    analyse(&app, msg, &FakeAnalyzer::hostile(&[("complaint", 0.88)])).await;
    t.core.mark_safeguarding(case, t.agent.id, "Kind in Gefahr").await.unwrap();
    let input = resonanz_core::service::ReplyInput { text: "Wir melden uns.".into(), ..Default::default() };
    t.core.reply(case, t.agent.id, input).await.unwrap();
    t.core.create_team(&Actor::System, "Kinderschutz", &[]).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let b = Browser::start().await;
    b.goto(&format!("{base}/login")).await;
    b.find(Locator::Id("email")).await.unwrap().send_keys("ada.admin@resonanz.test").await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORT).await.unwrap();
    b.find(Locator::Css("form button.btn-primary")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&b, "document.querySelector('#case-rows')").await, "signed in");

    b.goto(&format!("{base}/cases/{case}")).await;
    assert!(wait_for(&b, "document.querySelector('#timeline .assist-box')").await);
    b.eval("window.__notReloaded = true; return null;").await;
    let ran = "document.querySelectorAll('img[src=\"x\"]').length > 0 || window.__xss === true";
    assert_eq!(b.eval(&format!("return {ran};")).await, json!(false), "hostile text stays text");
    assert_accessible(&b, "case with analysis, banner and held reply").await;
    b.screenshot(&format!("assist-case-{db:?}")).await;

    // Propose: the drafts appear in place.
    b.find(Locator::Id("drafts-propose")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&b, "document.querySelectorAll('#drafts-list .draft').length === 2").await, "drafts shown");
    assert_eq!(b.eval("return window.__notReloaded === true;").await, json!(true), "without a reload");
    assert_eq!(b.eval(&format!("return {ran};")).await, json!(false));
    let shown = b.eval("return getComputedStyle(document.querySelector('.draft-insert')).display;").await;
    assert_ne!(shown, json!("none"), "Insert is offered with the script");
    assert_accessible(&b, "case with drafts").await;
    b.eval("document.querySelector('#drafts-heading').scrollIntoView(); return null;").await;
    b.screenshot(&format!("assist-case-drafts-{db:?}")).await;

    // Insert: the text into the reply, the id into the form.
    b.find(Locator::Css("#drafts-list .draft-insert")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&b, "document.querySelector('#reply-text').value.startsWith('Guten Tag, vielen Dank')").await);
    let ids = b
        .eval("return [document.querySelector('#draft-id').value, document.querySelector('.draft-insert').dataset.draftId];")
        .await;
    assert!(ids[0].as_str().is_some_and(|s| s.len() == 36), "{ids}");
    assert_eq!(ids[0], ids[1]);

    // Discard the other one.
    b.find(Locator::Css("#drafts-list .draft:nth-of-type(2) .draft-reject button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(wait_for(&b, "document.querySelectorAll('#drafts-list .draft').length === 1").await, "discarded in place");
    assert_eq!(b.eval("return window.__notReloaded === true;").await, json!(true));
    assert_eq!(b.eval("return document.querySelector('#draft-id').value;").await, ids[0], "the used draft stays");

    for page in ["/assist", "/admin/assist", "/?view=all"] {
        b.goto(&format!("{base}{page}")).await;
        assert_accessible(&b, page).await;
        b.screenshot(&format!("assist-{}-{db:?}", page.trim_matches(['/', '?']).replace(['/', '=', '?'], "-"))).await;
    }
    let severe: Vec<_> = b.console_log().await.into_iter().filter(|e| e.level == "SEVERE").collect();
    assert!(severe.is_empty(), "no script errors or CSP refusals: {severe:#?}");
    b.close().await;
    server.abort();
}
db_test!(drafts_work_in_the_browser_and_pages_are_accessible, drafts_in_the_browser);
