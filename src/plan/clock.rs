//! Local days and hours of the zone's time zone, from UTC offsets the database computed
//! (`AT TIME ZONE`), and the openings of a collection window.

use crate::zone::CollectionWindow;

/// Seconds in a day.
pub const DAY_S: i64 = 86_400;

/// The zone's UTC offset over time: `(utc_s, offset_s)` samples, each in force from its
/// instant on (sorted; the first one also before it).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    samples: Vec<(i64, i32)>,
}

impl LocalClock {
    /// One offset for all time (e.g. 3600 for winter time in Paris).
    pub fn fixed(offset_s: i32) -> LocalClock {
        LocalClock { samples: vec![(i64::MIN, offset_s)] }
    }

    /// From samples (e.g. hourly over the planned period); sorted here.
    pub fn from_samples(mut samples: Vec<(i64, i32)>) -> LocalClock {
        samples.sort_by_key(|s| s.0);
        samples.dedup_by(|b, a| a.1 == b.1);
        if samples.is_empty() {
            samples.push((i64::MIN, 0));
        }
        LocalClock { samples }
    }

    /// The offset in force at `utc_s`.
    pub fn offset_at(&self, utc_s: i64) -> i32 {
        let i = self.samples.partition_point(|s| s.0 <= utc_s);
        self.samples[i.saturating_sub(1)].1
    }

    /// Local seconds "since the epoch" (the UTC instant shifted by the offset).
    pub fn to_local(&self, utc_s: i64) -> i64 {
        utc_s + i64::from(self.offset_at(utc_s))
    }

    /// The UTC instant of a local time (in a repeated hour, the first; in a skipped hour, the
    /// instant an hour later).
    pub fn to_utc(&self, local_s: i64) -> i64 {
        let guess = local_s - i64::from(self.offset_at(local_s));
        local_s - i64::from(self.offset_at(guess))
    }

    /// The local day (days since 1970-01-01) of an instant.
    pub fn local_day(&self, utc_s: i64) -> i64 {
        self.to_local(utc_s).div_euclid(DAY_S)
    }

    /// The windows `[open, close)` (UTC seconds) of `w` that overlap `[from_s, to_s)`, in order.
    pub fn openings(&self, w: &CollectionWindow, from_s: i64, to_s: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for day in self.local_day(from_s) - 1..=self.local_day(to_s) + 1 {
            if !w.on(weekday(day)) {
                continue;
            }
            let open = self.to_utc(day * DAY_S + i64::from(w.from_min) * 60);
            let close = self.to_utc(day * DAY_S + i64::from(w.to_min) * 60);
            if close > from_s && open < to_s {
                out.push((open, close));
            }
        }
        out
    }
}

/// Weekday of a day since the epoch, 0 = Monday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Why a planning input is refused: the plan layer's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0:?} is not a date; write YYYY-MM-DD (a local date of the zone's time zone)")]
    NotADate(String),
}

/// A `YYYY-MM-DD` date as days since 1970-01-01.
pub fn parse_date(s: &str) -> Result<i64, PlanError> {
    let bad = || PlanError::NotADate(s.to_string());
    let mut parts = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i64, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let day = days_from_civil(y, m, d);
    if y.to_string().len() != 4 || civil_from_days(day) != (y, m, d) {
        return Err(bad());
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paris: +1 h until 2026-03-29 01:00 UTC, then +2 h.
    fn paris_spring_2026() -> LocalClock {
        let change = days_from_civil(2026, 3, 29) * DAY_S + 3600;
        LocalClock::from_samples(vec![(change - 7200, 3600), (change, 7200)])
    }

    #[test]
    fn dates_round_trip_and_weekdays_are_right() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_date("2026-12-07"), Ok(days_from_civil(2026, 12, 7)));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(weekday(days_from_civil(2026, 12, 7)), 0, "7 December 2026 is a Monday");
        assert!(parse_date("2026-02-29").is_err() && parse_date("7/12/2026").is_err());
    }

    #[test]
    fn window_openings_follow_local_time_across_the_clock_change() {
        let clock = paris_spring_2026();
        let w = CollectionWindow { days: 0b1111111, from_min: 7 * 60, to_min: 16 * 60 };
        let sat = days_from_civil(2026, 3, 28) * DAY_S;
        let o = clock.openings(&w, sat, sat + 2 * DAY_S);
        // Saturday 07:00 local = 06:00 UTC (+1 h); Sunday 07:00 local = 05:00 UTC (+2 h).
        assert_eq!(o[0], (sat + 6 * 3600, sat + 15 * 3600));
        assert_eq!(o[1], (sat + DAY_S + 5 * 3600, sat + DAY_S + 14 * 3600));
        assert_eq!(clock.local_day(sat + DAY_S - 1800), sat / DAY_S + 1, "23:30 UTC is 00:30 local");
    }
}
