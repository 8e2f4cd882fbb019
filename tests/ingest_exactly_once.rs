//! End to end against the real broker and PostgreSQL: 20,000 readings stored exactly once,
//! a replay of the same frames changes nothing, and `verify` is clean.

mod common;
use common::*;
use std::time::Duration;

async fn rollup_snapshot(db: &TestDb) -> Vec<String> {
    let c = db.client().await;
    let mut out = Vec::new();
    for sql in [
        "SELECT bucket::text || classification_id || ':' || mass_g || '/' || weighings FROM flow_rollup_1m ORDER BY 1",
        "SELECT bucket::text || container_id || ':' || concat_ws('/', fill_min, fill_max, fill_sum, fill_count, emptied) FROM container_rollup_1m ORDER BY 1",
    ] {
        out.extend(c.query(sql, &[]).await.unwrap().iter().map(|r| r.get::<_, String>(0)));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_readings_stored_once_and_replay_changes_nothing() {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 3_600_000).to_string();
    let args = ["--frames", "400", "--readings-per-frame", "50", "--seed", "42", "--start-ms", &start];

    let summary = simulate(&env, &args);
    assert_eq!(summary["readings"], 20_000);
    wait_until(Duration::from_secs(60), "20,000 rows in readings", || async {
        db.count("SELECT count(*) FROM readings").await == 20_000
    })
    .await;
    let (ok, out) = verify(&env);
    assert!(ok, "verify after first pass: {out}");
    let before = rollup_snapshot(&db).await;
    assert!(before.len() > 10, "rollups were written");
    let dup_before = daemon.metric("wasteflow_readings_duplicate_total").await.unwrap_or(0.0);
    assert_eq!(daemon.metric("wasteflow_readings_stored_total").await, Some(20_000.0));

    // The same frames again, byte for byte.
    let again = simulate(&env, &args);
    assert_eq!(again, {
        let mut s = summary.clone();
        s["seconds"] = again["seconds"].clone();
        s
    });
    wait_until(Duration::from_secs(60), "20,000 more duplicates counted", || async {
        daemon.metric("wasteflow_readings_duplicate_total").await.unwrap_or(0.0) >= dup_before + 20_000.0
    })
    .await;
    assert_eq!(daemon.metric("wasteflow_readings_duplicate_total").await, Some(dup_before + 20_000.0));
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 20_000);
    assert_eq!(rollup_snapshot(&db).await, before, "rollups unchanged by the replay");
    let (ok, out) = verify(&env);
    assert!(ok, "verify after replay: {out}");
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 0);
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_a_tampered_rollup() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 600_000).to_string();
    simulate(&env, &["--frames", "60", "--readings-per-frame", "20", "--start-ms", &start]);
    wait_until(Duration::from_secs(30), "1,200 rows", || async {
        db.count("SELECT count(*) FROM readings").await == 1_200
    })
    .await;
    assert!(verify(&env).0);
    db.client()
        .await
        .batch_execute(
            "UPDATE flow_rollup_1m SET mass_g = mass_g + 1 WHERE ctid IN (SELECT ctid FROM flow_rollup_1m LIMIT 1)",
        )
        .await
        .unwrap();
    db.client()
        .await
        .batch_execute("DELETE FROM container_rollup_1m WHERE ctid IN (SELECT ctid FROM container_rollup_1m LIMIT 1)")
        .await
        .unwrap();
    let (ok, out) = verify(&env);
    assert!(!ok, "verify must fail on a tampered rollup: {out}");
    assert!(
        out.contains("flow_rollup_1m") && out.contains("container_rollup_1m") && out.contains("2 mismatch"),
        "{out}"
    );
    drop(daemon);
}
