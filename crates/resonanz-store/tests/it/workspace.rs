//! The agent workspace: sign-in with lockout, sessions, password change and reset, text blocks,
//! handovers and their acknowledgement, @mentions, inbox views and visibility, presence, saved
//! views and bulk actions.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::admin::token_hash;
use resonanz_core::auth::{LOCKOUT, LoginRefused, NewSession};
use resonanz_core::case::CaseStatus;
use resonanz_core::contact::ContactPatch;
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, TeamId, UserId};
use resonanz_core::jobs::SendSystemMail;
use resonanz_core::mail::MailSource;
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::store::Store;
use resonanz_core::textblocks::{TextBlockInput, Tone};
use resonanz_core::user::{Actor, Role, User};
use resonanz_core::workspace::{BulkAction, InboxQuery, InboxView, PresenceState};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

const PASSWORT: &str = "Sonnenblume-Kaffeetasse-7";
const NEUES_PASSWORT: &str = "Regenschirm-Teekanne-42";
const FALSCH: &str = "Gartenzwerg-Falsch-0";
const LINK_BASE: &str = "https://resonanz.example/";

fn src() -> MailSource {
    MailSource { label: "test".into(), mailbox_id: None }
}

/// A user who can sign in with `password`.
async fn user_with_password(t: &TestCore, email: &str, name: &str, role: Role, password: &str) -> User {
    let hash = resonanz_core::passwords::hash(password).unwrap();
    t.core.create_user(&Actor::System, email, name, role, hash).await.unwrap()
}

/// A user without a usable password (for everything but signing in).
async fn user(t: &TestCore, email: &str, name: &str, role: Role) -> User {
    t.core.create_user(&Actor::System, email, name, role, "!".into()).await.unwrap()
}

/// A new case from a mail; `raw` must differ between the mails of one test.
async fn new_case(t: &TestCore, raw: &str, from: &str, name: &str, subject: &str) -> CaseId {
    let body = format!("Guten Tag, ich habe eine Frage zu: {subject}");
    let r = t.core.ingest_mail(&src(), raw.as_bytes(), Ok(inbound(from, name, subject, &body))).await.unwrap();
    r.case_id.unwrap()
}

async fn login_ok(t: &TestCore, email: &str, password: &str) -> NewSession {
    match t.core.login(email, password, "Firefox 140 (Linux)").await.unwrap() {
        Ok(s) => s,
        Err(refused) => panic!("login of {email} refused: {refused:?}"),
    }
}

async fn login_refused(t: &TestCore, email: &str, password: &str) -> LoginRefused {
    match t.core.login(email, password, "Firefox 140 (Linux)").await.unwrap() {
        Ok(s) => panic!("login of {email} should be refused, got a session for {}", s.user.email),
        Err(refused) => refused,
    }
}

/// The `(field, code)` pairs of a validation error.
fn fields(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Invalid(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn field(name: &str, code: &str) -> Vec<(String, String)> {
    vec![(name.to_string(), code.to_string())]
}

/// Claims the next job, which must be a system mail, and returns it.
async fn claim_system_mail(t: &TestCore) -> SendSystemMail {
    let job = t.store.claim_job(t.clock.now()).await.unwrap().expect("a queued system mail");
    assert_eq!(job.name, "send_system_mail");
    let mail: SendSystemMail = job.decode().unwrap();
    t.store.complete_job(job.id, t.clock.now()).await.unwrap();
    mail
}

/// The reset secret: the last path segment of the link in the mail.
fn reset_secret(mail: &SendSystemMail) -> String {
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.starts_with("https://resonanz.example/"))
        .unwrap_or_else(|| panic!("no reset link in {:?}", mail.text));
    assert!(link.starts_with("https://resonanz.example/password/reset/"), "link {link}");
    link.rsplit('/').next().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// Signing in

async fn login_gives_a_session_and_locks_after_five_failures(db: Db) {
    let t = TestCore::new(db).await;
    let berta = user_with_password(&t, "berta.beispiel@resonanz.test", "Berta Beispiel", Role::Agent, PASSWORT).await;

    // Address case and surrounding spaces do not matter.
    let s = login_ok(&t, " Berta.Beispiel@Resonanz.test", PASSWORT).await;
    assert_eq!(s.user.id, berta.id);
    assert_eq!(s.session.user_id, berta.id);
    assert_ne!(s.secret, s.session.id_sha256, "only the hash of the secret is kept");
    assert_eq!(s.session.id_sha256, token_hash(&s.secret));
    let (who, session) = t.core.session_user(&s.secret).await.unwrap().expect("a live session");
    assert_eq!(who.id, berta.id);
    assert_eq!(session.user_agent, "Firefox 140 (Linux)");
    assert!(t.core.session_user(&s.session.id_sha256).await.unwrap().is_none(), "the hash is no secret");
    assert!(t.core.session_user("gibt-es-nicht").await.unwrap().is_none());

    // Four failures, then the right password: signed in, and the counter starts again.
    for _ in 0..4 {
        assert_eq!(login_refused(&t, "berta.beispiel@resonanz.test", FALSCH).await, LoginRefused::BadCredentials);
    }
    assert_eq!(t.store.user(berta.id).await.unwrap().unwrap().failed_logins, 4);
    login_ok(&t, "berta.beispiel@resonanz.test", PASSWORT).await;
    assert_eq!(t.store.user(berta.id).await.unwrap().unwrap().failed_logins, 0);

    // Four more failures do not lock (the counter was reset); the fifth in a row does.
    for _ in 0..4 {
        assert_eq!(login_refused(&t, "berta.beispiel@resonanz.test", FALSCH).await, LoginRefused::BadCredentials);
    }
    let locked_at = t.clock.now();
    assert_eq!(
        login_refused(&t, "berta.beispiel@resonanz.test", FALSCH).await,
        LoginRefused::Locked { until: locked_at + LOCKOUT }
    );
    // While locked even the right password is refused.
    t.clock.advance(Duration::minutes(1));
    assert_eq!(
        login_refused(&t, "berta.beispiel@resonanz.test", PASSWORT).await,
        LoginRefused::Locked { until: locked_at + LOCKOUT }
    );
    t.clock.advance(Duration::minutes(13));
    assert!(matches!(login_refused(&t, "berta.beispiel@resonanz.test", PASSWORT).await, LoginRefused::Locked { .. }));
    let events = t.store.subject_events("user", &berta.id.to_string()).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "user.locked").count(), 1);

    // 16 minutes after the lock: the right password works again and lifts the lock.
    t.clock.advance(Duration::minutes(2));
    let again = login_ok(&t, "berta.beispiel@resonanz.test", PASSWORT).await;
    assert_eq!(again.user.id, berta.id);
    let stored = t.store.user(berta.id).await.unwrap().unwrap();
    assert_eq!((stored.failed_logins, stored.locked_until), (0, None));
}
db_test!(login_gives_a_session_and_locks_after_five_failures, login_gives_a_session_and_locks_after_five_failures);

