//! The rule engine, driven through the library: each check of the library, each kind of `where`
//! condition, parameter resolution and determinism. Every test builds a small pack from a YAML
//! string, lints a small estate held in memory as of 2026-01-01, and asserts the exact text each
//! finding underlines, its caption, its related labels and its rendered message.

use std::path::PathBuf;
use std::sync::Arc;

use estatelint::check::{lint, Input, Outcome};
use estatelint::diag::{Finding, Severity};
use estatelint::engine::{Helps, ParamOverride};
use estatelint::pack::{Packs, Rule};
use estatelint::source::Span;
use estatelint::value::Date;
use estatelint::yaml::{Node, Value};

// ---------------------------------------------------------------------------------------------
// Helpers

const TODAY: &str = "2026-01-01";

/// Strips the common indentation of `s` (and a leading newline), so YAML can be written
/// indented in the test source.
fn dedent(s: &str) -> String {
    let s = s.strip_prefix('\n').unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in s.lines() {
        out.push_str(line.get(indent..).unwrap_or_else(|| line.trim_start()));
        out.push('\n');
    }
    out
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    dedent(s)
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// One rule of pack `t`: `body` holds `select`, `check`, `message` (and optionally `severity`,
/// `help`); the keys every rule needs (summary, docs, examples) are added.
fn rule(id: &str, body: &str) -> String {
    let mut out = format!("  - id: {id}\n");
    if !body.contains("severity:") {
        out.push_str("    severity: error\n");
    }
    out.push_str("    summary: a test rule\n");
    out.push_str(
        "    docs: \"## What it checks\\nx\\n## Why it matters\\ny\\n## How to fix\\nz\\n\"\n",
    );
    out.push_str("    examples: {valid: [\"x\"], invalid: [\"y\"]}\n");
    out.push_str(&indent(body, 4));
    out
}

/// Pack `t` with `parameters` (a YAML mapping body, may be empty) and `rules`.
fn pack_text(parameters: &str, rules: &[String]) -> String {
    let mut out = String::from("apiVersion: estatelint/v1\nkind: RulePack\nmetadata: {name: t}\n");
    if !parameters.trim().is_empty() {
        out.push_str("parameters:\n");
        out.push_str(&indent(parameters, 2));
    }
    out.push_str("rules:\n");
    for r in rules {
        out.push_str(r);
    }
    out
}

/// Loads the pack; any error fails the test, rendered.
fn packs(text: &str) -> Packs {
    let mut packs = Packs::default();
    let errors = packs.add(
        PathBuf::from("t.yaml"),
        "t.yaml".into(),
        Arc::from(text),
        false,
    );
    if !errors.is_empty() {
        let rendered: Vec<String> = errors
            .iter()
            .map(|f| estatelint::report::render_finding(&packs.sources, f, false))
            .collect();
        panic!("pack does not load:\n{}\n{text}", rendered.join("\n"));
    }
    packs
}

fn pack(parameters: &str, rules: &[String]) -> Packs {
    packs(&pack_text(parameters, rules))
}

/// An estate document: `meta` is the inside of `metadata: {...}`, `spec` a flow mapping.
fn ent(kind: &str, meta: &str, spec: &str) -> String {
    format!("apiVersion: estatelint/v1\nkind: {kind}\nmetadata: {{{meta}}}\nspec: {spec}\n")
}

fn sys(name: &str, spec: &str) -> String {
    ent("System", &format!("name: {name}"), spec)
}

fn owner(name: &str, spec: &str) -> String {
    ent("Owner", &format!("name: {name}"), spec)
}

fn backup(name: &str, spec: &str) -> String {
    ent("Backup", &format!("name: {name}"), spec)
}

fn org(spec: &str) -> String {
    ent("Organization", "name: example-co", spec)
}

/// A multi-document file of `docs`.
fn estate(docs: &[String]) -> String {
    docs.join("---\n")
}

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

fn lint_with(packs: &Packs, text: &str, overrides: &[ParamOverride]) -> Outcome {
    let rules: Vec<&Rule> = packs.rules().collect();
    lint(
        vec![Input::Text {
            path: PathBuf::from("estate.yaml"),
            name: "estate.yaml".into(),
            text: Arc::from(text),
        }],
        packs,
        &rules,
        overrides,
        today(),
        Helps::Worded,
        false,
    )
}

/// A finding as the tests look at it: what is underlined, where, and the words.
#[derive(Debug, Clone, PartialEq)]
struct F {
    rule: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    /// The underlined text.
    text: String,
    /// 1-based line of the underline's start.
    line: usize,
    caption: String,
    /// (underlined text, line, caption) of each related label.
    related: Vec<(String, usize, String)>,
}

fn view(o: &Outcome, f: &Finding) -> F {
    let at = |file, span: Span| {
        let src = o.sources.get(file);
        (
            src.text[span.range()].to_string(),
            src.line_col(span.start).line,
        )
    };
    let (text, line) = at(f.primary.file, f.primary.span);
    F {
        rule: f.rule.to_string(),
        severity: f.severity,
        message: f.message.clone(),
        help: f.help.as_deref().map(String::from),
        text,
        line,
        caption: f.primary.message.clone(),
        related: f
            .related
            .iter()
            .map(|r| {
                let (t, l) = at(r.file, r.span);
                (t, l, r.message.clone())
            })
            .collect(),
    }
}

fn all_findings(o: &Outcome) -> Vec<F> {
    o.findings.iter().map(|f| view(o, f)).collect()
}

/// Lints `text` and returns the findings, failing on any finding of the core linter (the
/// estates here are meant to be clean apart from what the rules find).
fn run(packs: &Packs, text: &str) -> Vec<F> {
    run_with(packs, text, &[])
}

fn run_with(packs: &Packs, text: &str, overrides: &[ParamOverride]) -> Vec<F> {
    let o = lint_with(packs, text, overrides);
    let all = all_findings(&o);
    let core: Vec<&F> = all
        .iter()
        .filter(|f| f.rule.starts_with("estatelint/"))
        .collect();
    assert!(
        core.is_empty(),
        "unexpected core findings: {core:#?}\n{text}"
    );
    all
}

/// (underlined text, caption, message) of each finding: the usual assertion.
fn tcm(fs: &[F]) -> Vec<(&str, &str, &str)> {
    fs.iter()
        .map(|f| (f.text.as_str(), f.caption.as_str(), f.message.as_str()))
        .collect()
}

fn int(n: i64) -> Node {
    Node {
        span: Span::default(),
        value: Value::Int(n),
    }
}

// ---------------------------------------------------------------------------------------------
// required

#[test]
fn required_passes_when_every_path_is_present() {
    let p = pack(
        "",
        &[rule(
            "r",
            r#"
            select: {kind: System}
            check: {required: [spec.owner, spec.continuity.rpo]}
            message: "`{metadata.name}` lacks {missing}"
            "#,
        )],
    );
    let e = estate(&[
        owner("ann", "{type: person}"),
        sys("crm", "{owner: ann, continuity: {rpo: 1h}}"),
    ]);
    assert_eq!(run(&p, &e), vec![]);
}

#[test]
fn required_underlines_the_deepest_existing_key_of_each_missing_path() {
    let p = pack(
        "",
        &[rule(
            "r",
            r#"
            select: {kind: System}
            check: {required: [spec.owner, spec.continuity.rpo]}
            message: "`{metadata.name}` lacks {missing}"
            help: "add `{missing}`"
            "#,
        )],
    );
    let e = estate(&[sys("crm", "{continuity: {rto: 4h}}")]);
    let fs = run(&p, &e);
    assert_eq!(
        tcm(&fs),
        [
            ("spec", "`spec.owner` missing", "`crm` lacks spec.owner"),
            (
                "continuity",
                "`spec.continuity.rpo` missing",
                "`crm` lacks spec.continuity.rpo"
            ),
        ]
    );
    assert_eq!(fs[0].help.as_deref(), Some("add `spec.owner`"));
    assert_eq!(fs[0].rule, "t/r");
    assert_eq!(fs[0].severity, Severity::Error);
}

#[test]
fn helps_are_worded_unless_omitted() {
    // Two rules: a help with a placeholder (worded per finding), one without (shared).
    let p = pack(
        "",
        &[
            rule(
                "worded",
                r#"
            select: {kind: System}
            check: {required: [spec.owner]}
            message: "`{metadata.name}` has no owner"
            help: "give `{metadata.name}` an owner"
            "#,
            ),
            rule(
                "shared",
                r#"
            select: {kind: System}
            check: {required: [spec.tier]}
            message: "`{metadata.name}` has no tier"
            help: "set a tier"
            "#,
            ),
        ],
    );
    let e = estate(&[sys("crm", "{}")]);
    let rules: Vec<&Rule> = p.rules().collect();
    let helps = |helps| {
        let input = Input::Text {
            path: PathBuf::from("estate.yaml"),
            name: "estate.yaml".into(),
            text: Arc::from(e.as_str()),
        };
        let o = lint(vec![input], &p, &rules, &[], today(), helps, false);
        o.findings
            .iter()
            .map(|f| (f.rule.to_string(), f.help.as_deref().map(String::from)))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        helps(Helps::Worded),
        [
            ("t/shared".to_string(), Some("set a tier".to_string())),
            (
                "t/worded".to_string(),
                Some("give `crm` an owner".to_string())
            ),
        ]
    );
    assert_eq!(
        helps(Helps::Omitted),
        [
            ("t/shared".to_string(), None),
            ("t/worded".to_string(), None)
        ]
    );
}

#[test]
fn messages_name_the_entity_and_its_target_as_written() {
    // `{metadata.name}` is read from what the entity keeps; a name that is no string (a
    // schema error, but the entity is still checked) is read from the document as written,
    // and `{target.metadata.name}` is the referenced entity's.
    let p = pack(
        "",
        &[rule(
            "named",
            r#"
            select: {kind: System}
            check: {required: [spec.tier]}
            message: "`{metadata.name}` needs `{target.metadata.name}`, has no tier"
            "#,
        )],
    );
    let e = estate(&[
        sys("crm", "{dependsOn: [erp]}"),
        sys("erp", "{tier: 1}"),
        sys("'007'", "{}"),
        sys("42", "{}"),
    ]);
    let o = lint_with(&p, &e, &[]);
    let messages: Vec<String> = all_findings(&o)
        .into_iter()
        .filter(|f| f.rule == "t/named")
        .map(|f| f.message)
        .collect();
    assert_eq!(
        messages,
        [
            "`crm` needs `(none)`, has no tier",
            "`007` needs `(none)`, has no tier",
            "`42` needs `(none)`, has no tier",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// pattern

fn cost_centre_pack() -> Packs {
    pack(
        "",
        &[rule(
            "cc",
            r#"
            severity: warning
            select: {kind: System}
            check:
              pattern: {field: metadata.labels.cost-centre, regex: "^[0-9]{4}$"}
            message: "`{metadata.name}` has cost-centre {value}"
            help: "use four digits, not `{value}`"
            "#,
        )],
    )
}

#[test]
fn pattern_passes_matching_and_absent_values() {
    let e = estate(&[
        ent("System", "name: crm, labels: {cost-centre: \"4100\"}", "{}"),
        sys("erp", "{}"),
    ]);
    assert_eq!(run(&cost_centre_pack(), &e), vec![]);
}

#[test]
fn pattern_underlines_the_value_that_does_not_match() {
    let e = estate(&[ent(
        "System",
        "name: crm, labels: {cost-centre: sales}",
        "{}",
    )]);
    let fs = run(&cost_centre_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "sales",
            "does not match `^[0-9]{4}$`",
            "`crm` has cost-centre sales"
        )]
    );
    assert_eq!(fs[0].severity, Severity::Warning);
    assert_eq!(fs[0].help.as_deref(), Some("use four digits, not `sales`"));
}

fn plain_http_pack() -> Packs {
    pack(
        "",
        &[rule(
            "http",
            r#"
            select: {kind: System}
            check:
              pattern: {field: "spec.**", regex: "^http://", forbid: true}
            message: "`{metadata.name}`: {field} is plain http ({value})"
            "#,
        )],
    )
}

#[test]
fn pattern_forbid_passes_when_nothing_matches_at_any_depth() {
    let e = estate(&[sys(
        "crm",
        "{vendor: acme, continuity: {runbook: \"https://wiki.example.com/rb\"}}",
    )]);
    assert_eq!(run(&plain_http_pack(), &e), vec![]);
}

#[test]
fn pattern_forbid_with_double_star_underlines_every_match_at_any_depth() {
    let e = estate(&[sys(
        "crm",
        "{vendor: \"http://x.io\", continuity: {runbook: \"http://wiki.example.com/rb\"}}",
    )]);
    let fs = run(&plain_http_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [
            (
                "\"http://x.io\"",
                "matches a forbidden pattern",
                "`crm`: vendor is plain http (http://x.io)"
            ),
            (
                "\"http://wiki.example.com/rb\"",
                "matches a forbidden pattern",
                // `{value}` is shortened past 12 characters.
                "`crm`: runbook is plain http (http://w…)"
            ),
        ]
    );
}

fn forbid_everywhere_pack(regex: &str) -> Packs {
    pack(
        "",
        &[rule(
            "everywhere",
            &format!(
                r#"
            select: {{kind: "*"}}
            check:
              pattern: {{field: "**", regex: '{regex}', forbid: true}}
            message: "{{field}} of `{{metadata.name}}`"
            "#
            ),
        )],
    )
}

#[test]
fn pattern_forbid_over_everything_finds_an_anchored_match_in_any_scalar() {
    // `^` is the start of each value: a search of the document's strings joined would see
    // only the first string's start, so this pattern is searched value by value.
    let e = estate(&[
        sys(
            "crm",
            "{vendor: \"see http://x.io\", continuity: {runbook: \"http://wiki\"}}",
        ),
        sys("erp", "{vendor: \"see http://x.io\"}"),
    ]);
    let fs = run(&forbid_everywhere_pack("^http://"), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "\"http://wiki\"",
            "matches a forbidden pattern",
            "runbook of `crm`"
        )]
    );
}

