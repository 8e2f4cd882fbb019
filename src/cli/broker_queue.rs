//! `check-config --connect`, the broker's queue: does it keep what is published for a
//! session while its client is away? Mosquitto keeps 1,000 messages by default
//! (`max_queued_messages`) and drops the rest without a word; a daemon stopped for a minute,
//! or behind after a database outage, then loses frames (docs/operations.md "Frames missing
//! before the daemon"). The probe parks a session of its own, publishes past that default to
//! it, and counts what comes back.

use super::connect_error::ConnectError;
use crate::config::Settings;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use std::time::Duration;

/// Messages the probe publishes: past Mosquitto's default queue of 1,000.
pub const PROBE_MESSAGES: usize = 1_100;

/// How the probe went.
#[derive(Debug, PartialEq, Eq)]
pub enum QueueProbe {
    /// Every message came back.
    KeptAll,
    /// The broker kept only this many.
    Dropped { kept: usize },
    /// The probe could not run (an ACL refusing the probe topic, say): why.
    NotChecked(String),
}

impl QueueProbe {
    /// The line `check-config --connect` prints.
    pub fn line(&self) -> String {
        match self {
            Self::KeptAll => format!(
                "broker queue: ok: kept all {PROBE_MESSAGES} messages published to an offline session"
            ),
            Self::Dropped { kept } => format!(
                "broker queue: WARNING: kept {kept} of {PROBE_MESSAGES} messages published to an offline session and dropped the rest silently; \
                 frames sent while a daemon is stopped or behind past that limit are lost. Set max_queued_messages 0 and a max_queued_bytes \
                 the disk can hold in mosquitto.conf (see docs/operations.md, Frames missing before the daemon)"
            ),
            Self::NotChecked(why) => format!("broker queue: not checked: {why}"),
        }
    }
}

/// A probe client; the parked session lives a minute at most, whatever happens to the probe.
fn options(s: &Settings, suffix: &str, clean: bool) -> Result<MqttOptions, ConnectError> {
    super::side_client::side_client(s, &format!("queue-{suffix}"), clean, Some(60))
}

/// Polls until `done` says so, or an error.
async fn until<T>(events: &mut EventLoop, mut done: impl FnMut(&Packet) -> Option<T>) -> Result<T, ConnectError> {
    loop {
        match events.poll().await {
            Ok(Event::Incoming(p)) => {
                if let Some(t) = done(&p) {
                    return Ok(t);
                }
            }
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs the probe within `limit`.
pub async fn probe_queue(s: &Settings, limit: Duration) -> QueueProbe {
    match tokio::time::timeout(limit, probe(s)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => QueueProbe::NotChecked(e.to_string()),
        Err(_) => QueueProbe::NotChecked(format!("no answer within {limit:?}")),
    }
}

async fn probe(s: &Settings) -> Result<QueueProbe, ConnectError> {
    let topic = format!("wasteflow-check/{}/queue", std::process::id());
    // 1. A session subscribed to the probe topic, then away.
    let (parked, mut events) = AsyncClient::new(options(s, "sub", true)?, 10);
    until(&mut events, |p| matches!(p, Packet::ConnAck(_)).then_some(())).await?;
    parked.subscribe(topic.clone(), QoS::AtLeastOnce).await?;
    let granted = until(&mut events, |p| match p {
        Packet::SubAck(ack) => Some(
            ack.return_codes
                .first()
                .is_some_and(|c| matches!(c, rumqttc::v5::mqttbytes::v5::SubscribeReasonCode::Success(_))),
        ),
        _ => None,
    })
    .await?;
    if !granted {
        return Ok(QueueProbe::NotChecked(format!("subscription to {topic} refused (ACL)")));
    }
    let _ = parked.disconnect().await;
    let _ = until(&mut events, |_| None::<()>).await;

    // 2. Messages published to it meanwhile, each acknowledged by the broker.
    let (publisher, mut events) = AsyncClient::new(options(s, "pub", true)?, PROBE_MESSAGES + 10);
    until(&mut events, |p| matches!(p, Packet::ConnAck(_)).then_some(())).await?;
    for i in 0..PROBE_MESSAGES {
        publisher.publish(topic.clone(), QoS::AtLeastOnce, false, i.to_string()).await?;
    }
    let mut acked = 0;
    while acked < PROBE_MESSAGES {
        acked += until(&mut events, |p| matches!(p, Packet::PubAck(_)).then_some(1)).await?;
    }
    let _ = publisher.disconnect().await;

    // 3. The session back: what the broker kept for it.
    let (returning, mut events) = AsyncClient::new(options(s, "sub", false)?, 10);
    let mut kept = 0;
    loop {
        match tokio::time::timeout(Duration::from_millis(1500), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::Publish(_)))) => kept += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => break,
        }
    }
    // 4. The session ended: a clean start under the same id discards it.
    let _ = returning.disconnect().await;
    let (ender, mut events) = AsyncClient::new(options(s, "sub", true)?, 10);
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        until(&mut events, |p| matches!(p, Packet::ConnAck(_)).then_some(())),
    )
    .await;
    let _ = ender.disconnect().await;
    Ok(if kept >= PROBE_MESSAGES { QueueProbe::KeptAll } else { QueueProbe::Dropped { kept } })
}
