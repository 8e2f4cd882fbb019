//! Storage suite: one set of figures. Every dashboard panel that shows a waste tonnage or a rate
//! (deploy/grafana/dashboards, run with Grafana's macros expanded as `storage_dashboards` does)
//! and `wasteflow report` give the same numbers for the same company and period, because they
//! read the same rows (the reported ESRS E5-5 figures, `kpi_esrs_e5_5_resolved`). The zone's
//! panels agree with the zone's rows of the same view. Filled by the simulator, with a storage
//! yard that declares no final operation, so that the figures hold declared and assumed
//! estimates.

mod common;
use common::grafana::{panels, substitute};
use common::storage::{fill_simulated, StorageTarget};
use std::collections::HashMap;
use tokio_postgres::Client;
use wasteflow::report::company_year::{self, CompanyYear};
use wasteflow::store::prepare;

/// Logistique A21 also sends mixed waste to a storage yard that declares nothing.
const EXTRA: &str = r#"
[[operators]]
id = "stockage-nord"
name = "Stockage Nord (storage, no declaration)"

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
id = "gw-la-03"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mixed-store" }]
"#;

/// The local year 2027 as Grafana sends it (the dashboards' time zone is the zone's).
const FROM: &str = "2027-01-01T00:00:00+01:00";
const TO: &str = "2028-01-01T00:00:00+01:00";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// A dashboard's panel queries by panel id, for a range and a company.
fn dashboard(name: &str, from: &str, to: &str, company: &str) -> HashMap<i64, String> {
    let path = format!("{}/deploy/grafana/dashboards/{name}", env!("CARGO_MANIFEST_DIR"));
    let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = HashMap::new();
    for p in panels(&dash) {
        if let Some(sql) = p["targets"][0]["rawSql"].as_str() {
            out.insert(p["id"].as_i64().unwrap(), substitute(sql, from, to, company));
        }
    }
    out
}

/// A query's rows, each as its column names and float values (NULL: None; text columns: None).
async fn rows(c: &Client, sql: &str) -> Vec<HashMap<String, Option<f64>>> {
    let wrapped = format!("SELECT to_jsonb(t) FROM ({sql}) t");
    c.query(&wrapped, &[])
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"))
        .iter()
        .map(|r| {
            let v: serde_json::Value = r.get(0);
            v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_f64())).collect()
        })
        .collect()
}

/// A query's rows, one text column `key` with the rest as floats.
async fn keyed(c: &Client, sql: &str, key: &str) -> HashMap<String, HashMap<String, Option<f64>>> {
    let wrapped = format!("SELECT to_jsonb(t) FROM ({sql}) t");
    let mut out = HashMap::new();
    for r in c.query(&wrapped, &[]).await.unwrap_or_else(|e| panic!("{e}\n{sql}")) {
        let v: serde_json::Value = r.get(0);
        let o = v.as_object().unwrap();
        let k = o[key].as_str().map(String::from).unwrap_or_default();
        out.insert(k, o.iter().map(|(k, v)| (k.clone(), v.as_f64())).collect());
    }
    out
}

