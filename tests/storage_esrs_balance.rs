//! Storage suite: the ESRS E5-5 figures a company reports (`kpi_esrs_e5_5_resolved`) add up.
//! ESRS E5 §37: (a) waste generated = (b) diverted from disposal + (c) directed to disposal, for
//! every company, the zone, every period and hazardous flag, with the pending mass either split
//! by a declaration or, where nobody declared a final operation, directed to disposal (EFRAG
//! ESRS Q&A ID 400, 31 October 2024: total waste = recycled + re-used + other recovery +
//! disposed). And §37(d) non-recycled waste as Regulation (EU) 2022/1288 defines it (annex I,
//! PAI 13): waste not recycled within Directive 2008/98/EC art. 3(17), so preparation for
//! re-use (art. 3(16)) and pending mass are in it. Every expected number is worked out below.

mod common;
use common::storage::{batch_of, weighing, StorageTarget};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_postgres::Client;
use wasteflow::store::prepare;
use wasteflow::wire::ValidReading;

/// The example zone plus a transfer station that declares its final operations (60 % R3
/// recycling, 40 % D10), a storage yard that declares nothing, filters cleaned for re-use (R7,
/// mode re-use: preparation for re-use) and used oil re-refined with the mode re-use (R9:
/// recycling whatever the mode).
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
id = "filter-cartridges"
ewc = "15 02 03"
description = "filter cartridges, cleaned and put back in service"

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
id = "ml-filters-reuse"
company = "metallerie-lievin"
site = "ml-lievin"
type = "cage"
volume_m3 = 2.0
max_load_kg = 1000.0
stream = "filter-cartridges"
treatment = "R7"
treatment_mode = "re-use"
destination = "regen-solvants-nord"

[[containers]]
id = "ml-oil-rerefine"
company = "metallerie-lievin"
site = "ml-lievin"
type = "tank"
volume_m3 = 1.0
max_load_kg = 1000.0
stream = "waste-oil"
treatment = "R9"
treatment_mode = "re-use"
destination = "huiles-hdf"

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

[[gateways]]
id = "gw-ml-03"
company = "metallerie-lievin"
site = "ml-lievin"
sensors = [
  { number = 1, container = "ml-scrap-transit" },
  { number = 2, container = "ml-filters-reuse" },
  { number = 3, container = "ml-oil-rerefine" },
]

[[gateways]]
id = "gw-la-03"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mixed-store" }]
"#;

/// 2027-06-15T10:00:00Z: noon in Paris (UTC+2).
const NOON: u64 = 1_813_053_600_000;
/// Local midnight of 15 June 2027: 14 June 22:00 UTC.
const DAY: u64 = NOON - 12 * 3_600_000;
/// Noon on 15 July 2027, another day, month and (for the zone) the same year.
const JULY: u64 = NOON + 30 * 24 * 3_600_000;

