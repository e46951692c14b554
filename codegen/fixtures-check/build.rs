//! Generates the client code of every valid fixture spec (`codegen/tests/fixtures/valid/*.spec`)
//! into `OUT_DIR/<fixture>/`, each under the root `crate::<fixture>`, and the fake's interface
//! for it into `OUT_DIR/<fixture>_service.rs`, and writes
//! `OUT_DIR/fixtures.rs`: one module per fixture, which `src/lib.rs` includes. A spec that does
//! not generate fails the build with the generator's diagnostics.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/valid");
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_else(|| panic!("OUT_DIR is unset")));
    // Cargo reruns this script when a fixture changes, or when the generator does (a build
    // dependency).
    writeln!(
        std::io::stdout(),
        "cargo::rerun-if-changed={}",
        fixtures.display()
    )
    .unwrap_or_else(|e| panic!("writing to cargo: {e}"));

    let mut specs: Vec<PathBuf> = fs::read_dir(&fixtures)
        .unwrap_or_else(|e| panic!("{}: {e}", fixtures.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "spec"))
        .collect();
    specs.sort();
    if specs.is_empty() {
        panic!("no fixture specs in {}", fixtures.display());
    }

    let mut index = String::new();
    let mut names = Vec::new();
    for spec in &specs {
        let name = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| {
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .unwrap_or_else(|| panic!("{}: the name must be a module name", spec.display()));
        let text = fs::read_to_string(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        let files = codegen::generate_under(&codegen::bundle(&text), &format!("crate::{name}"))
            .unwrap_or_else(|d| panic!("{}: {d}", spec.display()));
        let dir = out.join(name);
        let code_dir = format!("{}/", codegen::CODE_DIR);
        let service = out.join(format!("{name}_service.rs"));
        for f in &files {
            let path = match f.path.strip_prefix(&code_dir) {
                Some(file) => dir.join(file),
                None if f.path == codegen::SERVICE_FILE => service.clone(),
                None => continue,
            };
            fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            fs::write(&path, &f.contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        let module = dir.join("mod.rs");
        let spec_name = spec
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let _ = write!(
            index,
            r#"
/// The generated client code of `codegen/tests/fixtures/valid/{spec_name}`, at the root the
/// generator was given (`crate::{name}`), beside the runtime it names there.
pub mod {name} {{
    runtime!();

    /// The events, as `baijiayun::callback` re-exports them.
    pub mod callback {{
        pub use super::generated::callbacks::*;
    }}

    #[path = {module:?}]
    #[allow(
        dead_code,
        reason = "the crate-internal part (the callback reader) is used by the client's runtime, \
                  which has no counterpart here"
    )]
    mod generated;

    pub use generated::*;

    /// The fake server's interface for this spec (`mock/src/generated/service.rs` in the
    /// workspace), naming the code above and the fake's items in `baijiayun-mock`.
    #[path = {service:?}]
    #[allow(
        dead_code,
        reason = "the service traits and dispatch are used by the fake's state and server, which \
                  have no counterpart here"
    )]
    mod fake_service;
}}
"#
        );
        names.push(name);
    }
    let _ = write!(
        index,
        "\n/// Calls `$m!(fixture)` for every fixture module.\n#[cfg(test)]\nmacro_rules! each_fixture {{\n    ($m:ident) => {{\n{}    }};\n}}\n",
        names
            .iter()
            .map(|n| format!("        $m!({n});\n"))
            .collect::<String>()
    );
    let path = out.join("fixtures.rs");
    fs::write(&path, index).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
