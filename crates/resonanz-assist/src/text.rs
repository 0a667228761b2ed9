//! Input preparation: truncation, binary detection, tokenisation and German-friendly folding.

/// A word of the input: its surface form (as written), its lower-case form and its folded form
/// (lower case, ä→ae, ö→oe, ü→ue, ß→ss), which lexicons and hashed features use.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub surface: String,
    pub lower: String,
    pub folded: String,
    /// Byte offset of the token in the analysed text.
    pub start: usize,
    /// True if the token starts with an upper-case letter.
    pub capitalised: bool,
    /// True if the token has at least two letters and all of them are upper case ("DRINGEND").
    pub all_caps: bool,
    /// True if the token is a number written with digits.
    pub numeric: bool,
    /// Sentence number: sentences end at `.`, `!`, `?`, a line break or an emoji.
    pub sentence: u32,
}

/// Text cut to at most `max` characters, on a character boundary. Returns whether it was cut.
pub fn truncate_chars(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

/// Share of characters that suggest binary or garbled input: control characters other than
/// newline/tab/carriage return, the replacement character U+FFFD and private-use code points.
pub fn garbage_ratio(text: &str) -> f32 {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{0}' {
            continue;
        }
        total += 1;
        let private = ('\u{E000}'..='\u{F8FF}').contains(&c);
        if (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || c == '\u{FFFD}' || private {
            bad += 1;
        }
    }
    if total == 0 { 0.0 } else { bad as f32 / total as f32 }
}

/// The longest text analysed; longer input is cut (and a note says so).
pub const MAX_CHARS: usize = 20_000;

/// Subject and body as one analysed text (subject first, on its own line), cut to [`MAX_CHARS`].
/// Returns the text and whether it was cut.
pub fn compose(subject: Option<&str>, body: &str) -> (String, bool) {
    let subject = subject.map(str::trim).unwrap_or("");
    let (body, cut) = truncate_chars(body, MAX_CHARS);
    if subject.is_empty() {
        return (body.to_string(), cut);
    }
    let (subject, subject_cut) = truncate_chars(subject, 500);
    (format!("{subject}\n{body}"), cut || subject_cut)
}

/// Folds a lower-case word for matching: umlauts to their two-letter spelling, ß to ss.
pub fn fold(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len() + 2);
    for c in lower.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            _ => out.push(c),
        }
    }
    out
}

/// Splits text into word tokens: maximal runs of alphanumeric characters (combining marks are kept
/// inside a word). At most `max_tokens` tokens are returned.
pub fn tokenize(text: &str, max_tokens: usize) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let (mut sentence, mut boundary) = (0u32, false);
    for (i, c) in text.char_indices() {
        let word_char = c.is_alphanumeric() || (start.is_some() && is_combining(c));
        match (word_char, start) {
            (true, None) => {
                if boundary && !tokens.is_empty() {
                    sentence += 1;
                }
                boundary = false;
                start = Some(i);
            }
            (false, Some(s)) => {
                push_token(&mut tokens, text, s, i, sentence);
                start = None;
                if tokens.len() >= max_tokens {
                    return tokens;
                }
            }
            _ => {}
        }
        if !word_char && (matches!(c, '.' | '!' | '?' | '\n') || is_emoji(c)) {
            boundary = true;
        }
    }
    if let Some(s) = start
        && tokens.len() < max_tokens
    {
        push_token(&mut tokens, text, s, text.len(), sentence);
    }
    tokens
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF)
}

fn push_token(tokens: &mut Vec<Token>, text: &str, start: usize, end: usize, sentence: u32) {
    let surface = &text[start..end];
    // Very long "words" are noise (base64, hashes, repeated letters); keep a bounded prefix.
    let (surface, _) = truncate_chars(surface, 40);
    let lower = surface.to_lowercase();
    let folded = fold(&lower);
    let letters = surface.chars().filter(|c| c.is_alphabetic()).count();
    let capitalised = surface.chars().next().is_some_and(char::is_uppercase);
    let all_caps = letters >= 2 && surface.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    let numeric = surface.chars().all(|c| c.is_ascii_digit());
    tokens.push(Token { surface: surface.to_string(), lower, folded, start, capitalised, all_caps, numeric, sentence });
}

/// Counts of punctuation and shape signals used by several analysers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    pub exclamations: usize,
    pub questions: usize,
    /// Runs of two or more '!' or '?' ("!!", "?!").
    pub emphatic_runs: usize,
    pub urls: usize,
    pub emoji: usize,
    /// A laughing or joking emoji (😂 😅 🤣 😄 😆 🙈 😜 😉): the writer is probably not serious.
    pub laughing: bool,
    pub letters: usize,
}

/// Measures punctuation and shape of a text.
pub fn shape(text: &str) -> Shape {
    let mut s = Shape::default();
    let mut run = 0usize;
    for c in text.chars() {
        if c == '!' || c == '?' {
            if c == '!' {
                s.exclamations += 1;
            } else {
                s.questions += 1;
            }
            run += 1;
            if run == 2 {
                s.emphatic_runs += 1;
            }
        } else {
            run = 0;
        }
        if c.is_alphabetic() {
            s.letters += 1;
        }
        if is_emoji(c) {
            s.emoji += 1;
        }
        if matches!(c, '😂' | '😅' | '🤣' | '😄' | '😆' | '🙈' | '😜' | '😉' | '😁') {
            s.laughing = true;
        }
    }
    s.urls = text.matches("http://").count() + text.matches("https://").count() + text.matches("www.").count();
    s
}

/// True for pictographic characters commonly used as emoji.
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_punctuation_line_breaks_and_emoji() {
        let toks = tokenize("Tolle Folge! Papa war da.\nich hab angst 😢 bitte", 100);
        let ids: Vec<u32> = toks.iter().map(|t| t.sentence).collect();
        assert_eq!(ids, [0, 0, 1, 1, 1, 2, 2, 2, 3]);
    }

    #[test]
    fn truncates_on_char_boundary() {
        let (t, cut) = truncate_chars("äöü", 2);
        assert_eq!(t, "äö");
        assert!(cut);
        assert_eq!(truncate_chars("ab", 5), ("ab", false));
    }

    #[test]
    fn tokens_fold_umlauts_and_keep_offsets() {
        let toks = tokenize("Größe: DRINGEND, bitte!", 100);
        let folded: Vec<&str> = toks.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(folded, ["groesse", "dringend", "bitte"]);
        assert!(toks[1].all_caps);
        assert!(toks[0].capitalised);
        assert_eq!(toks[2].start, 19);
    }

    #[test]
    fn garbage_ratio_flags_control_characters() {
        assert!(garbage_ratio("\u{1}\u{2}\u{FFFD}\u{FFFD}ab") > 0.5);
        assert_eq!(garbage_ratio("Hallo Welt\n"), 0.0);
    }
}
