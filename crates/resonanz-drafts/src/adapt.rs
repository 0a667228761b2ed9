//! Adapting the answer to a past case for this contact: greeting and closing replaced, the other
//! person's data scrubbed.
//!
//! The past answer belongs to someone else's case. Before it becomes a draft, quoted mail is cut,
//! the greeting line (with the old name) and the closing with the old signature are removed, and
//! the old contact's name, the old reference, e-mail addresses, phone numbers, IBANs, addresses,
//! dates of birth, numbers of four or more digits and cued names are replaced by a visible
//! `{{prüfen}}` — which [`render`] keeps and the send step refuses, so an agent must look at each.

use std::sync::LazyLock;

use regex::Regex;
use resonanz_core::textblocks::{Tone, Values, render};

use crate::SimilarCase;
use crate::pii::{self, KnownPii, PiiKind};

/// What replaces the other person's data: an unfilled placeholder the send step refuses.
pub const CHECK_PLACEHOLDER: &str = "{{prüfen}}";

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:hallo|hi|hey|hello|dear|liebe|lieber|liebes|sehr geehrte|sehr geehrter|guten tag|guten morgen|guten abend|moin|servus|grüß gott|bonjour|salut|ciao|buongiorno|hola|merhaba|dzień dobry|cześć|здравствуйте|привет|добрий день|привіт|مرحب)",
    )
    .unwrap_or_else(|e| panic!("greeting pattern: {e}"))
});
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:(?:mit\s+)?(?:freundlichen|freundliche|viele|liebe|lieben|herzliche|herzlichen|beste|besten|schöne|sonnige)?\s*(?:grüße|grüßen|gruß|grüsse|gruss)\b|lg\b|mfg\b|vg\b|kind regards|best regards|regards|best wishes|sincerely|yours|cordialement|cordiali saluti|un saluto|saludos|un saludo|saygılarımızla|sevgiler|z poważaniem|pozdrawiam|с уважением|всего доброго|з повагою|усього найкращого|مع أطيب التحيات)",
    )
    .unwrap_or_else(|e| panic!("closing pattern: {e}"))
});
static QUOTE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:>|-{2,}\s*(?:ursprüngliche nachricht|original message)|(?:am|on)\s.{4,120}\s(?:schrieb|wrote)|von:\s|from:\s)")
        .unwrap_or_else(|e| panic!("quote pattern: {e}"))
});

/// The address form a German text is written in: `Some(Tone::Sie)` for formal, `Some(Tone::Du)` for
/// informal, `None` when it cannot be told (or both appear).
pub(crate) fn address_form(text: &str) -> Option<Tone> {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // Capitalised "Sie" also at a sentence start: in a reply it almost always addresses the reader.
    let formal = words
        .iter()
        .filter(|w| ["Sie", "Ihnen", "Ihr", "Ihre", "Ihrem", "Ihren", "Ihrer", "Ihres"].contains(w))
        .count();
    let informal = words
        .iter()
        .filter(|w| {
            [
                "du", "dich", "dir", "dein", "deine", "deinem", "deinen", "deiner", "euch", "euer", "eure", "euren",
                "eurem",
            ]
            .contains(&w.to_lowercase().as_str())
        })
        .count();
    match (formal, informal) {
        (0, 0) => None,
        (f, i) if f > 2 * i => Some(Tone::Sie),
        (f, i) if i > 2 * f => Some(Tone::Du),
        _ => None,
    }
}

/// The greeting for this contact, as a text-block body with placeholders (nameless when the value is
/// unknown, so that no `{{contact.name}}` hole is produced).
pub(crate) fn greeting(language: &str, tone: Tone, values: &Values) -> String {
    let has = |k: &str| values.get(k).is_some_and(|v| !v.trim().is_empty());
    let (full, first) = (has("contact.name"), has("contact.first_name"));
    let formal = tone == Tone::Sie;
    let (named, nameless): (&str, &str) = match (language, tone) {
        ("en", Tone::Sie) => ("Dear {{contact.name}},", "Hello,"),
        ("en", Tone::Du) => ("Hi {{contact.first_name}},", "Hi,"),
        ("en", Tone::Kind) => ("Hi {{contact.first_name}}!", "Hi!"),
        ("fr", _) if formal => ("Bonjour {{contact.name}},", "Bonjour,"),
        ("fr", _) => ("Salut {{contact.first_name}},", "Salut,"),
        ("it", _) if formal => ("Buongiorno {{contact.name}},", "Buongiorno,"),
        ("it", _) => ("Ciao {{contact.first_name}},", "Ciao,"),
        ("es", _) if formal => ("Hola {{contact.name}}:", "Hola:"),
        ("es", _) => ("Hola {{contact.first_name}}:", "Hola:"),
        ("tr", _) if formal => ("Merhaba {{contact.name}},", "Merhaba,"),
        ("tr", _) => ("Merhaba {{contact.first_name}},", "Merhaba,"),
        ("pl", _) if formal => ("Dzień dobry {{contact.name}},", "Dzień dobry,"),
        ("pl", _) => ("Cześć {{contact.first_name}},", "Cześć,"),
        ("ru", _) if formal => ("Здравствуйте, {{contact.name}}!", "Здравствуйте!"),
        ("ru", _) => ("Привет, {{contact.first_name}}!", "Привет!"),
        ("uk", _) if formal => ("Добрий день, {{contact.name}}!", "Добрий день!"),
        ("uk", _) => ("Привіт, {{contact.first_name}}!", "Привіт!"),
        ("ar", _) => ("مرحباً {{contact.name}}،", "مرحباً،"),
        (_, Tone::Sie) => ("Guten Tag {{contact.name}},", "Guten Tag,"),
        (_, Tone::Du) => ("Hallo {{contact.first_name}},", "Hallo,"),
        (_, Tone::Kind) => ("Hallo {{contact.first_name}}!", "Hallo!"),
    };
    let named_ok = if named.contains("first_name") { first } else { full };
    if named_ok { named } else { nameless }.to_string()
}

