//! Metric names, descriptions and the functions that record them.

use crate::batch::Batch;
use crate::store::BatchOutcome;
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
pub const STALE_ACKS: &str = "wasteflow_mqtt_stale_acks_total";
pub const DATABASE_UP: &str = "wasteflow_database_up";

/// Histogram buckets, in seconds.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
pub const LAG_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0];

/// Registers descriptions (shown as `# HELP`).
pub fn describe() {
    describe_counter!(MESSAGES_RECEIVED, "MQTT messages received from gateways");
    describe_counter!(READINGS_STORED, "Readings stored for the first time");
    describe_counter!(READINGS_DUPLICATE, "Readings received again and not stored twice");
    describe_counter!(READINGS_REJECTED, "Dead letters written (whole messages or single readings), by reason");
    describe_histogram!(BATCH_COMMIT_SECONDS, Unit::Seconds, "Time to write and commit one batch, retries included");
    describe_counter!(BATCH_FAILURES, "Failed batch attempts (retried), by kind: unavailable or refused");
    describe_histogram!(INGEST_LAG_SECONDS, Unit::Seconds, "Reading time to commit, per stored reading");
    describe_histogram!(RECEIVE_TO_COMMIT_SECONDS, Unit::Seconds, "MQTT receive to commit, per message");
    describe_gauge!(MQTT_CONNECTED, "1 while connected to the broker");
    describe_gauge!(MQTT_SUBSCRIBED, "1 while the subscription is active on the current connection");
    describe_counter!(MQTT_RECONNECTS, "Broker connection losses");
    describe_counter!(STALE_ACKS, "Acks not sent because the connection changed (the broker redelivers)");
    describe_gauge!(DATABASE_UP, "1 while the last database call succeeded");
}

pub fn message_received() {
    counter!(MESSAGES_RECEIVED).increment(1);
}

pub fn mqtt_connected(up: bool) {
    gauge!(MQTT_CONNECTED).set(if up { 1.0 } else { 0.0 });
}

pub fn mqtt_subscribed(up: bool) {
    gauge!(MQTT_SUBSCRIBED).set(if up { 1.0 } else { 0.0 });
}

pub fn mqtt_reconnect() {
    counter!(MQTT_RECONNECTS).increment(1);
}

pub fn stale_acks(n: usize) {
    counter!(STALE_ACKS).increment(n as u64);
}

pub fn database_up(up: bool) {
    gauge!(DATABASE_UP).set(if up { 1.0 } else { 0.0 });
}

pub fn batch_failed(kind: &'static str) {
    counter!(BATCH_FAILURES, "kind" => kind).increment(1);
}

/// Records a committed batch.
pub fn batch_committed(took: Duration, _messages: usize, outcome: &BatchOutcome, batch: &Batch, now_ms: i64) {
    histogram!(BATCH_COMMIT_SECONDS).record(took.as_secs_f64());
    counter!(READINGS_STORED).increment(outcome.stored.len() as u64);
    counter!(READINGS_DUPLICATE).increment(outcome.duplicates as u64);
    for reason in &outcome.rejected_reasons {
        counter!(READINGS_REJECTED, "reason" => reason.clone()).increment(1);
    }
    let lag = histogram!(INGEST_LAG_SECONDS);
    for &i in &outcome.stored {
        lag.record((now_ms - batch.readings[i].ts_ms).max(0) as f64 / 1000.0);
    }
    let r2c = histogram!(RECEIVE_TO_COMMIT_SECONDS);
    for &received in &batch.received_ms {
        r2c.record((now_ms - received).max(0) as f64 / 1000.0);
    }
}
