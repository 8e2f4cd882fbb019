//! When one container should be collected: at the latest time its window allows before its
//! forecast overflow less a margin (the deadline), never earlier than that (collecting a
//! half-empty container costs a trip for little waste). On the latest window day that opens
//! at or before the deadline, the carrier comes at the deadline, or at the window's close if
//! that comes first.

use super::load::{ExpectedMass, MassBasis};
use super::local_time::{LocalClock, LocalTime, DAY};
use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::zone::CollectionWindow;

/// The rate factor stands for the nights and weekends a rate since the last collection
/// averages in. A rate over less than a day has not averaged a night in: collections happen in
/// working hours, so it is a working-hours rate already, and is not multiplied.
pub const FACTOR_FROM_H: f64 = 24.0;

/// What the planner knows of a container: the registry and its live state.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedContainer {
    pub id: String,
    pub company: String,
    pub destination: String,
    /// Its carrier; none for in-house treatment (nothing to plan).
    pub transporter: Option<String>,
    pub volume_m3: f64,
    /// Its expected mass at a given fill, and what that rests on.
    pub mass: ExpectedMass,
    /// Overflow threshold, percent of volume.
    pub threshold_pct: f64,
    /// Latest fill level, percent, and when it was read (to the second).
    pub fill_pct: f64,
    pub reading_at: Timestamp,
    /// Fill rate since its last collection, points per hour (none until known).
    pub rate_per_hour: Option<f64>,
    /// Hours that rate spans (its first reading after the collection to the latest); none
    /// when unknown, taken as a long span.
    pub rate_span_h: Option<f64>,
    pub window: CollectionWindow,
}

impl PlannedContainer {
    /// Forecast fill at `t`: a straight line from the latest reading, at most 100 %, never
    /// below the reading itself (a container read at 104 % holds 104 %, as `live_containers`
    /// says, not 100 %).
    pub fn fill_at(&self, t: Timestamp) -> f64 {
        let hours = (t - self.reading_at).max(SignedDuration::ZERO).as_secs_f64() / 3600.0;
        (self.fill_pct + self.rate_per_hour.unwrap_or(0.0).max(0.0) * hours).min(self.fill_pct.max(100.0))
    }

    /// Its pick-up at `at` for the overflow `overflow` forecast: the fill then, its volume on
    /// the truck and its expected mass.
    pub fn pickup_at(&self, transporter: &str, at: Timestamp, overflow: Timestamp) -> Pickup {
        let fill_pct = self.fill_at(at);
        Pickup {
            container: self.id.clone(),
            company: self.company.clone(),
            destination: self.destination.clone(),
            transporter: transporter.to_string(),
            at,
            overflow,
            fill_pct,
            volume_m3: self.volume_m3 * fill_pct.min(100.0) / 100.0,
            mass_kg: self.mass.kg_at(fill_pct),
            mass_basis: self.mass.basis,
            read_fill_pct: self.fill_pct,
            read_at: self.reading_at,
            late: at > overflow,
        }
    }

    /// When it reaches its overflow threshold filling at `rate_factor` times its rate (at its
    /// rate itself while the rate spans less than [`FACTOR_FROM_H`]): its reading time if
    /// already there; none when it does not fill (no rate, or not a positive one).
    pub fn overflow_at(&self, rate_factor: f64) -> Option<Timestamp> {
        if self.fill_pct >= self.threshold_pct {
            return Some(self.reading_at);
        }
        let factor = if self.rate_span_h.is_some_and(|h| h < FACTOR_FROM_H) { 1.0 } else { rate_factor };
        let rate = self.rate_per_hour.map(|r| r * factor).filter(|r| *r > 0.0 && r.is_finite())?;
        let secs = ((self.threshold_pct - self.fill_pct) / rate * 3600.0).round() as i64;
        Some(self.reading_at + SignedDuration::from_secs(secs))
    }
}

/// The planning period and margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Start of the plan: nothing is collected before it.
    pub now: Timestamp,
    /// End of the plan: collections due later are left to a later plan.
    pub until: Timestamp,
    /// How long before the forecast overflow the collection must happen at the latest.
    pub margin: SignedDuration,
    /// A container may join an earlier trip of its carrier to its destination (on a day its
    /// window opens) when its forecast fill then is at least this share of its overflow
    /// threshold (0.75: 75 % of 90 % = 67.5 %); above 1: never.
    pub join_share: f64,
    /// The overflow is forecast at this many times the container's rate (its rate since its
    /// last collection averages nights and weekends; working hours fill faster). The expected
    /// fill and loads use the rate itself.
    pub rate_factor: f64,
    /// Pick-up times are rounded down to a multiple of this from local midnight (15 min: a
    /// carrier comes at 11:00 or 11:15, not at 11:08:31); zero: not rounded.
    pub slot: SignedDuration,
}

