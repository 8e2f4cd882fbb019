//! A realistic zone: fill curves that follow each company's shifts and weekends, collections
//! inside each container's collection window whose weighed mass follows the fill level, the
//! volume and the stream's density, never above the container's capacity (`collections.rs`), daily
//! temperature cycles, draining batteries, each container reporting at its registry interval,
//! and injectable faults. Pure generation (no I/O); deterministic for a seed.

use super::collections::{due_fill_pct, in_window, weighed_kg, window_of};
use super::devices::{DeviceFaults, Devices};
use super::generate::{malformed_payload, GeneratedMessage};
use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::plan::{LocalClock, DAY, HOUR};
use crate::wire::{encode, Frame, Measurement, MeasurementKind, Reading, TopicLayout};
use crate::zone::{CollectionWindow, Zone};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::collections::VecDeque;

const MINUTE: SignedDuration = SignedDuration::from_mins(1);

/// Faults to inject.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// One container is never collected and overflows.
    pub overflow: bool,
    /// One wood or cardboard container heats up (fire risk) in the last tenth of the run.
    pub fire: bool,
    /// One gateway falls silent for the last quarter of the run.
    pub silent: bool,
    /// One gateway's clock runs 3 hours ahead in the last tenth (its readings are rejected).
    pub clock_skew: bool,
    /// One gateway sends ten times its normal number of readings.
    pub flood: bool,
    /// Conditions of the devices containers carry (fire alarm, fall, move, lid, radio).
    pub devices: DeviceFaults,
    /// Share of extra malformed messages.
    pub malformed: f64,
    /// Share of frames sent twice.
    pub duplicates: f64,
}

/// A fault `wasteflow simulate --realistic` can inject (`--fault NAME`, repeatable): what it
/// does is the [`Faults`] or [`DeviceFaults`] field it sets ([`Faults::inject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Overflow,
    Fire,
    Silent,
    ClockSkew,
    Flood,
    FireAlarm,
    Tilt,
    Moved,
    Lid,
    WeakRadio,
    PoorQuality,
}

impl Fault {
    /// Every fault, in the order the command line lists them: the zone's, then the devices'.
    pub const ALL: [Fault; 11] = [
        Fault::Overflow,
        Fault::Fire,
        Fault::Silent,
        Fault::ClockSkew,
        Fault::Flood,
        Fault::FireAlarm,
        Fault::Tilt,
        Fault::Moved,
        Fault::Lid,
        Fault::WeakRadio,
        Fault::PoorQuality,
    ];

    /// Its name on the command line (`--fault clock-skew`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::Overflow => "overflow",
            Fault::Fire => "fire",
            Fault::Silent => "silent",
            Fault::ClockSkew => "clock-skew",
            Fault::Flood => "flood",
            Fault::FireAlarm => "fire-alarm",
            Fault::Tilt => "tilt",
            Fault::Moved => "moved",
            Fault::Lid => "lid",
            Fault::WeakRadio => "weak-radio",
            Fault::PoorQuality => "poor-quality",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no fault; it lists the faults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a fault; the faults are {list}", list = Fault::ALL.map(Fault::name).join(", "))]
pub struct UnknownFault(pub String);

impl std::str::FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Fault, UnknownFault> {
        Fault::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| UnknownFault(s.to_string()))
    }
}

impl Faults {
    /// Sets the field a fault names.
    pub fn inject(&mut self, fault: Fault) {
        let flag = match fault {
            Fault::Overflow => &mut self.overflow,
            Fault::Fire => &mut self.fire,
            Fault::Silent => &mut self.silent,
            Fault::ClockSkew => &mut self.clock_skew,
            Fault::Flood => &mut self.flood,
            Fault::FireAlarm => &mut self.devices.fire_alarm,
            Fault::Tilt => &mut self.devices.tilt,
            Fault::Moved => &mut self.devices.moved,
            Fault::Lid => &mut self.devices.lid,
            Fault::WeakRadio => &mut self.devices.weak_radio,
            Fault::PoorQuality => &mut self.devices.poor_quality,
        };
        *flag = true;
    }
}

