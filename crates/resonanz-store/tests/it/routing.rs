//! Routing rules: checked when saved, applied on ingest and when a person changes a case, with
//! contact attributes, `stop`, dry runs, and rules that fail at run time.

use std::collections::BTreeMap;

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::case::Priority;
use resonanz_core::contact::{ContactPatch, NewContact};
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, ContactId, TeamId, UserId};
use resonanz_core::routing::{NotifyTarget, Op, OwnerStrategy, RoutingRule, RuleActions, RuleInput, Trigger};
use resonanz_core::service::CasePatch;
use resonanz_core::store::Store;
use resonanz_core::user::{Actor, User};
use resonanz_testkit::{Db, TestCore, db_test};
use serde_json::json;

use crate::assist::{answer, case, mail};
use crate::responsibility::{after, cond, events, field_errors, fields, notices, org, rule, team};

/// A contact who writes in `language`, known before their first mail.
pub(crate) async fn contact(t: &TestCore, name: &str, email: &str, language: &str) -> ContactId {
    let input = NewContact {
        display_name: name.into(),
        emails: vec![email.into()],
        language: Some(language.into()),
        ..Default::default()
    };
    t.core.create_contact(&Actor::System, input).await.unwrap().contact.id
}

fn team_and(team: TeamId, owner: OwnerStrategy) -> RuleActions {
    RuleActions { team_id: Some(team), owner: Some(owner), ..Default::default() }
}

fn tags(add: &[&str]) -> RuleActions {
    RuleActions { add_tags: add.iter().map(|s| s.to_string()).collect(), ..Default::default() }
}

async fn stored_rule(t: &TestCore, id: resonanz_core::ids::RoutingRuleId) -> RoutingRule {
    t.core.routing_rules().await.unwrap().into_iter().find(|r| r.id == id).unwrap()
}

async fn owners(t: &TestCore, cases: &[CaseId]) -> Vec<Option<UserId>> {
    let mut out = Vec::new();
    for c in cases {
        out.push(case(t, *c).await.owner_id);
    }
    out
}

fn ids(users: &[&User]) -> Vec<Option<UserId>> {
    users.iter().map(|u| Some(u.id)).collect()
}

// ---------------------------------------------------------------------------------------------
// Checking rules when they are saved

