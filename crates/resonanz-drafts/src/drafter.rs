//! Putting a proposal together: communication rules, sources, confidence, abstention.

use resonanz_core::textblocks::{Tone, render};

use crate::adapt::{self, Adapted, CHECK_PLACEHOLDER};
use crate::analysis::{QueryTerms, containment};
use crate::blocks::{self, BlockMatch};
use crate::types::sort_drafts;
use crate::{CaseIndex, Draft, DraftContext, DraftKind, Proposal, SimilarCase, Source, SourceKind};

/// Never more drafts than this.
pub const MAX_DRAFTS: usize = 3;
/// An analysed category counts from this confidence on …
const PRESENT: f32 = 0.5;
/// … and safeguarding and threats (tuned for recall) already from this one.
const PRESENT_SAFETY: f32 = 0.3;
/// A text already sent in this case if this share of its word trigrams is in an earlier reply.
const SENT_CONTAINMENT: f32 = 0.8;
/// A similar case's answer is the same text as a block draft from this share on (merged as a source).
const SAME_TEXT: f32 = 0.6;
/// Factor on a similar case's confidence when it is in another language than the contact's.
const OTHER_LANGUAGE: f32 = 0.6;
/// Factor when its German answer uses the other address form (Sie vs. du).
const OTHER_ADDRESS_FORM: f32 = 0.8;
/// Fewer content words in the message than this: too short to propose anything.
const MIN_TERMS: usize = 2;
/// Earlier messages of the contact join the query when the latest has fewer content words than this.
const HISTORY_BELOW: usize = 12;

/// Placeholder values that are names: their words are not matched on.
const NAME_VALUES: [&str; 5] =
    ["contact.name", "contact.first_name", "contact.last_name", "agent.name", "agent.first_name"];

/// Tunable thresholds (defaults documented on each field).
#[derive(Debug, Clone, PartialEq)]
pub struct DrafterConfig {
    /// Drafts below this confidence are not proposed; with none left the drafter abstains. 0.35.
    pub min_confidence: f32,
    /// At most this many drafts (never more than 3). 3.
    pub max_drafts: usize,
    /// Similar cases fetched from the index (answers alike are merged into one draft). 8.
    pub similar_cases: usize,
    /// Highest confidence of a similar-case draft (it is someone else's answer). 0.9.
    pub max_case_confidence: f32,
}

impl Default for DrafterConfig {
    fn default() -> Self {
        Self { min_confidence: 0.35, max_drafts: MAX_DRAFTS, similar_cases: 8, max_case_confidence: 0.9 }
    }
}

/// Proposes replies. Stateless apart from its configuration; cheap to share.
#[derive(Debug, Clone, Default)]
pub struct Drafter {
    config: DrafterConfig,
}

/// Rules derived from the analysed categories.
struct Policy {
    tone: Tone,
    /// Only text blocks (safeguarding, threats).
    blocks_only: bool,
    cap: f32,
    notes: Vec<&'static str>,
}

