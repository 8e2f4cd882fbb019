//! The reports in the formats other than the terminal's text: HTML (one self-contained page,
//! charts as inline SVG drawn here), CSV and JSON. Every format renders the one model a report
//! reads ([`Report`]), so the figures are the same in all four; the JSON is the model itself,
//! and the HTML and CSV name each figure by its JSON pointer (`data-json` attributes, the `json`
//! column), which is how the tests hold them to it.

mod csv;
mod html;
mod svg;

use super::company_year::{self, CompanyYear};
use super::zone_month::{self, ZoneMonth};

/// A report's output format (`wasteflow report --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Html,
    Csv,
    Json,
}

/// A report's model: a company's year or the zone's month.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Company(CompanyYear),
    Zone(ZoneMonth),
}

impl Report {
    /// The report in `format`.
    pub fn render(&self, format: OutputFormat) -> String {
        match (format, self) {
            (OutputFormat::Text, Report::Company(r)) => company_year::render(r),
            (OutputFormat::Text, Report::Zone(z)) => zone_month::render(z),
            (OutputFormat::Html, Report::Company(r)) => html::company(r),
            (OutputFormat::Html, Report::Zone(z)) => html::zone(z),
            (OutputFormat::Csv, _) => csv::render(&self.json_value()),
            (OutputFormat::Json, Report::Company(r)) => json(r),
            (OutputFormat::Json, Report::Zone(z)) => json(z),
        }
    }

    /// The model as a JSON value (its objects' keys sorted).
    pub fn json_value(&self) -> serde_json::Value {
        let value = match self {
            Report::Company(r) => serde_json::to_value(r),
            Report::Zone(z) => serde_json::to_value(z),
        };
        // The models hold strings and finite numbers only; serialising them cannot fail.
        value.unwrap_or(serde_json::Value::Null)
    }
}

/// The model as JSON, its fields in the model's order.
fn json(model: &impl serde::Serialize) -> String {
    // The models hold strings and numbers only; serialising them cannot fail.
    let mut text = serde_json::to_string_pretty(model).unwrap_or_default();
    text.push('\n');
    text
}

/// Text escaped for HTML and SVG (element content and quoted attributes).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
