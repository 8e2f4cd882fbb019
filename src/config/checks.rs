//! The checks that go beyond types: ranges, formats and relations between values, one
//! function per section (in the order the problems are reported), then the limits of
//! `limits.rs`.

use super::problem::{push, Problem};
use super::settings::*;
use std::net::SocketAddr;

/// Checks that go beyond types: ranges, formats and relations between values.
pub(super) fn check(s: &Settings, problems: &mut Vec<Problem>) {
    check_mqtt(s, problems);
    check_database_url(s, problems);
    check_validation(s, problems);
    check_database(s, problems);
    check_storage(s, problems);
    check_live(s, problems);
    check_batch(s, problems);
    check_metrics(s, problems);
    check_zone(s, problems);
    super::limits::check_ranges(s, problems);
}

/// `[mqtt]`: the URL, the topic filter, the flow-control and packet limits, reconnecting.
fn check_mqtt(s: &Settings, problems: &mut Vec<Problem>) {
    if let Err(e) = super::parse_mqtt_url(&s.mqtt.url) {
        push(problems, "mqtt.url", e.to_string());
    }
    if let Err(e) = crate::wire::TopicLayout::parse(&s.mqtt.topic_filter) {
        push(problems, "mqtt.topic_filter", e.to_string());
    }
    if s.mqtt.receive_maximum == 0 {
        push(problems, "mqtt.receive_maximum", "must be at least 1 (8000, the default, is a good start)");
    }
    if s.mqtt.max_payload_bytes < 16 {
        push(problems, "mqtt.max_payload_bytes", "must be at least 16 bytes (65536 is the default)");
    }
    // A payload one byte above the cap must still fit, with the longest topic (64 KiB), so
    // that it reaches the daemon and is dead-lettered rather than dropped by the broker.
    let least_packet = s.mqtt.max_payload_bytes.saturating_add(64 * 1024 + FORWARDING_OVERHEAD);
    if s.mqtt.max_packet_bytes < least_packet || s.mqtt.max_packet_bytes > MQTT_MAX_PACKET {
        push(
            problems,
            "mqtt.max_packet_bytes",
            format!(
                "must be between mqtt.max_payload_bytes + 65 KiB ({least_packet}) and {MQTT_MAX_PACKET}, and above the \
                 broker's largest packet plus 1 KiB ({DEFAULT_MAX_PACKET_BYTES} for the shipped Mosquitto configuration)"
            ),
        );
    }
    if s.mqtt.max_inflight_bytes < s.mqtt.max_packet_bytes {
        push(
            problems,
            "mqtt.max_inflight_bytes",
            format!(
                "must be at least mqtt.max_packet_bytes ({}): the daemon reads the next message only while one of \
                 the largest size fits ({DEFAULT_MAX_INFLIGHT_BYTES}, 16 MiB, is the default)",
                s.mqtt.max_packet_bytes
            ),
        );
    }
    if s.mqtt.reconnect_min.is_zero() || s.mqtt.reconnect_min > s.mqtt.reconnect_max {
        push(problems, "mqtt.reconnect_min", "must be above zero and not above mqtt.reconnect_max");
    }
    if s.mqtt.keep_alive.as_secs() < 5 {
        push(problems, "mqtt.keep_alive", "must be at least 5s (rumqttc refuses shorter)");
    }
}

/// `database.url`: present and a PostgreSQL connection string.
fn check_database_url(s: &Settings, problems: &mut Vec<Problem>) {
    if s.database.url.trim().is_empty() {
        push(problems, "database.url", "is empty; set e.g. postgres://wasteflow@127.0.0.1/wasteflow");
    } else if let Err(e) = s.database.url.parse::<tokio_postgres::Config>() {
        push(problems, "database.url", format!("not a PostgreSQL connection string: {e}"));
    }
}

/// `[validation]`: the per-gateway rate limit and the clock window.
fn check_validation(s: &Settings, problems: &mut Vec<Problem>) {
    let v = &s.validation;
    if !(v.gateway_max_rate >= 0.0 && v.gateway_max_rate.is_finite()) {
        push(
            problems,
            "validation.gateway_max_rate",
            "must be a number of messages per second, 0 or more (0: no limit)",
        );
    }
    if v.gateway_max_rate > 0.0 && !(v.gateway_burst >= 1.0 && v.gateway_burst.is_finite()) {
        push(
            problems,
            "validation.gateway_burst",
            "must be at least 1 message when gateway_max_rate is set (e.g. 1000)",
        );
    }
    check_windows(s, problems);
}

/// `[database]` besides the URL: writers, timeouts, retries, schema name.
fn check_database(s: &Settings, problems: &mut Vec<Problem>) {
    if !(1..=16).contains(&s.database.writers) {
        push(
            problems,
            "database.writers",
            "must be between 1 and 16 (2 suits a small host; more than the database's cores does not help)",
        );
    }
    if s.database.statement_timeout.is_zero() {
        push(problems, "database.statement_timeout", "must be above zero (e.g. 10s)");
    }
    if s.database.connect_timeout.is_zero() {
        push(problems, "database.connect_timeout", "must be above zero (e.g. 5s)");
    }
    if s.database.retry_min.is_zero() || s.database.retry_min > s.database.retry_max {
        push(problems, "database.retry_min", "must be above zero and not above database.retry_max");
    }
    if let Some(schema) = &s.database.schema {
        let ok = !schema.is_empty()
            && schema.len() <= 63
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            push(problems, "database.schema", "use lower-case letters, digits and '_' (e.g. wasteflow)");
        }
    }
}

