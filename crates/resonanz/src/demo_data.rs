//! Deterministic demo data for Resonanz: teams, agents, text blocks and a few
//! hundred realistic (entirely fictional) contact mails for a public
//! broadcaster's audience service and its business customer service.
//!
//! All names, addresses, shows and companies are invented; mail domains use
//! `example.de`, `example.com` or `*.example`.

use rand::{Rng, SeedableRng, rngs::StdRng};

pub struct DemoTeam {
    pub name: &'static str,
}

pub struct DemoAgent {
    pub name: &'static str,
    pub email: &'static str,
    /// "admin" | "supervisor" | "agent"
    pub role: &'static str,
    pub teams: &'static [&'static str],
    /// "de" | "en"
    pub locale: &'static str,
}

pub struct DemoTextBlock {
    /// Lowercase handle like "dank-lob"; shared between tone/language variants.
    pub name: &'static str,
    pub category: &'static str,
    /// "de" | "en"
    pub language: &'static str,
    /// "sie" | "du" | "kind"
    pub tone: &'static str,
    pub body: &'static str,
}

pub struct DemoMail {
    pub from_name: String,
    pub from_addr: String,
    pub subject: String,
    pub text: String,
    pub minutes_ago: i64,
    pub team: &'static str,
    pub priority: &'static str,
    pub tags: Vec<&'static str>,
    pub language: &'static str,
    pub informal: bool,
    pub owner_email: Option<&'static str>,
    pub reply: Option<String>,
    pub status: &'static str,
    pub follow_up: Option<String>,
}

pub const T_ZS: &str = "Zuschauerservice";
pub const T_KF: &str = "Kinder & Familie";
pub const T_GK: &str = "Geschäftskunden";
pub const T_TE: &str = "Technik & Empfang";
/// The team the demonstration makes the safeguarding team.
pub const SAFEGUARDING_TEAM: &str = T_KF;

pub static TEAMS: &[DemoTeam] =
    &[DemoTeam { name: T_ZS }, DemoTeam { name: T_KF }, DemoTeam { name: T_GK }, DemoTeam { name: T_TE }];

pub static AGENTS: &[DemoAgent] = &[
    DemoAgent {
        name: "Katrin Vogel",
        email: "katrin.vogel@resonanz.example",
        role: "admin",
        teams: &[T_ZS, T_KF, T_GK, T_TE],
        locale: "de",
    },
    DemoAgent {
        name: "Mehmet Aydin",
        email: "mehmet.aydin@resonanz.example",
        role: "supervisor",
        teams: &[T_ZS, T_TE],
        locale: "de",
    },
    DemoAgent {
        name: "Sabine Krüger",
        email: "sabine.krueger@resonanz.example",
        role: "supervisor",
        teams: &[T_KF, T_GK],
        locale: "de",
    },
    DemoAgent {
        name: "Jonas Becker",
        email: "jonas.becker@resonanz.example",
        role: "agent",
        teams: &[T_ZS, T_TE],
        locale: "de",
    },
    DemoAgent {
        name: "Aleksandra Nowak",
        email: "aleksandra.nowak@resonanz.example",
        role: "agent",
        teams: &[T_ZS, T_KF],
        locale: "de",
    },
    DemoAgent {
        name: "Lena Hoffmann",
        email: "lena.hoffmann@resonanz.example",
        role: "agent",
        teams: &[T_KF],
        locale: "de",
    },
    DemoAgent {
        name: "Daniel Schmitt",
        email: "daniel.schmitt@resonanz.example",
        role: "agent",
        teams: &[T_GK],
        locale: "de",
    },
    DemoAgent {
        name: "Olivia Bennett",
        email: "olivia.bennett@resonanz.example",
        role: "agent",
        teams: &[T_ZS, T_GK, T_TE],
        locale: "en",
    },
];

/// Team leads (the first level of escalation; told about VIP mails by a routing rule).
pub static TEAM_LEADS: &[(&str, &str)] = &[
    (T_ZS, "mehmet.aydin@resonanz.example"),
    (T_KF, "sabine.krueger@resonanz.example"),
    (T_GK, "daniel.schmitt@resonanz.example"),
    (T_TE, "jonas.becker@resonanz.example"),
];

/// Languages people answer in: routing gives mails in these languages to them first.
pub static LANGUAGES: &[(&str, &[&str])] = &[
    ("mehmet.aydin@resonanz.example", &["de", "tr", "en"]),
    ("olivia.bennett@resonanz.example", &["en", "de"]),
    ("aleksandra.nowak@resonanz.example", &["de", "pl", "ru"]),
    ("lena.hoffmann@resonanz.example", &["de", "en"]),
];

/// On leave until next Monday: routing passes her over.
pub const ABSENT: &str = "lena.hoffmann@resonanz.example";

