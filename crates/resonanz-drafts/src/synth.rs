//! Synthetic German service mail for the benchmark: topics with their own words and answers, mixed
//! with filler from a large Zipf-distributed vocabulary (~60,000 word forms), names, numbers and
//! addresses. Deterministic for a seed (own SplitMix64, independent of library versions).

use resonanz_core::ids::TextBlockId;
use resonanz_core::textblocks::{TextBlock, Tone};

use crate::ResolvedCase;

pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// (block name, category, subjects, question sentences, answer sentence, assist categories)
pub(crate) type Topic = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

pub(crate) const TOPICS: [Topic; 20] = [
    (
        "wiederholung",
        "Programm",
        &["Wiederholung", "Wann läuft das nochmal?", ""],
        &[
            "Wann wird die Sendung vom Sonntag wiederholt?",
            "Ich habe den Film verpasst, gibt es eine Wiederholung im Programm?",
            "Läuft die Folge noch einmal im Fernsehen?",
        ],
        "Die Sendung wird am Donnerstag um 22:15 Uhr wiederholt und steht danach in der Mediathek.",
        &["routine", "question"],
    ),
    (
        "mediathek",
        "Mediathek",
        &["Mediathek", "Frage", ""],
        &[
            "Wo finde ich die Sendung in der Mediathek?",
            "In der Mediathek ist die Folge nicht mehr abrufbar, warum?",
            "Wie lange bleibt der Beitrag online in der Mediathek?",
        ],
        "Die Sendung steht 30 Tage lang in der Mediathek; Sie finden sie über die Suche oder unter Sendungen A–Z.",
        &["routine", "question"],
    ),
    (
        "rechnungskopie",
        "Rechnung",
        &["Rechnung", "Kopie Rechnung"],
        &[
            "Ich brauche eine Kopie meiner Rechnung für die Steuer.",
            "Können Sie mir die Rechnung noch einmal schicken?",
            "Die Rechnung ist verloren gegangen, bitte erneut zusenden.",
        ],
        "Die Rechnungskopie haben wir Ihnen als PDF geschickt.",
        &["routine"],
    ),
    (
        "adressaenderung",
        "Vertrag",
        &["Adressänderung", "Umzug", "Neue Anschrift"],
        &[
            "Ich bin umgezogen und möchte meine Adresse ändern.",
            "Bitte ändern Sie meine Anschrift in Ihren Unterlagen.",
            "Meine neue Adresse soll für die Post verwendet werden.",
        ],
        "Ihre neue Anschrift haben wir gespeichert; die nächste Post geht dorthin.",
        &["routine"],
    ),
    (
        "newsletter-abmelden",
        "Newsletter",
        &["Newsletter abmelden", "Abmeldung", ""],
        &[
            "Bitte melden Sie mich vom Newsletter ab.",
            "Ich möchte keine E-Mails mehr bekommen, Newsletter abbestellen.",
            "Wie kann ich den Newsletter kündigen?",
        ],
        "Sie sind vom Newsletter abgemeldet und bekommen keine weiteren E-Mails.",
        &["routine"],
    ),
    (
        "autogrammkarte",
        "Fanpost",
        &["Autogramm", "Autogrammkarte", "Fanpost"],
        &[
            "Kann ich eine Autogrammkarte der Moderatorin bekommen?",
            "Mein Sohn wünscht sich ein Autogramm vom Moderator.",
            "Schicken Sie Autogrammkarten auch ins Ausland?",
        ],
        "Gern schicken wir eine signierte Autogrammkarte per Post.",
        &["routine", "child"],
    ),
    (
        "rezept",
        "Rezepte",
        &["Rezept", "Rezept aus der Sendung"],
        &[
            "Wo finde ich das Rezept für den Apfelkuchen aus der Kochsendung?",
            "Können Sie mir das Rezept von gestern schicken?",
            "Das Rezept mit Kürbis aus der Sendung hätte ich gern.",
        ],
        "Das Rezept finden Sie auf unserer Internetseite bei der Kochsendung zum Nachlesen und Ausdrucken.",
        &["routine", "question"],
    ),
    (
        "passwort",
        "Konto",
        &["Passwort", "Login geht nicht", "Anmeldung"],
        &[
            "Ich kann mich nicht anmelden, mein Passwort wird nicht akzeptiert.",
            "Wie setze ich mein Passwort zurück?",
            "Das Login in der App funktioniert nicht mehr.",
        ],
        "Über „Passwort vergessen“ auf der Anmeldeseite können Sie ein neues Passwort setzen.",
        &["routine", "question"],
    ),
    (
        "lautstaerke",
        "Beschwerde",
        &["Lautstärke", "Beschwerde Ton", ""],
        &[
            "Die Musik ist viel zu laut, man versteht die Sprache nicht.",
            "Die Hintergrundmusik übertönt die Stimmen der Schauspieler.",
            "Warum ist die Werbung lauter als der Film?",
        ],
        "Wir haben Ihre Rückmeldung zur Tonmischung an die Technik weitergegeben.",
        &["complaint"],
    ),
    (
        "programmaenderung",
        "Beschwerde",
        &["Programmänderung", "Warum abgesetzt?"],
        &[
            "Warum wurde die Serie kurzfristig aus dem Programm genommen?",
            "Die Sendung fiel wegen Fußball aus, das ärgert mich.",
            "Ständig wird das Programm geändert, wann kommt die Folge?",
        ],
        "Wegen der Live-Übertragung musste das Programm geändert werden; die Folge wird nachgeholt.",
        &["complaint", "question"],
    ),
    (
        "lob-moderation",
        "Dank",
        &["Lob", "Danke", "Tolle Sendung"],
        &[
            "Vielen Dank für die wunderbare Sendung, die Moderatorin war großartig.",
            "Ein großes Lob an das ganze Team für den tollen Abend.",
            "Die Dokumentation hat mich sehr berührt, danke dafür.",
        ],
        "Vielen Dank für Ihr Lob, wir haben es an das Team weitergegeben.",
        &["praise"],
    ),
    (
        "empfang-satellit",
        "Technik",
        &["Kein Empfang", "Bildstörung", "Technik"],
        &[
            "Seit gestern habe ich über Satellit kein Bild mehr.",
            "Der Receiver findet die Sender nach dem Suchlauf nicht.",
            "Das Bild friert beim Empfang über Antenne ständig ein.",
        ],
        "Bitte starten Sie am Receiver einen neuen Sendersuchlauf.",
        &["question", "complaint"],
    ),
    (
        "gewinnspiel",
        "Gewinnspiel",
        &["Gewinnspiel", "Gewinn"],
        &[
            "Wann werden die Gewinner des Gewinnspiels benachrichtigt?",
            "Ich habe beim Gewinnspiel mitgemacht, wie erfahre ich ob ich gewonnen habe?",
            "Ist die Teilnahme am Gewinnspiel kostenlos?",
        ],
        "Die Gewinnerinnen und Gewinner werden schriftlich benachrichtigt.",
        &["question"],
    ),
    (
        "untertitel",
        "Barrierefreiheit",
        &["Untertitel", "Barrierefreiheit"],
        &[
            "Warum hat die Sendung keine Untertitel?",
            "Die Untertitel sind zeitversetzt und schwer zu lesen.",
            "Gibt es die Folge mit Gebärdensprache oder Audiodeskription?",
        ],
        "Untertitel schalten Sie über Videotext-Tafel 150 oder in der Mediathek ein.",
        &["question", "complaint"],
    ),
    (
        "studiobesuch",
        "Besuch",
        &["Studiobesuch", "Karten", "Publikum"],
        &[
            "Kann man als Zuschauer bei der Aufzeichnung im Studio dabei sein?",
            "Wie bekomme ich Karten für die Show im Publikum?",
            "Unsere Schulklasse möchte das Studio besichtigen.",
        ],
        "Karten für Aufzeichnungen vergeben wir kostenlos über unsere Internetseite.",
        &["question"],
    ),
    (
        "musiktitel",
        "Musik",
        &["Musiktitel", "Welches Lied?"],
        &[
            "Wie heißt das Lied im Abspann des Films?",
            "Welche Musik lief in der Werbung vor den Nachrichten?",
            "Ich suche den Titel der Filmmusik aus der Serie.",
        ],
        "Die Musiktitel jeder Folge stehen in der Musikliste auf der Sendungsseite.",
        &["question"],
    ),
    (
        "rundfunkbeitrag",
        "Beitrag",
        &["Rundfunkbeitrag", "Beitrag", "Zahlung"],
        &[
            "Ich soll doppelt Rundfunkbeitrag zahlen, obwohl wir eine Wohnung haben.",
            "Wie kann ich mich vom Rundfunkbeitrag befreien lassen?",
            "Die Lastschrift für den Beitrag wurde zweimal abgebucht.",
        ],
        "Für Fragen zum Rundfunkbeitrag ist der Beitragsservice zuständig; wir haben Ihre Nachricht weitergeleitet.",
        &["question", "routine"],
    ),
    (
        "kinderpost",
        "Kinder",
        &["Frage von mir", "Für die Sendung mit der Maus", ""],
        &[
            "Ich bin 8 Jahre alt und finde eure Sendung toll. Wie macht ihr die Tiere?",
            "Meine Tochter hat ein Bild für die Maus gemalt.",
            "Wir haben in der Schule eure Kindersendung geschaut, kommt bald eine neue Folge?",
        ],
        "Danke für deinen tollen Brief, wir haben uns sehr gefreut!",
        &["child", "praise"],
    ),
    (
        "datenschutz",
        "Datenschutz",
        &["Datenschutz", "Auskunft DSGVO", "Löschung"],
        &[
            "Bitte löschen Sie alle meine Daten gemäß DSGVO.",
            "Ich verlange Auskunft über meine gespeicherten Daten.",
            "Wie lange speichern Sie meine E-Mail-Adresse?",
        ],
        "Ihre Anfrage zum Datenschutz haben wir an unseren Datenschutzbeauftragten weitergegeben.",
        &["sensitive", "question"],
    ),
    (
        "werbung-kritik",
        "Beschwerde",
        &["Zu viel Werbung", "Werbung"],
        &[
            "Es gibt viel zu viel Werbung vor dem Hauptfilm.",
            "Die Werbeunterbrechung mitten im Krimi stört sehr.",
            "Warum zeigen Sie nach 20 Uhr noch Werbung?",
        ],
        "Werbung ist nur in engen Grenzen erlaubt; Ihre Kritik haben wir weitergegeben.",
        &["complaint"],
    ),
];

