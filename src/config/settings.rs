//! The configuration types. Every field has a named default and a doc comment;
//! `config/wasteflow.toml` shows them all and is parsed by a test.

use serde::Deserialize;
use std::time::Duration;

/// The whole configuration, one field per section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub mqtt: MqttSettings,
    pub database: DatabaseSettings,
    pub batch: BatchSettings,
    pub validation: ValidationSettings,
    pub metrics: MetricsSettings,
    pub zone: ZoneSettings,
    pub log: LogSettings,
    pub shutdown: ShutdownSettings,
    pub storage: StorageSettings,
    pub live: LiveSettings,
    pub service: ServiceSettings,
}

/// The names of the sections, in the order they are reported.
pub const SECTIONS: &[&str] =
    &["mqtt", "database", "batch", "validation", "metrics", "zone", "log", "shutdown", "storage", "live", "service"];

/// `[mqtt]`: the broker connection and subscription.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MqttSettings {
    /// Broker URL in rumqttc form: `mqtt://host:port?client_id=NAME` (`mqtts://` for TLS).
    /// The client id must be fixed: it names the persistent session that holds unacked readings.
    pub url: String,
    /// Subscription filter; its first `+` is the company segment, its second the gateway.
    /// Prefix with `$share/<group>/` to share the load between instances.
    pub topic_filter: String,
    /// Username for the broker, if it requires one.
    pub username: Option<String>,
    /// File holding the broker password (never put the password itself in this file).
    pub password_file: Option<String>,
    /// MQTT 5 receive maximum: unacknowledged messages the broker may have in flight to us.
    /// Bounds the daemon's memory; acks are sent only after commit, so it also bounds throughput.
    pub receive_maximum: u16,
    /// How long the broker keeps our session (and queues messages) while we are away.
    #[serde(with = "humantime_serde")]
    pub session_expiry: Duration,
    /// MQTT keep-alive interval.
    #[serde(with = "humantime_serde")]
    pub keep_alive: Duration,
    /// Largest payload accepted; larger ones are dead-lettered (truncated) without decoding.
    pub max_payload_bytes: usize,
    /// Maximum packet size announced to the broker (MQTT 5): the broker silently drops, never
    /// delivers, a message whose packet is larger. Keep it above what the broker accepts from
    /// publishers (Mosquitto: `max_packet_size`, 320 KiB in the shipped configuration, whose
    /// `message_size_limit` is 256 KiB) plus 1 KiB, so every accepted message reaches the
    /// daemon and an oversized one is dead-lettered. It also bounds the memory of a delivery.
    pub max_packet_bytes: usize,
    /// In-flight byte budget: topic and payload bytes of the messages received and not yet
    /// committed (so not yet acked). The daemon reads from the broker only while one more
    /// message of `max_packet_bytes` fits, and otherwise waits for commits to free room (the
    /// broker keeps the rest). At least `max_packet_bytes`.
    pub max_inflight_bytes: usize,
    /// First reconnect delay; doubles on each failure, with jitter.
    #[serde(with = "humantime_serde")]
    pub reconnect_min: Duration,
    /// Upper bound of the reconnect delay.
    #[serde(with = "humantime_serde")]
    pub reconnect_max: Duration,
    /// With mqtts://: CA certificates (PEM) the broker's certificate must chain to; none: the
    /// system's trust store.
    pub ca_file: Option<String>,
    /// With mqtts://: client certificate (PEM) for brokers that authenticate clients by
    /// certificate (`require_certificate true` in Mosquitto); needs `key_file`.
    pub cert_file: Option<String>,
    /// The client certificate's private key (PEM).
    pub key_file: Option<String>,
}

/// The largest packet the shipped broker accepts (`max_packet_size` in
/// `deploy/mosquitto/mosquitto.conf`: a 256 KiB payload plus 64 KiB of topic and properties).
pub const SHIPPED_BROKER_MAX_PACKET: usize = 320 * 1024;

/// Room for what a broker adds to a message it forwards (subscription identifier, a longer
/// length prefix).
pub const FORWARDING_OVERHEAD: usize = 1024;

