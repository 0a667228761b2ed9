//! Labelled examples: the JSON Lines format of `data/assist/`, loading, and the built-in sets.

use crate::Category;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The German evaluation files, embedded at build time. Their split follows the id ([`split_for_id`]).
const BUILTIN: [(&str, &str); 3] = [
    ("de-viewers.jsonl", include_str!("../../../data/assist/de-viewers.jsonl")),
    ("de-family.jsonl", include_str!("../../../data/assist/de-family.jsonl")),
    ("de-business.jsonl", include_str!("../../../data/assist/de-business.jsonl")),
];
/// Extra German training files, written without sight of the evaluation files. Every line is training
/// data whatever its id: the id rule of [`split_for_id`] applies to the evaluation files only.
const TRAIN_ONLY: [(&str, &str); 3] = [
    ("train-extra-safeguarding.jsonl", include_str!("../../../data/assist/train-extra-safeguarding.jsonl")),
    ("train-extra-general.jsonl", include_str!("../../../data/assist/train-extra-general.jsonl")),
    ("train-extra-safeguarding-2.jsonl", include_str!("../../../data/assist/train-extra-safeguarding-2.jsonl")),
];
/// Train-only German files with a real category mix (about one message in six a concern), written without
/// sight of any evaluation file: unlike [`TRAIN_ONLY`] they are not `enriched`, so they choose thresholds
/// like the train split of the evaluation files.
const TRAIN_MIX: [(&str, &str); 1] = [("train-mix.jsonl", include_str!("../../../data/assist/train-mix.jsonl"))];
/// The fresh test set: written and labelled after the model was frozen, by people who never saw the model,
/// its lexicon or any other data file (protocol in docs/assist.md). Test-only, whatever its ids: it is in
/// none of [`builtin`], [`builtin_train`] or [`builtin_test`], so nothing is ever trained or tuned on it.
const FRESH: (&str, &str) = ("de-fresh.jsonl", include_str!("../../../data/assist/de-fresh.jsonl"));
const LANGUAGE_SET: &str = include_str!("../../../data/assist/lang.jsonl");

fn default_language() -> String {
    "de".to_string()
}
fn default_sentiment() -> String {
    "neutral".to_string()
}
fn default_urgency() -> String {
    "normal".to_string()
}
fn default_weight() -> f32 {
    1.0
}
fn is_default_weight(w: &f32) -> bool {
    *w == 1.0
}

/// One labelled message (a line of `data/assist/de-*.jsonl`, or a human correction from the database).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Example {
    pub id: String,
    /// `train` or `test` (see [`split_for_id`]); corrections use `train`.
    #[serde(default)]
    pub split: String,
    /// viewer | parent | child | business | other
    #[serde(default)]
    pub source: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub subject: String,
    pub text: String,
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default = "default_sentiment")]
    pub sentiment: String,
    #[serde(default = "default_urgency")]
    pub urgency: String,
    #[serde(default)]
    pub emotions: Vec<String>,
    /// Training weight: 1 for the base data; give human corrections more (e.g. 3) so they outweigh it.
    #[serde(default = "default_weight", skip_serializing_if = "is_default_weight")]
    pub weight: f32,
    /// From a train-only file written to enrich rare categories: it teaches the model but does not
    /// choose thresholds, because its category mix is not that of real mail (a third of it is
    /// safeguarding). Precision measured on it would promise far more than real mail gives.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enriched: bool,
}

impl Example {
    /// A training example labelled with categories only (e.g. a human correction): sentiment and urgency
    /// are empty, which means "not labelled", so training uses it for the category heads only. Set
    /// `sentiment`, `urgency` and `emotions` to train those heads too; raise `weight` to let it count more.
    pub fn new(id: &str, subject: &str, text: &str, categories: &[Category]) -> Example {
        Example {
            id: id.to_string(),
            split: "train".to_string(),
            source: "other".to_string(),
            language: default_language(),
            subject: subject.to_string(),
            text: text.to_string(),
            categories: categories.to_vec(),
            sentiment: String::new(),
            urgency: String::new(),
            emotions: Vec::new(),
            weight: 1.0,
            enriched: false,
        }
    }

    pub fn is_train(&self) -> bool {
        self.split != "test"
    }

