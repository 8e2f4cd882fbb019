//! The sections both pages have: the ESRS E5-5 categories (charts per month and the table), the
//! rates with their coverage and estimates, the symbiosis exchanges, the savings.

use super::{amount, legend, share, tonnes, Page};
use crate::report::company_year::Savings;
use crate::report::figures::{Category, Exchange, MonthFigures, Rates, STACK};
use crate::report::output::esc;
use crate::report::output::svg::{self, category_colour, category_label, Bar, Column, Scale};
use crate::report::words::{month_name, short_name, MONTHS};
use std::fmt::Write as _;

/// The months' stacked bars, hazardous and non-hazardous apart, and the categories' table.
pub fn esrs(page: &mut Page, categories: &[Category], months: &[MonthFigures], period: &str) {
    for (hazardous, heading) in [(false, "Non-hazardous waste per month"), (true, "Hazardous waste per month")] {
        let columns: Vec<Column> = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let number: usize = m.month.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(1);
                let parts = m.parts.iter().enumerate().map(|(j, p)| {
                    let (v, field) =
                        if hazardous { (p.hazardous_t, "hazardous_t") } else { (p.non_hazardous_t, "non_hazardous_t") };
                    (p.category.clone(), v, format!("/months/{i}/parts/{j}/{field}"))
                });
                Column {
                    axis: MONTHS[(number + 11) % 12].to_string(),
                    axis_year: if i == 0 || number == 1 { m.month[..4].to_string() } else { String::new() },
                    title: month_name(&m.month),
                    parts: parts.collect(),
                }
            })
            .collect();
        let any = columns.iter().any(|c| c.parts.iter().any(|p| p.1 > 0.0));
        let _ = writeln!(page.out, "<h3>{heading}, by ESRS E5-5 category (t)</h3>");
        if !any && hazardous {
            let _ = writeln!(page.out, "<p class=\"note\">No hazardous waste weighed in {}.</p>", esc(period));
        }
        let height = if hazardous { 170.0 } else { 250.0 };
        page.push(&svg::stacked(&columns, height, heading));
    }
    let items: Vec<(String, String)> =
        STACK.iter().map(|k| (category_colour(k).to_string(), category_label(k))).collect();
    page.push(&legend(&items));
    page.push(
        "<p class=\"note\">Each bar is the month's waste generated: diverted from disposal (greens) and directed to \
         disposal (reds). Interim operations are counted by their destination's declared final operations, or as \
         other disposal where it declares none (estimates, below).</p>\n",
    );
    page.push("<table>\n<tr><th>category</th><th class=\"n\">hazardous t</th><th class=\"n\">non-hazardous t</th><th class=\"n\">total t</th><th>source</th></tr>\n");
    for (i, c) in categories.iter().enumerate() {
        let class = if c.name == "waste-generated" { " class=\"total\"" } else { "" };
        let _ = writeln!(
            page.out,
            "<tr{class}><td style=\"padding-left:{}mm\">{}</td>{}{}{}<td class=\"src\">{}</td></tr>",
            1.5 + 3.5 * svg::category_depth(&c.name) as f64,
            esc(&category_label(&c.name)),
            tonnes(&format!("/categories/{i}/hazardous_t"), c.hazardous_t),
            tonnes(&format!("/categories/{i}/non_hazardous_t"), c.non_hazardous_t),
            tonnes(&format!("/categories/{i}/total_t"), c.total_t),
            esc(&c.reference)
        );
    }
    if categories.is_empty() {
        let _ = writeln!(page.out, "<tr><td colspan=\"5\">no waste weighed in {}</td></tr>", esc(period));
    }
    page.push("</table>\n");
}

