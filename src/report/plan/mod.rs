//! The collection plan as `wasteflow plan` shows it (docs/planning.md): the registry tables
//! and the shared live state read for `crate::plan` (`queries.rs`), the plan computed in the
//! zone's local time, and its text and JSON (`render.rs`).

mod queries;
mod render;

pub use render::{local_iso, to_json, to_text};

use super::{ReportError, ZoneTime};
use crate::plan::{self, whole_seconds, LocalClock, LocalTime, Params, Plan};
use std::time::Duration;
use tokio_postgres::GenericClient;

/// What the plan is asked for: the options of `wasteflow plan`, checked.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The first local day as written, YYYY-MM-DD.
    pub date: String,
    /// The same day, in days since 1970-01-01 (`crate::calendar::day_number`).
    pub day: i64,
    /// How far ahead from the day's midnight.
    pub horizon: Duration,
    /// Collect at the latest this long before the forecast overflow.
    pub margin: Duration,
    /// The share of its threshold at which a container joins an earlier trip.
    pub join: f64,
    /// The forecast runs at this many times the fill rate.
    pub rate_factor: f64,
    /// Pick-up times are rounded down to this, from local midnight (zero: not rounded).
    pub slot: Duration,
}

/// A plan, with what it takes to show it in local time.
#[derive(Debug, Clone)]
pub struct CollectionPlan {
    pub request: PlanRequest,
    /// The zone's time zone, by name.
    pub time_zone: String,
    /// Its UTC offsets over the plan's span.
    pub clock: LocalClock,
    pub plan: Plan,
}

/// Reads the containers and vehicles as they are now and plans their collections from the
/// request's day, in the zone's time zone as the database holds it.
pub async fn read(client: &impl GenericClient, request: PlanRequest) -> Result<CollectionPlan, ReportError> {
    let zone = ZoneTime::read(client).await?;
    let span = whole_seconds(request.horizon);
    let clock = zone.local_clock(client, request.day, span).await?;
    let start = clock.to_utc(LocalTime::midnight(request.day));
    let containers = queries::containers(client, start).await?;
    let vehicles = queries::vehicles(client).await?;
    let params = Params {
        now: start,
        until: start + span,
        margin: whole_seconds(request.margin),
        join_share: request.join,
        rate_factor: request.rate_factor,
        slot: whole_seconds(request.slot),
    };
    let plan = plan::plan(&containers, &clock, &params, &vehicles);
    Ok(CollectionPlan { request, time_zone: zone.name, clock, plan })
}
