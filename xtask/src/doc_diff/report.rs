//! The findings as text or JSON. Both are deterministic: findings come in doc order, and nothing
//! depends on time or the machine.

use std::fmt::Write as _;

use super::diff::{Finding, Severity};

/// One JSON object, `{"findings": [...]}`, and a newline.
pub(crate) fn json(findings: &[&Finding]) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        findings: &'a [&'a Finding],
    }
    let mut s = serde_json::to_string_pretty(&Out { findings }).unwrap_or_else(|e| {
        // Serialising plain strings, numbers and booleans does not fail.
        format!("{{\"error\": \"{e}\"}}")
    });
    s.push('\n');
    s
}

/// Readable text: one line per finding, grouped by section, and a count.
pub(crate) fn text(findings: &[&Finding], shown_from: Severity) -> String {
    let mut s = String::new();
    let mut last_section: Option<String> = None;
    for f in findings {
        let section = match (&f.api, &f.callback) {
            (Some(n), _) => format!("API {n}"),
            (None, Some(c)) => format!("callback {c}"),
            (None, None) => String::new(),
        };
        if last_section.as_deref() != Some(section.as_str()) {
            let spec = match (&f.spec, f.api) {
                (Some(name), Some(_)) => format!(" (spec: {name})"),
                (None, Some(_)) => " (not in the spec)".to_owned(),
                _ => String::new(),
            };
            let _ = writeln!(s, "{section}{spec}");
            last_section = Some(section);
        }
        let _ = write!(s, "  {:<5} {}", f.severity.as_str(), f.kind.id());
        if let Some(name) = &f.name {
            let _ = write!(s, " {name}");
        }
        match (&f.old, &f.new) {
            (Some(o), Some(n)) => {
                let _ = write!(s, ": {o} -> {n}");
            }
            (Some(o), None) => {
                let _ = write!(s, ": was {o}");
            }
            (None, Some(n)) => {
                let _ = write!(s, ": {n}");
            }
            (None, None) => {}
        }
        let _ = writeln!(
            s,
            " [{}]",
            if f.in_spec {
                "spec agrees"
            } else {
                "spec to update"
            }
        );
    }
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    let (errors, warns, infos) = (
        count(Severity::Error),
        count(Severity::Warn),
        count(Severity::Info),
    );
    if findings.is_empty() {
        let _ = writeln!(s, "no differences at {} or above", shown_from.as_str());
    } else {
        let _ = write!(s, "{errors} error(s), {warns} warning(s)");
        if shown_from == Severity::Info {
            let _ = write!(s, ", {infos} info");
        }
        s.push('\n');
    }
    s
}