/// The rates as bars with their coverage, their table, and the estimates in the figures.
pub fn rates(page: &mut Page, r: &Rates, base: &str) {
    let rows = [
        (
            "re-use and recycling",
            r.reuse_recycling,
            "reuse_recycling",
            "#2b83ba",
            "(preparation for re-use + recycling) / waste with a known final operation",
        ),
        ("recovery", r.recovery, "recovery", "#5aae61", "diverted from disposal / known"),
        ("landfill diversion", r.landfill_diversion, "landfill_diversion", "#abdda4", "1 - landfill / known"),
        (
            "non-recycled share",
            r.non_recycled_share,
            "non_recycled_share",
            "#d7191c",
            "non-recycled / waste generated (ESRS E5 §37(d))",
        ),
        ("coverage", r.coverage, "coverage", "#999999", "waste with a known final operation / waste generated"),
    ];
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(label, v, field, colour, _)| Bar {
            label: label.to_string(),
            value: *v,
            pointer: format!("{base}/{field}"),
            colour,
            missing: "n/a: no waste with a known final operation".to_string(),
        })
        .collect();
    page.push(&svg::hbars(&bars, &Scale::Share, "rates"));
    page.push("<table>\n<tr><th>rate</th><th class=\"n\">value</th><th>definition</th></tr>\n");
    for (label, v, field, _, definition) in rows {
        let _ = writeln!(
            page.out,
            "<tr><td>{label}</td>{}<td class=\"src\">{}</td></tr>",
            share(&format!("{base}/{field}"), v),
            esc(definition)
        );
    }
    page.push("</table>\n<h3>Estimates in the figures (ESRS E5 §40)</h3>\n<table>\n<tr><th>tonnes</th><th class=\"n\">t</th><th>basis</th></tr>\n");
    let lines = [
        ("waste generated", r.generated_t, "generated_t", "weighed"),
        ("awaiting a final operation", r.pending_t, "pending_t", "left out of the rates (0 in the reported figures)"),
        ("counted by declared final operations", r.declared_t, "declared_t", "sent to an interim operation (R12, R13, D9, D13-D15); counted by the final operations its destination declares (zone file, final_operations)"),
        ("assumed directed to disposal", r.assumed_t, "assumed_t", "sent to an interim operation whose destination declares none: other disposal (EFRAG ESRS Q&A ID 400)"),
    ];
    for (label, v, field, basis) in lines {
        let _ = writeln!(
            page.out,
            "<tr><td>{label}</td>{}<td class=\"src\">{}</td></tr>",
            tonnes(&format!("{base}/{field}"), v),
            esc(basis)
        );
    }
    page.push("</table>\n");
}

/// The exchanges as a flow diagram, its streams' legend and the table.
pub fn exchanges(page: &mut Page, exchanges: &[Exchange], period: &str) {
    if exchanges.is_empty() {
        let _ = writeln!(page.out, "<p class=\"note\">No symbiosis exchange in {}.</p>", esc(period));
        return;
    }
    page.push(&svg::flows(exchanges, "symbiosis exchanges"));
    let streams = svg::streams(exchanges);
    // The bands are drawn at 60 % opacity: the swatches too (#rrggbb99).
    let items: Vec<(String, String)> = streams
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{}99", svg::STREAM_COLOURS[i % svg::STREAM_COLOURS.len()]), s.to_string()))
        .collect();
    page.push(&legend(&items));
    page.push("<table>\n<tr><th>from</th><th>to</th><th>stream (List of Waste)</th><th>treatment</th><th class=\"n\">t</th></tr>\n");
    for (i, e) in exchanges.iter().enumerate() {
        let _ = writeln!(
            page.out,
            "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td>{}</tr>",
            esc(short_name(&e.from_name)),
            esc(short_name(&e.to_name)),
            esc(&e.stream),
            esc(&e.ewc),
            esc(&e.treatment),
            tonnes(&format!("/exchanges/{i}/tonnes"), e.tonnes)
        );
    }
    page.push("</table>\n");
}

