//! Feature extraction: hashed word, stem, bigram and character n-gram features (unit-normalised), plus
//! lexicon-group and style features (value 1, not normalised) that carry prior weights and explanations.

use crate::lexicon::{Hit, Lexicon, Target, lexicon};
use crate::text::{Shape, Token, shape, tokenize};
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// At most this many tokens of a message are used (about 20,000 characters of German text).
pub const MAX_TOKENS: usize = 4000;

/// How text is turned into features; stored in the model so training and analysis agree.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FeatureConfig {
    /// The hashed feature space has `2^hash_bits` buckets.
    pub hash_bits: u32,
    pub bigrams: bool,
    /// Character 4-grams of words with at least six letters (helps with German compounds and misspellings).
    pub char_ngrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig { hash_bits: 18, bigrams: true, char_ngrams: true }
    }
}

/// Where a feature came from, for explanations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Origin {
    /// Tokens `start..end` of the message (a word, a bigram, a word containing a character n-gram).
    Span(usize, usize),
    /// A lexicon hit (index into [`Extracted::hits`]).
    Lexicon(usize),
    /// A style signal with a readable name.
    Style(&'static str),
}

/// One active feature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    pub index: u32,
    pub value: f32,
    pub origin: Origin,
}

/// Everything derived from one message's text.
pub struct Extracted {
    pub tokens: Vec<Token>,
    pub hits: Vec<Hit>,
    pub features: Vec<Feature>,
}

/// 64-bit FNV-1a, stable across platforms and releases (the model depends on it).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn bucket(config: &FeatureConfig, kind: &str, value: &str) -> u32 {
    let mask = (1u64 << config.hash_bits.clamp(8, 24)) - 1;
    (fnv1a(&[kind.as_bytes(), value.as_bytes()]) & mask) as u32
}

/// The feature index of a lexicon group (or of its negated form).
pub fn lexicon_feature(config: &FeatureConfig, group: &str, negated: bool) -> u32 {
    bucket(config, if negated { "neg" } else { "lex" }, group)
}

/// The feature index of a category group's phrases standing next to a hard negative ([`Hit::context`]).
pub fn context_feature(config: &FeatureConfig, group: &str) -> u32 {
    bucket(config, "lexc", group)
}

/// The feature index of one lexicon entry (or of its negated form).
pub fn entry_feature(config: &FeatureConfig, key: &str, negated: bool) -> u32 {
    bucket(config, if negated { "nege" } else { "lexe" }, key)
}

/// The feature index of a named style signal.
pub fn style_feature(config: &FeatureConfig, name: &str) -> u32 {
    bucket(config, "sty", name)
}

/// The bias feature (always 1).
pub fn bias_feature(config: &FeatureConfig) -> u32 {
    bucket(config, "bias", "")
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::German))
}

const NEGATORS: [&str; 14] = [
    "nicht", "kein", "keine", "keinen", "keiner", "keinem", "nie", "niemals", "nichts", "ohne", "not", "no", "never",
    "nt",
];

/// True if one of the three tokens before `start` negates (German "nicht gut", English "not good").
pub fn negated(tokens: &[Token], start: usize) -> bool {
    tokens[start.saturating_sub(3)..start].iter().any(|t| NEGATORS.contains(&t.folded.as_str()))
}

/// Extracts features from a subject and body. `text` is the analysed text (subject line first).
pub fn extract(config: &FeatureConfig, text: &str) -> Extracted {
    let tokens = tokenize(text, MAX_TOKENS);
    let lex = lexicon();
    let hits = lex.find(&tokens);
    let shape = shape(text);
    let mut features = Vec::with_capacity(tokens.len() * 4 + hits.len() + 8);
    text_features(config, &tokens, &mut features);
    lexicon_features(config, lex, &tokens, &hits, &mut features);
    style_features(config, &tokens, &shape, &mut features);
    features.push(Feature { index: bias_feature(config), value: 1.0, origin: Origin::Style("bias") });
    Extracted { tokens, hits, features }
}

fn text_features(config: &FeatureConfig, tokens: &[Token], out: &mut Vec<Feature>) {
    let first = out.len();
    let stemmer = stemmer();
    for (i, t) in tokens.iter().enumerate() {
        let span = Origin::Span(i, i + 1);
        out.push(Feature { index: bucket(config, "w", &t.folded), value: 1.0, origin: span });
        if !t.numeric && t.lower.chars().count() > 3 {
            let stem = stemmer.stem(&t.lower);
            out.push(Feature { index: bucket(config, "s", &stem), value: 1.0, origin: span });
        }
        if config.bigrams
            && let Some(next) = tokens.get(i + 1)
        {
            let pair = format!("{} {}", t.folded, next.folded);
            out.push(Feature { index: bucket(config, "b", &pair), value: 1.0, origin: Origin::Span(i, i + 2) });
        }
        if config.char_ngrams && t.folded.len() >= 6 && !t.numeric {
            let chars: Vec<char> = t.folded.chars().collect();
            let mut gram = String::with_capacity(16);
            for w in chars.windows(4) {
                gram.clear();
                gram.extend(w.iter());
                out.push(Feature { index: bucket(config, "c", &gram), value: 0.5, origin: span });
            }
        }
    }
    // Unit L2 norm over the text features, so long and short messages weigh alike.
    let norm: f32 = out[first..].iter().map(|f| f.value * f.value).sum::<f32>().sqrt();
    if norm > 0.0 {
        for f in &mut out[first..] {
            f.value /= norm;
        }
    }
}

