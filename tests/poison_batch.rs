//! A message the database refuses as data (a CHECK constraint, a rollup sum overflowing bigint)
//! does not stop the zone: the batch is split until that message is alone, it is dead-lettered
//! whole as `database_refused`, everything else is stored once, and the other gateways' frames
//! keep committing within a second. The database stays "up" throughout: refused is not
//! unreachable.

mod common;
use common::*;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, MqttOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use wasteflow::calendar::Timestamp;
use wasteflow::simulate::FrameGenerator;
use wasteflow::wire::{decode, Measurement, TopicLayout};
use wasteflow::zone::Zone;

const POISON_MILLI: i64 = 13_013;
const SECONDS: f64 = 3.0;
const FRAMES_PER_SECOND_PER_GATEWAY: f64 = 10.0;

/// The value as the daemon stores it, for a measurement that carries one.
fn milli(m: &Measurement) -> Option<i64> {
    Some(m.kind().to_stored(f64::from(m.number()?)))
}

/// Samples `wasteflow_database_up` and `/readyz` every 50 ms until stopped; true if the
/// database was ever reported down or unreachable.
fn watch_database_up(port: u16, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(bool, usize)> {
    tokio::spawn(async move {
        let (mut down, mut samples) = (false, 0);
        while !stop.load(Ordering::Relaxed) {
            if let Some(text) = scrape(port).await {
                down |= metric_sum(&text, "wasteflow_database_up") == Some(0.0);
                samples += 1;
            }
            if let Some((_, body)) = http_get(port, "/readyz").await {
                down |= body.contains("database unreachable");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (down, samples)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_dead_lettered_and_the_zone_keeps_flowing() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    let daemon = Daemon::start(&env).await;
    db.client()
        .await
        .batch_execute(&format!(
            "ALTER TABLE readings ADD CONSTRAINT readings_not_poison CHECK (value_milli <> {POISON_MILLI})"
        ))
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_database_up(daemon.env.metrics_port, stop.clone());

    // The good frames of every gateway (none carrying the poison value by chance).
    let zone = Zone::load(&zone_file()).unwrap();
    let layout = TopicLayout::parse(&format!("{}/+/+/up", env.topic_prefix)).unwrap();
    let start_ms = now_ms() - 3_600_000;
    let mut g = FrameGenerator::new(
        &zone,
        &layout,
        11,
        wasteflow::calendar::Timestamp::from_millis(start_ms as i64),
        5,
        0.0,
        0.0,
    );
    let wanted = (FRAMES_PER_SECOND_PER_GATEWAY * SECONDS) as usize * zone.gateways().len();
    let mut good = Vec::new();
    while good.len() < wanted {
        let m = g.next_message();
        let f = decode(&m.payload).unwrap();
        if f.readings.iter().all(|r| milli(&r.value) != Some(POISON_MILLI)) {
            good.push(m);
        }
    }
    let expected_readings: i64 = good.iter().map(|m| (m.readings - m.rejected) as i64).sum();
    // The poison: a valid frame whose first reading the constraint refuses, and a second
    // reading that is fine on its own (nothing of the message may be stored).
    let poison_topic = env.topic("metallerie-lievin", "gw-ml-01");
    let poison_base = start_ms - 600_000;
    let poison = encode_frame(
        7,
        poison_base,
        &[(1, 0, Measurement::FillLevel(POISON_MILLI as f32 / 1000.0)), (2, 1, Measurement::TemperatureC(21.0))],
    );

    // Publish on a schedule: every gateway 10 frames/s, the poison in the middle.
    let mut o = MqttOptions::new(unique("poison-"), BROKER_HOST, env.broker_port);
    o.set_max_packet_size(Some(1 << 20));
    let (client, mut ev) = AsyncClient::new(o, 1000);
    tokio::spawn(async move { while ev.poll().await.is_ok() {} });
    let n = good.len();
    let mut sent: HashMap<(String, i64), SystemTime> = HashMap::new();
    let t0 = Instant::now();
    for (i, m) in good.iter().enumerate() {
        tokio::time::sleep_until((t0 + Duration::from_secs_f64(i as f64 * SECONDS / n as f64)).into()).await;
        if i == n / 2 {
            client.publish(poison_topic.clone(), QoS::AtLeastOnce, false, poison.clone()).await.unwrap();
        }
        let seq = decode(&m.payload).unwrap().seq;
        let gateway = m.topic.split('/').nth(2).unwrap().to_string();
        sent.insert((gateway, i64::from(seq)), SystemTime::now());
        client.publish(m.topic.clone(), QoS::AtLeastOnce, false, m.payload.clone()).await.unwrap();
    }
    let published = n + 1;

    // Every frame is stored or dead-lettered, and acked (acks leave after COMMIT).
    wait_until(Duration::from_secs(30), "every message acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(published as f64)
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let (ever_down, samples) = watcher.await.unwrap();

    // The poison: one dead letter, whole, with the server's words; nothing of it stored.
    let c = db.client().await;
    let rows =
        c.query("SELECT reason, topic, payload, detail, reading_index FROM rejected_messages", &[]).await.unwrap();
    assert_eq!(rows.len(), 1, "exactly one dead letter");
    let (reason, topic, payload, detail, index): (String, String, Vec<u8>, String, i32) =
        (rows[0].get(0), rows[0].get(1), rows[0].get(2), rows[0].get(3), rows[0].get(4));
    assert_eq!(reason, "database_refused");
    assert_eq!(topic, poison_topic);
    assert_eq!(payload, poison, "raw payload kept");
    assert_eq!(index, -1, "dead-lettered whole");
    assert!(detail.contains("23514") && detail.contains("readings_not_poison"), "detail: {detail}");
    let poison_stored = db
        .count(&format!(
            "SELECT count(*) FROM readings_attributed WHERE gateway_id = 'gw-ml-01' AND ts < to_timestamp({} / 1000.0)",
            start_ms
        ))
        .await;
    assert_eq!(poison_stored, 0, "nothing of the refused message is stored");

    // Everything else stored once.
    let stored = db.count("SELECT count(*) FROM readings").await;
    assert_eq!(stored, expected_readings, "every other reading stored");

    // The others' publish-to-commit latency (commit seen as the rows' stored_at).
    let mut worst_ms = 0.0f64;
    for ((gateway, seq), at) in &sent {
        let row = c
            .query_one(
                "SELECT min(stored_at) FROM readings_attributed WHERE gateway_id = $1 AND frame_seq = $2",
                &[gateway, seq],
            )
            .await
            .unwrap();
        let stored_at: SystemTime = row.get(0);
        worst_ms = worst_ms.max(stored_at.duration_since(*at).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0));
    }
    let text = daemon.metrics_text().await.unwrap();
    // Receive to commit (and acks) of every message, the split batch's included.
    let within_1s = metric_series(&text, "wasteflow_receive_to_commit_seconds_bucket", "le=\"1\"");
    let all = metric_sum(&text, "wasteflow_receive_to_commit_seconds_count").unwrap();
    let refusals = metric_sum(&text, "wasteflow_database_refusals_total").unwrap_or(0.0);
    let dead_lettered = metric_series(&text, "wasteflow_deliveries_total", "outcome=\"dead_lettered\"");
    println!(
        "poison batch: {published} messages published ({expected_readings} good readings), {stored} stored, 1 dead-lettered, \
         0 duplicates; worst publish-to-commit of the others {worst_ms:.0} ms; {within_1s}/{all} messages received-to-commit \
         within 1 s; {refusals} refused transactions; database up in all {samples} samples"
    );
    assert!(worst_ms < 1000.0, "the others waited {worst_ms:.0} ms");
    assert_eq!(within_1s, all, "every message committed within 1 s of receipt");
    assert!(!ever_down, "a refusal made the database look down or unreachable");
    assert!(refusals >= 2.0, "refusals counted by class ({refusals})");
    assert!(metric_series(&text, "wasteflow_database_refusals_total", "class=\"23\"") >= 2.0);
    assert_eq!(dead_lettered, 1.0);
    assert_eq!(metric_sum(&text, "wasteflow_database_up"), Some(1.0));
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
}

/// A rollup bucket one weighing away from overflowing bigint: the message whose weighing
/// would overflow it is dead-lettered whole (SQLSTATE 22003), nothing of it is stored, the
/// rest goes on, and verify is clean once the bucket is put back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_overflow_dead_letters_the_message_that_causes_it() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    let daemon = Daemon::start(&env).await;
    let topic = env.topic("metallerie-lievin", "gw-ml-01");
    // The start of a minute an hour ago, plus 10 s.
    let t = (now_ms() - 3_600_000) / 60_000 * 60_000 + 10_000;
    publish_raw(&[(topic.clone(), encode_frame(1, t, &[(1, 0, Measurement::NetMassKg(10.0))]))]).await;
    wait_until(Duration::from_secs(20), "first weighing stored", || async {
        db.count("SELECT count(*) FROM readings").await == 1
    })
    .await;
    let c = db.client().await;
    let bucket = "to_timestamp($1::float8 / 1000)";
    let n = c
        .execute(
            &format!("UPDATE flow_rollup_1m SET mass_g = 9223372036854775807 - 5000 WHERE bucket = {bucket}"),
            &[&((t / 60_000 * 60_000) as f64)],
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "one bucket brought to the edge");

    // B overflows the bucket (10 kg more); C, in another minute, is fine.
    let b = encode_frame(2, t + 1_000, &[(1, 0, Measurement::NetMassKg(10.0)), (2, 0, Measurement::FillLevel(50.0))]);
    let later = encode_frame(3, t + 120_000, &[(1, 0, Measurement::NetMassKg(10.0))]);
    publish_raw(&[(topic.clone(), b.clone()), (topic.clone(), later)]).await;
    wait_until(Duration::from_secs(20), "both acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(3.0)
    })
    .await;
    let rows = c.query("SELECT reason, payload, detail FROM rejected_messages", &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), "database_refused");
    assert_eq!(rows[0].get::<_, Vec<u8>>(1), b);
    let detail: String = rows[0].get(2);
    assert!(detail.contains("22003"), "{detail}");
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 2, "the first weighing and C; nothing of B");
    println!("rollup overflow: 3 messages, 2 stored, 1 dead-lettered ({detail})");

    // Put the bucket back: the raw readings and the rollups agree.
    c.execute(
        &format!("UPDATE flow_rollup_1m SET mass_g = 10000 WHERE bucket = {bucket}"),
        &[&((t / 60_000 * 60_000) as f64)],
    )
    .await
    .unwrap();
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert_eq!(daemon.metric("wasteflow_database_up").await, Some(1.0));
    assert!(daemon.terminate().await.success());
}

/// The store on its own, one batch of 100 messages, two of them refused (a constraint on their
/// frames): 98 messages stored, the two dead-lettered whole, all 100 acks in arrival order, in
/// one hand-over, and the live stage gets only what was stored. No backoff between the
/// halving steps: it all takes well under the first backoff step would.
#[tokio::test]
async fn a_batch_of_a_hundred_with_two_refused_messages() {
    use wasteflow::backoff::Backoff;
    use wasteflow::health::Health;
    use wasteflow::store::run_store;

    let (db, settings, zone) = store_alone().await;
    let mut batch = wasteflow::batch::Batch::default();
    let mut poisoned = Vec::new();
    let mut expected = 0;
    for (pkid, d, checked) in checked_deliveries(&zone, 3, 4, 100) {
        if pkid == 37 || pkid == 80 {
            let r = &checked.readings[0];
            poisoned.push((frame_sensors(&checked.readings), r.frame_seq, d.payload.clone()));
        } else {
            expected += checked.readings.len() as i64;
        }
        batch.push_checked(d, checked);
    }
    let refuse: Vec<String> =
        poisoned.iter().map(|(sensors, seq, _)| format!("(sensor_id IN ({sensors}) AND frame_seq = {seq})")).collect();
    db.client()
        .await
        .batch_execute(&format!(
            "ALTER TABLE readings ADD CONSTRAINT two_refused CHECK (NOT ({}))",
            refuse.join(" OR ")
        ))
        .await
        .unwrap();

    let (batch_tx, batch_rx) = tokio::sync::mpsc::channel(1);
    let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel();
    let health = Health::new(Duration::from_secs(60));
    // A backoff step of 10 s would show in the time taken if any were waited.
    let backoff = Backoff::new(Duration::from_secs(10), Duration::from_secs(10));
    let writers = vec![wasteflow::store::Writer::new(wasteflow::store::Connector::new(&settings.database).unwrap())];
    let store = tokio::spawn(run_store(batch_rx, writers, ack_tx, backoff, health.clone()));
    let t0 = Instant::now();
    batch_tx.send(batch).await.unwrap();
    let acks = tokio::time::timeout(Duration::from_secs(5), ack_rx.recv()).await.expect("acked within 5 s").unwrap();
    let took = t0.elapsed();
    assert_eq!(acks.iter().map(|a| a.pkid).collect::<Vec<_>>(), (1..=100).collect::<Vec<_>>());
    assert_eq!(db.count("SELECT count(*) FROM readings").await, expected);
    let c = db.client().await;
    let rows = c.query("SELECT reason, payload, detail FROM rejected_messages ORDER BY id", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    for (row, (_, _, payload)) in rows.iter().zip(&poisoned) {
        assert_eq!(row.get::<_, String>(0), "database_refused");
        assert_eq!(&row.get::<_, Vec<u8>>(1)[..], &payload[..]);
        assert!(row.get::<_, String>(2).contains("two_refused"));
    }
    let inbox = c.query("SELECT frames FROM live_inbox", &[]).await.unwrap();
    let frames: Vec<_> =
        inbox.iter().flat_map(|row| wasteflow::wire::decode_frames(row.get::<_, &[u8]>(0)).unwrap()).collect();
    let live: i64 = frames.iter().map(|f| f.readings.len() as i64).sum();
    assert_eq!(live, expected, "the live inbox gets what was stored, nothing of the refused");
    assert_eq!(frames.len(), 100, "every frame's counter, the refused ones' included");
    assert_eq!(health.committed_total(), 100);
    assert_eq!(
        health.readiness(health.elapsed()),
        wasteflow::health::Readiness::NotReady(vec!["database not prepared yet", "not subscribed to the broker"]),
        "database not reported unreachable"
    );
    println!("100 messages, 2 refused: {expected} readings stored, 2 dead-lettered, acked after {took:?}");
    assert!(took < Duration::from_secs(5));
    drop(batch_tx);
    tokio::time::timeout(Duration::from_secs(20), store).await.unwrap().unwrap();
}

/// When the `database_refused` dead letter is itself refused, it goes to the spool file and
/// the batch is acked; while the spool cannot be written either, it is retried with backoff,
/// never dropped, and nothing of the batch is acked.
#[tokio::test]
async fn a_refused_dead_letter_is_spooled_and_retried_while_the_spool_cannot_be_written() {
    use wasteflow::backoff::Backoff;
    use wasteflow::health::Health;
    use wasteflow::store::run_store;

    let (db, mut settings, zone) = store_alone().await;
    let dir = Scratch::dir("wf-spool-");
    let spool_dir = dir.join("not-yet");
    let spool = spool_dir.join("spool.jsonl");
    settings.database.spool_file = Some(spool.display().to_string());
    let mut batch = wasteflow::batch::Batch::default();
    let mut refused = None;
    for (pkid, d, checked) in checked_deliveries(&zone, 5, 2, 3) {
        if pkid == 2 {
            let r = &checked.readings[0];
            refused = Some((frame_sensors(&checked.readings), r.frame_seq));
        }
        batch.push_checked(d, checked);
    }
    let (sensors, seq) = refused.unwrap();
    let c = db.client().await;
    c.batch_execute(&format!(
        "ALTER TABLE readings ADD CONSTRAINT refused CHECK (NOT (sensor_id IN ({sensors}) AND frame_seq = {seq}));
         ALTER TABLE rejected_messages ADD CONSTRAINT no_dead_letters CHECK (reason <> 'database_refused')"
    ))
    .await
    .unwrap();

    let (batch_tx, batch_rx) = tokio::sync::mpsc::channel(1);
    let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel();
    let backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(200));
    let writers = vec![wasteflow::store::Writer::new(wasteflow::store::Connector::new(&settings.database).unwrap())];
    let store = tokio::spawn(run_store(batch_rx, writers, ack_tx, backoff, Health::new(Duration::from_secs(60))));
    batch_tx.send(batch).await.unwrap();
    // The spool's directory does not exist: retried, nothing acked.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(ack_rx.try_recv().is_err(), "acked before the dead letter was kept anywhere");
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 0);
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 4, "messages 1 and 3 committed meanwhile");

    std::fs::create_dir(&spool_dir).unwrap();
    let acks = tokio::time::timeout(Duration::from_secs(5), ack_rx.recv()).await.expect("acked once spooled").unwrap();
    assert_eq!(acks.iter().map(|a| a.pkid).collect::<Vec<_>>(), [1, 2, 3]);
    let text = std::fs::read_to_string(&spool).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (line["reason"].as_str(), line["refused_constraint"].as_str()),
        (Some("database_refused"), Some("no_dead_letters"))
    );
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 0);
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 4);
    drop(batch_tx);
    tokio::time::timeout(Duration::from_secs(20), store).await.unwrap().unwrap();
}

