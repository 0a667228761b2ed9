//! `resonanz bench …`: reproducible benchmarks on generated German data (docs/BENCHMARKS.md).

use std::time::Instant;

use resonanz_core::mail::MailSource;

use crate::adapters::parse_mail;
use crate::config::DbArgs;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Ingest N generated mails (20 % multipart with a PDF, 30 % replies) and report mails/s.
    Ingest {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
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
            let source = MailSource { label: "bench".into(), mailbox_id: None };
            let start = Instant::now();
            let mut created = 0;
            for (raw, _) in &mails {
                let report = core.ingest_mail(&source, raw, parse_mail(raw, 50 * 1024 * 1024)).await?;
                if report.status == resonanz_core::ingest::IngestStatus::Created {
                    created += 1;
                }
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{{\"bench\":\"ingest\",\"backend\":\"{:?}\",\"mails\":{count},\"cases_created\":{created},\"seconds\":{secs:.3},\"mails_per_second\":{:.0}}}",
                core.store.backend(),
                count as f64 / secs
            );
        }
    }
    Ok(())
}
