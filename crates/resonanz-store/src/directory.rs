//! SQL for organisations, and the user and team reads API clients need to assign and filter. Kept
//! apart from `reads.rs` and `tx.rs` so neither grows past a readable size; the `Store`/`Tx`
//! implementations delegate here.

use resonanz_core::contact::{ContactView, Organisation};
use resonanz_core::error::{CoreError, CoreResult};
use resonanz_core::ids::{ContactId, OrganisationId, TeamId, UserId};
use resonanz_core::user::User;
use sqlx::{AnyConnection, Row};

use crate::rows::{self, micros};
use crate::{SqlStore, db_err};

pub(crate) async fn insert_organisation(conn: &mut AnyConnection, o: &Organisation) -> CoreResult<()> {
    sqlx::query("INSERT INTO organisations (id, name, domain, created_at) VALUES ($1, $2, $3, $4)")
        .bind(o.id.to_string())
        .bind(o.name.clone())
        .bind(o.domain.clone())
        .bind(micros(o.created_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

fn parse_id<T>(row: &sqlx::any::AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> CoreResult<T> {
    let raw: String = row.try_get(col).map_err(db_err)?;
    parse(&raw).ok_or_else(|| CoreError::Storage(anyhow::anyhow!("{col} is not a UUID: {raw}")))
}

impl SqlStore {
    pub(crate) async fn organisation_by_id(&self, id: OrganisationId) -> CoreResult<Option<Organisation>> {
        let sql = format!("SELECT {} FROM organisations WHERE id = $1", rows::ORGANISATION_COLS);
        let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| rows::organisation(&r)).transpose().map_err(db_err)
    }

    pub(crate) async fn organisations_page(
        &self,
        query: Option<&str>,
        limit: u32,
        after: Option<OrganisationId>,
    ) -> CoreResult<Vec<Organisation>> {
        // Placeholders are numbered by position, so the optional parts are appended in order.
        let mut cond = Vec::new();
        let mut n = 0;
        let pattern = query.map(|q| format!("%{}%", q.trim().to_lowercase().replace(['%', '_'], "")));
        if pattern.is_some() {
            n += 1;
            cond.push(format!("(LOWER(name) LIKE ${n} OR domain LIKE ${n})"));
        }
        if after.is_some() {
            n += 1;
            cond.push(format!("id > ${n}"));
        }
        let where_ = if cond.is_empty() { String::new() } else { format!("WHERE {}", cond.join(" AND ")) };
        let sql =
            format!("SELECT {} FROM organisations {where_} ORDER BY id LIMIT ${}", rows::ORGANISATION_COLS, n + 1);
        let mut q = sqlx::query(&sql);
        if let Some(p) = pattern {
            q = q.bind(p);
        }
        if let Some(a) = after {
            q = q.bind(a.to_string());
        }
        let found = q.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_err)?;
        found.iter().map(rows::organisation).collect::<Result<_, _>>().map_err(db_err)
    }

    pub(crate) async fn organisation_contacts(&self, id: OrganisationId, limit: u32) -> CoreResult<Vec<ContactView>> {
        let ids = sqlx::query("SELECT id FROM contacts WHERE organisation_id = $1 ORDER BY id LIMIT $2")
            .bind(id.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let mut out = Vec::with_capacity(ids.len());
        for r in &ids {
            if let Some(v) = crate::reads::contact_view(&mut conn, parse_id(r, "id", ContactId::parse)?).await? {
                out.push(v);
            }
        }
        Ok(out)
    }

    pub(crate) async fn all_users(&self) -> CoreResult<Vec<User>> {
        let sql = format!("SELECT {} FROM users ORDER BY display_name, id", rows::USER_COLS);
        let found = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_err)?;
        found.iter().map(rows::user).collect::<Result<_, _>>().map_err(db_err)
    }

    pub(crate) async fn all_team_members(&self) -> CoreResult<Vec<(TeamId, UserId)>> {
        let found = sqlx::query("SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found
            .iter()
            .map(|r| Ok((parse_id(r, "team_id", TeamId::parse)?, parse_id(r, "user_id", UserId::parse)?)))
            .collect()
    }
}