fn lexicon_features(config: &FeatureConfig, lex: &Lexicon, tokens: &[Token], hits: &[Hit], out: &mut Vec<Feature>) {
    let first = out.len();
    for (h, hit) in hits.iter().enumerate() {
        let group = &lex.groups[hit.group];
        let neg = matches!(group.target, Target::Sentiment) && negated(tokens, hit.start);
        let index =
            if hit.context { context_feature(config, &group.name) } else { lexicon_feature(config, &group.name, neg) };
        // Repeated hits of one group add a little, not linearly.
        let value = if out[first..].iter().any(|f| f.index == index) { 0.3 } else { 1.0 };
        out.push(Feature { index, value, origin: Origin::Lexicon(h) });
        if hit.context {
            continue;
        }
        let entry = entry_feature(config, lex.entry_key(hit.entry), neg);
        if !out[first..].iter().any(|f| f.index == entry) {
            out.push(Feature { index: entry, value: 1.0, origin: Origin::Lexicon(h) });
        }
    }
}

/// Style signals: names are stable (they are hashed) and readable (they appear in explanations).
fn style_features(config: &FeatureConfig, tokens: &[Token], shape: &Shape, out: &mut Vec<Feature>) {
    let mut push = |name: &'static str, value: f32| {
        out.push(Feature { index: style_feature(config, name), value, origin: Origin::Style(name) });
    };
    let words = tokens.iter().filter(|t| !t.numeric).count();
    if shape.questions > 0 {
        push("question mark", 1.0);
    }
    if shape.exclamations >= 2 {
        push("several exclamation marks", 1.0);
    }
    if shape.emphatic_runs > 0 {
        push("repeated !/?", 1.0);
    }
    let caps = tokens.iter().filter(|t| t.all_caps && t.surface.chars().count() >= 3).count();
    if caps >= 2 && caps * 10 >= words.max(1) {
        push("words in capitals", 1.0);
    }
    if shape.urls > 0 {
        push("web link", 1.0);
    }
    if shape.emoji > 0 {
        push("emoji", 1.0);
    }
    if shape.laughing {
        push("laughing emoji", 1.0);
    }
    let alphabetic = tokens.iter().filter(|t| t.surface.chars().next().is_some_and(char::is_alphabetic));
    let (n, capitalised) = alphabetic.fold((0usize, 0usize), |(n, c), t| (n + 1, c + usize::from(t.capitalised)));
    if n >= 6 && capitalised * 20 <= n {
        push("no capital letters", 1.0);
    }
    if let Some(age) = stated_age(tokens) {
        push(
            if age <= 13 {
                "stated age under 14"
            } else if age <= 17 {
                "stated age 14-17"
            } else {
                "stated adult age"
            },
            1.0,
        );
    }
    match words {
        0..=12 => push("very short message", 1.0),
        13..=40 => push("short message", 1.0),
        41..=150 => {}
        _ => push("long message", 1.0),
    }
}

/// An age the writer states about themselves or a child: "ich bin 9", "bin 10 Jahre", "9 Jahre alt", "(8)".
pub fn stated_age(tokens: &[Token]) -> Option<u32> {
    for (i, t) in tokens.iter().enumerate() {
        if !t.numeric || t.surface.len() > 2 {
            continue;
        }
        let Ok(n) = t.surface.parse::<u32>() else { continue };
        let prev = i.checked_sub(1).map(|p| tokens[p].folded.as_str());
        let next = tokens.get(i + 1).map(|t| t.folded.as_str());
        let next2 = tokens.get(i + 2).map(|t| t.folded.as_str());
        let age_words = matches!(next, Some("jahre" | "jahr" | "years" | "yo")) && matches!(next2, Some("alt" | "old"));
        if n <= 99 && (matches!(prev, Some("bin" | "werde" | "am")) || age_words) {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated_ages_and_negation() {
        let toks = tokenize("hallo ich bin 9 und mag die maus", 100);
        assert_eq!(stated_age(&toks), Some(9));
        assert_eq!(stated_age(&tokenize("Mein Opa ist 80 Jahre alt", 100)), Some(80));
        assert_eq!(stated_age(&tokenize("Folge 12 lief um 18 Uhr", 100)), None);
        let toks = tokenize("das war nicht so gut", 100);
        assert!(negated(&toks, 4));
        assert!(!negated(&tokenize("das war richtig gut", 100), 3));
    }

    #[test]
    fn text_features_are_unit_normalised_and_lexicon_features_are_not() {
        let config = FeatureConfig::default();
        let ex = extract(&config, "Die Musik war viel zu laut, eine Zumutung!");
        let norm: f32 =
            ex.features.iter().filter(|f| matches!(f.origin, Origin::Span(..))).map(|f| f.value * f.value).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        let lex: Vec<&Feature> = ex.features.iter().filter(|f| matches!(f.origin, Origin::Lexicon(_))).collect();
        assert!(!lex.is_empty() && lex.iter().all(|f| f.value == 1.0 || f.value == 0.3));
        assert_eq!(extract(&config, "gleich").features.len(), extract(&config, "gleich").features.len());
    }

    #[test]
    fn hashing_is_stable() {
        // The shipped model depends on these exact values.
        assert_eq!(fnv1a(&[b"abc"]), fnv1a(&[b"abc"]));
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
