//! A message handed from the source to the batch stage, and the token that acks it.

use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5::Publish;

/// What the broker delivered, with what is needed to acknowledge it later.
#[derive(Debug)]
pub struct Delivery {
    pub topic: String,
    pub payload: Bytes,
    /// When the daemon received it, ms since the Unix epoch.
    pub received_ms: i64,
    pub ack: AckToken,
}

/// Acknowledges one delivery, on the connection it arrived on only.
#[derive(Debug, Clone)]
pub struct AckToken {
    /// Connection generation the message arrived on.
    pub generation: u64,
    pub publish: Publish,
}
