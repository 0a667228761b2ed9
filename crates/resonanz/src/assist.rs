//! Assist at run time: the analysis model behind core's `Analyze`, and the drafting side behind
//! `ProposeDrafts` (similar resolved cases in a BM25 index kept fresh from the database, text
//! blocks, and optionally an OpenAI-compatible LLM).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use resonanz_core::assist::{AnalysisOutcome, Analyze, DraftProposal, DraftRecord, ProposeDrafts, ScoredCategory};
use resonanz_core::error::{CoreError, CoreResult};
use resonanz_core::ids::CaseId;
use resonanz_core::message::{AutoKind, Direction};
use resonanz_core::service::Core;
use resonanz_core::textblocks::{self, Tone};
use resonanz_core::user::User;
use resonanz_drafts::llm::{LlmClient, LlmConfig};
use resonanz_drafts::{CaseIndex, DraftContext, Drafter, HistoryItem, ResolvedCase};
use tokio::sync::watch;

use crate::config::AssistArgs;

/// The `resonanz-assist` model as core's analyser.
pub struct AssistAnalyzer(pub resonanz_assist::Analyzer);

impl Analyze for AssistAnalyzer {
    fn version(&self) -> String {
        self.0.version().to_string()
    }

    fn analyze(&self, subject: &str, text: &str) -> AnalysisOutcome {
        let a = self.0.analyze(Some(subject), text);
        AnalysisOutcome {
            result: serde_json::to_value(&a).unwrap_or_default(),
            categories: a
                .categories
                .iter()
                .map(|c| ScoredCategory { name: c.name.as_str().to_string(), confidence: c.confidence })
                .collect(),
            language: a.language.code.clone(),
            confidence: a.confidence,
        }
    }
}

static ANALYZER: OnceLock<Arc<dyn Analyze>> = OnceLock::new();

/// Loads the analyser once per process: the model file if one is given, else the shipped model.
pub fn init_analyzer(model: Option<&std::path::Path>) -> anyhow::Result<()> {
    let analyzer = load_analyzer(model)?;
    let _ = ANALYZER.set(Arc::new(AssistAnalyzer(analyzer)));
    Ok(())
}

pub fn load_analyzer(model: Option<&std::path::Path>) -> anyhow::Result<resonanz_assist::Analyzer> {
    Ok(match model {
        Some(path) => {
            let json = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let model = resonanz_assist::Model::from_json(&json)
                .map_err(|e| anyhow::anyhow!("{} is not an assist model: {e}", path.display()))?;
            resonanz_assist::Analyzer::from_model(model)
        }
        None => resonanz_assist::Analyzer::builtin(),
    })
}

/// The process's analyser (the shipped model unless `init_analyzer` chose another).
pub fn analyzer() -> Arc<dyn Analyze> {
    ANALYZER.get_or_init(|| Arc::new(AssistAnalyzer(resonanz_assist::Analyzer::builtin()))).clone()
}

/// Reply proposals for the web: text blocks, similar resolved cases, optionally an LLM.
pub struct DraftService {
    pub index: Arc<CaseIndex>,
    drafter: Drafter,
    llm: Option<LlmClient>,
}

impl DraftService {
    pub fn new(args: &AssistArgs) -> anyhow::Result<Self> {
        let index = Arc::new(CaseIndex::new().map_err(|e| anyhow::anyhow!("cannot create the case index: {e}"))?);
        let llm = match &args.llm_url {
            Some(url) => Some(
                LlmClient::new(LlmConfig {
                    base_url: url.clone(),
                    model: args.llm_model.clone(),
                    api_key: args.llm_api_key.clone(),
                    timeout: Duration::from_secs(args.llm_timeout_seconds),
                })
                .map_err(|e| anyhow::anyhow!("LLM settings: {e}"))?,
            ),
            None => None,
        };
        Ok(Self { index, drafter: Drafter::new(), llm })
    }
}

