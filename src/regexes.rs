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

/// Literals of which every match of an expression in an ASCII text holds one, with ASCII
/// letters lowercased, found in a text with SIMD (aho-corasick's Teddy): a whole-document
/// search first looks for them in the document's scalars, and runs the expression only on
/// the scalars that hold one. Built from the expression's syntax, each part read as it can
/// match ASCII text: a class stands for its ASCII members lowercased (`(?i)s` is `[Ssſ]`,
/// which on ASCII text is `s` or `S`), a part that cannot match ASCII text matches nothing.
/// `None` when some way to match holds no literal (`\w+`) or only one of a common byte, or
/// the literals are too many for the SIMD search.
#[derive(Clone, Debug)]
pub struct Required {
    /// The literals of two bytes or more (Teddy fingerprints up to three first bytes: one
    /// of a single byte would make every `a` a candidate).
    searcher: Option<aho_corasick::AhoCorasick>,
    /// The literals of one (rare) byte, searched with memchr.
    bytes: Vec<u8>,
}

/// Most literals a set holds (Teddy's limit).
const MOST_LITERALS: usize = 64;
/// Most ASCII members of a class taken as literals of one byte each.
const MOST_CLASS: usize = 8;

impl Required {
    pub fn of(pattern: &str) -> Option<Required> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let mut set = best(&info(&hir))?;
        set.sort();
        set.dedup();
        // A literal of one common byte would be found everywhere.
        let useless = |l: &Vec<u8>| l.is_empty() || (l.len() < 2 && !l.iter().any(|&b| rare(b)));
        if set.iter().any(|l| useless(l) || l.contains(&b'\n')) || set.len() > MOST_LITERALS {
            return None;
        }
        let (bytes, longer): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
            set.into_iter().partition(|l| l.len() == 1);
        if bytes.len() > 3 {
            return None;
        }
        let searcher = match longer.is_empty() {
            true => None,
            false => Some(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(&longer)
                    .ok()?,
            ),
        };
        Some(Required {
            searcher,
            bytes: bytes.concat(),
        })
    }

    /// Where in `lowered` (an ASCII text with its letters lowercased) at or after `from` a
    /// literal starts first.
    pub fn find(&self, lowered: &[u8], from: usize) -> Option<usize> {
        self.hits(lowered).next_from(from)
    }

    /// The places literals start in `lowered`, asked for in increasing order
    /// ([`Hits::next_from`]).
    pub fn hits<'h>(&'h self, lowered: &'h [u8]) -> Hits<'h> {
        Hits {
            required: self,
            lowered,
            longer: Found::Unsearched,
            byte: Found::Unsearched,
        }
    }

    /// The first literal of two bytes or more at or after `from`.
    fn find_longer(&self, lowered: &[u8], from: usize) -> Option<usize> {
        let searcher = self.searcher.as_ref()?;
        searcher
            .find(aho_corasick::Input::new(lowered).range(from..))
            .map(|m| m.start())
    }

    /// The first rare byte at or after `from`.
    fn find_byte(&self, lowered: &[u8], from: usize) -> Option<usize> {
        let rest = lowered.get(from..)?;
        match self.bytes[..] {
            [] => None,
            [a] => memchr::memchr(a, rest),
            [a, b] => memchr::memchr2(a, b, rest),
            [a, b, c, ..] => memchr::memchr3(a, b, c, rest),
        }
        .map(|at| from + at)
    }

    #[cfg(test)]
    fn literals(&self) -> usize {
        self.searcher.as_ref().map_or(0, |s| s.patterns_len()) + self.bytes.len()
    }
}

/// Where the next literal of each kind is, as far as searched: each searcher runs again only
/// once the caller has passed what it found, so a text is read once by each however many
/// hits the other has (searched from each hit, a rare `@` at the end of a large text was
/// looked for again after every other hit).
pub struct Hits<'h> {
    required: &'h Required,
    lowered: &'h [u8],
    longer: Found,
    byte: Found,
}

