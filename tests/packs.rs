//! Rule-pack loading errors: each case is a pack under `testdata/packs/errors/` with one
//! mistake. The test asserts the finding's message, the exact text it underlines and its help,
//! and snapshots the rendered diagnostic (`error: …` and the miette report, without colour) as
//! `estatelint check --rules` prints it on stderr.
//!
//! Cargo runs integration tests from the package root, so the packs are named relative to it.

use std::path::PathBuf;
use std::sync::Arc;

use estatelint::diag::{Fatal, Finding, Severity};
use estatelint::pack::Packs;
use estatelint::report::render_finding;

fn path(case: &str) -> PathBuf {
    PathBuf::from(format!("testdata/packs/errors/{case}.yaml"))
}

/// Loads the packs of `cases` (in order); they must fail.
fn load_err(cases: &[&str]) -> Fatal {
    let mut packs = Packs::default();
    let paths: Vec<PathBuf> = cases.iter().map(|c| path(c)).collect();
    match packs.load_paths(&paths) {
        Ok(()) => panic!("{cases:?} loaded without errors"),
        Err(fatal) => fatal,
    }
}

/// The diagnostic as the CLI prints it.
fn rendered(fatal: &Fatal) -> String {
    let mut out = format!("error: {}\n", fatal.message);
    for f in &fatal.findings {
        out.push_str(&render_finding(&fatal.sources, f, false));
    }
    out
}

fn text<'a>(fatal: &'a Fatal, f: &Finding) -> &'a str {
    &fatal.sources.get(f.primary.file).text[f.primary.span.range()]
}

fn line(fatal: &Fatal, f: &Finding) -> usize {
    fatal
        .sources
        .get(f.primary.file)
        .line_col(f.primary.span.start)
        .line
}

/// The single finding of a failed load, checked for the facts every pack error shares.
fn single(fatal: &Fatal) -> &Finding {
    assert_eq!(fatal.findings.len(), 1, "{}", rendered(fatal));
    assert_eq!(fatal.message, "invalid rule pack: 1 error");
    let f = &fatal.findings[0];
    assert_eq!(f.rule, "estatelint/rule-pack");
    assert_eq!(f.severity, Severity::Error);
    f
}

// ---------------------------------------------------------------------------------------------
// The baseline: the pack the error cases are made from loads.

#[test]
fn the_base_pack_loads() {
    let mut packs = Packs::default();
    packs
        .load_paths(&[PathBuf::from("testdata/packs/ok/acme.yaml")])
        .unwrap_or_else(|fatal| panic!("{}", rendered(&fatal)));
    let ids: Vec<&str> = packs.rules().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["acme/cost-centre"]);
    assert_eq!(packs.params.len(), 1);
}

#[test]
fn the_builtin_packs_load() {
    if let Err(fatal) = Packs::builtin() {
        panic!("{}", rendered(&fatal));
    }
}

