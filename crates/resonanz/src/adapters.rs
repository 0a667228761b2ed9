//! Adapters from core's traits to the channels crate: MIME parsing, composing and SMTP.

use resonanz_channels::{mime, outgoing, smtp};
use resonanz_core::delivery::{MailComposer, OutgoingSpec};
use resonanz_core::mail::InboundMail;
use resonanz_core::outbound::{MailTransport, Mailbox, TransportError};

/// Parses raw mail with the size limit; the error text becomes the quarantine reason.
pub fn parse_mail(raw: &[u8], max_bytes: usize) -> Result<InboundMail, String> {
    mime::parse_mail(raw, &mime::ParseLimits { max_bytes }).map_err(|e| e.to_string())
}

pub struct Composer;

impl MailComposer for Composer {
    fn compose(&self, spec: &OutgoingSpec) -> Result<Vec<u8>, String> {
        outgoing::build_mail(spec).map_err(|e| e.to_string())
    }
}

/// Sends through the mailbox's SMTP server.
pub struct SmtpTransport;

#[async_trait::async_trait]
impl MailTransport for SmtpTransport {
    async fn send(
        &self,
        mailbox: &Mailbox,
        envelope_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), TransportError> {
        let Some(url) = &mailbox.smtp_url else {
            return Err(TransportError {
                permanent: false,
                message: format!("mailbox {} has no SMTP server configured", mailbox.name),
            });
        };
        let settings = smtp::SmtpSettings::from_url(url).map_err(|e| TransportError {
            permanent: false,
            message: format!("bad SMTP URL of mailbox {}: {e}", mailbox.name),
        })?;
        smtp::send_raw(&settings, envelope_from, recipients, raw)
            .await
            .map_err(|e| TransportError { permanent: e.permanent, message: e.message })
    }
}
