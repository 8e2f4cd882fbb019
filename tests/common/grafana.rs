//! The shipped Grafana dashboards' SQL, as Grafana would send it for a fixed time range.

/// Grafana's macros (`$__timeFrom()`, `$__timeTo()`, `$__timeFilter(col)`) and `$company`.
pub fn substitute(sql: &str, from: &str, to: &str, company: &str) -> String {
    let mut out = sql
        .replace("$__timeFrom()", &format!("'{from}'::timestamptz"))
        .replace("$__timeTo()", &format!("'{to}'::timestamptz"));
    while let Some(i) = out.find("$__timeFilter(") {
        let end = i + out[i..].find(')').expect("closing parenthesis");
        let col = &out[i + "$__timeFilter(".len()..end];
        let filter = format!("{col} BETWEEN '{from}'::timestamptz AND '{to}'::timestamptz");
        out.replace_range(i..=end, &filter);
    }
    out.replace("$company", company)
}

/// A dashboard's panels, those inside rows included.
pub fn panels(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut out = Vec::new();
    for p in v["panels"].as_array().into_iter().flatten() {
        out.push(p);
        out.extend(p["panels"].as_array().into_iter().flatten());
    }
    out
}
