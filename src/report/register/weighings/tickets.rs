//! A weighbridge's tickets as its software exports them, read into [`Ticket`]s. The format
//! (docs/register.md, "Weighing at the destination"): UTF-8 text, one ticket a line, fields
//! separated by `;` (the register's own delimiter) and never quoted, a header row first naming
//! the columns in any order:
//! - `container`: the id of the container of the zone weighed (the id on its label);
//! - `weighed_at`: when, RFC 3339 with its offset (`2026-12-03T14:32:00+01:00`): a local time
//!   without one is ambiguous twice a year;
//! - `net_kg`: the net mass, kilograms above 0 with at most three decimals (`.` or `,`);
//! - `slip_number` (optional column, may be empty): the Trackdéchets slip the load came with.

use crate::calendar::Timestamp;

/// One weighing on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    pub container: String,
    pub weighed_at: Timestamp,
    pub grams: i64,
    pub slip_number: Option<String>,
}

/// The columns a ticket file must name, then the optional one.
pub const REQUIRED: [&str; 3] = ["container", "weighed_at", "net_kg"];
pub const OPTIONAL: &str = "slip_number";

/// Every ticket of `text`, or every problem of the file, each `line N: column: why`.
pub fn parse(text: &str) -> Result<Vec<Ticket>, Vec<String>> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((_, header)) = lines.next() else {
        return Err(vec!["the file is empty: it needs a header row (container;weighed_at;net_kg)".into()]);
    };
    let columns = Columns::of(header)?;
    let mut tickets = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        match ticket(n, line, &columns) {
            Ok(t) => tickets.push(t),
            Err(why) => problems.extend(why.into_iter().map(|w| format!("line {n}: {w}"))),
        }
    }
    if problems.is_empty() {
        Ok(tickets)
    } else {
        Err(problems)
    }
}

/// Where each column is.
struct Columns {
    count: usize,
    container: usize,
    weighed_at: usize,
    net_kg: usize,
    slip_number: Option<usize>,
}

impl Columns {
    fn of(header: &str) -> Result<Columns, Vec<String>> {
        let names: Vec<&str> = header.trim_start_matches('\u{feff}').split(';').map(str::trim).collect();
        let at = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
        let mut problems = Vec::new();
        for n in &names {
            if !REQUIRED.contains(n) && *n != OPTIONAL {
                problems.push(format!(
                    "line 1: unknown column {n:?}: the columns are {}, and optionally {OPTIONAL}",
                    REQUIRED.join(", ")
                ));
            }
        }
        let mut required = REQUIRED.iter().map(|name| {
            at(name).ok_or_else(|| format!("line 1: no column {name:?} (the header names {})", names.join(";")))
        });
        let (container, weighed_at, net_kg) = match (required.next(), required.next(), required.next()) {
            (Some(Ok(c)), Some(Ok(w)), Some(Ok(m))) if problems.is_empty() => (c, w, m),
            (c, w, m) => {
                problems.extend([c, w, m].into_iter().flatten().filter_map(Result::err));
                return Err(problems);
            }
        };
        Ok(Columns { count: names.len(), container, weighed_at, net_kg, slip_number: at(OPTIONAL) })
    }
}

fn ticket(n: usize, line: &str, c: &Columns) -> Result<Ticket, Vec<String>> {
    let fields: Vec<&str> = line.split(';').map(str::trim).collect();
    if fields.len() != c.count {
        return Err(vec![format!("{} fields where the header names {}", fields.len(), c.count)]);
    }
    if fields.iter().any(|f| f.contains('"')) {
        return Err(vec!["a field holds a quote: ticket fields are never quoted".into()]);
    }
    let mut problems = Vec::new();
    let container = fields[c.container].to_string();
    if container.is_empty() {
        problems.push("container: empty".to_string());
    }
    let weighed_at = instant(fields[c.weighed_at]).map_err(|why| problems.push(format!("weighed_at: {why}")));
    let grams = grams(fields[c.net_kg]).map_err(|why| problems.push(format!("net_kg: {why}")));
    let slip_number = c.slip_number.map(|i| fields[i]).filter(|s| !s.is_empty()).map(str::to_string);
    match (weighed_at, grams) {
        (Ok(weighed_at), Ok(grams)) if problems.is_empty() => {
            Ok(Ticket { line: n, container, weighed_at, grams, slip_number })
        }
        _ => Err(problems),
    }
}

