//! Storage suite: every SQL query of every Grafana dashboard in deploy/grafana/dashboards runs,
//! as the first release's read-only role (a coordinator now) and as a company's role, against a
//! database filled by the simulator, and returns the columns its panel needs (and rows, as the
//! coordinator: a company may have none of a zone-wide panel's, such as another's synergies).

mod common;
use common::storage::{fill_simulated, StorageTarget};
use wasteflow::store::prepare;
use wasteflow::zone::Zone;

/// Grafana's macros, for a fixed time range.
fn substitute(sql: &str, from: &str, to: &str, company: &str) -> String {
    let mut out = sql
        .replace("$__timeFrom()", &format!("'{from}'::timestamptz"))
        .replace("$__timeTo()", &format!("'{to}'::timestamptz"));
    while let Some(i) = out.find("$__timeFilter(") {
        let end = i + out[i..].find(')').expect("closing parenthesis");
        let col = &out[i + "$__timeFilter(".len()..end];
        let filter = format!("{col} BETWEEN '{from}'::timestamptz AND '{to}'::timestamptz");
        out.replace_range(i..=end, &filter);
    }
    out.replace("$company", company)
}

fn panels(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut out = Vec::new();
    for p in v["panels"].as_array().into_iter().flatten() {
        out.push(p);
        out.extend(p["panels"].as_array().into_iter().flatten());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_returns_the_columns_its_panel_needs() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
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
    // As the first release's read-only role (a coordinator now), and as the company's own role
    // (docs/security.md): the same queries, the same columns, the company's rows.
    let company = "metallerie-lievin";
    let company_role: String =
        db.client.query_one("SELECT wf_company_role($1)::text", &[&company]).await.unwrap().get(0);
    // The fixture's one synergy opportunity is another company's (storage_access.rs checks what
    // each role reads); every other panel has rows for the company too.
    for (role, may_be_empty) in
        [("wasteflow_grafana", vec![]), (company_role.as_str(), vec!["Synergy opportunities (tonnes per month)"])]
    {
        db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.expect("the reader role exists");
        let (checked, empty) = check_every_query(&db.client, company, role).await;
        assert!(checked >= 16, "only {checked} SQL queries found");
        assert_eq!(empty, may_be_empty, "as {role}: the panels without rows");
        db.client.batch_execute("RESET ROLE").await.unwrap();
    }
    // Every dashboard shows the zone's calendar.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(dash["timezone"], "Europe/Paris", "{}", path.display());
    }
    db.close().await;
}

/// Runs every SQL query of every dashboard for `company` over January 2027, as the session's
/// role, and checks the columns of each panel; returns how many it ran, and the titles of the
/// panels whose query returned no row.
async fn check_every_query(client: &tokio_postgres::Client, company: &str, role: &str) -> (usize, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    let (mut checked, mut empty) = (0, Vec::new());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for p in panels(&dash) {
            for t in p["targets"].as_array().into_iter().flatten() {
                let Some(raw) = t["rawSql"].as_str() else { continue };
                let title = format!("{} as {role}: {}", path.file_name().unwrap().to_string_lossy(), p["title"]);
                // The dashboards' time zone is the zone's (Europe/Paris): Grafana's "January"
                // runs from local midnight to local midnight.
                let (from, to) = ("2027-01-01T00:00:00+01:00", "2027-02-01T00:00:00+01:00");
                let sql = substitute(raw, from, to, company);
                let statement = client.prepare(&sql).await.unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
                let rows = client.query(&statement, &[]).await.unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
                if rows.is_empty() {
                    empty.push(p["title"].as_str().unwrap_or("").to_string());
                }
                let cols: Vec<(&str, String)> =
                    statement.columns().iter().map(|c| (c.name(), c.type_().name().to_string())).collect();
                let numeric = |t: &str| matches!(t, "float8" | "float4" | "numeric" | "int8" | "int4" | "int2");
                match p["type"].as_str().unwrap_or("") {
                    "timeseries" => {
                        assert_eq!(cols[0], ("time", "timestamptz".into()), "{title}: first column is the time");
                        assert!(cols[1..].iter().any(|(_, t)| numeric(t)), "{title}: a numeric series: {cols:?}");
                    }
                    "stat" => assert!(cols.iter().all(|(_, t)| numeric(t)), "{title}: numeric values: {cols:?}"),
                    "netsage-sankey-panel" => {
                        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                        assert_eq!(names, ["source", "target", "value"], "{title}");
                        assert!(numeric(&cols[2].1), "{title}: numeric value");
                    }
                    "table" => assert!(!cols.is_empty(), "{title}"),
                    other => panic!("{title}: panel type {other} has no column check"),
                }
                checked += 1;
            }
        }
    }
    (checked, empty)
}