pub static TEXT_BLOCKS: &[DemoTextBlock] = &[
    // --- dank-lob ---
    DemoTextBlock {
        name: "dank-lob",
        category: "Lob",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nherzlichen Dank für Ihre freundlichen Worte! Wir haben Ihr Lob sehr gern an die Redaktion weitergegeben – solche Rückmeldungen freuen das ganze Team.\n\nMit freundlichen Grüßen\n{{agent.name}}\n{{team.name}}",
    },
    DemoTextBlock {
        name: "dank-lob",
        category: "Lob",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\nvielen Dank für deine nette Nachricht! Wir haben dein Lob direkt an die Redaktion weitergeleitet – die haben sich riesig gefreut.\n\nViele Grüße\n{{agent.first_name}}",
    },
    DemoTextBlock {
        name: "dank-lob",
        category: "Lob",
        language: "de",
        tone: "kind",
        body: "Hallo {{contact.first_name}},\n\ndanke für deinen tollen Brief! Wir haben ihn dem ganzen Team gezeigt und alle haben sich sehr gefreut. Mach weiter so!\n\nLiebe Grüße\n{{agent.first_name}}",
    },
    DemoTextBlock {
        name: "dank-lob",
        category: "Lob",
        language: "en",
        tone: "sie",
        body: "Dear {{contact.name}},\n\nthank you very much for your kind feedback. We have passed it on to the editorial team, who were delighted to hear from you.\n\nBest regards\n{{agent.name}}\n{{team.name}}",
    },
    // --- eingangsbestaetigung ---
    DemoTextBlock {
        name: "eingangsbestaetigung",
        category: "Allgemein",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nvielen Dank für Ihre Nachricht zum Thema „{{case.subject}}“. Ihr Anliegen ist bei uns unter der Vorgangsnummer {{case.reference}} eingegangen. Wir melden uns so schnell wie möglich bei Ihnen.\n\nMit freundlichen Grüßen\n{{agent.name}}\n{{team.name}}",
    },
    DemoTextBlock {
        name: "eingangsbestaetigung",
        category: "Allgemein",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\ndanke für deine Nachricht! Wir kümmern uns darum und melden uns bald. Deine Vorgangsnummer ist {{case.reference}}.\n\nViele Grüße\n{{agent.first_name}}",
    },
    DemoTextBlock {
        name: "eingangsbestaetigung",
        category: "Allgemein",
        language: "en",
        tone: "sie",
        body: "Dear {{contact.name}},\n\nthank you for your message regarding \"{{case.subject}}\". Your reference number is {{case.reference}}. We will get back to you as soon as possible.\n\nKind regards\n{{agent.name}}\n{{team.name}}",
    },
    // --- serie-abgesetzt ---
    DemoTextBlock {
        name: "serie-abgesetzt",
        category: "Programm",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nwir verstehen Ihre Enttäuschung sehr gut. Die Entscheidung über die Fortsetzung einer Serie trifft die Redaktion nach sorgfältiger Abwägung. Ihre Rückmeldung haben wir dokumentiert und an die Programmplanung weitergegeben. Alle bisherigen Folgen finden Sie weiterhin in der Mediathek.\n\nMit freundlichen Grüßen\n{{agent.name}}",
    },
    DemoTextBlock {
        name: "serie-abgesetzt",
        category: "Programm",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\nwir können gut verstehen, dass du enttäuscht bist. Deine Meinung haben wir an die Programmplanung weitergegeben. Die bisherigen Folgen kannst du weiter in der Mediathek schauen.\n\nViele Grüße\n{{agent.first_name}}",
    },
    // --- untertitel ---
    DemoTextBlock {
        name: "untertitel",
        category: "Barrierefreiheit",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nvielen Dank für Ihren Hinweis zu den Untertiteln. Wir haben das Problem an die Kolleginnen und Kollegen der Untertitelung weitergegeben. Untertitel lassen sich im Fernsehen meist über Videotext-Tafel 150 oder die Untertitel-Taste der Fernbedienung einschalten.\n\nMit freundlichen Grüßen\n{{agent.name}}",
    },
    DemoTextBlock {
        name: "untertitel",
        category: "Barrierefreiheit",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\ndanke für deinen Hinweis! Wir haben das an die Untertitel-Redaktion weitergegeben. Tipp: Meist kannst du die Untertitel über Videotext-Tafel 150 oder die Untertitel-Taste einschalten.\n\nViele Grüße\n{{agent.first_name}}",
    },
    // --- empfang-dvbt2 ---
    DemoTextBlock {
        name: "empfang-dvbt2",
        category: "Technik",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nbitte führen Sie zunächst an Ihrem Empfangsgerät einen neuen Sendersuchlauf durch und prüfen Sie die Ausrichtung der Antenne. Sollte der Empfang weiterhin gestört sein, teilen Sie uns bitte Ihre Postleitzahl und das Gerätemodell mit, damit wir die Versorgung an Ihrem Standort prüfen können.\n\nMit freundlichen Grüßen\n{{agent.name}}\n{{team.name}}",
    },
    DemoTextBlock {
        name: "empfang-dvbt2",
        category: "Technik",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\nprobier bitte zuerst einen neuen Sendersuchlauf und check die Antenne. Wenn's dann immer noch hakt, schick uns deine Postleitzahl und das Gerätemodell, dann schauen wir uns das an.\n\nViele Grüße\n{{agent.first_name}}",
    },
    // --- mediathek-app ---
    DemoTextBlock {
        name: "mediathek-app",
        category: "Technik",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nbitte installieren Sie die neueste Version der Mediathek-App und löschen Sie gegebenenfalls den App-Cache. Falls die App weiterhin abstürzt, nennen Sie uns bitte Gerät, Betriebssystem und App-Version – wir geben das dann an unser Entwicklungsteam weiter.\n\nMit freundlichen Grüßen\n{{agent.name}}",
    },
    DemoTextBlock {
        name: "mediathek-app",
        category: "Technik",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\nam besten installierst du die neueste Version der App und löschst den Cache. Wenn sie dann noch abstürzt, schreib uns Gerät, Betriebssystem und App-Version – wir leiten das an die Entwicklung weiter.\n\nViele Grüße\n{{agent.first_name}}",
    },
    // --- naechste-folge ---
    DemoTextBlock {
        name: "naechste-folge",
        category: "Programm",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nneue Folgen kündigen wir jeweils rund zwei Wochen vor der Ausstrahlung im Programm und in der Mediathek an. Bis dahin finden Sie alle bisherigen Folgen in der Mediathek.\n\nMit freundlichen Grüßen\n{{agent.name}}",
    },
    DemoTextBlock {
        name: "naechste-folge",
        category: "Programm",
        language: "de",
        tone: "du",
        body: "Hallo {{contact.first_name}},\n\nneue Folgen kündigen wir immer etwa zwei Wochen vorher an. Bis dahin kannst du alle alten Folgen in der Mediathek schauen.\n\nViele Grüße\n{{agent.first_name}}",
    },
    DemoTextBlock {
        name: "naechste-folge",
        category: "Programm",
        language: "de",
        tone: "kind",
        body: "Hallo {{contact.first_name}},\n\ndas ist eine super Frage! Die neuen Folgen kommen bald. Frag am besten deine Eltern, ob ihr zusammen in der Mediathek nachschaut – da sind auch alle alten Folgen.\n\nLiebe Grüße\n{{agent.first_name}}",
    },
    // --- studiobesuch ---
    DemoTextBlock {
        name: "studiobesuch",
        category: "Kinder & Familie",
        language: "de",
        tone: "sie",
        body: "Guten Tag {{contact.name}},\n\nvielen Dank für Ihr Interesse an einem Studiobesuch. Führungen für Familien und Schulklassen bieten wir an ausgewählten Terminen an. Bitte nennen Sie uns Wunschzeitraum und Personenzahl, dann melden wir uns mit freien Terminen.\n\nMit freundlichen Grüßen\n{{agent.name}}\n{{team.name}}",
    },
    DemoTextBlock {
        name: "studiobesuch",
        category: "Kinder & Familie",
        language: "de",
        tone: "kind",
        body: "Hallo {{contact.first_name}},\n\ntoll, dass du uns besuchen möchtest! Bitte frag deine Eltern, ob sie uns schreiben. Dann schauen wir zusammen, wann ihr vorbeikommen könnt.\n\nLiebe Grüße\n{{agent.first_name}}",
    },
];

// ---------------------------------------------------------------------------
// Slot material
// ---------------------------------------------------------------------------

/// (first name, is_female)
const ADULT_FIRST: &[(&str, bool)] = &[
    ("Anna", true),
    ("Thomas", false),
    ("Ayşe", true),
    ("Mehmet", false),
    ("Katarzyna", true),
    ("Piotr", false),
    ("Fatima", true),
    ("Omar", false),
    ("Olga", true),
    ("Dmitri", false),
    ("Ingrid", true),
    ("Jürgen", false),
    ("Sabine", true),
    ("Uwe", false),
    ("Leonie", true),
    ("Lukas", false),
    ("Emine", true),
    ("Hakan", false),
    ("Magdalena", true),
    ("Tomasz", false),
    ("Rania", true),
    ("Khaled", false),
    ("Swetlana", true),
    ("Sergej", false),
    ("Heike", true),
    ("Frank", false),
    ("Birgit", true),
    ("Klaus", false),
    ("Nadine", true),
    ("Marco", false),
    ("Gisela", true),
    ("Horst", false),
    ("Zeynep", true),
    ("Murat", false),
    ("Jana", true),
    ("Tobias", false),
    ("Lina", true),
    ("Samir", false),
    ("Ewa", true),
    ("Andrzej", false),
];

const LAST: &[&str] = &[
    "Müller",
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
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Zimmermann",
    "Braun",
    "Hartmann",
    "Lange",
    "Jansen",
    "Friedrich",
    "Vogt",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Öztürk",
    "Çelik",
    "Nowak",
    "Kowalczyk",
    "Zieliński",
    "Wójcik",
    "Haddad",
    "Mansour",
    "Saleh",
    "Al-Hassan",
    "Iwanow",
    "Kusnezow",
    "Smirnow",
    "Nguyen",
    "Papadopoulos",
    "Rossi",
    "Peters",
    "Brandt",
];

const KID_FIRST: &[(&str, bool)] = &[
    ("Mia", true),
    ("Emil", false),
    ("Elif", true),
    ("Noah", false),
    ("Amira", true),
    ("Mats", false),
    ("Zofia", true),
    ("Levi", false),
    ("Hanna", true),
    ("Yusuf", false),
    ("Lotta", true),
    ("Mikail", false),
    ("Sofia", true),
    ("Ben", false),
    ("Maja", true),
    ("Karim", false),
    ("Ida", true),
    ("Paul", false),
    ("Nela", true),
    ("Timo", false),
    ("Leyla", true),
    ("Anton", false),
    ("Mila", true),
    ("Artjom", false),
];

const EN_NAMES: &[(&str, &str, bool)] = &[
    ("Emma", "Walker", true),
    ("James", "O'Connor", false),
    ("Priya", "Sharma", true),
    ("Daniel", "Hughes", false),
    ("Sarah", "Mitchell", true),
    ("Liam", "Doyle", false),
    ("Grace", "Okafor", true),
    ("Ethan", "Clarke", false),
];

const TR_NAMES: &[(&str, &str, bool)] =
    &[("Fatma", "Arslan", true), ("Hüseyin", "Doğan", false), ("Gülsüm", "Yıldız", true), ("Ahmet", "Koç", false)];

const SHOWS: &[&str] = &[
    "Küstenwache Nordstrand",
    "Das Erbe von Falkenau",
    "Hafenkante 7",
    "Kommissarin Brandt",
    "Praxis am Deich",
    "Sterne über Usedom",
    "Weltreise mit Wiebke",
    "Quiz der Generationen",
    "Die Spätschicht",
    "Wissen kompakt",
    "Grenzfälle – Die Reportage",
    "Abendschau Regional",
];
const COOK_SHOWS: &[&str] = &["Kochen mit Kemal", "Die Heimatküche", "Omas Rezepte neu gedacht", "Schnell & Lecker"];
const DISHES: &[&str] = &[
    "Linsensuppe mit Sumach",
    "Königsberger Klopse",
    "Pierogi mit Sauerkraut",
    "Apfelstrudel",
    "Shakshuka",
    "Grünkohl mit Bratkartoffeln",
    "Borschtsch",
    "Zwetschgendatschi",
    "Mercimek Köfte",
];
const KID_SHOWS: &[&str] = &[
    "Die Waldbande",
    "Kapitän Krümel",
    "Fuchs & Frieda",
    "Das Sternenlabor",
    "Mimi und der Meeresdrache",
    "Die Tierdetektive",
];
const ANIMALS: &[&str] =
    &["Igel", "Faultiere", "Oktopusse", "Pinguine", "Fledermäuse", "Eichhörnchen", "Giraffen", "Schnecken", "Eisbären"];
