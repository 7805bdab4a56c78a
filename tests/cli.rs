//! End-to-end tests of the `estatelint` binary: exit codes, output formats, determinism,
//! colour, the `schema` command and file selection. Cargo runs them from the package root, so
//! fixture paths are relative to it.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value as Json;

mod common;
use common::{estatelint, run, run_cmd};

const VALID: &str = "testdata/fixtures/valid";
const SCHEMA_ERRORS: &str = "testdata/fixtures/schema-errors";
const EXAMPLE: &str = "testdata/example";

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn clean_estate_exits_0() {
    let r = run(["check", VALID]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "no problems found in 5 files (8 documents)\n");
    assert!(r.stderr.is_empty());
}

#[test]
fn findings_exit_1() {
    let r = run(["check", SCHEMA_ERRORS]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r
        .stdout
        .ends_with("found 8 problems (8 errors) in 2 files (3 documents)\n"));
    assert!(r.stderr.is_empty());
}

#[test]
fn nonexistent_path_exits_2() {
    let r = run(["check", "testdata/fixtures/no-such-folder"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr,
        "error: no such file or folder: `testdata/fixtures/no-such-folder`\n"
    );
}

#[test]
fn a_setup_problem_is_reported_before_a_missing_path() {
    // The rule packs load while discovery walks on another thread: when both fail, the
    // setup's problem is the one reported, as when they ran one after the other.
    let missing = "error: no such file or folder: `testdata/fixtures/no-such-folder`\n";
    let bad_growth = "error: --growth must be a percentage such as `40%`, found `forty`\n";
    for (growth, expected) in [("forty", bad_growth), ("40%", missing)] {
        let r = run([
            "check",
            "--growth",
            growth,
            "testdata/fixtures/no-such-folder",
        ]);
        assert_eq!((r.code, r.stdout.as_str()), (2, ""));
        assert_eq!(r.stderr, expected);
    }
}

#[test]
fn bad_format_flag_exits_2() {
    let r = run(["check", "--format", "nope", VALID]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("invalid value 'nope' for '--format <FORMAT>'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("human, compact, json"), "{}", r.stderr);
}

#[test]
fn zero_threads_exits_2() {
    let r = run(["check", "--threads", "0", VALID]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--threads must be between 1 and 256"));
}

#[test]
fn invalid_config_exits_2_with_span_and_suggestion() {
    let r = run(["check", "testdata/fixtures/config-invalid"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "no report when the config is invalid");
    assert!(
        r.stderr.starts_with("error: invalid config `"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("unknown field `exlude`"), "{}", r.stderr);
    assert!(
        r.stderr.contains("config-invalid/estatelint.yaml:2:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(" 2 │ exlude: [\"ignored/**\"]"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("───"), "an underline: {}", r.stderr);
    assert!(
        r.stderr.contains("help: did you mean `exclude`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn named_config_that_does_not_exist_exits_2() {
    let r = run(["check", "--config", "missing.yaml", VALID]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert_eq!(r.stderr, "error: config `missing.yaml` not found\n");
}

#[test]
fn named_config_is_used_instead_of_the_one_found_upward() {
    // The config-invalid fixture's config, named explicitly, fails a run on another folder.
    let r = run([
        "check",
        "--config",
        "testdata/fixtures/config-invalid/estatelint.yaml",
        VALID,
    ]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .contains("error: invalid config `testdata/fixtures/config-invalid/estatelint.yaml`"));
}

// ---------------------------------------------------------------------------------------------
// Output formats

/// Checks one compact line: `path:line:col: severity[rule] message`.
fn assert_compact_line(line: &str) {
    let mut parts = line.splitn(4, ':');
    let path = parts.next().unwrap();
    let line_no = parts.next().unwrap_or_default();
    let col = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    assert!(
        path.ends_with(".yaml") || path.ends_with(".yml"),
        "path in {line:?}"
    );
    for n in [line_no, col] {
        assert!(
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n != "0",
            "line/column in {line:?}"
        );
    }
    let rest = rest.strip_prefix(' ').expect("space after the column");
    let (severity, rest) = rest.split_once('[').expect("[rule]");
    assert!(
        ["error", "warning", "info"].contains(&severity),
        "severity in {line:?}"
    );
    let (rule, message) = rest.split_once("] ").expect("] message");
    assert!(
        rule.contains('/') && !rule.contains(' '),
        "rule in {line:?}"
    );
    assert!(!message.is_empty(), "message in {line:?}");
}

#[test]
fn compact_format_is_one_line_per_finding() {
    let r = run(["check", "--format", "compact", SCHEMA_ERRORS]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    for line in &lines {
        assert_compact_line(line);
    }
    assert_eq!(
        lines[0],
        "testdata/fixtures/schema-errors/backup.yaml:6:1: error[estatelint/schema] `spec` of Backup `crm-nightly` is missing required field `covers`"
    );
    insta::assert_snapshot!("compact_schema_errors", r.stdout);
}

#[test]
fn compact_format_on_the_example_is_well_formed() {
    let r = run(["check", "--format", "compact", EXAMPLE]);
    assert_eq!(r.code, 1);
    assert!(!r.stdout.is_empty());
    r.stdout.lines().for_each(assert_compact_line);
}

#[test]
fn compact_format_of_a_clean_estate_is_empty() {
    let r = run(["check", "--format", "compact", VALID]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "");
}

fn report_validator() -> jsonschema::Validator {
    let schema: Json =
        serde_json::from_str(&std::fs::read_to_string("schemas/report.schema.json").unwrap())
            .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("report schema compiles")
}

fn assert_valid_report(stdout: &str) -> Json {
    let report: Json = serde_json::from_str(stdout).expect("stdout is JSON");
    let validator = report_validator();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "report violates its schema: {errors:#?}");
    report
}

/// Line and column (1-based, columns in characters) of a byte offset, computed independently.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line as u64, column as u64)
}

/// Checks a JSON location (`file`, `span`, `range`) against the file on disk; returns the text.
fn located_text(location: &Json) -> String {
    let file = location["file"].as_str().unwrap();
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let offset = location["span"]["offset"].as_u64().unwrap() as usize;
    let length = location["span"]["length"].as_u64().unwrap() as usize;
    assert!(offset + length <= text.len(), "{location}");
    assert!(
        text.is_char_boundary(offset) && text.is_char_boundary(offset + length),
        "{location}"
    );
    let start = &location["range"]["start"];
    let end = &location["range"]["end"];
    let at = |p: &Json| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap());
    assert_eq!(at(start), line_col(&text, offset), "start of {location}");
    assert_eq!(
        at(end),
        line_col(&text, offset + length),
        "end of {location}"
    );
    text[offset..offset + length].to_string()
}

#[test]
fn json_report_validates_against_its_schema() {
    for path in [
        EXAMPLE,
        SCHEMA_ERRORS,
        VALID,
        "testdata/fixtures/duplicate-name",
    ] {
        let r = run(["check", "--format", "json", path]);
        assert!(r.code <= 1, "{path}: {}", r.stderr);
        let report = assert_valid_report(&r.stdout);
        assert_eq!(report["version"], 1);
        assert_eq!(report["tool"]["name"], "estatelint");
        assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
        let findings = report["findings"].as_array().unwrap();
        let counted = ["errors", "warnings", "infos"]
            .iter()
            .map(|k| report["summary"][k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(counted as usize, findings.len(), "{path}");
    }
}

#[test]
fn json_spans_and_ranges_match_the_file_text() {
    let r = run([
        "check",
        "--format",
        "json",
        "testdata/fixtures/non-ascii-offsets",
        SCHEMA_ERRORS,
        "testdata/fixtures/duplicate-name",
        "testdata/fixtures/unresolved-reference",
    ]);
    assert_eq!(r.code, 1);
    let report = assert_valid_report(&r.stdout);
    let findings = report["findings"].as_array().unwrap();
    // The paths form one estate, so schema-errors' `crm` also clashes with duplicate-name's.
    assert_eq!(findings.len(), 4 + 8 + 1 + 3 + 1);
    for f in findings {
        located_text(f);
        for related in f["related"].as_array().unwrap() {
            located_text(related);
        }
    }
    // One finding in full: the enum value after multibyte text.
    let lifecycle = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("prödüction"))
        .unwrap();
    assert_eq!(located_text(lifecycle), "prödüction");
    let text = std::fs::read_to_string("testdata/fixtures/non-ascii-offsets/system.yaml").unwrap();
    let offset = text.find("prödüction").unwrap();
    assert_eq!(lifecycle["span"]["offset"], offset);
    assert_eq!(lifecycle["span"]["length"], "prödüction".len());
    assert_eq!(lifecycle["range"]["start"]["line"], 11);
    assert_eq!(lifecycle["range"]["start"]["column"], 14);
    assert_eq!(lifecycle["range"]["end"]["column"], 24);
    assert_eq!(lifecycle["help"], "did you mean `production`?");
    // And one with a related location in another file.
    let duplicate = findings
        .iter()
        .find(|f| f["rule"] == "estatelint/duplicate-name")
        .unwrap();
    assert_eq!(located_text(&duplicate["related"][0]), "crm");
    assert_eq!(
        duplicate["related"][0]["file"],
        "testdata/fixtures/duplicate-name/crm.yaml"
    );
}

// ---------------------------------------------------------------------------------------------
// Determinism

#[test]
fn output_is_identical_across_thread_counts_and_runs() {
    for format in ["human", "compact", "json"] {
        let one = run(["check", "--format", format, "--threads", "1", EXAMPLE]);
        let two = run(["check", "--format", format, "--threads", "2", EXAMPLE]);
        let again = run(["check", "--format", format, "--threads", "2", EXAMPLE]);
        let default = run(["check", "--format", format, EXAMPLE]);
        assert_eq!(one.code, 1);
        assert!(!one.stdout.is_empty());
        for other in [&two, &again, &default] {
            assert_eq!(one.code, other.code, "{format}");
            assert!(one.stdout == other.stdout, "{format} output differs");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Colour

fn assert_plain(text: &str) {
    assert!(!text.contains("\x1b["), "ANSI escape in {text:?}");
    assert!(!text.contains("\x1b]8"), "hyperlink escape in {text:?}");
}

#[test]
fn piped_output_has_no_escapes() {
    let r = run(["check", SCHEMA_ERRORS]);
    assert_eq!(r.code, 1);
    assert_plain(&r.stdout);
    let r = run(["check", "testdata/fixtures/config-invalid"]);
    assert_eq!(r.code, 2);
    assert_plain(&r.stderr);
}

#[test]
fn no_color_has_no_escapes() {
    for color in ["auto", "never"] {
        let r = run_cmd(estatelint().env("NO_COLOR", "1").args([
            "check",
            "--color",
            color,
            SCHEMA_ERRORS,
        ]));
        assert_eq!(r.code, 1);
        assert_plain(&r.stdout);
    }
}

#[test]
fn color_always_colours_even_when_piped() {
    let r = run(["check", "--color", "always", SCHEMA_ERRORS]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("\x1b["), "{}", r.stdout);
    assert!(!r.stdout.contains("\x1b]8"), "links are never written");
}

#[test]
fn compact_and_json_are_never_coloured() {
    for format in ["compact", "json"] {
        let r = run([
            "check",
            "--color",
            "always",
            "--format",
            format,
            SCHEMA_ERRORS,
        ]);
        assert_eq!(r.code, 1);
        assert_plain(&r.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// The schema command

#[test]
fn schema_command_prints_the_shipped_schemas() {
    for (kind, file) in [
        ("system", "system"),
        ("System", "system"),
        ("organization", "organization"),
        ("owner", "owner"),
        ("backup", "backup"),
        ("integration", "integration"),
        ("report", "report"),
    ] {
        let r = run(["schema", kind]);
        assert_eq!(r.code, 0, "{kind}: {}", r.stderr);
        let printed: Json = serde_json::from_str(&r.stdout).expect("JSON");
        let shipped: Json = serde_json::from_str(
            &std::fs::read_to_string(format!("schemas/{file}.schema.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(printed, shipped, "{kind}");
    }
}

#[test]
fn schema_command_suggests_a_kind_for_a_typo() {
    let r = run(["schema", "sytem"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr,
        "error: unknown schema `sytem`; did you mean `system`?\n"
    );
}

#[test]
fn schema_command_lists_kinds_for_a_stranger() {
    let r = run(["schema", "deployment"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("known: organization, owner, system, backup, integration, rule-pack, report"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// The benchmark's floor

#[test]
fn the_benchmark_floor_is_a_hidden_command_that_parses_every_estate_file() {
    // What `check` reads of the folder: its five estate files, every byte of them, and the
    // parser's events in each (counted here file by file through the library).
    fn yaml_files(dir: &Path, out: &mut Vec<String>) {
        for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            match path.extension().and_then(OsStr::to_str) {
                _ if path.is_dir() => yaml_files(&path, out),
                Some("yaml" | "yml") => out.push(std::fs::read_to_string(&path).unwrap()),
                _ => {}
            }
        }
    }
    let mut texts = Vec::new();
    yaml_files(Path::new(VALID), &mut texts);
    let bytes: usize = texts.iter().map(String::len).sum();
    let events: usize = texts
        .iter()
        .map(|t| estatelint::yaml::count_events(t).unwrap())
        .sum();
    // Eight documents, each a mapping of a few entries: not a count of nothing.
    assert!(events > 8 * 8, "{events}");
    let r = run(["parse-floor", VALID]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        format!("{} files, {bytes} bytes, {events} events\n", texts.len())
    );
    assert_eq!(texts.len(), 5);
    assert!(r.stderr.is_empty());
    // Not a command users are shown.
    assert!(!run(["--help"]).stdout.contains("parse-floor"));
    let r = run(["parse-floor", "testdata/fixtures/no-such-folder"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: no such file or folder: `testdata/fixtures/no-such-folder`\n"
    );
}

// ---------------------------------------------------------------------------------------------
// File selection

/// Files named in compact output, deduplicated.
fn files_reported(compact: &str) -> Vec<String> {
    let mut files: Vec<String> = compact
        .lines()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    files.dedup();
    files
}

#[test]
fn include_flag_keeps_only_matching_files() {
    let r = run([
        "check",
        "--format",
        "compact",
        "--include",
        "**/backup.yaml",
        SCHEMA_ERRORS,
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        files_reported(&r.stdout),
        ["testdata/fixtures/schema-errors/backup.yaml"]
    );
}

#[test]
fn exclude_flag_skips_matching_files() {
    let r = run([
        "check",
        "--format",
        "compact",
        "--exclude",
        "**/backup.yaml",
        SCHEMA_ERRORS,
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        files_reported(&r.stdout),
        ["testdata/fixtures/schema-errors/system.yaml"]
    );
    let r = run([
        "check",
        "--exclude",
        "**/*.yaml",
        "--format",
        "json",
        SCHEMA_ERRORS,
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = assert_valid_report(&r.stdout);
    assert_eq!(report["summary"]["files"], 0);
}

#[test]
fn config_exclude_skips_its_folder() {
    let r = run(["check", "--format", "json", "testdata/fixtures/config"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = assert_valid_report(&r.stdout);
    assert_eq!(report["findings"], Json::Array(Vec::new()));
    assert_eq!(
        report["summary"]["files"], 1,
        "system.yaml only: the config file is not an estate file"
    );
    // Named explicitly, a file the config excludes stays excluded: nothing is reported on it
    // (the rest of the estate is still loaded for context).
    let draft = "testdata/fixtures/config/ignored/draft.yaml";
    let r = run(["check", "--format", "json", draft]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        assert_valid_report(&r.stdout)["findings"],
        Json::Array(Vec::new())
    );
    // Away from the config, the same file is reported: the exclusion is what hides it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("estatelint.yaml"), "rules:\n  \"*\": off\n").unwrap();
    std::fs::copy(draft, dir.path().join("draft.yaml")).unwrap();
    let r = run([
        OsStr::new("check"),
        "--format".as_ref(),
        "compact".as_ref(),
        dir.path().as_ref(),
    ]);
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .contains("error[estatelint/unknown-kind] unknown kind `Sytem`"));
}

const BAD_KIND: &str = "apiVersion: estatelint/v1\nkind: Sytem\nmetadata:\n  name: x\nspec: {}\n";

#[test]
fn hidden_and_vcs_folders_are_not_walked() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [".git", ".hidden", "visible"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("bad.yaml"), BAD_KIND).unwrap();
    }
    let r = run_cmd(
        estatelint()
            .current_dir(dir.path())
            .args(["check", "--format", "json", "."]),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = assert_valid_report(&r.stdout);
    assert_eq!(report["summary"]["files"], 1);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["visible/bad.yaml"]);
}

#[test]
fn non_utf8_file_beside_a_schema_error_reports_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("estatelint.yaml"), "rules:\n  \"*\": off\n").unwrap();
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: caf\xe9\nspec: {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("system.yaml"),
        "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec:\n  tier: 9\n",
    )
    .unwrap();
    let r = run_cmd(
        estatelint()
            .current_dir(dir.path())
            .args(["check", "--format", "compact", "."]),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "latin1.yaml:4:12: error[estatelint/encoding] file is not valid UTF-8 (byte 60)\n\
         system.yaml:6:9: error[estatelint/schema] tier must be one of 1, 2, 3, 4, found `9`\n"
    );
}

#[test]
fn a_file_named_explicitly_is_checked_whatever_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.txt");
    std::fs::write(&file, BAD_KIND).unwrap();
    let r = run([
        OsStr::new("check"),
        "--format".as_ref(),
        "compact".as_ref(),
        file.as_ref(),
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[estatelint/unknown-kind]"));
    // In a folder walk, only .yaml/.yml files are read.
    let r = run([
        OsStr::new("check"),
        "--format".as_ref(),
        "json".as_ref(),
        dir.path().as_ref(),
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(assert_valid_report(&r.stdout)["summary"]["files"], 0);
}

#[test]
fn paths_are_reported_as_given_relative_to_the_working_folder() {
    let r = run_cmd(
        estatelint()
            .current_dir(Path::new("testdata/fixtures"))
            .args(["check", "--format", "compact", "unknown-kind"]),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with("unknown-kind/system.yaml:2:7: "),
        "{}",
        r.stdout
    );
}

#[test]
fn include_globs_are_relative_to_the_config_folder() {
    let r = run([
        "check",
        "--format",
        "json",
        "--include",
        "system.yaml",
        "testdata/fixtures/config",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(assert_valid_report(&r.stdout)["summary"]["files"], 1);
}

// ---------------------------------------------------------------------------------------------
// --timings

#[test]
fn timings_list_every_phase_and_rule_on_stderr() {
    let args = [
        "check",
        EXAMPLE,
        "--today",
        "2026-11-23",
        "--format",
        "compact",
    ];
    let plain = run(args);
    let r = run(args.into_iter().chain(["--timings"]));
    // The report itself is unchanged; the table goes to standard error.
    assert_eq!(r.code, plain.code);
    assert_eq!(r.stdout, plain.stdout);
    for phase in [
        "config + rule packs",
        "discover",
        "read + parse + schema (parallel)",
        "  parse (summed over threads)",
        "  schema (summed over threads)",
        // `security/plaintext-secret`'s pattern, searched as the files are read
        "  doc scans (summed over threads)",
        "index + parameters",
        "rules (parallel)",
        "sort",
        "levels + suppressions + baseline",
        "read shown files again",
        "report",
    ] {
        let line = r
            .stderr
            .lines()
            .find(|l| l.starts_with(phase) && l[phase.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("no `{phase}` row in\n{}", r.stderr));
        let ms: f64 = line[phase.len()..]
            .split_whitespace()
            .next()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no time in `{line}`"));
        assert!(ms >= 0.0);
    }
    // Every built-in rule has a row of its own, so a slow one can be found.
    for id in [
        "continuity/backup-coverage",
        "security/data-flow-classification",
        "security/plaintext-secret",
    ] {
        assert!(
            r.stderr.lines().any(|l| l.starts_with(id)),
            "{id} missing from\n{}",
            r.stderr
        );
    }
    // Where the system reports it, each phase shows the peak memory so far.
    if cfg!(target_os = "linux") {
        let name = "read + parse + schema (parallel)";
        let parse = r
            .stderr
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default();
        let figures: Vec<f64> = parse[name.len()..]
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        assert_eq!(figures.len(), 2, "no peak memory in `{parse}`");
        assert!(figures[1] > 1.0, "no peak memory in `{parse}`");
    }
}
