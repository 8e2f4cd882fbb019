//! How the reports write a figure for people, in every rendering: a share as a percentage
//! ("n/a" when unknown), an amount that may be "not configured" (never 0), a company by the
//! short form of its registry name, a month by its English abbreviation.

pub const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A share (0 to 1) as `74.0 %`; `n/a` when unknown.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{:.1} %", v * 100.0))
}

/// An amount with its unit and decimals; `not configured` when the registry lacks its factors.
pub fn configured(v: Option<f64>, decimals: usize, unit: &str) -> String {
    v.map_or_else(|| "not configured".to_string(), |v| format!("{v:.decimals$} {unit}"))
}

/// A registry name without its parenthesised description: `Béton d'Artois (precast concrete)`
/// is `Béton d'Artois`.
pub fn short_name(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name).trim()
}

/// `2026-03` as `Mar 2026`; anything else as it is.
pub fn month_name(label: &str) -> String {
    let month = label.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
    match (label.get(..4), month) {
        (Some(year), Some(m)) => format!("{} {year}", MONTHS[m - 1]),
        _ => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_for_people() {
        assert_eq!(percent(Some(0.74)), "74.0 %");
        assert_eq!(percent(None), "n/a");
        assert_eq!(configured(None, 0, "EUR"), "not configured");
        assert_eq!(configured(Some(0.0), 0, "EUR"), "0 EUR");
        assert_eq!(short_name("Béton d'Artois (precast concrete; takes back)"), "Béton d'Artois");
        assert_eq!(month_name("2026-03"), "Mar 2026");
        assert_eq!(month_name("2026"), "2026");
    }
}
