//! Baselines end to end (`--write-baseline FILE`, `--baseline FILE`) and the exit-code gates
//! (`--fail-on`, `--max-warnings`), through the binary.
//!
//! The fixtures under `testdata/baseline/` each have an `estatelint.yaml` (baseline entries are
//! keyed by paths relative to its folder). Tests that edit the estate copy a fixture into a
//! temporary folder and run there.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

const TODAY: &str = "2026-11-23";

mod common;
use common::{run_in as estatelint_in, Run};

/// `estatelint check ARGS --today 2026-11-23`, from the package root.
fn check(args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--today", TODAY]);
    estatelint_in(Path::new("."), &all)
}

/// `estatelint check . ARGS --today 2026-11-23` inside `dir`.
fn check_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "."];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--today", TODAY]);
    estatelint_in(dir, &all)
}

/// A copy of `testdata/baseline/NAME` in a temporary folder.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = PathBuf::from(format!("testdata/baseline/{name}"));
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn read_json(path: &Path) -> Json {
    json(&std::fs::read_to_string(path).unwrap())
}

fn write_json(path: &Path, value: &Json) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn prepend(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, format!("{text}{old}")).unwrap();
}

fn append(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, format!("{old}{text}")).unwrap();
}

/// Writes a baseline of the estate in `dir` to `dir/baseline.json`.
fn write_baseline(dir: &Path) -> PathBuf {
    let r = check_in(dir, &["--write-baseline", "baseline.json"]);
    assert!(r.code == 0 || r.code == 1, "{}{}", r.stdout, r.stderr);
    dir.join("baseline.json")
}

// ---------------------------------------------------------------------------------------------
// Writing

