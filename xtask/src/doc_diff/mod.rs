//! `cargo xtask doc-diff NEW.txt`: what changed in the vendor's doc since the spec was written.
//!
//! Both the committed baseline extraction and the new one are parsed by the same parser
//! ([`parse`]) into a doc model ([`model`]), the models are compared ([`diff`]), and each
//! difference is matched to the spec ([`matching`]) and reported ([`report`]).

mod diff;
mod matching;
mod model;
mod parse;
mod report;

#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[cfg(test)]
use diff::Kind;
pub(crate) use diff::{Finding, Severity};

/// The committed baseline: the extraction the spec was written from.
pub(crate) const BASELINE: &str = "spec/vendor/playback-api.txt";

/// `doc-diff`'s arguments.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct Args {
    /// The new extraction (`pdftotext` output of the vendor's PDF).
    pub(crate) new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: Format,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value = "error")]
    pub(crate) fail_on: Severity,
    /// Also show `info` findings (wording only).
    #[arg(long)]
    pub(crate) all: bool,
    /// Replace the baseline with the new extraction (after the spec has been updated).
    /// Refused while a finding at or above `--fail-on` is not in the spec yet, unless `--force`.
    #[arg(long)]
    pub(crate) accept: bool,
    /// With `--accept`: replace the baseline even if the spec does not say everything yet.
    #[arg(long, requires = "accept")]
    pub(crate) force: bool,
    /// The baseline extraction, relative to the workspace root.
    #[arg(long, default_value = BASELINE)]
    pub(crate) baseline: PathBuf,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Readable text.
    Text,
    /// One JSON object, `{"findings": [...]}`.
    Json,
}

/// What a run prints and how it exits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) code: u8,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Outcome {
    fn unusable(message: String) -> Self {
        Outcome {
            code: 2,
            stdout: String::new(),
            stderr: format!("error: {message}\n"),
        }
    }
}

/// Runs the command and prints its output.
pub(crate) fn main(root: &Path, args: &Args) -> ExitCode {
    let outcome = run(root, args);
    #[allow(clippy::print_stdout, reason = "the findings are the command's output")]
    {
        print!("{}", outcome.stdout);
    }
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.code)
}

/// The whole command, without printing: reads the files, diffs, reports, accepts.
pub(crate) fn run(root: &Path, args: &Args) -> Outcome {
    let baseline_path = root.join(&args.baseline);
    let new_text = match fs::read_to_string(&args.new) {
        Ok(t) => t,
        Err(e) => return Outcome::unusable(format!("reading {}: {e}", args.new.display())),
    };
    let new = match parse::parse(&new_text) {
        Ok(d) => d,
        Err(e) => return Outcome::unusable(format!("{}: {e}", args.new.display())),
    };
    let old = match fs::read_to_string(&baseline_path) {
        Ok(t) => match parse::parse(&t) {
            Ok(d) => d,
            Err(e) => {
                return Outcome::unusable(format!("the baseline {}: {e}", baseline_path.display()));
            }
        },
        Err(e) => {
            return Outcome::unusable(format!("reading {}: {e}", baseline_path.display()));
        }
    };
    let spec = match crate::codegen::read_spec(root).and_then(|s| {
        codegen::load(&s).map_err(|d| anyhow::anyhow!("the spec has {} problem(s):\n{d}", d.len()))
    }) {
        Ok(api) => matching::SpecIndex::new(&api),
        Err(e) => return Outcome::unusable(format!("{e:#}")),
    };
    let findings = diff::diff(&old, &new, &spec);
    let shown_from = if args.all {
        Severity::Info
    } else {
        Severity::Warn
    };
    let shown: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= shown_from)
        .collect();
    let mut stdout = match args.format {
        Format::Text => report::text(&shown, shown_from),
        Format::Json => report::json(&shown),
    };
    let failing: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= args.fail_on)
        .collect();
    let mut stderr = String::new();
    if args.accept {
        let pending = failing.iter().filter(|f| !f.in_spec).count();
        if pending > 0 && !args.force {
            stderr.push_str(&format!(
                "error: not accepted: {pending} finding(s) at or above {} are not in the spec yet \
                 (update spec/, or pass --force)\n",
                args.fail_on.as_str()
            ));
            return Outcome {
                code: 1,
                stdout,
                stderr,
            };
        }
        if let Err(e) = fs::write(&baseline_path, &new_text) {
            return Outcome::unusable(format!("writing {}: {e}", baseline_path.display()));
        }
        if args.format == Format::Text {
            stdout.push_str(&format!("baseline {} replaced\n", args.baseline.display()));
        }
        return Outcome {
            code: 0,
            stdout,
            stderr,
        };
    }
    Outcome {
        code: u8::from(!failing.is_empty()),
        stdout,
        stderr,
    }
}

/// Parses `text` into the doc model (for tests and tools).
#[cfg(test)]
pub(crate) fn parse_doc(text: &str) -> Result<model::Doc, parse::NotTheDoc> {
    parse::parse(text)
}

/// Diffs two texts against the spec index of `api`.
#[cfg(test)]
pub(crate) fn diff_texts(
    old: &str,
    new: &str,
    api: &codegen::ir::Api,
) -> Result<Vec<Finding>, parse::NotTheDoc> {
    let old = parse::parse(old)?;
    let new = parse::parse(new)?;
    Ok(diff::diff(&old, &new, &matching::SpecIndex::new(api)))
}
