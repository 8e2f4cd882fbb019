//! What is wrong with a configuration: every problem, each with its key and its fix.

use std::fmt;

/// One invalid value: where it is, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key (`mqtt.url`) or the file concerned.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Every problem found while loading, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<Problem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

/// Why one value of the configuration is refused, where a check is worth a function of its
/// own (the other checks word their problem in place).
/// Why local days need whole-hour offsets, said in every refusal.
pub const WHOLE_HOURS: &str = "local days, months and years are summed from hourly rollups, \
    so the zone's UTC offset must always be a whole number of hours";

/// Where the system keeps its IANA time zone database (`zone.time_zone` is checked there).
pub const ZONEINFO: &str = "/usr/share/zoneinfo";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0:?} is not a time zone name; write the IANA name of the zone's time zone, e.g. \"Europe/Paris\"")]
    NotATimeZone(String),
    #[error("{0:?} has a UTC offset that is not a whole number of hours: {WHOLE_HOURS}")]
    PartHourTimeZone(String),
    #[error(
        "{name:?} is not a time zone of this system's IANA database ({}){}",
        ZONEINFO,
        near.as_ref().map(|n| format!("; did you mean {n:?}?")).unwrap_or_default()
    )]
    UnknownTimeZone { name: String, near: Option<String> },
    #[error("{0:?} is not a tracing filter; {LOG_LEVEL_FIX}")]
    NotAFilter(String),
    #[error("{0:?} names no level (trace, debug, info, warn, error, off); {LOG_LEVEL_FIX}")]
    NoLevel(String),
}

/// How to write `log.level`, said in its refusals.
const LOG_LEVEL_FIX: &str = "use e.g. info, debug or wasteflow=debug,info";

/// Adds the problem of `key`.
pub(super) fn push(problems: &mut Vec<Problem>, key: &str, message: impl Into<String>) {
    problems.push(Problem { key: key.to_string(), message: message.into() });
}
