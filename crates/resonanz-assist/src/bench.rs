//! Single-thread throughput of [`Analyzer::analyze`] on realistic mails.

use crate::Analyzer;
use crate::dataset::builtin;
use serde::Serialize;
use std::fmt;
use std::time::Instant;

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ThroughputReport {
    pub messages: usize,
    pub seconds: f64,
    pub per_second: f64,
    /// Mean words per analysed message.
    pub mean_words: f64,
    /// Mean, 50th and 99th percentile time per message in microseconds.
    pub mean_micros: f64,
    pub p50_micros: f64,
    pub p99_micros: f64,
    /// Messages per second at the median time (less sensitive to other load on the machine).
    pub median_per_second: f64,
    /// Whether this binary was built with optimisations (debug numbers are not meaningful).
    pub optimized: bool,
}

impl fmt::Display for ThroughputReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} messages ({:.0} words on average) in {:.3} s on one thread: {:.0} messages/s; \
             mean {:.0} µs, p50 {:.0} µs, p99 {:.0} µs per message ({:.0} messages/s at the median){}",
            self.messages,
            self.mean_words,
            self.seconds,
            self.per_second,
            self.mean_micros,
            self.p50_micros,
            self.p99_micros,
            self.median_per_second,
            if self.optimized { "" } else { " (debug build: not representative)" }
        )
    }
}

/// Typical mails of 50–150 words: built-in messages, two or three joined where they are short, plus
/// a few synthetic ones, so the mix does not depend on which data files exist.
pub fn corpus() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut pending = String::new();
    for e in builtin() {
        if !pending.is_empty() {
            pending.push_str("\n\n");
        }
        pending.push_str(&e.text);
        if pending.split_whitespace().count() >= 50 {
            out.push((e.subject.clone(), std::mem::take(&mut pending)));
        }
    }
    let synthetic = [
        (
            "Wiederholung",
            "Guten Tag, ich habe am Sonntag leider den Anfang der Sendung verpasst. Können Sie mir sagen, wann die Folge wiederholt wird oder ob sie in der Mediathek zu finden ist? Ich schaue Ihr Programm seit vielen Jahren sehr gern, besonders die Reportagen über Landwirtschaft und die Natur in Norddeutschland. Meine Frau und ich würden uns freuen, wenn Sie mehr davon zeigen. Vielen Dank im Voraus und freundliche Grüße aus Kiel",
        ),
        (
            "Beschwerde",
            "Sehr geehrte Damen und Herren, schon wieder war die Hintergrundmusik in der Dokumentation gestern Abend viel zu laut, man hat die Sprecherin kaum verstanden. Ich habe mich darüber bereits vor drei Wochen beschwert und keine Antwort erhalten. Für einen Sender, den wir alle mit dem Rundfunkbeitrag bezahlen, finde ich das wirklich ärgerlich. Bitte sorgen Sie dafür, dass das korrigiert wird. Mit freundlichen Grüßen",
        ),
        (
            "",
            "Hello, I am writing from Manchester about the nature documentary you broadcast last week. My children loved it and we would like to watch it again. Is it available online with English subtitles, and could you tell me whether there is a DVD we could order? Thank you very much for the wonderful programme and kind regards to the whole team.",
        ),
    ];
    for (s, t) in synthetic {
        out.push((s.to_string(), t.to_string()));
    }
    out
}

/// Analyses `messages` messages from [`corpus`] on the current thread and reports the rate.
pub fn throughput(analyzer: &Analyzer, messages: usize) -> ThroughputReport {
    let corpus = corpus();
    let messages = messages.max(1);
    // Warm up lazily initialised tables (lexicon, stemmer, language tables).
    let _ = analyzer.analyze(Some("warm-up"), "Guten Tag, das ist eine kurze Nachricht zum Aufwärmen.");
    let mut times = Vec::with_capacity(messages);
    let mut words = 0usize;
    let start = Instant::now();
    for i in 0..messages {
        let (subject, text) = &corpus[i % corpus.len()];
        let t = Instant::now();
        let a = analyzer.analyze(Some(subject), text);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        words += text.split_whitespace().count();
        std::hint::black_box(a);
    }
    let seconds = start.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    ThroughputReport {
        messages,
        seconds,
        per_second: messages as f64 / seconds.max(1e-9),
        mean_words: words as f64 / messages as f64,
        mean_micros: times.iter().sum::<f64>() / messages as f64,
        p50_micros: pct(0.5),
        p99_micros: pct(0.99),
        median_per_second: 1e6 / pct(0.5).max(1e-3),
        optimized: !cfg!(debug_assertions),
    }
}
