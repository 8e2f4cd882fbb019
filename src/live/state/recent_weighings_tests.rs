//! The latest weighings the live state keeps for `wasteflow plan` (`recent_weighings.rs`):
//! each with the latest fill reading at or before it, less than 24 hours older and above 0.

use super::*;
use MeasurementKind::{Emptied, FillLevel, NetMassKg};

const MIN: i64 = 60_000;
const H: i64 = 60 * MIN;

/// Applies readings (kind, milliseconds since the epoch, value) in the order given.
fn fold(s: &mut ContainerState, readings: &[(MeasurementKind, i64, f64)]) {
    let p = LiveParams::from(&LiveSettings::default());
    for &(kind, ms, value) in readings {
        s.apply(kind, Timestamp::from_millis(ms), value, &p);
    }
}

/// (kg, at, fill %, fill's time) of each kept weighing, latest first, times in milliseconds.
fn kept(s: &ContainerState) -> Vec<(f64, i64, f64, i64)> {
    s.weighings.iter().map(|w| (w.kg, w.at.as_millis(), w.fill_pct, w.fill_at.as_millis())).collect()
}

#[test]
fn a_weighing_after_a_fill_reading_is_kept_with_its_fill() {
    let mut s = ContainerState::default();
    // The example of docs/planning.md, step 3: read at 72 % at 05:45 and weighed at 4,670 kg a
    // quarter of an hour later; read at 78 % three days on and weighed at 5,000 kg; each
    // emptied after its weighing and read again at 2 %.
    let day = 24 * H;
    fold(
        &mut s,
        &[
            (FillLevel, 5 * H + 45 * MIN, 72.0),
            (NetMassKg, 6 * H, 4670.0),
            (Emptied, 6 * H + 1, 0.0),
            (FillLevel, 6 * H + 2, 2.0),
            (FillLevel, 3 * day + 5 * H + 45 * MIN, 78.0),
            (NetMassKg, 3 * day + 6 * H, 5000.0),
        ],
    );
    assert_eq!(
        kept(&s),
        vec![(5000.0, 3 * day + 6 * H, 78.0, 3 * day + 5 * H + 45 * MIN), (4670.0, 6 * H, 72.0, 5 * H + 45 * MIN)]
    );
    // What the plan makes of them: (4,670 + 5,000) kg / (72 + 78) points = 64.47 kg a point.
    let read: Vec<crate::plan::Weighing> =
        s.weighings.iter().map(|w| crate::plan::Weighing { kg: w.kg, fill_pct: w.fill_pct }).collect();
    let mass = crate::plan::ExpectedMass::new(&read, 12_000.0);
    assert_eq!(mass.basis, crate::plan::MassBasis::Weighings { kg_per_pct: 9670.0 / 150.0, count: 2 });
    // The emptied reading moved `fill_pct` to 0, not the latest fill reading.
    fold(&mut s, &[(Emptied, 3 * day + 6 * H + 1, 0.0)]);
    assert_eq!(s.fill_pct, Some(0.0));
    assert_eq!(s.fill_reading, Some(Latest { value: 78.0, at: Timestamp::from_millis(3 * day + 5 * H + 45 * MIN) }));
}

#[test]
fn an_emptied_reading_is_no_fill_reading() {
    let mut s = ContainerState::default();
    // Read at 60 % at 0, emptied at 0:30 (fill_pct 0), weighed at 1:00: paired with the 60 %.
    fold(&mut s, &[(FillLevel, 0, 60.0), (Emptied, 30 * MIN, 0.0), (NetMassKg, H, 900.0)]);
    assert_eq!(s.fill_pct, Some(0.0));
    assert_eq!(kept(&s), vec![(900.0, H, 60.0, 0)]);
}

#[test]
fn a_weighing_without_a_fill_reading_before_it_is_skipped() {
    let mut s = ContainerState::default();
    fold(&mut s, &[(NetMassKg, H, 900.0)]);
    assert!(s.weighings.is_empty(), "no fill reading at all");
    // A fill reading after it (2:00 > 1:00), folded first: not at or before the weighing.
    fold(&mut s, &[(FillLevel, 2 * H, 60.0), (NetMassKg, H + MIN, 900.0)]);
    assert!(s.weighings.is_empty(), "{s:?}");
    // Nor does it pair the weighing already folded once it arrives: it is after it.
    assert_eq!(s.fill_reading, Some(Latest { value: 60.0, at: Timestamp::from_millis(2 * H) }));
    // Only the latest fill reading is kept: a weighing at 1:30 folded after the 2:00 reading
    // is skipped, even with a 50 % reading at 1:00 folded late (older than the latest).
    fold(&mut s, &[(FillLevel, H, 50.0), (NetMassKg, H + 30 * MIN, 700.0)]);
    assert!(s.weighings.is_empty(), "{s:?}");
    // JSON: no `weighings` key while there is none, the fill reading as a `Latest`.
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v.get("weighings"), None);
    assert_eq!(v["fill_reading"], serde_json::json!({"value": 60.0, "at_ms": 2 * H}));
}

#[test]
fn a_fill_reading_24_hours_older_or_more_is_too_old() {
    let mut s = ContainerState::default();
    // Read at 70 % at 0. Weighed at 24:00: 24 h - 0 = 24 h, not less than 24 h: skipped.
    // Weighed at 23:59:59.999: 24 h - 1 ms: kept.
    fold(&mut s, &[(FillLevel, 0, 70.0), (NetMassKg, 24 * H, 1000.0), (NetMassKg, 24 * H - 1, 990.0)]);
    assert_eq!(kept(&s), vec![(990.0, 24 * H - 1, 70.0, 0)]);
}

