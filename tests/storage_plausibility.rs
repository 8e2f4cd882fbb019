//! Storage suite: a weighing above what its container can hold (`max_load_kg`) is named, never
//! silently summed: the view `implausible_weighings`, the company detail panel and `wasteflow
//! report` show it, and the figures keep it as weighed (docs/kpis.md, "Plausibility").

mod common;
use common::grafana::substitute;
use common::storage::{batch_of, weighing, StorageTarget};
use wasteflow::report::company_year;
use wasteflow::store::prepare;
use wasteflow::zone::Zone;

/// 2027-06-15T10:00:00Z: noon in Paris.
const NOON: u64 = 1_813_053_600_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighing_above_the_container_capacity_is_named_not_dropped() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    // ba-rubble-1 holds at most 25,000 kg (config/zone.toml). Three weighings: 20 t and 25 t
    // (plausible: at most the capacity), and 27.5 t (2.5 t above it).
    let ba = "beton-artois";
    let readings = vec![
        weighing(&zone, ba, "gw-ba-01", 1, 20_000.0, NOON),
        weighing(&zone, ba, "gw-ba-01", 1, 25_000.0, NOON + 3_600_000),
        weighing(&zone, ba, "gw-ba-01", 1, 27_500.0, NOON + 7_200_000),
    ];
    let mut writer = target.writer();
    writer.write(&batch_of(readings)).await.expect("write");
    writer.close().await;
    let db = target.connect().await;
    let c = &db.client;

    let rows =
        c.query("SELECT container_id, mass_t, max_load_t, excess_t FROM implausible_weighings", &[]).await.unwrap();
    let got: Vec<(String, f64, f64, f64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    assert_eq!(got, vec![("ba-rubble-1".to_string(), 27.5, 25.0, 2.5)], "only the weighing above 25 t");

    // The company detail panel, for June: 1 weighing, 27.5 t, 2.5 t above.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards/company-detail.json");
    let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let panel = common::grafana::panels(&dash)
        .into_iter()
        .find(|p| p["title"] == "Weighings above the container's capacity")
        .expect("the panel");
    let sql = substitute(
        panel["targets"][0]["rawSql"].as_str().unwrap(),
        "2027-06-01T00:00:00+02:00",
        "2027-07-01T00:00:00+02:00",
        ba,
    );
    let r = c.query_one(&sql, &[]).await.unwrap();
    assert_eq!(
        (r.get::<_, i64>(0), r.get::<_, f64>(1), r.get::<_, f64>(2), r.get::<_, String>(3)),
        (1, 27.5, 2.5, "ba-rubble-1".to_string())
    );

    // The figures keep it as weighed: 20 + 25 + 27.5 = 72.5 t generated; the report names it.
    let year = company_year::read(c, ba, 2027).await.expect("report");
    let generated = year.categories.iter().find(|k| k.name == "waste-generated").unwrap().total_t;
    assert!((generated - 72.5).abs() < 1e-9, "{generated}");
    let page = company_year::render(&year);
    assert!(
        page.contains(
            "  1 weighing(s) of ba-rubble-1 above its capacity (25.000 t): 27.500 to 27.500 t, 27.500 t in all, \
             counted as weighed"
        ),
        "{page}"
    );
    db.close().await;
}
