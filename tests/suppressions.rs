//! Inline suppressions end to end: `# estatelint-ignore RULE[, RULE] [until DATE] -- reason` on
//! the line above a node or at the end of its line, `# estatelint-ignore-file`, and the findings
//! about suppressions themselves (no reason, expired, unused, unknown rule).
//!
//! Each test checks a fixture under `testdata/suppressions/` (whose `estatelint.yaml` turns on
//! only the rules the fixtures exercise) through `check::run` or the binary, with today pinned
//! to 2026-11-23, and asserts the rules reported and the exact text each finding underlines.

use std::path::PathBuf;

use estatelint::check::{self, CheckOptions, Outcome};
use estatelint::diag::{Finding, Severity};
use estatelint::value::Date;
use serde_json::Value as Json;

const TODAY: &str = "2026-11-23";

const UNUSED: &str = "estatelint/unused-suppression";
const NO_REASON: &str = "estatelint/suppression-reason";
const EXPIRED: &str = "estatelint/expired-suppression";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(format!("testdata/suppressions/{name}"))
}

/// `check::run` on a fixture, today pinned, options adjusted by `tweak`.
fn check_with(name: &str, tweak: impl FnOnce(&mut CheckOptions)) -> Outcome {
    let mut opts = CheckOptions {
        paths: vec![fixture(name)],
        today: Date::parse(TODAY),
        ..Default::default()
    };
    tweak(&mut opts);
    check::run(&opts).unwrap_or_else(|fatal| panic!("check failed: {}", fatal.message))
}

fn check(name: &str) -> Outcome {
    check_with(name, |_| {})
}

fn check_without_suppressions(name: &str) -> Outcome {
    check_with(name, |o| o.no_suppressions = true)
}

/// The text a finding underlines.
fn underlined<'a>(o: &'a Outcome, f: &Finding) -> &'a str {
    &o.sources.get(f.primary.file).text[f.primary.span.range()]
}

/// Every finding as (rule, underlined text), in output order.
fn found(o: &Outcome) -> Vec<(&str, &str)> {
    o.findings
        .iter()
        .map(|f| (f.rule.as_str(), underlined(o, f)))
        .collect()
}

fn only<'a>(o: &'a Outcome, rule: &str) -> &'a Finding {
    let matching: Vec<&Finding> = o.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {rule} finding: {:?}",
        found(o)
    );
    matching[0]
}

fn is_about_suppressions(rule: &str) -> bool {
    rule.ends_with("-suppression") || rule == NO_REASON
}

mod common;
use common::run;

// ---------------------------------------------------------------------------------------------
// Where a suppression applies

#[test]
fn comment_above_covers_the_node_and_its_subtree_not_the_sibling_after() {
    let all = check_without_suppressions("above");
    assert_eq!(
        found(&all),
        [
            ("estatelint/schema", "secret"),
            ("estatelint/schema", "0"),
            ("scalability/seat-headroom", "10"),
            ("scalability/utilization", "91%"),
        ]
    );
    let o = check("above");
    // `data:` is covered down to `classification`, `capacity:` down to `utilization`; the
    // sibling `tier` after `data`, and other rules under `capacity`, are not.
    assert_eq!(
        found(&o),
        [
            ("estatelint/schema", "0"),
            ("scalability/seat-headroom", "10")
        ]
    );
    assert_eq!(o.suppressed, 2);
}

#[test]
fn end_of_line_comment_covers_the_node_on_its_line() {
    let all = check_without_suppressions("end-of-line");
    assert_eq!(
        found(&all),
        [
            ("estatelint/schema", "0"),
            ("estatelint/schema", "live"),
            ("scalability/seat-headroom", "10"),
            ("scalability/utilization", "91%"),
        ]
    );
    // `tier: 0 # ...` covers `tier` only (not `lifecycle` on the next line); `capacity: # ...`
    // covers the mapping under it.
    let o = check("end-of-line");
    assert_eq!(found(&o), [("estatelint/schema", "live")]);
    assert_eq!(o.suppressed, 3);
}

#[test]
fn several_rules_in_one_comment_stacked_comments_and_pack_patterns() {
    let all = check_without_suppressions("several-rules");
    let mut rules: Vec<&str> = all.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        [
            "scalability/seat-headroom",
            "scalability/seat-headroom",
            "scalability/utilization",
            "scalability/utilization",
            "security/integration-auth",
            "security/integration-transport",
        ]
    );
    let o = check("several-rules");
    assert_eq!(found(&o), [], "every suppression is used");
    assert_eq!(o.suppressed, 6);
}

