//! SIGTERM in the middle of a stream: the daemon commits and acks what it took, exits 0,
//! and after a restart every published reading is stored exactly once.

mod common;
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
