//! Snapshots of every output format for the example estate:
//! `estatelint check testdata/example --today 2026-11-23 --color never --format F`, one
//! snapshot per format. The tool's version is replaced by `[version]` so a release does not
//! change them.

use serde_json::Value as Json;

const EXAMPLE: &str = "testdata/example";
const TODAY: &str = "2026-11-23";

mod common;

fn run(args: &[&str]) -> (i32, String, String) {
    let r = common::run(args);
    (r.code, r.stdout, r.stderr)
}

/// The example estate in `format`; the run exits 1 (it has errors) and prints nothing on
/// standard error.
fn example(format: &str) -> String {
    let (code, stdout, stderr) = run(&[
        "check", EXAMPLE, "--today", TODAY, "--color", "never", "--format", format,
    ]);
    assert_eq!(code, 1, "{format}: {stderr}");
    assert!(stderr.is_empty(), "{format}: {stderr}");
    stdout.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    )
}

#[test]
fn human() {
    let out = example("human");
    assert!(out.ends_with("found 27 problems (19 errors, 8 warnings) in 23 files (89 documents)\n"));
    insta::assert_snapshot!("human", out);
}

#[test]
fn compact() {
    let out = example("compact");
    assert_eq!(out.lines().count(), 27);
    insta::assert_snapshot!("compact", out);
}

#[test]
fn json() {
    let out = example("json");
    let report: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 27);
    insta::assert_snapshot!("json", out);
}

#[test]
fn sarif() {
    let out = example("sarif");
    let log: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 27);
    insta::assert_snapshot!("sarif", out);
}

#[test]
fn github() {
    let out = example("github");
    assert_eq!(out.lines().count(), 27);
    insta::assert_snapshot!("github", out);
}

#[test]
fn gitlab() {
    let out = example("gitlab");
    let issues: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(issues.as_array().unwrap().len(), 27);
    insta::assert_snapshot!("gitlab", out);
}

#[test]
fn junit() {
    let out = example("junit");
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    insta::assert_snapshot!("junit", out);
}

#[test]
fn every_format_reports_the_same_findings_in_the_same_order() {
    // compact is the reference: `file:line:col` and rule of each finding.
    let compact: Vec<(String, String)> = example("compact")
        .lines()
        .map(|l| {
            let (at, rest) = l.split_once(": ").unwrap();
            let rule = rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()].to_string();
            (at.to_string(), rule)
        })
        .collect();
    let at = |file: &Json, line: &Json, column: &Json| {
        format!(
            "{}:{}:{}",
            file.as_str().unwrap(),
            line.as_u64().unwrap(),
            column.as_u64().unwrap()
        )
    };

    let json: Json = serde_json::from_str(&example("json")).unwrap();
    let from_json: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                at(
                    &f["file"],
                    &f["range"]["start"]["line"],
                    &f["range"]["start"]["column"],
                ),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_json, compact, "json");

    let sarif: Json = serde_json::from_str(&example("sarif")).unwrap();
    let from_sarif: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                at(
                    &loc["artifactLocation"]["uri"],
                    &loc["region"]["startLine"],
                    &loc["region"]["startColumn"],
                ),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_sarif, compact, "sarif");

    let gitlab: Json = serde_json::from_str(&example("gitlab")).unwrap();
    let from_gitlab: Vec<(String, String)> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let begin = &i["location"]["positions"]["begin"];
            (
                at(&i["location"]["path"], &begin["line"], &begin["column"]),
                i["check_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_gitlab, compact, "gitlab");

    let from_github: Vec<(String, String)> = example("github")
        .lines()
        .map(|l| {
            let props = l.split_once(' ').unwrap().1.split_once("::").unwrap().0;
            let get = |key: &str| {
                props
                    .split(',')
                    .find_map(|p| p.strip_prefix(&format!("{key}=")))
                    .unwrap()
                    .to_string()
            };
            (
                format!("{}:{}:{}", get("file"), get("line"), get("col")),
                get("title"),
            )
        })
        .collect();
    assert_eq!(from_github, compact, "github");
}

#[test]
fn fingerprints_are_unique_per_finding() {
    // Two documents of unknown kind `Sytem` in one file: same rule, same file, no entity, no
    // path, same underlined text, so report::fingerprint gives both the same hash. GitLab
    // requires a unique `fingerprint` per issue (it shows one of them), and GitHub code scanning
    // merges SARIF results by partialFingerprints.
    let (_, out, _) = run(&["check", "testdata/baseline/twins", "--format", "gitlab"]);
    let issues: Json = serde_json::from_str(&out).unwrap();
    let prints: Vec<&str> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
}

#[test]
fn sarif_describes_the_suppression_findings() {
    // report::sarif::core_summary has no entry for the estatelint/*-suppression rules (nor
    // estatelint/config), so their descriptors read "estatelint finding", and every core
    // descriptor gets defaultConfiguration.level "error" although these are warnings.
    let (_, out, _) = run(&[
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--format",
        "sarif",
    ]);
    let log: Json = serde_json::from_str(&out).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for id in [
        "estatelint/unused-suppression",
        "estatelint/suppression-reason",
        "estatelint/expired-suppression",
    ] {
        let d = rules.iter().find(|r| r["id"] == id).unwrap();
        assert_ne!(d["shortDescription"]["text"], "estatelint finding", "{id}");
        assert_eq!(d["defaultConfiguration"]["level"], "warning", "{id}");
    }
}
