//! Metric names, descriptions and the functions that record them.

use crate::calendar::{millis_of, SignedDuration};
use crate::wire::RejectReason;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use std::time::Duration;

pub const MESSAGES_RECEIVED: &str = "wasteflow_messages_received_total";
pub const READINGS_STORED: &str = "wasteflow_readings_stored_total";
pub const READINGS_DUPLICATE: &str = "wasteflow_readings_duplicate_total";
pub const READINGS_REJECTED: &str = "wasteflow_readings_rejected_total";
pub const BATCH_COMMIT_SECONDS: &str = "wasteflow_batch_commit_seconds";
pub const BATCH_FAILURES: &str = "wasteflow_batch_failures_total";
pub const INGEST_LAG_SECONDS: &str = "wasteflow_ingest_lag_seconds";
pub const RECEIVE_TO_COMMIT_SECONDS: &str = "wasteflow_receive_to_commit_seconds";
pub const MQTT_CONNECTED: &str = "wasteflow_mqtt_connected";
pub const MQTT_SUBSCRIBED: &str = "wasteflow_mqtt_subscribed";
pub const MQTT_RECONNECTS: &str = "wasteflow_mqtt_reconnects_total";
pub const RETAINED_CLEARS: &str = "wasteflow_mqtt_retained_clears_total";
pub const STALE_ACKS: &str = "wasteflow_mqtt_stale_acks_total";
pub const ACKS_SENT: &str = "wasteflow_mqtt_acks_total";
pub const MQTT_INFLIGHT_BYTES: &str = "wasteflow_mqtt_inflight_bytes";
pub const CONFIG_RELOADS: &str = "wasteflow_config_reloads_total";
pub const CONFIG_RELOAD_OK: &str = "wasteflow_config_last_reload_successful";
pub const DATABASE_UP: &str = "wasteflow_database_up";
pub const DEAD_LETTERS_PENDING: &str = "wasteflow_dead_letters_pending";
pub const DATABASE_REFUSALS: &str = "wasteflow_database_refusals_total";
pub const DEAD_LETTERS_SPOOLED: &str = "wasteflow_dead_letters_spooled_total";
pub const DELIVERIES: &str = "wasteflow_deliveries_total";
pub const REJECTIONS: &str = "wasteflow_rejections_total";

pub const CONTAINER_FILL: &str = "wasteflow_container_fill_percent";
pub const CONTAINER_FILL_RATE: &str = "wasteflow_container_fill_rate_percent_per_hour";
pub const CONTAINER_TO_FULL: &str = "wasteflow_container_seconds_to_full";
pub const CONTAINER_SINCE_READING: &str = "wasteflow_container_seconds_since_reading";
pub const CONTAINER_BATTERY: &str = "wasteflow_container_battery_percent";
pub const CONTAINER_TEMPERATURE: &str = "wasteflow_container_temperature_celsius";
pub const CONTAINER_ANOMALY: &str = "wasteflow_container_anomaly_score";
pub const CONTAINER_LOAD: &str = "wasteflow_container_load_kilograms";
pub const CONTAINER_TILT: &str = "wasteflow_container_tilt_degrees";
pub const CONTAINER_FROM_SITE: &str = "wasteflow_container_distance_from_site_meters";
pub const SENSOR_RSSI: &str = "wasteflow_sensor_rssi_dbm";
pub const SENSOR_SNR: &str = "wasteflow_sensor_snr_db";
pub const SENSOR_QUALITY: &str = "wasteflow_sensor_measurement_quality_percent";
pub const CONTAINER_OPEN_EVENTS: &str = "wasteflow_container_open_events";
pub const GATEWAY_SINCE_READING: &str = "wasteflow_gateway_seconds_since_reading";
pub const CONTAINER_GATEWAY: &str = "wasteflow_container_gateway";
pub const EVENTS_OPENED: &str = "wasteflow_events_opened_total";
pub const FRAMES_MISSING: &str = "wasteflow_frames_missing_total";
pub const FRAMES_LATE: &str = "wasteflow_frames_late_total";
pub const COUNTER_RESTARTS: &str = "wasteflow_frame_counter_restarts_total";
pub const LIVE_INBOX: &str = "wasteflow_live_inbox_rows";
pub const LIVE_FOLD_FAILURES: &str = "wasteflow_live_fold_failures_total";
pub const LIVE_FOLD_REFUSED: &str = "wasteflow_live_fold_refused_seconds";
pub const LIVE_SET_ASIDE: &str = "wasteflow_live_inbox_set_aside_total";

