//! The agent workspace end to end, in headless Chromium against the real binary on both databases:
//! sign in, a mail ingested through the real pipeline appears live in the inbox, reply with a text
//! block whose placeholders are filled, hand over with a note and see the colleague's inbox update
//! live, acknowledge, search; no serious accessibility violation on the main pages; no XSS vector
//! from mail or API runs.

use std::time::Duration;

use resonanz_testkit::browser::fantoccini::Locator;
use resonanz_testkit::browser::fantoccini::key::Key;
use resonanz_testkit::browser::{Browser, assert_accessible, wait_for};
use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::support::{Bin, Server};

const ADMIN: &str = "katrin.vogel@resonanz.example";
/// A demo agent of the team "Kinder & Familie" (see demo_data.rs).
const PASSWORD: &str = "resonanz-demo";

async fn login(browser: &Browser, base: &str, email: &str) {
    browser.goto(&format!("{base}/login")).await;
    browser.find(Locator::Id("email")).await.unwrap().send_keys(email).await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form button.btn-primary")).await.unwrap().click().await.unwrap();
    if !wait_for(browser, "document.querySelector('#case-rows')").await {
        let page = browser.eval("return location.href + ' ' + document.body.innerText;").await;
        panic!("signing in as {email} failed: {page}");
    }
}

async fn post_mail(base: &str, token: &str, raw: Vec<u8>) {
    let res =
        reqwest::Client::new().post(format!("{base}/api/v1/mail")).bearer_auth(token).body(raw).send().await.unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

/// An agent of a team, as `demo_data.rs` defines them.
fn agent_of(team: &str) -> &'static str {
    resonanz::demo_data::AGENTS
        .iter()
        .find(|a| a.role == "agent" && a.teams.contains(&team) && a.locale == "de")
        .map(|a| a.email)
        .unwrap()
}

