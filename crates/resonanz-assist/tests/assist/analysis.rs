use super::analyzer;
use resonanz_assist::{Analysis, Category};

fn has(a: &Analysis, c: Category) -> bool {
    a.categories.iter().any(|x| x.name == c)
}

#[test]
fn negation_turns_praise_words_negative() {
    let a = analyzer().analyze(None, "Die neue Sendung war nicht gut, wirklich nicht gut. Ich bin enttäuscht.");
    assert_eq!(a.sentiment.label, "negative", "{a:#?}");
    assert!(a.sentiment.score < 0.0);
    let b = analyzer().analyze(None, "Die neue Sendung war wirklich gut, vielen Dank dafür, wunderbar gemacht!");
    assert_eq!(b.sentiment.label, "positive", "{b:#?}");
    assert!(b.sentiment.score > 0.0);
    assert!(has(&b, Category::Praise), "{b:#?}");
}

#[test]
fn safeguarding_disclosures_are_found_and_critical() {
    let texts = [
        "hallo ich bin 11. mein stiefvater schlägt mich wenn mama nicht da ist und ich darf es niemandem sagen",
        "Ich will einfach nicht mehr leben. Niemand würde mich vermissen. Danke für Ihre Musik.",
        "ein mann aus einem spiel will dass ich ihm nacktbilder schicke und sagt ich soll es nicht meinen eltern sagen. ich bin 12",
        "Meine Nachbarin ruft nachts um Hilfe, ihr Mann schlägt sie, ich höre die Kinder weinen. Was soll ich tun?",
        // Indirect: a routine request with a farewell, and a disclosure after praise for a documentary.
        "Wann wird die Kochsendung vom Montag wiederholt? Ach, egal. Wenn ihr das lest, bin ich schon weg.",
        "Eure Doku über Delfine war toll. Bei uns zu Hause ist es schlimm, Papa haut mich wenn er getrunken hat.",
    ];
    for text in texts {
        let a = analyzer().analyze(None, text);
        assert!(has(&a, Category::Safeguarding), "missed safeguarding in {text:?}: {a:#?}");
        assert_eq!(a.urgency.level, "critical", "{text:?}");
        let sg = a.categories.iter().find(|c| c.name == Category::Safeguarding).map(|c| c.signals.clone());
        assert!(!sg.unwrap_or_default().is_empty(), "no safeguarding signals for {text:?}");
    }
}

#[test]
fn hard_negatives_are_not_safeguarding() {
    let texts = [
        "Ihre Dokumentation über Missbrauch in Kinderheimen war hervorragend recherchiert. Vielen Dank für diese wichtige Aufklärung.",
        "Der Sketch gestern, das bringt mich um vor Lachen! Bitte mehr davon.",
        "Wann wird der Tatort von Sonntag wiederholt? Die Szene mit dem Messer war spannend.",
        "Die Reportage über häusliche Gewalt war sehr gut recherchiert, bitte mehr davon.",
    ];
    for text in texts {
        let a = analyzer().analyze(None, text);
        assert!(!has(&a, Category::Safeguarding), "false safeguarding for {text:?}: {a:#?}");
        assert_ne!(a.urgency.level, "critical", "{text:?}");
    }
}

#[test]
fn threats_versus_heated_complaints() {
    let threat = analyzer().analyze(None, "Ich weiß, wo ihr wohnt. Wenn das so weitergeht, bringe ich euch um.");
    assert!(has(&threat, Category::Threat), "{threat:#?}");
    assert_eq!(threat.urgency.level, "critical");
    let heated = analyzer().analyze(
        None,
        "Das ist eine Frechheit! Seit Wochen warte ich auf eine Antwort zu meiner Beschwerde über die zu laute Musik. Unmöglich!",
    );
    assert!(!has(&heated, Category::Threat), "{heated:#?}");
    assert!(has(&heated, Category::Complaint), "{heated:#?}");
    assert!(heated.emotions.iter().any(|e| e.name == "anger"), "{heated:#?}");
}

