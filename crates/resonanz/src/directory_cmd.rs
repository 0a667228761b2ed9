//! `resonanz team …` and `resonanz organisation …`: creating and listing teams and organisations
//! from the command line. The operator acts as the system, so the role check of `create_team`
//! lets them through (whoever can run the binary against the database can do anything anyway).

use anyhow::Context;
use clap::Subcommand;
use resonanz_core::CoreError;
use resonanz_core::service::Core;
use resonanz_core::user::Actor;

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Create a team; --member may be given several times (users by e-mail address).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long = "member", value_name = "EMAIL")]
        members: Vec<String>,
    },
    /// List teams with their members.
    List,
}

#[derive(Subcommand)]
pub enum OrganisationCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        name: String,
        /// The organisation's mail domain, e.g. example.de.
        #[arg(long)]
        domain: Option<String>,
    },
    /// List organisations.
    List,
}

/// A core error as a message for people: field errors are spelled out instead of "invalid input".
fn explain(e: CoreError) -> anyhow::Error {
    match e {
        CoreError::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        ),
        other => other.into(),
    }
}

pub async fn team(core: &Core, cmd: TeamCommand) -> anyhow::Result<()> {
    match cmd {
        TeamCommand::Create { name, members } => {
            let mut ids = Vec::with_capacity(members.len());
            for email in &members {
                let user = core.store.user_by_email(&email.trim().to_lowercase()).await?;
                ids.push(user.with_context(|| format!("no user {email}"))?.id);
            }
            let team = core.create_team(&Actor::System, &name, &ids).await.map_err(explain)?;
            println!("created team {} ({}) with {} member(s)", team.team.name, team.team.id, team.member_ids.len());
        }
        TeamCommand::List => {
            let users = core.list_users().await?;
            for t in core.list_teams().await? {
                let emails: Vec<&str> = t
                    .member_ids
                    .iter()
                    .filter_map(|id| users.iter().find(|u| u.user.id == *id).map(|u| u.user.email.as_str()))
                    .collect();
                println!("{}\t{}\t{}", t.team.id, t.team.name, emails.join(","));
            }
        }
    }
    Ok(())
}

pub async fn organisation(core: &Core, cmd: OrganisationCommand) -> anyhow::Result<()> {
    match cmd {
        OrganisationCommand::Create { name, domain } => {
            let o = core.create_organisation(&Actor::System, &name, domain).await.map_err(explain)?;
            println!("created organisation {} ({})", o.name, o.id);
        }
        OrganisationCommand::List => {
            let mut after = None;
            loop {
                let page = core.list_organisations(None, 200, after).await?;
                for o in &page.items {
                    println!("{}\t{}\t{}", o.id, o.name, o.domain.as_deref().unwrap_or(""));
                }
                match page.items.last() {
                    Some(last) if page.next_cursor.is_some() => after = Some(last.id),
                    Some(_) | None => break,
                }
            }
        }
    }
    Ok(())
}
