//! Configuration: one typed struct from command-line flags and `RESONANZ_*` environment variables,
//! with defaults that run on an empty machine. Every subcommand finds its database the same way.

use std::path::PathBuf;

use anyhow::Context;

#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Directory for the embedded database and other state.
    #[arg(long, env = "RESONANZ_DATA_DIR", default_value = "./resonanz-data", global = true)]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; by default SQLite in the data directory.
    #[arg(long, env = "RESONANZ_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The database URL; for the SQLite default the data directory is created.
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        Ok(format!("sqlite://{}?mode=rwc", self.data_dir.join("resonanz.db").display()))
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
    #[command(flatten)]
    pub limits: LimitArgs,
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