/// The context a drafter needs for a case, read through core.
pub async fn draft_context(core: &Core, case_id: CaseId, agent: &User) -> CoreResult<Option<DraftContext>> {
    let detail = core.case_detail(case_id).await?;
    // The contact's newest own message (not an out-of-office or a bounce).
    let Some(last_in) = detail
        .messages
        .iter()
        .rev()
        .find(|m| m.message.direction == Direction::Inbound && m.message.auto_kind == AutoKind::None)
    else {
        return Ok(None);
    };
    let analyses = core.store.case_analyses(case_id).await?;
    let analysis = analyses.iter().find(|a| a.message_id == last_in.message.id).cloned();
    // What the whole case is about: every analysed message counts (a follow-up "Und?" does not make
    // a complaint or a disclosure disappear), with a person's correction as certain.
    let mut categories: Vec<(String, f32)> = Vec::new();
    for a in &analyses {
        let scored: Vec<(String, f32)> = match &a.corrected {
            Some(_) => a.effective_categories().into_iter().map(|c| (c, 1.0)).collect(),
            None => a.categories.iter().map(|c| (c.name.clone(), c.confidence)).collect(),
        };
        for (name, confidence) in scored {
            match categories.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = entry.1.max(confidence),
                None => categories.push((name, confidence)),
            }
        }
    }
    if detail.case.safeguarding {
        categories.retain(|(n, _)| n != "safeguarding");
        categories.push(("safeguarding".into(), 1.0));
    }
    let contact = detail.contact.as_ref().map(|c| &c.contact);
    let detected = analysis
        .as_ref()
        .and_then(|a| a.result.as_ref())
        .and_then(|r| r.pointer("/language/code"))
        .and_then(|c| c.as_str())
        .filter(|c| *c != "und")
        .map(str::to_string);
    let language = detected.or_else(|| contact.map(|c| c.language.clone())).unwrap_or_else(|| "de".into());
    let mut tone = textblocks::tone_for(contact, &detail.case.tags);
    if categories.iter().any(|(c, _)| c == "child") {
        tone = Tone::Kind;
    }
    let team = match detail.case.team_id {
        Some(t) => core.store.teams().await?.into_iter().find(|x| x.id == t).map(|x| x.name),
        None => None,
    };
    let values = textblocks::values(&detail.case, contact, agent, team.as_deref());
    let history = detail
        .messages
        .iter()
        .filter(|m| m.message.id != last_in.message.id && m.message.direction != Direction::Note)
        .map(|m| HistoryItem { inbound: m.message.direction == Direction::Inbound, text: m.message.text_body.clone() })
        .collect();
    Ok(Some(DraftContext {
        case_id: case_id.to_string(),
        reference: detail.case.reference(),
        subject: detail.case.subject.clone(),
        inbound_text: last_in.message.text_body.clone(),
        history,
        categories,
        language,
        tone,
        values,
        text_blocks: core.store.text_blocks(None, None).await?,
    }))
}

#[async_trait::async_trait]
impl ProposeDrafts for DraftService {
    async fn propose(&self, core: &Core, case_id: CaseId, agent: &User) -> CoreResult<DraftProposal> {
        let Some(ctx) = draft_context(core, case_id, agent).await? else {
            return Ok(DraftProposal { drafts: Vec::new(), abstained: Some("no message from the contact yet".into()) });
        };
        let top_category = ctx.categories.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(c, _)| c.clone());
        let index = self.index.clone();
        let drafter = self.drafter.clone();
        let ctx2 = ctx.clone();
        let mut proposal = tokio::task::spawn_blocking(move || drafter.propose(&ctx2, &index))
            .await
            .map_err(|e| CoreError::Storage(anyhow::anyhow!("drafting failed: {e}")))?;
        if let Some(llm) = &self.llm {
            match llm.draft(&ctx, "").await {
                Ok(d) => proposal.add(d),
                // Declined: the case is one a machine should not write for (safeguarding, threat).
                Err(resonanz_drafts::llm::LlmError::Declined(reason)) => {
                    tracing::debug!(%reason, "no machine draft: declined")
                }
                Err(e) => tracing::warn!(error = %e, "no machine draft from the LLM"),
            }
        }
        // A draft built on a case this person may not see is not shown: neither its text nor its
        // reference may reach them.
        let mut visible = Vec::new();
        for d in std::mem::take(&mut proposal.drafts) {
            let mut ok = true;
            for source in d.sources.iter().filter(|s| s.kind == resonanz_drafts::SourceKind::Case) {
                let case = match CaseId::parse(&source.id) {
                    Some(id) => core.store.case(id).await?,
                    None => None,
                };
                let seen = match &case {
                    Some(c) => core.can_see(agent, c).await?,
                    None => false,
                };
                if !seen {
                    ok = false;
                    break;
                }
            }
            if ok {
                visible.push(d);
            }
        }
        proposal.drafts = visible;
        if proposal.drafts.is_empty() && proposal.abstained.is_none() {
            proposal.abstained = Some("nothing fits that you may see".into());
        }
        let drafts = proposal
            .drafts
            .iter()
            .map(|d| DraftRecord {
                text: d.text.clone(),
                confidence: d.confidence,
                output: serde_json::to_value(d).unwrap_or_default(),
                category: top_category.clone(),
                producer: match d.kind {
                    resonanz_drafts::DraftKind::Llm => {
                        d.sources.first().map(|s| format!("llm:{}", s.label)).unwrap_or_else(|| "llm".into())
                    }
                    _ => proposal.producer.clone(),
                },
                producer_version: proposal.version.clone(),
            })
            .collect();
        Ok(DraftProposal { drafts, abstained: proposal.abstained.clone() })
    }
}