/// `mqtt.max_packet_bytes` by default: the shipped broker's largest packet plus forwarding.
pub const DEFAULT_MAX_PACKET_BYTES: usize = SHIPPED_BROKER_MAX_PACKET + FORWARDING_OVERHEAD;

/// `mqtt.max_inflight_bytes` by default: 16 MiB, 51 of the shipped broker's largest packets;
/// one-reading frames (about 90 bytes with their topic) never come near it.
pub const DEFAULT_MAX_INFLIGHT_BYTES: usize = 16 * 1024 * 1024;

/// The largest packet MQTT can carry (a remaining length of 268,435,455 bytes).
pub const MQTT_MAX_PACKET: usize = 268_435_455 + 5;

impl Default for MqttSettings {
    fn default() -> Self {
        Self {
            url: "mqtt://127.0.0.1:1883?client_id=wasteflow".into(),
            topic_filter: "zone/+/+/up".into(),
            username: None,
            password_file: None,
            receive_maximum: 8000,
            session_expiry: Duration::from_secs(7 * 24 * 3600),
            keep_alive: Duration::from_secs(30),
            max_payload_bytes: 64 * 1024,
            max_packet_bytes: DEFAULT_MAX_PACKET_BYTES,
            max_inflight_bytes: DEFAULT_MAX_INFLIGHT_BYTES,
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
            ca_file: None,
            cert_file: None,
            key_file: None,
        }
    }
}

/// `[database]`: PostgreSQL / TimescaleDB.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// libpq-style URL or key=value string, e.g. `postgres://wasteflow@127.0.0.1/wasteflow`.
    pub url: String,
    /// File holding the database password, if the URL carries none.
    pub password_file: Option<String>,
    /// Give up a connection attempt after this long.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Every database call is abandoned (and the connection dropped) after this long.
    #[serde(with = "humantime_serde")]
    pub statement_timeout: Duration,
    /// First delay before retrying after a database failure; doubles up to `retry_max`.
    #[serde(with = "humantime_serde")]
    pub retry_min: Duration,
    /// Upper bound of the retry delay.
    #[serde(with = "humantime_serde")]
    pub retry_max: Duration,
    /// Apply pending migrations when `wasteflow run` starts.
    pub migrate_on_start: bool,
    /// Schema holding wasteflow's tables (set as the search path); none: the server's default.
    pub schema: Option<String>,
    /// Connections committing batches at the same time (acks still leave in arrival order).
    pub writers: usize,
    /// Require TLS and verify the server's certificate (chain and host name) against the
    /// system's trust store, or `ca_file` when set.
    pub tls: bool,
    /// CA certificates (PEM) the server's certificate must chain to; setting it implies `tls`.
    pub ca_file: Option<String>,
    /// Where a dead letter the database refuses to store is appended instead (JSON lines, one
    /// row of `rejected_messages` each); none: [`SPOOL_FILE_NAME`] in systemd's
    /// `$STATE_DIRECTORY`, else in the working directory.
    pub spool_file: Option<String>,
}

/// The spool file's name when `database.spool_file` is not set.
pub const SPOOL_FILE_NAME: &str = "wasteflow-dead-letters.jsonl";

impl DatabaseSettings {
    /// The spool file (see `spool_file`).
    pub fn spool_path(&self) -> std::path::PathBuf {
        match &self.spool_file {
            Some(path) if !path.trim().is_empty() => path.into(),
            _ => SPOOL_FILE_NAME.into(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "postgres://wasteflow@127.0.0.1:5432/wasteflow".into(),
            password_file: None,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            retry_min: Duration::from_millis(200),
            retry_max: Duration::from_secs(10),
            migrate_on_start: true,
            schema: None,
            writers: 2,
            tls: false,
            ca_file: None,
            spool_file: None,
        }
    }
}

/// `[batch]`: how many readings go into one transaction.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchSettings {
    /// Commit once this many readings are waiting.
    pub max_readings: usize,
    /// Commit once this many messages are waiting (keep below `mqtt.receive_maximum`).
    pub max_messages: usize,
    /// Commit at the latest this long after the first message of the batch arrived.
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self { max_readings: 10_000, max_messages: 4_000, max_age: Duration::from_millis(50) }
    }
}

