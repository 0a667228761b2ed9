//! Live updates travel through the database, not between processes: on PostgreSQL two `serve`
//! processes share one database, a mail ingested through A's API and a colleague typing on A's
//! case page reach an event stream opened on B. On SQLite the same path in one process. Servers
//! with an open event stream still shut down cleanly, and the stream ends instead of breaking.

use std::time::Duration;

use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, db_test};

use crate::support::{Bin, Server, WebSession, create_token, create_user};

/// How long a live update may take to arrive (it takes ~1 s at worst: NOTIFY, or polling).
const WITHIN: Duration = Duration::from_secs(10);

async fn live_updates_travel_through_the_database(db: Db) {
    let bin = Bin::new(db).await;
    let a = Server::start(&bin);
    // PostgreSQL is the multi-process setup: B serves pages only, A also runs the worker and IMAP.
    let b = (db == Db::Postgres).then(|| Server::start_with(&bin, &["--no-worker", "--no-imap"]));
    let b_base = b.as_ref().map_or_else(|| a.base.clone(), |b| b.base.clone());
    if let Some(b) = &b {
        assert_ne!(a.base, b.base);
        assert!(!b.startup_lines.iter().any(|l| l.contains("password:")), "B creates no second administrator");
    }

    let token = create_token(&bin, "admin@resonanz.local");
    let watcher_password = create_user(&bin, "lena.watcher@resonanz.example", "Lena Watcher", "agent");
    let typist_password = create_user(&bin, "tom.typist@resonanz.example", "Tom Typist", "agent");

    // Lena signs in on B and keeps the event stream open; Tom works on A (with a stream of his own,
    // so A too has a browser to let go of at shutdown).
    let lena = WebSession::sign_in(&b_base, "lena.watcher@resonanz.example", &watcher_password).await;
    let mut on_b = lena.events().await;
    let tom = WebSession::sign_in(&a.base, "tom.typist@resonanz.example", &typist_password).await;
    let mut on_a = tom.events().await;

    // 1. A mail arrives through A's API: B's stream reports the new case.
    let mail = RawMail::new(
        "Greta Gans <greta.gans@example.de>",
        "Live über zwei Prozesse",
        "Guten Tag, erscheint diese Anfrage auch im anderen Prozess?",
    );
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/mail", a.base))
        .bearer_auth(&token)
        .body(mail.bytes())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let report: serde_json::Value = res.json().await.unwrap();
    let case_id = report["case_id"].as_str().expect("the ingest report names the case").to_string();
    let event = on_b.wait_for_case("case", &case_id, WITHIN).await.unwrap();
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap();
    assert!(data["summary"].as_str().is_some_and(|s| s.starts_with("R-")), "a summary with the reference: {data}");
    assert!(!event.data.contains("erscheint diese Anfrage"), "events carry ids and a summary, never content");
    on_a.wait_for_case("case", &case_id, WITHIN).await.unwrap();

    // 2. Tom starts typing on the case page on A: B's stream reports the presence change.
    let res = tom.post_form(&format!("/cases/{case_id}/presence"), &[("composing", "1")]).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    on_b.wait_for_case("presence", &case_id, WITHIN).await.unwrap();
    // Lena's fragment (what the script fetches on that event) names him as writing.
    let fragment = lena.get(&format!("/cases/{case_id}/presence")).await.text().await.unwrap();
    assert!(fragment.contains("Tom Typist"), "{fragment}");

    // 3. Both stop cleanly although browsers still have their streams open; the streams end
    //    properly (the hub closes them), they are not cut off.
    if let Some(b) = b {
        b.stop();
        on_b.wait_for_end(WITHIN).await.unwrap();
    }
    a.stop();
    on_a.wait_for_end(WITHIN).await.unwrap();
    if db == Db::Sqlite {
        on_b.wait_for_end(WITHIN).await.unwrap();
    }
}
db_test!(live_updates_travel_through_the_database, live_updates_travel_through_the_database);
