//! insta snapshots of the generator on small fixture specs, one feature each.
//!
//! A fixture (`fixtures/**/*.spec`) bundles spec files, each starting with a line `# file: NAME`.
//! A bundle without `api.yaml` gets a minimal one listing the group `g`. Valid fixtures snapshot
//! every generated file; invalid ones snapshot the diagnostics, which must name every problem.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads its fixtures; codegen's library code stays free of I/O"
)]

use std::path::Path;

const DEFAULT_ROOT: &str = "api:
  title_zh: 测试
  summary: A fixture.
  doc_url: https://example.com/doc
  base_url: https://{private_domain}.example.com
  rate_limit: { requests: 200, per_seconds: 10 }
groups: [g]
";

fn bundle(path: &Path) -> Vec<codegen::SourceFile> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut files: Vec<codegen::SourceFile> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("# file: ") {
            files.push(codegen::SourceFile {
                name: format!("spec/{}", name.trim()),
                text: String::new(),
            });
        } else if let Some(last) = files.last_mut() {
            last.text.push_str(line);
        }
    }
    if !files.iter().any(|f| f.name == "spec/api.yaml") {
        files.push(codegen::SourceFile {
            name: "spec/api.yaml".into(),
            text: DEFAULT_ROOT.into(),
        });
    }
    files
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