async fn rules_are_checked_when_saved(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let admin = &o.admin;
    let to_team = RuleActions { team_id: Some(o.team), ..Default::default() };

    // An unknown field: named with its position, and the known fields listed.
    let input = rule("Farbe", vec![cond("farbe", Op::Equals, json!("rot"))], to_team.clone());
    let e = field_errors(t.core.create_routing_rule(admin, input).await.unwrap_err());
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0.as_str(), e[0].1.as_str()), ("conditions.all[0].field", "unknown_field"));
    assert!(e[0].2.starts_with("unknown field \"farbe\"; known fields: channel, mailbox, language,"), "{}", e[0].2);

    // A regular expression that does not compile.
    let input = rule("Abo", vec![cond("subject", Op::Matches, json!("Abo(kündigung"))], to_team.clone());
    let e = field_errors(t.core.create_routing_rule(admin, input).await.unwrap_err());
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0.as_str(), e[0].1.as_str()), ("conditions.all[0].value", "invalid_regex"));
    assert!(e[0].2.starts_with("not a valid regular expression: "), "{}", e[0].2);
    assert!(e[0].2.contains("unclosed group"), "{}", e[0].2);

    // Operators that do not fit the field.
    let input = rule("Schutz", vec![cond("safeguarding", Op::Contains, json!("ja"))], to_team.clone());
    let e = field_errors(t.core.create_routing_rule(admin, input).await.unwrap_err());
    assert_eq!(
        e,
        [(
            "conditions.all[0].op".to_string(),
            "unsupported_operator".to_string(),
            "contains cannot be used with field safeguarding".to_string()
        )]
    );
    let input = rule("Stufe", vec![cond("escalation_level", Op::IsSet, json!(null))], to_team.clone());
    let e = t.core.create_routing_rule(admin, input).await.unwrap_err();
    assert_eq!(fields(e), [("conditions.all[0].op".to_string(), "unsupported_operator".to_string())]);
    // A value of the wrong kind.
    let input = rule("Früh", vec![cond("time.hour", Op::Gte, json!("früh"))], to_team.clone());
    let e = field_errors(t.core.create_routing_rule(admin, input).await.unwrap_err());
    assert_eq!(
        e,
        [(
            "conditions.all[0].value".to_string(),
            "invalid_value".to_string(),
            "time.hour gte needs a number".to_string()
        )]
    );

    // A team or a user that does not exist.
    let ghost_team = TeamId::new(t.clock.now());
    let input = rule("Geister", vec![], RuleActions { team_id: Some(ghost_team), ..Default::default() });
    let e = field_errors(t.core.create_routing_rule(admin, input).await.unwrap_err());
    assert_eq!(e, [("actions.team_id".to_string(), "unknown_team".to_string(), "no such team".to_string())]);
    let ghost_user = UserId::new(t.clock.now());
    let notify =
        RuleActions { notify: vec![NotifyTarget::TeamLead, NotifyTarget::User(ghost_user)], ..Default::default() };
    let e = t.core.create_routing_rule(admin, rule("Melden", vec![], notify)).await.unwrap_err();
    assert_eq!(fields(e), [("actions.notify[1]".to_string(), "unknown_user".to_string())]);

    // Several mistakes come back together, each at its spot.
    let input = RuleInput {
        name: "  ".into(),
        enabled: true,
        triggers: Some(Vec::new()),
        conditions: resonanz_core::routing::Conditions {
            all: vec![cond("channel", Op::Equals, json!("email")), cond("Absender", Op::Equals, json!("x"))],
            any: vec![cond("body", Op::Matches, json!("[a-"))],
        },
        actions: RuleActions::default(),
        ..Default::default()
    };
    let e = t.core.create_routing_rule(admin, input).await.unwrap_err();
    assert_eq!(
        fields(e),
        [
            ("name".to_string(), "required".to_string()),
            ("triggers".to_string(), "required".to_string()),
            ("actions".to_string(), "required".to_string()),
            ("conditions.all[1].field".to_string(), "unknown_field".to_string()),
            ("conditions.any[0].value".to_string(), "invalid_regex".to_string()),
        ]
    );

    // Only administrators manage rules.
    let fine = rule("Türkisch", vec![cond("language", Op::Equals, json!("tr"))], to_team.clone());
    for who in [&o.members[0], &o.lead, &o.supervisor] {
        let e = t.core.create_routing_rule(who, fine.clone()).await.unwrap_err();
        assert!(matches!(e, CoreError::Forbidden(_)), "{} may not: {e:?}", who.display_name);
    }
    assert!(t.core.routing_rules().await.unwrap().is_empty(), "nothing refused was stored");

    let saved = t.core.create_routing_rule(admin, fine).await.unwrap();
    assert_eq!(saved.triggers, [Trigger::Created, Trigger::Analysed], "the default triggers");
    assert_eq!((saved.ordinal, saved.error_count, saved.updated_by), (10, 0, Some(admin.id)));
    assert_eq!(t.core.routing_rules().await.unwrap(), std::slice::from_ref(&saved));
    let audit = t.store.subject_events("routing_rule", &saved.id.to_string()).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["routing_rule.created"]);
    assert_eq!(audit[0].actor, format!("user:{}", admin.id));
}
db_test!(rules_are_checked_when_saved, rules_are_checked_when_saved);

// ---------------------------------------------------------------------------------------------
// Applying rules