/// For the store on its own: a database of its own, prepared, one writer, and the shipped zone.
async fn store_alone() -> (TestDb, wasteflow::config::Settings, Zone) {
    use wasteflow::config::{DatabaseSettings, Settings};
    let db = TestDb::new().await;
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), writers: 1, ..DatabaseSettings::default() },
        ..Settings::default()
    };
    let zone = Zone::load(&zone_file()).unwrap();
    let prepared = wasteflow::store::prepare(&settings, &zone, true).await.expect("prepare");
    (db, settings, zone.with_ids(prepared.ids))
}

/// The sensor ids of one frame's readings, as an SQL list: with the frame counter, they pick
/// out that frame's rows (a counter is per gateway, a sensor id on one gateway).
fn frame_sensors(readings: &[wasteflow::wire::ValidReading]) -> String {
    let mut ids: Vec<i32> = readings.iter().map(|r| r.sensor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// `n` simulated messages an hour old (`per_frame` readings each, from `seed`) as deliveries
/// with pkids 1 to `n`, each with what checking it gave.
fn checked_deliveries(
    zone: &Zone,
    seed: u64,
    per_frame: usize,
    n: u16,
) -> Vec<(u16, wasteflow::source::Delivery, wasteflow::validate::Checked)> {
    use wasteflow::source::{AckToken, Delivery};
    use wasteflow::validate::check_message;
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = common::storage::any_time_limits();
    let mut g = FrameGenerator::new(
        zone,
        &layout,
        seed,
        wasteflow::calendar::Timestamp::from_millis(now_ms() as i64 - 3_600_000),
        per_frame,
        0.0,
        0.0,
    );
    (1..=n)
        .map(|pkid| {
            let m = g.next_message();
            let payload = bytes::Bytes::from(m.payload);
            let checked =
                check_message(&m.topic, &payload, Timestamp::from_millis(now_ms() as i64), &layout, zone, &limits);
            let ack = AckToken { generation: 1, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 };
            let d = Delivery {
                topic: m.topic,
                payload,
                received: Timestamp::from_millis(now_ms() as i64),
                retain: false,
                ack,
            };
            (pkid, d, checked)
        })
        .collect()
}
