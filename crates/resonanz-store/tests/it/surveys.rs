//! Satisfaction surveys: a link mailed when a case is resolved, answered once without signing in,
//! valid for a while, counted in the report; never for safeguarding, threat or spam cases, and
//! not at all unless an administrator turned them on and the address for the link is known.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::admin::token_hash;
use resonanz_core::case::CaseStatus;
use resonanz_core::error::CoreError;
use resonanz_core::ids::CaseId;
use resonanz_core::message::{AuthorKind, Message};
use resonanz_core::responsibility::{CsatSummary, ResponsibilitySettings, SurveyPage};
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, User};
use resonanz_testkit::{Db, TestCore, db_test};

use crate::assist::{case, drain, mail, names, outbound};
use crate::responsibility::{events, fields, org};

const PUBLIC_URL: &str = "https://resonanz.example.org";

async fn enable(t: &TestCore, admin: &User) {
    let s = ResponsibilitySettings { csat_enabled: true, public_url: format!("{PUBLIC_URL}/"), ..Default::default() };
    t.core.set_responsibility_settings(&Actor::User(admin.id), &s).await.unwrap();
}

async fn set_status(t: &TestCore, id: CaseId, by: &User, status: CaseStatus) {
    let patch = CasePatch { status: Some(status), ..Default::default() };
    t.core.update_case(id, &Actor::User(by.id), patch).await.unwrap();
}

/// The automatic (survey) messages on a case.
async fn survey_mails(t: &TestCore, id: CaseId) -> Vec<Message> {
    outbound(t, id).await.into_iter().filter(|m| m.author_kind == AuthorKind::Automation).collect()
}

/// The token from the survey link in a mail.
fn token_of(m: &Message) -> String {
    let prefix = format!("{PUBLIC_URL}/umfrage/");
    let link = m.text_body.split_whitespace().find(|w| w.starts_with(&prefix));
    link.unwrap_or_else(|| panic!("no survey link in {:?}", m.text_body)).trim_start_matches(&prefix).to_string()
}

