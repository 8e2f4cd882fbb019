//! Installing the global Prometheus recorder, with this crate's histogram buckets.

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// Installs the global recorder. Call once per process.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_lag_seconds".into()), super::names::LAG_BUCKETS)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), super::names::LATENCY_BUCKETS))?
        .install_recorder()?;
    super::names::describe();
    Ok(handle)
}