/// Upper bound of `validation.max_past`: ten years. Gateways buffer hours or days of readings,
/// not decades; the bound keeps every accepted reading time far inside PostgreSQL's
/// `timestamptz` range and the millisecond arithmetic far from overflow.
pub const MAX_PAST_LIMIT: Duration = Duration::from_secs(3650 * 86_400);

/// Upper bound of `validation.max_future`: one day. Covers any time-zone mistake (at most
/// 14 h) with room to spare; a gateway further ahead has a broken clock, and its readings
/// would sit ahead of the live state and the rollups.
pub const MAX_FUTURE_LIMIT: Duration = Duration::from_secs(86_400);

/// How much longer than `validation.max_past` raw readings must be kept
/// (`storage.raw_retention`): one day, for clock differences between the daemon (which
/// judges a reading's age) and the database (which drops old chunks).
pub const DEDUP_MARGIN: Duration = Duration::from_secs(86_400);

/// `[validation]`: what a plausible reading looks like.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationSettings {
    /// Readings older than this (against the daemon's clock) are rejected. At most 10 years
    /// ([`MAX_PAST_LIMIT`]), and below `storage.raw_retention` by [`DEDUP_MARGIN`] when that is
    /// set: a reading is deduplicated only while its first copy is still stored.
    #[serde(with = "humantime_serde")]
    pub max_past: Duration,
    /// Readings further in the future than this are rejected (gateway clock skew). At most
    /// one day ([`MAX_FUTURE_LIMIT`]).
    #[serde(with = "humantime_serde")]
    pub max_future: Duration,
    /// Messages per second one gateway may send, sustained; the excess is dead-lettered whole
    /// (reason `gateway_flood`). 0: no limit.
    pub gateway_max_rate: f64,
    /// Messages one gateway may send at once above that rate (a gateway emptying its buffer
    /// after a network outage).
    pub gateway_burst: f64,
}

impl Default for ValidationSettings {
    fn default() -> Self {
        Self {
            max_past: Duration::from_secs(30 * 24 * 3600),
            max_future: Duration::from_secs(300),
            gateway_max_rate: 0.0,
            gateway_burst: 1000.0,
        }
    }
}

/// `[metrics]`: the Prometheus endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Address of the HTTP listener serving `/metrics`, `/healthz` and `/readyz`.
    pub listen: String,
    /// Not ready (and no systemd watchdog ping) once messages have waited this long without
    /// any commit.
    #[serde(with = "humantime_serde")]
    pub stall_after: Duration,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self { listen: "127.0.0.1:9187".into(), stall_after: Duration::from_secs(60) }
    }
}

/// `[zone]`: the registry of companies, gateways and containers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZoneSettings {
    /// Path of the zone registry file.
    pub file: String,
    /// The zone's time zone (IANA name, e.g. "Europe/Paris"): the views' days, months and years
    /// are local to it (docs/kpis.md). Its UTC offset must always be a whole number of hours
    /// (local days are summed from hourly rollups); checked against the database's
    /// `pg_timezone_names` at every registry sync.
    pub time_zone: String,
}

/// Default of `zone.time_zone`.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";

