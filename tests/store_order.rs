//! Several writers commit at once, yet acks leave in arrival order: a later batch that commits
//! first keeps its acks until every earlier batch has committed. The earlier batch is held back
//! by a real row lock (another transaction holding one of its readings' keys).

mod common;
use common::TestDb;
use std::time::Duration;
use tokio::sync::mpsc;
use wasteflow::backoff::Backoff;
use wasteflow::batch::Batch;
use wasteflow::calendar::Timestamp;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::health::Health;
use wasteflow::source::{AckToken, Delivery};
use wasteflow::store::{prepare, run_store, Connector, Writer};
use wasteflow::validate::Checked;
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

fn readings(zone: &Zone, frames: usize, start_ms: u64) -> Vec<ValidReading> {
    common::storage::simulated_readings(zone, frames, 10, 7, start_ms)
}

fn batch(readings: Vec<ValidReading>, pkid: u16) -> Batch {
    let mut b = Batch::default();
    let ack = AckToken { generation: 1, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 };
    let d = Delivery {
        topic: "zone/x/y/up".into(),
        payload: bytes::Bytes::new(),
        received: Timestamp::EPOCH,
        retain: false,
        ack,
    };
    b.push_checked(d, Checked { readings, rejects: vec![], frame: None });
    b
}

#[tokio::test]
async fn a_later_batch_committing_first_keeps_its_acks_until_the_earlier_one_commits() {
    let db = TestDb::new().await;
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), writers: 2, ..DatabaseSettings::default() },
        ..Settings::default()
    };
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let all = readings(&zone, 40, common::now_ms() - 3_600_000);
    let (first, second) = all.split_at(200);
    assert_eq!(second.len(), 200);

    // Another session holds the key of one of the first batch's readings, uncommitted.
    let blocker = db.client().await;
    let r = &first[17];
    blocker.batch_execute("BEGIN").await.unwrap();
    blocker
        .execute(
            "INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq)
             VALUES ($1, $2, to_timestamp($3::float8 / 1000), $4, $5, 0)",
            &[&r.sensor_id, &r.kind.number(), &(r.ts.as_millis() as f64), &r.value_milli, &r.attribution],
        )
        .await
        .unwrap();

    let (batch_tx, batch_rx) = mpsc::channel(1);
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel();
    let connector = Connector::new(&settings.database).unwrap();
    let writers = vec![Writer::new(connector.clone()), Writer::new(connector)];
    let backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(200));
    let store = tokio::spawn(run_store(batch_rx, writers, ack_tx, backoff, Health::new(Duration::from_secs(60))));
    batch_tx.send(batch(first.to_vec(), 1)).await.unwrap();
    batch_tx.send(batch(second.to_vec(), 2)).await.unwrap();

    // The second batch commits while the first waits on the lock...
    common::wait_until(Duration::from_secs(20), "the second batch committed", || async {
        db.count("SELECT count(*) FROM readings").await == second.len() as i64
    })
    .await;
    // ...and no ack has left: the second batch's acks wait behind the first's.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(ack_rx.try_recv().is_err(), "an ack left before the earlier batch committed");
    assert_eq!(db.count("SELECT count(*) FROM readings").await, second.len() as i64, "the first batch committed early");

    // The other session gives up its row: the first batch commits, with that reading too.
    blocker.batch_execute("ROLLBACK").await.unwrap();
    let acks_first = tokio::time::timeout(Duration::from_secs(20), ack_rx.recv()).await.unwrap().unwrap();
    let acks_second = tokio::time::timeout(Duration::from_secs(20), ack_rx.recv()).await.unwrap().unwrap();
    assert_eq!(acks_first[0].pkid, 1);
    assert_eq!(acks_second[0].pkid, 2);
    assert_eq!(db.count("SELECT count(*) FROM readings").await, all.len() as i64);

    drop(batch_tx);
    tokio::time::timeout(Duration::from_secs(20), store).await.unwrap().unwrap();
}
