//! Fair assignment: who of a team takes a routed case. Absent and away members are skipped,
//! members who speak the contact's language come first, and a daily cap spreads distressing cases.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, TeamId, UserId};
use resonanz_core::responsibility::ResponsibilitySettings;
use resonanz_core::routing::{Availability, Op, OwnerStrategy, RuleActions, RuleInput, Trigger};
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, User};
use resonanz_testkit::{Db, TestCore, db_test};
use serde_json::json;

use crate::assist::{case, mail};
use crate::responsibility::{after, analyser, at, cond, events, fields, org, rule, team};
use crate::routing::contact;

fn to_team(team: TeamId, owner: OwnerStrategy) -> RuleActions {
    RuleActions { team_id: Some(team), owner: Some(owner), ..Default::default() }
}

/// Whom the routing of a case skipped and why, from its `case.routed` event.
async fn skipped(t: &TestCore, id: CaseId) -> serde_json::Value {
    let routed = events(t, id, "case.routed").await;
    after(routed.last().expect("the case was routed"))["assignment"]["skipped"].clone()
}

fn skip(user: &User, why: &str) -> serde_json::Value {
    json!({"user_id": user.id, "why": why})
}

/// A new case from a mail; `n` makes sender and subject unique.
async fn new_case(t: &TestCore, n: usize) -> CaseId {
    let from = format!("zuschauer{n}@example.de");
    mail(t, &from, &format!("Zuschauer {n}"), &format!("Anfrage {n}"), "Guten Tag, eine Frage zum Programm.").await.0
}

/// A case about a bereavement that the analysis finds sensitive (a distressing category).
async fn distressing(t: &TestCore, n: usize) -> CaseId {
    let from = format!("belastet{n}@example.de");
    let body = "Meine Mutter ist gestorben und ich weiß nicht weiter.";
    let (id, mid) = mail(t, &from, &format!("Hörerin {n}"), &format!("Trauer {n}"), body).await;
    t.core.analyze_message(mid, &analyser("de", &[("sensitive", 0.91)])).await.unwrap();
    assert_eq!(case(t, id).await.categories, ["sensitive"]);
    id
}

async fn owner(t: &TestCore, id: CaseId) -> Option<UserId> {
    case(t, id).await.owner_id
}

async fn absent_members_are_skipped_until_they_are_back(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 3).await;
    let [m0, m1, m2] = [&o.members[0], &o.members[1], &o.members[2]];
    let post = team(&t, &o.admin, "Zuschauerpost", &[m0, m1, m2]).await;
    let input = rule("Alles an die Zuschauerpost", vec![], to_team(post, OwnerStrategy::RoundRobin));
    t.core.create_routing_rule(&o.admin, input).await.unwrap();

    // People set their own availability; only administrators set others' or the daily cap.
    let e = t.core.set_availability(m0, m1.id, Availability::Absent, None, None, None).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    let e = t.core.set_availability(m1, m1.id, Availability::Present, None, None, Some(Some(5))).await.unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");

    let back = t.clock.now() + Duration::days(1);
    let u = t.core.set_availability(&o.admin, m1.id, Availability::Absent, Some(back), None, None).await.unwrap();
    assert_eq!((u.availability, u.absent_until), (Availability::Absent, Some(back)));
    let stored = t.store.user(m1.id).await.unwrap().unwrap();
    assert_eq!((stored.availability, stored.absent_until), (Availability::Absent, Some(back)));
    let audit = t.store.subject_events("user", &m1.id.to_string()).await.unwrap();
    assert_eq!(audit.last().unwrap().action, "user.availability_changed");

    let c1 = new_case(&t, 1).await;
    let c2 = new_case(&t, 2).await;
    assert_eq!((owner(&t, c1).await, owner(&t, c2).await), (Some(m0.id), Some(m2.id)));
    assert_eq!(skipped(&t, c1).await, json!([skip(m1, "absent")]));
    assert_eq!(skipped(&t, c2).await, json!([skip(m1, "absent")]));

    // Away for a break (an "until" only counts for absence).
    let u = t.core.set_availability(m2, m2.id, Availability::Away, Some(back), None, None).await.unwrap();
    assert_eq!((u.availability, u.absent_until), (Availability::Away, None));
    let c3 = new_case(&t, 3).await;
    assert_eq!(owner(&t, c3).await, Some(m0.id));
    assert_eq!(skipped(&t, c3).await, json!([skip(m1, "absent"), skip(m2, "away")]));

    // A day later the absence has ended by itself.
    t.clock.set(back);
    let c4 = new_case(&t, 4).await;
    assert_eq!(owner(&t, c4).await, Some(m1.id));
    assert_eq!(skipped(&t, c4).await, json!([skip(m2, "away")]));

    // Absent without a date stays absent.
    t.core.set_availability(&o.admin, m0.id, Availability::Absent, None, None, None).await.unwrap();
    t.clock.advance(Duration::days(30));
    let c5 = new_case(&t, 5).await;
    assert_eq!(owner(&t, c5).await, Some(m1.id), "m2 is away, m0 absent: m1 again");
    assert_eq!(skipped(&t, c5).await, json!([skip(m0, "absent"), skip(m2, "away")]));

    // Nobody there: the case stays with the team, unowned.
    t.core.set_availability(m1, m1.id, Availability::Away, None, None, None).await.unwrap();
    let c6 = new_case(&t, 6).await;
    let c = case(&t, c6).await;
    assert_eq!((c.team_id, c.owner_id), (Some(post), None));
    assert_eq!(after(&events(&t, c6, "case.routed").await[0])["assignment"]["chosen"], json!(null));
    assert!(t.core.ownership(c6).await.unwrap().is_empty());
}
db_test!(absent_members_are_skipped_until_they_are_back, absent_members_are_skipped_until_they_are_back);

