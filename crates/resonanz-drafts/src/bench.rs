//! Benchmark: build a [`CaseIndex`] of synthetic resolved cases and time [`Drafter::propose`] with 20
//! text blocks. `resonanz bench drafts` runs it; so does
//! `cargo run -p resonanz-drafts --release --example bench -- 100000 500`.

use std::fmt;
use std::time::Instant;

use resonanz_core::textblocks::{Tone, Values};
use serde::Serialize;

use crate::synth::{Synth, TOPICS, text_blocks};
use crate::{CaseIndex, DraftContext, DraftKind, Drafter, IndexError, ResolvedCase};

/// `n` synthetic German resolved cases (deterministic for `seed`): twenty service topics (repeat
/// dates, Mediathek, invoices, address changes, complaints, praise, children's mail …) mixed with
/// filler from a ~44,000-form vocabulary, with names, customer numbers, phone numbers and addresses.
pub fn synthetic_cases(n: usize, seed: u64) -> Vec<ResolvedCase> {
    let mut s = Synth::new(seed);
    (0..n).map(|i| s.case(i).0).collect()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BenchReport {
    pub cases: usize,
    pub queries: usize,
    /// Generating and indexing the cases (batches of 10,000, one commit each).
    pub build_secs: f64,
    /// Size of the index in RAM (postings, dictionary, stored answers) as tantivy counts it.
    pub index_bytes: u64,
    /// Resident memory of the process after building (Linux; `None` elsewhere).
    pub rss_bytes: Option<u64>,
    /// Growth of resident memory while building.
    pub rss_growth_bytes: Option<u64>,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Share of queries answered with at least one draft.
    pub proposed: f64,
    /// Mean number of drafts when proposing.
    pub mean_drafts: f64,
    /// Share of proposals whose best draft is on the query's topic (a sanity check of the ranking).
    pub top_on_topic: f64,
    /// Set when the benchmark could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |b: u64| b as f64 / 1_048_576.0;
        if let Some(e) = &self.error {
            return write!(f, "drafts benchmark failed: {e}");
        }
        writeln!(f, "drafts benchmark: {} resolved cases, {} proposals, 20 text blocks", self.cases, self.queries)?;
        writeln!(f, "  build          {:>9.1} s", self.build_secs)?;
        writeln!(f, "  index size     {:>9.1} MiB", mb(self.index_bytes))?;
        if let (Some(rss), Some(g)) = (self.rss_bytes, self.rss_growth_bytes) {
            writeln!(f, "  process RSS    {:>9.1} MiB (+{:.1} MiB while building)", mb(rss), mb(g))?;
        }
        writeln!(f, "  propose mean   {:>9.2} ms", self.mean_ms)?;
        writeln!(f, "  propose p50    {:>9.2} ms", self.p50_ms)?;
        writeln!(f, "  propose p95    {:>9.2} ms", self.p95_ms)?;
        writeln!(f, "  propose p99    {:>9.2} ms", self.p99_ms)?;
        writeln!(f, "  propose max    {:>9.2} ms", self.max_ms)?;
        writeln!(f, "  with drafts    {:>9.1} %  (mean {:.2} drafts)", self.proposed * 100.0, self.mean_drafts)?;
        write!(f, "  best on topic  {:>9.1} %", self.top_on_topic * 100.0)
    }
}

/// Resident set size of this process (Linux `/proc/self/status`).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Builds an index of `n_cases` synthetic cases and times `n_queries` proposals for new synthetic
/// messages (single thread, after ten warm-up proposals). Never fails: an index error is reported in
/// [`BenchReport::error`].
pub fn run(n_cases: usize, n_queries: usize) -> BenchReport {
    try_run(n_cases, n_queries).unwrap_or_else(|e| BenchReport { error: Some(e.to_string()), ..BenchReport::default() })
}

