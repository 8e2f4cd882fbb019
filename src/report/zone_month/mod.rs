//! `wasteflow report --zone --month YYYY-MM`: the coordinator's monthly bulletin of the zone.
//! The zone's reported ESRS E5-5 categories and rates of the month (`company_id` NULL in
//! `kpi_esrs_e5_5_resolved`), the twelve months up to it, each company's line, the symbiosis
//! exchanges of the month, and the zone's savings of the month (`savings_monthly`). The model
//! (`model.rs`), its queries (`queries.rs`) and its text (`render.rs`) are apart, as for a
//! company's year; `crate::report::output` renders the same model as HTML, CSV and JSON.

mod model;
mod queries;
mod render;

pub use model::{CompanyLine, ZoneMonth};
pub use render::render;

use super::{Period, ReportError, ZoneTime};
use tokio_postgres::GenericClient;

/// Reads the zone's bulletin of a local month (`Period::Month`).
pub async fn read(client: &impl GenericClient, month: Period) -> Result<ZoneMonth, ReportError> {
    let zone = ZoneTime::read(client).await?;
    queries::read(client, &zone, month).await
}
