//! `cargo xtask changelog --base REV`: what the spec's changes since a git revision do to the
//! generated public API, as the semver level they need and a CHANGELOG-ready list.
//!
//! Both sides are lowered to `codegen`'s IR (the spec at `REV` read with `git show`, the working
//! tree's from disk) and compared item by item:
//! * an endpoint (a client method and its request type) added is minor, removed is major;
//! * a parameter added is minor when optional (a setter) and major when required (`new` takes
//!   it); a parameter removed, retyped, or made required or optional is major;
//! * a record or callback field added is minor (the generated structs are `#[non_exhaustive]`);
//!   removed, retyped, or made required or optional (`T` ↔ `Option<T>`) is major;
//! * an enum value added is minor (the enums are open: unknown codes already decode), removed is
//!   major; a record, enum or callback added is minor, removed major;
//! * a response type changed is major; a method or path changed is a patch.
//!
//! The entries are grouped as the CHANGELOG is (Keep a Changelog): what is new (minor) under
//! Added, a patch under Fixed, and a major change under Changed, or Removed when something is
//! gone; each major one is marked **Breaking**, first in its group.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use codegen::ir::{self, Code};
use codegen::rust_type;

/// How much a change needs the version to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// No change to the public API.
    None,
    Patch,
    Minor,
    Major,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// The CHANGELOG group of an entry (Keep a Changelog), in the CHANGELOG's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    Added,
    Changed,
    Fixed,
    Removed,
}

impl Section {
    const ALL: [Section; 4] = [
        Section::Added,
        Section::Changed,
        Section::Fixed,
        Section::Removed,
    ];

    fn heading(self) -> &'static str {
        match self {
            Section::Added => "Added",
            Section::Changed => "Changed",
            Section::Fixed => "Fixed",
            Section::Removed => "Removed",
        }
    }
}

/// One entry of the changelog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) level: Level,
    pub(crate) section: Section,
    pub(crate) text: String,
}

/// Runs the command: compares `spec/` at `base` with the working tree and prints the result.
pub(crate) fn main(root: &Path, base: &str) -> Result<()> {
    let old = spec_at(root, base)?;
    let new = crate::codegen::read_spec(root)?;
    let text = changelog(&old, &new).with_context(|| format!("comparing spec/ at {base}"))?;
    #[allow(clippy::print_stdout, reason = "the changelog is the command's output")]
    {
        print!("{text}");
    }
    Ok(())
}

/// The spec files at a git revision: every `spec/*.yaml` that `git ls-tree` lists.
pub(crate) fn spec_at(root: &Path, rev: &str) -> Result<Vec<codegen::SourceFile>> {
    let git = |args: &[&str]| -> Result<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .context("running git")?;
        if !out.status.success() {
            bail!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8(out.stdout).context("git printed something that is not UTF-8")
    };
    let listing = git(&["ls-tree", "--name-only", rev, "spec/"])?;
    let mut names: Vec<&str> = listing.lines().filter(|n| n.ends_with(".yaml")).collect();
    names.sort_unstable();
    if names.is_empty() {
        bail!("{rev} has no spec/*.yaml");
    }
    names
        .into_iter()
        .map(|name| {
            Ok(codegen::SourceFile {
                name: name.to_owned(),
                text: git(&["show", &format!("{rev}:{name}")])?,
            })
        })
        .collect()
}

/// The semver level and the CHANGELOG list, as text.
pub(crate) fn changelog(
    old: &[codegen::SourceFile],
    new: &[codegen::SourceFile],
) -> Result<String> {
    let load = |side: &str, s: &[codegen::SourceFile]| {
        codegen::load(s)
            .map_err(|d| anyhow::anyhow!("the {side} spec has {} problem(s):\n{d}", d.len()))
    };
    let changes = compare(&load("old", old)?, &load("new", new)?);
    Ok(render(&changes))
}

