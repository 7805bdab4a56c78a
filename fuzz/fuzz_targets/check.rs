//! Bytes → the whole pipeline on one in-memory file with every built-in rule: load, classify,
//! schema validation, estate index, rule evaluation, then every output format.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use estatelint::check::{lint, Input};
use estatelint::engine::Helps;
use estatelint::pack::{Packs, Rule};
use estatelint::report::{self, Format, Report, Summary};
use estatelint::value::Date;
use libfuzzer_sys::fuzz_target;

fn packs() -> &'static Packs {
    static PACKS: OnceLock<Packs> = OnceLock::new();
    PACKS.get_or_init(|| Packs::builtin().unwrap_or_else(|f| panic!("{}", f.message)))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let packs = packs();
    let rules: Vec<&Rule> = packs.rules().collect();
    let today = Date::parse("2026-11-23").unwrap();
    let input = Input::Text {
        path: PathBuf::from("fuzz.yaml"),
        name: "fuzz.yaml".into(),
        text: Arc::from(text.as_ref()),
    };
    let outcome = lint(vec![input], packs, &rules, &[], today, Helps::Worded);
    for f in &outcome.findings {
        for label in std::iter::once(&f.primary).chain(&f.related) {
            let file = outcome.sources.get(label.file);
            assert!(
                label.span.end as usize <= file.text.len(),
                "label outside its file"
            );
            assert!(file.text.is_char_boundary(label.span.start as usize));
            assert!(file.text.is_char_boundary(label.span.end as usize));
        }
    }
    let summary = Summary::new(outcome.files, outcome.documents, &outcome.findings);
    let r = Report {
        sources: &outcome.sources,
        findings: &outcome.findings,
        summary: &summary,
        packs: Some(packs),
        estate: Some(&outcome.estate),
        identities: None,
    };
    for format in Format::ALL {
        let _ = report::render_report(format, &r, false);
    }
});
