//! Synthetic data for benchmarks: a large, believable German helpdesk in bulk inserts.
//!
//! This bypasses the use cases (no audit events, no jobs) on purpose: it exists to measure reads
//! at a scale that would take far longer to build through ingest. Never used outside `resonanz bench`.

use resonanz_core::Timestamp;
use resonanz_core::case::{Case, CaseStatus, Priority, sort_key};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::{CaseId, ContactId, IdentityId, MessageId, UserId};
use resonanz_core::search;

use crate::rows::micros;
use crate::{SqlStore, db_err};

pub const FIRST_NAMES: &[&str] = &[
    "Anna", "Jonas", "Leonie", "Mehmet", "Sophie", "Lukas", "Marie", "Paul", "Emma", "Elias", "Mia", "Ben", "Hannah",
    "Finn", "Lea", "Noah", "Lina", "Emil", "Clara", "Felix", "Ayşe", "Jürgen", "Ursula", "Dieter", "Renate",
];
pub const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Popescu",
];
pub const TOPICS: &[(&str, &str)] = &[
    ("Frage zur Rechnung", "ich habe eine Frage zu meiner letzten Rechnung, der Betrag scheint mir zu hoch"),
    ("Sendung verpasst", "ich habe gestern die Sendung verpasst, wo finde ich sie in der Mediathek"),
    ("Beschwerde über Lautstärke", "die Werbung ist viel lauter als das Programm, das stört sehr"),
    ("Kinderprogramm", "mein Sohn liebt die Sendung, gibt es die Folgen auch als Hörspiel"),
    ("Lieferung verspätet", "meine Bestellung ist seit zwei Wochen unterwegs, bitte prüfen Sie die Lieferung"),
    ("Empfangsstörung", "seit dem Sendersuchlauf empfange ich kein Bild mehr über Satellit"),
    ("Untertitel fehlen", "bei der Wiederholung am Sonntag fehlten die Untertitel für Hörgeschädigte"),
    ("Kündigung", "hiermit kündige ich meinen Vertrag zum nächstmöglichen Zeitpunkt"),
    ("Lob für die Moderation", "die Moderatorin hat das schwierige Thema sehr einfühlsam erklärt"),
    ("Datenschutzauskunft", "bitte teilen Sie mir mit, welche Daten Sie über mich gespeichert haben"),
    ("Gewinnspiel", "ich habe beim Gewinnspiel mitgemacht und keine Bestätigung erhalten"),
    ("Programmhinweis", "wann läuft die Dokumentation über die Alpen noch einmal"),
];

