//! Trips: the collections a carrier makes on one local day, whichever company they serve and
//! wherever they go (a round ends at each load's destination), packed into its vehicle's
//! capacity; and what that saves against every company calling its own truck.

use super::local_time::{weekday, LocalClock};
use super::schedule::{latest_in, pickup, Params, Pickup, PlannedContainer};
use crate::calendar::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// What one vehicle of a carrier carries; none: no limit declared.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Vehicle {
    pub volume_m3: Option<f64>,
    pub mass_kg: Option<f64>,
}

impl Vehicle {
    fn fits(&self, volume_m3: f64, mass_kg: f64) -> bool {
        self.volume_m3.is_none_or(|v| volume_m3 <= v + 1e-9) && self.mass_kg.is_none_or(|m| mass_kg <= m + 1e-9)
    }
}

/// One truck run: a carrier, a local day, its pick-ups (in time order).
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    pub transporter: String,
    /// Local day (days since 1970-01-01 in the zone's time zone).
    pub day: i64,
    /// Its first pick-up.
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

/// Groups pick-ups by carrier and local day, and packs each group into trips first-fit in
/// time order (then by destination, so loads bound together ride together) so that no trip exceeds the carrier's vehicle (a pick-up larger
/// than the vehicle on its own goes alone).
pub fn group_trips(pickups: &[Pickup], clock: &LocalClock, vehicles: &BTreeMap<String, Vehicle>) -> Vec<Trip> {
    let mut sorted: Vec<&Pickup> = pickups.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.transporter, clock.local_day(a.at), a.at, &a.destination, &a.container).cmp(&(
            &b.transporter,
            clock.local_day(b.at),
            b.at,
            &b.destination,
            &b.container,
        ))
    });
    let mut trips: Vec<Trip> = Vec::new();
    let mut group_start = 0;
    for p in sorted {
        let day = clock.local_day(p.at);
        let same = |t: &Trip| t.transporter == p.transporter && t.day == day;
        if !trips.last().is_some_and(same) {
            group_start = trips.len();
        }
        let vehicle = vehicles.get(&p.transporter).copied().unwrap_or_default();
        let room = trips[group_start..]
            .iter()
            .position(|t| vehicle.fits(t.volume_m3() + p.volume_m3, t.mass_kg() + p.mass_kg));
        match room {
            Some(i) => trips[group_start + i].pickups.push(p.clone()),
            None => trips.push(Trip { transporter: p.transporter.clone(), day, at: p.at, pickups: vec![p.clone()] }),
        }
    }
    trips
}

/// A plan: its pick-ups, its trips, and the trips the same pick-ups would take if each company
/// called its own truck (grouped and packed the same way, one company at a time).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub pickups: Vec<Pickup>,
    pub trips: Vec<Trip>,
    pub own_trips: usize,
}

impl Plan {
    /// Trips saved against every company calling its own truck.
    pub fn trips_saved(&self) -> usize {
        self.own_trips.saturating_sub(self.trips.len())
    }
}

/// Plans the containers' collections over `params`' period.
pub fn plan(
    containers: &[PlannedContainer],
    clock: &LocalClock,
    params: &Params,
    vehicles: &BTreeMap<String, Vehicle>,
) -> Plan {
    let mut due: Vec<(usize, Pickup)> =
        containers.iter().enumerate().filter_map(|(i, c)| pickup(c, clock, params).map(|p| (i, p))).collect();
    due.sort_by(|a, b| (a.1.at, &a.1.container).cmp(&(b.1.at, &b.1.container)));
    join_earlier_trips(&mut due, containers, clock, params);
    let pickups: Vec<Pickup> = due.into_iter().map(|(_, p)| p).collect();
    let trips = group_trips(&pickups, clock, vehicles);
    let companies: BTreeSet<&str> = pickups.iter().map(|p| p.company.as_str()).collect();
    let own_trips = companies
        .iter()
        .map(|c| {
            let own: Vec<Pickup> = pickups.iter().filter(|p| p.company == *c).cloned().collect();
            group_trips(&own, clock, vehicles).len()
        })
        .sum();
    Plan { pickups, trips, own_trips }
}

