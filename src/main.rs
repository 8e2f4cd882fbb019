//! The `wasteflow` binary: parse the command line and hand over to [`wasteflow::cli`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    wasteflow::cli::dispatch(wasteflow::cli::Cli::parse())
}