async fn workspace_end_to_end(db: Db) {
    let bin = Bin::new(db).await;
    let server = Server::start_with(&bin, &["--demo"]);
    let base = server.base.clone();
    let token = String::from_utf8(bin.run(&["token", "create", "--user", ADMIN]).stdout).unwrap().trim().to_string();
    let colleague = agent_of("Zuschauerservice");

    // 1. Sign in; the login page itself is accessible.
    let a = Browser::start().await;
    a.goto(&format!("{base}/login")).await;
    assert_accessible(&a, "login").await;
    a.screenshot("workspace-login").await;
    login(&a, &base, ADMIN).await;
    // The inbox lists the longest waiting first; the filter keeps the new case on the first page.
    a.goto(&format!("{base}/?view=unowned&q=Zauberwald")).await;
    assert_accessible(&a, "inbox").await;

    // 2. A mail through the real pipeline appears in the open inbox without reload.
    a.eval("window.__notReloaded = true; return null;").await;
    let mail = RawMail::new(
        "Frieda Fuchs <frieda.fuchs@example.de>",
        "Zauberwald-Expedition: Wann kommt Folge 12?",
        "Hallo, wann läuft die nächste Folge der Zauberwald-Expedition? Viele Grüße, Frieda",
    );
    post_mail(&base, &token, mail.bytes()).await;
    if !wait_for(&a, "[...document.querySelectorAll('#case-rows a.case-link')].some(x => x.textContent.includes('Zauberwald-Expedition: Wann kommt'))").await {
        let log = a.console_log().await;
        let state = a.eval("return [document.body.dataset.liveUrl, document.querySelector('.inbox') && document.querySelector('.inbox').dataset.refreshUrl, document.querySelector('#live-status').textContent];").await;
        panic!("the new case did not appear live: {state} {log:#?}");
    }
    assert_eq!(a.eval("return window.__notReloaded === true;").await, json!(true), "without a page reload");
    b_screenshot_inbox(&base).await;

    // 3. Open it (keyboard: the row link), reply with a text block chosen by typing `::`.
    let link = a.find(Locator::XPath("//a[contains(., 'Zauberwald-Expedition: Wann kommt')]")).await.unwrap();
    link.click().await.unwrap();
    assert!(wait_for(&a, "document.querySelector('#reply-text')").await);
    assert!(a.find(Locator::Css("#timeline")).await.unwrap().text().await.unwrap().contains("nächste Folge"));
    assert_accessible(&a, "case").await;
    let reply = a.find(Locator::Id("reply-text")).await.unwrap();
    reply.send_keys("::eingang").await.unwrap();
    assert!(wait_for(&a, "document.querySelector('#block-suggest li')").await, "suggestions for ::eingang");
    let enter: char = Key::Enter.into();
    reply.send_keys(&enter.to_string()).await.unwrap();
    let text = a.eval("return document.querySelector('#reply-text').value;").await;
    let text = text.as_str().unwrap().to_string();
    // The formal variant for a new contact, filled with this case's values. The case has no team
    // yet, so `{{team.name}}` stays visible for the agent to see, never an empty hole.
    assert!(!text.contains("::eingang"), "the typed trigger is replaced: {text}");
    for filled in ["Guten Tag Frieda Fuchs", "Zauberwald-Expedition: Wann kommt Folge 12?", "Katrin Vogel", "R-"] {
        assert!(text.contains(filled), "{filled:?} in {text}");
    }
    for placeholder in ["{{contact.", "{{case.", "{{agent."] {
        assert!(!text.contains(placeholder), "{placeholder} filled in {text}");
    }
    // Sending with `{{team.name}}` still in it is refused beside the field, and nothing typed is lost.
    a.find(Locator::Css("#reply-form button.btn-primary")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&a, "document.querySelector('#text-error')").await, "the unfilled placeholder is refused");
    let kept = a.eval("return document.querySelector('#reply-text').value;").await;
    assert_eq!(kept.as_str().unwrap().trim_end(), text.trim_end(), "the typed reply is kept");
    assert_eq!(
        a.eval("return document.querySelector('#reply-text').getAttribute('aria-invalid');").await,
        json!("true")
    );
    a.eval("const t = document.querySelector('#reply-text'); t.value = t.value.replace('{{team.name}}', 'Ihr Publikumsservice'); return null;").await;
    a.find(Locator::Css("#reply-form button.btn-primary")).await.unwrap().click().await.unwrap();
    assert!(
        wait_for(&a, "document.querySelectorAll('#timeline .tl-outbound').length > 0").await,
        "reply in the timeline"
    );
    let sent = a.find(Locator::Css("#timeline .tl-outbound")).await.unwrap().text().await.unwrap();
    assert!(sent.contains("Katrin Vogel") && sent.contains("Ihr Publikumsservice") && !sent.contains("{{"), "{sent}");
    a.screenshot("workspace-case").await;
    let case_url = a.eval("return location.pathname;").await.as_str().unwrap().to_string();

    // 4. The colleague has the inbox open; a handover with a note shows up there live.
    let b = Browser::start().await;
    login(&b, &base, colleague).await;
    b.goto(&format!("{base}/?view=mine&q=Zauberwald")).await;
    b.eval("window.__notReloaded = true; return null;").await;
    a.find(Locator::Css("#assign-owner"))
        .await
        .unwrap()
        .select_by_value(&user_id(&base, &token, colleague).await)
        .await
        .unwrap();
    a.find(Locator::Id("assign-note"))
        .await
        .unwrap()
        .send_keys("Bitte übernehmen: Frau Fuchs wartet auf den Sendetermin.")
        .await
        .unwrap();
    a.find(Locator::Css("#assign-form button")).await.unwrap().click().await.unwrap();
    assert!(
        wait_for(&b, "[...document.querySelectorAll('#case-rows a.case-link')].some(x => x.textContent.includes('Zauberwald-Expedition: Wann kommt'))").await,
        "the colleague's inbox shows the handed-over case live"
    );
    assert_eq!(b.eval("return window.__notReloaded === true;").await, json!(true));
    assert!(wait_for(&b, "Number(document.querySelector('#notif-count').textContent) > 0").await, "a notification");
    b.goto(&format!("{base}{case_url}")).await;
    assert!(
        b.find(Locator::Css(".handover-banner")).await.unwrap().text().await.unwrap().contains("Frau Fuchs wartet")
    );
    b.find(Locator::Id("ack-handover")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&b, "!document.querySelector('.handover-banner') && document.querySelector('#timeline')").await);
    assert!(b.find(Locator::Css(".ownership")).await.unwrap().text().await.unwrap().contains("bestätigt"));

    // 5. Search finds it, German-aware (Folge → Folgen).
    b.goto(&format!("{base}/search?q=Folgen%20Zauberwald")).await;
    assert!(b.find(Locator::Css("#search-cases")).await.unwrap().text().await.unwrap().contains("Zauberwald"));
    assert_accessible(&b, "search").await;
    b.goto(&format!("{base}/text-blocks")).await;
    assert_accessible(&b, "text blocks").await;

    // Keyboard: j moves through the inbox, Enter opens the current case, / jumps to the search.
    b.goto(&format!("{base}/?view=all")).await;
    assert!(wait_for(&b, "document.querySelectorAll('#case-rows tr.case-row').length > 2").await);
    let keys = b.active_element().await.unwrap();
    keys.send_keys("jj").await.unwrap();
    let current =
        b.eval("const r = document.querySelector('tr.case-row.is-current'); return r && r.dataset.href;").await;
    let second = b.eval("return document.querySelectorAll('tr.case-row')[1].dataset.href;").await;
    assert_eq!(current, second, "two presses of j select the second row");
    let enter: char = Key::Enter.into();
    b.active_element().await.unwrap().send_keys(&enter.to_string()).await.unwrap();
    assert!(wait_for(&b, &format!("location.pathname === {second}")).await, "Enter opens it");
    b.active_element().await.unwrap().send_keys("/").await.unwrap();
    assert_eq!(b.eval("return document.activeElement.id;").await, json!("global-search"));

    // On a phone: nothing wider than the screen, and still no serious accessibility violation.
    b.set_window_size(390, 844).await.unwrap();
    for (url, name) in [("/?view=all".to_string(), "workspace-phone-inbox"), (case_url.clone(), "workspace-phone-case")]
    {
        b.goto(&format!("{base}{url}")).await;
        assert!(wait_for(&b, "document.readyState === 'complete'").await);
        let overflow =
            b.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert!(overflow.as_i64().unwrap() <= 1, "{url} is wider than a phone by {overflow} px");
        assert_accessible(&b, name).await;
        b.screenshot(name).await;
    }

    // 6. Untrusted content never runs: vectors in subject, sender name, HTML body and file name.
    let xss = xss_mail();
    post_mail(&base, &token, xss).await;
    let api = reqwest::Client::new();
    let res = api
        .post(format!("{base}/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "<img src=x onerror=\"window.__xss=1\">Eve", "emails": ["eve@example.de"], "notes": "<script>window.__xss=2</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    for url in ["/?view=all", "/search?q=Gewinnspiel"] {
        a.goto(&format!("{base}{url}")).await;
        assert!(wait_for(&a, "document.readyState === 'complete'").await);
        assert_eq!(a.eval("return window.__xss === undefined;").await, json!(true), "no script ran on {url}");
    }
    let xss_link = a.find(Locator::XPath("//a[contains(., 'Gewinnspiel')]")).await.unwrap();
    xss_link.click().await.unwrap();
    assert!(wait_for(&a, "document.querySelector('#timeline')").await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.eval("return window.__xss === undefined;").await, json!(true), "no script ran on the case page");
    // The vectors are shown as text or removed; no element carries a handler or a script URL.
    let armed = a
        .eval(
            "return [...document.querySelectorAll('body *')].filter(el => [...el.attributes].some(x => \
             x.name.startsWith('on') || /^\\s*javascript:/i.test(x.value))).map(el => el.outerHTML);",
        )
        .await;
    assert_eq!(armed, json!([]), "handlers and script URLs were removed, not just blocked by the CSP");
    assert!(a.eval("return !!document.querySelector('.mail-html');").await == json!(true), "the HTML part is shown");
    assert_eq!(
        a.eval("return document.querySelectorAll('#timeline script, #timeline iframe, #timeline svg').length;").await,
        json!(0)
    );

    a.close().await;
    b.close().await;
    server.stop();
}
db_test!(workspace_end_to_end, workspace_end_to_end);

