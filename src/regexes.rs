//! Regular expressions matched from many threads at once: each thread matches with a copy of
//! its own, because the `regex` crate's shared search caches serialise other threads on a lock
//! (a third of a whole-document secret scan went to it). Also which expressions may search
//! many strings at once, joined ([`ThreadRegex::is_joinable`]).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;
use regex_syntax::hir::Look;

/// A compiled regular expression for matching in parallel.
#[derive(Clone, Debug)]
pub struct ThreadRegex {
    /// Tells this expression's copies apart from any other's.
    id: u64,
    regex: Regex,
    /// See [`ThreadRegex::is_joinable`].
    joinable: bool,
}

/// Copies a thread keeps; the oldest is let go past this many (expressions of packs loaded
/// by earlier runs in the same process are not asked for again).
const COPIES: usize = 64;

thread_local! {
    static THREAD_COPIES: RefCell<Vec<(u64, Regex)>> = const { RefCell::new(Vec::new()) };
}

impl ThreadRegex {
    /// `regex` must have been built with the default flags (no `multi_line` or the like set
    /// on a builder): [`ThreadRegex::is_joinable`] reads its pattern so.
    pub fn new(regex: Regex) -> ThreadRegex {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let joinable = regex_syntax::Parser::new()
            .parse(regex.as_str())
            .is_ok_and(|hir| hir.properties().look_set().iter().all(reads_beside));
        ThreadRegex {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            regex,
            joinable,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// Whether a match in any of some strings is also a match in the strings joined by
    /// newlines, so that one search of the joined text can clear them all (a match there may
    /// still be one that no single string has): true when each assertion of the expression
    /// takes a newline beside it as it takes the edge of a text (`reads_beside`).
    pub fn is_joinable(&self) -> bool {
        self.joinable
    }

    /// Whether the expression matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        THREAD_COPIES.with(|copies| {
            let Ok(mut copies) = copies.try_borrow_mut() else {
                // Only a match started inside a match could get here: use the shared one.
                return self.regex.is_match(text);
            };
            if let Some((_, copy)) = copies.iter().find(|(id, _)| *id == self.id) {
                return copy.is_match(text);
            }
            if copies.len() >= COPIES {
                copies.remove(0);
            }
            let copy = self.regex.clone();
            let found = copy.is_match(text);
            copies.push((self.id, copy));
            found
        })
    }
}

/// Whether assertion `look` holds beside a newline wherever it holds at the edge of a text:
/// word boundaries (a newline is no word character) and multi-line `^`/`$`. Not `\A` and `\z`
/// (nor `^`/`$` outside multi-line mode), which see only the joined text's edges, nor the CRLF
/// mode's `^`/`$`, which do not hold between a string's last `\r` and the newline after it.
fn reads_beside(look: Look) -> bool {
    use Look::*;
    matches!(
        look,
        StartLF
            | EndLF
            | WordAscii
            | WordAsciiNegate
            | WordUnicode
            | WordUnicodeNegate
            | WordStartAscii
            | WordEndAscii
            | WordStartUnicode
            | WordEndUnicode
            | WordStartHalfAscii
            | WordEndHalfAscii
            | WordStartHalfUnicode
            | WordEndHalfUnicode
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_match_as_the_expression_does() {
        let a = ThreadRegex::new(Regex::new("^a+$").unwrap());
        let b = ThreadRegex::new(Regex::new("b").unwrap());
        assert!(a.is_match("aaa") && !a.is_match("ab"));
        assert!(b.is_match("ab") && !b.is_match("aa"));
        // Across threads, and past the number of copies a thread keeps.
        std::thread::scope(|s| {
            s.spawn(|| {
                let many: Vec<ThreadRegex> = (0..COPIES + 3)
                    .map(|i| ThreadRegex::new(Regex::new(&format!("^x{i}$")).unwrap()))
                    .collect();
                for (i, r) in many.iter().enumerate() {
                    assert!(r.is_match(&format!("x{i}")));
                    assert!(!r.is_match(&format!("x{i}y")));
                }
                assert!(a.is_match("a") && many[0].is_match("x0"));
            });
        });
        assert_eq!(a.as_str(), "^a+$");
    }

    fn regex(pattern: &str) -> ThreadRegex {
        ThreadRegex::new(Regex::new(pattern).unwrap())
    }

    #[test]
    fn expressions_anchored_to_the_text_are_not_joinable() {
        for pattern in [
            r"^a",
            r"a$",
            r"\Aa",
            r"a\z",
            r"(?R)(?m)a$",
            r"(?Rm)^a",
            r"x|(?:^y)",
        ] {
            assert!(!regex(pattern).is_joinable(), "{pattern}");
        }
        for pattern in [
            r"a",
            r"\ba\b",
            r"\Ba",
            r"(?m)^a$",
            r"\b{start}a\b{end}",
            r"(?-u:\b)a",
        ] {
            assert!(regex(pattern).is_joinable(), "{pattern}");
        }
        // The built-in secret scan is, so it searches each document once.
        let packs = crate::pack::Packs::builtin().unwrap();
        let rule = packs.rule("security/plaintext-secret").unwrap();
        let crate::checks::Check::Pattern { regex, .. } = &rule.check else {
            panic!("plaintext-secret is a pattern check");
        };
        assert!(regex.is_joinable());
    }

    proptest::proptest! {
        /// What makes joining sound: a string's match is still one in the joined text.
        #[test]
        fn a_match_in_a_string_is_one_in_the_strings_joined(
            strings in proptest::collection::vec("[ab \r\n_.:-]{0,5}", 0..5),
            pattern in proptest::sample::select(vec![
                r"\ba\b", r"\Ba", r"a\B", r"(?m)^a", r"(?m)b$", r"(?m)^$", r"\b{start}a",
                r"b\b{end}", r"\b{start-half}a", r"a\b{end-half}", r"(?-u:\b)ab(?-u:\B)",
                r"(?m)^\s*a\s*$", r"[^a]", r"x*",
            ]),
        ) {
            let r = regex(pattern);
            proptest::prop_assert!(r.is_joinable());
            let joined: String = strings.iter().map(|s| format!("{s}\n")).collect();
            if strings.iter().any(|s| r.is_match(s)) {
                proptest::prop_assert!(r.is_match(&joined), "{:?} in {:?}", pattern, strings);
            }
        }
    }
}
