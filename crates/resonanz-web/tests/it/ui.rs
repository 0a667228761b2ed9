//! The agent workspace (server-rendered pages) over HTTP, in process, on SQLite and PostgreSQL:
//! sign-in and lockout, sessions and sign-out, CSRF and Origin checks, security headers and
//! fingerprinted assets, who sees which case, attachments, forms that keep what was typed, the
//! collision warning, the interface language, remote images, text blocks and bulk actions.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::Duration;
use resonanz_core::case::CaseStatus;
use resonanz_core::ids::{AttachmentId, CaseId, TeamId, UserId};
use resonanz_core::mail::{InboundAttachment, InboundMail};
use resonanz_core::service::{CaseDetail, CasePatch, ReplyInput};
use resonanz_core::textblocks::{TextBlock, TextBlockInput};
use resonanz_core::user::{Actor, Role, User};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::support::{App, Resp, ui_router};

const HOST: &str = "localhost";
pub(crate) const PASSWORT: &str = "Sonnenblume-2026";
const SESSION: &str = "rz_session";
const PRE: &str = "rz_pre";

/// A browser in miniature: a cookie jar, the session's CSRF token, and requests with `Host`.
pub(crate) struct Browser {
    router: Router,
    jar: BTreeMap<String, String>,
    csrf: String,
}

impl Browser {
    pub(crate) fn new(router: &Router) -> Self {
        Self { router: router.clone(), jar: BTreeMap::new(), csrf: String::new() }
    }

    /// A browser that only holds the given cookie (an old, copied session cookie).
    fn with_cookie(router: &Router, name: &str, value: &str) -> Self {
        let mut b = Self::new(router);
        b.jar.insert(name.into(), value.into());
        b
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.jar.get(name).cloned()
    }

    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path).header(header::HOST, HOST);
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match form {
            Some(fields) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                let mut s = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in fields {
                    s.append_pair(k, v);
                }
                s.finish().into_bytes()
            }
            None => Vec::new(),
        };
        let res = self.router.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        self.keep_cookies(&headers);
        Resp { status, headers, body }
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let mut parts = v.split(';').map(str::trim);
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            if value.is_empty() || parts.any(|a| a.eq_ignore_ascii_case("max-age=0")) {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.into(), value.into());
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], None).await
    }

    pub(crate) async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::GET, path, headers, None).await
    }

    /// A form post carrying the session's CSRF token, as the pages' forms do.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(Method::POST, path, &[], Some(&all)).await
    }

    /// A form post exactly as given (no token added).
    pub(crate) async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        self.send(Method::POST, path, headers, Some(fields)).await
    }
}

/// Signs in through the login form and reads the session's CSRF token from the inbox page.
pub(crate) async fn sign_in(router: &Router, email: &str) -> Browser {
    let mut b = Browser::new(router);
    let r = b.get("/login").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let pre = hidden(&r.text(), "_csrf");
    let r = b.post_raw("/login", &[("_csrf", &pre), ("email", email), ("password", PASSWORT)], &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "signing in as {email}: {}", r.text());
    assert!(b.cookie(SESSION).is_some(), "no session cookie for {email}");
    let r = b.get("/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    b.csrf = value_after(&r.text(), "data-csrf=\"");
    assert_eq!(b.csrf.len(), 64, "{}", b.csrf);
    b
}

pub(crate) async fn person(t: &TestCore, email: &str, name: &str, role: Role) -> User {
    let hash = resonanz_core::passwords::hash(PASSWORT).unwrap();
    t.core.create_user(&Actor::System, email, name, role, hash).await.unwrap()
}

pub(crate) async fn team(t: &TestCore, name: &str, members: &[UserId]) -> TeamId {
    t.core.create_team(&Actor::System, name, members).await.unwrap().team.id
}

pub(crate) async fn set_team(t: &TestCore, case: CaseId, team: TeamId) {
    let patch = CasePatch { team_id: Some(Some(team)), ..Default::default() };
    t.core.update_case(case, &Actor::System, patch).await.unwrap();
}

/// Ingests a mail and returns its case and Message-ID.
pub(crate) async fn mail_case(app: &App, mail: InboundMail) -> (CaseId, String) {
    let mid = mail.message_id.clone().unwrap();
    let report = app.ingest(mail).await;
    (report.case_id.unwrap_or_else(|| panic!("no case: {report:?}")), mid)
}

pub(crate) async fn erika_case(app: &App, subject: &str, body: &str) -> (CaseId, String) {
    mail_case(app, inbound("erika.mustermann@example.de", "Erika Mustermann", subject, body)).await
}

async fn detail(t: &TestCore, case: CaseId) -> CaseDetail {
    t.core.case_detail(case).await.unwrap()
}

fn texts_of(d: &CaseDetail, direction: &str) -> Vec<String> {
    d.messages
        .iter()
        .filter(|m| m.message.direction.as_str() == direction)
        .map(|m| m.message.text_body.clone())
        .collect()
}

fn attachment_id(d: &CaseDetail, filename: &str) -> AttachmentId {
    d.messages.iter().flat_map(|m| &m.attachments).find(|a| a.filename == filename).map(|a| a.id).unwrap()
}

/// The text up to the next `"` after `marker`.
pub(crate) fn value_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker:?} is not in the page:\n{html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The value of a hidden input.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    value_after(html, &format!("name=\"{name}\" value=\""))
}

/// The opening tag that starts with `start`.
pub(crate) fn tag<'a>(html: &'a str, start: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start:?} is not in the page:\n{html}"));
    let end = html[i..].find('>').unwrap();
    &html[i..=i + end]
}

/// The content of the textarea with this id.
pub(crate) fn textarea(html: &str, id: &str) -> String {
    let open = tag(html, &format!("<textarea id=\"{id}\""));
    let start = html.find(open).unwrap() + open.len();
    let end = html[start..].find("</textarea>").unwrap();
    html[start..start + end].to_string()
}

fn set_cookie_line(r: &Resp, name: &str) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no Set-Cookie for {name}: {:?}", r.headers))
}

// ---------------------------------------------------------------------------------------------
// 1. Sign-in
// ---------------------------------------------------------------------------------------------

