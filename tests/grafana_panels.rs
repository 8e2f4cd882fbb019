//! The dashboards a manager reads (deploy/grafana/dashboards): panels Grafana ships with (no
//! plugin to install), a unit on every panel that shows a quantity (the SQL panels' columns one
//! by one in tests/storage_dashboards.rs), value mappings for 0/1 states, and the company
//! detail opening on its ESRS figures. `.ci/grafana-schema.sh` holds the files to Grafana's schema.

mod common;
use common::grafana::panels;
use serde_json::Value;

/// Panel types of a stock Grafana (11 and later): nothing the provisioning must install.
const STOCK: [&str; 9] = ["stat", "timeseries", "table", "bargauge", "gauge", "barchart", "piechart", "text", "row"];

fn dashboards() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(out.len(), 3, "{:?}", out.iter().map(|d| &d.0).collect::<Vec<_>>());
    out
}

#[test]
fn every_panel_is_a_stock_panel_and_every_quantity_has_a_unit() {
    for (name, dash) in dashboards() {
        for p in panels(&dash) {
            let (kind, title) = (p["type"].as_str().unwrap(), &p["title"]);
            assert!(STOCK.contains(&kind), "{name}: {title}: panel type {kind} needs a plugin");
            let defaults = &p["fieldConfig"]["defaults"];
            if matches!(kind, "stat" | "timeseries" | "bargauge" | "gauge" | "barchart") {
                assert!(defaults["unit"].is_string(), "{name}: {title}: no unit");
            }
            // A 0/1 state reads as words.
            if kind == "stat" && defaults["unit"] == "none" && p["targets"][0]["expr"].is_string() {
                let counts = defaults["decimals"] == 0;
                assert!(
                    counts || defaults["mappings"][0]["options"]["1"]["text"].is_string(),
                    "{name}: {title}: a state without words"
                );
            }
        }
    }
}

#[test]
fn the_company_detail_opens_on_its_esrs_figures() {
    let (_, dash) = dashboards().into_iter().find(|(n, _)| n == "company-detail.json").unwrap();
    let first: Vec<&Value> = panels(&dash).into_iter().filter(|p| p["gridPos"]["y"] == 0).collect();
    let titles: Vec<&str> = first.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert!(
        titles.iter().any(|t| t.starts_with("Waste by ESRS E5-5")) && titles.iter().any(|t| t.starts_with("Rates")),
        "{titles:?}"
    );
    // Operations (devices, dead letters) come after the figures.
    let y = |prefix: &str| {
        panels(&dash).into_iter().find(|p| p["title"].as_str().unwrap().starts_with(prefix)).unwrap()["gridPos"]["y"]
            .as_i64()
            .unwrap()
    };
    assert!(y("Dead letters") > y("Daily KPIs") && y("Devices") > y("Daily KPIs"));
    // Freshness and coverage: the last weighing and the months with none.
    assert!(y("Last weighing") < y("Daily KPIs") && y("Weighings per month") < y("Daily KPIs"));
}
