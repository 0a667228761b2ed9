//! The command line: parses arguments, opens the database the same way for every subcommand, runs it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use resonanz_core::admin::NewMailbox;
use resonanz_core::clock::SystemClock;
use resonanz_core::service::{Core, CoreSettings};
use resonanz_core::user::{Actor, Role};
use resonanz_store::{SqlStore, StoreOptions};

use crate::config::{DbArgs, LimitArgs, ServeArgs};
use crate::directory_cmd::{self, OrganisationCommand, TeamCommand};
use crate::{bench, ingest_cmd, passwords, serve};

#[derive(Parser)]
#[command(name = "resonanz", version, about = "Resonanz — a human-centred communication CRM")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server with a background worker and IMAP polling.
    Serve(ServeArgs),
    /// Run only the background worker and IMAP polling.
    Worker(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Ingest mail from files, directories, mbox files or Maildirs; `-` reads one mail from stdin.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The mailbox (by name) the mail arrived in.
        #[arg(long)]
        mailbox: Option<String>,
        /// The organisation's time zone, as for `serve`: routing rules read its hour and weekday.
        #[arg(long, env = "RESONANZ_TIME_ZONE", default_value = "Europe/Berlin")]
        time_zone: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Teams (groups of users cases can be routed to).
    #[command(subcommand)]
    Team(TeamCommand),
    /// Organisations (companies and institutions contacts belong to).
    #[command(subcommand)]
    Organisation(OrganisationCommand),
    /// Mailboxes (sender addresses, IMAP and SMTP servers).
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Assist: analyse messages, evaluate and train the model (see docs/assist.md).
    #[command(subcommand)]
    Assist(crate::assist_cmd::AssistCommand),
    /// Benchmarks (see docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Show a case by id or reference (R-1234).
    Show {
        id: String,
        /// Print the same JSON as `GET /api/v1/cases/{id}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print a generated one-time password.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "agent")]
        role: String,
    },
}

#[derive(Subcommand)]
enum MailboxCommand {
    /// Add a mailbox.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
        #[arg(long, default_value = "")]
        display_name: String,
        #[arg(long, default_value = "")]
        signature: String,
        /// imap://user:password@host:port/INBOX or imaps://…
        #[arg(long)]
        imap_url: Option<String>,
        /// smtp://…, smtp+starttls://… or smtps://…
        #[arg(long)]
        smtp_url: Option<String>,
        #[arg(long)]
        default: bool,
    },
    /// List mailboxes.
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the audit trail.
    Verify,
}

pub async fn open(db: &DbArgs) -> anyhow::Result<Core> {
    let url = db.url()?;
    let store = SqlStore::connect(&url, StoreOptions::default()).await.context("opening the database")?;
    Ok(Core::new(Arc::new(store), Arc::new(SystemClock), CoreSettings::default()))
}

async fn find_case(core: &Core, id: &str) -> anyhow::Result<resonanz_core::ids::CaseId> {
    if let Some(c) = resonanz_core::ids::CaseId::parse(id) {
        return Ok(c);
    }
    let number = id.trim_start_matches("R-").trim_start_matches("r-");
    let Ok(n) = number.parse::<i64>() else { bail!("'{id}' is neither a case id nor a reference like R-1234") };
    match core.store.case_by_number(n).await? {
        Some(c) => Ok(c.id),
        None => bail!("no case {id}"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let core = open(&cli.db).await?;
            serve::serve(core, args, &cli.db.url()?).await?;
        }
        Command::Worker(args) => {
            let core = open(&cli.db).await?;
            serve::worker(core, args).await?;
        }
        Command::Migrate => {
            let url = cli.db.url()?;
            let store = SqlStore::connect_without_migrating(&url, StoreOptions::default()).await?;
            let n = store.migrate().await?;
            println!("applied {n} migration(s)");
        }
        Command::Ingest { paths, mailbox, time_zone, limits } => {
            let mut core = open(&cli.db).await?;
            core.settings.time_zone = crate::serve::parse_time_zone(&time_zone)?;
            let mailbox_id = match mailbox {
                Some(name) => Some(
                    core.store
                        .mailboxes()
                        .await?
                        .into_iter()
                        .find(|m| m.name == name)
                        .map(|m| m.id)
                        .with_context(|| format!("no mailbox named {name}"))?,
                ),
                None => None,
            };
            if !ingest_cmd::run(&core, &paths, mailbox_id, limits.max_mail_bytes).await? {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Case(CaseCommand::Show { id, json }) => {
            let core = open(&cli.db).await?;
            let id = find_case(&core, &id).await?;
            let detail = core.case_detail(id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&resonanz_web::case_detail_json(&core, detail).await?)?);
            } else {
                println!("{} [{}] {}", detail.reference, detail.case.status.as_str(), detail.case.subject);
                for m in &detail.messages {
                    let m = &m.message;
                    println!(
                        "--- {} {} {} {}",
                        m.created_at.to_rfc3339(),
                        m.direction.as_str(),
                        m.author_kind.as_str(),
                        m.from_addr.as_deref().unwrap_or("")
                    );
                    println!("{}", m.text_body);
                }
            }
        }
        Command::Token(TokenCommand::Create { user, name }) => {
            let core = open(&cli.db).await?;
            let u = core.store.user_by_email(&user.to_lowercase()).await?.with_context(|| format!("no user {user}"))?;
            println!("{}", core.create_token(&Actor::System, u.id, &name).await?);
        }
        Command::User(UserCommand::Create { email, name, role }) => {
            let core = open(&cli.db).await?;
            let role = Role::parse(&role).context("role must be admin, supervisor or agent")?;
            let password = passwords::generate();
            let user = core.create_user(&Actor::System, &email, &name, role, passwords::hash(&password)?).await?;
            println!("created {} ({})\npassword: {password}", user.email, user.role.as_str());
        }
        Command::Team(cmd) => directory_cmd::team(&open(&cli.db).await?, cmd).await?,
        Command::Organisation(cmd) => directory_cmd::organisation(&open(&cli.db).await?, cmd).await?,
        Command::Mailbox(MailboxCommand::Add {
            name,
            address,
            display_name,
            signature,
            imap_url,
            smtp_url,
            default,
        }) => {
            let core = open(&cli.db).await?;
            let mb = core
                .add_mailbox(
                    &Actor::System,
                    NewMailbox { name, address, display_name, signature, imap_url, smtp_url, is_default: default },
                )
                .await?;
            println!("added mailbox {} <{}> ({})", mb.name, mb.address, mb.id);
        }
        Command::Mailbox(MailboxCommand::List) => {
            let core = open(&cli.db).await?;
            for m in core.store.mailboxes().await? {
                println!(
                    "{}\t{}\t{}\timap:{}\tsmtp:{}{}",
                    m.id,
                    m.name,
                    m.address,
                    m.imap_url.is_some(),
                    m.smtp_url.is_some(),
                    if m.is_default { "\tdefault" } else { "" }
                );
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let core = open(&cli.db).await?;
            match core.verify_audit().await? {
                Ok(n) => println!("audit trail intact: {n} events verified"),
                Err(e) => {
                    eprintln!("audit trail BROKEN: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Assist(cmd) => return crate::assist_cmd::run(cmd, &cli.db).await,
        Command::Bench(cmd) => bench::run(cmd, &cli.db).await?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RESONANZ_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
