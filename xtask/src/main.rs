//! Project tasks, run as `cargo xtask <task>`.
//!
//! * `codegen`: regenerate `client/src/generated/` from `spec/`.
//! * `codegen --check`: fail if `client/src/generated/` differs from what `spec/` generates.
//! * `bench-build`: time clean and incremental builds and code generation (BENCHMARKS.md).

mod bench_build;
mod codegen;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["bench-build"] => bench_build::run_all(&codegen::root()),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check] | cargo xtask bench-build");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
