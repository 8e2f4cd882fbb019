//! Live state end to end: events land in the `events` table and in the gauges, and a restart
//! rebuilds the same gauges from the database.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// The live gauges that do not depend on the clock, by series.
async fn live_gauges(d: &Daemon) -> BTreeMap<String, String> {
    let text = d.metrics_text().await.expect("metrics");
    text.lines()
        .filter(|l| {
            [
                "wasteflow_container_fill_percent{",
                "wasteflow_container_fill_rate_percent_per_hour{",
                "wasteflow_container_seconds_to_full{",
                "wasteflow_container_battery_percent{",
                "wasteflow_container_temperature_celsius{",
                "wasteflow_container_anomaly_score{",
                "wasteflow_container_open_events{",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// Waits for the live task's next export of its gauges (a tick after this call): the seconds
/// since each gateway's latest reading move on at every export.
async fn next_live_export(d: &Daemon) {
    const GAUGE: &str = "wasteflow_gateway_seconds_since_reading";
    let seen = d.metric(GAUGE).await;
    wait_until(Duration::from_secs(10), &format!("a live tick (a new export of {GAUGE})"), || async {
        d.metric(GAUGE).await > seen
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_recorded_and_a_restart_rebuilds_the_same_gauges() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 2 * 3_600_000).to_string();
    let summary =
        simulate(&env, &["--frames", "600", "--readings-per-frame", "20", "--seed", "8", "--start-ms", &start]);
    let expected = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(60), "readings stored", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    // The cardboard bale store (overflow threshold 90 %) reports 95 %: one overflow event.
    let frame = wasteflow::wire::encode(&wasteflow::wire::Frame {
        seq: 1,
        base_time_ms: now_ms() - 1_000,
        readings: vec![wasteflow::wire::Reading {
            sensor: 1,
            offset_ms: 0,
            value: wasteflow::wire::Measurement::FillLevel(95.0),
        }],
    });
    let topic = env.topic("cartonnages-lens", "gw-cl-01");
    publish_raw_to(env.broker_port, &[(topic.clone(), frame.clone()), (topic, frame)]).await;
    wait_until(Duration::from_secs(20), "an overflow event", || async {
        db.count("SELECT count(*) FROM events WHERE kind = 'overflow' AND container_id = 'cl-cardboard-1' AND closed_at IS NULL").await == 1
    })
    .await;
    next_live_export(&daemon).await;
    // Which gateway each container reports through, for the alert rules' inhibitions: one
    // series per pair of the registry, at 1.
    let text = daemon.metrics_text().await.expect("/metrics");
    let exported: std::collections::BTreeSet<String> = text
        .lines()
        .filter(|l| l.starts_with("wasteflow_container_gateway{") && l.ends_with(" 1"))
        .map(str::to_string)
        .collect();
    let zone = wasteflow::zone::Zone::load(&zone_file()).unwrap();
    let company_of: std::collections::HashMap<_, _> =
        zone.file.containers.iter().map(|c| (c.id.clone(), c.company.clone())).collect();
    let registry: std::collections::BTreeSet<String> = zone
        .file
        .gateways
        .iter()
        .flat_map(|g| g.sensors.iter().map(move |s| (g.id.clone(), s.container.clone())))
        .map(|(g, c)| {
            format!("wasteflow_container_gateway{{company=\"{}\",container=\"{c}\",gateway=\"{g}\"}} 1", company_of[&c])
        })
        .collect();
    assert_eq!(exported, registry, "one series per container and gateway of the registry");
    let open_in_db = db.count("SELECT count(*) FROM events WHERE closed_at IS NULL").await;
    let before = live_gauges(&daemon).await;
    let open_gauges =
        before.iter().filter(|(k, v)| k.starts_with("wasteflow_container_open_events{") && *v == "1").count();
    assert_eq!(open_gauges as i64, open_in_db, "open-event gauges match the events table");
    assert_eq!(
        db.count("SELECT count(*) FROM (SELECT container_id, kind FROM events WHERE closed_at IS NULL GROUP BY 1, 2 HAVING count(*) > 1) x").await,
        0,
        "at most one open event per container and kind"
    );
    assert!(daemon.terminate().await.success());

    let daemon = Daemon::start(&env).await;
    next_live_export(&daemon).await;
    let after = live_gauges(&daemon).await;
    assert!(before.len() > 50, "{} live series", before.len());
    let diff: Vec<_> =
        before.iter().filter(|(k, v)| after.get(*k) != Some(v)).map(|(k, v)| (k, v, after.get(k))).collect();
    assert!(
        diff.is_empty() && after.len() == before.len(),
        "gauges differ after the restart (before, after): {diff:#?}"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM events WHERE closed_at IS NULL").await,
        open_in_db,
        "no event opened twice by the restart"
    );
    assert!(daemon.terminate().await.success());
}
