//! The client's layers import one way, downward (ARCHITECTURE.md, "client/"):
//! `value` ← `call` ← `limit` ← `callback` ← `facade`.
//!
//! Reads every hand-written file under `src/`, leaves out test code (files declared by
//! `#[cfg(test)] mod x;` and the blocks of `#[cfg(test)] mod x { ... }`) and comments, finds every
//! path that starts at the crate root (`crate::…`, in `use` trees and in code, and `super::`
//! chains that climb to the root), resolves its first segment to a layer (a layer's folder, a
//! generated module, or a name `lib.rs` re-exports from one) and fails on any file that names a
//! layer above its own. `lib.rs` (the root, which wires the layers together) and `generated/`
//! (written by the generator against the whole runtime) are not in a layer. A layer below the
//! façade may name generated code only for the runtime items the generator checks the spec for
//! (`GENERATED_ALLOWED`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, from the bottom up.
const LAYERS: [&str; 5] = ["value", "call", "limit", "callback", "facade"];

/// What a layer below the façade may name of the generated code: the runtime items
/// (ARCHITECTURE.md; `codegen/src/runtime.rs`), as (layer, generated module, item); `*` is any item.
const GENERATED_ALLOWED: &[(&str, &str, &str)] = &[
    ("value", "types", "RoomId"),
    ("value", "types", "SessionId"),
    ("value", "types", "Playback"),
    ("call", "types", "ErrorCode"),
    ("call", "operations", "Operation"),
    // The callback events are generated from the spec and re-exported by `callback`.
    ("callback", "callbacks", "*"),
];

/// Where a root path leads.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Layer(usize),
    /// A generated module and the item named in it (empty if the module itself).
    Generated(String, String),
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's lines with comments blanked, test modules removed (blank lines keep the numbering),
/// and the modules it declares under `#[cfg(test)]` by name (`mod oracle;`).
fn code_lines(text: &str) -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut test_files = Vec::new();
    let mut after_cfg_test = false;
    let mut skipping: Option<usize> = None; // the indentation of the test module's closing brace
    let mut in_block_comment = false;
    for raw in text.lines() {
        let line = strip_comments(raw, &mut in_block_comment);
        let trimmed = line.trim();
        let indent = line.len() - line.trim_start().len();
        if let Some(close) = skipping {
            if trimmed == "}" && indent == close {
                skipping = None;
            }
            lines.push(String::new());
            continue;
        }
        if after_cfg_test {
            if let Some(rest) = trimmed
                .strip_prefix("mod ")
                .or_else(|| trimmed.strip_prefix("pub(crate) mod "))
            {
                if let Some(name) = rest.strip_suffix(';') {
                    test_files.push(name.trim().to_string());
                } else if !rest.ends_with('}') {
                    skipping = Some(indent);
                }
                lines.push(String::new());
                after_cfg_test = false;
                continue;
            }
            if !trimmed.starts_with("#[") && !trimmed.is_empty() {
                after_cfg_test = false;
            }
        }
        if trimmed == "#[cfg(test)]" {
            after_cfg_test = true;
        }
        lines.push(line);
    }
    (lines, test_files)
}

/// `line` without `//` comments and `/* */` comments (string literals are taken as code).
fn strip_comments(line: &str, in_block: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *in_block {
            match rest.find("*/") {
                Some(end) => {
                    *in_block = false;
                    rest = &rest[end + 2..];
                }
                None => return out,
            }
        }
        let line_comment = rest.find("//");
        let block = rest.find("/*");
        match (line_comment, block) {
            (Some(l), b) if b.is_none_or(|b| l < b) => {
                out.push_str(&rest[..l]);
                return out;
            }
            (_, Some(b)) => {
                out.push_str(&rest[..b]);
                *in_block = true;
                rest = &rest[b + 2..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// The tokens of a path or use tree: identifiers, `::`, `{`, `}`, `,`, `*`; anything else ends it.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' {
            let mut ident = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                ident.push(c);
                chars.next();
            }
            out.push(ident);
        } else if c == ':' {
            chars.next();
            if chars.peek() == Some(&':') {
                chars.next();
                out.push("::".into());
            } else {
                break;
            }
        } else if matches!(c, '{' | '}' | ',' | '*') {
            out.push(c.to_string());
            chars.next();
        } else {
            break;
        }
    }
    out
}

