//! estatelint: lints the YAML description of an IT estate against continuity, security and
//! scalability policy, with diagnostics that underline the exact YAML node at fault.

pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod discover;
pub mod estate;
pub mod kind;
pub mod report;
pub mod schema;
pub mod source;
pub mod value;
pub mod yaml;
