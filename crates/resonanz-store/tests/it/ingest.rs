//! Ingest through core into the store: creation, threading, idempotency, identities, quarantine.

use resonanz_core::ingest::IngestStatus;
use resonanz_core::mail::{InboundAttachment, MailAddress, MailSource};
use resonanz_core::message::{AuthorKind, AutoKind, Direction};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

fn src() -> MailSource {
    MailSource { label: "test".into(), mailbox_id: None }
}

async fn new_mail_opens_case_and_reply_threads(db: Db) {
    let t = TestCore::new(db).await;
    let first =
        inbound("Anna.Meyer@Example.de", "Anna Meyer", "Frage zur Rechnung", "Hallo, meine Rechnung ist zu hoch.");
    let r1 = t.core.ingest_mail(&src(), b"raw1", Ok(first.clone())).await.unwrap();
    assert_eq!(r1.status, IngestStatus::Created);
    let case_id = r1.case_id.unwrap();

    // The same address in other case is the same contact; In-Reply-To threads into the case.
    let mut reply = inbound("anna.meyer@example.de", "Anna", "AW: Frage zur Rechnung", "Nachtrag: Kundennummer 4711.");
    reply.in_reply_to = vec![first.message_id.clone().unwrap()];
    let r2 = t.core.ingest_mail(&src(), b"raw2", Ok(reply)).await.unwrap();
    assert_eq!(r2.status, IngestStatus::Appended);
    assert_eq!(r2.case_id, Some(case_id));
    assert_eq!(r2.contact_id, r1.contact_id);

    // References only (no In-Reply-To) also thread.
    let mut via_refs = inbound("anna.meyer@example.de", "Anna", "Noch was", "Und noch eine Frage.");
    via_refs.references = vec!["unknown@elsewhere".into(), first.message_id.clone().unwrap()];
    let r3 = t.core.ingest_mail(&src(), b"raw3", Ok(via_refs)).await.unwrap();
    assert_eq!(r3.case_id, Some(case_id));

    let detail = t.core.case_detail(case_id).await.unwrap();
    assert_eq!(detail.messages.len(), 3);
    assert!(detail.messages.iter().all(|m| m.message.direction == Direction::Inbound));
    assert!(detail.messages.iter().all(|m| m.message.author_kind == AuthorKind::Contact));
    let contact = detail.contact.unwrap();
    assert_eq!(contact.contact.display_name, "Anna Meyer");
    assert_eq!(contact.identities.len(), 1);
    assert_eq!(contact.identities[0].value, "anna.meyer@example.de");
    assert!(detail.events.iter().any(|e| e.action == "case.created"));
}
db_test!(new_mail_opens_case_and_reply_threads, new_mail_opens_case_and_reply_threads);

