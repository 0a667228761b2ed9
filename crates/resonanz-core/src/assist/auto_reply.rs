//! Automatic replies: off by default, only for categories an administrator enabled with a minimum
//! confidence, never for complaints, sensitive matters, children, safeguarding, threats or spam.
//! Every automatic message says so and how to reach a person; the contact's answer goes to a
//! person (the case waits on the contact and reopens into the inbox, and is never auto-answered
//! twice).

use serde::{Deserialize, Serialize};

use super::{AnalysisOutcome, NEVER_AUTOMATIC, Outcome, Suggestion, SuggestionKind};
use crate::audit::NewAuditEvent;
use crate::case::{Case, CaseStatus, normalise_tags};
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{SuggestionId, UserId};
use crate::message::{AutoKind, Message};
use crate::service::{Core, Outgoing, default_recipient, outbound_message};
use crate::store::Tx;
use crate::textblocks::{self, PLACEHOLDERS, Tone};
use crate::user::{Actor, Role};

/// The only categories an administrator can enable.
pub const AUTO_REPLY_CATEGORIES: [&str; 3] = ["routine", "question", "praise"];

/// The tag an automatically answered case carries.
pub const AUTO_TAG: &str = "automatisch-beantwortet";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoReplyRule {
    pub category: String,
    pub enabled: bool,
    pub min_confidence: f32,
    /// The name of the text block (its variants) that is sent.
    pub text_block: String,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AutoReplyRuleInput {
    pub category: String,
    pub enabled: bool,
    pub min_confidence: f32,
    pub text_block: String,
}

/// The sentence every automatic reply ends with, in the contact's language.
pub fn disclosure(language: &str) -> &'static str {
    if language == "de" || language.is_empty() {
        "Diese Antwort wurde automatisch versendet. Möchten Sie mit einem Menschen sprechen? Antworten Sie einfach \
         auf diese E-Mail – Ihre Nachricht geht an unser Team, nicht an eine Maschine."
    } else {
        "This reply was sent automatically. Would you like to talk to a person? Just reply to this e-mail – your \
         message goes to our team, not to a machine."
    }
}

/// At most one automatic reply per contact in this time: a robot that writes back in new threads
/// does not start a conversation between machines.
pub const AUTO_REPLY_PER_CONTACT: chrono::Duration = chrono::Duration::hours(24);