const TOWNS: &[&str] = &[
    "Bremerhaven",
    "Gelsenkirchen",
    "Cottbus",
    "Rosenheim",
    "Kiel",
    "Erfurt",
    "Offenbach",
    "Lüneburg",
    "Görlitz",
    "Passau",
    "Wuppertal",
    "Neuruppin",
    "Schwäbisch Hall",
    "Duisburg",
    "Husum",
    "Zwickau",
];
/// (company, domain slug)
const COMPANIES: &[(&str, &str)] = &[
    ("Bäckerei Sommer GmbH", "baeckerei-sommer"),
    ("Nordlicht Reisen GmbH", "nordlicht-reisen"),
    ("Kaya Möbelhaus KG", "kaya-moebel"),
    ("Elbtal Energie AG", "elbtal-energie"),
    ("Medienagentur Quadrat", "quadrat-media"),
    ("Autohaus Brenner GmbH", "autohaus-brenner"),
    ("Lichtspiel Filmverleih GmbH", "lichtspiel-verleih"),
    ("Gartencenter Grünzeit", "gruenzeit"),
    ("Nowak Logistik GmbH", "nowak-logistik"),
    ("Haddad Feinkost OHG", "haddad-feinkost"),
];
const DOMAINS: &[&str] = &["example.de", "example.com", "mail.example", "post.example", "web.example"];
const GRUSS: &[&str] =
    &["Mit freundlichen Grüßen", "Viele Grüße", "MfG", "Beste Grüße", "Gruß", "Freundliche Grüße", "Liebe Grüße"];
const MONTHS: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Persona {
    Adult,
    Child,
    Business,
    English,
    Turkish,
}

struct Tpl {
    persona: Persona,
    team: &'static str,
    tags: &'static [&'static str],
    prios: &'static [&'static str],
    language: &'static str,
    informal: bool,
    weight: u32,
    subject: &'static str,
    text: &'static str,
    reply: &'static str,
    /// Contact's later answer; empty = none.
    follow_up: &'static str,
}

const P_LOW: &[&str] = &["low", "low", "normal"];
const P_NORM: &[&str] = &["normal", "normal", "normal", "low"];
const P_MID: &[&str] = &["normal", "normal", "high"];
const P_HIGH: &[&str] = &["high", "high", "urgent"];
const P_URG: &[&str] = &["urgent", "urgent", "high"];

