//! The benchmark's floor: the same discovery and saphyr-parser parsing as `estatelint check`,
//! with the same parallelism and the same allocator, and nothing else (no tree, no schema, no
//! rules). `cargo run --release --example parse-floor -- DIR`

use std::path::PathBuf;

use estatelint::discover::{discover, Filter};
use rayon::prelude::*;

/// The binary's allocator, set up as the binary sets it (`src/main.rs`): saphyr-parser
/// allocates for every token, and with glibc's malloc the floor took 12-15% longer at 100,000
/// systems, which flattered the ratio check / floor.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    estatelint::memory::configure();
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let filter = match Filter::new(std::path::Path::new("."), &[], &[]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bad filter: {}", e.error);
            std::process::exit(2);
        }
    };
    let found = match discover(&[dir], &filter) {
        Ok(f) => f,
        Err(p) => {
            eprintln!("not found: {}", p.display());
            std::process::exit(2);
        }
    };
    let (events, bytes): (usize, usize) = found
        .files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let n = estatelint::yaml::count_events(&text).unwrap_or(0);
            (n, text.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{} files, {} bytes, {} events",
        found.files.len(),
        bytes,
        events
    );
}
