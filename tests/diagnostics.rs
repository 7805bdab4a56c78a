//! The core linter's findings, one test per class of problem: each test runs `check` on a
//! fixture under `testdata/fixtures/`, asserts the facts that matter (rule ids, counts, the exact
//! bytes underlined) and snapshots the human output without colour.
//!
//! Paths in the output are relative to the working folder; cargo runs integration tests from the
//! package root, so fixtures are named `testdata/fixtures/<class>`.

use std::path::{Path, PathBuf};

use estatelint::check::{self, CheckOptions, Outcome};
use estatelint::diag::{rules, Finding, Label, Severity};
use estatelint::report::{self, Format, Summary};

fn check_paths(paths: &[PathBuf]) -> Outcome {
    check::run(&CheckOptions {
        paths: paths.to_vec(),
        ..Default::default()
    })
    .unwrap_or_else(|fatal| panic!("check failed: {}", fatal.message))
}

fn fixture(class: &str) -> Outcome {
    check_paths(&[PathBuf::from(format!("testdata/fixtures/{class}"))])
}

fn human(o: &Outcome) -> String {
    report::render(
        Format::Human,
        &o.sources,
        &o.findings,
        &Summary::new(o.files, o.documents, &o.findings),
        false,
    )
}

fn compact(o: &Outcome) -> String {
    report::render(
        Format::Compact,
        &o.sources,
        &o.findings,
        &Summary::new(o.files, o.documents, &o.findings),
        false,
    )
}

fn rule_ids(o: &Outcome) -> Vec<&str> {
    o.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The display name of a label's file.
fn file_of<'a>(o: &'a Outcome, label: &Label) -> &'a str {
    &o.sources.get(label.file).name
}

/// The text a label underlines.
fn text_of<'a>(o: &'a Outcome, label: &Label) -> &'a str {
    &o.sources.get(label.file).text[label.span.range()]
}

/// 1-based line of a label's start.
fn line_of(o: &Outcome, label: &Label) -> usize {
    o.sources.get(label.file).line_col(label.span.start).line
}

fn only<'a>(o: &'a Outcome, rule: &str) -> &'a Finding {
    let matching: Vec<&Finding> = o.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(matching.len(), 1, "expected one {rule} finding in {o:#?}");
    matching[0]
}

fn with_message<'a>(o: &'a Outcome, part: &str) -> &'a Finding {
    o.findings
        .iter()
        .find(|f| f.message.contains(part))
        .unwrap_or_else(|| panic!("no finding mentions {part:?}:\n{}", compact(o)))
}

/// Display names of every file read.
fn file_names(o: &Outcome) -> Vec<String> {
    (0..o.sources.len() as u32)
        .map(|i| o.sources.get(estatelint::source::FileId(i)).name.clone())
        .collect()
}

/// Human output with a temporary folder's path replaced by `[tmp]`, so snapshots are stable.
fn human_in(o: &Outcome, dir: &Path) -> String {
    let slashed = estatelint::discover::slash_path(dir);
    human(o).replace(&slashed, "[tmp]")
}

#[test]
fn valid_estate_has_no_findings() {
    let o = fixture("valid");
    assert!(o.findings.is_empty(), "{}", compact(&o));
    assert_eq!((o.files, o.documents), (5, 8));
    assert!(!o.incomplete);
    assert_eq!(o.estate.entities.len(), 8);
    insta::assert_snapshot!("valid", human(&o));
}

#[test]
fn syntax_error_in_second_document_still_reports_first_and_third() {
    let o = fixture("syntax");
    assert_eq!(
        rule_ids(&o),
        [rules::SCHEMA, rules::SYNTAX, rules::SCHEMA],
        "{}",
        compact(&o)
    );
    // Documents 1 and 3 were checked; the broken one was left out.
    assert_eq!(o.documents, 2);
    let first = with_message(&o, "unknown field `vendr`");
    assert_eq!(text_of(&o, &first.primary), "vendr");
    assert_eq!(first.help.as_deref(), Some("did you mean `vendor`?"));
    let syntax = only(&o, rules::SYNTAX);
    assert_eq!(line_of(&o, &syntax.primary), 16);
    let third = with_message(&o, "found `live`");
    assert_eq!(line_of(&o, &third.primary), 23);
    insta::assert_snapshot!("syntax", human(&o));
}

