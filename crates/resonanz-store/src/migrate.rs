//! Embedded, append-only migrations: one folder per backend, applied in order at start-up.

use resonanz_core::CoreError;
use resonanz_core::store::Backend;
use sqlx::AnyPool;

use crate::db_err;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, in order. Add new ones at the end; never edit an applied one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "directory_indexes",
        sqlite: include_str!("../migrations/sqlite/0002_directory_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0002_directory_indexes.sql"),
    },
    Migration {
        version: 3,
        name: "workspace",
        sqlite: include_str!("../migrations/sqlite/0003_workspace.sql"),
        postgres: include_str!("../migrations/postgres/0003_workspace.sql"),
    },
    Migration {
        version: 4,
        name: "assist",
        sqlite: include_str!("../migrations/sqlite/0004_assist.sql"),
        postgres: include_str!("../migrations/postgres/0004_assist.sql"),
    },
    Migration {
        version: 5,
        name: "responsibility",
        sqlite: include_str!("../migrations/sqlite/0005_responsibility.sql"),
        postgres: include_str!("../migrations/postgres/0005_responsibility.sql"),
    },
    Migration {
        version: 6,
        name: "sla_checks",
        sqlite: include_str!("../migrations/sqlite/0006_sla_checks.sql"),
        postgres: include_str!("../migrations/postgres/0006_sla_checks.sql"),
    },
];

pub fn migrations_for(backend: Backend) -> impl Iterator<Item = (i64, &'static str)> {
    MIGRATIONS.iter().map(move |m| {
        (
            m.version,
            match backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            },
        )
    })
}

async fn ensure_table(pool: &AnyPool) -> Result<(), CoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn applied(pool: &AnyPool) -> Result<Vec<i64>, CoreError> {
    sqlx::query_scalar::<_, i64>("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .map_err(db_err)
}

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<usize, CoreError> {
    ensure_table(pool).await?;
    let done = applied(pool).await?;
    let mut count = 0;
    for m in MIGRATIONS {
        if done.contains(&m.version) {
            continue;
        }
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let mut tx = pool.begin().await.map_err(db_err)?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(db_err)?;
        // Another process may have applied it concurrently: the primary key then fails this
        // transaction and the schema stays as the other process left it.
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        count += 1;
    }
    Ok(count)
}

pub(crate) async fn pending(pool: &AnyPool, _backend: Backend) -> Result<usize, CoreError> {
    ensure_table(pool).await?;
    let done = applied(pool).await?;
    Ok(MIGRATIONS.iter().filter(|m| !done.contains(&m.version)).count())
}
