//! Why `check-config --connect` could not reach or use the database or the broker (and why
//! its broker-queue probe could not run): the line it prints after "FAILED:".

use crate::source::SourceError;
use crate::store::StoreError;
use crate::wire::TopicError;
use rumqttc::v5::mqttbytes::v5::SubscribeReasonCode;
use rumqttc::v5::{ClientError, ConnectionError};
use std::time::Duration;

/// What went wrong reaching the database or the broker with the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The schema needs migrating at start and the login cannot (src/store/schema/setup.rs).
    #[error(
        "the schema needs migrating at start (database.migrate_on_start) and this login cannot: {blockers}; \
         as a superuser, run `wasteflow setup-db | sudo -u postgres psql -v ON_ERROR_STOP=1` first \
         (docs/operations.md, \"The database and its roles\")"
    )]
    CannotMigrate { blockers: String },
    /// The database did not answer a query in time.
    #[error("no answer within {0:?}")]
    DatabaseSilent(Duration),
    /// The `[mqtt]` section cannot make a client.
    #[error(transparent)]
    MqttSettings(#[from] SourceError),
    #[error(transparent)]
    TopicFilter(#[from] TopicError),
    /// A request could not be queued to the client's event loop (boxed: it holds the request).
    #[error(transparent)]
    Client(Box<ClientError>),
    /// The connection to the broker failed or broke (without the URL: the probe's words).
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The connection to the broker at `url` failed; the message says what to do for the usual
    /// certificate mistakes.
    #[error("{}", crate::tls::explain(&format!("{url}: {source}"), "mqtt.ca_file"))]
    Broker { url: String, source: ConnectionError },
    #[error("{0}: no answer in time")]
    BrokerSilent(String),
    #[error("{url}: subscription to {filter} refused ({code:?}): check the broker's ACL")]
    SubscriptionRefused { url: String, filter: String, code: Option<SubscribeReasonCode> },
    /// The broker accepts packets it may not forward to us.
    #[error(
        "the broker accepts packets up to {broker} bytes but mqtt.max_packet_bytes is {ours}: \
         messages between the two would be dropped by the broker; set mqtt.max_packet_bytes to at least {needed}"
    )]
    PacketLimit { broker: u32, ours: usize, needed: usize },
}

impl From<ClientError> for ConnectError {
    fn from(e: ClientError) -> ConnectError {
        ConnectError::Client(Box::new(e))
    }
}