#[test]
fn write_baseline_records_every_finding_sorted() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("baseline.json");
    let r = check(&[
        "testdata/baseline/small",
        "--write-baseline",
        file.to_str().unwrap(),
        "--format",
        "compact",
    ]);
    assert!(
        r.stderr.starts_with("wrote 5 findings to baseline `"),
        "{}",
        r.stderr
    );
    // Writing a baseline does not hide anything in the same run.
    assert_eq!(r.stdout.lines().count(), 5, "{}", r.stdout);

    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("}\n"));
    let baseline = json(&text);
    assert_eq!(baseline["version"], 1);
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let keys: Vec<(String, String, String, String)> = entries
        .iter()
        .map(|e| {
            for field in ["rule", "file", "path", "message"] {
                assert!(e[field].is_string(), "{field} in {e}");
            }
            (
                e["rule"].as_str().unwrap().to_string(),
                e["file"].as_str().unwrap().to_string(),
                e["entity"].as_str().unwrap_or_default().to_string(),
                e["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "entries are sorted");
    // Files are relative to the config's folder, with `/`; an entity-less finding (a document
    // of unknown kind) has no `entity` and an empty path.
    assert!(keys.contains(&(
        "scalability/utilization".into(),
        "systems.yaml".into(),
        "System/nas".into(),
        "spec.capacity.utilization".into()
    )));
    let unknown = entries
        .iter()
        .find(|e| e["rule"] == "estatelint/unknown-kind")
        .unwrap();
    assert!(unknown.get("entity").is_none(), "{unknown}");
    assert_eq!(unknown["path"], "");

    insta::assert_snapshot!("small_baseline", text);
}

#[test]
fn baseline_keys_do_not_depend_on_the_working_folder() {
    let out = tempfile::tempdir().unwrap();
    let from_root = out.path().join("from-root.json");
    let from_inside = out.path().join("from-inside.json");
    check(&[
        "testdata/baseline/small",
        "--write-baseline",
        from_root.to_str().unwrap(),
    ]);
    check_in(
        Path::new("testdata/baseline/small"),
        &["--write-baseline", from_inside.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(&from_root).unwrap(),
        std::fs::read_to_string(&from_inside).unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// Reading

#[test]
fn baseline_hides_exactly_the_recorded_findings_and_reports_new_ones() {
    let dir = copy_fixture("small");
    write_baseline(dir.path());

    let r = check_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(r.code, 0, "every finding is baselined:\n{}", r.stdout);
    assert_eq!(
        r.stdout,
        "no problems found in 3 files (4 documents); 5 hidden by the baseline\n"
    );

    // A new warning: reported, alone; warnings do not fail the default gate.
    append(
        &dir.path().join("systems.yaml"),
        "---\napiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: backup-nas\nspec:\n  capacity:\n    utilization: 95%\n",
    );
    let r = check_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "compact"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "systems.yaml:24:18: warning[scalability/utilization] system `backup-nas` runs at 95% utilization, above the 80% limit\n"
    );

    // A new error of a rule the baseline already knows, on another entity: reported, exit 1.
    append(
        &dir.path().join("integrations.yaml"),
        "---\napiVersion: estatelint/v1\nkind: Integration\nmetadata:\n  name: nas-to-crm\nspec:\n  from: nas\n  to: crm\n  method: file\n  transport: http\n  auth: oauth2\n",
    );
    let r = check_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let report = json(&r.stdout);
    let found: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("security/integration-transport", "integrations.yaml"),
            ("scalability/utilization", "systems.yaml"),
        ]
    );
    assert_eq!(report["summary"]["baselined"], 5);
    assert_eq!(report["summary"]["staleBaseline"], 0);
}

#[test]
fn baseline_survives_lines_inserted_above_the_findings() {
    let dir = copy_fixture("small");
    write_baseline(dir.path());
    let five = "# one\n# two\n# three\n# four\n# five\n";
    for file in ["systems.yaml", "integrations.yaml", "legacy.yaml"] {
        prepend(&dir.path().join(file), five);
    }
    // The findings moved five lines down...
    let moved = check_in(dir.path(), &["--format", "compact"]);
    assert!(
        moved
            .stdout
            .contains("systems.yaml:13:18: warning[scalability/utilization]"),
        "{}",
        moved.stdout
    );
    // ...and are still hidden.
    let r = check_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "no problems found in 3 files (4 documents); 5 hidden by the baseline\n"
    );
}

#[test]
fn a_fixed_problem_leaves_a_stale_entry() {
    let dir = copy_fixture("small");
    write_baseline(dir.path());
    let systems = dir.path().join("systems.yaml");
    let text = std::fs::read_to_string(&systems).unwrap();
    std::fs::write(
        &systems,
        text.replace("utilization: 91%", "utilization: 60%"),
    )
    .unwrap();

    let r = check_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "no problems found in 3 files (4 documents); 4 hidden by the baseline"
    );
    assert!(
        lines[1].starts_with("1 baseline entry no longer match"),
        "{}",
        r.stdout
    );
    assert!(lines[1].contains("--write-baseline"), "{}", r.stdout);
    assert_eq!(
        lines[2..],
        ["  stale: scalability/utilization systems.yaml System/nas spec.capacity.utilization"]
    );

    let r = check_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "json"],
    );
    let report = json(&r.stdout);
    assert_eq!(report["summary"]["staleBaseline"], 1);
    assert_eq!(report["summary"]["baselined"], 4);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn identical_keys_are_hidden_once_per_entry() {
    let dir = copy_fixture("twins");
    let file = write_baseline(dir.path());
    let baseline = read_json(&file);
    let entries = baseline["findings"].as_array().unwrap().clone();
    // Two documents of unknown kind in one file: the same key twice.
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0], entries[1]);

    let r = check_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.ends_with("; 2 hidden by the baseline\n"),
        "{}",
        r.stdout
    );

    // A third finding with that key is new: one entry hides one finding.
    let legacy = dir.path().join("legacy.yaml");
    append(
        &legacy,
        "---\napiVersion: estatelint/v1\nkind: Sytem\nmetadata:\n  name: telex\n",
    );
    let r = check_in(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let report = json(&r.stdout);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["rule"], "estatelint/unknown-kind");
    assert_eq!(report["summary"]["baselined"], 2);

    // One entry for the two original findings: one of them is reported.
    let two_docs = std::fs::read_to_string(dir.path().join("legacy.yaml")).unwrap();
    let cut = two_docs.rfind("---\n").unwrap();
    std::fs::write(&legacy, &two_docs[..cut]).unwrap();
    let mut one = baseline.clone();
    one["findings"] = Json::Array(vec![entries[0].clone()]);
    write_json(&dir.path().join("one.json"), &one);
    let r = check_in(dir.path(), &["--baseline", "one.json", "--format", "json"]);
    assert_eq!(r.code, 1);
    let report = json(&r.stdout);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["baselined"], 1);
    assert_eq!(report["summary"]["staleBaseline"], 0);

    // Three entries for two findings: one is stale.
    let mut three = baseline.clone();
    three["findings"] = Json::Array(vec![entries[0].clone(); 3]);
    write_json(&dir.path().join("three.json"), &three);
    let r = check_in(
        dir.path(),
        &["--baseline", "three.json", "--format", "json"],
    );
    assert_eq!(r.code, 0);
    let report = json(&r.stdout);
    assert_eq!(report["summary"]["baselined"], 2);
    assert_eq!(report["summary"]["staleBaseline"], 1);
}

