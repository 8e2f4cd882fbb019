//! SIGTERM in the middle of a stream: the daemon commits and acks what it took, exits 0,
//! and after a restart every published reading is stored exactly once. A grace period that
//! runs out exits 75; a reload or the live rebuild in progress does not hold the stop.

mod common;
use common::proxy::{Mode, Proxy};
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_stream_loses_nothing_and_stores_nothing_twice() {
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 3_600_000).to_string();

    // 3,000 frames of 10 readings at 1,000 frames/s: about 3 s of stream.
    let sim = simulate_in_background(
        &env,
        &["--frames", "3000", "--readings-per-frame", "10", "--rate", "1000", "--seed", "7", "--start-ms", &start],
    );

    wait_until(Duration::from_secs(20), "some readings stored", || async {
        db.count("SELECT count(*) FROM readings").await > 2_000
    })
    .await;
    let status = daemon.terminate().await;
    assert!(status.success(), "SIGTERM exits 0, got {status}");
    let at_stop = db.count("SELECT count(*) FROM readings").await;
    assert!(at_stop < 30_000, "stopped mid-stream ({at_stop} rows)");

    let summary = sim.join().unwrap();
    assert_eq!(summary["readings"], 30_000);
    let daemon = Daemon::start(&env).await;
    wait_until(Duration::from_secs(60), "all 30,000 readings stored after restart", || async {
        db.count("SELECT count(*) FROM readings").await == 30_000
    })
    .await;
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
    assert!(!broker.log().contains("dropped"), "broker dropped messages: {}", broker.log());
}

/// The database cut with messages in flight: SIGTERM waits `shutdown.grace` for their commit,
/// then exits 75 (EX_TEMPFAIL), the code the systemd unit lists as a clean stop, told apart
/// from a failure (1). The broker redelivers what was not acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grace_period_that_runs_out_exits_75() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    let proxy = Proxy::start(5432).await;
    env.db_url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    for (k, v) in [
        ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "1s"),
        ("WASTEFLOW__DATABASE__CONNECT_TIMEOUT", "1s"),
        ("WASTEFLOW__DATABASE__RETRY_MAX", "1s"),
        ("WASTEFLOW__SHUTDOWN__GRACE", "2s"),
    ] {
        env.extra.push((k.into(), v.into()));
    }
    let daemon = Daemon::start(&env).await;
    proxy.set(Mode::Refuse);
    let start = (now_ms() - 3_600_000).to_string();
    simulate(&env, &["--frames", "20", "--readings-per-frame", "5", "--rate", "100", "--start-ms", &start]);
    wait_until(Duration::from_secs(10), "messages taken", || async {
        daemon.metric("wasteflow_messages_received_total").await.unwrap_or(0.0) >= 20.0
    })
    .await;
    let log = daemon.log_text();
    let (status, took) = daemon.terminate_timed().await;
    assert_eq!(status.code(), Some(i32::from(wasteflow::daemon::Exit::GRACE_EXPIRED_CODE)), "{status}; log:\n{log}");
    assert_eq!(status.code(), Some(75));
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(8), "the grace period, then out: {took:?}");

    proxy.set(Mode::Pass);
    let daemon = Daemon::start(&env).await;
    wait_until(Duration::from_secs(30), "redelivered and stored", || async {
        db.count("SELECT count(*) FROM readings").await == 100
    })
    .await;
    assert!(daemon.terminate().await.success());
}

/// A SIGTERM during a reload that waits for the database (here a registry table locked by
/// another session; the reload would wait up to the 60 s statement timeout) stops within the
/// grace period: the reload is abandoned, the running configuration was never replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_long_reload_stops_within_the_grace_period() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT".into(), "60s".into()));
    env.extra.push(("WASTEFLOW__SHUTDOWN__GRACE".into(), "2s".into()));
    let daemon = Daemon::start(&env).await;
    let mut locker = db.client().await;
    let tx = locker.transaction().await.unwrap();
    tx.batch_execute("LOCK TABLE zone_settings, companies IN ACCESS EXCLUSIVE MODE").await.unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(10), "the reload waits for the lock", || async {
        daemon.log_text().contains("SIGHUP: reloading")
            && db.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").await > 0
    })
    .await;
    let (status, took) = daemon.terminate_timed().await;
    tx.rollback().await.unwrap();
    assert!(took < Duration::from_secs(5), "stopped within the 2 s grace period (and a margin): {took:?}");
    assert!(status.success(), "nothing was in flight: {status}");
}

/// A SIGTERM while the live fold waits (here `container_live` locked by another session; the
/// fold would wait up to the statement timeout) stops at once: the fold's transaction is
/// dropped, and its inbox rows stay for the next fold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_live_fold_waits_for_a_lock_stops_at_once() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__SHUTDOWN__GRACE".into(), "2s".into()));
    // A first start applies the migrations.
    assert!(Daemon::start(&env).await.terminate().await.success());
    let mut locker = db.client().await;
    let tx = locker.transaction().await.unwrap();
    tx.batch_execute("LOCK TABLE container_live IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let daemon = Daemon::spawn(&env).await;
    wait_until(Duration::from_secs(20), "the live fold waits for the lock", || async {
        daemon.log_text().contains("database ready")
            && db.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").await > 0
    })
    .await;
    let (status, took) = daemon.terminate_timed().await;
    tx.rollback().await.unwrap();
    assert!(took < Duration::from_secs(5), "stopped within the 2 s grace period (and a margin): {took:?}");
    assert!(status.success(), "nothing was in flight: {status}");
}