/// Renders the level and the entries, grouped as a CHANGELOG section.
pub(crate) fn render(changes: &[Change]) -> String {
    let level = changes.iter().map(|c| c.level).max().unwrap_or(Level::None);
    let mut s = String::new();
    let _ = writeln!(s, "semver: {}", level.as_str());
    for section in Section::ALL {
        let mut items: Vec<&Change> = changes.iter().filter(|c| c.section == section).collect();
        if items.is_empty() {
            continue;
        }
        // Breaking entries first, each group in the order found.
        items.sort_by_key(|c| c.level != Level::Major);
        let _ = writeln!(s, "\n### {}\n", section.heading());
        for c in items {
            let mark = if c.level == Level::Major {
                "**Breaking:** "
            } else {
                ""
            };
            let _ = writeln!(s, "- {mark}{}", c.text);
        }
    }
    s
}

/// The changes found so far, in the order found.
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    /// A change to something kept: new (minor) is Added, a patch Fixed, a major one Changed.
    fn push(&mut self, level: Level, text: String) {
        let section = match level {
            Level::Minor => Section::Added,
            Level::Patch => Section::Fixed,
            Level::None | Level::Major => Section::Changed,
        };
        self.0.push(Change {
            level,
            section,
            text,
        });
    }

    /// Something gone (an endpoint, a parameter, a type, a value, a field): major, Removed.
    fn removed(&mut self, text: String) {
        self.0.push(Change {
            level: Level::Major,
            section: Section::Removed,
            text,
        });
    }
}

/// Every change from `old` to `new`, in the new spec's order (removals in the old one's).
pub(crate) fn compare(old: &ir::Api, new: &ir::Api) -> Vec<Change> {
    let mut out = Changes::default();
    endpoints(old, new, &mut out);
    records(old, new, &mut out);
    enums(old, new, &mut out);
    callbacks(old, new, &mut out);
    out.0
}

/// Endpoints removed and added, and the changes to each kept.
fn endpoints(old: &ir::Api, new: &ir::Api, out: &mut Changes) {
    let old_eps: Vec<&ir::Endpoint> = old.endpoints().collect();
    let new_eps: Vec<&ir::Endpoint> = new.endpoints().collect();
    for o in &old_eps {
        if !new_eps.iter().any(|n| n.name == o.name) {
            out.removed(format!(
                "Removed `{}` ({}) and `{}`{}",
                o.name,
                o.title_zh,
                o.request_type,
                doc_no(o)
            ));
        }
    }
    for n in &new_eps {
        match old_eps.iter().find(|o| o.name == n.name) {
            None => out.push(
                Level::Minor,
                format!(
                    "Added `{}` ({}) and `{}`{}",
                    n.name,
                    n.title_zh,
                    n.request_type,
                    doc_no(n)
                ),
            ),
            Some(o) => {
                params(o, n, out);
                argument_order(o, n, out);
                roles(o, n, out);
                behaviour(o, n, out);
                wire(o, n, out);
            }
        }
    }
}

/// Parameters removed, added, retyped, or made required or optional.
fn params(o: &ir::Endpoint, n: &ir::Endpoint, out: &mut Changes) {
    let at = format!("`{}`", n.request_type);
    for op in &o.params {
        if !n.params.iter().any(|np| np.wire == op.wire) {
            out.removed(format!("{at}: removed parameter `{}`", op.wire));
        }
    }
    for np in &n.params {
        let Some(op) = o.params.iter().find(|op| op.wire == np.wire) else {
            if np.required {
                out.push(
                    Level::Major,
                    format!(
                        "{at}: new required parameter `{}: {}` (`{}::new` takes it)",
                        np.wire,
                        rust_type::param(&np.ty),
                        n.request_type
                    ),
                );
            } else {
                out.push(
                    Level::Minor,
                    format!(
                        "{at}: new optional parameter `{}: {}`",
                        np.wire,
                        rust_type::param(&np.ty)
                    ),
                );
            }
            continue;
        };
        if op.ty != np.ty {
            out.push(
                Level::Major,
                format!(
                    "{at}: parameter `{}` is `{}`, was `{}`",
                    np.wire,
                    rust_type::param(&np.ty),
                    rust_type::param(&op.ty)
                ),
            );
        }
        if op.required != np.required {
            let now = if np.required { "required" } else { "optional" };
            out.push(
                Level::Major,
                format!(
                    "{at}: parameter `{}` is now {now} (`{}::new` changes)",
                    np.wire, n.request_type
                ),
            );
        }
    }
}

