//! `resonanz serve` as a process: first start, health, the API over a real port, graceful SIGTERM.

use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, db_test};

use crate::support::{Bin, Server};

async fn serve_starts_bootstraps_answers_and_stops_on_sigterm(db: Db) {
    let bin = Bin::new(db).await;
    let server = Server::start(&bin);
    let password =
        server.startup_lines.iter().find_map(|l| l.trim().strip_prefix("password:").map(|p| p.trim().to_string()));
    let base = server.base.clone();
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

    server.stop();
    // A second start on the same database creates no second administrator.
    let again = Server::start(&bin);
    assert!(!again.startup_lines.iter().any(|l| l.contains("password:")), "{:?}", again.startup_lines);
    again.stop();
    let out = bin.run(&["audit", "verify"]);
    assert!(out.status.success());
}
db_test!(serve_starts_bootstraps_answers_and_stops_on_sigterm, serve_starts_bootstraps_answers_and_stops_on_sigterm);
