//! Events a person would call right (docs/operations.md, "Events"): on the noisy uniform
//! simulator, whose temperatures, fills and loads jump at random from one reading to the next,
//! a flickering condition is one event, not one per flicker.

mod common;
use common::*;
use std::time::Duration;

/// Waits until the `expected` readings are stored and the live state has folded them.
async fn stored_and_folded(db: &TestDb, expected: i64) {
    wait_until(Duration::from_secs(240), "readings stored", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    wait_until(Duration::from_secs(60), "the live state folded", || async {
        db.count("SELECT count(*) FROM live_inbox").await == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_noisy_frames_open_a_few_events_not_hundreds() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 3_600_000).to_string();
    let summary =
        simulate(&env, &["--frames", "1000", "--readings-per-frame", "20", "--seed", "3", "--start-ms", &start]);
    stored_and_folded(&db, summary["readings"].as_i64().unwrap()).await;
    let rows = db
        .client()
        .await
        .query("SELECT container_id, kind, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2", &[])
        .await
        .unwrap();
    let counts: Vec<(String, String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    println!("events per container and kind: {counts:?}");
    assert!(daemon.terminate().await.success());
    // The simulated hour: 1,000 frames over the zone's 16 containers. A condition that comes and
    // goes with the noise opens once and stays open while it keeps coming back.
    for (container, kind, n) in &counts {
        assert!(*n <= 2, "{container} {kind}: {n} events in an hour of noise");
    }
}

/// The realistic fortnight without faults: its collections, fills and temperatures open no
/// overload, fire risk, tilt or geofence event, and no container has more than a few events of
/// any kind (the counts are printed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fortnight_without_faults_opens_only_what_happened() {
    const DAY: i64 = 86_400_000;
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() as i64 - 15 * DAY).to_string();
    let summary = simulate(&env, &["--realistic", "--days", "14", "--seed", "5", "--start-ms", &start]);
    stored_and_folded(&db, summary["readings"].as_i64().unwrap()).await;
    let rows = db
        .client()
        .await
        .query("SELECT kind, count(*) AS n, max(per) AS most FROM (SELECT kind, container_id, count(*) AS per FROM events GROUP BY 1, 2) x GROUP BY 1 ORDER BY 1", &[])
        .await
        .unwrap();
    let counts: Vec<(String, i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    println!("containers with events, and the most events of one container, per kind: {counts:?}");
    assert!(daemon.terminate().await.success());
    for (kind, _, most) in &counts {
        assert!(
            !["overload", "fire_risk", "out_of_position", "outside_geofence", "device_fire_alarm"]
                .contains(&kind.as_str()),
            "{kind}: no such fault in this fortnight: {counts:?}"
        );
        assert!(*most <= 7, "{kind}: {most} events of one container in a fortnight: {counts:?}");
    }
}
