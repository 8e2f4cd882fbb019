//! Storage suite: the resolved ESRS E5-5 views (`kpi_esrs_e5_5_resolved`,
//! `kpi_esrs_e5_5_rates_resolved`) on a hand-computed fixture. Pending mass sent to a
//! destination that declares its final operations is split across them by share; pending mass
//! to a destination without a declaration is directed to disposal (other disposal), an assumption
//! counted in `assumed_t`, so that generated = diverted + disposal; the unresolved views do not
//! change.
//! Every expected number is worked out by hand below (docs/kpis.md, "Resolved figures").

mod common;
use common::storage::{batch_of, weighing, StorageTarget};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_postgres::Client;
use wasteflow::store::prepare;
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// The example zone plus two storage operators: `transit-artois` declares that it sends 60 % of
/// what it receives to R3 recycling and 40 % to D10 incineration; `stockage-nord` declares
/// nothing. The Métallerie sends scrap to the first (R13), Logistique A21 mixed waste to the
/// second (R13), and a cardboard bale by-product to the first (R13: not waste, never resolved).
const EXTRA: &str = r#"
[[operators]]
id = "transit-artois"
name = "Transit Artois (transfer station)"
final_operations = [
  { code = "R3", mode = "recycling", share = 0.6 },
  { code = "D10", share = 0.4 },
]

[[operators]]
id = "stockage-nord"
name = "Stockage Nord (storage, no declaration)"

[[streams]]
id = "cardboard-bales"
ewc = "15 01 01"
description = "baled cardboard sold as a by-product"
status = "by-product"

[[containers]]
id = "ml-scrap-transit"
company = "metallerie-lievin"
site = "ml-lievin"
type = "skip"
volume_m3 = 8.0
max_load_kg = 12000.0
stream = "steel-scrap"
treatment = "R13"
destination = "transit-artois"

[[containers]]
id = "la-mixed-store"
company = "logistique-a21"
site = "la-lievin"
type = "skip"
volume_m3 = 8.0
max_load_kg = 6000.0
stream = "mixed"
treatment = "R13"
destination = "stockage-nord"

[[containers]]
id = "la-bales-transit"
company = "logistique-a21"
site = "la-lievin"
type = "bale-store"
volume_m3 = 8.0
max_load_kg = 6000.0
stream = "cardboard-bales"
treatment = "R13"
destination = "transit-artois"

[[gateways]]
id = "gw-ml-03"
company = "metallerie-lievin"
site = "ml-lievin"
sensors = [{ number = 1, container = "ml-scrap-transit" }]

[[gateways]]
id = "gw-la-03"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mixed-store" }, { number = 2, container = "la-bales-transit" }]
"#;

/// 2027-06-15T10:00:00Z: noon in Paris (UTC+2).
const NOON: u64 = 1_813_053_600_000;
/// Local midnight of 15 June 2027: 14 June 22:00 UTC.
const DAY: u64 = NOON - 12 * 3_600_000;

fn zone_with(extra: &str) -> Zone {
    common::storage::example_zone_with(extra)
}

