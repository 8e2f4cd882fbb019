//! Storage suite: the earlier KPI views (`kpi_company_*`, `kpi_zone_*`), now read from the
//! reported ESRS rows, on a hand-computed fixture. Every expected number below is worked out by
//! hand from the fixture, with the formulas of docs/kpis.md.

mod common;
use common::storage::{weighing, StorageTarget};
use std::time::Duration;
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// 2027-03-01T00:00:00Z.
const DAY1: u64 = 1_803_859_200_000;
const DAY_MS: u64 = 86_400_000;

fn fixture(zone: &Zone) -> Vec<ValidReading> {
    let t = DAY1 + 10 * 3_600_000;
    vec![
        // Béton d'Artois: its own concrete crushed on site (R5, to itself: not symbiosis), mixed waste to landfill (D1).
        weighing(zone, "beton-artois", "gw-ba-01", 1, 10_000.0, t),
        weighing(zone, "beton-artois", "gw-ba-01", 2, 2_000.0, t + 1),
        // Métallerie: scrap R4 to an operator, used oil R9 (hazardous), foundry sand R5 to Béton d'Artois (symbiosis).
        weighing(zone, "metallerie-lievin", "gw-ml-01", 1, 3_000.0, t),
        weighing(zone, "metallerie-lievin", "gw-ml-01", 2, 500.0, t),
        weighing(zone, "metallerie-lievin", "gw-ml-01", 3, 4_000.0, t),
        // Logistique A21: cardboard R3 to Cartonnages de Lens (symbiosis), mixed R13 to a transfer station (interim).
        weighing(zone, "logistique-a21", "gw-la-01", 1, 1_500.0, t),
        weighing(zone, "logistique-a21", "gw-la-01", 3, 1_000.0, t),
        // Menuiserie: offcuts R1 to the biomass boiler (symbiosis, energy), pieces R0 re-used in house.
        weighing(zone, "menuiserie-souchez", "gw-ms-01", 1, 2_500.0, t),
        weighing(zone, "menuiserie-souchez", "gw-ms-01", 2, 500.0, t),
        // The next day: Béton d'Artois again, 5 t of its own concrete.
        weighing(zone, "beton-artois", "gw-ba-01", 1, 5_000.0, t + DAY_MS),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpi_views_equal_the_hand_computed_fixture() {
    let target = StorageTarget::new().await;
    let (_, db) = target.with_fixture(Zone::load(&common::zone_file()).unwrap(), fixture).await;
    let cols = "generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t, disposed_t, interim_t, landfilled_t, \
                hazardous_t, symbiosis_t, hazardous_share, recycling_rate, recovery_rate, landfill_diversion_rate, symbiosis_share";
    // Days and months are local (Europe/Paris, UTC+1 in March): 1 March starts at 23:00 UTC
    // on 28 February. The weighings at 10:00 UTC (11:00 local) fall on it.
    let day1 = std::time::UNIX_EPOCH + Duration::from_millis(DAY1 - 3_600_000);
    let row = |sql: String| {
        let c = &db.client;
        async move {
            let r = c.query_one(&sql, &[&day1]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            (0..15).map(|i| r.get::<_, Option<f64>>(i).unwrap_or(f64::NAN)).collect::<Vec<f64>>()
        }
    };
    // generated, reused, recycled, energy, other, disposed, interim, landfilled, hazardous, symbiosis, then the five rates.
    // The views read the reported ESRS rows (kpi_esrs_e5_5_resolved): waste only, so the
    // Menuiserie's 0.5 t of R0 is not generated (2.5, not 3); Logistique A21's 1 t of mixed
    // waste to tri-gohelle (R13) is split by the station's declaration (config/zone.toml):
    // 0.25 R3 + 0.10 R4 recycling, 0.45 R1 energy recovery, 0.20 D1 landfill; nothing stays
    // interim, and every rate is over all waste generated.
    let expected: [(&str, [f64; 15]); 4] = [
        (
            "beton-artois",
            [12.0, 0.0, 10.0, 0.0, 0.0, 2.0, 0.0, 2.0, 0.0, 0.0, 0.0, 10.0 / 12.0, 10.0 / 12.0, 10.0 / 12.0, 0.0],
        ),
        ("metallerie-lievin", [7.5, 0.0, 7.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 4.0, 0.5 / 7.5, 1.0, 1.0, 1.0, 4.0 / 7.5]),
        // Recycled 1.5 + 0.25 + 0.10 = 1.85; recovery (1.85 + 0.45) / 2.5; landfill diversion
        // 1 - 0.2 / 2.5.
        (
            "logistique-a21",
            [2.5, 0.0, 1.85, 0.45, 0.0, 0.2, 0.0, 0.2, 0.0, 1.5, 0.0, 1.85 / 2.5, 2.3 / 2.5, 1.0 - 0.2 / 2.5, 0.6],
        ),
        ("menuiserie-souchez", [2.5, 0.0, 0.0, 2.5, 0.0, 0.0, 0.0, 0.0, 0.0, 2.5, 0.0, 0.0, 1.0, 1.0, 1.0]),
    ];
    for (company, want) in &expected {
        let got =
            row(format!("SELECT {cols} FROM kpi_company_daily WHERE day = $1 AND company_id = '{company}'")).await;
        assert!(got.iter().zip(want).all(|(g, w)| close(*g, *w)), "{company}: got {got:?}, want {want:?}");
    }
    // Zone: generated 12 + 7.5 + 2.5 + 2.5 = 24.5; recycled 10 + 7.5 + 1.85 = 19.35; energy
    // 2.5 + 0.45 = 2.95; disposed = landfilled 2 + 0.2 = 2.2; hazardous 0.5; symbiosis 4 + 1.5 +
    // 2.5 = 8; recovery 19.35 + 2.95 = 22.3.
    let zone_day = [
        24.5,
        0.0,
        19.35,
        2.95,
        0.0,
        2.2,
        0.0,
        2.2,
        0.5,
        8.0,
        0.5 / 24.5,
        19.35 / 24.5,
        22.3 / 24.5,
        1.0 - 2.2 / 24.5,
        8.0 / 24.5,
    ];
    let got = row(format!("SELECT {cols} FROM kpi_zone_daily WHERE day = $1")).await;
    assert!(got.iter().zip(&zone_day).all(|(g, w)| close(*g, *w)), "zone day: got {got:?}, want {zone_day:?}");
    // March 2027: the second day adds 5 t recycled by Béton d'Artois: 29.5 generated, 24.35
    // recycled, recovery 24.35 + 2.95 = 27.3.
    let zone_month = [
        29.5,
        0.0,
        24.35,
        2.95,
        0.0,
        2.2,
        0.0,
        2.2,
        0.5,
        8.0,
        0.5 / 29.5,
        24.35 / 29.5,
        27.3 / 29.5,
        1.0 - 2.2 / 29.5,
        8.0 / 29.5,
    ];
    let got = row(format!("SELECT {cols} FROM kpi_zone_monthly WHERE month = $1")).await;
    assert!(got.iter().zip(&zone_month).all(|(g, w)| close(*g, *w)), "zone month: got {got:?}, want {zone_month:?}");

    let flows = db
        .client
        .query(
            "SELECT source_company, destination_company, treatment, tonnes FROM exchange_flows_daily WHERE day = $1 ORDER BY 1",
            &[&day1],
        )
        .await
        .unwrap();
    let flows: Vec<(String, String, String, f64)> =
        flows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    assert_eq!(
        flows,
        vec![
            ("logistique-a21".into(), "cartonnages-lens".into(), "R3".into(), 1.5),
            ("menuiserie-souchez".into(), "chaufferie-souchez".into(), "R1".into(), 2.5),
            ("metallerie-lievin".into(), "beton-artois".into(), "R5".into(), 4.0),
        ]
    );
    db.close().await;
}
