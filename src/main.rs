//! The `pledger` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    pledger::cli::main()
}