// Slots: {first} {last} {full} {anrede} {liebe} {show} {cookshow} {dish} {kidshow}
// {animal} {town} {plz} {num} {age} {company} {inv} {inv2} {amount} {date} {gruss}
// {agent} {team}
static TEMPLATES: &[Tpl] = &[
    // ---- Viewers -----------------------------------------------------------
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["lob"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 4,
        subject: "Lob für „{show}“",
        text: "Guten Tag,\n\nich wollte einfach mal Danke sagen. „{show}“ ist seit Jahren das Beste, was man am Abend schauen kann. Die Folge von letzter Woche hat mich richtig berührt, meine Frau und ich haben hinterher noch lange darüber geredet.\n\nMachen Sie weiter so!\n\n{gruss}\n{full}\n{town}",
        reply: "{anrede},\n\nherzlichen Dank für Ihre freundlichen Worte zu „{show}“! Wir haben Ihre Nachricht sehr gern an die Redaktion weitergegeben – über so ein Lob freut sich das ganze Team.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Vielen Dank für die schnelle Antwort, das hat mich gefreut!\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["beschwerde", "programm"],
        prios: P_MID,
        language: "de",
        informal: false,
        weight: 4,
        subject: "Warum wird „{show}“ abgesetzt?",
        text: "Sehr geehrte Damen und Herren,\n\nmit großem Bedauern habe ich gelesen, dass „{show}“ nach der aktuellen Staffel eingestellt werden soll. Ich verstehe diese Entscheidung überhaupt nicht. Die Serie hat gute Quoten, tolle Schauspieler und spielt endlich mal nicht in Berlin oder München.\n\nStattdessen laufen dann wieder Wiederholungen. Dafür zahle ich meinen Rundfunkbeitrag nicht. Bitte überdenken Sie diese Entscheidung!\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Nachricht. Wir verstehen Ihre Enttäuschung über das Ende von „{show}“ sehr gut. Die Entscheidung hat sich die Redaktion nicht leicht gemacht. Ihre Rückmeldung haben wir an die Programmplanung weitergegeben. Alle Folgen bleiben bis auf Weiteres in der Mediathek abrufbar.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Danke für die Antwort. Überzeugt bin ich nicht, aber immerhin gibt es die Folgen noch in der Mediathek.\n\n{gruss}\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["beschwerde"],
        prios: P_URG,
        language: "de",
        informal: false,
        weight: 2,
        subject: "UNVERSCHÄMTHEIT!!! {show}",
        text: "Was fällt Ihnen eigendlich ein??\n\nSeit drei Wochen wird „{show}“ ständig wegen Fußball verschoben und gestern wurde das Finale einfach NICHT gezeigt. Ich habe extra wach gebleiben. Keine Ankündigung, nichts. Ich habe schon zweimal angerufen und niemand ruft zurück.\n\nIch erwarte eine Erklärung und zwar heute noch. Sonst wende ich mich an den Rundfunkrat.\n\n{full}, {town}",
        reply: "{anrede},\n\nes tut uns aufrichtig leid, dass das Finale von „{show}“ gestern kurzfristig verschoben wurde und Sie darüber nicht informiert waren. Grund war eine Programmänderung wegen einer Sondersendung. Die Folge wird am kommenden Sonntag um 21:45 Uhr gezeigt und ist bereits jetzt in der Mediathek abrufbar.\n\nIhre Kritik an der Kommunikation nehmen wir ernst und haben sie an die Programmplanung weitergegeben.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Na gut. Danke für die Rückmeldung. Hab die Folge in der Mediathek gefunden.\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["untertitel", "barrierefreiheit"],
        prios: P_MID,
        language: "de",
        informal: false,
        weight: 3,
        subject: "Keine Untertitel bei {show}",
        text: "Hallo,\n\nich bin schwerhörig und auf Untertitel angewiesen. Bei der letzten Folge von „{show}“ waren die Untertitel ab etwa Minute 20 völlig verrutscht, teilweise 10 Sekunden zu spät, am Ende fehlten sie ganz. Das ist leider nicht das erste mal.\n\nKönnen Sie das bitte weitergeben?\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihren Hinweis und entschuldigen Sie bitte die Probleme mit den Untertiteln bei „{show}“. Wir haben das an die Untertitel-Redaktion weitergegeben; die Folge wird in der Mediathek mit korrigierten Untertiteln neu bereitgestellt.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Danke, in der Mediathek passt es jetzt. Super!\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_TE,
        tags: &["technik", "empfang"],
        prios: P_MID,
        language: "de",
        informal: false,
        weight: 4,
        subject: "DVB-T2 Empfang in {town} gestört",
        text: "Guten Tag,\n\nseit einigen Tagen habe ich über DVB-T2 in {town} ({plz}) kein Bild mehr bei den HD-Programmen, nur noch „kein Signal“. Die privaten Sender gehen teilweise. Ich habe schon einen Sendersuchlauf gemacht und die Antenne am Fenster umgestellt, hat nichts gebracht.\n\nGerät: Receiver, ca. 4 Jahre alt, Zimmerantenne.\n\nWird an dem Sender gebaut oder liegt es an mir?\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Meldung. Am Senderstandort für die Region {town} finden derzeit Wartungsarbeiten statt, dadurch kann es zu Einschränkungen kommen. Die Arbeiten sollen in den nächsten Tagen abgeschlossen sein. Führen Sie danach bitte noch einmal einen Sendersuchlauf durch. Bei einer Zimmerantenne hilft oft auch eine Position möglichst hoch und in Richtung Sender.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Seit gestern geht wieder alles. Vielen Dank!\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_TE,
        tags: &["technik", "mediathek"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 4,
        subject: "Mediathek-App stürzt ständig ab",
        text: "Hallo Mediathek-Team,\n\nseit dem letzten Update stürzt die App auf meinem Tablet jedes Mal ab, wenn ich ein Video starten will. Nach ca. {num} Sekunden ist sie einfach weg. Neu installiert hab ich schon.\n\nAndroid-Tablet, App-Version aktuell.\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Meldung. Das Problem ist uns bekannt und betrifft einige Android-Tablets nach dem letzten Update. Ein Fehlerbehebungs-Update ist in Vorbereitung. Bis dahin können Sie die Mediathek im Browser nutzen. Falls Sie uns Gerätemodell und Android-Version nennen, geben wir das gern an die Entwicklung weiter.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Das neue Update hat geholfen, läuft wieder. Danke!\n\n{first}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["rezept"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 3,
        subject: "Rezept {dish} aus „{cookshow}“",
        text: "Liebe Redaktion,\n\nin der letzten Sendung von „{cookshow}“ wurde {dish} gekocht. Das sah so lecker aus! Leider habe ich mir die Mengenangaben nicht schnell genug aufschreiben können. Könnten Sie mir das Rezept bitte zuschicken?\n\nHerzlichen Dank im Voraus\n{full}\n{town}",
        reply: "{anrede},\n\nvielen Dank für Ihr Interesse! Das Rezept für {dish} aus „{cookshow}“ finden Sie auf der Sendungsseite in der Mediathek unter „Rezepte“. Wir haben es Ihnen zusätzlich als PDF angehängt.\n\nGutes Gelingen und guten Appetit!\n{agent}\n{team}",
        follow_up: "Vielen Dank! Hab es am Wochenende nachgekocht, die ganze Familie war begeistert.\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["rundfunkbeitrag"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 3,
        subject: "Frage zum Rundfunkbeitrag",
        text: "Sehr geehrte Damen und Herren,\n\nich bin zum 1. des Monats zu meinem Partner gezogen, der bereits den Rundfunkbeitrag zahlt. Muss ich jetzt trotzdem weiter zahlen? Ich habe noch eine Beitragsnummer auf meinen Namen. Wie melde ich das ab?\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Anfrage. Für den Rundfunkbeitrag ist der zentrale Beitragsservice zuständig, nicht unser Zuschauerservice. Pro Wohnung wird nur ein Beitrag fällig – Sie können Ihr Beitragskonto daher beim Beitragsservice abmelden und dabei die Beitragsnummer Ihres Partners angeben. Das geht online über das Formular „Abmelden“.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Danke, das hat geklappt.\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["lob"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 2,
        subject: "{show} ist einfach geil",
        text: "Hey ihr,\n\nmusste euch einfach mal schreiben: {show} ist das beste was ihr seit langem gemacht habt!! hab die ganze Staffel an einem Wochenende durchgesuchtet 😅 Wann kommt Staffel 2??\n\nLG {first}",
        reply: "Hallo {first},\n\nwie cool, danke für dein Feedback zu „{show}“! Wir haben es direkt an die Redaktion weitergeleitet. Zu einer zweiten Staffel können wir noch nichts verraten – am besten folgst du der Sendungsseite in der Mediathek, da erfährst du es zuerst.\n\nViele Grüße\n{agent}",
        follow_up: "Alles klar, danke dir! 👍",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["korrektur"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Fehler in „{show}“ vom {date}",
        text: "Guten Tag,\n\nin der Sendung „{show}“ vom {date} wurde behauptet, {town} habe rund {num}.000 Einwohner. Das stimmt so nicht, die Zahl ist deutlich zu hoch. Als langjähriger Bewohner weiß ich das. Ich bitte um Korrektur, zumindest in der Mediathek.\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihren aufmerksamen Hinweis. Die Redaktion hat die Angabe geprüft – Sie haben recht. Der Beitrag in der Mediathek wurde mit einem Korrekturhinweis versehen.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["autogramm"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Autogrammkarte",
        text: "Liebes Team von „{show}“,\n\nmeine Mutter wird nächsten Monat 80 und ist der größte Fan der Sendung. Wäre es möglich, eine signierte Autogrammkarte zu bekommen? Das wäre die schönste Überraschung für sie.\n\nAdresse: {full}, Lindenstraße {num}, {plz} {town}\n\nTausend Dank!\n{first}",
        reply: "{anrede},\n\nwas für eine schöne Idee! Wir haben Ihre Bitte an das Team von „{show}“ weitergeleitet. Die Autogrammkarte ist auf dem Weg zu Ihnen. Herzlichen Glückwunsch an Ihre Mutter!\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Die Karte ist angekommen, meine Mutter hatte Tränen in den Augen. Vielen, vielen Dank!\n\n{first}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_TE,
        tags: &["technik", "ton"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Musik zu laut, Sprache nicht zu verstehen",
        text: "Guten Tag\n\nbei „{show}“ ist die Hintergrundmusik mal wieder so laut, dass man die Dialoge kaum versteht. Ich muss ständig lauter und leiser drehen. Geht das nicht anders? Ich bin über 70 und sicher nicht der Einzige mit diesem Problem.\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Rückmeldung. Viele Sendungen bieten inzwischen eine Tonspur mit „klarer Sprache“ an, bei der Hintergrundgeräusche abgesenkt sind. Sie finden sie in der Mediathek unter den Audio-Optionen und bei vielen Fernsehern über die Taste für die Tonspur. Ihre Kritik haben wir zudem an die Tonmischung weitergegeben.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Das mit der klaren Sprache wusste ich gar nicht. Funktioniert prima, danke!\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_ZS,
        tags: &["programm"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 2,
        subject: "wo ist {show} hin?",
        text: "Hallo,\n\nich finde {show} nicht mehr am Dienstag abend. Wurde die Sendung verlegt? Meine Enkelin hat mir gesagt ich soll ihnen eine email schreiben.\n\nVielen dank\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Nachricht. „{show}“ läuft seit diesem Monat donnerstags um 20:15 Uhr. Außerdem finden Sie alle Folgen in der Mediathek. Grüßen Sie bitte auch Ihre Enkelin!\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    // ---- Parents -----------------------------------------------------------
    Tpl {
        persona: Persona::Adult,
        team: T_KF,
        tags: &["jugendschutz"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Altersfreigabe „{kidshow}“",
        text: "Guten Tag,\n\nmein Sohn ist {age} Jahre alt und möchte unbedingt „{kidshow}“ sehen, weil alle in seiner Klasse davon reden. Für welches Alter ist die Sendung empfohlen? Auf der Webseite habe ich nichts gefunden.\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Frage. „{kidshow}“ ist für Kinder ab 6 Jahren konzipiert. Einzelne Folgen sind etwas spannender; diese sind in der Mediathek mit einem Hinweis gekennzeichnet. Gern können Sie die erste Folge gemeinsam mit Ihrem Sohn anschauen.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_KF,
        tags: &["jugendschutz", "beschwerde"],
        prios: P_HIGH,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Gruselige Szene bei {kidshow}",
        text: "Sehr geehrte Damen und Herren,\n\ngestern Nachmittag lief bei „{kidshow}“ eine Szene mit einem Schatten-Monster im Keller. Meine Tochter ({age}) hat danach die halbe Nacht geweint und traut sich nicht mehr allein ins Bett. Ich finde das für eine Kindersendung um 16 Uhr absolut unangemessen.\n\nIch bitte dringend darum, solche Szenen vorher anzukündigen oder zu entschärfen. Wie wird so etwas bei Ihnen geprüft?\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nes tut uns sehr leid, dass die Szene Ihrer Tochter so viel Angst gemacht hat. Wir nehmen Ihre Rückmeldung ernst und haben sie an die Redaktion und unsere Jugendschutzbeauftragte weitergegeben. Auf der Sendungsseite finden Sie außerdem Tipps, wie Sie mit Ihrem Kind über gruselige Szenen sprechen können – in der Folge stellt sich übrigens heraus, dass das „Monster“ nur ein Schatten einer Katze war.\n\nWir wünschen Ihrer Tochter ruhige Nächte.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Danke für die verständnisvolle Antwort. Wir haben die Folge zu Ende geschaut, jetzt lacht sie darüber.\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_KF,
        tags: &["studiobesuch"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Studiobesuch mit Schulklasse",
        text: "Guten Tag,\n\nich bin Lehrerin einer 3. Klasse in {town}. Die Kinder sind riesige Fans von „{kidshow}“. Wäre es möglich, das Studio mit der Klasse (24 Kinder, 2 Begleitpersonen) zu besuchen? Wir wären zeitlich flexibel.\n\n{gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Anfrage! Studioführungen für Schulklassen bieten wir an ausgewählten Mittwochen an. Wir haben Ihnen drei mögliche Termine vorgemerkt und senden Ihnen die Anmeldeunterlagen gern zu – bitte teilen Sie uns Ihren Wunschtermin mit.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Wunderbar, wir nehmen den zweiten Termin! Die Kinder sind schon ganz aufgeregt.\n\n{full}",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_KF,
        tags: &["zeichnung"],
        prios: P_LOW,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Zeichnung von {kidfirst} für {kidshow}",
        text: "Hallo liebes Team,\n\nunser {kidfirst} ({age}) hat ein Bild von „{kidshow}“ gemalt und bestand darauf, dass wir es Ihnen schicken. Das Foto hängt an. Vielleicht freut sich ja jemand darüber :)\n\nLiebe Grüße aus {town}\n{full}",
        reply: "{anrede},\n\nwas für ein tolles Bild! Bitte sagen Sie {kidfirst} ganz herzlichen Dank von uns allen – die Zeichnung hängt jetzt in der Redaktion an der Pinnwand.\n\nHerzliche Grüße\n{agent}\n{team}",
        follow_up: "{kidfirst} ist vor Freude durchs Wohnzimmer gehüpft. Danke!",
    },
    Tpl {
        persona: Persona::Adult,
        team: T_KF,
        tags: &["datenschutz", "beschwerde"],
        prios: P_URG,
        language: "de",
        informal: false,
        weight: 1,
        subject: "DRINGEND: Foto meines Kindes in der Mediathek",
        text: "Sehr geehrte Damen und Herren,\n\nin dem Beitrag über das Kinderfest in {town} ist mein Sohn ({age}) deutlich erkennbar zu sehen, inklusive Vorname. Wir haben dafür KEINE Einwilligung gegeben. Ich bitte Sie dringend, den Beitrag sofort zu entfernen oder unkenntlich zu machen.\n\nBitte bestätigen Sie mir den Eingang umgehend.\n\n{full}\nTel. 0{num}1 {num}4{num}",
        reply: "{anrede},\n\nvielen Dank für Ihre Nachricht, und entschuldigen Sie bitte. Wir haben den Beitrag sofort offline genommen. Er wird nur mit unkenntlich gemachten Gesichtern und ohne Namensnennung wieder veröffentlicht. Ihr Anliegen ist an unsere Datenschutzbeauftragte weitergegeben.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Danke für die schnelle Reaktion. Ich habe nachgesehen, der Beitrag ist weg.\n\n{full}",
    },
    // ---- Children ----------------------------------------------------------
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind", "lob"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 5,
        subject: "ich liebe {kidshow}!!!",
        text: "Hallo {kidshow} Team!!\n\nich bin {first} und bin {age} Jahre alt. Ich gucke {kidshow} jeden Tag. am liebsten mag ich die Folge mit dem Ballon 🎈🎈 Ihr seit die besten!!!\n\ndein {first} 😀",
        reply: "Hallo {first},\n\nwow, vielen Dank für deine tolle Nachricht! Die Folge mit dem Ballon mögen wir auch sehr gern. Wir haben deinen Brief dem ganzen Team gezeigt und alle haben sich riesig gefreut.\n\nLiebe Grüße aus der Redaktion\n{agent}",
        follow_up: "juhu danke!!!! 😀😀😀",
    },
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind", "programm"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 5,
        subject: "wann kommt die nächste Folge",
        text: "hallo\n\nwann kommt die nächste folge von {kidshow}? ich warte schon so lange 😭\n\n{first}",
        reply: "Hallo {first},\n\ndas ist eine gute Frage! Die nächste Folge von „{kidshow}“ kommt am Samstag. Bis dahin kannst du mit deinen Eltern alle alten Folgen in der Mediathek anschauen.\n\nLiebe Grüße\n{agent}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind", "tierfrage"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 4,
        subject: "Frage über {animal}",
        text: "Liebe Tierdetektive,\n\nich habe eine Frage. Wie lange schlafen {animal}? Mein Bruder sagt den ganzen Winter aber ich glaube das stimmt nicht.\n\nViele Grüße von {first} ({age} Jahre) aus {town} 🐾",
        reply: "Hallo {first},\n\nwas für eine spannende Frage! Wie lange {animal} schlafen, ist gar nicht so einfach zu sagen – manche Tiere halten Winterschlaf, andere machen nur viele kleine Nickerchen. Wir haben deine Frage an die Tierdetektive weitergegeben. Vielleicht kommt sie sogar in einer Sendung vor! Schau mal mit deinen Eltern rein.\n\nLiebe Grüße\n{agent}",
        follow_up: "Dann hab ich recht und nicht mein Bruder!! 😝",
    },
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 3,
        subject: "kann ich mitspielen?",
        text: "Hallo\n\nich möchte auch mal bei {kidshow} mitmachen. Ich kann gut singen und Radschlagen. Meine Mama hat gesagt ich darf euch schreiben.\n\nTschüss {first} {age} Jahre",
        reply: "Hallo {first},\n\ndanke für deine Nachricht! Toll, dass du singen und Rad schlagen kannst. Manchmal suchen wir Kinder für „{kidshow}“ – dann steht das auf unserer Internetseite. Frag am besten deine Mama, ob ihr da zusammen nachschaut.\n\nLiebe Grüße\n{agent}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind", "beschwerde"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 2,
        subject: "warum ist Frieda weg",
        text: "hallo warum ist frieda nich mehr bei {kidshow} dabei?? ich bin traurig. kommt sie wieder??? 😢\n\nvon {first}",
        reply: "Hallo {first},\n\nwir verstehen gut, dass du traurig bist. Frieda macht gerade eine große Reise, aber wir verraten dir ein Geheimnis: Sie schickt in den nächsten Folgen Postkarten! Schau also weiter zu.\n\nLiebe Grüße\n{agent}",
        follow_up: "jaaaa 💌💌",
    },
    Tpl {
        persona: Persona::Child,
        team: T_KF,
        tags: &["kind", "lob"],
        prios: P_LOW,
        language: "de",
        informal: true,
        weight: 3,
        subject: "hallo",
        text: "hallo ich bin {first} ich bin {age} ich mag {kidshow} 🐶🐶🐶",
        reply: "Hallo {first},\n\nschön, dass du uns schreibst! Wir freuen uns sehr, dass du „{kidshow}“ magst. 🐶\n\nLiebe Grüße\n{agent}",
        follow_up: "",
    },
    // ---- Business ----------------------------------------------------------
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["werbung", "angebot"],
        prios: P_MID,
        language: "de",
        informal: false,
        weight: 3,
        subject: "Anfrage Werbebuchung Vorabend – {company}",
        text: "Sehr geehrte Damen und Herren,\n\nwir planen für das kommende Quartal eine regionale Kampagne und interessieren uns für Werbezeiten im Vorabendprogramm, bevorzugt im Umfeld von „{show}“. Geplant sind {num} Spots à 20 Sekunden über 4 Wochen.\n\nBitte senden Sie uns ein Angebot inklusive Mediadaten und Preisliste. Ein Budget von ca. {amount} netto ist eingeplant.\n\n{gruss}\n{full}\nMarketing, {company}",
        reply: "{anrede},\n\nvielen Dank für Ihr Interesse an Werbezeiten im Umfeld von „{show}“. Anbei erhalten Sie unsere aktuellen Mediadaten und die Preisliste. Auf Basis Ihrer Angaben erstellen wir Ihnen gern ein individuelles Angebot – für eine kurze Abstimmung stehe ich Ihnen telefonisch zur Verfügung.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Vielen Dank für die Unterlagen. Wir haben das Angebot angenommen, der unterschriebene Auftrag folgt per Post.\n\n{full}\n{company}",
    },
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["rechnung", "beschwerde"],
        prios: P_HIGH,
        language: "de",
        informal: false,
        weight: 3,
        subject: "Widerspruch Rechnung {inv} – Frist {date}",
        text: "Sehr geehrte Damen und Herren,\n\nhiermit widersprechen wir der Rechnung Nr. {inv} über {amount}. Abgerechnet wurden {num} Ausstrahlungen, laut Sendeprotokoll wurden jedoch nur {num2} gesendet. Zudem wurde der vereinbarte Agenturrabatt von 15 % nicht berücksichtigt (vgl. Auftragsbestätigung zu {inv2}).\n\nWir bitten um Prüfung und Zusendung einer korrigierten Rechnung bis spätestens {date}. Andernfalls müssen wir die Zahlung vorerst zurückhalten.\n\n{gruss}\n{full}\nBuchhaltung, {company}",
        reply: "{anrede},\n\nvielen Dank für Ihren Hinweis zur Rechnung {inv}. Wir haben das Sendeprotokoll geprüft – Sie haben recht, es wurden zu viele Ausstrahlungen berechnet, und der Agenturrabatt fehlte. Die korrigierte Rechnung erhalten Sie in den nächsten Tagen, in jedem Fall vor dem {date}. Die ursprüngliche Rechnung ist storniert.\n\nBitte entschuldigen Sie den Fehler.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Die korrigierte Rechnung ist eingegangen und wird angewiesen. Danke für die schnelle Klärung.\n\n{full}",
    },
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["lizenz"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Lizenzanfrage Ausschnitt aus „{show}“",
        text: "Sehr geehrte Damen und Herren,\n\nfür eine interne Schulungsveranstaltung sowie unsere Messepräsenz möchten wir einen ca. {num}-sekündigen Ausschnitt aus der Sendung „{show}“ verwenden. Die Nutzung ist auf 12 Monate und den deutschsprachigen Raum begrenzt.\n\nBitte teilen Sie uns mit, ob eine Lizenzierung möglich ist und welche Kosten anfallen.\n\n{gruss}\n{full}\n{company}",
        reply: "{anrede},\n\nvielen Dank für Ihre Lizenzanfrage. Für die Nutzung von Ausschnitten aus „{show}“ benötigen wir noch den genauen Timecode sowie eine kurze Beschreibung des Verwendungszwecks. Im Anschluss prüfen wir die Rechtekette und erstellen Ihnen ein Angebot.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["rechnung"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Neue Rechnungsadresse ab nächstem Monat",
        text: "Guten Tag,\n\nbitte beachten Sie, dass sich unsere Rechnungsadresse ab dem {date} ändert. Neue Anschrift: {company}, Industriestraße {num}, {plz} {town}. Bitte geben Sie auf allen Rechnungen zusätzlich unsere Bestellnummer PO-{inv2} an.\n\nVielen Dank und {gruss}\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Mitteilung. Wir haben die neue Rechnungsanschrift sowie die Bestellnummer in Ihrem Kundenkonto hinterlegt. Sie gelten für alle Rechnungen ab dem {date}.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["sponsoring"],
        prios: P_NORM,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Sponsoring-Möglichkeiten „{show}“",
        text: "Sehr geehrte Damen und Herren,\n\nals regional verwurzeltes Unternehmen aus {town} würden wir gern ein Sponsoring im Umfeld von „{show}“ prüfen. Welche Formate sind möglich, und welche Vorlaufzeiten sind zu beachten?\n\nÜber einen Rückruf würde ich mich freuen.\n\n{gruss}\n{full}\nGeschäftsführung, {company}",
        reply: "{anrede},\n\nvielen Dank für Ihr Interesse. Sponsoring ist im Umfeld von „{show}“ in Form von Presenter-Hinweisen vor und nach der Sendung möglich; die Vorlaufzeit beträgt in der Regel sechs Wochen. Ich rufe Sie gern an – wann passt es Ihnen am besten?\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Business,
        team: T_GK,
        tags: &["werbung", "beschwerde"],
        prios: P_HIGH,
        language: "de",
        informal: false,
        weight: 2,
        subject: "Spot falsch platziert – Auftrag {inv2}",
        text: "Sehr geehrte Damen und Herren,\n\nunser Spot (Auftrag {inv2}) sollte am {date} im Block vor „{show}“ laufen. Tatsächlich wurde er erst nach 23 Uhr ausgestrahlt, in einem völlig anderen Umfeld. Für unsere Aktion, die am Folgetag startete, war das wertlos.\n\nWir erwarten eine Gutschrift bzw. eine kostenlose Ersatzausstrahlung. Bitte melden Sie sich kurzfristig.\n\n{gruss}\n{full}\n{company}",
        reply: "{anrede},\n\nvielen Dank für Ihre Nachricht und bitte entschuldigen Sie die fehlerhafte Platzierung. Die Ausstrahlung wurde durch eine kurzfristige Programmänderung verschoben. Wir bieten Ihnen eine kostenlose Ersatzausstrahlung im gewünschten Umfeld an und schreiben Ihnen zusätzlich 20 % des Spotpreises gut.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "Einverstanden, danke für das Entgegenkommen.\n\n{full}",
    },
    // ---- English -----------------------------------------------------------
    Tpl {
        persona: Persona::English,
        team: T_TE,
        tags: &["technik", "mediathek"],
        prios: P_NORM,
        language: "en",
        informal: false,
        weight: 1,
        subject: "Mediathek not available abroad?",
        text: "Hello,\n\nI'm currently on a work assignment in Dublin and I can't watch \"{show}\" in your Mediathek anymore. It says the video is not available in my region. I used to watch it in Germany all the time. Is there any way around this?\n\nThanks,\n{full}",
        reply: "Dear {full},\n\nthank you for getting in touch. Due to licensing rights, some programmes – including \"{show}\" – can only be streamed from within Germany. Many other programmes are available worldwide; they are marked accordingly in the Mediathek.\n\nBest regards\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::English,
        team: T_GK,
        tags: &["lizenz"],
        prios: P_MID,
        language: "en",
        informal: false,
        weight: 1,
        subject: "Licensing inquiry: footage from \"{show}\"",
        text: "Dear Sir or Madam,\n\nI work for an independent documentary production company in London. We would like to license approx. {num} seconds of footage from \"{show}\" for a documentary intended for broadcast in the UK and streaming worldwide.\n\nCould you let me know whom to contact regarding rights and fees?\n\nKind regards,\n{full}\nProducer",
        reply: "Dear {full},\n\nthank you for your inquiry. Our licensing team will be happy to help. Please send us the exact timecodes, the planned territories and the licence period, and we will prepare an offer.\n\nKind regards\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::English,
        team: T_ZS,
        tags: &["lob"],
        prios: P_LOW,
        language: "en",
        informal: false,
        weight: 1,
        subject: "Thank you for \"{show}\"",
        text: "Hi there,\n\nI'm learning German and I've been watching \"{show}\" with German subtitles. It has helped me so much! The stories are great and the people speak clearly. Just wanted to say thank you.\n\nCheers,\n{first}",
        reply: "Dear {full},\n\nthank you so much for your lovely message! We are delighted that \"{show}\" helps you learn German, and we have passed your feedback on to the team. Viel Erfolg beim Deutschlernen!\n\nBest regards\n{agent}",
        follow_up: "Danke schön! 😊",
    },
    // ---- Turkish (exactly one mail each) -------------------------------------
    Tpl {
        persona: Persona::Turkish,
        team: T_ZS,
        tags: &["untertitel", "barrierefreiheit"],
        prios: P_NORM,
        language: "tr",
        informal: false,
        weight: 0,
        subject: "Türkçe altyazı var mı?",
        text: "Merhaba,\n\nannem Almanca iyi anlamıyor ama \"{show}\" dizisini çok seviyor. Mediathek'te Türkçe altyazı seçeneği var mı? Yoksa ileride eklenecek mi?\n\nTeşekkürler,\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Nachricht. Für „{show}“ gibt es derzeit leider keine türkischen Untertitel, nur deutsche. Ihren Wunsch haben wir an die Redaktion weitergegeben.\n\nİlginiz için teşekkür ederiz.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
    Tpl {
        persona: Persona::Turkish,
        team: T_ZS,
        tags: &["rundfunkbeitrag"],
        prios: P_NORM,
        language: "tr",
        informal: false,
        weight: 0,
        subject: "Rundfunkbeitrag hakkında soru",
        text: "Merhaba,\n\nöğrenciyim ve BAföG alıyorum. Rundfunkbeitrag ödemek zorunda mıyım? Bir mektup geldi ama tam anlamadım.\n\nSaygılarımla\n{full}",
        reply: "{anrede},\n\nvielen Dank für Ihre Frage. Wer BAföG erhält und nicht bei den Eltern wohnt, kann sich beim Beitragsservice vom Rundfunkbeitrag befreien lassen. Den Antrag finden Sie online beim Beitragsservice; bitte legen Sie den BAföG-Bescheid bei.\n\nİyi günler dileriz.\n\nMit freundlichen Grüßen\n{agent}\n{team}",
        follow_up: "",
    },
];

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Lowercase ASCII transliteration for mail addresses.
fn ascii_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'ı' | 'İ' => out.push('i'),
            'ş' | 'Ş' | 'ś' => out.push('s'),
            'ç' | 'Ç' => out.push('c'),
            'ğ' => out.push('g'),
            'ł' => out.push('l'),
            'ń' => out.push('n'),
            'ó' => out.push('o'),
            'é' => out.push('e'),
            'ż' | 'ź' => out.push('z'),
            'ą' => out.push('a'),
            'ę' => out.push('e'),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            '-' => out.push('-'),
            _ => {}
        }
    }
    out
}