impl Core {
    /// Whether the contact's other cases forbid an automatic reply: one of them is under the
    /// safeguarding protocol, or was answered automatically within [`AUTO_REPLY_PER_CONTACT`].
    async fn contact_blocks_automation(&self, case: &Case, now: Timestamp) -> CoreResult<Option<&'static str>> {
        let filter = crate::case::CaseFilter { contact_id: Some(case.contact_id), limit: 200, ..Default::default() };
        for other in self.store.list_cases(&filter).await?.iter().filter(|c| c.id != case.id) {
            if other.safeguarding {
                return Ok(Some("the contact has a case under the safeguarding protocol"));
            }
            if other.tags.iter().any(|t| t == AUTO_TAG) && now - other.created_at < AUTO_REPLY_PER_CONTACT {
                return Ok(Some("the contact was answered automatically in the last 24 hours"));
            }
        }
        Ok(None)
    }

    pub async fn auto_reply_rules(&self) -> CoreResult<Vec<AutoReplyRule>> {
        self.store.auto_reply_rules().await
    }

    /// Enables, changes or disables the automatic reply for a category (administrators).
    pub async fn set_auto_reply_rule(&self, actor: &Actor, input: AutoReplyRuleInput) -> CoreResult<AutoReplyRule> {
        self.require_role(actor, |r| r == Role::Admin, "only administrators configure automatic replies").await?;
        let category = input.category.trim().to_string();
        if !AUTO_REPLY_CATEGORIES.contains(&category.as_str()) {
            return Err(CoreError::invalid(
                "category",
                "not_allowed",
                format!(
                    "automatic replies are possible only for {}; never for complaints, sensitive matters, children, \
                     safeguarding, threats or spam",
                    AUTO_REPLY_CATEGORIES.join(", ")
                ),
            ));
        }
        if !input.min_confidence.is_finite() || !(0.5..=1.0).contains(&input.min_confidence) {
            return Err(CoreError::invalid("min_confidence", "out_of_range", "between 0.5 and 1.0"));
        }
        let name = input.text_block.trim().to_string();
        if !self.store.text_blocks(None, None).await?.iter().any(|b| b.name == name) {
            return Err(CoreError::invalid("text_block", "unknown", "no text block has this name"));
        }
        let now = self.clock.now();
        let rule = AutoReplyRule {
            category,
            enabled: input.enabled,
            min_confidence: input.min_confidence,
            text_block: name,
            updated_by: match actor {
                Actor::User(id) => Some(*id),
                _ => None,
            },
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        tx.upsert_auto_reply_rule(&rule).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "assist.auto_reply_changed", "settings", "auto_reply", now).after(&rule),
        )
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    /// Sends an automatic reply inside the analysis transaction when every condition holds;
    /// otherwise does nothing. Skips that an administrator would want to know about are audited.
    pub(crate) async fn maybe_auto_reply(
        &self,
        tx: &mut dyn Tx,
        case: &mut Case,
        message: &Message,
        outcome: &AnalysisOutcome,
        version: &str,
    ) -> CoreResult<()> {
        let rules = tx.auto_reply_rules().await?;
        let Some((rule, confidence)) = AUTO_REPLY_CATEGORIES.iter().find_map(|cat| {
            let rule = rules.iter().find(|r| r.enabled && r.category == *cat)?;
            let c = outcome.categories.iter().find(|c| c.name == *cat)?;
            (c.confidence >= rule.min_confidence).then_some((rule.clone(), c.confidence))
        }) else {
            return Ok(());
        };
        let now = self.clock.now();
        // Every message of the case counts: an earlier unanswered complaint is not answered by a
        // machine because the newest message is a plain question.
        let others = self.store.case_analyses(case.id).await?;
        let earlier_never = others.iter().filter(|a| a.message_id != message.id).any(|a| {
            a.status != super::AnalysisStatus::Done
                || a.effective_categories().iter().any(|c| NEVER_AUTOMATIC.contains(&c.as_str()))
        });
        let blocked = if case.safeguarding {
            Some("the case is under the safeguarding protocol")
        } else if outcome.categories.iter().any(|c| NEVER_AUTOMATIC.contains(&c.name.as_str())) {
            Some("the message has a category that a person must answer")
        } else if earlier_never {
            Some("an earlier message of the case is not analysed or has a category that a person must answer")
        } else if case.status != CaseStatus::New || case.owner_id.is_some() {
            Some("a person is working on the case already")
        } else if let Some(reason) = self.contact_blocks_automation(case, now).await? {
            Some(reason)
        } else if message.auto_kind != AutoKind::None {
            Some("the message is itself automatic")
        } else if tx.count_outbound(case.id).await? > 0 {
            Some("the case has been answered before")
        } else {
            None
        };
        if let Some(reason) = blocked {
            return tx
                .append_audit(
                    NewAuditEvent::new(&Actor::System, "assist.auto_reply_blocked", "case", case.id, now).after(
                        serde_json::json!({"message_id": message.id, "category": rule.category, "reason": reason}),
                    ),
                )
                .await;
        }
        let contact = tx.contact(case.contact_id).await?.ok_or(CoreError::NotFound("contact"))?;
        let tone = textblocks::tone_for(Some(&contact.contact), &case.tags);
        if tone == Tone::Kind {
            return Ok(());
        }
        let language =
            if outcome.language == "und" { contact.contact.language.clone() } else { outcome.language.clone() };
        let blocks = self.store.text_blocks(None, None).await?;
        let variants: Vec<_> = blocks.iter().filter(|b| b.name == rule.text_block).collect();
        let Some(block) = textblocks::best_variant(&variants, &language, tone) else {
            return tx
                .append_audit(NewAuditEvent::new(&Actor::System, "assist.auto_reply_blocked", "case", case.id, now).after(
                    serde_json::json!({"message_id": message.id, "reason": "the rule's text block no longer exists"}),
                ))
                .await;
        };
        let mailbox = match case.mailbox_id {
            Some(id) => tx.mailbox(id).await?,
            None => tx.default_mailbox().await?,
        };
        let Some(mailbox) = mailbox else { return Ok(()) };
        let Some(to) = default_recipient(tx, case, Some(message)).await? else { return Ok(()) };
        let signer = mailbox.display_name.as_str();
        let values = textblocks::values_signed(case, Some(&contact.contact), signer, signer, Some(signer));
        let rendered = textblocks::render(&block.body, &values);
        if textblocks::placeholders(&rendered).iter().any(|p| PLACEHOLDERS.contains(p)) {
            return tx
                .append_audit(NewAuditEvent::new(&Actor::System, "assist.auto_reply_blocked", "case", case.id, now).after(
                    serde_json::json!({"message_id": message.id, "reason": "the text block has a placeholder without a value"}),
                ))
                .await;
        }
        let text = format!("{}\n\n{}", rendered.trim_end(), disclosure(&block.language));
        let reply = outbound_message(
            case,
            &mailbox,
            Some(message),
            Outgoing { to: vec![to.clone()], cc: Vec::new(), text: &text, author: None, now },
        );
        crate::service::queue_automatic(&mut *tx, &reply, &mailbox, now).await?;
        let before_case = case.clone();
        let before = case.status;
        // The contact's answer reopens the case into a person's inbox.
        case.status = CaseStatus::WaitingOnContact;
        case.waiting_since = None;
        case.last_message_at = now;
        case.preview = crate::case::preview_of(&reply.text_body);
        let mut tags = case.tags.clone();
        tags.push(AUTO_TAG.into());
        case.tags = normalise_tags(&tags);
        case.updated_at = now;
        crate::responsibility::save_case(self, &mut *tx, Some(&before_case), case, now).await?;
        tx.insert_suggestion(&Suggestion {
            id: SuggestionId::new(now),
            kind: SuggestionKind::AutoReply,
            case_id: case.id,
            message_id: Some(message.id),
            input_ref: format!("message:{}", message.id),
            producer: "auto-reply".into(),
            producer_version: version.to_string(),
            category: Some(rule.category.clone()),
            output: serde_json::json!({"text_block": rule.text_block, "reply_message_id": reply.id, "text": text}),
            confidence,
            outcome: Outcome::Pending,
            edit_distance: None,
            correction: None,
            decided_by: None,
            decided_at: None,
            created_at: now,
        })
        .await?;
        tx.append_audit(NewAuditEvent::new(&Actor::System, "message.auto_replied", "case", case.id, now).after(
            serde_json::json!({
                "message_id": reply.id,
                "in_reply_to": message.id,
                "category": rule.category,
                "confidence": confidence,
                "text_block": rule.text_block,
                "to": to,
                "status": {"before": before, "after": case.status},
            }),
        ))
        .await
    }
}