impl Default for ZoneSettings {
    fn default() -> Self {
        Self { file: "config/zone.toml".into(), time_zone: DEFAULT_TIME_ZONE.into() }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Human,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `[log]`: tracing output.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `human` or `json`.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `wasteflow=debug,info`; `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: LogFormat::Human, level: "info".into() }
    }
}

/// `[shutdown]`: stopping on SIGTERM / SIGINT.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownSettings {
    /// Time allowed to commit and acknowledge what is in flight before exiting anyway.
    #[serde(with = "humantime_serde")]
    pub grace: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self { grace: Duration::from_secs(10) }
    }
}

/// `[service]`: liveness, for the systemd watchdog and `/healthz`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceSettings {
    /// A loop of the pipeline (source, batch, store, live, reloads) that has not reported
    /// for this long is wedged: the daemon is then not alive (no watchdog ping, `/healthz`
    /// 503). Loops waiting for the database or the broker keep reporting: an outage is not a
    /// wedge.
    #[serde(with = "humantime_serde")]
    pub loop_stall_after: Duration,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self { loop_stall_after: crate::liveness::DEFAULT_LOOP_STALL_AFTER }
    }
}

/// `[storage]`: TimescaleDB compression and retention (ignored, with a warning, on plain
/// PostgreSQL).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// Compress raw readings and rollup chunks older than this.
    #[serde(with = "humantime_serde")]
    pub compress_after: Duration,
    /// Drop raw readings older than this; none (the default) keeps them forever. Must exceed
    /// `validation.max_past` by [`DEDUP_MARGIN`] (the deduplication window).
    /// Rollups are kept: only the raw table and, if set, the minute rollups are dropped.
    #[serde(with = "humantime_serde")]
    pub raw_retention: Option<Duration>,
    /// Drop 1-minute rollups older than this; none keeps them. Hourly and daily rollups are kept.
    #[serde(with = "humantime_serde")]
    pub minute_rollup_retention: Option<Duration>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self { compress_after: Duration::from_secs(7 * 24 * 3600), raw_retention: None, minute_rollup_retention: None }
    }
}

/// `[live]`: live container state, events and anomaly detection.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveSettings {
    /// Open "overflow predicted" when the forecast time to the overflow threshold is below this.
    #[serde(with = "humantime_serde")]
    pub overflow_lead_time: Duration,
    /// A sensor is silent after this many of its container's expected reporting intervals.
    pub silent_factor: f64,
    /// Battery low below this percentage (closes 5 points above it).
    pub battery_low_pct: f64,
    /// Fire risk at or above this temperature (closes 5 degrees below it)...
    pub fire_temperature_c: f64,
    /// ...or when the temperature rises faster than this many degrees per minute.
    pub fire_rise_c_per_min: f64,
    /// A fill drop of at least this many points with no "emptied" reading opens
    /// "emptied without collection".
    pub emptied_drop_pct: f64,
    /// Anomaly event at or above this score (standard deviations of the fill increments).
    pub anomaly_threshold: f64,
    /// Weight of the newest increment in the detector's moving mean and variance (0 to 1].
    pub anomaly_alpha: f64,
    /// Increments seen after a collection before scores count.
    pub anomaly_warmup: u32,
    /// Floor of the detector's standard deviation, in fill points.
    pub anomaly_min_std: f64,
    /// How often the committed readings are folded into the shared live state, silence is
    /// re-evaluated and the gauges refreshed.
    #[serde(with = "humantime_serde")]
    pub tick: Duration,
    /// How long frames that arrived after a gap in a gateway's frame counter wait for the
    /// missing ones (committed a moment later by another instance, say) before the gap is
    /// declared missing and the frames after it are applied.
    #[serde(with = "humantime_serde")]
    pub reorder_wait: Duration,
    /// Most frames of one gateway held behind a gap; one more declares the gap at once.
    pub max_held_frames: usize,
    /// A lid open (`LidOpen` readings) for longer than this opens "lid open".
    #[serde(with = "humantime_serde")]
    pub lid_open_max: Duration,
    /// A container tilted (`TiltDeg`) beyond this angle from upright is out of position
    /// (closes 10 degrees below it).
    pub tilt_max_deg: f64,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            overflow_lead_time: Duration::from_secs(2 * 3600),
            silent_factor: 3.0,
            battery_low_pct: 15.0,
            fire_temperature_c: 70.0,
            fire_rise_c_per_min: 5.0,
            emptied_drop_pct: 40.0,
            anomaly_threshold: 6.0,
            anomaly_alpha: 0.1,
            anomaly_warmup: 10,
            anomaly_min_std: 0.5,
            tick: Duration::from_secs(1),
            reorder_wait: Duration::from_secs(10),
            max_held_frames: 4096,
            lid_open_max: Duration::from_secs(30 * 60),
            tilt_max_deg: 45.0,
        }
    }
}
