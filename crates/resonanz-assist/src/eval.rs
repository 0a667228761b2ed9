//! Evaluation on labelled examples (a test set: the fresh set or the first split) and the language set: per-category precision,
//! recall, F1 and support, macro-F1, a multi-label confusion table, sentiment and urgency accuracy,
//! emotion F1 and language accuracy — printable as aligned text tables.

use crate::dataset::{Example, LangExample};
use crate::types::{EMOTIONS, SENTIMENTS};
use crate::{Analyzer, Category, detect_language};
use serde::Serialize;
use std::fmt;

/// The targets.
pub const TARGET_MACRO_F1: f32 = 0.75;
pub const TARGET_SAFEGUARDING_RECALL: f32 = 0.95;
pub const TARGET_SAFEGUARDING_PRECISION: f32 = 0.5;
pub const TARGET_LANGUAGE_ACCURACY: f32 = 0.97;
/// Language accuracy counts messages of at least this many words.
pub const LANGUAGE_MIN_WORDS: usize = 5;

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CategoryReport {
    pub category: Category,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    /// Examples that carry the category.
    pub support: usize,
    /// Examples the analyzer assigned it to.
    pub predicted: usize,
}

/// One row of the multi-label confusion table: for the examples that truly carry `category`, how often
/// each category was predicted, and how often nothing was.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ConfusionRow {
    pub category: Category,
    pub support: usize,
    pub predicted: Vec<usize>,
    pub none: usize,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct LanguageRow {
    pub language: String,
    pub correct: usize,
    pub total: usize,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct LanguageReport {
    /// Accuracy over messages of at least [`LANGUAGE_MIN_WORDS`] words.
    pub accuracy: f32,
    pub evaluated: usize,
    /// Accuracy over all messages, including shorter ones.
    pub accuracy_all: f32,
    pub total: usize,
    pub per_language: Vec<LanguageRow>,
    /// Misidentified messages of ≥ 5 words: (id, expected, detected).
    pub errors: Vec<(String, String, String)>,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Report {
    pub model_version: String,
    pub examples: usize,
    pub categories: Vec<CategoryReport>,
    pub macro_f1: f32,
    pub micro_f1: f32,
    /// Share of examples whose predicted category set equals the true set.
    pub exact_match: f32,
    pub confusion: Vec<ConfusionRow>,
    pub sentiment_accuracy: f32,
    /// Rows: true negative/neutral/positive; columns: predicted.
    pub sentiment_confusion: [[usize; 3]; 3],
    pub urgency_accuracy: f32,
    /// Recall of `critical` (true critical examples predicted critical).
    pub urgency_critical_recall: f32,
    pub emotion_f1: Vec<(String, f32, usize)>,
    pub language: LanguageReport,
}

/// A target of the issue and whether it is met.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TargetCheck {
    pub name: String,
    pub value: f32,
    pub target: f32,
    pub met: bool,
}

fn prf(tp: usize, fp: usize, fn_: usize) -> (f32, f32, f32) {
    let p = if tp + fp > 0 { tp as f32 / (tp + fp) as f32 } else { 0.0 };
    let r = if tp + fn_ > 0 { tp as f32 / (tp + fn_) as f32 } else { 0.0 };
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 { 0.0 } else { a as f32 / b as f32 }
}

/// Evaluates `analyzer` on `examples` (pass a test set) and on the language set `lang`.
pub fn evaluate(analyzer: &Analyzer, examples: &[Example], lang: &[LangExample]) -> Report {
    let mut tp = [0usize; 9];
    let mut fp = [0usize; 9];
    let mut fneg = [0usize; 9];
    let mut confusion: Vec<ConfusionRow> = Category::ALL
        .iter()
        .map(|&c| ConfusionRow { category: c, support: 0, predicted: vec![0; 9], none: 0 })
        .collect();
    let mut exact = 0usize;
    let mut sentiment_confusion = [[0usize; 3]; 3];
    let (mut sent_ok, mut sent_n, mut urg_ok, mut urg_n, mut crit_ok, mut crit_n) = (0, 0, 0, 0, 0, 0);
    let mut emo = [(0usize, 0usize, 0usize); 3];
    for e in examples {
        let a = analyzer.analyze(Some(&e.subject), &e.text);
        let predicted: Vec<Category> = a.categories.iter().map(|c| c.name).collect();
        for c in Category::ALL {
            match (predicted.contains(&c), e.categories.contains(&c)) {
                (true, true) => tp[c.index()] += 1,
                (true, false) => fp[c.index()] += 1,
                (false, true) => fneg[c.index()] += 1,
                _ => {}
            }
        }
        for c in &e.categories {
            let row = &mut confusion[c.index()];
            row.support += 1;
            for p in &predicted {
                row.predicted[p.index()] += 1;
            }
            if predicted.is_empty() {
                row.none += 1;
            }
        }
        let mut truth = e.categories.clone();
        truth.sort();
        let mut pred = predicted.clone();
        pred.sort();
        exact += usize::from(truth == pred);
        if let (Some(t), Some(p)) =
            (SENTIMENTS.iter().position(|s| *s == e.sentiment), SENTIMENTS.iter().position(|s| *s == a.sentiment.label))
        {
            sentiment_confusion[t][p] += 1;
            sent_n += 1;
            sent_ok += usize::from(t == p);
        }
        if !e.urgency.is_empty() {
            urg_n += 1;
            urg_ok += usize::from(a.urgency.level == e.urgency);
        }
        if e.urgency == "critical" {
            crit_n += 1;
            crit_ok += usize::from(a.urgency.level == "critical");
        }
        for (i, name) in EMOTIONS.iter().enumerate() {
            let t = e.emotions.iter().any(|x| x == name);
            let p = a.emotions.iter().any(|x| x.name == *name);
            match (p, t) {
                (true, true) => emo[i].0 += 1,
                (true, false) => emo[i].1 += 1,
                (false, true) => emo[i].2 += 1,
                _ => {}
            }
        }
    }
    let categories: Vec<CategoryReport> = Category::ALL
        .iter()
        .map(|&c| {
            let i = c.index();
            let (precision, recall, f1) = prf(tp[i], fp[i], fneg[i]);
            CategoryReport { category: c, precision, recall, f1, support: tp[i] + fneg[i], predicted: tp[i] + fp[i] }
        })
        .collect();
    let macro_f1 = categories.iter().map(|c| c.f1).sum::<f32>() / 9.0;
    let micro_f1 = prf(tp.iter().sum(), fp.iter().sum(), fneg.iter().sum()).2;
    let emotion_f1 = EMOTIONS.iter().zip(emo).map(|(n, (t, f, m))| (n.to_string(), prf(t, f, m).2, t + m)).collect();
    Report {
        model_version: analyzer.version().to_string(),
        examples: examples.len(),
        categories,
        macro_f1,
        micro_f1,
        exact_match: ratio(exact, examples.len()),
        confusion,
        sentiment_accuracy: ratio(sent_ok, sent_n),
        sentiment_confusion,
        urgency_accuracy: ratio(urg_ok, urg_n),
        urgency_critical_recall: ratio(crit_ok, crit_n),
        emotion_f1,
        language: evaluate_language(lang),
    }
}

/// Language accuracy on a language set (overall for ≥ 5 words, per language, and the errors).
pub fn evaluate_language(lang: &[LangExample]) -> LanguageReport {
    let mut per: Vec<LanguageRow> = Vec::new();
    let (mut ok, mut n, mut ok_all) = (0, 0, 0);
    let mut errors = Vec::new();
    for l in lang {
        let got = detect_language(&l.text).code;
        let right = got == l.language;
        ok_all += usize::from(right);
        if l.words() < LANGUAGE_MIN_WORDS {
            continue;
        }
        n += 1;
        ok += usize::from(right);
        if !right {
            errors.push((l.id.clone(), l.language.clone(), got));
        }
        match per.iter_mut().find(|r| r.language == l.language) {
            Some(r) => {
                r.total += 1;
                r.correct += usize::from(right);
            }
            None => per.push(LanguageRow { language: l.language.clone(), correct: usize::from(right), total: 1 }),
        }
    }
    LanguageReport {
        accuracy: ratio(ok, n),
        evaluated: n,
        accuracy_all: ratio(ok_all, lang.len()),
        total: lang.len(),
        per_language: per,
        errors,
    }
}

impl Report {
    fn category(&self, c: Category) -> &CategoryReport {
        &self.categories[c.index()]
    }

    /// The targets with the measured values.
    pub fn targets(&self) -> Vec<TargetCheck> {
        let sg = self.category(Category::Safeguarding);
        let check = |name: &str, value: f32, target: f32| TargetCheck {
            name: name.into(),
            value,
            target,
            met: value >= target,
        };
        vec![
            check("macro-F1 over the nine categories", self.macro_f1, TARGET_MACRO_F1),
            check("safeguarding recall", sg.recall, TARGET_SAFEGUARDING_RECALL),
            check("safeguarding precision", sg.precision, TARGET_SAFEGUARDING_PRECISION),
            check("language accuracy (>= 5 words)", self.language.accuracy, TARGET_LANGUAGE_ACCURACY),
        ]
    }

    /// True if every target of the issue is met.
    pub fn targets_met(&self) -> bool {
        self.targets().iter().all(|t| t.met)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model {} — {} examples", self.model_version, self.examples)?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<14} {:>9} {:>7} {:>7} {:>8} {:>10}",
            "category", "precision", "recall", "F1", "support", "predicted"
        )?;
        for c in &self.categories {
            writeln!(
                f,
                "{:<14} {:>9.3} {:>7.3} {:>7.3} {:>8} {:>10}",
                c.category.as_str(),
                c.precision,
                c.recall,
                c.f1,
                c.support,
                c.predicted
            )?;
        }
        writeln!(f, "{:<14} {:>25.3}", "macro-F1", self.macro_f1)?;
        writeln!(f, "{:<14} {:>25.3}", "micro-F1", self.micro_f1)?;
        writeln!(f, "{:<14} {:>25.3}", "exact match", self.exact_match)?;
        writeln!(f)?;
        writeln!(f, "Confusion (rows: true category; columns: how often each was predicted)")?;
        write!(f, "{:<14} {:>5}", "true \\ pred", "n")?;
        for c in Category::ALL {
            write!(f, " {:>5}", &c.as_str()[..5.min(c.as_str().len())])?;
        }
        writeln!(f, " {:>5}", "none")?;
        for row in &self.confusion {
            write!(f, "{:<14} {:>5}", row.category.as_str(), row.support)?;
            for n in &row.predicted {
                write!(f, " {n:>5}")?;
            }
            writeln!(f, " {:>5}", row.none)?;
        }
        writeln!(f)?;
        writeln!(f, "Sentiment accuracy {:.3} (rows true, columns predicted: neg neu pos)", self.sentiment_accuracy)?;
        for (name, row) in SENTIMENTS.iter().zip(&self.sentiment_confusion) {
            writeln!(f, "  {:<9} {:>5} {:>5} {:>5}", name, row[0], row[1], row[2])?;
        }
        writeln!(
            f,
            "Urgency accuracy {:.3}; critical recall {:.3}",
            self.urgency_accuracy, self.urgency_critical_recall
        )?;
        let emo: Vec<String> = self.emotion_f1.iter().map(|(n, f1, s)| format!("{n} {f1:.3} (n={s})")).collect();
        writeln!(f, "Emotion F1: {}", emo.join(", "))?;
        writeln!(f)?;
        let l = &self.language;
        writeln!(
            f,
            "Language accuracy (>= {LANGUAGE_MIN_WORDS} words) {:.3} on {}; all lengths {:.3} on {}",
            l.accuracy, l.evaluated, l.accuracy_all, l.total
        )?;
        for r in &l.per_language {
            writeln!(f, "  {:<4} {:>3}/{:<3} {:.3}", r.language, r.correct, r.total, ratio(r.correct, r.total))?;
        }
        for (id, want, got) in &l.errors {
            writeln!(f, "  error {id}: expected {want}, detected {got}")?;
        }
        writeln!(f)?;
        writeln!(f, "Targets ({}):", if self.targets_met() { "all met" } else { "NOT all met" })?;
        for t in self.targets() {
            writeln!(
                f,
                "  {:<38} {:>6.3} (target >= {:.2}) {}",
                t.name,
                t.value,
                t.target,
                if t.met { "met" } else { "MISSED" }
            )?;
        }
        Ok(())
    }
}