const FIRST: [&str; 30] = [
    "Anna", "Lena", "Mia", "Emma", "Sophie", "Laura", "Julia", "Sarah", "Petra", "Sabine", "Monika", "Ayşe", "Fatma",
    "Olga", "Jonas", "Lukas", "Paul", "Felix", "Max", "Thomas", "Michael", "Stefan", "Andreas", "Klaus", "Jürgen",
    "Mehmet", "Ali", "Piotr", "Dmitri", "Ben",
];
const LAST: [&str; 30] = [
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
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Ivanova",
    "Lehmann",
];
const STREETS: [&str; 10] = [
    "Hauptstraße",
    "Schulstraße",
    "Gartenweg",
    "Lindenallee",
    "Bahnhofstraße",
    "Birkenweg",
    "Am Markt",
    "Kirchgasse",
    "Rosenweg",
    "Bergstraße",
];
const CITIES: [&str; 10] =
    ["Köln", "Berlin", "Hamburg", "München", "Leipzig", "Dresden", "Mainz", "Bremen", "Kassel", "Erfurt"];
const ROOTS: [&str; 60] = [
    "haus", "garten", "zeit", "wetter", "film", "bild", "stadt", "land", "wasser", "licht", "buch", "schul", "tag",
    "nacht", "spiel", "welt", "reise", "feier", "arbeit", "bahn", "auto", "rad", "tier", "hund", "katze", "baum",
    "blume", "farbe", "brief", "karte", "geld", "post", "markt", "sport", "ball", "sache", "weg", "berg", "see",
    "meer", "fluss", "wald", "feld", "dorf", "kreis", "kopf", "hand", "herz", "stimme", "fenster", "tisch", "küche",
    "kuchen", "brot", "nachbar", "urlaub", "winter", "sommer", "abend", "morgen",
];
const SUFFIXES: [&str; 12] = ["", "en", "er", "ung", "ungen", "chen", "lich", "ig", "heit", "keit", "schaft", "los"];
const FUNCTION: [&str; 24] = [
    "und", "ich", "die", "der", "das", "ist", "nicht", "mit", "auch", "wir", "habe", "war", "sehr", "für", "mein",
    "eine", "schon", "dann", "noch", "aber", "bei", "so", "wie", "im",
];