/// The closing with this agent's name.
pub(crate) fn closing(language: &str, tone: Tone) -> String {
    let formal = tone == Tone::Sie;
    let words = match language {
        "en" if formal => "Kind regards",
        "en" => "Best wishes",
        "fr" => "Cordialement",
        "it" if formal => "Cordiali saluti",
        "it" => "Un saluto",
        "es" if formal => "Saludos cordiales",
        "es" => "Un saludo",
        "tr" if formal => "Saygılarımızla",
        "tr" => "Sevgiler",
        "pl" if formal => "Z poważaniem",
        "pl" => "Pozdrawiam",
        "ru" if formal => "С уважением",
        "ru" => "Всего доброго",
        "uk" if formal => "З повагою",
        "uk" => "Усього найкращого",
        "ar" => "مع أطيب التحيات",
        _ => match tone {
            Tone::Sie => "Mit freundlichen Grüßen",
            Tone::Du => "Viele Grüße",
            Tone::Kind => "Liebe Grüße",
        },
    };
    format!("{words}\n{{{{agent.name}}}}")
}

/// The body of a sent answer: without quoted mail, the greeting line and the closing with signature.
pub(crate) fn core_body(answer: &str) -> String {
    let mut lines: Vec<&str> = answer.lines().collect();
    if let Some(q) = lines.iter().position(|l| QUOTE_START.is_match(l.trim())) {
        lines.truncate(q);
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.first().is_some_and(|l| {
        let l = l.trim();
        l.chars().count() <= 80 && (GREETING.is_match(l) || (l.ends_with(',') && l.split_whitespace().count() <= 5))
    }) {
        lines.remove(0);
    }
    let non_empty: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    let tail_from = non_empty.len().saturating_sub(10);
    if let Some(&cut) = non_empty[tail_from..].iter().find(|&&i| CLOSING.is_match(lines[i].trim())) {
        lines.truncate(cut);
    }
    lines.join("\n").trim().to_string()
}

/// The body with the other person's data replaced by [`CHECK_PLACEHOLDER`], and how many were replaced.
pub(crate) fn scrub(body: &str, old_contact: &str, old_reference: &str) -> (String, usize) {
    let known = [KnownPii::new(PiiKind::Name, old_contact), KnownPii::new(PiiKind::Reference, old_reference)];
    let r = pii::redact(body, &known);
    let n = pii::count_placeholders(&r.text);
    (pii::replace_placeholders(&r.text, CHECK_PLACEHOLDER), n)
}

/// A past answer made into a draft for this contact.
pub(crate) struct Adapted {
    /// Rendered draft text.
    pub text: String,
    /// The scrubbed body (before greeting and closing), for comparisons.
    pub body: String,
    /// Number of the other person's details replaced by `{{prüfen}}`.
    pub replaced: usize,
    /// The German answer is written in another address form than wanted (Sie vs. du).
    pub tone_mismatch: Option<Tone>,
}

pub(crate) fn adapt(case: &SimilarCase, tone: Tone, values: &Values) -> Option<Adapted> {
    let body = core_body(&case.answer);
    if body.is_empty() {
        return None;
    }
    let (body, replaced) = scrub(&body, &case.contact_name, &case.reference);
    let language = case.language.as_str();
    let text = format!("{}\n\n{}\n\n{}", greeting(language, tone, values), body, closing(language, tone));
    let tone_mismatch = match (language, address_form(&body)) {
        ("de", Some(Tone::Sie)) if tone != Tone::Sie => Some(Tone::Sie),
        ("de", Some(Tone::Du)) if tone == Tone::Sie => Some(Tone::Du),
        _ => None,
    };
    Some(Adapted { text: render(&text, values), body, replaced, tone_mismatch })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        let mut v = Values::new();
        v.insert("contact.name", "Lena Kaya".into());
        v.insert("contact.first_name", "Lena".into());
        v.insert("agent.name", "Tom Weber".into());
        v
    }

    fn past(answer: &str) -> SimilarCase {
        SimilarCase {
            case_id: "c9".into(),
            reference: "A-2023-0042".into(),
            score: 0.5,
            bm25: 3.0,
            answer: answer.into(),
            subject: "Rechnung".into(),
            categories: vec![],
            language: "de".into(),
            contact_name: "Erika Mustermann".into(),
            shared_terms: vec![],
        }
    }

    const ANSWER: &str = "Sehr geehrte Frau Mustermann,\n\nvielen Dank für Ihre Nachricht zu Ihrem Anliegen \
        A-2023-0042. Wir haben die Rechnungskopie an erika@example.org geschickt und Ihre Adresse auf \
        Lindenweg 4, 12345 Musterstadt geändert. Ihre Kundennummer 98765432 bleibt. Bei Fragen erreichen \
        Sie uns unter 030 1234567 oder Sie überweisen auf DE89 3704 0044 0532 0130 00. Frau Mustermann, \
        wir wünschen Ihnen alles Gute!\n\nMit freundlichen Grüßen\nAnna Berg\nZuschauerservice\n\n\
        Am 03.05.2023 schrieb Erika Mustermann <erika@example.org>:\n> Meine Rechnung fehlt.";

    #[test]
    fn scrubs_the_other_persons_data_and_uses_this_contact_and_agent() {
        let a = adapt(&past(ANSWER), Tone::Sie, &values()).unwrap();
        for old in [
            "Mustermann",
            "Erika",
            "A-2023-0042",
            "erika@",
            "Lindenweg",
            "12345",
            "98765432",
            "030 1234567",
            "DE89",
            "Anna Berg",
            "Meine Rechnung fehlt",
        ] {
            assert!(!a.text.contains(old), "{old} left in:\n{}", a.text);
        }
        assert!(a.text.starts_with("Guten Tag Lena Kaya,\n\nvielen Dank"), "{}", a.text);
        assert!(a.text.ends_with("Mit freundlichen Grüßen\nTom Weber"), "{}", a.text);
        assert!(a.text.contains("Rechnungskopie an {{prüfen}} geschickt"), "{}", a.text);
        assert!(a.replaced >= 7, "{}", a.replaced);
        // The send step refuses unfilled placeholders: what was scrubbed must stay visible.
        assert!(resonanz_core::textblocks::placeholders(&a.text).contains(&"prüfen"));
    }

    #[test]
    fn greeting_and_closing_follow_language_and_tone() {
        let v = values();
        assert_eq!(render(&greeting("de", Tone::Du, &v), &v), "Hallo Lena,");
        assert_eq!(render(&greeting("de", Tone::Kind, &v), &v), "Hallo Lena!");
        assert_eq!(render(&greeting("en", Tone::Sie, &v), &v), "Dear Lena Kaya,");
        assert_eq!(greeting("de", Tone::Sie, &Values::new()), "Guten Tag,");
        assert_eq!(render(&closing("de", Tone::Kind), &v), "Liebe Grüße\nTom Weber");
        assert_eq!(render(&closing("en", Tone::Du), &v), "Best wishes\nTom Weber");
        let mut en = past("");
        en.language = "en".into();
        en.answer = "Hi Erika,\n\nthanks, it is repeated on Monday.\n\nBest regards\nAnna".into();
        let a = adapt(&en, Tone::Kind, &v).unwrap();
        assert_eq!(a.text, "Hi Lena!\n\nthanks, it is repeated on Monday.\n\nBest wishes\nTom Weber");
    }

    #[test]
    fn tells_formal_from_informal_german() {
        assert_eq!(address_form("Wir senden Ihnen gern die Kopie. Können Sie das prüfen?"), Some(Tone::Sie));
        assert_eq!(address_form("Schön, dass du schreibst! Wir schicken dir ein Bild."), Some(Tone::Du));
        assert_eq!(address_form("Die Sendung läuft am Montag."), None);
        let a =
            adapt(&past("Hallo Erika,\n\nwir schicken dir die Karte.\n\nViele Grüße"), Tone::Sie, &values()).unwrap();
        assert_eq!(a.tone_mismatch, Some(Tone::Du));
        let a = adapt(&past(ANSWER), Tone::Kind, &values()).unwrap();
        assert_eq!(a.tone_mismatch, Some(Tone::Sie));
    }

    #[test]
    fn empty_answers_give_no_draft() {
        assert!(adapt(&past("Hallo Erika,\n\nViele Grüße\nAnna"), Tone::Du, &values()).is_none());
        assert_eq!(core_body("Text ohne Gruß."), "Text ohne Gruß.");
    }
}