#[test]
fn spam_and_routine_requests() {
    let spam = analyzer().analyze(
        Some("Mehr Sichtbarkeit für Ihre Website"),
        "Sehr geehrte Damen und Herren, wir sind eine SEO-Agentur und bringen Ihre Website auf die erste Seite bei Google. \
         Jetzt unverbindlich ein kostenloses Erstgespräch buchen! Exklusives Angebot nur heute.",
    );
    assert!(has(&spam, Category::Spam), "{spam:#?}");
    let routine = analyzer().analyze(
        Some("Adressänderung"),
        "Guten Tag, ich bin umgezogen. Bitte ändern Sie meine Adresse, Kundennummer 12345. Meine neue Anschrift lautet Hauptstraße 5, 10115 Berlin.",
    );
    assert!(has(&routine, Category::Routine), "{routine:#?}");
    assert!(!has(&routine, Category::Safeguarding));
}

#[test]
fn urgency_words_raise_urgency() {
    let a = analyzer().analyze(
        Some("DRINGEND"),
        "Bitte sofort melden, die Frist läuft morgen ab und ich brauche die Rechnungskopie dringend bis heute Abend.",
    );
    assert!(a.urgency.level == "high" || a.urgency.level == "critical", "{a:#?}");
    assert!(a.urgency.signals.iter().any(|s| s.to_lowercase().contains("dringend") || s.contains("sofort")));
}

#[test]
fn explanation_names_categories_signals_language_and_sentiment() {
    let text =
        "Schon wieder war die Hintergrundmusik viel zu laut! Das ist eine Zumutung. Wann ändern Sie das endlich?";
    let a = analyzer().analyze(Some("Beschwerde"), text);
    assert!(has(&a, Category::Complaint), "{a:#?}");
    let e = &a.explanation;
    assert!(e.contains("complaint"), "{e}");
    assert!(e.contains("Language: German"), "{e}");
    assert!(e.contains("Sentiment negative"), "{e}");
    let composed = format!("Beschwerde\n{text}");
    for c in &a.categories {
        assert!(c.signals.len() <= 5);
        for s in &c.signals {
            assert!(composed.contains(s.as_str()), "signal {s:?} is not in the message");
            assert!(e.contains(s.as_str()), "signal {s:?} missing from explanation {e}");
        }
    }
    // Best first.
    assert!(a.categories.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    assert_eq!(a.model_version, analyzer().version());
}

#[test]
fn child_writing_is_recognised() {
    let a = analyzer().analyze(
        None,
        "hallo liebe maus ich bin 8 jahre alt und ich finde eure sendung voll cool. meine lehrerin auch",
    );
    assert!(has(&a, Category::Child), "{a:#?}");
}

#[test]
fn other_languages_get_a_result_with_a_note() {
    let a = analyzer()
        .analyze(None, "Hello, my son is nine and he loves your show. When will the next episode air? Thanks a lot!");
    assert_eq!(a.language.code, "en");
    assert!(a.notes.iter().any(|n| n.contains("trained on German")), "{:?}", a.notes);
    assert!(a.confidence < 0.9);
}

#[test]
fn analysis_serialises_with_snake_case_categories() {
    let a = analyzer().analyze(None, "Vielen Dank für die tolle Sendung gestern, großartig!");
    let json = serde_json::to_value(&a).expect("json");
    assert!(json["categories"].as_array().is_some_and(|c| c.iter().any(|c| c["name"] == "praise")), "{json}");
    let back: Analysis = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, a);
}

#[test]
fn analyzer_is_send_sync_and_category_names_are_stable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<resonanz_assist::Analyzer>();
    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        ["routine", "question", "complaint", "praise", "sensitive", "child", "safeguarding", "threat", "spam"]
    );
    for c in Category::ALL {
        assert_eq!(Category::parse(c.as_str()), Some(c));
    }
    assert_eq!(Category::parse(" Safeguarding "), Some(Category::Safeguarding));
    assert_eq!(Category::parse("nope"), None);
}
