//! Storage suite: a flow is priced and factored as it was weighed. The shipped reference costs
//! and emission factors of a material are keyed by its List of Waste codes, and a flow keeps the
//! code it was weighed under (`flows_by_period.ewc`), like its hazard and its destination; so a
//! stream recoded later leaves its past months as they were and prices its new weighings by its
//! new code (docs/kpis.md "Cost avoided", "CO2e avoided"). Found by an independent reader who
//! predicted `savings_monthly` from the docs alone: the first version keyed the reference rows by
//! stream, written from today's codes, and June lost its figures when the code changed.

mod common;
use common::storage::{example_zone_with, weighing, StorageTarget};

/// 2026-06-15T10:00:00Z.
const JUNE_15: u64 = 1_781_517_600_000;

/// A month's savings row: month, cost avoided, unpriced t, cost status, CO2e avoided, unfactored
/// t, CO2e status, tonnes priced and factored by reference estimates.
type Month = (String, Option<f64>, f64, String, Option<f64>, f64, String, f64, f64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_recoded_later_keeps_its_past_months_priced_as_weighed() {
    let target = StorageTarget::new().await;
    // June: 1 t of the Métallerie's steel scrap (12 01 01, ferrous) sold to the scrap dealer (R4).
    let zone = example_zone_with("");
    let (_, db) =
        target.with_fixture(zone, |z| vec![weighing(z, "metallerie-lievin", "gw-ml-01", 1, 1_000.0, JUNE_15)]).await;
    db.close().await;
    // Then the registry recodes the stream 12 01 03 (non-ferrous filings), which no reference
    // cost or factor lists, and a day after the sync 1 t more is weighed: the sync's new
    // attribution holds from the sync on (a weighing dated before it keeps the old code).
    let later =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64 + 86_400_000;
    let text = std::fs::read_to_string(common::zone_file()).unwrap();
    assert_eq!(text.matches("ewc = \"12 01 01\"").count(), 1);
    let recoded =
        wasteflow::zone::Zone::parse(&common::zone_file(), &text.replace("ewc = \"12 01 01\"", "ewc = \"12 01 03\""))
            .unwrap_or_else(|e| panic!("{e:?}"));
    let (_, db) =
        target.with_fixture(recoded, |z| vec![weighing(z, "metallerie-lievin", "gw-ml-01", 1, 1_000.0, later)]).await;

    // June, as weighed: baseline D1 95 + TGAP 2026 69 = 164 EUR/t, ferrous scrap sold -145 EUR/t:
    // 1 t x (164 + 145) = 309 EUR; 1 t x 1,273 kg = 1.273 t CO2e; both by reference estimates.
    // The later month, as weighed (12 01 03): no reference cost of R4 for it, no factor: not
    // configured.
    let rows = db
        .client
        .query(
            "SELECT to_char(month AT TIME ZONE 'Europe/Paris', 'YYYY-MM'), cost_avoided_eur, unpriced_t, cost_status,
                    co2e_avoided_t, unfactored_t, co2e_status, priced_reference_t, factored_reference_t
             FROM savings_monthly WHERE company_id = 'metallerie-lievin' ORDER BY month",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<Month> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7), r.get(8)))
        .collect();
    let june = (
        "2026-06".to_string(),
        Some(309.0),
        0.0,
        "configured".to_string(),
        Some(1.273),
        0.0,
        "configured".to_string(),
        1.0,
        1.0,
    );
    let later_month = db
        .client
        .query_one(
            "SELECT to_char(to_timestamp($1::float8 / 1000) AT TIME ZONE 'Europe/Paris', 'YYYY-MM')",
            &[&(later as f64)],
        )
        .await
        .unwrap()
        .get::<_, String>(0);
    let later =
        (later_month, None, 1.0, "not configured".to_string(), None, 1.0, "not configured".to_string(), 0.0, 0.0);
    assert_eq!(got.len(), 2, "{got:?}");
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    };
    for (g, w) in got.iter().zip([june, later]) {
        assert!(
            g.0 == w.0
                && close(g.1, w.1)
                && g.2 == w.2
                && g.3 == w.3
                && close(g.4, w.4)
                && g.5 == w.5
                && g.6 == w.6
                && g.7 == w.7
                && g.8 == w.8,
            "got {g:?}, want {w:?}"
        );
    }
    db.close().await;
}
