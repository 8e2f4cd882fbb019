//! wasteflow: ingests waste and recycling telemetry from MQTT sensor gateways and turns it
//! into exactly-once time series in PostgreSQL / TimescaleDB.
//!
//! The pipeline, one module per stage:
//! - [`source`]: the MQTT 5 client; deliveries out, acks back in after COMMIT;
//! - [`validate`] (with [`wire`] for decoding): pure checks against the [`zone`] registry;
//! - [`batch`]: groups deliveries by size and age;
//! - [`store`]: one transaction per batch, deduplicated on the natural key, with
//!   [`rollup`] deltas computed from the rows actually inserted;
//! - [`metrics`]: Prometheus metrics and their HTTP endpoint.
//!
//! Around them: [`config`], [`daemon`] (wiring and shutdown), [`simulate`] (a gateway
//! simulator), [`cli`] (the command line).

pub mod backoff;
pub mod batch;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod rollup;
pub mod service;
pub mod signals;
pub mod simulate;
pub mod source;
pub mod store;
pub mod tls;
pub mod validate;
pub mod wire;
pub mod zone;