async fn login_refuses_unknown_addresses_and_deactivated_users(db: Db) {
    let t = TestCore::new(db).await;
    let carl = user_with_password(&t, "carl.clausen@resonanz.test", "Carl Clausen", Role::Agent, PASSWORT).await;
    assert_eq!(login_refused(&t, "niemand@resonanz.test", PASSWORT).await, LoginRefused::BadCredentials);
    assert_eq!(login_refused(&t, "", "").await, LoginRefused::BadCredentials);
    // The placeholder hash of the test agent never matches anything.
    assert_eq!(login_refused(&t, &t.agent.email, "!").await, LoginRefused::BadCredentials);

    let s = login_ok(&t, "carl.clausen@resonanz.test", PASSWORT).await;
    let mut tx = t.store.begin().await.unwrap();
    let mut u = tx.user(carl.id).await.unwrap().unwrap();
    u.active = false;
    tx.update_user(&u).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!t.store.user(carl.id).await.unwrap().unwrap().active);

    assert_eq!(login_refused(&t, "carl.clausen@resonanz.test", PASSWORT).await, LoginRefused::BadCredentials);
    assert!(t.core.session_user(&s.secret).await.unwrap().is_none(), "a deactivated user's session is dead");
    // Refusals of an inactive account do not count towards a lockout of it.
    assert_eq!(t.store.user(carl.id).await.unwrap().unwrap().failed_logins, 0);
}
db_test!(login_refuses_unknown_addresses_and_deactivated_users, login_refuses_unknown_addresses_and_deactivated_users);

// ---------------------------------------------------------------------------------------------
// Sessions

async fn sessions_expire_when_idle(db: Db) {
    let t = TestCore::new(db).await;
    user_with_password(&t, "dora.dietrich@resonanz.test", "Dora Dietrich", Role::Agent, PASSWORT).await;
    let s = login_ok(&t, "dora.dietrich@resonanz.test", PASSWORT).await;

    // Each request within 12 hours keeps the session alive and moves last_seen_at.
    t.clock.advance(Duration::hours(11));
    let (_, seen) = t.core.session_user(&s.secret).await.unwrap().expect("alive after 11 h");
    assert_eq!(seen.last_seen_at, t.clock.now());
    assert_eq!(t.store.session(&token_hash(&s.secret)).await.unwrap().unwrap().last_seen_at, t.clock.now());
    t.clock.advance(Duration::hours(11));
    assert!(t.core.session_user(&s.secret).await.unwrap().is_some(), "touched 11 h ago: alive");

    t.clock.advance(Duration::hours(13));
    assert!(t.core.session_user(&s.secret).await.unwrap().is_none(), "13 h idle: expired");
    assert!(t.store.session(&token_hash(&s.secret)).await.unwrap().is_none(), "an expired session is deleted");
}
db_test!(sessions_expire_when_idle, sessions_expire_when_idle);

async fn sessions_end_after_fourteen_days_however_active(db: Db) {
    let t = TestCore::new(db).await;
    user_with_password(&t, "emil.ernst@resonanz.test", "Emil Ernst", Role::Agent, PASSWORT).await;
    let s = login_ok(&t, "emil.ernst@resonanz.test", PASSWORT).await;
    let start = t.clock.now();
    let mut alive_until = start;
    loop {
        t.clock.advance(Duration::hours(11));
        match t.core.session_user(&s.secret).await.unwrap() {
            Some(_) => alive_until = t.clock.now(),
            None => break,
        }
        assert!(t.clock.now() - start < Duration::days(15), "the session outlived its 14 days");
    }
    // 30 × 11 h = 330 h < 14 days = 336 h < 31 × 11 h.
    assert_eq!(alive_until - start, Duration::hours(330));
    assert!(t.clock.now() - start >= Duration::days(14));
    assert!(t.store.session(&token_hash(&s.secret)).await.unwrap().is_none());
}
db_test!(sessions_end_after_fourteen_days_however_active, sessions_end_after_fourteen_days_however_active);

async fn logout_and_logout_everywhere(db: Db) {
    let t = TestCore::new(db).await;
    let frida = user_with_password(&t, "frida.fuchs@resonanz.test", "Frida Fuchs", Role::Agent, PASSWORT).await;
    user_with_password(&t, "gustav.graf@resonanz.test", "Gustav Graf", Role::Agent, PASSWORT).await;

    let single = login_ok(&t, "frida.fuchs@resonanz.test", PASSWORT).await;
    t.core.logout(&single.secret).await.unwrap();
    assert!(t.core.session_user(&single.secret).await.unwrap().is_none());
    assert!(t.store.session(&token_hash(&single.secret)).await.unwrap().is_none());

    let laptop = login_ok(&t, "frida.fuchs@resonanz.test", PASSWORT).await;
    let phone = login_ok(&t, "frida.fuchs@resonanz.test", PASSWORT).await;
    let tablet = login_ok(&t, "frida.fuchs@resonanz.test", PASSWORT).await;
    let other = login_ok(&t, "gustav.graf@resonanz.test", PASSWORT).await;
    assert_eq!(t.core.logout_everywhere(frida.id, Some(&laptop.secret)).await.unwrap(), 2);
    assert!(t.core.session_user(&laptop.secret).await.unwrap().is_some(), "the kept session stays");
    assert!(t.core.session_user(&phone.secret).await.unwrap().is_none());
    assert!(t.core.session_user(&tablet.secret).await.unwrap().is_none());
    assert!(t.core.session_user(&other.secret).await.unwrap().is_some(), "another user's session stays");
    let events = t.store.subject_events("user", &frida.id.to_string()).await.unwrap();
    assert!(events.iter().any(|e| e.action == "user.sessions_ended"));

    assert_eq!(t.core.logout_everywhere(frida.id, None).await.unwrap(), 1);
    assert!(t.core.session_user(&laptop.secret).await.unwrap().is_none());
    assert!(t.core.session_user(&other.secret).await.unwrap().is_some());
}
db_test!(logout_and_logout_everywhere, logout_and_logout_everywhere);

// ---------------------------------------------------------------------------------------------
// Password change and reset

