//! Development aid: prints probabilities, lexicon hits and the analysis of one message.
//! `cargo run -p resonanz-assist --example probe -- "text"`

use resonanz_assist::Analyzer;

fn main() {
    let text = std::env::args().nth(1).unwrap_or_default();
    let analyzer = Analyzer::builtin();
    for (c, p, t) in analyzer.category_probabilities(None, &text) {
        println!("{:<13} p {:.3} threshold {:.2}{}", c.as_str(), p, t, if p >= t { "  *" } else { "" });
    }
    println!("hits: {:?}", Analyzer::lexicon_hits(None, &text));
    let a = analyzer.analyze(None, &text);
    println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
}
