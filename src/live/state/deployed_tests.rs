//! The rules of the sensors as deployed (docs/wire-format.md, variants 5 to 13): each event
//! opens once and closes once, at the documented time.

use super::*;

const MIN: i64 = 60_000;

fn params() -> LiveParams {
    let mut p = LiveParams::from(&LiveSettings::default());
    p.lid_open_max = SignedDuration::from_millis(30 * MIN);
    p.tilt_max_deg = 45.0;
    p
}

/// The container of the rules' tests, reporting every 15 minutes, on a site at 50.4312 N,
/// 2.7645 E with a 200 m geofence.
fn info() -> ContainerInfo {
    ContainerInfo {
        expected_interval: SignedDuration::from_millis(15 * MIN),
        geofence: Some(Geofence { latitude: 50.4312, longitude: 2.7645, radius_m: 200.0 }),
        ..super::tests::info()
    }
}

/// Applies readings as the fold does: the lid rule before each reading, every rule after it.
/// Times in milliseconds since the epoch.
fn feed(s: &mut ContainerState, readings: &[(MeasurementKind, i64, f64)]) -> Vec<Transition> {
    let (p, i) = (params(), info());
    let mut out = Vec::new();
    for &(kind, ms, value) in readings {
        let ts = Timestamp::from_millis(ms);
        out.extend(s.evaluate_before(ts, ts, &i, &p));
        s.apply(kind, ts, value, &p);
        out.extend(s.evaluate(ts, ts, &i, &p));
    }
    out
}

/// (open, at in milliseconds since the epoch) of each transition of `kind`.
fn of(t: &[Transition], kind: EventKind) -> Vec<(bool, i64)> {
    t.iter().filter(|t| t.kind == kind).map(|t| (t.open, t.at.as_millis())).collect()
}

#[test]
fn a_device_fire_alarm_opens_at_the_reading_that_raises_it_and_closes_when_cleared() {
    use MeasurementKind::FireAlarm;
    let mut s = ContainerState::default();
    let t = feed(
        &mut s,
        &[(FireAlarm, 0, 0.0), (FireAlarm, 5 * MIN, 1.0), (FireAlarm, 6 * MIN, 1.0), (FireAlarm, 20 * MIN, 0.0)],
    );
    assert_eq!(of(&t, EventKind::DeviceFireAlarm), vec![(true, 5 * MIN), (false, 20 * MIN)]);
    // The temperature rule is another event: a device alarm alone opens no fire_risk.
    assert!(of(&t, EventKind::FireRisk).is_empty());
}

#[test]
fn out_of_position_beyond_the_tilt_limit_with_ten_degrees_of_hysteresis() {
    use MeasurementKind::TiltDeg;
    let mut s = ContainerState::default();
    // 10: upright enough; 60 > 45: opens; 40 > 45 - 10: still open; 30 < 35 from 3 minutes,
    // still at 13: closes at 3 (10 minutes below); 44 < 45 then does not open it again.
    let tilts = [(0, 10.0), (1, 60.0), (2, 40.0), (3, 30.0), (8, 30.0), (13, 30.0), (14, 44.0)];
    let t = feed(&mut s, &tilts.map(|(m, v)| (TiltDeg, m * MIN, v)));
    assert_eq!(of(&t, EventKind::OutOfPosition), vec![(true, MIN), (false, 3 * MIN)]);
    assert_eq!(t.iter().find(|t| t.open).map(|t| t.value), Some(60.0), "the angle that opened it");
}

#[test]
fn outside_the_geofence_from_a_position_pair_with_hysteresis() {
    use MeasurementKind::{LatitudeDeg, LongitudeDeg};
    // One degree of latitude on the sphere of radius 6,371,008.8 m is 2 pi R / 360 =
    // 111,195.08 m, so 0.003 degree north of the centre is 333.59 m (outside 200 m),
    // 0.0017 degree is 189.03 m (inside 200 m but outside 90 % of it, 180 m: stays open) and
    // 0.001 degree is 111.20 m (closes).
    let g = info().geofence.unwrap();
    assert!((g.distance_m(50.4342, 2.7645) - 333.585).abs() < 0.01, "{}", g.distance_m(50.4342, 2.7645));
    assert!((g.distance_m(50.4329, 2.7645) - 189.032).abs() < 0.01);
    let mut s = ContainerState::default();
    let at = |m: i64, lat: f64| [(LatitudeDeg, m * MIN, lat), (LongitudeDeg, m * MIN, 2.7645)];
    let mut readings = Vec::new();
    for (m, lat) in [(0, 50.4312), (10, 50.4342), (20, 50.4329), (30, 50.4322)] {
        readings.extend(at(m, lat));
    }
    // Within a pair, the first half alone moves nothing (minute 20 stays open); a latitude
    // without its longitude is no position.
    readings.push((LatitudeDeg, 40 * MIN, 51.0));
    let t = feed(&mut s, &readings);
    assert_eq!(of(&t, EventKind::OutsideGeofence), vec![(true, 10 * MIN), (false, 30 * MIN)]);
    let opened = t.iter().find(|t| t.kind == EventKind::OutsideGeofence && t.open).unwrap();
    assert!((opened.value - 333.585).abs() < 0.01, "the distance that opened it: {}", opened.value);
    assert_eq!(s.position(), Some((50.4322, 2.7645)), "the unpaired latitude of minute 40 moves nothing");
}

