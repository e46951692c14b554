//! The parser: `pdftotext` output of the vendor's PDF → [`Doc`].
//!
//! What the layout gives, and what the parser relies on:
//! * a section starts at a line `API N : title` or `CB-API-N: title`;
//! * a table row is a line `name type …`, the name usually wrapped in U+00A0; request rows carry
//!   是/否 after the type, and a request table's header line has 是否必填;
//! * a response example is numbered, `1. {` … `N. }`;
//! * rows spill across page breaks. When the lines before a heading, after the previous section's
//!   last example, precede a callback, or hold a second request table (是否必填) when the
//!   section's own came before its example, they are the next section's beginning printed
//!   before its heading, and move to it (for a table: with the title, method and URL lines just
//!   before it, and no rows of the section before). A section without an example (a new API
//!   may have none) owns its first request table and method line only: a second one is the
//!   next section's.
//!
//! Anything else is prose. A text without the structural markers `pdftotext` produces (the
//! 【请求参数】 labels, U+00A0 around names, `API N :` headings) is refused: an OCR of the PDF, for
//! one, reads the Chinese as noise and drops the U+00A0, and a diff of it would be meaningless.

use std::collections::BTreeSet;

use super::model::{Doc, Row, Section};

/// Why a text is not the vendor's doc in the `pdftotext` layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotTheDoc(pub(crate) String);

impl std::fmt::Display for NotTheDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const NBSP: char = '\u{a0}';

/// The types the doc's tables print.
const TYPES: &[&str] = &[
    "int", "integer", "bigint", "long", "float", "double", "number", "string", "text", "bool",
    "boolean", "array", "object", "json", "map", "file", "date", "datetime",
];

/// A heading: its line, kind, number and title.
type Head = (usize, Heading, u32, String);

