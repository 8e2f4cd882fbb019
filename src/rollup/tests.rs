use super::*;
use proptest::prelude::*;

/// A reading of `kind` taken `ms` milliseconds after the epoch.
fn reading(kind: MeasurementKind, ms: i64, value_milli: i64, company: usize, container: usize) -> ValidReading {
    let companies = ["a", "b", "c"];
    let containers = ["c1", "c2", "c3", "c4"];
    ValidReading {
        gateway: Arc::from("gw"),
        sensor: 1,
        kind,
        ts: Timestamp::from_millis(ms),
        value_milli,
        frame_seq: 0,
        sensor_id: 1,
        attribution: container as i32,
        classification: (company * 4 + container) as i32,
        company: Arc::from(companies[company]),
        container: Arc::from(containers[container]),
    }
}

fn readings() -> impl Strategy<Value = Vec<ValidReading>> {
    proptest::collection::vec(
        (0..MeasurementKind::ALL.len(), -200_000i64..400_000, 0i64..150_000_000, 0usize..3, 0usize..4)
            .prop_map(|(k, t, v, c, ct)| reading(MeasurementKind::ALL[k], t, v, c, ct)),
        0..80,
    )
}

proptest! {
    /// Any split into parts, each rolled up, merged in any order, equals the rollup of the union.
    #[test]
    fn merge_in_any_order_equals_rollup_of_union(rs in readings(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6), seed in any::<u64>()) {
        let whole = Deltas::of(&rs);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(rs.len() + 1)).collect();
        points.push(0);
        points.push(rs.len());
        points.sort();
        let mut parts: Vec<Deltas> = points.windows(2).map(|w| Deltas::of(&rs[w[0]..w[1]])).collect();
        // A deterministic shuffle of the parts.
        let mut s = seed;
        for i in (1..parts.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            parts.swap(i, (s >> 33) as usize % (i + 1));
        }
        let mut merged = Deltas::default();
        for p in &parts {
            merged.merge(p);
        }
        prop_assert_eq!(merged, whole);
    }
}

#[test]
fn buckets_floor_towards_minus_infinity() {
    let floor = |ts, width| bucket(Timestamp::from_millis(ts), SignedDuration::from_millis(width)).as_millis();
    assert_eq!(floor(59_999, 60_000), 0);
    assert_eq!(floor(60_000, 60_000), 60_000);
    assert_eq!(floor(-1, 60_000), -60_000);
    assert_eq!(floor(86_400_000 + 5, 86_400_000), 86_400_000);
}

#[test]
fn coarser_levels_are_sums_of_finer_ones() {
    let rs: Vec<_> = (0..500)
        .map(|i| {
            reading(MeasurementKind::ALL[(i % 5) as usize], i * 47_000, i * 1_000, (i % 3) as usize, (i % 4) as usize)
        })
        .collect();
    let d = Deltas::of(&rs);
    for coarse in 1..LEVELS.len() {
        let mass = |lvl: usize| {
            d.flows[lvl].values().map(|v| (v.mass_g, v.weighings)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        };
        assert_eq!(mass(0), mass(coarse));
        let fills = |lvl: usize| {
            d.fills[lvl]
                .values()
                .map(|v| (v.fill_sum, v.fill_count, v.emptied))
                .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
        };
        assert_eq!(fills(0), fills(coarse));
    }
}

#[test]
fn mass_and_fill_go_to_their_rollups() {
    let d = Deltas::of(&[
        reading(MeasurementKind::NetMassKg, 1_000, 2_500, 0, 0),
        reading(MeasurementKind::NetMassKg, 2_000, 500, 0, 0),
        reading(MeasurementKind::FillLevel, 3_000, 40_000, 0, 1),
        reading(MeasurementKind::FillLevel, 4_000, 60_000, 0, 1),
        reading(MeasurementKind::Emptied, 5_000, 0, 0, 1),
        reading(MeasurementKind::TemperatureC, 5_000, 20_000, 0, 1),
    ]);
    for lvl in 0..LEVELS.len() {
        assert_eq!(d.flows[lvl].len(), 1);
        assert_eq!(*d.flows[lvl].values().next().unwrap(), FlowAgg { mass_g: 3_000, weighings: 2 });
    }
    let fill = d.fills[0].values().next().unwrap();
    assert_eq!(
        (fill.fill_min, fill.fill_max, fill.fill_sum, fill.fill_count, fill.emptied),
        (40_000, 60_000, 100_000, 2, 1)
    );
}
