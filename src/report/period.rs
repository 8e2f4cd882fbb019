//! A local period of the zone's calendar that a report covers: a year (`report --company --year`)
//! or a month (`report --zone --month`). The queries take it as SQL parameters and the views'
//! `period` / `period_start` columns select it; the database's time-zone rules make its first
//! instant, as they make the views' (docs/kpis.md, "Local calendar").

use crate::calendar::{parse_date, DateError};

/// A local calendar year or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Month { year: i32, month: u32 },
}

impl Period {
    /// A month written `YYYY-MM`, by the one date parser (as its first day).
    pub fn parse_month(text: &str) -> Result<Period, DateError> {
        let day = parse_date(&format!("{text}-01")).map_err(|e| match e {
            DateError::Shape(_) => DateError::Shape(text.to_string()),
            other => other,
        })?;
        Ok(Period::Month { year: i32::from(day.year()), month: day.month() as u32 })
    }

    /// The views' name of the period: `year` or `month`.
    pub fn kind(self) -> &'static str {
        match self {
            Period::Year(_) => "year",
            Period::Month { .. } => "month",
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Month { year: y, .. } => y,
        }
    }

    /// The first month of the period (1 for a year).
    pub fn first_month(self) -> u32 {
        match self {
            Period::Year(_) => 1,
            Period::Month { month, .. } => month,
        }
    }

    /// `2026` or `2026-03`.
    pub fn label(self) -> String {
        match self {
            Period::Year(y) => y.to_string(),
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
        }
    }

    /// The month `delta` months after this one's first month (negative: before).
    pub fn shifted(self, delta: i32) -> Period {
        let index = self.year() * 12 + self.first_month() as i32 - 1 + delta;
        Period::Month { year: index.div_euclid(12), month: index.rem_euclid(12) as u32 + 1 }
    }

    /// The months of a year, or the `count` months that end with this month.
    pub fn months(self, count: u32) -> Vec<Period> {
        match self {
            Period::Year(year) => (1..=12).map(|month| Period::Month { year, month }).collect(),
            Period::Month { .. } => (0..count as i32).rev().map(|n| self.shifted(-n)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_parsed_by_the_date_parser_and_counted_back_across_years() {
        let m = Period::parse_month("2026-02").unwrap();
        assert_eq!(m, Period::Month { year: 2026, month: 2 });
        assert_eq!(m.label(), "2026-02");
        assert!(Period::parse_month("2026-13").is_err());
        assert!(Period::parse_month("2026-2").is_err());
        assert!(Period::parse_month("1969-12").is_err());
        let back: Vec<String> = m.months(3).iter().map(|p| p.label()).collect();
        assert_eq!(back, ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(Period::Year(2026).months(0).len(), 12);
        assert_eq!(Period::Year(2026).label(), "2026");
        assert_eq!(Period::Month { year: 2026, month: 12 }.shifted(1).label(), "2027-01");
    }
}
