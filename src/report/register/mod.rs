//! The waste register (registre chronologique, arrêté of 31 May 2021), exported in the national
//! register's import format: one line per shipment, a weighing of a container leaving for its
//! destination. See docs/register.md.

pub mod columns;
mod lines;
mod queries;
mod shipment;

pub use lines::{Line, Register};
pub use queries::export;

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// Waste leaving a producer's site (registre des déchets sortants).
    Outgoing,
    /// Waste received by a site for treatment (registre des déchets entrants).
    Incoming,
}

impl Direction {
    /// The national format's headers, in order.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Direction::Outgoing => &columns::OUTGOING,
            Direction::Incoming => &columns::INCOMING,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Outgoing => "outgoing",
            Direction::Incoming => "incoming",
        }
    }
}

/// Checks a local calendar date written `YYYY-MM-DD` that exists (Gregorian calendar, years
/// 1970 to 9999): "2026-11-31" and "2026-02-29" are refused here, with the reason, rather than
/// by the database.
pub fn check_date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!(
            "{s:?} is not a date; write YYYY-MM-DD (a local date of the zone's time zone, [zone] time_zone)"
        ));
    }
    let number = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("{s:?}: there is no month {month}; write YYYY-MM-DD")),
    };
    if !(1970..=9999).contains(&year) {
        return Err(format!("{s:?}: the year must be between 1970 and 9999"));
    }
    if day == 0 || day > days {
        return Err(format!("{s:?}: month {month} of {year} has {days} days"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_date;

    #[test]
    fn dates_that_do_not_exist_are_refused_with_the_reason() {
        assert_eq!(check_date("2026-11-30"), Ok(()));
        assert_eq!(check_date("2024-02-29"), Ok(()));
        assert_eq!(check_date("2000-02-29"), Ok(()));
        for (date, why) in [
            ("2026-11-31", "month 11 of 2026 has 30 days"),
            ("2026-02-29", "month 2 of 2026 has 28 days"),
            ("1900-02-29", "the year must be between 1970 and 9999"),
            ("2026-13-01", "there is no month 13"),
            ("2026-00-10", "there is no month 0"),
            ("2026-01-00", "month 1 of 2026 has 31 days"),
            ("0000-01-01", "the year must be between 1970 and 9999"),
            ("2026-1-05", "is not a date"),
        ] {
            let e = check_date(date).expect_err(date);
            assert!(e.contains(why), "{date}: {e}");
        }
    }
}
