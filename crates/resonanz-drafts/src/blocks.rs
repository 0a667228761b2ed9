//! Ranking text blocks for a message.
//!
//! The variants of one block (same name) form one document: the words of its name (counted twice),
//! its category and the bodies of all variants (placeholders removed), analysed like the message. The
//! message's distinct content words are scored against these documents with BM25 (k1 = 1.2, b = 0.75;
//! IDF over the blocks, counting at least 30 documents so that a handful of blocks does not make every
//! word look common). A block whose category matches an analysed category (by name or a German
//! synonym, e.g. `praise` ↔ "Dank", "Lob") gains `3.0 × that category's confidence`.
//!
//! Confidence maps the score `s` to `s / (s + 4)`: one rare shared word (s ≈ 2.5–3.5) gives about
//! 0.4, two or three give 0.6–0.75; capped at 0.95.

use std::collections::{BTreeMap, HashMap};

use resonanz_core::textblocks::{TextBlock, Tone, best_variant};

use crate::analysis::{QueryTerms, content_stems, fold};

const K1: f32 = 1.2;
const B: f32 = 0.75;
const MIN_DOCS: f32 = 30.0;
pub(crate) const CATEGORY_BOOST: f32 = 3.0;
const HALF_SCORE: f32 = 4.0;
const MAX_CONFIDENCE: f32 = 0.95;

/// Words a block category may use for an analysed category (folded: ä→ae …).
const SYNONYMS: [(&str, &[&str]); 9] = [
    ("routine", &["routine", "standard", "allgemein", "info", "information", "service"]),
    ("question", &["question", "frage", "fragen", "anfrage", "auskunft"]),
    ("complaint", &["complaint", "beschwerde", "beschwerden", "kritik", "reklamation"]),
    ("praise", &["praise", "lob", "dank", "danke", "feedback"]),
    ("sensitive", &["sensitive", "sensibel", "persoenlich", "trauer", "krankheit"]),
    ("child", &["child", "kind", "kinder", "kinderanfrage"]),
    ("safeguarding", &["safeguarding", "kinderschutz", "schutz", "notfall", "krise", "hilfe"]),
    ("threat", &["threat", "drohung", "bedrohung", "beleidigung"]),
    ("spam", &["spam", "werbung"]),
];

/// Whether a block category stands for an analysed category.
pub(crate) fn category_matches(block_category: &str, analysed: &str) -> bool {
    let folded = fold(block_category);
    let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let syn = SYNONYMS.iter().find(|(n, _)| *n == analysed).map_or(&[][..], |(_, s)| *s);
    words.iter().any(|w| *w == analysed || syn.contains(w))
}

/// A block (the variant chosen for the contact) and why it fits.
#[derive(Debug, Clone)]
pub(crate) struct BlockMatch<'a> {
    pub block: &'a TextBlock,
    pub score: f32,
    pub confidence: f32,
    /// Message words found in the block, most informative first (as written in the message).
    pub matched: Vec<String>,
    /// The analysed category that matched the block's category, with its confidence.
    pub category: Option<(String, f32)>,
}

/// Blocks with any evidence, best first (score, then name).
pub(crate) fn rank<'a>(
    blocks: &'a [TextBlock],
    query: &QueryTerms,
    categories: &[(String, f32)],
    language: &str,
    tone: Tone,
) -> Vec<BlockMatch<'a>> {
    let mut groups: BTreeMap<&str, Vec<&TextBlock>> = BTreeMap::new();
    for b in blocks {
        groups.entry(b.name.as_str()).or_default().push(b);
    }
    let docs: Vec<(&str, HashMap<String, f32>, f32)> = groups
        .iter()
        .map(|(name, variants)| {
            let mut words = content_stems(&name.replace(['-', '_'], " "));
            words.extend(words.clone());
            words.extend(content_stems(&variants[0].category));
            for v in variants {
                words.extend(content_stems(&strip_placeholders(&v.body)));
            }
            let mut tf: HashMap<String, f32> = HashMap::new();
            for w in &words {
                *tf.entry(w.clone()).or_default() += 1.0;
            }
            (*name, tf, words.len() as f32)
        })
        .collect();
    if docs.is_empty() {
        return Vec::new();
    }
    let n = (docs.len() as f32).max(MIN_DOCS);
    let avgdl = (docs.iter().map(|d| d.2).sum::<f32>() / docs.len() as f32).max(1.0);
    let idf: HashMap<&str, f32> = query
        .terms
        .iter()
        .map(|(stem, _)| {
            let df = docs.iter().filter(|d| d.1.contains_key(stem)).count() as f32;
            (stem.as_str(), (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
        })
        .collect();
    let mut out = Vec::new();
    for (name, tf, dl) in &docs {
        let mut score = 0.0;
        let mut matched: Vec<(&str, f32)> = Vec::new();
        for (stem, surface) in &query.terms {
            if let Some(f) = tf.get(stem) {
                let w = idf[stem.as_str()];
                score += w * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * dl / avgdl));
                matched.push((surface, w));
            }
        }
        let variants = &groups[name];
        let category = categories
            .iter()
            .filter(|(c, _)| category_matches(&variants[0].category, c))
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .cloned();
        if let Some((_, conf)) = &category {
            score += CATEGORY_BOOST * conf.clamp(0.0, 1.0);
        }
        if score <= 0.0 {
            continue;
        }
        let Some(block) = best_variant(variants, language, tone) else { continue };
        matched.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        out.push(BlockMatch {
            block,
            score,
            confidence: confidence(score),
            matched: matched.iter().map(|(s, _)| s.to_string()).collect(),
            category,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.block.name.cmp(&b.block.name)));
    out
}

