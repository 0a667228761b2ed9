//! Regenerates the shipped model from the built-in training data (the train split of the evaluation
//! files plus the train-only extra files; never the test split):
//! `cargo run -p resonanz-assist --release --example train_builtin` (writes `model/model.json`).
//! With `--eval` it also prints the test-split report and the throughput.

use resonanz_assist::{Analyzer, TrainOptions, bench, dataset, eval, train};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let train_set = dataset::builtin_train();
    let model = train(&train_set, &TrainOptions::default());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/model.json");
    let json = model.to_json();
    std::fs::write(&path, &json)?;
    println!("wrote {} ({} bytes, {} buckets), version {}", path.display(), json.len(), model.len(), model.version());
    println!("trained on {} train examples (data hash {})", model.training().examples, model.training().data_hash);
    for s in &model.training().cross_validation {
        println!(
            "  cv {:<13} threshold {:.2}  precision {:.3} recall {:.3} F1 {:.3} (n={})",
            s.category.as_str(),
            s.threshold,
            s.precision,
            s.recall,
            s.f1,
            s.support
        );
    }
    if std::env::args().any(|a| a == "--eval") {
        let analyzer = Analyzer::from_model(model);
        let report = eval::evaluate(&analyzer, &dataset::builtin_test(), &dataset::language_set());
        println!("\n{report}");
        println!("{}", bench::throughput(&analyzer, 5000));
    }
    Ok(())
}
