//! `resonanz assist …`: analyse messages from stdin, evaluate the model, train it with people's
//! corrections.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use resonanz_assist::{Analyzer, Category, Example, TrainOptions};

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum AssistCommand {
    /// Analyse messages from stdin — one per line, or JSON objects with "text" and optional
    /// "subject" — and print one JSON result per line (language, sentiment, emotions, categories,
    /// urgency, explanation).
    Analyze {
        /// A model file from `resonanz assist train` instead of the shipped model.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Evaluate on a test set: precision, recall and F1 per category, a confusion table, sentiment
    /// and language accuracy, and the targets.
    Eval {
        #[arg(long)]
        model: Option<PathBuf>,
        /// Which shipped test set: `fresh` (de-fresh.jsonl, 500 messages written after the model was
        /// frozen; the targets are judged on it) or `first` (the frozen 200-message split of the
        /// evaluation files).
        #[arg(long, value_enum, default_value_t = EvalSet::Fresh)]
        set: EvalSet,
        /// A labelled JSON Lines file to evaluate instead of a shipped set (its `test` lines).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Exit with an error when a target is missed.
        #[arg(long)]
        check: bool,
    },
    /// Train a model on the train split plus the categories people corrected in the database,
    /// and write it to a file (use it with `serve --assist-model`).
    Train {
        #[arg(long, default_value = "assist-model.json")]
        out: PathBuf,
        /// Train on the shipped data only, without the database's corrections.
        #[arg(long)]
        no_corrections: bool,
        /// How much a person's correction counts against one example of the shipped data.
        #[arg(long, default_value_t = 3.0)]
        correction_weight: f32,
    },
}

/// The shipped test sets `assist eval` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalSet {
    Fresh,
    First,
}

/// The test examples `assist eval` runs: a file's `test` lines, or a shipped set; and what to call them.
fn eval_examples(set: EvalSet, data: Option<&std::path::Path>) -> anyhow::Result<(String, Vec<Example>)> {
    use resonanz_assist::dataset;
    Ok(match (data, set) {
        (Some(path), _) => {
            let test = dataset::load(path)?.into_iter().filter(Example::is_test).collect();
            (format!("the test lines of {}", path.display()), test)
        }
        (None, EvalSet::Fresh) => ("the fresh test set (de-fresh.jsonl)".to_string(), dataset::builtin_fresh()),
        (None, EvalSet::First) => {
            ("the first test split (de-viewers, de-family, de-business)".to_string(), dataset::builtin_test())
        }
    })
}

pub async fn run(cmd: AssistCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    match cmd {
        AssistCommand::Analyze { model } => {
            let analyzer = crate::assist::load_analyzer(model.as_deref())?;
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            analyze_stream(&analyzer, stdin.lock(), stdout.lock())?;
        }
        AssistCommand::Eval { model, set, data, json, check } => {
            let analyzer = crate::assist::load_analyzer(model.as_deref())?;
            let (name, test) = eval_examples(set, data.as_deref())?;
            let report = resonanz_assist::eval::evaluate(&analyzer, &test, &resonanz_assist::dataset::language_set());
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["set"] = name.into();
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("Test set: {name}\n{report}");
            }
            if check && !report.targets_met() {
                eprintln!("a target is missed");
                return Ok(ExitCode::FAILURE);
            }
        }
        AssistCommand::Train { out, no_corrections, correction_weight } => {
            let mut examples = resonanz_assist::dataset::builtin_train();
            let base = examples.len();
            let mut corrected = 0;
            if !no_corrections {
                let core = crate::cli::open(db).await?;
                for c in core.store.corrections(100_000).await? {
                    let mut e = Example::new(
                        &format!("correction:{}", c.message_id),
                        &c.subject,
                        &c.text,
                        &c.categories.iter().filter_map(|n| Category::parse(n)).collect::<Vec<_>>(),
                    );
                    e.weight = correction_weight;
                    examples.push(e);
                    corrected += 1;
                }
            }
            let model = resonanz_assist::train(&examples, &TrainOptions::default());
            std::fs::write(&out, model.to_json()).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Trained {} on {base} examples of the shipped train split and {corrected} corrections; written to {}.",
                model.version(),
                out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One input line: a JSON object with `text` (and `subject`), or the line itself as the text.
fn input_of(line: &str) -> Result<(Option<String>, String), String> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{')
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed)
    {
        let text = match value.get("text") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(_) => return Err("\"text\" must be a string".into()),
            None => return Err("the object has no \"text\"".into()),
        };
        let subject = value.get("subject").and_then(|s| s.as_str()).map(str::to_string);
        return Ok((subject, text));
    }
    Ok((None, line.to_string()))
}

