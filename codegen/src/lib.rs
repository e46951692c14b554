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
mod root;
mod runtime;
pub mod rust_type;
mod spec;
mod types;
mod validate;
mod yaml;

pub use diagnostics::{Diagnostic, Diagnostics, Kind, Location};
pub use render::{CODE_DIR, GeneratedFile, MOCK_CODE_DIR, SERVICE_FILE};
pub use runtime::RuntimeItem;

/// One spec file handed to the generator.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's name, used in diagnostics and to tell the root (`api.yaml`) from group files
    /// (`<group>.yaml`), e.g. `spec/playback.yaml`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// The `api.yaml` of a test fixture that has none: the service facts and one group, `g`.
pub const FIXTURE_ROOT: &str = "api:
  title_zh: 测试
  summary: A fixture.
  doc_url: https://example.com/doc
  base_url: https://{private_domain}.example.com
  rate_limit: { requests: 200, per_seconds: 10 }
groups: [g]
";

/// Splits a fixture bundle of the generator's tests into its spec files: each starts with a line
/// `# file: NAME` (`g.yaml`, becoming `spec/g.yaml`). A bundle without `api.yaml` gets
/// [`FIXTURE_ROOT`]. Used by `codegen/tests` and `codegen/fixtures-check`.
pub fn bundle(text: &str) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("# file: ") {
            files.push(SourceFile {
                name: format!("spec/{}", name.trim()),
                text: String::new(),
            });
        } else if let Some(last) = files.last_mut() {
            last.text.push_str(line);
        }
    }
    if !files.iter().any(|f| f.name == "spec/api.yaml") {
        files.push(SourceFile {
            name: "spec/api.yaml".into(),
            text: FIXTURE_ROOT.into(),
        });
    }
    files
}

/// Parses and validates the spec into the IR, reporting every problem at once.
pub fn load(sources: &[SourceFile]) -> Result<ir::Api, Diagnostics> {
    load_for(sources, Target::Any)
}

/// What the generated code is compiled with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Anything: the spec's own rules only.
    Any,
    /// The client crate's hand-written runtime, which names some generated items
    /// ([`RuntimeItem`]).
    Runtime,
}

/// [`load`], also checking what `target` needs of the spec.
fn load_for(sources: &[SourceFile], target: Target) -> Result<ir::Api, Diagnostics> {
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
    if target == Target::Runtime {
        runtime::check(&files, &mut diags);
    }
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

/// Generates the client crate's files: [`generate`], after checking that the spec defines every
/// item the client's hand-written runtime names ([`RuntimeItem`]). One it lacks, or shapes
/// otherwise, is a diagnostic of kind [`Kind::MissingRuntimeItem`] at its place in the spec,
/// rather than a compile error in a hand-written file. `cargo xtask codegen` calls this.
pub fn generate_client(sources: &[SourceFile]) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let api = load_for(sources, Target::Runtime)?;
    files(&api, None)
}

/// Generates every file the spec determines, in a stable order: the code in [`CODE_DIR`], the
/// fake server's interface ([`SERVICE_FILE`], in the `baijiayun-mock` package), the command line's
/// subcommands (`cli/src/generated.rs`) and `ENDPOINTS.md`.
///
/// It checks the spec's own rules only, so it serves any spec (the test fixtures); for the client
/// crate, whose runtime names some generated items, use [`generate_client`].
pub fn generate(sources: &[SourceFile]) -> Result<Vec<GeneratedFile>, Diagnostics> {
    generate_under(sources, "crate")
}

/// [`generate`], for client code compiled under `root` instead of at the root of the client
/// crate: every path the code in [`CODE_DIR`] starts with `crate::` (the runtime's items and the
/// generated modules) starts with `root::` instead, e.g. `crate::fixtures::minimal`. The module
/// `root` names must then hold what the client crate's root holds for its generated code: the
/// runtime's surface (`baijiayun::__private`, the scalars, `Result`), `Client` and
/// `blocking::Client` types of that crate, and the generated modules (`codegen/fixtures-check`).
/// The fake's interface ([`SERVICE_FILE`]) then names that client code at `root::` instead of
/// `baijiayun::`, and the fake's items (`Received`, `Refusal`, ...) at `baijiayun_mock::`, so it
/// compiles beside it against the `baijiayun-mock` package. `"crate"` gives exactly
/// [`generate`]'s output.
pub fn generate_under(
    sources: &[SourceFile],
    root: &str,
) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let root_path: syn::Path = syn::parse_str(root).map_err(|e| {
        let mut d = Diagnostics::default();
        d.error(
            &Location::default(),
            format!("the root `{root}` is not a path: {e}"),
        );
        d
    })?;
    let api = load(sources)?;
    files(&api, (root != "crate").then_some(&root_path))
}

/// Emits and renders every file of `api`, the client code under `root` when one is given (see
/// [`generate_under`]), else at the crate's root.
fn files(api: &ir::Api, root: Option<&syn::Path>) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let mut modules = emit::emit(api);
    let mut service = emit::service_module(api);
    if let Some(root_path) = root {
        let root_tokens = quote::ToTokens::to_token_stream(root_path);
        for m in &mut modules {
            m.items = std::mem::take(&mut m.items)
                .into_iter()
                .map(|item| root::reroot(item, &root_tokens))
                .collect();
        }
        let mock = quote::quote!(baijiayun_mock);
        service.items = std::mem::take(&mut service.items)
            .into_iter()
            .map(|item| root::reroot_service(item, &root_tokens, &mock))
            .collect();
    }
    let mut files = render::render(&modules)?;
    files.push(render::render_at(&service, emit::SERVICE_FILE)?);
    files.push(render::render_at(&emit::cli_module(api), emit::CLI_FILE)?);
    files.push(GeneratedFile {
        path: "ENDPOINTS.md".into(),
        contents: emit::endpoints_markdown(api),
    });
    Ok(files)
}
