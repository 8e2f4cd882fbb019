//! Storage suite: every SQL query of every Grafana dashboard in deploy/grafana/dashboards runs
//! against a database filled by the simulator, as the first release's read-only role (a
//! coordinator now: rows, with the columns its panel needs) and as a company's role (the
//! columns; its own line beside the zone's; the zone's figures the coordinator's).

mod common;
use common::grafana::{panels, substitute};
use common::storage::{fill_simulated, StorageTarget};
use serde_json::Value;
use wasteflow::store::prepare;

/// The dashboards a company's Grafana organisation is given (deploy/grafana/company-org.sh).
const COMPANY_DASHBOARDS: [&str; 2] = ["company-detail.json", "zone-overview.json"];

/// Every SQL query of a dashboard: its panel's title, the panel's type and the query for January
/// 2027 and the company, and the panel.
fn queries(path: &std::path::Path, dash: &serde_json::Value, company: &str) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for p in panels(dash) {
        for t in p["targets"].as_array().into_iter().flatten() {
            let Some(raw) = t["rawSql"].as_str() else { continue };
            let title = format!("{}: {}", path.file_name().unwrap().to_string_lossy(), p["title"]);
            // The dashboards' time zone is the zone's (Europe/Paris): Grafana's "January"
            // runs from local midnight to local midnight.
            let (from, to) = ("2027-01-01T00:00:00+01:00", "2027-02-01T00:00:00+01:00");
            let kind = p["type"].as_str().unwrap_or("").to_string();
            out.push((title, kind, substitute(raw, from, to, company), p.clone()));
        }
    }
    out
}

/// The unit the panel gives a column: its own (a `byName` override), else the panel's.
fn unit<'a>(panel: &'a Value, column: &str) -> Option<&'a str> {
    let config = &panel["fieldConfig"];
    let own = config["overrides"].as_array().into_iter().flatten().find(|o| o["matcher"]["options"] == column);
    let own = own.and_then(|o| o["properties"].as_array()?.iter().find(|p| p["id"] == "unit")?["value"].as_str());
    own.or(config["defaults"]["unit"].as_str())
}

/// Runs a panel's query and checks the columns its panel needs (those of the statement: also
/// when it returns no row), and that the panel gives every numeric column a unit (t, %, EUR,
/// tCO2e, ...; `none` for a count).
async fn run(
    client: &tokio_postgres::Client,
    title: &str,
    kind: &str,
    sql: &str,
    panel: &Value,
) -> Vec<tokio_postgres::Row> {
    let statement = client.prepare(sql).await.unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
    let rows = client.query(&statement, &[]).await.unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
    let cols: Vec<(&str, String)> =
        statement.columns().iter().map(|c| (c.name(), c.type_().name().to_string())).collect();
    let numeric = |t: &str| matches!(t, "float8" | "float4" | "numeric" | "int8" | "int4" | "int2");
    match kind {
        "timeseries" => {
            assert_eq!(cols[0], ("time", "timestamptz".into()), "{title}: first column is the time");
            assert!(cols[1..].iter().any(|(_, t)| numeric(t)), "{title}: a numeric series: {cols:?}");
        }
        "stat" => assert!(cols.iter().all(|(_, t)| numeric(t)), "{title}: numeric values: {cols:?}"),
        "bargauge" => {
            assert_eq!(cols.len(), 2, "{title}: a label and its value: {cols:?}");
            assert!(cols[0].1 == "text" && numeric(&cols[1].1), "{title}: a label and its value: {cols:?}");
        }
        "table" => assert!(!cols.is_empty(), "{title}"),
        other => panic!("{title}: panel type {other} has no column check"),
    }
    for (name, t) in cols.iter().filter(|(_, t)| numeric(t)) {
        assert!(unit(panel, name).is_some(), "{title}: column {name} ({t}) has no unit");
    }
    rows
}