async fn change_password_checks_and_ends_other_sessions(db: Db) {
    let t = TestCore::new(db).await;
    let hanna = user_with_password(&t, "hanna.horn@resonanz.test", "Hanna Horn", Role::Agent, PASSWORT).await;
    let here = login_ok(&t, "hanna.horn@resonanz.test", PASSWORT).await;
    let elsewhere = login_ok(&t, "hanna.horn@resonanz.test", PASSWORT).await;

    let err = t.core.change_password(hanna.id, FALSCH, NEUES_PASSWORT, Some(&here.secret)).await.unwrap_err();
    assert_eq!(fields(err), field("current_password", "wrong_password"));
    let err = t.core.change_password(hanna.id, PASSWORT, "kurz", Some(&here.secret)).await.unwrap_err();
    assert_eq!(fields(err), field("new_password", "too_short"));
    // Nothing changed by the refusals.
    assert!(t.core.session_user(&elsewhere.secret).await.unwrap().is_some());
    login_ok(&t, "hanna.horn@resonanz.test", PASSWORT).await;

    t.core.change_password(hanna.id, PASSWORT, NEUES_PASSWORT, Some(&here.secret)).await.unwrap();
    assert!(t.core.session_user(&here.secret).await.unwrap().is_some(), "the session that changed it stays");
    assert!(t.core.session_user(&elsewhere.secret).await.unwrap().is_none(), "every other session ends");
    assert_eq!(login_refused(&t, "hanna.horn@resonanz.test", PASSWORT).await, LoginRefused::BadCredentials);
    login_ok(&t, "hanna.horn@resonanz.test", NEUES_PASSWORT).await;
    let events = t.store.subject_events("user", &hanna.id.to_string()).await.unwrap();
    assert!(events.iter().any(|e| e.action == "user.password_changed"));
}
db_test!(change_password_checks_and_ends_other_sessions, change_password_checks_and_ends_other_sessions);

async fn password_reset_mails_a_link_that_works_once(db: Db) {
    let t = TestCore::new(db).await;
    let ida = user_with_password(&t, "ida.imhof@resonanz.test", "Ida Imhof", Role::Agent, PASSWORT).await;
    let session = login_ok(&t, "ida.imhof@resonanz.test", PASSWORT).await;

    // An unknown address: the same answer, but nothing is mailed.
    t.core.request_password_reset("unbekannt@resonanz.test", LINK_BASE).await.unwrap();
    assert_eq!(t.store.job_counts().await.unwrap().queued, 0);
    assert!(t.store.claim_job(t.clock.now()).await.unwrap().is_none());

    t.core.request_password_reset("  IDA.Imhof@resonanz.test ", LINK_BASE).await.unwrap();
    assert_eq!(t.store.job_counts().await.unwrap().queued, 1);
    let mail = claim_system_mail(&t).await;
    assert_eq!(mail.to, "ida.imhof@resonanz.test");
    assert_eq!(mail.subject, "Resonanz: Passwort zurücksetzen");
    assert!(mail.text.starts_with("Hallo Ida,"), "{}", mail.text);
    let secret = reset_secret(&mail);
    assert_eq!(secret.len(), 64);
    assert!(!mail.text.contains("//password"), "the base's trailing slash is not doubled");

    assert!(t.core.password_reset_valid(&secret).await.unwrap());
    assert!(!t.core.password_reset_valid("0000").await.unwrap());
    assert!(!t.core.password_reset_valid(&token_hash(&secret)).await.unwrap(), "the stored hash is no token");
    let stored = t.store.password_reset(&token_hash(&secret)).await.unwrap().unwrap();
    assert_eq!((stored.user_id, stored.used_at), (ida.id, None));
    assert_eq!(stored.expires_at, t.clock.now() + Duration::hours(1));

    // A too short password keeps the token usable.
    let err = t.core.reset_password(&secret, "kurz").await.unwrap_err();
    assert_eq!(fields(err), field("new_password", "too_short"));
    assert!(t.core.password_reset_valid(&secret).await.unwrap());

    t.clock.advance(Duration::minutes(10));
    let u = t.core.reset_password(&secret, NEUES_PASSWORT).await.unwrap();
    assert_eq!(u.id, ida.id);
    assert!(!t.core.password_reset_valid(&secret).await.unwrap(), "used up");
    assert_eq!(t.store.password_reset(&token_hash(&secret)).await.unwrap().unwrap().used_at, Some(t.clock.now()));
    let err = t.core.reset_password(&secret, "Noch-ein-Passwort-99").await.unwrap_err();
    assert_eq!(fields(err), field("token", "invalid_token"));

    assert!(t.core.session_user(&session.secret).await.unwrap().is_none(), "a reset ends every session");
    assert_eq!(login_refused(&t, "ida.imhof@resonanz.test", PASSWORT).await, LoginRefused::BadCredentials);
    assert_eq!(
        login_refused(&t, "ida.imhof@resonanz.test", "Noch-ein-Passwort-99").await,
        LoginRefused::BadCredentials,
        "the second use did not set its password"
    );
    login_ok(&t, "ida.imhof@resonanz.test", NEUES_PASSWORT).await;
}
db_test!(password_reset_mails_a_link_that_works_once, password_reset_mails_a_link_that_works_once);

async fn a_used_reset_link_spends_the_others(db: Db) {
    let t = TestCore::new(db).await;
    let email = "jana.jung@resonanz.test";
    let hash = resonanz_core::passwords::hash("altes-passwort-1").unwrap();
    t.core.create_user(&Actor::System, email, "Jana Jung", Role::Agent, hash).await.unwrap();
    t.core.request_password_reset(email, "https://resonanz.example").await.unwrap();
    let first = reset_secret(&claim_system_mail(&t).await);
    t.core.request_password_reset(email, "https://resonanz.example").await.unwrap();
    let second = reset_secret(&claim_system_mail(&t).await);
    assert!(t.core.password_reset_valid(&first).await.unwrap() && t.core.password_reset_valid(&second).await.unwrap());
    t.core.reset_password(&second, "neues-passwort-2").await.unwrap();
    assert!(!t.core.password_reset_valid(&first).await.unwrap(), "the older link is spent too");
    assert!(t.core.reset_password(&first, "noch-ein-passwort-3").await.is_err());
}
db_test!(a_used_reset_link_spends_the_others, a_used_reset_link_spends_the_others);

async fn password_reset_link_expires_and_lifts_a_lockout(db: Db) {
    let t = TestCore::new(db).await;
    user_with_password(&t, "jakob.jung@resonanz.test", "Jakob Jung", Role::Agent, PASSWORT).await;

    t.core.request_password_reset("jakob.jung@resonanz.test", LINK_BASE).await.unwrap();
    let old = reset_secret(&claim_system_mail(&t).await);
    t.clock.advance(Duration::minutes(59));
    assert!(t.core.password_reset_valid(&old).await.unwrap(), "valid within the hour");
    t.clock.advance(Duration::minutes(61));
    assert!(!t.core.password_reset_valid(&old).await.unwrap(), "two hours later: expired");
    let err = t.core.reset_password(&old, NEUES_PASSWORT).await.unwrap_err();
    assert_eq!(fields(err), field("token", "invalid_token"));
    login_ok(&t, "jakob.jung@resonanz.test", PASSWORT).await;

    // Locked out, the user asks for a new link; the reset lets them in at once.
    for _ in 0..5 {
        login_refused(&t, "jakob.jung@resonanz.test", FALSCH).await;
    }
    assert!(matches!(login_refused(&t, "jakob.jung@resonanz.test", PASSWORT).await, LoginRefused::Locked { .. }));
    t.core.request_password_reset("jakob.jung@resonanz.test", LINK_BASE).await.unwrap();
    let fresh = reset_secret(&claim_system_mail(&t).await);
    assert_ne!(fresh, old);
    t.core.reset_password(&fresh, NEUES_PASSWORT).await.unwrap();
    login_ok(&t, "jakob.jung@resonanz.test", NEUES_PASSWORT).await;
}
db_test!(password_reset_link_expires_and_lifts_a_lockout, password_reset_link_expires_and_lifts_a_lockout);

