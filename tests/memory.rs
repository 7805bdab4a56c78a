//! The estate's documents in heaps of their own (`estatelint::memory::long_lived`), as the
//! binary runs them: with mimalloc as the allocator and `memory::configure` called. (The
//! library's own tests allocate with the system's allocator, where `long_lived` gives
//! ordinary boxes.)

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use estatelint::memory::{configure, long_lived};

/// Blocks of `n` bytes kept while short-lived ones of the same size come and go between
/// them, as the parser's strings do between two documents: where each kept one starts.
fn kept_among_others(n: usize, keep: impl Fn(&[u8]) -> Box<[u8]>) -> (Vec<Box<[u8]>>, Vec<usize>) {
    let mut kept = Vec::new();
    let mut others = Vec::new();
    for i in 0..200u8 {
        others.push(vec![i; n].into_boxed_slice());
        kept.push(keep(&vec![i; n]));
        others.push(vec![i; n].into_boxed_slice());
    }
    let starts = kept.iter().map(|b| b.as_ptr() as usize).collect();
    (kept, starts)
}

/// The bytes from the first block's start to the last block's end.
fn spread(starts: &[usize], n: usize) -> usize {
    starts.iter().max().unwrap() + n - starts.iter().min().unwrap()
}

#[test]
fn documents_are_packed_apart_from_short_lived_blocks_and_freed_from_any_thread() {
    configure();
    let n = 96;
    // Ordinary boxes of a size share pages with everything else of that size...
    let (_, mixed) = kept_among_others(n, |b| b.into());
    assert!(spread(&mixed, n) >= 2 * 200 * n, "{}", spread(&mixed, n));
    // ...the documents fill pages of their own, one after another.
    let (kept, packed) = kept_among_others(n, long_lived);
    assert!(spread(&packed, n) < 2 * 200 * n, "{}", spread(&packed, n));
    for (i, b) in kept.iter().enumerate() {
        assert_eq!(**b, vec![i as u8; n][..]);
    }
    // Made on worker threads, read and freed on this one (as the estate's documents are).
    let made: Vec<Box<[u8]>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4u8)
            .map(|t| {
                s.spawn(move || {
                    (0..500)
                        .map(|i| long_lived(format!("{t}:{i}").as_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    for (k, b) in made.iter().enumerate() {
        assert_eq!(
            std::str::from_utf8(b).unwrap(),
            format!("{}:{}", k / 500, k % 500)
        );
    }
    drop(made);
    drop(kept);
    assert!(long_lived(b"").is_empty());
}
