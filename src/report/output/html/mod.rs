//! A report as one self-contained HTML page: the inline style sheet, inline SVG charts, the
//! tables with their sources and what is missing; no script, no link, no font to fetch, so the
//! file can be mailed or archived as it is. Every figure shown is an element with its JSON
//! pointer (`data-json`) in the report's JSON, and the value itself (`data-value`) where the
//! text is not a number (a month's name, a bar).

mod company;
mod sections;
mod style;
mod zone;

pub use company::company;
pub use zone::zone;

use super::esc;
use crate::report::words::configured;
use std::fmt::Write as _;

/// A page being written.
struct Page {
    out: String,
}

impl Page {
    /// The document's head and the page's header: its title and the lines under it.
    fn new(title: &str, lines: &[String]) -> Page {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
            esc(title),
            style::CSS,
            esc(title)
        );
        for line in lines {
            let _ = writeln!(out, "<p>{line}</p>");
        }
        out.push_str("</header>\n");
        Page { out }
    }

    fn section(&mut self, id: &str, heading: &str) {
        let _ = write!(self.out, "<section id=\"{id}\">\n<h2>{}</h2>\n", esc(heading));
    }

    fn end_section(&mut self) {
        self.out.push_str("</section>\n");
    }

    fn push(&mut self, html: &str) {
        self.out.push_str(html);
    }

    fn finish(mut self) -> String {
        self.out.push_str("</body>\n</html>\n");
        self.out
    }
}

/// A table cell holding a figure, right-aligned: its pointer and its text.
fn cell(pointer: &str, text: &str) -> String {
    format!("<td class=\"n\" data-json=\"{pointer}\">{}</td>", esc(text))
}

/// Tonnes, to the kilogram, as the text report writes them.
fn tonnes(pointer: &str, v: f64) -> String {
    cell(pointer, &format!("{v:.3}"))
}

/// A share (0 to 1) as a percentage; `n/a` when unknown.
fn share(pointer: &str, v: Option<f64>) -> String {
    cell(pointer, &crate::report::words::percent(v))
}

/// An amount that may be not configured.
fn amount(pointer: &str, v: Option<f64>, decimals: usize, unit: &str) -> String {
    cell(pointer, &configured(v, decimals, unit))
}

/// A figure inside running text.
fn inline(pointer: &str, text: &str) -> String {
    format!("<span data-json=\"{pointer}\">{}</span>", esc(text))
}

/// A legend: colour swatches and what they stand for.
fn legend(items: &[(String, String)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (colour, label) in items {
        let _ = write!(out, "<li><i style=\"background:{colour}\"></i>{}</li>", esc(label));
    }
    out.push_str("</ul>\n");
    out
}
