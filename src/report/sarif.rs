//! SARIF 2.1.0 output, for GitHub code scanning: one reporting descriptor per rule, results
//! with 1-based regions, related locations, and partial fingerprints that do not depend on
//! line numbers.

use serde::Serialize;
use serde_json::{json, Value};

use super::{fingerprints, Report};
use crate::diag::{Finding, Label, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Where `label` is: its file and region.
fn physical(r: &Report<'_>, label: &Label) -> Physical {
    let file = r.sources.get(label.file);
    let start = file.line_col(label.span.start);
    let end = file.line_col(label.span.end);
    Physical {
        artifact_location: Artifact {
            uri: uri(&file.name),
        },
        region: Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
            byte_offset: label.span.start,
            byte_length: label.span.len(),
        },
    }
}

// The results as typed values, serialized as they are written (a tree of `serde_json::Value`
// held several times the output: 970 → 360 MB peak and 13.3 → 7.4 s for the 78,000
// findings at 100,000 systems). Fields in the order the output had (the snapshots hold it).

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: u32,
    byte_length: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'a> {
    physical_location: Physical,
    id: usize,
    message: Text<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    partial_fingerprints: Prints<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Prints<'a> {
    #[serde(rename = "estatelint/v1")]
    v1: &'a str,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

/// A relative path as a URI reference: `/` kept, everything outside RFC 3986's unreserved
/// characters percent-encoded (`my estate/a.yaml` → `my%20estate/a.yaml`).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF log (pretty-printed, newline-terminated).
pub fn render(r: &Report<'_>) -> String {
    // Rules: every loaded rule, then core ids that appear in the findings.
    let mut ids: Vec<String> = r
        .packs
        .map(|p| p.rules().map(|rule| rule.id.to_string()).collect())
        .unwrap_or_default();
    let mut core: Vec<&str> = r
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|id| !ids.iter().any(|i| i == id))
        .collect();
    core.sort_unstable();
    core.dedup();
    ids.extend(core.iter().map(|s| s.to_string()));
    let descriptors: Vec<Value> = ids
        .iter()
        .map(|id| match r.packs.and_then(|p| p.rule(id)) {
            Some(rule) => json!({
                "id": rule.id,
                "name": rule.id.replace('/', "-"),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": first_paragraph(&rule.docs)},
                "help": {"text": rule.docs, "markdown": rule.docs},
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {"tags": rule.tags},
            }),
            None => json!({
                "id": id,
                "name": id.replace('/', "-"),
                "shortDescription": {"text": core_summary(id)},
                "defaultConfiguration": {"level": level(core_severity(id))},
            }),
        })
        .collect();
    let prints = fingerprints(r);
    let results: Vec<SarifResult<'_>> = r
        .findings
        .iter()
        .zip(&prints)
        .map(|(f, print)| result(r, f, ids.iter().position(|i| *i == *f.rule), print))
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "estatelint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/estatelint/estatelint",
                "rules": descriptors,
            }}),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

fn result<'a>(
    r: &Report<'_>,
    f: &'a Finding,
    index: Option<usize>,
    print: &'a str,
) -> SarifResult<'a> {
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(id, l)| Related {
            physical_location: physical(r, l),
            id,
            message: Text {
                text: l.message.as_str().into(),
            },
        })
        .collect();
    let text = match &f.help {
        Some(help) => format!("{}\n\nhelp: {help}", f.message).into(),
        None => f.message.as_str().into(),
    };
    SarifResult {
        rule_id: f.rule.as_str(),
        level: level(f.severity),
        message: Text { text },
        locations: [Location {
            physical_location: physical(r, &f.primary),
        }],
        partial_fingerprints: Prints { v1: print },
        rule_index: index,
        related_locations,
    }
}

fn first_paragraph(docs: &str) -> String {
    docs.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line on what a core rule (not from a pack) reports.
pub fn core_summary(id: &str) -> &'static str {
    use crate::diag::rules::*;
    match id {
        IO => "a file or folder could not be read",
        ENCODING => "a file is not UTF-8",
        SYNTAX => "a document is not valid YAML",
        DUPLICATE_KEY => "a mapping key appears twice",
        TOO_DEEP => "a document nests too deeply",
        ALIAS_LIMIT => "aliases expand too far",
        UNKNOWN_KIND => "an estatelint document has an unknown kind",
        API_VERSION => "an unsupported estatelint apiVersion",
        SCHEMA => "a value breaks its kind's schema",
        DUPLICATE_NAME => "two entities of a kind share a name",
        UNRESOLVED_REFERENCE => "a reference names no entity",
        MULTIPLE_ORGANIZATIONS => "more than one Organization",
        RULE_ERROR => "a rule could not be evaluated on an entity",
        UNKNOWN_PARAMETER => "a policy parameter no rule reads",
        PARAMETER => "a policy parameter of the wrong type",
        RULE_PACK => "a rule pack is invalid",
        crate::config::CONFIG_RULE => "the configuration is invalid",
        crate::suppress::rules::UNUSED => "a suppression suppresses nothing",
        crate::suppress::rules::NO_REASON => "a suppression gives no reason",
        crate::suppress::rules::EXPIRED => "a suppression has expired",
        crate::suppress::rules::INVALID => "a suppression comment cannot be read",
        _ => "estatelint finding",
    }
}

/// The severity a core rule reports with.
pub fn core_severity(id: &str) -> Severity {
    use crate::suppress::rules as s;
    match id {
        s::UNUSED | s::NO_REASON | s::EXPIRED | s::INVALID => Severity::Warning,
        crate::diag::rules::UNKNOWN_PARAMETER => Severity::Warning,
        _ => Severity::Error,
    }
}
