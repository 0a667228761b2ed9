//! `resonanz bench …`: reproducible benchmarks on generated German data (docs/BENCHMARKS.md).

use std::time::Instant;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use rand::{Rng, SeedableRng};
use resonanz_core::case::{CaseFilter, CaseStatus, OwnerFilter};
use resonanz_core::service::Core;
use resonanz_core::user::{Actor, Role, User};

use crate::adapters::parse_mail;
use crate::config::DbArgs;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Ingest N generated mails (20 % multipart with a PDF, 30 % replies) and report mails/s.
    Ingest {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
    /// Fill the database with N synthetic cases (one message each) for the read benchmarks.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
    },
    /// Time the inbox query: filtered case lists of 50 rows sorted by waiting time (p50/p95/p99).
    List {
        #[arg(long, default_value_t = 2_000)]
        iterations: usize,
    },
    /// Time full-text searches over all messages (p50/p95/p99).
    Search {
        #[arg(long, default_value_t = 500)]
        iterations: usize,
    },
    /// Time the workspace pages as the server renders them (inbox views, the rows fragment, case
    /// pages; p50/p95/p99/max per page) and weigh the first full page load (page and assets, gzip).
    Pages {
        /// Requests per page and role.
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Pages to leave out, by name (`inbox_all`) or role and name (`agent/inbox_all`).
        #[arg(long, value_delimiter = ',')]
        skip: Vec<String>,
    },
    /// Analyse messages on one thread (the shipped model) and report messages/s.
    Assist {
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
    },
    /// Propose drafts against an index of N synthetic resolved cases and report p50/p95/p99.
    Drafts {
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        #[arg(long, default_value_t = 500)]
        queries: usize,
    },
}

/// Percentiles in milliseconds of a set of durations.
fn percentiles(mut samples: Vec<f64>) -> serde_json::Value {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    serde_json::json!({
        "samples": samples.len(),
        "p50_ms": (at(0.50) * 1000.0).round() / 1000.0,
        "p95_ms": (at(0.95) * 1000.0).round() / 1000.0,
        "p99_ms": (at(0.99) * 1000.0).round() / 1000.0,
        "max_ms": (at(1.0) * 1000.0).round() / 1000.0,
    })
}

const FIRST: &[&str] = &["Anna", "Jonas", "Leonie", "Mehmet", "Sophie", "Lukas", "Marie", "Paul", "Emma", "Elias"];
const LAST: &[&str] =
    &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"];
const TOPICS: &[(&str, &str)] = &[
    ("Frage zur Rechnung", "ich habe eine Frage zu meiner letzten Rechnung. Der Betrag scheint mir zu hoch."),
    ("Sendung verpasst", "ich habe gestern die Sendung verpasst. Wo kann ich sie in der Mediathek finden?"),
    ("Beschwerde über Lautstärke", "die Werbung ist viel lauter als das Programm. Das stört sehr."),
    ("Kinderprogramm", "mein Sohn (8) liebt die Sendung. Gibt es die Folgen auch als Hörspiel?"),
    ("Lieferung verspätet", "meine Bestellung ist seit zwei Wochen unterwegs. Bitte prüfen Sie die Lieferung."),
];

