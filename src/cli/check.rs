//! `wasteflow check-config --connect`: reaches the database and the broker with the
//! configuration and reports what works, one line each.

use super::connect_error::ConnectError;
use crate::config::Settings;
use crate::store::{check_current, connect, migration_blockers, server_version, Mode, StoreError};
use crate::wire::without_share;
use rumqttc::v5::mqttbytes::v5::{Packet, SubscribeReasonCode};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event};
use std::time::Duration;

/// True when both were reachable and usable.
pub async fn check_connections(settings: &Settings) -> bool {
    let db = check_database(settings).await;
    match &db {
        Ok(line) => println!("database: ok: {line}"),
        Err(e) => println!("database: FAILED: {e}"),
    }
    let broker = check_broker(settings).await;
    match &broker {
        Ok(line) => println!("broker: ok: {line}"),
        Err(e) => println!("broker: FAILED: {e}"),
    }
    if broker.is_ok() {
        // A warning, not a failure: the daemon runs, but loses what the broker drops.
        println!("{}", super::broker_queue::probe_queue(settings, Duration::from_secs(30)).await.line());
    }
    db.is_ok() && broker.is_ok()
}

async fn check_database(s: &Settings) -> Result<String, ConnectError> {
    let limit = s.database.statement_timeout;
    let db = connect(&s.database).await?;
    let version = tokio::time::timeout(limit, server_version(&db.client))
        .await
        .map_err(|_| ConnectError::DatabaseSilent(limit))??;
    let mode = Mode::detect(&db.client, limit).await?;
    let current = check_current(&db.client, limit).await;
    if current.is_err() && s.database.migrate_on_start {
        let blockers = migration_blockers(&db.client, limit).await?;
        if !blockers.is_empty() {
            db.close().await;
            return Err(ConnectError::CannotMigrate { blockers: blockers.join("; ") });
        }
    }
    let schema = match current {
        Ok(()) => "schema up to date".to_string(),
        // Without the error's own advice, which is to set what is already set.
        Err(StoreError::Outdated { found, needed }) if s.database.migrate_on_start => {
            format!("schema at migration {found} of {needed}: migrated at start (database.migrate_on_start)")
        }
        Err(StoreError::ViewsOutdated) if s.database.migrate_on_start => {
            "views older than this wasteflow: replaced at start (database.migrate_on_start)".to_string()
        }
        Err(e) if s.database.migrate_on_start => format!("{e} (it will be migrated at start)"),
        Err(e) => {
            db.close().await;
            return Err(e.into());
        }
    };
    let zone = crate::store::check_time_zone(&db.client, &s.zone.time_zone).await;
    db.close().await;
    zone?;
    Ok(format!("PostgreSQL {version}, {mode:?} storage, {schema}, time zone {}", s.zone.time_zone))
}

async fn check_broker(s: &Settings) -> Result<String, ConnectError> {
    let o = super::side_client::side_client(s, "check", true, None)?;
    // A plain subscription to the same topics: joining the shared group would take messages
    // away from the running instances.
    let filter = without_share(&s.mqtt.topic_filter)?.to_string();
    let (client, mut events) = AsyncClient::new(o, 10);
    let outcome = tokio::time::timeout(s.database.connect_timeout.max(Duration::from_secs(5)), async {
        let mut subscribed = false;
        let mut packet_note = String::new();
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(ack))) if !subscribed => {
                    let broker_max = ack.properties.as_ref().and_then(|p| p.max_packet_size);
                    packet_note = packet_limits(broker_max, s.mqtt.max_packet_bytes)?;
                    subscribed = true;
                    client.subscribe(filter.clone(), QoS::AtLeastOnce).await?;
                }
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    return match ack.return_codes.first() {
                        Some(SubscribeReasonCode::Success(_)) => {
                            Ok(format!("{}, may subscribe to {filter}; {packet_note}", s.mqtt.url))
                        }
                        other => Err(ConnectError::SubscriptionRefused {
                            url: s.mqtt.url.clone(),
                            filter: filter.clone(),
                            code: other.copied(),
                        }),
                    };
                }
                Ok(_) => {}
                Err(source) => return Err(ConnectError::Broker { url: s.mqtt.url.clone(), source }),
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err(ConnectError::BrokerSilent(s.mqtt.url.clone())));
    let _ = client.disconnect().await;
    outcome
}

/// Compares the largest packet the broker accepts (its CONNACK's maximum packet size) with
/// `mqtt.max_packet_bytes`: a message the broker accepts but may not forward to us would be
/// dropped silently.
fn packet_limits(broker_max: Option<u32>, ours: usize) -> Result<String, ConnectError> {
    let need = |b: u32| (b as usize).saturating_add(crate::config::FORWARDING_OVERHEAD);
    match broker_max {
        Some(b) if need(b) > ours => Err(ConnectError::PacketLimit { broker: b, ours, needed: need(b) }),
        Some(b) => Ok(format!("broker accepts packets up to {b} bytes, we take {ours}")),
        None => Ok(format!(
            "broker announces no packet limit: set max_packet_size (Mosquitto) to at most {} so no \
             accepted message is dropped before it reaches wasteflow",
            ours.saturating_sub(crate::config::FORWARDING_OVERHEAD)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::packet_limits;

    #[test]
    fn broker_packet_limit_above_ours_fails() {
        assert!(packet_limits(Some(327_680), 328_704).is_ok());
        assert!(packet_limits(Some(327_680), 328_703).unwrap_err().to_string().contains("at least 328704"));
        assert!(packet_limits(None, 328_704).unwrap().contains("at most 327680"));
    }
}
