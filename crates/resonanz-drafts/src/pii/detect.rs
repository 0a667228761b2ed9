//! The detectors behind [`super::redact`]. Each yields byte spans; earlier detectors win overlaps.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::{KnownPii, PiiKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: PiiKind,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("pii pattern {pattern}: {e}"))
}

/// A capitalised name word, optionally double-barrelled ("Müller-Lüdenscheidt").
const NW: &str = r"[A-ZÄÖÜ][a-zäöüßéèáàóòíìñç]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàóòíìñç]+)?";

static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"));
static URL: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)\b(?:https?://|www\.)[^\s<>"'\)\]]+"#));
static IBAN: LazyLock<Regex> = LazyLock::new(|| re(r"\b[A-Z]{2}\d{2}(?:[ ]?[0-9A-Z]{4}){3,7}(?:[ ]?[0-9A-Z]{1,3})?\b"));
static PHONE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:tel(?:efon)?|telefonnummer|rufnummer|handy(?:nummer)?|mobil(?:nummer)?|fax|phone|mobile)\.?\s*:?\s*(\+?\d[\d ()/.-]{4,}\d)",
    )
});
static PHONE_INTL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\+|\b00)\d{1,3}[ ./-]?(?:\(0\)[ ]?)?\d{1,5}(?:[ ./-]?\d{2,}){1,4}"));
static PHONE_NATIONAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\(0\d{2,5}\)|\b0\d{2,5})[ ./-]?\d{2,}(?:[ -]?\d{2,}){0,3}"));
static DOB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:geboren(?:\s+am)?|geb\.|geburtsdatum|geburtstag|born(?:\s+on)?|date\s+of\s+birth|dob)\s*:?\s*(\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{1,2}\.\s?(?:januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})",
    )
});
const STREET_SUFFIX: &str = r"(?i:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt|hof|garten|graben|kamp|wall|stieg|promenade)";
const HOUSE_NO: &str = r"\s*\d{1,4}\s?[a-zA-Z]?\b";
const POSTCODE_CITY: &str = r"\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?\b";
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:\b[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*-?{STREET_SUFFIX}|\b[A-ZÄÖÜ][a-zäöüß]+\s{STREET_SUFFIX}|\b(?:Am|An der|An den|Auf der|Auf dem|Im|In der|In den|Zum|Zur|Unter den|Hinter der|Vor dem)\s[A-ZÄÖÜ][a-zäöüß]+){HOUSE_NO}(?:,?\s+{POSTCODE_CITY})?"
    ))
});
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"\b(?:D-)?{POSTCODE_CITY}")));
static NUMBER_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i:kunden|bestell|rechnungs|vertrags|mitglieds|auftrags|beitrags|teilnehmer|versicherten|konto|order|customer|invoice|account|ticket)-?(?i:nummer|nr\.?|number|no\.?)\s*:?\s*([A-Z0-9][A-Z0-9 ./-]{2,}[A-Z0-9])\b",
    )
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:[A-Za-z]{1,5}[-/]?)?\d+(?:[-/]\d+)*\b"));
static MONEY_AFTER: LazyLock<Regex> = LazyLock::new(|| re(r"^\s?(?:€|EUR\b|Euro\b)"));

static INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"(?i:ich heiße|ich heisse|mein name ist|ich bin der|ich bin die|my name is)\s+({NW}(?:[ ]{NW})?)"))
});
static CHILD_INTRO: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?i:ich bin)\s+({NW})\s+(?i:und)\s+(?:(?i:bin)\s+)?\d{{1,2}}\b")));
static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?m)^[ \t]*(?i:liebe|lieber|liebes|hallo|hi|hey|moin|servus|guten tag|guten morgen|guten abend|sehr geehrte|sehr geehrter|dear|hello)\s+(?:(?i:frau|herr|herrn|fr\.|hr\.|mrs\.?|mr\.?|ms\.?|dr\.|prof\.)\s+)*({NW}(?:[ ]{NW})?)"
    ))
});
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"\b(?:Frau|Herr|Herrn|Familie|Fam\.|Dr\.|Prof\.)\s+(?:(?:Dr\.|Prof\.)\s+)*({NW}(?:[ ]{NW})?)"))
});
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i:mein|meine|meinem|meinen|meiner|unser|unsere|unserem|unseren|unserer)\s+(?i:sohn|tochter|kind|enkel|enkelin|enkelkind|mann|frau|ehemann|ehefrau|partner|partnerin|freund|freundin|bruder|schwester|neffe|nichte)\s+({NW}(?:[ ]{NW})?)|(?i:mutter|vater|mama|papa|oma|opa|tante|onkel)\s+(?i:von)\s+({NW})"
    ))
});
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:(?:mit\s+)?(?:freundlichen|freundliche|viele|liebe|lieben|herzliche|herzlichen|beste|besten|schöne|sonnige)?\s*(?:grüße|grüßen|gruß|grüsse|gruss)|lg|mfg|vg|cheers|best regards|kind regards|regards|best wishes|sincerely|dein|deine|euer|eure|ihr|ihre|yours)\b[\s,.!]*(.*)$",
    )
});
static NAME_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"^({NW}(?:[ ](?:[A-ZÄÖÜ]\.|{NW})){{0,2}})[\s,.!]*$")));

