//! A storage target for the storage suite: a fresh PostgreSQL database by default, or a fresh
//! schema in the TimescaleDB named by `WASTEFLOW_TEST_TIMESCALE_URL` (as `.ci/run` does with
//! the PGlite TimescaleDB build). The same tests run against both.

use super::{unique, TestDb};
use std::process::{Command, Stdio};
use wasteflow::batch::Batch;
use wasteflow::calendar::Timestamp;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::store::{connect, Connector, Db, Writer};
use wasteflow::wire::ValidReading;

pub struct StorageTarget {
    pub settings: Settings,
    pub timescale: bool,
    _db: Option<TestDb>,
}

impl StorageTarget {
    pub async fn new() -> StorageTarget {
        StorageTarget::at(std::env::var("WASTEFLOW_TEST_TIMESCALE_URL").ok()).await
    }

    /// A fresh schema in the TimescaleDB at `timescale_url` when there is one (not empty), else
    /// a fresh PostgreSQL database: [`StorageTarget::new`] with the URL given (the benchmarks
    /// take theirs from a variable of their own).
    pub async fn at(timescale_url: Option<String>) -> StorageTarget {
        let mut settings = Settings::default();
        settings.zone.file = super::zone_file();
        match timescale_url {
            Some(url) if !url.is_empty() => {
                settings.database =
                    DatabaseSettings { url, schema: Some(unique("wf_")), ..DatabaseSettings::default() };
                let target = StorageTarget { settings, timescale: true, _db: None };
                // PGlite has one backend for every connection: an earlier test's role and the
                // statements it prepared (tokio-postgres names them s0, s1, ... per process)
                // are still there.
                let db = target.connect().await;
                db.client.batch_execute("RESET ROLE; DEALLOCATE ALL").await.expect("reset the shared session");
                db.close().await;
                target
            }
            _ => {
                let db = TestDb::new().await;
                settings.database = DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() };
                StorageTarget { settings, timescale: false, _db: Some(db) }
            }
        }
    }

    /// A connection with the target's search path.
    pub async fn connect(&self) -> Db {
        connect(&self.settings.database).await.unwrap_or_else(|e| {
            panic!("the test database at {} is required and not reachable: {e}", self.settings.database.url)
        })
    }

    /// Settings for the binary on this target: its database, and on TimescaleDB its schema.
    pub fn env(&self) -> super::Env {
        let mut env = super::Env::with_url(&self.settings.database.url);
        if let Some(schema) = &self.settings.database.schema {
            env.extra.push(("WASTEFLOW__DATABASE__SCHEMA".into(), schema.clone()));
        }
        env
    }

    pub fn writer(&self) -> Writer {
        Writer::new(Connector::new(&self.settings.database).expect("database settings"))
    }

    /// Migrates the target, synchronises `zone` into it and stores the readings `fixture`
    /// makes of it (with the database's ids); the zone with those ids, and a connection.
    pub async fn with_fixture(
        &self,
        zone: wasteflow::zone::Zone,
        fixture: impl FnOnce(&wasteflow::zone::Zone) -> Vec<ValidReading>,
    ) -> (wasteflow::zone::Zone, Db) {
        let prepared = wasteflow::store::prepare(&self.settings, &zone, true).await.expect("prepare");
        let zone = zone.with_ids(prepared.ids);
        let mut writer = self.writer();
        writer.write(&batch_of(fixture(&zone))).await.expect("write fixture");
        writer.close().await;
        (zone, self.connect().await)
    }
}

