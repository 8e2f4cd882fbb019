//! The wall clock, and conversions between milliseconds since the Unix epoch and
//! [`SystemTime`] (what the database driver takes for `timestamptz`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The instant `ms` milliseconds after the Unix epoch (before it when negative).
pub fn system_time(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// PostgreSQL's `timestamptz` range in milliseconds since the Unix epoch: from 4714-11-24 BC
/// (included) to 294277-01-01 (excluded). A time outside it makes the database refuse the whole
/// statement ("timestamp out of range", SQLSTATE 22008): every time a stage hands the database
/// is checked against it first ([`fits_timestamptz`]).
pub const PG_TIMESTAMP_MIN_MS: i64 = crate::calendar::PG_TIMESTAMP_MIN.as_millis();
/// See [`PG_TIMESTAMP_MIN_MS`].
pub const PG_TIMESTAMP_END_MS: i64 = crate::calendar::PG_TIMESTAMP_END.as_millis();

/// True when PostgreSQL can hold `ms` as a `timestamptz`.
pub fn fits_timestamptz(ms: i64) -> bool {
    (PG_TIMESTAMP_MIN_MS..PG_TIMESTAMP_END_MS).contains(&ms)
}

/// Milliseconds since the Unix epoch of `t` (negative before it).
pub fn ms_since_epoch(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_on_both_sides_of_the_epoch() {
        for ms in [-86_400_123, -1, 0, 1, 1_700_000_000_123] {
            assert_eq!(ms_since_epoch(system_time(ms)), ms);
        }
    }
}