async fn a_resolved_case_gets_a_survey_that_is_answered_once(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let by_admin = Actor::User(o.admin.id);

    // Checked settings, set by administrators only.
    let ftp = ResponsibilitySettings {
        csat_enabled: true,
        public_url: "ftp://resonanz.example.org".into(),
        ..Default::default()
    };
    let e = t.core.set_responsibility_settings(&by_admin, &ftp).await.unwrap_err();
    assert_eq!(fields(e), [("public_url".to_string(), "invalid_url".to_string())]);
    let fine = ResponsibilitySettings { csat_enabled: true, public_url: PUBLIC_URL.into(), ..Default::default() };
    let e = t.core.set_responsibility_settings(&Actor::User(o.supervisor.id), &fine).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    assert!(!t.core.responsibility_settings().await.unwrap().csat_enabled);
    enable(&t, &o.admin).await;
    assert!(t.core.responsibility_settings().await.unwrap().csat_enabled);

    let start = t.clock.now();
    let (id, _) =
        mail(&t, "gerda.gluecklich@example.de", "Gerda Glücklich", "Empfang", "Kein Bild seit gestern.").await;
    let reply =
        ReplyInput { text: "Guten Tag, bitte starten Sie den Sendersuchlauf neu.".into(), ..Default::default() };
    t.core.reply(id, t.agent.id, reply).await.unwrap();
    drain(&t).await;
    assert!(survey_mails(&t, id).await.is_empty(), "no survey before the case is resolved");

    t.clock.advance(Duration::hours(1));
    set_status(&t, id, &t.agent, CaseStatus::Resolved).await;
    let reference = case(&t, id).await.reference();
    let sent = survey_mails(&t, id).await;
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!((m.to.clone(), m.author_user_id), (vec!["gerda.gluecklich@example.de".to_string()], None));
    assert!(
        m.text_body.starts_with(&format!("Guten Tag,\n\nIhr Anliegen {reference} ist erledigt.")),
        "{}",
        m.text_body
    );
    assert!(m.text_body.contains("Diese Nachricht wurde automatisch versendet."), "{}", m.text_body);
    assert!(m.text_body.contains(&format!("{PUBLIC_URL}/umfrage/")), "no double slash: {}", m.text_body);
    assert_eq!(names(&drain(&t).await), ["send_mail"], "queued like every outbound mail");
    assert_eq!(events(&t, id, "case.survey_sent").await.len(), 1);

    // Only the hash of the link's secret is stored.
    let token = token_of(m);
    let surveys = t.core.case_surveys(id).await.unwrap();
    assert_eq!(surveys.len(), 1);
    let s = &surveys[0];
    assert_eq!(t.store.survey_by_token(&token_hash(&token)).await.unwrap().map(|x| x.id), Some(s.id));
    assert_ne!(s.token_sha256, token);
    assert_eq!(
        (s.created_at, s.expires_at, s.rating, s.answered_at),
        (t.clock.now(), t.clock.now() + Duration::days(30), None, None)
    );

    // The public page shows the reference, nothing personal.
    let page = t.core.survey_page(&token).await.unwrap();
    assert_eq!(page, SurveyPage { reference: reference.clone(), expired: false, answered: false, rating: None });
    assert!(matches!(t.core.survey_page("kein-gueltiger-link").await, Err(CoreError::NotFound(_))));

    let e = t.core.answer_survey(&token, 6, "").await.unwrap_err();
    assert_eq!(fields(e), [("rating".to_string(), "out_of_range".to_string())]);
    t.clock.advance(Duration::days(2));
    t.core.answer_survey(&token, 4, "  Danke, jetzt geht es wieder. ").await.unwrap();
    let s = &t.core.case_surveys(id).await.unwrap()[0];
    assert_eq!(
        (s.rating, s.comment.as_deref(), s.answered_at),
        (Some(4), Some("Danke, jetzt geht es wieder."), Some(t.clock.now()))
    );
    let answered = events(&t, id, "case.survey_answered").await;
    assert_eq!(answered[0].actor, Actor::Contact(case(&t, id).await.contact_id).label());
    let page = t.core.survey_page(&token).await.unwrap();
    assert_eq!(page, SurveyPage { reference: reference.clone(), expired: false, answered: true, rating: Some(4) });
    let e = t.core.answer_survey(&token, 1, "Doch nicht").await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "answered once: {e:?}");
    assert_eq!(t.core.case_surveys(id).await.unwrap()[0].rating, Some(4));

    let report = t.core.csat_report(start, t.clock.now()).await.unwrap();
    let expected = CsatSummary {
        team_id: None,
        sent: 1,
        answered: 1,
        ratings: [0, 0, 0, 1, 0],
        average: Some(4.0),
        satisfied_share: Some(1.0),
    };
    assert_eq!(report, [expected.clone(), expected], "overall, then per team (here: no team)");
    assert_eq!(t.core.csat_report(start - Duration::days(9), start).await.unwrap(), [CsatSummary::default()]);

    // Closing the resolved case sends nothing more; a reopened and again resolved one does.
    set_status(&t, id, &t.agent, CaseStatus::Closed).await;
    assert_eq!(survey_mails(&t, id).await.len(), 1);
    t.clock.advance(Duration::days(1));
    set_status(&t, id, &t.agent, CaseStatus::Open).await;
    t.clock.advance(Duration::hours(3));
    set_status(&t, id, &t.agent, CaseStatus::Resolved).await;
    let sent = survey_mails(&t, id).await;
    assert_eq!(sent.len(), 2);
    let second = token_of(&sent[1]);
    assert_ne!(second, token);

    // A link is valid for 30 days.
    let issued = t.clock.now();
    t.clock.set(issued + Duration::days(30) - Duration::minutes(1));
    assert!(!t.core.survey_page(&second).await.unwrap().expired);
    t.clock.set(issued + Duration::days(30));
    assert!(t.core.survey_page(&second).await.unwrap().expired);
    let e = t.core.answer_survey(&second, 5, "Super").await.unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "expired: {e:?}");
    let report = t.core.csat_report(start, t.clock.now()).await.unwrap();
    assert_eq!((report[0].sent, report[0].answered, report[0].average), (2, 1, Some(4.0)));
}
db_test!(a_resolved_case_gets_a_survey_that_is_answered_once, a_resolved_case_gets_a_survey_that_is_answered_once);