impl Drop for StorageTarget {
    fn drop(&mut self) {
        if let (true, Some(schema)) = (self.timescale, &self.settings.database.schema) {
            let _ = Command::new("timeout")
                .args(["20", "psql"])
                .arg(&self.settings.database.url)
                .args(["-q", "-c", &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")])
                .env("PGPASSWORD", "x")
                .env("PGSSLMODE", "disable")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A batch of already-validated readings (no acks: nothing came from MQTT).
pub fn batch_of(readings: Vec<ValidReading>) -> Batch {
    Batch { readings, ..Batch::default() }
}

/// One reading of a gateway's sensor at `at` ms (its frame's base time), checked and attributed
/// through the registry as if just received; the zone needs its ids (`Zone::with_ids`).
pub fn reading(
    zone: &wasteflow::zone::Zone,
    company: &str,
    gateway: &str,
    sensor: u16,
    value: wasteflow::wire::Measurement,
    at: u64,
) -> ValidReading {
    use wasteflow::validate::check_message;
    use wasteflow::wire::{encode, Frame, Reading, TopicLayout};
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = any_time_limits();
    let frame = encode(&Frame { seq: 1, base_time_ms: at, readings: vec![Reading { sensor, offset_ms: 0, value }] });
    let c = check_message(
        &format!("zone/{company}/{gateway}/up"),
        &frame.into(),
        Timestamp::from_millis(at as i64),
        &layout,
        zone,
        &limits,
    );
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    c.readings.into_iter().next().unwrap()
}

/// One weighing (kg) of a gateway's sensor at `at` ms: [`reading`] of a net mass.
pub fn weighing(
    zone: &wasteflow::zone::Zone,
    company: &str,
    gateway: &str,
    sensor: u16,
    kg: f32,
    at: u64,
) -> ValidReading {
    reading(zone, company, gateway, sensor, wasteflow::wire::Measurement::NetMassKg(kg), at)
}

/// Logistique A21 also landfills mineral mix, which Béton d'Artois accepts for recycling: a
/// synergy opportunity (the example zone's pallets are none: the transfer station recycles part
/// of what it receives, and the boiler would burn them).
pub const LANDFILLED: &str = r#"
[[containers]]
id = "la-mineral-landfill"
company = "logistique-a21"
site = "la-lievin"
type = "roll-off"
volume_m3 = 30.0
max_load_kg = 30000.0
stream = "mineral-mix"
treatment = "D1"
destination = "isdnd-artois"
transporter = "transports-artois"

[[gateways]]
id = "gw-la-02"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mineral-landfill" }]
"#;

/// The example zone (config/zone.toml) with more entries appended, checked as one file.
pub fn example_zone_with(extra: &str) -> wasteflow::zone::Zone {
    let path = super::zone_file();
    let text = std::fs::read_to_string(&path).expect("the example zone") + extra;
    wasteflow::zone::Zone::parse(&path, &text).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The first simulated instant of [`fill_simulated`] (2027-01-15).
pub const SIMULATED_START_MS: u64 = 1_800_000_000_000;

/// 600 frames of the uniform simulator (2% malformed) from [`SIMULATED_START_MS`], validated and
/// written as the daemon would: every company's containers, their dead letters included.
pub async fn fill_simulated(target: &StorageTarget, zone: &wasteflow::zone::Zone) {
    use wasteflow::simulate::FrameGenerator;
    use wasteflow::source::{AckToken, Delivery};
    use wasteflow::validate::check_message;
    use wasteflow::wire::TopicLayout;
    let start = SIMULATED_START_MS;
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = any_time_limits();
    let mut g = FrameGenerator::new(
        zone,
        &layout,
        21,
        wasteflow::calendar::Timestamp::from_millis(start as i64),
        40,
        0.0,
        0.02,
    );
    let mut writer = target.writer();
    for _ in 0..6 {
        let mut batch = Batch::default();
        for pkid in 0..100 {
            let m = g.next_message();
            let payload = bytes::Bytes::from(m.payload);
            let c = check_message(&m.topic, &payload, Timestamp::from_millis(start as i64), &layout, zone, &limits);
            let ack = AckToken { generation: 0, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 };
            batch.push_checked(
                Delivery {
                    topic: m.topic,
                    payload,
                    received: Timestamp::from_millis(start as i64),
                    retain: false,
                    ack,
                },
                c,
            );
        }
        writer.write(&batch).await.expect("write simulated batch");
    }
    writer.close().await;
}

/// `frames` frames of the uniform simulator (`per_frame` readings each, `seed`) from `start_ms`,
/// validated as the daemon would, any time taken.
pub fn simulated_readings(
    zone: &wasteflow::zone::Zone,
    frames: usize,
    per_frame: usize,
    seed: u64,
    start_ms: u64,
) -> Vec<wasteflow::wire::ValidReading> {
    let layout = wasteflow::wire::TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = any_time_limits();
    let mut g = wasteflow::simulate::FrameGenerator::new(
        zone,
        &layout,
        seed,
        wasteflow::calendar::Timestamp::from_millis(start_ms as i64),
        per_frame,
        0.0,
        0.0,
    );
    (0..frames)
        .flat_map(|_| {
            let m = g.next_message();
            wasteflow::validate::check_message(
                &m.topic,
                &bytes::Bytes::from(m.payload),
                wasteflow::calendar::Timestamp::from_millis(start_ms as i64),
                &layout,
                zone,
                &limits,
            )
            .readings
        })
        .collect()
}

/// Limits that take a reading of any time: for tests that validate simulated frames far from
/// the daemon's clock.
pub fn any_time_limits() -> wasteflow::validate::Limits {
    wasteflow::validate::Limits {
        max_payload_bytes: 65536,
        max_past: wasteflow::calendar::SignedDuration::from_millis(i64::MAX / 4),
        max_future: wasteflow::calendar::SignedDuration::from_millis(i64::MAX / 4),
    }
}
