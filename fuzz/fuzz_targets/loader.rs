//! Bytes → `estatelint::yaml::load` on their UTF-8 text (invalid UTF-8 is read lossily, as the
//! linter shows such files). Besides not panicking, every span must lie inside the text, on
//! character boundaries, with `start <= end`.
#![no_main]

use estatelint::source::Span;
use estatelint::yaml::{self, Node, Value};
use libfuzzer_sys::fuzz_target;

fn check_span(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{what} span {start}..{end} outside 0..{}",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what} span {start}..{end} not on char boundaries"
    );
}

fn walk(text: &str, node: &Node, depth: usize) {
    assert!(depth <= yaml::MAX_DEPTH + 1, "tree deeper than the cap");
    check_span(text, node.span, "node");
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|n| walk(text, n, depth + 1)),
        Value::Map(entries) => {
            for e in entries {
                walk(text, &e.key, depth + 1);
                walk(text, &e.value, depth + 1);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = yaml::load(&text);
    for doc in &loaded.documents {
        walk(&text, &doc.root, 0);
    }
    for e in &loaded.errors {
        check_span(&text, e.span, "error");
        if let Some((span, _)) = &e.related {
            check_span(&text, *span, "related");
        }
    }
});
