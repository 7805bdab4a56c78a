//! The benchmark's estate generator (`examples/gen-estate.rs`, compiled in here as a module):
//! the same size and seed give the same bytes, and the estate breaks every built-in rule, each
//! in a small share of its documents (issue #6: "a small share of violations of each built-in
//! rule"), with no schema or reference errors.

#[allow(dead_code)] // its `main` and argument handling
#[path = "../examples/gen-estate.rs"]
mod gen_estate;

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_generated_estate_breaks_every_builtin_rule_in_a_small_share_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let systems = 2000;
    let bytes = gen_estate::generate(&a, systems, 42);
    assert_eq!(gen_estate::generate(&b, systems, 42), bytes);
    let written = files(&a);
    assert_eq!(written, files(&b));
    assert_eq!(written.values().map(Vec::len).sum::<usize>(), bytes);
    let documents: usize = written
        .values()
        .map(|f| 1 + f.windows(4).filter(|w| w == b"\n---").count())
        .sum();
    // About N systems, N backups, 2N integrations, N/10 owners and the Organization.
    assert!(
        (4 * systems..=4 * systems + systems / 10 + 1).contains(&documents),
        "{documents}"
    );

    let run = common::run([
        "check".as_ref(),
        a.as_os_str(),
        "--today".as_ref(),
        "2026-11-23".as_ref(),
        "--format".as_ref(),
        "compact".as_ref(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for line in run.stdout.lines() {
        let rule = line
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(rule, _)| rule.to_string())
            .unwrap_or_else(|| panic!("not a compact finding: {line}"));
        *by_rule.entry(rule).or_default() += 1;
    }
    let packs = estatelint::pack::Packs::builtin().unwrap_or_else(|_| panic!("built-in packs"));
    let builtin: Vec<String> = packs.rules().map(|r| r.id.to_string()).collect();
    assert!(builtin.len() >= 39, "{builtin:?}");
    for rule in &builtin {
        let found = by_rule.get(rule).copied().unwrap_or(0);
        assert!(found > 0, "no finding of `{rule}`: {by_rule:?}");
        assert!(
            found * 10 < documents,
            "`{rule}` on {found} of {documents} documents"
        );
    }
    let others: Vec<_> = by_rule.keys().filter(|r| !builtin.contains(r)).collect();
    assert!(others.is_empty(), "findings of other rules: {others:?}");
}
