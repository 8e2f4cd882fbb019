//! `wasteflow report --format html|csv|json`: the company's year and the zone's bulletin as
//! self-contained pages, rendered by a real browser (headless Chromium). The pictures are not
//! blank and show the charts; every figure in the DOM Chromium parsed equals the JSON report's;
//! the CSV holds every value of the JSON; the text report's categories are the JSON's; printed,
//! each section starts a page. The screenshots are kept in docs/ for the README.

mod common;
use common::browser::{figures, pdf_pages, Browser, Picture};
use common::storage::{batch_of, example_zone_with, weighing};
use common::*;
use serde_json::Value;
use std::path::Path;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::store::{prepare, Connector, Writer};
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// Logistique A21 also landfills mixed waste and sends used oil (hazardous) to re-refining;
/// test factors for 2025 (not real prices or factors), beside the shipped 2025 landfill TGAP.
const EXTRA: &str = r#"
[[containers]]
id = "la-mixed-landfill"
company = "logistique-a21"
site = "la-lievin"
type = "skip"
volume_m3 = 10.0
max_load_kg = 6000.0
stream = "mixed"
treatment = "D1"
destination = "isdnd-artois"
transporter = "transports-artois"

[[containers]]
id = "la-oil-1"
company = "logistique-a21"
site = "la-lievin"
type = "tank"
volume_m3 = 1.0
max_load_kg = 1000.0
stream = "waste-oil"
treatment = "R9"
treatment_mode = "recycling"
destination = "huiles-hdf"
transporter = "adr-nord-collecte"

[[gateways]]
id = "gw-la-09"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mixed-landfill" }, { number = 2, container = "la-oil-1" }]

[[factors.costs]]
treatment = "D1"
eur_per_tonne = 50.0
source = "test value"

[[factors.costs]]
treatment = "R5"
eur_per_tonne = 10.0
source = "test value"

[[factors.costs]]
treatment = "R3"
eur_per_tonne = 20.0
source = "test value"

[[factors.emissions]]
stream = "cardboard"
kg_co2e_per_tonne = 600.0
source = "test value"

[[factors.emissions]]
stream = "mineral-mix"
kg_co2e_per_tonne = 5.0
source = "test value"
"#;

/// 2025, one weighing per container on the 15th of each month at 10:00 UTC, a little more or
/// less each month; Logistique A21 weighs nothing in August and sends oil every other month.
fn year_of_weighings(zone: &Zone) -> Vec<ValidReading> {
    let plan: [(&str, &str, u16, f32); 12] = [
        ("logistique-a21", "gw-la-01", 1, 1_500.0),
        ("logistique-a21", "gw-la-01", 2, 4_000.0),
        ("logistique-a21", "gw-la-01", 3, 1_000.0),
        ("logistique-a21", "gw-la-01", 4, 800.0),
        ("logistique-a21", "gw-la-09", 1, 600.0),
        ("logistique-a21", "gw-la-09", 2, 150.0),
        ("beton-artois", "gw-ba-01", 1, 9_000.0),
        ("beton-artois", "gw-ba-01", 2, 1_500.0),
        ("metallerie-lievin", "gw-ml-01", 1, 3_000.0),
        ("metallerie-lievin", "gw-ml-01", 3, 4_000.0),
        ("menuiserie-souchez", "gw-ms-01", 1, 2_500.0),
        ("plasturgie-gohelle", "gw-pg-01", 2, 200.0),
    ];
    let mut out = Vec::new();
    for month in 1..=12i8 {
        let day = wasteflow::calendar::day_number(wasteflow::calendar::Date::new(2025, month, 15).unwrap());
        let at = (day * 86_400 + 10 * 3_600) as u64 * 1_000;
        for (i, (company, gateway, sensor, kg)) in plan.iter().enumerate() {
            let a21 = *company == "logistique-a21";
            if (a21 && month == 8) || (*sensor == 2 && *gateway == "gw-la-09" && month % 2 == 0) {
                continue;
            }
            let swing = 1.0 + 0.3 * ((f32::from(month) + i as f32) * 1.3).sin();
            out.push(weighing(zone, company, gateway, *sensor, (kg * swing).round(), at));
        }
    }
    out
}

