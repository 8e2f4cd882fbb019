use super::*;

const H: i64 = 3_600_000;

/// The instant `ms` milliseconds after the epoch.
fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn params() -> LiveParams {
    LiveParams {
        overflow_lead: SignedDuration::from_millis(2 * H),
        silent_factor: 3.0,
        battery_low_pct: 15.0,
        fire_temp_c: 70.0,
        fire_rise_c_per_min: 5.0,
        emptied_drop_pct: 40.0,
        anomaly_threshold: 6.0,
        detector: DetectorParams { alpha: 0.1, warmup: 10, min_std: 0.5 },
        lid_open_max: SignedDuration::from_millis(30 * 60_000),
        tilt_max_deg: 45.0,
    }
}

/// Container "c" of company "a": 1,000 kg at most, overflowing at 90 %, reporting hourly.
pub(super) fn info() -> ContainerInfo {
    ContainerInfo {
        id: "c".into(),
        company: "a".into(),
        max_load_kg: 1000.0,
        overflow_threshold_pct: 90.0,
        expected_interval: SignedDuration::from_millis(H),
        geofence: None,
    }
}

const FILL: MeasurementKind = MeasurementKind::FillLevel;
const EMPTIED: MeasurementKind = MeasurementKind::Emptied;

fn opened(t: &[Transition]) -> Vec<(EventKind, bool)> {
    t.iter().map(|t| (t.kind, t.open)).collect()
}

#[test]
fn overflow_opens_once_and_closes_once() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    let mut all = Vec::new();
    for (h, fill) in [(0, 50.0), (1, 91.0), (2, 93.0), (3, 95.0)] {
        s.apply(FILL, at(h * H), fill, &p);
        all.extend(s.evaluate(at(h * H), at(h * H), &i, &p));
    }
    s.apply(EMPTIED, at(4 * H), 0.0, &p);
    all.extend(s.evaluate(at(4 * H), at(4 * H), &i, &p));
    let overflow: Vec<_> = opened(&all).into_iter().filter(|(k, _)| *k == EventKind::Overflow).collect();
    assert_eq!(overflow, vec![(EventKind::Overflow, true), (EventKind::Overflow, false)]);
}

#[test]
fn overflow_is_predicted_from_the_fill_rate() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    s.apply(FILL, at(0), 40.0, &p);
    s.apply(FILL, at(5 * H), 80.0, &p); // 8 points an hour: 10 points to go is 75 minutes
    assert!((s.seconds_to_full(&i).unwrap() - 4500.0).abs() < 1e-6);
    assert_eq!(opened(&s.evaluate(at(5 * H), at(5 * H), &i, &p)), vec![(EventKind::OverflowPredicted, true)]);
}

#[test]
fn a_drop_without_collection_is_an_event_until_a_collection_is_recorded() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    s.apply(FILL, at(0), 70.0, &p);
    s.apply(FILL, at(H), 10.0, &p);
    assert_eq!(opened(&s.evaluate(at(H), at(H), &i, &p)), vec![(EventKind::EmptiedWithoutCollection, true)]);
    s.apply(EMPTIED, at(2 * H), 0.0, &p);
    assert_eq!(opened(&s.evaluate(at(2 * H), at(2 * H), &i, &p)), vec![(EventKind::EmptiedWithoutCollection, false)]);
}

#[test]
fn overload_fire_battery_and_silence() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    s.apply(MeasurementKind::LoadKg, at(0), 1200.0, &p);
    s.apply(MeasurementKind::TemperatureC, at(0), 20.0, &p);
    s.apply(MeasurementKind::TemperatureC, at(60_000), 30.0, &p); // +10 degrees a minute
    s.apply(MeasurementKind::BatteryPercent, at(0), 12.0, &p);
    let t = opened(&s.evaluate(at(60_000), at(60_000), &i, &p));
    assert_eq!(t, vec![(EventKind::Overload, true), (EventKind::FireRisk, true), (EventKind::BatteryLow, true)]);
    // Battery at 17 % stays low (hysteresis). The temperature steady at 30 from 2 minutes
    // ends the fire risk, once that has lasted 30 minutes (a reading at 32 minutes): it
    // closes at 2 minutes, when it ended.
    s.apply(MeasurementKind::BatteryPercent, at(120_000), 17.0, &p);
    s.apply(MeasurementKind::TemperatureC, at(120_000), 30.0, &p);
    assert!(s.evaluate(at(120_000), at(120_000), &i, &p).is_empty());
    s.apply(MeasurementKind::TemperatureC, at(32 * 60_000), 30.0, &p);
    let t = s.evaluate(at(32 * 60_000), at(32 * 60_000), &i, &p);
    assert_eq!(opened(&t), vec![(EventKind::FireRisk, false)]);
    assert_eq!(t[0].at, at(120_000));
    // Three intervals and a bit without a reading: silent; a reading ends it.
    assert_eq!(
        opened(&s.evaluate(at(32 * 60_000 + 3 * H + 1000), at(32 * 60_000 + 3 * H + 1000), &i, &p)),
        vec![(EventKind::SensorSilent, true)]
    );
    s.apply(MeasurementKind::BatteryPercent, at(4 * H), 90.0, &p);
    assert_eq!(
        opened(&s.evaluate(at(4 * H), at(4 * H), &i, &p)),
        vec![(EventKind::SensorSilent, false), (EventKind::BatteryLow, false)]
    );
}

