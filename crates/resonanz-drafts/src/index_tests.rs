use super::*;

pub(crate) fn case(id: &str, language: &str, subject: &str, question: &str, answer: &str) -> ResolvedCase {
    ResolvedCase {
        case_id: id.into(),
        reference: format!("R-{id}"),
        subject: subject.into(),
        question: question.into(),
        answer: answer.into(),
        language: language.into(),
        contact_name: "Erika Mustermann".into(),
        categories: vec!["routine".into()],
        resolved_at: 1_700_000_000,
    }
}

pub(crate) fn sample() -> Vec<ResolvedCase> {
    vec![
        case(
            "c1",
            "de",
            "Wiederholung Tatort",
            "Wann wird der Tatort vom Sonntag wiederholt? Ich habe ihn verpasst.",
            "Guten Tag Frau Mustermann,\n\nder Tatort wird am Donnerstag um 22 Uhr wiederholt.\n\nMit freundlichen Grüßen\nAnna Berg",
        ),
        case(
            "c2",
            "de",
            "Rechnung",
            "Ich brauche eine Kopie meiner Rechnung für die Steuer.",
            "Hallo Erika,\n\ndie Rechnungskopie hängt an.\n\nViele Grüße\nAnna",
        ),
        case(
            "c3",
            "de",
            "Newsletter abmelden",
            "Bitte melden Sie mich vom Newsletter ab.",
            "Guten Tag,\n\nSie sind abgemeldet.\n\nMit freundlichen Grüßen",
        ),
        case(
            "c4",
            "en",
            "Repeat of the crime series",
            "When will the Tatort episode be repeated? I missed it.",
            "Dear Ms Mustermann,\n\nit is repeated on Thursday.\n\nKind regards\nAnna",
        ),
    ]
}

fn ids(hits: &[SimilarCase]) -> Vec<&str> {
    hits.iter().map(|h| h.case_id.as_str()).collect()
}

#[test]
fn finds_the_case_about_the_same_thing_first() {
    let ix = CaseIndex::new().unwrap();
    ix.upsert(&sample()).unwrap();
    assert_eq!(ix.len(), 4);
    let hits = ix.search("Ich habe den Tatort verpasst, kommt eine Wiederholung?", Some("de"), 3, None);
    assert_eq!(hits[0].case_id, "c1");
    assert!(hits[0].score > 0.3 && hits[0].score <= 1.0, "{}", hits[0].score);
    assert!(hits[0].shared_terms.contains(&"Tatort".to_string()), "{:?}", hits[0].shared_terms);
    assert_eq!(hits[0].reference, "R-c1");
    assert!(hits[0].answer.contains("Donnerstag"));
    // Plural and umlaut-free spelling still meet.
    let hits = ix.search("Rechnungen fuer die Steuer", None, 1, None);
    assert_eq!(ids(&hits), vec!["c2"]);
}

#[test]
fn prefers_the_language_and_excludes_the_own_case() {
    let ix = CaseIndex::new().unwrap();
    ix.upsert(&sample()).unwrap();
    let all = ix.search("Tatort repeated missed Wiederholung verpasst", Some("en"), 4, None);
    let en = all.iter().find(|h| h.case_id == "c4").unwrap();
    let de = all.iter().find(|h| h.case_id == "c1").unwrap();
    assert_eq!(en.language, "en");
    assert!(de.score < 1.0);
    let hits = ix.search("Tatort verpasst Wiederholung", Some("de"), 4, Some("c1"));
    assert!(!ids(&hits).contains(&"c1"));
}

#[test]
fn upsert_replaces_and_remove_deletes() {
    let ix = CaseIndex::new().unwrap();
    ix.upsert(&sample()).unwrap();
    let mut changed = sample()[1].clone();
    changed.question = "Wo finde ich die Sendung über Bienen in der Mediathek?".into();
    changed.subject = "Frage".into();
    ix.upsert(&[changed]).unwrap();
    assert_eq!(ix.len(), 4);
    assert!(ix.search("Kopie Rechnung Steuer", None, 4, None).iter().all(|h| h.case_id != "c2"));
    assert_eq!(ids(&ix.search("Bienen Mediathek", None, 1, None)), vec!["c2"]);
    ix.remove("c2").unwrap();
    ix.remove("unknown").unwrap();
    assert_eq!(ix.len(), 3);
    let left = ix.search("Bienen Mediathek", None, 4, None);
    assert!(left.is_empty(), "{left:?}");
    // Duplicates in one batch: the last wins.
    let mut a = sample()[2].clone();
    a.answer = "erste".into();
    let mut b = a.clone();
    b.answer = "zweite".into();
    ix.upsert(&[a, b]).unwrap();
    assert_eq!(ix.len(), 3);
    assert_eq!(ix.search("Newsletter abmelden", None, 1, None)[0].answer, "zweite");
}

#[test]
fn empty_queries_and_indexes_give_nothing() {
    let ix = CaseIndex::new().unwrap();
    assert!(ix.is_empty());
    assert!(ix.search("Tatort", None, 3, None).is_empty());
    ix.upsert(&sample()).unwrap();
    assert!(ix.search("", None, 3, None).is_empty());
    assert!(ix.search("und oder aber", None, 3, None).is_empty());
    assert!(ix.search("Tatort", None, 0, None).is_empty());
    assert!(ix.size_bytes() > 0);
}

#[test]
fn is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CaseIndex>();
    let ix = std::sync::Arc::new(CaseIndex::new().unwrap());
    ix.upsert(&sample()).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let ix = ix.clone();
            std::thread::spawn(move || {
                let mut c = sample()[0].clone();
                c.case_id = format!("t{i}");
                ix.upsert(&[c]).unwrap();
                ix.search("Tatort verpasst", None, 2, None).len()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() > 0);
    }
    assert_eq!(ix.len(), 8);
}