async fn a_language_rule_routes_new_mail_round_robin(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 3).await;
    let [m0, m1, m2] = [&o.members[0], &o.members[1], &o.members[2]];
    let turkish = team(&t, &o.admin, "Türkischsprachig", &[m0, m1, m2]).await;
    let name = "Türkischsprachige Zuschauer";
    let input =
        rule(name, vec![cond("language", Op::Equals, json!("tr"))], team_and(turkish, OwnerStrategy::RoundRobin));
    let saved = t.core.create_routing_rule(&o.admin, input).await.unwrap();
    contact(&t, "Ayşe Demir", "ayse.demir@example.com.tr", "tr").await;
    contact(&t, "Emre Kaya", "emre.kaya@example.de", "tr-DE").await;

    let (c1, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Merhaba", "Dizinin yeni bölümü ne zaman?").await;
    let (c2, _) = mail(&t, "emre.kaya@example.de", "Emre Kaya", "Altyazı", "Altyazı çalışmıyor.").await;
    let (german, _) = mail(&t, "erika.muster@example.de", "Erika Muster", "Frage", "Wann läuft der Tatort?").await;
    let (c3, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Teşekkürler", "Çok güzel bir program.").await;
    let (c4, _) = mail(&t, "emre.kaya@example.de", "Emre Kaya", "Ses", "Ses çok kısık.").await;

    // The team gets them all, and the owners take turns in team order.
    assert_eq!(owners(&t, &[c1, c2, c3, c4]).await, ids(&[m0, m1, m2, m0]));
    for c in [c1, c2, c3, c4] {
        assert_eq!(case(&t, c).await.team_id, Some(turkish));
    }
    // The German mail matched nothing.
    let g = case(&t, german).await;
    assert_eq!((g.team_id, g.owner_id), (None, None));
    assert!(events(&t, german, "case.routed").await.is_empty());
    assert!(t.core.ownership(german).await.unwrap().is_empty());

    // Why, in the audit trail.
    let routed = events(&t, c1, "case.routed").await;
    assert_eq!(routed.len(), 1);
    assert_eq!(routed[0].actor, "system");
    let a = after(&routed[0]);
    assert_eq!(a["rule"], name);
    assert_eq!(a["rule_id"], saved.id.to_string());
    assert_eq!(a["because"], json!(["language equals \"tr\""]));
    assert_eq!(a["changes"], json!({"team_id": turkish, "owner_id": m0.id}));
    assert_eq!(a["assignment"]["chosen"], json!(m0.id));
    assert_eq!(a["assignment"]["strategy"], "round_robin");

    // The ownership timeline and the owner's notice.
    let routed_at = t.clock.now();
    t.clock.advance(Duration::minutes(90));
    let spans = t.core.ownership(c1).await.unwrap();
    assert_eq!(spans.len(), 1);
    let s = &spans[0];
    assert_eq!((s.user_id, s.from, s.until, s.seconds), (Some(m0.id), routed_at, None, 90 * 60));
    assert_eq!((s.source.as_str(), s.by_user_id), ("routing", None));
    assert_eq!(s.note, format!("Regel „{name}“"));
    let log = t.store.case_assignments(c1).await.unwrap();
    assert_eq!((log.len(), log[0].rule_id, log[0].distressing), (1, Some(saved.id), false));
    let reference = case(&t, c1).await.reference();
    let told = notices(&t, m0, "assigned", c1).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].body, format!("{reference} „Merhaba“ wurde Ihnen zugewiesen (Regel „{name}“)."));
    assert!(notices(&t, m1, "assigned", c1).await.is_empty());
}
db_test!(a_language_rule_routes_new_mail_round_robin, a_language_rule_routes_new_mail_round_robin);

