//! The two ceilings the end-to-end figures are measured against, and publish-to-commit latency.

use super::common::*;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};
use wasteflow::batch::Batch;
use wasteflow::calendar::{SignedDuration, Timestamp};
use wasteflow::config::{BatchSettings, DatabaseSettings};
use wasteflow::simulate::FrameGenerator;
use wasteflow::store::{prepare, Connector, Writer};
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::Zone;

pub fn zone() -> Zone {
    Zone::load(&zone_file()).unwrap()
}

/// The daemon's settings as the benchmark's daemon gets them (defaults, then the
/// `WASTEFLOW__*` variables of the benchmark's environment), on the given database.
pub fn daemon_settings(url: &str) -> wasteflow::config::Settings {
    let mut settings = wasteflow::config::load(None).expect("the WASTEFLOW__* variables of the benchmark are valid");
    settings.database = DatabaseSettings { url: url.to_string(), ..settings.database };
    settings
}

/// The batches of the database ceilings: the simulator's frames (seed 5), checked, cut into
/// batches as the daemon's batch stage cuts them when it is never short of messages (at
/// `max_readings` readings and rejections, or `max_messages` messages), each message with its
/// span, so that the writer also writes the frames to the live inbox, as in the daemon.
/// Deterministic within a UTC day (the frames start at the beginning of yesterday), so the v1
/// and current ceilings of a run write the same rows.
pub fn ceiling_batches(zone: &Zone, frames: u64, per_frame: usize, limits: &BatchSettings) -> Vec<Batch> {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let checks = Limits {
        max_payload_bytes: 65536,
        max_past: SignedDuration::from_millis(i64::MAX / 4),
        max_future: SignedDuration::from_millis(i64::MAX / 4),
    };
    let day = 86_400_000;
    let start = (now_ms() - day) / day * day;
    let received = Timestamp::from_millis(start as i64);
    let mut g = FrameGenerator::new(zone, &layout, 5, received, per_frame, 0.0, 0.0);
    let mut batches = Vec::new();
    let mut batch = Batch::default();
    for _ in 0..frames {
        let m = g.next_message();
        let payload = m.payload.into();
        let checked = check_message(&m.topic, &payload, received, &layout, zone, &checks);
        batch.push_message(m.topic, payload, received, None, None, checked);
        if batch.readings.len() + batch.rejects.len() >= limits.max_readings || batch.messages() >= limits.max_messages
        {
            batches.push(std::mem::take(&mut batch));
        }
    }
    if batch.messages() > 0 {
        batches.push(batch);
    }
    batches
}

/// Database ceiling: the same rows, the same statements (the live inbox included), batch size
/// and number of connections (`database.writers`) as the daemon's, written by a minimal client
/// in one process (no MQTT, no acks, no live fold). Readings per second.
#[allow(dead_code)]
pub async fn database_ceiling(frames: u64, per_frame: usize) -> f64 {
    database_ceiling_kept(frames, per_frame).await.0
}

