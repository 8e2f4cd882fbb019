//! A report's local year in SQL, defined once: `$2` is the year, `$3` the zone's time zone (the
//! views write a local period's start as the instant it begins there). Written `make_timestamp(..)
//! AT TIME ZONE`, not `make_timestamptz(.., tz)`: the same instant, but TimescaleDB evaluates it
//! when planning, so that a hypertable's chunks outside the year are left out of the plan (with
//! `make_timestamptz` it planned every chunk: 3.4 to 4.1 s at 5 years of history, docs/performance.md).

macro_rules! year_start {
    () => {
        "(make_timestamp($2, 1, 1, 0, 0, 0) AT TIME ZONE $3::text)"
    };
}
macro_rules! year_end {
    () => {
        "(make_timestamp($2 + 1, 1, 1, 0, 0, 0) AT TIME ZONE $3::text)"
    };
}

/// The local year's first instant, as the views write `period_start`.
pub(super) const YEAR_START: &str = year_start!();
/// The next local year's first instant.
pub(super) const YEAR_END: &str = year_end!();
/// The views' months that fall in the local year.
pub(super) const IN_YEAR: &str = concat!("month >= ", year_start!(), " AND month < ", year_end!());
