//! The daemon recovers by itself: database backends terminated mid-stream, and the broker
//! killed and restarted (reconnect with backoff, subscribe again when the session is gone).
//! The fault suite of issue 6 repeats these many times; here each happens once or twice.

mod common;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_connections_killed_mid_stream_lose_nothing() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__DATABASE__RETRY_MIN".into(), "50ms".into()));
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 3_600_000).to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", "2000", "--readings-per-frame", "20", "--rate", "500", "--seed", "11", "--start-ms", &start],
    );
    let admin = pg(PG_ADMIN).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'wasteflow'",
                &[&db.name],
            )
            .await
            .unwrap();
    }
    let summary = sim.join().unwrap();
    assert_eq!(summary["readings"], 40_000);
    wait_until(Duration::from_secs(60), "40,000 readings", || async {
        db.count("SELECT count(*) FROM readings").await == 40_000
    })
    .await;
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(
        daemon.metric("wasteflow_batch_failures_total").await.unwrap_or(0.0) >= 1.0,
        "the failures were seen and retried"
    );
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_killed_and_restarted_the_daemon_reconnects_and_resubscribes() {
    let db = TestDb::new().await;
    let (mut env, mut broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__MQTT__RECONNECT_MIN".into(), "50ms".into()));
    env.extra.push(("WASTEFLOW__MQTT__RECONNECT_MAX".into(), "1s".into()));
    let daemon = Daemon::start(&env).await;
    let mut expected = 0i64;
    for round in 0..3u64 {
        let start = (now_ms() - 3_600_000 + round * 600_000).to_string();
        let summary = simulate(
            &env,
            &["--frames", "200", "--readings-per-frame", "10", "--seed", &round.to_string(), "--start-ms", &start],
        );
        expected += summary["readings"].as_i64().unwrap();
        wait_until(Duration::from_secs(30), "round stored", || async {
            db.count("SELECT count(*) FROM readings").await == expected
        })
        .await;
        broker.kill_and_restart();
        wait_until(Duration::from_secs(30), "daemon subscribed again", || async {
            daemon.metric("wasteflow_mqtt_subscribed").await == Some(1.0)
                && daemon.metric("wasteflow_mqtt_reconnects_total").await >= Some(round as f64 + 1.0)
        })
        .await;
    }
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
}
