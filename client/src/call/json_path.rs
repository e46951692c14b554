//! Where in a JSON document a decoding error happened, as a path like `data.list[1].id`.
//!
//! serde_json reports an error's line and column; this walks the document up to that point and
//! names the value being read there. It is the answer `serde_path_to_error` gives (the tests
//! hold the two together over thousands of broken documents; the one case they differ is
//! described in [`at`]), without decoding every response type a second time through a tracking
//! deserializer: that second instantiation of each type took 28% of the crate's release build
//! (see BENCHMARKS.md), for a path shown only on errors.

use std::fmt::Write as _;

/// One open container while walking the document.
enum Frame {
    /// An object, with the key whose value is being read (once one is).
    Object {
        key: Option<String>,
        expect_key: bool,
    },
    /// An array, with the index of the element being read (once one is).
    Array { index: Option<usize> },
}

/// The path of the value being read at `error`'s position in `body`: `.` for the document
/// itself, else keys joined with `.` and indices in brackets.
pub(crate) fn of_error(body: &[u8], error: &serde_json::Error) -> String {
    let mut end = offset(body, error.line(), error.column());
    if error.is_syntax() {
        // A syntax error's position is past the byte that broke the syntax.
        end = end.saturating_sub(1);
    }
    at(body, end, Culprit::of(&error.to_string()))
}

/// What an error blames: the value at its position, or an array or object.
///
/// A visitor that rejects a whole array or object often notices only after reading some of it
/// (a sequence too short or too long, a map it cannot use), so the position is inside it while
/// the fault is the container.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Culprit {
    Value,
    /// An array; `by_type` when rejected for being an array at all.
    Array {
        by_type: bool,
    },
    /// An object; `by_type` when rejected for being an object at all.
    Object {
        by_type: bool,
    },
}

impl Culprit {
    fn of(message: &str) -> Culprit {
        let (rejected, by_type) = match message.strip_prefix("invalid type: ") {
            Some(m) => (Some(m), true),
            None => (message.strip_prefix("invalid value: "), false),
        };
        match rejected {
            Some(m) if m.starts_with("sequence") => Culprit::Array { by_type },
            Some(m) if m.starts_with("map") => Culprit::Object { by_type },
            _ if message.starts_with("invalid length")
                || message.starts_with("trailing characters") =>
            {
                Culprit::Array { by_type: false }
            }
            _ => Culprit::Value,
        }
    }
}

/// The byte offset of serde_json's one-based line and its column (bytes read on that line).
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    if line > 1 {
        match body
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
        {
            Some((newline, _)) => start = newline + 1,
            None => return body.len(),
        }
    }
    start.saturating_add(column).min(body.len())
}