#[test]
fn ignore_file_covers_every_document_of_its_file_and_no_other_file() {
    let o = check("ignore-file");
    let located: Vec<(&str, &str, &str)> = o
        .findings
        .iter()
        .map(|f| {
            (
                o.sources.get(f.primary.file).name.as_str(),
                f.rule.as_str(),
                underlined(&o, f),
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            (
                "testdata/suppressions/ignore-file/ignored.yaml",
                "estatelint/schema",
                "0"
            ),
            (
                "testdata/suppressions/ignore-file/other.yaml",
                "scalability/utilization",
                "93%"
            ),
        ]
    );
    assert_eq!(o.suppressed, 2, "`nas-a` and `nas-b`, in two documents");
}

#[test]
fn core_findings_can_be_suppressed() {
    let all = check_without_suppressions("core");
    assert_eq!(
        found(&all),
        [
            ("estatelint/unresolved-reference", "sales-ops"),
            ("estatelint/schema", "0"),
            ("estatelint/schema", "function"),
        ]
    );
    let o = check("core");
    assert_eq!(found(&o), []);
    assert_eq!(o.suppressed, 3);
}

// ---------------------------------------------------------------------------------------------
// Findings about suppressions

#[test]
fn suppression_without_a_reason_still_suppresses_and_is_reported_on_the_comment() {
    let o = check("reason");
    assert_eq!(o.suppressed, 2);
    assert_eq!(
        found(&o),
        [
            (NO_REASON, "# estatelint-ignore scalability/utilization"),
            (NO_REASON, "# estatelint-ignore scalability/utilization --"),
        ]
    );
    for f in &o.findings {
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.message, "suppression without a reason");
        assert_eq!(f.primary.message, "why?");
        assert!(f.help.as_deref().unwrap().contains("after `--`"));
    }
}

#[test]
fn until_in_the_future_suppresses_until_in_the_past_does_not() {
    let o = check("expiry");
    assert_eq!(
        found(&o),
        [
            ("scalability/utilization", "92%"),
            (
                EXPIRED,
                "# estatelint-ignore scalability/utilization until 2026-10-31 -- NAS upgrade in October"
            ),
        ]
    );
    let expired = only(&o, EXPIRED);
    assert_eq!(expired.severity, Severity::Warning);
    assert_eq!(expired.message, "suppression expired on 2026-10-31");
    assert_eq!(expired.primary.message, "expired");
    // `nas-future` (until 2027-03-31) and `nas-today` (until today: still in force).
    assert_eq!(o.suppressed, 2);
    assert!(
        !o.findings.iter().any(|f| f.rule == UNUSED),
        "an expired suppression is not also unused"
    );

    // A day later the one that ran until 2026-11-23 has expired too.
    let tomorrow = check_with("expiry", |opts| opts.today = Date::parse("2026-11-24"));
    let expired: Vec<&str> = tomorrow
        .findings
        .iter()
        .filter(|f| f.rule == EXPIRED)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        expired,
        [
            "suppression expired on 2026-10-31",
            "suppression expired on 2026-11-23"
        ]
    );
    assert_eq!(tomorrow.suppressed, 1);

    // And the clock is not read when --today is given: the same through the binary.
    let r = run([
        "check",
        "testdata/suppressions/expiry",
        "--today",
        "2027-04-01",
        "--format",
        "compact",
    ]);
    assert_eq!(
        r.stdout.matches("[estatelint/expired-suppression]").count(),
        3,
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("[scalability/utilization]").count(),
        3,
        "{}",
        r.stdout
    );
}