async fn a_reset_link_cannot_be_used_twice_at_once(db: Db) {
    let t = TestCore::new(db).await;
    user_with_password(&t, "klara.kunz@resonanz.test", "Klara Kunz", Role::Agent, PASSWORT).await;
    t.core.request_password_reset("klara.kunz@resonanz.test", LINK_BASE).await.unwrap();
    let secret = reset_secret(&claim_system_mail(&t).await);

    // Two browser tabs submit the same link at the same moment.
    let tasks: Vec<_> = ["Erstes-Passwort-111", "Zweites-Passwort-222"]
        .into_iter()
        .map(|pw| {
            let core = t.core.clone();
            let secret = secret.clone();
            tokio::spawn(async move { core.reset_password(&secret, pw).await.is_ok() })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        succeeded += usize::from(task.await.unwrap());
    }
    assert_eq!(succeeded, 1, "a reset token works once, also when used twice at the same time");
}
db_test!(a_reset_link_cannot_be_used_twice_at_once, a_reset_link_cannot_be_used_twice_at_once);

// ---------------------------------------------------------------------------------------------
// Text blocks

fn block(name: &str, tone: &str, body: &str) -> TextBlockInput {
    TextBlockInput {
        name: name.into(),
        category: "Dank".into(),
        language: "de".into(),
        tone: tone.into(),
        body: body.into(),
    }
}

async fn only_supervisors_and_admins_edit_text_blocks(db: Db) {
    let t = TestCore::new(db).await;
    let lena = user(&t, "lena.lang@resonanz.test", "Lena Lang", Role::Supervisor).await;
    let admin = user(&t, "admin@resonanz.test", "Marta Admin", Role::Admin).await;
    let agent = Actor::User(t.agent.id);

    let input = block("dank", "sie", "Vielen Dank für Ihre Nachricht, {{contact.name}}.");
    assert!(matches!(t.core.create_text_block(&agent, &input).await, Err(CoreError::Forbidden(_))));
    assert!(t.store.text_blocks(None, None).await.unwrap().is_empty());

    let sie = t.core.create_text_block(&Actor::User(lena.id), &input).await.unwrap();
    assert_eq!((sie.name.as_str(), sie.tone, sie.usage_count), ("dank", Tone::Sie, 0));
    assert_eq!(t.store.text_block(sie.id).await.unwrap().unwrap(), sie);
    let du = t
        .core
        .create_text_block(&Actor::User(admin.id), &block("Dank", "du", "Danke dir, {{contact.first_name}}!"))
        .await
        .unwrap();
    assert_eq!(du.name, "dank", "names are stored lower-case");

    // The same name, language and tone again (in other letter case) is refused.
    let err = t.core.create_text_block(&Actor::User(admin.id), &block("DANK", "sie", "Nochmal danke.")).await;
    assert_eq!(fields(err.unwrap_err()), field("name", "taken"));
    // English is another variant.
    let en = TextBlockInput { language: "en".into(), body: "Thank you, {{contact.name}}.".into(), ..input.clone() };
    t.core.create_text_block(&Actor::User(lena.id), &en).await.unwrap();

    let err = t
        .core
        .create_text_block(&Actor::User(lena.id), &block("gruss", "sie", "Hallo {{kunde.vorname}}, schönen Tag!"))
        .await
        .unwrap_err();
    assert_eq!(fields(err), field("body", "unknown_placeholder"));
    assert_eq!(t.store.text_blocks(None, None).await.unwrap().len(), 3);

    // Changing and deleting: the same rule.
    let changed = block("dank", "sie", "Herzlichen Dank, {{contact.name}}!");
    assert!(matches!(t.core.update_text_block(&agent, sie.id, &changed).await, Err(CoreError::Forbidden(_))));
    assert!(matches!(t.core.delete_text_block(&agent, sie.id).await, Err(CoreError::Forbidden(_))));
    t.clock.advance(Duration::minutes(3));
    let updated = t.core.update_text_block(&Actor::User(lena.id), sie.id, &changed).await.unwrap();
    let stored = t.store.text_block(sie.id).await.unwrap().unwrap();
    assert_eq!(stored.body, "Herzlichen Dank, {{contact.name}}!");
    assert_eq!((stored.created_at, stored.updated_at), (sie.created_at, t.clock.now()));
    assert_eq!(stored, updated);
    // Changing a variant into one that exists is refused too, and changes nothing.
    assert!(t.core.update_text_block(&Actor::User(lena.id), du.id, &changed).await.is_err());
    assert_eq!(t.store.text_block(du.id).await.unwrap().unwrap().tone, Tone::Du);

    t.core.delete_text_block(&Actor::User(admin.id), sie.id).await.unwrap();
    assert!(t.store.text_block(sie.id).await.unwrap().is_none());
    assert!(matches!(t.core.delete_text_block(&Actor::User(admin.id), sie.id).await, Err(CoreError::NotFound(_))));
    let actions: Vec<_> = t
        .store
        .subject_events("text_block", &sie.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["text_block.created", "text_block.updated", "text_block.deleted"]);
}
db_test!(only_supervisors_and_admins_edit_text_blocks, only_supervisors_and_admins_edit_text_blocks);

async fn reference(t: &TestCore, id: CaseId) -> String {
    t.store.case(id).await.unwrap().unwrap().reference()
}

async fn text_blocks_for_a_case_fit_the_contact_and_count_their_use(db: Db) {
    let t = TestCore::new(db).await;
    let lena = Actor::User(user(&t, "lena.lang@resonanz.test", "Lena Lang", Role::Supervisor).await.id);
    let sie = t
        .core
        .create_text_block(
            &lena,
            &block(
                "dank",
                "sie",
                "Sehr geehrte/r {{contact.name}}, vielen Dank für Ihre Nachricht zu {{case.reference}}.",
            ),
        )
        .await
        .unwrap();
    let du = t
        .core
        .create_text_block(
            &lena,
            &block("dank", "du", "Hallo {{contact.first_name}}, danke für deine Nachricht zu {{case.reference}}!"),
        )
        .await
        .unwrap();
    let rueckruf = t
        .core
        .create_text_block(
            &lena,
            &TextBlockInput {
                category: "Rückruf".into(),
                ..block("rueckruf", "sie", "{{agent.first_name}} ruft Sie morgen zurück ({{team.name}}).")
            },
        )
        .await
        .unwrap();

    let informal = new_case(&t, "1", "jana.krueger@example.de", "Jana Krüger", "Lob für die Sendung").await;
    let contact_id = t.store.case(informal).await.unwrap().unwrap().contact_id;
    let patch = ContactPatch { address_form: Some("informal".into()), ..Default::default() };
    t.core.update_contact(&Actor::User(t.agent.id), contact_id, patch).await.unwrap();
    let formal = new_case(&t, "2", "h.schulz@example.de", "Herbert Schulz", "Beschwerde").await;

    let found = t.core.text_blocks_for_case(informal, &t.agent, "da", 10).await.unwrap();
    assert_eq!(found.len(), 1, "one variant per name, only names starting with the query: {found:?}");
    assert_eq!(found[0].id, du.id);
    assert_eq!(found[0].body, format!("Hallo Jana, danke für deine Nachricht zu {}!", reference(&t, informal).await));

    let found = t.core.text_blocks_for_case(formal, &t.agent, "DANK", 10).await.unwrap();
    assert_eq!(found.iter().map(|b| b.id).collect::<Vec<_>>(), vec![sie.id]);
    assert_eq!(
        found[0].body,
        format!("Sehr geehrte/r Herbert Schulz, vielen Dank für Ihre Nachricht zu {}.", reference(&t, formal).await)
    );

    // A prefix of another name; its only variant is taken even if the tone does not fit. A
    // placeholder without a value (no team) stays visible.
    let found = t.core.text_blocks_for_case(informal, &t.agent, "rue", 10).await.unwrap();
    assert_eq!(found.iter().map(|b| b.id).collect::<Vec<_>>(), vec![rueckruf.id]);
    assert_eq!(found[0].body, "Anna ruft Sie morgen zurück ({{team.name}}).");
    // The category matches too, after the names.
    let found = t.core.text_blocks_for_case(informal, &t.agent, "Rück", 10).await.unwrap();
    assert_eq!(found.iter().map(|b| b.id).collect::<Vec<_>>(), vec![rueckruf.id]);
    assert!(t.core.text_blocks_for_case(informal, &t.agent, "Kündigung", 10).await.unwrap().is_empty());

    let all = t.core.text_blocks_for_case(informal, &t.agent, "", 10).await.unwrap();
    assert_eq!(all.iter().map(|b| b.id).collect::<Vec<_>>(), vec![du.id, rueckruf.id]);
    assert_eq!(t.core.text_blocks_for_case(informal, &t.agent, "", 1).await.unwrap().len(), 1);

    // Replying with the block counts its use, only for that variant.
    let reply = ReplyInput { text: all[0].body.clone(), text_blocks: vec![du.id], ..Default::default() };
    t.core.reply(informal, t.agent.id, reply).await.unwrap();
    assert_eq!(t.store.text_block(du.id).await.unwrap().unwrap().usage_count, 1);
    assert_eq!(t.store.text_block(sie.id).await.unwrap().unwrap().usage_count, 0);
    let reply =
        ReplyInput { text: "Nochmals danke!".into(), text_blocks: vec![du.id, rueckruf.id], ..Default::default() };
    t.core.reply(informal, t.agent.id, reply).await.unwrap();
    assert_eq!(t.store.text_block(du.id).await.unwrap().unwrap().usage_count, 2);
    assert_eq!(t.store.text_block(rueckruf.id).await.unwrap().unwrap().usage_count, 1);
}
db_test!(
    text_blocks_for_a_case_fit_the_contact_and_count_their_use,
    text_blocks_for_a_case_fit_the_contact_and_count_their_use
);

// ---------------------------------------------------------------------------------------------
// Handovers and notifications

async fn a_handover_waits_for_the_recipients_acknowledgement(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;
    let carla = user(&t, "carla.conrad@resonanz.test", "Carla Conrad", Role::Supervisor).await;
    let id = new_case(&t, "1", "k.meier@example.de", "Klaus Meier", "Rückruf erbeten").await;

    t.core.assign(id, anna.id, Some(bert.id), "Kunde möchte Rückruf am Nachmittag").await.unwrap();
    let handed_at = t.clock.now();
    let hs = t.store.case_handovers(id).await.unwrap();
    assert_eq!(hs.len(), 1);
    let h = &hs[0];
    assert_eq!((h.from_user_id, h.to_user_id, h.by_user_id), (None, Some(bert.id), anna.id));
    assert_eq!(h.note, "Kunde möchte Rückruf am Nachmittag");
    assert_eq!((h.created_at, h.acknowledged_at), (handed_at, None));

    let ns = t.store.notifications(bert.id, 10).await.unwrap();
    assert_eq!(ns.len(), 1);
    assert_eq!((ns[0].kind.as_str(), ns[0].case_id, ns[0].actor_user_id), ("handover", Some(id), Some(anna.id)));
    assert!(ns[0].body.contains("Kunde möchte Rückruf am Nachmittag"), "{}", ns[0].body);
    assert_eq!(ns[0].read_at, None);
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 1);
    assert_eq!(t.store.unread_notifications(anna.id).await.unwrap(), 0);
    assert!(t.store.notifications(anna.id, 10).await.unwrap().is_empty());

    // Only the recipient acknowledges: not the one who handed over, not a supervisor.
    assert!(matches!(t.core.acknowledge_handover(id, anna.id).await, Err(CoreError::Forbidden(_))));
    assert!(matches!(t.core.acknowledge_handover(id, carla.id).await, Err(CoreError::Forbidden(_))));
    assert_eq!(t.store.case_handovers(id).await.unwrap()[0].acknowledged_at, None);

    t.clock.advance(Duration::minutes(7));
    t.core.acknowledge_handover(id, bert.id).await.unwrap();
    let hs = t.store.case_handovers(id).await.unwrap();
    assert_eq!(hs[0].acknowledged_at, Some(t.clock.now()));
    assert!(matches!(t.core.acknowledge_handover(id, bert.id).await, Err(CoreError::Conflict(_))));
    let actions: Vec<_> = t.core.case_detail(id).await.unwrap().events.into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"case.handover_acknowledged".to_string()), "{actions:?}");
}
db_test!(a_handover_waits_for_the_recipients_acknowledgement, a_handover_waits_for_the_recipients_acknowledgement);