#[test]
fn syntax_error_in_one_file_does_not_hide_another_files_errors() {
    let o = fixture("syntax-other-files");
    assert_eq!(rule_ids(&o), [rules::SYNTAX, rules::SCHEMA]);
    assert!(file_of(&o, &o.findings[0].primary).ends_with("broken.yaml"));
    assert!(file_of(&o, &o.findings[1].primary).ends_with("good.yaml"));
    assert_eq!(text_of(&o, &o.findings[1].primary), "high");
    assert_eq!((o.files, o.documents), (2, 1));
    insta::assert_snapshot!("syntax_other_files", human(&o));
}

#[test]
fn duplicate_key_underlines_both_occurrences() {
    let o = fixture("duplicate-key");
    let f = only(&o, rules::DUPLICATE_KEY);
    assert_eq!(o.findings.len(), 1);
    assert_eq!(f.message, "duplicate key `tier`");
    assert_eq!(text_of(&o, &f.primary), "tier");
    assert_eq!(line_of(&o, &f.primary), 8);
    assert_eq!(f.related.len(), 1);
    assert_eq!(text_of(&o, &f.related[0]), "tier");
    assert_eq!(line_of(&o, &f.related[0]), 6);
    assert_eq!(f.related[0].message, "first defined here");
    insta::assert_snapshot!("duplicate_key", human(&o));
}

#[test]
fn nesting_past_128_levels_is_too_deep() {
    let o = fixture("too-deep");
    assert_eq!(rule_ids(&o), [rules::TOO_DEEP]);
    let f = &o.findings[0];
    let text = &o.sources.get(f.primary.file).text;
    // The 129th collection: the document root and `spec` are the first two, so the 127th
    // bracket.
    let first_bracket = text.find('[').unwrap();
    assert_eq!(f.primary.span.start as usize, first_bracket + 126);
    assert_eq!(text_of(&o, &f.primary), "[");
    assert_eq!(o.documents, 0, "the too-deep document is left out");
    insta::assert_snapshot!("too_deep", human(&o));
}

/// Writes `name` with `contents` into a fresh temporary folder.
/// A config that turns the rule packs off: these tests are about the core linter.
const CORE_ONLY: &str = "rules:\n  \"*\": off\n";

fn temp_file(name: &str, contents: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("estatelint.yaml"), CORE_ONLY).unwrap();
    std::fs::write(dir.path().join(name), contents).unwrap();
    dir
}

#[test]
fn deep_block_mappings_are_too_deep_without_overflowing_the_stack() {
    let mut yaml = String::new();
    for depth in 0..2_000 {
        yaml.push_str(&"  ".repeat(depth));
        yaml.push_str("k:\n");
    }
    let dir = temp_file("deep.yaml", yaml.as_bytes());
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::TOO_DEEP]);
    assert_eq!(line_of(&o, &o.findings[0].primary), 129);
}

/// saphyr-parser's scanner gives up on flow nesting past 255 levels, before the loader sees
/// level 129: that must still read as too deep, not as a syntax error.
#[test]
fn flow_nesting_far_past_the_limit_is_still_too_deep() {
    let yaml = format!("a: {}{}\n", "[".repeat(300), "]".repeat(300));
    let dir = temp_file("deep.yaml", yaml.as_bytes());
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::TOO_DEEP], "{}", compact(&o));
}

#[test]
fn too_deep_document_is_reported_once() {
    let yaml = format!("a: {}1{}\n", "{a: ".repeat(300), "}".repeat(300));
    let dir = temp_file("deep.yaml", yaml.as_bytes());
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::TOO_DEEP], "{}", compact(&o));
}

#[test]
fn alias_bomb_is_stopped() {
    let started = std::time::Instant::now();
    let o = fixture("alias-bomb");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "expansion was not bounded"
    );
    assert_eq!(rule_ids(&o), [rules::ALIAS_LIMIT]);
    let f = &o.findings[0];
    assert!(f.help.as_deref().unwrap_or_default().contains("alias bomb"));
    // Reported where the limit is crossed, on one of the anchors.
    assert_eq!(text_of(&o, &f.primary), "&");
    assert_eq!(o.documents, 0, "the exploded document is left out");
    insta::assert_snapshot!("alias_bomb", human(&o));
}

