//! A message handed from the source to the batch stage, and the token that acks it.

use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5::Publish;
use rumqttc::v5::mqttbytes::QoS;

/// What the broker delivered, with what is needed to acknowledge it later.
#[derive(Debug)]
pub struct Delivery {
    pub topic: String,
    pub payload: Bytes,
    /// When the daemon received it, ms since the Unix epoch.
    pub received_ms: i64,
    pub ack: AckToken,
}

/// Acknowledges one delivery, on the connection it arrived on only. Small on purpose: during a
/// large catch-up Mosquitto 2.0 sends more than the receive maximum, and acks queue up here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckToken {
    /// Connection generation the message arrived on.
    pub generation: u64,
    /// The packet id to acknowledge (QoS 1).
    pub pkid: u16,
}

impl AckToken {
    pub fn for_publish(generation: u64, p: &Publish) -> AckToken {
        AckToken { generation, pkid: p.pkid }
    }

    /// A publish carrying only what rumqttc's ack needs: its id and QoS 1.
    pub fn publish(&self) -> Publish {
        let mut p = Publish::new("", QoS::AtLeastOnce, Bytes::new(), None);
        p.pkid = self.pkid;
        p
    }
}