/// `[storage]`: compression and retention.
fn check_storage(s: &Settings, problems: &mut Vec<Problem>) {
    if s.storage.compress_after.as_secs() < 3600 {
        push(problems, "storage.compress_after", "must be at least 1h (e.g. 7days)");
    }
    for (key, v) in [
        ("storage.raw_retention", s.storage.raw_retention),
        ("storage.minute_rollup_retention", s.storage.minute_rollup_retention),
    ] {
        if v.is_some_and(|d| d < s.storage.compress_after.max(std::time::Duration::from_secs(86_400))) {
            push(
                problems,
                key,
                "must be at least one day and not below storage.compress_after, or left unset to keep everything",
            );
        }
    }
}

/// `[live]`: the anomaly detector, silence, held frames, the tick.
fn check_live(s: &Settings, problems: &mut Vec<Problem>) {
    if !(s.live.anomaly_alpha > 0.0 && s.live.anomaly_alpha <= 1.0) {
        push(problems, "live.anomaly_alpha", "must be above 0 and at most 1 (e.g. 0.1)");
    }
    if s.live.silent_factor.is_nan() || s.live.silent_factor < 1.0 {
        push(problems, "live.silent_factor", "must be at least 1 (e.g. 3: three missed reports)");
    }
    if s.live.anomaly_threshold.is_nan()
        || s.live.anomaly_threshold <= 0.0
        || s.live.anomaly_min_std.is_nan()
        || s.live.anomaly_min_std <= 0.0
    {
        push(problems, "live.anomaly_threshold", "live.anomaly_threshold and live.anomaly_min_std must be above 0");
    }
    if s.live.max_held_frames == 0 || s.live.max_held_frames > 100_000 {
        push(problems, "live.max_held_frames", "must be from 1 to 100000 frames (e.g. 4096)");
    }
    if s.live.tick.as_millis() < 100 {
        push(problems, "live.tick", "must be at least 100ms (e.g. 1s)");
    }
}

/// `[batch]`: its bounds, within what the broker sends unacknowledged.
fn check_batch(s: &Settings, problems: &mut Vec<Problem>) {
    if s.batch.max_readings == 0 {
        push(problems, "batch.max_readings", "must be at least 1 (10000 is the default)");
    }
    if s.batch.max_messages == 0 || s.batch.max_messages > usize::from(s.mqtt.receive_maximum.max(1)) {
        push(
            problems,
            "batch.max_messages",
            format!(
                "must be between 1 and mqtt.receive_maximum ({}): a batch can never hold more unacked messages than the broker sends",
                s.mqtt.receive_maximum
            ),
        );
    }
    if s.batch.max_age.is_zero() {
        push(problems, "batch.max_age", "must be above zero (e.g. 50ms)");
    }
}

/// `[metrics]`: the stall alarm and the listen address.
fn check_metrics(s: &Settings, problems: &mut Vec<Problem>) {
    if s.metrics.stall_after < s.database.statement_timeout {
        push(problems, "metrics.stall_after", "must be at least database.statement_timeout (e.g. 60s)");
    }
    if let Err(e) = s.metrics.listen.parse::<SocketAddr>() {
        push(
            problems,
            "metrics.listen",
            format!("found {:?}; expected a socket address such as \"127.0.0.1:9187\" ({e})", s.metrics.listen),
        );
    }
}

/// `[zone]`: the registry file and the time zone.
fn check_zone(s: &Settings, problems: &mut Vec<Problem>) {
    if s.zone.file.trim().is_empty() {
        push(
            problems,
            "zone.file",
            "is empty; point it at the zone registry, e.g. \"zone.toml\" (relative to the configuration file)",
        );
    }
    if let Err(e) = crate::config::time_zone::check_name(&s.zone.time_zone) {
        push(problems, "zone.time_zone", e.to_string());
    }
}

/// The validation window: bounded, and inside the deduplication window (a reading is counted
/// once only while its first copy is still in `readings`).
fn check_windows(s: &Settings, problems: &mut Vec<Problem>) {
    let (past, future) = (s.validation.max_past, s.validation.max_future);
    if past > MAX_PAST_LIMIT {
        push(
            problems,
            "validation.max_past",
            format!(
                "{} is beyond the limit of {} (10 years): gateways buffer days, not decades; use e.g. 30days",
                days(past),
                days(MAX_PAST_LIMIT)
            ),
        );
    }
    if future > MAX_FUTURE_LIMIT {
        push(
            problems,
            "validation.max_future",
            format!(
                "{} is beyond the limit of {}: a gateway further ahead has a broken clock; use e.g. 5m",
                days(future),
                days(MAX_FUTURE_LIMIT)
            ),
        );
    }
    if let Some(retention) = s.storage.raw_retention {
        if retention < past.saturating_add(DEDUP_MARGIN) {
            push(
                problems,
                "storage.raw_retention",
                format!(
                    "{} must exceed validation.max_past ({}) by at least {}: a redelivered reading older than \
                     the retention is no longer in readings, so it would be stored again and its mass added \
                     to the rollups twice (the extra day covers clock differences between the daemon and the \
                     database); set storage.raw_retention to at least {} or validation.max_past to at most {}",
                    days(retention),
                    days(past),
                    days(DEDUP_MARGIN),
                    days(past.saturating_add(DEDUP_MARGIN)),
                    days(retention.saturating_sub(DEDUP_MARGIN)),
                ),
            );
        }
    }
}

/// A duration as the configuration writes it: whole days up to 10,000 as `30days` (humantime
/// would write 31 days as `1month 13h 26m 24s`), anything else in humantime's form
/// (`400000years`).
fn days(d: std::time::Duration) -> String {
    match (d.as_secs() / 86_400, d.as_secs() % 86_400, d.subsec_nanos()) {
        (1, 0, 0) => "1day".to_string(),
        (n @ 2..=10_000, 0, 0) => format!("{n}days"),
        _ => humantime::format_duration(d).to_string(),
    }
}