#[test]
fn a_flickering_temperature_is_one_fire_risk_not_one_per_flicker() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    let mut events = Vec::new();
    // Every 5 minutes for 2 hours, 75 and 60 degrees in turn: above the 70-degree limit, then
    // below it less its 5-degree hysteresis (65): 24 flickers.
    for step in 0..24 {
        let temp = if step % 2 == 0 { 75.0 } else { 60.0 };
        s.apply(MeasurementKind::TemperatureC, at(step * 5 * 60_000), temp, &p);
        events.extend(s.evaluate(at(step * 5 * 60_000), at(step * 5 * 60_000), &i, &p));
    }
    assert_eq!(opened(&events), vec![(EventKind::FireRisk, true)], "one event, still open");
    // Then 30 minutes of 40 degrees: it closes when the last hot reading ended (at 23 x 5 min).
    for step in 24..32 {
        s.apply(MeasurementKind::TemperatureC, at(step * 5 * 60_000), 40.0, &p);
        events.extend(s.evaluate(at(step * 5 * 60_000), at(step * 5 * 60_000), &i, &p));
    }
    let closed: Vec<_> = events.iter().filter(|t| !t.open).collect();
    assert_eq!(closed.len(), 1, "{events:?}");
    assert_eq!(closed[0].at, at(23 * 5 * 60_000));
    // A condition that came back within the 30 minutes never closed in between.
    assert_eq!(events.len(), 2);
}

#[test]
fn a_collections_weighing_above_the_maximum_opens_no_overload() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    // 1,200 kg weighed at collection in a 1,000 kg container, then emptied: an implausible
    // weighing (named by the view implausible_weighings), not a live overload.
    s.apply(MeasurementKind::NetMassKg, at(0), 1200.0, &p);
    assert!(s.evaluate(at(0), at(0), &i, &p).is_empty());
    s.apply(EMPTIED, at(1), 0.0, &p);
    assert!(s.evaluate(at(1), at(1), &i, &p).is_empty());
}

#[test]
fn every_event_kind_states_its_unit() {
    for k in EventKind::ALL {
        assert!(!k.unit().is_empty(), "{}", k.name());
    }
    assert_eq!(EventKind::FireRisk.unit(), "°C");
    assert_eq!(EventKind::OverflowPredicted.unit(), "s");
}

#[test]
fn late_readings_do_not_move_the_state_back() {
    let p = params();
    let mut s = ContainerState::default();
    s.apply(FILL, at(2 * H), 60.0, &p);
    s.apply(FILL, at(H), 20.0, &p);
    assert_eq!(s.fill_pct, Some(60.0));
}