async fn self_take_is_acknowledged_and_a_new_handover_supersedes_an_open_one(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;
    let carla = user(&t, "carla.conrad@resonanz.test", "Carla Conrad", Role::Agent).await;

    // Taking an unowned case oneself: acknowledged at once, nobody notified.
    let taken = new_case(&t, "1", "p.paul@example.de", "Paula Paul", "Adressänderung").await;
    t.core.assign(taken, anna.id, Some(anna.id), "").await.unwrap();
    let hs = t.store.case_handovers(taken).await.unwrap();
    assert_eq!(hs.len(), 1);
    assert_eq!((hs[0].from_user_id, hs[0].to_user_id), (None, Some(anna.id)));
    assert_eq!(hs[0].acknowledged_at, Some(t.clock.now()));
    assert_eq!(t.store.unread_notifications(anna.id).await.unwrap(), 0);
    assert!(matches!(t.core.acknowledge_handover(taken, anna.id).await, Err(CoreError::Conflict(_))));

    // Handed to Bert, then — before Bert acknowledged — on to Carla.
    let id = new_case(&t, "2", "r.roth@example.de", "Rita Roth", "Frage zum Gewinnspiel").await;
    t.core.assign(id, anna.id, Some(bert.id), "Bitte Gewinnspielregeln prüfen").await.unwrap();
    t.clock.advance(Duration::minutes(5));
    t.core.assign(id, anna.id, Some(carla.id), "Doch lieber Carla, sie betreut das Gewinnspiel").await.unwrap();
    let hs = t.store.case_handovers(id).await.unwrap();
    assert_eq!(hs.len(), 2);
    assert_eq!(hs[0].to_user_id, Some(bert.id));
    assert_eq!(hs[0].acknowledged_at, Some(t.clock.now()), "superseded by the second handover");
    assert_eq!((hs[1].from_user_id, hs[1].to_user_id), (Some(bert.id), Some(carla.id)));
    assert_eq!(hs[1].acknowledged_at, None);
    assert!(matches!(t.core.acknowledge_handover(id, bert.id).await, Err(CoreError::Forbidden(_))));
    t.core.acknowledge_handover(id, carla.id).await.unwrap();
    assert!(t.store.case_handovers(id).await.unwrap().iter().all(|h| h.acknowledged_at.is_some()));
    assert_eq!(t.store.unread_notifications(carla.id).await.unwrap(), 1);
}
db_test!(
    self_take_is_acknowledged_and_a_new_handover_supersedes_an_open_one,
    self_take_is_acknowledged_and_a_new_handover_supersedes_an_open_one
);