async fn stop_keeps_later_rules_from_running(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let words = json!(["kündigen", "kündigung"]);
    let first = RuleInput {
        stop: true,
        ..rule(
            "Kündigungen",
            vec![cond("text", Op::ContainsAny, words.clone())],
            RuleActions { priority: Some(Priority::High), ..tags(&["Kündigung"]) },
        )
    };
    let first = t.core.create_routing_rule(&o.admin, first).await.unwrap();
    let second = rule("Alle Mails", vec![cond("channel", Op::Equals, json!("email"))], tags(&["post"]));
    let second = t.core.create_routing_rule(&o.admin, second).await.unwrap();
    assert_eq!((first.ordinal, second.ordinal), (10, 20));

    let (quits, _) =
        mail(&t, "karl.kuendiger@example.de", "Karl Kündiger", "Abo", "Ich möchte mein Abo kündigen.").await;
    let c = case(&t, quits).await;
    assert_eq!((c.priority, c.tags.clone()), (Priority::High, vec!["kündigung".to_string()]));
    let routed = events(&t, quits, "case.routed").await;
    assert_eq!(routed.len(), 1, "the second rule did not run");
    assert_eq!(after(&routed[0])["because"], json!([r#"text contains_any ["kündigen","kündigung"]"#]));

    // Words match whole words only: "Kündigungsfrist" is not "Kündigung".
    let (asks, _) =
        mail(&t, "lisa.leser@example.de", "Lisa Leser", "Doku", "Läuft die Doku zur Kündigungsfrist nochmal?").await;
    let c = case(&t, asks).await;
    assert_eq!((c.priority, c.tags.clone()), (Priority::Normal, vec!["post".to_string()]));

    // Without stop both run, in order.
    let input = RuleInput {
        stop: false,
        ..rule(
            "Kündigungen",
            vec![cond("text", Op::ContainsAny, words)],
            RuleActions { priority: Some(Priority::High), ..tags(&["Kündigung"]) },
        )
    };
    t.core.update_routing_rule(&o.admin, first.id, input).await.unwrap();
    let (both, _) = mail(&t, "olga.ost@example.de", "Olga Ost", "Kündigung zum Monatsende", "Bitte bestätigen.").await;
    let c = case(&t, both).await;
    assert_eq!((c.priority, c.tags.clone()), (Priority::High, vec!["kündigung".to_string(), "post".to_string()]));
    let rules: Vec<String> =
        events(&t, both, "case.routed").await.iter().map(|e| after(e)["rule"].as_str().unwrap().to_string()).collect();
    assert_eq!(rules, ["Kündigungen", "Alle Mails"]);
}
db_test!(stop_keeps_later_rules_from_running, stop_keeps_later_rules_from_running);

async fn an_updated_rule_fires_when_a_person_raises_the_priority(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let input = RuleInput {
        triggers: Some(vec![Trigger::Updated]),
        ..rule(
            "Dringend an die Leitung",
            vec![cond("priority", Op::Equals, json!("urgent"))],
            RuleActions {
                team_id: Some(o.team),
                add_tags: vec!["dringend".into()],
                notify: vec![NotifyTarget::TeamLead],
                ..Default::default()
            },
        )
    };
    t.core.create_routing_rule(&o.admin, input).await.unwrap();
    let (id, _) = mail(&t, "paula.eilig@example.de", "Paula Eilig", "Sendung fehlt", "Die Sendung fehlt!").await;
    assert_eq!(case(&t, id).await.team_id, None, "the rule does not run on ingest");

    let agent = Actor::User(t.agent.id);
    let high = CasePatch { priority: Some(Priority::High), ..Default::default() };
    let c = t.core.update_case(id, &agent, high).await.unwrap();
    assert_eq!((c.team_id, c.tags.len()), (None, 0), "high is not urgent");
    assert!(events(&t, id, "case.routed").await.is_empty());

    t.clock.advance(Duration::minutes(3));
    let urgent = CasePatch { priority: Some(Priority::Urgent), ..Default::default() };
    let c = t.core.update_case(id, &agent, urgent).await.unwrap();
    assert_eq!((c.priority, c.team_id, c.tags.clone()), (Priority::Urgent, Some(o.team), vec!["dringend".to_string()]));
    assert_eq!(case(&t, id).await, c, "what came back is what was stored");
    // The person's change is theirs; what the rule did is the rule's.
    let changed = events(&t, id, "case.priority_changed").await;
    assert_eq!(changed.len(), 2);
    assert_eq!((changed[1].actor.clone(), after(&changed[1])["priority"].clone()), (agent.label(), json!("urgent")));
    assert!(events(&t, id, "case.team_changed").await.is_empty());
    let routed = events(&t, id, "case.routed").await;
    assert_eq!(routed.len(), 1);
    assert_eq!(routed[0].actor, "system");
    assert_eq!(after(&routed[0])["because"], json!(["priority equals \"urgent\""]));
    assert_eq!(after(&routed[0])["notified"], json!([o.lead.id]));
    let told = notices(&t, &o.lead, "routed", id).await;
    assert_eq!(told.len(), 1);
    assert!(told[0].body.ends_with("„Sendung fehlt“ – Regel „Dringend an die Leitung“"), "{}", told[0].body);
}
db_test!(
    an_updated_rule_fires_when_a_person_raises_the_priority,
    an_updated_rule_fires_when_a_person_raises_the_priority
);

async fn contact_attributes_drive_a_rule(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let input = RuleInput {
        triggers: Some(vec![Trigger::Created, Trigger::Message]),
        ..rule(
            "VIP-Kontakte",
            vec![cond("contact.vip", Op::Equals, json!("ja"))],
            RuleActions { team_id: Some(o.team), priority: Some(Priority::High), ..tags(&["vip"]) },
        )
    };
    t.core.create_routing_rule(&o.admin, input).await.unwrap();
    let (before, mid) = mail(&t, "w.weber@example.de", "Wilhelmine Weber", "Spende", "Ich möchte spenden.").await;
    let c = case(&t, before).await;
    assert_eq!((c.team_id, c.priority), (None, Priority::Normal));

    // Attribute keys are checked and kept lower-case.
    let bad = ContactPatch { attributes: Some(BTreeMap::from([("V I P".into(), "ja".into())])), ..Default::default() };
    let e = t.core.update_contact(&Actor::User(o.admin.id), c.contact_id, bad).await.unwrap_err();
    assert_eq!(fields(e), [("attributes".to_string(), "invalid_key".to_string())]);
    let patch =
        ContactPatch { attributes: Some(BTreeMap::from([("VIP".into(), " Ja ".into())])), ..Default::default() };
    let view = t.core.update_contact(&Actor::User(o.admin.id), c.contact_id, patch).await.unwrap();
    assert_eq!(view.contact.attributes, BTreeMap::from([("vip".to_string(), "Ja".to_string())]));

    // A new case of the contact is routed on creation …
    let (after_, _) = mail(&t, "w.weber@example.de", "Wilhelmine Weber", "Einladung", "Danke für die Einladung.").await;
    let c = case(&t, after_).await;
    assert_eq!((c.team_id, c.priority, c.tags.clone()), (Some(o.team), Priority::High, vec!["vip".to_string()]));
    assert_eq!(after(&events(&t, after_, "case.routed").await[0])["because"], json!(["contact.vip equals \"ja\""]));
    // … and the older one when she writes on it again.
    let header = t.store.message(mid).await.unwrap().unwrap().message_id_header.unwrap();
    let (same, _) =
        answer(&t, "w.weber@example.de", "Wilhelmine Weber", &header, "Haben Sie meine Mail erhalten?").await;
    assert_eq!(same, before);
    let c = case(&t, before).await;
    assert_eq!((c.team_id, c.priority, c.tags.clone()), (Some(o.team), Priority::High, vec!["vip".to_string()]));
}
db_test!(contact_attributes_drive_a_rule, contact_attributes_drive_a_rule);

// ---------------------------------------------------------------------------------------------
// Dry runs and failures

async fn a_dry_run_reports_without_changing_anything(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 2).await;
    let [m0, m1] = [&o.members[0], &o.members[1]];
    let turkish = team(&t, &o.admin, "Türkischsprachig", &[m0, m1]).await;
    contact(&t, "Ayşe Demir", "ayse.demir@example.com.tr", "tr").await;
    let (id, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Merhaba", "Dizi ne zaman?").await;
    let input =
        rule("Türkisch", vec![cond("language", Op::Equals, json!("tr"))], team_and(turkish, OwnerStrategy::RoundRobin));
    let saved = t.core.create_routing_rule(&o.admin, input).await.unwrap();
    let before = case(&t, id).await;
    let audit_before = t.store.subject_events("case", &id.to_string()).await.unwrap().len();

    for _ in 0..2 {
        let run = t.core.dry_run(&o.admin, id, Trigger::Created, None).await.unwrap();
        assert_eq!(run.case_id, id);
        assert_eq!(run.matches.len(), 1);
        assert_eq!(
            (run.matches[0].rule_id, run.matches[0].because.clone()),
            (saved.id, vec!["language equals \"tr\"".to_string()])
        );
        assert_eq!((run.actions.team_id, run.actions.owner), (Some(turkish), Some(OwnerStrategy::RoundRobin)));
        let a = run.assignment.expect("whom the round robin would pick");
        assert_eq!((a.chosen, a.strategy, a.skipped.len()), (Some(m0.id), OwnerStrategy::RoundRobin, 0));
        assert!(run.failed.is_empty());
    }
    // Nothing changed: not the case, not the round robin, not the trail.
    assert_eq!(case(&t, id).await, before);
    assert!(t.store.case_assignments(id).await.unwrap().is_empty());
    assert_eq!(t.store.subject_events("case", &id.to_string()).await.unwrap().len(), audit_before);
    assert!(notices(&t, m0, "assigned", id).await.is_empty());

    // Another trigger: the rule does not apply.
    let run = t.core.dry_run(&o.admin, id, Trigger::Updated, None).await.unwrap();
    assert!(run.matches.is_empty());
    assert!(run.assignment.is_none());

    // A draft is tried alone and checked like a saved rule, but not saved.
    let draft = rule(
        "Türkische Domains",
        vec![cond("contact.domain", Op::Equals, json!("example.com.tr"))],
        RuleActions { priority: Some(Priority::Urgent), ..Default::default() },
    );
    let run = t.core.dry_run(&o.admin, id, Trigger::Created, Some(draft)).await.unwrap();
    assert_eq!(run.matches.len(), 1);
    assert_eq!(run.matches[0].name, "Türkische Domains");
    assert_eq!(run.matches[0].because, ["contact.domain equals \"example.com.tr\""]);
    assert_eq!(
        (run.actions.priority, run.actions.team_id, run.assignment.is_none()),
        (Some(Priority::Urgent), None, true)
    );
    let bad = rule("Kaputt", vec![cond("subject", Op::Matches, json!("(("))], tags(&["x"]));
    let e = t.core.dry_run(&o.admin, id, Trigger::Created, Some(bad)).await.unwrap_err();
    assert_eq!(fields(e), [("conditions.all[0].value".to_string(), "invalid_regex".to_string())]);
    assert_eq!(t.core.routing_rules().await.unwrap().len(), 1);
    assert_eq!(case(&t, id).await, before);

    // When the case is routed for real, the rule picks whom the dry run named.
    let (next, _) = mail(&t, "ayse.demir@example.com.tr", "Ayşe Demir", "Tekrar", "Tekrar yazıyorum.").await;
    assert_eq!(case(&t, next).await.owner_id, Some(m0.id));
}
db_test!(a_dry_run_reports_without_changing_anything, a_dry_run_reports_without_changing_anything);

async fn a_rule_that_fails_at_run_time_is_skipped_and_recorded(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 0).await;
    let email = || vec![cond("channel", Op::Equals, json!("email"))];
    let broken = t.core.create_routing_rule(&o.admin, rule("Kaputt", email(), tags(&["kaputt"]))).await.unwrap();
    let good = t.core.create_routing_rule(&o.admin, rule("Gut", email(), tags(&["post"]))).await.unwrap();
    let unreadable = t.core.create_routing_rule(&o.admin, rule("Unlesbar", email(), tags(&["nie"]))).await.unwrap();
    // What a newer version or a hand edit may leave behind: a field this version does not know,
    // and JSON that does not decode at all.
    sqlx::query("UPDATE routing_rules SET conditions = $1 WHERE id = $2")
        .bind(r#"{"all":[{"field":"nonsense","op":"equals","value":"x"}]}"#)
        .bind(broken.id.to_string())
        .execute(t.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE routing_rules SET actions = 'kein json' WHERE id = $1")
        .bind(unreadable.id.to_string())
        .execute(t.store.pool())
        .await
        .unwrap();
    let listed = stored_rule(&t, unreadable.id).await;
    assert!(!listed.enabled, "an unreadable rule comes back disabled");
    let why = listed.last_error.unwrap();
    assert!(why.starts_with("the stored rule cannot be read: "), "{why}");

    let (first, _) = mail(&t, "erika.muster@example.de", "Erika Muster", "Frage", "Wann läuft es?").await;
    assert_eq!(case(&t, first).await.tags, ["post"], "the good rule still ran, the broken one was skipped");
    let r = stored_rule(&t, broken.id).await;
    assert_eq!((r.error_count, r.last_error_at), (1, Some(t.clock.now())));
    let error = r.last_error.unwrap();
    assert!(error.starts_with("conditions.all[0].field: unknown field \"nonsense\""), "{error}");
    let failed = t.store.subject_events("routing_rule", &broken.id.to_string()).await.unwrap();
    let failed: Vec<_> = failed.iter().filter(|e| e.action == "routing_rule.failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].actor.as_str(), after(failed[0])["case_id"].clone()), ("system", json!(first)));
    assert_eq!(after(failed[0])["error"], json!(error));
    assert_eq!(stored_rule(&t, good.id).await.error_count, 0);
    assert_eq!(stored_rule(&t, unreadable.id).await.error_count, 0, "a disabled rule is not evaluated");

    t.clock.advance(Duration::minutes(1));
    let (second, _) = mail(&t, "max.muster@example.de", "Max Muster", "Noch eine", "Noch eine Frage.").await;
    assert_eq!(case(&t, second).await.tags, ["post"]);
    let r = stored_rule(&t, broken.id).await;
    assert_eq!((r.error_count, r.last_error_at), (2, Some(t.clock.now())));

    // Fixing the rule clears its record, and it runs again.
    let fixed = rule("Kaputt", email(), tags(&["repariert"]));
    let r = t.core.update_routing_rule(&o.admin, broken.id, fixed).await.unwrap();
    assert_eq!((r.error_count, r.last_error.clone(), r.last_error_at), (0, None, None));
    let (third, _) = mail(&t, "ida.muster@example.de", "Ida Muster", "Dritte", "Dritte Frage.").await;
    assert_eq!(case(&t, third).await.tags, ["post", "repariert"]);
    assert_eq!(stored_rule(&t, broken.id).await.error_count, 0);
}
db_test!(a_rule_that_fails_at_run_time_is_skipped_and_recorded, a_rule_that_fails_at_run_time_is_skipped_and_recorded);

async fn a_rule_tells_people_once_although_it_matches_again(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let actions = RuleActions { notify: vec![NotifyTarget::TeamLead], team_id: Some(o.team), ..Default::default() };
    // Default triggers: created and analysed — the rule matches both times.
    let input = rule("Kündigungen", vec![cond("text", Op::ContainsAny, json!(["kündigung"]))], actions);
    t.core.create_routing_rule(&o.admin, input).await.unwrap();
    let (id, msg) = mail(&t, "karl.kunde@example.de", "Karl Kunde", "Abo", "Hiermit die Kündigung meines Abos.").await;
    let fake = crate::responsibility::analyser("de", &[("routine", 0.8)]);
    t.core.analyze_message(msg, &fake).await.unwrap();
    assert_eq!(events(&t, id, "case.routed").await.len(), 2, "it matched twice");
    assert_eq!(notices(&t, &o.lead, "routed", id).await.len(), 1, "the lead is told once");
}
db_test!(a_rule_tells_people_once_although_it_matches_again, a_rule_tells_people_once_although_it_matches_again);

/// Two mails of one case in one ingest batch: the rule matches on both (created, then message) and
/// tells the lead once. The second match must see the first's event, which is not committed yet.
async fn a_rule_tells_people_once_within_one_ingest_batch(db: Db) {
    let t = TestCore::new(db).await;
    let o = org(&t, 1).await;
    let actions = RuleActions { notify: vec![NotifyTarget::TeamLead], team_id: Some(o.team), ..Default::default() };
    let input = RuleInput {
        triggers: Some(vec![Trigger::Created, Trigger::Message]),
        ..rule("Kündigungen", vec![cond("text", Op::ContainsAny, json!(["kündigung"]))], actions)
    };
    t.core.create_routing_rule(&o.admin, input).await.unwrap();
    let first = resonanz_testkit::mail::inbound("karl.kunde@example.de", "Karl Kunde", "Abo", "Die Kündigung bitte.");
    let mut second = resonanz_testkit::mail::inbound("karl.kunde@example.de", "Karl Kunde", "Re: Abo", "Kündigung!");
    second.in_reply_to = vec![first.message_id.clone().unwrap()];
    let source = resonanz_core::mail::MailSource { label: "test".into(), mailbox_id: None };
    let items = [(first, b"k1".as_slice()), (second, b"k2")]
        .into_iter()
        .map(|(mail, raw)| resonanz_core::ingest::IngestItem { source: &source, raw, parsed: Ok(mail) })
        .collect();
    let r: Vec<_> = t.core.ingest_batch(items).await.into_iter().map(|r| r.unwrap()).collect();
    let id = r[0].case_id.unwrap();
    assert_eq!(r[1].case_id, Some(id), "the reply joins the case");
    assert_eq!(events(&t, id, "case.routed").await.len(), 2, "it matched twice");
    assert_eq!(notices(&t, &o.lead, "routed", id).await.len(), 1, "the lead is told once");
}
db_test!(a_rule_tells_people_once_within_one_ingest_batch, a_rule_tells_people_once_within_one_ingest_batch);