/// Required params are the method's arguments, in spec order: a new order moves them.
fn argument_order(o: &ir::Endpoint, n: &ir::Endpoint, out: &mut Changes) {
    let order = |e: &ir::Endpoint, other: &ir::Endpoint| -> Vec<String> {
        e.params
            .iter()
            .filter(|p| p.required)
            .filter(|p| other.params.iter().any(|q| q.wire == p.wire && q.required))
            .map(|p| p.wire.clone())
            .collect()
    };
    let (was, now) = (order(o, n), order(n, o));
    if was != now {
        out.push(
            Level::Major,
            format!(
                "`{}` takes its arguments in the order ({}), was ({})",
                n.name,
                now.join(", "),
                was.join(", ")
            ),
        );
    }
}

/// A parameter taken as the source or target of a copy (or no longer).
fn roles(o: &ir::Endpoint, n: &ir::Endpoint, out: &mut Changes) {
    let taken = |p: &ir::Param| match p.role {
        Some(role) => format!("{}<{}>", role.type_name(), rust_type::param(&p.ty)),
        None => rust_type::param(&p.ty),
    };
    for np in &n.params {
        let Some(op) = o.params.iter().find(|op| op.wire == np.wire) else {
            continue;
        };
        if op.role != np.role {
            out.push(
                Level::Major,
                format!(
                    "`{}`: parameter `{}` is taken as `{}`, was `{}`",
                    n.request_type,
                    np.wire,
                    taken(np),
                    taken(op)
                ),
            );
        }
    }
}

/// What a call does with its answer: a batch's confirmation, the window check, the response type
/// and pagination.
fn behaviour(o: &ir::Endpoint, n: &ir::Endpoint, out: &mut Changes) {
    match (&o.confirms, &n.confirms) {
        (None, Some(c)) => out.push(
            Level::Major,
            format!(
                "`{}` reports requested ids missing from `{}` as `Error::Incomplete` (was `Ok`)",
                n.name, c.list
            ),
        ),
        (Some(_), None) => out.push(
            Level::Major,
            format!(
                "`{}` no longer reports unconfirmed ids (`Ok` again)",
                n.name
            ),
        ),
        _ => {}
    }
    let window = |e: &ir::Endpoint| {
        e.window
            .as_ref()
            .map(|w| (w.start.clone(), w.end.clone(), w.same_day))
    };
    if window(o) != window(n) {
        let text = match &n.window {
            Some(w) => format!(
                "`{}` refuses before sending a window whose `{}` is before `{}`{}",
                n.name,
                w.end,
                w.start,
                if w.same_day {
                    ", or that spans two days"
                } else {
                    ""
                }
            ),
            None => format!("`{}` no longer checks its time window", n.name),
        };
        out.push(Level::Major, text);
    }
    if o.response != n.response {
        out.push(
            Level::Major,
            format!(
                "`{}` returns `{}`, was `{}`",
                n.name,
                rust_type::response(&n.response),
                rust_type::response(&o.response)
            ),
        );
    }
    let at = format!("`{}`", n.request_type);
    match (&o.pagination, &n.pagination) {
        (None, Some(_)) => out.push(Level::Minor, format!("{at}: now paginated (`Paginated`)")),
        (Some(_), None) => out.removed(format!("{at}: no longer paginated")),
        _ => {}
    }
}

