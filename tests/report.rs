//! `wasteflow report`: one page of a company's ESRS E5-5 / GRI 306 figures for a year, on a
//! hand-computed fixture.

mod common;
use common::storage::batch_of;
use common::*;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::store::{prepare, Connector, Writer};
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// 2026-06-15T10:00:00Z.
const JUNE_15: u64 = 1_781_517_600_000;

/// Settings on the test's database, and the example zone synchronised into it.
async fn prepared(db: &TestDb) -> (Settings, Zone) {
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    let zone = Zone::load(&zone_file()).unwrap();
    let prepared = prepare(&settings, &zone, true).await.expect("prepare");
    (settings, zone.with_ids(prepared.ids))
}

/// Stores `readings`, then runs `wasteflow report` for Logistique A21's 2026; its page.
async fn write_and_report(db: &TestDb, settings: &Settings, readings: Vec<ValidReading>) -> String {
    let mut writer = Writer::new(Connector::new(&settings.database).unwrap());
    writer.write(&batch_of(readings)).await.expect("write");
    writer.close().await;
    let out =
        Env::new(db).command().args(["report", "--company", "logistique-a21", "--year", "2026"]).output().unwrap();
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{page}{}", String::from_utf8_lossy(&out.stderr));
    page
}

fn weighing(zone: &Zone, sensor: u16, kg: f32) -> ValidReading {
    common::storage::weighing(zone, "logistique-a21", "gw-la-01", sensor, kg, JUNE_15)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_a_company_on_one_page_with_coverage_and_what_is_missing() {
    let db = TestDb::new().await;
    let (settings, zone) = prepared(&db).await;
    // Logistique A21 on 15 June 2026: 1,500 kg of cardboard to Cartonnages de Lens (R3,
    // recycling) and 1,000 kg of mixed waste to a transfer station (R13, interim).
    let page = write_and_report(&db, &settings, vec![weighing(&zone, 1, 1_500.0), weighing(&zone, 3, 1_000.0)]).await;
    println!("{page}");
    let line = |name: &str| page.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_default().to_string();
    let tonnes = |name: &str| -> Vec<f64> {
        line(name).split_whitespace().skip(1).take(3).map(|v| v.parse().unwrap()).collect()
    };
    // The figures a company reports (kpi_esrs_e5_5_resolved): the transfer station, tri-gohelle,
    // declares what it does with the mixed waste (config/zone.toml): 25 % R3 and 10 % R4
    // recycling, 45 % R1 energy recovery, 20 % D1 landfill. So the 1 t is 0.35 t recycled, 0.45 t
    // other recovery and 0.2 t landfilled, an estimate.
    // Waste generated: 1.5 + 1.0 = 2.5 t, none hazardous.
    assert_eq!(tonnes("waste-generated"), vec![0.0, 2.5, 2.5], "{page}");
    // Diverted from disposal: 1.5 + 0.35 + 0.45 = 2.3 t, of which recycling 1.5 + 0.35 = 1.85.
    assert_eq!(tonnes("diverted-from-disposal"), vec![0.0, 2.3, 2.3], "{page}");
    assert_eq!(tonnes("recycling"), vec![0.0, 1.85, 1.85], "{page}");
    // Directed to disposal: the 0.2 t landfilled; 2.3 + 0.2 = 2.5; nothing pending.
    assert_eq!(tonnes("directed-to-disposal"), vec![0.0, 0.2, 0.2], "{page}");
    assert_eq!(tonnes("pending"), vec![0.0, 0.0, 0.0], "{page}");
    assert!(line("waste-generated").contains("ESRS E5 §37(a)"), "{page}");
    // Rates over all 2.5 t (coverage 100 %); re-use and recycling 1.85 / 2.5 = 74 %;
    // non-recycled (2.5 - 1.85) / 2.5 = 0.65 / 2.5 = 26 %.
    assert!(page.contains("rates over the 2.500 t whose final operation is known (coverage 100.0 %)"), "{page}");
    assert!(page.contains("preparing for re-use and recycling  74.0 %"), "{page}");
    assert!(page.contains("non-recycled share (ESRS E5 §37(d)) 26.0 %"), "{page}");
    // The estimate and its basis: the 1 t (40 % of 2.5 t) through the station's declaration.
    assert!(page.contains("estimates (ESRS E5 §40): 1.000 t (40.0 % of the waste generated)"), "{page}");
    assert!(page.contains("1.000 t (40.0 %) counted by the final operations its destination declares"), "{page}");
    // What is missing: the months before June without any weighing.
    assert!(page.contains("no weighing at all in Jan, Feb, Mar, Apr, May, Jul"), "{page}");

    // An unknown company is named.
    let out = Env::new(&db).command().args(["report", "--company", "nobody", "--year", "2026"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no company \"nobody\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_names_the_synergy_opportunities_and_the_savings_by_reference_estimates() {
    let db = TestDb::new().await;
    let (settings, zone) = prepared(&db).await;
    // Logistique A21 on 15 June 2026: 1,500 kg of cardboard to Cartonnages de Lens (R3) and
    // 2,000 kg of broken pallets (15 01 03) to the transfer station (R13). The biomass boiler
    // accepts 15 01 03 for R1, but the station declares 25 % R3 and 10 % R4 recycling for what
    // it receives: burning the pallets would be a step down, no opportunity.
    let page = write_and_report(&db, &settings, vec![weighing(&zone, 1, 1_500.0), weighing(&zone, 4, 2_000.0)]).await;
    assert!(!page.contains("R13 -> R1"), "{page}");
    assert!(page.contains("the waste hierarchy):\n  none in 2026"), "{page}");
    // The example registry gives no cost or factor of its own; the shipped reference estimates
    // (docs/kpis.md) price and factor the 1.5 t of cardboard: baseline D1 95 + TGAP 2026 69 =
    // 164 EUR/t, cardboard sold -30 EUR/t: 1.5 x (164 + 30) = 291 EUR; 1.5 t x 1,261.41472 kg
    // (DESNZ 2025, paper and board) = 1.892 t CO2e. Each source is printed.
    assert!(page.contains("savings and avoided impact over the 1.500 t recovered"), "{page}");
    assert!(
        page.contains("disposal cost avoided               291 EUR (estimate: reference figures in part)"),
        "{page}"
    );
    assert!(page.contains("by reference estimates 1.500 (100.0 %), not priced 0.000 (0.0 %)"), "{page}");
    assert!(page.contains("without a factor 0.000 (0.0 %)"), "{page}");
    assert!(
        page.contains("CO2e avoided by the 1.500 t recycled 1.892 t (estimate: reference figures in part)"),
        "{page}"
    );
    assert!(
        page.contains("[reference] cost R3 for 15 01 01: -30 EUR/t; paper and cardboard: Company statement"),
        "{page}"
    );
    assert!(
        page.contains("[reference] CO2e 15 01 01: 1261.41472 kg CO2e/t; paper and board (DESNZ 2025, UK): DESNZ"),
        "{page}"
    );
}

/// Logistique A21 sending glass to a glassworks (R5, an operator: recycled, not a symbiosis
/// exchange) and burning plastic packaging for energy at a cement kiln (R1, not recycling):
/// materials the shipped reference estimates neither price nor factor (glass and plastics have
/// no R5 or R1 reference cost, glass no emission factor), and the example registry gives none.
const KILN: &str = r#"
[[operators]]
id = "four-artois"
name = "Four Artois (cement kiln)"

[[operators]]
id = "verrerie-artois"
name = "Verrerie d'Artois (glassworks)"

[[streams]]
id = "glass"
ewc = "15 01 07"
description = "Glass packaging"

[[streams]]
id = "plastic-packaging"
ewc = "15 01 02"
description = "Plastic packaging"

[[containers]]
id = "la-glass-1"
company = "logistique-a21"
site = "la-lievin"
type = "skip"
volume_m3 = 15.0
max_load_kg = 3000.0
stream = "glass"
treatment = "R5"
treatment_mode = "recycling"
destination = "verrerie-artois"

[[containers]]
id = "la-plastics-kiln"
company = "logistique-a21"
site = "la-lievin"
type = "skip"
volume_m3 = 15.0
max_load_kg = 3000.0
stream = "plastic-packaging"
treatment = "R1"
destination = "four-artois"

[[gateways]]
id = "gw-la-04"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-plastics-kiln" }, { number = 2, container = "la-glass-1" }]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savings_never_configured_in_any_month_are_not_configured_not_zero() {
    let db = TestDb::new().await;
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    let zone = common::storage::example_zone_with(KILN);
    let prepared = prepare(&settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    // June 2026: 1.5 t of glass to the glassworks (R5: recycled, neither priced nor factored:
    // savings_monthly's June has cost and CO2e NULL, its symbiosis cost 0). July 2026: 1 t of
    // plastic packaging to the kiln (R1: recovered, no exchange, nothing recycled: July's
    // symbiosis cost and CO2e are 0, its cost NULL). Summed over the year with sum(), NULL + 0
    // would read 0 EUR and 0.000 t; nothing was priced or factored: not configured, all of it.
    let july = JUNE_15 + 30 * 86_400_000;
    let readings = vec![
        common::storage::weighing(&zone, "logistique-a21", "gw-la-04", 2, 1_500.0, JUNE_15),
        common::storage::weighing(&zone, "logistique-a21", "gw-la-04", 1, 1_000.0, july),
    ];
    let mut writer = Writer::new(Connector::new(&settings.database).unwrap());
    writer.write(&batch_of(readings)).await.expect("write");
    writer.close().await;
    let c = db.client().await;
    let year = wasteflow::report::company_year::read(&c, "logistique-a21", 2026).await.expect("report");
    let page = wasteflow::report::company_year::render(&year);
    // Recovered 1.5 + 1 = 2.5 t, all unpriced; recycled 1.5 t, all unfactored.
    assert!(page.contains("savings and avoided impact over the 2.500 t recovered"), "{page}");
    assert!(page.contains("disposal cost avoided               not configured"), "{page}");
    assert!(page.contains("of which by symbiosis exchanges     not configured"), "{page}");
    assert!(page.contains("not priced 2.500 (100.0 %)"), "{page}");
    assert!(page.contains("CO2e avoided by the 1.500 t recycled not configured"), "{page}");
    assert!(!page.contains(" 0 EUR") && !page.contains("recycled 0.000 t"), "{page}");
}

/// Without `--year` the page is the zone's current year's, and without `--date` the plan starts
/// today in the zone (the database's clock, in `zone.time_zone`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_year_and_today_are_the_defaults() {
    let db = TestDb::new().await;
    prepared(&db).await;
    let c = db.client().await;
    let row = c.query_one("SELECT extract(year FROM now() AT TIME ZONE 'Europe/Paris')::int4, (now() AT TIME ZONE 'Europe/Paris')::date::text", &[]).await.unwrap();
    let (year, today): (i32, String) = (row.get(0), row.get(1));
    let env = Env::new(&db);
    let run = |args: &[&str]| {
        let out = env.command().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let by_default = run(&["report", "--company", "logistique-a21"]);
    assert_eq!(by_default, run(&["report", "--company", "logistique-a21", "--year", &year.to_string()]));
    assert!(by_default.contains(&year.to_string()), "{by_default}");
    let plan = run(&["plan", "--json"]);
    assert_eq!(plan, run(&["plan", "--json", "--date", &today]));
}

/// The zone's bulletin of June 2026 and the company's months and exchanges, in JSON, on the
/// fixture of the first test worked out by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zone_bulletin_and_the_months_on_a_hand_computed_fixture() {
    let db = TestDb::new().await;
    let (settings, zone) = prepared(&db).await;
    // 1,500 kg of cardboard to Cartonnages de Lens (R3, an exchange) and 1,000 kg of mixed waste
    // to the transfer station (R13), which declares 25 % R3, 10 % R4, 45 % R1 and 20 % D1.
    write_and_report(&db, &settings, vec![weighing(&zone, 1, 1_500.0), weighing(&zone, 3, 1_000.0)]).await;
    let json = |args: &[&str]| -> serde_json::Value {
        let out = Env::new(&db).command().args(args).args(["--format", "json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let close = |v: &serde_json::Value, want: f64| (v.as_f64().unwrap_or(f64::NAN) - want).abs() < 1e-9;
    let zone = json(&["report", "--zone", "--month", "2026-06"]);
    assert_eq!(zone["month"], "2026-06");
    // The twelve months up to June: July 2025 to June 2026, June last; only June has waste.
    let months = zone["months"].as_array().unwrap();
    assert_eq!((months.len(), &months[0]["month"], &months[11]["month"]), (12, &"2025-07".into(), &"2026-06".into()));
    // June's parts: recycling 1.5 + 0.35, other recovery (R1) 0.45, landfill 0.2: 2.5 t in all.
    let part =
        |name: &str| months[11]["parts"].as_array().unwrap().iter().find(|p| p["category"] == name).unwrap().clone();
    assert!(close(&part("recycling")["non_hazardous_t"], 1.85), "{}", months[11]);
    assert!(close(&part("other-recovery")["non_hazardous_t"], 0.45), "{}", months[11]);
    assert!(close(&part("landfill")["non_hazardous_t"], 0.2), "{}", months[11]);
    assert!(
        close(&part("preparation-for-re-use")["non_hazardous_t"], 0.0) && close(&part("recycling")["hazardous_t"], 0.0)
    );
    let may: f64 = months[10]["parts"].as_array().unwrap().iter().map(|p| p["non_hazardous_t"].as_f64().unwrap()).sum();
    assert_eq!(may, 0.0);
    // The zone's rates are Logistique A21's: 1.85 / 2.5 = 74 % re-use and recycling.
    assert!(
        close(&zone["rates"]["reuse_recycling"], 0.74) && close(&zone["rates"]["declared_t"], 1.0),
        "{}",
        zone["rates"]
    );
    // Every active company has its line; all but Logistique A21 weighed nothing.
    let companies = zone["companies"].as_array().unwrap();
    let a21 = companies.iter().find(|c| c["company"] == "logistique-a21").unwrap();
    assert!(close(&a21["rates"]["generated_t"], 2.5) && close(&a21["rates"]["declared_t"], 1.0), "{a21}");
    let silent = companies.iter().filter(|c| c["rates"]["generated_t"] == 0.0).count();
    assert_eq!(silent, companies.len() - 1);
    // One exchange: the cardboard to Cartonnages de Lens.
    assert_eq!(zone["exchanges"].as_array().unwrap().len(), 1, "{}", zone["exchanges"]);
    let e = &zone["exchanges"][0];
    assert_eq!(
        (&e["from"], &e["to"], &e["stream"], &e["treatment"]),
        (&"logistique-a21".into(), &"cartonnages-lens".into(), &"cardboard".into(), &"R3".into())
    );
    assert!(close(&e["tonnes"], 1.5));
    // Savings: the 1.5 t of cardboard recovered and recycled (the R13 mass is interim, not
    // recovered), priced and factored by the reference estimates: 1.5 x (164 + 30) = 291 EUR,
    // 1.5 x 1,261.41472 kg = 1.89212208 t CO2e.
    let s = &zone["savings"];
    assert!(close(&s["recovered_t"], 1.5) && close(&s["recycled_t"], 1.5) && close(&s["unpriced_t"], 0.0), "{s}");
    assert!(close(&s["cost_avoided_eur"], 291.0) && close(&s["co2e_avoided_t"], 1.89212208), "{s}");
    assert!(close(&s["priced_reference_t"], 1.5) && close(&s["factored_reference_t"], 1.5), "{s}");
    // A month without any weighing: nothing recovered, so 0, not "not configured".
    let may = json(&["report", "--zone", "--month", "2026-05"]);
    assert_eq!(may["savings"]["cost_avoided_eur"], 0.0);
    assert!(may["exchanges"].as_array().unwrap().is_empty() && may["rates"]["reuse_recycling"].is_null());

    // The company's year holds the same June and the same exchange.
    let year = json(&["report", "--company", "logistique-a21", "--year", "2026"]);
    assert_eq!(year["months"][5], months[11]);
    assert_eq!(year["exchanges"], zone["exchanges"]);
}

/// The command line refuses what it cannot read, exit 64, saying why.
#[test]
fn a_refused_report_command_line_says_why() {
    for (args, why) in [
        (&["--zone", "--month", "2026-13"][..], "there is no month 13; write YYYY-MM"),
        (&["--zone", "--month", "June"], "write the month as YYYY-MM"),
        (&["--zone", "--company", "logistique-a21"], "cannot be used with"),
        (&["--company", "logistique-a21", "--month", "2026-06"], "cannot be used with"),
        (&["--company", "logistique-a21", "--format", "pdf"], "[possible values: text, html, csv, json]"),
    ] {
        let out = std::process::Command::new(bin()).arg("report").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
}