#[test]
fn file_that_is_not_utf8_is_an_encoding_error_at_the_bad_byte() {
    let contents = b"apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\n  title: \"Caf\xe9\"\nspec: {}\n";
    let dir = temp_file("latin1.yaml", contents);
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::ENCODING]);
    let f = &o.findings[0];
    let bad = contents.iter().position(|&b| b == 0xE9).unwrap();
    assert_eq!(f.primary.span.start as usize, bad);
    assert_eq!(f.message, format!("file is not valid UTF-8 (byte {bad})"));
    assert_eq!(f.help.as_deref(), Some("save the file as UTF-8"));
    insta::assert_snapshot!("not_utf8", human_in(&o, dir.path()));
}

#[test]
fn not_utf8_span_covers_the_invalid_bytes_of_the_file() {
    let dir = temp_file("latin1.yaml", b"title: \"Caf\xe9\"\n");
    let o = check_paths(&[dir.path().to_path_buf()]);
    let f = only(&o, rules::ENCODING);
    assert_eq!(f.primary.span.len(), 1);
}

const UTF16_DOC: &str =
    "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec: {}\n";

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn utf16_file_is_named_as_such() {
    let dir = temp_file("utf16.yaml", &utf16le_with_bom(UTF16_DOC));
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::ENCODING]);
    let f = &o.findings[0];
    assert_eq!(f.message, "file is UTF-16 encoded");
    assert_eq!(f.primary.span.start, 0);
    assert_eq!(o.documents, 0);
    // The snippet shows the file as read; NUL bytes are made visible for the snapshot (see
    // `utf16_human_output_has_no_nul_bytes`).
    insta::assert_snapshot!("utf16", human_in(&o, dir.path()).replace('\0', "␀"));
}

#[test]
fn utf16_human_output_has_no_nul_bytes() {
    let dir = temp_file("utf16.yaml", &utf16le_with_bom(UTF16_DOC));
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert!(!human(&o).contains('\0'));
}

#[test]
fn non_ascii_text_before_errors_keeps_underlines_on_the_right_bytes() {
    let o = fixture("non-ascii-offsets");
    assert_eq!(
        rule_ids(&o),
        [
            rules::DUPLICATE_KEY,
            rules::SYNTAX,
            rules::SCHEMA,
            rules::SCHEMA
        ],
        "{}",
        compact(&o)
    );
    let loader = o.sources.get(o.findings[0].primary.file);
    let system = o.sources.get(o.findings[2].primary.file);
    assert!(loader.name.ends_with("loader.yaml"));
    assert!(system.name.ends_with("system.yaml"));
    assert!(!loader.text.is_ascii() && !system.text.is_ascii());

    // duplicate key: second `title`, first one after `東京 😀 – Zürich`.
    let dup = &o.findings[0];
    let second_title = loader.text.find("  title: again").unwrap() + 2;
    assert_eq!(dup.primary.span.range(), second_title..second_title + 5);
    let first_title = loader.text.find("  title: 東京").unwrap() + 2;
    assert_eq!(dup.related[0].span.range(), first_title..first_title + 5);

    // syntax error: the second `:` on `vendor: Grüezi 東京 😀: AG`.
    let colon = loader.text.find("😀: AG").unwrap() + "😀".len();
    assert_eq!(o.findings[1].primary.span.range(), colon..colon + 1);
    assert_eq!(loader.line_col(colon as u32).column, 22);

    // schema errors: the enum value and the emoji value.
    let lifecycle = system.text.find("prödüction").unwrap();
    assert_eq!(
        o.findings[2].primary.span.range(),
        lifecycle..lifecycle + "prödüction".len()
    );
    let emoji = system.text.find("tier: 😀").unwrap() + "tier: ".len();
    assert_eq!(o.findings[3].primary.span.range(), emoji..emoji + 4);
    assert_eq!(
        o.findings[3].message,
        "tier must be one of 1, 2, 3, 4, found the string `\"😀\"`"
    );

    insta::assert_snapshot!("non_ascii_offsets", human(&o));
}

#[test]
fn human_header_column_counts_characters_like_compact() {
    let o = check_paths(&[PathBuf::from(
        "testdata/fixtures/non-ascii-offsets/loader.yaml",
    )]);
    let syntax = only(&o, rules::SYNTAX);
    let at = o
        .sources
        .get(syntax.primary.file)
        .line_col(syntax.primary.span.start);
    let header = format!("loader.yaml:{}:{}]", at.line, at.column);
    assert!(human(&o).contains(&header), "{}", human(&o));
}