async fn members_who_speak_the_language_come_first(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 3).await;
    let [m0, m1, m2] = [&o.members[0], &o.members[1], &o.members[2]];
    let post = team(&t, &o.admin, "Zuschauerpost", &[m0, m1, m2]).await;
    t.core
        .create_routing_rule(&o.admin, rule("Alles", vec![], to_team(post, OwnerStrategy::FewestOpen)))
        .await
        .unwrap();

    let langs = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let e = t.core.set_availability(&o.admin, m0.id, Availability::Present, None, langs(&["t1"]), None).await;
    assert_eq!(fields(e.unwrap_err()), [("languages".to_string(), "invalid_language".to_string())]);
    let u = t.core.set_availability(&o.admin, m1.id, Availability::Present, None, langs(&["tr-TR", "de", "DE"]), None);
    assert_eq!(u.await.unwrap().languages, ["de", "tr"]);
    for m in [m0, m2] {
        t.core.set_availability(m, m.id, Availability::Present, None, langs(&["de"]), None).await.unwrap();
    }
    contact(&t, "Ayşe Demir", "ayse.demir@example.com.tr", "tr").await;
    contact(&t, "Olena Koval", "olena.koval@example.ua", "uk").await;

    let (tr1, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Merhaba", "Dizi ne zaman?").await;
    assert_eq!(owner(&t, tr1).await, Some(m1.id), "the only one who speaks Turkish");
    assert_eq!(skipped(&t, tr1).await, json!([skip(m0, "language"), skip(m2, "language")]));

    let de = new_case(&t, 1).await;
    assert_eq!(owner(&t, de).await, Some(m0.id), "everyone speaks German: the fewest open cases");
    assert_eq!(skipped(&t, de).await, json!([]));

    let (tr2, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Tekrar", "Tekrar yazıyorum.").await;
    assert_eq!(owner(&t, tr2).await, Some(m1.id), "still preferred, though she has the most open cases");

    // Nobody speaks Ukrainian: everyone stays in the running.
    let (uk, _) = mail(&t, "olena.koval@example.ua", "Olena Koval", "Питання", "Коли буде повтор?").await;
    assert_eq!(owner(&t, uk).await, Some(m2.id));
    assert_eq!(skipped(&t, uk).await, json!([]));
}
db_test!(members_who_speak_the_language_come_first, members_who_speak_the_language_come_first);

async fn the_daily_cap_spreads_distressing_cases(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let [m0, m1] = [&o.members[0], &o.members[1]];
    let post = team(&t, &o.admin, "Zuschauerpost", &[m0, m1]).await;
    let settings = ResponsibilitySettings { distressing_cap: 2, ..Default::default() };
    t.core.set_responsibility_settings(&Actor::User(o.admin.id), &settings).await.unwrap();
    let input = RuleInput {
        triggers: Some(vec![Trigger::Analysed]),
        ..rule(
            "Belastende Fälle verteilen",
            vec![cond("distressing", Op::Equals, json!(true))],
            to_team(post, OwnerStrategy::FewestOpen),
        )
    };
    t.core.create_routing_rule(&o.admin, input).await.unwrap();
    // m1 already holds two ordinary cases: by open cases alone m0 would get everything.
    for n in [90, 91] {
        let id = new_case(&t, n).await;
        t.core.assign(id, o.admin.id, Some(m1.id), "Bitte übernehmen").await.unwrap();
    }
    let a = distressing(&t, 1).await;
    assert_eq!(owner(&t, a).await, Some(m0.id));
    let b = distressing(&t, 2).await;
    assert_eq!(owner(&t, b).await, Some(m1.id), "spread: m0 already had one today");
    let c = distressing(&t, 3).await;
    assert_eq!(owner(&t, c).await, Some(m0.id), "one each: the fewest open cases decide");
    let d = distressing(&t, 4).await;
    assert_eq!(owner(&t, d).await, Some(m1.id), "m0 is at the cap of two");
    assert_eq!(skipped(&t, d).await, json!([skip(m0, "cap")]));
    for id in [a, b, c, d] {
        let log = t.store.case_assignments(id).await.unwrap();
        assert_eq!((log.len(), log[0].distressing, log[0].source.as_str()), (1, true, "routing"));
    }

    // Everyone is at the cap: the case stays with the team, unowned.
    let e = distressing(&t, 5).await;
    let stored = case(&t, e).await;
    assert_eq!((stored.team_id, stored.owner_id), (Some(post), None));
    assert_eq!(skipped(&t, e).await, json!([skip(m0, "cap"), skip(m1, "cap")]));

    // "Today" is the organisation's day: 23:30 in Berlin is still the same day …
    t.clock.set(at("2026-03-02T23:30:00+01:00"));
    let f = distressing(&t, 6).await;
    assert_eq!(owner(&t, f).await, None);
    // … and after local midnight (23:00 UTC) the count starts again.
    t.clock.set(at("2026-03-02T23:05:00Z"));
    let g = distressing(&t, 7).await;
    assert_eq!(owner(&t, g).await, Some(m0.id));
}
db_test!(the_daily_cap_spreads_distressing_cases, the_daily_cap_spreads_distressing_cases);
