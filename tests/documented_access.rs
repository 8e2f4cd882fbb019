//! The access table of docs/security.md is the access model the database enforces
//! (`READER_VIEWS`, src/store/schema/access.rs): each reader view, row for row, with what a company's
//! role sees of it.

use wasteflow::store::{Sees, READER_VIEWS};

/// What the table says a company role sees of a view, for each rule.
fn documented(rule: Sees) -> String {
    match rule {
        Sees::Everything => "every row: the zone aggregates".into(),
        Sees::CoordinatorOnly => "none: the coordinator's only".into(),
        Sees::Own(c) => format!("own (`{c}`)"),
        Sees::OwnAndZone(c) => format!("own and the zone's (`{c}` NULL)"),
        Sees::EitherEnd(a, b) => format!("the company at either end (`{a}`, `{b}`)"),
    }
}

#[test]
fn the_documented_table_is_the_enforced_one() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/security.md")).unwrap();
    let header = "| view or table | coordinator (and `wasteflow_grafana`) | company role | writer |";
    let rows: Vec<Vec<String>> = doc
        .lines()
        .skip_while(|l| *l != header)
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(rows.len() > READER_VIEWS.len(), "the table headed {header:?} in docs/security.md");
    let views: Vec<(String, String)> = rows
        .iter()
        .filter(|r| READER_VIEWS.iter().any(|(v, _)| r[0] == format!("`{v}`")))
        .map(|r| (r[0].trim_matches('`').to_string(), r[2].clone()))
        .collect();
    let enforced: Vec<(String, String)> =
        READER_VIEWS.iter().map(|(v, rule)| (v.to_string(), documented(*rule))).collect();
    assert_eq!(views, enforced, "docs/security.md lists every reader view, in READER_VIEWS's order, with its rule");
    for r in &rows {
        assert_eq!(r.len(), 4, "{r:?}");
    }
}
