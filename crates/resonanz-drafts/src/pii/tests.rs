use super::*;

fn known(names: &[&str]) -> Vec<KnownPii> {
    names.iter().map(|n| KnownPii::new(PiiKind::Name, *n)).collect()
}

fn gone(redacted: &str, values: &[&str]) {
    for v in values {
        assert!(!redacted.contains(v), "{v:?} still in:\n{redacted}");
    }
}

#[test]
fn replaces_contact_data_and_restores_it() {
    let text = "Sehr geehrte Damen und Herren,\n\nmeine E-Mail ist jana.mueller@example.de, Telefon 0221 1234567, \
                mobil +49 171 2345678. Bitte buchen Sie von DE89 3704 0044 0532 0130 00 ab.\n\
                Ich wohne in der Hauptstraße 12a, 50667 Köln.\n\nMit freundlichen Grüßen\nJana Müller";
    let r = redact(text, &[]);
    gone(&r.text, &["jana.mueller", "0221", "2345678", "DE89", "Hauptstraße", "50667", "Jana", "Müller"]);
    assert!(r.text.contains("[EMAIL_1]") && r.text.contains("[PHONE_1]") && r.text.contains("[PHONE_2]"), "{}", r.text);
    assert!(r.text.contains("[IBAN_1]") && r.text.contains("[ADDRESS_1]") && r.text.contains("[NAME_1]"), "{}", r.text);
    assert!(r.text.starts_with("Sehr geehrte Damen und Herren,"), "{}", r.text);
    assert_eq!(restore(&r.text, &r.mapping), text);
}

#[test]
fn known_names_and_their_parts_get_stable_placeholders() {
    let r =
        redact("Hallo, hier schreibt Jana Müller. Jana hat eine Frage; Frau MÜLLER auch.", &known(&["Jana Müller"]));
    assert_eq!(r.text, "Hallo, hier schreibt [NAME_1]. [NAME_2] hat eine Frage; Frau [NAME_3] auch.");
    assert_eq!(r.mapping.placeholder_of("jana müller"), Some("[NAME_1]"));
    let mut red = Redactor::new(&known(&["Jana Müller", "Tom Berg"]));
    let a = red.redact("Lieber Tom Berg");
    let b = red.redact("Gruß, Jana Müller");
    assert_eq!((a.as_str(), b.as_str()), ("Lieber [NAME_2]", "Gruß, [NAME_1]"));
    assert_eq!(
        restore("Hallo [name_1] und [ NAME_2 ], [NAME_9] bleibt", red.mapping()),
        "Hallo Jana Müller und Tom Berg, [NAME_9] bleibt"
    );
}

#[test]
fn finds_names_by_their_cues() {
    let cases = [
        ("Hallo, ich heiße Lena Schröder und habe eine Frage.", vec!["Lena", "Schröder"]),
        ("Mein Name ist Peter Zwegat.", vec!["Peter", "Zwegat"]),
        ("Ich bin die Anna und 9 Jahre alt.", vec!["Anna"]),
        ("Ich bin Paul und bin 8 Jahre alt.", vec!["Paul"]),
        ("Liebe Frau Dr. Schmidt-Rottluff,\nvielen Dank.", vec!["Schmidt-Rottluff"]),
        ("Lieber Herr Yilmaz, danke.", vec!["Yilmaz"]),
        ("Hallo Mia,\nwie geht es?", vec!["Mia"]),
        ("Mein Sohn Ben (8) liebt die Sendung. Ben schaut jeden Tag.", vec!["Ben"]),
        ("Ich bin die Mutter von Emma und schreibe für sie.", vec!["Emma"]),
        ("Das hat Herr Krause gesagt.", vec!["Krause"]),
        ("Danke!\n\nViele Grüße\nKarin Vogel", vec!["Karin", "Vogel"]),
        ("Danke!\nLG Tim", vec!["Tim"]),
        ("Danke für alles.\nDein Felix", vec!["Felix"]),
    ];
    for (text, names) in cases {
        let r = redact(text, &[]);
        gone(&r.text, &names);
        assert!(r.text.contains("[NAME_1]"), "{text} -> {}", r.text);
        assert_eq!(restore(&r.text, &r.mapping), text);
    }
}

