use super::analyzer;
use resonanz_assist::{Analyzer, Category, Example, Model, TrainOptions, bench, dataset, eval, train};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// SHA-256 of the test split: id, subject, text and categories of every test example, in order.
///
/// THE TEST SPLIT IS FROZEN AND MUST NEVER CHANGE. It is the only honest measure of the engine on mail
/// it was not tuned on; adding, removing, editing or relabelling a test example (or moving one into the
/// training data) would make every reported number incomparable. New data goes into training files.
const TEST_SPLIT_SHA256: &str = "39fa51f3609943a929f0b0df23c4832d1d6bf36fa16e75d9416e3eb0de731da8";

/// SHA-256 of a test set: id, subject, text and categories of every example, in order.
fn fingerprint(set: &[Example]) -> String {
    let mut hash = Sha256::new();
    for e in set {
        let categories: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
        hash.update(format!("{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1e}", e.id, e.subject, e.text, categories.join(",")));
    }
    hex::encode(hash.finalize())
}

/// Ids of the train-only files (enriched and real-mix): always `train`, whatever the id rule says.
fn train_only_ids() -> HashSet<String> {
    dataset::builtin_extra().into_iter().chain(dataset::builtin_mix()).map(|e| e.id).collect()
}

#[test]
fn the_test_split_is_frozen() {
    let test = dataset::builtin_test();
    assert_eq!(test.len(), 200, "the test split has exactly 200 messages");
    assert_eq!(fingerprint(&test), TEST_SPLIT_SHA256, "the frozen test split changed");
    // No example of the train-only files may ever reach the test split.
    let mut extra = dataset::builtin_extra();
    assert!(extra.len() >= 420, "extra training files missing: {}", extra.len());
    let mix = dataset::builtin_mix();
    assert_eq!(mix.len(), 999, "the real-mix training file");
    assert!(mix.iter().all(|e| !e.enriched), "real-mix examples choose thresholds");
    extra.extend(mix);
    let test_ids: HashSet<&str> = test.iter().map(|e| e.id.as_str()).collect();
    for e in &extra {
        assert!(!test_ids.contains(e.id.as_str()), "extra-file id {} is in the test split", e.id);
        assert!(e.is_train(), "{} is not train", e.id);
    }
    let train_ids: HashSet<String> = dataset::builtin_train().into_iter().map(|e| e.id).collect();
    assert!(extra.iter().all(|e| train_ids.contains(&e.id)), "extra files are not in the training data");
    assert!(test_ids.iter().all(|id| !train_ids.contains(*id)), "a test id is in the training data");
}

/// SHA-256 of the fresh test set, hashed like the first split. FROZEN like it: the set was written and
/// labelled after the model was frozen, and is test-only for good (docs/assist.md).
const FRESH_SET_SHA256: &str = "a329534c64ef116a6421660c7cba86c818ea417dc0c35cd20b4bcfee5ecd81f0";

#[test]
fn the_fresh_test_set_is_frozen_and_never_trained_on() {
    let fresh = dataset::builtin_fresh();
    assert_eq!(fresh.len(), 500, "the fresh test set has exactly 500 messages");
    assert_eq!(dataset::fresh_file(), ("de-fresh.jsonl", 500), "a line of de-fresh.jsonl does not parse");
    assert!(fresh.iter().all(Example::is_test));
    assert_eq!(fingerprint(&fresh), FRESH_SET_SHA256, "the fresh test set changed");
    let safeguarding = fresh.iter().filter(|e| e.categories.contains(&Category::Safeguarding)).count();
    assert_eq!(safeguarding, 82);

    // None of it is, or ever becomes, training data: no id and no text of it is in the built-in data.
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let known: HashSet<String> = dataset::builtin().iter().map(|e| normal(&e.text)).collect();
    let known_ids: HashSet<String> = dataset::builtin().into_iter().map(|e| e.id).collect();
    let mut ids = HashSet::new();
    for e in &fresh {
        assert!(ids.insert(e.id.as_str()), "duplicate id {}", e.id);
        assert!(!known_ids.contains(&e.id), "{} is also an id of the built-in data", e.id);
        assert!(!known.contains(&normal(&e.text)), "{}'s text is in the built-in data", e.id);
    }
}

