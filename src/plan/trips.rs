//! Trips: the rounds a carrier drives, whichever company they serve and wherever they go (a
//! round ends at each load's destination), packed into its vehicle's capacity.

use super::local_time::LocalClock;
use super::schedule::Pickup;
use crate::calendar::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// What one vehicle of a carrier carries; none: no limit declared.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Vehicle {
    pub volume_m3: Option<f64>,
    pub mass_kg: Option<f64>,
}

impl Vehicle {
    pub(super) fn fits(&self, volume_m3: f64, mass_kg: f64) -> bool {
        self.volume_m3.is_none_or(|v| volume_m3 <= v + 1e-9) && self.mass_kg.is_none_or(|m| mass_kg <= m + 1e-9)
    }
}

/// One round of one truck: a carrier, a time, its pick-ups (all at that time).
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    pub transporter: String,
    /// Local day (days since 1970-01-01 in the zone's time zone).
    pub day: i64,
    /// When the carrier comes: every pick-up's time.
    pub at: Timestamp,
    pub pickups: Vec<Pickup>,
}

impl Trip {
    pub fn volume_m3(&self) -> f64 {
        self.pickups.iter().map(|p| p.volume_m3).sum()
    }

    pub fn mass_kg(&self) -> f64 {
        self.pickups.iter().map(|p| p.mass_kg).sum()
    }

    pub fn companies(&self) -> BTreeSet<&str> {
        self.pickups.iter().map(|p| p.company.as_str()).collect()
    }

    pub fn destinations(&self) -> BTreeSet<&str> {
        self.pickups.iter().map(|p| p.destination.as_str()).collect()
    }
}

/// Groups pick-ups made as they are (e.g. in a replay) into rounds: a carrier's pick-ups at
/// the same time, packed first-fit (by destination, so loads bound together ride together) so
/// that no trip exceeds the carrier's vehicle (a pick-up larger than the vehicle goes alone).
pub fn group_trips(pickups: &[Pickup], clock: &LocalClock, vehicles: &BTreeMap<String, Vehicle>) -> Vec<Trip> {
    let mut sorted: Vec<&Pickup> = pickups.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.transporter, a.at, &a.destination, &a.container).cmp(&(&b.transporter, b.at, &b.destination, &b.container))
    });
    let mut trips: Vec<Trip> = Vec::new();
    let mut group_start = 0;
    for p in sorted {
        let same = |t: &Trip| t.transporter == p.transporter && t.at == p.at;
        if !trips.last().is_some_and(same) {
            group_start = trips.len();
        }
        let vehicle = vehicles.get(&p.transporter).copied().unwrap_or_default();
        let room = trips[group_start..]
            .iter()
            .position(|t| vehicle.fits(t.volume_m3() + p.volume_m3, t.mass_kg() + p.mass_kg));
        match room {
            Some(i) => trips[group_start + i].pickups.push(p.clone()),
            None => trips.push(Trip {
                transporter: p.transporter.clone(),
                day: clock.local_day(p.at),
                at: p.at,
                pickups: vec![p.clone()],
            }),
        }
    }
    trips
}
