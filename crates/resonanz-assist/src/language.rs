//! Language identification for de en tr ar pl ru uk fr it es.
//!
//! Script rules decide Arabic and Cyrillic (Russian vs Ukrainian by their distinctive letters and function
//! words); Latin-script text is scored by function words and distinctive letters and cross-checked with
//! whatlang restricted to the seven Latin languages. Only the first [`LANGUAGE_WINDOW`] characters are
//! read, so the cost stays in the microseconds.

use crate::text::truncate_chars;
use crate::types::LanguageGuess;
use std::collections::HashMap;
use std::sync::OnceLock;
use whatlang::{Detector, Lang};

/// The languages this crate recognises (ISO 639-1).
pub const LANGUAGES: [&str; 10] = ["de", "en", "tr", "ar", "pl", "ru", "uk", "fr", "it", "es"];
/// How many characters of a message are read for language identification.
pub const LANGUAGE_WINDOW: usize = 1000;

const LATIN: [&str; 7] = ["de", "en", "tr", "pl", "fr", "it", "es"];

const STOPWORDS: [(&str, &str); 7] = [
    (
        "de",
        "der die das und ist nicht ich sie es ein eine einen mit auf für den dem des zu von sich auch wir ihr haben \
         habe hat bin sind wie was aber noch nur schon bitte danke sehr wenn dass oder im mein meine meinen kann \
         können würde bei nach über uns euch mich mir dir ihnen wieder sendung gestern heute keine kein warum",
    ),
    (
        "en",
        "the and is are you your not to of it this that for with have has was were be my we our can would please \
         thank thanks will do does what when how there from about i me they their been could should which an",
    ),
    (
        "tr",
        "ve bir bu da de için ile ben sen biz çok ama değil mi mı mu ne var yok gibi daha olarak her şey teşekkür \
         ederim lütfen merhaba benim sizin bana neden nasıl şimdi artık bugün olan kadar",
    ),
    (
        "pl",
        "w na nie się to jest że z do jak ale co tak jestem czy mnie bardzo dla po są już może proszę dziękuję \
         dzień dobry państwa mój moja jego jej ten ta też tylko przez od bo był była",
    ),
    (
        "fr",
        "le la les et est je vous nous pas une un des du que qui pour dans ce il elle avec sur mais très merci \
         bonjour votre suis ai au aux ne cette mon ma mes sont été être fait",
    ),
    (
        "it",
        "il lo la gli le e è non che di un una per con sono ho mi ti ci ma molto grazie buongiorno vostro questo \
         della del io nel alla anche come questa mio mia sei hanno stato essere",
    ),
    (
        "es",
        "el la los las y es no que de un una por para con en soy tengo me muy gracias hola su pero este esta \
         usted del lo al como mi está están hay son ser fue también",
    ),
];

const UK_WORDS: &str = "і що це як та не для від але ви ми він вона мені дуже є й до на у в з зі чи його її їх вже \
                        ще тому коли де який яка яке дякую будь ласка привіт можна треба";
const RU_WORDS: &str = "и что это как не для от но вы мы он она мне очень есть до на у в с со ли его её их уже \
                        ещё поэтому когда где какой какая какое спасибо пожалуйста привет можно надо";

struct Tables {
    stopwords: HashMap<&'static str, Vec<usize>>,
    uk: Vec<&'static str>,
    ru: Vec<&'static str>,
    detector: Detector,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut stopwords: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, (_, words)) in STOPWORDS.iter().enumerate() {
            for w in words.split_whitespace() {
                stopwords.entry(w).or_default().push(i);
            }
        }
        let detector =
            Detector::with_allowlist(vec![Lang::Deu, Lang::Eng, Lang::Tur, Lang::Pol, Lang::Fra, Lang::Ita, Lang::Spa]);
        Tables {
            stopwords,
            uk: UK_WORDS.split_whitespace().collect(),
            ru: RU_WORDS.split_whitespace().collect(),
            detector,
        }
    })
}

fn guess(code: &str, confidence: f32) -> LanguageGuess {
    LanguageGuess { code: code.to_string(), confidence: confidence.clamp(0.0, 1.0) }
}

