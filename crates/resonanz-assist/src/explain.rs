//! The readable English explanation of an analysis.

use crate::analyzer::Scored;
use crate::language::language_name;
use crate::lexicon::Target;
use crate::types::{CategoryScore, Emotion, LanguageGuess, Sentiment, Urgency};

fn quoted(words: &[String]) -> String {
    words.iter().map(|w| format!("\u{201c}{w}\u{201d}")).collect::<Vec<_>>().join(", ")
}

/// One paragraph: categories with the words behind them, language, sentiment, emotions, urgency.
pub(crate) fn explanation(
    s: &Scored,
    language: &LanguageGuess,
    sentiment: &Sentiment,
    emotions: &[Emotion],
    categories: &[CategoryScore],
    urgency: &Urgency,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    if categories.is_empty() {
        parts.push("No category reached its threshold, so none was assigned.".into());
    } else {
        let list: Vec<String> = categories
            .iter()
            .map(|c| {
                let pct = (c.confidence * 100.0).round();
                if c.signals.is_empty() {
                    format!("{} ({pct:.0}%)", c.name)
                } else {
                    format!("{} ({pct:.0}%, from {})", c.name, quoted(&c.signals))
                }
            })
            .collect();
        parts.push(format!("Categories: {}.", list.join("; ")));
    }
    let styles: Vec<&str> = s.styles().into_iter().filter(|n| !n.ends_with("message")).collect();
    if !styles.is_empty() {
        parts.push(format!("Style cues: {}.", styles.join(", ")));
    }
    let lang = if language.code == "und" {
        "Language undetermined (too little text).".to_string()
    } else {
        format!("Language: {} ({:.0}%).", language_name(&language.code), language.confidence * 100.0)
    };
    parts.push(lang);
    let cue_sign = if sentiment.label == "positive" { 1.0 } else { -1.0 };
    let cues = s.hit_surfaces(|g| g.target == Target::Sentiment && g.weight * cue_sign > 0.0);
    let cues: Vec<String> = cues.into_iter().take(4).collect();
    let mut sent = format!("Sentiment {} (score {:+.2})", sentiment.label, sentiment.score);
    if sentiment.label != "neutral" && !cues.is_empty() {
        sent.push_str(&format!(", cues {}", quoted(&cues)));
    }
    parts.push(format!("{sent}."));
    if !emotions.is_empty() {
        let list: Vec<String> = emotions
            .iter()
            .map(|e| {
                if e.signals.is_empty() {
                    format!("{} {:.0}%", e.name, e.intensity * 100.0)
                } else {
                    format!("{} {:.0}% ({})", e.name, e.intensity * 100.0, quoted(&e.signals))
                }
            })
            .collect();
        parts.push(format!("Emotions: {}.", list.join(", ")));
    }
    let mut urg = format!("Urgency {}", urgency.level);
    if !urgency.signals.is_empty() {
        urg.push_str(&format!(" ({})", urgency.signals.join(", ")));
    }
    parts.push(format!("{urg}."));
    parts.join(" ")
}
