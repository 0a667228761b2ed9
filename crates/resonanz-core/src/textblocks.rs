//! Text blocks (Textbausteine): reusable answers with placeholders, in language and tone variants.
//!
//! Variants of one answer share a `name` and differ in language and tone (formal *Sie*, informal
//! *du*, or written for children). For a case the variant that fits the contact is chosen.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::clock::Timestamp;
use crate::contact::{AddressForm, Contact};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::TextBlockId;
use crate::service::Core;
use crate::user::{Actor, Role, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Formal address (*Sie*).
    Sie,
    /// Informal address (*du*).
    Du,
    /// Simple words for children (informal).
    Kind,
}

impl Tone {
    pub const ALL: [Tone; 3] = [Tone::Sie, Tone::Du, Tone::Kind];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sie => "sie",
            Self::Du => "du",
            Self::Kind => "kind",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextBlock {
    pub id: TextBlockId,
    /// Short handle typed after `::`, shared by the variants of one answer.
    pub name: String,
    pub category: String,
    pub language: String,
    pub tone: Tone,
    pub body: String,
    pub usage_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Every placeholder a text block may use.
pub const PLACEHOLDERS: [&str; 8] = [
    "contact.first_name",
    "contact.last_name",
    "contact.name",
    "case.reference",
    "case.subject",
    "agent.name",
    "agent.first_name",
    "team.name",
];

/// The mark a draft leaves where another person's data was removed from a past answer; a reply
/// that still contains it is refused like an unfilled placeholder.
pub const CHECK_PLACEHOLDER: &str = "prüfen";

/// The values placeholders are filled with.
pub type Values = BTreeMap<&'static str, String>;

/// Values for one case, contact and agent.
pub fn values(case: &crate::case::Case, contact: Option<&Contact>, agent: &User, team: Option<&str>) -> Values {
    values_signed(case, contact, &agent.display_name, agent.first_name(), team)
}

/// Values for one case and contact, signed by a name that need not be a person's (an automatic
/// reply signs with the mailbox's display name).
pub fn values_signed(
    case: &crate::case::Case,
    contact: Option<&Contact>,
    agent_name: &str,
    agent_first_name: &str,
    team: Option<&str>,
) -> Values {
    let name = contact.map(|c| c.display_name.clone()).unwrap_or_default();
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or_default().to_string();
    let last = words.last().map(str::to_string).unwrap_or_default();
    let mut v = Values::new();
    v.insert("contact.first_name", first);
    v.insert("contact.last_name", last);
    v.insert("contact.name", name);
    v.insert("case.reference", case.reference());
    v.insert("case.subject", case.subject.clone());
    v.insert("agent.name", agent_name.to_string());
    v.insert("agent.first_name", agent_first_name.to_string());
    v.insert("team.name", team.unwrap_or_default().to_string());
    v
}

/// The placeholders in a body, in order, as written (trimmed).
pub fn placeholders(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    out
}

/// Fills the placeholders. Unknown or empty ones stay visible as `{{name}}`, so that an agent sees
/// what is missing instead of sending a hole.
pub fn render(body: &str, values: &Values) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = after[..end].trim();
        match values.get(key).filter(|v| !v.is_empty()) {
            Some(v) => out.push_str(v),
            None => {
                out.push_str("{{");
                out.push_str(key);
                out.push_str("}}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The tone a contact should be written to.
pub fn tone_for(contact: Option<&Contact>, case_tags: &[String]) -> Tone {
    if case_tags.iter().any(|t| t == "kind" || t == "kinder") {
        return Tone::Kind;
    }
    match contact.map(|c| c.address_form) {
        Some(AddressForm::Informal) => Tone::Du,
        _ => Tone::Sie,
    }
}

/// Of several variants, the one closest to the wanted language and tone: language first (a German
/// answer to an English writer is worse than a formal one to a child), then tone, then German.
pub fn best_variant<'a>(variants: &[&'a TextBlock], language: &str, tone: Tone) -> Option<&'a TextBlock> {
    variants.iter().copied().max_by_key(|b| {
        let lang = if b.language == language {
            4
        } else if b.language == "de" {
            1
        } else {
            0
        };
        let t = if b.tone == tone {
            2
        } else if tone == Tone::Kind && b.tone == Tone::Du {
            1
        } else {
            0
        };
        (lang, t, std::cmp::Reverse(b.id))
    })
}

/// Input for creating or changing a text block.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TextBlockInput {
    pub name: String,
    pub category: String,
    pub language: String,
    pub tone: String,
    pub body: String,
}

fn validate(input: &TextBlockInput) -> CoreResult<(String, String, String, Tone, String)> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_lowercase();
    if name.is_empty() {
        errors.push(FieldError::new("name", "required", "a text block needs a name"));
    } else if name.chars().count() > 60 || !name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        errors.push(FieldError::new("name", "invalid_name", "letters, digits, - and _ only, at most 60"));
    }
    let category = input.category.trim().to_string();
    if category.is_empty() {
        errors.push(FieldError::new("category", "required", "choose or type a category"));
    }
    let language = input.language.trim().to_lowercase();
    if language.len() != 2 || !language.chars().all(|c| c.is_ascii_lowercase()) {
        errors.push(FieldError::new("language", "invalid_language", "a two-letter language code such as de"));
    }
    let tone = Tone::parse(input.tone.trim());
    if tone.is_none() {
        errors.push(FieldError::new("tone", "invalid_tone", "sie, du or kind"));
    }
    let body = input.body.trim().to_string();
    if body.is_empty() {
        errors.push(FieldError::new("body", "required", "the text is empty"));
    } else if body.chars().count() > 20_000 {
        errors.push(FieldError::new("body", "too_long", "at most 20,000 characters"));
    }
    for p in placeholders(&body) {
        if !PLACEHOLDERS.contains(&p) {
            errors.push(FieldError::new(
                "body",
                "unknown_placeholder",
                format!("unknown placeholder {{{{{p}}}}}; known are {}", PLACEHOLDERS.join(", ")),
            ));
            break;
        }
    }
    crate::contact::check(errors)?;
    Ok((name, category, language, tone.unwrap_or(Tone::Sie), body))
}

