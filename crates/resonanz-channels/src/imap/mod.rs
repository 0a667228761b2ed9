//! Fetching mail from an IMAP mailbox without losing any: unseen mails are read with
//! `BODY.PEEK[]` (reading does not mark them), and only marked or moved once the caller has
//! stored them. A crash in between leaves the mail unseen, so it is fetched again; ingest is
//! idempotent on the Message-ID.

mod stream;
mod utf7;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_imap::types::UnsolicitedResponse;
use futures::TryStreamExt;

use crate::server_url::{InvalidServerUrl, ServerUrl};
use stream::ImapStream;
use utf7::encode_mailbox_name;

/// How many messages one UID FETCH asks for, so a full mailbox is not one huge response.
const FETCH_BATCH: usize = 50;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Per command (one fetch batch counts as one); generous because batches can be large.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Clone, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    /// Implicit TLS (imaps).
    pub tls: bool,
    pub username: String,
    pub password: String,
    pub folder: String,
    /// Where processed mail goes; `None` marks it `\Seen` in place.
    pub move_to: Option<String>,
    pub accept_invalid_certs: bool,
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("folder", &self.folder)
            .field("move_to", &self.move_to)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

impl ImapSettings {
    /// `imap://user:pass@host[:port][/FOLDER][?move_to=Processed]` (plaintext, port 143) or
    /// `imaps://…` (implicit TLS, 993). The folder defaults to `INBOX`;
    /// `accept_invalid_certs=true` allows self-signed certificates.
    pub fn from_url(url: &str) -> Result<Self, InvalidServerUrl> {
        let url = ServerUrl::parse(url)?;
        let (tls, default_port) = match url.scheme.as_str() {
            "imap" => (false, 143),
            "imaps" => (true, 993),
            other => {
                return Err(InvalidServerUrl(format!("unknown scheme `{other}`, expected imap or imaps")));
            }
        };
        let username = url.username.clone().ok_or_else(|| InvalidServerUrl("an IMAP URL needs a user name".into()))?;
        let folder = url.path.trim_matches('/');
        Ok(Self {
            port: url.port.unwrap_or(default_port),
            tls,
            username,
            password: url.password.clone().unwrap_or_default(),
            folder: if folder.is_empty() { "INBOX".into() } else { folder.into() },
            move_to: url.query_value("move_to").filter(|f| !f.is_empty()).map(str::to_string),
            accept_invalid_certs: url
                .query_value("accept_invalid_certs")
                .is_some_and(|v| matches!(v, "true" | "1" | "yes")),
            host: url.host,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to IMAP server {0}")]
    Connect(String),
    #[error("IMAP login failed: {0}")]
    Login(String),
    #[error("IMAP {command} failed: {message}")]
    Command { command: &'static str, message: String },
    #[error("IMAP {0} timed out")]
    Timeout(&'static str),
}

fn command_error(command: &'static str) -> impl Fn(async_imap::error::Error) -> ImapError {
    move |e| ImapError::Command { command, message: e.to_string() }
}

async fn timed<T>(
    command: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut).await.map_err(|_| ImapError::Timeout(command))?
}

/// A logged-in session with the configured folder selected.
#[derive(Debug)]
pub struct ImapSession {
    session: async_imap::Session<ImapStream>,
    move_to: Option<String>,
    has_idle: bool,
    has_move: bool,
    has_uidplus: bool,
}

impl ImapSession {
    pub async fn connect(settings: &ImapSettings) -> Result<Self, ImapError> {
        let mut session = timed("connect", CONNECT_TIMEOUT, login(settings)).await?;
        let caps = timed("CAPABILITY", COMMAND_TIMEOUT, async {
            session.capabilities().await.map_err(command_error("CAPABILITY"))
        })
        .await?;
        let folder = encode_mailbox_name(&settings.folder);
        timed("SELECT", COMMAND_TIMEOUT, async { session.select(&folder).await.map_err(command_error("SELECT")) })
            .await?;
        let move_to = settings.move_to.as_deref().map(encode_mailbox_name);
        if let Some(target) = &move_to {
            timed("CREATE", COMMAND_TIMEOUT, ensure_folder(&mut session, target)).await?;
        }
        Ok(Self {
            session,
            move_to,
            has_idle: caps.has_str("IDLE"),
            has_move: caps.has_str("MOVE"),
            has_uidplus: caps.has_str("UIDPLUS"),
        })
    }

    /// Makes the session behave as if the server did not announce `capability` (`MOVE`,
    /// `UIDPLUS` or `IDLE`), so the fallback paths can be tested against a full server.
    #[doc(hidden)]
    pub fn pretend_server_lacks(&mut self, capability: &str) {
        match capability.to_ascii_uppercase().as_str() {
            "MOVE" => self.has_move = false,
            "UIDPLUS" => self.has_uidplus = false,
            "IDLE" => self.has_idle = false,
            _ => {}
        }
    }

    /// All unseen messages of the folder, oldest first, as raw bytes. Nothing is marked.
    pub async fn fetch_unseen(&mut self) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        let session = &mut self.session;
        // A selected mailbox's view only grows when the server syncs it; NOOP is the polling
        // command RFC 3501 names for that. Without it, mail that arrived since the last
        // command may be missing from the search (Dovecot behaves so).
        timed("NOOP", COMMAND_TIMEOUT, async { session.noop().await.map_err(command_error("NOOP")) }).await?;
        // What happened before this search is covered by it.
        while session.unsolicited_responses.try_recv().is_ok() {}
        let mut uids: Vec<u32> = timed("UID SEARCH", COMMAND_TIMEOUT, async {
            session.uid_search("UNSEEN").await.map_err(command_error("UID SEARCH"))
        })
        .await?
        .into_iter()
        .collect();
        uids.sort_unstable();
        let mut mails = Vec::with_capacity(uids.len());
        for batch in uids.chunks(FETCH_BATCH) {
            let set = batch.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let session = &mut self.session;
            let fetched = timed("UID FETCH", COMMAND_TIMEOUT, async {
                session
                    .uid_fetch(&set, "(UID BODY.PEEK[])")
                    .await
                    .map_err(command_error("UID FETCH"))?
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(command_error("UID FETCH"))
            })
            .await?;
            for fetch in &fetched {
                if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                    mails.push((uid, body.to_vec()));
                }
            }
        }
        mails.sort_by_key(|(uid, _)| *uid);
        Ok(mails)
    }

    /// Marks the message `\Seen`, and moves it to `move_to` when configured. Call only after
    /// the mail is safely stored.
    pub async fn mark_processed(&mut self, uid: u32) -> Result<(), ImapError> {
        let uid = uid.to_string();
        let session = &mut self.session;
        timed("UID STORE", COMMAND_TIMEOUT, async {
            session
                .uid_store(&uid, "+FLAGS.SILENT (\\Seen)")
                .await
                .map_err(command_error("UID STORE"))?
                .try_collect::<Vec<_>>()
                .await
                .map_err(command_error("UID STORE"))
        })
        .await?;
        let Some(target) = self.move_to.clone() else {
            return Ok(());
        };
        let (has_move, has_uidplus) = (self.has_move, self.has_uidplus);
        let session = &mut self.session;
        timed("UID MOVE", COMMAND_TIMEOUT, async {
            if has_move {
                return session.uid_mv(&uid, &target).await.map_err(command_error("UID MOVE"));
            }
            // RFC 6851's fallback: copy, flag the original deleted, expunge it.
            session.uid_copy(&uid, &target).await.map_err(command_error("UID COPY"))?;
            session
                .uid_store(&uid, "+FLAGS.SILENT (\\Deleted)")
                .await
                .map_err(command_error("UID STORE"))?
                .try_collect::<Vec<_>>()
                .await
                .map_err(command_error("UID STORE"))?;
            if has_uidplus {
                // Expunges only this message, not others someone flagged \Deleted.
                session
                    .uid_expunge(&uid)
                    .await
                    .map_err(command_error("UID EXPUNGE"))?
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(command_error("UID EXPUNGE"))?;
            } else {
                session
                    .expunge()
                    .await
                    .map_err(command_error("EXPUNGE"))?
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(command_error("EXPUNGE"))?;
            }
            Ok(())
        })
        .await
    }

    /// Waits until the server reports a change in the folder (IDLE), or `max` has passed.
    /// Servers without IDLE are simply waited on for `max`; the caller then polls again.
    pub async fn wait_for_change(self, max: Duration) -> Result<Self, ImapError> {
        let mut changed_meanwhile = false;
        while let Ok(response) = self.session.unsolicited_responses.try_recv() {
            changed_meanwhile |= matches!(response, UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_));
        }
        if changed_meanwhile {
            return Ok(self); // a mail arrived during our last commands
        }
        if !self.has_idle {
            tokio::time::sleep(max).await;
            return Ok(self);
        }
        let Self { session, move_to, has_idle, has_move, has_uidplus } = self;
        let mut idle = session.idle();
        timed("IDLE", COMMAND_TIMEOUT, async { idle.init().await.map_err(command_error("IDLE")) }).await?;
        {
            let (wait, _stop) = idle.wait_with_timeout(max);
            // The inner timeout restarts on every keep-alive line; this one bounds the total.
            // New data, the inner timeout and the outer one all end the wait the same way.
            if let Ok(Err(e)) = tokio::time::timeout(max, wait).await {
                return Err(command_error("IDLE")(e));
            }
        }
        let session =
            timed("DONE", COMMAND_TIMEOUT, async { idle.done().await.map_err(command_error("DONE")) }).await?;
        Ok(Self { session, move_to, has_idle, has_move, has_uidplus })
    }

    pub async fn logout(mut self) {
        let result = tokio::time::timeout(Duration::from_secs(10), self.session.logout()).await;
        if let Ok(Err(e)) = result {
            tracing::debug!(error = %e, "IMAP logout failed");
        }
    }
}

async fn login(settings: &ImapSettings) -> Result<async_imap::Session<ImapStream>, ImapError> {
    let address = format!("{}:{}", settings.host, settings.port);
    let stream = ImapStream::connect(&settings.host, settings.port, settings.tls, settings.accept_invalid_certs)
        .await
        .map_err(|e| ImapError::Connect(format!("{address}: {e}")))?;
    let mut client = async_imap::Client::new(stream);
    match client.read_response().await {
        Some(Ok(_greeting)) => {}
        Some(Err(e)) => return Err(ImapError::Connect(format!("{address}: {e}"))),
        None => {
            return Err(ImapError::Connect(format!("{address}: connection closed before the greeting")));
        }
    }
    client
        .login(&settings.username, &settings.password)
        .await
        .map_err(|(e, _client)| ImapError::Login(format!("as {}: {e}", settings.username)))
}

/// Creates the target folder unless it already exists.
async fn ensure_folder(session: &mut async_imap::Session<ImapStream>, folder: &str) -> Result<(), ImapError> {
    let exists = session
        .list(None, Some(folder))
        .await
        .map_err(command_error("LIST"))?
        .try_collect::<Vec<_>>()
        .await
        .map_err(command_error("LIST"))?
        .iter()
        .any(|name| name.name() == folder);
    if exists {
        return Ok(());
    }
    match session.create(folder).await {
        // Another worker (or a stale LIST) got there first: the folder is there, which is
        // all we wanted (RFC 5530 response code).
        Err(async_imap::error::Error::No(message)) if message.contains("ALREADYEXISTS") => Ok(()),
        other => other.map_err(command_error("CREATE")),
    }
}

/// Connects and logs in, to check settings before they are saved.
pub async fn check_connection(settings: &ImapSettings) -> Result<(), ImapError> {
    ImapSession::connect(settings).await?.logout().await;
    Ok(())
}

/// Stores `raw` in `folder` (as unseen). Used by tests and by tools that seed a mailbox.
pub async fn append(settings: &ImapSettings, folder: &str, raw: &[u8]) -> Result<(), ImapError> {
    let mut session = timed("connect", CONNECT_TIMEOUT, login(settings)).await?;
    let folder = encode_mailbox_name(folder);
    let result = timed("APPEND", COMMAND_TIMEOUT, async {
        session.append(&folder, None, None, raw).await.map_err(command_error("APPEND"))
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), session.logout()).await;
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_with_folder_and_move_target() {
        let s = ImapSettings::from_url("imap://support%40resonanz.test:secret@127.0.0.1:1143/INBOX?move_to=Processed")
            .unwrap();
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.port, 1143);
        assert!(!s.tls);
        assert_eq!(s.username, "support@resonanz.test");
        assert_eq!(s.password, "secret");
        assert_eq!(s.folder, "INBOX");
        assert_eq!(s.move_to.as_deref(), Some("Processed"));
    }

    #[test]
    fn imaps_defaults() {
        let s = ImapSettings::from_url("imaps://kunde:pw@mail.example.test").unwrap();
        assert!(s.tls);
        assert_eq!(s.port, 993);
        assert_eq!(s.folder, "INBOX");
        assert_eq!(s.move_to, None);
        assert!(ImapSettings::from_url("imaps://mail.example.test").is_err());
        assert!(ImapSettings::from_url("pop3://u:p@mail.example.test").is_err());
    }

    #[test]
    fn debug_redacts_password() {
        let s = ImapSettings::from_url("imap://u:streng-geheim@h").unwrap();
        assert!(!format!("{s:?}").contains("streng-geheim"));
    }
}