#[test]
fn a_normal_week_of_fill_and_collection_cycles_raises_no_event() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    let mut events = Vec::new();
    let mut fill: f64 = 5.0;
    for step in 0..(7 * 24 * 4) {
        let t = step * H / 4;
        let weekday = (step / (24 * 4)) % 7 < 5;
        fill += if weekday { 0.35 } else { 0.05 } + ((step * 7919 % 13) as f64 - 6.0) * 0.02;
        if fill >= 75.0 {
            s.apply(EMPTIED, at(t), 0.0, &p);
            fill = 2.0;
        }
        s.apply(FILL, at(t), fill, &p);
        s.apply(MeasurementKind::TemperatureC, at(t), 18.0 + (step % 5) as f64 * 0.2, &p);
        s.apply(MeasurementKind::BatteryPercent, at(t), 90.0 - step as f64 * 0.01, &p);
        events.extend(s.evaluate(at(t), at(t), &i, &p));
    }
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn an_anomalous_jump_opens_an_anomaly_event_that_closes_at_the_next_normal_reading_an_hour_on() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    let mut events = Vec::new();
    for step in 0..20 {
        s.apply(FILL, at(step * H / 4), 10.0 + step as f64 * 0.5, &p);
        events.extend(s.evaluate(at(step * H / 4), at(step * H / 4), &i, &p));
    }
    assert!(events.is_empty(), "{events:?}");
    s.apply(FILL, at(20 * H / 4), 10.0 + 20.0 * 0.5 + 25.0, &p); // 25 points at once
    assert_eq!(opened(&s.evaluate(at(20 * H / 4), at(20 * H / 4), &i, &p)), vec![(EventKind::Anomaly, true)]);
    // Normal again from the next reading: the event closes then, once an hour of normal
    // readings confirms it.
    for step in 21..=25 {
        s.apply(FILL, at(step * H / 4), 10.0 + step as f64 * 0.5 + 25.0, &p);
        events.extend(s.evaluate(at(step * H / 4), at(step * H / 4), &i, &p));
    }
    let closed: Vec<_> = events.iter().filter(|t| !t.open).map(|t| (t.kind, t.at)).collect();
    assert_eq!(closed, vec![(EventKind::Anomaly, at(21 * H / 4))]);
}

/// A reading from the allowed future (up to `validation.max_future` ahead of the daemon's
/// clock) ends a silence with a duration of 0, not a negative one.
#[test]
fn a_reading_from_the_future_closes_silence_at_zero() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    s.apply(FILL, at(0), 10.0, &p);
    assert_eq!(opened(&s.evaluate(at(4 * H), at(4 * H), &i, &p)), vec![(EventKind::SensorSilent, true)]);
    s.apply(FILL, at(4 * H + 87_000), 12.0, &p);
    let closed = s.evaluate(at(4 * H), at(4 * H), &i, &p);
    let silent: Vec<_> = closed.iter().filter(|t| t.kind == EventKind::SensorSilent).collect();
    assert_eq!(silent.len(), 1);
    assert!(!silent[0].open);
    assert_eq!(silent[0].value, 0.0, "silent for no time, not -87 s");
}

#[test]
fn silence_opens_when_it_began_and_not_while_a_backlog_still_arrives() {
    let (p, i) = (params(), info());
    let mut s = ContainerState::default();
    s.apply(FILL, at(0), 10.0, &p);
    // A backlog replay: the reading is 5 hours old but was folded a moment ago.
    s.last_arrival = Some(at(5 * H - 1000));
    assert!(s.evaluate(at(5 * H), at(5 * H), &i, &p).is_empty(), "not silent while readings still arrive");
    // Nothing more arrives: silent, from the time the silence began (the reading + 3 intervals).
    let t = s.evaluate(at(5 * H + 3 * H), at(5 * H + 3 * H), &i, &p);
    assert_eq!(opened(&t), vec![(EventKind::SensorSilent, true)]);
    assert_eq!(t[0].at, at(3 * H), "opened at the reading's time plus silent_factor (3) x 1 h");
}

#[test]
fn a_state_reads_back_from_json_bit_for_bit() {
    // The fold stores the state as JSON between rounds; a float that read back a bit off
    // would make the state depend on how many rounds it went through.
    let p = params();
    let mut s = ContainerState::default();
    for (i, v) in [0.1, 1e-57, 3.0000000000000004, 120.0 / 7.0].into_iter().enumerate() {
        s.apply(FILL, at(i as i64 * H), v, &p);
    }
    let text = serde_json::to_string(&s).unwrap();
    let back: ContainerState = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}

#[test]
fn the_stored_state_tells_how_long_the_fill_rate_spans() {
    // `container_live.fill_rate_span` (migration 17) is generated from `container_live.state`
    // as fill_ms - base[1], in milliseconds: readings at 20 % (t = 0) and
    // 50 % (t = 10 h) give 3 points an hour over 10 h.
    let mut s = ContainerState::default();
    s.apply(MeasurementKind::FillLevel, at(0), 20.0, &params());
    s.apply(MeasurementKind::FillLevel, at(10 * H), 50.0, &params());
    assert_eq!(s.fill_rate_per_hour(), Some(3.0));
    let v = serde_json::to_value(&s).unwrap();
    let span_ms = v["fill_ms"].as_i64().unwrap() - v["base"][1].as_i64().unwrap();
    assert_eq!(span_ms, 10 * H);
}