struct SimContainer {
    company: String,
    gateway: usize,
    sensor: u16,
    volume_m3: f64,
    density: f64,
    /// Its registry interval between two reports.
    interval: SignedDuration,
    next_report: Timestamp,
    fill: f64,
    base_rate_per_hour: f64,
    collect_at: f64,
    max_load_kg: f64,
    window: CollectionWindow,
    temperature: f64,
    battery: f64,
    never_collect: bool,
    heats_up: bool,
}

struct SimGateway {
    company: String,
    topic: String,
    seq: u32,
}

/// Bulk density of a stream in a container, kg per cubic metre (rough, typical values).
fn density(stream: &str, ewc: &str) -> f64 {
    match (stream, &ewc[..2.min(ewc.len())]) {
        (s, _) if s.contains("cardboard") => 110.0,
        (s, _) if s.contains("wood") => 220.0,
        (s, _) if s.contains("plastic") => 350.0,
        (s, _) if s.contains("scrap") => 750.0,
        (s, _) if s.contains("sand") => 1500.0,
        (s, _) if s.contains("oil") || s.contains("solvent") => 870.0,
        (s, _) if s.contains("concrete") => 1300.0,
        (_, "17") => 1300.0,
        _ => 160.0,
    }
}

/// How busy a company is at a given time: weekday shifts 6h-22h, Saturday mornings, and a
/// trickle otherwise; warehouses run around the clock at a steadier pace.
fn activity(company: &str, t: Timestamp) -> f64 {
    let day = (t.div_euclid(DAY) + 3) % 7; // 1970-01-01 was a Thursday: 0 = Monday
    let hour = t.rem_euclid(DAY).as_hours();
    if company.contains("logistique") {
        return if day < 6 { 0.8 } else { 0.4 };
    }
    match (day, hour) {
        (0..=4, 6..=21) => 1.0,
        (5, 6..=12) => 0.5,
        _ => 0.03,
    }
}

/// The realistic zone simulator.
pub struct ZoneSim {
    rng: SmallRng,
    containers: Vec<SimContainer>,
    devices: Devices,
    gateways: Vec<SimGateway>,
    /// The simulated period, `[start, end)`, and the simulated time now.
    pub start: Timestamp,
    pub now: Timestamp,
    pub end: Timestamp,
    step: SignedDuration,
    faults: Faults,
    queue: VecDeque<GeneratedMessage>,
    /// Malformed messages made so far: each one's serial number.
    malformed_sent: u64,
    /// The zone's UTC offsets, to read the collection windows in local time.
    clock: LocalClock,
}

