//! The command line: parsing and one function per subcommand.
//!
//! Exit codes: 0 success, 1 failure at run time (or `verify` found mismatches),
//! 64 invalid configuration or usage (EX_USAGE).

mod args;
mod commands;

pub use args::{Cli, Command};
pub use commands::dispatch;

/// Exit code for invalid configuration or usage.
pub const EX_USAGE: u8 = 64;
