//! Every delivery is counted exactly once, by outcome: after each message of a hostile mix
//! (valid frames, exact redeliveries, the same bad message twice, malformed bytes, an unknown
//! gateway, an out-of-range reading inside a good frame, an empty frame),
//! `wasteflow_messages_received_total` equals the sum of `wasteflow_deliveries_total`, and
//! every rejection is counted, new dead letter or not.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::wire::Measurement;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_counts_once_by_outcome() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let now = now_ms() - 60_000;
    let ok = env.topic("metallerie-lievin", "gw-ml-01");
    let v1 = encode_frame(1, now, &[(1, 0, Measurement::FillLevel(40.0)), (2, 0, Measurement::TemperatureC(20.0))]);
    let v2 = encode_frame(1, now + 1_000, &[(3, 0, Measurement::BatteryPercent(80.0))]);
    let partly =
        encode_frame(1, now + 2_000, &[(1, 0, Measurement::FillLevel(41.0)), (1, 1, Measurement::FillLevel(900.0))]);
    let truncated = v2[..v2.len() - 2].to_vec();
    let malformed = vec![0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x42];
    let ghost = env.topic("metallerie-lievin", "gw-ghost");
    let empty = encode_frame(1, now + 3_000, &[]);
    let mix: Vec<(&str, String, Vec<u8>)> = vec![
        ("valid", ok.clone(), v1.clone()),
        ("valid", ok.clone(), v2.clone()),
        ("out-of-range reading in a good frame", ok.clone(), partly.clone()),
        ("bad message", ok.clone(), truncated.clone()),
        ("malformed bytes", ok.clone(), malformed),
        ("unknown gateway", ghost, v1.clone()),
        ("empty frame", ok.clone(), empty),
        ("exact redelivery", ok.clone(), v1),
        ("exact redelivery", ok.clone(), v2),
        ("exact redelivery of the partly bad frame", ok.clone(), partly),
        ("the same bad message again", ok.clone(), truncated),
    ];
    let outcomes = ["stored", "duplicate", "duplicate_partly_rejected", "dead_lettered", "empty"];
    for (k, (what, topic, payload)) in mix.iter().enumerate() {
        publish_raw(&[(topic.clone(), payload.clone())]).await;
        let n = (k + 1) as f64;
        wait_until(Duration::from_secs(20), &format!("message {k} ({what}) acked"), || async {
            daemon.metric("wasteflow_mqtt_acks_total").await == Some(n)
        })
        .await;
        let text = daemon.metrics_text().await.unwrap();
        let received = metric_sum(&text, "wasteflow_messages_received_total").unwrap();
        let counted: f64 = outcomes
            .iter()
            .map(|o| metric_series(&text, "wasteflow_deliveries_total", &format!("outcome=\"{o}\"")))
            .sum();
        assert_eq!((received, counted), (n, n), "after message {k} ({what}): received = the sum of outcomes");
        let all = metric_sum(&text, "wasteflow_deliveries_total").unwrap();
        assert_eq!(all, n, "no outcome outside the documented set");
    }

    let text = daemon.metrics_text().await.unwrap();
    let got: Vec<(&str, f64)> = outcomes
        .iter()
        .map(|&o| (o, metric_series(&text, "wasteflow_deliveries_total", &format!("outcome=\"{o}\""))))
        .collect();
    println!("delivery accounting: {} messages, outcomes {got:?}", mix.len());
    assert_eq!(
        got,
        [
            ("stored", 3.0),
            ("duplicate", 2.0),
            ("duplicate_partly_rejected", 1.0),
            ("dead_lettered", 4.0),
            ("empty", 1.0)
        ]
    );
    // Every rejection counted, per reason: the bad message twice, the out-of-range reading twice.
    for (reason, every, new) in
        [("truncated", 2.0, 1.0), ("malformed", 1.0, 1.0), ("unknown_gateway", 1.0, 1.0), ("out_of_range", 2.0, 1.0)]
    {
        let label = format!("reason=\"{reason}\"");
        assert_eq!(metric_series(&text, "wasteflow_rejections_total", &label), every, "{reason}: every rejection");
        assert_eq!(
            metric_series(&text, "wasteflow_readings_rejected_total", &label),
            new,
            "{reason}: new dead letters"
        );
    }
    assert_eq!(metric_sum(&text, "wasteflow_rejections_total"), Some(6.0));
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 4);
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 4);
    assert!(daemon.terminate().await.success());
}
