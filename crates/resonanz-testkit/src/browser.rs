//! A real headless Chromium driven over WebDriver, for tests of the HTML pages: navigation,
//! screenshots, JavaScript, the browser's console log and an axe-core accessibility check.
//!
//! Every [`Browser`] starts its own `chromedriver` (on a free port) and, through it, Chromium with a
//! fresh profile in a temporary directory. Both are killed when the `Browser` is closed or dropped —
//! also when the test panics. Chromium and chromedriver come from the Debian packages `chromium` and
//! `chromium-driver`, which `./scripts/test` installs (`scripts/services.sh install`); without them
//! [`Browser::start`] fails with a message saying so. Nothing is downloaded at test time: axe-core is
//! vendored in `vendor/axe-core/`.
//!
//! WebDriver speaks plain HTTP to the local chromedriver, so fantoccini runs without any TLS backend.

use std::io::{BufRead, BufReader};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub use fantoccini;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The size of the viewport in CSS pixels.
pub const WINDOW_WIDTH: u32 = 1280;
pub const WINDOW_HEIGHT: u32 = 900;

/// Headless as root in a container, and quiet: no sandbox (root), no GPU, no /dev/shm (small in
/// containers), and none of the background connections to Google services, which fail noisily
/// without internet.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
];

/// axe-core, injected into the page under test by [`axe_check`]; see `vendor/axe-core/README.md`.
const AXE_SOURCE: &str = include_str!("../vendor/axe-core/axe.min.js");

const INSTALL_HINT: &str = "run the tests with ./scripts/test, which installs the Debian packages \
     chromium and chromium-driver (scripts/services.sh install)";

/// A headless Chromium with its own chromedriver and profile. Derefs to the fantoccini [`Client`].
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    /// Profile, `HOME` and crash-report directory of this browser; its path also identifies our
    /// Chromium processes when they are killed.
    dir: TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (viewport 1280×900, fresh profile). Panics with a
    /// hint to `./scripts/test` when chromedriver or Chromium is not installed.
    pub async fn start() -> Self {
        let driver_bin = program("RESONANZ_TEST_CHROMEDRIVER", &["chromedriver"]);
        let chromium_bin = program("RESONANZ_TEST_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let dir = tempfile::Builder::new().prefix("resonanz-browser-").tempdir().unwrap();
        let log = dir.path().join("chromedriver.log");

        // Its own process group: Chromium inherits it, so one signal reaches all of them (see `kill`).
        // HOME and XDG_*: Chromium's crash handler and caches write inside `dir`, not into ~/.config.
        use std::os::unix::process::CommandExt as _;
        let driver = Command::new(&driver_bin)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL_HINT}", driver_bin.display()));
        // From here on, a panic drops `browser`, which kills the processes.
        let mut browser = Self { client: None, driver, dir };

        let port = browser.driver_port(&log);
        let profile = browser.dir.path().join("profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium_bin, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "script": 30_000, "pageLoad": 30_000, "implicit": 0 },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("Chromium ({}) did not start: {e}\n{}", chromium_bin.display(), tail(&log)));
        browser.client = Some(client);
        browser.size_viewport().await;
        browser
    }

    /// Makes the viewport (what pages lay out in and screenshots show) 1280×900: new headless
    /// Chromium reserves room for browser UI it does not draw, so the window is made that much larger.
    async fn size_viewport(&self) {
        let extra = self.eval("return [outerWidth - innerWidth, outerHeight - innerHeight];").await;
        let extra = |i: usize| u32::try_from(extra[i].as_u64().unwrap_or(0)).unwrap_or(0);
        if extra(0) != 0 || extra(1) != 0 {
            self.client().set_window_size(WINDOW_WIDTH + extra(0), WINDOW_HEIGHT + extra(1)).await.unwrap();
        }
    }

    /// Reads the port chromedriver chose from its first lines of output.
    fn driver_port(&mut self, log: &Path) -> u16 {
        let stdout = self.driver.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining after the port is known, so chromedriver never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("chromedriver did not report its port\n{}", tail(log)));
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return rest.trim().trim_end_matches('.').parse().unwrap();
            }
        }
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the browser is running")
    }

    /// Navigates to `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client().goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Runs `body` as the body of a JavaScript function in the page and returns what it `return`s.
    /// Scripts run through WebDriver are not subject to the page's Content-Security-Policy.
    pub async fn eval(&self, body: &str) -> Value {
        self.client().execute(body, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Saves a PNG of the viewport as `target/screenshots/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client().screenshot().await.unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// The browser's console messages (and network and CSP errors, which Chromium logs there) since
    /// the last call.
    pub async fn console_log(&self) -> Vec<LogEntry> {
        let value = self.client().issue_cmd(BrowserLog).await.unwrap();
        serde_json::from_value(value).unwrap()
    }

    /// Ends the WebDriver session (Chromium shuts down normally), then makes sure every process is gone.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        // Drop kills whatever is left.
    }

    /// SIGKILL to every process of chromedriver's process group (chromedriver and Chromium) and to
    /// every process whose command line names our directory (Chromium's crash handler starts a
    /// session of its own), repeated until none is left. By pid only, never by name. chromedriver is
    /// reaped last, so until then its pid — the group id — cannot be reused.
    fn kill(&mut self) {
        let group = self.driver.id();
        for _ in 0..50 {
            let pids = processes_of(group, self.dir.path());
            if pids.is_empty() {
                break;
            }
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--"])
                .args(pids.iter().map(u32::to_string))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One message of the browser's console log.
#[derive(Debug, Clone, Deserialize)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO`, …
    pub level: String,
    pub message: String,
    /// `console-api`, `network`, `security`, `javascript`, …
    #[serde(default)]
    pub source: String,
}

/// chromedriver's `POST /session/{id}/se/log` (fantoccini has no command for it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }
    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// An accessibility rule the page breaks, as axe-core reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    pub description: String,
    pub help: String,
    pub help_url: String,
    pub nodes: Vec<ViolationNode>,
}