/// Categories whose cases never feed the similar-case index: their answers are too personal.
const NEVER_INDEXED: [&str; 4] = ["safeguarding", "sensitive", "child", "threat"];

fn to_resolved(c: resonanz_core::assist::ResolvedCaseText) -> ResolvedCase {
    ResolvedCase {
        case_id: c.case_id.to_string(),
        reference: format!("R-{}", c.number),
        subject: c.subject,
        question: c.question,
        answer: c.answer,
        language: c.language,
        contact_name: c.contact_name,
        categories: c.categories,
        resolved_at: c.resolved_at.timestamp(),
    }
}

/// Loads resolved cases into the index, from `after` on, page by page; returns the new watermark.
pub async fn load_resolved(
    core: &Core,
    index: &CaseIndex,
    mut after: Option<(resonanz_core::Timestamp, CaseId)>,
) -> anyhow::Result<(Option<(resonanz_core::Timestamp, CaseId)>, usize)> {
    let mut total = 0;
    loop {
        let page = core.store.resolved_cases(after, 2000).await?;
        let Some(last) = page.last() else { break };
        after = Some((last.resolved_at, last.case_id));
        let n = page.len();
        // Answers to sensitive matters are never reused for someone else.
        let docs: Vec<ResolvedCase> = page
            .into_iter()
            .filter(|c| !c.answer.trim().is_empty())
            .filter(|c| !c.categories.iter().any(|k| NEVER_INDEXED.contains(&k.as_str())))
            .map(to_resolved)
            .collect();
        index.upsert(&docs).map_err(|e| anyhow::anyhow!("indexing resolved cases: {e}"))?;
        total += docs.len();
        if n < 2000 {
            break;
        }
    }
    Ok((after, total))
}

/// Drops from the index the cases reopened (or otherwise not resolved any more) since `since`;
/// returns how many it looked at.
pub async fn drop_reopened(core: &Core, index: &CaseIndex, since: resonanz_core::Timestamp) -> anyhow::Result<usize> {
    let ids = core.store.open_cases_changed_since(since, 10_000).await?;
    for id in &ids {
        index.remove(&id.to_string()).map_err(|e| anyhow::anyhow!("removing a reopened case: {e}"))?;
    }
    Ok(ids.len())
}

/// Keeps the index fresh: everything at start, then every 30 seconds the newly resolved cases in
/// and the reopened ones out.
pub async fn run_indexer(core: Core, index: Arc<CaseIndex>, mut shutdown: watch::Receiver<bool>) {
    let mut after = None;
    let mut checked = core.clock.now();
    loop {
        let now = core.clock.now();
        if let Err(e) = drop_reopened(&core, &index, checked - chrono::Duration::seconds(5)).await {
            tracing::error!(error = %format!("{e:#}"), "reopened cases not dropped from the similar-case index");
        } else {
            checked = now;
        }
        match load_resolved(&core, &index, after).await {
            Ok((mark, n)) => {
                if n > 0 {
                    tracing::info!(added = n, total = index.len(), "similar-case index updated");
                }
                after = mark.or(after);
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "similar-case index not updated"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