impl Core {
    async fn require_editor(&self, actor: &Actor) -> CoreResult<()> {
        self.require_role(actor, |r| r != Role::Agent, "only supervisors and admins edit text blocks").await
    }

    pub async fn create_text_block(&self, actor: &Actor, input: &TextBlockInput) -> CoreResult<TextBlock> {
        self.require_editor(actor).await?;
        let (name, category, language, tone, body) = validate(input)?;
        let now = self.clock.now();
        let block = TextBlock {
            id: TextBlockId::new(now),
            name,
            category,
            language,
            tone,
            body,
            usage_count: 0,
            created_at: now,
            updated_at: now,
        };
        if self
            .store
            .text_blocks(None, None)
            .await?
            .iter()
            .any(|b| b.name == block.name && b.language == block.language && b.tone == block.tone)
        {
            return Err(CoreError::invalid("name", "taken", "this name exists in this language and tone"));
        }
        let mut tx = self.store.begin().await?;
        tx.insert_text_block(&block).await?;
        tx.append_audit(NewAuditEvent::new(actor, "text_block.created", "text_block", block.id, now).after(&block))
            .await?;
        tx.commit().await?;
        Ok(block)
    }

    pub async fn update_text_block(
        &self,
        actor: &Actor,
        id: TextBlockId,
        input: &TextBlockInput,
    ) -> CoreResult<TextBlock> {
        self.require_editor(actor).await?;
        let before = self.store.text_block(id).await?.ok_or(CoreError::NotFound("text block"))?;
        let (name, category, language, tone, body) = validate(input)?;
        let now = self.clock.now();
        let block = TextBlock { name, category, language, tone, body, updated_at: now, ..before.clone() };
        if self
            .store
            .text_blocks(None, None)
            .await?
            .iter()
            .any(|b| b.id != id && b.name == block.name && b.language == block.language && b.tone == block.tone)
        {
            return Err(CoreError::invalid("name", "taken", "this name exists in this language and tone"));
        }
        let mut tx = self.store.begin().await?;
        tx.update_text_block(&block).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "text_block.updated", "text_block", id, now).before(&before).after(&block),
        )
        .await?;
        tx.commit().await?;
        Ok(block)
    }

    pub async fn delete_text_block(&self, actor: &Actor, id: TextBlockId) -> CoreResult<()> {
        self.require_editor(actor).await?;
        let before = self.store.text_block(id).await?.ok_or(CoreError::NotFound("text block"))?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.delete_text_block(id).await?;
        tx.append_audit(NewAuditEvent::new(actor, "text_block.deleted", "text_block", id, now).before(&before)).await?;
        tx.commit().await
    }

    /// Text blocks for a case, one per name (the variant fitting the contact), filled with the
    /// case's values, matching `query` by name first. At most `limit`.
    pub async fn text_blocks_for_case(
        &self,
        case_id: crate::ids::CaseId,
        agent: &User,
        query: &str,
        limit: usize,
    ) -> CoreResult<Vec<TextBlock>> {
        let case = self.store.case(case_id).await?.ok_or(CoreError::NotFound("case"))?;
        let contact = self.store.contact(case.contact_id).await?.map(|c| c.contact);
        let team = match case.team_id {
            Some(t) => self.store.teams().await?.into_iter().find(|x| x.id == t).map(|x| x.name),
            None => None,
        };
        let vals = values(&case, contact.as_ref(), agent, team.as_deref());
        let language = contact.as_ref().map(|c| c.language.clone()).unwrap_or_else(|| "de".into());
        let tone = tone_for(contact.as_ref(), &case.tags);
        let q = query.trim().to_lowercase();
        let all = self.store.text_blocks(None, None).await?;
        let mut by_name: BTreeMap<&str, Vec<&TextBlock>> = BTreeMap::new();
        for b in &all {
            by_name.entry(b.name.as_str()).or_default().push(b);
        }
        let mut picked: Vec<(u8, TextBlock)> = Vec::new();
        for (name, variants) in by_name {
            let rank = if q.is_empty() || name.starts_with(&q) {
                0
            } else if name.contains(&q) {
                1
            } else if variants
                .iter()
                .any(|v| v.category.to_lowercase().contains(&q) || v.body.to_lowercase().contains(&q))
            {
                2
            } else {
                continue;
            };
            if let Some(best) = best_variant(&variants, &language, tone) {
                let mut b = best.clone();
                b.body = render(&b.body, &vals);
                picked.push((rank, b));
            }
        }
        picked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.usage_count.cmp(&a.1.usage_count)).then(a.1.name.cmp(&b.1.name)));
        Ok(picked.into_iter().take(limit).map(|(_, b)| b).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, language: &str, tone: Tone, n: u128) -> TextBlock {
        TextBlock {
            id: TextBlockId(uuid::Uuid::from_u128(n)),
            name: name.into(),
            category: "Dank".into(),
            language: language.into(),
            tone,
            body: String::new(),
            usage_count: 0,
            created_at: Timestamp::default(),
            updated_at: Timestamp::default(),
        }
    }

    #[test]
    fn renders_known_placeholders_and_keeps_missing_ones_visible() {
        let mut v = Values::new();
        v.insert("contact.first_name", "Jana".into());
        v.insert("case.reference", "R-1001".into());
        v.insert("team.name", String::new());
        assert_eq!(
            render("Hallo {{ contact.first_name }}, zu {{case.reference}} ({{team.name}}) {{x}} {{offen", &v),
            "Hallo Jana, zu R-1001 ({{team.name}}) {{x}} {{offen"
        );
        assert_eq!(placeholders("a {{case.reference}} b {{ agent.name }}"), vec!["case.reference", "agent.name"]);
    }

    #[test]
    fn picks_the_variant_for_language_and_tone() {
        let de_sie = block("dank", "de", Tone::Sie, 1);
        let de_du = block("dank", "de", Tone::Du, 2);
        let en = block("dank", "en", Tone::Sie, 3);
        let all = [&de_sie, &de_du, &en];
        assert_eq!(best_variant(&all, "de", Tone::Du).unwrap().id, de_du.id);
        assert_eq!(best_variant(&all, "de", Tone::Kind).unwrap().id, de_du.id);
        assert_eq!(best_variant(&all, "en", Tone::Du).unwrap().id, en.id);
        assert_eq!(best_variant(&all, "tr", Tone::Sie).unwrap().id, de_sie.id);
        assert!(best_variant(&[], "de", Tone::Sie).is_none());
    }

    #[test]
    fn validation_rejects_unknown_placeholders_and_bad_names() {
        let ok = TextBlockInput {
            name: "Dank-Lob".into(),
            category: "Dank".into(),
            language: "de".into(),
            tone: "sie".into(),
            body: "Danke, {{contact.name}}!".into(),
        };
        assert_eq!(validate(&ok).unwrap().0, "dank-lob");
        let bad = TextBlockInput { body: "Hallo {{kunde.name}}".into(), ..ok.clone() };
        assert!(matches!(validate(&bad), Err(CoreError::Invalid(e)) if e[0].code == "unknown_placeholder"));
        let bad = TextBlockInput { name: "mit leerzeichen".into(), tone: "ihr".into(), ..ok };
        assert!(matches!(validate(&bad), Err(CoreError::Invalid(e)) if e.len() == 2));
    }
}
