//! Reply proposals (*Antwortvorschläge*) for a case.
//!
//! A [`Drafter`] proposes one to three drafts for the latest message of a case, best first, each with
//! its sources, a confidence in 0..1 and a readable explanation — or abstains with a reason. Drafts come
//! from the organisation's text blocks (variant chosen for the contact's language and tone, filled with
//! the case's values) and from the answers to similar resolved cases ([`CaseIndex`], BM25 over tantivy),
//! adapted to this contact and scrubbed of the other person's data. An optional [`llm::LlmClient`]
//! writes a machine draft through an OpenAI-compatible endpoint after [`pii::redact`]ing the text.
//!
//! Nothing here sends anything: people decide.

mod adapt;
pub mod analysis;
pub mod bench;
mod blocks;
mod drafter;
mod index;
pub mod llm;
pub mod pii;
mod synth;
mod types;

pub use drafter::{Drafter, DrafterConfig};
pub use index::{CaseIndex, IndexError, ResolvedCase, SimilarCase};
pub use types::{Draft, DraftContext, DraftKind, HistoryItem, Proposal, Source, SourceKind};

/// Name of the producer in [`Proposal::producer`].
pub const PRODUCER: &str = "drafts-bm25";
/// Version of the drafting rules, in [`Proposal::version`].
pub const VERSION: &str = concat!("drafts-", env!("CARGO_PKG_VERSION"));