/// The path of the value being read once the first `end` bytes of `body` have been read (or of
/// the innermost container, when the culprit is one and it was entered).
fn at(body: &[u8], end: usize, culprit: Culprit) -> String {
    let rest = body.get(end..).unwrap_or_default();
    let body = &body[..end.min(body.len())];
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {}
            b',' => match stack.last_mut() {
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                Some(Frame::Array { index }) => *index = Some(index.map_or(0, |n| n + 1)),
                None => {}
            },
            b'}' | b']' => {
                stack.pop();
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                let raw = &body[start..i.min(body.len())];
                match stack.last_mut() {
                    Some(Frame::Object { key, expect_key }) if *expect_key => {
                        *key = Some(key_text(raw));
                        *expect_key = false;
                    }
                    _ => element_starts(&mut stack),
                }
            }
            b'{' | b'[' => {
                element_starts(&mut stack);
                stack.push(if byte == b'{' {
                    Frame::Object {
                        key: None,
                        expect_key: true,
                    }
                } else {
                    Frame::Array { index: None }
                });
            }
            _ => {
                // A number or a literal: read to its end.
                element_starts(&mut stack);
                while i + 1 < body.len()
                    && !matches!(
                        body[i + 1],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b':'
                    )
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    // serde_json looks at the first byte of an array or object of the wrong type and reports the
    // position before it: an array or object next, rejected by type, is the value being read.
    // (An array rejected by type right after its `[`, while its first element is an array too,
    // looks the same; it is then named by that first element, the one case where this differs
    // from tracking every step.)
    let next = rest.iter().find(|b| !b.is_ascii_whitespace());
    let last = body.iter().rev().find(|b| !b.is_ascii_whitespace());
    let upcoming = match culprit {
        Culprit::Array { by_type } => by_type && next == Some(&b'['),
        Culprit::Object { by_type } => by_type && next == Some(&b'{'),
        Culprit::Value => false,
    };
    if upcoming {
        element_starts(&mut stack);
    } else {
        // Else the container to blame is the one around the position, unless it is one just
        // read whole (its closing bracket is last). Closing an array cut short may have eaten
        // the comma after the last element read, so its index can be one too far; it is dropped
        // anyway.
        match (culprit, stack.last_mut()) {
            (Culprit::Array { .. }, Some(Frame::Array { index })) if last != Some(&b']') => {
                *index = None;
            }
            (Culprit::Object { .. }, Some(Frame::Object { key, .. })) if last != Some(&b'}') => {
                *key = None;
            }
            _ => {}
        }
    }
    render(&stack)
}

/// A value starts: in an array not yet reading an element, it is element 0.
fn element_starts(stack: &mut [Frame]) {
    if let Some(Frame::Array {
        index: index @ None,
    }) = stack.last_mut()
    {
        *index = Some(0);
    }
}

/// A key as text: unescaped when it is a whole JSON string, else as written.
fn key_text(raw: &[u8]) -> String {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

fn render(stack: &[Frame]) -> String {
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Array { index: Some(n) } => {
                let _ = write!(path, "[{n}]");
            }
            Frame::Object { key: None, .. } | Frame::Array { index: None } => {}
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

#[cfg(test)]
mod oracle;

// Also compiled into tests/it (by path): keep it free of this crate's items.
#[cfg(test)]
mod test_json;

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(body: &str, up_to: &str) -> String {
        let end = body.find(up_to).map_or(0, |i| i + up_to.len());
        at(body.as_bytes(), end, Culprit::Value)
    }

    #[test]
    fn names_keys_and_indices() {
        let body = r#"{"code":0,"data":{"list":[{"id":1},{"id":"x"}]}}"#;
        assert_eq!(path_of(body, r#""x""#), "data.list[1].id");
        assert_eq!(path_of(body, r#"{"id":1}"#), "data.list[0]");
        assert_eq!(path_of(body, r#"{"id":1},"#), "data.list[1]");
        assert_eq!(path_of(body, r#""code":0"#), "code");
        assert_eq!(at(body.as_bytes(), body.len(), Culprit::Value), ".");
        assert_eq!(at(b"", 0, Culprit::Value), ".");
    }

    #[test]
    fn strings_with_structure_inside_do_not_confuse_it() {
        let body = r#"{"a":"x,]}\"[{","b":[ 1 , "y" ]}"#;
        assert_eq!(path_of(body, r#""y""#), "b[1]");
        let body = r#"{"k\"ey":{"ä\u0041":tru"#;
        assert_eq!(at(body.as_bytes(), body.len(), Culprit::Value), "k\"ey.äA");
    }

    #[test]
    fn offsets_follow_lines() {
        let body = b"{\n  \"a\": [\n    1,\n    2\n  ]\n}";
        assert_eq!(offset(body, 1, 0), 0);
        assert_eq!(
            offset(body, 4, 5),
            body.iter().position(|b| *b == b'2').map_or(0, |i| i + 1)
        );
        assert_eq!(offset(body, 99, 1), body.len());
        assert_eq!(at(body, offset(body, 4, 5), Culprit::Value), "a[1]");
    }

    /// The path `of_error` gives for decoding `body` as `T`.
    fn located<T: serde::de::DeserializeOwned>(body: &str) -> Option<String> {
        serde_json::from_str::<T>(body)
            .err()
            .map(|e| of_error(body.as_bytes(), &e))
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Pair {
        a: (i64, i64),
        b: Option<std::collections::BTreeMap<String, i64>>,
    }

    #[test]
    fn containers_are_blamed_when_they_are_the_fault() {
        // Too long, too short: the tuple, though noticed at an element.
        assert_eq!(located::<Pair>(r#"{"a":[1,2,3]}"#).as_deref(), Some("a"));
        assert_eq!(located::<Pair>(r#"{"a":[1]}"#).as_deref(), Some("a"));
        // The wrong element: the element.
        assert_eq!(located::<Pair>(r#"{"a":[1,"x"]}"#).as_deref(), Some("a[1]"));
        // A map where a tuple goes, an array where a map goes: the value, seen at its bracket.
        assert_eq!(located::<Pair>(r#"{"a":{"x":1}}"#).as_deref(), Some("a"));
        assert_eq!(
            located::<Pair>("{\"a\":[1,2],\n \"b\": [1]}").as_deref(),
            Some("b")
        );
        // A missing field: the object lacking it.
        assert_eq!(
            located::<Vec<Pair>>(r#"[{"a":[1,2]},{"b":null}]"#).as_deref(),
            Some("[1]")
        );
        // Broken syntax: where it broke.
        assert_eq!(
            located::<Pair>(r#"{"a":[1,2],"b":{"k":tru}}"#).as_deref(),
            Some("b.k")
        );
        assert_eq!(located::<Pair>(r#"{"a":[1,2]} x"#).as_deref(), Some("."));
    }
}