#[derive(Clone, Copy)]
enum Found {
    Unsearched,
    /// Searched from somewhere at or before the place asked for: the first at or after it
    /// is this one, or none.
    At(Option<usize>),
}

impl Hits<'_> {
    /// The first place at or after `from` where a literal starts; `from` never goes back.
    pub fn next_from(&mut self, from: usize) -> Option<usize> {
        let (required, lowered) = (self.required, self.lowered);
        let longer = Self::refresh(&mut self.longer, from, |f| required.find_longer(lowered, f));
        let byte = Self::refresh(&mut self.byte, from, |f| required.find_byte(lowered, f));
        match (longer, byte) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn refresh(
        found: &mut Found,
        from: usize,
        search: impl Fn(usize) -> Option<usize>,
    ) -> Option<usize> {
        match *found {
            Found::At(None) => None,
            Found::At(Some(at)) if at >= from => Some(at),
            _ => {
                let at = search(from);
                *found = Found::At(at);
                at
            }
        }
    }
}

/// What a part of an expression matches in ASCII text, lowercased: every string it can match
/// (`exact`, when they are few; empty: it matches nothing), or literals one of which each
/// of its matches holds (`required`).
#[derive(Clone, Default)]
struct Info {
    exact: Option<Vec<Vec<u8>>>,
    required: Option<Vec<Vec<u8>>>,
}

impl Info {
    fn exact(strings: Vec<Vec<u8>>) -> Info {
        Info {
            exact: Some(strings),
            required: None,
        }
    }
}

/// The literals one of which every match holds: the strings matched, or the required ones,
/// whichever is better.
fn best(info: &Info) -> Option<Vec<Vec<u8>>> {
    let exact = info
        .exact
        .clone()
        .filter(|set| !set.iter().any(Vec::is_empty));
    match (exact, info.required.clone()) {
        (Some(a), Some(b)) => Some(better(a, b)),
        (a, b) => a.or(b),
    }
}

/// Whether `byte` is seldom in an estate's strings: not a letter, digit, space or the
/// punctuation of names, paths, URLs and dates.
fn rare(byte: u8) -> bool {
    !(byte.is_ascii_alphanumeric() || b" \t\n-./:_,".contains(&byte))
}

/// The set fewer places are likely to hold: one whose every literal holds a rare byte
/// ([`rare`]: the `@` of `user:password@host` rather than its `://`), then the one whose
/// shortest literal is longer, then the smaller.
fn better(a: Vec<Vec<u8>>, b: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let score = |s: &Vec<Vec<u8>>| {
        let all_rare = s.iter().all(|l| l.iter().any(|&b| rare(b)));
        let shortest = s.iter().map(Vec::len).min().unwrap_or(usize::MAX);
        (all_rare, shortest, std::cmp::Reverse(s.len()))
    };
    if score(&b) > score(&a) {
        b
    } else {
        a
    }
}

/// Every concatenation of a string of `a` and one of `b`, if they are few enough.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len().saturating_mul(b.len()) > MOST_LITERALS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [&x[..], &y[..]].concat()))
            .collect(),
    )
}