async fn no_survey_for_safeguarding_threats_or_when_turned_off(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;

    // Turned off (the default): nothing.
    let (quiet, _) = mail(&t, "otto.ohne@example.de", "Otto Ohne", "Frage", "Eine Frage.").await;
    set_status(&t, quiet, &t.agent, CaseStatus::Resolved).await;
    assert!(survey_mails(&t, quiet).await.is_empty());
    assert!(t.core.case_surveys(quiet).await.unwrap().is_empty());

    // Turned on, but no address for the link is known (neither set here nor given to the server).
    let no_url = ResponsibilitySettings { csat_enabled: true, ..Default::default() };
    t.core.set_responsibility_settings(&Actor::User(o.admin.id), &no_url).await.unwrap();
    let (unknown, _) = mail(&t, "ulla.unbekannt@example.de", "Ulla Unbekannt", "Frage", "Noch eine Frage.").await;
    set_status(&t, unknown, &t.agent, CaseStatus::Resolved).await;
    assert!(survey_mails(&t, unknown).await.is_empty());
    assert!(t.core.case_surveys(unknown).await.unwrap().is_empty());

    enable(&t, &o.admin).await;
    let (protected, p_mid) =
        mail(&t, "sorge@example.de", "Sabine Sorge", "Hilfe", "Mein Nachbarskind wird geschlagen.").await;
    t.core.correct_categories(p_mid, o.supervisor.id, &["safeguarding".into()]).await.unwrap();
    assert!(case(&t, protected).await.safeguarding);
    let (threat, t_mid) =
        mail(&t, "wuetend@example.de", "Willi Wütend", "Letzte Warnung", "Ich weiß, wo Sie wohnen.").await;
    t.core.correct_categories(t_mid, o.supervisor.id, &["threat".into()]).await.unwrap();
    let (spam, s_mid) = mail(&t, "gewinn@example.com", "Gewinnspiel", "Sie haben gewonnen", "Klicken Sie hier.").await;
    t.core.correct_categories(s_mid, o.supervisor.id, &["spam".into()]).await.unwrap();
    let (fine, _) = mail(&t, "frieda.fein@example.de", "Frieda Fein", "Danke", "Alles gut.").await;
    for id in [protected, threat, spam, fine] {
        set_status(&t, id, &o.supervisor, CaseStatus::Resolved).await;
    }
    for id in [protected, threat, spam] {
        assert!(survey_mails(&t, id).await.is_empty(), "{id}");
        assert!(t.core.case_surveys(id).await.unwrap().is_empty(), "{id}");
    }
    assert_eq!(survey_mails(&t, fine).await.len(), 1, "the ordinary case gets one");
    assert_eq!(t.core.case_surveys(fine).await.unwrap().len(), 1);
}
db_test!(no_survey_for_safeguarding_threats_or_when_turned_off, no_survey_for_safeguarding_threats_or_when_turned_off);

async fn no_survey_for_children_and_english_for_english_contacts(db: Db) {
    let t = TestCore::new(db).await;
    let settings = resonanz_core::responsibility::ResponsibilitySettings {
        csat_enabled: true,
        public_url: "https://resonanz.example.org".into(),
        ..Default::default()
    };
    t.core.set_responsibility_settings(&resonanz_core::user::Actor::System, &settings).await.unwrap();
    let resolve = |id| {
        let t = &t;
        async move {
            let patch = resonanz_core::service::CasePatch {
                status: Some(resonanz_core::case::CaseStatus::Resolved),
                ..Default::default()
            };
            t.core.update_case(id, &resonanz_core::user::Actor::User(t.agent.id), patch).await.unwrap();
        }
    };
    let (child, msg) =
        crate::assist::mail(&t, "lena@example.de", "Lena", "Frage", "Ich bin 9 und mag die Sendung.").await;
    t.core.analyze_message(msg, &crate::responsibility::analyser("de", &[("child", 0.9)])).await.unwrap();
    resolve(child).await;
    assert!(t.core.case_surveys(child).await.unwrap().is_empty(), "no rating request to a child");

    let (en, _) = crate::assist::mail(&t, "john@example.com", "John Smith", "Question", "When is it on?").await;
    let c = t.core.store.case(en).await.unwrap().unwrap();
    let patch = resonanz_core::contact::ContactPatch { language: Some("en".into()), ..Default::default() };
    t.core.update_contact(&resonanz_core::user::Actor::System, c.contact_id, patch).await.unwrap();
    resolve(en).await;
    let d = t.core.case_detail(en).await.unwrap();
    let mail = d.messages.iter().find(|m| m.message.text_body.contains("/umfrage/")).expect("a survey");
    assert!(mail.message.text_body.starts_with("Hello,") && mail.message.text_body.contains("sent automatically"));
}
db_test!(
    no_survey_for_children_and_english_for_english_contacts,
    no_survey_for_children_and_english_for_english_contacts
);
