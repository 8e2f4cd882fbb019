//! The calendar: civil dates, with one parser and one range rule for every date a person writes
//! (the zone file, `register export --from/--to`, `plan --date`) and every date the reports
//! carry. A date is a [`Date`] (`jiff::civil::Date`) from the moment it is read; it reaches SQL
//! as a `date` and comes back as one.
//!
//! The rule, stated once (docs/architecture.md, "Dates and times"): a date is written
//! `YYYY-MM-DD`, exists in the proleptic Gregorian calendar, and lies in the years 1970 to
//! 9999. Nothing the zone records happened before the Unix epoch, and four digits are what the
//! format holds.
//!
//! Which local day an instant falls on is the database's answer (`AT TIME ZONE` with the zone's
//! `time_zone`): its rules are the ones the views use, so SQL and Rust never disagree on a day.
//! Local days as numbers (days since 1970-01-01) convert here too, for the planner's arithmetic.

mod timestamp;

pub use jiff::civil::Date;
pub use timestamp::{millis_of, millis_span, SignedDuration, Timestamp, PG_TIMESTAMP_END, PG_TIMESTAMP_MIN};

/// The first and last years a date may have.
pub const FIRST_YEAR: i16 = 1970;
pub const LAST_YEAR: i16 = 9999;

/// Why a text is not a date; each names the text and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date; write YYYY-MM-DD")]
    Shape(String),
    #[error("{text:?} is not a date: there is no month {month}; write YYYY-MM-DD")]
    Month { text: String, month: i8 },
    #[error("{text:?} is not a date: month {month} of {year} has {days} days")]
    Day { text: String, year: i16, month: i8, days: i8 },
    #[error("{text:?} is not a date: the year must be between {FIRST_YEAR} and {LAST_YEAR}")]
    Year { text: String },
}

/// The one parser of calendar dates.
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(DateError::Shape(text.to_string()));
    }
    let number = |r: std::ops::Range<usize>| text[r].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7) as i8, number(8..10) as i8);
    if !(1..=12).contains(&month) {
        return Err(DateError::Month { text: text.to_string(), month });
    }
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(DateError::Year { text: text.to_string() });
    }
    let days = Date::new(year, month, 1).map(|d| d.days_in_month()).unwrap_or(31);
    Date::new(year, month, day).ok().filter(|_| day >= 1).ok_or(DateError::Day {
        text: text.to_string(),
        year,
        month,
        days,
    })
}

/// 1970-01-01, day 0 of [`day_number`].
const EPOCH: Date = jiff::civil::date(1970, 1, 1);

/// Days since 1970-01-01 of `d` (negative before it).
pub fn day_number(d: Date) -> i64 {
    // Both ends lie in jiff's range, so the span in days always exists.
    d.since((jiff::Unit::Day, EPOCH)).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// The date `days` days after 1970-01-01, if it is one jiff can hold (years -9999 to 9999).
pub fn date_of_day(days: i64) -> Option<Date> {
    EPOCH.checked_add(jiff::Span::new().try_days(days).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn existing_dates_of_the_range_parse() {
        assert_eq!(parse_date("2026-11-30"), Ok(date(2026, 11, 30)));
        assert_eq!(parse_date("2024-02-29"), Ok(date(2024, 2, 29)));
        assert_eq!(parse_date("2000-02-29"), Ok(date(2000, 2, 29)));
        assert_eq!(parse_date("1970-01-01"), Ok(date(1970, 1, 1)));
        assert_eq!(parse_date("9999-12-31"), Ok(date(9999, 12, 31)));
    }

    #[test]
    fn every_other_text_is_refused_with_its_reason() {
        for (text, why) in [
            ("2026-11-31", "month 11 of 2026 has 30 days"),
            ("2026-02-29", "month 2 of 2026 has 28 days"),
            ("2026-01-00", "month 1 of 2026 has 31 days"),
            ("1900-02-29", "the year must be between 1970 and 9999"),
            ("0000-01-01", "the year must be between 1970 and 9999"),
            ("1969-12-31", "the year must be between 1970 and 9999"),
            ("2026-13-01", "there is no month 13"),
            ("2026-00-10", "there is no month 0"),
            ("2026-1-05", "is not a date; write YYYY-MM-DD"),
            ("31/03/2029", "is not a date; write YYYY-MM-DD"),
            ("2026-01-05 ", "is not a date"),
            ("+026-01-05", "is not a date"),
            ("", "is not a date"),
        ] {
            let e = parse_date(text).expect_err(text).to_string();
            assert!(e.contains(why) && e.starts_with(&format!("{text:?} is not a date")), "{text}: {e}");
        }
    }

    #[test]
    fn day_numbers_count_from_the_epoch() {
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(day_number(date(1969, 12, 31)), -1);
        // 2026-12-07: 56 years of 365 days plus 14 leap days (1972 ... 2024), plus 340 days.
        assert_eq!(day_number(date(2026, 12, 7)), 56 * 365 + 14 + 340);
        for d in [-719_468, -1, 0, 1, 20_429, 2_932_896] {
            assert_eq!(date_of_day(d).map(day_number), Some(d), "day {d}");
        }
        assert_eq!(date_of_day(i64::MAX), None);
    }
}
