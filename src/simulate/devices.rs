//! The sensors a container carries besides its fill sensor (docs/wire-format.md, variants 5 to
//! 13): load cells under tanks, compactors and bulk bags; lid switches on bins, skips and cages;
//! a tilt sensor, a fire alarm and a radio in every device; GPS on skips and roll-offs. They
//! draw from a random stream of their own, so a seed's fill curves, collections and faults are
//! those it gave before these sensors existed.

use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::plan::HOUR;
use crate::wire::{Measurement, Reading};
use crate::zone::{ContainerEntry, ContainerType, SiteEntry};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const MINUTE: SignedDuration = SignedDuration::from_mins(1);
/// How often a device sends its status block (tilt, alarm, position, radio, quality).
const STATUS_EVERY: SignedDuration = SignedDuration::from_hours(6);

/// Conditions to inject (`wasteflow simulate --realistic --fault ...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceFaults {
    /// A wood or cardboard container's device raises its fire alarm at 92 % of the run and
    /// clears it an hour later.
    pub fire_alarm: bool,
    /// The first container falls over (88 degrees) at 85 % of the run; set upright 3 hours later.
    pub tilt: bool,
    /// The first container with GPS is taken 1.5 km away at 90 % of the run, and stays there.
    pub moved: bool,
    /// The first container with a lid has it left open for 2 hours from 80 % of the run.
    pub lid: bool,
    /// The last container's radio link weakens to -126 dBm, SNR -16 dB, from 75 % of the run.
    pub weak_radio: bool,
    /// The first container's sensor doubts its measurements (quality 20 to 40 %) from 75 % of
    /// the run (a dirty ultrasonic sensor).
    pub poor_quality: bool,
}

/// A time window of the run, [from, until).
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Timestamp,
    until: Timestamp,
}

impl Window {
    fn holds(w: Option<Window>, t: Timestamp) -> bool {
        w.is_some_and(|w| (w.from..w.until).contains(&t))
    }

    /// Whether the window begins less than `within` after `t`.
    fn starts_within(w: Option<Window>, t: Timestamp, within: SignedDuration) -> bool {
        w.is_some_and(|w| (w.from - within..w.from).contains(&t))
    }
}

struct Device {
    load_cell: bool,
    has_lid: bool,
    /// The site's centre, for a container with GPS.
    gps: Option<(f64, f64)>,
    rssi_dbm: f64,
    snr_db: f64,
    next_status: Timestamp,
    lid_open: bool,
    lid_close_at: Timestamp,
    tilt_reported: f64,
    alarm_reported: bool,
    position_moved: bool,
    falls: Option<Window>,
    alarm: Option<Window>,
    lid_stuck: Option<Window>,
    moved_from: Option<Timestamp>,
    weak_from: Option<Timestamp>,
    dirty_from: Option<Timestamp>,
}

/// Every container's devices.
pub struct Devices {
    rng: SmallRng,
    devices: Vec<Device>,
}