/// Histogram buckets, in seconds.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
pub const LAG_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0];

/// Registers descriptions (shown as `# HELP`).
pub fn describe() {
    describe_counter!(MESSAGES_RECEIVED, "MQTT messages received from gateways, by the QoS they were delivered with");
    describe_counter!(READINGS_STORED, "Readings stored for the first time");
    describe_counter!(READINGS_DUPLICATE, "Readings received again and not stored twice");
    describe_counter!(READINGS_REJECTED, "Dead letters written (whole messages or single readings), by reason");
    describe_histogram!(BATCH_COMMIT_SECONDS, Unit::Seconds, "Time to write and commit one batch, retries included");
    describe_counter!(
        BATCH_FAILURES,
        "Failed batch attempts, by kind: unavailable (retried with backoff) or refused (split, refusing messages dead-lettered)"
    );
    describe_histogram!(INGEST_LAG_SECONDS, Unit::Seconds, "Reading time to commit, per stored reading");
    describe_histogram!(RECEIVE_TO_COMMIT_SECONDS, Unit::Seconds, "MQTT receive to commit, per message");
    describe_gauge!(MQTT_CONNECTED, "1 while connected to the broker");
    describe_gauge!(MQTT_SUBSCRIBED, "1 while the subscription is active on the current connection");
    describe_gauge!(
        MQTT_INFLIGHT_BYTES,
        Unit::Bytes,
        "Topic and payload bytes received and not yet committed; reads from the broker wait while one more message of mqtt.max_packet_bytes would pass mqtt.max_inflight_bytes"
    );
    describe_counter!(MQTT_RECONNECTS, "Broker connection losses");
    describe_counter!(RETAINED_CLEARS, "Empty retained publishes (a retained message cleared): acked, nothing stored");
    describe_counter!(CONFIG_RELOADS, "Configuration reloads (SIGHUP) by result: applied or refused");
    describe_gauge!(CONFIG_RELOAD_OK, "1 if the last configuration reload was applied, 0 if it was refused");
    describe_counter!(ACKS_SENT, "Acks handed to the MQTT client, each after its message's batch committed");
    describe_counter!(STALE_ACKS, "Acks not sent because the connection changed (the broker redelivers)");
    describe_gauge!(DATABASE_UP, "1 while the last database call succeeded");
    describe_gauge!(DEAD_LETTERS_PENDING, "Dead letters not replayed, counted in the database once a minute");
    describe_counter!(
        DATABASE_REFUSALS,
        "Transactions the database refused as data (the database answered), by SQLSTATE class (22 or 23)"
    );
    describe_counter!(
        DEAD_LETTERS_SPOOLED,
        "Dead letters the database refused to store, appended to the spool file instead (database.spool_file)"
    );
    describe_counter!(DELIVERIES, "Deliveries committed, each counted once, by outcome");
    describe_counter!(
        REJECTIONS,
        "Rejections of committed deliveries, by reason, whether or not the dead letter was new"
    );
    describe_gauge!(CONTAINER_FILL, "Latest fill level, percent of volume (0 after a recorded collection)");
    describe_gauge!(CONTAINER_FILL_RATE, "Fill rate since the last collection, points per hour");
    describe_gauge!(CONTAINER_TO_FULL, "Forecast seconds to the overflow threshold; -1 when unknown");
    describe_gauge!(CONTAINER_SINCE_READING, "Seconds since the container's latest reading; -1 before any");
    describe_gauge!(CONTAINER_BATTERY, "Latest sensor battery, percent; -1 when unknown");
    describe_gauge!(CONTAINER_LOAD, "Current load on the container's load cell, kg; -1 when unknown");
    describe_gauge!(CONTAINER_TILT, "Container's angle from upright, degrees; -1 when unknown");
    describe_gauge!(
        CONTAINER_FROM_SITE,
        "Distance of the container's latest position from its site's centre, metres; -1 when unknown"
    );
    describe_gauge!(SENSOR_RSSI, "Signal strength of the container sensor's latest uplink, dBm; NaN when unknown");
    describe_gauge!(SENSOR_SNR, "Signal-to-noise ratio of the container sensor's latest uplink, dB; NaN when unknown");
    describe_gauge!(
        SENSOR_QUALITY,
        "Container sensor's confidence in its latest measurement, percent; -1 when unknown"
    );
    describe_gauge!(CONTAINER_TEMPERATURE, "Latest temperature, degrees Celsius; NaN when unknown");
    describe_gauge!(CONTAINER_ANOMALY, "Anomaly score of the latest fill reading (standard deviations)");
    describe_gauge!(CONTAINER_OPEN_EVENTS, "1 while an event of this kind is open for the container");
    describe_gauge!(GATEWAY_SINCE_READING, "Seconds since the gateway's latest reading; -1 before any");
    describe_gauge!(
        CONTAINER_GATEWAY,
        "1 while a sensor of the container reports through the gateway (registry); 0 once it no longer does"
    );
    describe_counter!(EVENTS_OPENED, "Events opened, by kind");
    describe_counter!(
        FRAMES_MISSING,
        "Frames a gateway's counter skipped and that did not arrive within live.reorder_wait, by gateway (counted by the instance that folded them)"
    );
    describe_counter!(
        FRAMES_LATE,
        "Frames behind their gateway's counter: redelivered, or arrived after being declared missing"
    );
    describe_counter!(COUNTER_RESTARTS, "Gateway frame counters that started again (a reboot), by gateway");
    describe_gauge!(
        LIVE_INBOX,
        "Committed batches' rows not yet folded into the live state (counted at this instance's last fold)"
    );
    describe_counter!(
        LIVE_FOLD_FAILURES,
        "Folds of the live inbox that did not commit: refused by the database, or the database unavailable"
    );
    describe_gauge!(
        LIVE_FOLD_REFUSED,
        Unit::Seconds,
        "How long the database has refused every fold of the live inbox in a row (0 while folds commit): the live state is frozen"
    );
    describe_counter!(
        LIVE_SET_ASIDE,
        "Inbox rows and held frames the live fold could not apply, set aside in live_set_aside, by gateway"
    );
}

