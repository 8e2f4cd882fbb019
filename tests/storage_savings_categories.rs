//! Storage suite: savings by TGAP category and hazard (docs/kpis.md "Savings and avoided
//! impact") on a hand-computed fixture: the TGAP rates of two years for the two categories the
//! Métallerie's baselines pay, its hazardous oil priced against its own baseline (D10, not
//! landfill), a year whose TGAP only the shipped trajectory gives (the tonne priced by a
//! reference estimate), and a year without any TGAP rate, which the report prints as "not
//! configured". The factors are test values, but for the shipped reference estimates: the 2029
//! TGAP and the ferrous scrap's emission factor, so that their origin shows. Every expected
//! number is worked out in the comments.

mod common;
use common::storage::{weighing, StorageTarget};
use wasteflow::report::company_year::{self, render};
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// Added to the example zone, whose `[factors]` names the baselines: D1, and D10 for hazardous
/// waste.
const EXTRA: &str = r#"
[[factors.tgap]]
year = 2027
category = "non-hazardous-landfill"
eur_per_tonne = 70.0
source = "test value"

[[factors.tgap]]
year = 2027
category = "hazardous-incineration"
eur_per_tonne = 15.0
source = "test value"

[[factors.tgap]]
year = 2028
category = "non-hazardous-landfill"
eur_per_tonne = 80.0
source = "test value"

[[factors.tgap]]
year = 2028
category = "hazardous-incineration"
eur_per_tonne = 20.0
source = "test value"

[[factors.costs]]
treatment = "D1"
eur_per_tonne = 50.0
source = "test value"

[[factors.costs]]
treatment = "D10"
eur_per_tonne = 300.0
source = "test value"

[[factors.costs]]
treatment = "R4"
eur_per_tonne = -30.0
source = "test value: scrap sold"

[[factors.costs]]
treatment = "R9"
eur_per_tonne = 100.0
source = "test value"
"#;

const HOUR: u64 = 3_600_000;
const DAY: u64 = 86_400_000;
/// 2027-03-01T00:00:00Z, then the same day of 2028 (2028 is a leap year), 2029 and 2031.
const MAR_2027: u64 = 1_803_859_200_000;
const MAR_2028: u64 = MAR_2027 + 366 * DAY;
const MAR_2029: u64 = MAR_2028 + 365 * DAY;
const MAR_2031: u64 = MAR_2029 + 2 * 365 * DAY;

fn fixture(zone: &Zone) -> Vec<ValidReading> {
    let w = |sensor: u16, kg: f32, at: u64| {
        weighing(zone, "metallerie-lievin", "gw-ml-01", sensor, kg, at + 2 * DAY + 10 * HOUR)
    };
    vec![
        w(1, 3_000.0, MAR_2027), // steel scrap, R4 to the scrap dealer
        w(2, 500.0, MAR_2027),   // used oil (13 02 05*, hazardous), R9 re-refining
        w(1, 2_000.0, MAR_2028),
        w(2, 1_000.0, MAR_2028),
        w(1, 1_000.0, MAR_2029),
        w(1, 1_000.0, MAR_2031),
    ]
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hazard_pays_its_baseline_and_a_year_without_rates_is_not_configured() {
    let target = StorageTarget::new().await;
    let zone = common::storage::example_zone_with(EXTRA);
    let (_, db) = target.with_fixture(zone, fixture).await;
    let c = &db.client;

    // 2027. Scrap (non-hazardous): baseline D1 50 + TGAP 2027 non-hazardous-landfill 70 = 120
    // EUR/t, actual R4 -30: 3 t x (120 + 30) = 450 EUR. Oil (hazardous): baseline D10 300 + TGAP
    // 2027 hazardous-incineration 15 = 315 EUR/t, actual R9 100: 0.5 t x (315 - 100) = 107.5 EUR.
    // 557.5 EUR, all by the zone's own figures. CO2e, by the reference estimates: scrap 3 t x
    // 1,273 kg (ferrous metals) = 3.819 t; oil 0.5 t x 725 kg (mineral oil re-refined, DESNZ
    // 2025) = 0.3625 t; 4.1815 t.
    // 2028. Scrap: 2 t x (50 + 80 + 30) = 320 EUR; oil: 1 t x (300 + 20 - 100) = 220 EUR; 540 EUR.
    // CO2e: 2 t x 1,273 kg + 1 t x 725 kg = 2.546 + 0.725 = 3.271 t.
    // 2029: the zone gives no TGAP rate; the shipped trajectory does (CIBS art. L. 433-57,
    // non-hazardous waste stored, 81 EUR/t in 2029): 1 t x (50 + 81 + 30) = 161 EUR, priced by a
    // reference estimate. CO2e 1.273 t.
    // 2031: past the shipped trajectory, no TGAP rate at all: the scrap's baseline is not
    // configured; its CO2e is, 1.273 t.
    for (year, eur, by_reference, co2e, recovered) in [
        (2027, Some(557.5), false, 4.1815, 3.5),
        (2028, Some(540.0), false, 3.271, 3.0),
        (2029, Some(161.0), true, 1.273, 1.0),
        (2031, None, false, 1.273, 1.0),
    ] {
        let r = company_year::read(c, "metallerie-lievin", year).await.expect("report");
        let s = &r.savings;
        assert!(close(Some(s.recovered_t), recovered), "{year}: {s:?}");
        match eur {
            Some(eur) => {
                assert!(close(s.cost_avoided_eur, eur) && s.unpriced_t == 0.0, "{year}: {s:?}");
                let (zone_t, reference_t) = if by_reference { (0.0, recovered) } else { (recovered, 0.0) };
                assert!(
                    close(Some(s.priced_zone_t), zone_t) && close(Some(s.priced_reference_t), reference_t),
                    "{year}: {s:?}"
                );
            }
            None => assert_eq!((s.cost_avoided_eur, s.unpriced_t), (None, 1.0), "{year}: {s:?}"),
        }
        assert!(close(s.co2e_avoided_t, co2e), "{year}: {s:?}");
        // Every tonne recovered here is recycled, and factored by a reference estimate.
        assert!(close(Some(s.factored_reference_t), recovered) && s.factored_zone_t == 0.0, "{year}: {s:?}");
        let page = render(&r);
        if eur.is_none() {
            assert!(page.contains("disposal cost avoided               not configured"), "{page}");
            assert!(!page.contains(" 0 EUR"), "{page}");
        }
        assert!(page.contains("(estimate: reference figures in part)"), "{page}");
        assert!(
            page.contains("[reference] CO2e 12 01 01: 1273 kg CO2e/t; ferrous metals: ADEME Base Carbone"),
            "{page}"
        );
        if year == 2027 {
            assert!(page.contains("[zone] TGAP 2027 hazardous-incineration: 15 EUR/t; test value"), "{page}");
            assert!(page.contains("[zone] TGAP 2027 non-hazardous-landfill: 70 EUR/t; test value"), "{page}");
        }
        if year == 2029 {
            assert!(page.contains("[reference] TGAP 2029 non-hazardous-landfill: 81 EUR/t; Loi n° 2026-103"), "{page}");
        }
    }
    db.close().await;
}