fn info(hir: &regex_syntax::hir::Hir) -> Info {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
        HirKind::Literal(lit) => Info::exact(if lit.0.is_ascii() {
            vec![lit.0.to_ascii_lowercase()]
        } else {
            Vec::new()
        }),
        HirKind::Class(class) => {
            let mut members = [false; 128];
            let mut mark = |from: u32, to: u32| {
                for b in from..=to.min(127) {
                    members[(b as u8).to_ascii_lowercase() as usize] = true;
                }
            };
            match class {
                Class::Unicode(c) => c
                    .ranges()
                    .iter()
                    .for_each(|r| mark(r.start() as u32, r.end() as u32)),
                Class::Bytes(c) => c
                    .ranges()
                    .iter()
                    .for_each(|r| mark(u32::from(r.start()), u32::from(r.end()))),
            }
            let chars: Vec<Vec<u8>> = (0..128u8)
                .filter(|&b| members[b as usize])
                .map(|b| vec![b])
                .collect();
            if chars.len() <= MOST_CLASS {
                Info::exact(chars)
            } else {
                Info::default()
            }
        }
        HirKind::Capture(capture) => info(&capture.sub),
        HirKind::Repetition(rep) => {
            let sub = info(&rep.sub);
            match (rep.min, rep.max) {
                (1, Some(1)) => sub,
                (0, Some(1)) => Info {
                    exact: sub.exact.map(|mut set| {
                        set.push(Vec::new());
                        set
                    }),
                    required: None,
                },
                (0, _) => Info::default(),
                _ => Info {
                    exact: None,
                    required: best(&sub),
                },
            }
        }
        HirKind::Concat(parts) => {
            let infos: Vec<Info> = parts.iter().map(info).collect();
            if infos
                .iter()
                .any(|i| i.exact.as_ref().is_some_and(Vec::is_empty))
            {
                return Info::exact(Vec::new());
            }
            let mut found: Option<Vec<Vec<u8>>> = None;
            let mut offer = |set: Option<Vec<Vec<u8>>>| {
                if let Some(set) = set.filter(|s| !s.iter().any(Vec::is_empty)) {
                    found = Some(match found.take() {
                        Some(f) => better(f, set),
                        None => set,
                    });
                }
            };
            // Runs of parts whose strings are known, joined; and each part's own.
            let mut run: Option<Vec<Vec<u8>>> = Some(vec![Vec::new()]);
            let mut whole = Some(vec![Vec::new()]);
            for i in &infos {
                offer(best(i));
                match &i.exact {
                    Some(set) => {
                        whole = whole.and_then(|w| product(&w, set));
                        run = match run.as_deref().and_then(|r| product(r, set)) {
                            Some(joined) => Some(joined),
                            None => {
                                offer(run.take());
                                Some(set.clone())
                            }
                        };
                    }
                    None => {
                        whole = None;
                        offer(run.replace(vec![Vec::new()]));
                    }
                }
            }
            offer(run);
            Info {
                exact: whole,
                required: found,
            }
        }
        HirKind::Alternation(branches) => {
            let infos: Vec<Info> = branches.iter().map(info).collect();
            let exact = infos
                .iter()
                .map(|i| i.exact.clone())
                .collect::<Option<Vec<_>>>()
                .map(|sets| sets.concat())
                .filter(|set| set.len() <= MOST_LITERALS);
            // A branch that cannot match ASCII text needs no literal.
            let required = infos
                .iter()
                .filter(|i| !i.exact.as_ref().is_some_and(Vec::is_empty))
                .map(best)
                .collect::<Option<Vec<_>>>()
                .map(|sets| sets.concat());
            Info { exact, required }
        }
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
    use proptest::strategy::Strategy;

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

    fn literals_of(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let mut set = best(&info(&hir))?;
        set.sort();
        set.dedup();
        Some(
            set.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect(),
        )
    }

    #[test]
    fn the_literals_every_match_holds() {
        let lits = |p: &str| literals_of(p).map(|l| l.join(" "));
        assert_eq!(
            lits(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b").as_deref(),
            Some("akia asia")
        );
        assert_eq!(
            lits(r"gh[pousr]_x").as_deref(),
            Some("gho_x ghp_x ghr_x ghs_x ghu_x")
        );
        assert_eq!(
            lits(r"(?i:pwd|api[_-]?key)").as_deref(),
            Some("api-key api_key apikey pwd")
        );
        // A rare byte before a longer common piece: `@` rather than `://` or `:`.
        assert_eq!(lits(r"[a-z]+://[^@]+:[^@]*@").as_deref(), Some("@"));
        // Otherwise the longest sure piece.
        assert_eq!(lits(r"[a-z]+://[^@]+:x").as_deref(), Some("://"));
        // Nothing sure to look for.
        assert_eq!(lits(r"\w+|abc"), None);
        assert_eq!(lits(r"a*"), None);
        // A branch that cannot match ASCII text asks for nothing.
        assert_eq!(lits(r"é|xyz").as_deref(), Some("xyz"));
    }

    #[test]
    fn hits_come_in_order_from_both_searchers() {
        // `key` found by the multi-literal searcher, `@` by memchr.
        let required = Required::of(r"key|@").expect("literals");
        assert_eq!(
            (required.bytes.as_slice(), required.literals()),
            (&b"@"[..], 2)
        );
        let text = b"xkey..x@..xkey xkey..........x@";
        let mut hits = required.hits(text);
        let (mut from, mut found) = (0, Vec::new());
        while let Some(at) = hits.next_from(from) {
            found.push(at);
            from = at + 1;
        }
        let naive: Vec<usize> = (0..text.len())
            .filter(|&i| text[i..].starts_with(b"key") || text[i..].starts_with(b"@"))
            .collect();
        assert_eq!(found, naive);
        // Asked past a hit, the next one at or after the place asked for.
        let mut hits = required.hits(text);
        assert_eq!(hits.next_from(2), Some(7));
        assert_eq!(hits.next_from(8), Some(11));
        assert_eq!(hits.next_from(31), None);
    }

    #[test]
    fn the_built_in_secret_scan_has_literals() {
        let packs = crate::pack::Packs::builtin().unwrap();
        let rule = packs.rule("security/plaintext-secret").unwrap();
        let crate::checks::Check::Pattern { regex, .. } = &rule.check else {
            panic!("not a pattern");
        };
        let required = Required::of(regex.as_str()).expect("literals");
        assert!(required.literals() > 20, "{}", required.literals());
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

    /// Strings made of pieces of the literals (in any case), near misses and filler.
    fn secretish() -> impl proptest::strategy::Strategy<Value = String> {
        let piece = proptest::sample::select(vec![
            "password",
            "PassWord",
            "pwd",
            "Token",
            "SECRET",
            "api_key",
            "api-Key",
            "apikey",
            "access_key",
            "AKIA",
            "ASIA",
            "ghp_",
            "gHo_",
            "xoxb-",
            "glpat-",
            "eyJ",
            ".eyJ",
            "-----BEGIN RSA PRIVATE KEY",
            "private key",
            "hooks.slack.com/services/T",
            "sk_live_",
            "AIza",
            "://",
            "@",
            ":",
            "=",
            "\"",
            "'",
            " ",
            "\t",
            "\r",
            "0",
            "9",
            "A",
            "Z",
            "a",
            "z",
            "_",
            "-",
            "/",
            "x1$",
            "ab12cd34EF",
            "user:p4ss@host",
            "https://u:p4ss@h",
            "s3cr3t!",
            "ABCDEFGHIJKLMNOP",
        ]);
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        /// What makes the literals sound: a string the expression matches holds one of them
        /// (ASCII letters in any case).
        #[test]
        fn a_match_holds_a_literal(text in secretish()) {
            let packs = crate::pack::Packs::builtin().unwrap();
            let rule = packs.rule("security/plaintext-secret").unwrap();
            let crate::checks::Check::Pattern { regex, .. } = &rule.check else {
                panic!("not a pattern");
            };
            let required = Required::of(regex.as_str()).unwrap();
            let lowered = text.to_ascii_lowercase().into_bytes();
            if regex.is_match(&text) {
                proptest::prop_assert!(required.find(&lowered, 0).is_some(), "{:?}", text);
            }
        }

        #[test]
        fn a_match_holds_a_literal_of_other_expressions(
            text in "[a-cA-C@:/ \\n=]{0,12}",
            pattern in proptest::sample::select(vec![
                r"(?i)abc", r"a[bc]{2}|cc@", r"[a-c]+://[^@]+@", r"(?i:b)+a=c", r"\bab\b",
                r"(?:ab|ba)c?:", r"a.c", r"C(?i:ab)",
            ]),
        ) {
            let r = regex(pattern);
            if let Some(required) = Required::of(pattern) {
                if r.is_match(&text) {
                    let lowered = text.to_ascii_lowercase().into_bytes();
                    proptest::prop_assert!(required.find(&lowered, 0).is_some(), "{:?} {:?}", pattern, text);
                }
            }
        }

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
