//! `cargo xtask changelog --base REV`: PLACEHOLDER
use std::path::Path;
pub(crate) fn main(_root: &Path, _base: &str) -> anyhow::Result<()> {
    Ok(())
}