/// A query's rows as text, to compare two roles' answers.
async fn values(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    let rows = client.query(&format!("SELECT t::text FROM ({sql}) t"), &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// A query of the zone's aggregates only: every role reads the same figures.
fn zone_only(sql: &str) -> bool {
    (sql.contains("FROM kpi_zone_") && !sql.contains("kpi_company_")) || sql.contains("WHERE company_id IS NULL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_returns_the_columns_its_panel_needs() {
    let target = StorageTarget::new().await;
    // With a synergy opportunity, for its panel to have rows.
    let zone = common::storage::example_zone_with(common::storage::LANDFILLED);
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    fill_simulated(&target, &zone).await;
    let db = target.connect().await;
    // The live state the live stage would fold (collections_due reads it): every container at
    // 60 %, filling 1 point an hour, read now.
    db.client
        .batch_execute(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             SELECT id, company_id, '{}', 60, 1, (overflow_threshold_pct - 60) * 3600, now() FROM containers
             ON CONFLICT (container_id) DO NOTHING",
        )
        .await
        .expect("live state fixture");
    db.client.batch_execute("SET ROLE wasteflow_grafana").await.expect("the read-only role exists");

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    let mut checked = 0;
    let mut coordinator_zone = std::collections::HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (title, kind, sql, panel) in queries(&path, &dash, "metallerie-lievin") {
            let rows = run(&db.client, &title, &kind, &sql, &panel).await;
            assert!(!rows.is_empty(), "{title}: no rows\n{sql}");
            if zone_only(&sql) {
                coordinator_zone.insert(sql.clone(), values(&db.client, &sql).await);
            }
            checked += 1;
        }
    }
    assert!(checked >= 16, "only {checked} SQL queries found");

    // Every dashboard under the company's role: every query runs and has its columns. Those of a
    // company's organisation (deploy/grafana/company-org.sh): its own line comes with the zone's
    // aggregate line, the zone's figures are the coordinator's, and the company variable is the
    // company.
    let (company, zone_line) = ("metallerie-lievin", "zone (all companies)");
    db.client
        .batch_execute(&format!("SET ROLE \"wasteflow_company_{company}\""))
        .await
        .expect("the company's role exists");
    let mut zone_checked = 0;
    let mut company_checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !COMPANY_DASHBOARDS.contains(&name.as_str()) {
            for (title, kind, sql, panel) in
                queries(&path, &serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap(), company)
            {
                run(&db.client, &title, &kind, &sql, &panel).await;
                company_checked += 1;
            }
            continue;
        }
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for v in dash["templating"]["list"].as_array().into_iter().flatten() {
            let rows = db.client.query(v["query"].as_str().unwrap(), &[]).await.unwrap();
            let ids: Vec<String> = rows.iter().map(|r| r.get("__value")).collect();
            assert_eq!(ids, [company], "{name}: variable {}", v["name"]);
        }
        for (title, kind, sql, panel) in queries(&path, &dash, company) {
            let rows = run(&db.client, &title, &kind, &sql, &panel).await;
            company_checked += 1;
            if zone_only(&sql) {
                assert_eq!(
                    values(&db.client, &sql).await,
                    coordinator_zone[&sql],
                    "{title}: the zone's figures are everyone's"
                );
                zone_checked += 1;
            }
            let names = |col: &str| -> Vec<String> {
                let mut v: Vec<String> = rows.iter().map(|r| r.get(col)).collect();
                v.sort();
                v.dedup();
                v
            };
            if title.contains("each company against the zone") {
                assert_eq!(names("metric"), [company, zone_line], "{title}: its line and the zone's\n{sql}");
            }
            if title.contains("Companies and the zone") {
                assert_eq!(rows.len(), 2, "{title}\n{sql}");
                assert_eq!(names("company"), [company, zone_line], "{title}: its line and the zone's\n{sql}");
            }
        }
    }
    assert!(zone_checked >= 8, "only {zone_checked} zone queries compared");
    assert_eq!(company_checked, checked, "every query ran as the company too");
    db.client.batch_execute("RESET ROLE").await.unwrap();
    // Every dashboard shows the zone's calendar.
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(dash["timezone"], "Europe/Paris", "{}", path.display());
    }
    db.close().await;
}