/// Moves a pick-up to an earlier day on which its carrier already comes, when that saves a
/// trip: no other pick-up of its carrier is left on its own day. It goes on the latest such
/// day on which its window opens, at the latest time the window allows (its close, or `now`'s
/// day's close), if its forecast fill then is at least `join_share` of its threshold.
fn join_earlier_trips(due: &mut [(usize, Pickup)], containers: &[PlannedContainer], clock: &LocalClock, p: &Params) {
    for k in 0..due.len() {
        let (i, ref current) = due[k];
        let c = &containers[i];
        let my_day = clock.local_day(current.at);
        let carrier = |q: &Pickup| q.transporter == current.transporter;
        // Its carrier comes on its day anyway: leaving earlier saves nothing.
        if due.iter().enumerate().any(|(j, (_, q))| j != k && carrier(q) && clock.local_day(q.at) == my_day) {
            continue;
        }
        let earlier_days: BTreeSet<i64> = due[..k]
            .iter()
            .filter(|(_, q)| carrier(q))
            .map(|(_, q)| clock.local_day(q.at))
            .filter(|d| *d < my_day && c.window.on(weekday(*d)))
            .collect();
        for day in earlier_days.into_iter().rev() {
            let (open, close) = clock.opening(&c.window, day);
            if close <= p.now {
                continue;
            }
            let at = latest_in(clock, (open, close)).max(p.now);
            let fill = c.fill_at(at);
            if fill >= p.join_share * c.threshold_pct {
                let moved = &mut due[k].1;
                moved.at = at;
                moved.fill_pct = fill;
                moved.volume_m3 = c.volume_m3 * fill / 100.0;
                moved.mass_kg = c.full_mass_kg * fill / 100.0;
                moved.late = at > moved.overflow;
                break;
            }
        }
    }
    due.sort_by(|a, b| (a.1.at, &a.1.container).cmp(&(b.1.at, &b.1.container)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::local_time::{DAY, HOUR as H};
    use crate::plan::schedule::tests::{container, monday};

    fn c(id: &str, company: &str, carrier: &str, dest: &str, fill: f64, rate: f64) -> PlannedContainer {
        PlannedContainer {
            id: id.into(),
            company: company.into(),
            destination: dest.into(),
            transporter: Some(carrier.into()),
            ..container(fill, rate, 0b11111)
        }
    }

    fn params(join_share: f64) -> Params {
        Params { now: monday(), until: monday() + 3 * DAY, margin: 4 * H, join_share, rate_factor: 1.0 }
    }

    #[test]
    fn one_truck_serves_several_companies_within_its_capacity() {
        // Four companies' skips, 60 % at 2 %/h: 90 % at Monday 15:00, by 11:00 with the 4 h
        // margin, inside Monday's 07:00-16:00 window: all collected Monday 11:00, holding
        // 60 + 11 x 2 = 82 %, 8.2 m3 and 1640 kg each. a1, b1 (to op) and c1 (to other) for
        // carrier t, d1 for carrier u. t's vehicle holds 17 m3: two skips a trip (16.4 m3),
        // not three (24.6 m3). Trips: t [a1, b1], t [c1], u [d1] = 3. Each company alone: 4.
        // Saved: 1.
        let containers = [
            c("a1", "a", "t", "op", 60.0, 2.0),
            c("b1", "b", "t", "op", 60.0, 2.0),
            c("c1", "c", "t", "other", 60.0, 2.0),
            c("d1", "d", "u", "op", 60.0, 2.0),
        ];
        let vehicles = BTreeMap::from([("t".to_string(), Vehicle { volume_m3: Some(17.0), mass_kg: None })]);
        let p = plan(&containers, &LocalClock::fixed(H), &params(2.0), &vehicles);
        let shape: Vec<(String, Vec<String>)> = p
            .trips
            .iter()
            .map(|t| (t.transporter.clone(), t.pickups.iter().map(|p| p.container.clone()).collect()))
            .collect();
        let want = [("t", vec!["a1", "b1"]), ("t", vec!["c1"]), ("u", vec!["d1"])];
        let want: Vec<(String, Vec<String>)> =
            want.iter().map(|(t, cs)| (t.to_string(), cs.iter().map(|c| c.to_string()).collect())).collect();
        assert_eq!(shape, want);
        assert_eq!(p.trips[0].at, monday() + 11 * H);
        assert!((p.trips[0].volume_m3() - 16.4).abs() < 1e-9 && (p.trips[0].mass_kg() - 3280.0).abs() < 1e-9);
        assert_eq!((p.own_trips, p.trips_saved()), (4, 1));
        // A mass limit of 3200 kg: one skip a trip (1640 + 1640 = 3280 kg is too much): 4 trips.
        let heavy = BTreeMap::from([("t".to_string(), Vehicle { volume_m3: None, mass_kg: Some(3200.0) })]);
        let p = plan(&containers, &LocalClock::fixed(H), &params(2.0), &heavy);
        assert_eq!((p.trips.len(), p.trips_saved()), (4, 0));
    }

    #[test]
    fn a_container_joins_an_earlier_trip_only_when_full_enough() {
        // a1, 60 % at 2 %/h, is due Monday 11:00 (90 % at 15:00, less 4 h). e1, 70 % at
        // 0.5 %/h, reaches 90 % after 40 h = Tuesday 16:00, by 12:00: Tuesday 12:00 (70 +
        // 36 x 0.5 = 88 %). The carrier comes on Monday anyway; e1 would ride it at the latest
        // time its window allows, Monday 16:00, holding 70 + 16 x 0.5 = 78 % >= 0.75 x 90 =
        // 67.5 %: with join 0.75 it rides Monday's truck (one trip instead of two); with 0.9
        // (81 %) it does not.
        let containers = [c("a1", "a", "t", "op", 60.0, 2.0), c("e1", "e", "t", "op", 70.0, 0.5)];
        let clock = LocalClock::fixed(H);
        let joined = plan(&containers, &clock, &params(0.75), &BTreeMap::new());
        assert_eq!(joined.trips.len(), 1);
        assert_eq!(joined.trips[0].at, monday() + 11 * H, "a trip's time is its first pick-up");
        assert_eq!(joined.pickups[1].at, monday() + 16 * H);
        assert!((joined.pickups[1].fill_pct - 78.0).abs() < 1e-9);
        assert_eq!((joined.own_trips, joined.trips_saved()), (2, 1));
        let apart = plan(&containers, &clock, &params(0.9), &BTreeMap::new());
        assert_eq!(apart.trips.len(), 2);
        assert_eq!((apart.pickups[1].at, apart.pickups[1].fill_pct), (monday() + DAY + 12 * H, 88.0));
    }

    #[test]
    fn a_container_does_not_leave_early_when_its_carrier_comes_on_its_day_anyway() {
        // As above, with f1 (70 % at 0.5 %/h, like e1) also due Tuesday 12:00 for the same
        // carrier: the carrier comes on Tuesday in any case, so neither e1 nor f1 would save a
        // trip by riding Monday's truck: both stay on Tuesday (88 %), 2 trips.
        let containers = [
            c("a1", "a", "t", "op", 60.0, 2.0),
            c("e1", "e", "t", "op", 70.0, 0.5),
            c("f1", "f", "t", "op", 70.0, 0.5),
        ];
        let p = plan(&containers, &LocalClock::fixed(H), &params(0.75), &BTreeMap::new());
        assert_eq!(p.trips.len(), 2);
        let tuesday: Vec<(Timestamp, f64)> = p.pickups[1..].iter().map(|q| (q.at, q.fill_pct)).collect();
        assert_eq!(tuesday, vec![(monday() + DAY + 12 * H, 88.0); 2]);
    }
}
