//! CI formats: GitHub workflow commands, the GitLab Code Quality report, and JUnit XML.

use std::collections::BTreeMap;

use serde_json::json;

use super::{fingerprints, identity, Report};
use crate::diag::Severity;

/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`, one per finding.
pub fn github(r: &Report<'_>) -> String {
    let mut out = String::new();
    for f in r.findings {
        let file = r.sources.get(f.primary.file);
        let start = file.line_col(f.primary.span.start);
        let end = file.line_col(f.primary.span.end);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&file.name),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&f.rule),
            escape_data(&message)
        ));
    }
    out
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitLab Code Quality report (a JSON array of issues).
pub fn gitlab(r: &Report<'_>) -> String {
    let prints = fingerprints(r);
    let issues: Vec<_> = r
        .findings
        .iter()
        .zip(prints)
        .map(|(f, print)| {
            let file = r.sources.get(f.primary.file);
            let start = file.line_col(f.primary.span.start);
            let end = file.line_col(f.primary.span.end);
            let severity = match f.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            json!({
                "description": f.message,
                "check_name": f.rule,
                "fingerprint": print,
                "severity": severity,
                "location": {
                    "path": file.name,
                    "positions": {
                        "begin": {"line": start.line, "column": start.column},
                        "end": {"line": end.line, "column": end.column},
                    }
                }
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_default();
    s.push('\n');
    s
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test suite per rule, a failing test case per entity with findings, and a
/// passing case for each loaded rule without any.
pub fn junit(r: &Report<'_>) -> String {
    let mut suites: BTreeMap<&str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    if let Some(packs) = r.packs {
        for rule in packs.rules() {
            suites.entry(&rule.id).or_default();
        }
    }
    for f in r.findings {
        let file = r.sources.get(f.primary.file);
        let at = file.line_col(f.primary.span.start);
        let (entity, _) = identity(r, f);
        let case = entity.unwrap_or_else(|| file.name.clone());
        suites
            .entry(&f.rule)
            .or_default()
            .entry(case)
            .or_default()
            .push(format!(
                "{}:{}:{}: {}: {}",
                file.name, at.line, at.column, f.severity, f.message
            ));
    }
    let failures: usize = suites.values().map(|cases| cases.len()).sum();
    let tests: usize = suites.values().map(|c| c.len().max(1)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"estatelint\" tests=\"{tests}\" failures=\"{failures}\">\n"
    ));
    for (rule, cases) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            xml(rule),
            cases.len().max(1),
            cases.len()
        ));
        if cases.is_empty() {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"all entities\"/>\n",
                xml(rule)
            ));
        }
        for (case, messages) in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n",
                xml(rule),
                xml(case)
            ));
            let first = messages.first().map(String::as_str).unwrap_or_default();
            out.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                xml(first),
                xml(&messages.join("\n"))
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn xml_escaping_drops_control_characters() {
        assert_eq!(
            xml("<a & \"b\" 'c'>\u{1}"),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
    }
}
