//! Helpers: run the binary against a per-test database, find the fixture mails.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// `resonanz serve` on a free port against the test's database. Killed on drop if the test fails
/// before `stop`.
pub struct Server {
    child: Child,
    pub base: String,
    /// What the server printed up to the line with its address.
    pub startup_lines: Vec<String>,
}

impl Server {
    pub fn start(bin: &Bin) -> Self {
        let mut child = bin
            .cmd(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self { child, base: String::new(), startup_lines: Vec::new() };
        while server.base.is_empty() {
            let line = rx.recv_timeout(Duration::from_secs(60)).expect("serve printed its address");
            if let Some(address) = line.strip_prefix("Resonanz is listening on ") {
                server.base = address.trim().to_string();
            }
            server.startup_lines.push(line);
        }
        server
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let exit = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "serve did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(exit.success(), "graceful shutdown exits cleanly: {exit:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
