//! The part of the schema that is code, not history: the views (`views.sql`, then the readers'
//! filters of [`super::access`]) and the CHECK on
//! `rejected_messages.reason`, generated from [`RejectReason::ALL`]. `wasteflow migrate`
//! re-applies it after the numbered migrations whenever its text changed; its md5 is kept in
//! `schema_repeatable`, so a daemon that may not migrate can tell it is out of date.

use crate::store::error::{column, timed, StoreError};
use crate::wire::RejectReason;
use std::time::Duration;
use tokio_postgres::Client;

/// The views, edited in place.
const VIEWS: &str = include_str!("views.sql");

/// Name of the row of `schema_repeatable` that holds this SQL's md5.
const NAME: &str = "views and constraints";

/// The SQL re-applied by `migrate`.
pub fn sql() -> String {
    let reasons: Vec<String> = RejectReason::ALL.iter().map(|r| format!("'{}'", r.code())).collect();
    format!(
        "{VIEWS}
{}
-- Dead-letter reasons: generated from RejectReason (src/wire/reason.rs). NOT VALID: rows already
-- stored are not scanned again (reasons are only ever added).
ALTER TABLE rejected_messages DROP CONSTRAINT IF EXISTS rejected_messages_reason_known;
ALTER TABLE rejected_messages ADD CONSTRAINT rejected_messages_reason_known
    CHECK (reason IN ({})) NOT VALID;
-- The daemon checks this file is current before ingesting.
GRANT SELECT ON schema_repeatable TO wasteflow_writer;
",
        super::access::sql(),
        reasons.join(", ")
    )
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_repeatable (
    name text PRIMARY KEY, md5 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

/// Whether the database holds this build's views and constraints.
pub async fn is_current(client: &Client, limit: Duration) -> Result<bool, StoreError> {
    let found = timed(
        limit,
        client.query_opt("SELECT md5($2) = md5 AS current FROM schema_repeatable WHERE name = $1", &[&NAME, &sql()]),
    )
    .await;
    match found {
        Ok(Some(row)) => column(&row, "current"),
        Ok(None) => Ok(false),
        Err(StoreError::Db(e)) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Applies the views and constraints if they changed (call under the migration lock, after
/// the numbered migrations). Returns whether anything was applied.
pub async fn apply(client: &mut Client, limit: Duration) -> Result<bool, StoreError> {
    timed(limit, client.batch_execute(CREATE_TABLE)).await?;
    if is_current(client, limit).await? {
        return Ok(false);
    }
    let sql = sql();
    let tx = timed(limit, client.transaction()).await?;
    let step = async {
        tx.batch_execute(&sql).await?;
        tx.execute(
            "INSERT INTO schema_repeatable (name, md5) VALUES ($1, md5($2))
             ON CONFLICT (name) DO UPDATE SET md5 = EXCLUDED.md5, applied_at = now()",
            &[&NAME, &sql],
        )
        .await?;
        tx.commit().await
    };
    match tokio::time::timeout(limit, step).await {
        Ok(Ok(())) => {
            tracing::info!("views and constraints applied");
            Ok(true)
        }
        Ok(Err(source)) => Err(StoreError::Views(source)),
        Err(_) => Err(StoreError::Timeout(limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_allowed_by_the_constraint() {
        let sql = sql();
        for r in RejectReason::ALL {
            assert!(sql.contains(&format!("'{}'", r.code())), "{r} missing from the CHECK");
        }
    }
}
