//! tracing setup: human lines by default, JSON on request; RUST_LOG overrides the level at
//! start. The level can be changed later ([`set_level`], on a configuration reload).

use crate::config::{LogFormat, LogSettings};
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

type SetFilter = Box<dyn Fn(EnvFilter) -> Result<(), String> + Send + Sync>;

static SET_FILTER: OnceLock<SetFilter> = OnceLock::new();

/// Installs the global subscriber (logs go to stderr). Safe to call once.
pub fn init(s: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&s.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match s.format {
        LogFormat::Human => {
            let builder = builder.with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| handle.reload(f).map_err(|e| e.to_string())));
            }
        }
        LogFormat::Json => {
            let builder = builder.json().with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| handle.reload(f).map_err(|e| e.to_string())));
            }
        }
    }
}

/// Replaces the level filter (e.g. `debug`, `wasteflow=debug,info`).
pub fn set_level(level: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(level).map_err(|e| format!("log.level {level:?}: {e}"))?;
    match SET_FILTER.get() {
        Some(set) => set(filter),
        None => Err("logging is not initialised".into()),
    }
}
