//! A strict reader over `saphyr`'s marked YAML nodes: every node knows its location, every mapping
//! reports the keys nobody asked for, and every mismatch becomes a [`Diagnostic`](crate::Diagnostic)
//! instead of stopping the read.
//!
//! This is the only module that imports the YAML crate.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diagnostics::{Diagnostics, Location};

/// A parsed YAML document, owning its nodes.
pub(crate) struct Document {
    root: Option<MarkedYaml<'static>>,
    file: String,
}

impl Document {
    /// Parses `text`; a syntax error becomes a diagnostic and an empty document.
    pub(crate) fn parse(file: &str, text: &str, diags: &mut Diagnostics) -> Document {
        let root = match MarkedYaml::load_from_str(text) {
            Ok(mut docs) => {
                if docs.len() > 1 {
                    diags.error(
                        &Location {
                            file: file.to_owned(),
                            ..Location::default()
                        },
                        "a spec file holds one YAML document, found several",
                    );
                }
                if docs.is_empty() {
                    None
                } else {
                    Some(docs.swap_remove(0))
                }
            }
            Err(e) => {
                let m = e.marker();
                diags.error(
                    &Location {
                        file: file.to_owned(),
                        line: m.line(),
                        column: m.col() + 1,
                        path: String::new(),
                    },
                    format!("invalid YAML: {}", e.info()),
                );
                None
            }
        };
        Document {
            root,
            file: file.to_owned(),
        }
    }

    /// The root node, or `None` for an empty or unparsable document.
    pub(crate) fn root(&self) -> Option<Node<'_>> {
        self.root.as_ref().map(|yaml| Node {
            yaml,
            at: Location {
                file: self.file.clone(),
                line: yaml.span.start.line(),
                column: yaml.span.start.col() + 1,
                path: String::new(),
            },
        })
    }
}

/// One node and where it is.
#[derive(Clone)]
pub(crate) struct Node<'y> {
    yaml: &'y MarkedYaml<'static>,
    /// The node's location.
    pub(crate) at: Location,
}

