//! `cargo run -p resonanz-drafts --release --example bench -- [cases] [queries]`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let cases = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let queries = args.next().map(|a| a.parse()).transpose()?.unwrap_or(500);
    let report = resonanz_drafts::bench::run(cases, queries);
    println!("{report}");
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