/// Identifies the language of `text` (only its first [`LANGUAGE_WINDOW`] characters are read).
/// Returns `und` with a low confidence for text without enough letters.
pub fn detect_language(text: &str) -> LanguageGuess {
    let (window, _) = truncate_chars(text, LANGUAGE_WINDOW);
    let (mut arabic, mut cyrillic, mut latin) = (0usize, 0usize, 0usize);
    for c in window.chars().filter(|c| c.is_alphabetic()) {
        match c as u32 {
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => arabic += 1,
            0x0400..=0x04FF => cyrillic += 1,
            0x0041..=0x024F => latin += 1,
            _ => {}
        }
    }
    let letters = arabic + cyrillic + latin;
    let words: Vec<String> = window
        .split(|c: char| !c.is_alphabetic() && c != '\'' && c != 'ʼ' && c != '’')
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect();
    if letters < 3 || words.is_empty() {
        return guess("und", 0.0);
    }
    // Length factor: one word is a weak hint, five words or more carry the full weight.
    let length = (words.len().min(5) as f32 / 5.0).sqrt() * (letters.min(20) as f32 / 20.0).sqrt();
    if arabic * 2 > letters {
        return guess("ar", 0.99 * length.max(0.3));
    }
    if cyrillic * 2 > letters {
        let (code, margin) = cyrillic_language(window, &words);
        return guess(code, margin * length);
    }
    if latin * 2 > letters {
        let (code, margin) = latin_language(window, &words);
        return guess(code, margin * length);
    }
    guess("und", 0.1)
}

fn cyrillic_language(window: &str, words: &[String]) -> (&'static str, f32) {
    let t = tables();
    let mut uk = 0.0f32;
    let mut ru = 0.0f32;
    for c in window.chars().flat_map(char::to_lowercase) {
        match c {
            'і' | 'ї' | 'є' | 'ґ' => uk += 2.0,
            'ы' | 'э' | 'ъ' | 'ё' => ru += 2.0,
            _ => {}
        }
    }
    for w in words {
        if t.uk.contains(&w.as_str()) {
            uk += 1.0;
        }
        if t.ru.contains(&w.as_str()) {
            ru += 1.0;
        }
    }
    let (code, top, other) = if uk > ru { ("uk", uk, ru) } else { ("ru", ru, uk) };
    if top == 0.0 {
        // Neither marker letters nor function words: Russian is far more common.
        return ("ru", 0.4);
    }
    (code, margin_confidence(top, other))
}

fn latin_language(window: &str, words: &[String]) -> (&'static str, f32) {
    let t = tables();
    let mut scores = [0.0f32; 7];
    for w in words {
        if let Some(langs) = t.stopwords.get(w.as_str()) {
            let share = 1.0 / langs.len() as f32;
            for &i in langs {
                scores[i] += share;
            }
        }
    }
    // Distinctive letters (counted once per kind, so one accented name does not decide).
    let mut seen = [false; 128];
    for c in window.chars().flat_map(char::to_lowercase) {
        let (lang, key): (&[usize], usize) = match c {
            'ß' => (&[0], 0),
            'ä' => (&[0], 1),
            'ö' | 'ü' => (&[0, 2], 2),
            'ğ' | 'ş' | 'ı' => (&[2], 3),
            'ą' | 'ę' | 'ł' | 'ń' | 'ś' | 'ź' | 'ż' => (&[3], 4),
            'ê' | 'è' | 'œ' | 'â' | 'î' | 'ô' | 'û' | 'ë' => (&[4], 5),
            'ç' => (&[4, 2], 6),
            'ì' | 'ò' => (&[5], 7),
            'ñ' | '¿' | '¡' => (&[6], 8),
            'á' | 'í' | 'ú' => (&[6], 9),
            _ => continue,
        };
        if !seen[key] {
            seen[key] = true;
            let share = 1.5 / lang.len() as f32;
            for &i in lang {
                scores[i] += share;
            }
        }
    }
    // whatlang's trigram vote, weighted by its own confidence.
    if let Some(info) = t.detector.detect(window)
        && let Some(i) = LATIN.iter().position(|&l| l == whatlang_code(info.lang()))
    {
        scores[i] += 1.0 + 2.0 * info.confidence() as f32;
    }
    let mut order: Vec<usize> = (0..7).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (top, second) = (scores[order[0]], scores[order[1]]);
    if top <= 0.0 {
        return ("und", 0.1);
    }
    (LATIN[order[0]], margin_confidence(top, second))
}

fn margin_confidence(top: f32, second: f32) -> f32 {
    // Relative margin between the two best languages times the amount of evidence.
    let margin = ((top - second) / top.max(1e-6)).clamp(0.0, 1.0);
    (0.35 + 0.65 * margin) * (top / (top + 1.0))
}

fn whatlang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Deu => "de",
        Lang::Eng => "en",
        Lang::Tur => "tr",
        Lang::Pol => "pl",
        Lang::Fra => "fr",
        Lang::Ita => "it",
        Lang::Spa => "es",
        _ => "und",
    }
}

/// The English name of a language code, for explanations.
pub fn language_name(code: &str) -> &'static str {
    match code {
        "de" => "German",
        "en" => "English",
        "tr" => "Turkish",
        "ar" => "Arabic",
        "pl" => "Polish",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "fr" => "French",
        "it" => "Italian",
        "es" => "Spanish",
        _ => "undetermined",
    }
}