impl Drafter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_config(config: DrafterConfig) -> Self {
        Self { config }
    }

    pub fn config(&self) -> &DrafterConfig {
        &self.config
    }

    /// Up to three drafts for the latest message of the case, best first, or the reason for none.
    /// Deterministic for the same context and index contents.
    pub fn propose(&self, ctx: &DraftContext, index: &CaseIndex) -> Proposal {
        if ctx.inbound_text.trim().is_empty() {
            return Proposal::abstain("The message is empty: there is nothing to answer yet.");
        }
        let mut query = QueryTerms::new(&format!("{}\n{}", ctx.subject, ctx.inbound_text));
        let names: Vec<&str> = NAME_VALUES.iter().filter_map(|k| ctx.values.get(k).map(String::as_str)).collect();
        query.remove_words(&names.join(" "));
        if query.len() < MIN_TERMS {
            return Proposal::abstain(format!(
                "The message is too short to suggest an answer ({} content word{}); please answer personally.",
                query.len(),
                if query.len() == 1 { "" } else { "s" }
            ));
        }
        let has = |name: &str, min: f32| ctx.categories.iter().any(|(c, p)| c == name && *p >= min);
        if let Some((_, p)) = ctx.categories.iter().find(|(c, p)| c == "spam" && *p >= PRESENT)
            && !has("safeguarding", PRESENT_SAFETY)
            && !has("threat", PRESENT_SAFETY)
        {
            return Proposal::abstain(format!(
                "The message looks like spam (confidence {p:.2}): no reply is proposed."
            ));
        }
        let policy = policy(ctx, &has);
        // A short follow-up ("Und wann?") is understood with the contact's earlier messages.
        let mut history_notes: Vec<String> = Vec::new();
        if query.len() < HISTORY_BELOW {
            let earlier: Vec<&str> = ctx
                .history
                .iter()
                .filter(|h| h.inbound && h.text.trim() != ctx.inbound_text.trim())
                .map(|h| h.text.as_str())
                .collect();
            let used = earlier.iter().rev().take(2).count();
            for t in earlier.iter().rev().take(2) {
                query.extend(t);
            }
            query.remove_words(&names.join(" "));
            if used > 0 {
                history_notes.push(format!("{used} earlier message(s) of the contact used for matching"));
            }
        }
        let sent: Vec<&str> = ctx.history.iter().filter(|h| !h.inbound).map(|h| h.text.as_str()).collect();
        let already_sent = |text: &str| sent.iter().any(|s| containment(text, s) >= SENT_CONTAINMENT);

        let mut drafts: Vec<Draft> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        let mut best_below: Option<(String, f32)> = None;
        let ranked = blocks::rank(&ctx.text_blocks, &query, &ctx.categories, &ctx.language, policy.tone);
        for m in ranked.iter() {
            let text = render(&m.block.body, &ctx.values);
            if already_sent(&text) {
                skipped.push(m.block.name.clone());
                continue;
            }
            let confidence = m.confidence.min(policy.cap);
            if confidence < self.config.min_confidence {
                note_best(&mut best_below, format!("text block '{}'", m.block.name), confidence);
                continue;
            }
            if drafts.len() < MAX_DRAFTS {
                drafts.push(block_draft(m, text, confidence, ctx, &policy));
            }
        }
        if !skipped.is_empty() {
            history_notes.push(format!("already sent in this case, not proposed again: {}", skipped.join(", ")));
        }
        if !policy.blocks_only {
            let cases = index.search_terms(&query, Some(&ctx.language), self.config.similar_cases, Some(&ctx.case_id));
            for case in &cases {
                let Some(a) = adapt::adapt(case, policy.tone, &ctx.values) else { continue };
                if already_sent(&a.body) {
                    history_notes.push(format!("the answer of case {} was already sent in this case", case.reference));
                    continue;
                }
                let confidence = case_confidence(case, &a, ctx, self.config.max_case_confidence).min(policy.cap);
                // The same text as an earlier draft (a block, or another case answered alike): the case
                // supports that draft instead of repeating it.
                if let Some(d) = drafts
                    .iter_mut()
                    .find(|d| containment(&a.body, &d.text).max(containment(&d.text, &a.body)) >= SAME_TEXT)
                {
                    let max = if d.kind == DraftKind::TextBlock { 0.95 } else { self.config.max_case_confidence };
                    d.sources.push(case_source(case));
                    d.confidence = (d.confidence + 0.1 * case.score).min(max).min(policy.cap);
                    d.explanation.push_str(&format!(" Case {} was answered with the same text.", case.reference));
                    continue;
                }
                if confidence < self.config.min_confidence {
                    note_best(&mut best_below, format!("case {}", case.reference), confidence);
                    continue;
                }
                drafts.push(case_draft(case, &a, confidence, ctx, &policy));
            }
        }
        if !history_notes.is_empty() {
            let label = history_notes.join("; ");
            for d in &mut drafts {
                d.sources.push(Source {
                    kind: SourceKind::History,
                    id: "history".into(),
                    label: label.clone(),
                    score: 0.0,
                });
            }
        }
        sort_drafts(&mut drafts);
        drafts.truncate(self.config.max_drafts.min(MAX_DRAFTS));
        if drafts.is_empty() {
            return Proposal::abstain(abstain_reason(&policy, best_below, self.config.min_confidence, &skipped));
        }
        Proposal { drafts, abstained: None, producer: crate::PRODUCER.into(), version: crate::VERSION.into() }
    }
}

fn policy(ctx: &DraftContext, has: &dyn Fn(&str, f32) -> bool) -> Policy {
    let mut p = Policy { tone: ctx.tone, blocks_only: false, cap: 1.0, notes: Vec::new() };
    if ctx.tone == Tone::Kind || has("child", PRESENT) {
        p.tone = Tone::Kind;
        p.notes.push("Child-related: the child-friendly variant, greeting and closing were chosen; keep sentences short and simple.");
    }
    if has("safeguarding", PRESENT_SAFETY) {
        p.blocks_only = true;
        p.cap = p.cap.min(0.5);
        p.notes.push("Possible safeguarding concern: only prepared text blocks are suggested, with confidence capped at 0.5; follow the safeguarding protocol and involve a supervisor.");
    }
    if has("threat", PRESENT_SAFETY) {
        p.blocks_only = true;
        p.cap = p.cap.min(0.5);
        p.notes.push("Threat or abuse: only prepared text blocks are suggested, with confidence capped at 0.5; decide with a supervisor whether to answer at all.");
    }
    if has("sensitive", PRESENT) {
        p.cap = p.cap.min(0.7);
        p.notes.push("Sensitive matter: confidence capped at 0.7; write personally and with care.");
    }
    p
}

fn note_best(best: &mut Option<(String, f32)>, what: String, confidence: f32) {
    if best.as_ref().is_none_or(|(_, c)| confidence > *c) {
        *best = Some((what, confidence));
    }
}