/// `container_live.state` as builds that held times as bare integers wrote it, key for key
/// (the `fill_rate_span` column, the plan and the views read these keys).
const STORED: &str = r#"{"fill_pct":20.5,"fill_ms":700000,"base":[10.0,1000],"last_seen_ms":1600000,"battery_pct":77.0,"battery_ms":1000000,"temperature_c":22.5,"temperature_ms":960000,"temp_rise_c_per_min":1.5,"last_mass_kg":312.25,"mass_ms":800000,"unexplained_drop":null,"detector":{"last":20.5,"mean":10.5,"var":0.0,"n":1,"score":0.0},"open":["overload"],"last_arrival_ms":1700000000123,"load_kg":{"value":140.0,"at_ms":1100000},"lid":{"value":1.0,"at_ms":1200000},"lid_open_since_ms":1200000,"tilt_deg":{"value":12.0,"at_ms":1300000},"fire_alarm":{"value":0.0,"at_ms":1400000},"latitude":{"value":50.4312,"at_ms":1500000},"longitude":{"value":2.7645,"at_ms":1500000},"position":[50.4312,2.7645,1500000],"rssi_dbm":{"value":-97.0,"at_ms":1600000},"snr_db":{"value":7.5,"at_ms":1600000},"quality_pct":{"value":88.0,"at_ms":1600000}}"#;
const STORED_EMPTY: &str = r#"{"fill_pct":null,"fill_ms":0,"base":null,"last_seen_ms":null,"battery_pct":null,"battery_ms":0,"temperature_c":null,"temperature_ms":0,"temp_rise_c_per_min":0.0,"last_mass_kg":null,"mass_ms":0,"unexplained_drop":null,"detector":{"last":null,"mean":0.0,"var":0.0,"n":0,"score":0.0},"open":[],"last_arrival_ms":null,"load_kg":null,"lid":null,"lid_open_since_ms":null,"tilt_deg":null,"fire_alarm":null,"latitude":null,"longitude":null,"position":null,"rssi_dbm":null,"snr_db":null,"quality_pct":null}"#;

#[test]
fn a_state_stored_by_an_earlier_build_reads_back_and_is_written_the_same() {
    use MeasurementKind::*;
    let p = params();
    let mut s = ContainerState::default();
    for (k, t, v) in [
        (FillLevel, 1_000, 10.0),
        (FillLevel, 700_000, 20.5),
        (NetMassKg, 800_000, 312.25),
        (TemperatureC, 900_000, 21.0),
        (TemperatureC, 960_000, 22.5),
        (BatteryPercent, 1_000_000, 77.0),
        (LoadKg, 1_100_000, 140.0),
        (LidOpen, 1_200_000, 1.0),
        (TiltDeg, 1_300_000, 12.0),
        (FireAlarm, 1_400_000, 0.0),
        (LatitudeDeg, 1_500_000, 50.4312),
        (LongitudeDeg, 1_500_000, 2.7645),
        (RssiDbm, 1_600_000, -97.0),
        (SnrDb, 1_600_000, 7.5),
        (QualityPercent, 1_600_000, 88.0),
    ] {
        s.apply(k, at(t), v, &p);
    }
    s.last_arrival = Some(at(1_700_000_000_123));
    s.open.insert(EventKind::Overload);
    // The keys added since (migration 23) come after the earlier ones: the latest fill reading
    // (20.5 % at 700,000) and the weighing it pairs with (312.25 kg at 800,000, 100 s later).
    let added = r#","fill_reading":{"value":20.5,"at_ms":700000},"weighings":[{"kg":312.25,"at_ms":800000,"fill_pct":20.5,"fill_ms":700000}]}"#;
    assert_eq!(serde_json::to_string(&s).unwrap(), format!("{}{added}", &STORED[..STORED.len() - 1]));
    let mut earlier = s.clone();
    earlier.fill_reading = None;
    earlier.weighings.clear();
    assert_eq!(
        serde_json::from_str::<ContainerState>(STORED).unwrap(),
        earlier,
        "the stored state is the readings' state, but for the keys added since"
    );
    assert_eq!(serde_json::to_string(&earlier).unwrap(), STORED);
    assert_eq!(serde_json::to_string(&ContainerState::default()).unwrap(), STORED_EMPTY);
    for text in [STORED, STORED_EMPTY] {
        let back: ContainerState = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text, "written back byte for byte");
    }
}
