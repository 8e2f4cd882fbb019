//! Loss before the daemon made visible (issue 15): a broker on a small queue limit drops a
//! stopped daemon's messages silently; the gateway's frame counter shows the gap, and the
//! missing count equals what the broker dropped.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::wire::Measurement;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_a_broker_drops_are_counted_missing() {
    const QUEUE: usize = 100;
    const SENT: u32 = 2_000;
    let db = TestDb::new().await;
    let broker = broker::PrivateBroker::start_with(&[("max_queued_messages", &QUEUE.to_string())]);
    let mut env = Env::new(&db);
    env.broker_port = broker.port;
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    env.extra.push(("WASTEFLOW__LIVE__REORDER_WAIT".into(), "1s".into()));
    // The daemon subscribes once (its session stays at the broker), then is stopped.
    let daemon = Daemon::start(&env).await;
    assert!(daemon.terminate().await.success());

    // A gateway sends SENT frames, one reading each, while the daemon is away: the broker
    // queues QUEUE of them for the daemon's session and drops the rest without a word.
    let topic = env.topic("cartonnages-lens", "gw-cl-01");
    let base = now_ms() - 3_600_000;
    let frames: Vec<(String, Vec<u8>)> = (1..=SENT)
        .map(|seq| {
            let t = base + u64::from(seq) * 1000;
            (topic.clone(), encode_frame(seq, t, &[(1, 0, Measurement::FillLevel(10.0 + (seq % 50) as f32))]))
        })
        .collect();
    publish_raw_to(env.broker_port, &frames).await;

    let daemon = Daemon::start(&env).await;
    // One more frame after the daemon is back bounds the gap.
    let last = encode_frame(SENT + 1, base + u64::from(SENT + 1) * 1000, &[(1, 0, Measurement::FillLevel(30.0))]);
    publish_raw_to(env.broker_port, &[(topic, last)]).await;
    let received = || async {
        db.count("SELECT count(DISTINCT frame_seq) FROM readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.gateway_id = 'gw-cl-01'")
            .await
    };
    wait_until(Duration::from_secs(30), "the last frame stored and folded", || async {
        db.count("SELECT count(*) FROM gateway_sequence WHERE gateway_id = 'gw-cl-01' AND next_seq = 2002").await == 1
    })
    .await;
    let received = received().await;
    let dropped = i64::from(SENT + 1) - received;
    let missing = db.count("SELECT frames_missing FROM gateway_sequence WHERE gateway_id = 'gw-cl-01'").await;
    let gaps = db.count("SELECT coalesce(sum(missing), 0)::int8 FROM frame_gaps WHERE gateway_id = 'gw-cl-01'").await;
    let text = daemon.metrics_text().await.unwrap_or_default();
    let metric = metric_series(&text, "wasteflow_frames_missing_total", "gateway=\"gw-cl-01\"");
    println!("sent {} frames, the broker delivered {received} (queue limit {QUEUE}): {dropped} dropped, {missing} counted missing", SENT + 1);
    assert!(dropped >= (SENT as i64) - 2 * QUEUE as i64, "the broker did drop frames: {dropped}");
    assert_eq!(missing, dropped, "frames_missing = what the broker dropped");
    assert_eq!(gaps, dropped, "the frame_gaps rows add up to it");
    assert_eq!(metric as i64, dropped, "wasteflow_frames_missing_total{{gateway}}");
    assert!(daemon.terminate().await.success());
}
