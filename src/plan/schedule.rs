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
pub(super) mod tests;