impl ZoneSim {
    /// Simulates `[start, end)` of the zone.
    pub fn new(
        zone: &Zone,
        layout: &TopicLayout,
        seed: u64,
        start: Timestamp,
        end: Timestamp,
        faults: Faults,
    ) -> ZoneSim {
        let mut rng = SmallRng::seed_from_u64(seed);
        let gateways: Vec<SimGateway> = zone
            .file
            .gateways
            .iter()
            .map(|g| SimGateway { company: g.company.clone(), topic: layout.topic_for(&g.company, &g.id), seq: 0 })
            .collect();
        let mut containers = Vec::new();
        let mut entries = Vec::new();
        for (gi, g) in zone.file.gateways.iter().enumerate() {
            for s in &g.sensors {
                let Some(c) = zone.container(&s.container) else { continue };
                entries.push((c, zone.site(&c.site)));
                let ewc = zone.file.streams.iter().find(|st| st.id == c.stream).map(|st| st.ewc.as_str()).unwrap_or("");
                let fill_days = rng.random_range(2.0..6.0);
                let density = density(&c.stream, ewc);
                let collect_at = (c.overflow_threshold_pct - rng.random_range(5.0..15.0)).max(10.0);
                containers.push(SimContainer {
                    company: c.company.clone(),
                    gateway: gi,
                    sensor: s.number,
                    volume_m3: c.volume_m3,
                    density,
                    interval: SignedDuration::from_millis(c.expected_interval.as_millis() as i64),
                    next_report: start
                        + SignedDuration::from_millis(rng.random_range(0..c.expected_interval.as_millis() as i64)),
                    fill: rng.random_range(0.0..40.0),
                    // Points per hour at full activity, to reach ~80 % in `fill_days` working days.
                    base_rate_per_hour: 80.0 / (fill_days * 16.0),
                    collect_at: due_fill_pct(collect_at, c.volume_m3, density, c.max_load_kg),
                    max_load_kg: c.max_load_kg,
                    window: window_of(c, zone.site(&c.site)),
                    temperature: rng.random_range(8.0..16.0),
                    battery: rng.random_range(60.0..100.0),
                    never_collect: false,
                    heats_up: false,
                });
            }
        }
        if faults.overflow {
            // The last gateway's first container (never the silent gateway's): a fast filler
            // nobody collects. (Not its last: the pallet skip there is the example zone's synergy
            // opportunity, which needs its collections to show.)
            let last_gateway = containers.last().map(|c| c.gateway);
            if let Some(c) = containers.iter_mut().find(|c| Some(c.gateway) == last_gateway) {
                c.never_collect = true;
                c.base_rate_per_hour *= 3.0;
            }
        }
        if faults.fire {
            let wood =
                zone.file.containers.iter().position(|c| c.stream.contains("wood") || c.stream.contains("cardboard"));
            if let Some(c) = wood.and_then(|i| containers.get_mut(i)) {
                c.heats_up = true;
            }
        }
        let devices = Devices::new(&entries, seed, start, end, faults.devices);
        ZoneSim {
            rng,
            containers,
            devices,
            gateways,
            start,
            now: start,
            end,
            step: MINUTE,
            faults,
            queue: VecDeque::new(),
            malformed_sent: 0,
            clock: LocalClock::fixed(SignedDuration::ZERO),
        }
    }

    /// Reads the collection windows with the zone's UTC offsets (`ZoneTime::local_clock`, from
    /// the database); without it they are read in UTC.
    pub fn with_clock(mut self, clock: LocalClock) -> ZoneSim {
        self.clock = clock;
        self
    }

    /// Simulated time per generated step.
    pub fn step_length(&self) -> SignedDuration {
        self.step
    }

    /// The next message, or None when the simulated period is over.
    pub fn next_message(&mut self) -> Option<GeneratedMessage> {
        while self.queue.is_empty() {
            if self.now >= self.end {
                return None;
            }
            self.step();
        }
        self.queue.pop_front()
    }