#[test]
fn pattern_forbid_over_everything_keeps_word_boundaries_at_each_value() {
    // `\b` holds at each value's edges and nowhere inside a word, joined or not.
    let e = estate(&[
        ent(
            "System",
            "name: crm, labels: {a: \"a tok\", b: en, c: \"token\"}",
            "{vendor: acme}",
        ),
        ent(
            "System",
            "name: erp, labels: {a: tokens, b: atoken, c: \"tok\", d: en}",
            "{vendor: acme}",
        ),
    ]);
    let fs = run(&forbid_everywhere_pack(r"\btoken\b"), &e);
    assert_eq!(
        tcm(&fs),
        [("\"token\"", "matches a forbidden pattern", "c of `crm`")]
    );
}

#[test]
fn pattern_forbid_over_everything_agrees_searched_ahead_or_walked() {
    // A top-level forbidden pattern over whole documents, joinable (no `^`, `$` or the like),
    // is searched while the file is read
    // (`checks::DocScan`); the same pattern inside `all` is searched in the rules phase by
    // walking each tape; a file with an alias is read through the tree and searched from its
    // tapes. All three find the same values, numbers included (a key that matches makes its
    // document searched value by value, and no value there matches).
    let packs = pack(
        "",
        &[
            rule(
                "ahead",
                r#"
            select: {kind: "*"}
            check: {pattern: {field: "**", regex: 's3cr3t|2345', forbid: true}}
            message: "{field} of `{metadata.name}`"
            "#,
            ),
            rule(
                "walked",
                r#"
            select: {kind: "*"}
            check: {all: [{pattern: {field: "**", regex: 's3cr3t|2345', forbid: true}}]}
            message: "{field} of `{metadata.name}`"
            "#,
            ),
        ],
    );
    let docs = [
        ent("System", "name: crm, labels: {s3cr3t: x}", "{vendor: acme}"),
        sys("erp", "{vendor: acme, capacity: {seats: 12345}}"),
        sys("hr", "{vendor: \"a s3cr3t here\"}"),
        sys("ops", "{vendor: acme}"),
    ];
    let found = |text: &str| {
        let fs = run(&packs, text);
        let by = |id: &str| -> Vec<(String, String)> {
            fs.iter()
                .filter(|f| f.rule.ends_with(id))
                .map(|f| (f.text.clone(), f.message.clone()))
                .collect()
        };
        let (ahead, walked) = (by("/ahead"), by("/walked"));
        assert_eq!(ahead, walked, "{text}");
        ahead
    };
    let expected = [
        ("12345", "seats of `erp`"),
        ("\"a s3cr3t here\"", "vendor of `hr`"),
    ]
    .map(|(t, m)| (t.to_string(), m.to_string()));
    assert_eq!(found(&estate(&docs)), expected);
    // An anchor and its alias send the file through the tree.
    let aliased = estate(&docs).replace(
        "vendor: acme, capacity",
        "vendor: &v acme, capability: *v, capacity",
    );
    assert_ne!(aliased, estate(&docs));
    assert_eq!(found(&aliased), expected);
}