/// An RFC 3339 time with its offset.
fn instant(text: &str) -> Result<Timestamp, String> {
    let t: jiff::Timestamp = text
        .parse()
        .map_err(|_| format!("{text:?} is not a time with its offset, RFC 3339 (e.g. 2026-12-03T14:32:00+01:00)"))?;
    Ok(Timestamp::from_millis(t.as_millisecond()))
}

/// Kilograms with at most three decimals, `.` or `,`, to grams, exactly (no float).
fn grams(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a mass in kilograms above 0 with at most three decimals (e.g. 4620.5)");
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 3 {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<3}").parse().map_err(|_| bad())?;
    let g = whole.checked_mul(1000).and_then(|g| g.checked_add(fraction)).ok_or_else(bad)?;
    if g == 0 {
        return Err(bad());
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_tickets_reads_with_its_columns_in_any_order() {
        let text = "weighed_at;container;net_kg;slip_number\r\n\
                    2026-12-03T14:32:00+01:00;ms-wood-1;4620,5;\r\n\
                    2026-12-03T15:00:00Z;ms-wood-2;812;BSD-20261203-7Q2X9\r\n\r\n";
        let t = parse(text).unwrap();
        assert_eq!(t.len(), 2);
        // 14:32 at +01:00 is 13:32 UTC: 20,790 days and 48,720 s after the epoch, 1,796,304,720,000 ms.
        assert_eq!(t[0].weighed_at, Timestamp::from_millis(1_796_304_720_000));
        assert_eq!((t[0].container.as_str(), t[0].grams, t[0].slip_number.as_deref()), ("ms-wood-1", 4_620_500, None));
        assert_eq!((t[1].line, t[1].grams, t[1].slip_number.as_deref()), (3, 812_000, Some("BSD-20261203-7Q2X9")));
    }

    #[test]
    fn every_bad_field_is_named_with_its_line() {
        let text = "container;weighed_at;net_kg\n\
                    ms-wood-1;2026-12-03 14:32;0\n\
                    ms-wood-2;2026-12-03T14:32:00+01:00;12.3456\n\
                    ;2026-12-03T14:32:00+01:00;12\n\
                    ms-wood-1;2026-12-03T14:32:00+01:00\n";
        let problems = parse(text).unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].starts_with("line 2: weighed_at: \"2026-12-03 14:32\" is not a time with its offset"));
        assert!(problems[1].starts_with("line 2: net_kg: \"0\" is not a mass"));
        assert!(problems[2].starts_with("line 3: net_kg: \"12.3456\""));
        assert_eq!(problems[3], "line 4: container: empty");
        assert_eq!(problems[4], "line 5: 2 fields where the header names 3");
    }

    #[test]
    fn a_header_without_a_required_column_or_with_an_unknown_one_is_refused() {
        let problems = parse("container;when;net_kg\nx;y;1\n").unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("unknown column \"when\""));
        assert!(problems[1].contains("no column \"weighed_at\""));
        assert!(parse("").unwrap_err()[0].contains("empty"));
    }

    #[test]
    fn kilograms_become_grams_exactly() {
        assert_eq!(grams("0.001"), Ok(1));
        assert_eq!(grams("4620,5"), Ok(4_620_500));
        assert_eq!(grams("19000"), Ok(19_000_000));
        assert!(grams("-5").is_err());
        assert!(grams("1e3").is_err());
        assert!(grams("0,000").is_err());
    }
}