async fn mentions_in_notes_notify_the_mentioned(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;
    let carla = user(&t, "carla.conrad@resonanz.test", "Carla Conrad", Role::Agent).await;
    let id = new_case(&t, "1", "s.sommer@example.de", "Sina Sommer", "Untertitel fehlen").await;
    let reference = t.store.case(id).await.unwrap().unwrap().reference();

    // The author mentioning herself is not notified; an address is no mention.
    t.core
        .add_note(id, anna.id, "@bert.berger kannst du das prüfen? Kopie an @anna.agentin, Kundin: x@carla.conrad")
        .await
        .unwrap();
    let ns = t.store.notifications(bert.id, 10).await.unwrap();
    assert_eq!(ns.len(), 1);
    assert_eq!((ns[0].kind.as_str(), ns[0].case_id, ns[0].actor_user_id), ("mention", Some(id), Some(anna.id)));
    assert!(ns[0].body.starts_with(&reference), "{}", ns[0].body);
    assert!(ns[0].body.contains("kannst du das prüfen?"), "{}", ns[0].body);
    assert_eq!(t.store.unread_notifications(anna.id).await.unwrap(), 0);
    assert_eq!(t.store.unread_notifications(carla.id).await.unwrap(), 0);

    t.clock.advance(Duration::minutes(1));
    t.core.add_note(id, carla.id, "Erledigt, @Bert.Berger.").await.unwrap();
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 2);
    let ns = t.store.notifications(bert.id, 10).await.unwrap();
    assert_eq!(ns[0].actor_user_id, Some(carla.id), "newest first");
    assert_eq!(t.store.notifications(bert.id, 1).await.unwrap().len(), 1);

    // Marking one read by id, then all.
    let now = t.clock.now();
    t.store.mark_notifications_read(bert.id, Some(&[ns[1].id]), now).await.unwrap();
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 1);
    t.store.mark_notifications_read(bert.id, Some(&[]), now).await.unwrap();
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 1);
    t.store.mark_notifications_read(anna.id, None, now).await.unwrap();
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 1, "another user's marks do not count");
    t.store.mark_notifications_read(bert.id, None, now).await.unwrap();
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 0);
    assert!(t.store.notifications(bert.id, 10).await.unwrap().iter().all(|n| n.read_at == Some(now)));
}
db_test!(mentions_in_notes_notify_the_mentioned, mentions_in_notes_notify_the_mentioned);

// ---------------------------------------------------------------------------------------------
// Inbox views and visibility

async fn view_ids(t: &TestCore, user: &User, view: InboxView) -> Vec<CaseId> {
    let page = t.core.inbox(user, &InboxQuery { view: Some(view), ..Default::default() }).await.unwrap();
    let mut ids: Vec<_> = page.items.iter().map(|r| r.case.id).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<CaseId>) -> Vec<CaseId> {
    ids.sort();
    ids
}

async fn set_team(t: &TestCore, by: &Actor, id: CaseId, team: TeamId) {
    let patch = CasePatch { team_id: Some(Some(team)), ..Default::default() };
    t.core.update_case(id, by, patch).await.unwrap();
}

