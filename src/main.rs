//! The `estatelint` binary: everything lives in the library; this only hands over.

/// mimalloc instead of the system allocator: a check allocates millions of small tree nodes
/// from two or more threads, where glibc's malloc spent a fifth of the run (benches/bench.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    estatelint::memory::configure();
    estatelint::cli::main()
}
