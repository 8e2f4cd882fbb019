//! The daemon's view of dead letters waiting for a replay: `wasteflow_dead_letters_pending`,
//! counted in the database once a minute (replays run in the CLI, which nobody scrapes; the
//! table is the only place that knows). One connection of its own, one count over the partial
//! index of pending rows; a failure only skips the update.

use super::connect::{Connector, Db};
use super::error::{column, timed, StoreError};
use crate::metrics as m;
use std::time::Duration;
use tokio::sync::watch;
use tokio_postgres::Client;

/// How often the gauge is refreshed.
pub const PENDING_EVERY: Duration = Duration::from_secs(60);

/// Dead letters not replayed (yet).
pub async fn count_pending(client: &Client, limit: Duration) -> Result<i64, StoreError> {
    let row =
        timed(limit, client.query_one("SELECT count(*) AS n FROM rejected_messages WHERE replayed_at IS NULL", &[]))
            .await?;
    column(&row, "n")
}

/// Refreshes the gauge every [`PENDING_EVERY`] (the first time at once) until `stop` is true.
pub async fn run_pending_gauge(connector: Connector, mut stop: watch::Receiver<bool>) {
    let mut db: Option<Db> = None;
    let mut tick = tokio::time::interval(PENDING_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        if db.is_none() {
            match connector.connect().await {
                Ok(d) => db = Some(d),
                Err(e) => {
                    tracing::debug!(error = %e, "pending dead letters not counted");
                    continue;
                }
            }
        }
        let Some(d) = &db else { continue };
        match count_pending(&d.client, connector.settings().statement_timeout).await {
            Ok(n) => m::dead_letters_pending(n),
            Err(e) => {
                tracing::debug!(error = %e, "pending dead letters not counted");
                db = None;
            }
        }
    }
    if let Some(d) = db {
        d.close().await;
    }
}
