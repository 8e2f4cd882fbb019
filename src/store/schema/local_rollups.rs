//! The rollups by local period (migration 21): the flows per local day, month and year and the
//! container fill per local day of the zone's time zone, which the views read so that a query
//! over a window reads that window's rows. The writer adds to them with the hourly rollups
//! (src/store/writer.rs); this recomputes them from the hourly rollups, in the time zone the
//! database holds: when the time zone changes (registry sync) and in the tests and benchmarks
//! that write hourly rollups themselves.

use crate::store::error::StoreError;
use tokio_postgres::GenericClient;

/// Recomputes the rollups by local period from the hourly ones (`wf_rebuild_local_rollups`,
/// which locks them against the writers until the transaction ends).
pub async fn rebuild_local_rollups(client: &impl GenericClient) -> Result<(), StoreError> {
    client.execute("SELECT wf_rebuild_local_rollups()", &[]).await?;
    Ok(())
}
