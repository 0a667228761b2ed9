//! German-aware text analysis for full-text search, shared by both storage backends.
//!
//! Text is lower-cased, umlauts and ß are transliterated (ä→ae, ö→oe, ü→ue, ß→ss) and every word is
//! reduced to its Snowball German stem. Documents and queries go through the same steps, so
//! "Rechnungen" finds "Rechnung" and "Mueller" finds "Müller". The backends index the resulting
//! terms natively (SQLite FTS5, PostgreSQL tsvector), which keeps ranking and indexes in the database.

use rust_stemmers::{Algorithm, Stemmer};

/// Upper bound on the text indexed per message: long mails are indexed by their beginning.
pub const MAX_INDEXED_CHARS: usize = 32_000;

fn transliterate(word: &str, out: &mut String) {
    for c in word.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            _ => out.push(c),
        }
    }
}

/// The search terms of a text, in order, duplicates kept.
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::German);
    let mut out = Vec::new();
    let mut buf = String::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if raw.chars().count() > 64 {
            continue; // base64 debris and the like
        }
        buf.clear();
        transliterate(&raw.to_lowercase(), &mut buf);
        let stem = stemmer.stem(&buf);
        out.push(stem.into_owned());
    }
    out
}

/// The document text a backend indexes: terms separated by spaces.
pub fn document(subject: &str, body: &str) -> String {
    let body: String = body.chars().take(MAX_INDEXED_CHARS).collect();
    let mut t = terms(subject);
    t.extend(terms(&body));
    t.join(" ")
}

/// The distinct terms of a query, at most 16, each of which must match (AND semantics).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut t = terms(query);
    let mut seen = std::collections::HashSet::new();
    t.retain(|x| seen.insert(x.clone()));
    t.truncate(16);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflected_forms_meet() {
        assert_eq!(query_terms("Rechnung"), query_terms("Rechnungen"));
        assert_eq!(query_terms("Sendung"), query_terms("Sendungen"));
    }

    #[test]
    fn umlauts_and_sharp_s_meet_their_transliterations() {
        assert_eq!(query_terms("Müller"), query_terms("Mueller"));
        assert_eq!(query_terms("Straße"), query_terms("Strasse"));
        assert_eq!(query_terms("GRÖßE"), query_terms("groesse"));
    }

    #[test]
    fn different_words_stay_apart() {
        assert_ne!(query_terms("Rechnung"), query_terms("Mahnung"));
    }

    #[test]
    fn document_contains_query_terms() {
        let doc = document("Frage zur Rechnung", "Sehr geehrte Frau Müller, die Straße ...");
        for t in query_terms("rechnungen mueller strasse") {
            assert!(doc.split(' ').any(|d| d == t), "{t} missing in {doc}");
        }
    }
}