    fn step(&mut self) {
        let t = self.now;
        let n_gw = self.gateways.len();
        let mut frames: Vec<Vec<Reading>> = vec![Vec::new(); n_gw];
        let remaining = self.remaining_share(t);
        for (ci, c) in self.containers.iter_mut().enumerate() {
            // Continuous processes.
            let hours = self.step.as_millis() as f64 / HOUR.as_millis() as f64;
            c.fill = (c.fill
                + c.base_rate_per_hour * activity(&c.company, t) * hours * self.rng.random_range(0.6..1.4))
            .min(120.0);
            let daily = ((t.rem_euclid(DAY).as_millis() as f64 / DAY.as_millis() as f64) * std::f64::consts::TAU).sin();
            if c.heats_up && remaining < 0.1 {
                c.temperature = (c.temperature + 2.0).min(95.0);
            } else {
                c.temperature += (12.0 + 6.0 * daily - c.temperature) * 0.05 + self.rng.random_range(-0.1..0.1);
            }
            c.battery = (c.battery - 0.0005).max(0.0);
            // The readings' offset in their frame (the wire's milliseconds).
            let offset = (t - self.now).as_millis() as u32;
            let frame = &mut frames[c.gateway];
            self.devices.minute(ci, t, activity(&c.company, t), c.sensor, offset, frame);
            if t < c.next_report {
                continue;
            }
            c.next_report = c.next_report + c.interval;
            if c.fill >= c.collect_at
                && !c.never_collect
                && activity(&c.company, t) >= 0.5
                && in_window(&c.window, &self.clock, t)
            {
                // A collection in the carrier's window: weighed on the way out, at most what the
                // container holds, then the container starts empty.
                let load = c.fill / 100.0 * c.volume_m3 * c.density * self.rng.random_range(0.9..1.1);
                let kg = weighed_kg(load, c.max_load_kg);
                frame.push(Reading { sensor: c.sensor, offset_ms: offset, value: Measurement::NetMassKg(kg as f32) });
                frame.push(Reading { sensor: c.sensor, offset_ms: offset + 1, value: Measurement::Emptied });
                c.fill = self.rng.random_range(0.0..3.0);
            }
            frame.push(Reading {
                sensor: c.sensor,
                offset_ms: offset + 2,
                value: Measurement::FillLevel(c.fill as f32),
            });
            frame.push(Reading {
                sensor: c.sensor,
                offset_ms: offset + 3,
                value: Measurement::TemperatureC(c.temperature as f32),
            });
            let load_kg = c.fill / 100.0 * c.volume_m3 * c.density;
            self.devices.report(ci, t, load_kg, c.sensor, offset, frame);
            if t.div_euclid(HOUR) % 6 == 0 && t.rem_euclid(HOUR) < self.step {
                frame.push(Reading {
                    sensor: c.sensor,
                    offset_ms: offset + 4,
                    value: Measurement::BatteryPercent(c.battery as f32),
                });
            }
        }
        for (gi, readings) in frames.into_iter().enumerate() {
            if readings.is_empty() {
                continue;
            }
            if self.faults.silent && gi == 0 && remaining < 0.25 {
                continue;
            }
            let skewed = self.faults.clock_skew && gi == 1.min(n_gw - 1) && remaining < 0.1;
            // A clock ahead of real time: beyond the end of the run, so the daemon sees the future.
            let base = if skewed { t + (self.end - self.start) + 3 * HOUR } else { t };
            let flood = if self.faults.flood && gi == 2.min(n_gw - 1) { 10 } else { 1 };
            for copy in 0..flood {
                // Flood copies repeat the fill readings a second apart: new, valid readings.
                let readings: Vec<Reading> = if copy == 0 {
                    readings.clone()
                } else {
                    readings
                        .iter()
                        .filter(|r| matches!(r.value, Measurement::FillLevel(_)))
                        .map(|r| Reading { offset_ms: r.offset_ms + copy * 1000, ..*r })
                        .collect()
                };
                self.push_frame(gi, base, readings, skewed);
            }
        }
        self.now = self.now + self.step;
    }

    /// Share of the simulated period still ahead at `t`.
    fn remaining_share(&self, t: Timestamp) -> f64 {
        millis_of(self.end - t) as f64 / millis_of(self.end - self.start).max(1) as f64
    }

