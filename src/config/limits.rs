//! Values that parse but make no sense: each is named with the range it must fall in and why.
//! (Found by an independent reading of the documentation against the daemon.)

use super::problem::{push, Problem, ValueError};
use super::settings::Settings;
use std::time::Duration;

/// The broker keeps the daemon's session, and the readings published while it is away, only
/// this long at least: a shorter session loses them at every restart.
const MIN_SESSION_EXPIRY: Duration = Duration::from_secs(3600);

/// Appends a problem for every value outside its sensible range.
pub(super) fn check_ranges(s: &Settings, problems: &mut Vec<Problem>) {
    if s.mqtt.session_expiry < MIN_SESSION_EXPIRY {
        push(
            problems,
            "mqtt.session_expiry",
            "must be at least 1h: the broker keeps what is published while the daemon is away only as long as \
             its session (e.g. 7days)",
        );
    }
    if s.validation.max_past < Duration::from_secs(60) {
        push(problems, "validation.max_past", "must be at least 1m, or every reading is refused (e.g. 30days)");
    }
    let l = &s.live;
    if !(0.0..=100.0).contains(&l.battery_low_pct) {
        push(problems, "live.battery_low_pct", "must be a percentage from 0 to 100 (e.g. 15)");
    }
    if !(-50.0..=400.0).contains(&l.fire_temperature_c) {
        push(
            problems,
            "live.fire_temperature_c",
            "must lie in the temperature range a sensor can report, -50 to 400 (e.g. 70)",
        );
    }
    if !(l.fire_rise_c_per_min > 0.0 && l.fire_rise_c_per_min.is_finite()) {
        push(problems, "live.fire_rise_c_per_min", "must be above 0 degrees per minute (e.g. 5)");
    }
    if !(l.tilt_max_deg > 10.0 && l.tilt_max_deg < 180.0) {
        push(problems, "live.tilt_max_deg", "must be above 10 and below 180 degrees from upright (e.g. 45)");
    }
    if l.lid_open_max.as_secs() < 60 {
        push(problems, "live.lid_open_max", "must be at least 1m (e.g. \"30m\")");
    }
    if !(l.emptied_drop_pct > 0.0 && l.emptied_drop_pct <= 150.0) {
        push(problems, "live.emptied_drop_pct", "must be above 0 and at most 150 fill points (e.g. 40)");
    }
    if l.overflow_lead_time.is_zero() {
        push(problems, "live.overflow_lead_time", "must be above zero (e.g. 2h)");
    }
    if s.shutdown.grace.is_zero() {
        push(problems, "shutdown.grace", "must be above zero: in-flight batches need time to commit (e.g. 10s)");
    }
    if s.service.loop_stall_after < Duration::from_secs(1) {
        push(problems, "service.loop_stall_after", "must be at least 1s: loops report every second at most (e.g. 30s)");
    }
    if let Err(why) = check_log_level(&s.log.level) {
        push(problems, "log.level", why.to_string());
    }
}

/// A tracing filter whose every directive names a level: `info`, `debug`, or `target=level`
/// (`wasteflow=debug,info`). A bare word that is not a level would be read as a target name
/// and switch every other log line off, errors included.
pub(super) fn check_log_level(filter: &str) -> Result<(), ValueError> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    if tracing_subscriber::EnvFilter::try_new(filter).is_err() || filter.trim().is_empty() {
        return Err(ValueError::NotAFilter(filter.to_string()));
    }
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, level)| level);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(ValueError::NoLevel(directive.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_must_name_a_level() {
        for ok in ["info", "debug", "wasteflow=debug,info", "WARN", "wasteflow::store=trace, warn"] {
            assert_eq!(check_log_level(ok), Ok(()), "{ok}");
        }
        for bad in ["loud", "wasteflow", "info,loud", "", "wasteflow=loud"] {
            assert!(check_log_level(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nonsense_values_are_named() {
        let mut s = Settings::default();
        s.mqtt.session_expiry = Duration::ZERO;
        s.validation.max_past = Duration::ZERO;
        s.live.battery_low_pct = 200.0;
        s.live.fire_temperature_c = -500.0;
        s.live.tilt_max_deg = 180.0;
        s.live.lid_open_max = Duration::from_secs(30);
        s.live.emptied_drop_pct = 0.0;
        s.live.overflow_lead_time = Duration::ZERO;
        s.shutdown.grace = Duration::ZERO;
        s.log.level = "loud".into();
        let mut problems = Vec::new();
        check_ranges(&s, &mut problems);
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "mqtt.session_expiry",
                "validation.max_past",
                "live.battery_low_pct",
                "live.fire_temperature_c",
                "live.tilt_max_deg",
                "live.lid_open_max",
                "live.emptied_drop_pct",
                "live.overflow_lead_time",
                "shutdown.grace",
                "log.level"
            ]
        );
        let mut none = Vec::new();
        check_ranges(&Settings::default(), &mut none);
        assert!(none.is_empty(), "{none:?}");
    }
}