/// One element that breaks the rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViolationNode {
    /// CSS selectors leading to the element (one per frame or shadow root).
    pub target: Vec<String>,
    pub html: String,
    pub failure_summary: Option<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let impact = self.impact.as_deref().unwrap_or("unknown");
        writeln!(f, "{} ({impact}): {} — {}", self.id, self.description, self.help_url)?;
        for node in &self.nodes {
            writeln!(f, "    at {}: {}", node.target.join(" >>> "), node.html)?;
        }
        Ok(())
    }
}

/// Runs axe-core (vendored, injected into the page once per page load) on the current page and
/// returns its violations. Scripts run through WebDriver are not subject to the page's CSP, so this
/// works on pages that forbid inline and `eval`'d script.
pub async fn axe_check(client: &Client) -> Vec<Violation> {
    const VERSION: &str = "return typeof window.axe === 'object' ? window.axe.version : null;";
    let mut loaded = client.execute(VERSION, vec![]).await.unwrap();
    if loaded.is_null() {
        loaded = client
            .execute(&format!("{AXE_SOURCE}\n;{VERSION}"), vec![])
            .await
            .unwrap_or_else(|e| panic!("cannot inject axe-core: {e}"));
    }
    assert!(loaded.is_string(), "axe-core did not load: {loaded}");
    const RUN: &str = r#"
        const done = arguments[arguments.length - 1];
        const selector = t => Array.isArray(t) ? t.join(' >>> ') : String(t);
        axe.run(document, { resultTypes: ['violations'] }).then(
            r => done({ violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, description: v.description, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({ target: n.target.map(selector), html: n.html,
                                          failureSummary: n.failureSummary })),
            })) }),
            e => done({ error: String(e && e.stack || e) }));
    "#;
    let result = client.execute_async(RUN, vec![]).await.unwrap_or_else(|e| panic!("axe.run failed: {e}"));
    if let Some(error) = result.get("error") {
        panic!("axe.run failed: {error}");
    }
    serde_json::from_value(result["violations"].clone()).unwrap()
}

/// The violations with impact `serious` or `critical`.
pub fn serious_or_critical(violations: &[Violation]) -> Vec<&Violation> {
    violations.iter().filter(|v| matches!(v.impact.as_deref(), Some("serious" | "critical"))).collect()
}

/// Waits up to ten seconds for a JavaScript expression to be true on the page.
pub async fn wait_for(browser: &Browser, expression: &str) -> bool {
    for _ in 0..200 {
        if browser.eval(&format!("return !!({expression});")).await == json!(true) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Fails the test when axe finds a serious or critical violation on the page.
pub async fn assert_accessible(browser: &Browser, page: &str) {
    let violations = axe_check(browser).await;
    let serious = serious_or_critical(&violations);
    assert!(
        serious.is_empty(),
        "{page}: serious or critical accessibility violations:\n{}",
        serious.iter().map(|v| v.to_string()).collect::<String>()
    );
}

/// `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("screenshots")
}

/// The program named by the environment variable `var`, else the first of `names` on `PATH`.
fn program(var: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{} not found on PATH: {INSTALL_HINT}", names.join(" or ")))
}

/// Live processes (not zombies, not this one) in process group `group` or whose command line
/// contains `dir`.
fn processes_of(group: u32, dir: &Path) -> Vec<u32> {
    let needle = dir.as_os_str().as_encoded_bytes();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            // "PID (COMM) STATE PPID PGRP ..."; COMM may contain spaces and parentheses.
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
            let Some((_, rest)) = stat.rsplit_once(") ") else { return false };
            let fields: Vec<&str> = rest.split(' ').collect();
            if fields.first().is_none_or(|state| *state == "Z" || *state == "X") {
                return false;
            }
            fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group)
                || std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|cmd| cmd.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// The last lines of chromedriver's log, for failure messages.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(30);
    format!("--- last lines of {} ---\n{}", log.display(), lines[start..].join("\n"))
}
