//! Project tasks, run as `cargo xtask <task>`.
//!
//! * `codegen`: regenerate `client/src/generated/` from `spec/`.
//! * `codegen --check`: fail if `client/src/generated/` differs from what `spec/` generates.
//! * `bench-build [--rounds N]`: time clean builds (N alternating rounds, 2 by default),
//!   the incremental rebuild after a spec change, and code generation (BENCHMARKS.md).
//! * `test [ARGS..]`: install `redis-server` if it is missing, then `cargo test --workspace
//!   --locked ARGS..` (the README's test command).

mod bench_build;
mod codegen;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["bench-build"] => bench_build::run_all(&codegen::root(), 2),
        ["bench-build", "--rounds", n] => match n.parse::<u32>() {
            Ok(n) if n > 0 => bench_build::run_all(&codegen::root(), n),
            _ => {
                eprintln!("--rounds takes a positive whole number, not {n:?}");
                return ExitCode::from(2);
            }
        },
        ["test", extra @ ..] => test::run(&codegen::root(), extra),
        _ => {
            eprintln!(
                "usage: cargo xtask codegen [--check] | cargo xtask bench-build [--rounds N] | cargo xtask test [ARGS..]"
            );
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