async fn inbox_views_show_what_an_agent_may_see(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "marta.admin@resonanz.test", "Marta Admin", Role::Admin).await;
    let anna = t.agent.clone();
    let by_admin = Actor::User(admin.id);
    let team_a = t.core.create_team(&by_admin, "Kinderredaktion", &[anna.id]).await.unwrap().team.id;
    let team_b = t.core.create_team(&by_admin, "Sportredaktion", &[admin.id]).await.unwrap().team.id;

    let a = new_case(&t, "1", "eltern@example.de", "Familie Vogel", "Sendung mit der Maus").await;
    set_team(&t, &by_admin, a, team_a).await;
    t.clock.advance(Duration::minutes(1));
    let b = new_case(&t, "2", "fan@example.de", "Olaf Fan", "Bundesliga-Übertragung").await;
    set_team(&t, &by_admin, b, team_b).await;
    t.clock.advance(Duration::minutes(1));
    let none = new_case(&t, "3", "zuschauer@example.de", "Uwe Zuschauer", "Empfang gestört").await;
    t.clock.advance(Duration::minutes(1));
    // Team B's, but owned by Anna: she sees it.
    let owned = new_case(&t, "4", "trainer@example.de", "Tina Trainer", "Interviewanfrage").await;
    set_team(&t, &by_admin, owned, team_b).await;
    t.core.assign(owned, admin.id, Some(anna.id), "Anna kennt die Trainerin").await.unwrap();

    assert_eq!(view_ids(&t, &anna, InboxView::All).await, sorted(vec![a, none, owned]));
    assert_eq!(view_ids(&t, &admin, InboxView::All).await, sorted(vec![a, b, none, owned]));
    assert_eq!(view_ids(&t, &anna, InboxView::Mine).await, vec![owned]);
    assert_eq!(view_ids(&t, &anna, InboxView::Unowned).await, sorted(vec![a, none]));
    assert_eq!(view_ids(&t, &admin, InboxView::Unowned).await, sorted(vec![a, b, none]));
    assert_eq!(view_ids(&t, &anna, InboxView::Teams).await, vec![a]);
    assert_eq!(view_ids(&t, &admin, InboxView::Teams).await, sorted(vec![b, owned]));
    assert!(view_ids(&t, &anna, InboxView::Waiting).await.is_empty());
    assert!(view_ids(&t, &anna, InboxView::Escalated).await.is_empty());

    // Waiting on the contact: out of the actionable views, into Waiting.
    let patch = CasePatch { status: Some(CaseStatus::WaitingOnContact), ..Default::default() };
    t.core.update_case(none, &Actor::User(anna.id), patch).await.unwrap();
    assert_eq!(view_ids(&t, &anna, InboxView::Waiting).await, vec![none]);
    assert_eq!(view_ids(&t, &anna, InboxView::Unowned).await, vec![a]);
    assert_eq!(view_ids(&t, &anna, InboxView::All).await, sorted(vec![a, none, owned]));

    // Escalation: needs a reason; team B's escalation stays invisible to Anna.
    let err = t.core.set_escalation(a, admin.id, 1, "  ").await.unwrap_err();
    assert_eq!(fields(err), field("reason", "required"));
    let c = t.core.set_escalation(a, admin.id, 1, "Beschwerde an die Intendanz").await.unwrap();
    assert_eq!((c.escalation_level, c.escalation_reason.as_deref()), (1, Some("Beschwerde an die Intendanz")));
    t.core.set_escalation(b, admin.id, 2, "Presseanfrage").await.unwrap();
    assert_eq!(view_ids(&t, &anna, InboxView::Escalated).await, vec![a]);
    assert_eq!(view_ids(&t, &admin, InboxView::Escalated).await, sorted(vec![a, b]));
    let stored = t.store.case(a).await.unwrap().unwrap();
    assert_eq!(
        (stored.escalation_level, stored.escalation_reason.as_deref()),
        (1, Some("Beschwerde an die Intendanz"))
    );
    t.core.set_escalation(a, admin.id, 0, "geklärt").await.unwrap();
    assert!(view_ids(&t, &anna, InboxView::Escalated).await.is_empty());
    let stored = t.store.case(a).await.unwrap().unwrap();
    assert_eq!((stored.escalation_level, stored.escalation_reason), (0, None));
    let actions: Vec<_> = t.core.case_detail(a).await.unwrap().events.into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"case.escalated".to_string()) && actions.contains(&"case.deescalated".to_string()));

    // The rows carry contact and owner name.
    let page = t.core.inbox(&anna, &InboxQuery { view: Some(InboxView::Mine), ..Default::default() }).await.unwrap();
    assert_eq!(page.items[0].owner.as_deref(), Some("Anna Agentin"));
    assert_eq!(page.items[0].contact.as_ref().map(|c| c.display_name.as_str()), Some("Tina Trainer"));
    // The filter form narrows a view.
    let q = InboxQuery { view: Some(InboxView::All), status: Some(CaseStatus::WaitingOnContact), ..Default::default() };
    let page = t.core.inbox(&anna, &q).await.unwrap();
    assert_eq!(page.items.iter().map(|r| r.case.id).collect::<Vec<_>>(), vec![none]);
    let q = InboxQuery { view: Some(InboxView::All), team_id: Some(team_b), ..Default::default() };
    let page = t.core.inbox(&anna, &q).await.unwrap();
    assert_eq!(page.items.iter().map(|r| r.case.id).collect::<Vec<_>>(), vec![owned], "team B only as owner");

    // A case one may not see is not found (not forbidden).
    assert!(matches!(t.core.visible_case(&anna, b).await, Err(CoreError::NotFound("case"))));
    assert_eq!(t.core.visible_case(&anna, a).await.unwrap().id, a);
    assert_eq!(t.core.visible_case(&anna, none).await.unwrap().id, none);
    assert_eq!(t.core.visible_case(&anna, owned).await.unwrap().id, owned);
    assert_eq!(t.core.visible_case(&admin, b).await.unwrap().id, b);
}
db_test!(inbox_views_show_what_an_agent_may_see, inbox_views_show_what_an_agent_may_see);

async fn changing_the_reason_at_the_same_level_is_no_deescalation(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "marta.admin@resonanz.test", "Marta Admin", Role::Admin).await;
    let id = new_case(&t, "1", "v.voss@example.de", "Vera Voss", "Falsche Sendezeit im Videotext").await;
    let last_action = || async { t.core.case_detail(id).await.unwrap().events.last().unwrap().action.clone() };

    t.core.set_escalation(id, admin.id, 1, "Zuschauerin droht mit Beschwerde").await.unwrap();
    assert_eq!(last_action().await, "case.escalated");
    t.core.set_escalation(id, admin.id, 2, "Beschwerde beim Rundfunkrat").await.unwrap();
    assert_eq!(last_action().await, "case.escalated");
    t.core.set_escalation(id, admin.id, 1, "Rundfunkrat hat abgegeben").await.unwrap();
    assert_eq!(last_action().await, "case.deescalated");
    // Level 1 again, only with a better reason: still escalated, nothing was de-escalated.
    let c =
        t.core.set_escalation(id, admin.id, 1, "Rundfunkrat hat an uns abgegeben, Antwort bis Freitag").await.unwrap();
    assert_eq!(c.escalation_level, 1);
    assert_eq!(last_action().await, "case.escalation_changed", "a new reason at the same level is no de-escalation");
}
db_test!(
    changing_the_reason_at_the_same_level_is_no_deescalation,
    changing_the_reason_at_the_same_level_is_no_deescalation
);

// ---------------------------------------------------------------------------------------------
// Presence

/// `(user, state)` pairs sorted by user id, for comparing presence lists.
fn states(list: Vec<resonanz_core::workspace::Presence>) -> Vec<(UserId, PresenceState)> {
    let mut v: Vec<_> = list.into_iter().map(|p| (p.user_id, p.state)).collect();
    v.sort_by_key(|(u, _)| *u);
    v
}

async fn presence_shows_who_is_on_a_case_for_a_minute(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;
    let id = new_case(&t, "1", "w.wolf@example.de", "Werner Wolf", "Mediathek lädt nicht").await;
    let other = new_case(&t, "2", "x.xaver@example.de", "Xaver Xylo", "Programmhinweis").await;
    // Anna's and Bert's states, in the order `states` sorts them.
    let expect = |a: PresenceState, b: PresenceState| {
        let mut v = vec![(anna.id, a), (bert.id, b)];
        v.sort_by_key(|(u, _)| *u);
        v
    };

    let seen = t.core.heartbeat(id, anna.id, PresenceState::Composing).await.unwrap();
    assert_eq!(states(seen), vec![(anna.id, PresenceState::Composing)]);
    t.clock.advance(Duration::seconds(20));
    let seen = t.core.heartbeat(id, bert.id, PresenceState::Viewing).await.unwrap();
    assert_eq!(states(seen), expect(PresenceState::Composing, PresenceState::Viewing));
    assert_eq!(states(t.core.present_on(id).await.unwrap()), expect(PresenceState::Composing, PresenceState::Viewing));
    assert!(t.core.present_on(other).await.unwrap().is_empty(), "presence is per case");

    // A heartbeat replaces the earlier state of the same person.
    t.clock.advance(Duration::seconds(20));
    t.core.heartbeat(id, anna.id, PresenceState::Viewing).await.unwrap();
    assert_eq!(states(t.core.present_on(id).await.unwrap()), expect(PresenceState::Viewing, PresenceState::Viewing));
    assert_eq!(t.store.case_presence(id).await.unwrap().len(), 2);

    // Bert's heartbeat is 61 s old, Anna's 41 s.
    t.clock.advance(Duration::seconds(41));
    assert_eq!(states(t.core.present_on(id).await.unwrap()), vec![(anna.id, PresenceState::Viewing)]);
    t.clock.advance(Duration::seconds(20));
    assert!(t.core.present_on(id).await.unwrap().is_empty(), "61 s after the last heartbeat: gone");

    // Leaving takes one off at once.
    t.core.heartbeat(id, anna.id, PresenceState::Composing).await.unwrap();
    t.core.heartbeat(id, bert.id, PresenceState::Viewing).await.unwrap();
    let seen = t.core.heartbeat(id, anna.id, PresenceState::Left).await.unwrap();
    assert_eq!(states(seen), vec![(bert.id, PresenceState::Viewing)]);
    let stored = t.store.case_presence(id).await.unwrap();
    assert!(stored.iter().any(|p| p.user_id == anna.id && p.state == PresenceState::Left), "{stored:?}");
    let since = t.store.presence_changed_since(t.clock.now()).await.unwrap();
    assert_eq!(since.len(), 2);
}
db_test!(presence_shows_who_is_on_a_case_for_a_minute, presence_shows_who_is_on_a_case_for_a_minute);