/// How a request is sent: its methods and path.
fn wire(o: &ir::Endpoint, n: &ir::Endpoint, out: &mut Changes) {
    let methods = |e: &ir::Endpoint| {
        e.methods
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    if methods(o) != methods(n) {
        out.push(
            Level::Patch,
            format!("`{}` is sent as {}, was {}", n.name, methods(n), methods(o)),
        );
    }
    if o.path != n.path {
        out.push(
            Level::Patch,
            format!("`{}` is sent to `{}`, was `{}`", n.name, n.path, o.path),
        );
    }
}

/// Records removed and added, and the fields of each kept.
fn records(old: &ir::Api, new: &ir::Api, out: &mut Changes) {
    for o in &old.records {
        if new.record(&o.name).is_none() {
            out.removed(format!("Removed type `types::{}`", o.name));
        }
    }
    for n in &new.records {
        match old.record(&n.name) {
            None => out.push(Level::Minor, format!("Added type `types::{}`", n.name)),
            Some(o) => fields(&format!("`types::{}`", n.name), &o.fields, &n.fields, out),
        }
    }
}

/// Enums removed and added, and the coding and values of each kept.
fn enums(old: &ir::Api, new: &ir::Api, out: &mut Changes) {
    for o in &old.enums {
        if new.enumeration(&o.name).is_none() {
            out.removed(format!("Removed enum `types::{}`", o.name));
        }
    }
    for n in &new.enums {
        let Some(o) = old.enumeration(&n.name) else {
            out.push(Level::Minor, format!("Added enum `types::{}`", n.name));
            continue;
        };
        let at = format!("`types::{}`", n.name);
        if o.repr != n.repr {
            out.push(Level::Major, format!("{at}: now coded by {}", repr(n.repr)));
        }
        for ov in &o.values {
            if !n.values.iter().any(|nv| nv.name == ov.name) {
                out.removed(format!(
                    "{at}: removed value `{}` ({})",
                    ov.name,
                    code(&ov.code)
                ));
            }
        }
        for nv in &n.values {
            match o.values.iter().find(|ov| ov.name == nv.name) {
                None => out.push(
                    Level::Minor,
                    format!(
                        "{at}: new value `{}` ({}, {})",
                        nv.name,
                        code(&nv.code),
                        nv.zh
                    ),
                ),
                Some(ov) if ov.code != nv.code => out.push(
                    Level::Major,
                    format!(
                        "{at}: `{}` is coded {}, was {}",
                        nv.name,
                        code(&nv.code),
                        code(&ov.code)
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Callbacks removed and added, and the fields of each kept.
fn callbacks(old: &ir::Api, new: &ir::Api, out: &mut Changes) {
    for o in &old.callbacks {
        if !new.callbacks.iter().any(|n| n.name == o.name) {
            out.removed(format!("Removed callback `{}`", o.type_name));
        }
    }
    for n in &new.callbacks {
        match old.callbacks.iter().find(|o| o.name == n.name) {
            None => out.push(
                Level::Minor,
                format!("Added callback `{}` ({})", n.type_name, n.title_zh),
            ),
            Some(o) => fields(&format!("`{}`", n.type_name), &o.fields, &n.fields, out),
        }
    }
}

fn fields(at: &str, old: &[ir::Field], new: &[ir::Field], out: &mut Changes) {
    for o in old {
        if !new.iter().any(|n| n.wire == o.wire) {
            out.removed(format!("{at}: removed field `{}`", o.wire));
        }
    }
    for n in new {
        let Some(o) = old.iter().find(|o| o.wire == n.wire) else {
            out.push(
                Level::Minor,
                format!("{at}: new field `{}: {}`", n.wire, rust_type::field(n)),
            );
            continue;
        };
        if o.ty != n.ty || o.required != n.required {
            out.push(
                Level::Major,
                format!(
                    "{at}: field `{}` is `{}`, was `{}`",
                    n.wire,
                    rust_type::field(n),
                    rust_type::field(o)
                ),
            );
        }
    }
}

fn doc_no(e: &ir::Endpoint) -> String {
    e.doc.map(|n| format!(", API {n}")).unwrap_or_default()
}

fn repr(r: ir::Repr) -> &'static str {
    match r {
        ir::Repr::Int => "integers",
        ir::Repr::String => "strings",
    }
}

fn code(c: &Code) -> String {
    match c {
        Code::Int(n) => n.to_string(),
        Code::Str(s) => format!("\"{s}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture bundles both sides: `# old: NAME` and `# new: NAME` start a file of the spec at
    /// the base and in the working tree. A side without `api.yaml` gets `codegen::FIXTURE_ROOT`.
    fn sides(text: &str) -> (Vec<codegen::SourceFile>, Vec<codegen::SourceFile>) {
        let mut old: Vec<codegen::SourceFile> = Vec::new();
        let mut new: Vec<codegen::SourceFile> = Vec::new();
        let mut current: Option<bool> = None;
        for line in text.split_inclusive('\n') {
            let (is_new, name) = if let Some(n) = line.strip_prefix("# old: ") {
                (false, n)
            } else if let Some(n) = line.strip_prefix("# new: ") {
                (true, n)
            } else {
                let side = match current {
                    Some(true) => &mut new,
                    Some(false) => &mut old,
                    None => continue,
                };
                if let Some(f) = side.last_mut() {
                    f.text.push_str(line);
                }
                continue;
            };
            current = Some(is_new);
            let side = if is_new { &mut new } else { &mut old };
            side.push(codegen::SourceFile {
                name: format!("spec/{}", name.trim()),
                text: String::new(),
            });
        }
        for side in [&mut old, &mut new] {
            if !side.iter().any(|f| f.name == "spec/api.yaml") {
                side.push(codegen::SourceFile {
                    name: "spec/api.yaml".into(),
                    text: codegen::FIXTURE_ROOT.into(),
                });
            }
        }
        (old, new)
    }

    #[test]
    fn fixtures() {
        insta::glob!("../fixtures/changelog", "*.spec", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
            let (old, new) = sides(&text);
            match changelog(&old, &new) {
                Ok(out) => insta::assert_snapshot!(out),
                Err(e) => panic!("{}: {e:#}", path.display()),
            }
        });
    }

    /// Keep a Changelog's groups in the CHANGELOG's order, breaking entries first in each and
    /// marked, and the level of the largest change.
    #[test]
    fn render_groups_as_keep_a_changelog() {
        let mut out = Changes::default();
        out.push(Level::Minor, "new a".into());
        out.push(Level::Patch, "path b".into());
        out.removed("gone c".into());
        out.push(Level::Minor, "new d".into());
        out.push(Level::Major, "retyped e".into());
        assert_eq!(
            render(&out.0),
            "semver: major\n\n### Added\n\n- new a\n- new d\n\n### Changed\n\n\
             - **Breaking:** retyped e\n\n### Fixed\n\n- path b\n\n### Removed\n\n\
             - **Breaking:** gone c\n"
        );
        let mut out = Changes::default();
        out.push(Level::Minor, "paginated f".into());
        out.push(Level::Major, "required g".into());
        assert!(render(&out.0).contains("### Changed\n\n- **Breaking:** required g\n"));
    }

    /// The git side: the spec at `HEAD` loads, and compared with itself says nothing.
    #[test]
    fn head_against_itself() {
        let root = crate::codegen::root();
        let head = match spec_at(&root, "HEAD") {
            Ok(s) => s,
            Err(e) => panic!("{e:#}"),
        };
        assert!(head.iter().any(|f| f.name == "spec/api.yaml"));
        let out = changelog(&head, &head).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(out, "semver: none\n");
    }

    #[test]
    fn an_unknown_revision_is_an_error() {
        let err = spec_at(&crate::codegen::root(), "no-such-revision-xyz").err();
        assert!(err.is_some());
    }
}