#[test]
fn keeps_words_that_only_look_like_names() {
    for text in [
        "Sehr geehrte Damen und Herren, liebes Team,",
        "Hallo zusammen, liebe Redaktion",
        "Ich bin der Meinung, dass die Sendung zu laut ist.",
        "Ich bin die Mutter eines Kindes.",
        "Liebes Sandmännchen-Team, danke!",
        "Mit freundlichen Grüßen\nIhr Zuschauerservice",
    ] {
        let r = redact(text, &[]);
        assert_eq!(r.text, text, "changed: {}", r.text);
        assert!(r.mapping.is_empty());
    }
}

#[test]
fn numbers_dates_and_urls() {
    let text = "Kundennummer: 123 456 789, Rechnung RE-2024/0815, Bestellung 4711234. Die Sendung vom \
                12.03.2024 um 20:15 Uhr, 1500 Euro, im Jahr 1998. Geboren am 03.07.1985. \
                Profil: https://www.instagram.com/jana.m/ und Abmeldung https://example.de/nl?token=ab12cd34ef \
                aber https://www.ard.de/mediathek bleibt.";
    let r = redact(text, &[]);
    gone(&r.text, &["123 456 789", "RE-2024/0815", "4711234", "03.07.1985", "instagram", "token="]);
    for kept in ["12.03.2024", "20:15", "1500 Euro", "1998", "https://www.ard.de/mediathek"] {
        assert!(r.text.contains(kept), "{kept} lost: {}", r.text);
    }
    assert!(r.text.contains("[DATE_1]") && r.text.contains("[URL_2]") && r.text.contains("[NUMBER_3]"), "{}", r.text);
    assert_eq!(restore(&r.text, &r.mapping), text);
}

#[test]
fn phone_formats() {
    for (text, phone) in [
        ("Rufen Sie mich an: 0171/1234567.", "0171/1234567"),
        ("Tel.: (030) 123 456 78", "123 456 78"),
        ("Erreichbar unter 030-12345678 abends", "030-12345678"),
        ("Handy 0151 23456789", "23456789"),
        ("Call +44 20 7946 0958 please", "7946"),
        ("Nummer 0049 (0)221 987654", "987654"),
    ] {
        let r = redact(text, &[]);
        assert!(!r.text.contains(phone), "{text} -> {}", r.text);
        assert!(r.text.contains("[PHONE_1]"), "{text} -> {}", r.text);
    }
}

#[test]
fn addresses() {
    for (text, gone_part) in [
        ("Ich wohne Karl-Marx-Straße 5 in Berlin.", "Karl-Marx"),
        ("Adresse: Berliner Allee 7, 40212 Düsseldorf", "40212"),
        ("Neue Anschrift: Am Markt 3\n99084 Erfurt", "Markt 3"),
        ("Lindenweg 14b", "14b"),
        ("Bitte an 10115 Berlin schicken.", "10115"),
    ] {
        let r = redact(text, &[]);
        assert!(!r.text.contains(gone_part), "{text} -> {}", r.text);
        assert!(r.text.contains("[ADDRESS_1]"), "{text} -> {}", r.text);
    }
    // A count followed by a noun is no postcode.
    assert_eq!(redact("Es waren 12000 Menschen da.", &[]).text, "Es waren [NUMBER_1] Menschen da.");
}

#[test]
fn same_value_same_placeholder_and_other_values_other_ones() {
    let r = redact("a@b.de, c@d.de und wieder a@b.de", &[]);
    assert_eq!(r.text, "[EMAIL_1], [EMAIL_2] und wieder [EMAIL_1]");
    assert_eq!(r.mapping.len(), 2);
    assert_eq!(replace_placeholders(&r.text, "{{prüfen}}"), "{{prüfen}}, {{prüfen}} und wieder {{prüfen}}");
}

#[test]
fn any_input_is_safe() {
    for text in ["", " ", "[NAME_1]", "ÄÖÜ ß 🙂 \u{0} \r\n", "Frau", "Hallo ", "0", &"1".repeat(10_000)] {
        let r = redact(text, &known(&["", "X"]));
        assert_eq!(restore(&r.text, &r.mapping), text);
    }
}
