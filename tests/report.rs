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
    // Waste generated: 1.5 + 1.0 = 2.5 t, none hazardous.
    assert_eq!(tonnes("waste-generated"), vec![0.0, 2.5, 2.5], "{page}");
    // Diverted from disposal = recycling = the cardboard, 1.5 t.
    assert_eq!(tonnes("diverted-from-disposal"), vec![0.0, 1.5, 1.5], "{page}");
    assert_eq!(tonnes("recycling"), vec![0.0, 1.5, 1.5], "{page}");
    // The mixed waste awaits its final operation: 1.0 t pending, nothing directed to disposal.
    assert_eq!(tonnes("pending"), vec![0.0, 1.0, 1.0], "{page}");
    assert_eq!(tonnes("directed-to-disposal"), vec![0.0, 0.0, 0.0], "{page}");
    assert!(line("waste-generated").contains("ESRS E5 §37(a)"), "{page}");
    // Rates over the 2.5 - 1.0 = 1.5 t whose final operation is known: coverage 1.5 / 2.5 =
    // 60 %; re-use and recycling 1.5 / 1.5 = 100 %; non-recycled 0 / 1.5 = 0 %.
    assert!(page.contains("rates over the 1.500 t whose final operation is known (coverage 60.0 %)"), "{page}");
    assert!(page.contains("preparing for re-use and recycling  100.0 %"), "{page}");
    assert!(page.contains("non-recycled share (ESRS E5 §37(d)) 0.0 %"), "{page}");
    // What is missing: the pending tonne (40 % of 2.5 t), and the months before June without
    // any weighing.
    assert!(page.contains("1.000 t (40.0 % of the waste generated) went to an interim operation"), "{page}");
    assert!(page.contains("no weighing at all in Jan, Feb, Mar, Apr, May, Jul"), "{page}");

    // An unknown company is named.
    let out = Env::new(&db).command().args(["report", "--company", "nobody", "--year", "2026"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no company \"nobody\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_names_the_synergy_opportunities_and_unconfigured_savings() {
    let db = TestDb::new().await;
    let (settings, zone) = prepared(&db).await;
    // Logistique A21 on 15 June 2026: 1,500 kg of cardboard to Cartonnages de Lens (R3) and
    // 2,000 kg of broken pallets (15 01 03) to the transfer station (R13). The biomass boiler
    // accepts 15 01 03 for R1, at most 20 t a month: all 2 t fit.
    let page = write_and_report(&db, &settings, vec![weighing(&zone, 1, 1_500.0), weighing(&zone, 4, 2_000.0)]).await;
    assert!(
        page.contains(
            "wood-packaging (15 01 03) R13 -> R1 at chaufferie-souchez: 2.000 t available, 2.000 t fit its monthly \
             maximum; hierarchy unknown"
        ),
        "{page}"
    );
    // The example registry prices nothing and has no TGAP rate for 2026: the 1.5 t recycled
    // are neither priced nor factored.
    assert!(page.contains("savings and avoided impact over the 1.500 t recovered"), "{page}");
    assert!(page.contains("disposal cost avoided               not configured"), "{page}");
    assert!(page.contains("1.500 t without a cost or TGAP factor"), "{page}");
    assert!(page.contains("CO2e avoided by the 1.500 t recycled not configured"), "{page}");
}
