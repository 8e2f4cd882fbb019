//! Instants: [`Timestamp`], a point in time to the millisecond, and [`SignedDuration`] (jiff's)
//! for the spans between them. Every stage holds time as these; milliseconds since the Unix
//! epoch appear only where time crosses the wire (a frame's base time and offsets) or the
//! database (`timestamptz`, which the driver takes and gives as a [`Timestamp`] here).
//!
//! Why not `jiff::Timestamp` itself: a gateway may send any base time, and the pipeline must
//! carry what PostgreSQL can store (to the year 294276) in order to store it, reject it or set
//! it aside; jiff holds the years -9999 to 9999. A [`Timestamp`] converts to jiff's for anything
//! calendar-shaped ([`Timestamp::to_jiff`]), and prints as RFC 3339 when it can.

use bytes::BytesMut;
pub use jiff::SignedDuration;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

/// A point in time, to the millisecond, UTC. Its JSON form is the number of milliseconds since
/// the Unix epoch, as the live state has always been stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// PostgreSQL's `timestamptz` range: from 4714-11-24 BC (included) to 294277-01-01
/// (excluded). A time outside it makes the database refuse the whole statement ("timestamp out
/// of range", SQLSTATE 22008): every time a stage hands the database is checked against it
/// first ([`Timestamp::fits_timestamptz`]).
pub const PG_TIMESTAMP_MIN: Timestamp = Timestamp(-210_866_803_200_000);
/// See [`PG_TIMESTAMP_MIN`]; the first instant past the range.
pub const PG_TIMESTAMP_END: Timestamp = Timestamp(9_224_318_016_000_000);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// The instant `ms` milliseconds after the Unix epoch (before it when negative): the wire's
    /// and the database's unit.
    pub const fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    /// Milliseconds since the Unix epoch (negative before it).
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The instant `s` whole seconds after the Unix epoch (saturating).
    pub const fn from_secs(s: i64) -> Timestamp {
        Timestamp(s.saturating_mul(1000))
    }

    /// Whole seconds since the Unix epoch, rounded down.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Now, from the system clock (the epoch if the clock is before 1970).
    pub fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// `t` as a [`Timestamp`] (saturating at the ends of the range).
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(ms(d)),
            Err(e) => Timestamp(ms(e.duration()).saturating_neg()),
        }
    }

    /// This instant as the standard library's (what the database driver encodes).
    pub fn system_time(self) -> SystemTime {
        let d = Duration::from_millis(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + d
        } else {
            UNIX_EPOCH - d
        }
    }

    /// True when PostgreSQL can hold this instant as a `timestamptz`.
    pub fn fits_timestamptz(self) -> bool {
        (PG_TIMESTAMP_MIN..PG_TIMESTAMP_END).contains(&self)
    }

    /// This instant as jiff's, when it lies in jiff's years (-9999 to 9999).
    pub fn to_jiff(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_millisecond(self.0).ok()
    }

    /// `self + d`, or `None` past the ends of the range.
    pub fn checked_add(self, d: SignedDuration) -> Option<Timestamp> {
        self.0.checked_add(i64::try_from(d.as_millis()).ok()?).map(Timestamp)
    }

    /// `self + d`, held at the ends of the range.
    pub fn saturating_add(self, d: SignedDuration) -> Timestamp {
        Timestamp(self.0.saturating_add(millis_of(d)))
    }

    /// `self - d`, held at the ends of the range.
    pub fn saturating_sub(self, d: SignedDuration) -> Timestamp {
        Timestamp(self.0.saturating_sub(millis_of(d)))
    }

    /// The span from `earlier` to `self` (negative when `earlier` is later), to the millisecond.
    pub fn since(self, earlier: Timestamp) -> SignedDuration {
        SignedDuration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// Which bucket of `width` this instant falls in, counting whole widths from the epoch
    /// (rounded down: -1 for the width before it). UTC days are `t.div_euclid(DAY)` with
    /// `DAY` 24 hours. `width` must be at least a millisecond.
    pub fn div_euclid(self, width: SignedDuration) -> i64 {
        self.0.div_euclid(millis_of(width))
    }

    /// How far into its bucket of `width` ([`Timestamp::div_euclid`]) this instant lies: from
    /// zero to just under `width`, also before the epoch.
    pub fn rem_euclid(self, width: SignedDuration) -> SignedDuration {
        SignedDuration::from_millis(self.0.rem_euclid(millis_of(width)))
    }
}

/// The whole milliseconds of `d`, held at the ends of `i64`.
pub fn millis_of(d: SignedDuration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(if d.is_negative() { i64::MIN } else { i64::MAX })
}

