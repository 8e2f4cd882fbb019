//! Every kind of bad input lands in `rejected_messages` with its own reason, raw bytes kept,
//! and valid sibling readings of a partly bad frame are stored.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::wire::Measurement;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_bad_input_has_its_own_reason() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let now = now_ms() - 1_000;
    let ok_topic = env.topic("metallerie-lievin", "gw-ml-01");
    let good = encode_frame(1, now, &[(1, 0, Measurement::FillLevel(40.0))]);
    let mut random = vec![0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    random.extend((0..40u8).map(|i| i.wrapping_mul(97)));
    let mut unknown_version = good.clone();
    unknown_version[0] = 7;

    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("malformed", ok_topic.clone(), random),
        ("truncated", ok_topic.clone(), good[..good.len() - 2].to_vec()),
        ("unknown_version", ok_topic.clone(), unknown_version),
        ("unknown_gateway", env.topic("metallerie-lievin", "gw-ghost"), good.clone()),
        (
            "company_mismatch",
            env.topic("beton-artois", "gw-ml-01"),
            encode_frame(1, now, &[(2, 0, Measurement::FillLevel(1.0))]),
        ),
        ("bad_topic", env.topic("Metallerie", "gw-ml-01"), good.clone()),
        ("payload_too_large", ok_topic.clone(), vec![1u8; 70_000]),
        (
            "out_of_range",
            ok_topic.clone(),
            encode_frame(1, now, &[(1, 5, Measurement::FillLevel(40.0)), (1, 6, Measurement::FillLevel(900.0))]),
        ),
        (
            "not_finite",
            ok_topic.clone(),
            encode_frame(
                1,
                now,
                &[(2, 7, Measurement::TemperatureC(20.0)), (2, 8, Measurement::TemperatureC(f32::NAN))],
            ),
        ),
        (
            "timestamp_out_of_window",
            ok_topic.clone(),
            encode_frame(1, now + 86_400_000, &[(3, 0, Measurement::BatteryPercent(80.0))]),
        ),
        ("unknown_sensor", ok_topic.clone(), encode_frame(1, now, &[(99, 0, Measurement::Emptied)])),
    ];
    let messages: Vec<(String, Vec<u8>)> = cases.iter().map(|(_, t, p)| (t.clone(), p.clone())).collect();
    publish_raw(&messages).await;

    wait_until(Duration::from_secs(30), "one dead letter per case", || async {
        db.count("SELECT count(*) FROM rejected_messages").await == cases.len() as i64
    })
    .await;
    let c = db.client().await;
    for (reason, topic, payload) in &cases {
        let rows = c
            .query("SELECT topic, payload, reading_index FROM rejected_messages WHERE reason = $1", &[reason])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "exactly one dead letter with reason {reason}");
        assert_eq!(&rows[0].get::<_, String>(0), topic, "{reason}");
        let kept: Vec<u8> = rows[0].get(1);
        let index: i32 = rows[0].get(2);
        if index < 0 {
            assert_eq!(kept[..], payload[..kept.len()], "{reason}: raw bytes kept");
        } else {
            let alone = wasteflow::wire::decode(&kept).expect("a rejected reading is kept as a one-reading frame");
            assert_eq!(alone.readings.len(), 1, "{reason}");
        }
    }
    // The valid siblings of the partly bad frames are stored: fill 40 at +5 and temperature 20 at +7.
    wait_until(Duration::from_secs(10), "valid siblings stored", || async {
        db.count("SELECT count(*) FROM readings").await == 2
    })
    .await;
    assert_eq!(
        db.count("SELECT count(*) FROM readings_attributed WHERE gateway_id = 'gw-ml-01' AND company_id = 'metallerie-lievin'")
            .await,
        2
    );
    assert_eq!(daemon.metric("wasteflow_readings_rejected_total").await, Some(cases.len() as f64));

    // Redelivery of the same bad messages records nothing new.
    publish_raw(&messages).await;
    wait_until(Duration::from_secs(20), "second round received", || async {
        daemon.metric("wasteflow_messages_received_total").await == Some(2.0 * cases.len() as f64)
    })
    .await;
    // Acks leave after COMMIT: once the second round is acked, its batches are committed.
    wait_until(Duration::from_secs(20), "second round acked (wasteflow_mqtt_acks_total)", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(2.0 * cases.len() as f64)
    })
    .await;
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, cases.len() as i64);
    assert!(daemon.terminate().await.success());
}