/// The shipped model's results on both test sets, exactly as docs/assist.md reports them: every issue
/// target met, and the safeguarding counts. A failure means a change altered what the engine does on
/// mail it was never tuned on. Do not make it pass by tuning on these sets: fix the change, or — if the
/// change is meant and was decided on the training data — run `assist eval` once per set and report the
/// new numbers in docs/assist.md and here.
#[test]
fn the_shipped_model_meets_the_targets_on_both_test_sets() {
    let lang = dataset::language_set();
    for (name, set, found, concerns, precision, macro_f1) in [
        ("fresh", dataset::builtin_fresh(), 80, 82, 0.584, 0.795),
        ("first", dataset::builtin_test(), 31, 32, 0.585, 0.778),
    ] {
        let report = eval::evaluate(analyzer(), &set, &lang);
        assert!(report.targets_met(), "{name}: {:?}", report.targets());
        let sg = &report.categories[Category::Safeguarding.index()];
        assert_eq!(sg.support, concerns, "{name}");
        assert_eq!((sg.recall * concerns as f32).round() as usize, found, "{name}: concerns found");
        assert!((sg.precision - precision).abs() < 0.0005, "{name}: safeguarding precision {}", sg.precision);
        assert!((report.macro_f1 - macro_f1).abs() < 0.0005, "{name}: macro-F1 {}", report.macro_f1);
    }
}

#[test]
fn the_shipped_model_is_reproduced_from_the_train_split() {
    let train_set = dataset::builtin_train();
    assert!(train_set.iter().all(Example::is_train));
    let extra = train_only_ids();
    assert!(
        train_set.iter().all(|e| extra.contains(&e.id) || dataset::split_for_id(&e.id) == "train"),
        "split field disagrees with ids"
    );
    // One training with 5-fold cross-validation over the ~720 training messages: about 0.8 s in the test
    // profile (the workspace builds this crate with opt-level 3 in dev) on the shared 2-core machine.
    let model = train(&train_set, &TrainOptions::default());
    assert_eq!(
        model.version(),
        analyzer().version(),
        "model/model.json is not what training on the train split gives: run \
         `cargo run -p resonanz-assist --release --example train_builtin`"
    );
    assert_eq!(model.training().examples, train_set.len());
}

#[test]
fn builtin_data_is_well_formed() {
    let all = dataset::builtin();
    let files: usize = dataset::builtin_files().iter().map(|f| f.1).sum();
    assert_eq!(all.len(), files, "a line of the embedded data files does not parse");
    assert!(all.len() >= 720);
    let extra = train_only_ids();
    let mix: HashSet<String> = dataset::builtin_mix().into_iter().map(|e| e.id).collect();
    let mut ids = HashSet::new();
    for e in &all {
        // Real-mix files may hold a message without any category (an out-of-office reply, "ok danke").
        assert!(!e.categories.is_empty() || mix.contains(&e.id), "{} has no category", e.id);
        assert!(ids.insert(e.id.clone()), "duplicate id {}", e.id);
        if extra.contains(&e.id) {
            assert_eq!(e.split, "train", "{} comes from a train-only file", e.id);
        } else {
            assert_eq!(e.split, dataset::split_for_id(&e.id), "{} has split {}", e.id, e.split);
        }
    }
    let test = dataset::builtin_test();
    assert!(!test.is_empty() && test.iter().all(Example::is_test));
}