/// A screenshot of a full inbox for the README, in a browser of its own (the test's own views are
/// filtered).
async fn b_screenshot_inbox(base: &str) {
    let c = Browser::start().await;
    login(&c, base, ADMIN).await;
    c.goto(&format!("{base}/?view=all")).await;
    assert!(
        wait_for(&c, "document.querySelectorAll('#case-rows tr.case-row').length > 10").await,
        "the demo fills the inbox"
    );
    c.screenshot("workspace-inbox").await;
    c.close().await;
}

async fn user_id(base: &str, token: &str, email: &str) -> String {
    let users: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = users["items"].as_array().or(users.as_array()).cloned().unwrap_or_default();
    list.iter()
        .find(|u| u["email"] == email)
        .and_then(|u| u["id"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no user {email} in {users}"))
}

fn xss_mail() -> Vec<u8> {
    let boundary = "b1";
    format!(
        "From: \"<img src=x onerror=window.__xss=3>\" <mallory@example.de>\r\nTo: publikum@sender.example\r\nSubject: Gewinnspiel <script>window.__xss=4</script>\r\nMessage-ID: <xss-1@example.de>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={boundary}\r\n\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gewinnspiel</p><img src=x onerror=\"window.__xss=5\"><script>window.__xss=6</script><a href=\"javascript:window.__xss=7\">klick</a><svg onload=\"window.__xss=8\"></svg><iframe src=\"javascript:window.__xss=9\"></iframe>\r\n--{boundary}\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"<img src=x onerror=window.__xss=10>.txt\"\r\n\r\nAnhang\r\n--{boundary}--\r\n"
    )
    .into_bytes()
}
