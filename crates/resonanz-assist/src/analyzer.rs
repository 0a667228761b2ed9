//! The analyzer: runs language identification, the model and the lexicons over one message and turns
//! the scores into an [`Analysis`] with confidences, signals and an explanation.

use crate::Category;
use crate::affect::{emotions, sentiment, urgency};
use crate::explain::explanation;
use crate::features::{Extracted, Origin, extract};
use crate::language::detect_language;
use crate::lexicon::{Target, lexicon, rule_assigns, surface};
use crate::model::{Model, OUTPUTS};
use crate::text::{MAX_CHARS, compose, garbage_ratio};
use crate::train::{TrainOptions, to_probabilities, train};
use crate::types::{Analysis, CategoryScore, LanguageGuess, Sentiment, Urgency};
use std::sync::{Arc, OnceLock};

const BUILTIN_MODEL: &str = include_str!("../model/model.json");

/// Analyses messages with one model. Cheap to clone and share (the model sits behind an `Arc`);
/// `analyze` takes `&self`.
#[derive(Clone, Debug)]
pub struct Analyzer {
    model: Arc<Model>,
}

/// Everything the parts of an analysis share.
pub(crate) struct Scored<'a> {
    pub text: &'a str,
    pub extracted: Extracted,
    pub probs: [f32; OUTPUTS],
    pub model: &'a Model,
}

impl Scored<'_> {
    /// Surface words behind the positive contributions to `output`, strongest first (at most `max`).
    /// Lexicon phrases of the output's own category count double and other categories' phrases are left
    /// out, as are function words and anything contributing less than a fifth of the strongest signal.
    pub fn signals(&self, output: usize, max: usize) -> Vec<String> {
        let lex = lexicon();
        let own = Category::ALL.get(output).copied();
        // Sum contributions per token span first; strings are made only for the strongest spans.
        let mut spans: Vec<((usize, usize), f32)> = Vec::new();
        for f in &self.extracted.features {
            let mut c = self.model.weight(f.index, output) * f.value;
            if c <= 0.02 {
                continue;
            }
            let span = match f.origin {
                Origin::Span(a, b) => {
                    if b == a + 1 && is_function_word(&self.extracted.tokens[a].folded) {
                        continue;
                    }
                    (a, b)
                }
                Origin::Lexicon(h) => {
                    let hit = self.extracted.hits[h];
                    match (lex.groups[hit.group].target, own) {
                        (Target::Category { category, negative: false }, Some(own)) if category == own => c *= 2.0,
                        // Another category's phrase is no reason for this one, whatever the weights learned.
                        (Target::Category { .. }, Some(_)) => continue,
                        _ => {}
                    }
                    (hit.start, hit.end)
                }
                Origin::Style(_) => continue,
            };
            match spans.iter_mut().find(|(s, _)| *s == span) {
                Some(entry) => entry.1 += c,
                None => spans.push((span, c)),
            }
        }
        spans.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let strongest = spans.first().map_or(0.0, |s| s.1);
        let mut out: Vec<String> = Vec::new();
        for ((a, b), c) in spans {
            if c < strongest * 0.2 {
                break;
            }
            let words = surface(self.text, &self.extracted.tokens, a, b);
            let lower = words.to_lowercase();
            // Skip a word already inside a chosen phrase (and replace a word by a phrase containing it).
            if lower.is_empty() || out.iter().any(|o| o.to_lowercase().contains(&lower)) {
                continue;
            }
            out.retain(|o| !lower.contains(&o.to_lowercase()));
            out.push(words.to_string());
            if out.len() >= max {
                break;
            }
        }
        out
    }

    /// Surface phrases of lexicon hits whose group satisfies `pred`.
    pub fn hit_surfaces(&self, pred: impl Fn(&crate::lexicon::Group) -> bool) -> Vec<String> {
        let lex = lexicon();
        let mut out: Vec<String> = Vec::new();
        for hit in &self.extracted.hits {
            if pred(&lex.groups[hit.group]) {
                let s = surface(self.text, &self.extracted.tokens, hit.start, hit.end).to_string();
                if !s.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Style signal names present.
    pub fn styles(&self) -> Vec<&'static str> {
        self.extracted
            .features
            .iter()
            .filter_map(|f| match f.origin {
                Origin::Style(name) if name != "bias" => Some(name),
                _ => None,
            })
            .collect()
    }
}

/// Short German and English function words, never shown as signals on their own.
fn is_function_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "und", "oder", "aber",
        "ich", "du", "er", "sie", "es", "wir", "ihr", "mich", "mir", "dich", "dir", "uns", "euch", "ihnen", "sich",
        "ist", "bin", "sind", "war", "hat", "habe", "hab", "haben", "wird", "werden", "in", "im", "an", "am", "auf",
        "aus", "bei", "mit", "von", "vom", "zu", "zum", "zur", "für", "fuer", "um", "so", "auch", "noch", "schon",
        "da", "dass", "als", "wie", "was", "nicht", "mehr", "nur", "mal", "man", "ja", "nein", "bitte", "the", "a",
        "an", "and", "or", "to", "of", "is", "are", "i", "you", "it", "in", "on", "for", "my", "your", "this", "that",
        "be", "was", "have", "has",
    ];
    word.chars().count() <= 1 || word.chars().all(|c| c.is_ascii_digit()) || WORDS.contains(&word)
}

