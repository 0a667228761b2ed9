//! The input and output types of drafting.

use resonanz_core::textblocks::{TextBlock, Tone, Values};
use serde::{Deserialize, Serialize};

/// One earlier message of the case, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// From the contact (`true`) or from the organisation (`false`).
    pub inbound: bool,
    pub text: String,
}

/// Everything the drafter knows about the case it proposes for.
#[derive(Debug, Clone, Serialize)]
pub struct DraftContext {
    pub case_id: String,
    pub reference: String,
    pub subject: String,
    /// The latest message from the contact.
    pub inbound_text: String,
    /// Earlier messages of the case, oldest first (may include the latest one; it is skipped).
    pub history: Vec<HistoryItem>,
    /// Analysed categories (`resonanz-assist` snake_case names) with their confidence.
    pub categories: Vec<(String, f32)>,
    /// ISO 639-1 language of the contact.
    pub language: String,
    pub tone: Tone,
    /// Placeholder values for this case (contact, agent, reference, team).
    pub values: Values,
    pub text_blocks: Vec<TextBlock>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    TextBlock,
    SimilarCase,
    Llm,
}

impl DraftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TextBlock => "text_block",
            Self::SimilarCase => "similar_case",
            Self::Llm => "llm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    TextBlock,
    Case,
    History,
    Llm,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TextBlock => "text_block",
            Self::Case => "case",
            Self::History => "history",
            Self::Llm => "llm",
        }
    }
}

/// What a draft was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// Text block id, case id, `history` or the model name.
    pub id: String,
    /// Block name, case reference, a short description of the history used, or the model.
    pub label: String,
    /// How strongly this source supports the draft (0..1).
    pub score: f32,
}

/// One proposed reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Stable within the proposal: `tb:<block id>`, `case:<case id>` or `llm:<model>`.
    pub id: String,
    pub kind: DraftKind,
    /// Ready to edit. Unfilled placeholders (`{{prüfen}}`, `{{contact.name}}`) stay visible on purpose:
    /// the send step refuses them.
    pub text: String,
    /// 0..1, see the crate notes for how each kind maps its score.
    pub confidence: f32,
    pub sources: Vec<Source>,
    /// Readable English: why this draft.
    pub explanation: String,
    /// Written by a machine (the sent message must say so), not chosen from human-written text.
    pub machine_drafted: bool,
}

/// The drafts for one message, best first, or the reason for abstaining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// 0..=3 drafts, best first.
    pub drafts: Vec<Draft>,
    /// Why there is no draft (set exactly when `drafts` is empty).
    pub abstained: Option<String>,
    pub producer: String,
    pub version: String,
}

impl Proposal {
    pub fn abstain(reason: impl Into<String>) -> Self {
        Self {
            drafts: Vec::new(),
            abstained: Some(reason.into()),
            producer: crate::PRODUCER.into(),
            version: crate::VERSION.into(),
        }
    }

    /// Adds a draft (e.g. from the LLM adapter) keeping the order (confidence, then kind, then id) and
    /// the limit of three.
    pub fn add(&mut self, draft: Draft) {
        self.drafts.retain(|d| d.id != draft.id);
        self.drafts.push(draft);
        sort_drafts(&mut self.drafts);
        self.drafts.truncate(crate::drafter::MAX_DRAFTS);
        self.abstained = None;
    }
}

/// Best first: confidence, then text blocks before cases before machine drafts, then id.
pub(crate) fn sort_drafts(drafts: &mut [Draft]) {
    drafts
        .sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.kind.cmp(&b.kind)).then_with(|| a.id.cmp(&b.id)));
}
