//! The figures every report shows, whoever it is for: the reported ESRS E5-5 categories
//! (`kpi_esrs_e5_5_resolved`) and rates (`kpi_esrs_e5_5_rates_resolved`) of a company or of the
//! zone for a period, the categories month by month, and the symbiosis exchanges
//! (`flows_by_period`, the rows `exchange_flows_*` sum). The company's year and the zone's
//! month read them here, so both pages and the dashboards show one set of figures.
//!
//! A scope is `Some(company)` or `None` for the zone (the views' `company_id` NULL).

mod esrs;
mod exchanges;

pub use esrs::{categories, months, rates, STACK};
pub use exchanges::exchanges;

use serde::Serialize;

/// One category of the period: tonnes hazardous, non-hazardous, in all; where the figure comes
/// from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub name: String,
    pub hazardous_t: f64,
    pub non_hazardous_t: f64,
    pub total_t: f64,
    pub reference: String,
}

/// The rates of the period, over the waste whose final operation is known (in the reported
/// figures, all of it: pending mass is resolved or assumed disposed), and the estimates in them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rates {
    pub generated_t: f64,
    pub pending_t: f64,
    /// Waste generated whose final operation comes from its destination's declaration, not a
    /// weighing (an estimate, ESRS E5 §40).
    pub declared_t: f64,
    /// Waste generated sent to an interim operation whose destination declared nothing: counted
    /// as directed to disposal, other disposal (an assumption, EFRAG ESRS Q&A ID 400).
    pub assumed_t: f64,
    pub reuse_recycling: Option<f64>,
    pub recovery: Option<f64>,
    pub landfill_diversion: Option<f64>,
    pub non_recycled_share: Option<f64>,
    pub coverage: Option<f64>,
}

/// One month's waste generated, split into the final categories that add up to it ([`STACK`]),
/// hazardous and not: the stacked bars of the HTML page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`, a local month.
    pub month: String,
    /// One per [`STACK`] category, in its order.
    pub parts: Vec<Part>,
}

/// A category's tonnes in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub category: String,
    pub hazardous_t: f64,
    pub non_hazardous_t: f64,
}

/// A symbiosis exchange of the period: a zone company's stream sent to another zone company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    pub stream: String,
    pub ewc: String,
    pub treatment: String,
    pub tonnes: f64,
}

impl Exchange {
    /// One line of it for people: `Sender -> Receiver: stream (ewc, treatment) 1.234 t`, names
    /// shortened as the reports write them.
    pub fn label(&self) -> String {
        use crate::report::words::short_name;
        format!(
            "{} -> {}: {} ({}, {}) {:.3} t",
            short_name(&self.from_name),
            short_name(&self.to_name),
            self.stream,
            self.ewc,
            self.treatment,
            self.tonnes
        )
    }
}
