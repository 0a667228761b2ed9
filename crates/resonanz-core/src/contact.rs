//! Contacts (one record per person), their identities (addresses they write from) and organisations.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::{CoreError, FieldError};
use crate::ids::{ContactId, IdentityId, OrganisationId};

/// An e-mail address, parsed at the edge and normalised: trimmed, lower-cased.
/// Lower-casing the local part is what every helpdesk does in practice: people do not
/// distinguish `Anna.Meyer@` from `anna.meyer@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
        let lower = trimmed.to_lowercase();
        let Some((local, domain)) = lower.rsplit_once('@') else {
            return Err(format!("'{trimmed}' is not an e-mail address (no @)"));
        };
        if local.is_empty() || domain.is_empty() || !domain.contains('.') && domain != "localhost" {
            return Err(format!("'{trimmed}' is not an e-mail address"));
        }
        if lower.len() > 254 || lower.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("'{trimmed}' is not an e-mail address"));
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Email,
    Phone,
    Handle,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Handle => "handle",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "email" => Self::Email,
            "phone" => Self::Phone,
            "handle" => Self::Handle,
            _ => return None,
        })
    }
}

/// One way to reach a person. `value` is normalised (e-mail: lower-case).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: IdentityId,
    pub contact_id: ContactId,
    pub kind: IdentityKind,
    pub value: String,
    /// Set when mail to this address bounced; cleared when the person writes from it again.
    pub failing_since: Option<Timestamp>,
    pub failure_reason: Option<String>,
    pub created_at: Timestamp,
}

/// Formal *Sie* or informal *du*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AddressForm {
    #[default]
    Formal,
    Informal,
}

impl AddressForm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Formal => "formal",
            Self::Informal => "informal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "formal" => Some(Self::Formal),
            "informal" => Some(Self::Informal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub display_name: String,
    pub organisation_id: Option<OrganisationId>,
    pub address_form: AddressForm,
    /// BCP 47 language tag, e.g. `de`.
    pub language: String,
    pub notes: String,
    /// Free attributes routing rules can read (`contact.vip`, `contact.age_group`): keys lower-case.
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The most attributes a contact carries, and their sizes.
pub const MAX_ATTRIBUTES: usize = 30;

/// Attributes: keys of letters, digits, `_` and `-` (lower-cased), values up to 200 characters.
pub fn validate_attributes(
    raw: &std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, CoreError> {
    if raw.len() > MAX_ATTRIBUTES {
        return Err(CoreError::invalid("attributes", "too_many", format!("at most {MAX_ATTRIBUTES} attributes")));
    }
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in raw {
        let key = k.trim().to_lowercase();
        let ok = !key.is_empty() && key.len() <= 40 && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(CoreError::invalid(
                "attributes",
                "invalid_key",
                format!("{k:?}: keys are 1 to 40 letters, digits, _ or -"),
            ));
        }
        if v.chars().count() > 200 {
            return Err(CoreError::invalid("attributes", "too_long", format!("{k}: at most 200 characters")));
        }
        // One line each: a line break would not survive the workspace's `key: value` form.
        if v.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "attributes",
                "control_character",
                format!("{k}: one line, no control characters"),
            ));
        }
        let value = v.trim();
        if !value.is_empty() {
            out.insert(key, value.to_string());
        }
    }
    Ok(out)
}

/// A company or institution contacts belong to. Organisations are never deleted, so a contact's
/// `organisation_id` checked once stays valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: Timestamp,
}

/// A contact with its identities, as read models show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactView {
    #[serde(flatten)]
    pub contact: Contact,
    pub identities: Vec<Identity>,
}

/// Input for creating a contact through the API or CLI.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub display_name: String,
    pub emails: Vec<String>,
    pub address_form: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
    pub organisation_id: Option<OrganisationId>,
    pub attributes: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub display_name: Option<String>,
    pub add_emails: Vec<String>,
    pub address_form: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
    /// Replaces all attributes when set.
    pub attributes: Option<std::collections::BTreeMap<String, String>>,
    /// `Some(None)` removes the contact from its organisation; `None` leaves it unchanged.
    pub organisation_id: Option<Option<OrganisationId>>,
}

pub(crate) fn validate_language(field: &str, lang: &str, errors: &mut Vec<FieldError>) {
    let ok = (2..=8).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        errors.push(FieldError::new(field, "invalid_language", "expected a language tag such as 'de' or 'en'"));
    }
}

pub(crate) fn parse_emails(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<EmailAddress> {
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        match EmailAddress::parse(e) {
            Ok(addr) if !out.contains(&addr) => out.push(addr),
            Ok(_) => {}
            Err(msg) => errors.push(FieldError::new(&format!("{field}[{i}]"), "invalid_email", msg)),
        }
    }
    out
}

pub(crate) fn check(errors: Vec<FieldError>) -> Result<(), CoreError> {
    if errors.is_empty() { Ok(()) } else { Err(CoreError::Invalid(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_case_insensitively() {
        let a = EmailAddress::parse("  <Anna.Meyer@Example.DE> ").unwrap();
        assert_eq!(a.as_str(), "anna.meyer@example.de");
        assert_eq!(a.domain(), "example.de");
    }

    #[test]
    fn email_without_at_or_domain_is_rejected() {
        assert!(EmailAddress::parse("anna").is_err());
        assert!(EmailAddress::parse("anna@").is_err());
        assert!(EmailAddress::parse("a b@example.de").is_err());
    }
}