#[test]
fn pattern_with_double_star_reports_a_list_item_once() {
    let e = estate(&[sys(
        "crm",
        "{hosting: {provider: aws, regions: [\"http://r\"]}}",
    )]);
    let fs = run(&plain_http_pack(), &e);
    assert_eq!(fs.len(), 1, "{fs:#?}");
}

// ---------------------------------------------------------------------------------------------
// enum

fn provider_pack() -> Packs {
    pack(
        "",
        &[rule(
            "provider",
            r#"
            select: {kind: System}
            check: {enum: {field: spec.hosting.provider, values: [aws, azure, gcp]}}
            message: "`{metadata.name}` is hosted by {value}"
            "#,
        )],
    )
}

#[test]
fn enum_passes_a_listed_value() {
    let e = estate(&[sys("crm", "{hosting: {provider: azure, regions: [x]}}")]);
    assert_eq!(run(&provider_pack(), &e), vec![]);
}

#[test]
fn enum_underlines_a_value_not_listed() {
    let e = estate(&[sys("crm", "{hosting: {provider: hetzner, regions: [x]}}")]);
    assert_eq!(
        tcm(&run(&provider_pack(), &e)),
        [(
            "hetzner",
            "not one of aws, azure, gcp",
            "`crm` is hosted by hetzner"
        )]
    );
}

#[test]
fn enum_compares_numbers_by_value() {
    let p = pack(
        "",
        &[rule(
            "tier",
            r#"
            select: {kind: System}
            check: {enum: {field: spec.tier, values: [1, 2]}}
            message: "tier {value}"
            "#,
        )],
    );
    let e = estate(&[sys("a", "{tier: 2}"), sys("b", "{tier: 3}")]);
    assert_eq!(tcm(&run(&p, &e)), [("3", "not one of 1, 2", "tier 3")]);
}

// ---------------------------------------------------------------------------------------------
// compare

fn compare_pack(check: &str) -> Packs {
    pack(
        r#"
        utilizationMax: {type: percentage, default: 80%, description: highest utilization}
        "#,
        &[rule(
            "cmp",
            &format!(
                r#"
                select: {{kind: System}}
                check:
                  compare: {check}
                message: "`{{metadata.name}}`: {{value}} against {{operand}}"
                "#
            ),
        )],
    )
}

#[test]
fn compare_numbers_with_a_constant() {
    let p = compare_pack("{field: spec.tier, lte: 2}");
    let e = estate(&[sys("a", "{tier: 2}"), sys("b", "{tier: 3}"), sys("c", "{}")]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("3", "3 > 2", "`b`: 3 against 2")],
        "an absent field passes"
    );
}

#[test]
fn compare_durations_by_meaning_with_a_constant() {
    let p = compare_pack("{field: spec.continuity.rpo, lte: 4h}");
    let e = estate(&[
        sys("a", "{continuity: {rpo: 15m}}"),
        sys("b", "{continuity: {rpo: 240m}}"),
        sys("c", "{continuity: {rpo: 1d}}"),
    ]);
    assert_eq!(tcm(&run(&p, &e)), [("1d", "1d > 4h", "`c`: 1d against 4h")]);
}