async fn wrong_password_and_lockout(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let email = "erika.berger@resonanz.test";
    person(t, email, "Erika Berger", Role::Agent).await;
    let mut b = Browser::new(&app.router);

    let r = b.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    let pre = b.cookie(PRE).expect("the login page sets the double-submit cookie");
    assert_eq!(pre.len(), 64);
    assert_eq!(hidden(&r.text(), "_csrf"), pre, "the form carries the cookie's token");

    let wrong = [("_csrf", pre.as_str()), ("email", email), ("password", "falsches-passwort")];
    let r = b.post_raw("/login", &wrong, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let html = r.text();
    assert!(html.contains("E-Mail-Adresse oder Passwort stimmen nicht."), "{html}");
    let field = tag(&html, "<input id=\"email\"");
    assert!(field.contains(&format!("value=\"{email}\"")), "the address stays in the field: {field}");
    assert!(field.contains("aria-invalid=\"true\""), "{field}");
    assert!(b.cookie(SESSION).is_none());

    // An unknown address gets the same answer (and does not count against anyone).
    let unknown = [("_csrf", pre.as_str()), ("email", "niemand@resonanz.test"), ("password", "irgendwas-123")];
    let r = b.post_raw("/login", &unknown, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("E-Mail-Adresse oder Passwort stimmen nicht."));

    for attempt in 2..=4 {
        let r = b.post_raw("/login", &wrong, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert!(r.text().contains("stimmen nicht"), "attempt {attempt}");
    }
    // The fifth failure locks the account for 15 minutes.
    let r = b.post_raw("/login", &wrong, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Zu viele Fehlversuche. Das Konto ist für 15 Minuten gesperrt."), "{}", r.text());

    // While locked, even the right password is refused.
    let right = [("_csrf", pre.as_str()), ("email", email), ("password", PASSWORT)];
    let r = b.post_raw("/login", &right, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("15 Minuten gesperrt"), "{}", r.text());
    assert!(b.cookie(SESSION).is_none());

    t.clock.advance(Duration::minutes(10));
    let r = b.post_raw("/login", &right, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("5 Minuten gesperrt"), "{}", r.text());

    t.clock.advance(Duration::minutes(6));
    let r = b.post_raw("/login", &right, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(b.cookie(SESSION).is_some());

    // An unknown address "locks" after five failures too: the message does not tell which exist.
    let mut c = Browser::new(&app.router);
    c.get("/login").await;
    let pre = c.cookie(PRE).unwrap();
    let unknown = [("_csrf", pre.as_str()), ("email", "niemand@resonanz.test"), ("password", "irgendwas-123")];
    for attempt in 1..=4 {
        let r = c.post_raw("/login", &unknown, &[]).await;
        assert!(r.text().contains("stimmen nicht"), "attempt {attempt}: {}", r.text());
    }
    let r = c.post_raw("/login", &unknown, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Zu viele Fehlversuche. Das Konto ist für 15 Minuten gesperrt."), "{}", r.text());
}
db_test!(sign_in_wrong_password_and_lockout, wrong_password_and_lockout);

async fn redirects_and_cookie(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let email = "jonas.weber@resonanz.test";
    person(t, email, "Jonas Weber", Role::Agent).await;

    // Pages without a session send to the login, remembering where one wanted to go.
    let mut b = Browser::new(&app.router);
    let r = b.get("/text-blocks?q=dank").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/login?next=%2Ftext-blocks%3Fq%3Ddank");
    let r = b.get("/?view=all").await;
    assert_eq!(r.header("location"), "/login?next=%2F%3Fview%3Dall");
    // Fragments fetched by the script get 401, not a redirect to an HTML page.
    let r = b.get("/inbox/rows?view=all").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("location"), "");
    let r = b.get(&format!("/cases/{}/timeline", uuid::Uuid::nil())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = b.get("/login?next=%2Ftext-blocks%3Fq%3Ddank").await;
    let html = r.text();
    assert_eq!(hidden(&html, "next"), "/text-blocks?q=dank");
    let pre = hidden(&html, "_csrf");
    let r = b
        .post_raw(
            "/login",
            &[
                ("_csrf", &pre),
                ("email", "  Jonas.Weber@Resonanz.test "),
                ("password", PASSWORT),
                ("next", "/text-blocks?q=dank"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/text-blocks?q=dank");
    let cookie = set_cookie_line(&r, SESSION);
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "no Secure with an http:// public URL: {cookie}");
    assert!(b.cookie(PRE).is_none(), "the double-submit cookie is cleared after sign-in");
    let r = b.get("/text-blocks?q=dank").await;
    assert_eq!(r.status, StatusCode::OK);
    // Signed in, the login page sends on to `next`.
    let r = b.get("/login?next=%2Faccount").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/account");

    // Only local paths: another host, a scheme or a backslash trick go to the inbox.
    // Browsers drop tabs and newlines inside a URL, so `/\t/evil.example` would be `//evil.example`.
    for next in [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "/a\\..\\\\evil.example",
    ] {
        let mut b = Browser::new(&app.router);
        let r = b
            .get(&format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()))
            .await;
        assert_eq!(hidden(&r.text(), "next"), "/", "{next}");
        let pre = b.cookie(PRE).unwrap();
        let r = b
            .post_raw("/login", &[("_csrf", &pre), ("email", email), ("password", PASSWORT), ("next", next)], &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.header("location"), "/", "{next}");
        let r = b
            .get(&format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()))
            .await;
        assert_eq!(r.header("location"), "/", "signed in, {next}");
    }
}
db_test!(sign_in_redirects_and_sets_the_cookie, redirects_and_cookie);

async fn secure_cookies(db: Db) {
    let app = App::new(db).await;
    let email = "lena.koch@resonanz.test";
    person(&app.tc, email, "Lena Koch", Role::Agent).await;
    let router = ui_router(&app.tc, "https://resonanz.example/");
    let mut b = Browser::new(&router);
    let r = b.get("/login").await;
    let pre_cookie = set_cookie_line(&r, PRE);
    assert!(pre_cookie.ends_with("; Secure") && pre_cookie.contains("HttpOnly"), "{pre_cookie}");
    let pre = hidden(&r.text(), "_csrf");
    let r = b.post_raw("/login", &[("_csrf", &pre), ("email", email), ("password", PASSWORT)], &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let cookie = set_cookie_line(&r, SESSION);
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"), "{cookie}");
}
db_test!(sign_in_cookie_is_secure_with_an_https_public_url, secure_cookies);

// ---------------------------------------------------------------------------------------------
// 2. CSRF and Origin
// ---------------------------------------------------------------------------------------------

async fn csrf(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let email = "mara.lindner@resonanz.test";
    person(t, email, "Mara Lindner", Role::Agent).await;
    person(t, "tobias.brandt@resonanz.test", "Tobias Brandt", Role::Agent).await;
    let (case, _) = erika_case(&app, "Empfangsprobleme", "Seit gestern kein Bild mehr.").await;
    let mut b = sign_in(&app.router, email).await;
    let other = sign_in(&app.router, "tobias.brandt@resonanz.test").await;
    let path = format!("/cases/{case}/notes");
    let token = b.csrf.clone();

    let r = b.post_raw(&path, &[("text", "Ohne Token")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("did not come from this site"), "{}", r.text());
    let wrong = "0".repeat(64);
    let r = b.post_raw(&path, &[("_csrf", &wrong), ("text", "Falsches Token")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.post_raw(&path, &[("_csrf", &other.csrf), ("text", "Token einer anderen Sitzung")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a token is bound to its session");
    let r = b.post_raw(&path, &[("_csrf", ""), ("text", "Leeres Token")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.post_raw(&path, &[("text", "Falsches Token im Kopf")], &[("x-csrf-token", &wrong)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = b.post_raw(&path, &[("text", "Per Kopfzeile")], &[("x-csrf-token", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), format!("/cases/{case}"));

    let r = b
        .post_raw(&path, &[("_csrf", &token), ("text", "Von fremder Seite")], &[("origin", "https://evil.example")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another origin, even with the right token");
    assert!(r.text().contains("cross-origin"), "{}", r.text());
    let r = b.post_raw(&path, &[("_csrf", &token), ("text", "Von nirgendwo")], &[("origin", "null")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "Origin: null");
    let r = b
        .post_raw(
            &path,
            &[("_csrf", &token), ("text", "Fast gleicher Host")],
            &[("origin", "http://localhost.evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r =
        b.post_raw(&path, &[("_csrf", &token), ("text", "Gleiche Herkunft")], &[("origin", "http://localhost")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // Only the two accepted requests changed anything.
    let notes = texts_of(&detail(t, case).await, "note");
    assert_eq!(notes, ["Per Kopfzeile", "Gleiche Herkunft"]);

    // Before sign-in the token is the double-submit cookie's.
    let mut anon = Browser::new(&app.router);
    let guess = "a".repeat(64);
    let r = anon.post_raw("/login", &[("_csrf", &guess), ("email", email), ("password", PASSWORT)], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no rz_pre cookie");
    anon.get("/login").await;
    let r = anon.post_raw("/login", &[("_csrf", &guess), ("email", email), ("password", PASSWORT)], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a token that is not the cookie's");
    assert!(anon.cookie(SESSION).is_none());
}
db_test!(csrf_token_and_origin_are_checked, csrf);

// ---------------------------------------------------------------------------------------------
// 3. Sessions end
// ---------------------------------------------------------------------------------------------

async fn logout(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let email = "paul.richter@resonanz.test";
    person(t, email, "Paul Richter", Role::Agent).await;

    let mut a = sign_in(&app.router, email).await;
    let secret = a.cookie(SESSION).unwrap();
    let r = a.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/login");
    assert!(set_cookie_line(&r, SESSION).contains("Max-Age=0"));
    assert!(a.cookie(SESSION).is_none());
    assert!(t.core.session_user(&secret).await.unwrap().is_none(), "the session is gone from the database");
    let mut old = Browser::with_cookie(&app.router, SESSION, &secret);
    let r = old.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
    assert_eq!(r.header("location"), "/login?next=%2F");

    // "Sign out everywhere" ends the other sessions too.
    let mut b = sign_in(&app.router, email).await;
    let mut c = sign_in(&app.router, email).await;
    let b_secret = b.cookie(SESSION).unwrap();
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    let r = b.post("/account/logout-all", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/login");
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the second session ended");
    assert!(r.header("location").starts_with("/login"));
    let r = Browser::with_cookie(&app.router, SESSION, &b_secret).get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Twelve idle hours end a session; a request in between keeps it alive.
    let mut d = sign_in(&app.router, email).await;
    t.clock.advance(Duration::hours(11));
    assert_eq!(d.get("/").await.status, StatusCode::OK);
    t.clock.advance(Duration::hours(11));
    assert_eq!(d.get("/").await.status, StatusCode::OK, "touched 11 hours ago");
    t.clock.advance(Duration::hours(12) + Duration::minutes(1));
    let r = d.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "idle for more than 12 hours");
}
db_test!(logout_and_logout_everywhere_end_sessions, logout);

// ---------------------------------------------------------------------------------------------
// 4. Headers and assets
// ---------------------------------------------------------------------------------------------

async fn headers(db: Db) {
    let app = App::new(db).await;
    let email = "sophie.wagner@resonanz.test";
    person(&app.tc, email, "Sophie Wagner", Role::Agent).await;
    erika_case(&app, "Frage zum Programm", "Wann läuft der Tatort?").await;
    let mut b = sign_in(&app.router, email).await;

    let mut anon = Browser::new(&app.router);
    let login = anon.get("/login").await;
    let page = b.get("/?view=all").await;
    for (what, r) in [("inbox", &page), ("login", &login)] {
        assert_eq!(r.status, StatusCode::OK, "{what}");
        let csp = r.header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{what}: {csp}");
        assert_eq!(r.header("cache-control"), "private, no-store", "{what}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
        assert!(r.header("content-type").starts_with("text/html"), "{what}");
        assert!(!r.text().contains("<script>"), "{what}: no inline script");
    }

    // The page links the fingerprinted assets; they are the content's hash and cached for a year.
    let html = page.text();
    let css = value_after(&html, "<link rel=\"stylesheet\" href=\"");
    let js = value_after(&html, "<script src=\"");
    for (url, stem, ext, content_type) in
        [(&css, "/assets/app.", ".css", "text/css"), (&js, "/assets/app.", ".js", "text/javascript")]
    {
        let hash = url.strip_prefix(stem).and_then(|s| s.strip_suffix(ext)).unwrap_or_else(|| panic!("{url}"));
        assert_eq!(hash.len(), 12, "{url}");
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{url}");
        let r = anon.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.header("content-type").starts_with(content_type), "{url}: {}", r.header("content-type"));
        let cache = r.header("cache-control");
        assert!(cache.contains("immutable") && cache.contains("max-age=31536000"), "{url}: {cache}");
        assert_eq!(hex::encode(&Sha256::digest(&r.body)[..6]), hash, "the name carries the content's hash");
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        // Without the hash the same file is served, but revalidated.
        let plain = format!("/assets/app{ext}");
        let r = anon.get(&plain).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("cache-control"), "no-cache", "{plain}");
    }
    assert_eq!(anon.get("/assets/app.000000000000.css").await.status, StatusCode::NOT_FOUND);
    let icon = value_after(&html, "<link rel=\"icon\" href=\"");
    assert!(icon.starts_with("/assets/favicon.") && icon.ends_with(".svg"), "{icon}");
    let r = anon.get("/favicon.ico").await;
    assert_eq!(r.header("location"), icon);

    // Pages compress.
    let r = b.get_with("/?view=all", &[("accept-encoding", "gzip")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-encoding"), "gzip");
    assert_eq!(&r.body[..2], &[0x1f, 0x8b], "a gzip stream");
    assert_eq!(r.header("cache-control"), "private, no-store");
}
db_test!(pages_carry_security_and_cache_headers, headers);

// ---------------------------------------------------------------------------------------------
// 5. Visibility
// ---------------------------------------------------------------------------------------------

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0bIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82";

fn attachment(filename: &str, content_type: &str, data: &[u8]) -> InboundAttachment {
    InboundAttachment {
        filename: filename.into(),
        content_type: content_type.into(),
        content_id: None,
        inline: false,
        data: data.to_vec(),
    }
}

async fn visibility(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let anna = person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let sven = person(t, "sven.krause@resonanz.test", "Sven Krause", Role::Supervisor).await;
    let nord = team(t, "Team Nord", &[anna.id]).await;
    let sued = team(t, "Team Süd", &[]).await;

    let mut mail = inbound("kai.otto@example.de", "Kai Otto", "Wasserschaden im Studio Süd", "Fotos anbei.");
    mail.attachments = vec![attachment("wasserschaden.png", "image/png", PNG)];
    let (fremd, _) = mail_case(&app, mail).await;
    set_team(t, fremd, sued).await;
    let (eigen, _) = erika_case(&app, "Frage zur Sendung Nord", "Wann wird wiederholt?").await;
    set_team(t, eigen, nord).await;
    let att = attachment_id(&detail(t, fremd).await, "wasserschaden.png");

    let mut a = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let r = a.get(&format!("/cases/{fremd}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not found, never forbidden");
    assert!(r.text().contains("Das gibt es nicht (mehr), oder es ist für Sie nicht sichtbar."), "{}", r.text());
    assert!(!r.text().contains("Wasserschaden"));
    for path in [
        format!("/cases/{fremd}/timeline"),
        format!("/cases/{fremd}/presence"),
        format!("/cases/{fremd}/text-blocks?q=dank"),
        format!("/attachments/{att}"),
        format!("/attachments/{att}/preview"),
    ] {
        let r = a.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_ne!(r.body, PNG, "{path}");
    }
    // Nor can she write to it.
    let r = a.post(&format!("/cases/{fremd}/notes"), &[("text", "Neugierig")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = a.post(&format!("/cases/{fremd}/reply"), &[("text", "Hallo Herr Otto")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let d = detail(t, fremd).await;
    assert!(texts_of(&d, "note").is_empty() && texts_of(&d, "outbound").is_empty());

    for path in ["/?view=all", "/inbox/rows?view=all", "/?view=unowned", &format!("/?view=all&team={sued}")] {
        let r = a.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.text().contains("Wasserschaden"), "{path} lists a case of another team");
        assert!(!r.text().contains(&fremd.to_string()), "{path}");
    }
    let r = a.get("/?view=all").await;
    assert!(r.text().contains("Frage zur Sendung Nord"), "her own team's case is listed");
    assert_eq!(a.get(&format!("/cases/{eigen}")).await.status, StatusCode::OK);
    let r = a.get("/search?q=Wasserschaden").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains(&format!("/cases/{fremd}")), "search shows only what she may see");

    // A supervisor sees everything.
    let mut s = sign_in(&app.router, "sven.krause@resonanz.test").await;
    let r = s.get(&format!("/cases/{fremd}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Wasserschaden im Studio Süd"));
    let r = s.get(&format!("/attachments/{att}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, PNG);
    let r = s.get("/?view=all").await;
    assert!(r.text().contains("Wasserschaden im Studio Süd") && r.text().contains("Frage zur Sendung Nord"));
    let r = s.get("/search?q=Wasserschaden").await;
    assert!(r.text().contains(&format!("/cases/{fremd}")), "{}", r.text());

    // Owning a case makes it visible, whatever its team.
    t.core.assign(fremd, sven.id, Some(anna.id), "Bitte um Rückruf bei Herrn Otto").await.unwrap();
    assert_eq!(a.get(&format!("/cases/{fremd}")).await.status, StatusCode::OK);
    assert_eq!(a.get(&format!("/attachments/{att}")).await.status, StatusCode::OK);
}
db_test!(agents_see_only_their_teams_cases, visibility);

// ---------------------------------------------------------------------------------------------
// 6. Attachments
// ---------------------------------------------------------------------------------------------

async fn attachments(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let html_file = b"<html><body><script>alert('x')</script>Rechnung</body></html>";
    let svg_file = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let text_file = "Zählerstand: 4711\nAblesung am 2. März\n";
    let mut mail = inbound("erika.mustermann@example.de", "Erika Mustermann", "Unterlagen zur Ummeldung", "Anbei.");
    mail.html_body = Some("<p>Anbei unser Logo: <img src=\"cid:logo@kunde.example\" alt=\"Logo\"></p>".into());
    mail.attachments = vec![
        attachment("zähler foto.png", "image/png", PNG),
        attachment("ablesung.txt", "text/plain; charset=utf-8", text_file.as_bytes()),
        attachment("rechnung.html", "text/html", html_file),
        attachment("grafik.svg", "image/svg+xml", svg_file),
        InboundAttachment {
            content_id: Some("logo@kunde.example".into()),
            inline: true,
            ..attachment("logo.png", "image/png", PNG)
        },
    ];
    let (case, _) = mail_case(&app, mail).await;
    let d = detail(t, case).await;
    let png = attachment_id(&d, "zähler foto.png");
    let txt = attachment_id(&d, "ablesung.txt");
    let html = attachment_id(&d, "rechnung.html");
    let svg = attachment_id(&d, "grafik.svg");
    let logo = attachment_id(&d, "logo.png");
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;

    // Downloads: always a file, never rendered.
    for (id, data) in [(png, PNG), (html, &html_file[..]), (svg, &svg_file[..]), (txt, text_file.as_bytes())] {
        let r = b.get(&format!("/attachments/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "application/octet-stream");
        assert!(r.header("content-disposition").starts_with("attachment;"), "{}", r.header("content-disposition"));
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.header("cache-control"), "private, no-store");
        assert_eq!(r.body, data);
    }
    let r = b.get(&format!("/attachments/{png}")).await;
    let disposition = r.header("content-disposition");
    assert!(disposition.contains("filename=\"z_hler foto.png\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''z%C3%A4hler%20foto.png"), "{disposition}");

    // Previews: safe types inline, in a sandbox.
    for (id, content_type, data) in
        [(png, "image/png", PNG), (txt, "text/plain; charset=utf-8", text_file.as_bytes()), (logo, "image/png", PNG)]
    {
        let r = b.get(&format!("/attachments/{id}/preview")).await;
        assert_eq!(r.status, StatusCode::OK, "{content_type}");
        assert_eq!(r.header("content-type"), content_type);
        assert_eq!(r.header("content-disposition"), "inline");
        assert_eq!(
            r.header("content-security-policy"),
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.body, data);
    }
    for id in [html, svg] {
        let r = b.get(&format!("/attachments/{id}/preview")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "no preview of active content");
        assert!(!r.text().contains("alert"));
    }
    let r = b.get(&format!("/attachments/{}", uuid::Uuid::nil())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = b.get("/attachments/keine-id/preview").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The case page offers previews only where there are some, and shows the inline image.
    let page = b.get(&format!("/cases/{case}")).await.text();
    assert!(page.contains(&format!("href=\"/attachments/{png}/preview\"")), "{page}");
    assert!(page.contains(&format!("href=\"/attachments/{txt}/preview\"")));
    assert!(page.contains(&format!("href=\"/attachments/{html}\" download")));
    assert!(!page.contains(&format!("/attachments/{html}/preview")));
    assert!(!page.contains(&format!("/attachments/{svg}/preview")));
    assert!(page.contains(&format!("<img src=\"/attachments/{logo}/preview\" alt=\"Logo\">")), "{page}");
    assert!(!page.contains("cid:logo@kunde.example"));
}
db_test!(attachments_download_and_safe_previews, attachments);

// ---------------------------------------------------------------------------------------------
// 7. Forms keep what was typed
// ---------------------------------------------------------------------------------------------

async fn reply_errors(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let (case, _) = erika_case(&app, "Kündigung des Newsletters", "Bitte melden Sie mich ab.").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let page = b.get(&format!("/cases/{case}")).await.text();
    let seen = hidden(&page, "seen_message_id");
    assert!(tag(&page, "<input id=\"reply-to\"").contains("value=\"erika.mustermann@example.de\""), "To is prefilled");
    let path = format!("/cases/{case}/reply");

    let r = b.post(&path, &[("text", "   "), ("to", "erika.mustermann@example.de"), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    let area = tag(&html, "<textarea id=\"reply-text\"");
    assert!(area.contains("aria-invalid=\"true\""), "{area}");
    assert!(area.contains("text-error"), "described by its error: {area}");
    assert!(html.contains("<p class=\"field-error\" id=\"text-error\">Bitte ausfüllen.</p>"), "{html}");
    assert_eq!(hidden(&html, "seen_message_id"), seen);

    // A wrong recipient: the error is at the field, both fields keep what was typed.
    let typed = "Guten Tag Frau Mustermann,\nwir haben Sie vom Newsletter abgemeldet.";
    let r = b.post(&path, &[("text", typed), ("to", "erika at example"), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert_eq!(textarea(&html, "reply-text"), typed);
    let to = tag(&html, "<input id=\"reply-to\"");
    assert!(to.contains("value=\"erika at example\"") && to.contains("aria-invalid=\"true\""), "{to}");
    assert!(html.contains("id=\"to-error\">Das ist keine gültige E-Mail-Adresse.</p>"), "{html}");
    assert!(!tag(&html, "<textarea id=\"reply-text\"").contains("aria-invalid"));

    // An empty note, beside the note field.
    let r = b.post(&format!("/cases/{case}/notes"), &[("text", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(tag(&html, "<textarea id=\"note-text\"").contains("aria-invalid=\"true\""));
    assert!(html.contains("id=\"note-error\">Bitte ausfüllen.</p>"), "{html}");

    assert!(texts_of(&detail(t, case).await, "outbound").is_empty(), "nothing was sent");
    let r = b.post(&path, &[("text", typed), ("to", "erika.mustermann@example.de"), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(texts_of(&detail(t, case).await, "outbound").len(), 1);
}
db_test!(reply_form_shows_field_errors_and_keeps_the_text, reply_errors);

async fn attributes_of(t: &TestCore, case: CaseId) -> BTreeMap<String, String> {
    detail(t, case).await.contact.expect("the case has a contact").contact.attributes
}

async fn contact_attributes(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let (case, _) = erika_case(&app, "Frage zum Abo", "Wie lange läuft mein Abo noch?").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let path = format!("/cases/{case}/contact");
    let form = |attributes: &'static str| {
        [("address_form", "formal"), ("language", "de"), ("notes", ""), ("contact_attributes", attributes)]
    };

    let r = b.post(&path, &form("VIP: ja\n\n age_group :  erwachsen \n")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let want: BTreeMap<String, String> =
        [("age_group".to_string(), "erwachsen".to_string()), ("vip".to_string(), "ja".to_string())].into();
    assert_eq!(attributes_of(t, case).await, want, "keys are lower-cased, blank lines and spaces dropped");
    let page = b.get(&format!("/cases/{case}")).await.text();
    assert!(page.contains("<dt>vip</dt><dd>ja</dd>"), "{page}");
    assert_eq!(
        textarea(&page, "contact-attributes"),
        "age_group: erwachsen\nvip: ja\n",
        "the form shows them as lines"
    );
    assert!(!tag(&page, "<details class=\"contact-edit\"").contains("open"), "closed until something is refused");

    // A line without a colon, and a key with a space: refused at the field, the text stays, nothing changes.
    for (typed, says) in [
        ("vip: ja\nStammkunde", "Jede Zeile: Name, Doppelpunkt, Wert"),
        ("treue kundin: ja", "Namen haben 1 bis 40 Buchstaben"),
    ] {
        let r = b.post(&path, &form(typed)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let html = r.text();
        assert_eq!(textarea(&html, "contact-attributes"), typed);
        assert!(tag(&html, "<textarea id=\"contact-attributes\"").contains("aria-invalid=\"true\""));
        assert!(tag(&html, "<details class=\"contact-edit\"").contains("open"), "the refused form is open");
        assert!(html.contains(says), "{typed}: {html}");
        assert_eq!(attributes_of(t, case).await, want);
    }
    // Of two spellings of one key the later line wins.
    let r = b.post(&path, &form("vip: nein\nVIP: ja\nage_group: erwachsen")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(attributes_of(t, case).await, want);
    // A refusal keeps every field of the form as it was sent.
    let sent = [
        ("address_form", "informal"),
        ("language", "tr"),
        ("notes", "Ruft abends an."),
        ("contact_attributes", "Stammkunde"),
    ];
    let html = b.post(&path, &sent).await.text();
    assert!(tag(&html, "<option value=\"informal\"").contains("selected"), "{html}");
    assert!(tag(&html, "<input id=\"contact-lang\"").contains("value=\"tr\""), "{html}");
    assert_eq!(textarea(&html, "contact-notes"), "Ruft abends an.");
    let stored = detail(t, case).await.contact.unwrap().contact;
    assert_eq!((stored.language.as_str(), stored.notes.as_str()), ("de", ""), "nothing was saved");
    let many: &'static str = (0..31).map(|i| format!("k{i}: v\n")).collect::<String>().leak();
    let html = b.post(&path, &form(many)).await.text();
    assert!(html.contains("Höchstens 30 Merkmale."), "the field's own limit, in German: {html}");

    // Saving an empty list removes them all.
    assert_eq!(b.post(&path, &form("")).await.status, StatusCode::SEE_OTHER);
    assert!(attributes_of(t, case).await.is_empty());
}
db_test!(contact_attributes_are_edited_on_the_case_page, contact_attributes);

async fn assign_without_note(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let bernd = person(t, "bernd.beispiel@resonanz.test", "Bernd Beispiel", Role::Agent).await;
    let (case, _) = erika_case(&app, "Rückruf erbeten", "Bitte rufen Sie mich an.").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let path = format!("/cases/{case}/assign");
    let bernd_id = bernd.id.to_string();

    let r = b.post(&path, &[("owner_id", &bernd_id), ("note", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    let note = tag(&html, "<textarea id=\"assign-note\"");
    assert!(note.contains("aria-invalid=\"true\"") && note.contains("assign-note-error"), "{note}");
    assert!(
        html.contains(
            "<p class=\"field-error\" id=\"assign-note-error\">Eine Übergabe braucht eine Notiz: Was muss die neue Person wissen?</p>"
        ),
        "{html}"
    );
    assert_eq!(textarea(&html, "assign-note"), "   ", "the note field keeps what was typed");
    assert_eq!(detail(t, case).await.case.owner_id, None, "nothing changed");

    let r = b.post(&path, &[("owner_id", &bernd_id), ("note", "Kundin wartet auf Rückruf, Nummer im Verlauf")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let d = detail(t, case).await;
    assert_eq!(d.case.owner_id, Some(bernd.id));
    assert_eq!(texts_of(&d, "note"), ["Übergabe: Kundin wartet auf Rückruf, Nummer im Verlauf"]);
}
db_test!(assign_without_a_note_is_refused_beside_the_note_field, assign_without_note);

/// After a refused handover the page must still name the chosen person: the agent then only adds
/// the note and sends the form as the page shows it. (Were the select to fall back to the current
/// owner, the resubmitted form would ask for "no change", which `Core::assign` accepts without
/// doing anything: the handover and its note would be lost while the page answers 303.)
async fn assign_keeps_owner(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let bernd = person(t, "bernd.beispiel@resonanz.test", "Bernd Beispiel", Role::Agent).await;
    let (case, _) = erika_case(&app, "Rückruf erbeten", "Bitte rufen Sie mich an.").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let path = format!("/cases/{case}/assign");

    let r = b.post(&path, &[("owner_id", &bernd.id.to_string()), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    let select_start = html.find("<select id=\"assign-owner\"").unwrap();
    let select = &html[select_start..select_start + html[select_start..].find("</select>").unwrap()];
    let chosen = select
        .split("<option")
        .find(|o| o.contains(" selected"))
        .map(|o| value_after(o, "value=\""))
        .unwrap_or_default();

    // The agent adds the note and sends the form as the page shows it.
    let r = b.post(&path, &[("owner_id", &chosen), ("note", "Kundin wartet auf Rückruf")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = detail(t, case).await;
    assert_eq!(d.case.owner_id, Some(bernd.id), "the handover happened (the page sent owner_id={chosen:?}): {select}");
    assert_eq!(texts_of(&d, "note"), ["Übergabe: Kundin wartet auf Rückruf"], "the note is kept");
}
db_test!(assign_refusal_keeps_the_chosen_owner, assign_keeps_owner);

async fn text_block_placeholder(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "sven.krause@resonanz.test", "Sven Krause", Role::Supervisor).await;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let mut s = sign_in(&app.router, "sven.krause@resonanz.test").await;
    let body = "Hallo {{kunde.name}}, vielen Dank für Ihre Geduld.";
    let fields = [("name", "dank-geduld"), ("category", "Dank"), ("language", "de"), ("tone", "sie"), ("body", body)];

    let r = s.post("/text-blocks", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("id=\"body-error\">Unbekannter Platzhalter. Erlaubt sind die unten genannten.</p>"),
        "{html}"
    );
    assert!(tag(&html, "<textarea id=\"tb-body\"").contains("aria-invalid=\"true\""));
    assert_eq!(textarea(&html, "tb-body"), body, "the typed text is kept");
    assert!(tag(&html, "<input id=\"tb-name\"").contains("value=\"dank-geduld\""));
    assert!(tag(&html, "<input id=\"tb-category\"").contains("value=\"Dank\""));
    assert!(html.contains("{{contact.name}}"), "the allowed placeholders are listed");
    assert!(t.core.store.text_blocks(None, None).await.unwrap().is_empty());

    let good = "Hallo {{contact.name}}, vielen Dank für Ihre Geduld.";
    let mut fields = fields;
    fields[4].1 = good;
    let r = s.post("/text-blocks", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/text-blocks");
    let blocks = t.core.store.text_blocks(None, None).await.unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].body, good);

    // Agents use text blocks but do not edit them.
    let mut a = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    fields[0].1 = "dank-agentin";
    let r = a.post("/text-blocks", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.core.store.text_blocks(None, None).await.unwrap().len(), 1);
}
db_test!(text_block_with_an_unknown_placeholder_is_refused, text_block_placeholder);

async fn unfilled_placeholder(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let (case, _) = erika_case(&app, "Frage zur Zuständigkeit", "Wer ist für mich zuständig?").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let seen = hidden(&b.get(&format!("/cases/{case}")).await.text(), "seen_message_id");
    // The case has no team, so a text block left {{team.name}} unfilled.
    let typed = "Guten Tag Frau Mustermann,\nIhr Anliegen bearbeitet das Team {{team.name}}.";
    let r = b.post(&format!("/cases/{case}/reply"), &[("text", typed), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"text-error\">Ein Platzhalter hat keinen Wert für diesen Fall"), "{html}");
    assert!(tag(&html, "<textarea id=\"reply-text\"").contains("aria-invalid=\"true\""));
    assert_eq!(textarea(&html, "reply-text"), typed);
    assert!(texts_of(&detail(t, case).await, "outbound").is_empty(), "nothing with {{…}} goes out");
}
db_test!(reply_with_an_unfilled_placeholder_is_refused, unfilled_placeholder);

// ---------------------------------------------------------------------------------------------
// 8. Collision
// ---------------------------------------------------------------------------------------------

async fn collision(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let (case, first) = erika_case(&app, "Sendung verpasst", "Wo finde ich die Folge von gestern?").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let page = b.get(&format!("/cases/{case}")).await.text();
    let seen = hidden(&page, "seen_message_id");
    assert_eq!(seen, detail(t, case).await.messages[0].message.id.to_string());

    let mut again = inbound(
        "erika.mustermann@example.de",
        "Erika Mustermann",
        "Re: Sendung verpasst",
        "Hat sich erledigt, ich habe sie in der Mediathek gefunden.",
    );
    again.in_reply_to = vec![first.clone()];
    again.references = vec![first];
    let (same, _) = mail_case(&app, again).await;
    assert_eq!(same, case, "threaded into the same case");
    let newest = detail(t, case).await.messages.last().unwrap().message.id.to_string();

    let typed = "Guten Tag Frau Mustermann,\ndie Folge finden Sie in der Mediathek.";
    let path = format!("/cases/{case}/reply");
    let r = b.post(&path, &[("text", typed), ("to", "erika.mustermann@example.de"), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("Seit Sie den Fall geöffnet haben, ist eine neue Nachricht eingegangen (Erika Mustermann)."),
        "{html}"
    );
    assert!(html.contains("id=\"collision\""));
    assert!(html.contains("name=\"confirm_collision\" value=\"1\""), "the page asks for confirmation");
    assert_eq!(textarea(&html, "reply-text"), typed, "the typed text is kept");
    assert_eq!(hidden(&html, "seen_message_id"), newest, "the page now knows the new message");
    assert!(texts_of(&detail(t, case).await, "outbound").is_empty(), "nothing was sent");

    let r = b
        .post(
            &path,
            &[
                ("text", typed),
                ("to", "erika.mustermann@example.de"),
                ("seen_message_id", &seen),
                ("confirm_collision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), format!("/cases/{case}"));
    let sent = texts_of(&detail(t, case).await, "outbound");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].starts_with(typed), "{}", sent[0]);

    // One's own reply is no collision.
    let r = b
        .post(&path, &[("text", "Noch ein Hinweis: die Folge ist 30 Tage abrufbar."), ("seen_message_id", &newest)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}
db_test!(collision_warning_keeps_the_text_and_can_be_confirmed, collision);

/// A colleague answered meanwhile: the warning names the colleague, as the timeline does (not the
/// mailbox the reply left from, nor a contact who wrote afterwards).
async fn collision_colleague(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let bernd = person(t, "bernd.beispiel@resonanz.test", "Bernd Beispiel", Role::Agent).await;
    let (case, first) = erika_case(&app, "Sendung verpasst", "Wo finde ich die Folge von gestern?").await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let seen = hidden(&b.get(&format!("/cases/{case}")).await.text(), "seen_message_id");
    let input = ReplyInput { text: "Die Folge steht in der Mediathek.".into(), ..Default::default() };
    t.core.reply(case, bernd.id, input).await.unwrap();

    let r = b
        .post(&format!("/cases/{case}/reply"), &[("text", "Schauen Sie in die Mediathek."), ("seen_message_id", &seen)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("hat inzwischen geantwortet"), "{html}");
    assert!(
        html.contains("Bernd Beispiel hat inzwischen geantwortet."),
        "the warning names the colleague, not the mailbox: {}",
        value_after(&html, "id=\"collision\">")
    );

    // The colleague replied and then the contact wrote again: still the colleague replied.
    let mut again = inbound("erika.mustermann@example.de", "Erika Mustermann", "Re: Sendung verpasst", "Danke!");
    again.in_reply_to = vec![first];
    mail_case(&app, again).await;
    let r = b.post(&format!("/cases/{case}/reply"), &[("text", "Gern geschehen."), ("seen_message_id", &seen)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let warning = value_after(&r.text(), "id=\"collision\">");
    assert!(!warning.contains("Erika Mustermann hat inzwischen geantwortet"), "the contact did not reply: {warning}");
    assert!(warning.contains("Bernd Beispiel"), "{warning}");
}
db_test!(collision_warning_names_the_colleague_who_replied, collision_colleague);

// ---------------------------------------------------------------------------------------------
// 9. Language
// ---------------------------------------------------------------------------------------------

async fn language(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let emma = person(t, "emma.clarke@resonanz.test", "Emma Clarke", Role::Agent).await;
    t.core.set_locale(&Actor::System, emma.id, "en").await.unwrap();

    // Before sign-in the browser's language decides.
    let mut anon = Browser::new(&app.router);
    let r = anon.get_with("/login", &[("accept-language", "en-GB,en;q=0.8")]).await;
    assert!(r.text().contains("<html lang=\"en\">") && r.text().contains("Sign in"));
    let r = anon.get("/login").await;
    assert!(r.text().contains("<html lang=\"de\">") && r.text().contains("Anmelden"));

    let mut b = sign_in(&app.router, "emma.clarke@resonanz.test").await;
    let r = b.get("/").await;
    let html = r.text();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains(">Inbox<") && !html.contains("Posteingang"), "{html}");
    let r = b.get(&format!("/cases/{}", uuid::Uuid::nil())).await;
    assert!(r.text().contains("This does not exist (any more), or you cannot see it."));

    let r = b.post("/account/locale", &[("locale", "de")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/account");
    let html = b.get("/").await.text();
    assert!(html.contains("<html lang=\"de\">") && html.contains(">Posteingang<"), "{html}");
    assert_eq!(t.core.store.user(emma.id).await.unwrap().unwrap().locale, "de");

    let r = b.post("/account/locale", &[("locale", "fr")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.core.store.user(emma.id).await.unwrap().unwrap().locale, "de");
    let r = b.post("/account/locale", &[("locale", "en")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(b.get("/account").await.text().contains("<html lang=\"en\">"));
}
db_test!(pages_in_the_users_language, language);

// ---------------------------------------------------------------------------------------------
// 10. Remote images
// ---------------------------------------------------------------------------------------------

async fn remote_images(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let mut mail = inbound("presse@verlag.example", "Pressestelle", "Neues Programmheft", "Unser neues Heft.");
    mail.html_body = Some(
        "<p>Unser neues Heft:</p><p><img data-remote-src=\"https://bilder.verlag.example/heft.jpg\" alt=\"Titelbild\"></p>"
            .into(),
    );
    mail.has_remote_images = true;
    let (case, _) = mail_case(&app, mail).await;
    let mid = detail(t, case).await.messages[0].message.id;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;

    let r = b.get(&format!("/cases/{case}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header("content-security-policy");
    assert!(!csp.contains("https:") && !csp.contains("http:"), "{csp}");
    assert!(!csp.contains("img-src") || csp.contains("img-src 'self';"), "{csp}");
    let html = r.text();
    assert!(html.contains("Externe Bilder anzeigen"), "{html}");
    assert!(html.contains(&format!("href=\"?images=1#m-{mid}\"")), "{html}");
    assert!(html.contains("data-remote-src=\"https://bilder.verlag.example/heft.jpg\""));
    assert!(!html.contains(" src=\"https://bilder.verlag.example"));

    let r = b.get(&format!("/cases/{case}?images=1")).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header("content-security-policy");
    assert!(csp.contains("img-src 'self' https: http:"), "{csp}");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = r.text();
    assert!(html.contains("<img src=\"https://bilder.verlag.example/heft.jpg\" alt=\"Titelbild\">"), "{html}");
    assert!(!html.contains("data-remote-src"));
    assert!(!html.contains("Externe Bilder anzeigen"));
    assert!(
        html.contains(&format!("data-timeline-url=\"/cases/{case}/timeline?images=1\"")),
        "live refresh keeps them"
    );

    // The live-refresh fragment follows the same choice.
    let r = b.get(&format!("/cases/{case}/timeline")).await;
    assert!(r.text().contains("data-remote-src=") && r.text().contains("Externe Bilder anzeigen"));
    let r = b.get(&format!("/cases/{case}/timeline?images=1")).await;
    assert!(r.text().contains("<img src=\"https://bilder.verlag.example/heft.jpg\""));

    // Other pages do not allow remote images.
    let r = b.get("/").await;
    assert!(!r.header("content-security-policy").contains("https:"));
}
db_test!(remote_images_only_on_request, remote_images);

// ---------------------------------------------------------------------------------------------
// 11. Text blocks for the composer
// ---------------------------------------------------------------------------------------------

async fn block(t: &TestCore, by: &User, name: &str, category: &str, tone: &str, body: &str) -> TextBlock {
    let input = TextBlockInput {
        name: name.into(),
        category: category.into(),
        language: "de".into(),
        tone: tone.into(),
        body: body.into(),
    };
    t.core.create_text_block(&Actor::User(by.id), &input).await.unwrap()
}

async fn text_blocks_json(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    let sven = person(t, "sven.krause@resonanz.test", "Sven Krause", Role::Supervisor).await;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let sie = block(
        t,
        &sven,
        "dank",
        "Dank",
        "sie",
        "Vielen Dank für Ihre Nachricht, {{contact.name}}. Ihr Anliegen {{case.reference}} bearbeitet {{agent.name}}.",
    )
    .await;
    let du = block(t, &sven, "dank", "Dank", "du", "Danke dir, {{contact.first_name}}!").await;
    block(t, &sven, "adresse", "Kontakt", "sie", "Unsere Anschrift: Funkhausstraße 1, 50667 Köln.").await;
    let (case, _) = erika_case(&app, "Lob für die Sendung", "Ganz toll gemacht!").await;
    let reference = detail(t, case).await.reference;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;

    let r = b.get(&format!("/cases/{case}/text-blocks?q=dank")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.header("content-type").starts_with("application/json"));
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "one variant per name: {list:?}");
    assert_eq!(list[0]["id"], sie.id.to_string(), "the formal variant for a contact not marked informal");
    assert_eq!(list[0]["name"], "dank");
    assert_eq!(list[0]["tone"], "sie");
    assert_eq!(
        list[0]["body"],
        format!("Vielen Dank für Ihre Nachricht, Erika Mustermann. Ihr Anliegen {reference} bearbeitet Anna Schmidt.")
    );

    // The picker names one variant; the one fitting this contact comes back under its name.
    let r = b.get(&format!("/cases/{case}/text-blocks?id={}", du.id)).await;
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], sie.id.to_string());

    let r = b.get(&format!("/cases/{case}/text-blocks?q=anschrift")).await;
    assert_eq!(r.json()[0]["name"], "adresse", "matched by its text");
    let r = b.get(&format!("/cases/{case}/text-blocks?q=gibtsnicht")).await;
    assert_eq!(r.json(), serde_json::json!([]));

    // A block's use is counted when the reply is sent.
    let seen = hidden(&b.get(&format!("/cases/{case}")).await.text(), "seen_message_id");
    let body = list[0]["body"].as_str().unwrap().to_string();
    let used = sie.id.to_string();
    let r = b
        .post(&format!("/cases/{case}/reply"), &[("text", &body), ("used_blocks", &used), ("seen_message_id", &seen)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.core.store.text_block(sie.id).await.unwrap().unwrap().usage_count, 1);
    assert_eq!(t.core.store.text_block(du.id).await.unwrap().unwrap().usage_count, 0);
}
db_test!(text_blocks_for_a_case_come_filled, text_blocks_json);

// ---------------------------------------------------------------------------------------------
// 12. Bulk actions
// ---------------------------------------------------------------------------------------------

async fn bulk(db: Db) {
    let app = App::new(db).await;
    let t = &app.tc;
    person(t, "anna.schmidt@resonanz.test", "Anna Schmidt", Role::Agent).await;
    let (eins, _) = erika_case(&app, "Erste Frage", "Wann kommt die Wiederholung?").await;
    let (zwei, _) = erika_case(&app, "Zweite Frage", "Gibt es Untertitel?").await;
    let (drei, _) = erika_case(&app, "Dritte Frage", "Wo ist die Mediathek?").await;
    let fremd_team = team(t, "Team Süd", &[]).await;
    let (fremd, _) = erika_case(&app, "Vierte Frage", "Und noch etwas.").await;
    set_team(t, fremd, fremd_team).await;
    let mut b = sign_in(&app.router, "anna.schmidt@resonanz.test").await;
    let (eins_s, zwei_s, fremd_s) = (eins.to_string(), zwei.to_string(), fremd.to_string());

    let r = b
        .post(
            "/cases/bulk",
            &[
                ("back", "/?view=all"),
                ("action", "status"),
                ("status", "waiting_on_contact"),
                ("case_ids", &eins_s),
                ("case_ids", &zwei_s),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("2 Anliegen geändert."), "{}", r.text());
    for c in [eins, zwei] {
        assert_eq!(detail(t, c).await.case.status, CaseStatus::WaitingOnContact);
    }
    assert_eq!(detail(t, drei).await.case.status, CaseStatus::New, "not selected, not changed");

    let r = b.post("/cases/bulk", &[("back", "/?view=all"), ("action", "status"), ("status", "resolved")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bitte wählen Sie zuerst Anliegen aus."), "{}", r.text());
    assert_eq!(detail(t, drei).await.case.status, CaseStatus::New);

    let r = b.post("/cases/bulk", &[("back", "/"), ("action", "tag"), ("tag", " "), ("case_ids", &eins_s)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bitte wählen Sie eine Aktion und füllen Sie ihr Feld aus."));

    // A case she may not see is not changed, and the others still are.
    let r = b
        .post(
            "/cases/bulk",
            &[
                ("back", "/?view=all"),
                ("action", "tag"),
                ("tag", "mediathek"),
                ("case_ids", &eins_s),
                ("case_ids", &fremd_s),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("1 Anliegen nicht geändert:"), "{html}");
    assert!(html.contains("Das gibt es nicht (mehr), oder es ist für Sie nicht sichtbar."), "why, in German: {html}");
    assert!(!html.contains("not found"), "{html}");
    assert_eq!(detail(t, eins).await.case.tags, ["mediathek"]);
    assert!(detail(t, fremd).await.case.tags.is_empty());

    // More than a selection is refused as a whole, on the inbox and in German.
    let mut form = vec![("back", "/?view=all"), ("action", "tag"), ("tag", "zu-viel")];
    form.extend(std::iter::repeat_n(("case_ids", eins_s.as_str()), resonanz_core::workspace::MAX_BULK + 1));
    let r = b.post("/cases/bulk", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("flash-error\" role=\"status\">Höchstens 200 Fälle auf einmal.")
            && html.contains("id=\"bulk-form\""),
        "{html}"
    );
    assert_eq!(detail(t, eins).await.case.tags, ["mediathek"], "nothing changed");
}
db_test!(bulk_actions_change_the_selected_cases, bulk);
