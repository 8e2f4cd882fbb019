//! wasteflow: ingests waste and recycling telemetry from MQTT sensor gateways and turns it
//! into exactly-once time series in PostgreSQL / TimescaleDB.
//!
//! Modules in pipeline order; each imports only modules listed before it (the layers are
//! drawn in `docs/architecture.md`).
//!
//! Ground floor, shared by everything above:
//! - [`calendar`]: civil dates, their one parser and range rule; instants ([`calendar::Timestamp`],
//!   the wall clock's and PostgreSQL's `timestamptz`) and the spans between them;
//! - [`backoff`]: bounded exponential backoff with jitter;
//! - [`signals`]: waiting for SIGTERM / SIGINT;
//! - [`liveness`]: heartbeats of the pipeline's loops (alive: no loop wedged);
//! - [`health`]: readiness of the pipeline, shared atomics the stages report into;
//! - [`tls`]: rustls client configuration for the broker and the database;
//! - [`wire`]: the wire contract: frames, measurement kinds, topic layout, reject reasons,
//!   and the records the stages exchange (a valid reading, a rejection);
//! - [`config`]: the daemon's settings, loaded and checked;
//! - [`zone`]: the registry of companies, streams, containers, gateways and sensors;
//! - [`metrics`]: every metric, recorded by the stages through plain functions;
//! - [`logging`]: tracing setup.
//!
//! The pipeline:
//! - [`source`]: the MQTT 5 client; deliveries out, acks back in after COMMIT;
//! - [`validate`]: decode and check one message against the registry (pure);
//! - [`rollup`]: rollup deltas of newly stored readings (pure arithmetic);
//! - [`plan`]: collection planning across companies and its replay (pure arithmetic);
//! - [`batch`]: validates deliveries and groups them by size and age;
//! - [`store`]: one transaction per batch, deduplicated on the natural key, rollups from the
//!   rows actually inserted; migrations, registry sync, verify;
//! - [`live`]: per-container live state, events and gauges from committed readings.
//!
//! Reporting: [`report`] reads the store for people and authorities: a company's year, the
//! collection plan, the waste register in the national import format.
//!
//! Around them: [`simulate`] (a gateway simulator), [`service`] (HTTP endpoint, systemd
//! notifications), [`daemon`] (wiring, reload, shutdown), [`cli`] (the command line).

pub mod calendar;
pub mod spelling;
pub mod backoff;
pub mod signals;
pub mod liveness;
pub mod health;
pub mod tls;
pub mod wire;
pub mod config;
pub mod zone;
pub mod metrics;
pub mod logging;
pub mod source;
pub mod validate;
pub mod rollup;
pub mod plan;
pub mod batch;
pub mod store;
pub mod live;
pub mod report;
pub mod simulate;
pub mod service;
pub mod daemon;
pub mod cli;
