//! Sending raw mail over SMTP (plain, STARTTLS or implicit TLS) with lettre, and telling the
//! caller whether a failure is worth retrying.

use std::fmt;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::server_url::{InvalidServerUrl, ServerUrl};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plaintext; for relays on the same host or a trusted network only.
    None,
    /// Plaintext upgraded with STARTTLS; refuses to go on if the server cannot upgrade.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    pub accept_invalid_certs: bool,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

impl SmtpSettings {
    /// `smtp://[user:pass@]host[:port]` (plaintext, port 25), `smtp+starttls://…` (587),
    /// `smtps://…` (implicit TLS, 465). User and password are percent-decoded.
    /// `?accept_invalid_certs=true` allows self-signed certificates.
    pub fn from_url(url: &str) -> Result<Self, InvalidServerUrl> {
        let url = ServerUrl::parse(url)?;
        let (tls, default_port) = match url.scheme.as_str() {
            "smtp" => (TlsMode::None, 25),
            "smtp+starttls" => (TlsMode::StartTls, 587),
            "smtps" => (TlsMode::Implicit, 465),
            other => {
                return Err(InvalidServerUrl(format!(
                    "unknown scheme `{other}`, expected smtp, smtp+starttls or smtps"
                )));
            }
        };
        Ok(Self {
            port: url.port.unwrap_or(default_port),
            accept_invalid_certs: url
                .query_value("accept_invalid_certs")
                .is_some_and(|v| matches!(v, "true" | "1" | "yes")),
            host: url.host,
            tls,
            username: url.username,
            password: url.password,
        })
    }
}

/// A failed SMTP attempt. `permanent` is set for 5xx answers: retrying will not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMTP {}: {message}", if *.permanent { "permanent failure" } else { "temporary failure" })]
pub struct SmtpError {
    pub permanent: bool,
    pub message: String,
}

impl SmtpError {
    fn config(message: impl Into<String>) -> Self {
        Self { permanent: true, message: message.into() }
    }

    fn from_lettre(error: &lettre::transport::smtp::Error) -> Self {
        let mut message = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Self { permanent: error.is_permanent(), message }
    }
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    let tls_parameters = || {
        TlsParameters::builder(settings.host.clone())
            .dangerous_accept_invalid_certs(settings.accept_invalid_certs)
            .dangerous_accept_invalid_hostnames(settings.accept_invalid_certs)
            .build_rustls()
            .map_err(|e| SmtpError::config(format!("TLS setup failed: {e}")))
    };
    let tls = match settings.tls {
        TlsMode::None => Tls::None,
        TlsMode::StartTls => Tls::Required(tls_parameters()?),
        TlsMode::Implicit => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone()).port(settings.port).tls(tls);
    if let Some(user) = &settings.username {
        builder = builder.credentials(Credentials::new(user.clone(), settings.password.clone().unwrap_or_default()));
    }
    Ok(builder.build())
}

/// Sends `raw` unchanged to `recipients`, with `envelope_from` as the return path.
pub async fn send_raw(
    settings: &SmtpSettings,
    envelope_from: &str,
    recipients: &[String],
    raw: &[u8],
) -> Result<(), SmtpError> {
    let from = if envelope_from.trim().is_empty() {
        None // the null return path `<>`, as for bounces
    } else {
        Some(parse_address(envelope_from)?)
    };
    let to = recipients.iter().map(|r| parse_address(r)).collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(from, to).map_err(|e| SmtpError::config(format!("invalid envelope: {e}")))?;
    // lettre always ends DATA with `\r\n.\r\n`; the RFC 5321 terminator's first CRLF is the
    // end of the last line, so without this the recipient would get one empty line more
    // than we stored as sent.
    let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
    transport(settings)?.send_raw(&envelope, raw).await.map(|_| ()).map_err(|e| SmtpError::from_lettre(&e))
}

/// Connects, greets and authenticates, so a configuration can be checked before it is saved.
pub async fn check_connection(settings: &SmtpSettings) -> Result<(), SmtpError> {
    match transport(settings)?.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(SmtpError { permanent: false, message: "the server did not answer NOOP".into() }),
        Err(e) => Err(SmtpError::from_lettre(&e)),
    }
}

fn parse_address(address: &str) -> Result<lettre::Address, SmtpError> {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .parse()
        .map_err(|e| SmtpError::config(format!("invalid address `{address}`: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_schemes_and_default_ports() {
        let plain = SmtpSettings::from_url("smtp://localhost").unwrap();
        assert_eq!((plain.tls, plain.port), (TlsMode::None, 25));
        assert_eq!(plain.username, None);
        let starttls = SmtpSettings::from_url("smtp+starttls://u:p@mail.example.test").unwrap();
        assert_eq!((starttls.tls, starttls.port), (TlsMode::StartTls, 587));
        let smtps =
            SmtpSettings::from_url("smtps://u%40firma.de:g%C3%A4heim@mail.example.test:2465?accept_invalid_certs=true")
                .unwrap();
        assert_eq!((smtps.tls, smtps.port), (TlsMode::Implicit, 2465));
        assert_eq!(smtps.username.as_deref(), Some("u@firma.de"));
        assert_eq!(smtps.password.as_deref(), Some("gäheim"));
        assert!(smtps.accept_invalid_certs);
        assert!(SmtpSettings::from_url("http://x").is_err());
    }

    #[test]
    fn debug_redacts_password() {
        let settings = SmtpSettings::from_url("smtp://resonanz:supergeheim@localhost").unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("supergeheim"), "{debug}");
        assert!(debug.contains("[redacted]"));
    }
}