pub struct SeedOptions {
    pub cases: u64,
    pub agents: Vec<UserId>,
    /// Rows per transaction.
    pub batch: u64,
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(s: Option<String>) -> String {
    s.map(|v| q(&v)).unwrap_or_else(|| "NULL".into())
}

/// Deterministic pseudo-random numbers (xorshift), so every run builds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

impl SqlStore {
    /// Inserts `opts.cases` cases, each with a contact (two cases per contact), an identity and one
    /// inbound message with its search document. `progress` is called after each batch.
    pub async fn seed_synthetic(&self, opts: &SeedOptions, now: Timestamp, progress: impl Fn(u64)) -> CoreResult<()> {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let start_number: i64 = sqlx::query_scalar("SELECT case_number FROM write_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let mut done = 0u64;
        let mut contact = ContactId::new(now);
        let mut name = String::new();
        while done < opts.cases {
            let n = opts.batch.min(opts.cases - done);
            let (mut contacts, mut identities, mut cases, mut messages, mut docs) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for i in 0..n {
                let k = done + i;
                // Spread creation over two years, oldest first.
                let created = now - chrono::Duration::seconds(((opts.cases - k) * 63) as i64);
                if k.is_multiple_of(2) {
                    contact = ContactId::new(created);
                    name.clear();
                    let first = FIRST_NAMES[rng.below(FIRST_NAMES.len() as u64) as usize];
                    let last = LAST_NAMES[rng.below(LAST_NAMES.len() as u64) as usize];
                    let email = format!("{}.{}{}@example.de", first.to_lowercase(), last.to_lowercase(), k);
                    name.push_str(&format!("{first} {last}"));
                    contacts.push(format!(
                        "({}, {}, NULL, 'formal', 'de', '', {t}, {t})",
                        q(&contact.to_string()),
                        q(&format!("{first} {last}")),
                        t = micros(created)
                    ));
                    identities.push(format!(
                        "({}, {}, 'email', {}, NULL, NULL, {})",
                        q(&IdentityId::new(created).to_string()),
                        q(&contact.to_string()),
                        q(&email),
                        micros(created)
                    ));
                }
                let (subject, body) = TOPICS[rng.below(TOPICS.len() as u64) as usize];
                let status = match rng.below(10) {
                    0 | 1 => CaseStatus::New,
                    2..=4 => CaseStatus::Open,
                    5 => CaseStatus::WaitingOnContact,
                    6 => CaseStatus::WaitingOnThirdParty,
                    7 | 8 => CaseStatus::Resolved,
                    _ => CaseStatus::Closed,
                };
                let owner = if rng.below(10) < 3 || opts.agents.is_empty() {
                    None
                } else {
                    Some(opts.agents[rng.below(opts.agents.len() as u64) as usize])
                };
                let waiting = matches!(status, CaseStatus::New | CaseStatus::Open);
                let case = Case {
                    id: CaseId::new(created),
                    number: start_number + 1 + k as i64,
                    subject: subject.into(),
                    status,
                    priority: Priority::from_rank(rng.below(4) as i64),
                    contact_id: contact,
                    owner_id: owner,
                    team_id: None,
                    mailbox_id: None,
                    channel: "email".into(),
                    tags: Vec::new(),
                    created_at: created,
                    updated_at: created,
                    waiting_since: waiting.then_some(created),
                    last_message_at: created,
                    preview: resonanz_core::case::preview_of(&format!("Sehr geehrte Damen und Herren, {body}.")),
                    escalation_level: 0,
                    escalation_reason: None,
                    categories: Vec::new(),
                    safeguarding: false,
                    safeguarding_due_at: None,
                    sla: Default::default(),
                    escalated_at: None,
                    escalation_ack_at: None,
                    escalation_ack_by: None,
                    snoozed_until: None,
                    watch_flagged_at: None,
                };
                cases.push(format!(
                    "({}, {}, {}, {}, {}, {}, {}, NULL, NULL, 'email', '[]', {t}, {t}, {}, {t}, {}, {})",
                    q(&case.id.to_string()),
                    case.number,
                    q(&case.subject),
                    q(case.status.as_str()),
                    case.priority.rank(),
                    q(&contact.to_string()),
                    opt(owner.map(|o| o.to_string())),
                    case.waiting_since.map(|w| micros(w).to_string()).unwrap_or_else(|| "NULL".into()),
                    sort_key(&case),
                    q(&case.preview),
                    t = micros(created)
                ));
                let message = MessageId::new(created);
                let text = format!(
                    "Sehr geehrte Damen und Herren,\n\n{body}. Meine Kundennummer ist {}.\n\nMit freundlichen Grüßen\n{name}",
                    700_000 + k
                );
                messages.push(format!(
                    "({}, {}, 'inbound', 'contact', NULL, {}, {}, NULL, '[]', NULL, NULL, '[]', '[]', {}, NULL, {}, NULL, 0, 'none', NULL, {})",
                    q(&message.to_string()),
                    q(&case.id.to_string()),
                    q(&contact.to_string()),
                    q(&format!("seed-{k}@bench.example")),
                    q(subject),
                    q(&text),
                    micros(created)
                ));
                docs.push((message, case.id, search::document(subject, &text), micros(created)));
            }
            let mut tx = self.pool.begin().await.map_err(db_err)?;
            for (table, cols, rows) in [
                (
                    "contacts",
                    "id, display_name, organisation_id, address_form, language, notes, created_at, updated_at",
                    &contacts,
                ),
                ("identities", "id, contact_id, kind, value, failing_since, failure_reason, created_at", &identities),
                (
                    "cases",
                    "id, number, subject, status, priority, contact_id, owner_id, team_id, mailbox_id, channel, tags, created_at, updated_at, waiting_since, last_message_at, sort_key, preview",
                    &cases,
                ),
                ("messages", crate::rows::MESSAGE_COLS, &messages),
            ] {
                for chunk in rows.chunks(500) {
                    let sql = format!("INSERT INTO {table} ({cols}) VALUES {}", chunk.join(", "));
                    sqlx::raw_sql(&sql).execute(&mut *tx).await.map_err(db_err)?;
                }
            }
            for chunk in docs.chunks(500) {
                let values: Vec<String> = chunk
                    .iter()
                    .map(|(m, c, d, t)| match self.backend {
                        resonanz_core::store::Backend::Sqlite => {
                            format!("({}, {}, {})", q(&m.to_string()), q(&c.to_string()), q(d))
                        }
                        resonanz_core::store::Backend::Postgres => {
                            format!(
                                "({}, {}, to_tsvector('simple', {}), {t})",
                                q(&m.to_string()),
                                q(&c.to_string()),
                                q(d)
                            )
                        }
                    })
                    .collect();
                let cols = match self.backend {
                    resonanz_core::store::Backend::Sqlite => "message_id, case_id, doc",
                    resonanz_core::store::Backend::Postgres => "message_id, case_id, tsv, created_at",
                };
                let sql = format!("INSERT INTO message_search ({cols}) VALUES {}", values.join(", "));
                sqlx::raw_sql(&sql).execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            done += n;
            progress(done);
        }
        sqlx::query("UPDATE write_head SET case_number = (SELECT MAX(number) FROM cases) WHERE id = 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        if self.backend == resonanz_core::store::Backend::Postgres {
            sqlx::raw_sql("ANALYZE").execute(&self.pool).await.map_err(db_err)?;
        } else {
            sqlx::raw_sql("PRAGMA optimize").execute(&self.pool).await.map_err(db_err)?;
        }
        Ok(())
    }
}