/// One delivery, with the QoS it arrived with (0, 1 or 2). QoS 0 is stored but never acked.
/// Puts every counter on `/metrics` at 0 with its bounded label values, so that dashboards and
/// `rate()` see a series from the start rather than from its first increment (a counter that
/// appears at 1 loses that first increment to `rate()`). `event_kinds` are the live stage's.
pub fn zero_counters(event_kinds: impl IntoIterator<Item = &'static str>) {
    for name in [
        READINGS_STORED,
        READINGS_DUPLICATE,
        MQTT_RECONNECTS,
        RETAINED_CLEARS,
        ACKS_SENT,
        STALE_ACKS,
        DEAD_LETTERS_SPOOLED,
    ] {
        counter!(name).increment(0);
    }
    for qos in ["0", "1", "2"] {
        counter!(MESSAGES_RECEIVED, "qos" => qos).increment(0);
    }
    for reason in RejectReason::ALL {
        counter!(READINGS_REJECTED, "reason" => reason.code()).increment(0);
        counter!(REJECTIONS, "reason" => reason.code()).increment(0);
    }
    for outcome in DeliveryOutcome::ALL {
        counter!(DELIVERIES, "outcome" => outcome.label()).increment(0);
    }
    for kind in ["refused", "unavailable"] {
        counter!(BATCH_FAILURES, "kind" => kind).increment(0);
    }
    for class in ["22", "23"] {
        counter!(DATABASE_REFUSALS, "class" => class).increment(0);
    }
    for result in ["applied", "refused"] {
        counter!(CONFIG_RELOADS, "result" => result).increment(0);
    }
    for cause in ["refused", "unavailable"] {
        counter!(LIVE_FOLD_FAILURES, "cause" => cause).increment(0);
    }
    gauge!(LIVE_FOLD_REFUSED).set(0.0);
    for kind in event_kinds {
        counter!(EVENTS_OPENED, "kind" => kind).increment(0);
    }
}