#[test]
fn compare_with_another_field_of_the_entity() {
    let p = compare_pack("{field: spec.continuity.rpo, lte: {field: spec.continuity.rto}}");
    let e = estate(&[
        sys("a", "{continuity: {rpo: 1h, rto: 4h}}"),
        sys("b", "{continuity: {rpo: 8h, rto: 4h}}"),
        sys("c", "{continuity: {rpo: 8h}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("8h", "8h > 4h", "`b`: 8h against 4h")],
        "an absent operand field passes"
    );
}

#[test]
fn compare_percentages_with_a_parameter() {
    let p = compare_pack("{field: spec.capacity.utilization, lte: {param: utilizationMax}}");
    let e = estate(&[
        sys("a", "{capacity: {utilization: 62.5%}}"),
        sys("b", "{capacity: {utilization: 80%}}"),
        sys("c", "{capacity: {utilization: 91%}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("91%", "91% > 80%", "`c`: 91% against 80%")]
    );
}

#[test]
fn compare_dates_with_today_plus_a_duration() {
    let p = compare_pack("{field: spec.endOfLife, gt: {today: 180d}}");
    let e = estate(&[
        sys("a", "{endOfLife: 2027-01-01}"),
        sys("b", "{endOfLife: 2026-03-01}"),
        sys("c", "{endOfLife: 2026-06-30}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [
            (
                "2026-03-01",
                "2026-03-01 ≤ 2026-06-30",
                "`b`: 2026-03-01 against 2026-06-30"
            ),
            (
                "2026-06-30",
                "2026-06-30 ≤ 2026-06-30",
                "`c`: 2026-06-30 against 2026-06-30"
            ),
        ]
    );
}

#[test]
fn compare_today_with_a_parameter_duration() {
    let p = pack(
        "warn: {type: duration, default: 30d, description: warning period}",
        &[rule(
            "eol",
            r#"
            select: {kind: System}
            check:
              compare: {field: spec.endOfLife, gt: {today: {param: warn}}}
            message: "`{metadata.name}` ends {value}, before {operand}"
            "#,
        )],
    );
    let e = estate(&[
        sys("a", "{endOfLife: 2026-02-01}"),
        sys("b", "{endOfLife: 2026-01-15}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [(
            "2026-01-15",
            "2026-01-15 ≤ 2026-01-31",
            "`b` ends 2026-01-15, before 2026-01-31"
        )]
    );
}

#[test]
fn compare_ranked_strings_by_order() {
    let p = compare_pack(
        "{field: spec.data.classification, lte: internal, order: [public, internal, confidential, restricted]}",
    );
    let e = estate(&[
        sys("a", "{data: {classification: public}}"),
        sys("b", "{data: {classification: internal}}"),
        sys("c", "{data: {classification: confidential}}"),
        sys("d", "{data: {classification: restricted}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [
            (
                "confidential",
                "confidential > internal",
                "`c`: confidential against internal"
            ),
            (
                "restricted",
                "restricted > internal",
                "`d`: restricted against internal"
            ),
        ]
    );
}

#[test]
fn compare_strings_without_order_is_lexical() {
    // "confidential" < "internal" in byte order: without `order` the ranking is lost.
    let p = compare_pack("{field: spec.data.classification, lte: internal}");
    let e = estate(&[
        sys("c", "{data: {classification: confidential}}"),
        sys("r", "{data: {classification: restricted}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [(
            "restricted",
            "restricted > internal",
            "`r`: restricted against internal"
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// max-age

fn review_pack() -> Packs {
    pack(
        "accessReviewMaxAge: {type: duration, default: 180d, description: oldest review}",
        &[rule(
            "review",
            r#"
            select: {kind: System}
            check:
              max-age: {field: spec.access.lastReview, max: {param: accessReviewMaxAge}}
            message: "`{metadata.name}` was reviewed {age} ago ({value}); the limit is {max}"
            "#,
        )],
    )
}

#[test]
fn max_age_passes_a_recent_date_and_the_exact_limit() {
    let e = estate(&[
        sys("a", "{access: {lastReview: 2025-09-01}}"),
        sys("b", "{access: {lastReview: 2025-07-05}}"),
        sys("c", "{}"),
    ]);
    assert_eq!(run(&review_pack(), &e), vec![]);
}

#[test]
fn max_age_underlines_an_old_date() {
    let e = estate(&[
        sys("a", "{access: {lastReview: 2025-05-01}}"),
        sys("b", "{access: {lastReview: 2025-07-04}}"),
    ]);
    assert_eq!(
        tcm(&run(&review_pack(), &e)),
        [
            (
                "2025-05-01",
                "245 days old",
                "`a` was reviewed 245 days ago (2025-05-01); the limit is 180d"
            ),
            (
                "2025-07-04",
                "181 days old",
                "`b` was reviewed 181 days ago (2025-07-04); the limit is 180d"
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// ref

#[test]
fn ref_passes_an_existing_target() {
    let p = escalation_pack();
    let e = estate(&[
        owner("platform-team", "{type: team}"),
        ent(
            "System",
            "name: crm, annotations: {escalation: platform-team}",
            "{}",
        ),
    ]);
    assert_eq!(run(&p, &e), vec![]);
}

fn escalation_pack() -> Packs {
    pack(
        "",
        &[rule(
            "escalation",
            r#"
            select: {kind: System}
            check: {ref: {field: metadata.annotations.escalation, kind: Owner}}
            message: "`{metadata.name}` escalates to {value}, which is not an Owner"
            help: "did you mean `{other}`?"
            "#,
        )],
    )
}

#[test]
fn ref_underlines_a_name_with_no_target() {
    let p = escalation_pack();
    let e = estate(&[
        owner("platform-team", "{type: team}"),
        ent(
            "System",
            "name: crm, annotations: {escalation: platfrom-team}",
            "{}",
        ),
    ]);
    let fs = run(&p, &e);
    assert_eq!(
        tcm(&fs),
        [(
            "platfrom-team",
            "no Owner `platfrom-team`",
            "`crm` escalates to platfrom-team, which is not an Owner"
        )]
    );
    assert_eq!(fs[0].help.as_deref(), Some("did you mean `platform-team`?"));
}

fn active_owner_pack() -> Packs {
    pack(
        "",
        &[rule(
            "active-owner",
            r#"
            select: {kind: System}
            check:
              ref: {field: spec.owner, kind: Owner, where: {spec.status: {ne: departed}}}
            message: "`{metadata.name}` is owned by `{target}`, who is {target.spec.status}"
            "#,
        )],
    )
}

#[test]
fn ref_passes_a_target_matching_where() {
    let e = estate(&[
        owner("ann", "{type: person}"),
        owner("bob", "{type: person, status: active}"),
        sys("crm", "{owner: ann}"),
        sys("erp", "{owner: bob}"),
    ]);
    assert_eq!(run(&active_owner_pack(), &e), vec![]);
}

#[test]
fn ref_underlines_a_target_failing_where_with_the_target_as_related_label() {
    let e = estate(&[
        owner("ann", "{type: person, status: departed}"),
        sys("crm", "{owner: ann}"),
    ]);
    let fs = run(&active_owner_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "ann",
            "`ann` does not qualify",
            "`crm` is owned by `ann`, who is departed"
        )]
    );
    assert_eq!(fs[0].line, 9, "the reference in crm's spec");
    assert_eq!(
        fs[0].related,
        [("ann".to_string(), 3, "Owner `ann`".to_string())]
    );
}

#[test]
fn ref_on_a_declared_reference_field_leaves_a_missing_target_to_the_core() {
    // `spec.owner` is a reference the core linter resolves: the missing owner is reported
    // once, as `estatelint/unresolved-reference`, not again by the `ref` check.
    let p = active_owner_pack();
    let o = lint_with(&p, &estate(&[sys("crm", "{owner: nobody}")]), &[]);
    let fs = all_findings(&o);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].rule, "estatelint/unresolved-reference");
    assert_eq!(fs[0].text, "nobody");
}

// ---------------------------------------------------------------------------------------------
// covered-by

fn offsite_pack() -> Packs {
    pack(
        "",
        &[
            rule(
                "offsite",
                r#"
                select: {kind: System, where: {spec.tier: 1}}
                check:
                  covered-by: {kind: Backup, field: spec.covers, min: 2, where: {spec.offsite: true}}
                message: "`{metadata.name}` has {count} offsite backups, needs {min}"
                "#,
            ),
            rule(
                "any-backup",
                r#"
                select: {kind: System}
                check: {covered-by: {kind: Backup, field: spec.covers}}
                message: "`{metadata.name}` has no backup"
                "#,
            ),
        ],
    )
}

#[test]
fn covered_by_passes_with_enough_matching_coverers() {
    let e = estate(&[
        sys("erp", "{tier: 1}"),
        backup("b1", "{covers: [erp], offsite: true}"),
        backup("b2", "{covers: [erp], offsite: true}"),
    ]);
    assert_eq!(run(&offsite_pack(), &e), vec![]);
}

#[test]
fn covered_by_counts_only_coverers_matching_where_and_underlines_the_name() {
    let e = estate(&[
        sys("crm", "{tier: 1}"),
        sys("erp", "{tier: 1}"),
        sys("web", "{tier: 3}"),
        backup("b1", "{covers: [crm, erp], offsite: true}"),
        backup("b2", "{covers: [crm], offsite: false}"),
        backup("b3", "{covers: [erp], offsite: true}"),
    ]);
    let fs = run(&offsite_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [
            (
                "crm",
                "covered by 1, needs 2",
                "`crm` has 1 offsite backups, needs 2"
            ),
            ("web", "covered by 0, needs 1", "`web` has no backup"),
        ]
    );
    assert_eq!(fs[0].rule, "t/offsite");
    assert_eq!(fs[1].rule, "t/any-backup");
}

// ---------------------------------------------------------------------------------------------
// unique

#[test]
fn unique_passes_distinct_values() {
    let e = estate(&[
        ent("System", "name: a, labels: {cost-centre: \"4100\"}", "{}"),
        ent("System", "name: b, labels: {cost-centre: \"4200\"}", "{}"),
        sys("c", "{}"),
        sys("d", "{}"),
    ]);
    assert_eq!(run(&unique_pack(), &e), vec![]);
}

fn unique_pack() -> Packs {
    pack(
        "",
        &[rule(
            "cc",
            r#"
            select: {kind: System}
            check: {unique: {field: metadata.labels.cost-centre}}
            message: "`{metadata.name}` reuses cost-centre {value} of `{other}` ({target.metadata.name})"
            "#,
        )],
    )
}

#[test]
fn unique_underlines_later_occurrences_with_the_first_as_related_label() {
    let e = estate(&[
        ent("System", "name: a, labels: {cost-centre: \"4100\"}", "{}"),
        ent("System", "name: b, labels: {cost-centre: \"4200\"}", "{}"),
        ent("System", "name: c, labels: {cost-centre: \"4100\"}", "{}"),
        ent("System", "name: d, labels: {cost-centre: \"4100\"}", "{}"),
    ]);
    let fs = run(&unique_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [
            (
                "\"4100\"",
                "also used by `a`",
                "`c` reuses cost-centre 4100 of `a` (a)"
            ),
            (
                "\"4100\"",
                "also used by `a`",
                "`d` reuses cost-centre 4100 of `a` (a)"
            ),
        ]
    );
    assert_eq!((fs[0].line, fs[1].line), (13, 18));
    for f in &fs {
        assert_eq!(
            f.related,
            [("\"4100\"".to_string(), 3, "`a` uses `4100` too".to_string())]
        );
    }
}

#[test]
fn unique_reads_each_value_wherever_it_is() {
    // A schema field's values are found ahead, each where its document keeps it; one past
    // 64 KB into its document is searched for instead.
    let pack = pack(
        "",
        &[rule(
            "capability",
            r#"
            select: {kind: System}
            check: {unique: {field: spec.capability}}
            message: "`{metadata.name}` serves {value} as `{other}` does"
            "#,
        )],
    );
    let long = "x".repeat(70_000);
    let e = estate(&[
        sys("a", "{capability: crm}"),
        ent(
            "System",
            &format!("name: far, description: {long}"),
            "{capability: crm}",
        ),
        sys("b", "{capability: erp}"),
        sys("c", "{}"),
        sys("d", "{capability: erp}"),
    ]);
    let fs = run(&pack, &e);
    assert_eq!(
        tcm(&fs),
        [
            ("crm", "also used by `a`", "`far` serves crm as `a` does"),
            ("erp", "also used by `b`", "`d` serves erp as `b` does"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// count

fn fan_out_pack() -> Packs {
    pack(
        "",
        &[
            rule(
                "fan-out",
                r#"
                select: {kind: System}
                check: {count: {field: spec.dependsOn, max: 2}}
                message: "`{metadata.name}` depends on {count} systems (max {max})"
                "#,
            ),
            rule(
                "regions",
                r#"
                select: {kind: System, where: {spec.tier: 1}}
                check: {count: {field: spec.hosting.regions, min: 2}}
                message: "`{metadata.name}` runs in {count} regions (min {min})"
                "#,
            ),
        ],
    )
}

#[test]
fn count_fan_out_within_limits_passes() {
    let e = estate(&[
        sys("x", "{}"),
        sys("y", "{}"),
        sys(
            "a",
            "{tier: 1, dependsOn: [x, y], hosting: {provider: aws, regions: [r1, r2]}}",
        ),
    ]);
    assert_eq!(run(&fan_out_pack(), &e), vec![]);
}

#[test]
fn count_fan_out_underlines_the_list_key_or_the_name_when_absent() {
    let e = estate(&[
        sys("x", "{}"),
        sys("y", "{}"),
        sys("z", "{}"),
        sys("a", "{dependsOn: [x, y, z]}"),
        sys("b", "{tier: 1, hosting: {provider: aws, regions: [r1]}}"),
        sys("c", "{tier: 1}"),
    ]);
    assert_eq!(
        tcm(&run(&fan_out_pack(), &e)),
        [
            (
                "dependsOn",
                "3, more than 2",
                "`a` depends on 3 systems (max 2)"
            ),
            (
                "regions",
                "1, fewer than 2",
                "`b` runs in 1 regions (min 2)"
            ),
            ("c", "0, fewer than 2", "`c` runs in 0 regions (min 2)"),
        ]
    );
}

fn fan_in_pack() -> Packs {
    pack(
        "ownerConcentrationMax: {type: integer, default: 2, description: most critical systems}",
        &[
            rule(
                "concentration",
                r#"
                select: {kind: Owner}
                check:
                  count: {kind: System, field: spec.owner, where: {spec.tier: {lte: 2}}, max: {param: ownerConcentrationMax}}
                message: "`{metadata.name}` owns {count} critical systems (max {max})"
                "#,
            ),
            rule(
                "idle",
                r#"
                severity: info
                select: {kind: Owner}
                check: {count: {kind: System, field: spec.owner, min: 1}}
                message: "`{metadata.name}` owns {count} systems"
                "#,
            ),
        ],
    )
}

#[test]
fn count_fan_in_within_limits_passes() {
    let e = estate(&[
        owner("ann", "{type: person}"),
        sys("a", "{owner: ann, tier: 1}"),
        sys("b", "{owner: ann, tier: 2}"),
        sys("c", "{owner: ann, tier: 4}"),
    ]);
    assert_eq!(run(&fan_in_pack(), &e), vec![]);
}

#[test]
fn count_fan_in_counts_matching_referrers_and_underlines_the_name() {
    let e = estate(&[
        owner("ann", "{type: person}"),
        owner("cy", "{type: person}"),
        sys("a", "{owner: ann, tier: 1}"),
        sys("b", "{owner: ann, tier: 2}"),
        sys("c", "{owner: ann, tier: 2}"),
        sys("d", "{owner: ann, tier: 4}"),
    ]);
    let fs = run(&fan_in_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [
            (
                "ann",
                "3, more than 2",
                "`ann` owns 3 critical systems (max 2)"
            ),
            ("cy", "0, fewer than 1", "`cy` owns 0 systems"),
        ]
    );
    assert_eq!(fs[1].severity, Severity::Info);
}

#[test]
fn count_fan_in_over_several_fields_counts_each_referrer_once() {
    let p = pack(
        "",
        &[rule(
            "integrations",
            r#"
            select: {kind: System}
            check: {count: {kind: Integration, field: [spec.from, spec.to], max: 1}}
            message: "`{metadata.name}` has {count} integrations"
            "#,
        )],
    );
    let e = estate(&[
        sys("a", "{}"),
        sys("b", "{}"),
        ent("Integration", "name: i1", "{from: a, to: b}"),
        ent("Integration", "name: i2", "{from: a, to: a}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("a", "2, more than 1", "`a` has 2 integrations")]
    );
}

/// The findings of rule `id` alone (the estate may also break the core's rules).
fn of_rule(packs: &Packs, text: &str, id: &str) -> Vec<F> {
    let o = lint_with(packs, text, &[]);
    let id = format!("t/{id}");
    all_findings(&o)
        .into_iter()
        .filter(|f| f.rule == id)
        .collect()
}

#[test]
fn count_fan_in_counts_a_name_defined_twice_under_both_definitions() {
    let p = pack(
        "",
        &[rule(
            "integrations",
            r#"
            select: {kind: System}
            check: {count: {kind: Integration, field: spec.to, max: 1}}
            message: "`{metadata.name}` has {count} integrations"
            "#,
        )],
    );
    let e = estate(&[
        sys("a", "{}"),
        sys("a", "{tier: 2}"),
        ent("Integration", "name: i1", "{from: b, to: a}"),
        ent("Integration", "name: i2", "{from: b, to: a}"),
        sys("b", "{}"),
    ]);
    let fs = of_rule(&p, &e, "integrations");
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert!(fs.iter().all(|f| f.message == "`a` has 2 integrations"));
}

#[test]
fn count_fan_in_of_another_kind_counts_by_name_resolved_or_not() {
    // Owners counted by the integrations whose `spec.to` holds their name: one names a System
    // that has the owner's name too, one names nothing that exists.
    let p = pack(
        "",
        &[rule(
            "named",
            r#"
            select: {kind: Owner}
            check: {count: {kind: Integration, field: spec.to, max: 0}}
            message: "`{metadata.name}` is named by {count} integrations"
            "#,
        )],
    );
    let e = estate(&[
        owner("a", "{type: team}"),
        owner("ghost", "{type: team}"),
        owner("c", "{type: team}"),
        sys("a", "{}"),
        ent("Integration", "name: i1", "{from: a, to: a}"),
        ent("Integration", "name: i2", "{from: a, to: ghost}"),
        ent("Integration", "name: i3", "{from: a, to: ghost}"),
    ]);
    let fs = of_rule(&p, &e, "named");
    let messages: Vec<&str> = fs.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`a` is named by 1 integrations",
            "`ghost` is named by 2 integrations"
        ]
    );
}

#[test]
fn count_fan_in_over_a_field_that_is_no_reference_counts_names() {
    let p = pack(
        "",
        &[rule(
            "capability",
            r#"
            select: {kind: Owner}
            check: {count: {kind: System, field: spec.capability, max: 1}}
            message: "`{metadata.name}` is the capability of {count} systems"
            "#,
        )],
    );
    let e = estate(&[
        owner("crm", "{type: team}"),
        sys("a", "{capability: crm}"),
        sys("b", "{capability: crm}"),
        sys("c", "{capability: hr}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [(
            "crm",
            "2, more than 1",
            "`crm` is the capability of 2 systems"
        )]
    );
}

#[test]
fn references_shaped_otherwise_than_declared_are_read_as_written() {
    // `dependsOn` holding one name rather than a list (a schema error): the rules still
    // follow the name, as the field path reads it.
    let p = pack(
        "",
        &[
            rule(
                "cycle",
                r#"
                select: {kind: System}
                check: {acyclic: {field: spec.dependsOn}}
                message: "dependency cycle {cycle}"
                "#,
            ),
            rule(
                "prod-deps",
                r#"
                select: {kind: System}
                check: {ref: {field: spec.dependsOn, kind: System, where: {spec.lifecycle: production}}}
                message: "`{metadata.name}` depends on `{target}`"
                "#,
            ),
        ],
    );
    let e = estate(&[
        sys("a", "{lifecycle: production, dependsOn: b}"),
        sys("b", "{lifecycle: retired, dependsOn: [a]}"),
    ]);
    let fs = of_rule(&p, &e, "cycle");
    assert_eq!(
        tcm(&fs),
        [(
            "b",
            "`a` depends on `b`",
            "dependency cycle `a` → `b` → `a`"
        )]
    );
    let fs = of_rule(&p, &e, "prod-deps");
    assert_eq!(
        tcm(&fs),
        [("b", "`b` does not qualify", "`a` depends on `b`")]
    );
}

// ---------------------------------------------------------------------------------------------
// acyclic

fn acyclic_pack() -> Packs {
    pack(
        "",
        &[rule(
            "cycle",
            r#"
            select: {kind: System}
            check: {acyclic: {field: spec.dependsOn}}
            message: "dependency cycle {cycle} ({count} edges)"
            "#,
        )],
    )
}

#[test]
fn acyclic_passes_a_chain_and_a_diamond() {
    let e = estate(&[
        sys("a", "{dependsOn: [b, c]}"),
        sys("b", "{dependsOn: [d]}"),
        sys("c", "{dependsOn: [d]}"),
        sys("d", "{}"),
    ]);
    assert_eq!(run(&acyclic_pack(), &e), vec![]);
}

#[test]
fn acyclic_reports_a_three_cycle_once_with_every_edge_labelled() {
    let e = estate(&[
        sys("a", "{dependsOn: [b]}"),
        sys("b", "{dependsOn: [c]}"),
        sys("c", "{dependsOn: [a]}"),
        sys("d", "{dependsOn: [a]}"),
    ]);
    let fs = run(&acyclic_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "b",
            "`a` depends on `b`",
            "dependency cycle `a` → `b` → `c` → `a` (3 edges)"
        )]
    );
    assert_eq!(fs[0].line, 4);
    assert_eq!(
        fs[0].related,
        [
            ("c".to_string(), 9, "`b` depends on `c`".to_string()),
            ("a".to_string(), 14, "`c` depends on `a`".to_string()),
        ]
    );
}

#[test]
fn acyclic_reports_a_self_loop() {
    let e = estate(&[sys("a", "{}"), sys("e", "{dependsOn: [a, e]}")]);
    let fs = run(&acyclic_pack(), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "e",
            "`e` depends on `e`",
            "dependency cycle `e` → `e` (1 edges)"
        )]
    );
    assert_eq!(fs[0].line, 9);
    assert!(fs[0].related.is_empty());
}

#[test]
fn acyclic_labels_every_edge_of_two_cycles_sharing_a_node() {
    let e = estate(&[
        sys("a", "{dependsOn: [b, c]}"),
        sys("b", "{dependsOn: [a]}"),
        sys("c", "{dependsOn: [a]}"),
    ]);
    let fs = run(&acyclic_pack(), &e);
    let mut labelled: Vec<(String, usize)> = Vec::new();
    for f in &fs {
        labelled.push((f.text.clone(), f.line));
        labelled.extend(f.related.iter().map(|r| (r.0.clone(), r.1)));
    }
    labelled.sort();
    assert_eq!(
        labelled,
        [
            ("a".to_string(), 9),
            ("a".to_string(), 14),
            ("b".to_string(), 4),
            ("c".to_string(), 4),
        ],
        "{fs:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// related-compare

fn related_pack(label: &str) -> Packs {
    pack(
        "",
        &[rule(
            "dep-tier",
            &format!(
                r#"
                select: {{kind: System}}
                check:
                  related-compare: {{via: spec.dependsOn, field: spec.tier, gte: {{target: spec.tier}}{label}}}
                message: "`{{metadata.name}}` (tier {{value}}) depends on `{{target}}` (tier {{operand}}, {{target.spec.lifecycle}})"
                "#
            ),
        )],
    )
}

#[test]
fn related_compare_passes_when_every_target_compares() {
    let e = estate(&[
        sys("db", "{tier: 1}"),
        sys("crm", "{tier: 2, dependsOn: [db]}"),
    ]);
    assert_eq!(run(&related_pack(""), &e), vec![]);
}

#[test]
fn related_compare_underlines_the_field_with_the_targets_field_as_related_label() {
    let e = estate(&[
        sys("cache", "{tier: 1}"),
        sys("db", "{tier: 3, lifecycle: production}"),
        sys("crm", "{tier: 1, dependsOn: [cache, db]}"),
    ]);
    let fs = run(&related_pack(""), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "1",
            "1 vs `db`: 3",
            "`crm` (tier 1) depends on `db` (tier 3, production)"
        )]
    );
    assert_eq!(fs[0].line, 14);
    assert_eq!(fs[0].related, [("3".to_string(), 9, "`db`: 3".to_string())]);
}

#[test]
fn related_compare_reads_targets_fields_wherever_they_are() {
    // The fields compared on targets are found ahead, each where its document keeps it; one
    // past 64 KB into its document is read by walking to it. A target without the field is
    // not compared.
    let long = "x".repeat(70_000);
    let e = estate(&[
        ent(
            "System",
            &format!("name: far, description: {long}"),
            "{tier: 3, lifecycle: production}",
        ),
        sys("near", "{tier: 4, lifecycle: planned}"),
        sys("none", "{lifecycle: production}"),
        sys("crm", "{tier: 1, dependsOn: [far, none, near]}"),
    ]);
    let fs = run(&related_pack(""), &e);
    assert_eq!(
        tcm(&fs),
        [
            (
                "1",
                "1 vs `far`: 3",
                "`crm` (tier 1) depends on `far` (tier 3, production)"
            ),
            (
                "1",
                "1 vs `near`: 4",
                "`crm` (tier 1) depends on `near` (tier 4, planned)"
            )
        ]
    );
}

#[test]
fn related_compare_with_label_via_underlines_the_reference() {
    let e = estate(&[
        sys("cache", "{tier: 1}"),
        sys("db", "{tier: 3, lifecycle: production}"),
        sys("crm", "{tier: 1, dependsOn: [cache, db]}"),
    ]);
    let fs = run(&related_pack(", label: via"), &e);
    assert_eq!(
        tcm(&fs),
        [(
            "db",
            "1 vs `db`: 3",
            "`crm` (tier 1) depends on `db` (tier 3, production)"
        )]
    );
    assert_eq!(fs[0].line, 14);
    assert_eq!(fs[0].related, [("3".to_string(), 9, "`db`: 3".to_string())]);
}

// ---------------------------------------------------------------------------------------------
// headroom

fn headroom_pack(default: &str) -> Packs {
    pack(
        &format!(
            "growth: {{type: percentage, default: {default}, from: spec.growth.headcount, description: growth}}"
        ),
        &[rule(
            "seats",
            r#"
            select: {kind: System}
            check: {headroom: {capacity: spec.capacity.seats, demand: spec.capacity.users}}
            message: "`{metadata.name}`: {capacity} seats for {demand} users growing {growth}: needs {required}"
            "#,
        )],
    )
}

#[test]
fn headroom_with_growth_from_the_parameter_default() {
    let e = estate(&[
        sys("a", "{capacity: {seats: 105, users: 95}}"),
        sys("b", "{capacity: {seats: 100, users: 95}}"),
    ]);
    assert_eq!(
        tcm(&run(&headroom_pack("10%"), &e)),
        [(
            "100",
            "100 < 105 needed",
            "`b`: 100 seats for 95 users growing 10%: needs 105"
        )]
    );
}

#[test]
fn headroom_with_growth_from_the_organization_via_from() {
    let p = headroom_pack("0%");
    let systems = [
        sys("a", "{capacity: {seats: 112, users: 80}}"),
        sys("b", "{capacity: {seats: 110, users: 80}}"),
    ];
    // Without an Organization, the default 0% applies.
    assert_eq!(run(&p, &estate(&systems)), vec![]);
    let mut docs = vec![org(
        "{headcount: 500, growth: {headcount: 40%, horizon: 1y}}",
    )];
    docs.extend(systems);
    assert_eq!(
        tcm(&run(&p, &estate(&docs))),
        [(
            "110",
            "110 < 112 needed",
            "`b`: 110 seats for 80 users growing 40%: needs 112"
        )]
    );
}

#[test]
fn headroom_with_an_explicit_growth() {
    let p = pack(
        "",
        &[rule(
            "seats",
            r#"
            select: {kind: System}
            check: {headroom: {capacity: spec.capacity.seats, demand: spec.capacity.users, growth: 25%}}
            message: "needs {required}"
            "#,
        )],
    );
    let e = estate(&[
        sys("a", "{capacity: {seats: 100, users: 80}}"),
        sys("b", "{capacity: {seats: 99, users: 80}}"),
    ]);
    assert_eq!(tcm(&run(&p, &e)), [("99", "99 < 100 needed", "needs 100")]);
}

#[test]
fn headroom_is_exact_for_decimal_growth() {
    let e = estate(&[sys("a", "{capacity: {seats: 110, users: 100}}")]);
    assert_eq!(run(&headroom_pack("10%"), &e), vec![]);
}

// ---------------------------------------------------------------------------------------------
// all / any / not

#[test]
fn all_reports_every_failing_check() {
    let p = pack(
        "",
        &[rule(
            "all",
            r#"
            select: {kind: System}
            check:
              all:
                - required: spec.owner
                - compare: {field: spec.tier, lte: 2}
            message: "`{metadata.name}` fails"
            "#,
        )],
    );
    let e = estate(&[
        owner("ann", "{type: person}"),
        sys("ok", "{owner: ann, tier: 1}"),
        sys("bad", "{tier: 3}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [
            ("spec", "`spec.owner` missing", "`bad` fails"),
            ("3", "3 > 2", "`bad` fails"),
        ]
    );
}

#[test]
fn any_passes_when_one_check_holds_and_reports_the_first_otherwise() {
    let p = pack(
        "",
        &[rule(
            "any",
            r#"
            select: {kind: System}
            check:
              any:
                - required: metadata.labels.cost-centre
                - required: metadata.labels.project
            message: "`{metadata.name}` has neither label"
            "#,
        )],
    );
    let e = estate(&[
        ent("System", "name: a, labels: {project: p1}", "{}"),
        ent("System", "name: b, labels: {cost-centre: \"1\"}", "{}"),
        ent("System", "name: c, labels: {team: x}", "{}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [(
            "labels",
            "`metadata.labels.cost-centre` missing",
            "`c` has neither label"
        )]
    );
}

#[test]
fn not_fails_where_the_inner_check_holds_including_vacuously() {
    let p = pack(
        "",
        &[rule(
            "not",
            r#"
            select: {kind: System}
            check:
              not: {enum: {field: spec.exposure, values: [internet]}}
            message: "`{metadata.name}` is exposed"
            "#,
        )],
    );
    let e = estate(&[
        sys("a", "{exposure: internal}"),
        sys("b", "{exposure: internet}"),
        sys("c", "{}"),
    ]);
    // `enum` passes an absent field, so `not` flags `c` too: on its name.
    assert_eq!(
        tcm(&run(&p, &e)),
        [
            ("internet", "matches", "`b` is exposed"),
            ("c", "matches", "`c` is exposed"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// expr

fn expr_pack(check: &str) -> Packs {
    pack(
        "fanOutMax: {type: integer, default: 2, description: most dependencies}",
        &[rule(
            "x",
            &format!(
                r#"
                select: {{kind: System}}
                check:
                  expr: {check}
                message: "`{{metadata.name}}` fails"
                "#
            ),
        )],
    )
}

#[test]
fn expr_true_passes_and_false_underlines_the_name() {
    let p = expr_pack(r#""size(self.spec.hosting.regions) >= 2""#);
    let e = estate(&[
        sys("a", "{hosting: {provider: aws, regions: [r1, r2]}}"),
        sys("b", "{hosting: {provider: aws, regions: [r1]}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("b", "fails the expression", "`b` fails")]
    );
}

#[test]
fn expr_with_at_underlines_that_field() {
    let p = expr_pack(r#"{cel: "size(self.spec.hosting.regions) >= 2", at: spec.hosting.regions}"#);
    let e = estate(&[
        sys("a", "{hosting: {provider: aws, regions: [r1, r2]}}"),
        sys("b", "{hosting: {provider: aws, regions: [r1]}}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("[r1]", "fails the expression", "`b` fails")]
    );
}

#[test]
fn expr_reads_the_estate() {
    let p = expr_pack(r#""estate.Owner[self.spec.owner].spec.type == 'team'""#);
    let e = estate(&[
        owner("ann", "{type: person}"),
        owner("ops", "{type: team}"),
        sys("crm", "{owner: ann}"),
        sys("erp", "{owner: ops}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [("crm", "fails the expression", "`crm` fails")]
    );
}

#[test]
fn expr_reads_org_params_and_today() {
    let p = expr_pack(
        r#""self.spec.endOfLife > today && size(self.spec.dependsOn) <= params.fanOutMax && org.spec.headcount > 10""#,
    );
    let e = estate(&[
        org("{headcount: 50}"),
        sys("x", "{endOfLife: 2030-01-01, dependsOn: []}"),
        sys("a", "{endOfLife: 2027-01-01, dependsOn: [x]}"),
        sys("b", "{endOfLife: 2025-12-31, dependsOn: [x]}"),
        sys("c", "{endOfLife: 2027-01-01, dependsOn: [x, a, b]}"),
    ]);
    assert_eq!(
        tcm(&run(&p, &e)),
        [
            ("b", "fails the expression", "`b` fails"),
            ("c", "fails the expression", "`c` fails"),
        ]
    );
}

#[test]
fn expr_evaluation_error_is_a_rule_error_and_other_entities_are_still_checked() {
    let p = expr_pack(r#""self.spec.capacity.users < 10""#);
    let e = estate(&[
        sys("a", "{}"),
        sys("b", "{capacity: {users: 50}}"),
        sys("c", "{capacity: {users: 5}}"),
    ]);
    let o = lint_with(&p, &e, &[]);
    let fs = all_findings(&o);
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert_eq!(fs[0].rule, "estatelint/rule-error");
    assert_eq!(fs[0].severity, Severity::Error);
    assert_eq!(fs[0].text, "a");
    assert!(
        fs[0]
            .message
            .starts_with("rule `t/x` could not be evaluated on System `a`: "),
        "{}",
        fs[0].message
    );
    assert_eq!(
        fs[0].help.as_deref(),
        Some("fix the rule's expression, or turn the rule off for this entity")
    );
    assert_eq!(
        (
            fs[1].rule.as_str(),
            fs[1].text.as_str(),
            fs[1].message.as_str()
        ),
        ("t/x", "b", "`b` fails")
    );
}

#[test]
fn expr_that_is_not_boolean_is_a_rule_error() {
    let p = expr_pack(r#""self.spec.tier""#);
    let fs = all_findings(&lint_with(&p, &sys("a", "{tier: 1}"), &[]));
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].rule, "estatelint/rule-error");
    assert!(fs[0].message.contains("not a boolean"), "{}", fs[0].message);
}

// ---------------------------------------------------------------------------------------------
// where

/// Names of the Systems a rule with this `where` selects (its check always fails, on the name),
/// asserting the message too.
fn selected(where_: &str, text: &str) -> Vec<String> {
    let p = where_pack(25, &[where_rule("w", where_)]);
    run(&p, text)
        .into_iter()
        .map(|f| {
            assert_eq!(f.message, format!("selected `{}`", f.text));
            assert_eq!(f.caption, "fails the expression");
            f.text
        })
        .collect()
}

/// A rule `id` selecting the Systems that pass `where_`, failing on each, named.
fn where_rule(id: &str, where_: &str) -> String {
    rule(
        id,
        &format!(
            r#"
            select:
              kind: System
              where: {where_}
            check: {{expr: "false"}}
            message: "selected `{{metadata.name}}`"
            "#
        ),
    )
}

/// A pack of `rules` with the parameter `ssoUserThreshold` (default `threshold`).
fn where_pack(threshold: u32, rules: &[String]) -> Packs {
    pack(
        &format!("ssoUserThreshold: {{type: integer, default: {threshold}, description: users}}"),
        rules,
    )
}

/// Rules that share `where` conditions have them decided once per entity: rules whose
/// conditions differ only slightly (another constant, operator, path, list or parameter) must
/// still each select their own entities, and the same condition written twice the same ones.
#[test]
fn rules_sharing_conditions_each_select_their_own() {
    let wheres = [
        ("same-1", "{spec.tier: {lte: 2}}"),
        ("same-2", "{spec.tier: {lte: 2}}"),
        ("other-constant", "{spec.tier: {lte: 1}}"),
        ("other-op", "{spec.tier: {lt: 2}}"),
        ("other-path", "{spec.capacity.users: {lte: 2}}"),
        ("param", "{spec.tier: {lte: {param: ssoUserThreshold}}}"),
        ("not-in-1", "{spec.lifecycle: {notIn: [retired]}}"),
        (
            "not-in-2",
            "{spec.lifecycle: {notIn: [retired, deprecated]}}",
        ),
        ("in", "{spec.lifecycle: {in: [retired]}}"),
        (
            "two",
            "{spec.tier: {lte: 2}, spec.lifecycle: {notIn: [retired]}}",
        ),
    ];
    let rules: Vec<String> = wheres.iter().map(|(id, w)| where_rule(id, w)).collect();
    let p = where_pack(3, &rules);
    let e = estate(&[
        sys(
            "t1",
            "{tier: 1, capacity: {users: 5}, lifecycle: production}",
        ),
        sys("t2", "{tier: 2, capacity: {users: 1}, lifecycle: retired}"),
        sys(
            "t3",
            "{tier: 3, capacity: {users: 2}, lifecycle: deprecated}",
        ),
    ]);
    let found = run(&p, &e);
    let selected = |id: &str| -> Vec<&str> {
        found
            .iter()
            .filter(|f| f.rule == format!("t/{id}"))
            .map(|f| f.text.as_str())
            .collect()
    };
    assert_eq!(selected("same-1"), ["t1", "t2"]);
    assert_eq!(selected("same-2"), ["t1", "t2"]);
    assert_eq!(selected("other-constant"), ["t1"]);
    assert_eq!(selected("other-op"), ["t1"]);
    assert_eq!(selected("other-path"), ["t2", "t3"]);
    assert_eq!(selected("param"), ["t1", "t2", "t3"]);
    assert_eq!(selected("not-in-1"), ["t1", "t3"]);
    assert_eq!(selected("not-in-2"), ["t1"]);
    assert_eq!(selected("in"), ["t2"]);
    assert_eq!(selected("two"), ["t1"]);
}

#[test]
fn where_scalar_means_equality() {
    let e = estate(&[
        sys("a", "{lifecycle: production}"),
        sys("b", "{lifecycle: deprecated}"),
        sys("c", "{}"),
    ]);
    assert_eq!(selected("{spec.lifecycle: production}", &e), ["a"]);
    assert_eq!(selected("{spec.tier: 1}", &sys("t", "{tier: 1}")), ["t"]);
    assert_eq!(selected("{spec.tier: 1}", &sys("t", "{tier: 2}")), [""; 0]);
}

#[test]
fn where_list_and_in_mean_one_of() {
    let e = estate(&[
        sys("a", "{tier: 1}"),
        sys("b", "{tier: 2}"),
        sys("c", "{tier: 3}"),
        sys("d", "{}"),
    ]);
    assert_eq!(selected("{spec.tier: [1, 2]}", &e), ["a", "b"]);
    assert_eq!(selected("{spec.tier: {in: [2, 3]}}", &e), ["b", "c"]);
}

#[test]
fn where_not_in_holds_for_other_and_absent_values() {
    let e = estate(&[
        sys("a", "{lifecycle: production}"),
        sys("b", "{lifecycle: retired}"),
        sys("c", "{}"),
    ]);
    assert_eq!(
        selected("{spec.lifecycle: {notIn: [retired, deprecated]}}", &e),
        ["a", "c"]
    );
}

#[test]
fn where_exists() {
    let e = estate(&[sys("a", "{vendor: acme}"), sys("b", "{}")]);
    assert_eq!(selected("{spec.vendor: {exists: true}}", &e), ["a"]);
    assert_eq!(selected("{spec.vendor: {exists: false}}", &e), ["b"]);
}

#[test]
fn where_matches_a_regex() {
    let e = estate(&[sys("legacy-fax", "{}"), sys("crm", "{}")]);
    assert_eq!(
        selected("{metadata.name: {matches: \"^legacy-\"}}", &e),
        ["legacy-fax"]
    );
}

#[test]
fn where_refers_to_a_matching_entity() {
    let e = estate(&[
        owner("ann", "{type: person}"),
        owner("ops", "{type: team}"),
        sys("a", "{owner: ann}"),
        sys("b", "{owner: ops}"),
        sys("c", "{}"),
    ]);
    assert_eq!(
        selected(
            "{spec.owner: {refers: {kind: Owner, where: {spec.type: person}}}}",
            &e
        ),
        ["a"]
    );
}

#[test]
fn where_any_holds_when_one_group_holds() {
    let e = estate(&[
        sys("a", "{tier: 1, exposure: internal}"),
        sys("b", "{tier: 3, exposure: internet}"),
        sys("c", "{tier: 3, exposure: internal}"),
    ]);
    assert_eq!(
        selected("{any: [{spec.tier: 1}, {spec.exposure: internet}]}", &e),
        ["a", "b"]
    );
}

#[test]
fn where_comparisons_with_each_operand() {
    let e = estate(&[
        sys("a", "{tier: 1, continuity: {rpo: 15m}, capacity: {seats: 10, users: 30}}"),
        sys("b", "{tier: 3, continuity: {rpo: 1d}, capacity: {seats: 40, users: 20}, endOfLife: 2026-02-01}"),
        sys("c", "{endOfLife: 2027-01-01, data: {classification: restricted}}"),
    ]);
    assert_eq!(selected("{spec.tier: {lt: 3}}", &e), ["a"]);
    assert_eq!(
        selected("{spec.tier: {ne: 1}}", &e),
        ["b", "c"],
        "ne holds when absent"
    );
    assert_eq!(selected("{spec.continuity.rpo: {gt: 4h}}", &e), ["b"]);
    assert_eq!(selected("{spec.endOfLife: {lte: {today: 90d}}}", &e), ["b"]);
    assert_eq!(
        selected("{spec.capacity.users: {gt: {param: ssoUserThreshold}}}", &e),
        ["a"]
    );
    assert_eq!(
        selected(
            "{spec.capacity.users: {gt: {field: spec.capacity.seats}}}",
            &e
        ),
        ["a"]
    );
    assert_eq!(
        selected(
            "{spec.data.classification: {gte: confidential, order: [public, internal, confidential, restricted]}}",
            &e
        ),
        ["c"]
    );
}

// ---------------------------------------------------------------------------------------------
// Parameters

fn limit_pack() -> Packs {
    pack(
        "fanOutMax: {type: integer, default: 10, from: spec.headcount, description: the limit}",
        &[rule(
            "users",
            r#"
            select: {kind: System}
            check: {compare: {field: spec.capacity.users, lte: {param: fanOutMax}}}
            message: "{value} users, limit {param.fanOutMax}"
            "#,
        )],
    )
}

fn limit_messages(org_doc: Option<&str>, overrides: &[ParamOverride]) -> Vec<String> {
    let mut docs: Vec<String> = org_doc.map(org).into_iter().collect();
    docs.push(sys("s", "{capacity: {users: 50}}"));
    run_with(&limit_pack(), &estate(&docs), overrides)
        .into_iter()
        .map(|f| f.message)
        .collect()
}

#[test]
fn parameter_precedence_config_then_policy_then_from_then_default() {
    let config = [ParamOverride {
        name: "fanOutMax".into(),
        value: int(40),
        at: None,
    }];
    assert_eq!(limit_messages(None, &[]), ["50 users, limit 10"]);
    assert_eq!(
        limit_messages(Some("{headcount: 20}"), &[]),
        ["50 users, limit 20"]
    );
    assert_eq!(
        limit_messages(Some("{headcount: 20, policy: {fanOutMax: 30}}"), &[]),
        ["50 users, limit 30"]
    );
    assert_eq!(
        limit_messages(Some("{headcount: 20, policy: {fanOutMax: 30}}"), &config),
        ["50 users, limit 40"]
    );
    assert_eq!(limit_messages(None, &config), ["50 users, limit 40"]);
    let high = [ParamOverride {
        name: "fanOutMax".into(),
        value: int(60),
        at: None,
    }];
    assert_eq!(
        limit_messages(Some("{policy: {fanOutMax: 30}}"), &high),
        [""; 0]
    );
}

#[test]
fn unknown_policy_key_is_a_warning_with_a_did_you_mean() {
    let e = estate(&[
        org("{policy: {fanOutMx: 3}}"),
        sys("s", "{capacity: {users: 5}}"),
    ]);
    let o = lint_with(&limit_pack(), &e, &[]);
    let fs = all_findings(&o);
    let f = fs
        .iter()
        .find(|f| f.rule == "estatelint/unknown-parameter")
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.text, "fanOutMx");
    assert_eq!(f.message, "unknown policy parameter `fanOutMx`");
    assert_eq!(f.caption, "read by no rule");
    assert_eq!(f.help.as_deref(), Some("did you mean `fanOutMax`?"));
}

#[test]
fn wrongly_typed_policy_value_is_one_error_and_falls_back() {
    let e = estate(&[
        org("{headcount: 20, policy: {fanOutMax: lots}}"),
        sys("s", "{capacity: {users: 50}}"),
    ]);
    let o = lint_with(&limit_pack(), &e, &[]);
    let fs = all_findings(&o);
    // `fanOutMax` is typed by the Organization schema, which reports it; the engine does not
    // report it a second time.
    let f = fs
        .iter()
        .find(|f| f.text == "lots")
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert_eq!(f.rule, "estatelint/schema");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(fs.iter().filter(|f| f.text == "lots").count(), 1, "{fs:#?}");
    // The rule still runs, with the value from `from`.
    let rule: Vec<&str> = fs
        .iter()
        .filter(|f| f.rule == "t/users")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(rule, ["50 users, limit 20"]);
}

#[test]
fn custom_pack_parameter_in_policy_is_not_a_schema_error() {
    let p = pack(
        "regionMax: {type: integer, default: 1, description: most regions}",
        &[rule(
            "regions",
            r#"
            select: {kind: System}
            check: {count: {field: spec.hosting.regions, max: {param: regionMax}}}
            message: "{count} regions"
            "#,
        )],
    );
    let e = estate(&[
        org("{policy: {regionMax: 3}}"),
        sys("s", "{hosting: {provider: aws, regions: [a, b]}}"),
    ]);
    assert_eq!(run(&p, &e), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Determinism

#[test]
fn the_same_lint_twice_gives_identical_findings() {
    let p = pack(
        "",
        &[
            rule(
                "cycle",
                "select: {kind: System}\ncheck: {acyclic: {field: spec.dependsOn}}\nmessage: \"{cycle}\"",
            ),
            rule(
                "unique",
                "select: {kind: System}\ncheck: {unique: {field: spec.vendor}}\nmessage: \"{value}\"",
            ),
            rule(
                "fan-in",
                "select: {kind: System}\ncheck: {count: {kind: System, field: spec.dependsOn, max: 1}}\nmessage: \"{count}\"",
            ),
            rule(
                "covered",
                "select: {kind: System}\ncheck: {covered-by: {kind: Backup, field: spec.covers}}\nmessage: \"{count}\"",
            ),
        ],
    );
    let mut docs = Vec::new();
    for i in 0..40 {
        docs.push(sys(
            &format!("s{i}"),
            &format!(
                "{{vendor: v{}, dependsOn: [s{}, s{}]}}",
                i % 7,
                (i + 2) % 40,
                (i * 3 + 5) % 40
            ),
        ));
    }
    docs.push(backup("b", "{covers: [s1, s2, s3]}"));
    let e = estate(&docs);
    let first = lint_with(&p, &e, &[]).findings;
    assert!(first.len() > 40, "{}", first.len());
    for _ in 0..5 {
        assert_eq!(lint_with(&p, &e, &[]).findings, first);
    }
}
