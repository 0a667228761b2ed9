//! The result types of an analysis.

use crate::Category;
use serde::{Deserialize, Serialize};

/// The full result of [`crate::Analyzer::analyze`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Analysis {
    pub language: LanguageGuess,
    pub sentiment: Sentiment,
    /// Emotions clearly present (anger, worry, distress), strongest first.
    pub emotions: Vec<Emotion>,
    /// Assigned categories only, best first.
    pub categories: Vec<CategoryScore>,
    pub urgency: Urgency,
    /// Overall confidence in 0..=1 (low for short, binary-looking or ambiguous input).
    pub confidence: f32,
    /// One readable English paragraph naming the categories and the words and signals behind them.
    pub explanation: String,
    pub model_version: String,
    /// Remarks about the input, e.g. "text truncated to 20000 characters", "input looks binary", "empty".
    pub notes: Vec<String>,
}

/// ISO 639-1 code (`de en tr ar pl ru uk fr it es`) or `und`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LanguageGuess {
    pub code: String,
    pub confidence: f32,
}

/// `label` is `negative`, `neutral` or `positive`; `score` in -1..=1.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Sentiment {
    pub label: String,
    pub score: f32,
    pub confidence: f32,
}

/// `name` is `anger`, `worry` or `distress`; `intensity` in 0..=1.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Emotion {
    pub name: String,
    pub intensity: f32,
    pub signals: Vec<String>,
}

/// An assigned category with its confidence and the surface words/phrases that drove it (at most five).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CategoryScore {
    pub name: Category,
    pub confidence: f32,
    pub signals: Vec<String>,
}

/// `level` is `low`, `normal`, `high` or `critical`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Urgency {
    pub level: String,
    pub confidence: f32,
    pub signals: Vec<String>,
}

/// Sentiment labels in model order.
pub const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];
/// Urgency levels, lowest first.
pub const URGENCY_LEVELS: [&str; 4] = ["low", "normal", "high", "critical"];
/// Emotion names.
pub const EMOTIONS: [&str; 3] = ["anger", "worry", "distress"];