pub fn message_received(qos: u8) {
    let qos = match qos {
        0 => "0",
        1 => "1",
        _ => "2",
    };
    counter!(MESSAGES_RECEIVED, "qos" => qos).increment(1);
}

pub fn retained_clear() {
    counter!(RETAINED_CLEARS).increment(1);
}

pub fn mqtt_connected(up: bool) {
    gauge!(MQTT_CONNECTED).set(if up { 1.0 } else { 0.0 });
}

pub fn mqtt_subscribed(up: bool) {
    gauge!(MQTT_SUBSCRIBED).set(if up { 1.0 } else { 0.0 });
}

/// The in-flight bytes gauge, as a handle: the source sets it at every message.
pub fn inflight_bytes_gauge() -> metrics::Gauge {
    gauge!(MQTT_INFLIGHT_BYTES)
}

pub fn mqtt_reconnect() {
    counter!(MQTT_RECONNECTS).increment(1);
}

pub fn config_reload(applied: bool) {
    counter!(CONFIG_RELOADS, "result" => if applied { "applied" } else { "refused" }).increment(1);
    gauge!(CONFIG_RELOAD_OK).set(if applied { 1.0 } else { 0.0 });
}

pub fn acks_sent(n: usize) {
    counter!(ACKS_SENT).increment(n as u64);
}

pub fn stale_acks(n: usize) {
    counter!(STALE_ACKS).increment(n as u64);
}

pub fn database_up(up: bool) {
    gauge!(DATABASE_UP).set(if up { 1.0 } else { 0.0 });
}

pub fn dead_letters_pending(n: i64) {
    gauge!(DEAD_LETTERS_PENDING).set(n as f64);
}

/// Dead-letter rows appended to the spool file.
pub fn dead_letters_spooled(rows: usize) {
    counter!(DEAD_LETTERS_SPOOLED).increment(rows as u64);
}

pub fn database_refusal(class: &str) {
    counter!(DATABASE_REFUSALS, "class" => class.to_string()).increment(1);
}

/// What became of one delivery once its batch committed. Exactly one per delivery, so that
/// `wasteflow_messages_received_total` equals the sum over outcomes once the pipeline is idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// At least one reading stored for the first time.
    Stored,
    /// Readings, every one already stored; nothing rejected.
    Duplicate,
    /// Readings, every one already stored, and some readings rejected.
    DuplicatePartlyRejected,
    /// No reading: rejected whole, or every reading rejected.
    DeadLettered,
    /// A valid frame without readings.
    Empty,
}

impl DeliveryOutcome {
    pub const ALL: [DeliveryOutcome; 5] =
        [Self::Stored, Self::Duplicate, Self::DuplicatePartlyRejected, Self::DeadLettered, Self::Empty];

    /// The outcome of a delivery with `stored` readings stored now, `already` readings already
    /// stored and `rejected` rejections.
    pub fn of(stored: usize, already: usize, rejected: usize) -> DeliveryOutcome {
        match (stored, already, rejected) {
            (1.., _, _) => Self::Stored,
            (0, 1.., 0) => Self::Duplicate,
            (0, 1.., 1..) => Self::DuplicatePartlyRejected,
            (0, 0, 1..) => Self::DeadLettered,
            (0, 0, 0) => Self::Empty,
        }
    }

