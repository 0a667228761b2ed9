//! Development aid: nested k-fold cross-validation on the built-in TRAINING data only (never the test
//! split). Each outer fold trains with `train()` exactly as the shipped model is trained (including its
//! own inner cross-validation for the thresholds) and is scored on the held-out messages.
//!
//! `cargo run -p resonanz-assist --release --example cross_validate [-- --errors CATEGORY]`
//! Options by environment: EPOCHS, LR, L2, PRUNE, RUNS, CHARS, BIGRAMS, SG_RECALL, SEED (training);
//! REPEATS (outer cross-validation with differently shuffled folds, default 1), INNER=1 (also print the
//! inner cross-validation of a model trained on all training data: what the model file records),
//! SKIP_SCORING=PREFIX (examples whose id starts with PREFIX still train every fold but are not scored:
//! compares a model with a new training file against the old one on the same held-out messages).
//!
//! `… --example cross_validate -- --compare-mix` applies the decision rule written down in docs/assist.md
//! for the real-mix training file: the shipped model against one trained with the file, on the file's
//! messages (which the shipped model never saw; the new model out-of-fold) and on the older training
//! messages (both out-of-fold on the same folds).

use resonanz_assist::{Analyzer, Category, TrainOptions, dataset, train};

fn env(k: &str) -> Option<f32> {
    std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok())
}

fn options() -> TrainOptions {
    let mut opts = TrainOptions::default();
    if let Some(v) = env("EPOCHS") {
        opts.epochs = v as u32;
    }
    if let Some(v) = env("LR") {
        opts.learning_rate = v;
    }
    if let Some(v) = env("L2") {
        opts.l2 = v;
    }
    if let Some(v) = env("PRUNE") {
        opts.prune = v;
    }
    if let Some(v) = env("RUNS") {
        opts.runs = v as u32;
    }
    if let Some(v) = env("CHARS") {
        opts.config.char_ngrams = v > 0.0;
    }
    if let Some(v) = env("BIGRAMS") {
        opts.config.bigrams = v > 0.0;
    }
    if let Some(v) = env("SG_PRECISION") {
        opts.safeguarding_min_precision = v;
    }
    if let Some(v) = env("SEED") {
        opts.seed = v as u64;
    }
    opts
}

/// FNV-1a of the id and the repeat number: the outer fold of an example.
fn fold_of(id: &str, repeat: u32, folds: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain(repeat.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 7) % folds
}

