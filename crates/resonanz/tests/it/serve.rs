//! `resonanz serve` as a process: first start, health, the API over a real port, graceful SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, db_test};

use crate::support::Bin;

async fn serve_starts_bootstraps_answers_and_stops_on_sigterm(db: Db) {
    let bin = Bin::new(db).await;
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
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let (mut password, mut base) = (None, None);
    while base.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("serve printed its address");
        if let Some(p) = line.trim().strip_prefix("password:") {
            password = Some(p.trim().to_string());
        }
        if let Some(a) = line.strip_prefix("Resonanz is listening on ") {
            base = Some(a.trim().to_string());
        }
    }
    let base = base.unwrap();
    assert_eq!(password.unwrap().len(), 20, "a one-time admin password is printed on first start");
    if db == Db::Sqlite {
        assert!(bin.data_dir.path().join("resonanz.db").exists());
        assert!(bin.data_dir.path().join("resonanz.db-wal").exists(), "WAL mode");
    }

    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    let token = String::from_utf8(bin.run(&["token", "create", "--user", "admin@resonanz.local"]).stdout).unwrap();
    let token = token.trim();
    let unauth = http.get(format!("{base}/api/v1/cases")).send().await.unwrap();
    assert_eq!(unauth.status(), 401);
    let mail = RawMail::new("Paula <paula@example.de>", "Frage zur Mediathek", "Wo finde ich die Sendung?");
    let created = http.post(format!("{base}/api/v1/mail")).bearer_auth(token).body(mail.bytes()).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let list: serde_json::Value =
        http.get(format!("{base}/api/v1/cases")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"][0]["subject"], "Frage zur Mediathek");

    // A second start does not create another administrator.
    let status = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits cleanly: {exit:?}");
    let out = bin.run(&["audit", "verify"]);
    assert!(out.status.success());
}
db_test!(serve_starts_bootstraps_answers_and_stops_on_sigterm, serve_starts_bootstraps_answers_and_stops_on_sigterm);