    pub fn is_test(&self) -> bool {
        self.split == "test"
    }
}

/// One line of the language set.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LangExample {
    pub id: String,
    pub language: String,
    pub text: String,
}

impl LangExample {
    /// Number of words (blank-separated).
    pub fn words(&self) -> usize {
        self.text.split_whitespace().count()
    }
}

/// The split an id belongs to: `test` when the number in the id mod 5 is 2 or 4, else `train`.
pub fn split_for_id(id: &str) -> &'static str {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    match digits.parse::<u64>().map(|n| n % 5) {
        Ok(2 | 4) => "test",
        _ => "train",
    }
}

/// Parses JSON Lines of examples (blank lines skipped). Errors name the line.
pub fn parse(text: &str) -> anyhow::Result<Vec<Example>> {
    parse_lines(text)
}

fn parse_lines<T: for<'de> Deserialize<'de>>(text: &str) -> anyhow::Result<Vec<T>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).with_context(|| format!("line {}", n + 1)))
        .collect()
}

/// Loads a JSON Lines file of examples.
pub fn load(path: &Path) -> anyhow::Result<Vec<Example>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Loads a JSON Lines file of language examples.
pub fn load_language_set(path: &Path) -> anyhow::Result<Vec<LangExample>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_lines(&text).with_context(|| format!("parsing {}", path.display()))
}

fn parse_embedded(text: &str) -> impl Iterator<Item = Example> + '_ {
    // The files are checked by a test; a malformed line would be skipped rather than fail here.
    text.lines().filter_map(|l| serde_json::from_str::<Example>(l).ok())
}

/// All built-in German examples in file order: the evaluation files (train and test split), then the
/// train-only extra files and the train-only real-mix files (their split is always `train`).
pub fn builtin() -> Vec<Example> {
    let mut out: Vec<Example> = BUILTIN.iter().flat_map(|(_, text)| parse_embedded(text)).collect();
    out.extend(builtin_extra());
    out.extend(builtin_mix());
    out
}

/// The examples of the train-only real-mix files, in file order, each with split `train`.
pub fn builtin_mix() -> Vec<Example> {
    train_only(&TRAIN_MIX, false)
}

/// The examples of the train-only extra files, in file order, each with split `train`.
pub fn builtin_extra() -> Vec<Example> {
    train_only(&TRAIN_ONLY, true)
}

/// The examples of train-only files: split `train` whatever their id, and `enriched` as given.
fn train_only(files: &[(&str, &str)], enriched: bool) -> Vec<Example> {
    files
        .iter()
        .flat_map(|(_, text)| parse_embedded(text))
        .map(|mut e| {
            e.split = "train".to_string();
            e.enriched = enriched;
            e
        })
        .collect()
}

/// The non-blank lines of an embedded file.
fn line_count(text: &str) -> usize {
    text.lines().filter(|l| !l.trim().is_empty()).count()
}

/// Names and line counts of the embedded files (for reports): evaluation files first, then train-only ones
/// (enriched, then real-mix).
pub fn builtin_files() -> Vec<(&'static str, usize)> {
    BUILTIN.iter().chain(&TRAIN_ONLY).chain(&TRAIN_MIX).map(|(name, text)| (*name, line_count(text))).collect()
}

/// The built-in training data: the train split of the evaluation files plus the train-only files.
pub fn builtin_train() -> Vec<Example> {
    builtin().into_iter().filter(Example::is_train).collect()
}

/// The built-in test split: the `test` lines of the evaluation files only (frozen; 200 messages).
pub fn builtin_test() -> Vec<Example> {
    BUILTIN.iter().flat_map(|(_, text)| parse_embedded(text)).filter(Example::is_test).collect()
}

/// The fresh test set (500 messages), every example `test`. The category targets are judged on it.
pub fn builtin_fresh() -> Vec<Example> {
    parse_embedded(FRESH.1)
        .map(|mut e| {
            e.split = "test".to_string();
            e
        })
        .collect()
}

/// The fresh test set's file name and line count (for reports).
pub fn fresh_file() -> (&'static str, usize) {
    (FRESH.0, line_count(FRESH.1))
}

/// The embedded language set.
pub fn language_set() -> Vec<LangExample> {
    LANGUAGE_SET.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}
