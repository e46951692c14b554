//! Fidelity to the vendor doc: every response example in the doc (as kept in the spec) decodes
//! with the generated types, keeps every value it carries, and decodes to the same values when
//! every number in it is turned into a numeric string.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use baijiayun::Error;
use baijiayun::operations::Operation;
use serde_json::Value;

use crate::support::spec;

/// Turns every number into a string holding it, keys and nesting unchanged.
fn stringify_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(stringify_numbers).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), stringify_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The text a scalar stands for, so `123`, `"123"` are one value, and `1`/`true` are one flag.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

/// The fields whose id type has a value meaning "none" (`session_id`: 0), with that value.
fn unset_values(api: &codegen::ir::Api) -> BTreeMap<String, i64> {
    use codegen::ir::{Scalar, Ty};
    api.records
        .iter()
        .flat_map(|r| &r.fields)
        .filter_map(|f| match &f.ty {
            Ty::Scalar(Scalar::Id(id)) if !f.required => {
                let none = api.id(id)?.none?;
                Some((f.wire.clone(), none))
            }
            _ => None,
        })
        .collect()
}

/// Checks that `decoded` holds every value of `original`: nothing the vendor sent is lost. The
/// only values allowed to disappear are `null` and `""`, which the spec reads as absent, and an
/// optional id equal to its "none" value (`unset`: a `session_id` of 0 reads as `None`).
fn assert_kept(
    original: &Value,
    decoded: &Value,
    path: &str,
    unset: &BTreeMap<String, i64>,
) -> Result<()> {
    match (original, decoded) {
        (Value::Object(o), Value::Object(d)) => {
            for (k, v) in o {
                if v.is_null() || v.as_str() == Some("") {
                    continue;
                }
                let none = unset.get(k).map(i64::to_string);
                if none.is_some() && scalar_text(v) == none && !d.contains_key(k) {
                    continue;
                }
                let Some(dv) = d.get(k) else {
                    bail!("{path}.{k}: the value {v} was dropped by decoding");
                };
                assert_kept(v, dv, &format!("{path}.{k}"), unset)?;
            }
            Ok(())
        }
        (Value::Array(o), Value::Array(d)) => {
            if o.len() != d.len() {
                bail!("{path}: {} items became {}", o.len(), d.len());
            }
            for (i, (ov, dv)) in o.iter().zip(d).enumerate() {
                assert_kept(ov, dv, &format!("{path}[{i}]"), unset)?;
            }
            Ok(())
        }
        (o, d) => match (scalar_text(o), scalar_text(d)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => bail!("{path}: {o} was decoded as {d}"),
        },
    }
}

#[test]
fn every_doc_example_decodes_and_keeps_its_values() -> Result<()> {
    let api = spec()?;
    let unset = unset_values(&api);
    assert_eq!(unset.get("session_id"), Some(&0), "{unset:?}");
    let mut checked = 0;
    let mut without_examples = Vec::new();
    for e in api.endpoints() {
        let op = Operation::from_name(&e.name).context("spec endpoint missing from the client")?;
        if e.examples.is_empty() {
            without_examples.push(e.name.as_str());
        }
        for x in &e.examples {
            let at = format!("{} ({})", e.name, x.title);
            let original: Value = serde_json::from_str(&x.json).with_context(|| at.clone())?;
            let stringified = serde_json::to_vec(&stringify_numbers(&original))?;
            let code = original["code"].as_i64().context("example without code")?;
            if code != 0 {
                for body in [x.json.as_bytes(), stringified.as_slice()] {
                    match op.decode_response(body) {
                        Err(Error::Api {
                            code: got, message, ..
                        }) => {
                            assert_eq!(got, code, "{at}");
                            assert_eq!(Some(message.as_str()), original["msg"].as_str(), "{at}");
                        }
                        other => bail!("{at}: a refusal must be Error::Api, got {other:?}"),
                    }
                }
                checked += 1;
                continue;
            }
            let decoded = op
                .decode_response(x.json.as_bytes())
                .with_context(|| format!("{at}: as written"))?;
            // An `ack` endpoint's data (`null`, `true`) carries nothing by the spec's definition.
            if e.response != codegen::ir::Ty::Ack {
                assert_kept(&original["data"], &decoded, &format!("{at}: data"), &unset)?;
            }
            let from_strings = op
                .decode_response(&stringified)
                .with_context(|| format!("{at}: with numbers as strings"))?;
            assert_eq!(
                decoded, from_strings,
                "{at}: numbers as strings decode differently"
            );
            checked += 1;
        }
    }
    // The doc prints an example for every endpoint but the two from the VOD doc.
    assert_eq!(
        without_examples,
        ["set_transcode_callback_url", "get_transcode_callback_url"]
    );
    assert!(checked >= 41, "only {checked} examples checked");
    Ok(())
}