#[test]
fn core_typing_keeps_no_yes_on_as_strings_and_quoted_one_as_a_string() {
    let o = fixture("core-typing");
    // `NO`, `yes`, `on`, `off`, `y`, `No` are strings: fine in labels, annotations and
    // string fields. Only the quoted tier is wrong.
    assert_eq!(rule_ids(&o), [rules::SCHEMA], "{}", compact(&o));
    let f = &o.findings[0];
    assert_eq!(text_of(&o, &f.primary), "\"1\"");
    assert_eq!(
        f.message,
        "tier must be one of 1, 2, 3, 4, found the string `\"1\"`"
    );
    let root = o.estate.entities[0].root();
    assert_eq!(
        root.get_path("metadata.labels.country")
            .and_then(|n| n.as_str()),
        Some("NO")
    );
    assert_eq!(
        root.get_path("spec.capability").and_then(|n| n.as_str()),
        Some("yes")
    );
    insta::assert_snapshot!("core_typing", human(&o));
}

#[test]
fn unknown_kind_suggests_the_closest_kind() {
    let o = fixture("unknown-kind");
    let f = only(&o, rules::UNKNOWN_KIND);
    assert_eq!(o.findings.len(), 1);
    assert_eq!(text_of(&o, &f.primary), "Sytem");
    assert_eq!(f.help.as_deref(), Some("did you mean `System`?"));
    insta::assert_snapshot!("unknown_kind", human(&o));
}

#[test]
fn unsupported_api_version_is_reported_on_its_value() {
    let o = fixture("api-version");
    let f = only(&o, rules::API_VERSION);
    assert_eq!(o.findings.len(), 1);
    assert_eq!(text_of(&o, &f.primary), "estatelint/v2");
    assert!(f.help.as_deref().unwrap().contains("estatelint/v1"));
    insta::assert_snapshot!("api_version", human(&o));
}

#[test]
fn other_tools_yaml_is_passed_over() {
    let o = fixture("not-estatelint");
    assert!(o.findings.is_empty(), "{}", compact(&o));
    assert_eq!((o.files, o.documents), (2, 0));
    assert!(o.estate.entities.is_empty());
    insta::assert_snapshot!("not_estatelint", human(&o));
}

#[test]
fn every_schema_violation_of_a_document_is_reported() {
    let o = fixture("schema-errors");
    assert!(o.findings.iter().all(|f| f.rule == rules::SCHEMA));
    assert_eq!(o.findings.len(), 8, "{}", compact(&o));

    // (message part, underlined text)
    let expected = [
        ("missing required field `covers`", "spec"),
        ("exposure must be one of", "public"),
        ("unknown field `vendorr`", "vendorr"),
        ("sso must be a boolean", "maybe"),
        ("lastReview must be a date", "2026-02-30"),
        ("rpo must be a duration", "4hours"),
        ("utilization must be", "85"),
        ("dependsOn lists `erp` twice", "erp"),
    ];
    for (part, underlined) in expected {
        let f = with_message(&o, part);
        assert_eq!(text_of(&o, &f.primary), underlined, "for {part}");
    }
    assert_eq!(
        with_message(&o, "unknown field `vendorr`").help.as_deref(),
        Some("did you mean `vendor`?")
    );
    let missing = with_message(&o, "missing required field `covers`");
    assert!(file_of(&o, &missing.primary).ends_with("backup.yaml"));
    assert_eq!(missing.primary.message, "`covers` missing here");
    let repeated = with_message(&o, "twice");
    assert_eq!(line_of(&o, &repeated.primary), 19);
    assert_eq!(line_of(&o, &repeated.related[0]), 18);
    insta::assert_snapshot!("schema_errors", human(&o));
}

#[test]
fn percentage_given_as_number_asks_for_a_percentage() {
    let o = fixture("schema-errors");
    let f = with_message(&o, "utilization");
    assert!(f.message.contains("percentage"), "{}", f.message);
}

