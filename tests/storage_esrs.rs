//! Storage suite: the ESRS E5-5 / GRI 306 view (`kpi_esrs_e5_5`, `kpi_esrs_e5_5_rates`) and the
//! local calendar (Europe/Paris) on a hand-computed fixture: every category, a by-product, R0
//! re-use, interim mass, both DST changes of 2027 (28 March: a 23-hour day; 31 October: a
//! 25-hour day), a month boundary and a year boundary. Every expected number is worked out by
//! hand below, with the formulas of docs/kpis.md.

mod common;
use common::storage::{reading, StorageTarget};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasteflow::store::prepare;
use wasteflow::wire::{Measurement, ValidReading};
use wasteflow::zone::Zone;

/// The example zone plus a second Métallerie gateway whose containers reach the categories the
/// example lacks: incineration (D10), other recovery (R5 backfilling), other disposal (D9F),
/// R2 with the mode re-use (recycling all the same: a regenerated solvent) and interim (R13).
const EXTRA: &str = r#"
[[containers]]
id = "ml-oil-burn"
company = "metallerie-lievin"
site = "ml-lievin"
type = "tank"
volume_m3 = 1.0
max_load_kg = 1000.0
stream = "waste-oil"
treatment = "D10"
destination = "huiles-hdf"

[[containers]]
id = "ml-sand-backfill"
company = "metallerie-lievin"
site = "ml-lievin"
type = "skip"
volume_m3 = 10.0
max_load_kg = 15000.0
stream = "foundry-sand"
treatment = "R5"
treatment_mode = "other-recovery"
destination = "beton-artois"

[[containers]]
id = "ml-solvent-d9f"
company = "metallerie-lievin"
site = "ml-lievin"
type = "tank"
volume_m3 = 0.6
max_load_kg = 500.0
stream = "solvents"
treatment = "D9F"
destination = "regen-solvants-nord"

[[containers]]
id = "ml-solvent-reuse"
company = "metallerie-lievin"
site = "ml-lievin"
type = "tank"
volume_m3 = 0.6
max_load_kg = 500.0
stream = "solvents"
treatment = "R2"
treatment_mode = "re-use"
destination = "regen-solvants-nord"

[[containers]]
id = "ml-scrap-transfer"
company = "metallerie-lievin"
site = "ml-lievin"
type = "skip"
volume_m3 = 8.0
max_load_kg = 12000.0
stream = "steel-scrap"
treatment = "R13"
destination = "tri-gohelle"

[[gateways]]
id = "gw-ml-02"
company = "metallerie-lievin"
site = "ml-lievin"
sensors = [
  { number = 1, container = "ml-oil-burn" },
  { number = 2, container = "ml-sand-backfill" },
  { number = 3, container = "ml-solvent-d9f" },
  { number = 4, container = "ml-solvent-reuse" },
  { number = 5, container = "ml-scrap-transfer" },
]
"#;

const HOUR: u64 = 3_600_000;
/// 2027-03-28T00:00:00Z. Paris moves from UTC+1 to UTC+2 at 01:00 UTC: local 28 March runs
/// from 27 March 23:00 UTC to 28 March 22:00 UTC (23 hours).
const MAR28: u64 = 1_806_192_000_000;
/// 2027-10-31T00:00:00Z. Paris moves from UTC+2 to UTC+1 at 01:00 UTC: local 31 October runs
/// from 30 October 22:00 UTC to 31 October 23:00 UTC (25 hours).
const OCT31: u64 = 1_824_940_800_000;
/// 2028-01-01T00:00:00Z (UTC+1: local 1 January starts at 31 December 23:00 UTC).
const JAN1: u64 = 1_830_297_600_000;

fn zone() -> Zone {
    common::storage::example_zone_with(EXTRA)
}

