//! The model of the zone's month: everything the bulletin shows, whatever renders it. The JSON
//! is this model serialised, field for field.

use crate::report::company_year::Savings;
use crate::report::figures::{Category, Exchange, MonthFigures, Rates};
use serde::Serialize;

/// A company of the zone in the month: its reported rates and estimates (all 0 and unknown
/// when it weighed no waste that month).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompanyLine {
    pub company: String,
    pub name: String,
    pub rates: Rates,
}

/// Everything the bulletin shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneMonth {
    /// `YYYY-MM`, a local month of `time_zone`.
    pub month: String,
    pub time_zone: String,
    /// The zone's categories of the month (every company's waste together).
    pub categories: Vec<Category>,
    pub rates: Rates,
    /// The twelve months that end with this one, each split into the categories that add up
    /// to its waste generated.
    pub months: Vec<MonthFigures>,
    /// Every active company of the registry, in id order.
    pub companies: Vec<CompanyLine>,
    pub exchanges: Vec<Exchange>,
    /// The zone's savings of the month (`savings_monthly`, `company_id` NULL); `None`: not
    /// configured.
    pub savings: Savings,
}

impl ZoneMonth {
    /// The companies that weighed no waste in the month.
    pub fn silent(&self) -> impl Iterator<Item = &CompanyLine> {
        self.companies.iter().filter(|c| c.rates.generated_t <= 0.0)
    }
}
