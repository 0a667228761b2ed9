//! Sentiment, emotions and urgency from the model heads, the lexicons and punctuation/capitals.

use crate::Category;
use crate::analyzer::Scored;
use crate::lexicon::Target;
use crate::model::{EMOTION0, SENTIMENT0, URGENCY0};
use crate::types::{CategoryScore, EMOTIONS, Emotion, LanguageGuess, SENTIMENTS, Sentiment, URGENCY_LEVELS, Urgency};

/// Sentiment label, score (P(positive) − P(negative)) and confidence (the winning probability, lowered
/// for languages the model was not trained on when no lexicon word supports it).
pub(crate) fn sentiment(s: &Scored, language: &LanguageGuess) -> Sentiment {
    let p = &s.probs[SENTIMENT0..SENTIMENT0 + 3];
    let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a))).unwrap_or(1);
    let score = (p[2] - p[0]).clamp(-1.0, 1.0);
    let lexicon_support = !s.hit_surfaces(|g| g.target == Target::Sentiment).is_empty();
    let factor = if language.code == "de" || lexicon_support { 1.0 } else { 0.6 };
    Sentiment { label: SENTIMENTS[best].to_string(), score, confidence: (p[best] * factor).clamp(0.0, 1.0) }
}

/// Emotions whose probability reaches the model's threshold, with intensity and signals.
pub(crate) fn emotions(s: &Scored) -> Vec<Emotion> {
    let styles = s.styles();
    let shouting = styles.contains(&"words in capitals");
    let emphatic = styles.contains(&"repeated !/?") || styles.contains(&"several exclamation marks");
    let mut out = Vec::new();
    for (e, name) in EMOTIONS.iter().enumerate() {
        let p = s.probs[EMOTION0 + e];
        if p < s.model.emotion_thresholds[e] {
            continue;
        }
        let mut signals = s.hit_surfaces(|g| g.target == Target::Emotion(e));
        let mut intensity = p;
        if e == 0 {
            if shouting {
                intensity += 0.15;
                signals.push("words in capitals".into());
            }
            if emphatic {
                intensity += 0.1;
                signals.push("exclamation marks".into());
            }
        }
        signals.truncate(5);
        out.push(Emotion { name: (*name).to_string(), intensity: intensity.clamp(0.0, 1.0), signals });
    }
    out.sort_by(|a, b| b.intensity.total_cmp(&a.intensity).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Urgency: critical when safeguarding is assigned or a violent threat is present; otherwise the model's
/// most likely level among low, normal and high, with urgency words as signals.
pub(crate) fn urgency(s: &Scored, categories: &[CategoryScore]) -> Urgency {
    let assigned = |c: Category| categories.iter().find(|x| x.name == c);
    let violent = s.hit_surfaces(|g| {
        g.target == Target::Category { category: Category::Threat, negative: false }
            && (g.name.starts_with("threat.violence") || g.name.starts_with("threat.doxx"))
    });
    let critical_words = s.hit_surfaces(|g| g.target == Target::Urgency && g.weight >= 3.0);
    let mut signals = s.hit_surfaces(|g| g.target == Target::Urgency);
    if let Some(sg) = assigned(Category::Safeguarding) {
        let mut sig = vec!["safeguarding concern".to_string()];
        sig.extend(sg.signals.iter().take(3).cloned());
        sig.extend(signals);
        sig.truncate(5);
        return Urgency { level: "critical".into(), confidence: sg.confidence.max(0.6), signals: sig };
    }
    if assigned(Category::Threat).is_some() && !violent.is_empty() {
        let mut sig = vec!["threat of violence".to_string()];
        sig.extend(violent.into_iter().take(4));
        return Urgency { level: "critical".into(), confidence: 0.8, signals: sig };
    }
    let p = &s.probs[URGENCY0..URGENCY0 + 4];
    let mut best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a))).unwrap_or(1);
    let mut confidence = p[best] + if best == 2 { p[3] } else { 0.0 };
    if !critical_words.is_empty() && best < 2 {
        best = 2;
        confidence = 0.6;
    }
    if best == 2 && assigned(Category::Threat).is_some() {
        signals.insert(0, "threat or abuse".into());
    }
    signals.truncate(5);
    Urgency { level: URGENCY_LEVELS[best].to_string(), confidence: confidence.clamp(0.0, 1.0), signals }
}