#[test]
fn suppression_that_suppresses_nothing_is_reported_on_each_rule_id() {
    let o = check("unused");
    assert_eq!(o.suppressed, 0);
    assert_eq!(
        found(&o),
        [
            (UNUSED, "scalability/seat-headroom"),
            (UNUSED, "scalability/utilization"),
            (UNUSED, "security/integration-auth"),
        ]
    );
    let messages: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "suppression of `scalability/seat-headroom` suppresses nothing",
            "suppression of `scalability/utilization` suppresses nothing",
            "suppression of `security/integration-auth` suppresses nothing",
        ]
    );
    for f in &o.findings {
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.primary.message, "unused");
        assert_eq!(
            f.help.as_deref(),
            Some("remove it: the problem it hid is gone")
        );
    }
    // Warnings only: the default gate (error) passes.
    let r = run(["check", "testdata/suppressions/unused", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn suppression_naming_an_unknown_rule_is_unused_with_a_did_you_mean() {
    let o = check("unknown-rule");
    assert_eq!(o.suppressed, 0);
    assert_eq!(
        found(&o),
        [
            ("scalability/utilization", "91%"),
            (UNUSED, "scalability/utilisation"),
        ]
    );
    let f = only(&o, UNUSED);
    assert_eq!(
        f.message,
        "suppression names unknown rule `scalability/utilisation`"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("did you mean `scalability/utilization`?")
    );
}

#[test]
fn unknown_rule_beside_a_used_one_is_still_reported() {
    // `# estatelint-ignore scalability/utilization, scalability/seat-headrom -- ...`: the first
    // rule is used, so suppress::apply skips the whole comment and the typo goes unnoticed while
    // the seat-headroom warning it was meant to hide is shown.
    let o = check("unknown-rule-beside-used");
    assert_eq!(o.suppressed, 1);
    let f = only(&o, UNUSED);
    assert_eq!(underlined(&o, f), "scalability/seat-headrom");
    assert_eq!(
        f.message,
        "suppression names unknown rule `scalability/seat-headrom`"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("did you mean `scalability/seat-headroom`?")
    );
}

#[test]
fn suppressing_a_rule_the_config_turns_off_is_not_an_unknown_rule() {
    // testdata/suppressions/rule-off/estatelint.yaml turns scalability/seat-headroom off (via
    // `"*": off`); the suppression of it is reported as "suppression names unknown rule
    // `scalability/seat-headroom`" with the help "`estatelint rules` lists the rule ids", which
    // does list it. `known` in check::run only holds the rules enabled somewhere.
    let o = check("rule-off");
    for f in &o.findings {
        assert!(
            !f.message.contains("unknown rule"),
            "{}: {}",
            f.rule,
            f.message
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Strings are not comments

#[test]
fn hash_right_after_a_quote_is_not_a_suppression() {
    let o = check("quoted");
    assert!(
        o.findings
            .iter()
            .any(|f| f.rule == "scalability/utilization" && underlined(&o, f) == "94%"),
        "`nas-d`'s warning is reported: {:?}",
        found(&o)
    );
}

#[test]
fn hash_inside_a_string_is_not_a_suppression() {
    // suppress::comment_marker only asks that `#` follow white space; it does not know whether
    // the `#` is inside a quoted scalar or a block scalar. In the fixture `nas-a`'s title yields
    // an unused-suppression warning, `nas-b`'s quoted vendor (in a flow mapping) hides its
    // utilization warning, and the last line of `nas-c`'s literal block scalar hides the `spec`
    // after it, silently.
    let o = check("quoted");
    assert_eq!(
        found(&o),
        [
            ("scalability/utilization", "91%"),
            ("scalability/utilization", "92%"),
            ("scalability/utilization", "93%"),
            ("scalability/utilization", "94%"),
        ]
    );
    assert_eq!(o.suppressed, 0);
}

// ---------------------------------------------------------------------------------------------
// --no-suppressions, counts, human output

#[test]
fn no_suppressions_shows_everything_and_reports_nothing_about_suppressions() {
    let o = check_without_suppressions("mixed");
    assert_eq!(
        found(&o),
        [
            ("estatelint/schema", "0"),
            ("scalability/seat-headroom", "10"),
            ("scalability/utilization", "91%"),
            ("security/integration-transport", "http"),
        ]
    );
    assert_eq!(o.suppressed, 0);

    let r = run([
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--no-suppressions",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    let report: Json = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.iter().any(|r| is_about_suppressions(r)), "{rules:?}");
    assert_eq!(rules.len(), 4);
    assert_eq!(report["summary"]["suppressed"], 0);

    let human = run([
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--no-suppressions",
        "--color",
        "never",
    ]);
    assert!(
        human
            .stdout
            .ends_with("found 4 problems (2 errors, 2 warnings) in 1 file (3 documents)\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn suppressed_count_in_the_human_summary_and_in_json() {
    let human = run([
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--color",
        "never",
    ]);
    assert_eq!(human.code, 1, "the transport error is not suppressed");
    assert!(human.stderr.is_empty(), "{}", human.stderr);
    assert!(
        human.stdout.ends_with(
            "found 6 problems (1 error, 5 warnings) in 1 file (3 documents); 2 suppressed\n"
        ),
        "{}",
        human.stdout
    );

    let json = run([
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let report: Json = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["summary"]["suppressed"], 2);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 5);
    assert_eq!(report["findings"].as_array().unwrap().len(), 6);

    // Everything suppressed: the summary still says what was hidden.
    let clean = run([
        "check",
        "testdata/suppressions/several-rules",
        "--today",
        TODAY,
        "--color",
        "never",
    ]);
    assert_eq!(clean.code, 0);
    assert_eq!(
        clean.stdout,
        "no problems found in 1 file (3 documents); 6 suppressed\n"
    );
}

#[test]
fn mixed_fixture_spans_and_human_output() {
    let o = check("mixed");
    assert_eq!(
        found(&o),
        [
            (NO_REASON, "# estatelint-ignore scalability/seat-headroom"),
            ("scalability/utilization", "91%"),
            (
                EXPIRED,
                "# estatelint-ignore scalability/utilization until 2026-10-31 -- NAS upgrade"
            ),
            (UNUSED, "scalability/utilization"),
            ("security/integration-transport", "http"),
            (UNUSED, "security/integration-transprot"),
        ]
    );
    assert_eq!(
        o.findings[5].help.as_deref(),
        Some("did you mean `security/integration-transport`?")
    );

    let r = run([
        "check",
        "testdata/suppressions/mixed",
        "--today",
        TODAY,
        "--color",
        "never",
    ]);
    insta::assert_snapshot!("mixed", r.stdout);
}
