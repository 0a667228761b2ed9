//! Resonanz storage: the only crate that knows SQL.
//!
//! One `SqlStore` serves SQLite and PostgreSQL through sqlx's `Any` driver; the backend is chosen at
//! run time from the database URL. Almost all SQL is shared; where the dialects truly differ (full
//! text search, job claiming, the migration files) the code branches in `dialect`.

mod assist;
mod dialect;
mod directory;
mod migrate;
mod reads;
mod responsibility;
mod rows;
mod seed;
mod tx;
mod workspace;

use std::str::FromStr;
use std::time::Duration;

use resonanz_core::CoreError;
use resonanz_core::store::Backend;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use migrate::{MIGRATIONS, Migration, migrations_for};
pub use seed::{FIRST_NAMES, LAST_NAMES, SeedOptions, TOPICS};

/// Storage on SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 8 }
    }
}

pub fn backend_of(url: &str) -> Result<Backend, CoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(CoreError::invalid("database_url", "unsupported", "the database URL must start with sqlite: or postgres:"))
    }
}

pub(crate) fn db_err(e: sqlx::Error) -> CoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return CoreError::Conflict(format!("already exists: {}", d.message()));
    }
    CoreError::Storage(anyhow::Error::new(e))
}

impl SqlStore {
    /// Connects and runs pending migrations.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, CoreError> {
        let store = Self::connect_without_migrating(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn connect_without_migrating(url: &str, options: StoreOptions) -> Result<Self, CoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let connect_options = AnyConnectOptions::from_str(url)
            .map_err(db_err)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let mut pool =
            AnyPoolOptions::new().max_connections(options.max_connections).acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers work while one writer writes; NORMAL sync is safe under WAL.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    // Reads of hot pages come from memory instead of a read() per page.
                    conn.execute("PRAGMA cache_size = -32000").await?;
                    conn.execute("PRAGMA mmap_size = 268435456").await?;
                    conn.execute("PRAGMA temp_store = MEMORY").await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(connect_options).await.map_err(db_err)?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every migration not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<usize, CoreError> {
        migrate::run(&self.pool, self.backend).await
    }

    /// Migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<usize, CoreError> {
        migrate::pending(&self.pool, self.backend).await
    }

    /// The underlying pool, for tests and benchmarks that need raw SQL.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Wakes `wake` whenever another process (or this one) changes something on PostgreSQL
/// (`NOTIFY resonanz_live`, sent by triggers). Reconnects after errors. SQLite has a single
/// writer process, so nothing is needed there: the live tail polls.
pub fn spawn_pg_listener(url: String, wake: std::sync::Arc<tokio::sync::Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen("resonanz_live").await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    } else {
                        while listener.recv().await.is_ok() {
                            wake.notify_one();
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot connect the live listener"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}