/// The company's panels against its report for the year.
async fn company_agrees(c: &Client, company: &str, report: &CompanyYear) {
    let detail = dashboard("company-detail.json", FROM, TO, company);
    let overview = dashboard("zone-overview.json", FROM, TO, company);
    let generated = report.categories.iter().find(|k| k.name == "waste-generated").expect("waste-generated").total_t;
    assert!(generated > 0.0, "{company}: the simulator gave it waste");

    // "Waste by ESRS E5-5": every category, hazardous, not, and both, as the report's.
    let esrs = keyed(c, &detail[&6], "category").await;
    assert_eq!(esrs.len(), report.categories.len(), "{company}: one row per category");
    for k in &report.categories {
        let row = &esrs[&k.name];
        for (col, want) in
            [("hazardous_t", k.hazardous_t), ("non_hazardous_t", k.non_hazardous_t), ("total_t", k.total_t)]
        {
            let got = row[col].unwrap_or(0.0);
            assert!(close(got, want), "{company} {} {col}: panel {got}, report {want}", k.name);
        }
    }
    // Its estimates, as the report's.
    let declared = esrs["waste-generated"]["estimated_declared_t"].unwrap_or(0.0);
    let assumed = esrs["waste-generated"]["estimated_assumed_disposal_t"].unwrap_or(0.0);
    assert!(close(declared, report.rates.declared_t) && close(assumed, report.rates.assumed_t), "{company}");

    // "Rates": the report's rates.
    let r = &rows(c, &detail[&7]).await[0];
    let rates = &report.rates;
    for (col, want) in [
        ("non_recycled_share", rates.non_recycled_share),
        ("reuse_recycling_rate", rates.reuse_recycling),
        ("recovery_rate", rates.recovery),
        ("landfill_diversion_rate", rates.landfill_diversion),
        ("coverage", rates.coverage),
    ] {
        assert!(same(r[col], want), "{company} {col}: panel {:?}, report {want:?}", r[col]);
    }
    // "Daily KPIs" and "Waste generated per day by stream": their days add up to the year.
    let daily: f64 = rows(c, &detail[&3]).await.iter().map(|r| r["generated_t"].unwrap_or(0.0)).sum();
    assert!(close(daily, generated), "{company} daily KPIs: {daily}, report {generated}");
    let streams: f64 = rows(c, &detail[&1]).await.iter().map(|r| r["tonnes"].unwrap_or(0.0)).sum();
    assert!(close(streams, generated), "{company} per stream: {streams}, report {generated}");

    // Zone overview, "Companies and the zone": the company's line.
    let table = keyed(c, &overview[&10], "company").await;
    let line = &table[company];
    assert!(close(line["generated_t"].unwrap(), generated), "{company}: {line:?}");
    assert!(same(line["recycling_rate"], rates.reuse_recycling), "{company}: {line:?}");
    assert!(same(line["recovery_rate"], rates.recovery), "{company}: {line:?}");

    // Savings, per company and month (panel 902: every company's, the coordinator's view) summed
    // over the company's months of the year, as the report's.
    let months = rows(c, &format!("SELECT * FROM ({}) p WHERE company = '{company}'", overview[&902])).await;
    assert!(!months.is_empty(), "{company}: savings months");
    let recovered: f64 = months.iter().map(|r| r["recovered_t"].unwrap_or(0.0)).sum();
    assert!(close(recovered, report.savings.recovered_t), "{company} recovered: {recovered}");
    let priced: Vec<f64> = months.iter().filter_map(|r| r["cost_avoided_eur"]).collect();
    assert_eq!(priced.is_empty(), report.savings.cost_avoided_eur.is_none(), "{company}: cost configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_and_the_report_give_the_same_figures() {
    let target = StorageTarget::new().await;
    let zone = common::storage::example_zone_with(EXTRA);
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    fill_simulated(&target, &zone).await;
    let db = target.connect().await;
    let c = &db.client;

    // Companies with interim mass: Logistique A21 (declared at tri-gohelle, assumed at
    // stockage-nord), and the Métallerie (none, hazardous oil).
    for company in ["logistique-a21", "metallerie-lievin", "beton-artois"] {
        let report = company_year::read(c, company, 2027).await.expect("report");
        company_agrees(c, company, &report).await;
        if company == "logistique-a21" {
            assert!(report.rates.declared_t > 0.0 && report.rates.assumed_t > 0.0, "{:?}", report.rates);
        }
    }

    // The zone's panels against the zone's reported rows for the year.
    let overview = dashboard("zone-overview.json", FROM, TO, "metallerie-lievin");
    let year = keyed(
        c,
        "SELECT category, tonnes FROM kpi_esrs_e5_5_resolved WHERE company_id IS NULL AND hazardous IS NULL
         AND period = 'year' AND period_start = '2027-01-01T00:00:00+01:00'",
        "category",
    )
    .await;
    let t = |k: &str| year[k]["tonnes"].unwrap();
    let hazardous: f64 = c
        .query_one(
            "SELECT tonnes FROM kpi_esrs_e5_5_resolved WHERE company_id IS NULL AND hazardous AND period = 'year'
             AND period_start = '2027-01-01T00:00:00+01:00' AND category = 'waste-generated'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let generated = t("waste-generated");
    assert!(close(generated, t("diverted-from-disposal") + t("directed-to-disposal")), "(a) = (b) + (c)");
    let stat = |id: i64| {
        let sql = overview[&id].clone();
        async move { rows(c, &sql).await[0].values().next().copied().flatten().unwrap() }
    };
    assert!(close(stat(1).await, generated), "waste generated");
    let reuse_recycling = (t("preparation-for-re-use") + t("recycling")) / generated;
    assert!(close(stat(2).await, reuse_recycling), "recycling rate");
    assert!(close(stat(3).await, t("diverted-from-disposal") / generated), "recovery rate");
    assert!(close(stat(4).await, 1.0 - t("landfill") / generated), "landfill diversion");
    assert!(close(stat(5).await, t("symbiosis") / generated), "symbiosis share");
    assert!(close(stat(6).await, hazardous / generated), "hazardous share");
    // "Estimated share": the zone's waste generated whose final operation is an estimate
    // (declared, or assumed disposal), over the waste generated, as the reported rates say.
    let estimated: f64 = c
        .query_one(
            "SELECT resolved_t + assumed_t FROM kpi_esrs_e5_5_rates_resolved WHERE company_id IS NULL
             AND period = 'year' AND period_start = '2027-01-01T00:00:00+01:00'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(estimated > 0.0, "the simulated year has estimates (Logistique A21's interim mass)");
    assert!(close(stat(12).await, estimated / generated), "estimated share");
    // "Waste per day by ESRS E5-5 category": its days add up to the year's categories.
    let days = rows(c, &overview[&7]).await;
    let sum = |col: &str| days.iter().map(|r| r[col].unwrap_or(0.0)).sum::<f64>();
    assert!(close(sum("preparation for re-use"), t("preparation-for-re-use")));
    assert!(close(sum("recycling"), t("recycling")));
    assert!(close(sum("energy recovery"), t("energy-recovery")));
    assert!(close(sum("energy recovery") + sum("other recovery"), t("other-recovery")));
    assert!(close(sum("directed to disposal"), t("directed-to-disposal")));
    // "Companies and the zone": the zone's line.
    let table = keyed(c, &overview[&10], "company").await;
    let line = &table["zone (all companies)"];
    assert!(close(line["generated_t"].unwrap(), generated) && close(line["recycling_rate"].unwrap(), reuse_recycling));
    assert!(close(line["estimated_share"].unwrap(), estimated / generated));
    // A company's line: its estimated tonnes as its report discloses them.
    let a21 = company_year::read(c, "logistique-a21", 2027).await.expect("report");
    let a21_line = &table["logistique-a21"];
    let a21_estimated = (a21.rates.declared_t + a21.rates.assumed_t) / a21_line["generated_t"].unwrap();
    assert!(close(a21_line["estimated_share"].unwrap(), a21_estimated), "{a21_line:?} against {:?}", a21.rates);
    // "Recycling rate per day": each line is the day's reported rate of its company or the zone.
    let per_day = rows(c, &overview[&11]).await;
    assert!(!per_day.is_empty());
    let reported: f64 = c
        .query_one(
            "SELECT count(*)::float8 FROM kpi_esrs_e5_5_rates_resolved WHERE period = 'day'
             AND period_start BETWEEN $1::text::timestamptz AND $2::text::timestamptz",
            &[&FROM, &TO],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(per_day.len() as f64, reported, "a line per company and day, and the zone's");

    // "Monthly rates": January, the month of the simulated data, is in a range that starts
    // after its first day (Grafana's last 30 days, say), as it is in the year; and its rate is the
    // month's reported one.
    let jan: Option<f64> = c
        .query_one(
            "SELECT reuse_recycling_rate FROM kpi_esrs_e5_5_rates_resolved WHERE company_id IS NULL AND period = 'month'
             AND period_start = '2027-01-01T00:00:00+01:00'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    for (from, to) in [(FROM, TO), ("2027-01-20T00:00:00+01:00", "2027-02-19T00:00:00+01:00")] {
        let months = rows(c, &dashboard("zone-overview.json", from, to, "x")[&8]).await;
        assert_eq!(months.len(), 1, "{from}..{to}: January");
        assert!(same(months[0]["recycling_rate"], jan), "{from}: {:?}, reported {jan:?}", months[0]);
    }
    db.close().await;
}
