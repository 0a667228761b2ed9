//! Helpers: run the binary against a per-test database, find the fixture mails.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use resonanz_testkit::{Db, TestDb};

pub struct Bin {
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
    pub backend: Db,
}

impl Bin {
    pub async fn new(backend: Db) -> Self {
        Self { db: TestDb::new(backend).await, data_dir: tempfile::tempdir().unwrap(), backend }
    }

    /// A command for the binary that finds its database like every subcommand does: SQLite through
    /// `--data-dir`, PostgreSQL through `RESONANZ_DATABASE_URL`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_resonanz"));
        c.env_remove("RESONANZ_DATABASE_URL").env_remove("RESONANZ_DATA_DIR").env("RESONANZ_LOG", "warn");
        match self.backend {
            Db::Sqlite => {
                c.arg("--data-dir").arg(self.data_dir.path());
            }
            Db::Postgres => {
                c.env("RESONANZ_DATABASE_URL", &self.db.url);
            }
        }
        c.args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child =
            self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }
}

pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../resonanz-channels/tests/fixtures")
}