fn euro(amount: u32) -> String {
    let s = amount.to_string();
    let mut grouped = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},00 €")
}

fn fill(s: &str, slots: &[(&str, String)]) -> String {
    let mut out = s.to_string();
    for (k, v) in slots {
        out = out.replace(k, v);
    }
    out
}

fn pick_owner(rng: &mut StdRng, tpl: &Tpl) -> &'static DemoAgent {
    let in_team: Vec<&'static DemoAgent> = AGENTS.iter().filter(|a| a.teams.contains(&tpl.team)).collect();
    if tpl.language == "en"
        && let Some(en) = in_team.iter().find(|a| a.locale == "en")
        && rng.gen_bool(0.7)
    {
        return en;
    }
    let non_admin: Vec<&'static DemoAgent> = in_team.iter().copied().filter(|a| a.role != "admin").collect();
    if non_admin.is_empty() || rng.gen_bool(0.05) {
        return pick::<&DemoAgent>(rng, &in_team);
    }
    pick::<&DemoAgent>(rng, &non_admin)
}

fn build(rng: &mut StdRng, tpl: &Tpl) -> DemoMail {
    // --- contact identity ---------------------------------------------------
    let (first, last, female): (String, String, bool) = match tpl.persona {
        Persona::Child => {
            let (f, fem) = *pick(rng, KID_FIRST);
            (f.to_string(), pick(rng, LAST).to_string(), fem)
        }
        Persona::English => {
            let (f, l, fem) = *pick(rng, EN_NAMES);
            (f.to_string(), l.to_string(), fem)
        }
        Persona::Turkish => {
            let (f, l, fem) = *pick(rng, TR_NAMES);
            (f.to_string(), l.to_string(), fem)
        }
        Persona::Adult | Persona::Business => {
            let (f, fem) = *pick(rng, ADULT_FIRST);
            (f.to_string(), pick(rng, LAST).to_string(), fem)
        }
    };
    let full = format!("{first} {last}");
    let (company, company_slug) = *pick(rng, COMPANIES);
    let (fs, ls) = (ascii_slug(&first), ascii_slug(&last));
    let from_addr = match tpl.persona {
        Persona::Business => format!("{}.{}@{}.example", fs, ls, company_slug),
        Persona::Child => match rng.gen_range(0..3) {
            0 => format!("familie.{}@{}", ls, pick(rng, DOMAINS)),
            1 => format!("{}{}@{}", fs, rng.gen_range(2010..2020), pick(rng, DOMAINS)),
            _ => format!("{}.{}@{}", ls, rng.gen_range(1..99), pick(rng, DOMAINS)),
        },
        Persona::English => format!("{}.{}@example.com", fs, ls.replace('\'', "")),
        _ => match rng.gen_range(0..4) {
            0 => format!("{}.{}@{}", fs, ls, pick(rng, DOMAINS)),
            1 => format!("{}{}{}@{}", &fs[..1], ls, rng.gen_range(1..100), pick(rng, DOMAINS)),
            2 => format!("{}{}@{}", fs, rng.gen_range(1950..2004), pick(rng, DOMAINS)),
            _ => format!("{}_{}@{}", ls, fs, pick(rng, DOMAINS)),
        },
    };
    let from_name = match tpl.persona {
        Persona::Business if rng.gen_bool(0.5) => format!("{full} ({company})"),
        _ => full.clone(),
    };

    // --- slots ---------------------------------------------------------------
    let anrede = match (tpl.language, female) {
        ("en", _) => format!("Dear {full}"),
        (_, true) => format!("Sehr geehrte Frau {last}"),
        (_, false) => format!("Sehr geehrter Herr {last}"),
    };
    let anrede = if tpl.team == T_KF && tpl.persona == Persona::Adult && rng.gen_bool(0.5) {
        format!("Guten Tag {}", if female { format!("Frau {last}") } else { format!("Herr {last}") })
    } else {
        anrede
    };
    let num: u32 = rng.gen_range(12..60);
    let num2 = num - rng.gen_range(2..5);
    let (dd, mm) = (rng.gen_range(1..=28u32), *pick(rng, MONTHS));
    let year = 2024 + rng.gen_range(0..2);
    let (kidfirst, _) = *pick(rng, KID_FIRST);
    let slots: Vec<(&str, String)> = vec![
        ("{kidfirst}", kidfirst.to_string()),
        ("{first}", first.clone()),
        ("{last}", last.clone()),
        ("{full}", full.clone()),
        ("{anrede}", anrede),
        ("{show}", pick(rng, SHOWS).to_string()),
        ("{cookshow}", pick(rng, COOK_SHOWS).to_string()),
        ("{dish}", pick(rng, DISHES).to_string()),
        ("{kidshow}", pick(rng, KID_SHOWS).to_string()),
        ("{animal}", pick(rng, ANIMALS).to_string()),
        ("{town}", pick(rng, TOWNS).to_string()),
        ("{plz}", format!("{:05}", rng.gen_range(1067..99998))),
        ("{num2}", num2.to_string()),
        ("{num}", num.to_string()),
        ("{age}", rng.gen_range(5..=11).to_string()),
        ("{company}", company.to_string()),
        ("{inv2}", format!("AU-{}-{:04}", year, rng.gen_range(100..9999))),
        ("{inv}", format!("RE-{}-{:05}", year, rng.gen_range(10000..99999))),
        ("{amount}", euro(rng.gen_range(8..250) * 100 + rng.gen_range(0..4) * 50)),
        ("{date}", format!("{:02}.{:02}.{}", dd, mm, year)),
        ("{gruss}", pick(rng, GRUSS).to_string()),
        ("{team}", tpl.team.to_string()),
    ];

    // --- workflow state -------------------------------------------------------
    let roll = rng.gen_range(0..100);
    let priority = *pick(rng, tpl.prios);
    let max_min = 30 * 24 * 60;
    let (owner, status, replied, minutes_ago) = if roll < 35 {
        let status = if rng.gen_bool(0.8) { "new" } else { "open" };
        let hi = if status == "new" { 2 * 24 * 60 } else { 5 * 24 * 60 };
        (None, status, false, rng.gen_range(5..hi))
    } else if roll < 70 {
        (Some(pick_owner(rng, tpl)), "open", false, rng.gen_range(30..14 * 24 * 60))
    } else if roll < 85 {
        (Some(pick_owner(rng, tpl)), "waiting_on_contact", true, rng.gen_range(120..20 * 24 * 60))
    } else {
        let status = if rng.gen_bool(0.6) { "resolved" } else { "closed" };
        (Some(pick_owner(rng, tpl)), status, true, rng.gen_range(24 * 60..=max_min))
    };
    // Urgent mails do not linger for weeks.
    let minutes_ago = if priority == "urgent" && status != "resolved" && status != "closed" {
        minutes_ago.min(3 * 24 * 60)
    } else {
        minutes_ago
    };

    let reply = match (replied, owner) {
        (true, Some(agent)) => {
            let agent_first = agent.name.split(' ').next().unwrap_or(agent.name);
            let mut s = slots.clone();
            s.push(("{agent}", agent_first.to_string()));
            Some(fill(tpl.reply, &s))
        }
        _ => None,
    };
    let follow_up = if reply.is_some()
        && (status == "resolved" || status == "closed")
        && !tpl.follow_up.is_empty()
        && rng.gen_bool(0.45)
    {
        Some(fill(tpl.follow_up, &slots))
    } else {
        None
    };

    DemoMail {
        from_name,
        from_addr,
        subject: fill(tpl.subject, &slots),
        text: fill(tpl.text, &slots),
        minutes_ago,
        team: tpl.team,
        priority,
        tags: tpl.tags.to_vec(),
        language: tpl.language,
        informal: tpl.informal,
        owner_email: owner.map(|a| a.email),
        reply,
        status,
        follow_up,
    }
}

