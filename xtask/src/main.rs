//! Project tasks, run as `cargo xtask <task>`.
//!
//! * `codegen`: regenerate `client/src/generated/` and `mock/src/generated/` from `spec/`.
//! * `codegen --check`: fail if the generated files differ from what `spec/` generates.
//! * `doc-diff NEW.txt [--format text|json] [--fail-on error|warn|info] [--all] [--accept]`:
//!   compare a new `pdftotext` extraction of the vendor's PDF with the committed baseline
//!   (`spec/vendor/playback-api.txt`), match every difference to `spec/`, and with `--accept`
//!   make the new extraction the baseline. Exit 0: nothing at or above `--fail-on`; 1: something;
//!   2: the file cannot be read or is not the vendor's doc in the `pdftotext` layout.
//! * `changelog --base REV`: what the spec's changes since `REV` do to the generated public API:
//!   the semver level they need and a CHANGELOG-ready list.
//! * `bench-build [--rounds N]`: time clean builds (N alternating rounds, 2 by default),
//!   the incremental rebuild after a spec change, and code generation (BENCHMARKS.md).
//! * `test [ARGS..]`: install `redis-server` and PostgreSQL if they are missing, then `cargo test
//!   --workspace --locked ARGS..` (the README's test command).
//!
//! The loop when the vendor's doc changes is in CONTRIBUTING.md.

mod bench_build;
mod changelog;
mod codegen;
mod doc_diff;
mod test;

use std::num::NonZeroU32;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Project tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Regenerate `client/src/generated/`, `mock/src/generated/`, the CLI's subcommands and `ENDPOINTS.md` from `spec/`.
    Codegen {
        /// Only compare; fail on any difference.
        #[arg(long)]
        check: bool,
    },
    /// Compare a new text extraction of the vendor's PDF with the committed baseline.
    DocDiff(doc_diff::Args),
    /// The semver level and CHANGELOG entries for the spec's changes since a git revision.
    Changelog {
        /// The git revision to compare the working tree's `spec/` with.
        #[arg(long)]
        base: String,
    },
    /// Time clean builds, the rebuild after a spec change, and generation.
    BenchBuild {
        /// Alternating rounds of clean builds.
        #[arg(long, default_value = "2")]
        rounds: NonZeroU32,
    },
    /// Install `redis-server` and PostgreSQL if they are missing, then `cargo test --workspace --locked ARGS..`.
    Test {
        /// Passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.task {
        Task::Codegen { check: false } => codegen::run(codegen::Mode::Write),
        Task::Codegen { check: true } => codegen::run(codegen::Mode::Check),
        Task::DocDiff(args) => return doc_diff::main(&codegen::root(), &args),
        Task::Changelog { base } => changelog::main(&codegen::root(), &base),
        Task::BenchBuild { rounds } => bench_build::run_all(&codegen::root(), rounds.get()),
        Task::Test { args } => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            test::run(&codegen::root(), &args)
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