/// `s / (s + 4)`, capped at 0.95.
pub(crate) fn confidence(score: f32) -> f32 {
    (score / (score + HALF_SCORE)).clamp(0.0, MAX_CONFIDENCE)
}

fn strip_placeholders(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
            }
        }
        out.push(' ');
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drafter::tests::block;

    fn blocks() -> Vec<TextBlock> {
        vec![
            block(
                1,
                "mediathek",
                "Mediathek",
                "de",
                Tone::Sie,
                "Sie finden die Sendung 30 Tage lang in unserer Mediathek.",
            ),
            block(
                2,
                "mediathek",
                "Mediathek",
                "de",
                Tone::Du,
                "Du findest die Sendung 30 Tage lang in unserer Mediathek.",
            ),
            block(
                3,
                "mediathek",
                "Mediathek",
                "en",
                Tone::Sie,
                "You can watch the programme in our media library for 30 days.",
            ),
            block(4, "rechnungskopie", "Rechnung", "de", Tone::Sie, "Anbei erhalten Sie eine Kopie Ihrer Rechnung."),
            block(
                5,
                "danke-lob",
                "Dank",
                "de",
                Tone::Sie,
                "Herzlichen Dank für Ihre freundlichen Worte, {{contact.name}}!",
            ),
            block(6, "danke-lob", "Dank", "de", Tone::Kind, "Danke für deinen tollen Brief! Das freut uns sehr."),
        ]
    }

    #[test]
    fn ranks_by_shared_words_and_picks_the_variant() {
        let b = blocks();
        let q = QueryTerms::new("Ich habe die Sendung verpasst. Wo finde ich sie in der Mediathek?");
        let r = rank(&b, &q, &[], "de", Tone::Du);
        assert_eq!(r[0].block.name, "mediathek");
        assert_eq!(r[0].block.tone, Tone::Du);
        assert!(r[0].matched.starts_with(&["Mediathek".to_string()]), "{:?}", r[0].matched);
        assert!(r[0].confidence > 0.6, "{}", r[0].confidence);
        let r = rank(&b, &q, &[], "en", Tone::Du);
        assert_eq!(r[0].block.language, "en");
        let q = QueryTerms::new("Ich brauche eine Kopie der Rechnung");
        assert_eq!(rank(&b, &q, &[], "de", Tone::Sie)[0].block.name, "rechnungskopie");
    }

    #[test]
    fn analysed_category_boosts_matching_blocks() {
        let b = blocks();
        let q = QueryTerms::new("Eure Sendung gestern war wunderbar, danke!");
        let plain = rank(&b, &q, &[], "de", Tone::Kind);
        let boosted = rank(&b, &q, &[("praise".into(), 0.9)], "de", Tone::Kind);
        assert_eq!(boosted[0].block.name, "danke-lob");
        assert_eq!(boosted[0].block.tone, Tone::Kind);
        assert_eq!(boosted[0].category, Some(("praise".to_string(), 0.9)));
        assert!(plain.iter().all(|m| m.block.name != "danke-lob" || m.score < boosted[0].score));
        assert!(category_matches("Lob & Dank", "praise"));
        assert!(category_matches("Beschwerden", "complaint"));
        assert!(!category_matches("Mediathek", "praise"));
    }

    #[test]
    fn no_evidence_no_match() {
        let b = blocks();
        assert!(rank(&b, &QueryTerms::new("Fahrrad Kuchen Urlaub"), &[], "de", Tone::Sie).is_empty());
        assert!(rank(&[], &QueryTerms::new("Mediathek"), &[], "de", Tone::Sie).is_empty());
        assert_eq!(strip_placeholders("a {{x}} b {{y"), "a   b  ");
        assert!((confidence(4.0) - 0.5).abs() < 1e-6);
    }
}
