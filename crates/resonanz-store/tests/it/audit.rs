//! The audit chain: every change is recorded, the log refuses edits, and tampering is detected.

use resonanz_core::audit::ChainError;
use resonanz_core::mail::MailSource;
use resonanz_core::store::Backend;
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

async fn chain_verifies_and_detects_tampering(db: Db) {
    let t = TestCore::new(db).await;
    let src = MailSource { label: "t".into(), mailbox_id: None };
    for i in 0..5 {
        t.core
            .ingest_mail(
                &src,
                format!("{i}").as_bytes(),
                Ok(inbound(&format!("a{i}@example.de"), "A", "Hallo", "Text")),
            )
            .await
            .unwrap();
    }
    let n = t.core.verify_audit().await.unwrap().unwrap();
    assert!(n >= 15, "contacts, cases and messages are audited: {n}");

    // The log refuses updates and deletes through SQL.
    let upd = sqlx::query("UPDATE audit_log SET action = 'x' WHERE seq = 3").execute(t.store.pool()).await;
    assert!(upd.is_err());
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(t.store.pool()).await.is_err());

    // Someone with database rights removes the guard and edits history: verify finds it.
    let drop = match t.store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    sqlx::raw_sql(drop).execute(t.store.pool()).await.unwrap();
    sqlx::query("UPDATE audit_log SET after_json = '{\"forged\":true}' WHERE seq = 4")
        .execute(t.store.pool())
        .await
        .unwrap();
    assert_eq!(t.core.verify_audit().await.unwrap(), Err(ChainError::Tampered { seq: 4 }));
}
db_test!(chain_verifies_and_detects_tampering, chain_verifies_and_detects_tampering);

async fn concurrent_writers_keep_one_linear_chain(db: Db) {
    let t = TestCore::new(db).await;
    let mut handles = Vec::new();
    for w in 0..4 {
        let core = t.core.clone();
        handles.push(tokio::spawn(async move {
            let src = MailSource { label: "t".into(), mailbox_id: None };
            for i in 0..10 {
                core.ingest_mail(
                    &src,
                    format!("{w}-{i}").as_bytes(),
                    Ok(inbound(&format!("w{w}@example.de"), "W", "Parallel", "Text")),
                )
                .await
                .unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert!(t.core.verify_audit().await.unwrap().is_ok());
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(cases, 40);
    let numbers: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT number) FROM cases").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(numbers, 40);
}
db_test!(concurrent_writers_keep_one_linear_chain, concurrent_writers_keep_one_linear_chain);

async fn removing_the_newest_events_or_all_of_them_is_detected(db: Db) {
    let t = TestCore::new(db).await;
    let src = MailSource { label: "t".into(), mailbox_id: None };
    for i in 0..3 {
        let mail = inbound(&format!("b{i}@example.de"), "B", "Hallo", "Text");
        t.core.ingest_mail(&src, format!("{i}").as_bytes(), Ok(mail)).await.unwrap();
    }
    let head: i64 = sqlx::query_scalar("SELECT audit_seq FROM write_head").fetch_one(t.store.pool()).await.unwrap();
    if t.store.backend() == Backend::Postgres {
        // TRUNCATE bypasses row triggers; a statement trigger refuses it too.
        assert!(sqlx::raw_sql("TRUNCATE audit_log").execute(t.store.pool()).await.is_err());
    }
    let drop = match t.store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
        Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    sqlx::raw_sql(drop).execute(t.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(head - 2).execute(t.store.pool()).await.unwrap();
    assert_eq!(t.core.verify_audit().await.unwrap(), Err(ChainError::Truncated { last: head - 2, head }));
    sqlx::query("DELETE FROM audit_log").execute(t.store.pool()).await.unwrap();
    assert_eq!(t.core.verify_audit().await.unwrap(), Err(ChainError::Truncated { last: 0, head }));
}
db_test!(removing_the_newest_events_or_all_of_them_is_detected, removing_the_newest_events_or_all_of_them_is_detected);
