//! estatelint: lints the YAML description of an IT estate against continuity, security and
//! scalability policy, with diagnostics that underline the exact YAML node at fault.

// No panics in production code: `unwrap`/`expect` only where an invariant makes failure
// impossible, with `#[allow]` and a comment naming the invariant.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod baseline;
pub mod bits;
pub mod check;
pub mod checks;
pub mod cli;
pub mod config;
pub mod diag;
pub mod discover;
pub mod engine;
pub mod estate;
pub mod explain;
pub mod expr;
pub mod floor;
pub mod init;
pub mod kind;
pub mod levels;
pub mod links;
pub mod memory;
pub mod pack;
pub mod path;
pub mod regexes;
pub mod report;
pub mod schema;
pub mod select;
pub mod shape;
pub mod source;
pub mod suppress;
pub mod tape;
pub mod tape_json;
pub mod template;
pub mod testing;
pub mod value;
pub mod yaml;
pub mod yaml_json;