fn fixture(zone: &Zone) -> Vec<ValidReading> {
    let kg = |company: &str, gateway: &str, sensor: u16, kg: f32, at: u64| {
        reading(zone, company, gateway, sensor, Measurement::NetMassKg(kg), at)
    };
    let (ml, ba, ms, pg) = ("metallerie-lievin", "beton-artois", "menuiserie-souchez", "plasturgie-gohelle");
    let noon = MAR28 + 10 * HOUR; // 12:00 local
    vec![
        // Local 28 March (23 hours), at its very start and end and at noon.
        kg(ml, "gw-ml-02", 1, 400.0, MAR28 - HOUR / 2), // 00:30 local: oil incinerated, D10, hazardous
        kg(ml, "gw-ml-02", 2, 3_000.0, MAR28 + 21 * HOUR + HOUR / 2), // 23:30 local (UTC+2): sand backfilled, R5 other recovery
        kg(ml, "gw-ml-02", 3, 200.0, noon),                           // solvents D9F: other disposal, hazardous
        kg(ml, "gw-ml-02", 4, 100.0, noon), // solvents R2, mode re-use: regenerated, so recycling, hazardous
        kg(ml, "gw-ml-02", 5, 1_000.0, noon), // scrap to a transfer station, R13: pending
        kg(ml, "gw-ml-01", 1, 2_000.0, noon), // scrap R4: recycling
        kg(ba, "gw-ba-01", 1, 10_000.0, noon), // own concrete R5 to itself: recycling, on site
        kg(ba, "gw-ba-01", 2, 2_000.0, noon), // mixed D1: landfill
        kg(ms, "gw-ms-01", 1, 2_500.0, noon), // offcuts R1 to the boiler: other recovery (energy)
        kg(ms, "gw-ms-01", 2, 500.0, noon), // pieces R0 re-used in house: not waste
        kg(pg, "gw-pg-01", 1, 600.0, noon), // sprues regrind, by-product: not waste
        // Either side of local 28 March.
        kg(ml, "gw-ml-02", 1, 300.0, MAR28 - 3 * HOUR / 2), // 23:30 local on 27 March
        kg(ml, "gw-ml-02", 2, 1_000.0, MAR28 + 22 * HOUR + HOUR / 2), // 00:30 local on 29 March
        // Around local 31 October (25 hours): Béton d'Artois' own concrete, R5 recycling.
        kg(ba, "gw-ba-01", 1, 1_000.0, OCT31 - 2 * HOUR - HOUR / 2), // 23:30 local (UTC+2) on 30 October
        kg(ba, "gw-ba-01", 1, 2_000.0, OCT31 - HOUR - HOUR / 2),     // 00:30 local on 31 October
        kg(ba, "gw-ba-01", 1, 4_000.0, OCT31 + 22 * HOUR + HOUR / 2), // 23:30 local (UTC+1) on 31 October
        kg(ba, "gw-ba-01", 1, 8_000.0, OCT31 + 23 * HOUR + HOUR / 2), // 00:30 local on 1 November: November
        // 00:30 local on 1 January 2028: 2028.
        kg(ba, "gw-ba-01", 1, 16_000.0, JAN1 - HOUR / 2),
        // Fill levels of ms-wood-1 at both ends of local 31 October: one local day.
        reading(zone, ms, "gw-ms-01", 1, Measurement::FillLevel(20.0), OCT31 - HOUR - HOUR / 2),
        reading(zone, ms, "gw-ms-01", 1, Measurement::FillLevel(60.0), OCT31 + 22 * HOUR + HOUR / 2),
    ]
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esrs_e5_5_figures_on_local_days_months_and_years() {
    let target = StorageTarget::new().await;
    let (_, db) = target.with_fixture(zone(), fixture).await;
    let c = &db.client;
    let tz: String = c.query_one("SELECT time_zone FROM zone_settings", &[]).await.unwrap().get(0);
    assert_eq!(tz, "Europe/Paris", "written by the registry sync");

    // (category, hazardous, non-hazardous, total, on site, off site) in tonnes, for one company
    // (or the zone: None) and one period starting at `start`.
    type Row = (&'static str, f64, f64, f64, f64, f64);
    let check = |company: Option<&'static str>, period: &'static str, start: u64, want: Vec<Row>| async move {
        let rows = c
            .query(
                "SELECT category, hazardous, tonnes, on_site_t, off_site_t FROM kpi_esrs_e5_5
                 WHERE company_id IS NOT DISTINCT FROM $1 AND period = $2 AND period_start = $3 ORDER BY ordinal",
                &[&company, &period, &at(start)],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 16 * 3, "{company:?} {period}: every category, hazardous, not, and both");
        for (category, haz, non, total, on, off) in want {
            let get = |h: Option<bool>| {
                let r = rows
                    .iter()
                    .find(|r| r.get::<_, &str>(0) == category && r.get::<_, Option<bool>>(1) == h)
                    .unwrap_or_else(|| panic!("{category} {h:?}"));
                (r.get::<_, f64>(2), r.get::<_, f64>(3), r.get::<_, f64>(4))
            };
            let what = format!("{company:?} {period} {category}");
            assert!(close(get(Some(true)).0, haz), "{what} hazardous: {:?}, want {haz}", get(Some(true)));
            assert!(close(get(Some(false)).0, non), "{what} non-hazardous: {:?}, want {non}", get(Some(false)));
            let (t, o, f) = get(None);
            assert!(
                close(t, total) && close(o, on) && close(f, off),
                "{what}: {:?}, want {total} {on} {off}",
                (t, o, f)
            );
        }
        for r in &rows {
            let name: &str = r.get(0);
            let listed = [
                "waste-generated",
                "diverted-from-disposal",
                "preparation-for-re-use",
                "recycling",
                "other-recovery",
                "energy-recovery",
                "directed-to-disposal",
                "incineration",
                "landfill",
                "other-disposal",
                "pending",
                "non-recycled",
                "by-product",
                "end-of-waste",
                "re-use-not-waste",
                "symbiosis",
            ];
            assert!(listed.contains(&name), "{name}");
        }
    };

    // Zone, local 28 March (the 23-hour day). Waste (not the 0.6 t by-product, not the 0.5 t
    // R0 re-use): oil incinerated 0.4 (hazardous), sand backfilled 3 + wood burnt for energy
    // 2.5 = 5.5 other recovery, solvents D9F 0.2 (hazardous), solvents regenerated 0.1
    // (hazardous; R2 with the mode re-use is recycling: Directive 2008/98/EC art. 3(16)/(17)),
    // scrap R13 1 pending, scrap 2 + own concrete 10 + solvents 0.1 = 12.1 recycled, 2
    // landfilled. Generated 0.4 + 5.5 + 0.2 + 1 + 12.1 + 2 = 21.2 (hazardous 0.7,
    // non-hazardous 20.5). Diverted 12.1 + 5.5 = 17.6; disposal 0.4 + 2 + 0.2 = 2.6 (hazardous
    // 0.6); pending 1; 17.6 + 2.6 + 1 = 21.2. Non-recycled (Regulation 2022/1288: not recycled
    // within art. 3(17), pending included): 21.2 - 12.1 = 9.1 = 5.5 + 2.6 + 1 (hazardous 0.7 -
    // 0.1 = 0.6, non-hazardous 20.5 - 12 = 8.5; on site 10 - 10 = 0).
    // On site: the concrete (10, to Béton d'Artois itself), the R0 pieces and the regrind.
    // The 0.3 t at 23:30 on 27 March and the 1 t at 00:30 on 29 March are other days.
    check(
        None,
        "day",
        MAR28 - HOUR,
        vec![
            ("waste-generated", 0.7, 20.5, 21.2, 10.0, 11.2),
            ("diverted-from-disposal", 0.1, 17.5, 17.6, 10.0, 7.6),
            ("preparation-for-re-use", 0.0, 0.0, 0.0, 0.0, 0.0),
            ("recycling", 0.1, 12.0, 12.1, 10.0, 2.1),
            ("other-recovery", 0.0, 5.5, 5.5, 0.0, 5.5),
            ("energy-recovery", 0.0, 2.5, 2.5, 0.0, 2.5),
            ("directed-to-disposal", 0.6, 2.0, 2.6, 0.0, 2.6),
            ("incineration", 0.4, 0.0, 0.4, 0.0, 0.4),
            ("landfill", 0.0, 2.0, 2.0, 0.0, 2.0),
            ("other-disposal", 0.2, 0.0, 0.2, 0.0, 0.2),
            ("pending", 0.0, 1.0, 1.0, 0.0, 1.0),
            ("non-recycled", 0.6, 8.5, 9.1, 0.0, 9.1),
            ("by-product", 0.0, 0.6, 0.6, 0.6, 0.0),
            ("end-of-waste", 0.0, 0.0, 0.0, 0.0, 0.0),
            ("re-use-not-waste", 0.0, 0.5, 0.5, 0.5, 0.0),
        ],
    )
    .await;
    // The Métallerie that day: 0.4 + 3 + 0.2 + 0.1 + 1 + 2 = 6.7 generated, 1 of it pending;
    // recycled 2 + 0.1 = 2.1, non-recycled 6.7 - 2.1 = 4.6 (hazardous 0.7 - 0.1, non-hazardous
    // 6 - 2).
    check(
        Some("metallerie-lievin"),
        "day",
        MAR28 - HOUR,
        vec![
            ("waste-generated", 0.7, 6.0, 6.7, 0.0, 6.7),
            ("diverted-from-disposal", 0.1, 5.0, 5.1, 0.0, 5.1),
            ("other-recovery", 0.0, 3.0, 3.0, 0.0, 3.0),
            ("energy-recovery", 0.0, 0.0, 0.0, 0.0, 0.0),
            ("directed-to-disposal", 0.6, 0.0, 0.6, 0.0, 0.6),
            ("pending", 0.0, 1.0, 1.0, 0.0, 1.0),
            ("recycling", 0.1, 2.0, 2.1, 0.0, 2.1),
            ("non-recycled", 0.6, 4.0, 4.6, 0.0, 4.6),
        ],
    )
    .await;
    // Local 31 October (25 hours) for Béton d'Artois: 2 t at 00:30 (UTC+2) and 4 t at 23:30
    // (UTC+1); the 1 t at 23:30 on 30 October and the 8 t at 00:30 on 1 November are not in it.
    check(
        Some("beton-artois"),
        "day",
        OCT31 - 2 * HOUR,
        vec![("waste-generated", 0.0, 6.0, 6.0, 6.0, 0.0), ("recycling", 0.0, 6.0, 6.0, 6.0, 0.0)],
    )
    .await;
    // October: 1 + 2 + 4 = 7; November (from 31 October 23:00 UTC): the 8 t of 00:30 on 1 November.
    let oct1 = OCT31 - 30 * 24 * HOUR - 2 * HOUR;
    check(Some("beton-artois"), "month", oct1, vec![("waste-generated", 0.0, 7.0, 7.0, 7.0, 0.0)]).await;
    check(Some("beton-artois"), "month", OCT31 + 23 * HOUR, vec![("recycling", 0.0, 8.0, 8.0, 8.0, 0.0)]).await;
    // 2027 for the zone: 21.2 (28 March) + 0.3 (27 March) + 1 (29 March) + 7 (October) + 8
    // (November) = 37.5 generated, 1 pending; recycled 12.1 + 15 = 27.1 (0.1 hazardous). 2028 (from 31 December
    // 23:00 UTC): the 16 t of 00:30 on 1 January.
    let jan1_2027 = JAN1 - 365 * 24 * HOUR - HOUR;
    check(
        None,
        "year",
        jan1_2027,
        vec![
            ("waste-generated", 1.0, 36.5, 37.5, 25.0, 12.5),
            ("recycling", 0.1, 27.0, 27.1, 25.0, 2.1),
            ("incineration", 0.7, 0.0, 0.7, 0.0, 0.7),
            ("other-recovery", 0.0, 6.5, 6.5, 0.0, 6.5),
        ],
    )
    .await;
    check(None, "year", JAN1 - HOUR, vec![("waste-generated", 0.0, 16.0, 16.0, 16.0, 0.0)]).await;

    // Rates over mass whose final operation is known; coverage = known / generated; the
    // non-recycled share over all waste generated (PAI 13).
    // Zone, 28 March: known 21.2 - 1 = 20.2; re-use + recycling 12.1; diverted 17.6; landfill 2;
    // non-recycled 9.1 of 21.2. Béton d'Artois (no interim): 10 recycled, 2 landfilled of 12.
    let rates = |company: Option<&'static str>| async move {
        let r = c
            .query_one(
                "SELECT generated_t, pending_t, non_recycled_t, non_recycled_share, reuse_recycling_rate, recovery_rate,
                        landfill_diversion_rate, coverage
                 FROM kpi_esrs_e5_5_rates WHERE company_id IS NOT DISTINCT FROM $1 AND period = 'day' AND period_start = $2",
                &[&company, &at(MAR28 - HOUR)],
            )
            .await
            .unwrap();
        (0..8).map(|i| r.get::<_, f64>(i)).collect::<Vec<f64>>()
    };
    let want = [21.2, 1.0, 9.1, 9.1 / 21.2, 12.1 / 20.2, 17.6 / 20.2, 1.0 - 2.0 / 20.2, 20.2 / 21.2];
    let got = rates(None).await;
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "zone: {got:?}, want {want:?}");
    let want = [12.0, 0.0, 2.0, 2.0 / 12.0, 10.0 / 12.0, 10.0 / 12.0, 1.0 - 2.0 / 12.0, 1.0];
    let got = rates(Some("beton-artois")).await;
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "béton: {got:?}, want {want:?}");
    // The Métallerie: known 6.7 - 1 = 5.7; re-use + recycling 0.1 + 2; diverted 5.1; no landfill;
    // non-recycled 4.6 of 6.7.
    let want = [6.7, 1.0, 4.6, 4.6 / 6.7, 2.1 / 5.7, 5.1 / 5.7, 1.0, 5.7 / 6.7];
    let got = rates(Some("metallerie-lievin")).await;
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "métallerie: {got:?}, want {want:?}");

    // The older views follow the same calendar: flows_daily's local 31 October holds 2 + 4 t,
    // and the fill of ms-wood-1 at 00:30 and 23:30 that day is one local day (mean 40 %).
    let r = c
        .query_one(
            "SELECT sum(mass_g)::int8, count(*) FROM flows_daily WHERE company_id = 'beton-artois' AND day = $1",
            &[&at(OCT31 - 2 * HOUR)],
        )
        .await
        .unwrap();
    assert_eq!((r.get::<_, i64>(0), r.get::<_, i64>(1)), (6_000_000, 1));
    let r = c
        .query_one(
            "SELECT fill_readings, fill_min_pct, fill_max_pct, fill_mean_pct FROM container_fill_daily
             WHERE container_id = 'ms-wood-1' AND day = $1",
            &[&at(OCT31 - 2 * HOUR)],
        )
        .await
        .unwrap();
    assert_eq!(r.get::<_, i64>(0), 2);
    assert!(close(r.get(1), 20.0) && close(r.get(2), 60.0) && close(r.get(3), 40.0));
    let n: i64 = c
        .query_one("SELECT count(*) FROM container_fill_daily WHERE container_id = 'ms-wood-1'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // The legacy monthly KPIs too: Béton d'Artois' October is 7 t, not the UTC month's 7 + 8.
    let g: f64 = c
        .query_one(
            "SELECT generated_t FROM kpi_company_monthly WHERE company_id = 'beton-artois' AND month = $1",
            &[&at(oct1)],
        )
        .await
        .unwrap()
        .get(0);
    assert!(close(g, 7.0), "{g}");

    // The zone's time zone changes: the registry sync recomputes the rollups by local period
    // (migration 21) in the new one. In UTC, Béton d'Artois' October holds the 8 t weighed on
    // 31 October after 23:00 UTC too (1 November in Paris): 7 + 8 = 15 t; and every rollup still
    // equals its recomputation from the readings (`wasteflow verify`).
    let mut target = target;
    target.settings.zone.time_zone = "UTC".into();
    prepare(&target.settings, &zone(), true).await.expect("sync in UTC");
    let g: f64 = c
        .query_one(
            "SELECT generated_t FROM kpi_company_monthly WHERE company_id = 'beton-artois' AND month = $1",
            &[&at(oct1 + 2 * HOUR)],
        )
        .await
        .unwrap()
        .get(0);
    assert!(close(g, 15.0), "{g}");
    let mismatches = wasteflow::store::verify(c, Duration::from_secs(60)).await.unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_zone_the_database_does_not_know_or_with_part_hours_is_refused_at_sync() {
    let mut target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    for (tz, why) in [("Europe/Pariss", "does not know"), ("Australia/Adelaide", "whole number of hours")] {
        target.settings.zone.time_zone = tz.into();
        let err = prepare(&target.settings, &zone, true).await.expect_err(tz).to_string();
        assert!(err.contains("zone.time_zone") && err.contains(why), "{tz}: {err}");
    }
    target.settings.zone.time_zone = "UTC".into();
    prepare(&target.settings, &zone, true).await.expect("UTC");
    let db = target.connect().await;
    let tz: String = db.client.query_one("SELECT time_zone FROM zone_settings", &[]).await.unwrap().get(0);
    assert_eq!(tz, "UTC");
    db.close().await;
}
