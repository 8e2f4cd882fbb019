//! A company's year as an HTML page: the sections of the text report, in its order, with their
//! charts.

use super::{amount, cell, esc, inline, sections, tonnes, Page};
use crate::report::company_year::CompanyYear;
use crate::report::words::{short_name, MONTHS};
use std::fmt::Write as _;

/// The page.
pub fn company(r: &CompanyYear) -> String {
    let year = r.year.to_string();
    let title = format!("Waste report {year}: {}", short_name(&r.name));
    let mut page = Page::new(
        &title,
        &[
            format!("{} &middot; SIREN {} &middot; company id {}", esc(&r.name), esc(&r.siren), esc(&r.company)),
            format!(
                "ESRS E5-5 / GRI 306 figures of the calendar year {} ({} calendar), as the dashboards show them",
                inline("/year", &year),
                esc(&r.time_zone)
            ),
        ],
    );
    page.section("esrs", "Waste by ESRS E5-5 category");
    sections::esrs(&mut page, &r.categories, &r.months, &year);
    page.end_section();
    page.section("rates", "Rates, their coverage and the estimates");
    sections::rates(&mut page, &r.rates, "/rates");
    page.end_section();
    page.section("missing", "What is missing");
    missing(&mut page, r);
    page.end_section();
    page.section("exchanges", "Symbiosis exchanges");
    page.push("<p class=\"note\">What the company sends to, and receives from, other companies of the zone.</p>\n");
    sections::exchanges(&mut page, &r.exchanges, &year);
    page.end_section();
    page.section("synergy", "Synergy opportunities, savings and avoided impact");
    opportunities(&mut page, r);
    page.push("<h3>Savings and avoided impact</h3>\n");
    sections::savings(&mut page, &r.savings);
    sources(&mut page, r);
    page.end_section();
    page.finish()
}

/// What the text report's "what is missing" names, item by item.
fn missing(page: &mut Page, r: &CompanyYear) {
    let mut items = Vec::new();
    if r.rates.generated_t == 0.0 {
        items.push(format!("No waste weighed in {} at all.", r.year));
    }
    if r.rates.pending_t > 0.0 {
        items.push(format!(
            "{} t went to an interim operation (R12, R13, D9, D13-D15) and awaits its final one: the rates leave it out.",
            inline("/rates/pending_t", &format!("{:.3}", r.rates.pending_t))
        ));
    }
    if !r.months_without_weighings.is_empty() && r.rates.generated_t > 0.0 {
        let names: Vec<String> = r
            .months_without_weighings
            .iter()
            .enumerate()
            .map(|(i, &m)| {
                let name = MONTHS[(m as usize + 11) % 12];
                format!("<span data-json=\"/months_without_weighings/{i}\" data-value=\"{m}\">{name}</span>")
            })
            .collect();
        items.push(format!("No weighing at all in {}: sensors offline, or nothing collected?", names.join(", ")));
    }
    for (i, w) in r.implausible.iter().enumerate() {
        let f = |field: &str, v: String| inline(&format!("/implausible/{i}/{field}"), &v);
        items.push(format!(
            "{} weighing(s) of {} above its capacity ({} t): {} to {} t, {} t in all, counted as weighed: check the scale \
             or the container's max_load_kg.",
            f("weighings", w.weighings.to_string()),
            esc(&w.container),
            f("max_load_t", format!("{:.3}", w.max_load_t)),
            f("min_t", format!("{:.3}", w.min_t)),
            f("max_t", format!("{:.3}", w.max_t)),
            f("total_t", format!("{:.3}", w.total_t)),
        ));
    }
    if items.is_empty() {
        items.push("Nothing: every tonne has its final operation and every month has weighings.".to_string());
    }
    page.push("<ul class=\"missing\">\n");
    for item in items {
        let _ = writeln!(page.out, "<li>{item}</li>");
    }
    page.push("</ul>\n");
}

/// The company's synergy opportunities of the year.
fn opportunities(page: &mut Page, r: &CompanyYear) {
    page.push(
        "<h3>Synergy opportunities</h3>\n<p class=\"note\">Streams sent out of the zone or to disposal that another \
         company of the zone accepts, summed over the year's months.</p>\n",
    );
    if r.opportunities.is_empty() {
        let _ = writeln!(page.out, "<p>None in {}.</p>", r.year);
        return;
    }
    page.push(
        "<table>\n<tr><th>stream (List of Waste)</th><th>change</th><th>accepter</th><th>hierarchy</th>\
         <th class=\"n\">available t</th><th class=\"n\">fit t</th><th class=\"n\">would save</th>\
         <th class=\"n\">CO2e avoided</th></tr>\n",
    );
    for (i, o) in r.opportunities.iter().enumerate() {
        let _ = writeln!(
            page.out,
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td>{}{}{}{}</tr>",
            esc(&o.stream),
            esc(&o.ewc),
            esc(&o.change),
            esc(&o.accepter),
            esc(&o.hierarchy),
            tonnes(&format!("/opportunities/{i}/available_t"), o.available_t),
            tonnes(&format!("/opportunities/{i}/fits_t"), o.fits_t),
            amount(&format!("/opportunities/{i}/cost_avoided_eur"), o.cost_avoided_eur, 0, "EUR"),
            amount(&format!("/opportunities/{i}/co2e_avoided_t"), o.co2e_avoided_t, 3, "t CO2e")
        );
    }
    page.push("</table>\n");
}

/// The factors the savings rest on, each with its origin and source.
fn sources(page: &mut Page, r: &CompanyYear) {
    page.push("<h3>Sources of the factors used</h3>\n");
    if r.sources.is_empty() {
        page.push("<p>None.</p>\n");
        return;
    }
    page.push(
        "<table>\n<tr><th>factor</th><th class=\"n\">value</th><th>unit</th><th>origin</th><th>source</th></tr>\n",
    );
    for (i, f) in r.sources.iter().enumerate() {
        let _ = writeln!(
            page.out,
            "<tr><td>{}</td>{}<td>{}</td><td>{}</td><td class=\"src\">{}</td></tr>",
            esc(&f.what),
            cell(&format!("/sources/{i}/value"), &f.value.to_string()),
            esc(&f.unit),
            esc(&f.origin),
            esc(&f.source)
        );
    }
    page.push("</table>\n");
}
