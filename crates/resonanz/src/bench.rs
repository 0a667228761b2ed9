//! `resonanz bench …`: reproducible benchmarks on generated German data (docs/BENCHMARKS.md).

use std::time::Instant;

use resonanz_core::case::{CaseFilter, CaseStatus, OwnerFilter};
use resonanz_core::user::Actor;

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