/// One planned collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Pickup {
    pub container: String,
    pub company: String,
    pub destination: String,
    pub transporter: String,
    /// When the carrier comes: the deadline, or the close of the last window opening before
    /// it when that comes first (see [`pickup`]).
    pub at: Timestamp,
    /// The forecast overflow it prevents.
    pub overflow: Timestamp,
    /// Forecast fill at `at`, percent.
    pub fill_pct: f64,
    /// Load: the container's volume times its fill (at most 100 %), m3; and its expected
    /// mass, kg, and what that rests on.
    pub volume_m3: f64,
    pub mass_kg: f64,
    pub mass_basis: MassBasis,
    /// The live state it was planned from: the fill read (`live_containers.fill_pct`) and when.
    pub read_fill_pct: f64,
    pub read_at: Timestamp,
    /// No window opens between now and the deadline: collected at the first opening (or now
    /// inside an open window), after the forecast overflow.
    pub late: bool,
}

/// The collection of one container within the plan, if one is due. The deadline is the
/// forecast overflow less the margin. The window day is the last one whose start (its opening,
/// or `now` inside an open window) is at or before the deadline; the carrier comes that day at
/// the deadline, or at the window's close if it closes earlier: the latest time it may come.
/// When no window starts by the deadline, the first start (late if after the overflow). None:
/// no carrier, no forecast, or due after the plan's end.
pub fn pickup(c: &PlannedContainer, clock: &LocalClock, p: &Params) -> Option<Pickup> {
    let transporter = c.transporter.clone()?;
    let overflow = c.overflow_at(p.rate_factor)?;
    let deadline = overflow - p.margin;
    if deadline >= p.until + 8 * DAY {
        return None;
    }
    // Windows up to a week past the deadline: the last one before it may lie beyond the plan.
    let reach = deadline.max(p.now) + 8 * DAY;
    let windows: Vec<(Timestamp, Timestamp)> = clock.openings(&c.window, p.now, reach);
    let start = |(open, _): (Timestamp, Timestamp)| open.max(p.now);
    let at = match windows.iter().rev().find(|w| start(**w) <= deadline) {
        Some(w) => slot_floor(clock, deadline.min(latest_in(clock, *w)), p.slot).max(start(*w)),
        // Every start is after the deadline: the first one (late if after the overflow).
        None => start(*windows.first()?),
    };
    if at >= p.until {
        // Due after the plan's end: a later plan collects it.
        return None;
    }
    Some(c.pickup_at(&transporter, at, overflow))
}

/// `t` rounded down to a multiple of `slot` from its local midnight (unchanged for a zero slot).
pub fn slot_floor(clock: &LocalClock, t: Timestamp, slot: SignedDuration) -> Timestamp {
    if slot <= SignedDuration::ZERO {
        return t;
    }
    let local = clock.to_local(t);
    let into_day = local.time_of_day();
    let (into, step) = (millis_of(into_day), millis_of(slot));
    let floored = SignedDuration::from_millis(into - into.rem_euclid(step));
    let back = clock.to_utc(LocalTime::midnight(local.day()) + floored);
    // A clock change inside the slot: never after `t`.
    back.min(t)
}

