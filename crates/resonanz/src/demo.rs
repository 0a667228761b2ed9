//! `resonanz serve --demo`: a believable German demonstration on an empty database — teams,
//! people, text blocks and a few hundred cases from viewers, parents, children and business
//! customers, some answered, some handed over. Everything goes through the real use cases
//! (ingest, analysis, routing, assign, reply, delivery), with a clock set back to when each mail
//! "arrived".
//!
//! Responsibility is set up the way an administrator would: team leads, languages, one person on
//! leave, the organisation's calendar and routing rules before the mail comes in (so the rules act
//! on arrival and after Assist's analysis), a manual escalation and follow-ups on the way, and the
//! SLA policies last, as an organisation introduces them on an existing backlog: saving a policy
//! recomputes every open case without escalating what was already late; what turns late from now
//! on is escalated by the watcher.

use std::sync::Arc;

use anyhow::Context;
use resonanz_core::Clock;
use resonanz_core::admin::NewMailbox;
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::clock::FakeClock;
use resonanz_core::ids::{TeamId, UserId};
use resonanz_core::mail::MailSource;
use resonanz_core::outbound::{MailTransport, Mailbox, TransportError};
use resonanz_core::responsibility::FollowUpKind;
use resonanz_core::routing::{Condition, Conditions, NotifyTarget, Op, OwnerStrategy, RuleActions, RuleInput, Trigger};
use resonanz_core::service::{CasePatch, Core, ReplyInput};
use resonanz_core::sla::PolicyInput;
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role};

use crate::demo_data::{AGENTS, DemoMail, TEAMS, TEXT_BLOCKS, demo_mails};

fn condition(field: &str, op: Op, value: serde_json::Value) -> Condition {
    Condition { field: field.into(), op, value }
}

/// The demonstration's routing rules, in order.
fn routing_rules(team: impl Fn(&str) -> Option<TeamId>) -> Vec<RuleInput> {
    use serde_json::json;
    let created = Some(vec![Trigger::Created]);
    vec![
        RuleInput {
            name: "„Dringend“ im Betreff → Priorität dringend".into(),
            enabled: true,
            triggers: created.clone(),
            conditions: Conditions {
                all: vec![condition("subject", Op::ContainsAny, json!(["dringend", "eilt", "eilig"]))],
                any: Vec::new(),
            },
            actions: RuleActions { priority: Some(Priority::Urgent), ..Default::default() },
            ..Default::default()
        },
        RuleInput {
            name: "VIP-Kontakte: Geschäftskunden, Teamleitung informieren".into(),
            enabled: true,
            triggers: created.clone(),
            conditions: Conditions { all: vec![condition("contact.vip", Op::Equals, json!("true"))], any: Vec::new() },
            actions: RuleActions {
                team_id: team(crate::demo_data::T_GK),
                priority: Some(Priority::High),
                add_tags: vec!["vip".into()],
                notify: vec![NotifyTarget::TeamLead],
                ..Default::default()
            },
            stop: true,
            ..Default::default()
        },
        RuleInput {
            name: "Kündigung oder Widerruf → Geschäftskunden, hohe Priorität".into(),
            enabled: true,
            triggers: created,
            conditions: Conditions {
                all: vec![condition(
                    "text",
                    Op::ContainsAny,
                    json!(["kündigung", "kündigen", "widerruf", "widerrufen"]),
                )],
                any: Vec::new(),
            },
            actions: RuleActions {
                team_id: team(crate::demo_data::T_GK),
                priority: Some(Priority::High),
                add_tags: vec!["kündigung".into()],
                ..Default::default()
            },
            stop: true,
            ..Default::default()
        },
        RuleInput {
            // The language is known once Assist has analysed the mail (new contacts count as German);
            // the VIP and cancellation rules above stop the evaluation, so those stay where they are.
            name: "Türkisch oder Englisch → Zuschauerservice, reihum".into(),
            enabled: true,
            triggers: Some(vec![Trigger::Created, Trigger::Analysed]),
            conditions: Conditions {
                all: vec![
                    condition("language", Op::In, json!(["tr", "en"])),
                    condition("team", Op::IsNotSet, serde_json::Value::Null),
                ],
                any: Vec::new(),
            },
            actions: RuleActions {
                team_id: team(crate::demo_data::T_ZS),
                owner: Some(OwnerStrategy::RoundRobin),
                ..Default::default()
            },
            ..Default::default()
        },
    ]
}