/// [`run`], with index errors as errors.
pub fn try_run(n_cases: usize, n_queries: usize) -> Result<BenchReport, IndexError> {
    let rss_before = rss_bytes();
    let started = Instant::now();
    let index = CaseIndex::new()?;
    let mut synth = Synth::new(42);
    let mut topics: Vec<usize> = Vec::with_capacity(n_cases);
    let mut i = 0;
    while i < n_cases {
        let batch: Vec<ResolvedCase> = (i..(i + 10_000).min(n_cases))
            .map(|j| {
                let (c, t) = synth.case(j);
                topics.push(t);
                c
            })
            .collect();
        index.upsert(&batch)?;
        i += batch.len();
    }
    let build_secs = started.elapsed().as_secs_f64();
    let rss = rss_bytes();
    let blocks = text_blocks();
    let drafter = Drafter::new();
    let mut queries = Synth::new(7);
    let contexts: Vec<(DraftContext, usize)> = (0..n_queries + 10)
        .map(|q| {
            let (c, topic) = queries.case(n_cases + q);
            let mut values = Values::new();
            values.insert("contact.name", c.contact_name.clone());
            values.insert("contact.first_name", c.contact_name.split(' ').next().unwrap_or_default().to_string());
            values.insert("agent.name", "Tom Weber".into());
            let ctx = DraftContext {
                case_id: c.case_id,
                reference: c.reference,
                subject: c.subject,
                inbound_text: c.question,
                history: vec![],
                categories: TOPICS[topic].5.iter().map(|c| (c.to_string(), 0.8)).collect(),
                language: "de".into(),
                tone: if q % 4 == 0 { Tone::Du } else { Tone::Sie },
                values,
                text_blocks: blocks.clone(),
            };
            (ctx, topic)
        })
        .collect();
    let mut times = Vec::with_capacity(n_queries);
    let (mut proposed, mut drafts, mut on_topic) = (0usize, 0usize, 0usize);
    for (q, (ctx, topic)) in contexts.iter().enumerate() {
        let t = Instant::now();
        let p = drafter.propose(ctx, &index);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if q < 10 {
            continue;
        }
        times.push(ms);
        if let Some(best) = p.drafts.first() {
            proposed += 1;
            drafts += p.drafts.len();
            let hit = match best.kind {
                DraftKind::TextBlock => best.sources.first().is_some_and(|s| s.label == TOPICS[*topic].0),
                _ => {
                    best.id.strip_prefix("case:case-").and_then(|n| n.parse::<usize>().ok()).and_then(|n| topics.get(n))
                        == Some(topic)
                }
            };
            on_topic += usize::from(hit);
        }
    }
    let mean_ms = times.iter().sum::<f64>() / times.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    Ok(BenchReport {
        cases: index.len(),
        queries: times.len(),
        build_secs,
        index_bytes: index.size_bytes(),
        rss_bytes: rss,
        rss_growth_bytes: rss.zip(rss_before).map(|(a, b)| a.saturating_sub(b)),
        mean_ms,
        p50_ms: percentile(&times, 50.0),
        p95_ms: percentile(&times, 95.0),
        p99_ms: percentile(&times, 99.0),
        max_ms: times.last().copied().unwrap_or(0.0),
        proposed: proposed as f64 / times.len().max(1) as f64,
        mean_drafts: drafts as f64 / proposed.max(1) as f64,
        top_on_topic: on_topic as f64 / proposed.max(1) as f64,
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_cases_are_deterministic_and_varied() {
        let a = synthetic_cases(200, 1);
        assert_eq!(a, synthetic_cases(200, 1));
        assert_ne!(a, synthetic_cases(200, 2));
        let distinct: std::collections::HashSet<&str> = a.iter().map(|c| c.question.as_str()).collect();
        assert_eq!(distinct.len(), 200);
        let words: std::collections::HashSet<String> =
            a.iter().flat_map(|c| crate::analysis::distinct_stems(&c.question)).collect();
        assert!(words.len() > 1_000, "{}", words.len());
        assert_eq!(text_blocks().len(), 20);
    }

    #[test]
    fn small_run_reports_numbers() {
        let r = run(2_000, 30);
        assert_eq!(r.error, None);
        assert_eq!((r.cases, r.queries), (2_000, 30));
        assert!(r.p50_ms > 0.0 && r.p50_ms <= r.p95_ms && r.p95_ms <= r.max_ms);
        assert!(r.index_bytes > 0);
        assert!(r.proposed > 0.8, "{r}");
        assert!(r.top_on_topic > 0.7, "{r}");
        assert!(r.to_string().contains("p95"));
    }
}
