//! Problems found in a spec, each with the place it was found, collected rather than thrown.
//!
//! Every phase pushes into one [`Diagnostics`] and the pipeline stops between phases when it is not
//! empty, so a bad spec reports all of its problems at once (the model is serde's `Ctxt`).

use std::fmt;

use crate::runtime::RuntimeItem;

/// Where in the spec a problem is: the file, the line and column of the node, and the path of keys
/// leading to it (`endpoints.get_list.params.page_size`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    /// The spec file, as given to [`crate::generate`] (e.g. `spec/playback.yaml`).
    pub file: String,
    /// 1-based line of the node; 0 when unknown.
    pub line: usize,
    /// 1-based column of the node; 0 when unknown.
    pub column: usize,
    /// Dotted path of mapping keys and sequence indices from the document root.
    pub path: String,
}

impl Location {
    /// The same place, one key deeper.
    pub(crate) fn child(&self, key: impl fmt::Display) -> Location {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Location {
            path,
            ..self.clone()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        Ok(())
    }
}

/// One problem in the spec.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where the problem is.
    pub at: Location,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// What kind of problem it is, for callers that act on one kind.
    pub kind: Kind,
}

/// What kind of problem a [`Diagnostic`] reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The spec breaks a rule of its format (`spec/README.md`).
    #[default]
    Spec,
    /// The spec lacks an item the client's hand-written runtime names, or gives it another shape
    /// ([`crate::generate_client`]).
    MissingRuntimeItem(RuntimeItem),
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// All problems found so far, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem at `at`.
    pub(crate) fn error(&mut self, at: &Location, message: impl Into<String>) {
        self.push(at, message, Kind::Spec);
    }

    /// Records a problem of a given kind at `at`.
    pub(crate) fn push(&mut self, at: &Location, message: impl Into<String>, kind: Kind) {
        self.items.push(Diagnostic {
            at: at.clone(),
            message: message.into(),
            kind,
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Ends a phase: `Ok(value)` when nothing was found, else every problem so far, in the order
    /// of the files, lines and columns they were found at.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.items.is_empty() {
            Ok(value)
        } else {
            self.items.sort();
            self.items.dedup();
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}
