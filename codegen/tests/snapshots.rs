//! insta snapshots of the generator on small fixture specs, one feature each.
//!
//! A fixture (`fixtures/**/*.spec`) bundles spec files ([`codegen::bundle`]). Valid fixtures
//! snapshot every generated file (and `codegen/fixtures-check` compiles their client code);
//! invalid ones snapshot the diagnostics, which must name every problem.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads its fixtures; codegen's library code stays free of I/O"
)]

use std::path::Path;

fn bundle(path: &Path) -> Vec<codegen::SourceFile> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    codegen::bundle(&text)
}

#[test]
fn valid_specs_generate() {
    insta::glob!("fixtures/valid/*.spec", |path| {
        let files = match codegen::generate(&bundle(path)) {
            Ok(files) => files,
            Err(d) => panic!("{}: {d}", path.display()),
        };
        let text: String = files
            .iter()
            .map(|f| format!("==== {} ====\n{}", f.path, f.contents))
            .collect();
        insta::assert_snapshot!(text);
    });
}

#[test]
fn invalid_specs_report_every_problem() {
    insta::glob!("fixtures/invalid/*.spec", |path| {
        match codegen::generate(&bundle(path)) {
            Ok(_) => panic!("{} should not generate", path.display()),
            Err(d) => insta::assert_snapshot!(d.to_string()),
        }
    });
}