impl Devices {
    /// The devices of `containers` (with their sites), in the simulator's container order.
    pub fn new(
        containers: &[(&ContainerEntry, Option<&SiteEntry>)],
        seed: u64,
        start: Timestamp,
        end: Timestamp,
        faults: DeviceFaults,
    ) -> Devices {
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x6465_7669_6365_7321);
        let at = |share: f64| start + SignedDuration::from_millis((millis_of(end - start) as f64 * share) as i64);
        let mut devices: Vec<Device> = containers
            .iter()
            .map(|(c, site)| {
                let gps = matches!(c.kind, ContainerType::Skip | ContainerType::RollOff)
                    .then(|| site.and_then(|s| Some((s.latitude?, s.longitude?))))
                    .flatten();
                Device {
                    load_cell: matches!(
                        c.kind,
                        ContainerType::Tank | ContainerType::Compactor | ContainerType::BulkBag
                    ),
                    has_lid: matches!(c.kind, ContainerType::Bin | ContainerType::Skip | ContainerType::Cage),
                    gps,
                    rssi_dbm: rng.random_range(-112.0..-70.0),
                    snr_db: rng.random_range(-5.0..9.0),
                    next_status: start + SignedDuration::from_millis(rng.random_range(0..millis_of(STATUS_EVERY))),
                    lid_open: false,
                    lid_close_at: Timestamp::EPOCH,
                    tilt_reported: 0.0,
                    alarm_reported: false,
                    position_moved: false,
                    falls: None,
                    alarm: None,
                    lid_stuck: None,
                    moved_from: None,
                    weak_from: None,
                    dirty_from: None,
                }
            })
            .collect();
        if faults.tilt {
            if let Some(d) = devices.first_mut() {
                d.falls = Some(Window { from: at(0.85), until: at(0.85) + 3 * HOUR });
            }
        }
        if faults.fire_alarm {
            let burnable =
                containers.iter().position(|(c, _)| c.stream.contains("wood") || c.stream.contains("cardboard"));
            if let Some(d) = burnable.and_then(|i| devices.get_mut(i)) {
                d.alarm = Some(Window { from: at(0.92), until: at(0.92) + HOUR });
            }
        }
        if faults.moved {
            if let Some(d) = devices.iter_mut().find(|d| d.gps.is_some()) {
                d.moved_from = Some(at(0.9));
            }
        }
        if faults.lid {
            if let Some(d) = devices.iter_mut().find(|d| d.has_lid) {
                d.lid_stuck = Some(Window { from: at(0.8), until: at(0.8) + 2 * HOUR });
            }
        }
        if faults.weak_radio {
            if let Some(d) = devices.last_mut() {
                d.weak_from = Some(at(0.75));
            }
        }
        if faults.poor_quality {
            if let Some(d) = devices.first_mut() {
                d.dirty_from = Some(at(0.75));
            }
        }
        Devices { rng, devices }
    }

    /// Every simulated minute, whether the container reports or not: what devices send the
    /// moment it happens (a lid opened or closed, a fall, an alarm, a move).
    pub fn minute(
        &mut self,
        i: usize,
        t: Timestamp,
        activity: f64,
        sensor: u16,
        offset_ms: u32,
        out: &mut Vec<Reading>,
    ) {
        let Some(d) = self.devices.get_mut(i) else { return };
        let mut push =
            |offset: u32, value: Measurement| out.push(Reading { sensor, offset_ms: offset_ms + offset, value });
        if d.has_lid {
            let stuck = Window::holds(d.lid_stuck, t);
            let open = if stuck {
                true
            } else if d.lid_open {
                t < d.lid_close_at
            } else if activity >= 0.5
                && self.rng.random_bool(1.0 / 120.0)
                && !Window::starts_within(d.lid_stuck, t, 6 * MINUTE)
            {
                // Someone drops waste in: open for one to five minutes. Not in the minutes before
                // the lid is left open, so that the stuck lid opens at its documented time.
                d.lid_close_at = t + SignedDuration::from_mins(self.rng.random_range(1..=5i64));
                true
            } else {
                false
            };
            if open != d.lid_open {
                d.lid_open = open;
                push(10, Measurement::LidOpen(open));
            }
        }
        let tilt = if Window::holds(d.falls, t) { 88.0 } else { d.tilt_reported.min(4.0) };
        if (tilt - d.tilt_reported).abs() >= 10.0 {
            d.tilt_reported = tilt;
            push(11, Measurement::TiltDeg(tilt as f32));
        }
        let alarm = Window::holds(d.alarm, t);
        if alarm != d.alarm_reported {
            d.alarm_reported = alarm;
            push(12, Measurement::FireAlarm(alarm));
        }
        let moved = d.moved_from.is_some_and(|m| t >= m);
        if moved != d.position_moved {
            d.position_moved = moved;
            if let Some(position) = Self::position(d, &mut self.rng) {
                push(13, Measurement::LatitudeDeg(position.0 as f32));
                push(13, Measurement::LongitudeDeg(position.1 as f32));
            }
        }
    }

    /// At the container's periodic report: its load cell's load (`load_kg`: what it holds
    /// now), and every six hours its status block.
    pub fn report(
        &mut self,
        i: usize,
        t: Timestamp,
        load_kg: f64,
        sensor: u16,
        offset_ms: u32,
        out: &mut Vec<Reading>,
    ) {
        let Some(d) = self.devices.get_mut(i) else { return };
        let mut push =
            |offset: u32, value: Measurement| out.push(Reading { sensor, offset_ms: offset_ms + offset, value });
        if d.load_cell {
            push(5, Measurement::LoadKg((load_kg * self.rng.random_range(0.98..1.02)).max(0.0) as f32));
        }
        if t < d.next_status {
            return;
        }
        d.next_status = d.next_status + STATUS_EVERY;
        let tilt = d.tilt_reported + self.rng.random_range(0.0..3.0);
        push(6, Measurement::TiltDeg(tilt as f32));
        push(6, Measurement::FireAlarm(d.alarm_reported));
        if let Some((lat, lon)) = Self::position(d, &mut self.rng) {
            push(7, Measurement::LatitudeDeg(lat as f32));
            push(7, Measurement::LongitudeDeg(lon as f32));
        }
        let weak = d.weak_from.is_some_and(|w| t >= w);
        let (rssi, snr) = if weak { (-126.0, -16.0) } else { (d.rssi_dbm, d.snr_db) };
        push(8, Measurement::RssiDbm((rssi + self.rng.random_range(-3.0..3.0)) as f32));
        push(8, Measurement::SnrDb((snr + self.rng.random_range(-1.5..1.5)) as f32));
        let dirty = d.dirty_from.is_some_and(|w| t >= w);
        let quality = if dirty { self.rng.random_range(20.0..40.0) } else { self.rng.random_range(82.0..100.0) };
        push(8, Measurement::QualityPercent(quality as f32));
    }

    /// Where a GPS container is: a few metres of jitter around its site's centre, or 1.5 km
    /// north-east of it once moved (0.0095 degree north is 1,056 m, 0.015 degree east at 50.4
    /// degrees north is 1,064 m).
    fn position(d: &Device, rng: &mut SmallRng) -> Option<(f64, f64)> {
        let (lat, lon) = d.gps?;
        let (dlat, dlon) = if d.position_moved { (0.0095, 0.015) } else { (0.0, 0.0) };
        Some((lat + dlat + rng.random_range(-0.00003..0.00003), lon + dlon + rng.random_range(-0.00004..0.00004)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Zone;

    fn devices(faults: DeviceFaults) -> (Devices, usize) {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
        let entries: Vec<_> = zone.file.containers.iter().map(|c| (c, zone.site(&c.site))).collect();
        (Devices::new(&entries, 7, Timestamp::EPOCH, Timestamp::EPOCH + 100 * HOUR, faults), entries.len())
    }

    /// Each container's status blocks over the run, as (time, reading).
    fn reports(d: &mut Devices, n: usize) -> Vec<Vec<(Timestamp, Measurement)>> {
        let mut out = vec![Vec::new(); n];
        for t in (0..100 * 3_600_000).step_by(15 * 60_000).map(Timestamp::from_millis) {
            for (i, o) in out.iter_mut().enumerate() {
                let mut frame = Vec::new();
                d.report(i, t, 100.0, 1, 0, &mut frame);
                o.extend(frame.into_iter().map(|r| (t, r.value)));
            }
        }
        out
    }

    #[test]
    fn a_dirty_sensor_reports_poor_quality_from_three_quarters_of_the_run() {
        let (mut d, n) = devices(DeviceFaults { poor_quality: true, ..DeviceFaults::default() });
        let all = reports(&mut d, n);
        for (i, readings) in all.iter().enumerate() {
            for (t, m) in readings {
                if let Measurement::QualityPercent(q) = m {
                    let dirty = i == 0 && *t >= Timestamp::EPOCH + 75 * HOUR;
                    assert_eq!((20.0..40.0).contains(q), dirty, "container {i} at {t}: {q}");
                }
            }
        }
        let dirty = all[0]
            .iter()
            .filter(|(t, m)| *t >= Timestamp::EPOCH + 75 * HOUR && matches!(m, Measurement::QualityPercent(_)));
        assert!(dirty.count() >= 4, "a status block every 6 hours over the last 25 hours");
    }
}