/// A configured [`Duration`] as a span of whole milliseconds (sub-millisecond parts dropped,
/// held at `i64::MAX` ms): how settings become the spans the stages compare times with.
pub fn millis_span(d: Duration) -> SignedDuration {
    SignedDuration::from_millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl std::ops::Add<SignedDuration> for Timestamp {
    type Output = Timestamp;
    /// Saturating, as a clock far in the future or past must not wrap around.
    fn add(self, d: SignedDuration) -> Timestamp {
        self.saturating_add(d)
    }
}

impl std::ops::Sub<SignedDuration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: SignedDuration) -> Timestamp {
        self.saturating_sub(d)
    }
}

impl std::ops::Sub for Timestamp {
    type Output = SignedDuration;
    fn sub(self, earlier: Timestamp) -> SignedDuration {
        self.since(earlier)
    }
}

impl std::fmt::Display for Timestamp {
    /// RFC 3339 in UTC (`2026-12-06T23:35:48.123Z`), or the milliseconds past jiff's years.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_jiff() {
            Some(t) => write!(f, "{t}"),
            None => write!(f, "{} ms since 1970-01-01T00:00:00Z", self.0),
        }
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.system_time().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <SystemTime as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Timestamp {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Timestamp, Box<dyn std::error::Error + Sync + Send>> {
        SystemTime::from_sql(ty, raw).map(Timestamp::from_system_time)
    }

    fn accepts(ty: &Type) -> bool {
        <SystemTime as FromSql>::accepts(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_on_both_sides_of_the_epoch() {
        for ms in [-86_400_123, -1, 0, 1, 1_700_000_000_123] {
            let t = Timestamp::from_millis(ms);
            assert_eq!(Timestamp::from_system_time(t.system_time()), t);
            assert_eq!(t.as_millis(), ms);
        }
    }

    #[test]
    fn arithmetic_saturates_and_spans_are_signed() {
        let t = Timestamp::from_millis(1_000);
        assert_eq!(t + SignedDuration::from_millis(250), Timestamp::from_millis(1_250));
        assert_eq!(t - SignedDuration::from_secs(2), Timestamp::from_millis(-1_000));
        assert_eq!(Timestamp::from_millis(400) - t, SignedDuration::from_millis(-600));
        assert_eq!(Timestamp::MAX + SignedDuration::from_secs(1), Timestamp::MAX);
        assert_eq!(Timestamp::MIN.checked_add(SignedDuration::from_millis(-1)), None);
        // -1 ms is in the second before the epoch.
        assert_eq!(Timestamp::from_millis(-1).as_secs(), -1);
    }

    #[test]
    fn buckets_count_from_the_epoch_and_round_down() {
        let hour = SignedDuration::from_hours(1);
        let t = Timestamp::from_millis(2 * 3_600_000 + 61_000);
        assert_eq!((t.div_euclid(hour), t.rem_euclid(hour)), (2, SignedDuration::from_millis(61_000)));
        // The millisecond before the epoch is the last of bucket -1.
        let before = Timestamp::from_millis(-1);
        assert_eq!((before.div_euclid(hour), before.rem_euclid(hour)), (-1, SignedDuration::from_millis(3_599_999)));
        assert_eq!(Timestamp::EPOCH.div_euclid(hour), 0);
    }

    #[test]
    fn a_configured_duration_is_its_whole_milliseconds() {
        assert_eq!(millis_span(Duration::from_secs(90)), SignedDuration::from_millis(90_000));
        assert_eq!(millis_span(Duration::from_micros(1_999)), SignedDuration::from_millis(1));
        assert_eq!(millis_span(Duration::MAX), SignedDuration::from_millis(i64::MAX));
    }

    #[test]
    fn prints_rfc_3339_or_the_milliseconds_past_jiffs_years() {
        assert_eq!(Timestamp::from_millis(1_780_000_000_123).to_string(), "2026-05-28T20:26:40.123Z");
        assert_eq!(
            (PG_TIMESTAMP_END - SignedDuration::from_millis(1)).to_string(),
            "9224318015999999 ms since 1970-01-01T00:00:00Z"
        );
        assert!(!PG_TIMESTAMP_END.fits_timestamptz() && PG_TIMESTAMP_MIN.fits_timestamptz());
    }

    #[test]
    fn json_is_the_milliseconds() {
        let t = Timestamp::from_millis(1_780_000_000_123);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1780000000123");
        assert_eq!(serde_json::from_str::<Timestamp>("1780000000123").unwrap(), t);
    }
}