impl Analyzer {
    /// The model shipped in the repository. Never fails: should the embedded file be unreadable, a model
    /// made of the lexicon priors alone is used (and its version says so through its hash).
    /// The embedded model is parsed once per process; later calls share it.
    pub fn builtin() -> Analyzer {
        static BUILTIN: OnceLock<Arc<Model>> = OnceLock::new();
        let model = BUILTIN.get_or_init(|| {
            Arc::new(Model::from_json(BUILTIN_MODEL).unwrap_or_else(|_| train(&[], &TrainOptions::default())))
        });
        Analyzer { model: Arc::clone(model) }
    }

    pub fn from_model(model: Model) -> Analyzer {
        Analyzer { model: Arc::new(model) }
    }

    /// The model version, e.g. `assist-2026.11-1a2b3c4d`.
    pub fn version(&self) -> &str {
        self.model.version()
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Analyses one message. Never panics; any input gives a result (low confidence for odd input).
    pub fn analyze(&self, subject: Option<&str>, text: &str) -> Analysis {
        let mut notes = Vec::new();
        let subject_blank = subject.is_none_or(|s| s.trim().is_empty());
        if text.trim().is_empty() && subject_blank {
            notes.push("empty".to_string());
            return self.blank(notes, "The message is empty, so nothing was assessed.");
        }
        let (composed, cut) = compose(subject, text);
        if cut {
            notes.push(format!("text truncated to {MAX_CHARS} characters"));
        }
        let garbage = garbage_ratio(&composed);
        if garbage > 0.2 {
            notes.push("input looks binary or garbled; not assessed".to_string());
            return self.blank(notes, "The input looks binary or garbled (control characters or replacement characters), so it was not assessed.");
        }
        if garbage > 0.02 {
            notes.push("contains undecodable characters".to_string());
        }
        let body_words = text.split_whitespace().count();
        let language = if body_words >= 3 { detect_language(text) } else { detect_language(&composed) };
        let extracted = extract(&self.model.config, &composed);
        let words = extracted.tokens.iter().filter(|t| !t.numeric).count();
        if words == 0 {
            notes.push("no words (only symbols, numbers or emoji)".to_string());
        } else if words < 3 {
            notes.push("very little text".to_string());
        }
        if language.code != "de" && language.code != "und" {
            notes.push("model trained on German; categories for other languages rest mainly on lexicon cues".into());
        }
        let probs = to_probabilities(self.model.logits(&extracted.features));
        let scored = Scored { text: &composed, extracted, probs, model: &self.model };
        let categories = if words == 0 { Vec::new() } else { self.categories(&scored) };
        let sentiment = sentiment(&scored, &language);
        let emotions = emotions(&scored);
        let urgency = urgency(&scored, &categories);
        let text_factor = (words.min(12) as f32 / 12.0).sqrt();
        let category_conf = if categories.is_empty() {
            0.3
        } else {
            categories.iter().map(|c| c.confidence).sum::<f32>() / categories.len() as f32
        };
        let language_factor = if language.code == "de" { 1.0 } else { 0.7 };
        let garbage_factor = if garbage > 0.02 { 0.6 } else { 1.0 };
        let confidence = (text_factor
            * language_factor
            * garbage_factor
            * (0.5 * category_conf + 0.25 * sentiment.confidence + 0.25 * language.confidence.max(0.3)))
        .clamp(0.0, 1.0);
        let explanation = explanation(&scored, &language, &sentiment, &emotions, &categories, &urgency);
        Analysis {
            language,
            sentiment,
            emotions,
            categories,
            urgency,
            confidence,
            explanation,
            model_version: self.model.version().to_string(),
            notes,
        }
    }

    /// The probability and threshold of every category (assigned or not), in [`Category::ALL`] order —
    /// for tools that show near misses. Empty input gives the model's prior probabilities.
    pub fn category_probabilities(&self, subject: Option<&str>, text: &str) -> Vec<(Category, f32, f32)> {
        let (composed, _) = compose(subject, text);
        let extracted = extract(&self.model.config, &composed);
        let probs = to_probabilities(self.model.logits(&extracted.features));
        Category::ALL.iter().map(|&c| (c, probs[c.index()], self.model.threshold(c))).collect()
    }

    /// The categories the lexicon rule alone assigns to a message ([`rule_assigns`]: an assigning phrase,
    /// or for safeguarding any curated cue once the model gives a minimal probability) — for tools that
    /// show why a category was assigned, and for tuning.
    pub fn lexicon_assigned(&self, subject: Option<&str>, text: &str) -> Vec<Category> {
        let (composed, _) = compose(subject, text);
        let extracted = extract(&self.model.config, &composed);
        let probs = to_probabilities(self.model.logits(&extracted.features));
        let lex = lexicon();
        Category::ALL.into_iter().filter(|c| rule_assigns(lex, &extracted.hits, *c, probs[c.index()])).collect()
    }

    /// What drives the logit of one category: (source, summed contribution) for every word, phrase,
    /// lexicon group and style signal, largest magnitude first — for reviewing lexicons and errors.
    pub fn contributions(&self, subject: Option<&str>, text: &str, category: Category) -> Vec<(String, f32)> {
        let (composed, _) = compose(subject, text);
        let ex = extract(&self.model.config, &composed);
        let lex = lexicon();
        let mut out: Vec<(String, f32)> = Vec::new();
        for f in &ex.features {
            let c = self.model.weight(f.index, category.index()) * f.value;
            let label = match f.origin {
                Origin::Span(a, b) => surface(&composed, &ex.tokens, a, b).to_lowercase(),
                Origin::Lexicon(h) => {
                    let hit = ex.hits[h];
                    format!("[{}] {}", lex.groups[hit.group].name, surface(&composed, &ex.tokens, hit.start, hit.end))
                }
                Origin::Style(name) => format!("<{name}>"),
            };
            match out.iter_mut().find(|(l, _)| *l == label) {
                Some(entry) => entry.1 += c,
                None => out.push((label, c)),
            }
        }
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        out
    }

    /// The lexicon hits in a message as (group, words as written) — for debugging and review of lexicons.
    pub fn lexicon_hits(subject: Option<&str>, text: &str) -> Vec<(String, String)> {
        let (composed, _) = compose(subject, text);
        let tokens = crate::text::tokenize(&composed, crate::features::MAX_TOKENS);
        let lex = lexicon();
        lex.find(&tokens)
            .iter()
            .map(|h| (lex.groups[h.group].name.clone(), surface(&composed, &tokens, h.start, h.end).to_string()))
            .collect()
    }

    fn blank(&self, notes: Vec<String>, explanation: &str) -> Analysis {
        Analysis {
            language: LanguageGuess { code: "und".into(), confidence: 0.0 },
            sentiment: Sentiment { label: "neutral".into(), score: 0.0, confidence: 0.1 },
            emotions: Vec::new(),
            categories: Vec::new(),
            urgency: Urgency { level: "normal".into(), confidence: 0.1, signals: Vec::new() },
            confidence: 0.0,
            explanation: explanation.to_string(),
            model_version: self.model.version().to_string(),
            notes,
        }
    }

    /// Assigned categories: probability at or above the category's threshold, or assigned by the lexicon
    /// rule ([`rule_assigns`]: an assigning phrase, or for safeguarding any curated cue).
    fn categories(&self, s: &Scored) -> Vec<CategoryScore> {
        let lex = lexicon();
        let mut out = Vec::new();
        for c in Category::ALL {
            let p = s.probs[c.index()];
            let t = self.model.threshold(c);
            let forced = rule_assigns(lex, &s.extracted.hits, c, p);
            if p < t && !forced {
                continue;
            }
            // Map the probability so the threshold reads as 0.5 and certainty as 1.
            let margin = if p >= t { 0.5 + 0.5 * (p - t) / (1.0 - t).max(1e-3) } else { 0.5 };
            let confidence = if forced { margin.max(0.6) } else { margin };
            let mut signals = s.signals(c.index(), 5);
            if forced && signals.is_empty() {
                signals = s.hit_surfaces(|g| g.target == Target::Category { category: c, negative: false });
                signals.truncate(5);
            }
            out.push(CategoryScore { name: c, confidence: confidence.clamp(0.0, 1.0), signals });
        }
        out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.name.cmp(&b.name)));
        out
    }
}
