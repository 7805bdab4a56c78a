//! End-to-end tests of the rule-pack commands and of rule configuration: `rules`, `explain`,
//! `test`, `init`, custom packs with `check --rules`, and `estatelint.yaml`'s `rules`,
//! `overrides`, `failOn`, `parameters` and `today`, with `--fail-on`, `--today` and `--growth`.
//!
//! Scenarios run in temporary folders holding the estate `estatelint init` writes (which the
//! built-in rules pass) and the custom pack `testdata/packs/workspace/acme.yaml`, whose rules
//! only look at what these tests change: labels, regions, seats. Cargo runs integration tests
//! from the package root, so fixture paths are relative to it.

use std::path::{Path, PathBuf};

use estatelint::pack::Packs;
use estatelint::value::Date;
use serde_json::Value as Json;

mod common;
use common::{run, run_in, Run};

/// The pack files in `rules/`.
fn builtin_pack_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// Every rule id of the packs in `rules/*.yaml`, read from the files.
fn builtin_ids_on_disk() -> Vec<String> {
    let files = builtin_pack_files();
    let mut packs = Packs::default();
    packs
        .load_paths(&files)
        .unwrap_or_else(|f| panic!("built-in packs do not load: {}", f.message));
    packs.rules().map(|r| r.id.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Workspaces

const WORKSPACE_PACK: &str = "testdata/packs/workspace/acme.yaml";

/// A temporary folder with the starter estate of `estatelint init`, `shop-db` moved to
/// `legacy/`, the command tests' `acme` pack in `policy/`, and `estatelint.yaml` =
/// `packs: [policy]` plus `config`.
fn workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    estatelint::init::run(root, Date::today()).unwrap_or_else(|f| panic!("{}", f.message));
    let systems = std::fs::read_to_string(root.join("estate/systems.yaml")).unwrap();
    let (shop, shop_db) = systems.split_once("---\n").expect("two systems");
    assert!(shop_db.contains("name: shop-db"));
    std::fs::write(root.join("estate/systems.yaml"), shop).unwrap();
    std::fs::create_dir_all(root.join("legacy")).unwrap();
    std::fs::write(root.join("legacy/shop-db.yaml"), shop_db).unwrap();
    std::fs::copy(WORKSPACE_PACK, root.join("policy/acme.yaml")).unwrap();
    std::fs::write(
        root.join("estatelint.yaml"),
        format!("packs: [policy]\n{config}"),
    )
    .unwrap();
    dir
}

/// Replaces `from` (which must occur once) with `to` in a workspace file.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// A JSON finding, reduced to what the tests compare.
#[derive(Debug, PartialEq)]
struct J {
    rule: String,
    severity: String,
    file: String,
    message: String,
}

fn json_findings(stdout: &str) -> Vec<J> {
    let report: Json =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| J {
            rule: f["rule"].as_str().unwrap().to_string(),
            severity: f["severity"].as_str().unwrap().to_string(),
            file: f["file"].as_str().unwrap().to_string(),
            message: f["message"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// The `acme` findings of a JSON run, as (rule, severity, file, message).
fn acme(r: &Run) -> Vec<(String, String, String, String)> {
    assert!(r.code != 2, "{}{}", r.stdout, r.stderr);
    json_findings(&r.stdout)
        .into_iter()
        .filter(|f| f.rule.starts_with("acme/"))
        .map(|f| (f.rule, f.severity, f.file, f.message))
        .collect()
}

/// The findings that are not `acme`'s: the starter estate is clean for the built-in rules.
fn others(r: &Run) -> Vec<J> {
    json_findings(&r.stdout)
        .into_iter()
        .filter(|f| !f.rule.starts_with("acme/"))
        .collect()
}

fn t4(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

fn team_label(severity: &str, file: &str, system: &str) -> (String, String, String, String) {
    t4(
        "acme/team-label",
        severity,
        file,
        &format!("system `{system}` has no team label"),
    )
}

fn regions(system: &str, limit: u32) -> (String, String, String, String) {
    let file = if system == "shop" {
        "estate/systems.yaml"
    } else {
        "legacy/shop-db.yaml"
    };
    t4(
        "acme/regions",
        "info",
        file,
        &format!("system `{system}` runs in 2 regions, more than {limit}"),
    )
}

// ---------------------------------------------------------------------------------------------
// `rules`

#[test]
fn rules_table_lists_every_builtin_rule() {
    let r = run(["rules"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r.stdout.lines().next().unwrap();
    let words: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(words, ["id", "severity", "tags", "summary"]);
    let ids = builtin_ids_on_disk();
    let listed: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for id in &ids {
        assert!(
            listed.contains(&id.as_str()),
            "{id} missing from\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.ends_with(&format!(
            "{} in {} packs\n",
            if ids.len() == 1 {
                "1 rule".to_string()
            } else {
                format!("{} rules", ids.len())
            },
            builtin_pack_files().len()
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn rules_json_describes_every_rule() {
    let r = run(["rules", "--format", "json", "--rules", "testdata/packs/ok"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list: Json = serde_json::from_str(&r.stdout).expect("JSON");
    let list = list.as_array().expect("an array");
    let ids = builtin_ids_on_disk();
    assert_eq!(list.len(), ids.len() + 1);
    for entry in list {
        let keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["id", "pack", "severity", "tags", "summary", "builtin"]
        );
        let id = entry["id"].as_str().unwrap();
        let pack = entry["pack"].as_str().unwrap();
        assert!(id.starts_with(&format!("{pack}/")), "{entry}");
        assert!(["error", "warning", "info"].contains(&entry["severity"].as_str().unwrap()));
        assert!(entry["tags"].is_array());
        assert!(entry["summary"].is_string());
        assert_eq!(entry["builtin"], Json::Bool(ids.iter().any(|i| i == id)));
    }
    let acme = list.last().unwrap();
    assert_eq!(
        acme,
        &serde_json::json!({
            "id": "acme/cost-centre",
            "pack": "acme",
            "severity": "warning",
            "tags": ["finance"],
            "summary": "every production system carries a cost-centre label",
            "builtin": false
        })
    );
}

// ---------------------------------------------------------------------------------------------
// `explain`

fn assert_explained(stdout: &str) {
    for heading in [
        "What it checks",
        "Why it matters",
        "How to fix",
        "Valid example",
        "Invalid example",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(heading)),
            "no {heading:?} in\n{stdout}"
        );
    }
    assert!(!stdout.contains("## "), "headings are rendered: {stdout}");
    assert!(!stdout.contains('\x1b'), "no colour when piped");
}

#[test]
fn explain_prints_docs_and_examples_of_a_custom_rule() {
    let r = run([
        "explain",
        "acme/cost-centre",
        "--rules",
        "testdata/packs/ok/acme.yaml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_explained(&r.stdout);
    assert!(r.stdout.starts_with(
        "acme/cost-centre  (warning; finance)\nevery production system carries a cost-centre label\n"
    ));
    assert!(r
        .stdout
        .contains("What it checks\n──────────────\nEvery production System"));
    assert!(r
        .stdout
        .contains("Invalid example\n    apiVersion: estatelint/v1\n"));
}

#[test]
fn explain_prints_every_builtin_rule() {
    for id in builtin_ids_on_disk() {
        let r = run(["explain", &id]);
        assert_eq!(r.code, 0, "{id}: {}", r.stderr);
        assert!(r.stdout.starts_with(&id));
        assert_explained(&r.stdout);
    }
}

#[test]
fn explain_unknown_rule_exits_2_with_a_suggestion() {
    let r = run([
        "explain",
        "acme/cost-centr",
        "--rules",
        "testdata/packs/ok/acme.yaml",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr,
        "error: unknown rule `acme/cost-centr`; did you mean `acme/cost-centre`?\n"
    );
}

// ---------------------------------------------------------------------------------------------
// `test`

#[test]
fn test_runs_the_builtin_examples() {
    let r = run(["test"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let header: Vec<&str> = r
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["result", "rule", "valid", "invalid"]);
    let ids = builtin_ids_on_disk();
    for id in &ids {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with("ok ") && l.split_whitespace().nth(1) == Some(id.as_str())),
            "{id} not ok in\n{}",
            r.stdout
        );
    }
    assert!(r
        .stdout
        .contains(&format!("{} passed, 0 failed", ids.len())));
}

#[test]
fn test_of_a_passing_pack_exits_0() {
    let r = run(["test", "testdata/packs/ok"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "result rule             valid invalid",
            "ok     acme/cost-centre     1       1",
            "",
        ]
    );
    assert!(
        lines[3].starts_with("1 passed, 0 failed (1 "),
        "{}",
        r.stdout
    );
    assert!(lines[3].ends_with(", 2 examples)"), "{}", r.stdout);
    assert_eq!(lines.len(), 4);
}

#[test]
fn test_of_a_failing_pack_exits_1_with_a_reason_per_example() {
    let r = run(["test", "testdata/packs/failing/examples.yaml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let row = |id: &str| -> (String, String) {
        let i = lines
            .iter()
            .position(|l| l.split_whitespace().nth(1) == Some(id))
            .unwrap_or_else(|| panic!("no row for {id}:\n{}", r.stdout));
        let status = lines[i].split_whitespace().next().unwrap().to_string();
        let reason = lines
            .get(i + 1)
            .and_then(|l| l.trim_start().strip_prefix("└ "))
            .unwrap_or_default()
            .to_string();
        (status, reason)
    };
    assert_eq!(row("failing/passes"), ("ok".into(), String::new()));
    assert_eq!(
        row("failing/valid-finds"),
        (
            "FAIL".into(),
            "valid example 1: expected no finding, got 3:45: system `crm` has no valid \
             cost-centre label [failing/valid-finds]"
                .into()
        )
    );
    assert_eq!(
        row("failing/invalid-silent"),
        (
            "FAIL".into(),
            "invalid example 1: expected a finding, got none".into()
        )
    );
    assert_eq!(
        row("failing/wrong-caret"),
        (
            "FAIL".into(),
            "invalid example 1: expected a finding on `crm` (marked with ^), got 3:45: system \
             `crm` has no valid cost-centre label [failing/wrong-caret]"
                .into()
        )
    );
    assert_eq!(
        row("failing/unclean"),
        (
            "FAIL".into(),
            "valid example 1: the example is not a clean estate: 4:31: unknown field `colour` \
             in `spec` of System `crm` [estatelint/schema]"
                .into()
        )
    );
    assert!(r
        .stdout
        .ends_with("\n1 passed, 4 failed (5 rules, 10 examples)\n"));
}

#[test]
fn test_of_an_invalid_pack_exits_2() {
    let r = run(["test", "testdata/packs/errors/unknown-kind.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("error: invalid rule pack: 1 error\n"));
    assert!(r.stderr.contains("unknown kind `Sytem`"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// `init`

const INIT_FILES: [&str; 6] = [
    "estatelint.yaml",
    "estate/organization.yaml",
    "estate/owners.yaml",
    "estate/systems.yaml",
    "estate/backups.yaml",
    "policy/acme.yaml",
];

#[test]
fn init_writes_a_workspace_that_checks_and_tests_clean() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), ["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in INIT_FILES {
        assert!(dir.path().join(f).is_file(), "{f} not written");
        assert!(r.stdout.contains(&format!("wrote {f}\n")), "{}", r.stdout);
    }

    // A second run refuses, and leaves an edited file alone.
    std::fs::write(dir.path().join("estate/owners.yaml"), "# mine\n").unwrap();
    let again = run_in(dir.path(), ["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stdout.is_empty());
    assert!(
        again
            .stderr
            .starts_with("error: not overwriting `estatelint.yaml`"),
        "{}",
        again.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("estate/owners.yaml")).unwrap(),
        "# mine\n"
    );
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(run_in(fresh.path(), ["init"]).code, 0);
    std::fs::copy(
        fresh.path().join("estate/owners.yaml"),
        dir.path().join("estate/owners.yaml"),
    )
    .unwrap();

    let check = run_in(dir.path(), ["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.starts_with("no problems found in "),
        "{}",
        check.stdout
    );
    let test = run_in(dir.path(), ["test"]);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(test
        .stdout
        .lines()
        .any(|l| l.starts_with("ok ") && l.contains(" acme/cost-centre ")));
}

#[test]
fn init_into_a_named_folder() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), ["init", "sub"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in INIT_FILES {
        assert!(dir.path().join("sub").join(f).is_file(), "{f}");
    }
}

// ---------------------------------------------------------------------------------------------
// Custom packs with `check --rules`

/// A workspace whose config loads no pack, and `mypacks/sev.yaml`: one rule of `severity`
/// that every System without a `team` label fails.
fn severity_workspace(severity: &str) -> tempfile::TempDir {
    let dir = workspace("");
    std::fs::write(dir.path().join("estatelint.yaml"), "# no packs\n").unwrap();
    let pack = std::fs::read_to_string(WORKSPACE_PACK)
        .unwrap()
        .replace("name: acme", "name: sev")
        .replacen("severity: warning", &format!("severity: {severity}"), 1);
    std::fs::create_dir_all(dir.path().join("mypacks")).unwrap();
    std::fs::write(dir.path().join("mypacks/sev.yaml"), pack).unwrap();
    dir
}

#[test]
fn custom_pack_from_a_folder_reports_its_rule_and_sets_the_exit_code_by_severity() {
    for (severity, code) in [("error", 1), ("warning", 0), ("info", 0)] {
        let dir = severity_workspace(severity);
        let r = run_in(
            dir.path(),
            ["check", "--rules", "mypacks", "--format", "json"],
        );
        assert_eq!(r.code, code, "{severity}: {}{}", r.stdout, r.stderr);
        let own: Vec<(String, String, String)> = json_findings(&r.stdout)
            .into_iter()
            .filter(|f| f.rule == "sev/team-label")
            .map(|f| (f.severity, f.file, f.message))
            .collect();
        assert_eq!(
            own,
            [
                (
                    severity.to_string(),
                    "estate/systems.yaml".to_string(),
                    "system `shop` has no team label".to_string()
                ),
                (
                    severity.to_string(),
                    "legacy/shop-db.yaml".to_string(),
                    "system `shop-db` has no team label".to_string()
                ),
            ],
            "{severity}"
        );
        let rest: Vec<J> = json_findings(&r.stdout)
            .into_iter()
            .filter(|f| !f.rule.starts_with("sev/"))
            .collect();
        assert_eq!(
            rest,
            [],
            "the starter estate is clean for the built-in rules"
        );
    }
    // `--fail-on info` fails on the info rule.
    let dir = severity_workspace("info");
    let r = run_in(
        dir.path(),
        ["check", "--rules", "mypacks", "--fail-on", "info"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("sev/team-label"), "{}", r.stdout);
}

#[test]
fn custom_pack_folder_is_tested_on_its_own() {
    let dir = severity_workspace("error");
    let r = run_in(dir.path(), ["test", "mypacks"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for id in [
        "sev/team-label",
        "sev/regions",
        "sev/review-label",
        "sev/seats",
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with("ok ") && l.split_whitespace().nth(1) == Some(id)),
            "{id}:\n{}",
            r.stdout
        );
    }
    assert!(!r.stdout.contains("continuity/"), "only the named packs");
}

#[test]
fn custom_pack_with_an_error_stops_check_with_exit_2() {
    let dir = workspace("");
    std::fs::write(dir.path().join("estatelint.yaml"), "# no packs\n").unwrap();
    std::fs::copy(
        "testdata/packs/errors/unknown-kind.yaml",
        dir.path().join("bad.yaml"),
    )
    .unwrap();
    let r = run_in(dir.path(), ["check", "--rules", "bad.yaml", "estate"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("bad.yaml:14:13"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `System`?"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn workspace_baseline_reports_the_custom_rules_only() {
    let dir = workspace("");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(r.code, 0, "warnings and infos do not fail: {}", r.stdout);
    assert_eq!(
        acme(&r),
        [
            team_label("warning", "estate/systems.yaml", "shop"),
            regions("shop", 1),
            team_label("warning", "legacy/shop-db.yaml", "shop-db"),
            regions("shop-db", 1),
        ]
    );
    assert_eq!(others(&r), []);
}

#[test]
fn config_can_turn_a_pack_off() {
    let dir = workspace("rules: {\"acme/*\": off}\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("no problems found in "),
        "{}",
        r.stdout
    );
}

#[test]
fn config_can_raise_a_rule_to_error() {
    let dir = workspace("rules: {acme/team-label: error}\n");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let labels: Vec<_> = acme(&r)
        .into_iter()
        .filter(|f| f.0 == "acme/team-label")
        .collect();
    assert_eq!(
        labels,
        [
            team_label("error", "estate/systems.yaml", "shop"),
            team_label("error", "legacy/shop-db.yaml", "shop-db"),
        ]
    );
}

#[test]
fn exact_rule_level_wins_over_its_pack_pattern() {
    let dir = workspace("rules: {\"acme/*\": off, acme/team-label: info}\n");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(
        acme(&r),
        [
            team_label("info", "estate/systems.yaml", "shop"),
            team_label("info", "legacy/shop-db.yaml", "shop-db"),
        ]
    );
}

#[test]
fn overrides_apply_only_to_matching_files() {
    let dir = workspace(
        "rules: {acme/regions: off}\n\
         overrides:\n  - files: [\"legacy/**\"]\n    rules: {acme/team-label: error}\n",
    );
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        acme(&r),
        [
            team_label("warning", "estate/systems.yaml", "shop"),
            team_label("error", "legacy/shop-db.yaml", "shop-db"),
        ]
    );

    let dir = workspace(
        "rules: {acme/regions: off}\n\
         overrides:\n  - files: [\"legacy/**\"]\n    rules: {\"acme/*\": off}\n",
    );
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        acme(&r),
        [team_label("warning", "estate/systems.yaml", "shop")]
    );
}

#[test]
fn override_can_turn_on_a_rule_that_is_off_elsewhere() {
    let dir = workspace(
        "rules: {\"acme/*\": off}\n\
         overrides:\n  - files: [\"legacy/**\"]\n    rules: {acme/team-label: warning}\n",
    );
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(
        acme(&r),
        [team_label("warning", "legacy/shop-db.yaml", "shop-db")]
    );
}

#[test]
fn unknown_rule_in_config_exits_2_with_a_suggestion_and_its_span() {
    let dir = workspace("rules:\n  acme/team-lable: error\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .starts_with("error: unknown rule `acme/team-lable` in config\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("estatelint.yaml:3:3"), "{}", r.stderr);
    assert!(
        r.stderr.contains(" 3 │   acme/team-lable: error"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("───────────────"),
        "an underline: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("help: did you mean `acme/team-label`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_rule_in_an_override_exits_2() {
    let dir = workspace("overrides:\n  - files: [\"legacy/**\"]\n    rules: {acme/regoins: off}\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("unknown rule `acme/regoins` in config"));
    assert!(
        r.stderr.contains("did you mean `acme/regions`?"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("estatelint.yaml:4:13"), "{}", r.stderr);
}

#[test]
fn pack_pattern_of_a_pack_without_rules_is_known() {
    let dir = workspace("rules: {\"empty/*\": off}\n");
    std::fs::write(
        dir.path().join("policy/empty.yaml"),
        "apiVersion: estatelint/v1\nkind: RulePack\nmetadata: {name: empty}\nrules: []\n",
    )
    .unwrap();
    let r = run_in(dir.path(), ["check"]);
    assert_ne!(r.code, 2, "{}", r.stderr);
}

#[test]
fn fail_on_warning_in_config_and_the_flag_winning_over_it() {
    let dir = workspace("failOn: warning\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 1, "warnings fail: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("acme/team-label"));
    let r = run_in(dir.path(), ["check", "--fail-on", "error"]);
    assert_eq!(r.code, 0, "the flag wins: {}{}", r.stdout, r.stderr);
}

#[test]
fn config_parameters_override_a_threshold() {
    let dir = workspace("");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    let before: Vec<_> = acme(&r)
        .into_iter()
        .filter(|f| f.0 == "acme/regions")
        .collect();
    assert_eq!(before, [regions("shop", 1), regions("shop-db", 1)]);

    let dir = workspace("parameters: {regionMax: 2}\n");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert!(acme(&r).iter().all(|f| f.0 != "acme/regions"), "{r:?}");
}

#[test]
fn config_parameter_of_the_wrong_type_or_unknown_exits_2() {
    let dir = workspace("parameters: {regionMax: two}\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("parameter `regionMax` must be an integer"),
        "{}",
        r.stderr
    );
    let dir = workspace("parameters: {regionsMax: 2}\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("unknown parameter `regionsMax` in config"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `regionMax`?"),
        "{}",
        r.stderr
    );
}

fn reviewed_workspace(config: &str) -> tempfile::TempDir {
    let dir = workspace(&format!("rules: {{acme/regions: off}}\n{config}"));
    edit(
        dir.path(),
        "estate/systems.yaml",
        "labels: {cost-centre: \"4100\"}",
        "labels: {cost-centre: \"4100\", team: shop, reviewed: \"2026-10-01\"}",
    );
    dir
}

#[test]
fn today_in_config_and_the_flag_winning_over_it() {
    let dir = reviewed_workspace("today: 2026-10-15\n");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    let review: Vec<_> = acme(&r)
        .into_iter()
        .filter(|f| f.0 == "acme/review-label")
        .collect();
    assert_eq!(review, [], "14 days old on the config's today");

    let r = run_in(
        dir.path(),
        ["check", "--format", "json", "--today", "2026-12-01"],
    );
    let review: Vec<_> = acme(&r)
        .into_iter()
        .filter(|f| f.0 == "acme/review-label")
        .collect();
    assert_eq!(
        review,
        [t4(
            "acme/review-label",
            "info",
            "estate/systems.yaml",
            "system `shop` was reviewed 61 days ago"
        )]
    );
}

#[test]
fn invalid_today_in_config_exits_2() {
    let dir = workspace("today: 2026-02-30\n");
    let r = run_in(dir.path(), ["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("`today` must be a date `YYYY-MM-DD`, found `2026-02-30`"),
        "{}",
        r.stderr
    );
}

#[test]
fn growth_flag_changes_a_headroom_result() {
    let dir = workspace("rules: {acme/regions: off, acme/team-label: off}\n");
    edit(
        dir.path(),
        "estate/systems.yaml",
        "  exposure: internet\n",
        "  exposure: internet\n  capacity: {seats: 100, users: 80}\n",
    );
    // The Organization expects 25% growth: 80 users need 100 seats.
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(acme(&r), []);
    let r = run_in(dir.path(), ["check", "--format", "json", "--growth", "40%"]);
    assert_eq!(
        acme(&r),
        [t4(
            "acme/seats",
            "info",
            "estate/systems.yaml",
            "system `shop` has 100 seats; 80 users growing 40% need 112"
        )]
    );
    let r = run_in(dir.path(), ["check", "--growth", "forty"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: --growth must be a percentage such as `40%`, found `forty`\n"
    );
}

/// A workspace with the `cel` pack, whose expression fails on systems without `capacity`
/// (both starter systems), and `config`.
fn cel_workspace(config: &str) -> tempfile::TempDir {
    let dir = workspace(&format!("rules: {{\"acme/*\": off}}\n{config}"));
    std::fs::copy(
        "testdata/packs/cel/users.yaml",
        dir.path().join("policy/cel.yaml"),
    )
    .unwrap();
    dir
}

fn rule_errors(r: &Run) -> Vec<(String, String)> {
    json_findings(&r.stdout)
        .into_iter()
        .filter(|f| f.rule == "estatelint/rule-error")
        .map(|f| (f.file, f.message))
        .collect()
}

#[test]
fn expression_failing_at_evaluation_is_a_rule_error_per_entity() {
    let dir = cel_workspace("");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    assert_eq!(
        r.code, 1,
        "a rule error is an error: {}{}",
        r.stdout, r.stderr
    );
    let errors = rule_errors(&r);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "estate/systems.yaml");
    assert!(
        errors[0]
            .1
            .starts_with("rule `cel/few-users` could not be evaluated on System `shop`: "),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, "legacy/shop-db.yaml");
}

#[test]
fn rule_errors_are_not_reported_where_the_rule_is_off() {
    let dir =
        cel_workspace("overrides:\n  - files: [\"legacy/**\"]\n    rules: {cel/few-users: off}\n");
    let r = run_in(dir.path(), ["check", "--format", "json"]);
    let files: Vec<String> = rule_errors(&r).into_iter().map(|e| e.0).collect();
    assert_eq!(files, ["estate/systems.yaml"]);
}

#[test]
fn test_and_check_agree_on_a_pack_reading_a_builtin_parameter() {
    let pack = "testdata/packs/borrowed-param";
    let check = run(["check", "--rules", pack, "testdata/fixtures/valid"]);
    assert_ne!(check.code, 2, "check accepts the pack: {}", check.stderr);
    let test = run(["test", pack]);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
}
