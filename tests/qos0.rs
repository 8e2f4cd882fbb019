//! A gateway misconfigured to QoS 0 among QoS 1 traffic: its frames are stored (at most once,
//! by the sender's choice) and never acknowledged (a PUBACK for packet id 0 is a protocol
//! error: Mosquitto would drop the daemon's connection at every such message). The QoS 1
//! traffic is stored once, with no reconnect.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};
use wasteflow::wire::{encode, Frame, Measurement, Reading};

const QOS0_FRAMES: usize = 50;
const READINGS_PER_FRAME: usize = 5;

/// The `qos` series of `wasteflow_messages_received_total`.
fn received_with_qos(text: &str, qos: &str) -> f64 {
    let series = format!("wasteflow_messages_received_total{{qos=\"{qos}\"}}");
    text.lines().filter(|l| l.starts_with(&series)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos0_frames_among_qos1_traffic_are_stored_without_a_reconnect() {
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;

    // QoS 1: the simulator, three hours back (its 2,000 frames span about half an hour).
    let start = (now_ms() - 3 * 3_600_000).to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", "2000", "--readings-per-frame", "10", "--rate", "400", "--seed", "7", "--start-ms", &start],
    );

    // QoS 0, meanwhile: real frames from one gateway, published by mosquitto_pub.
    let dir = Scratch::dir("wf-qos0-");
    let topic = env.topic("metallerie-lievin", "gw-ml-01");
    let base = now_ms() - 120_000;
    for i in 0..QOS0_FRAMES {
        let readings = (0..READINGS_PER_FRAME)
            .map(|r| Reading {
                sensor: 1 + (r % 3) as u16,
                offset_ms: r as u32 * 10,
                value: Measurement::FillLevel(10.0 + i as f32),
            })
            .collect();
        let file = dir.join(format!("{i}.bin"));
        std::fs::write(&file, encode(&Frame { seq: i as u32, base_time_ms: base + i as u64 * 1000, readings }))
            .unwrap();
        let out = Command::new("mosquitto_pub")
            .args(["-h", BROKER_HOST, "-p", &broker.port.to_string(), "-q", "0", "-t", &topic, "-f"])
            .arg(&file)
            .output()
            .expect("mosquitto_pub is required (Debian package mosquitto-clients)");
        assert!(out.status.success(), "mosquitto_pub: {}", String::from_utf8_lossy(&out.stderr));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(dir);

    let summary = sim.join().unwrap();
    let published_at = Instant::now();
    let qos1_messages = summary["frames"].as_u64().expect("summary.frames") as f64;
    let qos1_readings = summary["readings"].as_i64().unwrap();
    let qos0_readings = (QOS0_FRAMES * READINGS_PER_FRAME) as i64;
    wait_until(Duration::from_secs(60), "every QoS 1 and QoS 0 reading stored", || async {
        db.count("SELECT count(*) FROM readings").await == qos1_readings + qos0_readings
    })
    .await;
    let settled_s = published_at.elapsed().as_secs_f64();
    let reconnects = daemon.metric("wasteflow_mqtt_reconnects_total").await.unwrap_or(0.0);
    assert_eq!(reconnects, 0.0, "no reconnect; daemon log:\n{}\nbroker log:\n{}", daemon.log_text(), broker.log());

    let q0_stored = db
        .count(&format!(
            "SELECT count(*) FROM readings_attributed WHERE gateway_id = 'gw-ml-01' AND ts >= to_timestamp({} / 1000.0)",
            base
        ))
        .await;
    assert_eq!(q0_stored, qos0_readings, "every QoS 0 reading stored");
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 0);
    let duplicates = daemon.metric("wasteflow_readings_duplicate_total").await.unwrap_or(0.0);
    assert_eq!(duplicates, 0.0, "each QoS 1 message stored once (nothing redelivered)");

    let text = daemon.metrics_text().await.unwrap();
    assert_eq!(received_with_qos(&text, "0"), QOS0_FRAMES as f64, "QoS 0 deliveries counted");
    assert_eq!(received_with_qos(&text, "1"), qos1_messages, "QoS 1 deliveries counted");
    assert_eq!(
        metric_sum(&text, "wasteflow_messages_received_total"),
        Some(qos1_messages + QOS0_FRAMES as f64),
        "the total still sums every delivery"
    );
    // Acks only for QoS 1, all of them once committed.
    wait_until(Duration::from_secs(20), "every QoS 1 message acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(qos1_messages)
    })
    .await;
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    let text = daemon.metrics_text().await.unwrap();
    let longest = histogram_bound(&text, "wasteflow_receive_to_commit_seconds").unwrap();
    println!(
        "figures: qos1 sent {qos1_messages} messages / {qos1_readings} readings, qos0 sent {QOS0_FRAMES} messages / \
         {qos0_readings} readings; stored {}; dead-lettered 0; duplicates {duplicates}; reconnects {reconnects}; \
         every message committed within {longest} s of receipt; all stored {settled_s:.1} s after the last publish",
        qos1_readings + qos0_readings
    );
    assert!(daemon.terminate().await.success());
}
