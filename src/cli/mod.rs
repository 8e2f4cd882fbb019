//! The command line: parsing and one function per subcommand.
//!
//! Exit codes: 0 success, 1 failure at run time (or `verify` found mismatches), 3 `register
//! export` wrote incomplete lines or held lines back until their date (without
//! `--allow-incomplete`),
//! 64 invalid configuration or usage (EX_USAGE: a command line clap refuses too, and at `run` a
//! `zone.time_zone` the database does not accept, or a database that refuses the login for good), 69 `check-config --connect` could not reach
//! or use the database or the broker (EX_UNAVAILABLE), 75 `run` stopped but its grace period
//! (`shutdown.grace`) ran out first: unacknowledged messages are redelivered (EX_TEMPFAIL), 141
//! the reader of stdout went away (`| head`; main.rs).

mod args;
mod broker_queue;
mod check;
mod commands;
mod connect_error;
mod dead_letters;
mod frame_text;
mod installed;
mod plan;
mod plan_args;
mod plan_eval;
mod plan_km;
mod progress;
mod register;
mod reload;
mod report;
mod setup_db;
mod side_client;
mod sim_args;
mod sim_clock;

pub use args::{Cli, Command};
pub use commands::dispatch;

/// Exit code for invalid configuration or usage.
pub const EX_USAGE: u8 = 64;
/// Exit code when a service the configuration names is unavailable.
pub const EX_UNAVAILABLE: u8 = 69;
