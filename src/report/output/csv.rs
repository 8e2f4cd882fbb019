//! A report as CSV (RFC 4180, comma-separated, `.` decimals, UTF-8): one row per value of the
//! report's JSON, so a spreadsheet's pivot table or another system reads every figure with
//! what it is. Columns: `section` (the model's field: categories, rates, months...), `item`
//! (what the row's object is about: its month, category, company, stream...), `field`, `value`
//! (empty: unknown or not configured, as JSON's null), `unit` (t, t CO2e, EUR, ratio) and `json`
//! (the value's JSON pointer in `--format json`).

use serde_json::Value;
use std::fmt::Write as _;

/// The fields that say what an object of a list is about, in the order they are written.
const LABELS: [&str; 9] = ["month", "company", "name", "category", "from", "to", "stream", "accepter", "container"];

/// The CSV of a report's JSON value.
pub fn render(report: &Value) -> String {
    let mut out = String::from("section,item,field,value,unit,json\r\n");
    if let Value::Object(fields) = report {
        for (key, value) in fields {
            let mut rows = Vec::new();
            walk(value, &format!("/{key}"), key, "", &mut rows);
            for row in rows {
                let section = if matches!(value, Value::Object(_) | Value::Array(_)) { key.as_str() } else { "report" };
                let _ = write!(
                    out,
                    "{},{},{},{},{},{}\r\n",
                    quote(section),
                    quote(&row.item),
                    quote(&row.field),
                    quote(&row.value),
                    quote(&row.unit),
                    quote(&row.pointer)
                );
            }
        }
    }
    out
}

struct Row {
    item: String,
    field: String,
    value: String,
    unit: String,
    pointer: String,
}

/// Every scalar under `value`, with the labels of the objects above it.
fn walk(value: &Value, pointer: &str, field: &str, item: &str, out: &mut Vec<Row>) {
    match value {
        Value::Object(map) => {
            let own: Vec<&str> = LABELS.iter().filter_map(|k| map.get(*k).and_then(Value::as_str)).collect();
            let item = [item, &own.join(" ")].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" / ");
            for (k, v) in map {
                walk(v, &format!("{pointer}/{}", escape(k)), k, &item, out);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                walk(v, &format!("{pointer}/{i}"), field, item, out);
            }
        }
        scalar => out.push(Row {
            item: item.to_string(),
            field: field.to_string(),
            value: match scalar {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            unit: if scalar.is_number() || scalar.is_null() { unit(pointer, field) } else { String::new() },
            pointer: pointer.to_string(),
        }),
    }
}

/// The unit of a figure, from its field's name (`_t` tonnes, `_eur` euros) or its place (the
/// rates are ratios).
fn unit(pointer: &str, field: &str) -> String {
    let unit = if field.contains("co2e") && field.ends_with("_t") {
        "t CO2e"
    } else if field.ends_with("_t") || field == "tonnes" {
        "t"
    } else if field.ends_with("_eur") {
        "EUR"
    } else if pointer.contains("/rates/") {
        "ratio"
    } else {
        ""
    };
    unit.to_string()
}

/// A JSON pointer's escape of a key (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A CSV field, quoted when it must be (RFC 4180).
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_a_row_with_its_item_unit_and_pointer() {
        let report = serde_json::json!({
            "year": 2026,
            "categories": [{"name": "recycling", "total_t": 1.85, "reference": "ESRS E5 §37(b)(ii), GRI"}],
            "rates": {"recovery": 0.92, "coverage": null},
            "savings": {"cost_avoided_eur": null, "co2e_avoided_t": 4.5},
        });
        let csv = render(&report);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "section,item,field,value,unit,json");
        assert!(lines.contains(&"categories,recycling,total_t,1.85,t,/categories/0/total_t"), "{csv}");
        assert!(
            lines.contains(&"categories,recycling,reference,\"ESRS E5 §37(b)(ii), GRI\",,/categories/0/reference"),
            "{csv}"
        );
        assert!(lines.contains(&"rates,,recovery,0.92,ratio,/rates/recovery"), "{csv}");
        assert!(lines.contains(&"rates,,coverage,,ratio,/rates/coverage"), "{csv}");
        assert!(lines.contains(&"savings,,cost_avoided_eur,,EUR,/savings/cost_avoided_eur"), "{csv}");
        assert!(lines.contains(&"savings,,co2e_avoided_t,4.5,t CO2e,/savings/co2e_avoided_t"), "{csv}");
        assert!(lines.contains(&"report,,year,2026,,/year"), "{csv}");
        // A header, 8 values (the category's name too), and the empty string after the last
        // line's end.
        assert_eq!(lines.len(), 1 + 8 + 1, "{csv}");
    }
}
