//! `wasteflow plan --evaluate`: the simulator's realistic zone (the fill trajectories of
//! `simulate --realistic`, generated here, not published) replayed under two policies: the
//! simulator's own collections (each company calls its truck when a container reaches its
//! own level, at any working hour), a call at the overflow threshold served at the next
//! window opening (each company its own truck), and the planner (docs/planning.md "Measured").

use super::plan_args::PlanArgs;
use super::plan_km::Footprints;
use crate::calendar::{SignedDuration, Timestamp};
use crate::config::Settings;
use crate::plan::{
    replay, whole_seconds, ExpectedMass, LocalClock, PlannedContainer, Policy, ReplayContainer, ReplayOutcome, Vehicle,
    Weighing,
};
use crate::simulate::{Faults, ZoneSim};
use crate::wire::{decode, Measurement, TopicLayout};
use crate::zone::{parse_window, CollectionWindow, Zone};
use std::collections::{BTreeMap, HashMap};
use std::error::Error;

/// Days simulated before the measured period.
const WARMUP_DAYS: i64 = 3;

/// One container's readings in the simulated run: fill levels, emptyings and weighings (kg),
/// with their times.
#[derive(Default)]
struct Track {
    fills: Vec<(Timestamp, f64)>,
    emptied: Vec<Timestamp>,
    weighed: Vec<(Timestamp, f64)>,
}

impl Track {
    /// What its collections weighed per point of fill over the whole run: all its weighings'
    /// mass over the fill read before each (the plan's rule, `ExpectedMass`, on one summed
    /// weighing); the largest load without one.
    fn weighed(&self, max_load_kg: f64) -> ExpectedMass {
        let with_fill = self.weighed.iter().filter_map(|(t, kg)| {
            let before = self.fills.iter().rev().find(|(ft, _)| ft <= t && *t - *ft < days(1))?;
            (before.1 > 0.0).then_some((*kg, before.1))
        });
        let (kg, fill_pct) = with_fill.fold((0.0, 0.0), |(k, f), (kg, fill)| (k + kg, f + fill));
        ExpectedMass::new(&[Weighing { kg, fill_pct }], max_load_kg)
    }
}

/// `n` days.
fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

pub fn evaluate(
    zone: &Zone,
    settings: &Settings,
    clock: &LocalClock,
    start: Timestamp,
    args: &PlanArgs,
) -> Result<String, Box<dyn Error>> {
    let layout = TopicLayout::parse(&settings.mqtt.topic_filter)?;
    // Three days of warm-up before the date, with the simulator's collections under both
    // policies, so that the live state knows each container's rate since a collection.
    let warm = start - days(WARMUP_DAYS);
    let warmup = WARMUP_DAYS as usize * 24;
    let hours = warmup + args.days as usize * 24;
    let end = start + days(i64::from(args.days));
    let tracks = simulate(zone, &layout, args.seed, warm, end, clock);
    let (containers, baseline) = trajectories(zone, &tracks, warm, hours);
    let vehicles: BTreeMap<String, Vehicle> = zone
        .file
        .transporters
        .iter()
        .map(|t| (t.id.clone(), Vehicle { volume_m3: t.vehicle_volume_m3, mass_kg: t.vehicle_mass_kg }))
        .collect();
    let before = replay(&containers, warm, warmup, hours, clock, &vehicles, &Policy::Fixed(baseline.clone()));
    let planned = Policy::Planned {
        margin: whole_seconds(args.margin),
        horizon: whole_seconds(args.horizon),
        join_share: args.join,
        rate_factor: args.rate_factor,
        slot: whole_seconds(args.slot),
    };
    let reactive = replay(&containers, warm, warmup, hours, clock, &vehicles, &Policy::Reactive);
    let after = replay(&containers, warm, warmup, hours, clock, &vehicles, &planned);
    let footprints = Footprints::of(zone, args.detour, [&before, &reactive, &after]);
    if args.json {
        let v = serde_json::json!({
            "date": args.date, "days": args.days, "seed": args.seed, "containers": containers.len(),
            "margin_s": args.margin.as_secs(), "horizon_s": args.horizon.as_secs(), "join": args.join, "rate_factor": args.rate_factor,
            "slot_s": args.slot.as_secs(), "detour": args.detour,
            "simulator": before, "threshold_call": reactive, "plan": after, "footprint": footprints,
        });
        return Ok(serde_json::to_string_pretty(&v)?);
    }
    let row = |name: &str, o: &ReplayOutcome| {
        format!(
            "{name:<42} {:>9} {:>11} {:>9} {:>6} {:>10} {:>17.1} {:>8.1}",
            o.overflows,
            o.containers_overflowed,
            o.collections,
            o.trips,
            o.own_trips,
            o.mean_fill_at_collection_pct,
            o.tonnes
        )
    };
    Ok(format!(
        "replay of the realistic zone from {} for {} days (seed {}), {} containers with a carrier\n\
         {:<42} {:>9} {:>11} {:>9} {:>6} {:>10} {:>17} {:>8}\n{}\n{}\n{}\n\n{}",
        args.date.as_deref().unwrap_or_default(),
        args.days,
        args.seed,
        containers.len(),
        "policy",
        "overflows",
        "containers",
        "pick-ups",
        "trips",
        "own trips",
        "fill at pick-up %",
        "tonnes",
        row("simulator (own trucks)", &before),
        row("threshold call, in windows", &reactive),
        row(
            &format!(
                "plan (margin {}, join {}, rate x{})",
                humantime::format_duration(args.margin),
                args.join,
                args.rate_factor
            ),
            &after
        ),
        footprints.text(args.detour),
    ))
}