#[test]
fn missing_spec_is_reported_at_the_first_key() {
    let o = fixture("missing-spec");
    let f = only(&o, rules::SCHEMA);
    assert_eq!(o.findings.len(), 1);
    assert_eq!(
        f.message,
        "System `crm` document is missing required field `spec`"
    );
    assert_eq!(text_of(&o, &f.primary), "apiVersion");
    insta::assert_snapshot!("missing_spec", human(&o));
}

#[test]
fn duplicate_name_points_at_the_first_definition_in_the_other_file() {
    let o = fixture("duplicate-name");
    let f = only(&o, rules::DUPLICATE_NAME);
    assert_eq!(o.findings.len(), 1);
    assert_eq!(f.message, "System `crm` is defined twice");
    // Files are read in path order: crm.yaml first, legacy.yaml is the copy.
    assert!(file_of(&o, &f.primary).ends_with("legacy.yaml"));
    assert_eq!(f.related.len(), 1);
    assert!(file_of(&o, &f.related[0]).ends_with("crm.yaml"));
    assert_eq!(text_of(&o, &f.related[0]), "crm");
    assert_eq!(text_of(&o, &f.primary), "crm");
    insta::assert_snapshot!("duplicate_name", human(&o));
}

#[test]
fn unresolved_references_suggest_close_names_only() {
    let o = fixture("unresolved-reference");
    assert_eq!(o.findings.len(), 3, "{}", compact(&o));
    assert!(o
        .findings
        .iter()
        .all(|f| f.rule == rules::UNRESOLVED_REFERENCE));

    let owner = with_message(&o, "owner `platfrom-team`");
    assert_eq!(owner.help.as_deref(), Some("did you mean `platform-team`?"));
    assert_eq!(text_of(&o, &owner.primary), "platfrom-team");
    assert_eq!(text_of(&o, &owner.related[0]), "platform-team");

    let depends = with_message(&o, "dependsOn `legacy-fax-server`");
    assert!(depends.related.is_empty());
    assert_eq!(
        depends.help.as_deref(),
        Some("define a System named `legacy-fax-server`, or correct the name")
    );

    let from = with_message(&o, "from `biling-api`");
    assert_eq!(from.help.as_deref(), Some("did you mean `billing-api`?"));
    assert_eq!(text_of(&o, &from.related[0]), "billing-api");
    insta::assert_snapshot!("unresolved_reference", human(&o));
}

#[test]
fn second_organization_is_reported_with_the_first() {
    let o = fixture("multiple-organizations");
    let f = only(&o, rules::MULTIPLE_ORGANIZATIONS);
    assert_eq!(o.findings.len(), 1);
    // `acme-gmbh.yaml` sorts before `acme.yaml`, so it holds the first one.
    assert!(file_of(&o, &f.primary).ends_with("/acme.yaml"));
    assert!(file_of(&o, &f.related[0]).ends_with("/acme-gmbh.yaml"));
    assert_eq!(text_of(&o, &f.primary), "Organization");
    insta::assert_snapshot!("multiple_organizations", human(&o));
}

#[test]
fn config_exclude_skips_matching_files() {
    let o = fixture("config");
    assert!(o.findings.is_empty(), "{}", compact(&o));
    let names = file_names(&o);
    assert!(names.iter().all(|n| !n.contains("ignored/")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("config/system.yaml")));
    assert_eq!(o.documents, 1);
    insta::assert_snapshot!("config", human(&o));
}

#[test]
fn config_with_unknown_key_is_fatal_with_a_suggestion() {
    let fatal = check::run(&CheckOptions {
        paths: vec![PathBuf::from("testdata/fixtures/config-invalid")],
        ..Default::default()
    })
    .expect_err("an invalid config stops the run");
    assert!(fatal.message.starts_with("invalid config"));
    assert!(fatal.message.contains("config-invalid/estatelint.yaml"));
    assert_eq!(fatal.findings.len(), 1);
    let f = &fatal.findings[0];
    assert_eq!(f.rule, "estatelint/config");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("unknown field `exlude`"),
        "{}",
        f.message
    );
    assert_eq!(f.help.as_deref(), Some("did you mean `exclude`?"));
    assert_eq!(line_of_fatal(&fatal), 2);
    let cwd = estatelint::discover::slash_path(&std::env::current_dir().unwrap());
    let rendered = format!(
        "error: {}\n{}",
        fatal.message,
        report::render_finding(&fatal.sources, f, false)
    )
    .replace(&format!("{cwd}/"), "");
    insta::assert_snapshot!("config_invalid", rendered);
}