/// The latest time the carrier may come in the window `[open, close)`: its close, on the same
/// local day (a window closing at 24:00 ends at 23:59, so the pick-up stays on its day).
pub fn latest_in(clock: &LocalClock, (open, close): (Timestamp, Timestamp)) -> Timestamp {
    if clock.local_day(close) > clock.local_day(open) {
        close - SignedDuration::from_mins(1)
    } else {
        close
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::calendar::day_number;
    use crate::plan::local_time::HOUR as H;
    use jiff::civil::date;

    /// Monday 7 December 2026, 00:00 in Paris (+1 h): 6 December 23:00 UTC.
    pub(in crate::plan) fn monday() -> Timestamp {
        Timestamp::from_secs(day_number(date(2026, 12, 7)) * 86_400) - H
    }

    /// Container "c" of company "a", 10 m3, 2 t full, 90 % threshold, carrier "t" to "op",
    /// read on Monday at 00:00 at `fill` % rising `rate` points an hour; window 07:00-16:00 on
    /// `days` (bit 0 Monday).
    pub(in crate::plan) fn container(fill: f64, rate: f64, days: u8) -> PlannedContainer {
        PlannedContainer {
            id: "c".into(),
            company: "a".into(),
            destination: "op".into(),
            transporter: Some("t".into()),
            volume_m3: 10.0,
            mass: ExpectedMass::max_load(2000.0),
            threshold_pct: 90.0,
            fill_pct: fill,
            reading_at: monday(),
            rate_per_hour: Some(rate),
            rate_span_h: None,
            window: CollectionWindow { days, from_min: 7 * 60, to_min: 16 * 60 },
        }
    }

    /// A carrier's quarter of an hour.
    pub(in crate::plan) const QUARTER: SignedDuration = SignedDuration::from_mins(15);

    fn params(margin_h: i32) -> Params {
        Params {
            now: monday(),
            until: monday() + 3 * DAY,
            margin: margin_h * H,
            join_share: 2.0,
            rate_factor: 1.0,
            slot: QUARTER,
        }
    }

    #[test]
    fn collected_at_the_latest_time_the_window_allows_before_the_deadline() {
        // 60 % at Monday 00:00, filling 1 %/h, threshold 90 %: reaches 90 % after
        // (90 - 60) / 1 = 30 h, Tuesday 06:00 local. Margin 2 h: by Tuesday 04:00. Window
        // mon-fri 07:00-16:00: the last window opening at or before Tuesday 04:00 is Monday's;
        // the carrier comes at min(Tuesday 04:00, Monday 16:00) = Monday 16:00 (hour 16), when
        // it holds 60 + 16 x 1 = 76 %: 7.6 m3 and 1520 kg.
        let p = pickup(&container(60.0, 1.0, 0b11111), &LocalClock::fixed(H), &params(2)).unwrap();
        assert_eq!(p.at, monday() + 16 * H);
        assert_eq!(p.overflow, monday() + 30 * H);
        assert!(
            (p.fill_pct - 76.0).abs() < 1e-9 && (p.volume_m3 - 7.6).abs() < 1e-9 && (p.mass_kg - 1520.0).abs() < 1e-9
        );
        assert!(!p.late);
    }

    #[test]
    fn not_earlier_than_needed() {
        // 60 % filling 2 %/h: 90 % after 15 h, Monday 15:00. Margin 4 h: by Monday 11:00,
        // inside Monday's window: at 11:00 (60 + 11 x 2 = 82 %), not at the 07:00 opening
        // (74 %). At 0.5 %/h: 90 % after 60 h, Wednesday 12:00, by Wednesday 08:00 with the
        // margin; Wednesday's window opens at 07:00, before that: Wednesday 08:00 (hour 56,
        // 60 + 56 x 0.5 = 88 %), not Monday nor Tuesday.
        let clock = LocalClock::fixed(H);
        let fast = pickup(&container(60.0, 2.0, 0b11111), &clock, &params(4)).unwrap();
        assert_eq!((fast.at, fast.fill_pct), (monday() + 11 * H, 82.0));
        let slow = pickup(&container(60.0, 0.5, 0b11111), &clock, &params(4)).unwrap();
        assert_eq!((slow.at, slow.fill_pct), (monday() + 2 * DAY + 8 * H, 88.0));
    }

    #[test]
    fn windows_on_some_days_only_pull_the_collection_earlier() {
        // 0.5 %/h as above: due by Wednesday 08:00, but the window is mon and thu only: the
        // last opening before is Monday 07:00, and the window closes at 16:00, before the
        // deadline: Monday 16:00 (60 + 16 x 0.5 = 68 %). Due beyond the plan: nothing now.
        let clock = LocalClock::fixed(H);
        let p = pickup(&container(60.0, 0.5, 0b01001), &clock, &params(4)).unwrap();
        assert_eq!((p.at, p.fill_pct), (monday() + 16 * H, 68.0));
        assert_eq!(pickup(&container(10.0, 0.5, 0b11111), &clock, &params(4)), None, "90 % only after 160 h");
    }

    #[test]
    fn a_window_closing_at_midnight_keeps_its_pick_up_on_its_day() {
        // Window monday only, 18:00-24:00. 60 % at 1 %/h: 90 % at Tuesday 06:00, by 04:00.
        // Monday's window opens before; it closes at Tuesday 00:00, so the latest time is
        // Monday 23:59, still Monday's trip; unrounded (no slot), the carrier comes then
        // (60 + 23 x 1 + 59 / 60 = 83.98 %); in quarters of an hour, at 23:45 (83.75 %).
        let clock = LocalClock::fixed(H);
        let mut c = container(60.0, 1.0, 0b00001);
        c.window = CollectionWindow { days: 0b00001, from_min: 18 * 60, to_min: 24 * 60 };
        let unrounded = Params { slot: SignedDuration::ZERO, ..params(2) };
        let p = pickup(&c, &clock, &unrounded).unwrap();
        assert_eq!(p.at, monday() + 24 * H - SignedDuration::from_secs(60));
        assert_eq!(clock.local_day(p.at), clock.local_day(monday()));
        assert!((p.fill_pct - (84.0 - 1.0 / 60.0)).abs() < 1e-9, "{}", p.fill_pct);
        let p = pickup(&c, &clock, &params(2)).unwrap();
        assert_eq!((p.at, p.fill_pct), (monday() + 23 * H + 45 * SignedDuration::from_mins(1), 83.75));
    }

    #[test]
    fn pick_up_times_are_rounded_down_to_the_carriers_quarter_hour() {
        // 61.5 % at 2.6 %/h: 90 % after 28.5 / 2.6 = 10.9615 h = 39,462 s (10:57:42) Monday; less a 2 h
        // margin: 08:57:42, inside the 07:00-16:00 window. Rounded down to a quarter: 08:45,
        // never later than the deadline (09:00 would be after it), holding 61.5 + 8.75 x 2.6 =
        // 84.25 %. With a 1 h slot: 08:00.
        let clock = LocalClock::fixed(H);
        let c = container(61.5, 2.6, 0b11111);
        let p = pickup(&c, &clock, &params(2)).unwrap();
        assert_eq!(p.overflow, monday() + SignedDuration::from_secs(39_462));
        assert_eq!(p.at, monday() + 8 * H + SignedDuration::from_mins(45));
        assert!((p.fill_pct - 84.25).abs() < 1e-9, "{}", p.fill_pct);
        let hourly = Params { slot: H, ..params(2) };
        assert_eq!(pickup(&c, &clock, &hourly).unwrap().at, monday() + 8 * H);
        // Across a clock change the local quarter still holds: Paris at +2 h from 01:00 UTC.
        let summer = LocalClock::from_samples(vec![(Timestamp::MIN, H), (monday() + 2 * H, 2 * H)]);
        let t = monday() + 9 * H + SignedDuration::from_mins(8); // 11:08 local (+2 h)
        assert_eq!(slot_floor(&summer, t, QUARTER), monday() + 9 * H);
    }

    #[test]
    fn a_container_read_above_100_percent_is_planned_at_its_reading() {
        // live_containers shows 104 %: the plan says 104 % too (it once said 100 %); the
        // volume on the truck is the container's whole volume.
        let mut c = container(104.0, 1.0, 0b11111);
        c.threshold_pct = 90.0;
        let p = pickup(&c, &LocalClock::fixed(H), &params(2)).unwrap();
        assert_eq!((p.fill_pct, p.read_fill_pct, p.volume_m3, p.late), (104.0, 104.0, 10.0, true));
        assert_eq!(p.mass_kg, 2000.0, "at most the largest load");
    }

    #[test]
    fn a_container_that_overflows_before_any_window_is_collected_at_the_first_one_late() {
        // 85 % at 2 %/h: 90 % at Monday 02:30; the first opening is Monday 07:00, late. Inside
        // an open window the carrier can come now.
        let clock = LocalClock::fixed(H);
        let p = pickup(&container(85.0, 2.0, 0b11111), &clock, &params(2)).unwrap();
        assert_eq!((p.at, p.late, p.fill_pct), (monday() + 7 * H, true, 99.0));
        let mut inside = params(2);
        inside.now = monday() + 9 * H;
        let p = pickup(&container(95.0, 0.0, 0b11111), &clock, &inside).unwrap();
        assert_eq!((p.at, p.late), (monday() + 9 * H, true), "already above its threshold");
    }

    #[test]
    fn the_rate_factor_applies_once_the_rate_spans_a_day() {
        // 60 % at 1 %/h, threshold 90 %, factor 1.25: 90 % after (90 - 60) / 1.25 = 24 h,
        // Tuesday 00:00, when the rate spans a day or more (or its span is unknown). A rate
        // over 8 h only is a working-hours rate: 90 % after 30 h, Tuesday 06:00.
        let mut c = container(60.0, 1.0, 0b11111);
        assert_eq!(c.overflow_at(1.25), Some(monday() + 24 * H));
        c.rate_span_h = Some(FACTOR_FROM_H);
        assert_eq!(c.overflow_at(1.25), Some(monday() + 24 * H));
        c.rate_span_h = Some(8.0);
        assert_eq!(c.overflow_at(1.25), Some(monday() + 30 * H));
    }

    #[test]
    fn nothing_to_plan_without_a_carrier_or_a_forecast() {
        let clock = LocalClock::fixed(H);
        let mut c = container(60.0, 1.0, 0b11111);
        c.transporter = None;
        assert_eq!(pickup(&c, &clock, &params(2)), None);
        let mut c = container(60.0, 1.0, 0b11111);
        c.rate_per_hour = None;
        assert_eq!(pickup(&c, &clock, &params(2)), None);
    }
}