/// Reads lines (any bytes: invalid UTF-8 is replaced) and writes one JSON line per input line; a
/// line that cannot be analysed gets an `error` line with its number, never silence.
pub fn analyze_stream(analyzer: &Analyzer, mut input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let mut number = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        number += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        let out = match input_of(line) {
            Ok((subject, text)) => serde_json::to_string(&analyzer.analyze(subject.as_deref(), &text))?,
            Err(error) => serde_json::json!({"line": number, "error": error}).to_string(),
        };
        writeln!(output, "{out}")?;
    }
    output.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_and_json_objects_give_one_result_each() {
        let analyzer = Analyzer::builtin();
        let input = "Wann wird der Tatort wiederholt?\n\
                     {\"subject\": \"Hilfe\", \"text\": \"ich will nicht mehr leben, niemand hilft mir\"}\n\
                     {\"text\": 42}\n\
                     \n\
                     \u{1F600}\u{1F600}\n";
        let mut out = Vec::new();
        analyze_stream(&analyzer, input.as_bytes(), &mut out).unwrap();
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0]["language"]["code"], "de");
        assert!(lines[0]["sentiment"]["label"].is_string());
        let cats: Vec<&str> =
            lines[1]["categories"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert!(cats.contains(&"safeguarding"), "{cats:?}");
        assert_eq!(lines[2]["line"], 3);
        assert!(lines[2]["error"].as_str().unwrap().contains("text"));
        // Empty and emoji-only input: an answer with low confidence, not an error.
        assert!(lines[3]["confidence"].as_f64().unwrap() < 0.5);
        assert!(lines[4]["explanation"].is_string());
    }

    #[test]
    fn eval_runs_the_chosen_test_set_and_only_test_lines() {
        let (name, fresh) = eval_examples(EvalSet::Fresh, None).unwrap();
        assert!(name.contains("de-fresh.jsonl"), "{name}");
        assert_eq!(fresh.len(), 500);
        let (name, first) = eval_examples(EvalSet::First, None).unwrap();
        assert!(name.contains("first test split"), "{name}");
        assert_eq!(first.len(), 200);
        assert!(fresh.iter().chain(&first).all(Example::is_test));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eigene.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a1\",\"split\":\"train\",\"text\":\"Danke!\",\"categories\":[\"praise\"]}\n\
             {\"id\":\"a2\",\"split\":\"test\",\"text\":\"Wann läuft das?\",\"categories\":[\"question\"]}\n",
        )
        .unwrap();
        let (name, own) = eval_examples(EvalSet::Fresh, Some(&path)).unwrap();
        assert!(name.contains("eigene.jsonl"), "a file replaces the shipped set: {name}");
        assert_eq!(own.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["a2"]);
        let broken = dir.path().join("kaputt.jsonl");
        std::fs::write(&broken, "{\"id\": \"x\"\n").unwrap();
        let err = format!("{:#}", eval_examples(EvalSet::Fresh, Some(&broken)).unwrap_err());
        assert!(err.contains("kaputt.jsonl") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_analysed_not_dropped() {
        let analyzer = Analyzer::builtin();
        let mut out = Vec::new();
        analyze_stream(&analyzer, &b"\xff\xfe\x00binary\n"[..], &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_str(String::from_utf8(out).unwrap().trim()).unwrap();
        assert!(v["confidence"].as_f64().unwrap() <= 0.5);
    }
}
