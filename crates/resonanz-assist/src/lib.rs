//! Offline message analysis for Resonanz: language, sentiment, emotions, multi-label categories
//! (including safeguarding), urgency — each with a confidence and a readable explanation — plus
//! training, evaluation and a throughput benchmark. Pure CPU; the only I/O is reading files given by path.
//!
//! The shipped model (`model/model.json`) is a one-vs-rest logistic regression over hashed word, stem,
//! bigram and character features plus curated lexicon features, trained on the train split of the first
//! evaluation set (`data/assist/de-viewers.jsonl`, `de-family.jsonl`, `de-business.jsonl`) and the
//! train-only files (`train-extra-*.jsonl`, `train-mix.jsonl`) — never on a test set: the first set's
//! frozen test split or the fresh set `de-fresh.jsonl` (`cargo run -p resonanz-assist --example
//! train_builtin` regenerates it).

mod affect;
mod analyzer;
pub mod bench;
mod category;
pub mod dataset;
pub mod eval;
mod explain;
mod features;
mod language;
mod lexicon;
mod model;
mod text;
mod train;
mod types;

pub use analyzer::Analyzer;
pub use category::Category;
pub use dataset::{Example, LangExample};
pub use features::FeatureConfig;
pub use language::{LANGUAGES, detect_language};
pub use model::{CvStat, Model, TrainingInfo, VERSION_PREFIX};
pub use text::MAX_CHARS;
pub use train::{TrainOptions, train};
pub use types::{
    Analysis, CategoryScore, EMOTIONS, Emotion, LanguageGuess, SENTIMENTS, Sentiment, URGENCY_LEVELS, Urgency,
};