/// A check does not validate the built-in packs against the rule-pack schema (they are
/// embedded and known valid): loaded as packs of one's own, they are.
#[test]
fn the_builtin_packs_pass_the_rule_pack_schema() {
    for (name, text) in estatelint::pack::BUILTIN {
        let mut packs = Packs::default();
        let errors = packs.add(
            PathBuf::from(name),
            name.to_string(),
            Arc::from(text),
            false,
        );
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    // And the schema is applied to packs of one's own: a wrong type is caught by it.
    let broken = estatelint::pack::BUILTIN[0]
        .1
        .replacen("severity: error", "severity: 3", 1);
    let errors = Packs::default().add(
        PathBuf::from("x.yaml"),
        "x.yaml".into(),
        Arc::from(broken.as_str()),
        false,
    );
    assert!(
        errors
            .iter()
            .any(|f| f.rule.as_str() == "estatelint/rule-pack"),
        "{errors:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Schema errors

#[test]
fn unknown_key_in_a_rule_suggests_the_known_key() {
    let fatal = load_err(&["unknown-key"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "hlep");
    assert_eq!(line(&fatal, f), 19);
    assert!(f.message.contains("`hlep`"), "{}", f.message);
    assert_eq!(f.help.as_deref(), Some("did you mean `help`?"));
    insta::assert_snapshot!("unknown_key", rendered(&fatal));
}

#[test]
fn wrong_type_is_reported_on_the_value() {
    let fatal = load_err(&["wrong-type"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "finance");
    assert_eq!(line(&fatal, f), 12);
    insta::assert_snapshot!("wrong_type", rendered(&fatal));
}

#[test]
fn unknown_check_suggests_the_check_name() {
    let fatal = load_err(&["unknown-check"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "covered_by");
    assert_eq!(f.help.as_deref(), Some("did you mean `covered-by`?"));
    insta::assert_snapshot!("unknown_check", rendered(&fatal));
}

#[test]
fn yaml_syntax_error_in_a_pack() {
    let fatal = load_err(&["yaml-syntax"]);
    assert!(!fatal.findings.is_empty());
    let f = &fatal.findings[0];
    assert_eq!(f.rule, "estatelint/rule-pack");
    assert!(line(&fatal, f) >= 12, "at or after the open bracket");
    insta::assert_snapshot!("yaml_syntax", rendered(&fatal));
}

// ---------------------------------------------------------------------------------------------
// Compile errors

#[test]
fn unknown_kind_in_select_suggests_a_kind() {
    let fatal = load_err(&["unknown-kind"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "Sytem");
    assert_eq!(f.message, "unknown kind `Sytem`");
    assert_eq!(f.help.as_deref(), Some("did you mean `System`?"));
    insta::assert_snapshot!("unknown_kind", rendered(&fatal));
}

#[test]
fn invalid_regex_is_reported_on_the_regex() {
    let fatal = load_err(&["invalid-regex"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "\"^[0-9{4}$\"");
    assert!(f.message.starts_with("invalid regex: "), "{}", f.message);
    insta::assert_snapshot!("invalid_regex", rendered(&fatal));
}

#[test]
fn cel_that_does_not_compile() {
    let fatal = load_err(&["cel-syntax"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "\"has(self.metadata.labels) &&\"");
    assert!(
        f.message.starts_with("invalid CEL expression: "),
        "{}",
        f.message
    );
    insta::assert_snapshot!("cel_syntax", rendered(&fatal));
}

#[test]
fn cel_with_an_unknown_variable() {
    let fatal = load_err(&["cel-unknown-variable"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "\"system.metadata.labels.size() > 0\"");
    assert_eq!(
        f.message,
        "invalid CEL expression: unknown variable `system` (bound: `self`, `refs`, `org`, `params`, `today`, `estate`)"
    );
    insta::assert_snapshot!("cel_unknown_variable", rendered(&fatal));
}

#[test]
fn unknown_parameter_operand_suggests_a_declared_one() {
    let fatal = load_err(&["unknown-param"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "fanOutMx");
    assert_eq!(f.message, "unknown parameter `fanOutMx`");
    assert_eq!(f.help.as_deref(), Some("did you mean `fanOutMax`?"));
    insta::assert_snapshot!("unknown_param", rendered(&fatal));
}

#[test]
fn unknown_placeholder_in_the_message() {
    let fatal = load_err(&["unknown-placeholder"]);
    let f = single(&fatal);
    assert_eq!(
        text(&fatal, f),
        "\"system `{metadata.name}` has no valid cost-centre label ({name})\""
    );
    assert!(
        f.message.starts_with("unknown placeholder `{name}`"),
        "{}",
        f.message
    );
    insta::assert_snapshot!("unknown_placeholder", rendered(&fatal));
}

#[test]
fn docs_missing_a_heading() {
    let fatal = load_err(&["docs-heading"]);
    let f = single(&fatal);
    assert!(text(&fatal, f).contains("## Why it is important"));
    assert_eq!(
        line(&fatal, f),
        21,
        "the docs block's text, under `docs: |`"
    );
    assert_eq!(
        f.message,
        "docs of `acme/cost-centre` lack the heading `## Why it matters`"
    );
    insta::assert_snapshot!("docs_heading", rendered(&fatal));
}

#[test]
fn duplicate_rule_id() {
    let fatal = load_err(&["duplicate-rule-id"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "cost-centre");
    assert_eq!(line(&fatal, f), 41, "the second definition");
    assert_eq!(f.message, "duplicate rule id `acme/cost-centre`");
    insta::assert_snapshot!("duplicate_rule_id", rendered(&fatal));
}

#[test]
fn duplicate_rule_id_points_at_the_first_definition() {
    let fatal = load_err(&["duplicate-rule-id"]);
    let f = single(&fatal);
    assert_eq!(f.related.len(), 1, "{}", rendered(&fatal));
    let first = fatal.sources.get(f.related[0].file);
    assert_eq!(&first.text[f.related[0].span.range()], "cost-centre");
    assert_eq!(first.line_col(f.related[0].span.start).line, 9);
    assert!(!f.help.as_deref().unwrap_or_default().contains("byte"));
}

#[test]
fn duplicate_pack_name_across_two_files() {
    let fatal = load_err(&["duplicate-pack-a", "duplicate-pack-b"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "acme");
    assert!(fatal
        .sources
        .get(f.primary.file)
        .name
        .ends_with("duplicate-pack-b.yaml"));
    assert_eq!(f.message, "rule pack `acme` is loaded twice");
    assert_eq!(f.related.len(), 1);
    let r = &f.related[0];
    let first = fatal.sources.get(r.file);
    assert!(first.name.ends_with("duplicate-pack-a.yaml"));
    assert_eq!(&first.text[r.span.range()], "acme");
    assert_eq!(first.line_col(r.span.start).line, 4);
    assert_eq!(r.message, "first loaded here");
    insta::assert_snapshot!("duplicate_pack", rendered(&fatal));
}

#[test]
fn parameter_default_of_the_wrong_type() {
    let fatal = load_err(&["param-default-type"]);
    let f = single(&fatal);
    assert_eq!(text(&fatal, f), "eight");
    assert_eq!(f.message, "default of `fanOutMax` must be an integer");
    insta::assert_snapshot!("param_default_type", rendered(&fatal));
}

// ---------------------------------------------------------------------------------------------
// Behaviour around errors

#[test]
fn every_error_of_a_rule_is_reported() {
    let base = std::fs::read_to_string("testdata/packs/ok/acme.yaml").unwrap();
    let text = base
        .replace(
            "    select:\n      kind: System\n",
            "    select:\n      kind: Sytem\n",
        )
        .replace("regex: \"^[0-9]{4}$\"", "regex: \"(\"")
        .replace("label\"\n", "label {nope}\"\n");
    let mut packs = Packs::default();
    let errors = packs.add(
        PathBuf::from("several.yaml"),
        "several.yaml".into(),
        Arc::from(text.as_str()),
        false,
    );
    let spans: Vec<&str> = errors
        .iter()
        .map(|f| &text[f.primary.span.range()])
        .collect();
    assert_eq!(errors.len(), 3, "{spans:?}");
    assert!(spans.contains(&"Sytem"));
    assert!(spans.contains(&"\"(\""));
    assert!(packs.packs.is_empty(), "a pack with errors is not loaded");
}

#[test]
fn a_folder_without_packs_is_an_error() {
    let mut packs = Packs::default();
    let fatal = packs
        .load_paths(&[PathBuf::from("testdata/fixtures/valid")])
        .expect_err("no RulePack there");
    assert_eq!(
        fatal.message,
        "no rule pack (`kind: RulePack`) in `testdata/fixtures/valid`"
    );
}
