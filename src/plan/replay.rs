//! Replaying fill trajectories under a collection policy, hour by hour: how many containers
//! overflowed (reached 100 %) before their collection, how many trips were driven, and how
//! full containers were when collected. Measures the planner against the simulator's
//! collections (`wasteflow plan --evaluate`, docs/planning.md).

use super::load::{ExpectedMass, Weighing};
use super::local_time::{LocalClock, LocalTime, DAY, HOUR};
use super::pooling::plan;
use super::schedule::{Params, Pickup, PlannedContainer};
use super::trips::{group_trips, Trip, Vehicle};
use crate::calendar::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// One container's trajectory: its registry fields (in `state`; the fill fields are replaced
/// as the replay goes), its fill at the start and the points it gains in each hour.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayContainer {
    pub state: PlannedContainer,
    pub start_fill_pct: f64,
    pub inflow_per_hour: Vec<f64>,
    /// Its collections during the warm-up (hours from the start), whatever the policy: the
    /// live state then knows a fill rate since a collection, as it does in service.
    pub warmup_collections: Vec<usize>,
    /// What a collection weighs at a given fill (e.g. at the simulator's weighings' mass per
    /// point of fill). Each replayed collection is weighed so, and the planner forecasts from
    /// the latest of those weighings, as it does in service.
    pub weighed: ExpectedMass,
}

/// Who decides the collections.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Fixed collection hours per container (index of the hour from the start): e.g. the
    /// simulator's own collections, each company calling its truck.
    Fixed(Vec<Vec<usize>>),
    /// Each company calls its carrier when a container reaches its overflow threshold; the
    /// carrier comes at the container's next window opening (or now, inside a window).
    Reactive,
    /// The planner, run every local midnight on the replayed live state (fill,
    /// and the rate since the last collection as the live stage computes it); the pick-ups
    /// until the next run are made at their hour, the trips grouped across companies.
    Planned { margin: SignedDuration, horizon: SignedDuration, join_share: f64, rate_factor: f64, slot: SignedDuration },
}

/// What a replay measured.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReplayOutcome {
    pub collections: usize,
    pub trips: usize,
    /// The trips the same collections take when each company calls its own truck (its
    /// carrier's rounds, one company at a time): `trips` but for the planner.
    pub own_trips: usize,
    /// Times a container reached 100 % before being collected (once per fill cycle).
    pub overflows: usize,
    /// Containers that overflowed at least once.
    pub containers_overflowed: usize,
    /// Their ids.
    pub overflowed: Vec<String>,
    /// Mean fill at collection, percent.
    pub mean_fill_at_collection_pct: f64,
    /// Collected mass as weighed (see [`ReplayContainer::weighed`]), tonnes.
    pub tonnes: f64,
    /// The `trips` driven, and the `own_trips` (for their kilometres, tCO2e and euros).
    #[serde(skip)]
    pub trips_driven: Vec<Trip>,
    #[serde(skip)]
    pub own_trips_driven: Vec<Trip>,
}

/// Replays `hours` hours from `start`, the first `warmup` of them with the containers'
/// warm-up collections and not counted (the policy decides from then on). Trips: the collections grouped by carrier,
/// and local day within the vehicles' capacity; per company for [`Policy::Fixed`] and
/// [`Policy::Reactive`], across companies for [`Policy::Planned`].
pub fn replay(
    containers: &[ReplayContainer],
    start: Timestamp,
    warmup: usize,
    hours: usize,
    clock: &LocalClock,
    vehicles: &BTreeMap<String, Vehicle>,
    policy: &Policy,
) -> ReplayOutcome {
    let mut run = Replay::new(containers, start, warmup, clock, vehicles, policy);
    for h in 0..hours {
        let t = start + SignedDuration::from_hours(h as i64);
        if let Policy::Planned { margin, horizon, join_share, rate_factor, slot } = policy {
            if h == warmup || (h > warmup && clock.to_local(t).time_of_day() < HOUR) {
                let params = Params {
                    now: t,
                    until: t + *horizon,
                    margin: *margin,
                    join_share: *join_share,
                    rate_factor: *rate_factor,
                    slot: *slot,
                };
                run.schedule_planned(t, &params);
            }
        }
        if *policy == Policy::Reactive && h >= warmup {
            run.schedule_reactive(t);
        }
        run.collect_and_fill(h, t);
    }
    run.outcome()
}

/// A replay under way: the policy's inputs, and each container's fill, the point its rate is
/// measured from, its scheduled hours and whether it overflowed.
struct Replay<'a> {
    containers: &'a [ReplayContainer],
    start: Timestamp,
    warmup: usize,
    clock: &'a LocalClock,
    vehicles: &'a BTreeMap<String, Vehicle>,
    policy: &'a Policy,
    fill: Vec<f64>,
    /// Fill and time the rate since the last collection is measured from.
    base: Vec<(f64, Timestamp)>,
    /// Each container's weighings, latest first.
    weighings: Vec<Vec<Weighing>>,
    /// Overflowed in the current fill cycle.
    overflowed: Vec<bool>,
    /// Overflowed at least once after the warm-up.
    ever: Vec<bool>,
    /// Hours (from the start) each container will be collected at.
    scheduled: Vec<BTreeSet<usize>>,
    /// The collections after the warm-up.
    done: Vec<Pickup>,
    out: ReplayOutcome,
}