#[test]
fn a_baseline_that_is_not_json_exits_2() {
    let dir = copy_fixture("small");
    std::fs::write(dir.path().join("baseline.json"), "findings: []\n").unwrap();
    let r = check_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr
            .starts_with("error: baseline `baseline.json` is not a baseline file: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn a_baseline_of_another_shape_or_version_exits_2() {
    let dir = copy_fixture("small");
    std::fs::write(dir.path().join("list.json"), "[]\n").unwrap();
    let r = check_in(dir.path(), &["--baseline", "list.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: baseline `list.json` is not a baseline file: "),
        "{}",
        r.stderr
    );

    std::fs::write(
        dir.path().join("v2.json"),
        "{\"version\": 2, \"findings\": []}\n",
    )
    .unwrap();
    let r = check_in(dir.path(), &["--baseline", "v2.json"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: baseline `v2.json` has version 2; this estatelint writes version 1\n"
    );
}

#[test]
fn a_missing_baseline_exits_2() {
    let dir = copy_fixture("small");
    let r = check_in(dir.path(), &["--baseline", "no-such-baseline.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "error: cannot read baseline `no-such-baseline.json`: file not found\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Gates: testdata/baseline/gates has exactly one warning and nothing else.

const GATES: &str = "testdata/baseline/gates";

#[test]
fn fail_on_sets_the_lowest_failing_severity() {
    assert_eq!(check(&[GATES]).code, 0, "default: error");
    assert_eq!(check(&[GATES, "--fail-on", "error"]).code, 0);
    assert_eq!(check(&[GATES, "--fail-on", "warning"]).code, 1);
    assert_eq!(check(&[GATES, "--fail-on", "info"]).code, 1);
}

#[test]
fn max_warnings_fails_above_n() {
    assert_eq!(check(&[GATES, "--max-warnings", "0"]).code, 1);
    assert_eq!(
        check(&[GATES, "--max-warnings", "1"]).code,
        0,
        "more than N"
    );
    assert_eq!(check(&[GATES, "--max-warnings", "5"]).code, 0);
    // Either gate fails the run.
    assert_eq!(
        check(&[GATES, "--max-warnings", "5", "--fail-on", "warning"]).code,
        1
    );
}

#[test]
fn fail_on_flag_wins_over_the_config() {
    let dir = copy_fixture("gates");
    append(&dir.path().join("estatelint.yaml"), "failOn: warning\n");
    assert_eq!(check_in(dir.path(), &[]).code, 1, "the config's failOn");
    assert_eq!(check_in(dir.path(), &["--fail-on", "error"]).code, 0);
}

#[test]
fn findings_hidden_by_the_baseline_do_not_count_for_the_gates() {
    let dir = copy_fixture("gates");
    write_baseline(dir.path());
    for gate in [["--max-warnings", "0"], ["--fail-on", "warning"]] {
        let mut args = vec!["--baseline", "baseline.json"];
        args.extend_from_slice(&gate);
        let r = check_in(dir.path(), &args);
        assert_eq!(r.code, 0, "{gate:?}: {}", r.stdout);
    }
}
