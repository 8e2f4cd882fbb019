//! `run_batcher` on tokio's paused clock: size limits hand a batch over at the message that
//! reaches them, the age limit at exactly `max_age` after the batch's first message, and a
//! closed input flushes what is left. Deliveries carry real frames for gateways of
//! `config/zone.toml`.

use super::*;
use crate::wire::{encode, Frame, Measurement, Reading};
use bytes::Bytes;
use tokio::time::timeout;

const NOW: i64 = 1_800_000_000_000;

/// Gateways of `config/zone.toml`, each with a fill-level sensor numbered 1.
const GATEWAYS: [(&str, &str); 3] =
    [("metallerie-lievin", "gw-ml-01"), ("cartonnages-lens", "gw-cl-01"), ("beton-artois", "gw-ba-01")];

fn checks() -> Arc<Checks> {
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().numbered();
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    Arc::new(Checks::from_settings(&Settings::default(), layout, Arc::new(zone)))
}

/// Delivery `pkid`, from the `pkid`-th gateway in turn, carrying `readings` valid fill levels.
fn delivery(pkid: u16, readings: u32) -> Delivery {
    let (company, gateway) = GATEWAYS[usize::from(pkid) % GATEWAYS.len()];
    let readings = (0..readings)
        .map(|i| Reading { sensor: 1, offset_ms: i, value: Measurement::FillLevel(10.0 + i as f32) })
        .collect();
    let payload = encode(&Frame { seq: u32::from(pkid), base_time_ms: NOW as u64 - 1000, readings });
    Delivery {
        topic: format!("zone/{company}/{gateway}/up"),
        payload: Bytes::from(payload),
        received: Timestamp::from_millis(NOW),
        retain: false,
        ack: AckToken { generation: 0, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 },
    }
}

struct Harness {
    input: mpsc::Sender<Delivery>,
    output: mpsc::Receiver<Batch>,
    health: Health,
    _checks: watch::Sender<Arc<Checks>>,
    task: tokio::task::JoinHandle<()>,
}

fn start(max_readings: usize, max_messages: usize, max_age: Duration) -> Harness {
    let (input, input_rx) = mpsc::channel(64);
    let (output_tx, output) = mpsc::channel(8);
    let (checks_tx, checks_rx) = watch::channel(checks());
    let health = Health::new(Duration::from_secs(60));
    let limits = BatchLimits { max_readings, max_messages, max_age };
    let task = tokio::spawn(run_batcher(input_rx, output_tx, checks_rx, limits, health.clone()));
    Harness { input, output, health, _checks: checks_tx, task }
}

impl Harness {
    async fn send(&self, d: Delivery) {
        self.input.send(d).await.unwrap();
    }

    /// No batch handed over within `within` (of paused time, skipped over at once).
    async fn assert_nothing_for(&mut self, within: Duration, what: &str) {
        if let Ok(b) = timeout(within, self.output.recv()).await {
            panic!("{what}: a batch was handed over early: {b:?}");
        }
    }

    /// The next batch, handed over without the clock moving.
    async fn batch_now(&mut self, what: &str) -> Batch {
        let before = Instant::now();
        let b = timeout(Duration::from_millis(1), self.output.recv())
            .await
            .unwrap_or_else(|_| panic!("{what}: no batch handed over"))
            .unwrap_or_else(|| panic!("{what}: the batcher stopped"));
        assert_eq!(Instant::now(), before, "{what}: handed over at once");
        b
    }
}

fn pkids(b: &Batch) -> Vec<u16> {
    b.acks().iter().map(|a| a.pkid).collect()
}

#[tokio::test(start_paused = true)]
async fn handed_over_exactly_when_max_messages_is_reached() {
    let mut h = start(10_000, 3, Duration::from_secs(3600));
    for pkid in 1..=2 {
        h.send(delivery(pkid, 1)).await;
    }
    h.assert_nothing_for(Duration::from_secs(60), "two messages of three").await;
    h.send(delivery(3, 1)).await;
    let b = h.batch_now("the third message").await;
    assert_eq!(pkids(&b), [1, 2, 3]);
    assert_eq!(b.readings.len(), 3);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert!(b.spans.iter().all(|s| s.received == Timestamp::from_millis(NOW)));
    assert_eq!(h.health.waiting(), 3, "handed-over messages wait for their commit");
    // The next batch starts empty.
    for pkid in 4..=6 {
        h.send(delivery(pkid, 1)).await;
    }
    assert_eq!(pkids(&h.batch_now("the sixth message").await), [4, 5, 6]);
}

