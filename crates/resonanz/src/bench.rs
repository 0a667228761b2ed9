//! `resonanz bench …`: reproducible benchmarks on generated German data (docs/BENCHMARKS.md).

use std::time::Instant;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use rand::{Rng, SeedableRng};
use resonanz_core::case::{CaseFilter, CaseStatus, OwnerFilter, Priority};
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
    /// Evaluate N generated cases against compiled routing rules on one thread (µs per case,
    /// p50/p95/p99); store reads and writes are not part of it.
    Routing {
        #[arg(long, default_value_t = 200)]
        rules: usize,
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
    },
    /// Recompute the SLA state of N open cases (`Core::recompute_sla`) after policies and a
    /// calendar are set, on a fresh SQLite database in a temporary directory, or on the empty
    /// PostgreSQL database of `--database-url`; and the pure evaluation alone.
    Sla {
        /// Open cases (about 1.43 times as many cases are seeded: 70 % of them are open).
        #[arg(long, default_value_t = 100_000)]
        cases: u64,
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
        BenchCommand::Routing { rules, cases } => {
            let report = tokio::task::spawn_blocking(move || routing(rules, cases)).await?;
            println!(
                "{} rules, {} cases on one thread: mean {} µs, p50 {} µs, p95 {} µs, p99 {} µs, max {} µs per case; {} cases/s. Pure evaluation: building the facts and store I/O are outside.",
                report["rules"],
                report["cases"],
                report["mean_us"],
                report["p50_us"],
                report["p95_us"],
                report["p99_us"],
                report["max_us"],
                report["cases_per_second_one_thread"]
            );
            println!("{report}");
        }
        BenchCommand::Sla { cases } => sla(db, cases).await?,
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

// ---------------------------------------------------------------------------------------------
// Routing: 200 rules over generated case facts.
// ---------------------------------------------------------------------------------------------

/// Keyword groups an organisation routes by (German, as agents write them into rules).
const RULE_KEYWORDS: &[&[&str]] = &[
    &["kündigung", "kündigen", "widerruf", "vertrag beenden", "sonderkündigung"],
    &["rechnung", "mahnung", "lastschrift", "rückbuchung", "gutschrift", "zahlungserinnerung"],
    &["datenschutz", "dsgvo", "auskunft", "löschung", "einwilligung"],
    &["empfang", "satellit", "kabel", "dvb-t2", "sendersuchlauf", "bildstörung"],
    &["mediathek", "app", "stream", "smart-tv", "abspielen"],
    &["gewinnspiel", "gewinner", "teilnahme", "verlosung"],
    &["beschwerde", "unverschämt", "frechheit", "skandal", "empörend"],
    &["untertitel", "audiodeskription", "gebärdensprache", "barrierefrei"],
    &["jugendschutz", "altersfreigabe", "kinder", "gewalt"],
    &["anwalt", "rechtsanwalt", "klage", "abmahnung", "gericht"],
    &["presse", "redaktion", "interview", "journalist"],
    &["lieferung", "bestellung", "versand", "paket", "sendungsverfolgung"],
];

const RULE_SUBJECT_PATTERNS: &[&str] = &[
    r"\b(re|rechnung)[- ]?\d{4}-\d{5}\b",
    r"^(aw|wg|fwd?|re):\s",
    r"\bauftrag\s*(nr\.?|nummer)?\s*\d{5,}",
    r"\b(dringend|eilt|sofort|umgehend)\b",
    r"\bkundennummer\s*:?\s*\d{6}\b",
    r"^\[(extern|external)\]",
    r"\b(folge|episode)\s+\d+\b",
    r"\b(tatort|polizeiruf|sportschau|tagesschau)\b",
    r"\bau-\d{4}-\d{3,4}\b",
    r"(?:beschwerde|reklamation).*(?:sendung|programm)",
];

const RULE_BODY_PATTERNS: &[&str] = &[
    r"kundennummer[:\s]*\d{6,}",
    r"\b\d{5}\s+[a-zäöüß-]{3,}",
    r"\biban\b|\bde\d{2}\s?\d{4}",
    r"(?:anwalt|rechtsanwältin|rechtsanwalt)\w*",
];

const SUBJECTS: &[&str] = &[
    "Frage zu meiner Rechnung RE-2026-{n}",
    "Kündigung meines Vertrags zum Monatsende",
    "AW: Ihre Anfrage [#R-{n}]",
    "Sendung vom Sonntag verpasst – Mediathek?",
    "Beschwerde über die Lautstärke der Werbung",
    "Kein Empfang mehr über Satellit seit gestern",
    "Untertitel fehlen beim Tatort",
    "Gewinnspiel: keine Bestätigung erhalten",
    "Datenschutzauskunft nach Art. 15 DSGVO",
    "Lob für die Moderation am Freitag",
    "Dringend: Auftrag Nr. {n} nicht geliefert",
    "Folge 12 der Zauberwald-Expedition",
    "Wiederholung der Dokumentation über die Alpen",
    "Rückfrage zur Gutschrift",
    "WG: Lastschrift zurückgegangen",
    "Anfrage der Redaktion: Interview nächste Woche",
    "Mein Sohn (8) möchte der Moderatorin schreiben",
    "Question about my subscription",
    "Yayın saatleri hakkında soru",
    "Bildstörung bei DVB-T2 in {plz} Köln",
];

const SENTENCES: &[&str] = &[
    "Sehr geehrte Damen und Herren,",
    "ich wende mich heute mit einer Frage an Sie, die mich schon länger beschäftigt.",
    "Leider habe ich bis heute keine Antwort auf meine letzte Nachricht erhalten.",
    "Meine Kundennummer ist {n}, die Rechnungsnummer finden Sie im Anhang.",
    "Seit dem letzten Sendersuchlauf fehlen mehrere Programme auf meinem Fernseher.",
    "In der Mediathek lässt sich die Sendung auf dem Smart-TV nicht abspielen.",
    "Ich bitte um eine kurze Bestätigung, dass Sie mein Schreiben erhalten haben.",
    "Die Werbung ist deutlich lauter als das Programm, das stört beim Zuschauen sehr.",
    "Hiermit widerrufe ich meine Einwilligung zur Speicherung meiner Daten.",
    "Bitte teilen Sie mir mit, welche Daten Sie über mich gespeichert haben.",
    "Meine Tochter hat beim Gewinnspiel mitgemacht und wartet auf eine Nachricht.",
    "Die Moderatorin hat das schwierige Thema sehr einfühlsam erklärt, vielen Dank dafür.",
    "Ich wohne in 50667 Köln und habe seit Tagen kein Bild mehr.",
    "Die Lastschrift vom 3. März wurde doppelt abgebucht, bitte prüfen Sie das.",
    "Wann wird die Dokumentation über die Alpen noch einmal wiederholt?",
    "Falls ich bis Freitag nichts höre, werde ich meinen Anwalt einschalten.",
    "Für Rückfragen erreichen Sie mich werktags ab 17 Uhr telefonisch.",
    "Ich möchte meinen Vertrag fristgerecht zum Monatsende kündigen.",
    "Bei der Folge vom Dienstag fehlten leider die Untertitel.",
    "Das ist wirklich eine Frechheit, so geht man nicht mit Zuschauern um.",
    "Mit freundlichen Grüßen",
    "Viele Grüße aus dem Sauerland",
];

fn rule_condition(
    field: &str,
    op: resonanz_core::routing::Op,
    value: serde_json::Value,
) -> resonanz_core::routing::Condition {
    resonanz_core::routing::Condition { field: field.into(), op, value }
}

/// Mailboxes of the generated organisation: rules often start with one.
const MAILBOXES: &[&str] = &[
    "publikum@sender.example",
    "technik@sender.example",
    "kinder@sender.example",
    "lizenzen@sender.example",
    "presse@sender.example",
];

/// The kind of rule `bench_rules` makes at position `i` (ten kinds, in turn).
pub const RULE_KINDS: [&str; 10] = [
    "language equals",
    "category contains (+ status in)",
    "text contains_any keywords",
    "mailbox + text contains_any keywords",
    "subject matches",
    "contact.vip equals / body matches",
    "mailbox + time.hour gte + time.weekday",
    "priority in + owned",
    "any group (category + sentiment / urgency / keywords)",
    "contact.domain in + time.weekday",
];

/// `count` rules as an organisation might have them after a few years: by language, category,
/// keywords, subject and body patterns, VIP contacts, time of day, priority, domains; a few `any`
/// groups; some stop later rules. All have the default triggers (created, analysed), so every
/// rule is looked at for a new case.
pub fn bench_rules(count: usize, teams: &[resonanz_core::ids::TeamId]) -> Vec<resonanz_core::routing::RoutingRule> {
    use resonanz_core::routing::{Conditions, NotifyTarget, Op, OwnerStrategy, RoutingRule, RuleActions, Trigger};
    use serde_json::json;
    let now = chrono::Utc::now();
    let langs = ["tr", "en", "pl", "ru", "ar", "uk", "fr", "it", "es", "ro"];
    let cats = resonanz_core::assist::CATEGORIES;
    let mut rules = Vec::with_capacity(count);
    for i in 0..count {
        let team = teams[i % teams.len()];
        let k = i / 10;
        let mailbox = MAILBOXES[k % MAILBOXES.len()];
        let words = RULE_KEYWORDS[(k * 2 + i % 10) % RULE_KEYWORDS.len()];
        let mut all = Vec::new();
        let mut any = Vec::new();
        let mut actions = RuleActions::default();
        let name;
        match i % 10 {
            0 => {
                let l = langs[k % langs.len()];
                all.push(rule_condition("language", Op::Equals, json!(l)));
                actions.team_id = Some(team);
                actions.owner = Some(OwnerStrategy::RoundRobin);
                name = format!("Sprache {l} → Team");
            }
            1 => {
                let c = cats[k % cats.len()];
                all.push(rule_condition("category", Op::Contains, json!(c)));
                if k % 2 == 0 {
                    all.push(rule_condition("status", Op::In, json!(["new", "open"])));
                }
                actions.priority = Some(Priority::High);
                actions.add_tags = vec![format!("kat-{c}")];
                name = format!("Kategorie {c}");
            }
            2 => {
                all.push(rule_condition("text", Op::ContainsAny, json!(words)));
                actions.team_id = Some(team);
                actions.add_tags = vec![words[0].to_string()];
                name = format!("Stichwörter {}", words[0]);
            }
            3 => {
                all.push(rule_condition("mailbox", Op::Equals, json!(mailbox)));
                all.push(rule_condition("text", Op::ContainsAny, json!(words)));
                actions.add_tags = vec![format!("{}-{}", words[0], k)];
                name = format!("{mailbox}: {}", words[0]);
            }
            4 => {
                let p = RULE_SUBJECT_PATTERNS[k % RULE_SUBJECT_PATTERNS.len()];
                all.push(rule_condition("subject", Op::Matches, json!(p)));
                actions.add_tags = vec![format!("betreff-{k}")];
                name = format!("Betreff {p}");
            }
            5 => {
                if k % 2 == 0 {
                    all.push(rule_condition("contact.vip", Op::Equals, json!("true")));
                    actions.notify = vec![NotifyTarget::TeamLead];
                    name = "VIP → Teamleitung".into();
                } else {
                    let p = RULE_BODY_PATTERNS[k % RULE_BODY_PATTERNS.len()];
                    all.push(rule_condition("body", Op::Matches, json!(p)));
                    actions.add_tags = vec![format!("text-{k}")];
                    name = format!("Text {p}");
                }
            }
            6 => {
                all.push(rule_condition("mailbox", Op::Equals, json!(mailbox)));
                all.push(rule_condition("time.hour", Op::Gte, json!(17 + k % 5)));
                all.push(rule_condition("time.weekday", Op::Lte, json!(5)));
                actions.add_tags = vec!["nach-feierabend".into()];
                name = format!("{mailbox} nach Feierabend");
            }
            7 => {
                all.push(rule_condition(
                    "priority",
                    Op::In,
                    json!(if k % 2 == 0 { json!(["urgent"]) } else { json!(["high", "urgent"]) }),
                ));
                all.push(rule_condition("owned", Op::Equals, json!(false)));
                all.push(rule_condition("category", Op::Contains, json!(cats[k % 4])));
                actions.notify = vec![NotifyTarget::Supervisors];
                name = "Hohe Priorität ohne Verantwortliche".into();
            }
            8 => {
                // An `any` group: one of several signs of an upset contact, per category.
                all.push(rule_condition("category", Op::Contains, json!(cats[k % cats.len()])));
                any.push(rule_condition("sentiment", Op::Equals, json!("negative")));
                any.push(rule_condition("urgency", Op::In, json!(["high"])));
                any.push(rule_condition("text", Op::ContainsAny, json!(RULE_KEYWORDS[6])));
                actions.priority = Some(Priority::High);
                name = format!("Verärgert: {}", cats[k % cats.len()]);
            }
            _ => {
                let domain = format!("firma{k}.example");
                all.push(rule_condition("contact.domain", Op::In, json!([domain, format!("partner{k}.example")])));
                all.push(rule_condition("time.weekday", Op::Lte, json!(5)));
                actions.team_id = Some(team);
                actions.owner = Some(OwnerStrategy::FewestOpen);
                name = format!("Geschäftskunde {domain}");
            }
        }
        // Spam and threats end the evaluation; so does one in twenty of the rest.
        let stop = (i % 10 == 1 && matches!(cats[k % cats.len()], "spam" | "threat")) || i % 20 == 19;
        let triggers = vec![Trigger::Created, Trigger::Analysed];
        rules.push(RoutingRule {
            ordinal: i as i64 * 10,
            stop,
            ..RoutingRule::new(&name, triggers, Conditions { all, any }, actions, now)
        });
    }
    rules
}

/// Case facts as `routing_facts` builds them for a new mail: lower-cased subject and body of a
/// few hundred characters, language, categories, contact attributes, local time.
pub fn bench_facts(i: usize, rng: &mut rand::rngs::StdRng) -> resonanz_core::routing::Facts {
    let n = 100_000 + i;
    let subject = SUBJECTS[rng.gen_range(0..SUBJECTS.len())]
        .replace("{n}", &n.to_string())
        .replace("{plz}", &format!("{:05}", rng.gen_range(1067..99998)));
    let mut body = String::new();
    body.push_str(SENTENCES[0]);
    for _ in 0..rng.gen_range(3..7) {
        body.push('\n');
        body.push_str(&SENTENCES[rng.gen_range(1..SENTENCES.len() - 2)].replace("{n}", &n.to_string()));
    }
    body.push_str("\n\n");
    body.push_str(SENTENCES[SENTENCES.len() - 2 + rng.gen_range(0..2)]);
    body.push_str("\nAnna Müller");
    let language = match rng.gen_range(0..100) {
        0..=84 => "de",
        85..=90 => "en",
        91..=94 => "tr",
        95..=96 => "pl",
        97 => "ru",
        98 => "ar",
        _ => "und",
    };
    let cats = resonanz_core::assist::CATEGORIES;
    let mut categories = vec![cats[rng.gen_range(0..4)].to_string()];
    if rng.gen_bool(0.15) {
        categories.push(cats[rng.gen_range(0..cats.len())].to_string());
    }
    let domain = if rng.gen_bool(0.2) {
        format!("firma{}.example", rng.gen_range(0..40))
    } else {
        ["example.de", "mail.example", "web.example", "posteo.example"][rng.gen_range(0..4)].to_string()
    };
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("kundennummer".to_string(), n.to_string());
    if rng.gen_bool(0.03) {
        attributes.insert("vip".to_string(), "true".to_string());
    }
    if rng.gen_bool(0.3) {
        attributes.insert("tarif".to_string(), ["basis", "plus", "premium"][rng.gen_range(0..3)].to_string());
    }
    let weekday = rng.gen_range(1..=7u32);
    let hour = rng.gen_range(0..24u32);
    resonanz_core::routing::Facts {
        channel: "email".into(),
        mailbox: Some(MAILBOXES[rng.gen_range(0..MAILBOXES.len())].into()),
        language: (language != "und").then(|| language.to_string()),
        distressing: categories.iter().any(|c| resonanz_core::routing::DISTRESSING.contains(&c.as_str())),
        safeguarding: categories.iter().any(|c| c == "safeguarding"),
        categories,
        sentiment: Some(["negative", "neutral", "neutral", "positive"][rng.gen_range(0..4)].into()),
        urgency: Some(["low", "normal", "normal", "high"][rng.gen_range(0..4)].into()),
        contact_email: Some(format!("anna.mueller{i}@{domain}")),
        contact_domain: Some(domain),
        contact_organisation: None,
        contact_attributes: attributes,
        subject: subject.to_lowercase(),
        body: body.to_lowercase(),
        status: "new".into(),
        priority: match rng.gen_range(0..100) {
            0..=9 => Priority::Low,
            10..=79 => Priority::Normal,
            80..=94 => Priority::High,
            _ => Priority::Urgent,
        },
        team_id: None,
        team_name: None,
        owned: false,
        tags: Vec::new(),
        escalation_level: 0,
        weekday,
        hour,
        business_hours: weekday <= 5 && (8..18).contains(&hour),
    }
}

/// `bench routing`: the pure evaluation of `rules` compiled rules per case (what the 50 µs target
/// is about). Building the facts (store reads) and applying the actions are not part of it.
fn routing(rules: usize, cases: usize) -> serde_json::Value {
    use resonanz_core::routing::{RuleSet, Trigger, compile, matching};
    let teams: Vec<resonanz_core::ids::TeamId> =
        (0..4).map(|_| resonanz_core::ids::TeamId::new(chrono::Utc::now())).collect();
    let stored = bench_rules(rules, &teams);
    let start = Instant::now();
    let compiled = RuleSet::new(stored.iter().map(|r| compile(r).expect("the bench rules compile")).collect());
    let compile_ms = start.elapsed().as_secs_f64() * 1000.0;
    // A pool of distinct facts (built beforehand: not measured), cycled through.
    let mut rng = rand::rngs::StdRng::seed_from_u64(50);
    let pool: Vec<_> = (0..cases.clamp(1, 10_000)).map(|i| bench_facts(i, &mut rng)).collect();
    let mean_chars = pool.iter().map(|f| f.subject.chars().count() + f.body.chars().count()).sum::<usize>() as f64
        / pool.len() as f64;
    // Warm-up: one pass over the pool.
    for f in &pool {
        std::hint::black_box(matching(&compiled, Trigger::Created, f));
    }
    let mut micros = Vec::with_capacity(cases);
    let (mut matched, mut stopped) = (0usize, 0usize);
    for i in 0..cases {
        let f = &pool[i % pool.len()];
        let t = Instant::now();
        let m = matching(&compiled, Trigger::Created, f);
        micros.push(t.elapsed().as_secs_f64() * 1e6);
        matched += m.len();
        if m.last().is_some_and(|last| compiled.rules().iter().any(|c| c.rule.id == last.rule_id && c.rule.stop)) {
            stopped += 1;
        }
        std::hint::black_box(m);
    }
    // Throughput without the per-case timer.
    let t = Instant::now();
    for i in 0..cases {
        std::hint::black_box(matching(&compiled, Trigger::Created, &pool[i % pool.len()]));
    }
    let seconds = t.elapsed().as_secs_f64();
    // Long mails: the same facts with about 4,000 characters of quoted history below the text
    // (`routing_facts` passes up to 20,000 characters of the newest message).
    let long_pool: Vec<_> = pool
        .iter()
        .take(2_000)
        .map(|f| {
            let mut f = f.clone();
            let quoted: String =
                SENTENCES.iter().cycle().take(60).map(|l| format!("\n> {}", l.to_lowercase())).collect();
            f.body.push_str("\n\nam 3. märz 2026 schrieb publikumsservice:");
            f.body.push_str(&quoted);
            f
        })
        .collect();
    let long_chars = long_pool.iter().map(|f| f.body.chars().count()).sum::<usize>() / long_pool.len().max(1);
    let mut long_micros: Vec<f64> = Vec::with_capacity(long_pool.len() * 3);
    for _ in 0..3 {
        for f in &long_pool {
            let t = Instant::now();
            std::hint::black_box(matching(&compiled, Trigger::Created, f));
            long_micros.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let long_mean = long_micros.iter().sum::<f64>() / long_micros.len().max(1) as f64;
    long_micros.sort_by(|a, b| a.total_cmp(b));
    let long_at = |p: f64| long_micros[((long_micros.len() as f64 - 1.0) * p).round() as usize];
    // Where the time goes: the rules of each kind alone, mean µs per case over the pool.
    let mut by_kind = serde_json::Map::new();
    for (kind, label) in RULE_KINDS.iter().enumerate() {
        let subset = RuleSet::new(
            compiled.rules().iter().enumerate().filter(|(i, _)| i % 10 == kind).map(|(_, c)| c.clone()).collect(),
        );
        let passes = 3;
        let t = Instant::now();
        for _ in 0..passes {
            for f in &pool {
                std::hint::black_box(matching(&subset, Trigger::Created, f));
            }
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / (passes * pool.len()) as f64;
        by_kind.insert(
            format!("{label} ({} rules)", subset.rules().len()),
            serde_json::json!((us * 100.0).round() / 100.0),
        );
    }
    let mean = micros.iter().sum::<f64>() / micros.len().max(1) as f64;
    micros.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| micros[((micros.len() as f64 - 1.0) * p).round() as usize];
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let kinds = |op: resonanz_core::routing::Op| {
        stored.iter().flat_map(|r| r.conditions.all.iter().chain(&r.conditions.any)).filter(|c| c.op == op).count()
    };
    serde_json::json!({
        "bench": "routing",
        "rules": rules,
        "conditions": stored.iter().map(|r| r.conditions.all.len() + r.conditions.any.len()).sum::<usize>(),
        "regex_conditions": kinds(resonanz_core::routing::Op::Matches),
        "contains_any_conditions": kinds(resonanz_core::routing::Op::ContainsAny),
        "stop_rules": stored.iter().filter(|r| r.stop).count(),
        "compile_ms": round(compile_ms),
        "cases": cases,
        "distinct_facts": pool.len(),
        "mean_text_chars": mean_chars.round(),
        "matches_per_case": round(matched as f64 / cases.max(1) as f64),
        "cases_stopped_early": stopped,
        "mean_us": round(mean),
        "p50_us": round(at(0.50)),
        "p95_us": round(at(0.95)),
        "p99_us": round(at(0.99)),
        "max_us": round(at(1.0)),
        "cases_per_second_one_thread": (cases as f64 / seconds).round(),
        "mean_us_by_rule_kind": by_kind,
        "long_mails": {
            "body_chars": long_chars,
            "mean_us": round(long_mean),
            "p50_us": round(long_at(0.5)),
            "p99_us": round(long_at(0.99)),
        },
        "measures": "resonanz_core::routing::matching(compiled rules, created, facts) on one thread; building the facts (store reads) and applying the actions (store writes) are outside",
        "optimized": !cfg!(debug_assertions),
    })
}

// ---------------------------------------------------------------------------------------------
// SLA: recomputing every open case after a policy or the calendar changed.
// ---------------------------------------------------------------------------------------------

/// Memory of this process in MiB (Linux; `None` elsewhere): resident, peak resident, and the
/// resident part that is heap (`RssAnon`) rather than mapped files (`RssFile`: SQLite maps its
/// database file into every connection).
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Memory {
    rss_mib: Option<f64>,
    peak_rss_mib: Option<f64>,
    anon_mib: Option<f64>,
    file_mib: Option<f64>,
}

fn memory() -> Memory {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|k| (k / 1024.0 * 10.0).round() / 10.0)
    };
    Memory { rss_mib: kb("VmRSS:"), peak_rss_mib: kb("VmHWM:"), anon_mib: kb("RssAnon:"), file_mib: kb("RssFile:") }
}

/// `bench sla`: on a fresh SQLite database in a temporary directory (removed afterwards), or on the
/// empty PostgreSQL database of `--database-url`.
async fn sla(db: &DbArgs, open_cases: u64) -> anyhow::Result<()> {
    if db.database_url.is_some() {
        return sla_run(db, open_cases).await;
    }
    let dir = std::env::temp_dir().join(format!("resonanz-bench-sla-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let temp = DbArgs { data_dir: dir.clone(), database_url: None };
    let result = sla_run(&temp, open_cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Every open case, read in pages of 1,000 as `recompute_sla` reads them, each mapped by `f` (so a
/// caller that keeps little of a case never holds them all).
async fn open_cases_mapped<T>(
    core: &Core,
    mut f: impl FnMut(resonanz_core::case::Case) -> T,
) -> anyhow::Result<Vec<T>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = core.store.open_cases_after(after, 1000).await?;
        let Some(last) = page.last() else { return Ok(out) };
        after = Some(last.id);
        out.extend(page.into_iter().map(&mut f));
    }
}

/// What a recompute may change on a case, for every open case.
type SlaSnapshot =
    Vec<(resonanz_core::ids::CaseId, resonanz_core::sla::SlaState, [Option<resonanz_core::Timestamp>; 3], i32)>;

async fn sla_snapshot(core: &Core) -> anyhow::Result<SlaSnapshot> {
    open_cases_mapped(core, |c| {
        (c.id, c.sla.state, [c.sla.first_response_due, c.sla.resolution_due, c.sla.next_check_at], c.escalation_level)
    })
    .await
}

/// Cases written, state changes, and how many of those turned to warning or breach (told and
/// escalated), between two snapshots.
fn sla_diff(before: &SlaSnapshot, after: &SlaSnapshot) -> serde_json::Value {
    use resonanz_core::sla::SlaState;
    let (mut written, mut changed_state, mut late, mut escalated) = (0, 0, 0, 0);
    for (a, b) in before.iter().zip(after) {
        if a != b {
            written += 1;
        }
        if a.1 != b.1 {
            changed_state += 1;
            if matches!(b.1, SlaState::Warning | SlaState::Breached) {
                late += 1;
            }
        }
        if b.3 > a.3 {
            escalated += 1;
        }
    }
    serde_json::json!({"cases_changed": written, "state_changes": changed_state, "turned_warning_or_breached": late, "escalated": escalated})
}

async fn sla_run(db: &DbArgs, open_cases: u64) -> anyhow::Result<()> {
    use resonanz_core::sla::{PolicyInput, SlaContext, default_calendar_spec, evaluate};
    use serde_json::json;
    let core = crate::cli::open(db).await?;
    anyhow::ensure!(core.store.count_users().await? == 0, "bench sla needs an empty database");
    let backend = format!("{:?}", core.store.backend());
    let admin = core.create_user(&Actor::System, "admin@bench.example", "Bench Admin", Role::Admin, "!".into()).await?;
    let mut teams = Vec::new();
    for name in ["Zuschauerservice", "Kinder & Familie", "Geschäftskunden", "Technik & Empfang"] {
        teams.push(core.create_team(&Actor::System, name, &[admin.id]).await?.team.id);
    }

    // 70 % of the seeded cases are open (new, open, waiting on the contact or a third party).
    let seeded = open_cases * 10 / 7 + open_cases / 200;
    let start = Instant::now();
    let store = resonanz_store::SqlStore::connect(&db.url()?, resonanz_store::StoreOptions::default()).await?;
    let options = resonanz_store::SeedOptions { cases: seeded, agents: vec![admin.id], batch: 10_000 };
    store.seed_synthetic(&options, core.clock.now(), |_| {}).await?;
    let seed_secs = start.elapsed().as_secs_f64();
    eprintln!("seeded {seeded} cases ({seed_secs:.1} s; {:?})", memory());

    // What the seed leaves out, so that the open cases look like a helpdesk that keeps its service
    // levels: three quarters have a team; categories as Assist would have set them; most arrived in
    // the last days (60 % within 8 hours, 25 % within 3 days, 15 % within 20 days), and those older
    // than 4 hours were mostly answered once. Written through the store's `update_case` (all
    // columns, 1,000 per transaction): the same write `recompute_sla` does per changed case.
    let start = Instant::now();
    let now = core.clock.now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let (mut after, mut open) = (None, 0u64);
    loop {
        let page = core.store.open_cases_after(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let mut tx = core.store.begin().await?;
        for mut case in page {
            case.team_id = (open % 4 != 0).then(|| teams[(open % 4) as usize]);
            case.categories = vec![
                match open % 10 {
                    0 | 1 => "complaint",
                    2..=4 => "question",
                    _ => "routine",
                }
                .to_string(),
            ];
            let age_minutes = match rng.gen_range(0..100) {
                0..=59 => rng.gen_range(1..8 * 60),
                60..=84 => rng.gen_range(8 * 60..3 * 24 * 60),
                _ => rng.gen_range(3 * 24 * 60..20 * 24 * 60),
            };
            case.created_at = now - chrono::Duration::minutes(age_minutes);
            case.sla.started_at = Some(case.created_at);
            if age_minutes > 4 * 60 && rng.gen_bool(0.9) {
                case.sla.first_responded_at =
                    Some(case.created_at + chrono::Duration::minutes(rng.gen_range(20..4 * 60)));
            }
            if case.status == CaseStatus::WaitingOnContact {
                case.sla.paused_at = Some(case.created_at + chrono::Duration::minutes(age_minutes / 2));
            }
            tx.update_case(&case).await?;
            open += 1;
        }
        tx.commit().await?;
    }
    let write_secs = start.elapsed().as_secs_f64();
    eprintln!("{open} open cases given teams and categories ({write_secs:.1} s; {:?})", memory());

    // The organisation's calendar: Mo–Fr 08:00–18:00, holidays of North Rhine-Westphalia, closed
    // 24–31 December this year and next; the technical team's own: Mo–Sa 07:00–22:00.
    let year = chrono::Datelike::year(&core.clock.now());
    let mut spec = default_calendar_spec(core.settings.time_zone.name());
    spec.state = Some("NW".into());
    spec.closures = serde_json::from_value(json!([
        {"from": format!("{year}-12-24"), "to": format!("{year}-12-31"), "name": "Betriebsferien"},
        {"from": format!("{}-12-24", year + 1), "to": format!("{}-12-31", year + 1), "name": "Betriebsferien"},
    ]))?;
    let mut team_spec = spec.clone();
    team_spec.hours = "Mo-Sa 07:00-22:00".into();

    let mut steps = Vec::new();
    let mut snapshot = sla_snapshot(&core).await?;
    // Times a step, then the watcher's checks it left due (the warnings and breaches it found are
    // raised, told and escalated there, in the background worker's next tick); the snapshots that
    // count what each changed are outside the times.
    macro_rules! step {
        ($name:expr, $call:expr) => {{
            let t = Instant::now();
            let out = $call;
            let secs = t.elapsed().as_secs_f64();
            let next = sla_snapshot(&core).await?;
            let diff = sla_diff(&snapshot, &next);
            snapshot = next;
            let t = Instant::now();
            let checked = core.check_sla_due().await?;
            let watcher_secs = t.elapsed().as_secs_f64();
            let next = sla_snapshot(&core).await?;
            let watcher_diff = sla_diff(&snapshot, &next);
            snapshot = next;
            let mem = memory();
            eprintln!("{}: {secs:.2} s {diff}; then the watcher: {checked} checks in {watcher_secs:.2} s {watcher_diff} {mem:?}", $name);
            steps.push(json!({
                "step": $name,
                "seconds": (secs * 1000.0).round() / 1000.0,
                "cases_per_second": (open as f64 / secs).round(),
                "changes": diff,
                "watcher": {"checks": checked, "seconds": (watcher_secs * 1000.0).round() / 1000.0, "changes": watcher_diff},
                "memory": mem,
            }));
            out
        }};
    }
    step!(
        "set_calendar (organisation; no policy yet: read and evaluate, nothing written)",
        core.set_calendar(admin.id, None, Some(&spec)).await?
    );
    step!(
        "set_calendar (one team; no policy yet)",
        core.set_calendar(admin.id, Some(teams[3]), Some(&team_spec)).await?
    );
    let policy = |name: &str, priority, category: Option<&str>, fr: i64, res: i64, warn: i64| PolicyInput {
        name: name.into(),
        enabled: true,
        priority,
        category: category.map(str::to_string),
        first_response_minutes: fr,
        resolution_minutes: res,
        warn_before_minutes: warn,
        ..Default::default()
    };
    step!(
        "save_sla_policy urgent 1 h / 8 h (first policy: its cases are written)",
        core.save_sla_policy(admin.id, None, policy("Dringend", Some(Priority::Urgent), None, 60, 8 * 60, 30)).await?
    );
    step!(
        "save_sla_policy complaint 4 h / 3 business days",
        core.save_sla_policy(admin.id, None, policy("Beschwerden", None, Some("complaint"), 4 * 60, 3 * 600, 60))
            .await?
    );
    let default = step!(
        "save_sla_policy default 8 h / 5 business days (the remaining cases are written)",
        core.save_sla_policy(admin.id, None, policy("Standard", None, None, 8 * 60, 5 * 600, 60)).await?
    );
    let looked_at = step!("recompute_sla, nothing changed (read and evaluate only)", core.recompute_sla().await?);
    step!(
        "save_sla_policy default changed to 8 h / 4 business days (its due instants move)",
        core.save_sla_policy(admin.id, Some(default.id), policy("Standard", None, None, 8 * 60, 4 * 600, 60)).await?
    );
    let mut closed = spec.clone();
    closed.closures.extend(serde_json::from_value::<Vec<_>>(json!([
        {"from": format!("{year}-08-03"), "to": format!("{year}-08-07"), "name": "Umzug"},
    ]))?);
    step!(
        "set_calendar (organisation, one more closure in August; policies in place)",
        core.set_calendar(admin.id, None, Some(&closed)).await?
    );
    let mut closed_soon = closed.clone();
    // The next working day after tomorrow (a weekend day is closed already).
    let mut soon = (core.clock.now().with_timezone(&core.settings.time_zone) + chrono::Duration::days(2)).date_naive();
    while chrono::Datelike::weekday(&soon).number_from_monday() > 5 {
        soon = soon.succ_opt().unwrap_or(soon);
    }
    closed_soon.closures.extend(serde_json::from_value::<Vec<_>>(json!([
        {"from": soon.to_string(), "to": soon.to_string(), "name": "Betriebsausflug"},
    ]))?);
    step!(
        "set_calendar (organisation, closed on the next working day after tomorrow: due instants move)",
        core.set_calendar(admin.id, None, Some(&closed_soon)).await?
    );
    let closed = closed_soon;
    let after_recomputes = memory();
    drop(snapshot);

    // The pure part: `sla::evaluate` over every open case in memory with a prepared context.
    let t = Instant::now();
    let mut cases = open_cases_mapped(&core, |c| c).await?;
    let read_secs = t.elapsed().as_secs_f64();
    let build_ctx = |policies: Vec<resonanz_core::sla::SlaPolicy>| -> anyhow::Result<SlaContext> {
        Ok(SlaContext {
            policies,
            team_calendars: std::collections::HashMap::from([(teams[3], team_spec.compile()?)]),
            default_calendar: closed.compile()?,
        })
    };
    let policies = core.sla_policies().await?;
    let now = core.clock.now();
    let evaluate_all = |ctx: &SlaContext, cases: &mut [resonanz_core::case::Case]| {
        for case in cases.iter_mut() {
            case.sla.policy_id = ctx.policy_for(case).map(|p| p.id);
            evaluate(ctx, case, now);
        }
    };
    let stored = cases.clone();
    let t = Instant::now();
    let ctx = build_ctx(policies.clone())?;
    evaluate_all(&ctx, &mut cases);
    let cold_secs = t.elapsed().as_secs_f64();
    // How many a recompute now would write (nothing happened since the last one).
    let would_change = cases.iter().zip(&stored).filter(|(a, b)| a != b).count();
    let t = Instant::now();
    evaluate_all(&ctx, &mut cases);
    let warm_secs = t.elapsed().as_secs_f64();
    // As `recompute_sla` does it: a new context (calendars compiled afresh) per batch of 1,000.
    let t = Instant::now();
    for chunk in cases.chunks_mut(1000) {
        let ctx = build_ctx(policies.clone())?;
        evaluate_all(&ctx, chunk);
    }
    let per_batch_secs = t.elapsed().as_secs_f64();
    let mut states: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in &cases {
        *states.entry(c.sla.state.as_str()).or_default() += 1;
    }
    let per = |secs: f64| json!({"seconds": (secs * 1000.0).round() / 1000.0, "cases_per_second": (cases.len() as f64 / secs).round(), "us_per_case": (secs * 1e6 / cases.len().max(1) as f64 * 100.0).round() / 100.0});
    let report = json!({
        "bench": "sla",
        "backend": backend,
        "seeded_cases": seeded,
        "open_cases": open,
        "recompute_looked_at": looked_at,
        "seed_seconds": (seed_secs * 10.0).round() / 10.0,
        "update_case_writes": {"cases": open, "seconds": (write_secs * 1000.0).round() / 1000.0, "cases_per_second": (open as f64 / write_secs).round()},
        "recompute": steps,
        "states_after": states,
        "cases_a_recompute_now_would_write": would_change,
        "pure": {
            "read_open_cases_in_batches_of_1000": per(read_secs),
            "evaluate_cold_calendar": per(cold_secs),
            "evaluate_warm_calendar": per(warm_secs),
            "evaluate_new_context_per_1000": per(per_batch_secs),
        },
        "memory_after_recomputes": after_recomputes,
        "memory_at_end": memory(),
        "optimized": !cfg!(debug_assertions),
    });
    println!("{report}");
    Ok(())
}