fn line_of_fatal(fatal: &estatelint::diag::Fatal) -> usize {
    let f = &fatal.findings[0];
    fatal
        .sources
        .get(f.primary.file)
        .line_col(f.primary.span.start)
        .line
}

#[test]
fn config_unknown_key_is_underlined_on_the_key() {
    let fatal = check::run(&CheckOptions {
        paths: vec![PathBuf::from("testdata/fixtures/config-invalid")],
        ..Default::default()
    })
    .expect_err("an invalid config stops the run");
    let f = &fatal.findings[0];
    let text = &fatal.sources.get(f.primary.file).text;
    assert_eq!(&text[f.primary.span.range()], "exlude");
}

#[test]
fn config_found_upward_is_named_relative_to_the_working_folder() {
    let fatal = check::run(&CheckOptions {
        paths: vec![PathBuf::from("testdata/fixtures/config-invalid")],
        ..Default::default()
    })
    .expect_err("an invalid config stops the run");
    assert_eq!(
        fatal.message,
        "invalid config `testdata/fixtures/config-invalid/estatelint.yaml`"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn hidden_and_vcs_folders_are_not_checked() {
    // The committed fixture has `.hidden/`; a folder named `.git` cannot be committed, so the
    // test copies the fixture to a temporary folder and adds one.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("testdata/fixtures/hidden-and-vcs"), dir.path());
    std::fs::write(dir.path().join("estatelint.yaml"), CORE_ONLY).unwrap();
    let git = dir.path().join(".git");
    std::fs::create_dir_all(&git).unwrap();
    std::fs::copy(
        "testdata/fixtures/hidden-and-vcs/.hidden/system.yaml",
        git.join("config.yaml"),
    )
    .unwrap();
    assert!(dir.path().join(".hidden/system.yaml").is_file());

    let o = check_paths(&[dir.path().to_path_buf()]);
    assert!(o.findings.is_empty(), "{}", compact(&o));
    let names = file_names(&o);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("/system.yaml"));
    assert!(!names[0].contains(".hidden") && !names[0].contains(".git"));

    let committed = fixture("hidden-and-vcs");
    assert!(committed.findings.is_empty());
    assert_eq!(committed.files, 1);
    insta::assert_snapshot!("hidden_and_vcs", human(&committed));
}

#[test]
fn unreadable_encoding_in_one_file_does_not_hide_another_files_errors() {
    let dir = temp_file("latin1.yaml", b"apiVersion: estatelint/v1\nkind: \xff\n");
    std::fs::write(
        dir.path().join("system.yaml"),
        "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec:\n  tier: 9\n",
    )
    .unwrap();
    let o = check_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rule_ids(&o), [rules::ENCODING, rules::SCHEMA]);
    assert_eq!(o.files, 2);
}

#[test]
fn example_estate() {
    // Time-based rules read today: pinned, so the snapshot does not change with the calendar.
    let o = check::run(&CheckOptions {
        paths: vec![PathBuf::from("testdata/example")],
        today: estatelint::value::Date::parse("2026-11-23"),
        ..Default::default()
    })
    .unwrap_or_else(|fatal| panic!("check failed: {}", fatal.message));
    assert!(!o.findings.is_empty());
    // Every pack is represented.
    for pack in ["continuity/", "security/", "scalability/", "ownership/"] {
        assert!(
            o.findings.iter().any(|f| f.rule.starts_with(pack)),
            "{pack}"
        );
    }
    insta::assert_snapshot!("example", human(&o));
}

#[test]
fn same_file_related_label_does_not_lead_or_swallow_the_snippet() {
    let o = fixture("unresolved-reference");
    let owner = with_message(&o, "owner `platfrom-team`");
    let drawn = report::render_finding(&o.sources, owner, false);
    let first_header = drawn.lines().find(|l| l.contains("╭─[")).unwrap();
    assert!(
        first_header.ends_with("estate.yaml:13:10]"),
        "the first snippet should be the primary one:\n{drawn}"
    );
    let from = with_message(&o, "from `biling-api`");
    let drawn = report::render_finding(&o.sources, from, false);
    assert!(
        !drawn.contains(" 17 │"),
        "lines between the two labels should not be drawn:\n{drawn}"
    );
}
