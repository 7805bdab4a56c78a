//! CI output formats end to end: SARIF validated against the official 2.1.0 schema (vendored
//! in testdata/), GitHub workflow commands, the GitLab Code Quality report, JUnit XML, and
//! several outputs in one run.

use serde_json::Value as Json;

const EXAMPLE: &str = "testdata/example";
const TODAY: &str = "2026-11-23";

mod common;

fn run(args: &[&str]) -> (i32, String) {
    let r = common::run(args);
    (r.code, r.stdout)
}

fn sarif_validator() -> jsonschema::Validator {
    let mut schema: Json =
        serde_json::from_str(&std::fs::read_to_string("testdata/sarif-schema-2.1.0.json").unwrap())
            .unwrap();
    // The official schema's `language` patterns have an unmatched `]`
    // (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), which the validator refuses when it checks
    // the schema itself. The vendored file stays as published; the patterns are mended here.
    let mended = mend_language_patterns(&mut schema);
    assert!(
        mended >= 2,
        "the published schema changed: {mended} patterns mended"
    );
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
}

fn mend_language_patterns(v: &mut Json) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Json::String(s) if s == BROKEN => {
            *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
            1
        }
        Json::Array(items) => items.iter_mut().map(mend_language_patterns).sum(),
        Json::Object(map) => map.values_mut().map(mend_language_patterns).sum(),
        _ => 0,
    }
}

fn assert_valid_sarif(text: &str) -> Json {
    let log: Json = serde_json::from_str(text).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
    log
}

#[test]
fn sarif_of_the_example_estate_validates_against_the_official_schema() {
    let (code, out) = run(&["check", EXAMPLE, "--today", TODAY, "--format", "sarif"]);
    assert_eq!(code, 1);
    let log = assert_valid_sarif(&out);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["endColumn"].as_u64().unwrap() >= 1);
        assert!(
            r["partialFingerprints"]["estatelint/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
    // A finding with a related label in another file carries a related location.
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
}

#[test]
fn sarif_of_every_fixture_validates() {
    for entry in std::fs::read_dir("testdata/fixtures").unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() || path.ends_with("config-invalid") {
            continue;
        }
        let (code, out) = run(&["check", path.to_str().unwrap(), "--format", "sarif"]);
        assert!(code == 0 || code == 1, "{}: exit {code}", path.display());
        assert_valid_sarif(&out);
    }
}

#[test]
fn sarif_fingerprints_survive_edits_elsewhere_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let doc = "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec:\n  tier: 0\n";
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, doc).unwrap();
    let (_, before) = run(&["check", file.to_str().unwrap(), "--format", "sarif"]);
    std::fs::write(&file, format!("# a new comment\n# and another\n{doc}")).unwrap();
    let (_, after) = run(&["check", file.to_str().unwrap(), "--format", "sarif"]);
    let fp = |s: &str| {
        let log: Json = serde_json::from_str(s).unwrap();
        let r = &log["runs"][0]["results"][0];
        (
            r["partialFingerprints"]["estatelint/v1"].clone(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (fp_before, line_before) = fp(&before);
    let (fp_after, line_after) = fp(&after);
    assert_eq!(fp_before, fp_after);
    assert_ne!(line_before, line_after);
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let (code, out) = run(&["check", EXAMPLE, "--today", TODAY, "--format", "github"]);
    assert_eq!(code, 1);
    for line in out.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        let (props, message) = line[2..].split_once("::").unwrap();
        assert!(
            props.contains(",line=") && props.contains(",endColumn=") && props.contains(",title=")
        );
        assert!(!message.contains('\n'));
    }
    assert!(
        out.contains("title=estatelint/schema::tier must be one of 1, 2, 3, 4, found `0`%0Ahelp: ")
    );
}

#[test]
fn gitlab_code_quality_report_has_required_fields() {
    let (_, out) = run(&["check", EXAMPLE, "--today", TODAY, "--format", "gitlab"]);
    let issues: Json = serde_json::from_str(&out).unwrap();
    let issues = issues.as_array().unwrap();
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        assert!(i["description"].is_string() && i["check_name"].is_string());
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&i["severity"].as_str().unwrap()));
        assert!(i["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("testdata/example/"));
        assert!(
            i["location"]["positions"]["begin"]["line"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()),
            "fingerprints are unique"
        );
    }
}

#[test]
fn junit_has_a_suite_per_rule_and_a_case_per_entity() {
    let (_, out) = run(&["check", EXAMPLE, "--today", TODAY, "--format", "junit"]);
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert!(out.trim_end().ends_with("</testsuites>"));
    assert_eq!(
        out.matches("<testsuite ").count(),
        out.matches("</testsuite>").count()
    );
    assert!(out
        .contains("<testcase classname=\"estatelint/schema\" name=\"System/identity-provider\">"));
    assert!(out.contains("<testcase classname=\"estatelint/duplicate-name\" name=\"System/wiki\">"));
    // Every built-in rule has a suite, passing or failing.
    let (_, rules) = run(&["rules", "--format", "json"]);
    let rules: Json = serde_json::from_str(&rules).unwrap();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(out.contains(&format!("<testsuite name=\"{id}\"")), "{id}");
    }
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("results.sarif");
    let junit = dir.path().join("junit.xml");
    let (code, stdout) = run(&[
        "check",
        EXAMPLE,
        "--today",
        TODAY,
        "--format",
        "compact",
        "--output-format",
        "sarif",
        "--output-file",
        sarif.to_str().unwrap(),
        "--output-format",
        "junit",
        "--output-file",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stdout
        .lines()
        .all(|l| l.contains(": error[") || l.contains(": warning[") || l.contains(": info[")));
    assert_valid_sarif(&std::fs::read_to_string(&sarif).unwrap());
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testsuites"));
}

#[test]
fn an_output_format_without_its_file_is_a_usage_error() {
    let (code, _) = run(&["check", EXAMPLE, "--output-format", "sarif"]);
    assert_eq!(code, 2);
}