fn fixture(zone: &wasteflow::zone::Zone) -> Vec<ValidReading> {
    let (ml, la, ba, ms) = ("metallerie-lievin", "logistique-a21", "beton-artois", "menuiserie-souchez");
    vec![
        weighing(zone, ml, "gw-ml-03", 1, 1_000.0, NOON), // scrap, R13 to transit-artois: pending, declared
        weighing(zone, ml, "gw-ml-03", 2, 200.0, NOON),   // filters, R7 re-use: preparation for re-use
        weighing(zone, ml, "gw-ml-03", 3, 500.0, NOON),   // used oil, R9 re-use: recycling, hazardous
        weighing(zone, ml, "gw-ml-01", 1, 2_000.0, NOON), // scrap, R4: recycling
        weighing(zone, la, "gw-la-03", 1, 500.0, NOON),   // mixed, R13 to stockage-nord: pending, undeclared
        weighing(zone, ba, "gw-ba-01", 2, 2_000.0, NOON), // mixed, D1: landfill
        weighing(zone, ms, "gw-ms-01", 2, 500.0, NOON),   // offcuts, R0: not waste
        weighing(zone, ml, "gw-ml-03", 1, 1_000.0, JULY), // July: scrap to transit-artois again
        weighing(zone, la, "gw-la-03", 1, 300.0, JULY),   // July: mixed to stockage-nord again
    ]
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A row of a view per company (None: the zone), period, period start and hazardous flag: its
/// tonnes by category.
type Key = (Option<String>, String, SystemTime, Option<bool>);

async fn by_key(c: &Client, view: &str) -> std::collections::BTreeMap<String, std::collections::HashMap<String, f64>> {
    let mut out = std::collections::BTreeMap::<String, std::collections::HashMap<String, f64>>::new();
    for r in c
        .query(&format!("SELECT company_id, period, period_start, hazardous, category, tonnes FROM {view}"), &[])
        .await
        .unwrap()
    {
        let key: Key = (r.get(0), r.get(1), r.get(2), r.get(3));
        out.entry(format!("{key:?}")).or_default().insert(r.get(4), r.get(5));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_is_diverted_plus_disposal_and_non_recycled_follows_pai_13() {
    let target = StorageTarget::new().await;
    let zone = common::storage::example_zone_with(EXTRA);
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut writer = target.writer();
    writer.write(&batch_of(fixture(&zone))).await.expect("write fixture");
    writer.close().await;
    let db = target.connect().await;
    let c = &db.client;

    // (a) = (b) + (c), (b) = (i) + (ii) + (iii), (c) = (i) + (ii) + (iii) and (d) = (a) -
    // recycling, in every row of the reported figures: 6 companies with flows (the Métallerie,
    // Logistique A21, Béton d'Artois, the Menuiserie's R0 only) and the zone, per day, month and
    // year, hazardous, not and both.
    let rows = by_key(c, "kpi_esrs_e5_5_resolved").await;
    assert!(rows.len() >= 3 * 3 * 5, "{} rows: every company and period", rows.len());
    for (key, t) in &rows {
        let g = |c: &str| t[c];
        let what = format!("{key}: {t:?}");
        assert!(close(g("waste-generated"), g("diverted-from-disposal") + g("directed-to-disposal")), "(a) {what}");
        assert!(
            close(g("diverted-from-disposal"), g("preparation-for-re-use") + g("recycling") + g("other-recovery")),
            "(b) {what}"
        );
        assert!(
            close(g("directed-to-disposal"), g("incineration") + g("landfill") + g("other-disposal")),
            "(c) {what}"
        );
        assert!(close(g("non-recycled"), g("waste-generated") - g("recycling")), "(d) {what}");
        assert!(close(g("pending"), 0.0), "nothing pending in the reported figures: {what}");
    }
    // As weighed, the pending mass is the rest: (a) = (b) + (c) + pending.
    for (key, t) in &by_key(c, "kpi_esrs_e5_5").await {
        let g = |c: &str| t[c];
        assert!(
            close(g("waste-generated"), g("diverted-from-disposal") + g("directed-to-disposal") + g("pending")),
            "{key}: {t:?}"
        );
    }

    // The zone on 15 June, worked out. Waste: scrap to transit-artois 1 (declared: 0.6 R3
    // recycling, 0.4 D10 incineration), filters cleaned for re-use 0.2, used oil re-refined 0.5
    // (hazardous; R9 is recycling although the line says re-use), scrap 2 recycled, mixed to
    // stockage-nord 0.5 (nobody declared its fate: other disposal, assumed), mixed landfilled 2.
    // The Menuiserie's 0.5 t of R0 is not waste.
    //   (a) generated         1 + 0.2 + 0.5 + 2 + 0.5 + 2           = 6.2
    //   (b)(i) re-use         0.2
    //   (b)(ii) recycling     0.6 + 0.5 + 2                         = 3.1
    //   (b) diverted          0.2 + 3.1                             = 3.3
    //   (c)(i) incineration   0.4; (c)(ii) landfill 2; (c)(iii) other disposal 0.5
    //   (c) disposal          0.4 + 2 + 0.5                         = 2.9;  3.3 + 2.9 = 6.2
    //   (d) non-recycled      6.2 - 3.1 = 3.1 = 0.2 re-use + 0.4 + 2 + 0.5; share 3.1 / 6.2 = 0.5
    //   estimates             1 t through a declaration (resolved_t), 0.5 t assumed (assumed_t)
    let day =
        |company: Option<&str>| format!("{:?}", (company.map(String::from), "day".to_string(), at(DAY), None::<bool>));
    let zone_day = &rows[&day(None)];
    for (category, want) in [
        ("waste-generated", 6.2),
        ("preparation-for-re-use", 0.2),
        ("recycling", 3.1),
        ("diverted-from-disposal", 3.3),
        ("incineration", 0.4),
        ("landfill", 2.0),
        ("other-disposal", 0.5),
        ("directed-to-disposal", 2.9),
        ("non-recycled", 3.1),
        ("re-use-not-waste", 0.5),
    ] {
        assert!(close(zone_day[category], want), "zone {category}: {}, want {want}", zone_day[category]);
    }
    let r = c
        .query_one(
            "SELECT generated_t, pending_t, non_recycled_t, non_recycled_share, coverage, resolved_t, assumed_t
             FROM kpi_esrs_e5_5_rates_resolved WHERE company_id IS NULL AND period = 'day' AND period_start = $1",
            &[&at(DAY)],
        )
        .await
        .unwrap();
    let got: Vec<f64> = (0..7).map(|i| r.get(i)).collect();
    let want = [6.2, 0.0, 3.1, 3.1 / 6.2, 1.0, 1.0, 0.5];
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "zone rates {got:?}, want {want:?}");

    // The Métallerie that day: generated 1 + 0.2 + 0.5 + 2 = 3.7; recycling 0.6 + 0.5 + 2 = 3.1;
    // re-use 0.2; incineration 0.4; 0.2 + 3.1 + 0.4 = 3.7. Non-recycled 3.7 - 3.1 = 0.6 (the
    // 0.2 re-used and the 0.4 incinerated), share 0.6 / 3.7. Hazardous: the oil, 0.5, recycled.
    let ml = &rows[&day(Some("metallerie-lievin"))];
    for (category, want) in [("waste-generated", 3.7), ("recycling", 3.1), ("non-recycled", 0.6)] {
        assert!(close(ml[category], want), "métallerie {category}: {}, want {want}", ml[category]);
    }
    let ml_haz =
        &rows[&format!("{:?}", (Some("metallerie-lievin".to_string()), "day".to_string(), at(DAY), Some(true)))];
    assert!(close(ml_haz["recycling"], 0.5) && close(ml_haz["non-recycled"], 0.0), "{ml_haz:?}");

    // As weighed (unresolved) the same day: pending 1 + 0.5 = 1.5, recycling 0.5 + 2 = 2.5;
    // non-recycled 6.2 - 2.5 = 3.7 = 0.2 re-use + 1.5 pending + 2 landfill, share 3.7 / 6.2: the
    // pending mass is in both the numerator and the denominator.
    let r = c
        .query_one(
            "SELECT pending_t, non_recycled_t, non_recycled_share FROM kpi_esrs_e5_5_rates
             WHERE company_id IS NULL AND period = 'day' AND period_start = $1",
            &[&at(DAY)],
        )
        .await
        .unwrap();
    let got: Vec<f64> = (0..3).map(|i| r.get(i)).collect();
    let want = [1.5, 3.7, 3.7 / 6.2];
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "unresolved zone {got:?}, want {want:?}");

    // The year 2027 for the zone: June's 6.2 + July's 1 + 0.3 = 7.5 generated; July's 1 t is
    // 0.6 recycling and 0.4 incineration, its 0.3 t other disposal (assumed). Recycling 3.1 +
    // 0.6 = 3.7; disposal 2.9 + 0.4 + 0.3 = 3.6; re-use 0.2; 0.2 + 3.7 + 3.6 = 7.5.
    let r = c
        .query_one(
            "SELECT generated_t, non_recycled_t, resolved_t, assumed_t FROM kpi_esrs_e5_5_rates_resolved
             WHERE company_id IS NULL AND period = 'year'",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<f64> = (0..4).map(|i| r.get(i)).collect();
    let want = [7.5, 7.5 - 3.7, 2.0, 0.8];
    assert!(got.iter().zip(&want).all(|(g, w)| close(*g, *w)), "zone year {got:?}, want {want:?}");
    db.close().await;
}
