//! The model of a company's year (`wasteflow report`): everything the page shows, whatever
//! renders it (the text of `render.rs`, and `report::output`'s HTML, CSV and JSON). The JSON
//! is this model serialised, field for field.

use crate::report::figures::{Category, Exchange, MonthFigures, Rates};
use serde::Serialize;

/// One synergy opportunity of the year, summed over its months: a stream of the company that
/// another company of the zone accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    pub stream: String,
    pub ewc: String,
    /// `D1 -> R5`: the current operation and the accepter's.
    pub change: String,
    /// up, same, down or unknown (the current operation is interim).
    pub hierarchy: String,
    pub accepter: String,
    pub available_t: f64,
    pub fits_t: f64,
    /// What moving the tonnes that fit would save, EUR and t CO2e; `None`: not configured.
    pub cost_avoided_eur: Option<f64>,
    pub co2e_avoided_t: Option<f64>,
}

/// The year's savings, summed over its months; `None`: not configured for any tonne.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Savings {
    pub recovered_t: f64,
    pub cost_avoided_eur: Option<f64>,
    pub symbiosis_cost_avoided_eur: Option<f64>,
    pub unpriced_t: f64,
    pub recycled_t: f64,
    pub co2e_avoided_t: Option<f64>,
    pub unfactored_t: f64,
    /// Tonnes priced by the zone's own figures only, and by reference estimates (in part).
    pub priced_zone_t: f64,
    pub priced_reference_t: f64,
    /// Tonnes recycled factored by the zone's own factor, and by a reference estimate.
    pub factored_zone_t: f64,
    pub factored_reference_t: f64,
}

/// A factor the year's savings of the company rest on, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorSource {
    /// "TGAP 2025 non-hazardous-landfill", "cost D1", "CO2e steel-scrap".
    pub what: String,
    pub value: f64,
    /// "EUR/t" or "kg CO2e/t".
    pub unit: String,
    /// "zone" or "reference".
    pub origin: String,
    pub source: String,
}

/// A container's weighings of the year above what it can hold (`implausible_weighings`): they
/// are in the figures as weighed, and named here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implausible {
    pub container: String,
    pub weighings: i64,
    pub min_t: f64,
    pub max_t: f64,
    /// The container's `max_load_kg`, in tonnes.
    pub max_load_t: f64,
    pub total_t: f64,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompanyYear {
    pub company: String,
    pub name: String,
    pub siren: String,
    pub year: i32,
    pub time_zone: String,
    pub categories: Vec<Category>,
    pub rates: Rates,
    /// The year's months, each split into the categories that add up to its waste generated.
    pub months: Vec<MonthFigures>,
    /// The symbiosis exchanges of the year the company sends or receives.
    pub exchanges: Vec<Exchange>,
    /// Local months (1-12) of the year without a single weighing.
    pub months_without_weighings: Vec<u32>,
    pub opportunities: Vec<Opportunity>,
    pub savings: Savings,
    /// The factors behind the savings, each with its source.
    pub sources: Vec<FactorSource>,
    pub implausible: Vec<Implausible>,
}