impl<'a> Replay<'a> {
    fn new(
        containers: &'a [ReplayContainer],
        start: Timestamp,
        warmup: usize,
        clock: &'a LocalClock,
        vehicles: &'a BTreeMap<String, Vehicle>,
        policy: &'a Policy,
    ) -> Replay<'a> {
        let fill: Vec<f64> = containers.iter().map(|c| c.start_fill_pct).collect();
        let base: Vec<(f64, Timestamp)> = fill.iter().map(|f| (*f, start)).collect();
        let scheduled: Vec<BTreeSet<usize>> = containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let own = match policy {
                    Policy::Fixed(hours) => hours.get(i).cloned().unwrap_or_default(),
                    Policy::Planned { .. } | Policy::Reactive => vec![],
                };
                let warm = c.warmup_collections.iter().copied().filter(|h| *h < warmup);
                own.into_iter().filter(|h| *h >= warmup).chain(warm).collect()
            })
            .collect();
        let n = containers.len();
        Replay {
            containers,
            start,
            warmup,
            clock,
            vehicles,
            policy,
            fill,
            base,
            weighings: vec![Vec::new(); n],
            overflowed: vec![false; n],
            ever: vec![false; n],
            scheduled,
            done: Vec::new(),
            out: ReplayOutcome::default(),
        }
    }

    /// Runs the planner at `t` on the replayed live state and schedules its pick-ups before
    /// the next local midnight.
    fn schedule_planned(&mut self, t: Timestamp, params: &Params) {
        let states: Vec<PlannedContainer> = self
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let hours_since = (t - self.base[i].1).as_secs_f64() / 3600.0;
                PlannedContainer {
                    fill_pct: self.fill[i],
                    reading_at: t,
                    rate_per_hour: (hours_since >= 1.0 / 6.0).then(|| (self.fill[i] - self.base[i].0) / hours_since),
                    rate_span_h: Some(hours_since),
                    mass: ExpectedMass::new(&self.weighings[i], c.state.mass.max_load_kg),
                    ..c.state.clone()
                }
            })
            .collect();
        let until = self.clock.to_utc(LocalTime::midnight(self.clock.local_day(t) + 1));
        for p in plan(&states, self.clock, params, self.vehicles).pickups {
            if p.at < until {
                let i = self.containers.iter().position(|c| c.state.id == p.container).unwrap_or(0);
                self.scheduled[i].insert((p.at - self.start).as_hours() as usize);
            }
        }
    }

    /// Each container at its threshold with nothing scheduled calls its carrier, who comes at
    /// the next window opening (or now, inside a window).
    fn schedule_reactive(&mut self, t: Timestamp) {
        for (i, c) in self.containers.iter().enumerate() {
            if self.fill[i] >= c.state.threshold_pct && self.scheduled[i].is_empty() {
                let next = self.clock.openings(&c.state.window, t, t + 8 * DAY).first().map(|(o, _)| (*o).max(t));
                if let Some(at) = next {
                    // The first whole hour of the replay at or after it.
                    self.scheduled[i]
                        .insert((at - self.start + HOUR - SignedDuration::from_secs(1)).as_hours() as usize);
                }
            }
        }
    }

    /// Hour `h` (at `t`): the containers scheduled now are collected, then every container
    /// gains the hour's inflow, and an overflow is counted when one reaches 100 %.
    fn collect_and_fill(&mut self, h: usize, t: Timestamp) {
        for (i, c) in self.containers.iter().enumerate() {
            if self.scheduled[i].remove(&h) {
                let fill = self.fill[i];
                let state = PlannedContainer {
                    fill_pct: fill,
                    reading_at: t,
                    rate_per_hour: None,
                    mass: c.weighed,
                    ..c.state.clone()
                };
                let mut pickup = state.pickup_at(&state.transporter.clone().unwrap_or_default(), t, t);
                pickup.late = self.overflowed[i];
                self.weighings[i].insert(0, Weighing { kg: pickup.mass_kg, fill_pct: fill });
                if h >= self.warmup {
                    self.done.push(pickup);
                }
                self.fill[i] = 0.0;
                self.base[i] = (0.0, t);
                self.overflowed[i] = false;
            }
            self.fill[i] += c.inflow_per_hour.get(h).copied().unwrap_or(0.0);
            if self.fill[i] >= 100.0 && !self.overflowed[i] {
                self.overflowed[i] = true;
                if h >= self.warmup {
                    self.ever[i] = true;
                    self.out.overflows += 1;
                }
            }
        }
    }

    /// What the replay measured.
    fn outcome(mut self) -> ReplayOutcome {
        let mut out = std::mem::take(&mut self.out);
        let (done, ever) = (&self.done, &self.ever);
        out.collections = done.len();
        out.containers_overflowed = ever.iter().filter(|e| **e).count();
        out.overflowed =
            self.containers.iter().zip(ever).filter(|(_, e)| **e).map(|(c, _)| c.state.id.clone()).collect();
        out.mean_fill_at_collection_pct =
            if done.is_empty() { 0.0 } else { done.iter().map(|p| p.fill_pct).sum::<f64>() / done.len() as f64 };
        out.tonnes = done.iter().map(|p| p.mass_kg).sum::<f64>() / 1000.0;
        out.own_trips_driven = self.own_trips();
        out.trips_driven = match self.policy {
            Policy::Planned { .. } => group_trips(&self.done, self.clock, self.vehicles),
            Policy::Fixed(_) | Policy::Reactive => out.own_trips_driven.clone(),
        };
        (out.trips, out.own_trips) = (out.trips_driven.len(), out.own_trips_driven.len());
        out
    }

    /// The rounds that drive the collections when each company calls its own truck: the
    /// carriers' pick-ups at the same hour, one company at a time.
    fn own_trips(&self) -> Vec<Trip> {
        let (done, clock, vehicles) = (&self.done, self.clock, self.vehicles);
        let companies: BTreeSet<&str> = done.iter().map(|p| p.company.as_str()).collect();
        companies
            .into_iter()
            .flat_map(|co| {
                let own: Vec<Pickup> = done.iter().filter(|p| p.company == co).cloned().collect();
                group_trips(&own, clock, vehicles)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
