//! `cargo xtask codegen`: the I/O around the pure `codegen` crate.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Whether to write the generated files or only compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Write every generated file, deleting files in the code directories (the client's and the
    /// fake's) the spec no longer generates.
    Write,
    /// Fail on any difference, including missing and extra files; write nothing.
    Check,
}

/// The workspace root (this crate lives in `<root>/xtask`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Reads every `spec/*.yaml`, sorted by name.
pub(crate) fn read_spec(root: &Path) -> Result<Vec<codegen::SourceFile>> {
    let dir = root.join("spec");
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|path| {
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let name = format!(
                "spec/{}",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            Ok(codegen::SourceFile { name, text })
        })
        .collect()
}

/// Generates from the spec and writes or checks the generated files.
pub(crate) fn run(mode: Mode) -> Result<()> {
    let root = root();
    let sources = read_spec(&root)?;
    let files = codegen::generate_client(&sources)
        .map_err(|d| anyhow::anyhow!("the spec has {} problem(s):\n{d}", d.len()))?;
    // The directories only the generator writes: the client's code and the fake's interface.
    let mut existing: BTreeSet<String> = BTreeSet::new();
    for dir in [codegen::CODE_DIR, codegen::MOCK_CODE_DIR] {
        if let Ok(entries) = fs::read_dir(root.join(dir)) {
            existing.extend(
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy())),
            );
        }
    }
    let wanted: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    let mut drift = Vec::new();
    for f in &files {
        let path = root.join(&f.path);
        let current = fs::read_to_string(&path).ok();
        if current.as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        match mode {
            Mode::Write => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir)?;
                }
                fs::write(&path, &f.contents)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Mode::Check => drift.push(if current.is_some() {
                format!("stale: {}", f.path)
            } else {
                format!("missing: {}", f.path)
            }),
        }
    }
    for extra in existing.difference(&wanted) {
        match mode {
            Mode::Write => {
                let path = root.join(extra);
                fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
            Mode::Check => drift.push(format!("extra: {extra}")),
        }
    }
    if !drift.is_empty() {
        bail!(
            "the generated files are out of date with spec/; run `cargo xtask codegen`:\n  {}",
            drift.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` catches a checkout whose generated files do not match the spec.
    #[test]
    fn generated_code_is_fresh() {
        if let Err(e) = run(Mode::Check) {
            panic!("{e:#}");
        }
    }

    /// Two generations of the same spec are byte-identical, whatever order the files come in.
    #[test]
    fn generation_is_deterministic() -> Result<()> {
        let sources = read_spec(&root())?;
        let first = codegen::generate_client(&sources).map_err(|d| anyhow::anyhow!("{d}"))?;
        let mut reversed = sources.clone();
        reversed.reverse();
        let second = codegen::generate_client(&reversed).map_err(|d| anyhow::anyhow!("{d}"))?;
        assert_eq!(first, second);
        Ok(())
    }
}
