//! Local days and hours of the zone's time zone, from UTC offsets the database computed
//! (`AT TIME ZONE`), and the openings of a collection window.

use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::zone::CollectionWindow;

/// A day, 24 hours (a local day is one, counted in local time).
pub const DAY: SignedDuration = SignedDuration::from_hours(24);
/// An hour.
pub const HOUR: SignedDuration = SignedDuration::from_hours(1);

/// A reading of the zone's wall clock: its local date and time, counted as if the local
/// calendar were UTC (milliseconds from 1970-01-01 00:00 local). Not an instant: the same
/// reading happens at a different instant in every time zone, and twice or never when the
/// clocks change; [`LocalClock::to_utc`] makes it one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(i64);

impl LocalTime {
    /// 00:00 of the local day `day` (days since 1970-01-01).
    pub fn midnight(day: i64) -> LocalTime {
        LocalTime(day.saturating_mul(millis_of(DAY)))
    }

    /// Its local day (days since 1970-01-01).
    pub fn day(self) -> i64 {
        self.0.div_euclid(millis_of(DAY))
    }

    /// Time since its local midnight: 00:00 to 23:59:59.999.
    pub fn time_of_day(self) -> SignedDuration {
        SignedDuration::from_millis(self.0.rem_euclid(millis_of(DAY)))
    }
}

impl std::ops::Add<SignedDuration> for LocalTime {
    type Output = LocalTime;
    /// Saturating, as [`Timestamp`]'s.
    fn add(self, d: SignedDuration) -> LocalTime {
        LocalTime(self.0.saturating_add(millis_of(d)))
    }
}

/// The zone's UTC offset over time: `(instant, offset)` samples, each in force from its
/// instant on (sorted; the first one also before it).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    samples: Vec<(Timestamp, SignedDuration)>,
}

impl LocalClock {
    /// One offset for all time (e.g. one hour for winter time in Paris).
    pub fn fixed(offset: SignedDuration) -> LocalClock {
        LocalClock { samples: vec![(Timestamp::MIN, offset)] }
    }

    /// From samples (e.g. hourly over the planned period); sorted here.
    pub fn from_samples(mut samples: Vec<(Timestamp, SignedDuration)>) -> LocalClock {
        samples.sort_by_key(|s| s.0);
        samples.dedup_by(|b, a| a.1 == b.1);
        if samples.is_empty() {
            samples.push((Timestamp::MIN, SignedDuration::ZERO));
        }
        LocalClock { samples }
    }

    /// The offset in force at `t`.
    pub fn offset_at(&self, t: Timestamp) -> SignedDuration {
        let i = self.samples.partition_point(|s| s.0 <= t);
        self.samples[i.saturating_sub(1)].1
    }

    /// The local wall-clock time at `t` (the instant shifted by the offset).
    pub fn to_local(&self, t: Timestamp) -> LocalTime {
        LocalTime((t + self.offset_at(t)).as_millis())
    }

    /// The instant of a local time (in a repeated hour, the first; in a skipped hour, the
    /// instant an hour later).
    pub fn to_utc(&self, local: LocalTime) -> Timestamp {
        // The offset in force at the instant the local reading names in UTC: a first guess.
        let as_if_utc = Timestamp::from_millis(local.0);
        let guess = as_if_utc - self.offset_at(as_if_utc);
        as_if_utc - self.offset_at(guess)
    }

    /// The local day (days since 1970-01-01) of an instant.
    pub fn local_day(&self, t: Timestamp) -> i64 {
        self.to_local(t).day()
    }

    /// The window `[open, close)` of `w` on the local day `day`, whether it opens that day or not.
    pub fn opening(&self, w: &CollectionWindow, day: i64) -> (Timestamp, Timestamp) {
        let at = |min: u16| self.to_utc(LocalTime::midnight(day) + SignedDuration::from_mins(i64::from(min)));
        (at(w.from_min), at(w.to_min))
    }

    /// The windows `[open, close)` of `w` that overlap `[from, to)`, in order.
    pub fn openings(&self, w: &CollectionWindow, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        let mut out = Vec::new();
        for day in self.local_day(from) - 1..=self.local_day(to) + 1 {
            if !w.on(weekday(day)) {
                continue;
            }
            let (open, close) = self.opening(w, day);
            if close > from && open < to {
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

/// The whole seconds of `d`, as the planner counts its margins and horizons (a fraction of a
/// second on the command line is dropped).
pub fn whole_seconds(d: std::time::Duration) -> SignedDuration {
    SignedDuration::from_secs(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::{day_number, parse_date};
    use jiff::civil::date;

    fn days_from_civil(y: i16, m: i8, d: i8) -> i64 {
        day_number(date(y, m, d))
    }

    /// 00:00 UTC of a day since the epoch.
    fn utc_midnight(day: i64) -> Timestamp {
        Timestamp::from_secs(day * 86_400)
    }

    /// Paris: +1 h until 2026-03-29 01:00 UTC, then +2 h.
    fn paris_spring_2026() -> LocalClock {
        let change = utc_midnight(days_from_civil(2026, 3, 29)) + HOUR;
        LocalClock::from_samples(vec![(change - 2 * HOUR, HOUR), (change, 2 * HOUR)])
    }

    #[test]
    fn dates_round_trip_and_weekdays_are_right() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_date("2026-12-07").map(day_number), Ok(days_from_civil(2026, 12, 7)));
        assert_eq!(crate::calendar::date_of_day(days_from_civil(2024, 2, 29)), Some(date(2024, 2, 29)));
        assert_eq!(weekday(days_from_civil(2026, 12, 7)), 0, "7 December 2026 is a Monday");
        assert!(parse_date("2026-02-29").is_err() && parse_date("7/12/2026").is_err());
    }

    #[test]
    fn window_openings_follow_local_time_across_the_clock_change() {
        let clock = paris_spring_2026();
        let w = CollectionWindow { days: 0b1111111, from_min: 7 * 60, to_min: 16 * 60 };
        let sat_day = days_from_civil(2026, 3, 28);
        let sat = utc_midnight(sat_day);
        let o = clock.openings(&w, sat, sat + 2 * DAY);
        // Saturday 07:00 local = 06:00 UTC (+1 h); Sunday 07:00 local = 05:00 UTC (+2 h).
        assert_eq!(o[0], (sat + 6 * HOUR, sat + 15 * HOUR));
        assert_eq!(o[1], (sat + DAY + 5 * HOUR, sat + DAY + 14 * HOUR));
        assert_eq!(clock.local_day(sat + DAY - HOUR / 2), sat_day + 1, "23:30 UTC is 00:30 local");
    }

    #[test]
    fn local_times_are_days_and_times_of_day() {
        let t = LocalTime::midnight(3) + 25 * HOUR;
        assert_eq!((t.day(), t.time_of_day()), (4, HOUR));
        let before = LocalTime::midnight(0) + SignedDuration::from_millis(-1);
        assert_eq!((before.day(), before.time_of_day()), (-1, DAY - SignedDuration::from_millis(1)));
        assert_eq!(whole_seconds(std::time::Duration::from_millis(1_500)), SignedDuration::from_secs(1));
    }
}
