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
        Self::start_with(bin, &[])
    }

    /// `serve` with extra arguments (such as `--demo`).
    pub fn start_with(bin: &Bin, extra: &[&str]) -> Self {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child =
            bin.cmd(&args).stdout(Stdio::piped()).stderr(Stdio::null()).stdin(Stdio::null()).spawn().unwrap();
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

/// `resonanz user create`: a new user of a role; returns the generated password.
pub fn create_user(bin: &Bin, email: &str, name: &str, role: &str) -> String {
    let out = bin.run(&["user", "create", "--email", email, "--name", name, "--role", role]);
    assert!(out.status.success(), "user create: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("password:").map(|p| p.trim().to_string()))
        .unwrap_or_else(|| panic!("no password in {stdout:?}"))
}

/// `resonanz token create`: an API token of a user.
pub fn create_token(bin: &Bin, email: &str) -> String {
    let out = bin.run(&["token", "create", "--user", email]);
    assert!(out.status.success(), "token create: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The value of a `Set-Cookie` header with this name, if the response sets it.
fn set_cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The value of `attr="…"` after `after` in an HTML page.
fn attribute_after(html: &str, after: &str, attr: &str) -> Option<String> {
    let rest = &html[html.find(after)?..];
    let rest = &rest[rest.find(&format!("{attr}=\""))? + attr.len() + 2..];
    Some(rest[..rest.find('"')?].to_string())
}

/// A person signed in to the workspace over HTTP, as a browser does it: the login page's
/// double-submit token, the form, the session cookie, and the CSRF token of the pages.
pub struct WebSession {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    http: reqwest::Client,
}

impl WebSession {
    pub async fn sign_in(base: &str, email: &str, password: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(format!("{base}/login")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let pre = set_cookie_value(&page, "rz_pre").expect("the login page sets rz_pre");
        let html = page.text().await.unwrap();
        let csrf = attribute_after(&html, "name=\"_csrf\"", "value").expect("the login form has _csrf");
        assert_eq!(csrf, pre, "the form's token is the double-submit cookie's");
        let res = http
            .post(format!("{base}/login"))
            .header(reqwest::header::COOKIE, format!("rz_pre={pre}"))
            .form(&[("_csrf", csrf.as_str()), ("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "signing in as {email}: {:?}", res.text().await);
        let session = set_cookie_value(&res, "rz_session").expect("signing in sets rz_session");
        let mut me =
            Self { base: base.to_string(), cookie: format!("rz_session={session}"), csrf: String::new(), http };
        let inbox = me.get("/").await;
        assert_eq!(inbox.status(), 200);
        let html = inbox.text().await.unwrap();
        me.csrf = attribute_after(&html, "<body", "data-csrf").expect("pages carry data-csrf");
        me
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A state change as the page script sends it: form body, `X-CSRF-Token` header.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header("X-CSRF-Token", &self.csrf)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// `GET /events`, open until dropped.
    pub async fn events(&self) -> EventStream {
        let res = self
            .http
            .get(format!("{}/events", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let kind = res.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        EventStream { res, buf: Vec::new(), seen: Vec::new() }
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// An open `GET /events` response, read chunk by chunk.
pub struct EventStream {
    res: reqwest::Response,
    /// Bytes of events not complete yet (a chunk may end inside a character).
    buf: Vec<u8>,
    /// Every event read so far (for failure messages).
    pub seen: Vec<SseEvent>,
}

impl EventStream {
    /// Complete events in the buffer (keep-alive comments are skipped).
    fn drain(&mut self) -> Vec<SseEvent> {
        let mut out = Vec::new();
        while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = self.buf.drain(..end + 2).collect();
            let block = String::from_utf8_lossy(&block);
            let mut e = SseEvent { event: "message".into(), data: String::new() };
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    e.event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    e.data.push_str(v.trim_start());
                }
            }
            if !e.data.is_empty() {
                out.push(e);
            }
        }
        self.seen.extend(out.iter().cloned());
        out
    }

    /// Reads until an event of `kind` whose JSON data has `case_id` arrives, or `within` passes.
    pub async fn wait_for_case(&mut self, kind: &str, case_id: &str, within: Duration) -> Result<SseEvent, String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            for e in self.drain() {
                let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                if e.event == kind && data["case_id"] == case_id {
                    return Ok(e);
                }
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Err(_) => {
                    return Err(format!("no `{kind}` event for {case_id} within {within:?}; saw {:?}", self.seen));
                }
                Ok(Err(e)) => return Err(format!("the event stream failed: {e}; saw {:?}", self.seen)),
                Ok(Ok(None)) => return Err(format!("the event stream ended; saw {:?}", self.seen)),
                Ok(Ok(Some(bytes))) => self.buf.extend_from_slice(&bytes),
            }
        }
    }

    /// Reads until the server ends the stream properly (not a broken connection), within `within`.
    pub async fn wait_for_end(&mut self, within: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Err(_) => return Err(format!("the event stream was still open after {within:?}")),
                Ok(Err(e)) => return Err(format!("the event stream broke instead of ending: {e}")),
                Ok(Ok(None)) => return Ok(()),
                Ok(Ok(Some(bytes))) => {
                    self.buf.extend_from_slice(&bytes);
                    self.drain();
                }
            }
        }
    }
}
