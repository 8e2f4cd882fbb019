//! The Grafana provisioning of a company's organisation (deploy/grafana/company-org.sh and its
//! example for beton-artois, deploy/grafana/companies/): the example is what the script writes,
//! another company's files differ in the company and the organisation only, the data source is
//! the login documented in the company's role and the one the dashboards name, and the script
//! refuses what is not a company id or a company's organisation.
//! (The dashboards' queries under a company's role: tests/storage_dashboards.rs.)

mod common;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The dashboards a company's organisation is given: those without a Prometheus panel.
const COMPANY_DASHBOARDS: [&str; 2] = ["company-detail.json", "zone-overview.json"];
const PG: &str = "grafana-postgresql-datasource";

/// Runs the script; on success, the data source and dashboard provider files it wrote.
fn script(id: &str, org: &str, dir: &Path) -> Result<(String, String), String> {
    let out = Command::new("bash")
        .arg(format!("{ROOT}/deploy/grafana/company-org.sh"))
        .args([id, org, dir.to_str().unwrap()])
        .output()
        .unwrap();
    if !out.status.success() {
        assert_eq!(out.status.code(), Some(64), "{}", String::from_utf8_lossy(&out.stderr));
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let read = |kind: &str| {
        let path = dir.join(format!("provisioning/{kind}/wasteflow-{id}.yaml"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    Ok((read("datasources"), read("dashboards")))
}

fn example(kind: &str) -> String {
    let path = format!("{ROOT}/deploy/grafana/companies/beton-artois/provisioning/{kind}/wasteflow-beton-artois.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The YAML the provisioning files use (block maps and lists of scalars, comments), read
/// strictly: anything else (flow style, quotes, anchors, tabs, a bad indent) fails the test.
fn yaml(text: &str) -> Value {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for raw in text.lines() {
        let code = raw.split(" #").next().unwrap().trim_end();
        if code.trim_start().is_empty() || code.trim_start().starts_with('#') {
            continue;
        }
        assert!(!code.contains(['\t', '"', '\'', '{', '[', '&', '*', '|', '>']), "outside the YAML read here: {raw}");
        lines.push((code.len() - code.trim_start().len(), code.trim_start().to_string()));
    }
    let mut i = 0;
    let v = block(&mut lines, &mut i, 0);
    assert_eq!(i, lines.len(), "bad indentation at {:?}", lines.get(i));
    v
}

fn block(lines: &mut [(usize, String)], i: &mut usize, indent: usize) -> Value {
    if lines[*i].1.starts_with("- ") {
        let mut items = Vec::new();
        while *i < lines.len() && lines[*i].0 == indent && lines[*i].1.starts_with("- ") {
            lines[*i] = (indent + 2, lines[*i].1[2..].to_string());
            items.push(block(lines, i, indent + 2));
        }
        return Value::Array(items);
    }
    let mut map = serde_json::Map::new();
    while *i < lines.len() && lines[*i].0 == indent && !lines[*i].1.starts_with("- ") {
        let (key, value) = lines[*i].1.split_once(':').unwrap_or_else(|| panic!("not a key: {:?}", lines[*i]));
        let (key, value) = (key.to_string(), value.trim().to_string());
        *i += 1;
        let v = if value.is_empty() {
            let deeper = lines.get(*i).map(|l| l.0).filter(|&d| d > indent).expect("a block under the key");
            block(lines, i, deeper)
        } else if let Ok(n) = value.parse::<i64>() {
            n.into()
        } else if let Ok(b) = value.parse::<bool>() {
            b.into()
        } else {
            value.into()
        };
        assert!(map.insert(key.clone(), v).is_none(), "{key} twice");
    }
    Value::Object(map)
}

/// Every data source a dashboard names (panels, their targets, its variables).
fn datasources(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(ds) = m.get("datasource").filter(|d| d.is_object()) {
                out.push((ds["type"].as_str().unwrap().into(), ds["uid"].as_str().unwrap().into()));
            }
            m.values().for_each(|x| datasources(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| datasources(x, out)),
        _ => {}
    }
}

#[test]
fn the_example_is_what_the_script_writes() {
    let dir = common::Scratch::dir("wf-grafana-org-");
    let (ds, dash) = script("beton-artois", "2", dir.path()).unwrap();
    assert_eq!(
        ds,
        example("datasources"),
        "regenerate: deploy/grafana/company-org.sh beton-artois 2 deploy/grafana/companies/beton-artois"
    );
    assert_eq!(dash, example("dashboards"));
}

#[test]
fn another_company_differs_in_its_id_and_organisation_only() {
    let dir = common::Scratch::dir("wf-grafana-org-");
    // Another company, same organisation: the id (and its environment variable) only.
    let (ds, dash) = script("metallerie-lievin", "2", dir.path()).unwrap();
    let as_beton =
        |s: &str| s.replace("metallerie-lievin", "beton-artois").replace("METALLERIE_LIEVIN", "BETON_ARTOIS");
    assert_ne!(ds, example("datasources"));
    assert_eq!(as_beton(&ds), example("datasources"));
    assert_eq!(as_beton(&dash), example("dashboards"));
    assert_eq!(yaml(&ds)["datasources"][0]["user"], "grafana_metallerie-lievin");
    assert_eq!(yaml(&ds)["datasources"][0]["secureJsonData"]["password"], "$WASTEFLOW_METALLERIE_LIEVIN_DB_PASSWORD");
    // Same company, another organisation: the lines naming the organisation only.
    let (ds7, dash7) = script("beton-artois", "7", dir.path()).unwrap();
    for (two, seven) in [(example("datasources"), ds7), (example("dashboards"), dash7)] {
        let (a, b): (Vec<&str>, Vec<&str>) = (two.lines().collect(), seven.lines().collect());
        assert_eq!(a.len(), b.len());
        let differ: Vec<(&&str, &&str)> = a.iter().zip(&b).filter(|(x, y)| x != y).collect();
        assert!(differ.iter().any(|(_, y)| y.trim() == "orgId: 7"), "{differ:?}");
        for (x, y) in differ {
            assert_eq!(x.replace('2', "7"), *y, "a line that does not name the organisation changed");
        }
        let v = yaml(&seven);
        let entries = v["datasources"].as_array().or(v["providers"].as_array()).unwrap();
        assert!(entries.iter().all(|e| e["orgId"] == 7), "{v}");
    }
}

#[test]
fn the_script_refuses_what_is_not_a_company_or_a_company_organisation() {
    let dir = common::Scratch::dir("wf-grafana-org-");
    let long = "a".repeat(65);
    for (id, org) in [
        ("Beton-artois", "2"),
        ("beton_artois", "2"),
        ("beton artois", "2"),
        ("", "2"),
        (long.as_str(), "2"),
        ("beton-artois", "1"), // the operators' organisation
        ("beton-artois", "0"),
        ("beton-artois", "02"),
        ("beton-artois", "two"),
    ] {
        let err = script(id, org, dir.path()).expect_err(&format!("{id:?} {org:?} accepted"));
        assert!(err.contains("company id") || err.contains("organisation id"), "{err}");
    }
    assert!(!dir.path().join("provisioning").exists(), "nothing written for a refused company");
    // The longest id: role and login names within PostgreSQL's 63 bytes, as migration 16 cuts them.
    let longest = "a".repeat(64);
    let (ds, _) = script(&longest, "2", dir.path()).unwrap();
    // left(md5(repeat('a', 64)), 8) in PostgreSQL.
    let role = format!("wasteflow_company_{}_014842d4", "a".repeat(36));
    let login = format!("grafana_{}_014842d4", "a".repeat(46));
    assert_eq!((role.len(), login.len()), (63, 63));
    assert!(ds.contains(&format!("CREATE ROLE \"{login}\" LOGIN PASSWORD '...' IN ROLE \"{role}\";")), "{ds}");
    assert_eq!(yaml(&ds)["datasources"][0]["user"], login.as_str());
}

#[test]
fn a_company_organisation_reads_through_its_login_with_the_dashboards_it_is_given() {
    let (ds_text, dash_text) = (example("datasources"), example("dashboards"));
    let (ds_file, dash_file) = (yaml(&ds_text), yaml(&dash_text));
    assert_eq!(ds_file["apiVersion"], 1);
    assert_eq!(dash_file["apiVersion"], 1);
    let sources = ds_file["datasources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "the company's organisation gets its PostgreSQL data source, nothing else");
    let ds = &sources[0];
    let providers = dash_file["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1);
    let provider = &providers[0];

    // The company's organisation, not the operators'.
    assert_eq!(ds["orgId"], 2);
    assert_eq!(provider["orgId"], ds["orgId"]);
    let operators = yaml(
        &std::fs::read_to_string(format!("{ROOT}/deploy/grafana/provisioning/datasources/wasteflow.yaml")).unwrap(),
    );
    for o in operators["datasources"].as_array().unwrap() {
        assert!(o["orgId"].is_null() || o["orgId"] == 1, "the operators' data sources are in organisation 1: {o}");
    }
    let operators_provider = yaml(
        &std::fs::read_to_string(format!("{ROOT}/deploy/grafana/provisioning/dashboards/wasteflow.yaml")).unwrap(),
    );
    assert_ne!(operators_provider["providers"][0]["name"], provider["name"], "provider names are unique");
    assert_ne!(operators_provider["providers"][0]["options"]["path"], provider["options"]["path"]);

    // The login holding the company's role, its password from the environment.
    let zone: toml::Table = toml::from_str(&std::fs::read_to_string(common::zone_file()).unwrap()).unwrap();
    assert!(zone["companies"].as_array().unwrap().iter().any(|c| c["id"].as_str() == Some("beton-artois")));
    assert_eq!(ds["type"], PG);
    assert_eq!(ds["user"], "grafana_beton-artois");
    let grant = r#"CREATE ROLE "grafana_beton-artois" LOGIN PASSWORD '...' IN ROLE "wasteflow_company_beton-artois";"#;
    assert!(ds_text.contains(grant), "the data source names how its login is created");
    let operations = std::fs::read_to_string(format!("{ROOT}/docs/operations.md")).unwrap();
    assert!(operations.contains(grant), "docs/operations.md documents the company's login");
    assert!(ds["password"].is_null() && ds["secureJsonData"]["password"] == "$WASTEFLOW_BETON_ARTOIS_DB_PASSWORD");
    assert!(ds_text.contains("WASTEFLOW_BETON_ARTOIS_DB_PASSWORD") && operations.contains("_DB_PASSWORD"));

    // The dashboards it is given name that data source only, and are the ones documented.
    let path = provider["options"]["path"].as_str().unwrap();
    assert_eq!(provider["type"], "file");
    for name in COMPANY_DASHBOARDS {
        let dash: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/deploy/grafana/dashboards/{name}")).unwrap())
                .unwrap();
        let mut named = Vec::new();
        datasources(&dash, &mut named);
        assert!(named.len() > 5, "{name}: {named:?}");
        for (kind, uid) in named {
            assert_eq!((kind.as_str(), uid.as_str()), (PG, ds["uid"].as_str().unwrap()), "{name}");
        }
        assert!(dash_text.contains(name), "the provider names {name}");
        assert!(
            operations.lines().any(|l| l.contains(name) && l.contains(path)),
            "docs/operations.md installs {name} in {path}"
        );
    }
    // ingestion-health reads Prometheus: not a company's.
    assert!(!operations.lines().any(|l| l.contains("ingestion-health.json") && l.contains(path)));
    let health: PathBuf = format!("{ROOT}/deploy/grafana/dashboards/ingestion-health.json").into();
    assert!(std::fs::read_to_string(health).unwrap().contains("\"prometheus\""));
}
