//! Use cases on contacts: create, update (add addresses, preferences, organisation), list.

use crate::audit::NewAuditEvent;
use crate::contact::{
    AddressForm, Contact, ContactPatch, ContactView, Identity, IdentityKind, NewContact, check, parse_emails,
    validate_language,
};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::{ContactId, IdentityId};
use crate::service::{Core, Page};
use crate::user::Actor;

impl Core {
    pub async fn create_contact(&self, actor: &Actor, input: NewContact) -> CoreResult<ContactView> {
        let mut errors = Vec::new();
        let name = input.display_name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("display_name", "required", "a name is required"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new("display_name", "too_long", "at most 200 characters"));
        }
        let emails = parse_emails("emails", &input.emails, &mut errors);
        let form = parse_form(input.address_form.as_deref(), &mut errors);
        if let Some(lang) = &input.language {
            validate_language("language", lang, &mut errors);
        }
        self.check_organisation(input.organisation_id, &mut errors).await?;
        check(errors)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        for (i, e) in emails.iter().enumerate() {
            if tx.identity(IdentityKind::Email, e.as_str()).await?.is_some() {
                return Err(CoreError::invalid(
                    &format!("emails[{i}]"),
                    "taken",
                    format!("{e} already belongs to another contact"),
                ));
            }
        }
        let contact = Contact {
            id: ContactId::new(now),
            display_name: name,
            organisation_id: input.organisation_id,
            address_form: form.unwrap_or_default(),
            language: input.language.unwrap_or_else(|| "de".into()),
            notes: input.notes.unwrap_or_default(),
            attributes: crate::contact::validate_attributes(&input.attributes)?,
            created_at: now,
            updated_at: now,
        };
        tx.insert_contact(&contact).await?;
        let mut identities = Vec::new();
        for e in emails {
            let identity = new_email_identity(contact.id, e.to_string(), now);
            tx.insert_identity(&identity).await?;
            identities.push(identity);
        }
        let view = ContactView { contact, identities };
        tx.append_audit(NewAuditEvent::new(actor, "contact.created", "contact", view.contact.id, now).after(&view))
            .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn update_contact(&self, actor: &Actor, id: ContactId, patch: ContactPatch) -> CoreResult<ContactView> {
        let mut errors = Vec::new();
        if let Some(n) = &patch.display_name
            && n.trim().is_empty()
        {
            errors.push(FieldError::new("display_name", "required", "a name is required"));
        }
        let emails = parse_emails("add_emails", &patch.add_emails, &mut errors);
        let form = parse_form(patch.address_form.as_deref(), &mut errors);
        if let Some(lang) = &patch.language {
            validate_language("language", lang, &mut errors);
        }
        self.check_organisation(patch.organisation_id.flatten(), &mut errors).await?;
        check(errors)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let before = tx.contact(id).await?.ok_or(CoreError::NotFound("contact"))?;
        let mut contact = before.contact.clone();
        if let Some(n) = patch.display_name {
            contact.display_name = n.trim().to_string();
        }
        if let Some(f) = form {
            contact.address_form = f;
        }
        if let Some(l) = patch.language {
            contact.language = l;
        }
        if let Some(n) = patch.notes {
            contact.notes = n;
        }
        if let Some(a) = &patch.attributes {
            contact.attributes = crate::contact::validate_attributes(a)?;
        }
        if let Some(o) = patch.organisation_id {
            contact.organisation_id = o;
        }
        contact.updated_at = now;
        tx.update_contact(&contact).await?;
        for (i, e) in emails.into_iter().enumerate() {
            match tx.identity(IdentityKind::Email, e.as_str()).await? {
                Some(existing) if existing.contact_id == id => {}
                Some(_) => {
                    return Err(CoreError::invalid(
                        &format!("add_emails[{i}]"),
                        "taken",
                        format!("{e} already belongs to another contact"),
                    ));
                }
                None => tx.insert_identity(&new_email_identity(id, e.to_string(), now)).await?,
            }
        }
        let after = tx.contact(id).await?.ok_or(CoreError::NotFound("contact"))?;
        tx.append_audit(NewAuditEvent::new(actor, "contact.updated", "contact", id, now).before(&before).after(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn list_contacts(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<ContactId>,
    ) -> CoreResult<Page<ContactView>> {
        let limit = limit.clamp(1, 200);
        let mut items = self.store.list_contacts(query.filter(|q| !q.trim().is_empty()), limit + 1, after).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|c| c.contact.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

fn parse_form(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<AddressForm> {
    let raw = raw?;
    let form = AddressForm::parse(raw);
    if form.is_none() {
        errors.push(FieldError::new("address_form", "invalid", "expected 'formal' (Sie) or 'informal' (du)"));
    }
    form
}

fn new_email_identity(contact_id: ContactId, value: String, now: crate::Timestamp) -> Identity {
    Identity {
        id: IdentityId::new(now),
        contact_id,
        kind: IdentityKind::Email,
        value,
        failing_since: None,
        failure_reason: None,
        created_at: now,
    }
}
