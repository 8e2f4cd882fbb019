//! `wasteflow simulate` cannot pollute a real zone by accident: without `--zone-topics` it
//! publishes under the demo's prefix, and a daemon subscribed to the zone's topics receives
//! nothing; a daemon subscribed to the demo's topics receives it all. On a private broker, so
//! that the demo's topics are this test's alone.

mod common;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_leaves_the_zones_topics_alone_without_the_flag() {
    let zone_db = TestDb::new().await;
    let (zone_env, _broker) = Env::with_private_broker(&zone_db);
    let zone_daemon = Daemon::start(&zone_env).await;
    let demo_db = TestDb::new().await;
    let mut demo_env = zone_env.clone();
    demo_env.topic_prefix = "demo".into();
    demo_env.client_id = unique("wf-demo-");
    demo_env.db_url = demo_db.url.clone();
    let demo_daemon = Daemon::start(&demo_env).await;

    // The zone's configuration, no flag: the way an operator would try it on a real host.
    let start = (now_ms() - 3_600_000).to_string();
    let out = zone_env
        .command()
        .args(["simulate", "--frames", "100", "--readings-per-frame", "5", "--seed", "3", "--start-ms", &start])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("simulate: publishing on demo/+/+/up (--zone-topics for the zone's own)"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    let sent = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(30), "the demo's daemon stores it all", || async {
        demo_db.count("SELECT count(*) FROM readings").await == sent
    })
    .await;
    assert_eq!(zone_db.count("SELECT count(*) FROM readings").await, 0);
    assert_eq!(zone_db.count("SELECT count(*) FROM rejected_messages").await, 0);
    assert_eq!(zone_daemon.metric("wasteflow_messages_received_total").await, Some(0.0));
    assert!(zone_daemon.terminate().await.success());
    assert!(demo_daemon.terminate().await.success());
}
