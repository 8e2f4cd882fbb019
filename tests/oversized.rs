//! Payloads the shipped broker accepts but the daemon refuses (above `mqtt.max_payload_bytes`,
//! at most Mosquitto's `message_size_limit` of 256 KiB) reach the daemon and are dead-lettered
//! as `payload_too_large`: the maximum packet size the daemon announces (`mqtt.max_packet_bytes`)
//! is above the largest packet the shipped broker accepts, so the broker drops none of them.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};
use wasteflow::wire::{encode, Frame, Measurement, Reading};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_up_to_the_broker_limit_are_dead_lettered() {
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;
    let topic = env.topic("metallerie-lievin", "gw-ml-01");

    // Above the broker's limit: refused by the broker (the publisher is told), never delivered.
    let dir = Scratch::dir("wf-oversized-");
    let refused = dir.join("300k.bin");
    std::fs::write(&refused, vec![1u8; 300_000]).unwrap();
    let _ = Command::new("mosquitto_pub")
        .args(["-V", "5", "-h", BROKER_HOST, "-p", &broker.port.to_string(), "-q", "1", "-t", &topic, "-f"])
        .arg(&refused)
        .output()
        .expect("mosquitto_pub is required (Debian package mosquitto-clients)");
    drop(dir);

    let sizes = [140_000usize, 250_000];
    let good = encode(&Frame {
        seq: 1,
        base_time_ms: now_ms() - 1_000,
        readings: vec![Reading { sensor: 1, offset_ms: 0, value: Measurement::FillLevel(40.0) }],
    });
    let mut messages: Vec<(String, Vec<u8>)> =
        sizes.iter().enumerate().map(|(i, &n)| (topic.clone(), vec![1 + i as u8; n])).collect();
    messages.push((topic.clone(), good));
    let started = Instant::now();
    publish_raw_to(broker.port, &messages).await;

    wait_until(Duration::from_secs(30), "both oversized payloads dead-lettered and the frame stored", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'payload_too_large'").await == 2
            && db.count("SELECT count(*) FROM readings").await == 1
    })
    .await;
    let took = started.elapsed().as_secs_f64();
    let c = db.client().await;
    let rows =
        c.query("SELECT detail, payload FROM rejected_messages ORDER BY length(detail), detail", &[]).await.unwrap();
    assert_eq!(rows.len(), 2, "nothing else dead-lettered (the 300 KB payload never arrived)");
    for (row, (i, &n)) in rows.iter().zip(sizes.iter().enumerate()) {
        let detail: String = row.get(0);
        let kept: Vec<u8> = row.get(1);
        assert!(detail.starts_with(&format!("{n} bytes")), "{detail}");
        assert_eq!(kept, vec![1 + i as u8; 65_536], "the first max_payload_bytes kept");
    }
    assert_eq!(daemon.metric("wasteflow_messages_received_total").await, Some(3.0));
    let reconnects = daemon.metric("wasteflow_mqtt_reconnects_total").await.unwrap_or(0.0);
    assert_eq!(reconnects, 0.0);
    wait_until(Duration::from_secs(10), "all three acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(3.0)
    })
    .await;
    let text = daemon.metrics_text().await.unwrap();
    let longest = histogram_bound(&text, "wasteflow_receive_to_commit_seconds").unwrap();
    println!(
        "figures: sent 3 accepted (140000, 250000 B, 1 frame) + 1 refused by the broker (300000 B); stored 1; \
         dead-lettered 2 (payload_too_large); duplicates 0; reconnects {reconnects}; \
         every message committed within {longest} s of receipt; all committed {took:.2} s after publishing"
    );
    assert!(daemon.terminate().await.success());
}
