//! Use cases on organisations: create, list, look up, and the contacts that belong to one.

use crate::audit::NewAuditEvent;
use crate::contact::{ContactView, Organisation, check};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::OrganisationId;
use crate::service::{Core, Page};
use crate::user::Actor;

/// Longest organisation name, in characters (the same bound as contact names).
pub const MAX_NAME_CHARS: usize = 200;

/// Normalises a domain as typed by people: trimmed, lower-cased, without a trailing dot. Returns
/// `None` for something that does not look like a domain name. Letters beyond ASCII are allowed
/// because German company domains with umlauts exist (`müller.de`).
pub fn normalise_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    if d.is_empty() || d.len() > 253 {
        return None;
    }
    let labels: Vec<&str> = d.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    // A top-level domain is never all digits: that excludes IP addresses.
    let tld_ok = labels.last().is_some_and(|t| !t.chars().all(|c| c.is_ascii_digit()));
    (labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok).then_some(d)
}

impl Core {
    /// Creates an organisation. An empty `domain` counts as none.
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        name: &str,
        domain: Option<String>,
    ) -> CoreResult<Organisation> {
        let mut errors = Vec::new();
        let name = name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("name", "required", "an organisation needs a name"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name", "too_long", format!("at most {MAX_NAME_CHARS} characters")));
        }
        let domain = match domain.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(raw) => {
                let d = normalise_domain(raw);
                if d.is_none() {
                    errors.push(FieldError::new(
                        "domain",
                        "invalid_domain",
                        format!("'{raw}' is not a domain name such as 'example.de'"),
                    ));
                }
                d
            }
        };
        check(errors)?;
        let now = self.clock.now();
        let organisation = Organisation { id: OrganisationId::new(now), name, domain, created_at: now };
        let mut tx = self.store.begin().await?;
        tx.insert_organisation(&organisation).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "organisation.created", "organisation", organisation.id, now)
                .after(&organisation),
        )
        .await?;
        tx.commit().await?;
        Ok(organisation)
    }

    /// Organisations whose name or domain contains `query`, in creation order, paged like contacts.
    pub async fn list_organisations(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<OrganisationId>,
    ) -> CoreResult<Page<Organisation>> {
        let limit = limit.clamp(1, 200);
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        let mut items = self.store.list_organisations(query, limit + 1, after).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|o| o.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    pub async fn organisation(&self, id: OrganisationId) -> CoreResult<Organisation> {
        self.store.organisation(id).await?.ok_or(CoreError::NotFound("organisation"))
    }

    /// The first `limit` contacts of an organisation, in creation order.
    pub async fn organisation_contacts(&self, id: OrganisationId, limit: u32) -> CoreResult<Vec<ContactView>> {
        self.store.contacts_of_organisation(id, limit.clamp(1, 200)).await
    }

    /// Field error when `id` names no organisation. Organisations are never deleted, so checking
    /// before the write transaction cannot go stale; the foreign key is the backstop.
    pub(crate) async fn check_organisation(
        &self,
        id: Option<OrganisationId>,
        errors: &mut Vec<FieldError>,
    ) -> CoreResult<()> {
        if let Some(id) = id
            && self.store.organisation(id).await?.is_none()
        {
            errors.push(FieldError::new("organisation_id", "unknown_organisation", "no such organisation"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise_domain(" Example.DE. ").as_deref(), Some("example.de"));
        assert_eq!(normalise_domain("mail.müller-bau.de").as_deref(), Some("mail.müller-bau.de"));
    }

    #[test]
    fn things_that_are_not_domains_are_rejected() {
        for bad in ["example", "https://example.de", "a@example.de", "-x.de", "x..de", "10.0.0.1", "ex ample.de", ""] {
            assert_eq!(normalise_domain(bad), None, "{bad}");
        }
    }
}