async fn saved_views_are_per_user_and_unique_by_name(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;

    let mine = t.core.save_view(anna.id, " Meine offenen ", "view=mine&status=open").await.unwrap();
    assert_eq!(mine.name, "Meine offenen");
    let waiting = t.core.save_view(anna.id, "Warten auf Antwort", "view=waiting").await.unwrap();
    let err = t.core.save_view(anna.id, "Meine offenen", "view=all").await.unwrap_err();
    assert_eq!(fields(err), field("name", "taken"));
    assert_eq!(fields(t.core.save_view(anna.id, "   ", "view=all").await.unwrap_err()), field("name", "required"));
    // Another user may use the same name.
    let berts = t.core.save_view(bert.id, "Meine offenen", "view=mine").await.unwrap();

    let listed = t.store.saved_views(anna.id).await.unwrap();
    assert_eq!(listed, vec![mine.clone(), waiting.clone()]);
    assert_eq!(listed[0].query, "view=mine&status=open");
    assert_eq!(t.store.saved_views(bert.id).await.unwrap(), vec![berts.clone()]);

    // Nobody deletes someone else's view.
    t.store.delete_saved_view(bert.id, mine.id).await.unwrap();
    assert_eq!(t.store.saved_views(anna.id).await.unwrap().len(), 2);
    t.store.delete_saved_view(anna.id, mine.id).await.unwrap();
    assert_eq!(t.store.saved_views(anna.id).await.unwrap(), vec![waiting]);
    assert_eq!(t.store.saved_views(bert.id).await.unwrap(), vec![berts]);
    // The name is free again.
    t.core.save_view(anna.id, "Meine offenen", "view=mine").await.unwrap();
}
db_test!(saved_views_are_per_user_and_unique_by_name, saved_views_are_per_user_and_unique_by_name);

// ---------------------------------------------------------------------------------------------
// Bulk actions

async fn bulk_actions_change_each_case_or_report_why_not(db: Db) {
    let t = TestCore::new(db).await;
    let anna = t.agent.clone();
    let bert = user(&t, "bert.berger@resonanz.test", "Bert Berger", Role::Agent).await;
    let mut ids = Vec::new();
    for (i, (from, subject)) in [
        ("a.adler@example.de", "Wiederholung Tatort"),
        ("b.bach@example.de", "Wiederholung Tatort?"),
        ("c.christ@example.de", "Tatort wann wieder?"),
    ]
    .into_iter()
    .enumerate()
    {
        ids.push(new_case(&t, &i.to_string(), from, "Zuschauer", subject).await);
    }

    let out = t.core.bulk(&anna, &ids, &BulkAction::Status(CaseStatus::WaitingOnContact)).await.unwrap();
    assert_eq!(out.changed, 3);
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    for id in &ids {
        assert_eq!(t.store.case(*id).await.unwrap().unwrap().status, CaseStatus::WaitingOnContact);
    }

    let out = t.core.bulk(&anna, &ids, &BulkAction::AddTag(" Tatort ".into())).await.unwrap();
    assert_eq!(out.changed, 3);
    for id in &ids {
        assert_eq!(t.store.case(*id).await.unwrap().unwrap().tags, vec!["tatort".to_string()]);
    }

    let out = t.core.bulk(&anna, &ids, &BulkAction::Assign { owner: Some(bert.id), note: "  ".into() }).await.unwrap();
    assert_eq!(out.changed, 0);
    assert_eq!(out.failed.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids);
    for (_, why) in &out.failed {
        assert_eq!(resonanz_core::workspace::error_text(why), "a change of owner needs a handover note");
    }
    for id in &ids {
        assert_eq!(t.store.case(*id).await.unwrap().unwrap().owner_id, None);
        assert!(t.store.case_handovers(*id).await.unwrap().is_empty());
    }
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 0);

    // With a note it works; a case the agent may not see fails alone, without undoing the rest.
    let team = t.core.create_team(&Actor::System, "Sport", &[bert.id]).await.unwrap().team.id;
    let hidden = new_case(&t, "9", "d.dorn@example.de", "Dieter Dorn", "Sportschau").await;
    let patch = CasePatch { team_id: Some(Some(team)), ..Default::default() };
    t.core.update_case(hidden, &Actor::System, patch).await.unwrap();
    let mut with_hidden = ids.clone();
    with_hidden.insert(1, hidden);
    let note = "Bert kennt die Tatort-Termine";
    let out = t
        .core
        .bulk(&anna, &with_hidden, &BulkAction::Assign { owner: Some(bert.id), note: note.into() })
        .await
        .unwrap();
    assert_eq!(out.changed, 3);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].0, hidden);
    assert!(matches!(out.failed[0].1, CoreError::NotFound("case")), "{:?}", out.failed[0].1);
    for id in &ids {
        assert_eq!(t.store.case(*id).await.unwrap().unwrap().owner_id, Some(bert.id));
    }
    assert_eq!(t.store.case(hidden).await.unwrap().unwrap().owner_id, None);
    assert_eq!(t.store.unread_notifications(bert.id).await.unwrap(), 3);

    // More than a selection is refused as a whole, before anything changes.
    let many: Vec<CaseId> = (0..=resonanz_core::workspace::MAX_BULK).map(|_| ids[0]).collect();
    let refused = t.core.bulk(&anna, &many, &BulkAction::Status(CaseStatus::Closed)).await;
    assert!(matches!(refused, Err(CoreError::Invalid(e)) if e[0].code == "too_many"));
    assert_ne!(t.store.case(ids[0]).await.unwrap().unwrap().status, CaseStatus::Closed);
}
db_test!(bulk_actions_change_each_case_or_report_why_not, bulk_actions_change_each_case_or_report_why_not);
