//! Tests of `schedule.rs`.

use super::*;
use crate::calendar::day_number;
use crate::plan::local_time::HOUR as H;
use jiff::civil::date;

/// Monday 7 December 2026, 00:00 in Paris (+1 h): 6 December 23:00 UTC.
pub(in crate::plan) fn monday() -> Timestamp {
    Timestamp::from_secs(day_number(date(2026, 12, 7)) * 86_400) - H
}

/// Container "c" of company "a", 10 m3, 2 t full, 90 % threshold, carrier "t" to "op",
/// read on Monday at 00:00 at `fill` % rising `rate` points an hour; window 07:00-16:00 on
/// `days` (bit 0 Monday).
pub(in crate::plan) fn container(fill: f64, rate: f64, days: u8) -> PlannedContainer {
    PlannedContainer {
        id: "c".into(),
        company: "a".into(),
        destination: "op".into(),
        transporter: Some("t".into()),
        volume_m3: 10.0,
        mass: ExpectedMass::max_load(2000.0),
        threshold_pct: 90.0,
        fill_pct: fill,
        reading_at: monday(),
        rate_per_hour: Some(rate),
        rate_span_h: None,
        window: CollectionWindow { days, from_min: 7 * 60, to_min: 16 * 60 },
    }
}

/// A carrier's quarter of an hour.
pub(in crate::plan) const QUARTER: SignedDuration = SignedDuration::from_mins(15);

fn params(margin_h: i32) -> Params {
    Params {
        now: monday(),
        until: monday() + 3 * DAY,
        margin: margin_h * H,
        join_share: 2.0,
        rate_factor: 1.0,
        slot: QUARTER,
    }
}

#[test]
fn collected_at_the_latest_time_the_window_allows_before_the_deadline() {
    // 60 % at Monday 00:00, filling 1 %/h, threshold 90 %: reaches 90 % after
    // (90 - 60) / 1 = 30 h, Tuesday 06:00 local. Margin 2 h: by Tuesday 04:00. Window
    // mon-fri 07:00-16:00: the last window opening at or before Tuesday 04:00 is Monday's;
    // the carrier comes at min(Tuesday 04:00, Monday 16:00) = Monday 16:00 (hour 16), when
    // it holds 60 + 16 x 1 = 76 %: 7.6 m3 and 1520 kg.
    let p = pickup(&container(60.0, 1.0, 0b11111), &LocalClock::fixed(H), &params(2)).unwrap();
    assert_eq!(p.at, monday() + 16 * H);
    assert_eq!(p.overflow, monday() + 30 * H);
    assert!((p.fill_pct - 76.0).abs() < 1e-9 && (p.volume_m3 - 7.6).abs() < 1e-9 && (p.mass_kg - 1520.0).abs() < 1e-9);
    assert!(!p.late);
}

#[test]
fn not_earlier_than_needed() {
    // 60 % filling 2 %/h: 90 % after 15 h, Monday 15:00. Margin 4 h: by Monday 11:00,
    // inside Monday's window: at 11:00 (60 + 11 x 2 = 82 %), not at the 07:00 opening
    // (74 %). At 0.5 %/h: 90 % after 60 h, Wednesday 12:00, by Wednesday 08:00 with the
    // margin; Wednesday's window opens at 07:00, before that: Wednesday 08:00 (hour 56,
    // 60 + 56 x 0.5 = 88 %), not Monday nor Tuesday.
    let clock = LocalClock::fixed(H);
    let fast = pickup(&container(60.0, 2.0, 0b11111), &clock, &params(4)).unwrap();
    assert_eq!((fast.at, fast.fill_pct), (monday() + 11 * H, 82.0));
    let slow = pickup(&container(60.0, 0.5, 0b11111), &clock, &params(4)).unwrap();
    assert_eq!((slow.at, slow.fill_pct), (monday() + 2 * DAY + 8 * H, 88.0));
}

#[test]
fn windows_on_some_days_only_pull_the_collection_earlier() {
    // 0.5 %/h as above: due by Wednesday 08:00, but the window is mon and thu only: the
    // last opening before is Monday 07:00, and the window closes at 16:00, before the
    // deadline: Monday 16:00 (60 + 16 x 0.5 = 68 %). Due beyond the plan: nothing now.
    let clock = LocalClock::fixed(H);
    let p = pickup(&container(60.0, 0.5, 0b01001), &clock, &params(4)).unwrap();
    assert_eq!((p.at, p.fill_pct), (monday() + 16 * H, 68.0));
    assert_eq!(pickup(&container(10.0, 0.5, 0b11111), &clock, &params(4)), None, "90 % only after 160 h");
}

