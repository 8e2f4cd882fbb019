//! The demo zone's data for the reader benchmarks (`reader_access`, `history`): the example
//! zone (config/zone.toml) simulated as `bash deploy/demo.sh` does, validated and written with
//! the daemon's own `Writer`, folded by its live stage; and the shipped dashboards' queries.

use crate::common::{now_ms, zone_file};
use std::time::{Duration, Instant};
use wasteflow::batch::Batch;
use wasteflow::calendar::{millis_span, Timestamp};
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::health::Health;
use wasteflow::live::{run_live, LiveParams, ZoneState};
use wasteflow::simulate::{DeviceFaults, Faults, ZoneSim};
use wasteflow::source::{AckToken, Delivery};
use wasteflow::store::{connect, Connector, Writer};
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::Zone;

pub const DAY_MS: i64 = 86_400_000;

#[allow(dead_code)] // reader_access's; history takes its target's settings
pub fn settings(url: &str) -> Settings {
    let mut s = Settings::default();
    s.zone.file = zone_file();
    s.zone.time_zone = "Europe/Paris".into();
    s.database = DatabaseSettings { url: url.to_string(), ..DatabaseSettings::default() };
    s
}

/// The demo's messages, validated, in batches of at most `max_messages` messages or
/// `batch.max_readings` readings. `zone` carries its ids.
pub fn demo_batches(
    zone: &Zone,
    s: &Settings,
    start: i64,
    end: i64,
    now: i64,
    max_messages: usize,
) -> (Vec<Batch>, usize, usize) {
    let layout = TopicLayout::parse("demo/+/+/up").unwrap();
    let faults = Faults {
        overflow: true,
        fire: true,
        devices: DeviceFaults { fire_alarm: true, tilt: true, moved: true, lid: true, ..DeviceFaults::default() },
        malformed: 0.005,
        duplicates: 0.01,
        ..Faults::default()
    };
    let limits = Limits {
        max_payload_bytes: s.mqtt.max_payload_bytes,
        max_past: millis_span(s.validation.max_past),
        max_future: millis_span(s.validation.max_future),
    };
    let mut sim = ZoneSim::new(
        zone,
        &layout,
        2026,
        wasteflow::calendar::Timestamp::from_millis(start),
        wasteflow::calendar::Timestamp::from_millis(end),
        faults,
    );
    let now = Timestamp::from_millis(now);
    let (mut batches, mut batch, mut messages, mut readings) = (Vec::new(), Batch::default(), 0usize, 0usize);
    let mut pkid = 0u16;
    while let Some(m) = sim.next_message() {
        let payload = bytes::Bytes::from(m.payload);
        let c = check_message(&m.topic, &payload, now, &layout, zone, &limits);
        pkid = pkid.wrapping_add(1).max(1);
        let ack = AckToken { generation: 0, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 };
        readings += c.readings.len();
        messages += 1;
        batch.push_checked(Delivery { topic: m.topic, payload, received: now, retain: false, ack }, c);
        if batch.messages() >= max_messages || batch.readings.len() >= s.batch.max_readings {
            batches.push(std::mem::take(&mut batch));
        }
    }
    if batch.messages() > 0 {
        batches.push(batch);
    }
    (batches, messages, readings)
}

/// `days` ending a minute ago: (start, end, now) in Unix milliseconds.
pub fn period_of(days: f64) -> (i64, i64, i64) {
    let now = now_ms() as i64;
    let start = now - 60_000 - (days * DAY_MS as f64) as i64;
    (start, now - 60_000, now)
}

/// Folds the live inbox into the live state with the daemon's live stage, until it is empty.
/// One connection watches the inbox meanwhile (on PGlite's single backend a connection opened
/// and closed every poll would only add to the queue the live stage waits in).
pub async fn fold_live(s: &Settings, zone: &Zone) {
    let (_reconf_tx, reconf_rx) = tokio::sync::watch::channel(None);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut live = s.live.clone();
    live.tick = Duration::from_millis(50);
    // Connected before the live stage starts: on PGlite a connection's first statement waits
    // for any transaction of another connection to end.
    let watch = connect(&s.database).await.expect("connect to watch the live inbox");
    let task = tokio::spawn(run_live(
        ZoneState::new(zone, LiveParams::from(&live)),
        Connector::new(&s.database).unwrap(),
        live,
        reconf_rx,
        stop_rx,
        Health::new(Duration::from_secs(60)),
    ));
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let left: i64 = watch.client.query_one("SELECT count(*) FROM live_inbox", &[]).await.unwrap().get(0);
        if left == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "the live inbox was not folded in 30 minutes");
    }
    watch.close().await;
    // One more round, for the sweep at `now`.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop_tx.send(true).unwrap();
    task.await.unwrap();
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Every (dashboard, panel title, raw SQL) of the shipped dashboards, rows' panels included.
pub fn dashboard_queries() -> Vec<(String, String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        for p in crate::common::grafana::panels(&dash) {
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(raw) = t["rawSql"].as_str() {
                    out.push((name.clone(), p["title"].as_str().unwrap_or("").to_string(), raw.to_string()));
                }
            }
        }
    }
    out
}

pub fn rfc3339(ms: i64) -> String {
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_millis(ms as u64)).to_string()
}

/// The demo over `start..end` written as the daemon writes it (batches of its defaults, its
/// `Writer`) into the database of `s` (its schema, if it names one), folded by its live stage
/// and analysed: (messages, readings sent).
pub async fn write_demo(s: &Settings, zone: &Zone, (start, end, now): (i64, i64, i64)) -> (usize, usize) {
    let (batches, messages, sent) = demo_batches(zone, s, start, end, now, s.batch.max_messages);
    let mut writer = Writer::new(Connector::new(&s.database).unwrap());
    for b in &batches {
        writer.write(b).await.expect("write a demo batch");
    }
    writer.close().await;
    fold_live(s, zone).await;
    let db = connect(&s.database).await.expect("connect");
    db.client.batch_execute("VACUUM ANALYZE").await.unwrap();
    db.close().await;
    (messages, sent)
}
