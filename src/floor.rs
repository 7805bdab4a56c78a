//! The benchmark's floor (`benches/bench.sh`): the same discovery and saphyr-parser parsing as
//! `estatelint check`, with the same parallelism and allocator, and nothing else (no tree, no
//! schema, no rules). Run as the hidden `estatelint parse-floor DIR`, inside the binary that
//! checks, so that the parser runs the very machine code the check runs, at the same
//! addresses: as a separate program (an example) it ran the same code placed elsewhere, and
//! placement alone moved the parser's speed by a tenth and more (README "Performance").

use std::path::Path;

use rayon::prelude::*;

use crate::check::no_such_path;
use crate::diag::Fatal;
use crate::discover::{discover, Filter};

/// What the floor read: files, bytes and saphyr-parser events.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub bytes: usize,
    pub events: usize,
}

/// Discovers the estate files under `dir` as `check` does (no config, no globs) and parses
/// each with saphyr-parser, in parallel, counting its events. A file that cannot be read or
/// parsed counts no events (the floor times parsing; it reports nothing).
pub fn run(dir: &Path) -> Result<Counts, Fatal> {
    let filter = Filter::new(Path::new("."), &[], &[]).map_err(|e| Fatal::message(e.error))?;
    let found = discover(&[dir.to_path_buf()], &filter).map_err(|m| no_such_path(&m))?;
    let (events, bytes) = found
        .files
        .par_iter()
        .map(|path| match std::fs::read_to_string(path) {
            Ok(text) => (crate::yaml::count_events(&text).unwrap_or(0), text.len()),
            Err(_) => (0, 0),
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(Counts {
        files: found.files.len(),
        bytes,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_parses_every_estate_file_and_counts_its_events() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let a = "a: 1\n---\nb: [x]\n";
        let b = "c: d\n";
        std::fs::write(dir.join("a.yaml"), a).unwrap();
        std::fs::write(dir.join("sub/b.yml"), b).unwrap();
        // Not an estate file: neither read nor counted.
        std::fs::write(dir.join("notes.txt"), "not yaml: [").unwrap();
        let events = |t: &str| crate::yaml::count_events(t).unwrap();
        // `c: d`: stream, document and mapping, each started and ended, and two scalars.
        assert_eq!(events(b), 8);
        assert_eq!(
            run(dir).unwrap(),
            Counts {
                files: 2,
                bytes: a.len() + b.len(),
                events: events(a) + events(b),
            }
        );
        let gone = dir.to_path_buf();
        drop(tmp);
        assert!(run(&gone).is_err_and(|f| f.message.starts_with("no such file or folder")));
    }
}
