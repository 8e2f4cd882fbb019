//! The `wasteflow` binary: parse the command line and hand over to [`wasteflow::cli`].

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    match wasteflow::cli::Cli::try_parse() {
        Ok(cli) => wasteflow::cli::dispatch(cli),
        // --help and --version print and succeed; a command line clap refuses is a usage
        // error: 64, like every other (docs: cli exit codes).
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                std::process::ExitCode::from(wasteflow::cli::EX_USAGE)
            } else {
                std::process::ExitCode::SUCCESS
            }
        }
    }
}
