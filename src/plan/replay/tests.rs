//! Tests of `replay.rs`.

use super::*;
use crate::calendar::day_number;
use crate::zone::CollectionWindow;
use jiff::civil::date;

/// Monday 7 December 2026, 00:00 in Paris (+1 h).
fn monday() -> Timestamp {
    Timestamp::from_secs(day_number(date(2026, 12, 7)) * 86_400) - HOUR
}

fn container(id: &str, company: &str, rate: f64) -> ReplayContainer {
    ReplayContainer {
        state: PlannedContainer {
            id: id.into(),
            company: company.into(),
            destination: "op".into(),
            transporter: Some("t".into()),
            volume_m3: 10.0,
            mass: ExpectedMass::max_load(1000.0),
            threshold_pct: 90.0,
            fill_pct: 0.0,
            reading_at: Timestamp::EPOCH,
            rate_per_hour: None,
            rate_span_h: None,
            window: CollectionWindow { days: 0b11111, from_min: 7 * 60, to_min: 16 * 60 },
        },
        start_fill_pct: 0.0,
        inflow_per_hour: vec![rate; 72],
        warmup_collections: vec![],
        weighed: ExpectedMass::max_load(1000.0),
    }
}

#[test]
fn fixed_collections_count_overflows_fills_and_each_companys_rounds() {
    // 2 %/h from 0: 100 % after 50 h. a1 is collected at hour 30 (60 %) and never again:
    // from hour 30 it needs 50 h more, past the 72 h: no overflow. b1 is never collected:
    // it reaches 100 % at hour 49 (50 x 2), one overflow. c1 (company a) at hour 30 too:
    // a's two pick-ups then are one round. d1 (company a) at hour 34 (68 %), the same day:
    // another round (a day's collections were once counted as one trip). 3 collections,
    // 2 trips. Weighed: a1, c1 at the largest load, 1000 kg x 60 % = 600 kg each; d1 at
    // its weighings' 300 kg / 60 % = 5 kg a point, 5 x 68 = 340 kg: 1.54 t.
    let mut d1 = container("d1", "a", 2.0);
    d1.weighed = ExpectedMass::new(&[Weighing { kg: 300.0, fill_pct: 60.0 }], 1000.0);
    let cs = [container("a1", "a", 2.0), container("b1", "b", 2.0), container("c1", "a", 2.0), d1];
    let out = replay(
        &cs,
        monday(),
        0,
        72,
        &LocalClock::fixed(HOUR),
        &BTreeMap::new(),
        &Policy::Fixed(vec![vec![30], vec![], vec![30], vec![34]]),
    );
    assert_eq!((out.collections, out.trips, out.overflows, out.containers_overflowed), (3, 2, 1, 1));
    assert!((out.mean_fill_at_collection_pct - 188.0 / 3.0).abs() < 1e-9, "{out:?}");
    assert!((out.tonnes - 1.54).abs() < 1e-9, "{out:?}");
}

#[test]
fn a_call_at_the_threshold_waits_for_the_next_window() {
    // 2 %/h from Monday 00:00: 90 % at hour 45 (Tuesday 21:00 local, after the 16:00
    // close); the carrier comes Wednesday 07:00 (hour 55), when it holds 110 %: it
    // reached 100 % at hour 50, one overflow. Two companies, two trips.
    let cs = [container("a1", "a", 2.0), container("b1", "b", 2.0)];
    let out = replay(&cs, monday(), 0, 72, &LocalClock::fixed(HOUR), &BTreeMap::new(), &Policy::Reactive);
    assert_eq!((out.collections, out.trips, out.overflows, out.containers_overflowed), (2, 2, 2, 2));
    assert!((out.mean_fill_at_collection_pct - 110.0).abs() < 1e-9, "{out:?}");
}

#[test]
fn the_planner_collects_before_the_overflow_in_one_shared_trip() {
    // Two companies' containers, 2 %/h from 0 on Monday 00:00. The first plan (Monday
    // 00:00) has no rate yet. Tuesday 00:00: 48 %, rate 2 %/h: 90 % in 21 h (Tuesday
    // 21:00), by 17:00 with a 4 h margin; Tuesday's window closes at 16:00 first: Tuesday
    // 16:00 (hour 40), holding 48 + 16 x 2 = 80 %, both in one trip. Wednesday 00:00:
    // 16 % (8 h since), 90 % in 37 h (Thursday 13:00), by 09:00: not on Wednesday, the
    // last day replayed. 2 collections, 1 trip, mean fill 80 %, no overflow; each company
    // calling its own truck: 2 trips.
    let cs = [container("a1", "a", 2.0), container("b1", "b", 2.0)];
    let policy = Policy::Planned {
        margin: 4 * HOUR,
        horizon: 3 * DAY,
        join_share: 2.0,
        rate_factor: 1.0,
        slot: SignedDuration::from_mins(15),
    };
    let out = replay(&cs, monday(), 0, 72, &LocalClock::fixed(HOUR), &BTreeMap::new(), &policy);
    assert_eq!((out.collections, out.trips, out.own_trips, out.overflows), (2, 1, 2, 0));
    assert!((out.mean_fill_at_collection_pct - 80.0).abs() < 1e-9, "{out:?}");
}