/// The leaf paths of the use tree at `tokens[*at..]` (a plain path is a tree without braces),
/// each prefixed with `prefix`.
fn leaves(tokens: &[String], at: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match tokens.get(*at).map(String::as_str) {
            Some("{") => {
                *at += 1;
                loop {
                    match tokens.get(*at).map(String::as_str) {
                        Some("}") => {
                            *at += 1;
                            return;
                        }
                        Some(",") => *at += 1,
                        Some(_) => leaves(tokens, at, path.clone(), out),
                        None => return,
                    }
                }
            }
            Some(t) if t == "*" || t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                path.push(t.to_string());
                *at += 1;
                if tokens.get(*at).map(String::as_str) == Some("as") {
                    *at += 2;
                }
                if tokens.get(*at).map(String::as_str) == Some("::") {
                    *at += 1;
                    continue;
                }
                out.push(path);
                return;
            }
            _ => {
                if !path.is_empty() {
                    out.push(path);
                }
                return;
            }
        }
    }
}

/// Every root path in `code` (from `start`), as segments after `crate::`, with the line it starts on.
fn root_paths(code: &[String], module: &[String]) -> Vec<(usize, Vec<String>)> {
    let joined = code.join("\n");
    let line_of = |offset: usize| joined[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    let bytes = joined.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for keyword in ["crate::", "super::"] {
        for (offset, _) in joined.match_indices(keyword) {
            if offset > 0
                && (is_ident(bytes[offset - 1])
                    || bytes[offset - 1] == b':'
                    || bytes[offset - 1] == b'$')
            {
                continue;
            }
            let toks = tokens(&joined[offset..]);
            let mut at = 0;
            let mut depth = 0;
            if keyword == "super::" {
                while toks.get(at).map(String::as_str) == Some("super")
                    && toks.get(at + 1).map(String::as_str) == Some("::")
                {
                    depth += 1;
                    at += 2;
                }
                if depth < module.len() {
                    continue; // stays below the root: within the file's own layer
                }
            } else {
                at = 2;
            }
            let mut paths = Vec::new();
            leaves(&toks, &mut at, Vec::new(), &mut paths);
            found.extend(paths.into_iter().map(|p| (line_of(offset), p)));
        }
    }
    found
}

/// The root's names: the layers, the generated modules and what `lib.rs` re-exports.
fn root_names(src: &Path) -> BTreeMap<String, Target> {
    let mut names = BTreeMap::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        names.insert(layer.to_string(), Target::Layer(rank));
    }
    let generated = fs::read_to_string(src.join("generated/mod.rs")).expect("generated/mod.rs");
    let modules: Vec<String> = generated
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_suffix(';')?
                .split("mod ")
                .nth(1)
                .map(str::to_string)
        })
        .collect();
    assert!(!modules.is_empty(), "no modules in generated/mod.rs");
    for module in &modules {
        names.insert(
            module.clone(),
            Target::Generated(module.clone(), String::new()),
        );
    }
    names.insert(
        "generated".into(),
        Target::Generated(String::new(), String::new()),
    );
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    for line in lib.lines() {
        // Top-level `use` lines only: `__private`'s are indented and are for the generated code.
        let Some(tree) = line
            .strip_prefix("pub use ")
            .or_else(|| line.strip_prefix("use "))
        else {
            continue;
        };
        let toks = tokens(tree);
        let mut at = 0;
        let mut paths = Vec::new();
        leaves(&toks, &mut at, Vec::new(), &mut paths);
        for path in paths {
            let renamed = tree.contains(" as ") && path.len() > 1;
            let name = if renamed {
                // `a::b as c`: find the alias after the leaf.
                let leaf = path.last().expect("a leaf");
                tree.split(&format!("{leaf} as "))
                    .nth(1)
                    .map(|s| tokens(s)[0].clone())
                    .unwrap_or(leaf.clone())
            } else {
                path.last().expect("a leaf").clone()
            };
            match (path[0].as_str(), name.as_str()) {
                ("generated", "*") => {} // the generated modules, above
                ("generated", _) => {
                    names.insert(
                        name,
                        Target::Generated(
                            path[1].clone(),
                            path.get(2).cloned().unwrap_or_default(),
                        ),
                    );
                }
                (layer, _) => {
                    let rank = LAYERS.iter().position(|l| *l == layer).unwrap_or_else(|| {
                        panic!("lib.rs re-exports from `{layer}`, which is no layer")
                    });
                    names.insert(name, Target::Layer(rank));
                }
            }
        }
    }
    names
}