/// Capitalised words that are not names (nouns of address, pronouns at sentence start, roles).
const NOT_NAMES: &str = "team redaktion zuschauerservice service kundenservice support damen herren kinder eltern \
    leute alle zusammen sendung mutter vater mama papa oma opa lehrer lehrerin rentner rentnerin zuschauer \
    zuschauerin kunde kundin mitglied schüler schülerin fan fans sie ihr ihre ihnen ich wir du dein deine euer \
    eure der die das und aber ein eine gruß grüße danke vielen dank herr frau doktor hallo guten morgen tag \
    abend liebe lieber mit freundlichen viele beste herzliche bitte ja nein heute gestern redakteur moderator \
    moderatorin ministerin minister präsident leitung geschäftsführung abteilung verwaltung schule klasse \
    gemeinde verein gmbh montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz april \
    mai juni juli august september oktober november dezember sir madam everyone customer hier anbei leider \
    vielleicht ihrem ihren euch uns unser unsere mein meine sehr nachricht frage anfrage beschwerde sohn \
    tochter kind enkel enkelin mann bruder schwester freund freundin also sorry entschuldigung meinung \
    ansicht auffassung überzeugung hoffnung einzige erste letzte großvater großmutter mediathek programm";

static NOT_NAME: LazyLock<HashSet<String>> =
    LazyLock::new(|| NOT_NAMES.split_whitespace().map(str::to_string).collect());

fn not_name(word: &str) -> bool {
    let w = word.to_lowercase();
    NOT_NAME.contains(&w) || w.ends_with("team") || w.ends_with("service") || w.ends_with("redaktion")
}

/// Leading name words of a captured name, up to the first word that is not a name.
fn clean_name(captured: &str) -> Option<&str> {
    let mut end = 0;
    for (i, w) in captured.split(' ').enumerate() {
        if w.split('-').any(not_name) {
            break;
        }
        end = if i == 0 { w.len() } else { end + 1 + w.len() };
    }
    (end > 0).then(|| &captured[..end])
}

fn is_personal_url(url: &str) -> bool {
    let l = url.to_lowercase();
    let social = [
        "facebook.com/",
        "instagram.com/",
        "tiktok.com/",
        "twitter.com/",
        "x.com/",
        "linkedin.com/in/",
        "xing.com/profile",
        "t.me/",
        "wa.me/",
        "youtube.com/@",
    ];
    let query_keys =
        ["token", "id=", "uid", "user", "email", "mail=", "session", "key=", "code=", "kunde", "customer", "order"];
    l.contains('@')
        || social.iter().any(|s| l.contains(s))
        || (l.contains('?') && query_keys.iter().any(|k| l.split_once('?').is_some_and(|(_, q)| q.contains(k))))
        || l.split(|c: char| !c.is_ascii_digit()).any(|d| d.len() >= 4)
        || l.split(['/', '?', '&', '=']).any(|seg| {
            seg.len() >= 16 && seg.chars().any(|c| c.is_ascii_digit()) && seg.chars().any(|c| c.is_ascii_alphabetic())
        })
}

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

fn is_plain_year(s: &str) -> bool {
    s.len() == 4 && s.parse::<u32>().is_ok_and(|y| (1900..=2099).contains(&y))
}

/// Whole-word, case-insensitive occurrences of `value`.
fn occurrences(text: &str, value: &str, kind: PiiKind, out: &mut Vec<Span>) {
    let Ok(r) = Regex::new(&format!("(?i){}", regex::escape(value))) else { return };
    for m in r.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            out.push(Span { start: m.start(), end: m.end(), kind });
        }
    }
}