    /// The `outcome` label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Duplicate => "duplicate",
            Self::DuplicatePartlyRejected => "duplicate_partly_rejected",
            Self::DeadLettered => "dead_lettered",
            Self::Empty => "empty",
        }
    }
}

/// Records the outcome of every delivery of a committed batch, and every rejection by reason.
pub fn deliveries(
    outcomes: impl IntoIterator<Item = DeliveryOutcome>,
    rejections: impl IntoIterator<Item = RejectReason>,
) {
    let mut counts = [0u64; DeliveryOutcome::ALL.len()];
    for o in outcomes {
        counts[o as usize] += 1;
    }
    for (o, n) in DeliveryOutcome::ALL.into_iter().zip(counts) {
        if n > 0 {
            counter!(DELIVERIES, "outcome" => o.label()).increment(n);
        }
    }
    for reason in rejections {
        counter!(REJECTIONS, "reason" => reason.code()).increment(1);
    }
}

pub fn batch_failed(kind: &'static str) {
    counter!(BATCH_FAILURES, "kind" => kind).increment(1);
}

/// Records a committed batch: its commit time, readings stored and already stored, dead letters
/// written now by reason, and per stored reading its lag from reading time to commit, per
/// message its lag from receipt to commit.
pub fn batch_committed(
    took: Duration,
    stored: usize,
    duplicates: usize,
    rejected: impl IntoIterator<Item = RejectReason>,
    reading_lags: impl IntoIterator<Item = SignedDuration>,
    receive_lags: impl IntoIterator<Item = SignedDuration>,
) {
    histogram!(BATCH_COMMIT_SECONDS).record(took.as_secs_f64());
    counter!(READINGS_STORED).increment(stored as u64);
    counter!(READINGS_DUPLICATE).increment(duplicates as u64);
    for reason in rejected {
        counter!(READINGS_REJECTED, "reason" => reason.code()).increment(1);
    }
    let lag = histogram!(INGEST_LAG_SECONDS);
    for d in reading_lags {
        lag.record(millis_of(d).max(0) as f64 / 1000.0);
    }
    let r2c = histogram!(RECEIVE_TO_COMMIT_SECONDS);
    for d in receive_lags {
        r2c.record(millis_of(d).max(0) as f64 / 1000.0);
    }
}

pub fn event_opened(kind: &'static str) {
    counter!(EVENTS_OPENED, "kind" => kind).increment(1);
}

/// Zeroes the per-gateway frame counters, so `increase()` sees a gateway's first gap.
pub fn zero_gateway_counters<'a>(gateways: impl IntoIterator<Item = &'a str>) {
    for g in gateways {
        let g = g.to_string();
        counter!(FRAMES_MISSING, "gateway" => g.clone()).increment(0);
        counter!(FRAMES_LATE, "gateway" => g.clone()).increment(0);
        counter!(COUNTER_RESTARTS, "gateway" => g).increment(0);
    }
}

pub fn frames_missing(gateway: &str, n: i64) {
    counter!(FRAMES_MISSING, "gateway" => gateway.to_string()).increment(n.max(0) as u64);
}

pub fn frames_late(gateway: &str, n: i64) {
    counter!(FRAMES_LATE, "gateway" => gateway.to_string()).increment(n.max(0) as u64);
}

pub fn counter_restarts(gateway: &str, n: i64) {
    counter!(COUNTER_RESTARTS, "gateway" => gateway.to_string()).increment(n.max(0) as u64);
}

pub fn live_inbox(rows: i64) {
    gauge!(LIVE_INBOX).set(rows as f64);
}

/// A fold of the live inbox that did not commit: `refused` by the database, or the database
/// `unavailable` (unreachable, timed out); `refused_s`, how long every fold has been refused.
pub fn live_fold_failed(refused: bool, refused_s: f64) {
    counter!(LIVE_FOLD_FAILURES, "cause" => if refused { "refused" } else { "unavailable" }).increment(1);
    gauge!(LIVE_FOLD_REFUSED).set(refused_s);
}