impl<'y> Node<'y> {
    fn child(&self, yaml: &'y MarkedYaml<'static>, key: impl std::fmt::Display) -> Node<'y> {
        let mut at = self.at.child(key);
        at.line = yaml.span.start.line();
        at.column = yaml.span.start.col() + 1;
        Node { yaml, at }
    }

    fn kind(&self) -> &'static str {
        match &self.yaml.data {
            YamlData::Value(Scalar::Null) => "null",
            YamlData::Value(Scalar::Boolean(_)) => "a boolean",
            YamlData::Value(Scalar::Integer(_)) => "an integer",
            YamlData::Value(Scalar::FloatingPoint(_)) => "a float",
            YamlData::Value(Scalar::String(_)) | YamlData::Representation(..) => "a string",
            YamlData::Sequence(_) => "a sequence",
            YamlData::Mapping(_) => "a mapping",
            YamlData::Tagged(..) => "a tagged node",
            YamlData::Alias(_) => "an alias",
            YamlData::BadValue => "a malformed value",
        }
    }

    fn mismatch(&self, expected: &str, diags: &mut Diagnostics) {
        diags.error(
            &self.at,
            format!("expected {expected}, found {}", self.kind()),
        );
    }

    /// The node as a mapping whose keys are strings.
    pub(crate) fn map(&self, diags: &mut Diagnostics) -> Option<Map<'y>> {
        let YamlData::Mapping(entries) = &self.yaml.data else {
            self.mismatch("a mapping", diags);
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match &k.data {
                YamlData::Value(Scalar::String(s)) => {
                    out.push((s.to_string(), self.child(v, s)));
                }
                _ => {
                    let key = self.child(k, "<key>");
                    key.mismatch("a string key", diags);
                }
            }
        }
        Some(Map {
            at: self.at.clone(),
            seen: vec![false; out.len()],
            entries: out,
            asked: Vec::new(),
        })
    }

    /// The node as a sequence.
    pub(crate) fn seq(&self, diags: &mut Diagnostics) -> Option<Vec<Node<'y>>> {
        let YamlData::Sequence(items) = &self.yaml.data else {
            self.mismatch("a sequence", diags);
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, y)| self.child(y, i))
                .collect(),
        )
    }

    /// The node as a string.
    pub(crate) fn str(&self, diags: &mut Diagnostics) -> Option<String> {
        match &self.yaml.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            _ => {
                self.mismatch("a string", diags);
                None
            }
        }
    }

    /// The node as a boolean.
    pub(crate) fn bool(&self, diags: &mut Diagnostics) -> Option<bool> {
        match &self.yaml.data {
            YamlData::Value(Scalar::Boolean(b)) => Some(*b),
            _ => {
                self.mismatch("true or false", diags);
                None
            }
        }
    }

    /// The node as an integer.
    pub(crate) fn int(&self, diags: &mut Diagnostics) -> Option<i64> {
        match &self.yaml.data {
            YamlData::Value(Scalar::Integer(i)) => Some(*i),
            _ => {
                self.mismatch("an integer", diags);
                None
            }
        }
    }

    /// The node as an integer or a string.
    pub(crate) fn scalar(&self, diags: &mut Diagnostics) -> Option<ScalarValue> {
        match &self.yaml.data {
            YamlData::Value(Scalar::Integer(i)) => Some(ScalarValue::Int(*i)),
            YamlData::Value(Scalar::String(s)) => Some(ScalarValue::Str(s.to_string())),
            _ => {
                self.mismatch("an integer or a string", diags);
                None
            }
        }
    }

    /// The node as printable text: a string, or a number or boolean written without quotes.
    pub(crate) fn text(&self, diags: &mut Diagnostics) -> Option<String> {
        match &self.yaml.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
            YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
            YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
            _ => {
                self.mismatch("a scalar", diags);
                None
            }
        }
    }

    /// Whether the node is a mapping.
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.yaml.data, YamlData::Mapping(_))
    }

    /// Whether the node is the plain scalar `word` (e.g. `otherwise`).
    pub(crate) fn is_word(&self, word: &str) -> bool {
        matches!(&self.yaml.data, YamlData::Value(Scalar::String(s)) if s == word)
    }
}

/// An integer or a string from the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScalarValue {
    Int(i64),
    Str(String),
}

/// A mapping being read: keys are taken one by one, and [`Map::finish`] reports the rest.
pub(crate) struct Map<'y> {
    at: Location,
    entries: Vec<(String, Node<'y>)>,
    seen: Vec<bool>,
    asked: Vec<&'static str>,
}

impl<'y> Map<'y> {
    /// The location of the mapping itself.
    pub(crate) fn at(&self) -> &Location {
        &self.at
    }

    /// The value of `key`, if present.
    pub(crate) fn optional(&mut self, key: &'static str) -> Option<Node<'y>> {
        self.asked.push(key);
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        self.seen[i] = true;
        Some(self.entries[i].1.clone())
    }

    /// The value of `key`; its absence is reported.
    pub(crate) fn required(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<Node<'y>> {
        let node = self.optional(key);
        if node.is_none() {
            diags.error(&self.at, format!("missing required key '{key}'"));
        }
        node
    }

    /// Every entry, in document order, for mappings whose keys are names chosen by the author.
    pub(crate) fn entries(mut self) -> Vec<(String, Node<'y>)> {
        self.seen.iter_mut().for_each(|s| *s = true);
        std::mem::take(&mut self.entries)
    }

    /// Reports every key that was not read, naming the keys that were asked for.
    pub(crate) fn finish(self, diags: &mut Diagnostics) {
        for ((key, node), seen) in self.entries.iter().zip(&self.seen) {
            if !seen {
                diags.error(
                    &node.at,
                    format!(
                        "unknown key '{key}' (expected one of: {})",
                        self.asked.join(", ")
                    ),
                );
            }
        }
    }
}