/// Deterministic list of 300–360 demo mails for the given seed.
pub fn demo_mails(seed: u64) -> Vec<DemoMail> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n: usize = rng.gen_range(300..=360);
    let regular: Vec<&Tpl> = TEMPLATES.iter().filter(|t| t.weight > 0).collect();
    let turkish: Vec<&Tpl> = TEMPLATES.iter().filter(|t| t.persona == Persona::Turkish).collect();
    let total: u32 = regular.iter().map(|t| t.weight).sum();

    // Exactly one mail per Turkish template, at random positions.
    let mut tr_pos: Vec<usize> = Vec::new();
    while tr_pos.len() < turkish.len() {
        let p = rng.gen_range(0..n);
        if !tr_pos.contains(&p) {
            tr_pos.push(p);
        }
    }

    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let tpl = if let Some(k) = tr_pos.iter().position(|&p| p == i) {
            turkish[k]
        } else {
            let mut w = rng.gen_range(0..total);
            let mut chosen = regular[0];
            for t in &regular {
                if w < t.weight {
                    chosen = t;
                    break;
                }
                w -= t.weight;
            }
            chosen
        };
        out.push(build(&mut rng, tpl));
    }
    out
}

/// Two messages that put their cases under the safeguarding protocol when Assist analyses them:
/// the demonstration shows the banner, the escalation and the four-eyes rule.
pub fn safeguarding_mails() -> Vec<DemoMail> {
    let mail = |from_name: &str, from_addr: &str, subject: &str, text: &str, minutes_ago| DemoMail {
        from_name: from_name.into(),
        from_addr: from_addr.into(),
        subject: subject.into(),
        text: text.into(),
        minutes_ago,
        team: T_KF,
        priority: "normal",
        tags: Vec::new(),
        language: "de",
        informal: true,
        owner_email: None,
        reply: None,
        status: "new",
        follow_up: None,
    };
    vec![
        mail(
            "Lena",
            "lena.2014@kindermail.example",
            "hilfe",
            "hallo ich bin 11 und schaue immer eure sendung. ich trau mich nicht das zu sagen aber der freund von \
             mama schlägt mich wenn sie nicht da ist und sagt ich darf es keinem erzählen. was soll ich machen",
            18,
        ),
        mail(
            "Jonas Brandt",
            "j.brandt@mailbox.example",
            "Danke für die Doku gestern",
            "Hallo,\n\ndie Doku über Einsamkeit hat mich sehr berührt. Ehrlich gesagt weiß ich seit Wochen nicht \
             mehr, wofür ich noch aufstehen soll, und habe schon überlegt, einfach Schluss zu machen. Ich wollte \
             das nur mal jemandem sagen.\n\nJonas",
            7,
        ),
    ]
}

