//! Turns the Baijiayun playback API spec (`spec/*.yaml`) into the Rust source of the `baijiayun`
//! client.
//!
//! The crate is a pure function: spec text in, file contents out. It never touches the file
//! system (`codegen/clippy.toml` forbids it); `cargo xtask codegen` does the reading and writing.
//!
//! The pipeline has four phases, each with its own model, and stops between phases when the
//! previous one found problems, reporting all of them at once:
//!
//! 1. **parse** ([`spec`]): YAML → the parse model, read strictly;
//! 2. **lower** ([`lower`], [`validate`]): parse model → the validated [`ir::Api`];
//! 3. **emit** ([`emit`]): IR → token streams, one per generated file;
//! 4. **render** ([`render`]): tokens → formatted text with a header.

#![warn(missing_docs)]

mod diagnostics;
mod emit;
pub mod ir;
mod lower;
mod naming;
mod render;
mod spec;
mod types;
mod validate;
mod yaml;

pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use render::{CODE_DIR, GeneratedFile};

/// One spec file handed to the generator.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's name, used in diagnostics and to tell the root (`api.yaml`) from group files
    /// (`<group>.yaml`), e.g. `spec/playback.yaml`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// Parses and validates the spec into the IR, reporting every problem at once.
pub fn load(sources: &[SourceFile]) -> Result<ir::Api, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let files: Vec<_> = sorted
        .iter()
        .map(|s| spec::parse_file(&s.name, &s.text, &mut diags))
        .collect();
    let files = diags.finish(files)?;

    let mut diags = Diagnostics::default();
    validate::check(&files, &mut diags);
    let api = lower::lower(&files, &mut diags);
    diags.finish(())?;
    api.ok_or_else(|| {
        let mut bug = Diagnostics::default();
        bug.error(
            &Location::default(),
            "generator bug: lowering failed without reporting why",
        );
        bug
    })
}

/// Generates every file the spec determines, in a stable order: the code in [`CODE_DIR`],
/// the command line's subcommands (`cli/src/generated.rs`) and `ENDPOINTS.md`.
pub fn generate(sources: &[SourceFile]) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let api = load(sources)?;
    let modules = emit::emit(&api);
    let mut files = render::render(&modules)?;
    files.push(render::render_at(&emit::cli_module(&api), emit::CLI_FILE)?);
    files.push(GeneratedFile {
        path: "ENDPOINTS.md".into(),
        contents: emit::endpoints_markdown(&api),
    });
    Ok(files)
}