    fn push_frame(&mut self, gi: usize, base: Timestamp, readings: Vec<Reading>, skewed: bool) {
        let g = &mut self.gateways[gi];
        g.seq = g.seq.wrapping_add(1);
        let n = readings.len();
        let kinds: Vec<MeasurementKind> = readings.iter().map(|r| r.value.kind()).collect();
        let payload = encode(&Frame { seq: g.seq, base_time_ms: base.as_millis().max(0) as u64, readings });
        let msg = GeneratedMessage {
            topic: g.topic.clone(),
            company: g.company.clone(),
            payload,
            readings: n,
            malformed: false,
            duplicate: false,
            rejected: if skewed { n } else { 0 },
            kinds,
        };
        if self.faults.malformed > 0.0 && self.rng.random_bool(self.faults.malformed.min(1.0)) {
            let bad = malformed_payload(&mut self.rng, self.malformed_sent);
            self.malformed_sent += 1;
            self.queue.push_back(GeneratedMessage {
                payload: bad,
                readings: 0,
                malformed: true,
                rejected: 0,
                kinds: vec![],
                ..msg.clone()
            });
        }
        self.queue.push_back(msg.clone());
        if self.faults.duplicates > 0.0 && self.rng.random_bool(self.faults.duplicates.min(1.0)) {
            self.queue.push_back(GeneratedMessage { duplicate: true, ..msg });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_once_by_its_name() {
        // ALL lists every variant once, in declaration order: the last closes the list.
        for (i, f) in Fault::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?}");
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
        }
        assert_eq!(Fault::ALL.len(), Fault::PoorQuality as usize + 1);
        // Each sets the field the simulator's command line set for its name before `Fault`
        // (`has("clock-skew")` -> `clock_skew`...), and that field only.
        let zone = |set: fn(&mut Faults)| {
            let mut f = Faults::default();
            set(&mut f);
            f
        };
        let expected: [(&str, Faults); 11] = [
            ("overflow", zone(|f| f.overflow = true)),
            ("fire", zone(|f| f.fire = true)),
            ("silent", zone(|f| f.silent = true)),
            ("clock-skew", zone(|f| f.clock_skew = true)),
            ("flood", zone(|f| f.flood = true)),
            ("fire-alarm", zone(|f| f.devices.fire_alarm = true)),
            ("tilt", zone(|f| f.devices.tilt = true)),
            ("moved", zone(|f| f.devices.moved = true)),
            ("lid", zone(|f| f.devices.lid = true)),
            ("weak-radio", zone(|f| f.devices.weak_radio = true)),
            ("poor-quality", zone(|f| f.devices.poor_quality = true)),
        ];
        assert_eq!(Fault::ALL.map(Fault::name), expected.map(|e| e.0));
        for (fault, (name, faults)) in Fault::ALL.into_iter().zip(expected) {
            let mut injected = Faults::default();
            injected.inject(fault);
            assert_eq!(injected, faults, "{name}");
        }
    }

    #[test]
    fn a_misspelt_fault_is_refused_with_the_list() {
        let e = "fire_alarm".parse::<Fault>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"fire_alarm\" is not a fault; the faults are overflow, fire, silent, clock-skew, flood, fire-alarm, \
             tilt, moved, lid, weak-radio, poor-quality"
        );
        assert!("".parse::<Fault>().is_err() && "Fire".parse::<Fault>().is_err());
    }

    /// What the summary counts is what the daemon can store: no two readings of one sensor, kind
    /// and instant (the store keeps the first), no two equal malformed messages on one topic
    /// (one dead letter). `tests/simulated_zone.rs` ran with such a repeat at about one start
    /// time in thirty and waited for a dead letter that could not come; this sweeps 60.
    #[test]
    fn every_message_counted_is_one_the_daemon_keeps() {
        use std::collections::HashSet;
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
        let layout = TopicLayout::parse("t/+/+/up").unwrap();
        let mut faults = Faults { malformed: 0.01, duplicates: 0.02, ..Faults::default() };
        Fault::ALL.into_iter().for_each(|f| faults.inject(f));
        for k in 0..60 {
            let start = Timestamp::from_millis(1_790_000_000_000 + k * 7_777_777);
            let mut sim = ZoneSim::new(&zone, &layout, 17, start, start + 2 * DAY, faults);
            let (mut readings, mut malformed) = (HashSet::new(), HashSet::new());
            while let Some(m) = sim.next_message() {
                if m.malformed {
                    assert!(malformed.insert((m.topic, m.payload)), "start {start}: a malformed message repeats");
                } else if !m.duplicate {
                    let frame = crate::wire::decode(&m.payload).unwrap();
                    for r in frame.readings {
                        let at = frame.base_time_ms as i64 + r.offset_ms as i64;
                        let key = (m.topic.clone(), r.sensor, r.value.kind(), at);
                        assert!(readings.insert(key), "start {start}: a reading repeats: {r:?} at {at}");
                    }
                }
            }
        }
    }
}
