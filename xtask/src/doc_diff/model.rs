//! The doc model: what one text extraction of the vendor's PDF says, section by section.
//!
//! The model is only as good as the extraction: `pdftotext` flattens tables, cuts right-hand
//! columns and URLs, and lets rows spill across page breaks into a neighbouring section. Both the
//! baseline and the new extraction go through the same parser, so those mistakes cancel in the
//! diff; the model is never compared with the spec directly.

use std::collections::BTreeSet;

/// One extraction of the vendor's doc.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Doc {
    /// The `API N` sections, in the doc's order.
    pub(crate) apis: Vec<Section>,
    /// The `CB-API-N` sections (callbacks), in the doc's order.
    pub(crate) callbacks: Vec<Section>,
}

/// One `API N` or `CB-API-N` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Section {
    /// The number in the heading (`API 7` → 7; every callback is `CB-API-1` in the doc).
    pub(crate) number: u32,
    /// The heading's title, whitespace collapsed (cut where the PDF cuts it).
    pub(crate) title: String,
    /// The method lines (`POST`, `GET/POST`), each normalised to `GET/POST` order, in doc order.
    pub(crate) methods: Vec<String>,
    /// The visible part of each request URL, in doc order.
    pub(crate) urls: Vec<String>,
    /// Request parameters (rows with a 是/否 column, or under a 是否必填 header).
    pub(crate) params: Vec<Row>,
    /// Response fields; for a callback, its form fields.
    pub(crate) fields: Vec<Row>,
    /// Prose lines not attached to a row (descriptions, notes).
    pub(crate) prose: Vec<String>,
    /// Lines of the response examples.
    pub(crate) examples: Vec<String>,
}

/// One table row: a parameter or a field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    /// The name as printed.
    pub(crate) name: String,
    /// The type as printed, lower-cased.
    pub(crate) ty: String,
    /// 是 / 否, when the row has that column.
    pub(crate) required: Option<bool>,
    /// The default (or example) column, when it is a short ASCII value.
    pub(crate) default: Option<String>,
    /// The description: the rest of the row and the lines that continue it.
    pub(crate) description: String,
    /// Enum codes in the description (`20:转码成功` → 20).
    pub(crate) codes: BTreeSet<i64>,
}

impl Section {
    /// The parameters keyed for comparison: a name printed twice gets `#2` on its second row.
    pub(crate) fn keyed_params(&self) -> Vec<(String, &Row)> {
        keyed(&self.params)
    }

    /// The fields keyed the same way.
    pub(crate) fn keyed_fields(&self) -> Vec<(String, &Row)> {
        keyed(&self.fields)
    }
}

fn keyed(rows: &[Row]) -> Vec<(String, &Row)> {
    let mut seen: Vec<&str> = Vec::new();
    rows.iter()
        .map(|r| {
            let n = seen.iter().filter(|s| **s == r.name).count();
            seen.push(&r.name);
            let key = if n == 0 {
                r.name.clone()
            } else {
                format!("{}#{}", r.name, n + 1)
            };
            (key, r)
        })
        .collect()
}
