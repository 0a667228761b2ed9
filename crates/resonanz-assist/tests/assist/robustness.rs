use super::analyzer;
use resonanz_assist::{Analysis, EMOTIONS, LANGUAGES, MAX_CHARS, SENTIMENTS, URGENCY_LEVELS};

/// SplitMix64: a tiny deterministic generator so the fuzz cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[track_caller]
fn assert_sane(a: &Analysis, input: &str) {
    let unit = |x: f32| x.is_finite() && (0.0..=1.0).contains(&x);
    let ctx = || format!("input {:?}…", input.chars().take(60).collect::<String>());
    assert!(unit(a.confidence), "confidence {} {}", a.confidence, ctx());
    assert!(unit(a.language.confidence), "{}", ctx());
    assert!(a.language.code == "und" || LANGUAGES.contains(&a.language.code.as_str()), "{}", ctx());
    assert!(SENTIMENTS.contains(&a.sentiment.label.as_str()), "{}", ctx());
    assert!(a.sentiment.score.is_finite() && (-1.0..=1.0).contains(&a.sentiment.score), "{}", ctx());
    assert!(unit(a.sentiment.confidence), "{}", ctx());
    assert!(URGENCY_LEVELS.contains(&a.urgency.level.as_str()), "{}", ctx());
    assert!(unit(a.urgency.confidence), "{}", ctx());
    for e in &a.emotions {
        assert!(EMOTIONS.contains(&e.name.as_str()) && unit(e.intensity), "{}", ctx());
    }
    let mut seen = Vec::new();
    for c in &a.categories {
        assert!(unit(c.confidence), "{}", ctx());
        assert!(c.signals.len() <= 5, "{}", ctx());
        assert!(!seen.contains(&c.name), "duplicate category {}", ctx());
        seen.push(c.name);
    }
    assert!(!a.explanation.is_empty() && !a.model_version.is_empty(), "{}", ctx());
}

#[test]
fn empty_and_whitespace_input() {
    for (subject, text) in [(None, ""), (Some(""), "   \n\t  "), (Some("  "), "\u{200B}\u{00A0}")] {
        let a = analyzer().analyze(subject, text);
        assert_sane(&a, text);
        assert_eq!(a.language.code, "und");
        assert!(a.categories.is_empty());
        assert!(a.confidence <= 0.1);
    }
    assert_eq!(analyzer().analyze(None, "").notes, ["empty"]);
}

#[test]
fn huge_input_is_truncated_with_a_note() {
    let text = "Ich habe eine Frage zur Sendung von gestern. ".repeat(2_000);
    assert!(text.chars().count() > MAX_CHARS);
    let a = analyzer().analyze(Some("Frage"), &text);
    assert_sane(&a, &text);
    assert!(a.notes.iter().any(|n| n.contains("truncated to 20000")), "{:?}", a.notes);
    assert_eq!(a.language.code, "de");
}

#[test]
fn binary_looking_input_is_not_assessed() {
    let bytes: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let text = String::from_utf8_lossy(&bytes);
    let a = analyzer().analyze(None, &text);
    assert_sane(&a, &text);
    assert_eq!(a.language.code, "und");
    assert!(a.confidence < 0.2);
    assert!(a.notes.iter().any(|n| n.contains("binary")), "{:?}", a.notes);
}

#[test]
fn emoji_only_gives_a_low_confidence_result() {
    let a = analyzer().analyze(None, "😀😀🎉🎉👍");
    assert_sane(&a, "emoji");
    assert_eq!(a.language.code, "und");
    assert!(a.categories.is_empty());
    assert!(a.confidence < 0.3);
}

#[test]
fn mixed_language_input_is_handled() {
    let text =
        "Hallo, ich habe eine Frage. Hello, I have a question. Merhaba, bir sorum var. Здравствуйте, у меня вопрос.";
    let a = analyzer().analyze(None, text);
    assert_sane(&a, text);
    assert!(a.language.confidence < 0.95, "{:?}", a.language);
}

#[test]
fn random_and_adversarial_strings_never_break_invariants() {
    let mut rng = Rng(42);
    let pieces = [
        "\u{0}",
        "\u{202E}",
        "\u{202B}",
        "\u{200D}",
        "\u{FEFF}",
        "\u{301}",
        "\u{FFFD}",
        "ß",
        "İ",
        "ǅ",
        "ﬃ",
        "👨‍👩‍👧",
        "🏳️‍🌈",
        "مرحبا",
        "שלום",
        "привіт",
        "DRINGEND!!!",
        "nicht",
        "umbringen",
        "?",
        "\r\n",
        "\t",
        " ",
        "ich",
        "😅",
        "weiß wo ihr wohnt",
        "\u{1F600}",
        "a\u{308}",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\u{E000}",
    ];
    let mut cases: Vec<String> = vec![
        "a".repeat(100_000),
        "ä".repeat(30_000),
        "!".repeat(50_000),
        "\u{301}".repeat(5_000),
        "nicht ".repeat(10_000),
        "\u{0}".repeat(1_000),
        "x\u{301}\u{302}\u{303}".repeat(3_000),
        "\u{202E}gnirts desrever".repeat(500),
        "Hilfe ".repeat(4_000),
    ];
    for _ in 0..120 {
        let len = rng.below(3_000) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        cases.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for _ in 0..120 {
        let n = rng.below(200) as usize;
        let s: String = (0..n).map(|_| pieces[rng.below(pieces.len() as u64) as usize]).collect();
        cases.push(s);
    }
    for _ in 0..60 {
        let n = rng.below(400) as usize;
        let s: String = (0..n).filter_map(|_| char::from_u32(rng.below(0x3_0000) as u32)).collect();
        cases.push(s);
    }
    for (i, text) in cases.iter().enumerate() {
        let subject = if i % 3 == 0 { Some(text.chars().take(50).collect::<String>()) } else { None };
        let a = analyzer().analyze(subject.as_deref(), text);
        assert_sane(&a, text);
    }
}
