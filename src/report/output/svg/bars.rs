//! Horizontal bars on one axis: the rates (0 to 100 %) and the savings (EUR, t CO2e). A figure
//! that is unknown or not configured is written out where its bar would be, never drawn as 0.

use super::{decimals, figure_rect, nice, text, WIDTH};
use std::fmt::Write as _;

/// One bar.
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    /// The JSON pointer of the value.
    pub pointer: String,
    pub colour: &'static str,
    /// Written instead of a bar when the value is unknown: `n/a`, `not configured`.
    pub missing: String,
}

/// The axis: a share (0 to 1, written as %), or an amount in a unit from 0 to a round top.
pub enum Scale {
    Share,
    Amount { unit: &'static str, decimals: usize },
}

/// The chart.
pub fn hbars(bars: &[Bar], scale: &Scale, label: &str) -> String {
    let (left, right, row, top) = (230.0, 90.0, 26.0, 8.0);
    let plot_w = WIDTH - left - right;
    let height = top + row * bars.len() as f64 + 30.0;
    let (top_v, step) = match scale {
        Scale::Share => (1.0, 0.25),
        Scale::Amount { .. } => nice(bars.iter().filter_map(|b| b.value).fold(0.0, f64::max)),
    };
    let x = |v: f64| left + v.max(0.0) / top_v * plot_w;
    let written = |v: f64| match scale {
        Scale::Share => format!("{:.1} %", v * 100.0),
        Scale::Amount { unit, decimals } => format!("{v:.decimals$} {unit}"),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        super::esc(label)
    );
    let bottom = top + row * bars.len() as f64;
    let ticks = (top_v / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let _ = write!(out, r#"<line x1="{:.1}" x2="{:.1}" y1="{top}" y2="{bottom:.1}" class="grid"/>"#, x(v), x(v));
        let tick = match scale {
            Scale::Share => format!("{:.0} %", v * 100.0),
            Scale::Amount { unit, .. } => format!("{v:.*} {unit}", decimals(step)),
        };
        text(&mut out, x(v), bottom + 14.0, "middle", "tick", &tick);
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        text(&mut out, left - 8.0, y + row / 2.0 + 4.0, "end", "label", &b.label);
        match b.value {
            Some(v) => {
                let title = format!("{}: {}", b.label, written(v));
                figure_rect(&mut out, left, y + 4.0, x(v) - left, row - 8.0, b.colour, &b.pointer, v, &title);
                text(&mut out, x(v) + 5.0, y + row / 2.0 + 4.0, "start", "value", &written(v));
            }
            None => text(&mut out, left + 4.0, y + row / 2.0 + 4.0, "start", "missing", &b.missing),
        }
    }
    let _ = write!(out, r#"<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom:.1}" class="axis-line"/></svg>"#);
    out
}