fn prf(tp: usize, fp: usize, fneg: usize) -> (f32, f32, f32) {
    let p = tp as f32 / (tp + fp).max(1) as f32;
    let r = tp as f32 / (tp + fneg).max(1) as f32;
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

/// Counts of one model's decisions on some messages: per category (tp, fp, fn).
#[derive(Default)]
struct Tally([(usize, usize, usize); 9]);

impl Tally {
    fn add(&mut self, predicted: &[Category], truth: &[Category]) {
        for c in Category::ALL {
            let slot = &mut self.0[c.index()];
            match (predicted.contains(&c), truth.contains(&c)) {
                (true, true) => slot.0 += 1,
                (true, false) => slot.1 += 1,
                (false, true) => slot.2 += 1,
                _ => {}
            }
        }
    }
    fn macro_f1(&self) -> f32 {
        self.0.iter().map(|&(tp, fp, fneg)| prf(tp, fp, fneg).2).sum::<f32>() / 9.0
    }
    /// Safeguarding precision, recall and the counts behind them.
    fn safeguarding(&self) -> (f32, f32, usize, usize) {
        let (tp, fp, fneg) = self.0[Category::Safeguarding.index()];
        let (p, r, _) = prf(tp, fp, fneg);
        (p, r, tp, tp + fneg)
    }
    fn line(&self, name: &str) -> String {
        let (p, r, found, all) = self.safeguarding();
        format!("{name:<44} macro-F1 {:.3}  safeguarding P {p:.3} R {r:.3} ({found} of {all})", self.macro_f1())
    }
}

fn categories_of(analyzer: &Analyzer, e: &resonanz_assist::Example) -> Vec<Category> {
    analyzer.analyze(Some(&e.subject), &e.text).categories.iter().map(|c| c.name).collect()
}

/// The decision rule for the real-mix file (docs/assist.md), on the training data only.
fn compare_mix(opts: &TrainOptions) {
    let all = dataset::builtin_train();
    let mix: std::collections::HashSet<String> = dataset::builtin_mix().into_iter().map(|e| e.id).collect();
    let old: Vec<_> = all.iter().filter(|e| !mix.contains(&e.id)).cloned().collect();
    // The model before the file: trained on the older messages alone, as it was shipped
    // (`assist-2026.11-32b7ff10`); the shipped model now is the one trained with the file.
    let shipped = Analyzer::from_model(train(&old, opts));
    println!(
        "{} training messages, {} of them new; the model without them: {}",
        all.len(),
        mix.len(),
        shipped.version()
    );
    let (mut shipped_new, mut new_new, mut old_old, mut new_old) =
        (Tally::default(), Tally::default(), Tally::default(), Tally::default());
    for e in all.iter().filter(|e| mix.contains(&e.id)) {
        shipped_new.add(&categories_of(&shipped, e), &e.categories);
    }
    let folds = 5u64;
    for k in 0..folds {
        let held = |e: &&resonanz_assist::Example| fold_of(&e.id, 0, folds) == k;
        let with_mix = Analyzer::from_model(train(&all.iter().filter(|e| !held(e)).cloned().collect::<Vec<_>>(), opts));
        let without = Analyzer::from_model(train(&old.iter().filter(|e| !held(e)).cloned().collect::<Vec<_>>(), opts));
        for e in all.iter().filter(held) {
            if mix.contains(&e.id) {
                new_new.add(&categories_of(&with_mix, e), &e.categories);
            } else {
                new_old.add(&categories_of(&with_mix, e), &e.categories);
                old_old.add(&categories_of(&without, e), &e.categories);
            }
        }
        println!("fold {} of {folds} done", k + 1);
    }
    println!("On the new messages:");
    println!("  {}", shipped_new.line("model without the file (never saw them)"));
    println!("  {}", new_new.line("with the new file, out-of-fold"));
    println!("On the older training messages, out-of-fold on the same folds:");
    println!("  {}", old_old.line("without the new file"));
    println!("  {}", new_old.line("with the new file"));
    let (p_new, r_new, ..) = new_new.safeguarding();
    let ship = new_new.macro_f1() > shipped_new.macro_f1()
        && r_new >= shipped_new.safeguarding().1
        && p_new >= 0.5
        && new_old.macro_f1() >= old_old.macro_f1() - 0.01;
    println!("Decision by the rule in docs/assist.md: {}", if ship { "SHIP" } else { "DO NOT SHIP" });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--compare-mix") {
        compare_mix(&options());
        return;
    }
    let show = args.iter().position(|a| a == "--errors").and_then(|i| args.get(i + 1)).and_then(|c| Category::parse(c));
    let data = dataset::builtin_train();
    let opts = options();
    let folds = 5u64;
    let repeats = env("REPEATS").map_or(1, |v| v.max(1.0) as u32);
    let skip = std::env::var("SKIP_SCORING").ok().filter(|p| !p.is_empty());
    println!("{} training examples; {opts:?}; {repeats} repeat(s) of {folds}-fold", data.len());
    if env("INNER").is_some() {
        let model = train(&data, &opts);
        for s in &model.training().cross_validation {
            let c = s.category.as_str();
            let (t, p, r, f, n) = (s.threshold, s.precision, s.recall, s.f1, s.support);
            println!("inner {c:<13} threshold {t:.2}  P {p:.3} R {r:.3} F1 {f:.3} (n={n})");
        }
    }
    let (mut tp, mut fp, mut fneg) = ([0usize; 9], [0usize; 9], [0usize; 9]);
    // The same counts over the examples of the evaluation files only (their train split), whose mix is
    // closest to the test split's.
    // (Not the train-only files, enriched or real-mix.)
    let extra: Vec<String> = dataset::builtin_extra().into_iter().chain(dataset::builtin_mix()).map(|e| e.id).collect();
    let (mut etp, mut efp, mut efn) = ([0usize; 9], [0usize; 9], [0usize; 9]);
    let (mut sent_ok, mut urg_ok, mut total) = (0, 0, 0);
    // Safeguarding: (probability, assigned by the lexicon rule, truly safeguarding).
    let mut sg: Vec<(f32, bool, bool)> = Vec::new();
    for repeat in 0..repeats {
        for k in 0..folds {
            let (held, train_set): (Vec<_>, Vec<_>) =
                data.iter().cloned().partition(|e| fold_of(&e.id, repeat, folds) == k);
            let analyzer = Analyzer::from_model(train(&train_set, &opts));
            for e in held {
                if skip.as_deref().is_some_and(|p| e.id.starts_with(p)) {
                    continue;
                }
                let a = analyzer.analyze(Some(&e.subject), &e.text);
                let p = analyzer.category_probabilities(Some(&e.subject), &e.text)[6].1;
                let rule = analyzer.lexicon_assigned(Some(&e.subject), &e.text).contains(&Category::Safeguarding);
                let truth = e.categories.contains(&Category::Safeguarding);
                sg.push((p, rule, truth));
                if env("LIST").is_some()
                    && repeat == 0
                    && ((truth && p < 0.1 && !rule) || (!truth && (p > 0.3 || rule)))
                {
                    let kind = if truth { "MISS" } else { "FALSE" };
                    println!("{kind} {} p {p:.3} rule {rule} | {} | {}", e.id, e.subject, e.text.replace('\n', " "));
                }
                let pred: Vec<Category> = a.categories.iter().map(|c| c.name).collect();
                sent_ok += usize::from(a.sentiment.label == e.sentiment);
                urg_ok += usize::from(a.urgency.level == e.urgency);
                total += 1;
                for c in Category::ALL {
                    let (p, t) = (pred.contains(&c), e.categories.contains(&c));
                    let from_eval = !extra.contains(&e.id);
                    let i = c.index();
                    match (p, t) {
                        (true, true) => (tp[i], etp[i]) = (tp[i] + 1, etp[i] + usize::from(from_eval)),
                        (true, false) => (fp[i], efp[i]) = (fp[i] + 1, efp[i] + usize::from(from_eval)),
                        (false, true) => (fneg[i], efn[i]) = (fneg[i] + 1, efn[i] + usize::from(from_eval)),
                        _ => {}
                    }
                    if show == Some(c) && p != t && repeat == 0 {
                        let conf = a.categories.iter().find(|x| x.name == c).map_or(0.0, |x| x.confidence);
                        let signals: Vec<_> = a.categories.iter().map(|c| (c.name.as_str(), &c.signals)).collect();
                        let kind = if p { "FP" } else { "FN" };
                        let text = e.text.replace('\n', " ");
                        println!(
                            "{kind} {} {c} p {:.3} conf {conf:.2} | {} | {text}\n   {signals:?}\n",
                            e.id,
                            p_of(&analyzer, &e, c),
                            e.subject
                        );
                    }
                }
            }
        }
    }
    let mut macro_f1 = 0.0;
    for c in Category::ALL {
        let i = c.index();
        let (p, r, f) = prf(tp[i], fp[i], fneg[i]);
        macro_f1 += f / 9.0;
        println!("{:<13} P {p:.3} R {r:.3} F1 {f:.3} (n={})", c.as_str(), (tp[i] + fneg[i]) / repeats as usize);
    }
    let mut eval_macro = 0.0;
    for c in Category::ALL {
        let i = c.index();
        eval_macro += prf(etp[i], efp[i], efn[i]).2 / 9.0;
    }
    let (p, r, f) = prf(etp[6], efp[6], efn[6]);
    println!("evaluation-file examples only: macro-F1 {eval_macro:.3}; safeguarding P {p:.3} R {r:.3} F1 {f:.3}");
    let n = total as f32;
    println!("macro-F1 {macro_f1:.3}  sentiment acc {:.3}  urgency acc {:.3}", sent_ok as f32 / n, urg_ok as f32 / n);
    // How the safeguarding decision would do at other thresholds (lexicon rule included).
    let mut line = String::from("safeguarding at threshold:");
    for t in [0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3] {
        let (mut a, mut b, mut c) = (0, 0, 0);
        for &(p, rule, truth) in &sg {
            match (p >= t || rule, truth) {
                (true, true) => a += 1,
                (true, false) => b += 1,
                (false, true) => c += 1,
                _ => {}
            }
        }
        let (p, r, _) = prf(a, b, c);
        line.push_str(&format!(" {t:.2}: P {p:.2} R {r:.3} |"));
    }
    println!("{line}");
    // Ranking quality of the probability alone, and with the lexicon rule counted as certain.
    for (name, with_rule) in [("probability", false), ("probability+rule", true)] {
        let mut scored: Vec<(f32, bool)> =
            sg.iter().map(|&(p, rule, truth)| (if with_rule && rule { 2.0 } else { p }, truth)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let positives = scored.iter().filter(|s| s.1).count().max(1);
        let (mut hits, mut ap) = (0usize, 0.0f32);
        let mut at = [(0.90f32, 0.0f32), (0.95, 0.0), (0.98, 0.0)];
        for (i, s) in scored.iter().enumerate() {
            if s.1 {
                hits += 1;
                let precision = hits as f32 / (i + 1) as f32;
                ap += precision / positives as f32;
                for (r, p) in &mut at {
                    if *p == 0.0 && hits as f32 >= *r * positives as f32 {
                        *p = precision;
                    }
                }
            }
        }
        let at: Vec<String> = at.iter().map(|(r, p)| format!("P@R{r:.2} {p:.3}")).collect();
        println!("safeguarding ranking ({name}): AP {ap:.3}  {}", at.join("  "));
    }
}

fn p_of(analyzer: &Analyzer, e: &resonanz_assist::Example, c: Category) -> f32 {
    analyzer.category_probabilities(Some(&e.subject), &e.text)[c.index()].1
}
