//! The command line against both databases: ingest (files, directories, mbox, Maildir, stdin),
//! case show, tokens, teams, organisations, audit verify.

use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, db_test};

use crate::support::{Bin, fixtures, json_lines};

async fn ingest_reports_one_line_per_mail_and_is_idempotent(db: Db) {
    let bin = Bin::new(db).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.eml"),
        RawMail::new("Erika Mustermann <erika@example.de>", "Frage zur Rechnung", "Hallo").bytes(),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.eml"), b"\x00\x01\x02 this is not a mail").unwrap();
    std::fs::copy(fixtures().join("three-messages.mbox"), dir.path().join("c.mbox")).unwrap();

    let out = bin.run(&["ingest", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5, "{lines:?}");
    let statuses: Vec<&str> = lines.iter().map(|l| l["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[0], "created");
    assert_eq!(statuses[1], "quarantined");
    assert!(lines[1]["reason"].as_str().unwrap().len() > 5);
    assert!(lines[2]["source"].as_str().unwrap().starts_with("mbox:"));
    for l in &lines {
        for key in ["source", "status", "case_id", "message_id", "contact_id", "reason"] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
    }

    // The same input again: nothing new is stored, not even the unreadable file (same bytes).
    let again = json_lines(&bin.run(&["ingest", dir.path().to_str().unwrap()]));
    let statuses: Vec<&str> = again.iter().map(|l| l["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["duplicate", "duplicate", "duplicate", "duplicate", "duplicate"]);
    assert_eq!(again[0]["case_id"], lines[0]["case_id"]);
    assert_eq!(again[1]["quarantine_id"], lines[1]["quarantine_id"]);

    // A path that does not exist is reported and makes the run fail; the rest is still ingested.
    let out = bin.run(&["ingest", "/nonexistent/mail.eml", dir.path().join("a.eml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let l = json_lines(&out);
    assert_eq!(l[0]["status"], "error");
    assert_eq!(l[1]["status"], "duplicate");
}
db_test!(ingest_reports_one_line_per_mail_and_is_idempotent, ingest_reports_one_line_per_mail_and_is_idempotent);

async fn stdin_maildir_and_case_show(db: Db) {
    let bin = Bin::new(db).await;
    let mail = RawMail::new(
        "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.de>",
        "Empfang gestört",
        "Seit gestern kein Bild.",
    );
    let out = bin.run_with_stdin(&["ingest", "-"], &mail.bytes());
    assert!(out.status.success());
    let first = &json_lines(&out)[0];
    assert_eq!(first["source"], "stdin");
    assert_eq!(first["status"], "created");

    let out = bin.run(&["ingest", fixtures().join("maildir").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(json_lines(&out).iter().all(|l| l["source"].as_str().unwrap().starts_with("maildir:")));

    let case_id = first["case_id"].as_str().unwrap();
    let out = bin.run(&["case", "show", case_id, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let case: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(case["id"], case_id);
    assert_eq!(case["subject"], "Empfang gestört");
    assert_eq!(case["status"], "new");
    assert!(case["owner"].is_null());
    assert_eq!(case["contact"]["display_name"], "Jürgen Müller");
    let m = &case["messages"][0];
    assert_eq!(m["direction"], "inbound");
    assert_eq!(m["author_kind"], "contact");
    assert_eq!(m["from"], "juergen@example.de");
    assert_eq!(m["to"][0], "service@resonanz.test");
    assert!(m["text_body"].as_str().unwrap().contains("Seit gestern kein Bild."));
    for key in ["cc", "subject", "date", "html_body", "attachments"] {
        assert!(m.get(key).is_some(), "{key}");
    }
    // By reference too.
    let reference = case["reference"].as_str().unwrap();
    let out = bin.run(&["case", "show", reference]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Empfang gestört"));

    let out = bin.run(&["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit trail intact"));
}
db_test!(stdin_maildir_and_case_show, stdin_maildir_and_case_show);

async fn user_and_token_creation(db: Db) {
    let bin = Bin::new(db).await;
    let out = bin.run(&["user", "create", "--email", "Berta@Resonanz.test", "--name", "Berta", "--role", "supervisor"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin.run(&["token", "create", "--user", "berta@resonanz.test"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("rz_") && token.len() > 40);
    let out = bin.run(&["token", "create", "--user", "nobody@resonanz.test"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));
    let out = bin.run(&["migrate"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0 migration"));
}
db_test!(user_and_token_creation, user_and_token_creation);

async fn teams_and_organisations(db: Db) {
    let bin = Bin::new(db).await;
    let stdout = |out: &std::process::Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    for email in ["anna@resonanz.test", "bernd@resonanz.test"] {
        assert!(bin.run(&["user", "create", "--email", email]).status.success());
    }
    let out = bin.run(&[
        "team",
        "create",
        "--name",
        "Technik",
        "--member",
        "Anna@Resonanz.test",
        "--member",
        "bernd@resonanz.test",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("created team Technik ("), "{}", stdout(&out));
    let out = bin.run(&["team", "create", "--name", "Leer", "--member", "nobody@resonanz.test"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no user nobody@resonanz.test"), "{}", stderr(&out));
    let out = bin.run(&["team", "create", "--name", "technik"]);
    assert!(stderr(&out).contains("name: a team with this name exists"), "{}", stderr(&out));
    let out = bin.run(&["team", "list"]);
    let lines: Vec<Vec<String>> = stdout(&out).lines().map(|l| l.split('\t').map(str::to_string).collect()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0][1..], ["Technik".to_string(), "anna@resonanz.test,bernd@resonanz.test".to_string()]);

    let out = bin.run(&["organisation", "create", "--name", "Stadtwerke Musterstadt", "--domain", "SW-Muster.de"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("created organisation Stadtwerke Musterstadt ("));
    assert!(bin.run(&["organisation", "create", "--name", "Bäckerei Korn"]).status.success());
    let out = bin.run(&["organisation", "create", "--name", "X", "--domain", "kein domain"]);
    assert!(stderr(&out).contains("domain: 'kein domain' is not a domain name"), "{}", stderr(&out));
    let out = bin.run(&["organisation", "list"]);
    let rows: Vec<Vec<String>> =
        stdout(&out).lines().map(|l| l.split('\t').skip(1).map(str::to_string).collect()).collect();
    assert_eq!(rows, vec![vec!["Stadtwerke Musterstadt", "sw-muster.de"], vec!["Bäckerei Korn", ""]]);
}
db_test!(teams_and_organisations, teams_and_organisations);

#[test]
fn the_data_directory_and_database_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("neu/daten");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_resonanz"))
        .env_remove("RESONANZ_DATABASE_URL")
        .arg("--data-dir")
        .arg(&data)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("resonanz.db")), 0o600);
}

/// A mistyped time zone stops `serve` at once with a message naming it, instead of showing wrong times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_an_unknown_time_zone() {
    let bin = Bin::new(Db::Sqlite).await;
    let out = bin.run(&["serve", "--listen", "127.0.0.1:0", "--time-zone", "Europe/Bärlin"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown time zone \"Europe/Bärlin\""), "{err}");
}

/// `ingest` takes the organisation's time zone like `serve` (routing rules read its hour and
/// weekday); a name that is not one stops it before anything is read.
async fn ingest_takes_the_time_zone(db: Db) {
    let bin = Bin::new(db).await;
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("a.eml");
    std::fs::write(&mail, RawMail::new("Ana <ana@example.de>", "Frage", "Hallo").bytes()).unwrap();
    let out = bin.run(&["ingest", "--time-zone", "Mars/Olympus", mail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone \"Mars/Olympus\""));
    assert!(json_lines(&out).is_empty(), "nothing was ingested");
    let out = bin.run(&["ingest", "--time-zone", "Pacific/Kiritimati", mail.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_lines(&out)[0]["status"], "created");
}
db_test!(ingest_takes_the_time_zone, ingest_takes_the_time_zone);