/// The SLA policies: the first that applies to a case counts. Targets in business minutes
/// (a business day of the demo calendar has 600).
fn sla_policies() -> Vec<PolicyInput> {
    let policy = |name: &str, priority, category: Option<&str>, first: i64, resolution: i64, warn: i64| PolicyInput {
        name: name.into(),
        enabled: true,
        priority,
        category: category.map(str::to_string),
        first_response_minutes: first,
        resolution_minutes: resolution,
        warn_before_minutes: warn,
        ..Default::default()
    };
    vec![
        policy("Dringend", Some(Priority::Urgent), None, 60, 8 * 60, 30),
        policy("Beschwerden", None, Some("complaint"), 4 * 60, 3 * 600, 60),
        policy("Standard", None, None, 8 * 60, 5 * 600, 60),
    ]
}

/// The next Monday at `hour` local time after `now`.
fn next_monday(now: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz, hour: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::Datelike;
    let local = now.with_timezone(&tz).date_naive();
    let days = 7 - i64::from(local.weekday().num_days_from_monday());
    let date = local + chrono::Duration::days(days);
    date.and_hms_opt(hour, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(now + chrono::Duration::days(days), |t| t.with_timezone(&chrono::Utc))
}

/// The password of every demonstration account. A demo only: printed at start-up.
pub const DEMO_PASSWORD: &str = "resonanz-demo";

/// Accepts every mail without sending it anywhere: the demo's replies count as delivered.
struct NowhereTransport;

#[async_trait::async_trait]
impl MailTransport for NowhereTransport {
    async fn send(&self, _: &Mailbox, _: &str, _: &[String], _: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }
}

fn raw_mail(
    m: &DemoMail,
    to: &str,
    subject: &str,
    text: &str,
    date: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> Vec<u8> {
    let encoded_name = format!("=?utf-8?B?{}?=", base64_encode(m.from_name.as_bytes()));
    let encoded_subject = format!("=?utf-8?B?{}?=", base64_encode(subject.as_bytes()));
    format!(
        "From: {encoded_name} <{}>\r\nTo: {to}\r\nSubject: {encoded_subject}\r\nDate: {}\r\nMessage-ID: <demo-{n}@demo.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
        m.from_addr,
        date.to_rfc2822(),
        text.replace('\n', "\r\n")
    )
    .into_bytes()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Fills an empty database; returns what to print, or `None` if there was data already.
pub async fn fill(core: &Core) -> anyhow::Result<Option<String>> {
    if core.store.count_users().await? > 0 {
        return Ok(None);
    }
    let hash = resonanz_core::passwords::hash(DEMO_PASSWORD)?;
    let mut users: Vec<(&str, UserId)> = Vec::new();
    let mut admin_user = None;
    for a in AGENTS {
        let role = Role::parse(a.role).unwrap_or(Role::Agent);
        let u = core.create_user(&Actor::System, a.email, a.name, role, hash.clone()).await?;
        if a.locale != "de" {
            core.set_locale(&Actor::System, u.id, a.locale).await?;
        }
        users.push((a.email, u.id));
        if role == Role::Admin && admin_user.is_none() {
            admin_user = Some(u);
        }
    }
    let admin_user = admin_user.context("no demo administrator")?;
    let admin = admin_user.id;
    let user = |email: &str| users.iter().find(|(e, _)| *e == email).map(|(_, id)| *id);
    let mut teams: Vec<(&str, TeamId)> = Vec::new();
    for t in TEAMS {
        let members: Vec<UserId> =
            AGENTS.iter().filter(|a| a.teams.contains(&t.name)).filter_map(|a| user(a.email)).collect();
        let view = core.create_team(&Actor::System, t.name, &members).await?;
        teams.push((t.name, view.team.id));
    }
    let team = |name: &str| teams.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
    // The children and family team takes safeguarding cases.
    if let Some(team) = team(crate::demo_data::SAFEGUARDING_TEAM) {
        let settings = resonanz_core::assist::AssistSettings {
            safeguarding_team: Some(team),
            safeguarding_sla_minutes: resonanz_core::assist::DEFAULT_SAFEGUARDING_SLA_MINUTES,
        };
        core.set_assist_settings(&Actor::System, &settings).await?;
    }
    // Responsibility: leads, languages, the calendar and the routing rules.
    for (name, lead) in crate::demo_data::TEAM_LEADS {
        if let (Some(t), Some(l)) = (team(name), user(lead)) {
            core.set_team_lead(admin, t, Some(l)).await.with_context(|| format!("team lead of {name}"))?;
        }
    }
    for (email, languages) in crate::demo_data::LANGUAGES {
        if let Some(u) = user(email) {
            let languages = Some(languages.iter().map(|l| l.to_string()).collect());
            core.set_availability(&admin_user, u, Default::default(), None, languages, None).await?;
        }
    }
    let now = core.clock.now();
    let year = chrono::Datelike::year(&now.with_timezone(&core.settings.time_zone));
    let mut calendar = resonanz_core::sla::default_calendar_spec(core.settings.time_zone.name());
    calendar.state = Some("NW".into());
    calendar.closures = serde_json::from_value(serde_json::json!([
        {"from": format!("{}-12-24", year - 1), "to": format!("{}-12-31", year - 1), "name": "Betriebsferien"},
        {"from": format!("{year}-12-24"), "to": format!("{year}-12-31"), "name": "Betriebsferien"},
    ]))?;
    core.set_calendar(admin, None, Some(&calendar)).await.context("the demo calendar")?;
    for rule in routing_rules(team) {
        let name = rule.name.clone();
        core.create_routing_rule(&admin_user, rule).await.with_context(|| format!("routing rule {name}"))?;
    }
    for b in TEXT_BLOCKS {
        let input = TextBlockInput {
            name: b.name.into(),
            category: b.category.into(),
            language: b.language.into(),
            tone: b.tone.into(),
            body: b.body.into(),
        };
        core.create_text_block(&Actor::System, &input).await.with_context(|| format!("text block {}", b.name))?;
    }
    let mailbox = core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Publikumsservice".into(),
                address: "publikum@sender.example".into(),
                display_name: "Publikumsservice Sender Beispiel".into(),
                signature: "Ihr Publikumsservice".into(),
                is_default: true,
                ..Default::default()
            },
        )
        .await?;

    // Oldest first, each at its own moment: the inbox then shows real waiting times.
    let mut mails = demo_mails(2026);
    mails.extend(crate::demo_data::safeguarding_mails());
    mails.sort_by_key(|m| std::cmp::Reverse(m.minutes_ago));
    let moments = crate::demo_data::responsibility_moments(&mut mails);
    // Two business customers are known VIP contacts before they write.
    for &i in &moments.vip {
        let m = &mails[i];
        let contact = resonanz_core::contact::NewContact {
            display_name: m.from_name.clone(),
            emails: vec![m.from_addr.clone()],
            address_form: Some("formal".into()),
            language: Some(m.language.into()),
            notes: Some("Rahmenvertrag; Ansprechpartner bei Fragen: Teamleitung Geschäftskunden.".into()),
            organisation_id: None,
            attributes: [("vip".to_string(), "true".to_string())].into_iter().collect(),
        };
        core.create_contact(&Actor::System, contact).await.context("a VIP contact")?;
    }
    let clock = Arc::new(FakeClock::new(now));
    let demo = Core::new(core.store.clone(), clock.clone(), core.settings.clone());
    let source = MailSource { label: "demo".into(), mailbox_id: Some(mailbox.id) };
    let mut cases = 0;
    let mut escalated = false;
    for (n, m) in mails.iter().enumerate() {
        let at = now - chrono::Duration::minutes(m.minutes_ago);
        clock.set(at);
        let raw = raw_mail(m, &mailbox.address, &m.subject, &m.text, at, n);
        let report = demo.ingest_mail(&source, &raw, crate::adapters::parse_mail(&raw, 1 << 20)).await?;
        let Some(case_id) = report.case_id else { continue };
        cases += 1;
        if let Some(cv) = demo.store.contact(demo.store.case(case_id).await?.context("case")?.contact_id).await? {
            let patch = resonanz_core::contact::ContactPatch {
                language: Some(m.language.into()),
                address_form: Some(if m.informal { "informal" } else { "formal" }.into()),
                ..Default::default()
            };
            demo.update_contact(&Actor::System, cv.contact.id, patch).await?;
        }
        // Assist analyses the mail right after it arrived; rules on `analysed` act then.
        while crate::worker::run_one(&demo, &NowhereTransport).await? {}
        // A person sorts what routing left open: the team, the priority (unless a rule or the
        // safeguarding protocol set one), the tags.
        let case = demo.store.case(case_id).await?.context("case")?;
        let routed = case.team_id.is_some();
        let template_team = team(m.team);
        let mut tags = case.tags.clone();
        tags.extend(m.tags.iter().map(|t| t.to_string()));
        let patch = CasePatch {
            priority: Priority::parse(m.priority).filter(|_| case.priority == Priority::Normal),
            tags: Some(tags),
            team_id: (!routed).then_some(template_team),
            ..Default::default()
        };
        demo.update_case(case_id, &Actor::System, patch).await?;
        // The owner routing chose, else the one of the story (if the case is in their team).
        let case = demo.store.case(case_id).await?.context("case")?;
        let owner = case.owner_id.or(m.owner_email.and_then(user).filter(|_| case.team_id == template_team));
        let Some(owner) = owner else { continue };
        clock.set(at + chrono::Duration::minutes(m.minutes_ago.min(40) / 2));
        demo.assign(case_id, owner, Some(owner), "").await?;
        // One case is escalated by hand: a business customer's complaint that went nowhere.
        if !escalated && m.team == crate::demo_data::T_GK && m.reply.is_none() && m.status == "open" {
            clock.set(at + chrono::Duration::minutes((m.minutes_ago / 3).clamp(25, 24 * 60)));
            let reason = "Kunde wartet seit Tagen und droht mit dem Anwalt – bitte Teamleitung übernehmen.";
            demo.set_escalation(case_id, owner, 1, reason).await?;
            escalated = true;
        }
        if let Some(reply) = &m.reply {
            clock.set(at + chrono::Duration::minutes((m.minutes_ago * 2 / 3).clamp(1, 24 * 60)));
            let status = CaseStatus::parse(m.status).filter(|s| *s != CaseStatus::Open);
            demo.reply(case_id, owner, ReplyInput { text: reply.clone(), status, ..Default::default() }).await?;
            if let Some(follow) = &m.follow_up {
                clock.set(at + chrono::Duration::minutes((m.minutes_ago * 5 / 6).max(2)));
                let number = demo.store.case(case_id).await?.context("case")?.number;
                let subject = format!("AW: {} [#R-{number}]", m.subject);
                let raw = raw_mail(m, &mailbox.address, &subject, follow, clock.now(), n + 100_000);
                demo.ingest_mail(&source, &raw, crate::adapters::parse_mail(&raw, 1 << 20)).await?;
            }
        } else if m.status == "waiting_on_contact" || m.status == "resolved" || m.status == "closed" {
            let patch = CasePatch { status: CaseStatus::parse(m.status), ..Default::default() };
            demo.update_case(case_id, &Actor::User(owner), patch).await?;
        }
    }
    // A few handovers waiting for acknowledgement, so the workspace shows them.
    let open = demo.list_cases(resonanz_core::case::CaseFilter { limit: 40, ..Default::default() }).await?;
    let agents: Vec<UserId> = AGENTS.iter().filter(|a| a.role == "agent").filter_map(|a| user(a.email)).collect();
    clock.set(now - chrono::Duration::minutes(30));
    for (i, c) in open.items.iter().filter(|c| c.owner_id.is_some()).take(4).enumerate() {
        let to = agents[(i + 1) % agents.len().max(1)];
        if Some(to) != c.owner_id {
            let by = c.owner_id.unwrap_or(admin);
            demo.assign(
                c.id,
                by,
                Some(to),
                "Ich bin ab morgen im Urlaub – bitte übernehmen, die Antwort ist schon angefangen.",
            )
            .await?;
        }
    }
    // Follow-ups: one that came due an hour ago (the watcher reports it at start), a call back
    // tomorrow, and a case put aside until Monday.
    let owned: Vec<_> = open
        .items
        .iter()
        .filter(|c| c.owner_id.is_some())
        .skip(4)
        .filter(|c| c.status.is_open() && !c.safeguarding && c.created_at < now - chrono::Duration::days(1))
        .take(3)
        .collect();
    let tz = core.settings.time_zone;
    let follow_ups = [
        (
            now - chrono::Duration::days(1),
            FollowUpKind::Task,
            now - chrono::Duration::hours(1),
            "Rückruf zusagen: Sendetermin bei der Redaktion erfragen",
        ),
        (
            now - chrono::Duration::minutes(20),
            FollowUpKind::Task,
            now + chrono::Duration::days(1),
            "Gutschrift mit der Buchhaltung klären und Kunden informieren",
        ),
        (
            now - chrono::Duration::minutes(10),
            FollowUpKind::Snooze,
            next_monday(now, tz, 9),
            "Wartet auf Rückmeldung der Technik",
        ),
    ];
    for (case, (set_at, kind, due, note)) in owned.iter().zip(follow_ups) {
        clock.set(set_at);
        let by = case.owner_id.unwrap_or(admin);
        demo.add_follow_up(case.id, by, kind, due, note).await.context("a follow-up")?;
    }
    // The replies "leave" through the real delivery path, into nowhere.
    clock.set(now);
    while crate::worker::run_one(&demo, &NowhereTransport).await? {}
    // One person is on leave until next Monday: routing passes her over from now on.
    if let Some(u) = user(crate::demo_data::ABSENT) {
        let until = Some(next_monday(now, tz, 8));
        demo.set_availability(&admin_user, u, resonanz_core::routing::Availability::Absent, until, None, None).await?;
    }
    // The SLA policies last: each save recomputes every open case (deadlines in business time).
    // Introduced on a backlog, they find many cases late at once and leave them to the watcher; the
    // administrator turns the escalation of SLA warnings and breaches off while saving them and
    // letting the watcher look (their owners are still told) and back on, so that what turns late
    // from now on is escalated as usual.
    let settings = demo.responsibility_settings().await?;
    let quiet = resonanz_core::responsibility::ResponsibilitySettings {
        sla_warning_level: 0,
        sla_breach_level: 0,
        ..settings.clone()
    };
    demo.set_responsibility_settings(&Actor::User(admin), &quiet).await?;
    for policy in sla_policies() {
        let name = policy.name.clone();
        demo.save_sla_policy(admin, None, policy).await.with_context(|| format!("SLA policy {name}"))?;
    }
    demo.check_sla_due().await.context("the watcher's SLA checks")?;
    demo.set_responsibility_settings(&Actor::User(admin), &settings).await?;
    let logins: Vec<String> = AGENTS.iter().map(|a| format!("  {} ({}): {}", a.name, a.role, a.email)).collect();
    Ok(Some(format!(
        "Demonstration data added: {} teams, {} people, {} text blocks, {cases} cases.\nSign in with any of these, password \"{DEMO_PASSWORD}\":\n{}",
        TEAMS.len(),
        AGENTS.len(),
        TEXT_BLOCKS.len(),
        logins.join("\n")
    )))
}