fn fixture(zone: &Zone) -> Vec<ValidReading> {
    let (ml, la) = ("metallerie-lievin", "logistique-a21");
    vec![
        weighing(zone, ml, "gw-ml-03", 1, 1_000.0, NOON), // scrap, R13 to transit-artois: pending, declared
        weighing(zone, ml, "gw-ml-01", 1, 2_000.0, NOON), // scrap, R4 to ferrailles-lens: recycling
        weighing(zone, la, "gw-la-03", 1, 500.0, NOON),   // mixed, R13 to stockage-nord: pending, undeclared
        weighing(zone, la, "gw-la-03", 2, 300.0, NOON),   // cardboard bales, by-product, R13 to transit-artois
    ]
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// (category, tonnes, resolved tonnes) of a view, hazardous and not together, for a company (or
/// the zone: None) on the local day.
async fn categories(c: &Client, view: &str, company: Option<&str>) -> Vec<(String, f64, f64)> {
    let resolved = if view.ends_with("_resolved") { "resolved_t" } else { "0::float8" };
    c.query(
        &format!(
            "SELECT category, tonnes, {resolved} FROM {view}
             WHERE company_id IS NOT DISTINCT FROM $1 AND period = 'day' AND period_start = $2 AND hazardous IS NULL
             ORDER BY ordinal"
        ),
        &[&company, &at(DAY)],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

fn expect(rows: &[(String, f64, f64)], want: &[(&str, f64, f64)], what: &str) {
    assert_eq!(rows.len(), 16, "{what}: every category");
    for (category, tonnes, resolved) in want {
        let (_, t, r) = rows.iter().find(|r| r.0 == *category).unwrap_or_else(|| panic!("{what}: {category}"));
        assert!(
            close(*t, *tonnes) && close(*r, *resolved),
            "{what} {category}: {t} ({r} resolved), want {tonnes} ({resolved})"
        );
    }
}

/// generated, pending, non-recycled, non-recycled share, re-use and recycling rate, recovery
/// rate, landfill diversion rate, coverage (and resolved_t for the resolved view).
async fn rates(c: &Client, view: &str, company: Option<&str>) -> Vec<f64> {
    let resolved = if view.ends_with("_resolved") { "resolved_t" } else { "0::float8" };
    let r = c
        .query_one(
            &format!(
                "SELECT generated_t, pending_t, non_recycled_t, non_recycled_share, reuse_recycling_rate, recovery_rate,
                        landfill_diversion_rate, coverage, {resolved}
                 FROM {view} WHERE company_id IS NOT DISTINCT FROM $1 AND period = 'day' AND period_start = $2"
            ),
            &[&company, &at(DAY)],
        )
        .await
        .unwrap();
    (0..9).map(|i| r.get::<_, f64>(i)).collect()
}

fn expect_rates(got: &[f64], want: &[f64], what: &str) {
    assert!(
        got.len() == want.len() && got.iter().zip(want).all(|(g, w)| close(*g, *w)),
        "{what}: {got:?}, want {want:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_mass_is_resolved_through_declared_final_operations() {
    let target = StorageTarget::new().await;
    let zone = zone_with(EXTRA);
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut writer = target.writer();
    writer.write(&batch_of(fixture(&zone))).await.expect("write fixture");
    writer.close().await;
    let db = target.connect().await;
    let c = &db.client;

    // The declaration as synced: shares per destination, modes resolved (D10: disposal).
    let declared: Vec<(String, String, String, f64)> = c
        .query(
            "SELECT destination_id, treatment, treatment_mode, share::float8 FROM final_operations
             WHERE destination_id = 'transit-artois' ORDER BY treatment",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let t = |a: &str, b: &str, m: &str, s: f64| (a.to_string(), b.to_string(), m.to_string(), s);
    assert_eq!(
        declared,
        vec![t("transit-artois", "D10", "disposal", 0.4), t("transit-artois", "R3", "recycling", 0.6)]
    );

    // Unresolved, as weighed. The Métallerie: 1 t pending (R13) + 2 t recycled (R4) = 3 t
    // generated, known 2, coverage 2 / 3, non-recycled (PAI 13: not recycled, pending included)
    // 3 - 2 = 1, share 1 / 3. Logistique A21: 0.5 t pending, 0.3 t by-product (not waste). The
    // zone: generated 3 + 0.5 = 3.5, pending 1 + 0.5 = 1.5, known 2, all recycled;
    // non-recycled 3.5 - 2 = 1.5, share 1.5 / 3.5.
    let ml = Some("metallerie-lievin");
    let la = Some("logistique-a21");
    expect(
        &categories(c, "kpi_esrs_e5_5", ml).await,
        &[("waste-generated", 3.0, 0.0), ("recycling", 2.0, 0.0), ("pending", 1.0, 0.0), ("incineration", 0.0, 0.0)],
        "unresolved métallerie",
    );
    expect(
        &categories(c, "kpi_esrs_e5_5", None).await,
        &[
            ("waste-generated", 3.5, 0.0),
            ("diverted-from-disposal", 2.0, 0.0),
            ("recycling", 2.0, 0.0),
            ("directed-to-disposal", 0.0, 0.0),
            ("pending", 1.5, 0.0),
            ("non-recycled", 1.5, 0.0),
            ("by-product", 0.3, 0.0),
        ],
        "unresolved zone",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates", ml).await,
        &[3.0, 1.0, 1.0, 1.0 / 3.0, 2.0 / 2.0, 2.0 / 2.0, 1.0, 2.0 / 3.0, 0.0],
        "unresolved métallerie rates",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates", None).await,
        &[3.5, 1.5, 1.5, 1.5 / 3.5, 1.0, 1.0, 1.0, 2.0 / 3.5, 0.0],
        "unresolved zone rates",
    );

    // Resolved. The Métallerie's 1 t to transit-artois: 0.6 x 1 = 0.6 t R3 recycling and
    // 0.4 x 1 = 0.4 t D10 incineration, all 1 t resolved. So recycling 2 + 0.6 = 2.6 (0.6
    // resolved), diverted 2.6 (0.6), incineration = directed to disposal = non-recycled 0.4
    // (0.4), pending 0, generated 3 (1 resolved). Rates over known 3: re-use and recycling 2.6 /
    // 3, recovery 2.6 / 3, non-recycled 0.4 / 3, no landfill, coverage 3 / 3 = 100 %.
    expect(
        &categories(c, "kpi_esrs_e5_5_resolved", ml).await,
        &[
            ("waste-generated", 3.0, 1.0),
            ("diverted-from-disposal", 2.6, 0.6),
            ("recycling", 2.6, 0.6),
            ("directed-to-disposal", 0.4, 0.4),
            ("incineration", 0.4, 0.4),
            ("landfill", 0.0, 0.0),
            ("pending", 0.0, 0.0),
            ("non-recycled", 0.4, 0.4),
        ],
        "resolved métallerie",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates_resolved", ml).await,
        &[3.0, 0.0, 0.4, 0.4 / 3.0, 2.6 / 3.0, 2.6 / 3.0, 1.0, 1.0, 1.0],
        "resolved métallerie rates",
    );
    // Logistique A21's 0.5 t to stockage-nord (no declaration) is directed to disposal, other
    // disposal, by assumption (assumed_t 0.5, resolved_t 0); its 0.3 t of by-product to
    // transit-artois is not waste, so not resolved. Nothing is pending.
    expect(
        &categories(c, "kpi_esrs_e5_5_resolved", la).await,
        &[
            ("waste-generated", 0.5, 0.0),
            ("pending", 0.0, 0.0),
            ("directed-to-disposal", 0.5, 0.0),
            ("other-disposal", 0.5, 0.0),
            ("non-recycled", 0.5, 0.0),
            ("recycling", 0.0, 0.0),
            ("by-product", 0.3, 0.0),
        ],
        "resolved logistique",
    );
    let assumed: Vec<(String, f64)> = c
        .query(
            "SELECT category, assumed_t FROM kpi_esrs_e5_5_resolved WHERE company_id IS NULL AND period = 'day'
             AND period_start = $1 AND hazardous IS NULL AND assumed_t <> 0 ORDER BY ordinal",
            &[&at(DAY)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let a = |c: &str| (c.to_string(), 0.5);
    assert_eq!(
        assumed,
        vec![a("waste-generated"), a("directed-to-disposal"), a("other-disposal"), a("non-recycled")],
        "the assumed 0.5 t, where it is counted"
    );
    // The zone: generated 3.5 (1 resolved, 0.5 assumed), pending 0; recycling 2.6, incineration
    // 0.4, other disposal 0.5, so directed to disposal 0.9 and 2.6 + 0.9 = 3.5; non-recycled
    // 3.5 - 2.6 = 0.9 (0.4 resolved); rates over 3.5, coverage 3.5 / 3.5.
    expect(
        &categories(c, "kpi_esrs_e5_5_resolved", None).await,
        &[
            ("waste-generated", 3.5, 1.0),
            ("recycling", 2.6, 0.6),
            ("incineration", 0.4, 0.4),
            ("other-disposal", 0.5, 0.0),
            ("directed-to-disposal", 0.9, 0.4),
            ("pending", 0.0, 0.0),
            ("non-recycled", 0.9, 0.4),
            ("by-product", 0.3, 0.0),
        ],
        "resolved zone",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates_resolved", None).await,
        &[3.5, 0.0, 0.9, 0.9 / 3.5, 2.6 / 3.5, 2.6 / 3.5, 1.0, 3.5 / 3.5, 1.0],
        "resolved zone rates",
    );
    // The split is in whole grams that add up exactly: 600,000 + 400,000 g, nothing lost.
    let r = c
        .query_one(
            "SELECT (SELECT sum(mass_g) FROM flows_by_period)::int8, (SELECT sum(mass_g) FROM flows_by_period_resolved)::int8,
                    (SELECT count(*) FROM flows_by_period_resolved WHERE resolved AND period = 'day')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2)), (3 * 3_800_000, 3 * 3_800_000, 2));
    // Hazardous split: the scrap is non-hazardous; the resolved rows say so.
    let r = c
        .query_one(
            "SELECT tonnes, resolved_t FROM kpi_esrs_e5_5_resolved WHERE company_id = 'metallerie-lievin'
             AND period = 'day' AND period_start = $1 AND category = 'incineration' AND hazardous = false",
            &[&at(DAY)],
        )
        .await
        .unwrap();
    assert!(close(r.get(0), 0.4) && close(r.get(1), 0.4));
    // The month and the year carry the same resolution.
    let r = c
        .query_one(
            "SELECT tonnes, resolved_t FROM kpi_esrs_e5_5_resolved WHERE company_id IS NULL AND period = 'year'
             AND category = 'recycling' AND hazardous IS NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(close(r.get(0), 2.6) && close(r.get(1), 0.6));
    db.close().await;

    // A new declaration replaces the old one at the next sync, and the resolved figures follow
    // it (registry data, like names): transit-artois now landfills everything (D1). The 1 t
    // becomes 1 t landfill; recycling is the 2 t of R4 again. The unresolved views do not move.
    let declared_now = EXTRA.replace(
        r#"  { code = "R3", mode = "recycling", share = 0.6 },
  { code = "D10", share = 0.4 },"#,
        r#"  { code = "D1", share = 1.0 },"#,
    );
    assert_ne!(declared_now, EXTRA);
    prepare(&target.settings, &zone_with(&declared_now), true).await.expect("prepare again");
    let db = target.connect().await;
    let c = &db.client;
    let n: i64 = c
        .query_one("SELECT count(*) FROM final_operations WHERE destination_id = 'transit-artois'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    expect(
        &categories(c, "kpi_esrs_e5_5_resolved", ml).await,
        &[
            ("waste-generated", 3.0, 1.0),
            ("recycling", 2.0, 0.0),
            ("incineration", 0.0, 0.0),
            ("landfill", 1.0, 1.0),
            ("pending", 0.0, 0.0),
        ],
        "resolved métallerie after the new declaration",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates_resolved", ml).await,
        &[3.0, 0.0, 1.0, 1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 1.0 - 1.0 / 3.0, 1.0, 1.0],
        "resolved métallerie rates after the new declaration",
    );
    expect_rates(
        &rates(c, "kpi_esrs_e5_5_rates", ml).await,
        &[3.0, 1.0, 1.0, 1.0 / 3.0, 1.0, 1.0, 1.0, 2.0 / 3.0, 0.0],
        "unresolved métallerie rates after the new declaration",
    );
    // Grafana's read-only role reads both resolved views (not the table behind them).
    c.batch_execute("SET ROLE wasteflow_grafana").await.expect("the read-only role exists");
    for view in ["kpi_esrs_e5_5_resolved", "kpi_esrs_e5_5_rates_resolved"] {
        let n: i64 = c.query_one(&format!("SELECT count(*) FROM {view}"), &[]).await.unwrap().get(0);
        assert!(n > 0, "{view}");
    }
    assert!(c.query("SELECT * FROM final_operations", &[]).await.is_err(), "the table is not Grafana's");
    c.batch_execute("RESET ROLE").await.unwrap();
    db.close().await;
}