#[test]
fn a_dropped_value_would_be_caught() {
    let original: Value = serde_json::json!({"a": 1, "b": {"c": "x"}});
    let lossy: Value = serde_json::json!({"a": 1, "b": {}});
    let none = BTreeMap::new();
    assert!(assert_kept(&original, &lossy, "data", &none).is_err());
    let kept: Value = serde_json::json!({"a": "1", "b": {"c": "x", "d": 2}});
    assert!(assert_kept(&original, &kept, "data", &none).is_ok());
    // A session of 0 may read as absent; any other session may not.
    let unset = BTreeMap::from([("session_id".to_owned(), 0)]);
    let zero: Value = serde_json::json!({"session_id": "0"});
    assert!(assert_kept(&zero, &serde_json::json!({}), "data", &unset).is_ok());
    let five: Value = serde_json::json!({"session_id": 5});
    assert!(assert_kept(&five, &serde_json::json!({}), "data", &unset).is_err());
}

// Fidelity to the letter: the spec's Chinese texts say what the doc shows, and mark the rest.

/// Punctuation and spacing, which `pdftotext` moves, drops or doubles: texts are compared
/// without them.
fn letters(text: &str) -> String {
    const PUNCTUATION: &str = "，。；：、:,;.()（）“”\"'!！?？";
    text.chars()
        .filter(|c| !c.is_whitespace() && !PUNCTUATION.contains(*c))
        .collect()
}

/// How an editorial note in `（…）` begins: where a text comes from or why it is marked (原文截断,
/// 方括号内为推测补全, 仅API 10, 旧版…, 据…, 文档未列出…, 示例…, 含义未说明…, 借用…).
const NOTE_OPENERS: &[&str] = &[
    "原文",
    "方括号",
    "仅API",
    "旧版",
    "据",
    "文档",
    "示例",
    "含义",
    "借用",
    "API 15 的表格",
    "疑为",
    "描述列",
];

