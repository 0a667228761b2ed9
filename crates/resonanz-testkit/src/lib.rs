//! Test support: a fresh database per test on SQLite or PostgreSQL, a core on a fake clock, and
//! builders for realistic German test mails; a headless Chromium for the HTML pages (`browser`).
//!
//! PostgreSQL tests need `RESONANZ_TEST_PG_URL`, which `./scripts/test` sets after starting a
//! throw-away PostgreSQL server. Without it they fail with a message saying so: a test that
//! silently skipped would pass without testing anything.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use resonanz_core::FakeClock;
use resonanz_core::admin::NewMailbox;
use resonanz_core::service::{Core, CoreSettings};
use resonanz_core::user::{Actor, Role, User};
use resonanz_store::{SqlStore, StoreOptions};
use tempfile::TempDir;

pub mod browser;
pub mod mail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
}

pub fn pg_admin_url() -> String {
    std::env::var("RESONANZ_TEST_PG_URL").unwrap_or_else(|_| {
        panic!("RESONANZ_TEST_PG_URL is not set: run the tests with ./scripts/test, which starts PostgreSQL")
    })
}

impl TestDb {
    pub async fn new(db: Db) -> Self {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self { url, _dir: Some(dir) }
            }
            Db::Postgres => {
                let admin = pg_admin_url();
                let name = format!("rz_{}", uuid::Uuid::new_v4().simple());
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.unwrap();
                sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                Self { url: format!("{base}/{name}"), _dir: None }
            }
        }
    }
}

/// A migrated store and a core on a fake clock, with one agent and one mailbox.
pub struct TestCore {
    pub core: Core,
    pub store: Arc<SqlStore>,
    pub clock: FakeClock,
    pub agent: User,
    pub db: TestDb,
}

impl TestCore {
    pub async fn new(db: Db) -> Self {
        let db = TestDb::new(db).await;
        let store = Arc::new(SqlStore::connect(&db.url, StoreOptions::default()).await.unwrap());
        let clock = FakeClock::default_start();
        let core = Core::new(store.clone(), Arc::new(clock.clone()), CoreSettings::default());
        // A placeholder hash: tests that log in with a password make their own users.
        let agent = core
            .create_user(&Actor::System, "anna.agentin@resonanz.test", "Anna Agentin", Role::Agent, "!".into())
            .await
            .unwrap();
        core.add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Zuschauerservice".into(),
                address: "service@resonanz.test".into(),
                display_name: "Zuschauerservice".into(),
                signature: "Ihr Zuschauerservice".into(),
                is_default: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        Self { core, store, clock, agent, db }
    }
}

/// Runs an async test body against both backends: `db_test!(name, body_fn)` makes
/// `name::sqlite` and `name::postgres`, each calling `body_fn(Db::…)`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::Db::Postgres).await
            }
        }
    };
}
