//! A message handed from the source to the batch stage, and the token that acks it.

use crate::calendar::Timestamp;
use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5::Publish;
use rumqttc::v5::mqttbytes::QoS;

/// What the broker delivered, with what is needed to acknowledge it later.
#[derive(Debug)]
pub struct Delivery {
    pub topic: String,
    pub payload: Bytes,
    /// When the daemon received it.
    pub received: Timestamp,
    /// The RETAIN flag as published (the subscription asks for Retain As Published).
    pub retain: bool,
    pub ack: AckToken,
}

impl Delivery {
    /// An empty retained publish: a publisher clearing the topic's retained message. It
    /// carries no data; it is acked and counted, and nothing is stored (docs/wire-format.md).
    pub fn clears_retained(&self) -> bool {
        self.retain && self.payload.is_empty()
    }
}

/// Acknowledges one delivery, on the connection it arrived on only, and gives back the room
/// it took in the in-flight budget. Small on purpose (16 bytes): during a large catch-up
/// Mosquitto 2.0 sends more than the receive maximum, and acks queue up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckToken {
    /// Connection generation the message arrived on.
    pub generation: u64,
    /// The packet id to acknowledge (0 for QoS 0, which has none).
    pub pkid: u16,
    /// The QoS the message was delivered with: a QoS 0 delivery is never acked (a PUBACK for
    /// it is a protocol error: the broker drops the connection).
    pub qos: QoS,
    /// What the message counts in `mqtt.max_inflight_bytes` (its topic and payload), given
    /// back when the store hands the token back after COMMIT; 0 for a message the source
    /// did not count (tests, replays).
    pub bytes: u32,
}

impl AckToken {
    pub fn for_publish(generation: u64, p: &Publish, bytes: u32) -> AckToken {
        AckToken { generation, pkid: p.pkid, qos: p.qos, bytes }
    }

    /// Whether the broker expects an acknowledgement (QoS 1 and 2; not QoS 0).
    pub fn needs_ack(&self) -> bool {
        self.qos != QoS::AtMostOnce
    }

    /// A publish carrying only what rumqttc's ack needs: its id and QoS.
    pub fn publish(&self) -> Publish {
        let mut p = Publish::new("", self.qos, Bytes::new(), None);
        p.pkid = self.pkid;
        p
    }
}
