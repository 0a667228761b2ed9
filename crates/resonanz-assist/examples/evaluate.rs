//! Prints the test-split report of the shipped model and its single-thread throughput:
//! `cargo run -p resonanz-assist --release --example evaluate [-- MESSAGES]`.

use resonanz_assist::{Analyzer, bench, dataset, eval};

fn main() {
    let messages = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let analyzer = Analyzer::builtin();
    let report = eval::evaluate(&analyzer, &dataset::builtin_test(), &dataset::language_set());
    println!("{report}");
    println!("{}", bench::throughput(&analyzer, messages));
    // Language identification alone, on the same mails.
    let corpus = bench::corpus();
    let start = std::time::Instant::now();
    for i in 0..messages {
        std::hint::black_box(resonanz_assist::detect_language(&corpus[i % corpus.len()].1));
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / messages as f64;
    println!("language identification alone: {micros:.1} µs per message");
}
