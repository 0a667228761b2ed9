use resonanz_assist::detect_language;

#[track_caller]
fn assert_lang(text: &str, code: &str) {
    let g = detect_language(text);
    assert_eq!(g.code, code, "{text:?} → {g:?}");
    assert!(g.confidence > 0.5, "{text:?} → low confidence {g:?}");
}

#[test]
fn ten_languages_on_ordinary_sentences() {
    assert_lang("Guten Tag, ich habe eine Frage zu meiner letzten Rechnung.", "de");
    assert_lang("Hello, I would like to know when the show will be repeated.", "en");
    assert_lang("Merhaba, dün akşamki programı çok beğendim, teşekkür ederim.", "tr");
    assert_lang("مرحبا، أود أن أعرف متى سيتم إعادة البرنامج من فضلكم", "ar");
    assert_lang("Dzień dobry, chciałbym zapytać o moją ostatnią fakturę.", "pl");
    assert_lang("Здравствуйте, я хотел бы узнать, когда будет повтор передачи.", "ru");
    assert_lang("Добрий день, я хотів би дізнатися, коли буде повтор програми.", "uk");
    assert_lang("Bonjour, je voudrais savoir quand l'émission sera rediffusée.", "fr");
    assert_lang("Buongiorno, vorrei sapere quando sarà replicato il programma.", "it");
    assert_lang("Hola, quisiera saber cuándo se repetirá el programa, gracias.", "es");
}

#[test]
fn russian_and_ukrainian_are_told_apart() {
    assert_lang("Мы очень любим вашу программу и смотрим её каждый вечер.", "ru");
    assert_lang("Ми дуже любимо вашу програму і дивимося її щовечора.", "uk");
    assert_lang("Это было интересно, спасибо за передачу.", "ru");
    assert_lang("Це було цікаво, дякую за передачу.", "uk");
}

#[test]
fn too_little_text_is_undetermined() {
    for text in ["", "   ", "😀😀🎉", "12345 !!!", "ok"] {
        let g = detect_language(text);
        assert!(g.code == "und" || g.confidence < 0.5, "{text:?} → {g:?}");
    }
    assert_eq!(detect_language("🙂👍").code, "und");
    assert_eq!(detect_language("").confidence, 0.0);
}

#[test]
fn only_the_start_of_a_long_text_is_read() {
    // German start, then a long English tail beyond the window.
    let text = format!(
        "{} {}",
        "Das ist eine Nachricht auf Deutsch und sie ist lang genug. ".repeat(20),
        "This is English. ".repeat(500)
    );
    assert_eq!(detect_language(&text).code, "de");
}

#[test]
fn language_set_accuracy_meets_the_target() {
    let report = resonanz_assist::eval::evaluate_language(&resonanz_assist::dataset::language_set());
    assert!(report.evaluated >= 300, "language set too small: {}", report.evaluated);
    assert!(report.accuracy >= 0.97, "language accuracy {} (errors: {:?})", report.accuracy, report.errors);
    assert_eq!(report.per_language.len(), 10);
}
