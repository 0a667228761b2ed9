//! `resonanz serve --demo`: a believable German demonstration on an empty database — teams,
//! people, text blocks and a few hundred cases from viewers, parents, children and business
//! customers, some answered, some handed over. Everything goes through the real use cases
//! (ingest, assign, reply, delivery), with a clock set back to when each mail "arrived".

use std::sync::Arc;

use anyhow::Context;
use resonanz_core::Clock;
use resonanz_core::admin::NewMailbox;
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::clock::FakeClock;
use resonanz_core::ids::{TeamId, UserId};
use resonanz_core::mail::MailSource;
use resonanz_core::outbound::{MailTransport, Mailbox, TransportError};
use resonanz_core::service::{CasePatch, Core, ReplyInput};
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role};

use crate::demo_data::{AGENTS, DemoMail, TEAMS, TEXT_BLOCKS, demo_mails};

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
    for a in AGENTS {
        let role = Role::parse(a.role).unwrap_or(Role::Agent);
        let u = core.create_user(&Actor::System, a.email, a.name, role, hash.clone()).await?;
        if a.locale != "de" {
            core.set_locale(&Actor::System, u.id, a.locale).await?;
        }
        users.push((a.email, u.id));
    }
    let user = |email: &str| users.iter().find(|(e, _)| *e == email).map(|(_, id)| *id);
    let mut teams: Vec<(&str, TeamId)> = Vec::new();
    for t in TEAMS {
        let members: Vec<UserId> =
            AGENTS.iter().filter(|a| a.teams.contains(&t.name)).filter_map(|a| user(a.email)).collect();
        let view = core.create_team(&Actor::System, t.name, &members).await?;
        teams.push((t.name, view.team.id));
    }
    // The children and family team takes safeguarding cases.
    if let Some((_, team)) = teams.iter().find(|(name, _)| *name == crate::demo_data::SAFEGUARDING_TEAM) {
        let settings = resonanz_core::assist::AssistSettings {
            safeguarding_team: Some(*team),
            safeguarding_sla_minutes: resonanz_core::assist::DEFAULT_SAFEGUARDING_SLA_MINUTES,
        };
        core.set_assist_settings(&Actor::System, &settings).await?;
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
    let now = core.clock.now();
    let clock = Arc::new(FakeClock::new(now));
    let demo = Core::new(core.store.clone(), clock.clone(), core.settings.clone());
    let source = MailSource { label: "demo".into(), mailbox_id: Some(mailbox.id) };
    let admin = users.first().map(|(_, id)| *id).context("no demo users")?;
    let mut cases = 0;
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
        let team = teams.iter().find(|(name, _)| *name == m.team).map(|(_, id)| *id);
        let patch = CasePatch {
            priority: Priority::parse(m.priority),
            tags: Some(m.tags.iter().map(|t| t.to_string()).collect()),
            team_id: Some(team),
            ..Default::default()
        };
        demo.update_case(case_id, &Actor::System, patch).await?;
        let Some(owner) = m.owner_email.and_then(user) else { continue };
        clock.set(at + chrono::Duration::minutes(m.minutes_ago.min(40) / 2));
        demo.assign(case_id, owner, Some(owner), "").await?;
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
    // The replies "leave" through the real delivery path, into nowhere.
    clock.set(now);
    while crate::worker::run_one(&demo, &NowhereTransport).await? {}
    let logins: Vec<String> = AGENTS.iter().map(|a| format!("  {} ({}): {}", a.name, a.role, a.email)).collect();
    Ok(Some(format!(
        "Demonstration data added: {} teams, {} people, {} text blocks, {cases} cases.\nSign in with any of these, password \"{DEMO_PASSWORD}\":\n{}",
        TEAMS.len(),
        AGENTS.len(),
        TEXT_BLOCKS.len(),
        logins.join("\n")
    )))
}