fn resolve(names: &BTreeMap<String, Target>, path: &[String]) -> Option<Target> {
    match names.get(&path[0])? {
        Target::Generated(module, item) if module.is_empty() => {
            // `crate::generated::module::item`
            let module = path.get(1).cloned().unwrap_or_default();
            let item = path.get(2).cloned().unwrap_or_default();
            Some(Target::Generated(module, item))
        }
        Target::Generated(module, item) if item.is_empty() => Some(Target::Generated(
            module.clone(),
            path.get(1).cloned().unwrap_or_default(),
        )),
        target => Some(target.clone()),
    }
}

/// Every upward import in the hand-written layers, as messages.
fn violations() -> (Vec<String>, usize) {
    let src = src();
    let names = root_names(&src);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // Files declared under `#[cfg(test)]`, and their submodules (found first: a module's folder
    // sorts before its file).
    let mut test_only: Vec<PathBuf> = Vec::new();
    let mut sources = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/").to_path_buf();
        let text = fs::read_to_string(file).expect("a readable source file");
        let (code, tests) = code_lines(&text);
        // A module file's children live beside it (mod.rs) or in the folder named after it.
        let children = if file.ends_with("mod.rs") {
            file.parent().expect("a folder").to_path_buf()
        } else {
            file.with_extension("")
        };
        for name in tests {
            test_only.push(children.join(format!("{name}.rs")));
            test_only.push(children.join(name));
        }
        sources.push((file, relative, code));
    }
    let mut found = Vec::new();
    let mut checked = 0;
    for (file, relative, code) in sources {
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts.len() < 2 || parts[0] == "generated" {
            continue; // lib.rs and the generated code are in no layer
        }
        if test_only.iter().any(|t| file.starts_with(t))
            || parts.iter().any(|p| p == "tests" || p == "tests.rs")
        {
            continue;
        }
        let layer = LAYERS
            .iter()
            .position(|l| *l == parts[0])
            .unwrap_or_else(|| {
                panic!(
                    "src/{} is in no layer: add its folder to LAYERS",
                    relative.display()
                )
            });
        checked += 1;
        let mut module: Vec<String> = parts
            .iter()
            .map(|p| p.trim_end_matches(".rs").to_string())
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        for (line, path) in root_paths(&code, &module) {
            let shown = format!("crate::{}", path.join("::"));
            let at = format!("client/src/{}:{line}", relative.display());
            match resolve(&names, &path) {
                None => found.push(format!(
                    "{at}: `{shown}`: `{}` is no layer, generated module or re-export of lib.rs (teach tests/layers.rs)",
                    path[0]
                )),
                Some(Target::Layer(target)) if target > layer => found.push(format!(
                    "{at}: `{shown}`: the {} layer names the {} layer above it",
                    LAYERS[layer], LAYERS[target]
                )),
                Some(Target::Generated(module, item)) if layer < LAYERS.len() - 1 => {
                    let allowed = GENERATED_ALLOWED
                        .iter()
                        .any(|(l, m, i)| *l == LAYERS[layer] && *m == module && (*i == "*" || *i == item));
                    if !allowed {
                        found.push(format!(
                            "{at}: `{shown}`: the {} layer names generated `{module}::{item}`, which is not a runtime item it may use",
                            LAYERS[layer]
                        ));
                    }
                }
                Some(_) => {}
            }
        }
    }
    (found, checked)
}

#[test]
fn imports_run_one_way_downward() {
    let (found, checked) = violations();
    assert!(
        checked > 20,
        "only {checked} files checked: is the walk broken?"
    );
    assert!(
        found.is_empty(),
        "imports that run up the layers (value <- call <- limit <- callback <- facade; ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_in_use_trees_and_code() {
    let code: Vec<String> = [
        "use crate::{call::wire::{Params, sign}, facade::client::Client as C};",
        "fn f() -> crate::Result<()> { super::super::x::y() }",
        "// crate::facade in a comment",
        "#[cfg(test)]",
        "mod tests {",
        "    use crate::facade::Client;",
        "}",
    ]
    .iter()
    .map(|l| strip_comments(l, &mut false))
    .collect();
    let (code, _) = code_lines(&code.join("\n"));
    let paths: Vec<(usize, String)> = root_paths(&code, &["call".into(), "de".into()])
        .into_iter()
        .map(|(l, p)| (l, p.join("::")))
        .collect();
    assert_eq!(
        paths,
        [
            (1, "call::wire::Params".to_string()),
            (1, "call::wire::sign".to_string()),
            (1, "facade::client::Client".to_string()),
            (2, "Result".to_string()),
            (2, "x::y".to_string()),
        ]
    );
}
