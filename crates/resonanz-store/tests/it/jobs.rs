//! The job table: claiming, retry with backoff, idempotency keys, leases, concurrent workers.

use std::collections::HashSet;

use resonanz_core::ids::OutboxId;
use resonanz_core::jobs::{NewJob, SendMail, backoff, lease};
use resonanz_core::store::Store;
use resonanz_testkit::{Db, TestCore, db_test};

async fn enqueue(t: &TestCore, n: usize) -> Vec<OutboxId> {
    let now = resonanz_core::Clock::now(&t.clock);
    let mut tx = t.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..n {
        let id = OutboxId::new(now);
        assert!(tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: id }, now)).await.unwrap());
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn claim_retry_and_complete(db: Db) {
    let t = TestCore::new(db).await;
    let now = || resonanz_core::Clock::now(&t.clock);
    enqueue(&t, 1).await;
    let job = t.store.claim_job(now()).await.unwrap().unwrap();
    assert_eq!(job.name, "send_mail");
    assert_eq!(job.attempts, 1);
    assert!(t.store.claim_job(now()).await.unwrap().is_none(), "a running job is not claimed twice");
    t.store.retry_job(job.id, now() + backoff(1), "SMTP 421").await.unwrap();
    assert!(t.store.claim_job(now()).await.unwrap().is_none(), "not due before its backoff");
    t.clock.advance(backoff(1));
    let again = t.store.claim_job(now()).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    t.store.complete_job(again.id, now()).await.unwrap();
    let c = t.store.job_counts().await.unwrap();
    assert_eq!((c.queued, c.running, c.done), (0, 0, 1));
}
db_test!(claim_retry_and_complete, claim_retry_and_complete);

async fn idempotency_key_enqueues_once_while_pending(db: Db) {
    let t = TestCore::new(db).await;
    let now = resonanz_core::Clock::now(&t.clock);
    let id = OutboxId::new(now);
    let mut tx = t.store.begin().await.unwrap();
    assert!(tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: id }, now)).await.unwrap());
    assert!(!tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: id }, now)).await.unwrap());
    tx.commit().await.unwrap();
    let job = t.store.claim_job(now).await.unwrap().unwrap();
    t.store.complete_job(job.id, now).await.unwrap();
    // Once finished, the same key may run again (a new, deliberate send).
    let mut tx = t.store.begin().await.unwrap();
    assert!(tx.enqueue_job(&NewJob::of(&SendMail { outbox_id: id }, now)).await.unwrap());
    tx.commit().await.unwrap();
}
db_test!(idempotency_key_enqueues_once_while_pending, idempotency_key_enqueues_once_while_pending);

async fn expired_lease_is_taken_over(db: Db) {
    let t = TestCore::new(db).await;
    enqueue(&t, 1).await;
    let now = resonanz_core::Clock::now(&t.clock);
    let job = t.store.claim_job(now).await.unwrap().unwrap();
    // The worker died: after the lease another worker takes the job.
    t.clock.advance(lease() + chrono::Duration::seconds(1));
    let taken = t.store.claim_job(resonanz_core::Clock::now(&t.clock)).await.unwrap().unwrap();
    assert_eq!(taken.id, job.id);
    assert_eq!(taken.attempts, 2);
}
db_test!(expired_lease_is_taken_over, expired_lease_is_taken_over);

async fn concurrent_workers_never_claim_the_same_job(db: Db) {
    let t = TestCore::new(db).await;
    enqueue(&t, 40).await;
    let now = resonanz_core::Clock::now(&t.clock);
    let mut handles = Vec::new();
    for _ in 0..4 {
        let store = t.store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = store.claim_job(now).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(unique.len(), 40);
}
db_test!(concurrent_workers_never_claim_the_same_job, concurrent_workers_never_claim_the_same_job);
