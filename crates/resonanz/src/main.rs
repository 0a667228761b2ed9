//! The `resonanz` binary: a thin wrapper around the library's command line.

fn main() -> std::process::ExitCode {
    resonanz::cli::main()
}
