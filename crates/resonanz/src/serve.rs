//! `resonanz serve` (web, worker and IMAP pollers in one process) and `resonanz worker`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use resonanz_core::service::Core;
use resonanz_core::user::{Actor, Role};
use tokio::sync::watch;

use crate::adapters::{SmtpTransport, parse_mail};
use crate::config::ServeArgs;

/// Creates the first administrator on an empty database and returns its one-time password.
pub async fn bootstrap_admin(core: &Core) -> anyhow::Result<Option<(String, String)>> {
    if core.store.count_users().await? > 0 {
        return Ok(None);
    }
    let password = crate::passwords::generate();
    let email = "admin@resonanz.local";
    core.create_user(&Actor::System, email, "Administrator", Role::Admin, crate::passwords::hash(&password)?)
        .await
        .context("creating the first administrator")?;
    Ok(Some((email.to_string(), password)))
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when the future
/// is first polled: a signal that arrives right after start-up is a graceful shutdown too, never the
/// default action that kills the process.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn start_background(
    core: &Core,
    args: &ServeArgs,
    with_worker: bool,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    if with_worker {
        tasks.push(tokio::spawn(crate::worker::run(core.clone(), Box::new(SmtpTransport), shutdown.clone())));
    }
    if args.no_imap {
        return tasks;
    }
    let core2 = core.clone();
    let limits = args.limits.clone();
    let shutdown2 = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        let mailboxes = match core2.store.mailboxes().await {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "cannot list mailboxes; IMAP polling is off");
                return;
            }
        };
        let mut pollers = Vec::new();
        for mb in mailboxes {
            let Some(url) = mb.imap_url.clone() else { continue };
            match resonanz_channels::imap::ImapSettings::from_url(&url) {
                Ok(settings) => {
                    tracing::info!(mailbox = %mb.name, "polling IMAP");
                    pollers.push(tokio::spawn(crate::imap_poll::run(
                        core2.clone(),
                        mb.id,
                        settings,
                        limits.max_mail_bytes,
                        Duration::from_secs(limits.imap_poll_seconds),
                        shutdown2.clone(),
                    )));
                }
                Err(e) => tracing::error!(mailbox = %mb.name, error = %e, "bad IMAP URL; not polling"),
            }
        }
        for p in pollers {
            let _ = p.await;
        }
    }));
    tasks
}

/// Tries the IMAP and SMTP settings of a mailbox, for the administration page.
pub fn check_mailbox() -> resonanz_web::ui::CheckMailbox {
    Arc::new(|mb: resonanz_core::outbound::Mailbox| {
        Box::pin(async move {
            let mut out = Vec::new();
            if let Some(url) = &mb.imap_url {
                let r = match resonanz_channels::imap::ImapSettings::from_url(url) {
                    Ok(s) => {
                        tokio::time::timeout(Duration::from_secs(20), resonanz_channels::imap::check_connection(&s))
                            .await
                            .map_err(|_| "timed out".to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()))
                    }
                    Err(e) => Err(e.to_string()),
                };
                out.push(("IMAP".to_string(), r));
            }
            if let Some(url) = &mb.smtp_url {
                let r = match resonanz_channels::smtp::SmtpSettings::from_url(url) {
                    Ok(s) => {
                        tokio::time::timeout(Duration::from_secs(20), resonanz_channels::smtp::check_connection(&s))
                            .await
                            .map_err(|_| "timed out".to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()))
                    }
                    Err(e) => Err(e.to_string()),
                };
                out.push(("SMTP".to_string(), r));
            }
            if out.is_empty() {
                out.push(("IMAP/SMTP".to_string(), Err("no server configured".to_string())));
            }
            out
        })
    })
}

/// The organisation's time zone from `--time-zone`.
fn time_zone(args: &ServeArgs) -> anyhow::Result<chrono_tz::Tz> {
    parse_time_zone(&args.time_zone)
}

/// An IANA time zone name, or a message that says what is expected.
pub fn parse_time_zone(name: &str) -> anyhow::Result<chrono_tz::Tz> {
    name.parse().map_err(|_| anyhow::anyhow!("unknown time zone {name:?}: use an IANA name such as Europe/Berlin"))
}

pub async fn serve(mut core: Core, args: ServeArgs, database_url: &str) -> anyhow::Result<()> {
    let tz = time_zone(&args)?;
    resonanz_web::ui::i18n::set_time_zone(tz);
    core.settings.time_zone = tz;
    crate::assist::init_analyzer(args.assist.assist_model.as_deref())?;
    if args.demo {
        match crate::demo::fill(&core).await? {
            Some(summary) => println!("{summary}"),
            None => println!("The database is not empty: no demonstration data added."),
        }
    }
    if let Some((email, password)) = bootstrap_admin(&core).await? {
        println!(
            "Created the first administrator.\n  login:    {email}\n  password: {password}\nThis password is shown once; change it after signing in."
        );
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    // Links in mails to contacts need an address they can reach: only an explicit one.
    core.settings.public_url = args.public_url.clone();
    let max = args.limits.max_mail_bytes;
    let mut ui = resonanz_web::ui::UiSettings::new(&public_url);
    ui.check_mailbox = check_mailbox();
    let hub = ui.live.clone();
    let drafts = Arc::new(crate::assist::DraftService::new(&args.assist)?);
    let index = drafts.index.clone();
    let state = resonanz_web::AppState {
        core: core.clone(),
        parse_mail: Arc::new(move |raw: &[u8]| parse_mail(raw, max)),
        max_mail_bytes: max,
        ui,
        drafts: Some(drafts),
    };
    let app = resonanz_web::router(state);
    let signalled = shutdown_signal();
    tracing::info!(%address, "listening");
    println!("Resonanz is listening on http://{address}");

    let (tx, rx) = watch::channel(false);
    let mut tasks = start_background(&core, &args, !args.no_worker, &rx);
    // Live updates: PostgreSQL wakes the tail by NOTIFY (and it polls each second in case a
    // notification was missed); SQLite is polled.
    let every = if database_url.starts_with("postgres") {
        resonanz_store::spawn_pg_listener(database_url.to_string(), hub.waker());
        Duration::from_secs(1)
    } else {
        Duration::from_millis(250)
    };
    tasks.push(tokio::spawn(resonanz_web::ui::live::run_tail(core.clone(), hub, every, rx.clone())));
    tasks.push(tokio::spawn(crate::assist::run_indexer(core.clone(), index, rx.clone())));
    let mut rx_http = rx.clone();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = rx_http.changed().await;
        });
    let signal = async move {
        signalled.await;
        tracing::info!("shutting down: finishing in-flight requests and jobs");
        let _ = tx.send(true);
    };
    let (served, ()) = tokio::join!(server, signal);
    served?;
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    Ok(())
}

pub async fn worker(mut core: Core, args: ServeArgs) -> anyhow::Result<()> {
    core.settings.time_zone = time_zone(&args)?;
    core.settings.public_url = args.public_url.clone();
    crate::assist::init_analyzer(args.assist.assist_model.as_deref())?;
    let (tx, rx) = watch::channel(false);
    let signalled = shutdown_signal();
    let tasks = start_background(&core, &args, true, &rx);
    signalled.await;
    let _ = tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    Ok(())
}
