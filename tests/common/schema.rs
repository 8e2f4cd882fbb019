//! A database at an earlier migration, and readings written straight into it: for the tests
//! of a migration over data stored before it.

use wasteflow::store::MIGRATIONS;

/// Creates `schema_migrations` and applies the numbered migrations up to `last`, each recorded
/// as `wasteflow migrate` records it.
pub async fn apply_migrations_through(c: &tokio_postgres::Client, last: i32) {
    c.batch_execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
                                         applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .expect("schema_migrations");
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= last) {
        c.batch_execute(sql).await.unwrap_or_else(|e| panic!("migration {version}: {e}"));
        c.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&version, &name])
            .await
            .unwrap_or_else(|e| panic!("record migration {version}: {e}"));
    }
}

/// Readings of every sensor attributed to `container`, straight into `readings` (storage v2):
/// (time, kind: 0 fill % / 1 net mass kg, value).
pub async fn insert_readings(c: &tokio_postgres::Client, container: &str, rows: &[(&str, i16, f64)]) {
    for (ts, kind, value) in rows {
        c.execute(
            "INSERT INTO readings (ts, value_milli, sensor_id, attribution_id, frame_seq, kind)
             SELECT $2::text::timestamptz, ($4::float8 * 1000)::int8, a.sensor_id, a.id, 0, $3
             FROM attributions a WHERE a.container_id = $1",
            &[&container, ts, kind, value],
        )
        .await
        .expect("insert readings");
    }
}