/// A generated mail: `i` picks sender, topic and shape deterministically.
pub fn generated_mail(i: usize, prior_ids: &[String]) -> (Vec<u8>, String) {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let (subject, body) = TOPICS[i % TOPICS.len()];
    let id = format!("bench-{i}@kunde.example");
    let from = format!("{}.{}{}@example.de", first.to_lowercase(), last.to_lowercase().replace('ü', "ue"), i % 997);
    let mut headers = format!(
        "From: {first} {last} <{from}>\r\nTo: service@resonanz.test\r\nSubject: {subject}\r\nDate: Mon, 02 Mar 2026 08:15:00 +0100\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n"
    );
    let reply = i % 10 < 3 && !prior_ids.is_empty();
    if reply {
        let parent = &prior_ids[i % prior_ids.len()];
        headers.push_str(&format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"));
    }
    let text =
        format!("Sehr geehrte Damen und Herren,\r\n\r\n{body}\r\n\r\nMit freundlichen Grüßen\r\n{first} {last}\r\n");
    let raw = if i.is_multiple_of(5) {
        let pdf = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2cvUGFnZXMgMiAwIFI+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK";
        format!(
            "{headers}Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n--b{i}\r\nContent-Type: application/pdf; name=\"Rechnung-{i}.pdf\"\r\nContent-Disposition: attachment; filename=\"Rechnung-{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--b{i}--\r\n"
        )
    } else {
        format!("{headers}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}")
    };
    (raw.into_bytes(), id)
}

pub async fn run(cmd: BenchCommand, db: &DbArgs) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Seed { cases } => seed(db, cases).await?,
        BenchCommand::List { iterations } => list(db, iterations).await?,
        BenchCommand::Search { iterations } => search(db, iterations).await?,
        BenchCommand::Pages { iterations, skip } => pages(db, iterations, &skip).await?,
        BenchCommand::Assist { messages } => {
            let analyzer = resonanz_assist::Analyzer::builtin();
            let report =
                tokio::task::spawn_blocking(move || resonanz_assist::bench::throughput(&analyzer, messages)).await?;
            println!("{report}");
            println!("{}", serde_json::to_string(&report)?);
        }
        BenchCommand::Drafts { cases, queries } => {
            let report = tokio::task::spawn_blocking(move || resonanz_drafts::bench::run(cases, queries)).await?;
            println!("{report}");
            println!("{}", serde_json::to_string(&report)?);
        }
        BenchCommand::Ingest { count } => {
            let core = crate::cli::open(db).await?;
            let mails: Vec<(Vec<u8>, String)> = {
                let mut ids: Vec<String> = Vec::new();
                (0..count)
                    .map(|i| {
                        let m = generated_mail(i, &ids);
                        ids.push(m.1.clone());
                        m
                    })
                    .collect()
            };
            // Parsing alone, to see how the time splits between MIME and storage.
            let start = Instant::now();
            for (raw, _) in &mails {
                let _ = parse_mail(raw, 50 * 1024 * 1024);
            }
            let parse_secs = start.elapsed().as_secs_f64();
            let raws: Vec<resonanz_channels::mailbox_formats::RawMail> = mails
                .into_iter()
                .map(|(bytes, id)| resonanz_channels::mailbox_formats::RawMail { label: id, bytes })
                .collect();
            // The path of `resonanz ingest`: parse, then store in batches.
            let start = Instant::now();
            let mut report = Vec::new();
            for chunk in raws.chunks(200) {
                anyhow::ensure!(
                    crate::ingest_cmd::store_batch(&core, chunk, None, 50 * 1024 * 1024, &mut report).await?
                );
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{{\"bench\":\"ingest\",\"backend\":\"{:?}\",\"mails\":{count},\"cases\":{},\"seconds\":{secs:.3},\"mails_per_second\":{:.0},\"parse_only_seconds\":{parse_secs:.3}}}",
                core.store.backend(),
                String::from_utf8_lossy(&report).matches("\"status\":\"created\"").count(),
                count as f64 / secs
            );
        }
    }
    Ok(())
}

async fn seed(db: &DbArgs, cases: u64) -> anyhow::Result<()> {
    let core = crate::cli::open(db).await?;
    let mut agents = Vec::new();
    for i in 0..20 {
        let email = format!("agent{i}@bench.example");
        let user = match core.store.user_by_email(&email).await? {
            Some(u) => u,
            None => {
                core.create_user(
                    &Actor::System,
                    &email,
                    &format!("Agent {i}"),
                    resonanz_core::user::Role::Agent,
                    "!".into(),
                )
                .await?
            }
        };
        agents.push(user.id);
    }
    let store = resonanz_store::SqlStore::connect(&db.url()?, resonanz_store::StoreOptions::default()).await?;
    let start = Instant::now();
    let options = resonanz_store::SeedOptions { cases, agents, batch: 10_000 };
    store
        .seed_synthetic(&options, core.clock.now(), |done| {
            if done % 100_000 == 0 || done == cases {
                eprintln!("seeded {done} cases ({:.0} s)", start.elapsed().as_secs_f64());
            }
        })
        .await?;
    println!(
        "{}",
        serde_json::json!({"bench": "seed", "backend": format!("{:?}", core.store.backend()), "cases": cases, "seconds": start.elapsed().as_secs_f64()})
    );
    Ok(())
}

async fn list(db: &DbArgs, iterations: usize) -> anyhow::Result<()> {
    let core = crate::cli::open(db).await?;
    let agent = core.store.user_by_email("agent3@bench.example").await?.map(|u| u.id);
    let open = vec![CaseStatus::New, CaseStatus::Open];
    let filters = [
        ("open", CaseFilter { status: Some(open.clone()), limit: 50, ..Default::default() }),
        (
            "unowned_new",
            CaseFilter {
                status: Some(vec![CaseStatus::New]),
                owner: Some(OwnerFilter::Unowned),
                limit: 50,
                ..Default::default()
            },
        ),
        (
            "mine_open",
            CaseFilter {
                status: Some(open.clone()),
                owner: agent.map(OwnerFilter::User),
                limit: 50,
                ..Default::default()
            },
        ),
        ("all", CaseFilter { limit: 50, ..Default::default() }),
        (
            "open_text_common",
            CaseFilter { status: Some(open.clone()), text: Some("Rechnungen".into()), limit: 50, ..Default::default() },
        ),
        (
            "open_text_name",
            CaseFilter { status: Some(open.clone()), text: Some("Müller".into()), limit: 50, ..Default::default() },
        ),
        ("text_rare", CaseFilter { text: Some("712345".into()), limit: 50, ..Default::default() }),
    ];
    // Warm up, and find a second-page cursor for the paging variant.
    let page = core.list_cases(filters[0].1.clone()).await?;
    let cursor = page.next_cursor.as_deref().and_then(resonanz_core::case::CaseCursor::decode);
    let mut all = Vec::with_capacity(iterations);
    let mut per: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for i in 0..iterations {
        let (name, mut filter) = filters[i % filters.len()].clone();
        let name = if name == "open" && i % 2 == 1 {
            filter.cursor = cursor.clone();
            "open_page_2"
        } else {
            name
        };
        let start = Instant::now();
        let page = core.list_cases(filter).await?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(!page.items.is_empty(), "the {name} list is empty: seed first (resonanz bench seed)");
        all.push(ms);
        per.entry(name).or_default().push(ms);
    }
    let per: serde_json::Map<String, serde_json::Value> =
        per.into_iter().map(|(k, v)| (k.to_string(), percentiles(v))).collect();
    println!(
        "{}",
        serde_json::json!({"bench": "list", "backend": format!("{:?}", core.store.backend()), "rows": 50, "all": percentiles(all), "by_filter": per})
    );
    Ok(())
}

async fn search(db: &DbArgs, iterations: usize) -> anyhow::Result<()> {
    let core = crate::cli::open(db).await?;
    let translit = |w: &str| w.replace('ü', "ue").replace('ö', "oe").replace('ä', "ae").replace('ß', "ss");
    // What agents type: a name, a name and a topic word, a customer number, a topic in other
    // inflections, and two common words that rarely meet (the expensive case for any index).
    let mut queries: Vec<(&str, String)> = Vec::new();
    for (i, last) in resonanz_store::LAST_NAMES.iter().enumerate() {
        let first = resonanz_store::FIRST_NAMES[i % resonanz_store::FIRST_NAMES.len()];
        let (subject, _) = resonanz_store::TOPICS[i % resonanz_store::TOPICS.len()];
        queries.push(("name", last.to_string()));
        queries.push(("full_name", format!("{first} {last}")));
        queries
            .push(("name_and_topic", format!("{} {}", translit(last), subject.split(' ').next_back().unwrap_or(""))));
        queries.push(("customer_number", format!("{}", 700_000 + i * 15_383)));
    }
    for q in ["Rechnungen", "Untertitel Wiederholung", "Mediathek", "Lieferung Bestellung", "Satellit", "Hoerspiel"] {
        queries.push(("topic", q.to_string()));
    }
    for q in ["Rechnung Satellit", "Gewinnspiel Untertitel", "Kündigung Mediathek"] {
        queries.push(("rare_combination", q.to_string()));
    }
    let mut all = Vec::with_capacity(iterations);
    let mut per: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut hits = 0usize;
    for i in 0..iterations {
        let (kind, q) = &queries[i % queries.len()];
        let start = Instant::now();
        let found = core.search(q, 20).await?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        all.push(ms);
        per.entry(kind).or_default().push(ms);
        hits += found.len();
    }
    let per: serde_json::Map<String, serde_json::Value> =
        per.into_iter().map(|(k, v)| (k.to_string(), percentiles(v))).collect();
    println!(
        "{}",
        serde_json::json!({"bench": "search", "backend": format!("{:?}", core.store.backend()), "limit": 20, "distinct_queries": queries.len(), "hits": hits, "all": percentiles(all), "by_kind": per})
    );
    Ok(())
}

/// The password `bench pages` gives its two users (they sign in through the core like the login form).
const PAGES_PASSWORD: &str = "bench-pages-Passwort-1";

/// A user who can sign in: `email` is created with `role` if missing, and (re)gets the bench password.
async fn bench_user(core: &Core, email: &str, name: &str, role: Role) -> anyhow::Result<User> {
    let user = match core.store.user_by_email(email).await? {
        Some(u) => {
            core.set_password(&Actor::System, u.id, PAGES_PASSWORD).await?;
            u
        }
        None => {
            core.create_user(&Actor::System, email, name, role, crate::passwords::hash(PAGES_PASSWORD)?).await?;
            core.store.user_by_email(email).await?.context("the user just created")?
        }
    };
    Ok(user)
}

/// The lowest and highest case number (numbers are dense; found from any case by doubling, then
/// bisection).
async fn case_number_range(core: &Core) -> anyhow::Result<(i64, i64)> {
    let any = core.list_cases(CaseFilter { limit: 1, ..Default::default() }).await?;
    let known = any.items.first().context("there are no cases: seed first (resonanz bench seed)")?.number;
    let exists = |n: i64| async move { core.store.case_by_number(n).await.map(|c| c.is_some()) };
    let mut bounds = [0i64; 2];
    for (i, dir) in [-1i64, 1].into_iter().enumerate() {
        // `inside` exists, `outside` does not; close the gap.
        let mut step = 1;
        while known + dir * step >= 1 && exists(known + dir * step).await? {
            step *= 2;
        }
        let (mut inside, mut outside) = (known + dir * (step / 2), known + dir * step);
        while (outside - inside).abs() > 1 {
            let mid = inside + (outside - inside) / 2;
            if exists(mid).await? {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        bounds[i] = inside;
    }
    Ok((bounds[0], bounds[1]))
}

type Req = axum::http::Request<axum::body::Body>;
type Res = axum::response::Response;

/// The router as an in-process service (its `Service` methods are reached through `axum::ServiceExt`).
trait InProcess: axum::ServiceExt<Req, Response = Res, Error = std::convert::Infallible> + Clone {}

impl<S: axum::ServiceExt<Req, Response = Res, Error = std::convert::Infallible> + Clone> InProcess for S {}

/// One request through the whole router (every layer: session, security headers, compression), in
/// process. `S` is the router; its `Service` methods are reached through `axum::ServiceExt`.
async fn send<S>(app: &S, req: axum::http::Request<axum::body::Body>) -> anyhow::Result<(u16, HeaderMap, Bytes)>
where
    S: InProcess,
{
    let mut app = app.clone();
    std::future::poll_fn(|cx| app.poll_ready(cx)).await.map_err(|e| match e {})?;
    let res = app.call(req).await.map_err(|e| match e {})?;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| anyhow::anyhow!("reading a body: {e}"))?;
    Ok((parts.status.as_u16(), parts.headers, bytes))
}

fn get(path: &str, cookie: Option<&str>, gzip: bool) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::get(path).header(header::HOST, "localhost");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if gzip {
        req = req.header(header::ACCEPT_ENCODING, "gzip, deflate, br");
    }
    req.body(axum::body::Body::empty()).unwrap_or_default()
}

/// The values of `attr="…"` in tags that start with `tag` (`<link rel="stylesheet"`, `<script`).
fn linked(html: &str, tag: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(tag)
        .filter_map(|(i, _)| {
            let rest = &html[i..];
            let rest = &rest[..rest.find('>')?];
            let start = rest.find(&needle)? + needle.len();
            Some(rest[start..][..rest[start..].find('"')?].to_string())
        })
        .collect()
}

/// Bytes on the wire of a response as HTTP/1.1 sends it: status line, headers, body.
fn wire_size(status: u16, headers: &HeaderMap, body: &Bytes) -> usize {
    let head: usize = headers.iter().map(|(k, v)| k.as_str().len() + 2 + v.len() + 2).sum();
    format!("HTTP/1.1 {status} OK\r\n").len() + head + 2 + body.len()
}

/// A browser's first visit to a page with an empty cache: the page, then every style sheet, script and
/// icon it links, each with `Accept-Encoding: gzip`.
async fn first_load<S>(app: &S, path: &str, cookie: &str) -> anyhow::Result<serde_json::Value>
where
    S: InProcess,
{
    let (status, headers, page) = send(app, get(path, Some(cookie), true)).await?;
    anyhow::ensure!(status == 200, "GET {path}: {status}");
    let (_, _, plain) = send(app, get(path, Some(cookie), false)).await?;
    let html = String::from_utf8_lossy(&plain);
    let mut urls = linked(&html, "<link rel=\"stylesheet\"", "href");
    urls.extend(linked(&html, "<link rel=\"icon\"", "href"));
    urls.extend(linked(&html, "<script", "src"));
    let mut files = vec![serde_json::json!({
        "url": path,
        "encoding": headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity"),
        "uncompressed_bytes": plain.len(),
        "body_bytes": page.len(),
        "wire_bytes": wire_size(status, &headers, &page),
    })];
    let (mut body_total, mut wire_total) = (page.len(), wire_size(status, &headers, &page));
    for url in urls {
        let (status, headers, body) = send(app, get(&url, Some(cookie), true)).await?;
        anyhow::ensure!(status == 200, "GET {url}: {status}");
        let (_, _, plain) = send(app, get(&url, Some(cookie), false)).await?;
        body_total += body.len();
        wire_total += wire_size(status, &headers, &body);
        files.push(serde_json::json!({
            "url": url,
            "encoding": headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity"),
            "uncompressed_bytes": plain.len(),
            "body_bytes": body.len(),
            "wire_bytes": wire_size(status, &headers, &body),
        }));
    }
    Ok(serde_json::json!({"requests": files.len(), "body_bytes": body_total, "wire_bytes": wire_total, "files": files}))
}

/// `bench pages`: the workspace as a browser sees it, at the size of a seeded database. The router
/// runs in process (no sockets), so the times are the server's: session lookup, queries, template,
/// gzip. Two people sign in through the core: the seeded agent 3 (owns ~35,000 cases; as an agent
/// sees the cases without a team, their own and their team's) and a supervisor (sees everything).
/// Once per database it adds what the seed lacks: a team holding every 500th case, and every
/// 5,000th case escalated.
async fn pages(db: &DbArgs, iterations: usize, skip: &[String]) -> anyhow::Result<()> {
    let core = crate::cli::open(db).await?;
    let agent = core
        .store
        .user_by_email("agent3@bench.example")
        .await?
        .context("no agent3@bench.example: seed first (resonanz bench seed)")?;
    let agent = bench_user(&core, &agent.email, &agent.display_name, Role::Agent).await?;
    let supervisor = bench_user(&core, "supervisor@bench.example", "Bench Supervisor", Role::Supervisor).await?;
    let (min_number, max_number) = case_number_range(&core).await?;
    // A team for the "teams" view: both are members; every 500th case belongs to it (set once,
    // through the same use case as the case page's form).
    if !core.store.teams().await?.iter().any(|t| t.name == "Bench") {
        let team = core.create_team(&Actor::System, "Bench", &[agent.id, supervisor.id]).await?;
        let start = Instant::now();
        let mut n = min_number + 499;
        while n <= max_number {
            if let Some(case) = core.store.case_by_number(n).await? {
                let patch =
                    resonanz_core::service::CasePatch { team_id: Some(Some(team.team.id)), ..Default::default() };
                core.update_case(case.id, &Actor::System, patch).await?;
            }
            n += 500;
        }
        let assigned = (max_number - min_number + 1) / 500;
        eprintln!("bench team: {assigned} cases assigned ({:.1} s)", start.elapsed().as_secs_f64());
    }
    // A few escalated cases for the "escalated" view: every 5,000th (200 of a million).
    let escalated = resonanz_core::workspace::InboxQuery {
        view: Some(resonanz_core::workspace::InboxView::Escalated),
        status: Some(CaseStatus::New),
        limit: 1,
        ..Default::default()
    };
    if core.inbox(&supervisor, &escalated).await?.items.is_empty() {
        let mut n = min_number + 4_999;
        while n <= max_number {
            if let Some(case) = core.store.case_by_number(n).await? {
                core.set_escalation(case.id, supervisor.id, 1, "bench pages").await?;
            }
            n += 5_000;
        }
    }

    let state = resonanz_web::AppState {
        core: core.clone(),
        parse_mail: std::sync::Arc::new(|raw: &[u8]| parse_mail(raw, 50 * 1024 * 1024)),
        drafts: None,
        max_mail_bytes: 50 * 1024 * 1024,
        ui: resonanz_web::ui::UiSettings::new("http://localhost"),
    };
    let app = resonanz_web::router(state);

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut per: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    let mut all = Vec::new();
    let mut first_loads = serde_json::Map::new();
    for (role, user) in [("agent", &agent), ("supervisor", &supervisor)] {
        let session = match core.login(&user.email, PAGES_PASSWORD, "resonanz bench pages").await? {
            Ok(s) => s,
            Err(refused) => anyhow::bail!("{} cannot sign in: {refused:?}", user.email),
        };
        let cookie = format!("{}={}", resonanz_web::ui::SESSION_COOKIE, session.secret);
        let unowned = resonanz_core::workspace::InboxQuery {
            view: Some(resonanz_core::workspace::InboxView::Unowned),
            limit: 50,
            ..Default::default()
        };
        let second = core.inbox(user, &unowned).await?.next_cursor.context("a second unowned page")?;
        let mut kinds: Vec<(&str, Option<String>)> = vec![
            ("inbox_mine", Some("/?view=mine".into())),
            ("inbox_unowned", Some("/?view=unowned".into())),
            ("inbox_all", Some("/?view=all".into())),
            ("inbox_teams", Some("/?view=teams".into())),
            ("inbox_waiting", Some("/?view=waiting".into())),
            ("inbox_escalated", Some("/?view=escalated".into())),
            ("inbox_unowned_page_2", Some(format!("/?view=unowned&cursor={second}"))),
            ("rows_fragment_unowned", Some("/inbox/rows?view=unowned".into())),
            ("rows_fragment_mine", Some("/inbox/rows?view=mine".into())),
            ("case_page", None),
        ];
        kinds.retain(|(name, _)| !skip.iter().any(|s| s == name || *s == format!("{role}/{name}")));
        // The first round warms up (templates, statement caches, pages the OS reads first) and is
        // not counted.
        for i in 0..(iterations + 1) * kinds.len() {
            let (name, path) = &kinds[i % kinds.len()];
            let path = match path {
                Some(p) => p.clone(),
                None => {
                    let number = rng.gen_range(min_number..=max_number);
                    let case = core.store.case_by_number(number).await?.context("a case by number")?;
                    format!("/cases/{}", case.id)
                }
            };
            let start = Instant::now();
            let (status, _, body) = send(&app, get(&path, Some(&cookie), true)).await?;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(status == 200 && !body.is_empty(), "GET {path}: {status}");
            if i < kinds.len() {
                continue;
            }
            all.push(ms);
            per.entry(format!("{role}/{name}")).or_default().push(ms);
        }
        if role == "agent" {
            let case = core.store.case_by_number((min_number + max_number) / 2).await?.context("a case by number")?;
            first_loads.insert("inbox".into(), first_load(&app, "/", &cookie).await?);
            first_loads.insert("case".into(), first_load(&app, &format!("/cases/{}", case.id), &cookie).await?);
        }
        core.logout(&session.secret).await?;
    }
    let per: serde_json::Map<String, serde_json::Value> = per.into_iter().map(|(k, v)| (k, percentiles(v))).collect();
    println!(
        "{}",
        serde_json::json!({
            "bench": "pages",
            "backend": format!("{:?}", core.store.backend()),
            "cases": max_number - min_number + 1,
            "iterations_per_page": iterations,
            "all": percentiles(all),
            "by_page": per,
            "first_load_gzip": first_loads,
        })
    );
    Ok(())
}
