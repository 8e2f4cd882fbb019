//! Start-up does not grow with history (issue 15): with a year of readings in the database and
//! no live-state rows yet (the first start after upgrading from a build that kept the live state
//! in memory), the daemon seeds each container from its sensors' latest readings through the
//! readings' key, reading a few rows per sensor, not the history.

mod common;
use common::*;
use std::time::{Duration, Instant};

/// Rows of `readings` read so far (index and sequential scans), from the statistics.
async fn readings_rows_read(db: &TestDb) -> i64 {
    db.count("SELECT (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::int8 FROM pg_stat_user_tables WHERE relname = 'readings'")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_history_is_not_read_at_start() {
    let days: i64 = std::env::var("WASTEFLOW_STARTUP_DAYS").ok().and_then(|d| d.parse().ok()).unwrap_or(365);
    let db = TestDb::new().await;
    let env = Env::new(&db);
    // Kinds: 0 fill level, 3 temperature, 4 battery (docs/wire-format.md).
    // A first start creates the schema and the registry; then the live state is forgotten, as
    // before migration 12, and a year of readings is written as if stored as they were taken.
    let daemon = Daemon::start(&env).await;
    assert!(daemon.terminate().await.success());
    let c = db.client().await;
    let t0 = Instant::now();
    c.batch_execute(&format!(
        "DELETE FROM container_live;
         INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq, stored_at)
         SELECT s.id, k.kind, t, CASE k.kind WHEN 0 THEN (extract(epoch FROM t)::int8 / 900 % 80) * 1000 + 5000
                                             WHEN 3 THEN 20000 ELSE 90000 END,
                (SELECT a.id FROM attributions a WHERE a.sensor_id = s.id ORDER BY a.valid_from DESC NULLS FIRST LIMIT 1), 0, t
         FROM sensors s
         CROSS JOIN (VALUES (0::int2, interval '15 minutes'), (3::int2, interval '6 hours'), (4::int2, interval '6 hours')) AS k(kind, step)
         CROSS JOIN LATERAL generate_series(date_trunc('hour', now()) - interval '{days} days', date_trunc('hour', now()) - interval '1 hour', k.step) AS t;
         ANALYZE readings;"
    ))
    .await
    .unwrap();
    let rows = db.count("SELECT count(*) FROM readings").await;
    let sensors = db.count("SELECT count(*) FROM sensors").await;
    println!("{rows} readings over {days} days for {sensors} sensors written in {:.1} s", t0.elapsed().as_secs_f64());
    // The statistics of the writes above settle before the baseline is read.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = readings_rows_read(&db).await;

    let started = Instant::now();
    let daemon = Daemon::start(&env).await;
    let ready = started.elapsed();
    let containers = db.count("SELECT count(*) FROM containers").await;
    wait_until(Duration::from_secs(60), "every container's live state seeded", || async {
        db.count("SELECT count(*) FROM container_live WHERE fill_pct IS NOT NULL").await == containers
    })
    .await;
    let seeded = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let read = readings_rows_read(&db).await - before;
    println!(
        "start with {days} days of history: subscribed in {:.2} s, live state seeded in {:.2} s, {read} rows of readings read",
        ready.as_secs_f64(),
        seeded.as_secs_f64()
    );
    // Five kinds per sensor, the latest of each: a handful of rows each, whatever the history.
    assert!(read <= 20 * sensors, "{read} rows of readings read at start for {sensors} sensors");
    assert!(daemon.terminate().await.success());
}