/// Runs the simulator over the period and keeps each container's fill readings and emptyings.
fn simulate(
    zone: &Zone,
    layout: &TopicLayout,
    seed: u64,
    start: Timestamp,
    end: Timestamp,
    clock: &LocalClock,
) -> HashMap<String, Track> {
    let by_topic: HashMap<String, &crate::zone::GatewayEntry> =
        zone.file.gateways.iter().map(|g| (layout.topic_for(&g.company, &g.id), g)).collect();
    let mut sim = ZoneSim::new(zone, layout, seed, start, end, Faults::default()).with_clock(clock.clone());
    let mut tracks: HashMap<String, Track> = HashMap::new();
    while let Some(msg) = sim.next_message() {
        let (Some(g), Ok(frame)) = (by_topic.get(&msg.topic), decode(&msg.payload)) else { continue };
        for r in &frame.readings {
            let Some(s) = g.sensors.iter().find(|s| s.number == r.sensor) else { continue };
            // The wire's milliseconds: the frame's base time and the reading's offset.
            let t = Timestamp::from_millis(frame.base_time_ms as i64 + i64::from(r.offset_ms));
            let track = tracks.entry(s.container.clone()).or_default();
            match r.value {
                Measurement::FillLevel(v) => track.fills.push((t, f64::from(v))),
                Measurement::Emptied => track.emptied.push(t),
                Measurement::NetMassKg(kg) => track.weighed.push((t, f64::from(kg))),
                _ => {}
            }
        }
    }
    tracks
}

/// Each container with a carrier: its registry fields, first fill, and points gained per hour
/// (between two readings, the difference; across an emptying, the previous interval's rate);
/// and the hours of the simulator's collections.
fn trajectories(
    zone: &Zone,
    tracks: &HashMap<String, Track>,
    start: Timestamp,
    hours: usize,
) -> (Vec<ReplayContainer>, Vec<Vec<usize>>) {
    let mut containers = Vec::new();
    let mut baseline = Vec::new();
    for c in &zone.file.containers {
        let (Some(transporter), Some(track)) = (&c.transporter, tracks.get(&c.id)) else { continue };
        let Some(&(_, first)) = track.fills.first() else { continue };
        let site = zone.file.sites.iter().find(|s| s.id == c.site);
        let window = c
            .collection_window
            .as_ref()
            .or(site.and_then(|s| s.collection_window.as_ref()))
            .and_then(|w| parse_window(w).ok())
            .unwrap_or(CollectionWindow::ALWAYS);
        let hour_of = |t: Timestamp| ((t - start).as_hours().max(0) as usize).min(hours.saturating_sub(1));
        let mut inflow = vec![0.0; hours];
        let mut rate_per_ms = 0.0;
        for w in track.fills.windows(2) {
            let ((t1, f1), (t2, f2)) = (w[0], w[1]);
            let ms = (t2 - t1).as_millis() as f64;
            let emptied = track.emptied.iter().any(|e| *e > t1 && *e <= t2);
            let gained = if emptied { rate_per_ms * ms } else { f2 - f1 };
            if !emptied && t2 > t1 {
                rate_per_ms = (f2 - f1) / ms;
            }
            inflow[hour_of(t2)] += gained;
        }
        let collections: Vec<usize> = track.emptied.iter().map(|t| hour_of(*t)).collect();
        baseline.push(collections.clone());
        containers.push(ReplayContainer {
            state: PlannedContainer {
                id: c.id.clone(),
                company: c.company.clone(),
                destination: c.destination.clone(),
                transporter: Some(transporter.clone()),
                volume_m3: c.volume_m3,
                mass: ExpectedMass::max_load(c.max_load_kg),
                threshold_pct: c.overflow_threshold_pct,
                fill_pct: first,
                reading_at: start,
                rate_per_hour: None,
                rate_span_h: None,
                window,
            },
            start_fill_pct: first,
            inflow_per_hour: inflow,
            warmup_collections: collections,
            weighed: track.weighed(c.max_load_kg),
        });
    }
    (containers, baseline)
}
