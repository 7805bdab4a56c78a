//! The allocator's settings: how soon mimalloc gives memory freed between phases back to the
//! system, and heaps of their own for the estate's documents ([`long_lived`]).
//!
//! mimalloc 3 keeps freed pages for a second before returning them (`purge_delay`, 1000 ms),
//! so pages a phase let go (the files' texts, the parser's buffers, a rule's tables) stayed in
//! the process while the next phase took new ones: at 100,000 systems the peak was 25-30 MB
//! higher than with a few milliseconds, at no measurable cost in time (benches/bench.sh,
//! README "Performance"). Purging at once (`0`) costs a tenth of the run in system calls.
//!
//! A page goes back from the thread that owns it, when that thread next allocates or
//! collects: pages the main thread frees for a worker (gathering the findings the workers
//! made) would wait for the workers' next phase. [`release`] has the workers give them back
//! while the main thread gathers (at 100,000 systems the peak 219-224 -> 212-214 MB).

use std::os::raw::c_long;
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`; the Rust bindings do not
/// name it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds a freed page waits before it goes back to the system.
const PURGE_DELAY_MS: c_long = 3;

/// Sets the allocator's options; called first thing by the binary, which uses mimalloc. An
/// option set in the environment (`MIMALLOC_PURGE_DELAY`) wins.
pub fn configure() {
    IN_USE.store(true, Ordering::Relaxed);
    set_options();
}

fn set_options() {
    // SAFETY: plain calls into mimalloc's option table, which it guards itself.
    unsafe {
        if !option_from_environment() {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

/// Whether the process allocates with mimalloc ([`configure`] was called: only the binary
/// calls it, whose global allocator mimalloc is; tests allocate with the system's).
static IN_USE: AtomicBool = AtomicBool::new(false);

/// Every thread of the pool gives back to the system the pages it holds free, those other
/// threads freed included (mimalloc returns a page from the thread that owns it, when that
/// thread next allocates or collects). Nothing when mimalloc is not the allocator.
pub fn release() {
    if IN_USE.load(Ordering::Relaxed) {
        // SAFETY: mi_collect only frees what the calling thread's heap holds unused.
        rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    }
}

/// The items of `parts`, in order, moved into one vector by the pool's threads, each part's
/// into its own stretch of it; the parts are left empty (and their buffers freed by the
/// threads that emptied them). At 100,000 systems the 410,000 entities of 40,000 files took
/// 13 ms on one thread with the files' other results, most of it moving entities, touching
/// the new vector's pages for the first time, and freeing 40,000 vectors made by others.
/// The vector has room for `more` items after them.
pub fn concat<T: Send>(mut parts: Vec<&mut Vec<T>>, more: usize) -> Vec<T> {
    use rayon::prelude::*;
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out: Vec<T> = Vec::with_capacity(total + more);
    let mut room = &mut out.spare_capacity_mut()[..total];
    let mut stretches = Vec::with_capacity(parts.len());
    for part in &parts {
        let (stretch, rest) = room.split_at_mut(part.len());
        stretches.push(stretch);
        room = rest;
    }
    parts
        .par_iter_mut()
        .zip(stretches)
        .for_each(|(part, stretch)| {
            for (slot, item) in stretch.iter_mut().zip(std::mem::take(*part)) {
                slot.write(item);
            }
        });
    // SAFETY: the stretches are disjoint, cover the first `total` slots, and each is as long
    // as its part, every item of which was written to it above. (A panic in a thread would
    // have ended this call before here: the items moved so far would leak, never be read.)
    unsafe { out.set_len(total) };
    out
}

/// `bytes` in an allocation of their own that lives as long as the estate (a document's
/// tape): taken from a mimalloc heap of this thread that holds nothing else, so that the
/// documents a thread reads, one file after another, fill pages of their own in that order
/// instead of sharing pages with the parser's short-lived strings and buffers. The index and
/// the rules read every document in estate order, and read them faster so packed (at 100,000
/// systems, medians of eight runs: index 90.8 -> 81.2 ms, rules 396 -> 379 ms; README
/// "Performance"; one heap for all threads mixed the threads' documents and gained little).
/// With another allocator (tests), an ordinary box. (The few documents loaded through the
/// tree, [`crate::tape::Tape::from_node`], are ordinary boxes too.)
pub fn long_lived(bytes: &[u8]) -> Box<[u8]> {
    thread_local! {
        // SAFETY: a new heap, never deleted (its blocks are the estate's documents).
        static HEAP: *mut libmimalloc_sys::mi_heap_t = unsafe { libmimalloc_sys::mi_heap_new() };
    }
    if !IN_USE.load(Ordering::Relaxed) || bytes.is_empty() {
        return bytes.into();
    }
    HEAP.with(|&heap| {
        if heap.is_null() {
            return bytes.into();
        }
        // SAFETY: the block is `bytes.len()` bytes, all written before the box is made; the
        // box is freed by the global allocator, mimalloc (IN_USE), which frees a block of
        // any heap from any thread.
        unsafe {
            let p = libmimalloc_sys::mi_heap_malloc(heap, bytes.len()).cast::<u8>();
            if p.is_null() {
                return bytes.into();
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, bytes.len()))
        }
    })
}

fn option_from_environment() -> bool {
    std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The purge delay in force, in milliseconds.
    fn purge_delay_ms() -> c_long {
        // SAFETY: reads mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
    }

    #[test]
    fn parts_are_joined_in_order_and_left_empty() {
        let mut parts: Vec<Vec<String>> = vec![
            vec!["a".into(), "b".into()],
            Vec::new(),
            (0..1000).map(|i| i.to_string()).collect(),
            vec!["z".into()],
        ];
        let want: Vec<String> = parts.concat();
        let joined = concat(parts.iter_mut().collect(), 3);
        assert_eq!(joined, want);
        assert!(joined.capacity() >= want.len() + 3);
        assert!(parts.iter().all(Vec::is_empty));
        assert!(concat::<u8>(Vec::new(), 0).is_empty());
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc 3's default purge delay is 1000 ms: option 15 is that option (another
        // number would read another default), and configure() shortens it. (Run without
        // MIMALLOC_PURGE_DELAY in the environment.)
        assert_eq!(purge_delay_ms(), 1000);
        // (Not `configure`, which would also say that this process allocates with
        // mimalloc: the test binary allocates with the system's.)
        set_options();
        assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
    }
}