/// What a text claims the doc shows: the text without its marks (`[…]`, `[补全]`: not shown) and
/// editorial notes (`（原文截断）`), as the pieces between them, in letters only.
fn shown_pieces(text: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let close = match c {
            '[' => rest.find(']').map(|i| i + ']'.len_utf8()),
            '（' if NOTE_OPENERS
                .iter()
                .any(|o| rest['（'.len_utf8()..].starts_with(o)) =>
            {
                // The note ends at its matching parenthesis (notes may quote the doc in parentheses).
                let mut depth = 0;
                rest.char_indices().find_map(|(i, ch)| {
                    match ch {
                        '（' => depth += 1,
                        '）' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i + ch.len_utf8())
                })
            }
            _ => None,
        };
        match close {
            Some(end) => {
                pieces.push(String::new());
                rest = &rest[end..];
            }
            None => {
                if let Some(last) = pieces.last_mut() {
                    last.push(c);
                }
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    pieces
        .iter()
        .map(|p| letters(p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The doc's lines, in letters only, blank ones left out.
fn doc_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(letters)
        .filter(|l| !l.is_empty())
        .collect()
}

/// How far apart (in non-blank lines) two parts of one cell may be printed: the PDF wraps a
/// cell over several lines, between rows of the other columns and lines of an example.
const CELL_SPAN: usize = 8;

/// Whether `piece` is printed in the doc: as consecutive fragments of lines, each fragment on a
/// later line than the one before and at most [`CELL_SPAN`] lines after it (a wrapped cell).
/// A fragment of one character only begins or ends a piece (`ipad` is not `ip`, an `a` and a
/// `d` that happen to stand nearby).
fn printed(piece: &str, lines: &[String]) -> bool {
    let chars: Vec<char> = piece.chars().collect();
    // ends[i]: the lines on which a printed prefix of `i` characters can end.
    let mut ends: Vec<std::collections::BTreeSet<usize>> =
        vec![Default::default(); chars.len() + 1];
    for start in 0..chars.len() {
        let from: Vec<Option<usize>> = if start == 0 {
            vec![None]
        } else {
            ends[start].iter().copied().map(Some).collect()
        };
        for last in from {
            let range = match last {
                None => 0..lines.len(),
                Some(l) => l + 1..lines.len().min(l + 1 + CELL_SPAN),
            };
            for li in range {
                let mut len = 0;
                let mut fragment = String::new();
                while start + len < chars.len() {
                    fragment.push(chars[start + len]);
                    if !lines[li].contains(&fragment) {
                        break;
                    }
                    len += 1;
                    if len > 1 || start == 0 || start + len == chars.len() {
                        ends[start + len].insert(li);
                    }
                }
            }
        }
        if !ends[chars.len()].is_empty() {
            return true;
        }
    }
    !ends[chars.len()].is_empty()
}

/// Every Chinese text of the spec that stands for the vendor's words, with where it is.
fn vendor_texts(api: &codegen::ir::Api) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |at: String, text: &str| out.push((at, text.to_owned()));
    for e in &api.enums {
        push(format!("enum {}", e.name), &e.zh);
        for v in &e.values {
            push(format!("enum {}.{}", e.name, v.name), &v.zh);
        }
    }
    for r in &api.records {
        for f in &r.fields {
            push(format!("type {}.{}", r.name, f.wire), &f.zh);
        }
    }
    for e in api.endpoints() {
        push(format!("endpoint {}: title", e.name), &e.title_zh);
        if let Some(d) = &e.description_zh {
            push(format!("endpoint {}: description", e.name), d);
        }
        for p in &e.params {
            push(format!("endpoint {}.{}", e.name, p.wire), &p.zh);
        }
    }
    for c in &api.callbacks {
        push(format!("callback {}: title", c.name), &c.title_zh);
        if let Some(d) = &c.description_zh {
            push(format!("callback {}: description", c.name), d);
        }
        for f in &c.fields {
            push(format!("callback {}.{}", c.name, f.wire), &f.zh);
        }
        for v in c.variants.iter().flat_map(|v| &v.cases) {
            push(format!("callback {}/{}", c.name, v.name), &v.zh);
        }
    }
    out
}

/// The texts known to go beyond the PDF without a mark: completed from the vendor's web page or
/// the SDKs (`shared/reference/endpoints.md` names them) before texts were checked to the letter,
/// or written for records the PDF prints without descriptions. Each line is a location as
/// [`vendor_texts`] names it; `#` starts a comment.
const UNMARKED: &str = include_str!("doc_completions.txt");

/// Every Chinese text that stands for the vendor's words is printed in the doc once its marks
/// and notes are taken out, or is listed in `doc_completions.txt`; and every listed text still
/// needs its entry (a fixed or removed text must leave the list). A new completion without a
/// `[…]` mark, such as `ipad` where the doc shows `ip`, fails here.
#[test]
fn every_chinese_text_is_the_docs_or_marked() -> Result<()> {
    let api = spec()?;
    let doc = std::fs::read_to_string(crate::support::root().join("spec/vendor/playback-api.txt"))?;
    let lines = doc_lines(&doc);
    let listed: std::collections::BTreeSet<&str> = UNMARKED
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    let texts = vendor_texts(&api);
    assert!(texts.len() > 400, "only {} texts", texts.len());
    let mut unmarked = Vec::new();
    let mut stale: Vec<&str> = listed.iter().copied().collect();
    for (at, text) in &texts {
        let beyond: Vec<String> = shown_pieces(text)
            .into_iter()
            .filter(|p| !printed(p, &lines))
            .collect();
        stale.retain(|l| *l != at);
        if !beyond.is_empty() && !listed.contains(at.as_str()) {
            unmarked.push(format!("{at}: {text:?} (not in the doc: {beyond:?})"));
        } else if beyond.is_empty() && listed.contains(at.as_str()) {
            unmarked.push(format!(
                "{at}: listed in doc_completions.txt but printed in the doc"
            ));
        }
    }
    anyhow::ensure!(
        unmarked.is_empty(),
        "texts beyond the doc without a mark (mark the part the doc does not show with [..], \
         add a note, or list it with its source):\n{}",
        unmarked.join("\n")
    );
    anyhow::ensure!(
        stale.is_empty(),
        "doc_completions.txt lists unknown texts: {stale:?}"
    );
    Ok(())
}

#[test]
fn a_completion_without_a_mark_would_be_caught() {
    let lines =
        doc_lines("客户端类型 1\n\niphone 2:ip\n\nAndroid 4：\n\n站 5：PC 网\n\nAPP 内嵌 M \n");
    let fails = |text: &str| shown_pieces(text).iter().any(|p| !printed(p, &lines));
    // What the doc shows, across its wrapped lines and without its punctuation, passes.
    assert!(!fails("客户端类型 1:iphone 2:ip"));
    assert!(!fails("5：PC网"));
    // A completion fails; marked, or as a note, it passes.
    assert!(fails("ipad"));
    assert!(fails("PC网页"));
    assert!(fails("M站"));
    assert!(!fails("ip[ad]（原文截断，方括号内为推测补全）"));
    assert!(!fails("PC网[页]"));
    // A parenthesis that is not a note is checked like the rest.
    assert!(fails("iphone（苹果手机）"));
    assert_eq!(shown_pieces("a[b]c（原文截断）d"), ["a", "c", "d"]);
}