fn abstain_reason(policy: &Policy, best: Option<(String, f32)>, min: f32, skipped: &[String]) -> String {
    let mut r = match best {
        Some((what, c)) => format!(
            "No text block or earlier case fits well enough: the best, {what}, has confidence {c:.2}, below {min:.2}."
        ),
        None if policy.blocks_only => "No prepared text block fits this message.".to_string(),
        None => "No text block or earlier resolved case shares enough words with this message.".to_string(),
    };
    if !skipped.is_empty() {
        r.push_str(&format!(" Already sent in this case: {}.", skipped.join(", ")));
    }
    if let Some(n) = policy.notes.iter().find(|n| !n.starts_with("Child")) {
        r.push(' ');
        r.push_str(n);
    }
    r
}

fn words(list: &[String], max: usize) -> String {
    let shown: Vec<&str> = list.iter().take(max).map(String::as_str).collect();
    shown.join(", ")
}

fn block_draft(m: &BlockMatch<'_>, text: String, confidence: f32, ctx: &DraftContext, policy: &Policy) -> Draft {
    let b = m.block;
    let mut why = format!("Text block '{}' ({}, {})", b.name, b.language, b.tone.as_str());
    if !m.matched.is_empty() {
        why.push_str(&format!(" shares the words {} with the message", words(&m.matched, 5)));
    }
    if let Some((c, p)) = &m.category {
        why.push_str(&format!(
            "{} its category '{}' fits the analysed category {c} ({p:.2})",
            if m.matched.is_empty() { " is suggested because" } else { ", and" },
            b.category
        ));
    }
    why.push_str(&format!(
        ". Score {:.1} → confidence {confidence:.2}. Variant chosen for language {} and tone {}",
        m.score,
        ctx.language,
        policy.tone.as_str()
    ));
    if b.language != ctx.language {
        why.push_str(&format!(" (no {} variant exists; check the language)", ctx.language));
    }
    why.push('.');
    for n in &policy.notes {
        why.push(' ');
        why.push_str(n);
    }
    Draft {
        id: format!("tb:{}", b.id),
        kind: DraftKind::TextBlock,
        text,
        confidence,
        sources: vec![Source {
            kind: SourceKind::TextBlock,
            id: b.id.to_string(),
            label: b.name.clone(),
            score: confidence,
        }],
        explanation: why,
        machine_drafted: false,
    }
}

fn case_source(case: &SimilarCase) -> Source {
    Source { kind: SourceKind::Case, id: case.case_id.clone(), label: case.reference.clone(), score: case.score }
}

/// Confidence of a similar-case draft: the square root of the similarity (0.25 → 0.5, 0.5 → 0.71),
/// minus 0.03 per detail replaced by `{{prüfen}}` (at most 0.15), times 0.6 when the case is in another
/// language and 0.8 when its German answer uses the other address form; capped.
fn case_confidence(case: &SimilarCase, a: &Adapted, ctx: &DraftContext, cap: f32) -> f32 {
    let mut c = case.score.clamp(0.0, 1.0).sqrt() - (a.replaced as f32 * 0.03).min(0.15);
    if case.language != ctx.language {
        c *= OTHER_LANGUAGE;
    }
    if a.tone_mismatch.is_some() {
        c *= OTHER_ADDRESS_FORM;
    }
    c.clamp(0.0, cap)
}

fn case_draft(case: &SimilarCase, a: &Adapted, confidence: f32, ctx: &DraftContext, policy: &Policy) -> Draft {
    let replaced = a.replaced;
    let mut why = format!(
        "Adapted from the answer to the resolved case {} (\"{}\"), whose message shares the words {} (similarity {:.2} → confidence {confidence:.2}).",
        case.reference,
        adapt::scrub(&case.subject, &case.contact_name, &case.reference).0.replace(CHECK_PLACEHOLDER, "…"),
        words(&case.shared_terms, 6),
        case.score
    );
    if case.language != ctx.language {
        why.push_str(&format!(" That case was in {}, not {}: translate before sending.", case.language, ctx.language));
    }
    match a.tone_mismatch {
        Some(Tone::Sie) => why.push_str(" The answer says Sie: change it to du."),
        Some(_) => why.push_str(" The answer says du: change it to Sie."),
        None => {}
    }
    why.push_str(" Greeting and closing were replaced for this contact and agent.");
    if replaced > 0 {
        why.push_str(&format!(
            " {replaced} detail(s) of the other person (names, references, addresses, numbers) were replaced by {CHECK_PLACEHOLDER}: fill them in or remove them before sending."
        ));
    }
    for n in &policy.notes {
        why.push(' ');
        why.push_str(n);
    }
    Draft {
        id: format!("case:{}", case.case_id),
        kind: DraftKind::SimilarCase,
        text: a.text.clone(),
        confidence,
        sources: vec![case_source(case)],
        explanation: why,
        machine_drafted: false,
    }
}

#[cfg(test)]
#[path = "drafter_tests.rs"]
pub(crate) mod tests;
