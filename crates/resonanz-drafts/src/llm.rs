//! Optional machine drafts from an OpenAI-compatible chat endpoint (a local model server or a hosted
//! service the organisation has a data-processing agreement with).
//!
//! What is sent: the subject, the latest message and up to six earlier messages of the case (each
//! shortened), the wanted language and address form, and the caller's guidance — all redacted with
//! [`crate::pii`] first (the contact's and agent's names from the placeholder values, the case
//! reference, and every e-mail address, phone number, IBAN, address, number and cued name found).
//! Nothing else: no contact record, no ids. The answer's placeholders are restored locally; any
//! placeholder the model invented becomes a visible `{{prüfen}}`, which the send step refuses.
//!
//! Cases with a safeguarding concern or a threat are declined: they get prepared text blocks only.

use std::time::Duration;

use resonanz_core::textblocks::Tone;
use serde_json::{Value, json};

use crate::adapt::CHECK_PLACEHOLDER;
use crate::pii::{self, KnownPii, Mapping, PiiKind, Redactor};
use crate::{Draft, DraftContext, DraftKind, Source, SourceKind};

/// Fixed confidence of a machine draft: the model gives no calibrated score.
pub const LLM_CONFIDENCE: f32 = 0.5;
const MAX_HISTORY: usize = 6;
const MAX_ITEM_CHARS: usize = 2_000;
const MAX_MESSAGE_CHARS: usize = 8_000;

const SYSTEM_PROMPT: &str = "Du bist eine Schreibhilfe im Kundendialog einer Organisation. Schreibe einen \
Antwortentwurf auf die letzte Nachricht des Kontakts. Ein Mensch prüft und bearbeitet den Entwurf, bevor er \
gesendet wird.\nRegeln:\n- Schreibe in der Sprache des Kontakts und in der verlangten Anrede.\n- Erfinde \
keine Fakten, Termine, Preise, Zusagen, Namen oder Links. Fehlt dir eine Information, schreibe {{prüfen}} an \
die Stelle.\n- Platzhalter in eckigen Klammern wie [NAME_1], [EMAIL_1] oder [NUMBER_1] stehen für \
persönliche Daten: übernimm sie genau so, unverändert, und erfinde keine neuen.\n- Sei freundlich, klar und \
knapp; nimm das Anliegen ernst.\n- Antworte nur mit dem Text der Nachricht, ohne Betreffzeile und ohne \
Erläuterungen.";

/// Where and how to reach the model.
#[derive(Clone)]
pub struct LlmConfig {
    /// E.g. `http://127.0.0.1:8080` (a trailing `/v1` is accepted); `/v1/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<String>,
    /// For the whole request.
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("invalid language model configuration: {0}")]
    Config(String),
    #[error("no machine draft for this case: {0}")]
    Declined(String),
    #[error("the language model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("could not reach the language model endpoint: {0}")]
    Transport(String),
    #[error("the language model endpoint answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the language model's answer is not the expected JSON: {0}")]
    BadResponse(String),
    #[error("the language model returned no text")]
    Empty,
}

