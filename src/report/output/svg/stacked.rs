//! Stacked bars, one per month: each bar's parts are categories that add up to its total,
//! bottom to top in the order given, on an axis in tonnes.

use super::{category_colour, category_label, decimals, figure_rect, nice, text, WIDTH};
use std::fmt::Write as _;

/// One bar: what the axis and the hover title call it, and its parts.
pub struct Column {
    /// Under the bar: `Mar`; and below it, `2026` or empty.
    pub axis: String,
    pub axis_year: String,
    /// In the hover title: `Mar 2026`.
    pub title: String,
    /// (category, tonnes, JSON pointer of the tonnes), bottom to top.
    pub parts: Vec<(String, f64, String)>,
}

/// The chart, `height` pixels high, its axis in tonnes.
pub fn stacked(columns: &[Column], height: f64, label: &str) -> String {
    let (left, right, top, bottom) = (56.0, 8.0, 22.0, 34.0);
    let (plot_w, plot_h) = (WIDTH - left - right, height - top - bottom);
    let totals: Vec<f64> = columns.iter().map(|c| c.parts.iter().map(|p| p.1).sum()).collect();
    let (top_v, step) = nice(totals.iter().copied().fold(0.0, f64::max));
    let y = |v: f64| top + plot_h - v / top_v * plot_h;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        super::esc(label)
    );
    text(&mut out, 4.0, 12.0, "start", "axis", "tonnes (t)");
    let ticks = (top_v / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let _ = write!(
            out,
            r#"<line x1="{left}" x2="{:.1}" y1="{:.1}" y2="{:.1}" class="grid"/>"#,
            WIDTH - right,
            y(v),
            y(v)
        );
        text(&mut out, left - 6.0, y(v) + 3.5, "end", "tick", &format!("{v:.*}", decimals(step)));
    }
    let slot = plot_w / columns.len().max(1) as f64;
    let bar_w = slot * 0.62;
    let total_decimals = if top_v >= 100.0 {
        0
    } else if top_v >= 10.0 {
        1
    } else {
        2
    };
    for (i, (c, total)) in columns.iter().zip(&totals).enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut acc = 0.0;
        for (category, v, pointer) in &c.parts {
            let title = format!("{}, {}: {v:.3} t", c.title, category_label(category));
            figure_rect(
                &mut out,
                x,
                y(acc + v),
                bar_w,
                v / top_v * plot_h,
                category_colour(category),
                pointer,
                *v,
                &title,
            );
            acc += v;
        }
        if *total > 0.0 {
            text(&mut out, x + bar_w / 2.0, y(*total) - 4.0, "middle", "total", &format!("{total:.total_decimals$}"));
        }
        text(&mut out, x + bar_w / 2.0, height - bottom + 14.0, "middle", "tick", &c.axis);
        if !c.axis_year.is_empty() {
            text(&mut out, x + bar_w / 2.0, height - bottom + 27.0, "middle", "tick", &c.axis_year);
        }
    }
    let _ = write!(
        out,
        r#"<line x1="{left}" x2="{:.1}" y1="{:.1}" y2="{:.1}" class="axis-line"/></svg>"#,
        WIDTH - right,
        y(0.0),
        y(0.0)
    );
    out
}
