//! A report's local year in SQL, defined once: `$2` is the year, `$3` the zone's time zone (the
//! views write a local period's start as the instant it begins there).

macro_rules! year_start {
    () => {
        "make_timestamptz($2, 1, 1, 0, 0, 0, $3::text)"
    };
}
macro_rules! year_end {
    () => {
        "make_timestamptz($2 + 1, 1, 1, 0, 0, 0, $3::text)"
    };
}

/// The local year's first instant, as the views write `period_start`.
pub(super) const YEAR_START: &str = year_start!();
/// The next local year's first instant.
pub(super) const YEAR_END: &str = year_end!();
/// The views' months that fall in the local year.
pub(super) const IN_YEAR: &str = concat!("month >= ", year_start!(), " AND month < ", year_end!());
