//! tracing setup: human lines by default, JSON on request; RUST_LOG overrides the level at
//! start. The level can be changed later ([`set_level`], on a configuration reload).

use crate::config::{LogFormat, LogSettings};
use std::io::IsTerminal;
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

type SetFilter = Box<dyn Fn(EnvFilter) -> Result<(), LogError> + Send + Sync>;

/// Why the log level could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("log.level {level:?}: {source}")]
    Filter { level: String, source: tracing_subscriber::filter::ParseError },
    #[error("logging is not initialised")]
    NotInitialised,
    #[error("cannot replace the log filter: {0}")]
    Reload(#[from] tracing_subscriber::reload::Error),
}

static SET_FILTER: OnceLock<SetFilter> = OnceLock::new();

/// Installs the global subscriber (logs go to stderr). Safe to call once.
pub fn init(s: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&s.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").is_some()));
    match s.format {
        LogFormat::Human => {
            let builder = builder.with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| Ok(handle.reload(f)?)));
            }
        }
        LogFormat::Json => {
            let builder = builder.json().with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| Ok(handle.reload(f)?)));
            }
        }
    }
}

/// Colours only on a terminal, and not when `NO_COLOR` is set (no-color.org): a log file or
/// journald (stderr is then a file or a socket) gets plain text, not escape sequences.
fn colours(terminal: bool, no_color: bool) -> bool {
    terminal && !no_color
}

/// Replaces the level filter (e.g. `debug`, `wasteflow=debug,info`).
pub fn set_level(level: &str) -> Result<(), LogError> {
    let filter = EnvFilter::try_new(level).map_err(|source| LogError::Filter { level: level.to_string(), source })?;
    match SET_FILTER.get() {
        Some(set) => set(filter),
        None => Err(LogError::NotInitialised),
    }
}