#[tokio::test(start_paused = true)]
async fn handed_over_exactly_when_max_readings_is_reached() {
    let mut h = start(10, 100, Duration::from_secs(3600));
    h.send(delivery(1, 4)).await;
    h.send(delivery(2, 4)).await;
    h.assert_nothing_for(Duration::from_secs(60), "8 readings of 10").await;
    h.send(delivery(3, 4)).await;
    let b = h.batch_now("12 readings").await;
    assert_eq!(pkids(&b), [1, 2, 3]);
    assert_eq!(b.readings.len(), 12, "the message that crosses the limit is kept whole");
}

#[tokio::test(start_paused = true)]
async fn rejections_count_towards_max_readings() {
    let mut h = start(3, 100, Duration::from_secs(3600));
    h.send(delivery(1, 2)).await;
    // A payload that does not decode: one rejection, the third entry of the batch.
    let mut bad = delivery(2, 1);
    bad.payload = Bytes::from_static(&[0x01, 0xff, 0xff]);
    h.send(bad).await;
    let b = h.batch_now("2 readings and 1 rejection").await;
    assert_eq!((b.readings.len(), b.rejects.len()), (2, 1));
    assert_eq!(b.spans[1].rejects, 0..1, "the rejection belongs to the second message");
    assert_eq!(b.spans[0].readings, 0..2);
    assert_eq!(pkids(&b), [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_lone_message_is_handed_over_at_max_age_and_not_before() {
    let max_age = Duration::from_millis(50);
    let mut h = start(10_000, 500, max_age);
    let sent = Instant::now();
    h.send(delivery(1, 1)).await;
    h.assert_nothing_for(max_age - Duration::from_millis(1), "before max_age").await;
    let b = h.output.recv().await.expect("handed over at max_age");
    assert_eq!(sent.elapsed(), max_age);
    assert_eq!(pkids(&b), [1]);
    // Nothing more: no empty batch at the next deadlines.
    h.assert_nothing_for(Duration::from_secs(10), "an empty batch").await;
}

#[tokio::test(start_paused = true)]
async fn the_age_counts_from_the_first_message_of_the_batch() {
    let max_age = Duration::from_millis(50);
    let mut h = start(10_000, 500, max_age);
    let first = Instant::now();
    h.send(delivery(1, 1)).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    h.send(delivery(2, 1)).await;
    let b = h.output.recv().await.expect("handed over at max_age");
    assert_eq!(first.elapsed(), max_age, "a later message does not push the deadline back");
    assert_eq!(pkids(&b), [1, 2]);
    // A new batch gets its own deadline, from its own first message.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = Instant::now();
    h.send(delivery(3, 1)).await;
    let b = h.output.recv().await.expect("handed over at max_age");
    assert_eq!(second.elapsed(), max_age);
    assert_eq!(pkids(&b), [3]);
}

#[tokio::test(start_paused = true)]
async fn closing_the_input_flushes_and_ends() {
    let Harness { input, mut output, health, _checks, task } = start(10_000, 500, Duration::from_secs(3600));
    for pkid in 1..=2 {
        input.send(delivery(pkid, 2)).await.unwrap();
    }
    let closed_at = Instant::now();
    drop(input);
    let b = output.recv().await.expect("the partial batch is flushed");
    assert_eq!(Instant::now(), closed_at, "flushed at once, not at max_age");
    assert_eq!(pkids(&b), [1, 2]);
    assert_eq!(b.readings.len(), 4);
    assert_eq!(health.waiting(), 2);
    assert!(output.recv().await.is_none(), "the batcher ends after the flush");
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn closing_an_empty_input_hands_over_nothing() {
    let Harness { input, mut output, _checks, task, .. } = start(10_000, 500, Duration::from_millis(50));
    drop(input);
    assert!(output.recv().await.is_none());
    task.await.unwrap();
}

#[test]
fn a_slice_keeps_each_message_with_its_readings_and_rejections() {
    let c = checks();
    let mut b = Batch::default();
    b.push(delivery(1, 2), &c.layout, &c.zone, &c.limits);
    let mut bad = delivery(2, 1);
    bad.payload = Bytes::from_static(&[0x01, 0xff, 0xff]);
    b.push(bad, &c.layout, &c.zone, &c.limits);
    b.push(delivery(3, 3), &c.layout, &c.zone, &c.limits);
    let s = b.slice(1..3);
    assert_eq!(pkids(&s), [2, 3]);
    assert_eq!((s.readings.len(), s.rejects.len()), (3, 1));
    assert_eq!((s.spans[0].readings.clone(), s.spans[0].rejects.clone()), (0..0, 0..1));
    assert_eq!((s.spans[1].readings.clone(), s.spans[1].rejects.clone()), (0..3, 1..1));
    assert_eq!(s.readings, b.readings[2..]);
    assert_eq!(s.spans[0].payload, b.spans[1].payload, "the raw payload travels with its message");
    assert_eq!(b.slice(0..1).readings, b.readings[..2]);
    assert_eq!(b.slice(1..1).messages(), 0);
}