fn all(r: &Regex, text: &str, kind: PiiKind, out: &mut Vec<Span>) {
    out.extend(r.find_iter(text).map(|m| Span { start: m.start(), end: m.end(), kind }));
}

fn groups(r: &Regex, text: &str, kind: PiiKind, out: &mut Vec<Span>) {
    for c in r.captures_iter(text) {
        for m in c.iter().skip(1).flatten() {
            out.push(Span { start: m.start(), end: m.end(), kind });
        }
    }
}

/// Names found by cue (intro, greeting, title, relative, signature), as written.
fn cued_names(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for r in [&*INTRO, &*CHILD_INTRO, &*GREETING, &*TITLE, &*RELATIVE] {
        for c in r.captures_iter(text) {
            for m in c.iter().skip(1).flatten() {
                if let Some(n) = clean_name(m.as_str()) {
                    found.push(n.to_string());
                }
            }
        }
    }
    // Signature: the rest of a closing line and up to two name-like lines after it, near the end.
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let from = lines.len().saturating_sub(8);
    for (i, line) in lines.iter().enumerate().skip(from) {
        let Some(c) = CLOSING.captures(line) else { continue };
        let rest = c.get(1).map_or("", |m| m.as_str());
        let candidates = std::iter::once(rest).chain(lines.iter().skip(i + 1).take(2).copied());
        for cand in candidates {
            if let Some(n) = NAME_LINE.captures(cand).and_then(|c| c.get(1)).and_then(|m| clean_name(m.as_str())) {
                found.push(n.to_string());
            }
        }
    }
    let mut seen = HashSet::new();
    found.retain(|n| seen.insert(n.to_lowercase()));
    found
}

/// All spans to replace, sorted, without overlaps.
pub(super) fn spans(text: &str, known: &[KnownPii]) -> Vec<Span> {
    let mut cands: Vec<Span> = Vec::new();
    all(&EMAIL, text, PiiKind::Email, &mut cands);
    for m in URL.find_iter(text) {
        let url = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?']);
        if is_personal_url(url) {
            cands.push(Span { start: m.start(), end: m.start() + url.len(), kind: PiiKind::Url });
        }
    }
    for k in known {
        occurrences(text, &k.value, k.kind, &mut cands);
    }
    all(&IBAN, text, PiiKind::Iban, &mut cands);
    groups(&PHONE_CUE, text, PiiKind::Phone, &mut cands);
    for r in [&*PHONE_INTL, &*PHONE_NATIONAL] {
        cands.extend(r.find_iter(text).filter(|m| (6..=15).contains(&digits(m.as_str()))).map(|m| Span {
            start: m.start(),
            end: m.end(),
            kind: PiiKind::Phone,
        }));
    }
    groups(&DOB, text, PiiKind::Date, &mut cands);
    all(&STREET, text, PiiKind::Address, &mut cands);
    for c in POSTCODE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let city = m.as_str().split_whitespace().nth(1).unwrap_or_default();
        if !not_name(city) && !["Euro", "Stück", "Menschen", "Jahre", "Tage", "Mal", "Punkte"].contains(&city) {
            cands.push(Span { start: m.start(), end: m.end(), kind: PiiKind::Address });
        }
    }
    groups(&NUMBER_CUE, text, PiiKind::Number, &mut cands);
    for m in NUMBER.find_iter(text) {
        let s = m.as_str();
        if digits(s) >= 4 && !is_plain_year(s) && !MONEY_AFTER.is_match(&text[m.end()..]) {
            cands.push(Span { start: m.start(), end: m.end(), kind: PiiKind::Number });
        }
    }
    let names = cued_names(text);
    for n in &names {
        occurrences(text, n, PiiKind::Name, &mut cands);
    }
    for n in &names {
        for part in n.split(' ').filter(|p| p.chars().count() >= 3 && *p != n) {
            occurrences(text, part, PiiKind::Name, &mut cands);
        }
    }
    // Earlier candidates win; among the rest, longer first is already implied by detector order.
    let mut taken: Vec<Span> = Vec::new();
    for c in cands {
        if c.end > c.start && !taken.iter().any(|t| c.start < t.end && t.start < c.end) {
            taken.push(c);
        }
    }
    taken.sort_by_key(|s| s.start);
    taken
}