/// Where a few demo mails show responsibility at work (indices into the list).
pub struct Moments {
    /// A business customer cancels: a routing rule sends it to Geschäftskunden, high priority.
    pub cancellation: Option<usize>,
    /// A contact asks for a manager: the case is escalated on arrival.
    pub manager: Option<usize>,
    /// Senders who are VIP contacts of the business customer service.
    pub vip: Vec<usize>,
}

/// Puts `sentence` before the mail's last paragraph (the greeting and name).
fn before_signature(text: &mut String, sentence: &str) {
    let at = text.rfind("\n\n").unwrap_or(text.len());
    text.insert_str(at, &format!("\n\n{sentence}"));
}

/// Picks recent unanswered mails (deterministically) for the moments above and adds the sentences
/// they need; the number of mails stays as it is.
pub fn responsibility_moments(mails: &mut [DemoMail]) -> Moments {
    let waiting = |m: &DemoMail| (m.status == "new" || m.status == "open") && m.reply.is_none() && m.minutes_ago > 60;
    let newest = |mails: &[DemoMail], pred: &dyn Fn(usize, &DemoMail) -> bool| {
        mails
            .iter()
            .enumerate()
            .filter(|(i, m)| waiting(m) && pred(*i, m))
            .min_by_key(|(_, m)| m.minutes_ago)
            .map(|(i, _)| i)
    };
    let cancellation = newest(mails, &|_, m| m.team == T_GK && m.language == "de");
    if let Some(i) = cancellation {
        before_signature(
            &mut mails[i].text,
            "Sollte sich das nicht bis Monatsende klären lassen, sehen wir uns leider gezwungen, unseren Lizenzvertrag mit Ihnen zu kündigen.",
        );
    }
    let manager = newest(mails, &|_, m| m.tags.contains(&"beschwerde") && m.team != T_GK);
    if let Some(i) = manager {
        before_signature(
            &mut mails[i].text,
            "Ich bestehe darauf, dass Sie meine Beschwerde an Ihren Vorgesetzten weitergeben.",
        );
    }
    let mut vip: Vec<usize> = Vec::new();
    for _ in 0..2 {
        let taken: Vec<String> = vip.iter().map(|v| mails[*v].from_addr.clone()).collect();
        let next = newest(mails, &|i, m| {
            m.team == T_GK && m.language == "de" && Some(i) != cancellation && !taken.contains(&m.from_addr)
        });
        vip.extend(next);
    }
    Moments { cancellation, manager, vip }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholders core accepts: a demo block with another one would be refused at start-up.
    const ALLOWED: &[&str] = &resonanz_core::textblocks::PLACEHOLDERS;

    #[test]
    fn count_in_range() {
        for seed in [0, 1, 42, 4711] {
            let n = demo_mails(seed).len();
            assert!((300..=360).contains(&n), "seed {seed}: {n}");
        }
    }

    #[test]
    fn deterministic() {
        let a: Vec<String> = demo_mails(7).into_iter().map(|m| m.subject).collect();
        let b: Vec<String> = demo_mails(7).into_iter().map(|m| m.subject).collect();
        assert_eq!(a, b);
        let c: Vec<String> = demo_mails(8).into_iter().map(|m| m.subject).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn teams_and_agents() {
        assert_eq!(TEAMS.len(), 4);
        assert_eq!(AGENTS.len(), 8);
        assert_eq!(AGENTS.iter().filter(|a| a.role == "admin").count(), 1);
        assert_eq!(AGENTS.iter().filter(|a| a.role == "supervisor").count(), 2);
        assert_eq!(AGENTS.iter().filter(|a| a.role == "agent").count(), 5);
        assert_eq!(AGENTS.iter().filter(|a| a.locale == "en").count(), 1);
        for a in AGENTS {
            assert!(a.email.ends_with("@resonanz.example"));
            assert!(a.teams.iter().all(|t| TEAMS.iter().any(|x| x.name == *t)));
        }
    }

    #[test]
    fn mails_are_consistent() {
        for seed in [0, 1, 99] {
            let mails = demo_mails(seed);
            for m in &mails {
                assert!(TEAMS.iter().any(|t| t.name == m.team), "team {}", m.team);
                assert!(["low", "normal", "high", "urgent"].contains(&m.priority));
                assert!(["new", "open", "waiting_on_contact", "resolved", "closed"].contains(&m.status));
                assert!(["de", "en", "tr"].contains(&m.language));
                assert!((5..=30 * 24 * 60).contains(&m.minutes_ago));
                if let Some(o) = m.owner_email {
                    let agent = AGENTS.iter().find(|a| a.email == o).expect("owner is an agent");
                    assert!(agent.teams.contains(&m.team));
                }
                if m.status == "new" {
                    assert!(m.owner_email.is_none() && m.reply.is_none());
                }
                if m.reply.is_some() {
                    assert!(m.owner_email.is_some());
                    assert!(["waiting_on_contact", "resolved", "closed"].contains(&m.status));
                } else {
                    assert!(m.follow_up.is_none());
                }
                if m.tags.contains(&"kind") {
                    assert_eq!(m.team, "Kinder & Familie");
                    assert!(m.informal);
                }
                for s in [&m.subject, &m.text, &m.from_name, &m.from_addr]
                    .into_iter()
                    .chain(m.reply.iter())
                    .chain(m.follow_up.iter())
                {
                    assert!(!s.contains('{') && !s.contains('}'), "unfilled slot: {s}");
                }
                assert!(m.from_addr.is_ascii() && m.from_addr.contains('@'));
                assert!(
                    m.from_addr.ends_with("example.de")
                        || m.from_addr.ends_with("example.com")
                        || m.from_addr.ends_with(".example")
                );
            }
            let n = mails.len() as f64;
            let share = |f: &dyn Fn(&DemoMail) -> bool| mails.iter().filter(|m| f(m)).count() as f64 / n;
            assert!(share(&|m| m.owner_email.is_none()) > 0.25);
            assert!(share(&|m| m.status == "waiting_on_contact") > 0.08);
            assert!(share(&|m| m.follow_up.is_some()) > 0.01);
            assert!(share(&|m| m.tags.contains(&"kind")) > 0.1);
            assert_eq!(mails.iter().filter(|m| m.language == "tr").count(), 2);
            assert!(mails.iter().any(|m| m.language == "en"));
            assert!(mails.iter().any(|m| m.priority == "urgent"));
        }
    }

    #[test]
    fn responsibility_moments_are_found() {
        let mut mails = demo_mails(2026);
        mails.extend(safeguarding_mails());
        let n = mails.len();
        let m = responsibility_moments(&mut mails);
        assert_eq!(mails.len(), n, "no mail is added");
        let cancellation = m.cancellation.expect("a cancellation");
        let manager = m.manager.expect("a request for a manager");
        assert!(mails[cancellation].text.contains("kündigen") && mails[cancellation].team == T_GK);
        assert!(mails[manager].text.contains("an Ihren Vorgesetzten"));
        assert_eq!(
            resonanz_core::responsibility::asks_for_person(&mails[manager].text),
            Some(resonanz_core::responsibility::AsksFor::Manager)
        );
        assert_eq!(m.vip.len(), 2);
        assert_ne!(mails[m.vip[0]].from_addr, mails[m.vip[1]].from_addr);
        for i in [cancellation, manager].iter().chain(&m.vip) {
            assert!(mails[*i].reply.is_none() && ["new", "open"].contains(&mails[*i].status));
        }
    }

    #[test]
    fn text_blocks_valid() {
        assert!((18..=24).contains(&TEXT_BLOCKS.len()));
        for b in TEXT_BLOCKS {
            assert!(["de", "en"].contains(&b.language));
            assert!(["sie", "du", "kind"].contains(&b.tone));
            assert_eq!(b.name, b.name.to_lowercase());
            assert!(
                TEXT_BLOCKS.iter().any(|x| x.name == b.name && x.tone == "sie" && x.language == "de"),
                "{} lacks a sie variant",
                b.name
            );
            let mut rest = b.body;
            while let Some(start) = rest.find("{{") {
                let end = rest[start..].find("}}").expect("closing braces") + start;
                let key = rest[start + 2..end].trim();
                assert!(ALLOWED.contains(&key), "placeholder {key} in {}", b.name);
                rest = &rest[end + 2..];
            }
        }
        assert_eq!(TEXT_BLOCKS.iter().filter(|b| b.language == "en").count(), 2);
    }
}
