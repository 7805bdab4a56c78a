//! The built-in packs: every rule's examples pass (`estatelint test` over `rules/`), every
//! pack file is embedded, and the README's rules reference is current.

use std::path::Path;

use estatelint::pack::{Packs, BUILTIN};
use estatelint::testing;
use estatelint::value::Date;

fn builtin() -> Packs {
    match Packs::builtin() {
        Ok(p) => p,
        Err(fatal) => {
            let rendered: Vec<String> = fatal
                .findings
                .iter()
                .map(|f| estatelint::report::render_finding(&fatal.sources, f, false))
                .collect();
            panic!("{}\n{}", fatal.message, rendered.join("\n"));
        }
    }
}

#[test]
fn every_builtin_rule_passes_its_examples() {
    let packs = builtin();
    let today = Date::parse(testing::EXAMPLE_TODAY).unwrap();
    let results = testing::run(&packs, None, today);
    let (table, ok) = testing::report(&results);
    assert!(ok, "{table}");
    for r in &results {
        assert!(
            r.valid >= 1 && r.invalid >= 1,
            "{} needs valid and invalid examples",
            r.id
        );
    }
}

#[test]
fn every_pack_file_in_rules_is_embedded() {
    let mut on_disk: Vec<String> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "add new pack files to pack::BUILTIN");
    for (name, text) in BUILTIN {
        assert_eq!(std::fs::read_to_string(name).unwrap(), text, "{name}");
    }
}

#[test]
fn every_builtin_rule_cites_its_docs_headings_and_tags() {
    for rule in builtin().rules() {
        assert!(!rule.tags.is_empty(), "{} has no tags", rule.id);
        assert!(
            !rule.summary.ends_with('.'),
            "{}: summaries have no trailing period",
            rule.id
        );
    }
}

/// The README's rules reference is generated from the packs. Run
/// `UPDATE_README=1 cargo test --test builtin_rules` to regenerate it.
#[test]
fn readme_rules_reference_is_current() {
    const START: &str = "<!-- rules:start -->\n";
    const END: &str = "<!-- rules:end -->";
    let readme = std::fs::read_to_string("README.md").unwrap();
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the {START:?} … {END:?} markers");
    };
    let generated = estatelint::explain::markdown_reference(&builtin());
    let current = &readme[a + START.len()..b];
    if current != generated {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{START}{generated}{}", &readme[..a], &readme[b..]);
            std::fs::write(Path::new("README.md"), updated).unwrap();
        } else {
            panic!("the rules reference in README.md is stale: run `UPDATE_README=1 cargo test --test builtin_rules`");
        }
    }
}