#[test]
fn a_site_without_coordinates_has_no_geofence() {
    let mut i = info();
    i.geofence = None;
    let (p, mut s) = (params(), ContainerState::default());
    s.apply(MeasurementKind::LatitudeDeg, Timestamp::EPOCH, -33.9, &p);
    s.apply(MeasurementKind::LongitudeDeg, Timestamp::EPOCH, 151.2, &p);
    assert!(s.evaluate(Timestamp::EPOCH, Timestamp::EPOCH, &i, &p).is_empty());
}

#[test]
fn a_lid_left_open_opens_when_the_limit_passed_and_closes_with_the_lid() {
    use MeasurementKind::{FillLevel, LidOpen};
    let mut s = ContainerState::default();
    // Open at 0 (and reported open again at 10, which does not restart the clock), fill
    // readings every 15 minutes: the one at 45 finds it open 45 > 30 minutes; the event opens
    // at 0 + 30 minutes, with 45 minutes (2700 s) as its value. Closed at 50.
    let t = feed(
        &mut s,
        &[
            (LidOpen, 0, 1.0),
            (LidOpen, 10 * MIN, 1.0),
            (FillLevel, 15 * MIN, 20.0),
            (FillLevel, 30 * MIN - 1, 21.0),
            (FillLevel, 45 * MIN, 22.0),
            (LidOpen, 50 * MIN, 0.0),
            (LidOpen, 55 * MIN, 1.0),
            (LidOpen, 60 * MIN, 0.0),
        ],
    );
    assert_eq!(of(&t, EventKind::LidOpen), vec![(true, 30 * MIN), (false, 50 * MIN)]);
    assert_eq!(t.iter().find(|t| t.open).map(|t| t.value), Some(2700.0));
}

#[test]
fn a_lid_open_for_two_hours_in_one_backlog_still_opens_and_closes_once() {
    use MeasurementKind::LidOpen;
    let mut s = ContainerState::default();
    let t = feed(&mut s, &[(LidOpen, 0, 1.0), (LidOpen, 120 * MIN, 0.0)]);
    assert_eq!(of(&t, EventKind::LidOpen), vec![(true, 30 * MIN), (false, 120 * MIN)]);
}

#[test]
fn a_sweep_judges_the_lid_only_up_to_the_latest_reading() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    feed(&mut s, &[(MeasurementKind::LidOpen, 0, 1.0)]);
    // Two hours later on the wall clock, nothing more has arrived: the reading that closed
    // the lid may be on its way, so nothing opens yet (the silent rule covers a mute sensor).
    let t = s.sweep(Timestamp::from_millis(120 * MIN), &i, &p);
    assert!(of(&t, EventKind::LidOpen).is_empty(), "{t:?}");
    // The next reading of the container, of any kind, notices it.
    let t = feed(&mut s, &[(MeasurementKind::BatteryPercent, 121 * MIN, 80.0)]);
    assert_eq!(of(&t, EventKind::LidOpen), vec![(true, 30 * MIN)]);
}

#[test]
fn a_load_cell_above_the_maximum_is_an_overload_and_its_readings_are_levels() {
    use MeasurementKind::LoadKg;
    let mut s = ContainerState::default();
    // Loads of 400, 700, 1200 (> 1000 kg) and 600 kg: the latest load counts, never a sum
    // (400 + 700 would already be 1100).
    // It closes when the load has stayed at or below the maximum for 10 minutes (a reading at
    // 13 minutes), at 3 minutes.
    let t = feed(
        &mut s,
        &[
            (LoadKg, 0, 400.0),
            (LoadKg, MIN, 700.0),
            (LoadKg, 2 * MIN, 1200.0),
            (LoadKg, 3 * MIN, 600.0),
            (LoadKg, 13 * MIN, 600.0),
        ],
    );
    assert_eq!(of(&t, EventKind::Overload), vec![(true, 2 * MIN), (false, 3 * MIN)]);
    assert_eq!(s.load_kg.map(|l| l.value), Some(600.0));
}

#[test]
fn radio_and_quality_readings_are_kept_as_levels_and_open_nothing() {
    let mut s = ContainerState::default();
    let t = feed(
        &mut s,
        &[
            (MeasurementKind::RssiDbm, 0, -121.0),
            (MeasurementKind::SnrDb, 0, -14.5),
            (MeasurementKind::QualityPercent, 0, 35.0),
            // An older RSSI, folded later, does not move the level back.
            (MeasurementKind::RssiDbm, -MIN, -80.0),
        ],
    );
    assert!(t.is_empty(), "{t:?}");
    assert_eq!(
        (s.rssi_dbm.map(|l| l.value), s.snr_db.map(|l| l.value), s.quality_pct.map(|l| l.value)),
        (Some(-121.0), Some(-14.5), Some(35.0))
    );
}

#[test]
fn the_state_with_the_new_levels_round_trips_through_json() {
    let mut s = ContainerState::default();
    feed(
        &mut s,
        &[
            (MeasurementKind::LidOpen, 7, 1.0),
            (MeasurementKind::LatitudeDeg, 7, 50.43215),
            (MeasurementKind::TiltDeg, 8, 3.5),
        ],
    );
    let back: ContainerState = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    // A state written before these fields existed still reads.
    let old: ContainerState = serde_json::from_str(r#"{"fill_pct": 12.0, "fill_ms": 5}"#).unwrap();
    assert_eq!((old.fill_pct, old.lid), (Some(12.0), None));
}
