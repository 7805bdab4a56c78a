//! Regular expressions matched from many threads at once: each thread matches with a copy of
//! its own, because the `regex` crate's shared search caches serialise other threads on a lock
//! (a third of a whole-document secret scan went to it).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;

/// A compiled regular expression for matching in parallel.
#[derive(Clone, Debug)]
pub struct ThreadRegex {
    /// Tells this expression's copies apart from any other's.
    id: u64,
    regex: Regex,
}

/// Copies a thread keeps; the oldest is let go past this many (expressions of packs loaded
/// by earlier runs in the same process are not asked for again).
const COPIES: usize = 64;

thread_local! {
    static THREAD_COPIES: RefCell<Vec<(u64, Regex)>> = const { RefCell::new(Vec::new()) };
}

impl ThreadRegex {
    pub fn new(regex: Regex) -> ThreadRegex {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ThreadRegex {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            regex,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
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
}