/// Hostile topics under the subscription: empty segments, overlong or non-id segments. Each
/// message is dead-lettered as `bad_topic`, its topic kept (cut to 256 characters) and its
/// payload kept whole.
#[tokio::test]
async fn hostile_topics_are_dead_lettered_with_their_payload() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let good = encode_frame(1, now_ms() - 1_000, &[(1, 0, Measurement::FillLevel(40.0))]);
    let p = &env.topic_prefix;
    let topics = [
        format!("{p}//gw-ml-01/up"),
        format!("{p}/metallerie-lievin//up"),
        format!("{p}/metallerie-lievin/{}/up", "g".repeat(5000)),
        format!("{p}/metallerie-lievin/gw-ml-\u{e9}/up"),
        format!("{p}/metallerie-lievin/gw ml 01/up"),
        format!("{p}/{}/gw-ml-01/up", "x".repeat(300)),
    ];
    let messages: Vec<(String, Vec<u8>)> = topics.iter().map(|t| (t.clone(), good.clone())).collect();
    publish_raw(&messages).await;
    wait_until(Duration::from_secs(30), "one dead letter per hostile topic", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'bad_topic'").await == topics.len() as i64
    })
    .await;
    let c = db.client().await;
    for row in c.query("SELECT topic, payload FROM rejected_messages", &[]).await.unwrap() {
        let topic: String = row.get(0);
        assert!(topic.chars().count() <= 256, "topic kept at most 256 characters");
        assert_eq!(row.get::<_, Vec<u8>>(1), good, "payload kept whole");
    }
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 0);
    assert!(daemon.terminate().await.success());
}

/// Clearing a retained message (an empty retained publish) is no data and no fault: it is
/// acked and counted, nothing is stored or dead-lettered. An empty payload that is not
/// retained is still `empty_payload`.
#[tokio::test]
async fn clearing_a_retained_message_is_ignored() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let topic = env.topic("metallerie-lievin", "gw-ml-01");
    let file = Scratch::file("wf-retained-", "bin");
    std::fs::write(&file, encode_frame(1, now_ms() - 1_000, &[(1, 0, Measurement::FillLevel(40.0))])).unwrap();
    let port = BROKER_PORT.to_string();
    let publish = |args: &[&str]| {
        let out = std::process::Command::new("mosquitto_pub")
            .args(["-V", "5", "-h", BROKER_HOST, "-p", &port, "-t", &topic])
            .args(args)
            .output()
            .expect("mosquitto_pub is required (Debian package mosquitto-clients)");
        assert!(out.status.success(), "mosquitto_pub {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    publish(&["-q", "1", "-r", "-f", file.to_str().unwrap()]); // a retained frame: stored
    publish(&["-q", "1", "-r", "-n"]); // cleared, QoS 1: acked
    publish(&["-q", "0", "-r", "-n"]); // cleared again, QoS 0: not acked
    publish(&["-q", "1", "-n"]); // an empty payload, not retained: dead-lettered
    wait_until(Duration::from_secs(20), "the three QoS 1 messages acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(3.0)
    })
    .await;
    assert_eq!(daemon.metric("wasteflow_messages_received_total").await, Some(4.0));
    assert_eq!(daemon.metric("wasteflow_mqtt_retained_clears_total").await, Some(2.0));
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 1);
    let c = db.client().await;
    let reasons: Vec<String> =
        c.query("SELECT reason FROM rejected_messages", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(reasons, ["empty_payload"], "only the empty payload that was not a retained clear");
}

/// Dead letters are told apart by the whole message as received: two different oversized
/// payloads with the same first 64 KiB, and two long topics with the same first 256 bytes,
/// give two rows each, although what is stored of them is identical. Sending them again adds
/// nothing.
#[tokio::test]
async fn messages_that_differ_beyond_what_is_kept_are_two_dead_letters() {
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let daemon = Daemon::start(&env).await;
    let ok_topic = env.topic("metallerie-lievin", "gw-ml-01");
    let (mut big_a, mut big_b) = (vec![1u8; 70_000], vec![1u8; 70_000]);
    big_a[69_999] = 2;
    big_b[69_999] = 3;
    let good = encode_frame(1, now_ms() - 1_000, &[(1, 0, Measurement::FillLevel(40.0))]);
    let long = |end: &str| format!("{}/metallerie-lievin/{}{end}/up", env.topic_prefix, "g".repeat(400));
    let messages = vec![
        (ok_topic.clone(), big_a),
        (ok_topic.clone(), big_b),
        (long("a"), good.clone()),
        (long("b"), good.clone()),
    ];
    publish_raw(&messages).await;
    publish_raw(&messages).await;
    wait_until(Duration::from_secs(30), "both rounds acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(8.0)
    })
    .await;
    let count = |reason: &'static str| {
        let db = &db;
        async move { db.count(&format!("SELECT count(*) FROM rejected_messages WHERE reason = '{reason}'")).await }
    };
    assert_eq!(count("payload_too_large").await, 2, "two oversized messages, same first 64 KiB");
    assert_eq!(count("bad_topic").await, 2, "two long topics, same first 256 bytes");
    assert_eq!(
        db.count("SELECT count(DISTINCT (topic, payload)) FROM rejected_messages").await,
        2,
        "what is kept of them is the same"
    );
    assert!(daemon.terminate().await.success());
}
