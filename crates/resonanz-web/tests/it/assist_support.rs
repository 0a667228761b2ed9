//! Fakes for Assist: an analyser with a fixed answer (core runs it through `analyze_message`, as
//! the worker would) and a drafting side with fixed drafts. Both can carry hostile text.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use resonanz_core::assist::{AnalysisOutcome, Analyze, DraftProposal, DraftRecord, ProposeDrafts, ScoredCategory};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::{CaseId, MessageId};
use resonanz_core::service::Core;
use resonanz_core::user::{Actor, Role, User};
use resonanz_testkit::Db;
use serde_json::json;

use crate::support::{App, state};

/// Text that must never reach a page unescaped.
pub const XSS: &str = "<script>alert('xss')</script><img src=x onerror=alert(1)>";

/// Answers every message with the same categories, explanation and signals.
pub struct FakeAnalyzer {
    pub categories: Vec<(&'static str, f32)>,
    pub explanation: String,
    pub signal: String,
}

impl FakeAnalyzer {
    pub fn new(categories: &[(&'static str, f32)]) -> Self {
        Self {
            categories: categories.to_vec(),
            explanation: "Complaint: the words \"doppelt abgebucht\".".into(),
            signal: "doppelt abgebucht".into(),
        }
    }

    /// The same, with hostile text in the explanation and a signal.
    pub fn hostile(categories: &[(&'static str, f32)]) -> Self {
        Self { explanation: format!("Because {XSS}"), signal: format!("sig {XSS}"), ..Self::new(categories) }
    }
}

impl Analyze for FakeAnalyzer {
    fn version(&self) -> String {
        "fake/test-1".into()
    }

    fn analyze(&self, _subject: &str, _text: &str) -> AnalysisOutcome {
        let categories: Vec<_> = self
            .categories
            .iter()
            .map(|(n, c)| json!({"name": n, "confidence": c, "signals": [self.signal]}))
            .collect();
        AnalysisOutcome {
            result: json!({
                "language": {"code": "de", "confidence": 0.97},
                "sentiment": {"label": "negative", "score": -0.6, "confidence": 0.8},
                "emotions": [{"name": "anger", "intensity": 0.7, "signals": ["unverschämt"]}],
                "categories": categories,
                "urgency": {"level": "high", "confidence": 0.7, "signals": ["sofort"]},
                "confidence": 0.85,
                "explanation": self.explanation,
                "model_version": "test-1",
                "notes": []
            }),
            categories: self
                .categories
                .iter()
                .map(|(n, c)| ScoredCategory { name: (*n).to_string(), confidence: *c })
                .collect(),
            language: "de".into(),
            confidence: 0.85,
        }
    }
}

/// Analyses a message as the worker would.
pub async fn analyse(app: &App, message: MessageId, analyzer: &FakeAnalyzer) {
    app.tc.core.analyze_message(message, analyzer).await.unwrap();
}

/// Two drafts (a text block and a machine-drafted one naming an earlier case), or none.
pub struct FakeDrafts {
    pub abstain: bool,
    /// The earlier case the second draft names as its source.
    pub source_case: Option<CaseId>,
    /// Hostile text in the second draft.
    pub hostile: bool,
}

fn drafts_for(d: &FakeDrafts) -> DraftProposal {
    if d.abstain {
        return DraftProposal { drafts: Vec::new(), abstained: Some("confidence below the threshold".into()) };
    }
    let first = "Guten Tag, vielen Dank für Ihre Nachricht. Wir prüfen die Abbuchung.";
    let second = if d.hostile { format!("Hallo {XSS}") } else { "Hallo, wir melden uns morgen.".into() };
    let case = d.source_case.map(|c| c.to_string()).unwrap_or_else(|| "kein-fall".into());
    DraftProposal {
        drafts: vec![
            DraftRecord {
                text: first.into(),
                confidence: 0.82,
                output: json!({"id": "tb:1", "kind": "text_block", "text": first, "confidence": 0.82,
                    "sources": [{"kind": "text_block", "id": "1", "label": "abbuchung-pruefen", "score": 0.82}],
                    "explanation": "The text block matches \"Abbuchung\".", "machine_drafted": false}),
                category: Some("complaint".into()),
                producer: "drafts-bm25".into(),
                producer_version: "drafts-test-1".into(),
            },
            DraftRecord {
                text: second.clone(),
                confidence: 0.61,
                output: json!({"id": "llm:x", "kind": "llm", "text": second, "confidence": 0.61,
                    "sources": [{"kind": "case", "id": case, "label": "R-4711", "score": 0.5}],
                    "explanation": format!("Written by a model {}", if d.hostile { XSS } else { "" }),
                    "machine_drafted": true}),
                category: Some("complaint".into()),
                producer: "llm:test".into(),
                producer_version: "drafts-test-1".into(),
            },
        ],
        abstained: None,
    }
}

/// What `#[async_trait]` would generate, written out (the test crate does not depend on it).
impl ProposeDrafts for FakeDrafts {
    fn propose<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        _core: &'life1 Core,
        _case_id: CaseId,
        _agent: &'life2 User,
    ) -> Pin<Box<dyn Future<Output = CoreResult<DraftProposal>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        let proposal = drafts_for(self);
        Box::pin(async move { Ok(proposal) })
    }
}

impl App {
    /// An app whose drafting side is `drafts`.
    pub async fn with_drafts(db: Db, drafts: FakeDrafts) -> Self {
        let mut app = Self::new(db).await;
        let mut st = state(&app.tc, 1024 * 1024);
        st.drafts = Some(Arc::new(drafts));
        app.router = resonanz_web::router(st);
        app
    }

    /// A person with a role and an API token for them.
    pub async fn token_for(&self, email: &str, name: &str, role: Role) -> (User, String) {
        let user = self.tc.core.create_user(&Actor::System, email, name, role, "!".into()).await.unwrap();
        let token = self.tc.core.create_token(&Actor::System, user.id, "test").await.unwrap();
        (user, token)
    }
}