/// The normalised lines, the headings, and the lines of each section.
type Sections = (Vec<String>, Vec<Head>, Vec<Vec<usize>>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Heading {
    Api,
    Callback,
}

/// The first line (0-based) of each section as the parser assigns lines: its heading, or the
/// first of its lines printed before the heading. A test inserts a new section there.
#[cfg(test)]
pub(crate) fn section_starts(text: &str) -> Result<Vec<usize>, NotTheDoc> {
    let (_, heads, regions) = sections(text)?;
    Ok(heads
        .iter()
        .zip(&regions)
        .map(|((head, ..), region)| region.first().map_or(*head, |&first| first.min(*head)))
        .collect())
}

/// Parses one extraction.
pub(crate) fn parse(text: &str) -> Result<Doc, NotTheDoc> {
    let (lines, heads, regions) = sections(text)?;
    let mut doc = Doc::default();
    let mut context = Table::Request;
    for ((_, kind, number, title), region) in heads.into_iter().zip(regions) {
        let mut section = Section {
            number,
            title,
            ..Section::default()
        };
        fill(&mut section, kind, &region, &lines, &mut context);
        match kind {
            Heading::Api => doc.apis.push(section),
            Heading::Callback => doc.callbacks.push(section),
        }
    }
    Ok(doc)
}

/// The headings of one extraction (line, kind, number, title) and the lines of each section:
/// the lines after its heading, with a beginning printed before the next heading moved there.
fn sections(text: &str) -> Result<Sections, NotTheDoc> {
    check_layout(text)?;
    let lines: Vec<String> = text.lines().map(normalise).collect();

    // Split into regions at the headings.
    let mut heads: Vec<Head> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some((kind, n, title)) = heading(l) {
            heads.push((i, kind, n, title));
        }
    }
    if heads.is_empty() {
        return Err(NotTheDoc("no `API N :` heading found".into()));
    }
    let mut regions: Vec<Vec<usize>> = heads
        .iter()
        .enumerate()
        .map(|(k, (start, ..))| {
            let end = heads.get(k + 1).map_or(lines.len(), |h| h.0);
            (start + 1..end).collect()
        })
        .collect();
    // Move a spilled beginning to the section it belongs to. A section's own content ends at its
    // last example's closing line; a section without an example (a new API may have none) owns
    // only its first request table, so the tail to weigh is then the whole region.
    for k in 0..heads.len().saturating_sub(1) {
        let next_is_callback = heads[k + 1].1 == Heading::Callback;
        let region = &regions[k];
        let last_close = region.iter().rposition(|&i| is_example_close(&lines[i]));
        let own_end = last_close.map_or(0, |c| c + 1);
        let tail: Vec<usize> = region[own_end..].to_vec();
        let request_table = |i: &usize| table_header(&lines[*i]) == Some(Table::Request);
        // The tail's request tables beyond the section's own: with an example, the section's
        // table came before it and every table after it is the next section's; without one,
        // the first table is the section's own.
        let own_tables =
            usize::from(last_close.is_none() || !region[..own_end].iter().any(request_table));
        let nth = |n: usize, is: &dyn Fn(&usize) -> bool| {
            tail.iter()
                .enumerate()
                .filter(|(_, i)| is(i))
                .nth(n)
                .map(|(at, _)| at)
        };
        let mut spilled = nth(own_tables, &request_table);
        if last_close.is_none() {
            // Without an example, a second method line starts the next section too (a
            // callback's beginning has a method line and a table without 是否必填).
            let method = |i: &usize| method_line(&lines[*i]).is_some();
            spilled = match (spilled, nth(1, &method)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let cut = if next_is_callback && last_close.is_some() {
            0
        } else if let Some(at) = spilled {
            // From the table back over its heading lines (title, method, URL), not over rows.
            let mut cut = at;
            while cut > 0 && prelude(&lines[tail[cut - 1]]) {
                cut -= 1;
            }
            cut
        } else {
            continue;
        };
        if cut < tail.len() {
            regions[k].truncate(own_end + cut);
            let mut moved = tail[cut..].to_vec();
            moved.append(&mut regions[k + 1]);
            regions[k + 1] = moved;
        }
    }

    Ok((lines, heads, regions))
}

/// Refuses a text that lacks the structural markers of a `pdftotext` extraction.
fn check_layout(text: &str) -> Result<(), NotTheDoc> {
    let markers = text.matches("【请求参数】").count();
    let wrapped = text
        .lines()
        .filter(|l| l.trim_start_matches(' ').starts_with(NBSP))
        .count();
    let headings = text
        .lines()
        .filter(|l| l.trim_start().starts_with("API") && heading(&normalise(l)).is_some())
        .count();
    let mut missing = Vec::new();
    if headings == 0 {
        missing.push("no `API N :` section headings");
    }
    if markers == 0 {
        missing.push("no 【请求参数】 labels");
    }
    if wrapped == 0 {
        missing.push("no table rows with names wrapped in U+00A0");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(NotTheDoc(format!(
            "not a `pdftotext` extraction of the vendor's playback API doc ({}); \
             an OCR text or another layout cannot be compared reliably: extract the PDF with \
             `pdftotext` (poppler) without options",
            missing.join(", ")
        )))
    }
}

/// A line that can stand between a section's heading and its request table: not a row, not
/// an example line (a URL is one, but belongs to the request).
fn prelude(line: &str) -> bool {
    row(line).is_none()
        && example_line(line)
            .is_none_or(|rest| rest.starts_with("http://") || rest.starts_with("https://"))
}

/// NBSP to space, runs of whitespace collapsed, trimmed.
fn normalise(line: &str) -> String {
    line.replace(NBSP, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `API 7 : title` / `API 23： title` / `CB-API-1: title`.
fn heading(line: &str) -> Option<(Heading, u32, String)> {
    let (kind, rest) = if let Some(rest) = line.strip_prefix("CB-API-") {
        (Heading::Callback, rest)
    } else {
        (Heading::Api, line.strip_prefix("API")?)
    };
    let rest = rest.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    let rest = rest[digits.len()..].trim_start();
    let title = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix('：'))?
        .trim();
    if title.is_empty() {
        return None;
    }
    Some((kind, number, title.to_owned()))
}

/// The closing line of a response example: `N. }` with the brace at the outermost level.
fn is_example_close(line: &str) -> bool {
    line.split_once(". ")
        .is_some_and(|(n, rest)| is_number(n) && rest == "}")
        && !line.contains("  ")
}

/// `N. …`: a line of a numbered example (URLs included: `1. https://…`).
fn example_line(line: &str) -> Option<&str> {
    let (n, rest) = line.split_once('.')?;
    (is_number(n) && (rest.is_empty() || rest.starts_with(' '))).then(|| rest.trim())
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Request,
    Response,
}

/// A table's header line (`参数 类型 是否必填 …`, `参数名 参数类型 …` or `参数 类型 示例 …`).
fn table_header(line: &str) -> Option<Table> {
    if !line.starts_with("参数") || !line.contains("类型") || line.chars().count() > 40 {
        return None;
    }
    Some(if line.contains("必填") {
        Table::Request
    } else {
        Table::Response
    })
}

/// `GET`, `POST`, `GET / POST`, `POST/GET` → the sorted methods joined with `/`.
fn method_line(line: &str) -> Option<String> {
    let parts: Vec<&str> = line
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || !parts.iter().all(|p| matches!(*p, "GET" | "POST")) {
        return None;
    }
    let set: BTreeSet<&str> = parts.into_iter().collect();
    Some(set.into_iter().collect::<Vec<_>>().join("/"))
}

/// A name: `room_id`, or a path into a nested record, `list.video_id`.
fn is_ident(s: &str) -> bool {
    s.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn is_type(s: &str) -> bool {
    known_type(s).is_some()
}

/// The doc type `s` names, lower-cased, if it is one.
pub(crate) fn known_type(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    TYPES.iter().copied().find(|t| *t == lower)
}

/// A table row: `name type [是|否] [default] [description…]`, or `name example type`.
fn row(line: &str) -> Option<Row> {
    let tokens: Vec<&str> = line.split(' ').collect();
    let name = *tokens.first()?;
    if !is_ident(name) || tokens.len() < 2 {
        return None;
    }
    if !is_type(tokens[1]) {
        // The whitelist record's layout: `user_id 291446 int`.
        return (tokens.len() == 3 && is_type(tokens[2])).then(|| Row {
            name: name.to_owned(),
            ty: tokens[2].to_ascii_lowercase(),
            ..Row::default()
        });
    }
    let mut rest = &tokens[2..];
    let required = match rest.first() {
        Some(&"是") => Some(true),
        Some(&"否") => Some(false),
        _ => None,
    };
    if required.is_some() {
        rest = &rest[1..];
    }
    let default = match rest.first() {
        Some(v) if v.len() <= 32 && v.bytes().all(|b| b.is_ascii_graphic()) && !v.contains(':') => {
            let v = (*v).to_owned();
            rest = &rest[1..];
            Some(v)
        }
        _ => None,
    };
    Some(Row {
        name: name.to_owned(),
        ty: tokens[1].to_ascii_lowercase(),
        required,
        default,
        description: rest.join(" "),
        codes: BTreeSet::new(),
    })
}

/// Enum codes in a description: integers followed by `:` or `：` (not clock times).
fn codes(text: &str) -> BTreeSet<i64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !is_code_char(chars[i - 1])) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let colon = chars.get(i).is_some_and(|c| *c == ':' || *c == '：');
            let after_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if colon && !after_digit {
                let n: String = chars[start..i].iter().collect();
                if let Ok(n) = n.parse() {
                    out.insert(n);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_' || c == '.'
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attach {
    /// Prose continues the last row.
    Param,
    Field,
    /// Prose continues an example (a wrapped URL or string).
    Example,
    /// Prose stands on its own.
    Prose,
}

fn fill(
    section: &mut Section,
    kind: Heading,
    region: &[usize],
    lines: &[String],
    context: &mut Table,
) {
    let mut attach = Attach::Prose;
    for &i in region {
        let line = lines[i].as_str();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('【') && line.ends_with('】') {
            // 【返回参数】, 【响应参数】: rows without 是/否 from here on are fields.
            if line.contains("返回") || line.contains("响应") {
                *context = Table::Response;
            }
            attach = Attach::Prose;
            continue;
        }
        if let Some(table) = table_header(line) {
            *context = table;
            attach = Attach::Prose;
            continue;
        }
        if let Some(m) = method_line(line) {
            section.methods.push(m);
            attach = Attach::Prose;
            continue;
        }
        if let Some(rest) = example_line(line) {
            if rest.starts_with("http://") || rest.starts_with("https://") {
                section.urls.push(rest.to_owned());
            } else {
                section.examples.push(line.to_owned());
            }
            attach = Attach::Example;
            continue;
        }
        // A row: `name type …`, the name usually wrapped in U+00A0.
        if let Some(r) = row(line) {
            let is_param =
                kind == Heading::Api && (r.required.is_some() || *context == Table::Request);
            if is_param {
                section.params.push(r);
                attach = Attach::Param;
            } else {
                section.fields.push(r);
                attach = Attach::Field;
            }
            continue;
        }
        let last = match attach {
            Attach::Param => section.params.last_mut(),
            Attach::Field => section.fields.last_mut(),
            Attach::Example => {
                section.examples.push(line.to_owned());
                continue;
            }
            Attach::Prose => None,
        };
        match last {
            Some(r) => {
                if !r.description.is_empty() {
                    r.description.push(' ');
                }
                r.description.push_str(line);
            }
            None => section.prose.push(line.to_owned()),
        }
    }
    for r in section.params.iter_mut().chain(section.fields.iter_mut()) {
        r.codes = codes(&r.description);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let r = row("partner_id int 是 123456 合作方用").expect("a row");
        assert_eq!(r.name, "partner_id");
        assert_eq!(r.ty, "int");
        assert_eq!(r.required, Some(true));
        assert_eq!(r.default.as_deref(), Some("123456"));
        assert_eq!(r.description, "合作方用");
        let r = row("user_id 291446 int").expect("a row");
        assert_eq!((r.name.as_str(), r.ty.as_str()), ("user_id", "int"));
        assert!(row("limited_token 仅可使用一次").is_none());
        assert!(row("iphone 2:ip").is_none());
        let r = row("list.video_id int 回放对应").expect("a row");
        assert_eq!(r.name, "list.video_id");
        assert!(row("a..b int").is_none());
    }

    #[test]
    fn enum_codes() {
        let c: Vec<i64> = codes("视频屏蔽状态 1:未屏蔽 2：已屏 2017-09-26 16:38:11 x3:")
            .into_iter()
            .collect();
        assert_eq!(c, vec![1, 2]);
    }

    #[test]
    fn headings() {
        assert_eq!(
            heading("API 23： 单个回放白名单增加学员"),
            Some((Heading::Api, 23, "单个回放白名单增加学员".into()))
        );
        assert_eq!(
            heading("CB-API-1: 回放转纯视频回调"),
            Some((Heading::Callback, 1, "回放转纯视频回调".into()))
        );
        assert_eq!(heading("API文档。"), None);
    }
}
