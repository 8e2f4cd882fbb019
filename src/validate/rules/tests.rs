use super::*;
use crate::wire::{encode, Frame, Reading};

const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

fn ms(n: i64) -> SignedDuration {
    SignedDuration::from_millis(n)
}

fn zone() -> Zone {
    Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().numbered()
}

fn limits() -> Limits {
    Limits { max_payload_bytes: 4096, max_past: ms(86_400_000), max_future: ms(300_000) }
}

fn run(topic: &str, payload: Vec<u8>) -> Checked {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    check_message(topic, &Bytes::from(payload), NOW, &layout, &zone(), &limits())
}

fn frame(readings: Vec<(u16, u32, Measurement)>) -> Vec<u8> {
    let readings =
        readings.into_iter().map(|(sensor, offset_ms, value)| Reading { sensor, offset_ms, value }).collect();
    encode(&Frame { seq: 7, base_time_ms: NOW.as_millis() as u64 - 1000, readings })
}

fn reasons(c: &Checked) -> Vec<&str> {
    c.rejects.iter().map(|r| r.reason.code()).collect()
}

const TOPIC: &str = "zone/metallerie-lievin/gw-ml-01/up";

#[test]
fn valid_frame_is_attributed_through_the_registry() {
    let c = run(TOPIC, frame(vec![(1, 0, Measurement::FillLevel(42.5)), (1, 10, Measurement::NetMassKg(1234.567))]));
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.readings.len(), 2);
    let r = &c.readings[1];
    assert_eq!((&*r.company, &*r.container), ("metallerie-lievin", "ml-scrap-1"));
    let ids = zone().ids("gw-ml-01", 1).cloned().unwrap();
    assert_eq!(
        (r.sensor_id, r.attribution, r.classification),
        (ids.sensor_id, ids.history[0].id, ids.history[0].classification)
    );
    assert_eq!(r.value_milli, 1_234_567);
    assert_eq!(r.ts, NOW - ms(990));
}

/// A sensor reclassified at NOW - 500: a reading taken before keeps the old attribution, one
/// taken after gets the new one, whatever order they arrive in.
#[test]
fn each_reading_takes_the_attribution_in_force_at_its_time() {
    use crate::zone::{Attribution, RegistryIds};
    let mut ids = RegistryIds::default();
    let at = |id, valid_from, container: &str| Attribution {
        id,
        valid_from,
        classification: id * 100,
        container: container.into(),
        company: "metallerie-lievin".into(),
    };
    ids.add("gw-ml-01", 1, 42, at(2, NOW - ms(500), "ml-scrap-2"));
    ids.add("gw-ml-01", 1, 42, at(1, NOW - ms(100_000), "ml-scrap-1"));
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().with_ids(ids.finish());
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    // base time NOW - 1000: offsets 990 (NOW - 10, after) and 10 (NOW - 990, before).
    let payload = frame(vec![(1, 990, Measurement::NetMassKg(1.0)), (1, 10, Measurement::NetMassKg(2.0))]);
    let c = check_message(TOPIC, &Bytes::from(payload), NOW, &layout, &zone, &limits());
    let got: Vec<(Timestamp, i32, i32, i32, &str)> =
        c.readings.iter().map(|r| (r.ts, r.sensor_id, r.attribution, r.classification, &*r.container)).collect();
    assert_eq!(got, vec![(NOW - ms(10), 42, 2, 200, "ml-scrap-2"), (NOW - ms(990), 42, 1, 100, "ml-scrap-1")]);
}

/// Ids the database holds for a sensor that is not in the file (removed, not yet synced) do
/// not make it registered.
#[test]
fn ids_of_a_sensor_not_in_the_file_are_not_used() {
    use crate::zone::{Attribution, RegistryIds};
    let mut ids = RegistryIds::default();
    let a = Attribution {
        id: 1,
        valid_from: Timestamp::EPOCH,
        classification: 1,
        container: "x".into(),
        company: "metallerie-lievin".into(),
    };
    ids.add("gw-ml-01", 99, 5, a);
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().with_ids(ids.finish());
    assert!(zone.ids("gw-ml-01", 99).is_none());
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let payload = frame(vec![(99, 0, Measurement::FillLevel(42.5))]);
    let c = check_message(TOPIC, &Bytes::from(payload), NOW, &layout, &zone, &limits());
    assert_eq!(reasons(&c), vec!["unknown_sensor"]);
    assert!(c.rejects[0].detail.contains("is not registered"), "{}", c.rejects[0].detail);
}