/// The savings and avoided CO2e: bars once configured, and the table with what is not counted.
pub fn savings(page: &mut Page, s: &Savings) {
    let not_configured = "not configured";
    if s.cost_avoided_eur.is_some() || s.symbiosis_cost_avoided_eur.is_some() {
        let bars = [
            Bar {
                label: if s.priced_reference_t > 0.0 {
                    "disposal cost avoided (estimate)"
                } else {
                    "disposal cost avoided"
                }
                .into(),
                value: s.cost_avoided_eur,
                pointer: "/savings/cost_avoided_eur".into(),
                colour: "#1a9641",
                missing: not_configured.into(),
            },
            Bar {
                label: "of which by symbiosis exchanges".into(),
                value: s.symbiosis_cost_avoided_eur,
                pointer: "/savings/symbiosis_cost_avoided_eur".into(),
                colour: "#a6d96a",
                missing: not_configured.into(),
            },
        ];
        page.push(&svg::hbars(&bars, &Scale::Amount { unit: "EUR", decimals: 0 }, "disposal cost avoided"));
    }
    if s.co2e_avoided_t.is_some() {
        let bars = [Bar {
            label: if s.factored_reference_t > 0.0 { "CO2e avoided (estimate)" } else { "CO2e avoided by recycling" }
                .into(),
            value: s.co2e_avoided_t,
            pointer: "/savings/co2e_avoided_t".into(),
            colour: "#2b83ba",
            missing: not_configured.into(),
        }];
        page.push(&svg::hbars(&bars, &Scale::Amount { unit: "t CO2e", decimals: 3 }, "CO2e avoided"));
    }
    page.push("<table>\n<tr><th>figure</th><th class=\"n\">value</th><th>what it covers</th></tr>\n");
    let rows = [
        (
            "tonnes recovered",
            tonnes("/savings/recovered_t", s.recovered_t),
            "re-use, recycling, energy and other recovery, by-products and end-of-waste (weighed final operations)",
        ),
        (
            "disposal cost avoided",
            amount("/savings/cost_avoided_eur", s.cost_avoided_eur, 0, "EUR"),
            if s.priced_reference_t > 0.0 {
                "an estimate, reference figures in part: against the zone's baseline treatment and its TGAP"
            } else {
                "against the zone's baseline treatment and its TGAP ([factors])"
            },
        ),
        (
            "of which by symbiosis exchanges",
            amount("/savings/symbiosis_cost_avoided_eur", s.symbiosis_cost_avoided_eur, 0, "EUR"),
            "flows to another company of the zone",
        ),
        (
            "tonnes priced by the zone's own figures",
            tonnes("/savings/priced_zone_t", s.priced_zone_t),
            "[factors] of the zone file",
        ),
        (
            "tonnes priced by reference estimates",
            tonnes("/savings/priced_reference_t", s.priced_reference_t),
            "in part: the cost avoided is then an estimate (data/reference-factors.toml)",
        ),
        (
            "tonnes without a cost or TGAP factor",
            tonnes("/savings/unpriced_t", s.unpriced_t),
            "not counted in the cost avoided",
        ),
        ("tonnes recycled", tonnes("/savings/recycled_t", s.recycled_t), "prepared for re-use or recycled"),
        (
            "CO2e avoided",
            amount("/savings/co2e_avoided_t", s.co2e_avoided_t, 3, "t CO2e"),
            if s.factored_reference_t > 0.0 {
                "an estimate, reference figures in part: tonnes recycled times their stream's emission factor"
            } else {
                "tonnes recycled times their stream's emission factor"
            },
        ),
        (
            "tonnes recycled factored by the zone's own figures",
            tonnes("/savings/factored_zone_t", s.factored_zone_t),
            "[factors] of the zone file",
        ),
        (
            "tonnes recycled factored by reference estimates",
            tonnes("/savings/factored_reference_t", s.factored_reference_t),
            "the CO2e avoided is then an estimate (data/reference-factors.toml)",
        ),
        (
            "tonnes recycled without an emission factor",
            tonnes("/savings/unfactored_t", s.unfactored_t),
            "not counted in the CO2e avoided",
        ),
    ];
    for (label, value, covers) in rows {
        let _ = writeln!(page.out, "<tr><td>{label}</td>{value}<td class=\"src\">{}</td></tr>", esc(covers));
    }
    page.push("</table>\n<p class=\"note\">\"not configured\": the registry has no factor for any of the tonnes ([factors] in the zone file); it is never counted as 0.</p>\n");
}
