//! The background worker: claims jobs from the database queue and runs them. Any number of workers
//! (in `serve` processes or alone) can share one database; correctness lives in the job table.

use std::time::Duration;

use anyhow::Context;
use resonanz_core::assist::Analyze;
use resonanz_core::jobs::{AnalyzeMessage, ClaimedJob, Job, JobOutcome, SendMail, SendSystemMail, backoff};
use resonanz_core::outbound::MailTransport;
use resonanz_core::service::Core;
use tokio::sync::watch;

use crate::adapters::Composer;

/// Runs one due job if there is one, with the process's analyser. Returns whether a job ran.
pub async fn run_one(core: &Core, transport: &dyn MailTransport) -> anyhow::Result<bool> {
    run_one_with(core, transport, crate::assist::analyzer().as_ref()).await
}

/// Runs one due job with the given analyser (tests pass their own).
pub async fn run_one_with(core: &Core, transport: &dyn MailTransport, analyzer: &dyn Analyze) -> anyhow::Result<bool> {
    let Some(job) = core.store.claim_job(core.clock.now()).await.context("claiming a job")? else {
        return Ok(false);
    };
    let outcome = match dispatch(core, transport, analyzer, &job).await {
        Ok(outcome) => outcome,
        // Storage trouble: try again later.
        Err(e) => JobOutcome::Retry(format!("{e:#}")),
    };
    let now = core.clock.now();
    match outcome {
        JobOutcome::Done => core.store.complete_job(job.id, now).await?,
        JobOutcome::Retry(err) if job.attempts < job.max_attempts => {
            tracing::warn!(job = %job.id, name = %job.name, attempt = job.attempts, error = %err, "job failed, will retry");
            core.store.retry_job(job.id, now + backoff(job.attempts), &err).await?
        }
        JobOutcome::Retry(err) | JobOutcome::Fail(err) => {
            tracing::error!(job = %job.id, name = %job.name, error = %err, "job failed for good");
            if job.name == SendMail::NAME
                && let Ok(j) = job.decode::<SendMail>()
            {
                core.give_up_outbox(j.outbox_id, &err).await?;
            }
            if job.name == AnalyzeMessage::NAME
                && let Ok(j) = job.decode::<AnalyzeMessage>()
            {
                core.analysis_gave_up(j.message_id, &err).await?;
            }
            core.store.fail_job(job.id, now, &err).await?
        }
    }
    Ok(true)
}

async fn dispatch(
    core: &Core,
    transport: &dyn MailTransport,
    analyzer: &dyn Analyze,
    job: &ClaimedJob,
) -> anyhow::Result<JobOutcome> {
    match job.name.as_str() {
        AnalyzeMessage::NAME => {
            let j: AnalyzeMessage = job.decode()?;
            // A failed analysis never blocks the message: it is stored already. Core records the
            // failure on the analysis (visible on the case); the job is retried with backoff.
            Ok(match core.analyze_message(j.message_id, analyzer).await {
                Ok(()) => JobOutcome::Done,
                Err(resonanz_core::CoreError::NotFound(what)) => JobOutcome::Fail(format!("{what} not found")),
                Err(e) => JobOutcome::Retry(e.to_string()),
            })
        }
        SendMail::NAME => {
            let j: SendMail = job.decode()?;
            Ok(core.deliver_outbox(j.outbox_id, &Composer, transport).await?)
        }
        SendSystemMail::NAME => {
            let j: SendSystemMail = job.decode()?;
            Ok(core.deliver_system_mail(&j, &Composer, transport).await?)
        }
        other => Ok(JobOutcome::Fail(format!("unknown job type {other}"))),
    }
}

/// Runs jobs until `shutdown` turns true. A job in progress is finished first; a job interrupted
/// by a crash is taken over by another worker when its lease ends.
/// How often the watcher runs: SLA warnings and breaches, handover reminders, unowned and
/// inactive cases, follow-ups that are due.
const TICK_EVERY: Duration = Duration::from_secs(60);

pub async fn run(core: Core, transport: Box<dyn MailTransport>, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("worker started");
    let mut last_tick: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if last_tick.is_none_or(|t| t.elapsed() >= TICK_EVERY) {
            last_tick = Some(std::time::Instant::now());
            match core.tick().await {
                Ok(r) if r != Default::default() => tracing::info!(report = ?r, "watcher"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "watcher failed"),
            }
        }
        match run_one(&core, transport.as_ref()).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "worker error"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!("worker stopped");
}
