//! `wasteflow report --company ID --year YYYY`: a company's ESRS E5-5 / GRI 306 figures for a
//! local calendar year, read from `kpi_esrs_e5_5` and `kpi_esrs_e5_5_rates` (docs/kpis.md),
//! with their coverage and what is missing, month by month (`crate::report::figures`); its
//! symbiosis exchanges; then the company's synergy opportunities
//! (`synergy_opportunities`) and its savings and avoided impact (`savings_monthly`), "not
//! configured" where the registry lacks the factors; and the weighings above their
//! container's capacity (`implausible_weighings`).
//!
//! The model (`model.rs`), the queries that fill it (`queries.rs`) and its text (`render.rs`)
//! are apart, so that other renderings of the same model can sit beside the text.

mod model;
mod queries;
mod queries_savings;
mod render;
mod year_sql;

pub use crate::report::figures::{Category, Rates};
pub use model::{CompanyYear, FactorSource, Implausible, Opportunity, Savings};
pub use render::render;

use super::{ReportError, ZoneTime};
use tokio_postgres::GenericClient;

/// Reads a company's local year, in the zone's time zone as the database holds it.
pub async fn read(client: &impl GenericClient, company: &str, year: i32) -> Result<CompanyYear, ReportError> {
    let zone = ZoneTime::read(client).await?;
    queries::read(client, &zone, company, year).await
}