/// Filler word number `rank` of the Zipf vocabulary (compounds of roots with suffixes).
fn filler_word(rank: usize) -> String {
    let a = ROOTS[rank % ROOTS.len()];
    let rest = rank / ROOTS.len();
    let s = SUFFIXES[rest % SUFFIXES.len()];
    let b = rest / SUFFIXES.len();
    if b == 0 { format!("{a}{s}") } else { format!("{a}{}{s}", ROOTS[(b - 1) % ROOTS.len()]) }
}

/// Vocabulary size of the filler (~44,000 forms).
const VOCABULARY: usize = ROOTS.len() * SUFFIXES.len() * (ROOTS.len() + 1);

pub(crate) struct Synth {
    rng: Rng,
}

impl Synth {
    pub fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed) }
    }

    /// A Zipf-like rank: log-uniform, so rank r has probability ~1/r.
    fn zipf(&mut self) -> usize {
        let u = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((VOCABULARY as f64).powf(u) as usize).saturating_sub(1).min(VOCABULARY - 1)
    }

    fn filler_sentence(&mut self) -> String {
        let n = 5 + self.rng.below(10);
        let mut words: Vec<String> = Vec::with_capacity(n);
        for i in 0..n {
            let w = if self.rng.chance(45) { self.rng.pick(&FUNCTION).to_string() } else { filler_word(self.zipf()) };
            words.push(if i == 0 { capitalise(&w) } else { w });
        }
        format!("{}.", words.join(" "))
    }

    /// A message about a topic: greeting, topic sentences and filler, sometimes personal details.
    pub fn message(&mut self, topic: usize, name: &str) -> (String, String) {
        let (_, _, subjects, sentences, _, _) = TOPICS[topic];
        let subject = self.rng.pick(subjects).to_string();
        let mut parts = vec![
            self.rng
                .pick(&["Guten Tag,", "Hallo,", "Sehr geehrte Damen und Herren,", "Liebes Team,", "Hallo zusammen,"])
                .to_string(),
        ];
        let mut body = Vec::new();
        for _ in 0..(1 + self.rng.below(2)) {
            body.push(self.rng.pick(sentences).to_string());
        }
        for _ in 0..(1 + self.rng.below(5)) {
            body.push(self.filler_sentence());
        }
        if self.rng.chance(30) {
            body.push(format!("Meine Kundennummer ist {}.", 1_000_000 + self.rng.below(8_999_999)));
        }
        if self.rng.chance(15) {
            body.push(format!(
                "Sie erreichen mich unter 0{} {}.",
                151 + self.rng.below(30),
                1_000_000 + self.rng.below(8_999_999)
            ));
        }
        let cut = 1 + self.rng.below(body.len());
        body[..cut].rotate_left(self.rng.below(cut));
        parts.push(body.join(" "));
        parts.push(format!(
            "{}\n{name}",
            self.rng.pick(&["Viele Grüße", "Mit freundlichen Grüßen", "LG", "Danke und Gruß"])
        ));
        (subject, parts.join("\n\n"))
    }

    pub fn case(&mut self, i: usize) -> (ResolvedCase, usize) {
        let topic = self.rng.below(TOPICS.len());
        let first = self.rng.pick(&FIRST);
        let last = self.rng.pick(&LAST);
        let name = format!("{first} {last}");
        let (subject, question) = self.message(topic, &name);
        let formal = !self.rng.chance(25);
        let mut answer = if formal { format!("Guten Tag {name},\n\n") } else { format!("Hallo {first},\n\n") };
        answer.push_str(if formal { "vielen Dank für Ihre Nachricht. " } else { "danke für deine Nachricht. " });
        answer.push_str(TOPICS[topic].4);
        if self.rng.chance(30) {
            let street = self.rng.pick(&STREETS);
            let city = self.rng.pick(&CITIES);
            answer.push_str(&format!(
                " Wir haben {street} {}, {} {city} unter Ihrem Zeichen {} vermerkt.",
                1 + self.rng.below(120),
                10_000 + self.rng.below(89_999),
                100_000 + i
            ));
        }
        answer.push_str(&format!(
            "\n\n{}\n{} {}",
            if formal { "Mit freundlichen Grüßen" } else { "Viele Grüße" },
            self.rng.pick(&FIRST),
            self.rng.pick(&LAST)
        ));
        let case = ResolvedCase {
            case_id: format!("case-{i:07}"),
            reference: format!("R-2025-{i:06}"),
            subject,
            question,
            answer,
            language: if self.rng.chance(4) { "en".into() } else { "de".into() },
            contact_name: name,
            categories: TOPICS[topic].5.iter().map(|c| c.to_string()).collect(),
            resolved_at: 1_700_000_000 + i as i64 * 60,
        };
        (case, topic)
    }
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Two variants (Sie, du) of a block for each of the first ten topics: 20 blocks.
pub(crate) fn text_blocks() -> Vec<TextBlock> {
    let mut out = Vec::new();
    for (t, (name, category, _, _, answer, _)) in TOPICS.iter().take(10).enumerate() {
        for (v, tone) in [Tone::Sie, Tone::Du].into_iter().enumerate() {
            let greeting =
                if tone == Tone::Sie { "Guten Tag {{contact.name}}," } else { "Hallo {{contact.first_name}}," };
            let closing = if tone == Tone::Sie { "Mit freundlichen Grüßen" } else { "Viele Grüße" };
            out.push(TextBlock {
                id: TextBlockId(uuid::Uuid::from_u128((t * 2 + v + 1) as u128)),
                name: name.to_string(),
                category: category.to_string(),
                language: "de".into(),
                tone,
                body: format!("{greeting}\n\n{answer}\n\n{closing}\n{{{{agent.name}}}}"),
                usage_count: 0,
                created_at: Default::default(),
                updated_at: Default::default(),
            });
        }
    }
    out
}
