//! Storage suite: `weighings` (migration 24) holds every stored net-mass reading once more, written
//! by the batch that stores it; the migration copies those stored before it; `wasteflow verify`
//! names a weighing missing from it (docs/storage.md, "Weighings").

mod common;
use common::grafana::substitute;
use common::storage::{batch_of, reading, weighing, StorageTarget};
use wasteflow::store::{prepare, verify};
use wasteflow::wire::Measurement;
use wasteflow::zone::Zone;

/// 2027-06-15T10:00:00Z.
const T0: u64 = 1_813_053_600_000;
const HOUR: u64 = 3_600_000;

/// (sensor id, ms since the epoch, grams, attribution id) of every row of `weighings`, by sensor and time.
async fn weighings(c: &tokio_postgres::Client) -> Vec<(i32, i64, i64, i32)> {
    c.query(
        "SELECT sensor_id, (extract(epoch FROM ts) * 1000)::int8, value_milli, attribution_id FROM weighings ORDER BY 1, 2, 4",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stored_weighing_is_in_weighings_once() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let ba = "beton-artois";
    // Sensor 1 of gw-ba-01 weighs (kind 1) and reads a fill (kind 0): two weighings, 20,000 kg
    // and 12,345.678 kg, and one fill of 40 %.
    let w1 = weighing(&zone, ba, "gw-ba-01", 1, 20_000.0, T0);
    let w2 = weighing(&zone, ba, "gw-ba-01", 1, 12_345.678, T0 + HOUR);
    let fill = reading(&zone, ba, "gw-ba-01", 1, Measurement::FillLevel(40.0), T0 + 2 * HOUR);
    let (sensor, attribution) = (w1.sensor_id, w1.attribution);
    let mut writer = target.writer();
    writer.write(&batch_of(vec![w1.clone(), fill.clone(), w2.clone()])).await.expect("write");
    // Delivered again (a redelivery after a lost ack): stored once, as the readings are.
    let again = writer.write(&batch_of(vec![w1, fill, w2])).await.expect("write again");
    assert_eq!(again.duplicates, 3);
    writer.close().await;
    let db = target.connect().await;
    // The fill is not a weighing; the masses in grams, exactly: 20,000,000 g and 12,345,678 g.
    let expected =
        vec![(sensor, T0 as i64, 20_000_000, attribution), (sensor, (T0 + HOUR) as i64, 12_345_678, attribution)];
    assert_eq!(weighings(&db.client).await, expected);
    assert_eq!(verify(&db.client, std::time::Duration::from_secs(60)).await.unwrap(), vec![]);

    // The company detail's "Last weighing": the latest one with a load, whatever the dashboard's
    // time range; an empty container's weighing (0 kg, 3 hours after T0) is not one.
    let mut writer = target.writer();
    writer.write(&batch_of(vec![weighing(&zone, ba, "gw-ba-01", 1, 0.0, T0 + 3 * HOUR)])).await.expect("write 0 kg");
    writer.close().await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards/company-detail.json");
    let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let panel = common::grafana::panels(&dash).into_iter().find(|p| p["title"] == "Last weighing").expect("the panel");
    let sql = substitute(
        panel["targets"][0]["rawSql"].as_str().unwrap(),
        "2027-07-01T00:00:00+02:00",
        "2027-08-01T00:00:00+02:00",
        ba,
    );
    let last = db.client.query_one(&format!("SELECT last_weighing::float8 FROM ({sql}) p"), &[]).await.unwrap();
    let last = last.get::<_, Option<f64>>(0);
    assert_eq!(last, Some((T0 + HOUR) as f64), "{sql}");

    // A weighing missing from `weighings` (as if written by a build before migration 24 that the
    // migration did not see): `verify` names it, with the reading's grams and sensor.
    db.client
        .execute("DELETE FROM weighings WHERE ts = to_timestamp($1::float8 / 1000)", &[&((T0 + HOUR) as f64)])
        .await
        .unwrap();
    let missing = verify(&db.client, std::time::Duration::from_secs(60)).await.unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].rollup, "weighings");
    assert_eq!(missing[0].expected.as_deref(), Some(format!("12345678 g, sensor {sensor}").as_str()));
    assert_eq!(missing[0].actual, None);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_24_copies_the_weighings_stored_before_it() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let ba = "beton-artois";
    let w = weighing(&zone, ba, "gw-ba-01", 1, 27_500.0, T0);
    let (sensor, attribution) = (w.sensor_id, w.attribution);
    let mut writer = target.writer();
    writer
        .write(&batch_of(vec![w, reading(&zone, ba, "gw-ba-01", 1, Measurement::FillLevel(75.0), T0)]))
        .await
        .unwrap();
    writer.close().await;
    // The database as migration 22 left it: no `weighings` (the views reading it go with it),
    // migration 24 not applied, the views of an earlier build (their md5 forgotten: applied
    // again), the index of loaded weighings in `readings` that migration 24 drops.
    let db = target.connect().await;
    db.client
        .batch_execute(
            "DROP TABLE weighings CASCADE; DELETE FROM schema_migrations WHERE version = 24; DELETE FROM schema_repeatable;
             CREATE INDEX readings_weighings_ts ON readings (ts) WHERE kind = 1 AND value_milli > 0",
        )
        .await
        .unwrap();
    db.close().await;
    prepare(&target.settings, &zone, true).await.expect("migrate again");
    let db = target.connect().await;
    assert_eq!(weighings(&db.client).await, vec![(sensor, T0 as i64, 27_500_000, attribution)]);
    // The view of weighings above capacity is back, on the copied row: 27.5 t in ba-rubble-1,
    // which holds 25 t (config/zone.toml), 2.5 t above.
    let r = db.client.query_one("SELECT container_id, mass_t, excess_t FROM implausible_weighings", &[]).await.unwrap();
    assert_eq!((r.get::<_, String>(0), r.get::<_, f64>(1), r.get::<_, f64>(2)), ("ba-rubble-1".into(), 27.5, 2.5));
    // The readings' index is gone: nothing reads loaded weighings out of `readings` any more.
    let index = db.client.query_one("SELECT to_regclass('readings_weighings_ts') IS NULL", &[]).await.unwrap();
    assert!(index.get::<_, bool>(0));
    db.close().await;
}
