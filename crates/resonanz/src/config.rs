//! Configuration: one typed struct from command-line flags and `RESONANZ_*` environment variables,
//! with defaults that run on an empty machine. Every subcommand finds its database the same way.

use std::path::PathBuf;

use anyhow::Context;

#[derive(Clone, clap::Args)]
pub struct DbArgs {
    /// Directory for the embedded database and other state.
    #[arg(long, env = "RESONANZ_DATA_DIR", default_value = "./resonanz-data", global = true)]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; by default SQLite in the data directory.
    #[arg(long, env = "RESONANZ_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

/// The database URL holds a password: never print it.
impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl DbArgs {
    /// The database URL; for the SQLite default the data directory is created, readable by its
    /// owner only (the database holds mailbox credentials and personal data).
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        if !self.data_dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(&self.data_dir)
                .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        }
        let db = self.data_dir.join("resonanz.db");
        if !db.exists() {
            // Created here, not by SQLite, so that it is born with owner-only permissions.
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&db).with_context(|| format!("cannot create the database file {}", db.display()))?;
        }
        Ok(format!("sqlite://{}?mode=rwc", db.display()))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "RESONANZ_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Run no background worker in this process (run `resonanz worker` separately).
    #[arg(long, env = "RESONANZ_NO_WORKER")]
    pub no_worker: bool,
    /// Poll no IMAP mailboxes in this process (let one other process do it).
    #[arg(long, env = "RESONANZ_NO_IMAP")]
    pub no_imap: bool,
    /// The URL people reach Resonanz at (for links in mails); `https://` also marks cookies Secure.
    /// Defaults to `http://` and the listen address.
    #[arg(long, env = "RESONANZ_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The time zone pages show times in (an IANA name such as `Europe/Berlin`).
    #[arg(long, env = "RESONANZ_TIME_ZONE", default_value = "Europe/Berlin")]
    pub time_zone: String,
    /// Fill an empty database with a German demonstration: teams, people, text blocks, cases.
    #[arg(long, env = "RESONANZ_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub assist: AssistArgs,
}

/// Assist: the analysis model and the optional LLM for drafts.
#[derive(Clone, Default, clap::Args)]
pub struct AssistArgs {
    /// A model file written by `resonanz assist train`; by default the model shipped in the binary.
    #[arg(long, env = "RESONANZ_ASSIST_MODEL")]
    pub assist_model: Option<PathBuf>,
    /// Base URL of an OpenAI-compatible endpoint (e.g. `http://127.0.0.1:11434` for Ollama) for
    /// machine-written drafts. Off when not set. Personal data is replaced by placeholders first.
    #[arg(long, env = "RESONANZ_LLM_URL")]
    pub llm_url: Option<String>,
    /// The model name the endpoint serves.
    #[arg(long, env = "RESONANZ_LLM_MODEL", default_value = "llama3.1")]
    pub llm_model: String,
    /// Bearer token for the endpoint, if it wants one.
    #[arg(long, env = "RESONANZ_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<String>,
    /// Seconds to wait for a machine draft before showing the others without it.
    #[arg(long, env = "RESONANZ_LLM_TIMEOUT_SECONDS", default_value_t = 20)]
    pub llm_timeout_seconds: u64,
}

/// The API key is a secret: never print it.
impl std::fmt::Debug for AssistArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssistArgs")
            .field("assist_model", &self.assist_model)
            .field("llm_url", &self.llm_url)
            .field("llm_model", &self.llm_model)
            .field("llm_api_key", &self.llm_api_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Largest accepted mail in bytes; larger mails are quarantined.
    #[arg(long, env = "RESONANZ_MAX_MAIL_BYTES", default_value_t = 50 * 1024 * 1024)]
    pub max_mail_bytes: usize,
    /// Seconds between IMAP polls when the server has no IDLE.
    #[arg(long, env = "RESONANZ_IMAP_POLL_SECONDS", default_value_t = 60)]
    pub imap_poll_seconds: u64,
}
