//! A container's latest weighings, each with the fill it was collected at: what `wasteflow plan`
//! reckons its mass per point of fill from (docs/planning.md, step 3), kept in the live state as
//! readings are folded, so that the plan reads no history.
//!
//! A weighing (a net-mass reading, `NetMassKg`) counts with the container's latest fill-level
//! reading (`FillLevel`) at or before it and less than [`FILL_BEFORE_WEIGHING`] older, when
//! that fill is above 0: the level the container was emptied at. The state keeps the latest
//! [`WEIGHINGS_READ`] of them, latest first. For readings folded in time order, this is the
//! rule the plan read `readings` with until migration 23 (which computed the first lists from
//! the history with it), but for "less than a day", now exactly 24 hours (the SQL's `interval
//! '1 day'` was a calendar day of the session's time zone, 23 or 25 hours across a change of
//! daylight saving time). Folded out of order, a container keeps fewer weighings, never a
//! wrong pair:
//! - a weighing folded before its fill reading, or once a fill reading newer than the weighing
//!   has been folded, is skipped, and its fill reading arriving later does not bring it back
//!   (only the latest fill reading is kept to pair with);
//! - a weighing removed because a late fill reading of 0 turned out to be the latest before it
//!   is not replaced by an older one.

use super::{ContainerState, Latest};
use crate::calendar::{SignedDuration, Timestamp};
use crate::plan::WEIGHINGS_READ;
use serde::{Deserialize, Serialize};

/// A fill reading pairs with a weighing less than this after it.
pub const FILL_BEFORE_WEIGHING: SignedDuration = SignedDuration::from_hours(24);

/// One of a container's latest weighings and the fill reading it is paired with. Its JSON, an
/// element of the state's `weighings`: `{"kg": .., "at_ms": .., "fill_pct": .., "fill_ms": ..}`
/// (times in milliseconds since the Unix epoch; migration 23 writes the same, and `wasteflow
/// plan` reads `kg`, `at_ms` and `fill_pct`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecentWeighing {
    /// The net mass weighed, kg.
    pub kg: f64,
    /// Time of the weighing.
    #[serde(rename = "at_ms")]
    pub at: Timestamp,
    /// The fill of the fill reading it is paired with, %.
    pub fill_pct: f64,
    /// Time of that fill reading.
    #[serde(rename = "fill_ms")]
    pub fill_at: Timestamp,
}

impl ContainerState {
    /// A fill-level reading of `value` at `at`: the latest fill reading if it is the newest,
    /// and the fill of every kept weighing it is now the latest fill reading before (at or
    /// before the weighing, less than [`FILL_BEFORE_WEIGHING`] older, newer than the fill it
    /// was paired with); a weighing whose fill that makes 0 is no longer usable and goes.
    pub(super) fn fill_read(&mut self, at: Timestamp, value: f64) {
        Latest::take(&mut self.fill_reading, at, value);
        self.weighings.retain_mut(|w| {
            let pairs = w.at >= at && w.at.since(at) < FILL_BEFORE_WEIGHING && w.fill_at < at;
            if pairs {
                w.fill_pct = value;
                w.fill_at = at;
            }
            !pairs || value > 0.0
        });
    }

    /// A weighing of `kg` at `at`: kept in time order, with the latest fill reading, when that
    /// reading is at or before it, less than [`FILL_BEFORE_WEIGHING`] older and above 0, and
    /// the weighing is among the latest [`WEIGHINGS_READ`] (a second one at the same instant is
    /// not kept twice).
    pub(super) fn weighed(&mut self, at: Timestamp, kg: f64) {
        let Some(fill) = self.fill_reading else { return };
        if fill.at > at || at.since(fill.at) >= FILL_BEFORE_WEIGHING || fill.value <= 0.0 {
            return;
        }
        if self.weighings.iter().any(|w| w.at == at) {
            return;
        }
        let place = self.weighings.iter().position(|w| w.at < at).unwrap_or(self.weighings.len());
        if place < WEIGHINGS_READ {
            self.weighings.insert(place, RecentWeighing { kg, at, fill_pct: fill.value, fill_at: fill.at });
            self.weighings.truncate(WEIGHINGS_READ);
        }
    }
}
