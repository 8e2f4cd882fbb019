//! The `wasteflow` binary: parse the command line and hand over to [`wasteflow::cli`].

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    quiet_on_closed_stdout();
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

/// `wasteflow dead-letters list | head`: when the reader of stdout goes away, stop quietly
/// with 141 (128 + SIGPIPE, what a shell reports for a C tool killed by SIGPIPE) instead of a
/// panic message. Rust ignores SIGPIPE, so `println!` panics on the closed pipe; this hook
/// turns that one panic into the usual exit and leaves every other panic as it was.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