#[test]
fn a_window_closing_at_midnight_keeps_its_pick_up_on_its_day() {
    // Window monday only, 18:00-24:00. 60 % at 1 %/h: 90 % at Tuesday 06:00, by 04:00.
    // Monday's window opens before; it closes at Tuesday 00:00, so the latest time is
    // Monday 23:59, still Monday's trip; unrounded (no slot), the carrier comes then
    // (60 + 23 x 1 + 59 / 60 = 83.98 %); in quarters of an hour, at 23:45 (83.75 %).
    let clock = LocalClock::fixed(H);
    let mut c = container(60.0, 1.0, 0b00001);
    c.window = CollectionWindow { days: 0b00001, from_min: 18 * 60, to_min: 24 * 60 };
    let unrounded = Params { slot: SignedDuration::ZERO, ..params(2) };
    let p = pickup(&c, &clock, &unrounded).unwrap();
    assert_eq!(p.at, monday() + 24 * H - SignedDuration::from_secs(60));
    assert_eq!(clock.local_day(p.at), clock.local_day(monday()));
    assert!((p.fill_pct - (84.0 - 1.0 / 60.0)).abs() < 1e-9, "{}", p.fill_pct);
    let p = pickup(&c, &clock, &params(2)).unwrap();
    assert_eq!((p.at, p.fill_pct), (monday() + 23 * H + 45 * SignedDuration::from_mins(1), 83.75));
}

#[test]
fn pick_up_times_are_rounded_down_to_the_carriers_quarter_hour() {
    // 61.5 % at 2.6 %/h: 90 % after 28.5 / 2.6 = 10.9615 h = 39,462 s (10:57:42) Monday; less a 2 h
    // margin: 08:57:42, inside the 07:00-16:00 window. Rounded down to a quarter: 08:45,
    // never later than the deadline (09:00 would be after it), holding 61.5 + 8.75 x 2.6 =
    // 84.25 %. With a 1 h slot: 08:00.
    let clock = LocalClock::fixed(H);
    let c = container(61.5, 2.6, 0b11111);
    let p = pickup(&c, &clock, &params(2)).unwrap();
    assert_eq!(p.overflow, monday() + SignedDuration::from_secs(39_462));
    assert_eq!(p.at, monday() + 8 * H + SignedDuration::from_mins(45));
    assert!((p.fill_pct - 84.25).abs() < 1e-9, "{}", p.fill_pct);
    let hourly = Params { slot: H, ..params(2) };
    assert_eq!(pickup(&c, &clock, &hourly).unwrap().at, monday() + 8 * H);
    // Across a clock change the local quarter still holds: Paris at +2 h from 01:00 UTC.
    let summer = LocalClock::from_samples(vec![(Timestamp::MIN, H), (monday() + 2 * H, 2 * H)]);
    let t = monday() + 9 * H + SignedDuration::from_mins(8); // 11:08 local (+2 h)
    assert_eq!(slot_floor(&summer, t, QUARTER), monday() + 9 * H);
}

#[test]
fn a_container_read_above_100_percent_is_planned_at_its_reading() {
    // live_containers shows 104 %: the plan says 104 % too (it once said 100 %); the
    // volume on the truck is the container's whole volume.
    let mut c = container(104.0, 1.0, 0b11111);
    c.threshold_pct = 90.0;
    let p = pickup(&c, &LocalClock::fixed(H), &params(2)).unwrap();
    assert_eq!((p.fill_pct, p.read_fill_pct, p.volume_m3, p.late), (104.0, 104.0, 10.0, true));
    assert_eq!(p.mass_kg, 2000.0, "at most the largest load");
}

#[test]
fn a_container_that_overflows_before_any_window_is_collected_at_the_first_one_late() {
    // 85 % at 2 %/h: 90 % at Monday 02:30; the first opening is Monday 07:00, late. Inside
    // an open window the carrier can come now.
    let clock = LocalClock::fixed(H);
    let p = pickup(&container(85.0, 2.0, 0b11111), &clock, &params(2)).unwrap();
    assert_eq!((p.at, p.late, p.fill_pct), (monday() + 7 * H, true, 99.0));
    let mut inside = params(2);
    inside.now = monday() + 9 * H;
    let p = pickup(&container(95.0, 0.0, 0b11111), &clock, &inside).unwrap();
    assert_eq!((p.at, p.late), (monday() + 9 * H, true), "already above its threshold");
}

#[test]
fn the_rate_factor_applies_once_the_rate_spans_a_day() {
    // 60 % at 1 %/h, threshold 90 %, factor 1.25: 90 % after (90 - 60) / 1.25 = 24 h,
    // Tuesday 00:00, when the rate spans a day or more (or its span is unknown). A rate
    // over 8 h only is a working-hours rate: 90 % after 30 h, Tuesday 06:00.
    let mut c = container(60.0, 1.0, 0b11111);
    assert_eq!(c.overflow_at(1.25), Some(monday() + 24 * H));
    c.rate_span_h = Some(FACTOR_FROM_H);
    assert_eq!(c.overflow_at(1.25), Some(monday() + 24 * H));
    c.rate_span_h = Some(8.0);
    assert_eq!(c.overflow_at(1.25), Some(monday() + 30 * H));
}

#[test]
fn nothing_to_plan_without_a_carrier_or_a_forecast() {
    let clock = LocalClock::fixed(H);
    let mut c = container(60.0, 1.0, 0b11111);
    c.transporter = None;
    assert_eq!(pickup(&c, &clock, &params(2)), None);
    let mut c = container(60.0, 1.0, 0b11111);
    c.rate_per_hour = None;
    assert_eq!(pickup(&c, &clock, &params(2)), None);
}
