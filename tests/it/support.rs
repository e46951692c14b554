//! Shared helpers: the spec as the generator sees it.

use std::path::{Path, PathBuf};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The spec, loaded and validated by the generator.
pub(crate) fn spec() -> anyhow::Result<codegen::ir::Api> {
    let dir = root().join("spec");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            sources.push(codegen::SourceFile {
                name: format!(
                    "spec/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                text: std::fs::read_to_string(&path)?,
            });
        }
    }
    codegen::load(&sources).map_err(|d| anyhow::anyhow!("{d}"))
}