/// A zone whose ids were never read from the database stores nothing: every reading is
/// dead-lettered, saying why.
#[test]
fn a_registry_never_synchronised_attributes_nothing() {
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let payload = frame(vec![(1, 0, Measurement::FillLevel(42.5))]);
    let c = check_message(TOPIC, &Bytes::from(payload), NOW, &layout, &zone, &limits());
    assert!(c.readings.is_empty());
    assert_eq!(reasons(&c), vec!["unknown_sensor"]);
    assert!(c.rejects[0].detail.contains("registry was not synchronised"), "{}", c.rejects[0].detail);
}

#[test]
fn invalid_readings_are_rejected_and_siblings_kept() {
    let c = run(
        TOPIC,
        frame(vec![
            (1, 0, Measurement::FillLevel(50.0)),
            (1, 1, Measurement::FillLevel(f32::NAN)),
            (1, 2, Measurement::FillLevel(250.0)),
            (9, 3, Measurement::FillLevel(10.0)),
            (1, 0, Measurement::FillLevel(51.0)),
            (2, 4, Measurement::BatteryPercent(-1.0)),
            (2, 5, Measurement::TemperatureC(f32::INFINITY)),
        ]),
    );
    assert_eq!(c.readings.len(), 1);
    assert_eq!(
        reasons(&c),
        ["not_finite", "out_of_range", "unknown_sensor", "duplicate_in_frame", "out_of_range", "not_finite"]
    );
    assert_eq!(c.rejects.iter().map(|r| r.reading_index).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    let alone = crate::wire::decode(&c.rejects[1].payload).expect("a rejected reading is kept as a one-reading frame");
    assert_eq!(alone.readings, vec![Reading { sensor: 1, offset_ms: 2, value: Measurement::FillLevel(250.0) }]);
}

#[test]
fn timestamps_outside_the_window_are_rejected() {
    let far_future = encode(&Frame {
        seq: 1,
        base_time_ms: NOW.as_millis() as u64 + 3_600_000,
        readings: vec![Reading { sensor: 1, offset_ms: 0, value: Measurement::Emptied }],
    });
    assert_eq!(reasons(&run(TOPIC, far_future)), ["timestamp_out_of_window"]);
    let too_old = encode(&Frame {
        seq: 1,
        base_time_ms: 0,
        readings: vec![Reading { sensor: 1, offset_ms: 0, value: Measurement::Emptied }],
    });
    assert_eq!(reasons(&run(TOPIC, too_old)), ["timestamp_out_of_window"]);
    let overflow = encode(&Frame {
        seq: 1,
        base_time_ms: u64::MAX,
        readings: vec![Reading { sensor: 1, offset_ms: u32::MAX, value: Measurement::Emptied }],
    });
    assert_eq!(reasons(&run(TOPIC, overflow)), ["timestamp_out_of_window"]);
}

#[test]
fn whole_message_rejections() {
    let ok = frame(vec![(1, 0, Measurement::Emptied)]);
    assert_eq!(reasons(&run("zone/metallerie-lievin/gw-nobody/up", ok.clone())), ["unknown_gateway"]);
    assert_eq!(reasons(&run("zone/beton-artois/gw-ml-01/up", ok.clone())), ["company_mismatch"]);
    assert_eq!(reasons(&run("zone/+/gw-ml-01/up", ok.clone())), ["bad_topic"]);
    assert_eq!(reasons(&run(TOPIC, vec![])), ["empty_payload"]);
    assert_eq!(reasons(&run(TOPIC, vec![9, 1, 2])), ["unknown_version"]);
    assert_eq!(reasons(&run(TOPIC, ok[..ok.len() - 1].to_vec())), ["truncated"]);
    assert_eq!(reasons(&run(TOPIC, vec![1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), ["malformed"]);
    let big = run(TOPIC, vec![1; 5000]);
    assert_eq!(reasons(&big), ["payload_too_large"]);
    assert_eq!(big.rejects[0].payload.len(), 4096, "kept bytes are capped");
    assert_eq!(big.rejects[0].reading_index, WHOLE_MESSAGE);
}

#[test]
fn timestamps_postgresql_cannot_store_are_rejected_whatever_the_window() {
    // A window as wide as the storage tests use: only PostgreSQL's range is left to refuse.
    let huge = Limits { max_payload_bytes: 4096, max_past: ms(i64::MAX / 4), max_future: ms(i64::MAX / 4) };
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let at = |base_time_ms: u64, offset_ms: u32| {
        let f = encode(&Frame {
            seq: 1,
            base_time_ms,
            readings: vec![Reading { sensor: 1, offset_ms, value: Measurement::Emptied }],
        });
        check_message(TOPIC, &Bytes::from(f), NOW, &layout, &zone(), &huge)
    };
    // Year 318,857 (10^16 ms): far beyond 294276, inside the window.
    assert_eq!(reasons(&at(10_000_000_000_000_000, 0)), ["timestamp_out_of_window"]);
    // The last storable millisecond passes; the next one (294277-01-01) does not.
    let last = PG_TIMESTAMP_END.as_millis() as u64 - 1;
    assert!(at(last, 0).rejects.is_empty(), "{:?}", at(last, 0).rejects);
    assert_eq!(reasons(&at(last, 1)), ["timestamp_out_of_window"]);
    // Saturating at i64::MAX does not wrap into the window.
    assert_eq!(reasons(&at(u64::MAX, u32::MAX)), ["timestamp_out_of_window"]);
}

/// docs/wire-format.md, "What the specification leaves open": for the kinds whose range starts
/// at 0, −0.0 is in range (it equals 0) and stored as 0, while the smallest negative subnormal
/// is below 0 and out of range.
#[test]
fn negative_zero_is_in_range_and_a_negative_subnormal_is_not() {
    let tiny = -f32::from_bits(1); // -1.4e-45, the negative subnormal closest to zero
    assert!(tiny < 0.0 && !tiny.is_normal());
    for m in [Measurement::FillLevel, Measurement::NetMassKg, Measurement::BatteryPercent] {
        let c = run(TOPIC, frame(vec![(1, 0, m(-0.0)), (1, 1, m(tiny))]));
        assert_eq!(reasons(&c), ["out_of_range"], "{:?}", m(tiny));
        assert_eq!(c.rejects[0].reading_index, 1);
        assert_eq!(c.readings.len(), 1);
        assert_eq!(c.readings[0].value_milli, 0, "-0.0 is stored as 0");
    }
}

/// docs/wire-format.md: a reading with several faults is rejected for the first check it
/// fails, in the order of the rejections table.
#[test]
fn the_first_failing_check_names_the_reason() {
    let late = encode(&Frame {
        seq: 1,
        base_time_ms: 0,
        readings: vec![
            Reading { sensor: 99, offset_ms: 0, value: Measurement::FillLevel(f32::NAN) },
            Reading { sensor: 99, offset_ms: 0, value: Measurement::FillLevel(f32::NAN) },
        ],
    });
    // Out of window, not finite, unknown sensor and duplicated: the time is checked first.
    assert_eq!(reasons(&run(TOPIC, late)), ["timestamp_out_of_window", "timestamp_out_of_window"]);
    // Not finite and unknown sensor: not_finite; out of range and unknown sensor: out_of_range.
    let c = run(TOPIC, frame(vec![(99, 0, Measurement::FillLevel(f32::NAN)), (99, 1, Measurement::FillLevel(-5.0))]));
    assert_eq!(reasons(&c), ["not_finite", "out_of_range"]);
    // A bad topic wins over a payload too large and undecodable.
    assert_eq!(reasons(&run("zone/+/gw-ml-01/up", vec![9; 5000])), ["bad_topic"]);
    // Too large wins over an undecodable payload.
    assert_eq!(reasons(&run(TOPIC, vec![9; 5000])), ["payload_too_large"]);
}

#[test]
fn a_frame_time_is_one_postgresql_can_hold() {
    let at = Timestamp::from_millis;
    const PG_TIMESTAMP_END_MS: i64 = PG_TIMESTAMP_END.as_millis();
    // Kept as sent, even years off the reading window: the counter rules compare base times.
    assert_eq!(frame_time(1_700_000_000_000), at(1_700_000_000_000));
    assert_eq!(frame_time(0), at(0));
    // The hostile tester's frame, a day past PostgreSQL's last timestamp, and u64::MAX.
    assert_eq!(frame_time((PG_TIMESTAMP_END_MS + 86_400_000) as u64), at(PG_TIMESTAMP_END_MS - 1));
    assert_eq!(frame_time(u64::MAX), at(PG_TIMESTAMP_END_MS - 1));
}