/// A client for one endpoint and model. Cheap to clone and share.
#[derive(Debug, Clone)]
pub struct LlmClient {
    config: LlmConfig,
    url: String,
    http: reqwest::Client,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        let base = config.base_url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(LlmError::Config(format!("base_url must start with http:// or https://, not {base:?}")));
        }
        if config.model.trim().is_empty() {
            return Err(LlmError::Config("model is empty".into()));
        }
        let url = format!("{}/v1/chat/completions", base.strip_suffix("/v1").unwrap_or(base));
        let http =
            reqwest::Client::builder().timeout(config.timeout).build().map_err(|e| LlmError::Config(e.to_string()))?;
        Ok(Self { config, url, http })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The request body that would be sent for this case, and the mapping to restore the answer.
    /// Exactly this leaves the process.
    pub fn request(&self, ctx: &DraftContext, guidance: &str) -> (Value, Mapping) {
        let mut red = Redactor::new(&known_pii(ctx));
        let contact = red.mapping().placeholder_of(value(ctx, "contact.name")).map(str::to_string);
        let agent = red.mapping().placeholder_of(value(ctx, "agent.name")).map(str::to_string);
        let child = ctx.tone == Tone::Kind || has(ctx, "child", 0.5);
        let tone = match (child, ctx.tone) {
            (true, _) => "für ein Kind: „du“, kurze und einfache Sätze, freundlich, keine Fachwörter",
            (false, Tone::Sie) => "formell mit „Sie“",
            (false, _) => "informell mit „du“",
        };
        let mut user = format!("Sprache des Kontakts (ISO 639-1): {}\nAnrede: {tone}\n", ctx.language);
        match &contact {
            Some(p) => user.push_str(&format!("Sprich den Kontakt mit {p} an.\n")),
            None => user.push_str("Der Name des Kontakts ist unbekannt: verwende eine Anrede ohne Namen.\n"),
        }
        if let Some(p) = &agent {
            user.push_str(&format!("Unterschreibe mit {p}.\n"));
        }
        if !ctx.subject.trim().is_empty() {
            user.push_str(&format!("Betreff: {}\n", red.redact(&cut(&ctx.subject, 300))));
        }
        let earlier: Vec<_> = ctx.history.iter().filter(|h| h.text.trim() != ctx.inbound_text.trim()).collect();
        if !earlier.is_empty() {
            user.push_str("\nBisheriger Verlauf (älteste zuerst):\n");
            for h in earlier.iter().skip(earlier.len().saturating_sub(MAX_HISTORY)) {
                let who = if h.inbound { "Kontakt" } else { "Wir" };
                user.push_str(&format!("[{who}]: {}\n", red.redact(&cut(&h.text, MAX_ITEM_CHARS))));
            }
        }
        user.push_str(&format!(
            "\nLetzte Nachricht des Kontakts:\n{}\n",
            red.redact(&cut(&ctx.inbound_text, MAX_MESSAGE_CHARS))
        ));
        if !guidance.trim().is_empty() {
            user.push_str(&format!("\nHinweise für die Antwort:\n{}\n", red.redact(&cut(guidance, MAX_MESSAGE_CHARS))));
        }
        let body = json!({
            "model": self.config.model,
            "temperature": 0.3,
            "messages": [
                { "role": "system", "content": SYSTEM_PROMPT },
                { "role": "user", "content": user },
            ],
        });
        (body, red.into_mapping())
    }

    /// A machine draft for the latest message. Never panics; every failure is an [`LlmError`].
    pub async fn draft(&self, ctx: &DraftContext, guidance: &str) -> Result<Draft, LlmError> {
        for c in ["safeguarding", "threat"] {
            if has(ctx, c, 0.3) {
                return Err(LlmError::Declined(format!(
                    "{c}: only prepared text blocks, written and checked by people"
                )));
            }
        }
        if ctx.inbound_text.trim().is_empty() {
            return Err(LlmError::Declined("the message is empty".into()));
        }
        let (body, mapping) = self.request(ctx, guidance);
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            return Err(LlmError::Status { status: status.as_u16(), body: cut(&text, 300) });
        }
        let json: Value = serde_json::from_str(&text).map_err(|e| LlmError::BadResponse(e.to_string()))?;
        let content = json
            .pointer("/choices/0/message/content")
            .ok_or_else(|| LlmError::BadResponse("no choices[0].message.content".into()))?
            .as_str()
            .ok_or_else(|| LlmError::BadResponse("choices[0].message.content is not a string".into()))?
            .trim();
        if content.is_empty() {
            return Err(LlmError::Empty);
        }
        let restored = pii::restore(content, &mapping);
        let invented = pii::count_placeholders(&restored);
        let text = pii::replace_placeholders(&restored, CHECK_PLACEHOLDER);
        let model = self.config.model.clone();
        let mut explanation = format!(
            "Written by the language model {model} from the message and case history with {} personal detail(s) \
             replaced by placeholders before sending; they were put back afterwards. Confidence is fixed at \
             {LLM_CONFIDENCE:.1} because the model gives no calibrated score: check every statement, it may invent \
             facts. This draft is machine-written: the sent message must say so.",
            mapping.len()
        );
        if invented > 0 {
            explanation.push_str(&format!(
                " The model used {invented} placeholder(s) that do not exist; they are shown as {CHECK_PLACEHOLDER}."
            ));
        }
        Ok(Draft {
            id: format!("llm:{model}"),
            kind: DraftKind::Llm,
            text,
            confidence: LLM_CONFIDENCE,
            sources: vec![Source { kind: SourceKind::Llm, id: model.clone(), label: model, score: LLM_CONFIDENCE }],
            explanation,
            machine_drafted: true,
        })
    }

    fn transport(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout(self.config.timeout)
        } else {
            // Without the URL: it may carry credentials.
            LlmError::Transport(e.without_url().to_string())
        }
    }
}

fn value<'a>(ctx: &'a DraftContext, key: &str) -> &'a str {
    ctx.values.get(key).map(String::as_str).unwrap_or_default()
}

fn has(ctx: &DraftContext, name: &str, min: f32) -> bool {
    ctx.categories.iter().any(|(c, p)| c == name && *p >= min)
}

/// The contact's name first (so it is `[NAME_1]`), then the agent's, then the reference.
fn known_pii(ctx: &DraftContext) -> Vec<KnownPii> {
    let mut k = Vec::new();
    for key in ["contact.name", "agent.name", "contact.first_name", "contact.last_name", "agent.first_name"] {
        k.push(KnownPii::new(PiiKind::Name, value(ctx, key)));
    }
    k.push(KnownPii::new(PiiKind::Reference, value(ctx, "case.reference")));
    k.push(KnownPii::new(PiiKind::Reference, ctx.reference.as_str()));
    k
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{} …", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
#[path = "llm_tests.rs"]
mod tests;
