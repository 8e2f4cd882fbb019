//! A plan: each container's pick-up, the carriers' rounds across companies, and what that saves
//! against every company calling its own truck (the same rounds, one company at a time).

use super::local_time::LocalClock;
use super::rounds::rounds;
use super::schedule::{pickup, Params, Pickup, PlannedContainer};
use super::trips::{Trip, Vehicle};
use std::collections::{BTreeMap, BTreeSet};

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

/// Plans the containers' collections over `params`' period: each one's pick-up, then the
/// carriers' rounds across companies ([`rounds`]); and the same rounds one company at a time.
pub fn plan(
    containers: &[PlannedContainer],
    clock: &LocalClock,
    params: &Params,
    vehicles: &BTreeMap<String, Vehicle>,
) -> Plan {
    let mut due: Vec<(usize, Pickup)> =
        containers.iter().enumerate().filter_map(|(i, c)| pickup(c, clock, params).map(|p| (i, p))).collect();
    due.sort_by(|a, b| (a.1.at, &a.1.destination, &a.1.container).cmp(&(b.1.at, &b.1.destination, &b.1.container)));
    let mut trips = rounds(&due, containers, clock, params, vehicles);
    trips.sort_by(|a, b| (&a.transporter, a.at).cmp(&(&b.transporter, b.at)));
    for t in &mut trips {
        t.pickups.sort_by(|a, b| (&a.destination, &a.container).cmp(&(&b.destination, &b.container)));
    }
    let mut pickups: Vec<Pickup> = trips.iter().flat_map(|t| t.pickups.iter().cloned()).collect();
    pickups.sort_by(|a, b| (a.at, &a.container).cmp(&(b.at, &b.container)));
    let companies: BTreeSet<&str> = due.iter().map(|(_, p)| p.company.as_str()).collect();
    let own_trips = companies
        .iter()
        .map(|co| {
            let own: Vec<(usize, Pickup)> = due.iter().filter(|(_, p)| p.company == *co).cloned().collect();
            rounds(&own, containers, clock, params, vehicles).len()
        })
        .sum();
    Plan { pickups, trips, own_trips }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Timestamp;
    use crate::plan::local_time::{DAY, HOUR as H};
    use crate::plan::schedule::tests::{container, monday, QUARTER};

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
        Params { now: monday(), until: monday() + 3 * DAY, margin: 4 * H, join_share, rate_factor: 1.0, slot: QUARTER }
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
        // 36 x 0.5 = 88 %). The carrier comes on Monday at 11:00 anyway, inside e1's window;
        // riding that round, e1 holds 70 + 11 x 0.5 = 75.5 % >= 0.75 x 90 = 67.5 %: with join
        // 0.75 it rides Monday's truck (one trip instead of two); with 0.9 (81 %) it does not.
        let containers = [c("a1", "a", "t", "op", 60.0, 2.0), c("e1", "e", "t", "op", 70.0, 0.5)];
        let clock = LocalClock::fixed(H);
        let joined = plan(&containers, &clock, &params(0.75), &BTreeMap::new());
        assert_eq!(joined.trips.len(), 1);
        assert_eq!(joined.trips[0].at, monday() + 11 * H, "one round, one time");
        assert_eq!(joined.pickups[1].at, monday() + 11 * H);
        assert!((joined.pickups[1].fill_pct - 75.5).abs() < 1e-9);
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
