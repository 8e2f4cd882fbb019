//! The zone's month as an HTML page: the coordinator's bulletin.

use super::{esc, inline, sections, share, tonnes, Page};
use crate::report::words::{month_name, short_name};
use crate::report::zone_month::ZoneMonth;
use std::fmt::Write as _;

/// The page.
pub fn zone(z: &ZoneMonth) -> String {
    let month = month_name(&z.month);
    let mut page = Page::new(
        &format!("Zone bulletin: {month}"),
        &[
            format!(
                "The zone's waste, rates and exchanges of {} ({} calendar), with the twelve months up to it",
                inline("/month", &z.month),
                esc(&z.time_zone)
            ),
            "ESRS E5-5 / GRI 306 figures as the dashboards show them, every company's waste together".to_string(),
        ],
    );
    page.section("esrs", "Waste by ESRS E5-5 category");
    sections::esrs(&mut page, &z.categories, &z.months, &month);
    page.end_section();
    page.section("rates", "The zone's rates, their coverage and the estimates");
    sections::rates(&mut page, &z.rates, "/rates");
    page.end_section();
    page.section("companies", "Companies");
    companies(&mut page, z);
    page.end_section();
    page.section("exchanges", "Symbiosis exchanges");
    page.push("<p class=\"note\">Who sends what to whom in the zone, in tonnes.</p>\n");
    sections::exchanges(&mut page, &z.exchanges, &month);
    page.end_section();
    page.section("savings", "Savings and avoided impact");
    sections::savings(&mut page, &z.savings);
    page.end_section();
    page.finish()
}

/// Each company's month, and those that weighed nothing.
fn companies(page: &mut Page, z: &ZoneMonth) {
    page.push(
        "<table>\n<tr><th>company</th><th class=\"n\">generated t</th><th class=\"n\">re-use and recycling</th>\
         <th class=\"n\">recovery</th><th class=\"n\">landfill diversion</th><th class=\"n\">non-recycled</th>\
         <th class=\"n\">coverage</th></tr>\n",
    );
    for (i, c) in z.companies.iter().enumerate() {
        let p = |field: &str| format!("/companies/{i}/rates/{field}");
        let r = &c.rates;
        let _ = writeln!(
            page.out,
            "<tr><td>{}</td>{}{}{}{}{}{}</tr>",
            esc(short_name(&c.name)),
            tonnes(&p("generated_t"), r.generated_t),
            share(&p("reuse_recycling"), r.reuse_recycling),
            share(&p("recovery"), r.recovery),
            share(&p("landfill_diversion"), r.landfill_diversion),
            share(&p("non_recycled_share"), r.non_recycled_share),
            share(&p("coverage"), r.coverage)
        );
    }
    page.push(
        "</table>\n<h3>Estimates and pending mass per company (t)</h3>\n<table>\n<tr><th>company</th>\
         <th class=\"n\">by declared final operations</th><th class=\"n\">assumed directed to disposal</th>\
         <th class=\"n\">awaiting a final operation</th></tr>\n",
    );
    for (i, c) in z.companies.iter().enumerate() {
        let p = |field: &str| format!("/companies/{i}/rates/{field}");
        let _ = writeln!(
            page.out,
            "<tr><td>{}</td>{}{}{}</tr>",
            esc(short_name(&c.name)),
            tonnes(&p("declared_t"), c.rates.declared_t),
            tonnes(&p("assumed_t"), c.rates.assumed_t),
            tonnes(&p("pending_t"), c.rates.pending_t)
        );
    }
    page.push("</table>\n<h3>What is missing</h3>\n<ul class=\"missing\">\n");
    let silent: Vec<String> = z.silent().map(|c| esc(short_name(&c.name))).collect();
    if silent.is_empty() {
        page.push("<li>Nothing: every company weighed waste this month.</li>\n");
    } else {
        let _ = writeln!(page.out, "<li>No waste weighed this month by: {}.</li>", silent.join(", "));
    }
    page.push("</ul>\n");
}