fn small_set() -> Vec<Example> {
    let mut out = Vec::new();
    for i in 0..12 {
        out.push(Example::new(
            &format!("r{i:03}"),
            "Wiederholung",
            &format!("Wann wird Folge {i} wiederholt? In der Mediathek finde ich sie nicht."),
            &[Category::Routine, Category::Question],
        ));
        out.push(Example::new(
            &format!("c{i:03}"),
            "",
            &format!("Die Musik war zum {i}. Mal viel zu laut, eine Zumutung!"),
            &[Category::Complaint],
        ));
        out.push(Example::new(
            &format!("p{i:03}"),
            "Danke",
            &format!("Vielen Dank für die wunderbare Sendung Nummer {i}, großartig!"),
            &[Category::Praise],
        ));
    }
    out
}

#[test]
fn training_is_deterministic() {
    let opts = TrainOptions { folds: 3, ..TrainOptions::default() };
    let a = train(&small_set(), &opts);
    let b = train(&small_set(), &opts);
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.version(), b.version());
    assert!(a.version().starts_with(resonanz_assist::VERSION_PREFIX));
    let other = train(&small_set(), &TrainOptions { seed: 7, ..opts });
    assert_ne!(other.version(), a.version(), "the seed should matter");
}

#[test]
fn model_json_round_trips_and_rejects_tampering() {
    let model = train(&small_set(), &TrainOptions { folds: 3, ..TrainOptions::default() });
    let json = model.to_json();
    let back = Model::from_json(&json).expect("round trip");
    assert_eq!(back, model);
    assert_eq!(back.to_json(), json);
    let tampered =
        json.replacen("\"thresholds\":[[\"routine\",", "\"thresholds\":[[\"routine\",0.0001,\"x\"],[\"routine\",", 1);
    assert!(Model::from_json(&tampered).is_err());
    assert!(Model::from_json("{}").is_err());
    let version_changed = json.replacen(model.version(), "assist-2026.11-00000000", 1);
    assert!(Model::from_json(&version_changed).is_err(), "a version that does not match the content must be refused");
}

#[test]
fn weighted_corrections_outweigh_the_base_data() {
    let phrase = "Bitte schicken Sie mir den Quartalsbericht Zugspitze";
    let mut data = small_set();
    let before = Analyzer::from_model(train(&data, &TrainOptions { folds: 3, ..TrainOptions::default() }));
    assert!(!before.analyze(None, phrase).categories.iter().any(|c| c.name == Category::Spam));
    for i in 0..4 {
        let mut e = Example::new(&format!("fix{i}"), "", &format!("{phrase} {i}"), &[Category::Spam]);
        e.weight = 5.0;
        data.push(e);
    }
    let after = Analyzer::from_model(train(&data, &TrainOptions { folds: 3, ..TrainOptions::default() }));
    let a = after.analyze(None, phrase);
    assert!(a.categories.iter().any(|c| c.name == Category::Spam), "{a:#?}");
}

#[test]
fn evaluation_report_prints_tables_and_checks_targets() {
    let test: Vec<Example> = dataset::builtin_test().into_iter().take(30).collect();
    let lang: Vec<_> = dataset::language_set().into_iter().take(40).collect();
    let report = eval::evaluate(analyzer(), &test, &lang);
    assert_eq!(report.examples, 30);
    assert_eq!(report.categories.len(), 9);
    assert!(report.categories.iter().all(|c| (0.0..=1.0).contains(&c.f1)));
    let support: usize = report.confusion.iter().map(|r| r.support).sum();
    let labels: usize = test.iter().map(|e| e.categories.len()).sum();
    assert_eq!(support, labels);
    let text = report.to_string();
    for needle in ["precision", "macro-F1", "Confusion", "Sentiment accuracy", "Language accuracy", "Targets"] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert_eq!(report.targets().len(), 4);
    assert_eq!(report.targets_met(), report.targets().iter().all(|t| t.met));
    serde_json::to_string(&report).expect("report serialises");
}

#[test]
fn throughput_reports_a_rate() {
    let r = bench::throughput(analyzer(), 20);
    assert_eq!(r.messages, 20);
    assert!(r.per_second > 0.0 && r.mean_words > 20.0);
    assert!(r.to_string().contains("messages/s"));
}