async fn subject_token_threads_and_reopens(db: Db) {
    let t = TestCore::new(db).await;
    let r1 = t
        .core
        .ingest_mail(&src(), b"a", Ok(inbound("kunde@example.de", "K", "Lieferung", "Wo bleibt sie?")))
        .await
        .unwrap();
    let case_id = r1.case_id.unwrap();
    let case = t
        .core
        .update_case(
            case_id,
            &resonanz_core::user::Actor::System,
            resonanz_core::service::CasePatch {
                status: Some(resonanz_core::case::CaseStatus::Resolved),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let token = format!("AW: Lieferung [#{}]", case.reference());
    // Someone else who types the token does not write into this case: a new case opens.
    let stranger =
        t.core.ingest_mail(&src(), b"s", Ok(inbound("fremd@example.org", "Fremd", &token, "Ich auch!"))).await.unwrap();
    assert_eq!(stranger.status, IngestStatus::Created);
    assert_ne!(stranger.case_id, Some(case_id));
    // The contact's reply without headers (a new mail client, a forward) threads by the token.
    let r2 = t
        .core
        .ingest_mail(&src(), b"b", Ok(inbound("KUNDE@example.de", "K", &token, "Ist angekommen.")))
        .await
        .unwrap();
    assert_eq!(r2.status, IngestStatus::Appended);
    assert_eq!(r2.case_id, Some(case_id));
    let case = t.store.case_by_number_for_test(case.number).await;
    assert_eq!(case.status, resonanz_core::case::CaseStatus::Open, "a resolved case reopens when the contact writes");
    // An unknown token opens a new case.
    let r3 =
        t.core.ingest_mail(&src(), b"c", Ok(inbound("kunde@example.de", "K", "Re: [#R-999999]", "?"))).await.unwrap();
    assert_eq!(r3.status, IngestStatus::Created);
}
db_test!(subject_token_threads_and_reopens, subject_token_threads_and_reopens);

trait CaseByNumber {
    async fn case_by_number_for_test(&self, n: i64) -> resonanz_core::case::Case;
}
impl CaseByNumber for std::sync::Arc<resonanz_store::SqlStore> {
    async fn case_by_number_for_test(&self, n: i64) -> resonanz_core::case::Case {
        use resonanz_core::store::Store;
        self.case_by_number(n).await.unwrap().unwrap()
    }
}

async fn same_mail_twice_is_stored_once(db: Db) {
    let t = TestCore::new(db).await;
    let mail = inbound("a@example.de", "A", "Hallo", "Text");
    let r1 = t.core.ingest_mail(&src(), b"x", Ok(mail.clone())).await.unwrap();
    let r2 = t.core.ingest_mail(&src(), b"x", Ok(mail)).await.unwrap();
    assert_eq!(r2.status, IngestStatus::Duplicate);
    assert_eq!(r2.message_id, r1.message_id);
    assert_eq!(t.core.case_detail(r1.case_id.unwrap()).await.unwrap().messages.len(), 1);

    // Without a Message-ID the raw bytes identify the mail.
    let mut no_id = inbound("a@example.de", "A", "Ohne ID", "Text");
    no_id.message_id = None;
    let a = t.core.ingest_mail(&src(), b"raw-without-id", Ok(no_id.clone())).await.unwrap();
    let b = t.core.ingest_mail(&src(), b"raw-without-id", Ok(no_id.clone())).await.unwrap();
    let c = t.core.ingest_mail(&src(), b"other-raw-without-id", Ok(no_id)).await.unwrap();
    assert_eq!(a.status, IngestStatus::Created);
    assert_eq!(b.status, IngestStatus::Duplicate);
    assert_eq!(c.status, IngestStatus::Created);
}
db_test!(same_mail_twice_is_stored_once, same_mail_twice_is_stored_once);

async fn attachments_are_stored_once_by_hash(db: Db) {
    let t = TestCore::new(db).await;
    let pdf = b"%PDF-1.4 Rechnung".to_vec();
    let mut m1 = inbound("b@example.de", "B", "Rechnung", "Anbei");
    m1.attachments = vec![InboundAttachment {
        filename: "Übersicht März.pdf".into(),
        content_type: "application/pdf".into(),
        content_id: None,
        inline: false,
        data: pdf.clone(),
    }];
    let mut m2 = inbound("c@example.de", "C", "Rechnung", "Auch anbei");
    m2.attachments = m1.attachments.clone();
    let r1 = t.core.ingest_mail(&src(), b"1", Ok(m1)).await.unwrap();
    t.core.ingest_mail(&src(), b"2", Ok(m2)).await.unwrap();
    let d = t.core.case_detail(r1.case_id.unwrap()).await.unwrap();
    let att = &d.messages[0].attachments[0];
    assert_eq!(att.filename, "Übersicht März.pdf");
    assert_eq!(att.size, pdf.len() as i64);
    assert_eq!(att.sha256, resonanz_core::ingest::sha256_hex(&pdf));
    use resonanz_core::store::Store;
    assert_eq!(t.store.blob(&att.sha256).await.unwrap().unwrap(), pdf);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs WHERE sha256 = $1")
        .bind(att.sha256.clone())
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
}
db_test!(attachments_are_stored_once_by_hash, attachments_are_stored_once_by_hash);

async fn unparseable_mail_is_quarantined_with_raw(db: Db) {
    let t = TestCore::new(db).await;
    let raw = b"\x00\x01 not a mail";
    let r = t.core.ingest_mail(&src(), raw, Err("no headers found".into())).await.unwrap();
    assert_eq!(r.status, IngestStatus::Quarantined);
    assert_eq!(r.reason.as_deref(), Some("no headers found"));
    use resonanz_core::store::Store;
    let q = t.store.list_quarantine(10, None).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "no headers found");
    assert_eq!(t.store.blob(&q[0].raw_sha256).await.unwrap().unwrap(), raw.to_vec());

    // Missing sender is quarantined too.
    let mut m = inbound("x@example.de", "X", "s", "b");
    m.from = None;
    let r = t.core.ingest_mail(&src(), b"no-from", Ok(m)).await.unwrap();
    assert_eq!(r.status, IngestStatus::Quarantined);

    // Re-ingest with a parser that now succeeds releases the entry.
    let id = q[0].id;
    let fixed = |_: &[u8]| Ok(inbound("fixed@example.de", "F", "Repariert", "Jetzt lesbar"));
    let report = t.core.reingest_quarantine(id, &resonanz_core::user::Actor::System, &fixed).await.unwrap();
    assert_eq!(report.status, IngestStatus::Created);
    assert_eq!(t.store.quarantine(id).await.unwrap().unwrap().status, "released");
}
db_test!(unparseable_mail_is_quarantined_with_raw, unparseable_mail_is_quarantined_with_raw);

async fn bounce_marks_address_failing_and_auto_reply_does_not_reopen(db: Db) {
    let t = TestCore::new(db).await;
    let r = t.core.ingest_mail(&src(), b"1", Ok(inbound("weg@example.de", "Weg", "Frage", "?"))).await.unwrap();
    let case_id = r.case_id.unwrap();
    t.core
        .update_case(
            case_id,
            &resonanz_core::user::Actor::System,
            resonanz_core::service::CasePatch {
                status: Some(resonanz_core::case::CaseStatus::Resolved),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let mut auto = inbound("weg@example.de", "Weg", "Automatische Antwort: Frage", "Ich bin im Urlaub.");
    auto.auto_kind = AutoKind::AutoReply;
    auto.subject = format!(
        "Abwesend [#{}]",
        resonanz_core::case::reference(t.core.case_detail(case_id).await.unwrap().case.number)
    );
    let r2 = t.core.ingest_mail(&src(), b"2", Ok(auto)).await.unwrap();
    assert_eq!(r2.case_id, Some(case_id));
    let d = t.core.case_detail(case_id).await.unwrap();
    assert_eq!(d.case.status, resonanz_core::case::CaseStatus::Resolved, "an auto-reply does not reopen");
    assert_eq!(d.messages[1].message.author_kind, AuthorKind::Automation);

    let bounce_of = |returned: Option<String>| {
        let mut bounce =
            inbound("mailer-daemon@example.de", "Mail Delivery System", "Undelivered Mail Returned to Sender", "...");
        bounce.auto_kind = AutoKind::Bounce;
        bounce.failed_recipients = vec!["WEG@example.de".into()];
        bounce.bounce_reason = Some("5.1.1 user unknown".into());
        bounce.from = Some(MailAddress { address: "mailer-daemon@example.de".into(), name: None });
        bounce.in_reply_to = returned.into_iter().collect();
        bounce
    };
    // A bounce that names no mail of ours (it could be forged) silences nobody.
    let forged = t.core.ingest_mail(&src(), b"forged", Ok(bounce_of(None))).await.unwrap();
    assert_ne!(forged.case_id, Some(case_id));
    assert!(t.core.case_detail(case_id).await.unwrap().contact.unwrap().identities[0].failing_since.is_none());

    // A bounce of our reply files into the case, without a contact for the mailer daemon.
    let input = resonanz_core::service::ReplyInput { text: "Unsere Antwort".into(), ..Default::default() };
    let (reply_id, _) = t.core.reply(case_id, t.agent.id, input).await.unwrap();
    use resonanz_core::store::Store;
    let header = t.store.message(reply_id).await.unwrap().unwrap().message_id_header;
    let bounced = t.core.ingest_mail(&src(), b"3", Ok(bounce_of(header))).await.unwrap();
    assert_eq!(bounced.case_id, Some(case_id));
    assert_eq!(bounced.contact_id, None);
    let contact = t.core.case_detail(case_id).await.unwrap().contact.unwrap();
    assert!(contact.identities[0].failing_since.is_some());
    assert_eq!(contact.identities[0].failure_reason.as_deref(), Some("5.1.1 user unknown"));

    // A reply does not go to the failing address unless an agent names it.
    let err = t
        .core
        .reply(case_id, t.agent.id, resonanz_core::service::ReplyInput { text: "Hallo".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err, resonanz_core::CoreError::Invalid(ref f) if f[0].code == "no_recipient"));
    let explicit = resonanz_core::service::ReplyInput {
        text: "Hallo".into(),
        to: Some(vec!["weg@example.de".into()]),
        ..Default::default()
    };
    t.core.reply(case_id, t.agent.id, explicit).await.unwrap();

    // Writing again from the address shows it works: it is no longer failing.
    t.core
        .ingest_mail(&src(), b"4", Ok(inbound("weg@example.de", "Weg", "Wieder da", "Neue Adresse geht.")))
        .await
        .unwrap();
    let contact = t.core.case_detail(case_id).await.unwrap().contact.unwrap();
    assert!(contact.identities[0].failing_since.is_none());
}
db_test!(
    bounce_marks_address_failing_and_auto_reply_does_not_reopen,
    bounce_marks_address_failing_and_auto_reply_does_not_reopen
);

/// Makes the database refuse one message mid-transaction: after the contact and case are written.
async fn refuse_messages_titled_boom(t: &TestCore) {
    let sql = match t.store.backend() {
        resonanz_core::store::Backend::Sqlite => {
            "CREATE TRIGGER boom BEFORE INSERT ON messages WHEN NEW.subject = 'BOOM' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END;"
        }
        resonanz_core::store::Backend::Postgres => {
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.subject = 'BOOM' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER boom BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION boom();"
        }
    };
    sqlx::raw_sql(sql).execute(t.store.pool()).await.unwrap();
}

async fn counts(t: &TestCore) -> Vec<i64> {
    let mut out = Vec::new();
    for table in ["contacts", "identities", "cases", "messages", "blobs", "audit_log", "quarantine"] {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(t.store.pool()).await.unwrap();
        out.push(n);
    }
    out
}

async fn database_failure_mid_ingest_leaves_nothing_half_stored(db: Db) {
    let t = TestCore::new(db).await;
    t.core.ingest_mail(&src(), b"ok", Ok(inbound("erst@example.de", "Erst", "Vorher", "Text"))).await.unwrap();
    refuse_messages_titled_boom(&t).await;
    let before = counts(&t).await;
    let err = t.core.ingest_mail(&src(), b"boom", Ok(inbound("neu@example.de", "Neu", "BOOM", "Text"))).await;
    assert!(err.is_err());
    assert_eq!(counts(&t).await, before, "no contact, case, blob or audit event of the failed mail remains");
    assert!(t.core.verify_audit().await.unwrap().is_ok());

    // The next mail gets the next case number and extends the chain as if nothing happened.
    let r =
        t.core.ingest_mail(&src(), b"after", Ok(inbound("neu@example.de", "Neu", "Nachher", "Text"))).await.unwrap();
    assert_eq!(t.core.case_detail(r.case_id.unwrap()).await.unwrap().case.number, 1002);
    assert!(t.core.verify_audit().await.unwrap().is_ok());

    // In a batch, the failing mail does not hold back the others: they are retried one by one.
    let sources = [src(), src(), src()];
    let mails = [
        inbound("a1@example.de", "A", "Eins", "x"),
        inbound("a2@example.de", "B", "BOOM", "x"),
        inbound("a3@example.de", "C", "Drei", "x"),
    ];
    let items = sources
        .iter()
        .zip(mails)
        .enumerate()
        .map(|(i, (source, mail))| resonanz_core::ingest::IngestItem {
            source,
            raw: [b"b1".as_slice(), b"b2", b"b3"][i],
            parsed: Ok(mail),
        })
        .collect();
    let results = t.core.ingest_batch(items).await;
    assert_eq!(results[0].as_ref().unwrap().status, IngestStatus::Created);
    assert!(results[1].is_err());
    assert_eq!(results[2].as_ref().unwrap().status, IngestStatus::Created);
    assert!(t.core.verify_audit().await.unwrap().is_ok());
}
db_test!(
    database_failure_mid_ingest_leaves_nothing_half_stored,
    database_failure_mid_ingest_leaves_nothing_half_stored
);

/// A batch looks up its duplicates and senders at once; mails of the same batch still see each
/// other: a second mail from a new sender joins the contact the first one made, and a Message-ID
/// seen earlier in the batch, or stored before it, is a duplicate.
async fn a_batch_sees_its_own_senders_and_duplicates(db: Db) {
    let t = TestCore::new(db).await;
    let known = inbound("bekannt@example.de", "Bekannt", "Vorher", "Schon da.");
    let before = t.core.ingest_mail(&src(), b"k", Ok(known.clone())).await.unwrap();

    let first = inbound("neu@example.de", "Neu", "Erste Frage", "Hallo.");
    let mut again = inbound("NEU@example.de", "Neu", "Zweite Frage", "Noch etwas.");
    again.message_id = Some("zweite@kunde.example".into());
    let mut no_id = inbound("ohne@example.de", "Ohne", "Ohne Kennung", "Text.");
    no_id.message_id = None;
    let mails = [
        (first.clone(), b"b1".as_slice()),
        (again, b"b2"),
        (first, b"b3"),                                                // the same Message-ID as the first
        (known, b"b4"),                                                // stored before the batch
        (inbound("bekannt@example.de", "Bekannt", "Neu", "x"), b"b5"), // a known sender
        (no_id.clone(), b"b6"),
        (no_id, b"b6"), // the same raw bytes, no Message-ID
    ];
    let sources: Vec<_> = mails.iter().map(|_| src()).collect();
    let items = mails
        .into_iter()
        .zip(&sources)
        .map(|((mail, raw), source)| resonanz_core::ingest::IngestItem { source, raw, parsed: Ok(mail) })
        .collect();
    let r: Vec<_> = t.core.ingest_batch(items).await.into_iter().map(|r| r.unwrap()).collect();
    let statuses: Vec<_> = r.iter().map(|r| r.status).collect();
    use IngestStatus::{Created, Duplicate};
    assert_eq!(statuses, [Created, Created, Duplicate, Duplicate, Created, Created, Duplicate]);
    assert_eq!(r[1].contact_id, r[0].contact_id, "the second mail of a new sender finds its contact");
    assert_eq!(r[2].message_id, r[0].message_id);
    assert_eq!(r[3].message_id, before.message_id);
    assert_eq!(r[4].contact_id, before.contact_id);
    assert_eq!(r[6].message_id, r[5].message_id);
    let contacts = t.core.store.list_contacts(None, 100, None).await.unwrap();
    assert_eq!(contacts.len(), 3, "bekannt, neu, ohne");
}
db_test!(a_batch_sees_its_own_senders_and_duplicates, a_batch_sees_its_own_senders_and_duplicates);

/// What `prefetch_absent` found absent is answered from memory only until the transaction stores
/// it (the batch test above cannot tell: a batch that went wrong is retried mail by mail).
async fn prefetched_absence_ends_when_the_transaction_stores_the_value(db: Db) {
    use resonanz_core::Clock;
    use resonanz_core::contact::{Identity, IdentityKind};
    use resonanz_core::ids::{IdentityId, MessageId};
    let t = TestCore::new(db).await;
    let r = t.core.ingest_mail(&src(), b"k", Ok(inbound("da@example.de", "Da", "Vorher", "x"))).await.unwrap();
    let mut message = t.core.store.message(r.message_id.unwrap()).await.unwrap().unwrap();
    let now = t.clock.now();
    let mut tx = t.core.store.begin().await.unwrap();
    let old_header = message.message_id_header.clone().unwrap();
    let (header, email) = ("neu-im-stapel@kunde.example".to_string(), "neu@example.de".to_string());
    tx.prefetch_absent(&[header.clone(), old_header.clone()], &[email.clone(), "da@example.de".into()]).await.unwrap();
    assert!(tx.message_by_header(&header).await.unwrap().is_none());
    assert!(tx.identity(IdentityKind::Email, &email).await.unwrap().is_none());
    assert!(tx.message_by_header(&old_header).await.unwrap().is_some(), "what exists is not absent");
    assert!(tx.identity(IdentityKind::Email, "da@example.de").await.unwrap().is_some());

    message.id = MessageId::new(now);
    message.message_id_header = Some(header.clone());
    tx.insert_message(&message, "").await.unwrap();
    let identity = Identity {
        id: IdentityId::new(now),
        contact_id: r.contact_id.unwrap(),
        kind: IdentityKind::Email,
        value: email.clone(),
        failing_since: None,
        failure_reason: None,
        created_at: now,
    };
    tx.insert_identity(&identity).await.unwrap();
    assert_eq!(tx.message_by_header(&header).await.unwrap().map(|m| m.id), Some(message.id));
    assert_eq!(tx.case_by_headers(&[header]).await.unwrap(), Some(message.case_id));
    assert_eq!(tx.identity(IdentityKind::Email, &email).await.unwrap().map(|i| i.id), Some(identity.id));
}
db_test!(
    prefetched_absence_ends_when_the_transaction_stores_the_value,
    prefetched_absence_ends_when_the_transaction_stores_the_value
);
