//! The charts, drawn as inline SVG text: stacked bars per month, horizontal bars on an axis,
//! and a flow diagram. Pure functions of the figures they draw; each shape that stands for a
//! figure carries its JSON pointer (`data-json`) and value (`data-value`), and a `<title>` that
//! a browser shows on hover. Sizes are in CSS pixels of an A4 page's text width (680 px).

mod bars;
mod flows;
mod stacked;

pub use bars::{hbars, Bar, Scale};
pub use flows::{flows, streams, STREAM_COLOURS};
pub use stacked::{stacked, Column};

use super::esc;
use std::fmt::Write as _;

/// The width every chart is drawn to.
pub const WIDTH: f64 = 680.0;

/// An axis from 0 to a round top above `max`, in 4 to 5 round steps: (top, step).
pub fn nice(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 || max.is_infinite() {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

/// The decimals a tick label needs at this step (0 for 1, 2, 5...; 1 for 0.5; 2 for 0.25...).
pub fn decimals(step: f64) -> usize {
    (0..6).find(|d| ((step * 10f64.powi(*d as i32)).round() - step * 10f64.powi(*d as i32)).abs() < 1e-9).unwrap_or(6)
}

/// A text element.
pub fn text(out: &mut String, x: f64, y: f64, anchor: &str, class: &str, content: &str) {
    let _ =
        write!(out, r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#, esc(content));
}

/// A rectangle standing for a figure: its pointer, value and hover title.
#[allow(clippy::too_many_arguments)]
pub fn figure_rect(
    out: &mut String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    fill: &str,
    pointer: &str,
    value: f64,
    title: &str,
) {
    let _ = write!(
        out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" data-json="{pointer}" data-value="{value}"><title>{}</title></rect>"#,
        w.max(0.0),
        h.max(0.0),
        esc(title)
    );
}

/// The colour of an ESRS category in the charts: greens for what is diverted from disposal,
/// reds and oranges for what is directed to it.
pub fn category_colour(category: &str) -> &'static str {
    match category {
        "preparation-for-re-use" => "#1b7837",
        "recycling" => "#5aae61",
        "other-recovery" => "#a6dba0",
        "incineration" => "#f4a582",
        "landfill" => "#b2182b",
        "other-disposal" => "#d6604d",
        _ => "#999999",
    }
}

/// An ESRS category as a reader says it.
pub fn category_label(category: &str) -> String {
    match category {
        "preparation-for-re-use" => "preparation for re-use".to_string(),
        "other-recovery" => "other recovery (energy recovery included)".to_string(),
        "energy-recovery" => "of which energy recovery".to_string(),
        "re-use-not-waste" => "re-use (not waste)".to_string(),
        "by-product" => "by-products (not waste)".to_string(),
        "end-of-waste" => "end-of-waste (not waste)".to_string(),
        "pending" => "awaiting a final operation".to_string(),
        "symbiosis" => "of which to zone companies (symbiosis)".to_string(),
        other => other.replace('-', " "),
    }
}

/// How deep a category sits under waste generated in the ESRS table (0: waste generated and
/// the categories outside it).
pub fn category_depth(category: &str) -> usize {
    match category {
        "diverted-from-disposal" | "directed-to-disposal" | "pending" | "non-recycled" | "symbiosis" => 1,
        "preparation-for-re-use" | "recycling" | "other-recovery" | "incineration" | "landfill" | "other-disposal" => 2,
        "energy-recovery" => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice(2.3), (3.0, 1.0));
        assert_eq!(nice(9.7), (10.0, 2.5));
        assert_eq!(nice(4990.0), (6000.0, 2000.0));
        assert_eq!(nice(0.0), (1.0, 0.25));
        assert_eq!(decimals(2.5), 1);
        assert_eq!(decimals(0.25), 2);
        assert_eq!(decimals(1000.0), 0);
    }
}
