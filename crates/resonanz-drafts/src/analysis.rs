//! Text analysis shared by the case index and the text-block ranking.
//!
//! Words are analysed exactly as the full-text search of `resonanz-core` does it
//! ([`resonanz_core::search::terms`]: lower case, umlauts folded to ae/oe/ue/ss, Snowball German stem),
//! so "Wiederholungen" meets "Wiederholung" and "Mueller" meets "Müller". On top of that, words that
//! carry no topic are dropped: function words, mail boilerplate (greetings, closings) and anything with
//! a digit (numbers are noise for matching and often personal data).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use resonanz_core::search::terms;

/// Function words and mail boilerplate (German and English), analysed like the text.
const STOPWORDS: &str = "aber alle allem allen aller alles als also am an andere anderen anders auch auf aus bei \
    bin bis bist da dabei damit dann das dass dein deine deinem deinen deiner dem den denn der des dich die dies \
    diese diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einfach einmal er es \
    etwa etwas euch euer eure für gegen gern gerne gewesen gibt hab habe haben hat hatte hätte hier ich ihm ihn \
    ihnen ihr ihre ihrem ihren ihrer ihres im immer in ist ja jede jedem jeden jeder jedes jetzt kann kein keine \
    keinem keinen keiner können könnte man manche mal mehr mein meine meinem meinen meiner mich mir mit muss \
    musste möchte nach nicht nichts noch nun nur ob oder ohne schon sehr sein seine seinem seinen seiner seit \
    sich sie sind so solche soll sollte sondern sonst über um und uns unser unsere unter viel viele vom von vor \
    war waren warum was weil welche welchem welchen welcher welches wenn wer werde werden wie wieder will wir \
    wird wo wollen wollte würde würden zu zum zur zwar zwischen bitte hallo hi liebe lieber liebes geehrte \
    geehrter geehrtes damen herren guten tag morgen abend grüße gruß grüßen freundlichen freundliche herzliche \
    beste besten vielen lg mfg vg frau herr herrn team dear hello the a an and or to of in on for is are was \
    were be been you we it this that with my your our me at by from as have has had do does not can could would \
    will please regards best kind thanks sincerely yours";

static STOP: LazyLock<HashSet<String>> = LazyLock::new(|| terms(STOPWORDS).into_iter().collect());

/// Words longer than this are debris (base64, URLs), as in core's search.
const MAX_WORD_CHARS: usize = 64;

/// True when a stem carries topic information.
pub(crate) fn is_content(stem: &str) -> bool {
    stem.chars().count() >= 2 && !stem.chars().any(|c| c.is_ascii_digit()) && !STOP.contains(stem)
}

/// The content stems of a text, in order, duplicates kept.
pub(crate) fn content_stems(text: &str) -> Vec<String> {
    let mut t = terms(text);
    t.retain(|s| is_content(s));
    t
}

/// The distinct content stems of a text, in order of first appearance.
pub(crate) fn distinct_stems(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut t = content_stems(text);
    t.retain(|s| seen.insert(s.clone()));
    t
}

/// The analysed words of a message: distinct content stems with the word as first written, so that
/// explanations can name the words people wrote rather than stems.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryTerms {
    /// `(stem, surface form)`, distinct stems, in order of first appearance.
    pub terms: Vec<(String, String)>,
}

impl QueryTerms {
    pub fn new(text: &str) -> Self {
        let mut q = Self::default();
        q.extend(text);
        q
    }

    /// Adds the words of another text (e.g. an earlier message), keeping the first surface form.
    pub fn extend(&mut self, text: &str) {
        let stems = terms(text);
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
            .collect();
        let aligned = words.len() == stems.len();
        let mut seen: HashSet<String> = self.terms.iter().map(|(s, _)| s.clone()).collect();
        for (i, stem) in stems.into_iter().enumerate() {
            if !is_content(&stem) || seen.contains(&stem) {
                continue;
            }
            let surface = if aligned { words[i].to_string() } else { stem.clone() };
            seen.insert(stem.clone());
            self.terms.push((stem, surface));
        }
    }

    /// Drops the words of `text` (e.g. the contact's and agent's names: they say nothing about the
    /// concern and would match other cases of people with the same name).
    pub fn remove_words(&mut self, text: &str) {
        let drop: HashSet<String> = terms(text).into_iter().collect();
        self.terms.retain(|(s, _)| !drop.contains(s));
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Surface form of a stem, for explanations.
    pub fn surface(&self, stem: &str) -> Option<&str> {
        self.terms.iter().find(|(s, _)| s == stem).map(|(_, w)| w.as_str())
    }

    pub fn surfaces(&self) -> HashMap<&str, &str> {
        self.terms.iter().map(|(s, w)| (s.as_str(), w.as_str())).collect()
    }
}

/// Lower case with umlauts folded, for comparing labels such as categories.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().to_lowercase().chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            _ => out.push(c),
        }
    }
    out
}

/// Normalised words of a text for comparing whole texts (history check, duplicates).
pub(crate) fn norm_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(fold).collect()
}

/// Share of the word trigrams of `part` that also occur in `whole` (0..1). Texts under three words
/// compare as whole word sequences.
pub(crate) fn containment(part: &str, whole: &str) -> f32 {
    let p = norm_words(part);
    let w = norm_words(whole);
    if p.is_empty() || w.is_empty() {
        return 0.0;
    }
    if p.len() < 3 {
        return if w.windows(p.len()).any(|x| x == p.as_slice()) { 1.0 } else { 0.0 };
    }
    let set: HashSet<&[String]> = w.windows(3).collect();
    let hits = p.windows(3).filter(|x| set.contains(x)).count();
    hits as f32 / (p.len() - 2) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_function_words_numbers_and_boilerplate() {
        let q = QueryTerms::new("Hallo liebes Team, ich habe die Sendung vom 12.03.2024 verpasst. Viele Grüße");
        let stems: Vec<&str> = q.terms.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(stems, vec!["sendung", "verpasst"]);
        assert_eq!(q.surface("sendung"), Some("Sendung"));
    }

    #[test]
    fn inflections_and_umlauts_meet() {
        assert_eq!(distinct_stems("Wiederholungen"), distinct_stems("Wiederholung"));
        assert_eq!(distinct_stems("Gebühren"), distinct_stems("Gebuehren"));
    }

    #[test]
    fn containment_finds_sent_text_inside_longer_text() {
        let block = "Die Sendung steht 30 Tage in der Mediathek.";
        let sent = "Hallo Jana,\n\ndie Sendung steht 30 Tage in der Mediathek.\n\nViele Grüße";
        assert!(containment(block, sent) > 0.99);
        assert!(containment(block, "Etwas ganz anderes steht hier.") < 0.01);
    }
}