/// Every scalar of a JSON value with its pointer.
fn leaves(v: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| leaves(v, format!("{pointer}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| leaves(v, format!("{pointer}/{i}"), out)),
        scalar => out.push((pointer, scalar.clone())),
    }
}

/// A figure's text agrees with its JSON value to the decimals it shows (a share ×100 with
/// `%`); an unknown value reads `n/a` or `not configured`, never a number; a text is itself.
fn agrees(text: &str, want: &Value) -> bool {
    if let Some(s) = want.as_str() {
        return text == s;
    }
    let Some(want) = want.as_f64() else { return text == "n/a" || text == "not configured" };
    let number: String = text.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    let Ok(shown) = number.parse::<f64>() else { return false };
    let decimals = number.split('.').nth(1).map_or(0, str::len) as i32;
    let scale = if text.ends_with('%') { 100.0 } else { 1.0 };
    (shown - want * scale).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-9
}

/// One report in every format: the browser's picture and DOM held to the JSON.
fn check(env: &Env, browser: &Browser, name: &str, args: &[&str], colours: &[&str]) -> Value {
    let run = |format: &str| {
        let out = env.command().args(args).args(["--format", format]).output().unwrap();
        assert!(out.status.success(), "{args:?} {format}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let json: Value = serde_json::from_str(&run("json")).expect("the JSON report");
    let html = run("html");
    // Self-contained: nothing to fetch, nothing to run.
    for outside in ["<script", " src=", " href=", "@import", "url(", "<link", "@font-face"] {
        assert!(!html.contains(outside), "{name}: the page refers outside itself ({outside})");
    }
    let dir = Scratch::dir("wf-report-html-");
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, &html).unwrap();

    // The DOM's figures are the JSON's, and every figure of the JSON is in the DOM.
    let shown = figures(&browser.dom(&page));
    let mut all = Vec::new();
    leaves(&json, String::new(), &mut all);
    for f in &shown {
        let want = json.pointer(&f.pointer).unwrap_or_else(|| panic!("{name}: {} is not in the JSON", f.pointer));
        match &f.value {
            Some(v) => assert_eq!(v.parse::<f64>().ok(), want.as_f64(), "{name} {}: DOM {v}, JSON {want}", f.pointer),
            None => assert!(agrees(f.text.trim(), want), "{name} {}: DOM {:?}, JSON {want}", f.pointer, f.text),
        }
    }
    let numbers: Vec<&String> = all.iter().filter(|(_, v)| v.is_number() || v.is_null()).map(|(p, _)| p).collect();
    let missing: Vec<&&String> = numbers.iter().filter(|p| !shown.iter().any(|f| &f.pointer == **p)).collect();
    assert!(missing.is_empty(), "{name}: figures of the JSON not on the page: {missing:?}");
    assert!(shown.len() > 100, "{name}: {} figures", shown.len());

    // The CSV: one row per value of the JSON, each equal to it.
    let csv = run("csv");
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).skip(1).collect();
    assert_eq!(rows.len(), all.len(), "{name}: one CSV row per JSON value");
    for (pointer, want) in &all {
        let row = rows.iter().find(|r| r.ends_with(&format!(",{pointer}"))).unwrap_or_else(|| panic!("{pointer}"));
        if let Some(w) = want.as_f64() {
            let value = row.rsplit(',').nth(2).unwrap();
            assert_eq!(value.parse::<f64>().ok(), Some(w), "{name} CSV {row}");
        }
    }

    // The text report's categories are the JSON's.
    let text = run("text");
    for c in json["categories"].as_array().unwrap() {
        let line = format!(
            "{:<26} {:>11.3} {:>14.3} {:>11.3}",
            c["name"].as_str().unwrap(),
            c["hazardous_t"].as_f64().unwrap(),
            c["non_hazardous_t"].as_f64().unwrap(),
            c["total_t"].as_f64().unwrap()
        );
        assert!(text.contains(&line), "{name}: text lacks {line:?}\n{text}");
    }

    // The picture: not blank, the charts drawn in their colours.
    let png = dir.join(format!("{name}.png"));
    browser.screenshot(&page, &png, 800, 1500);
    let picture = Picture::read(&png);
    assert_eq!((picture.width, picture.height), (800, 1500));
    assert!(picture.inked() > 0.04, "{name}: the picture is nearly blank ({:.3} inked)", picture.inked());
    for colour in colours {
        assert!(picture.count(colour) > 200, "{name}: no chart drawn in {colour}");
    }
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/report-{name}.png"));
    std::fs::copy(&png, &docs).expect("the reference screenshot in docs/");

    // Printed on A4: each of the sections starts a page.
    let sections = html.matches("<section ").count();
    let pdf = dir.join(format!("{name}.pdf"));
    let pages = pdf_pages(&browser.pdf(&page, &pdf));
    assert!(pages >= sections, "{name}: {pages} printed pages for {sections} sections");
    // To look at the pages themselves: WASTEFLOW_TEST_REPORT_PAGES=<directory>.
    if let Ok(keep) = std::env::var("WASTEFLOW_TEST_REPORT_PAGES") {
        for file in [&page, &pdf] {
            std::fs::copy(file, Path::new(&keep).join(file.file_name().unwrap())).expect("copy the page");
        }
    }
    json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_reports_render_in_a_browser_with_the_json_figures() {
    let db = TestDb::new().await;
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    let zone = example_zone_with(EXTRA);
    let prepared = prepare(&settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut writer = Writer::new(Connector::new(&settings.database).unwrap());
    writer.write(&batch_of(year_of_weighings(&zone))).await.expect("write");
    writer.close().await;
    let env = Env::new(&db);
    let browser = Browser::new();

    // Recycling green and landfill red in the months' bars; the rates' blue.
    let company = check(
        &env,
        &browser,
        "company",
        &["report", "--company", "logistique-a21", "--year", "2025"],
        &["#5aae61", "#b2182b", "#2b83ba"],
    );
    assert_eq!(company["months"].as_array().unwrap().len(), 12);
    assert_eq!(company["months_without_weighings"], serde_json::json!([8]));
    assert!(company["categories"][0]["hazardous_t"].as_f64().unwrap() > 0.0, "the used oil is hazardous");
    assert!(!company["exchanges"].as_array().unwrap().is_empty());
    assert!(company["savings"]["cost_avoided_eur"].as_f64().is_some(), "2025 is priced");
    // The months' parts add up to the year's waste generated, hazardous and not.
    let generated = &company["categories"][0];
    assert_eq!(generated["name"], "waste-generated");
    for field in ["hazardous_t", "non_hazardous_t"] {
        let months: f64 = company["months"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["parts"].as_array().unwrap().iter().map(|p| p[field].as_f64().unwrap()))
            .sum();
        let year = generated[field].as_f64().unwrap();
        assert!((months - year).abs() < 1e-6, "{field}: months {months}, year {year}");
    }

    let zone = check(&env, &browser, "zone", &["report", "--zone", "--month", "2025-11"], &["#5aae61", "#2b83ba"]);
    assert_eq!(zone["months"][0]["month"], "2024-12");
    assert_eq!(zone["months"][11]["month"], "2025-11");
    assert!(zone["exchanges"].as_array().unwrap().len() >= 3, "{}", zone["exchanges"]);
}
