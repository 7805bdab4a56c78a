//! `estatelint test`: runs every rule's examples. A valid example must produce no finding of
//! its rule, an invalid one at least one, on the span its `# ^^^` marker points at if it has
//! one; an example that is not a clean estate otherwise (schema errors ...) fails too.

use std::path::Path;
use std::sync::Arc;

use crate::check::{lint, Input};
use crate::discover::{discover, Filter};
use crate::engine::Helps;
use crate::pack::{Example, Packs, Rule};
use crate::source::{SourceMap, Span};
use crate::value::Date;

/// The date examples are evaluated at, so that they do not rot (`--today` changes it).
pub const EXAMPLE_TODAY: &str = "2026-01-01";

/// The result of one rule's examples.
#[derive(Debug)]
pub struct RuleResult {
    pub id: String,
    pub valid: usize,
    pub invalid: usize,
    pub failures: Vec<String>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs the examples of every rule in `packs` (only packs named in `only`, when given).
pub fn run(packs: &Packs, only: Option<&[String]>, today: Date) -> Vec<RuleResult> {
    packs
        .packs
        .iter()
        .filter(|p| only.is_none_or(|names| names.contains(&p.name)))
        .flat_map(|p| p.rules.iter())
        .map(|rule| run_rule(packs, rule, today))
        .collect()
}

fn run_rule(packs: &Packs, rule: &Rule, today: Date) -> RuleResult {
    let mut result = RuleResult {
        id: rule.id.to_string(),
        valid: rule.valid.len(),
        invalid: rule.invalid.len(),
        failures: Vec::new(),
    };
    let pack_file = packs.sources.get(rule.file).path();
    for (valid, list) in [(true, &rule.valid), (false, &rule.invalid)] {
        for (i, example) in list.iter().enumerate() {
            let label = format!(
                "{} example {}",
                if valid { "valid" } else { "invalid" },
                i + 1
            );
            if let Err(why) = run_example(packs, rule, example, valid, pack_file, &label, today) {
                result.failures.push(format!("{label}: {why}"));
            }
        }
    }
    result
}

fn inputs_of(
    rule: &Rule,
    example: &Example,
    pack_file: &Path,
    label: &str,
) -> Result<Vec<Input>, String> {
    match example {
        Example::Inline { text, .. } => {
            let name = format!("{} ({label})", rule.id);
            let path = pack_file.with_file_name(format!(
                "{}.{}.yaml",
                rule.id.replace('/', "."),
                label.replace(' ', "-")
            ));
            Ok(vec![Input::Text {
                path,
                name,
                text: Arc::from(text.as_str()),
            }])
        }
        Example::Path { path, .. } => {
            let filter = Filter::new(Path::new("."), &[], &[]).map_err(|e| e.error)?;
            let found = discover(std::slice::from_ref(path), &filter)
                .map_err(|p| format!("example path `{}` not found", p.display()))?;
            if found.files.is_empty() {
                return Err(format!("no YAML files under `{}`", path.display()));
            }
            Ok(found.files.into_iter().map(Input::Disk).collect())
        }
    }
}

fn run_example(
    packs: &Packs,
    rule: &Rule,
    example: &Example,
    valid: bool,
    pack_file: &Path,
    label: &str,
    today: Date,
) -> Result<(), String> {
    let inputs = inputs_of(rule, example, pack_file, label)?;
    let outcome = lint(inputs, packs, &[rule], &[], today, Helps::Worded, false);
    let describe = |f: &crate::diag::Finding| {
        let file = outcome.sources.get(f.primary.file);
        let at = file.line_col(f.primary.span.start);
        format!("{}:{}: {} [{}]", at.line, at.column, f.message, f.rule)
    };
    if let Some(other) = outcome.findings.iter().find(|f| f.rule != rule.id) {
        return Err(format!(
            "the example is not a clean estate: {}",
            describe(other)
        ));
    }
    let own: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .collect();
    if valid {
        if let Some(f) = own.first() {
            return Err(format!("expected no finding, got {}", describe(f)));
        }
        return Ok(());
    }
    if own.is_empty() {
        return Err("expected a finding, got none".into());
    }
    for (file_index, expected) in expected_spans(&outcome.sources) {
        let hit = own
            .iter()
            .any(|f| f.primary.file.0 as usize == file_index && f.primary.span == expected);
        if !hit {
            let text = &outcome
                .sources
                .get(crate::source::FileId(file_index as u32))
                .text;
            let got: Vec<String> = own.iter().map(|f| describe(f)).collect();
            return Err(format!(
                "expected a finding on `{}` (marked with ^), got {}",
                &text[expected.range()],
                got.join("; ")
            ));
        }
    }
    Ok(())
}

/// Spans marked in example files by a comment line of carets under the expected text:
///
/// ```yaml
///   frequency: 1d
///   #          ^^
/// ```
pub fn expected_spans(sources: &SourceMap) -> Vec<(usize, Span)> {
    let mut out = Vec::new();
    for i in 0..sources.len() {
        let text = &sources.get(crate::source::FileId(i as u32)).text;
        let mut previous: Option<(usize, &str)> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let content = line.trim_end_matches(['\n', '\r']);
            if let Some((start_col, len)) = caret_marker(content) {
                if let Some((line_start, prev)) = previous {
                    let start = char_to_byte(prev, start_col);
                    let end = char_to_byte(prev, start_col + len);
                    out.push((i, Span::new(line_start + start, line_start + end)));
                }
            } else {
                previous = Some((offset, content));
            }
            offset += line.len();
        }
    }
    out
}

/// `#   ^^^` → (column of the first caret, number of carets).
fn caret_marker(line: &str) -> Option<(usize, usize)> {
    let hash = line.find('#')?;
    if !line[..hash].chars().all(char::is_whitespace) {
        return None;
    }
    let rest = &line[hash + 1..];
    let body = rest.trim();
    if body.is_empty() || !body.chars().all(|c| c == '^') {
        return None;
    }
    let first = line.find('^')?;
    Some((line[..first].chars().count(), body.len()))
}

fn char_to_byte(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(b, _)| b)
}

/// Prints the per-rule table; returns whether every rule passed.
pub fn report(results: &[RuleResult]) -> (String, bool) {
    let width = results.iter().map(|r| r.id.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<6} {:<width$} {:>5} {:>7}\n",
        "result", "rule", "valid", "invalid"
    );
    for r in results {
        let status = if r.passed() { "ok" } else { "FAIL" };
        out.push_str(&format!(
            "{status:<6} {:<width$} {:>5} {:>7}\n",
            r.id, r.valid, r.invalid
        ));
        for f in &r.failures {
            out.push_str(&format!("       └ {f}\n"));
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let examples: usize = results.iter().map(|r| r.valid + r.invalid).sum();
    out.push_str(&format!(
        "\n{} passed, {} failed ({} {}, {} {})\n",
        results.len() - failed,
        failed,
        results.len(),
        if results.len() == 1 { "rule" } else { "rules" },
        examples,
        if examples == 1 { "example" } else { "examples" }
    ));
    (out, failed == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn caret_lines_mark_the_line_above() {
        let text = "spec:\n  frequency: 1d\n  #          ^^\n  owner: ü\n  #      ^\n";
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new("x".into(), "x".into(), text.into()));
        let spans = expected_spans(&sources);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].1.range()], "1d");
        assert_eq!(&text[spans[1].1.range()], "ü");
        assert_eq!(caret_marker("# just a comment"), None);
        assert_eq!(caret_marker("key: 1 # ^"), None);
    }
}