/// A fold of the live inbox committed.
pub fn live_folded() {
    gauge!(LIVE_FOLD_REFUSED).set(0.0);
}

pub fn live_set_aside(gateway: &str) {
    counter!(LIVE_SET_ASIDE, "gateway" => gateway.to_string()).increment(1);
}

/// One container's live figures, for its gauges. `None` is exported as the gauge's documented
/// "unknown" value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerFigures {
    pub fill_pct: Option<f64>,
    pub fill_rate_per_hour: Option<f64>,
    pub seconds_to_full: Option<f64>,
    pub seconds_since_reading: Option<f64>,
    pub battery_pct: Option<f64>,
    pub temperature_c: Option<f64>,
    pub anomaly_score: f64,
    pub load_kg: Option<f64>,
    pub tilt_deg: Option<f64>,
    pub distance_from_site_m: Option<f64>,
    pub rssi_dbm: Option<f64>,
    pub snr_db: Option<f64>,
    pub quality_pct: Option<f64>,
}

/// Labels are the registry's own ids: at most one series per container (per kind for events).
/// `open_events` holds every event kind with whether it is open.
pub fn container_gauges(
    company: &str,
    container: &str,
    f: &ContainerFigures,
    open_events: impl IntoIterator<Item = (&'static str, bool)>,
) {
    let labels = [("company", company.to_string()), ("container", container.to_string())];
    gauge!(CONTAINER_FILL, &labels).set(f.fill_pct.unwrap_or(0.0));
    gauge!(CONTAINER_FILL_RATE, &labels).set(f.fill_rate_per_hour.unwrap_or(0.0));
    gauge!(CONTAINER_TO_FULL, &labels).set(f.seconds_to_full.unwrap_or(-1.0));
    gauge!(CONTAINER_SINCE_READING, &labels).set(f.seconds_since_reading.unwrap_or(-1.0));
    gauge!(CONTAINER_BATTERY, &labels).set(f.battery_pct.unwrap_or(-1.0));
    gauge!(CONTAINER_TEMPERATURE, &labels).set(f.temperature_c.unwrap_or(f64::NAN));
    gauge!(CONTAINER_ANOMALY, &labels).set(f.anomaly_score);
    gauge!(CONTAINER_LOAD, &labels).set(f.load_kg.unwrap_or(-1.0));
    gauge!(CONTAINER_TILT, &labels).set(f.tilt_deg.unwrap_or(-1.0));
    gauge!(CONTAINER_FROM_SITE, &labels).set(f.distance_from_site_m.unwrap_or(-1.0));
    gauge!(SENSOR_RSSI, &labels).set(f.rssi_dbm.unwrap_or(f64::NAN));
    gauge!(SENSOR_SNR, &labels).set(f.snr_db.unwrap_or(f64::NAN));
    gauge!(SENSOR_QUALITY, &labels).set(f.quality_pct.unwrap_or(-1.0));
    for (kind, open) in open_events {
        gauge!(CONTAINER_OPEN_EVENTS, "company" => company.to_string(), "container" => container.to_string(), "kind" => kind)
            .set(if open { 1.0 } else { 0.0 });
    }
}

/// Which gateway a container's sensors report through, from the registry: the alert rules join
/// it to a container's alerts, so that a silent gateway inhibits the silent-sensor alerts of
/// its own containers only (deploy/alertmanager). `current` is false for a pair a reload
/// removed: the series stays, at 0, since a gauge cannot be withdrawn.
pub fn container_gateway(company: &str, container: &str, gateway: &str, current: bool) {
    gauge!(CONTAINER_GATEWAY, "company" => company.to_string(), "container" => container.to_string(), "gateway" => gateway.to_string())
        .set(if current { 1.0 } else { 0.0 });
}

pub fn gateway_gauge(company: &str, gateway: &str, seconds_since: Option<f64>) {
    gauge!(GATEWAY_SINCE_READING, "company" => company.to_string(), "gateway" => gateway.to_string())
        .set(seconds_since.unwrap_or(-1.0));
}
