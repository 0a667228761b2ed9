//! Development aid: k-fold cross-validation on the built-in TRAIN split only (never the test split).
//! `cargo run -p resonanz-assist --release --example cross_validate [-- --errors CATEGORY]`

use resonanz_assist::{Analyzer, Category, TrainOptions, dataset, train};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let show = args.iter().position(|a| a == "--errors").and_then(|i| args.get(i + 1)).and_then(|c| Category::parse(c));
    let data = dataset::builtin_train();
    let folds = 5;
    let mut opts = TrainOptions::default();
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok());
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
    println!("{opts:?}");
    let (mut tp, mut fp, mut fneg) = ([0usize; 9], [0usize; 9], [0usize; 9]);
    let (mut sent_ok, mut urg_ok) = (0, 0);
    let mut sg_probs: Vec<(f32, bool, bool, String)> = Vec::new();
    for k in 0..folds {
        let (test, train_set): (Vec<_>, Vec<_>) = data.iter().cloned().enumerate().partition(|(i, _)| i % folds == k);
        let train_set: Vec<_> = train_set.into_iter().map(|(_, e)| e).collect();
        let analyzer = Analyzer::from_model(train(&train_set, &opts));
        for (_, e) in test {
            let a = analyzer.analyze(Some(&e.subject), &e.text);
            let p = analyzer.category_probabilities(Some(&e.subject), &e.text)[6].1;
            let hits =
                Analyzer::lexicon_hits(Some(&e.subject), &e.text).iter().any(|h| h.0.starts_with("safeguarding"));
            sg_probs.push((p, e.categories.contains(&Category::Safeguarding), hits, e.id.clone()));
            let pred: Vec<Category> = a.categories.iter().map(|c| c.name).collect();
            sent_ok += usize::from(a.sentiment.label == e.sentiment);
            urg_ok += usize::from(a.urgency.level == e.urgency);
            for c in Category::ALL {
                let (p, t) = (pred.contains(&c), e.categories.contains(&c));
                match (p, t) {
                    (true, true) => tp[c.index()] += 1,
                    (true, false) => fp[c.index()] += 1,
                    (false, true) => fneg[c.index()] += 1,
                    _ => {}
                }
                if show == Some(c) && p != t {
                    let conf = a.categories.iter().find(|x| x.name == c).map(|x| x.confidence).unwrap_or(0.0);
                    println!(
                        "{} {} {} conf {:.2} | {} | {}\n   signals: {:?}\n",
                        if p { "FP" } else { "FN" },
                        e.id,
                        c,
                        conf,
                        e.subject,
                        e.text.replace('\n', " "),
                        a.categories.iter().map(|c| (c.name.as_str(), &c.signals)).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    if std::env::var("SGDIST").is_ok() {
        sg_probs.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (p, t, h, id) in &sg_probs {
            if *p > 0.01 || *t {
                println!("{p:.3} {} hit={h} {id}", if *t { "POS" } else { "neg" });
            }
        }
    }
    let mut macro_f1 = 0.0;
    for c in Category::ALL {
        let i = c.index();
        let p = tp[i] as f32 / (tp[i] + fp[i]).max(1) as f32;
        let r = tp[i] as f32 / (tp[i] + fneg[i]).max(1) as f32;
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        macro_f1 += f / 9.0;
        println!("{:<13} P {:.3} R {:.3} F1 {:.3} (n={})", c.as_str(), p, r, f, tp[i] + fneg[i]);
    }
    println!(
        "macro-F1 {macro_f1:.3}  sentiment acc {:.3}  urgency acc {:.3}",
        sent_ok as f32 / data.len() as f32,
        urg_ok as f32 / data.len() as f32
    );
}
