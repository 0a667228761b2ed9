//! Redaction of personal data before text leaves the organisation (LLM adapter) or crosses from one
//! person's case into another's draft (similar-case answers).
//!
//! [`redact`] replaces e-mail addresses, personal URLs (profiles, links with ids or tokens), IBANs,
//! phone numbers, dates of birth, postal addresses (street and house number, postcode and city),
//! numbers of four or more digits (customer, order, invoice numbers; plain years 1900–2099 and money
//! amounts are kept) and names — the known ones passed in (with their parts) and names found after
//! "Ich heiße", "Mein Name ist", "ich bin der/die", in greetings ("Liebe Jana", "Sehr geehrte Frau
//! Schmidt"), after Frau/Herr, after "mein Sohn"/"meine Tochter", and in the signature after a
//! closing — by placeholders `[NAME_1]`, `[EMAIL_1]`, `[PHONE_1]`, `[IBAN_1]`, `[URL_1]`,
//! `[ADDRESS_1]`, `[DATE_1]`, `[NUMBER_1]`, `[REF_1]`. The same value always gets the same
//! placeholder. [`restore`] puts the values back (tolerating `[name_1]` or `[ NAME_1 ]`).
//!
//! This is pattern matching, not understanding: it errs towards replacing too much, and a name
//! written in lower case or without any cue stays. Treat it as minimisation, not anonymisation.

mod detect;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Name,
    Email,
    Phone,
    Iban,
    Url,
    Address,
    Date,
    Number,
    Reference,
}

impl PiiKind {
    /// The word in the placeholder, e.g. `NAME` in `[NAME_1]`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "NAME",
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::Iban => "IBAN",
            Self::Url => "URL",
            Self::Address => "ADDRESS",
            Self::Date => "DATE",
            Self::Number => "NUMBER",
            Self::Reference => "REF",
        }
    }
}

/// A value known to be personal (the contact's and the agent's names, a case reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownPii {
    pub kind: PiiKind,
    pub value: String,
}

impl KnownPii {
    pub fn new(kind: PiiKind, value: impl Into<String>) -> Self {
        Self { kind, value: value.into() }
    }
}

/// One replaced value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    /// E.g. `[NAME_1]`.
    pub placeholder: String,
    pub kind: PiiKind,
    pub original: String,
}

/// Placeholders and the values they stand for, in order of first use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub entries: Vec<Replacement>,
}

impl Mapping {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The placeholder of a value, if it was replaced (case-insensitive).
    pub fn placeholder_of(&self, original: &str) -> Option<&str> {
        let key = original.trim().to_lowercase();
        self.entries.iter().find(|e| e.original.to_lowercase() == key).map(|e| e.placeholder.as_str())
    }
}

/// A redacted text and how to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redacted {
    pub text: String,
    pub mapping: Mapping,
}

/// Replaces the personal data in `text` by placeholders.
pub fn redact(text: &str, known: &[KnownPii]) -> Redacted {
    let mut r = Redactor::new(known);
    let text = r.redact(text);
    Redacted { text, mapping: r.into_mapping() }
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[\s*([A-Za-z]+)_(\d{1,4})\s*\]").expect("placeholder pattern"));

/// Puts the values back. Placeholders not in `mapping` stay as they are.
pub fn restore(text: &str, mapping: &Mapping) -> String {
    let lookup: HashMap<&str, &str> =
        mapping.entries.iter().map(|e| (e.placeholder.as_str(), e.original.as_str())).collect();
    PLACEHOLDER
        .replace_all(text, |c: &regex::Captures<'_>| {
            let key = format!("[{}_{}]", c[1].to_uppercase(), &c[2]);
            lookup.get(key.as_str()).map(|v| v.to_string()).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// Replaces every placeholder (`[NAME_1]` …) by `with`, e.g. a visible `{{prüfen}}`.
pub fn replace_placeholders(text: &str, with: &str) -> String {
    PLACEHOLDER.replace_all(text, regex::NoExpand(with)).into_owned()
}

/// Number of placeholders in a text.
pub fn count_placeholders(text: &str) -> usize {
    PLACEHOLDER.find_iter(text).count()
}

/// Redacts several texts with one mapping, so that a value gets the same placeholder in all of them
/// (subject, message, history).
#[derive(Debug, Clone)]
pub struct Redactor {
    known: Vec<KnownPii>,
    mapping: Mapping,
    counters: HashMap<PiiKind, usize>,
    index: HashMap<(PiiKind, String), String>,
}

impl Redactor {
    /// Known values get their placeholders up front, in the order given (so the contact's name passed
    /// first is `[NAME_1]` whether or not it occurs); then the words of multi-word names.
    pub fn new(known: &[KnownPii]) -> Self {
        let mut r =
            Self { known: Vec::new(), mapping: Mapping::default(), counters: HashMap::new(), index: HashMap::new() };
        let known: Vec<&KnownPii> = known.iter().filter(|k| k.value.trim().chars().count() >= 2).collect();
        // Whole values first, then the words of multi-word names.
        let mut expanded: Vec<KnownPii> = known.iter().map(|k| KnownPii::new(k.kind, k.value.trim())).collect();
        for k in known.iter().filter(|k| k.kind == PiiKind::Name) {
            let v = k.value.trim();
            for part in v.split_whitespace().map(|p| p.trim_matches(|c: char| !c.is_alphanumeric())) {
                if part.chars().count() >= 3 && part != v {
                    expanded.push(KnownPii::new(PiiKind::Name, part));
                }
            }
        }
        for k in &expanded {
            if !r.known.iter().any(|x| x.value.eq_ignore_ascii_case(&k.value)) {
                r.placeholder(k.kind, &k.value);
                r.known.push(k.clone());
            }
        }
        // Longest first, so "Jana Müller" wins over "Jana".
        r.known.sort_by(|a, b| b.value.chars().count().cmp(&a.value.chars().count()).then(a.value.cmp(&b.value)));
        r
    }

    /// The placeholder for a value, registering it when new.
    pub fn placeholder(&mut self, kind: PiiKind, value: &str) -> String {
        let key = (kind, value.trim().to_lowercase());
        if let Some(p) = self.index.get(&key) {
            return p.clone();
        }
        let n = self.counters.entry(kind).or_insert(0);
        *n += 1;
        let p = format!("[{}_{}]", kind.label(), n);
        self.index.insert(key, p.clone());
        self.mapping.entries.push(Replacement { placeholder: p.clone(), kind, original: value.trim().to_string() });
        p
    }

    pub fn redact(&mut self, text: &str) -> String {
        let spans = detect::spans(text, &self.known);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for s in spans {
            out.push_str(&text[last..s.start]);
            let p = self.placeholder(s.kind, &text[s.start..s.end]);
            out.push_str(&p);
            last = s.end;
        }
        out.push_str(&text[last..]);
        out
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    pub fn into_mapping(self) -> Mapping {
        self.mapping
    }
}