#[test]
fn a_fill_reading_of_0_pairs_no_weighing() {
    let mut s = ContainerState::default();
    // Read at 0 % at 0, weighed at 1:00: no level it was emptied at, skipped.
    fold(&mut s, &[(FillLevel, 0, 0.0), (NetMassKg, H, 400.0)]);
    assert!(s.weighings.is_empty(), "{s:?}");
    assert_eq!(s.fill_reading, Some(Latest { value: 0.0, at: Timestamp::from_millis(0) }));
}

#[test]
fn a_late_fill_reading_becomes_the_fill_of_the_weighings_it_is_the_latest_before() {
    let mut s = ContainerState::default();
    // Read at 50 % at 0:00, weighed at 10:00: paired with the 50 % (10 h older).
    fold(&mut s, &[(FillLevel, 0, 50.0), (NetMassKg, 10 * H, 800.0)]);
    assert_eq!(kept(&s), vec![(800.0, 10 * H, 50.0, 0)]);
    // A reading of 72 % at 9:00 arrives late: at or before 10:00, 1 h older, newer than the
    // 0:00 one: the weighing's fill is now 72 % (read at 9:00).
    fold(&mut s, &[(FillLevel, 9 * H, 72.0)]);
    assert_eq!(kept(&s), vec![(800.0, 10 * H, 72.0, 9 * H)]);
    // Late readings that are not the latest before 10:00 change nothing: 5:00 is older than
    // 9:00, 11:00 is after the weighing.
    fold(&mut s, &[(FillLevel, 5 * H, 60.0), (FillLevel, 11 * H, 3.0)]);
    assert_eq!(kept(&s), vec![(800.0, 10 * H, 72.0, 9 * H)]);
    // The latest fill reading is the newest by time, 11:00's, whatever the order.
    assert_eq!(s.fill_reading, Some(Latest { value: 3.0, at: Timestamp::from_millis(11 * H) }));
    // A late reading of 0 % at 9:30, now the latest before 10:00: the weighing has no usable
    // fill and goes (nothing older takes its place).
    fold(&mut s, &[(FillLevel, 9 * H + 30 * MIN, 0.0)]);
    assert!(s.weighings.is_empty(), "{s:?}");
}

#[test]
fn the_latest_3_weighings_are_kept_in_time_order() {
    let mut s = ContainerState::default();
    // Read at 80 % at 0:00; weighings at 3:00, 1:00 and 2:00 in that order (each within a
    // day of the reading): kept latest first, 3:00, 2:00, 1:00.
    fold(&mut s, &[(FillLevel, 0, 80.0), (NetMassKg, 3 * H, 300.0), (NetMassKg, H, 100.0), (NetMassKg, 2 * H, 200.0)]);
    assert_eq!(kept(&s), vec![(300.0, 3 * H, 80.0, 0), (200.0, 2 * H, 80.0, 0), (100.0, H, 80.0, 0)]);
    // 0:30 is older than the 3 kept: not among the latest 3. 3:00 again: kept once.
    fold(&mut s, &[(NetMassKg, 30 * MIN, 50.0), (NetMassKg, 3 * H, 333.0)]);
    assert_eq!(kept(&s), vec![(300.0, 3 * H, 80.0, 0), (200.0, 2 * H, 80.0, 0), (100.0, H, 80.0, 0)]);
    // 4:00 is the latest: 1:00 drops out.
    fold(&mut s, &[(NetMassKg, 4 * H, 400.0)]);
    assert_eq!(kept(&s), vec![(400.0, 4 * H, 80.0, 0), (300.0, 3 * H, 80.0, 0), (200.0, 2 * H, 80.0, 0)]);
    // 2:30 goes between 3:00 and 2:00; 2:00 drops out.
    fold(&mut s, &[(NetMassKg, 2 * H + 30 * MIN, 250.0)]);
    assert_eq!(kept(&s), vec![(400.0, 4 * H, 80.0, 0), (300.0, 3 * H, 80.0, 0), (250.0, 2 * H + 30 * MIN, 80.0, 0)]);
}

#[test]
fn the_weighings_are_stored_under_their_documented_keys_and_read_back() {
    let mut s = ContainerState::default();
    fold(&mut s, &[(FillLevel, 1_000, 72.5), (NetMassKg, 2_000, 4670.25)]);
    let text = serde_json::to_string(&s).unwrap();
    assert!(
        text.ends_with(r#","fill_reading":{"value":72.5,"at_ms":1000},"weighings":[{"kg":4670.25,"at_ms":2000,"fill_pct":72.5,"fill_ms":1000}]}"#),
        "{text}"
    );
    let back: ContainerState = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    // As migration 23 writes them (PostgreSQL's jsonb prints whole numbers without ".0").
    let migrated: ContainerState = serde_json::from_str(
        r#"{"fill_pct": 2.0, "fill_ms": 5000, "fill_reading": {"value": 72, "at_ms": 1000},
            "weighings": [{"kg": 4670, "at_ms": 2000, "fill_pct": 72, "fill_ms": 1000}]}"#,
    )
    .unwrap();
    assert_eq!(kept(&migrated), vec![(4670.0, 2000, 72.0, 1000)]);
    assert_eq!(migrated.fill_reading, Some(Latest { value: 72.0, at: Timestamp::from_millis(1000) }));
}
