//! Rounds: a carrier comes once and collects what is due then, whichever company it serves.
//! A pick-up rides an earlier round of its carrier when its window is open at the round's time,
//! it is full enough then (`join_share` of its threshold) and the vehicle has room; otherwise
//! it opens a round of its own at its own time. A round is one time in one window, not a
//! carrier's day: a 06:00 and a 20:00 pick-up are two rounds.

use super::local_time::{weekday, LocalClock};
use super::schedule::{latest_in, Params, Pickup, PlannedContainer};
use super::trips::{Trip, Vehicle};
use crate::calendar::Timestamp;
use crate::zone::CollectionWindow;
use std::collections::BTreeMap;

/// Whether the carrier may come at `t` under the window: its day is a window day and `t` lies
/// between the opening and the latest time of that day's window.
pub fn open_at(clock: &LocalClock, w: &CollectionWindow, t: Timestamp) -> bool {
    let day = clock.local_day(t);
    if !w.on(weekday(day)) {
        return false;
    }
    let (open, close) = clock.opening(w, day);
    open <= t && t <= latest_in(clock, (open, close))
}

/// The rounds of the pick-ups `due` (`(container index, pick-up)`, in time order). Each
/// pick-up, in turn, rides the latest round already formed of its carrier that is not after
/// it, where its window is open, and its forecast fill then is at least `join_share` of its
/// threshold (any fill at its own time), within the vehicle; it goes to a round on an earlier
/// day only when no other pick-up of its carrier is due on its own day (the carrier comes that
/// day anyway, and leaving earlier would only collect it emptier). Otherwise it opens a round.
/// A pick-up that rides is re-forecast at the round's time.
pub fn rounds(
    due: &[(usize, Pickup)],
    containers: &[PlannedContainer],
    clock: &LocalClock,
    p: &Params,
    vehicles: &BTreeMap<String, Vehicle>,
) -> Vec<Trip> {
    let mut trips: Vec<Trip> = Vec::new();
    for (k, (i, planned)) in due.iter().enumerate() {
        let c = &containers[*i];
        let carrier = &planned.transporter;
        let my_day = clock.local_day(planned.at);
        let day_busy = due
            .iter()
            .enumerate()
            .any(|(j, (_, q))| j != k && q.transporter == *carrier && clock.local_day(q.at) == my_day);
        let vehicle = vehicles.get(carrier).copied().unwrap_or_default();
        let mut best: Option<(usize, Pickup)> = None;
        for (ti, t) in trips.iter().enumerate() {
            let later_found = best.as_ref().is_some_and(|(b, _)| trips[*b].at >= t.at);
            if t.transporter != *carrier || t.at > planned.at || later_found || (t.day != my_day && day_busy) {
                continue;
            }
            if !open_at(clock, &c.window, t.at) {
                continue;
            }
            let moved = if t.at == planned.at { planned.clone() } else { c.pickup_at(carrier, t.at, planned.overflow) };
            if t.at != planned.at && moved.fill_pct < p.join_share * c.threshold_pct {
                continue;
            }
            if vehicle.fits(t.volume_m3() + moved.volume_m3, t.mass_kg() + moved.mass_kg) {
                best = Some((ti, moved));
            }
        }
        match best {
            Some((ti, moved)) => trips[ti].pickups.push(moved),
            None => trips.push(Trip {
                transporter: carrier.clone(),
                day: my_day,
                at: planned.at,
                pickups: vec![planned.clone()],
            }),
        }
    }
    trips
}

#[cfg(test)]
mod tests {
    use crate::plan::local_time::{DAY, HOUR as H};
    use crate::plan::pooling::plan;
    use crate::plan::schedule::tests::{container, monday, QUARTER};
    use crate::plan::schedule::{Params, PlannedContainer};
    use crate::plan::LocalClock;
    use crate::zone::CollectionWindow;
    use std::collections::BTreeMap;

    fn c(id: &str, company: &str, fill: f64, rate: f64, window: (u16, u16)) -> PlannedContainer {
        PlannedContainer {
            id: id.into(),
            company: company.into(),
            window: CollectionWindow { days: 0b1111111, from_min: window.0 * 60, to_min: window.1 * 60 },
            ..container(fill, rate, 0b11111)
        }
    }

    fn params(join_share: f64) -> Params {
        Params { now: monday(), until: monday() + 3 * DAY, margin: 2 * H, join_share, rate_factor: 1.0, slot: QUARTER }
    }

    #[test]
    fn a_06_00_and_a_20_00_pick_up_are_two_rounds_unless_the_later_rides_the_earlier() {
        // Windows 06:00-20:00 every day. m1: 78 % at 2 %/h reaches 90 % at Monday 06:00, by
        // 04:00 with the margin: before Monday's opening, so at the opening, 06:00 (90 %). n1:
        // 50 % at 2 %/h reaches 90 % at Monday 20:00, by 18:00: Monday 18:00 (86 %). One
        // carrier, two companies. A day's trip once held both; now, with join 2 (never
        // earlier), they are two rounds, 06:00 and 18:00. With join 0.6 (54 % of 90 %), n1
        // rides the 06:00 round: it holds 50 + 6 x 2 = 62 % then, one round.
        let cs = [c("m1", "a", 78.0, 2.0, (6, 20)), c("n1", "b", 50.0, 2.0, (6, 20))];
        let clock = LocalClock::fixed(H);
        let apart = plan(&cs, &clock, &params(2.0), &BTreeMap::new());
        let times: Vec<_> = apart.trips.iter().map(|t| (t.at, t.pickups.len())).collect();
        assert_eq!(times, vec![(monday() + 6 * H, 1), (monday() + 18 * H, 1)]);
        assert_eq!((apart.own_trips, apart.trips_saved()), (2, 0));
        let pooled = plan(&cs, &clock, &params(0.6), &BTreeMap::new());
        assert_eq!(pooled.trips.len(), 1);
        let n1 = pooled.pickups.iter().find(|p| p.container == "n1").unwrap();
        assert_eq!((n1.at, n1.fill_pct), (monday() + 6 * H, 62.0));
        assert_eq!((pooled.own_trips, pooled.trips_saved()), (2, 1));
    }

    #[test]
    fn a_pick_up_rides_a_round_only_inside_its_own_window_and_within_the_vehicle() {
        // As above, n1 at 18:00, but its window opens at 07:00: the 06:00 round is outside it,
        // so two rounds even with join 0.6. With its window 06:00-20:00 and a vehicle of 15 m3
        // (m1 holds 9 m3 at 90 %, n1 6.2 m3 at 62 %: 15.2 m3), still two.
        let clock = LocalClock::fixed(H);
        let late_opening = [c("m1", "a", 78.0, 2.0, (6, 20)), c("n1", "b", 50.0, 2.0, (7, 20))];
        assert_eq!(plan(&late_opening, &clock, &params(0.6), &BTreeMap::new()).trips.len(), 2);
        let cs = [c("m1", "a", 78.0, 2.0, (6, 20)), c("n1", "b", 50.0, 2.0, (6, 20))];
        let small = BTreeMap::from([("t".to_string(), crate::plan::Vehicle { volume_m3: Some(15.0), mass_kg: None })]);
        assert_eq!(plan(&cs, &clock, &params(0.6), &small).trips.len(), 2);
    }
}
