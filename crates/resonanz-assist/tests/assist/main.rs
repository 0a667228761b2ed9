//! The one integration-test binary of resonanz-assist.

mod analysis;
mod language;
mod robustness;
mod training;

use resonanz_assist::Analyzer;
use std::sync::OnceLock;

/// The shipped analyzer, loaded once for all tests.
pub fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::builtin)
}