/// As [`database_ceiling`], and the database it filled (to measure it before it is dropped).
pub async fn database_ceiling_kept(frames: u64, per_frame: usize) -> (f64, TestDb) {
    let db = TestDb::new().await;
    let settings = daemon_settings(&db.url);
    let zone = zone();
    let prepared = prepare(&settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut batches = ceiling_batches(&zone, frames, per_frame, &settings.batch);
    // `WASTEFLOW_BENCH_CEILING_INBOX=0`: the ceiling as measured before session 13, without the
    // live inbox (to compare the two; the daemon always writes it).
    let inbox = std::env::var("WASTEFLOW_BENCH_CEILING_INBOX").map_or(true, |v| v != "0");
    if !inbox {
        batches.iter_mut().flat_map(|b| &mut b.spans).for_each(|s| s.frame = None);
    }
    let total: usize = batches.iter().map(|b| b.readings.len()).sum();
    // As many connections as the daemon's writers, each taking every n-th batch.
    let n = settings.database.writers;
    let mut shares: Vec<Vec<Batch>> = (0..n).map(|_| Vec::new()).collect();
    for (i, b) in batches.into_iter().enumerate() {
        shares[i % n].push(b);
    }
    let mut writers = Vec::new();
    for _ in 0..n {
        let mut w = Writer::new(Connector::new(&settings.database).unwrap());
        w.ensure_connected().await.unwrap();
        writers.push(w);
    }
    let t0 = Instant::now();
    let tasks: Vec<_> = writers
        .into_iter()
        .zip(shares)
        .map(|(mut w, share)| {
            tokio::spawn(async move {
                for b in &share {
                    w.write(b).await.expect("write");
                }
                w.close().await;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let rate = total as f64 / t0.elapsed().as_secs_f64();
    let inbox_rows = db.count("SELECT count(*) FROM live_inbox").await;
    assert_eq!(inbox_rows > 0, inbox, "the ceiling wrote {inbox_rows} live inbox rows");
    (rate, db)
}

/// Broker ceiling: a subscriber that only counts (QoS 1, acking on receipt) while the
/// simulator publishes at full speed. Messages per second.
pub async fn broker_ceiling(frames: u64, per_frame: usize) -> f64 {
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let mut o = MqttOptions::new(unique("count-"), BROKER_HOST, env.broker_port);
    o.set_max_packet_size(Some(1 << 20));
    o.set_receive_maximum(Some(1000));
    let (client, mut ev) = AsyncClient::new(o, 100);
    client.subscribe(format!("{}/+/+/up", env.topic_prefix), QoS::AtLeastOnce).await.unwrap();
    loop {
        if let Ok(Event::Incoming(Packet::SubAck(_))) = ev.poll().await {
            break;
        }
    }
    let (f, p) = (frames.to_string(), per_frame.to_string());
    let sim = simulate_in_background(&env, &["--frames", &f, "--readings-per-frame", &p]);
    let mut received = 0u64;
    let mut t0 = None;
    while received < frames {
        if let Ok(Event::Incoming(Packet::Publish(_))) = ev.poll().await {
            t0.get_or_insert_with(Instant::now);
            received += 1;
        }
    }
    let secs = t0.map(|t| t.elapsed().as_secs_f64()).unwrap_or(1.0);
    sim.join().unwrap();
    frames as f64 / secs
}

/// The simulator arguments of the daemon's scenarios (`scenario` in `end_to_end.rs`): seed 5,
/// frames starting a day ago. The backlog ceiling publishes exactly these.
pub fn simulator_args(frames: u64, per_frame: usize) -> Vec<String> {
    let start = (now_ms() - 86_400_000).to_string();
    [
        "--frames",
        &frames.to_string(),
        "--readings-per-frame",
        &per_frame.to_string(),
        "--seed",
        "5",
        "--start-ms",
        &start,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Broker ceiling from a backlog: a subscriber that only counts (QoS 1, acking on receipt),
/// with a persistent session like the daemon's (clean start off, long session expiry, a fixed
/// client id, the daemon's default `mqtt.receive_maximum` and `mqtt.max_packet_bytes`), drains
/// the backlog the daemon's backlog scenario drains: it connects once to create the session
/// and subscribe, disconnects, the simulator queues the same frames (same arguments), then it
/// reconnects and counts until all `frames` have arrived. Its own private broker (the shipped
/// configuration). Messages per second, from the reconnect to the last message.
pub async fn broker_backlog_ceiling(frames: u64, per_frame: usize) -> f64 {
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let defaults = wasteflow::config::MqttSettings::default();
    let client_id = unique("count-backlog-");
    let options = || {
        let mut o = MqttOptions::new(client_id.clone(), BROKER_HOST, env.broker_port);
        o.set_clean_start(false);
        o.set_session_expiry_interval(Some(defaults.session_expiry.as_secs() as u32));
        o.set_keep_alive(defaults.keep_alive);
        o.set_receive_maximum(Some(defaults.receive_maximum));
        o.set_max_packet_size(Some(defaults.max_packet_bytes as u32));
        // Automatic acks (manual_acks stays false): each PUBACK is sent on receipt.
        o
    };

    // The session: connect, subscribe, disconnect (the broker keeps it and queues for it).
    {
        let (client, mut ev) = AsyncClient::new(options(), 16);
        client.subscribe(format!("{}/+/+/up", env.topic_prefix), QoS::AtLeastOnce).await.unwrap();
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Packet::SubAck(_))) => break,
                Ok(_) => {}
                Err(e) => panic!("counting subscriber could not subscribe: {e}"),
            }
        }
        client.disconnect().await.unwrap();
        // Until the broker has closed the connection: then the session is offline and queues.
        let closed = tokio::time::timeout(Duration::from_secs(10), async { while ev.poll().await.is_ok() {} }).await;
        assert!(closed.is_ok(), "the broker did not close the counting subscriber's connection");
    }

    // The backlog: the same frames as the daemon's backlog scenario.
    let args = simulator_args(frames, per_frame);
    simulate(&env, &args.iter().map(String::as_str).collect::<Vec<_>>());

    // Reconnect to the session and count.
    let t0 = Instant::now();
    let (client, mut ev) = AsyncClient::new(options(), 16);
    let mut session_present = None;
    let mut received = 0u64;
    let mut last = t0;
    while received < frames {
        match tokio::time::timeout(Duration::from_secs(60), ev.poll()).await {
            Ok(Ok(Event::Incoming(Packet::ConnAck(c)))) => session_present = Some(c.session_present),
            Ok(Ok(Event::Incoming(Packet::Publish(_)))) => {
                received += 1;
                last = Instant::now();
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("counting subscriber failed after {received} of {frames} messages: {e}"),
            Err(_) => panic!("counting subscriber: nothing for 60 s after {received} of {frames} messages"),
        }
    }
    assert_eq!(session_present, Some(true), "the counting subscriber's session was not kept");
    let secs = last.duration_since(t0).as_secs_f64();
    let _ = client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), async { while ev.poll().await.is_ok() {} }).await;
    assert!(!broker.log().contains("dropped"), "broker dropped messages");
    frames as f64 / secs
}

/// Publish-to-commit latency at a fixed rate: frames published by an in-process publisher
/// that records each frame's publish time; the commit side is the row's `stored_at` (the
/// committing transaction's start). Returns (p50, p99) in milliseconds.
pub async fn latency(frames: u64, per_frame: usize, rate: f64) -> (f64, f64) {
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::{AsyncClient, MqttOptions};
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    let daemon = Daemon::start(&env).await;
    let zone = zone();
    let layout = TopicLayout::parse(&format!("{}/+/+/up", env.topic_prefix)).unwrap();
    let mut g = FrameGenerator::new(
        &zone,
        &layout,
        9,
        wasteflow::calendar::Timestamp::from_millis(now_ms() as i64 - 86_400_000),
        per_frame,
        0.0,
        0.0,
    );
    let mut o = MqttOptions::new(unique("lat-"), BROKER_HOST, env.broker_port);
    o.set_max_packet_size(Some(1 << 20));
    let (client, mut ev) = AsyncClient::new(o, 1000);
    tokio::spawn(async move { while ev.poll().await.is_ok() {} });
    let mut published: HashMap<(String, i64), SystemTime> = HashMap::new();
    let t0 = Instant::now();
    for i in 0..frames {
        tokio::time::sleep_until((t0 + Duration::from_secs_f64(i as f64 / rate)).into()).await;
        let m = g.next_message();
        let seq = wasteflow::wire::decode(&m.payload).unwrap().seq;
        let gateway = m.topic.split('/').nth(2).unwrap().to_string();
        published.insert((gateway, i64::from(seq)), SystemTime::now());
        client.publish(m.topic, QoS::AtLeastOnce, false, m.payload).await.unwrap();
    }
    let expected = (frames * per_frame as u64) as i64;
    wait_until(Duration::from_secs(300), "latency run stored", || async {
        daemon.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0) as i64 >= expected
    })
    .await;
    assert_eq!(db.count("SELECT count(*) FROM readings").await, expected);
    let rows = db
        .client()
        .await
        .query("SELECT gateway_id, frame_seq, min(stored_at) FROM readings_attributed GROUP BY 1, 2", &[])
        .await
        .unwrap();
    let mut ms: Vec<f64> = rows
        .iter()
        .filter_map(|r| {
            let sent = published.get(&(r.get::<_, String>(0), r.get::<_, i64>(1)))?;
            let stored: SystemTime = r.get(2);
            Some(stored.duration_since(*sent).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0))
        })
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms.get(((ms.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    assert!(daemon.terminate().await.success());
    (q(0.5), q(0.99))
}
