//! The tables of the documentation are the tables of the code, row for row:
//! - docs/wire-format.md: measurement kinds (number, wire name, plausible range) and
//!   dead-letter reasons (code, scope), in order; also that each kind's number is the wire
//!   variant index a real frame carries;
//! - docs/kpis.md and `src/store/schema/views.sql`: the treatment operations' classes, landfills and
//!   ESRS categories, as `TREATMENT_OPERATIONS` says them;
//! - README.md: the simulator's faults.

use std::collections::BTreeSet;
use wasteflow::simulate::Fault;
use wasteflow::wire::{encode, Frame, Measurement, MeasurementKind, Reading, RejectReason, Scope};
use wasteflow::zone::{EsrsCategory, TgapCategory, TreatmentClass, TreatmentOperation, TREATMENT_OPERATIONS};

/// A file of the repository.
fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

fn doc() -> String {
    read("docs/wire-format.md")
}

/// The cells of every row of the table whose header line starts with `header`.
fn table(doc: &str, header: &str) -> Vec<Vec<String>> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(header)).skip(2);
    let mut rows = Vec::new();
    for line in lines.by_ref() {
        if !line.starts_with('|') {
            break;
        }
        rows.push(line.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect());
    }
    assert!(!rows.is_empty(), "no table headed {header:?}");
    rows
}

/// "0 to 60,000 (...)" -> (0.0, 60000.0); "" -> None.
fn documented_range(cell: &str) -> Option<(f32, f32)> {
    if cell.is_empty() {
        return None;
    }
    let plain: String = cell.split('(').next().unwrap_or("").replace(',', "");
    let (lo, hi) = plain.split_once(" to ").unwrap_or_else(|| panic!("range {cell:?} is not 'A to B'"));
    Some((lo.trim().parse().unwrap(), hi.trim().parse().unwrap()))
}

/// A kind as documented: number, wire name, plausible range.
type KindRow = (i16, String, Option<(f32, f32)>);

#[test]
fn the_measurement_table_is_the_enum() {
    let rows = table(&doc(), "| variant | name |");
    let documented: Vec<KindRow> =
        rows.iter().map(|r| (r[0].parse().unwrap(), r[1].clone(), documented_range(&r[3]))).collect();
    let code: Vec<KindRow> =
        MeasurementKind::ALL.iter().map(|k| (k.number(), k.wire_name().to_string(), k.range())).collect();
    assert_eq!(documented, code);
}

#[test]
fn the_reason_table_is_the_enum() {
    let rows = table(&doc(), "| reason | scope |");
    let documented: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let code: Vec<(String, String)> = RejectReason::ALL
        .iter()
        .map(|r| {
            let scope = match r.scope() {
                Scope::Message => "message",
                Scope::Reading => "reading",
            };
            (r.code().to_string(), scope.to_string())
        })
        .collect();
    assert_eq!(documented, code);
}

#[test]
fn a_kind_number_is_the_variant_index_on_the_wire() {
    let samples = [
        Measurement::FillLevel(1.0),
        Measurement::NetMassKg(1.0),
        Measurement::Emptied,
        Measurement::TemperatureC(1.0),
        Measurement::BatteryPercent(1.0),
        Measurement::LoadKg(1.0),
        Measurement::LidOpen(true),
        Measurement::TiltDeg(1.0),
        Measurement::FireAlarm(true),
        Measurement::LatitudeDeg(1.0),
        Measurement::LongitudeDeg(1.0),
        Measurement::RssiDbm(-1.0),
        Measurement::SnrDb(1.0),
        Measurement::QualityPercent(1.0),
    ];
    assert_eq!(samples.len(), MeasurementKind::ALL.len(), "one sample per kind");
    for m in samples {
        // version 1, seq 0, base 0, one reading: sensor 1, offset 0, then the variant index.
        let bytes =
            encode(&Frame { seq: 0, base_time_ms: 0, readings: vec![Reading { sensor: 1, offset_ms: 0, value: m }] });
        assert_eq!(i16::from(bytes[6]), m.kind().number(), "{m:?}");
    }
}

/// The operation codes a text names, in order: words that are a code (`D1,` `(D10)` `'R0'`).
fn codes_in(text: &str) -> Vec<&'static str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter_map(TreatmentOperation::get).map(|o| o.code).collect()
}

/// The codes of the operations a row of the table matches, as a set.
fn operations(matches: impl Fn(&TreatmentOperation) -> bool) -> BTreeSet<&'static str> {
    TREATMENT_OPERATIONS.iter().filter(|o| matches(o)).map(|o| o.code).collect()
}

/// A list of docs/kpis.md's class table, "R2 to R9, R11 (...)", as a set of codes.
fn documented_codes(cell: &str) -> BTreeSet<String> {
    // Parenthesised remarks out: "D9 (unless ...)", "(landfilled: ...)".
    let mut plain = String::new();
    let mut depth = 0;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut codes = BTreeSet::new();
    for item in plain.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once(" to ") {
            Some((from, to)) => {
                let (letter, from) = from.split_at(1);
                let to = to.strip_prefix(letter).unwrap_or_else(|| panic!("{item:?}: a range within one letter"));
                let (from, to): (u8, u8) = (from.parse().unwrap(), to.parse().unwrap());
                codes.extend((from..=to).map(|n| format!("{letter}{n}")));
            }
            None => {
                codes.insert(item.to_string());
            }
        }
    }
    codes
}

#[test]
fn the_class_table_is_the_operations_table() {
    let rows = table(&read("docs/kpis.md"), "| class | codes |");
    let documented: Vec<String> = rows.iter().map(|r| r[0].replace(' ', "-")).collect();
    let classes: Vec<String> = TreatmentClass::ALL.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(documented, classes, "one row per class, in order");
    for (row, class) in rows.iter().zip(TreatmentClass::ALL) {
        let code: BTreeSet<String> = operations(|o| o.class == *class).into_iter().map(String::from).collect();
        assert_eq!(documented_codes(&row[1]), code, "class {}", class.name());
        if let Some((_, landfills)) = row[1].split_once("(landfilled: ") {
            assert_eq!(codes_in(landfills).into_iter().collect::<BTreeSet<_>>(), operations(|o| o.is_landfill()));
        }
    }
}

#[test]
fn the_esrs_table_names_the_operations_the_table_does() {
    let doc = read("docs/kpis.md");
    let rows = table(&doc, "| category | what is summed | reference |");
    for category in [EsrsCategory::ReUseNotWaste, EsrsCategory::Incineration, EsrsCategory::Landfill] {
        let row = rows.iter().find(|r| r[0] == category.name()).unwrap_or_else(|| panic!("{}", category.name()));
        let documented: BTreeSet<_> = codes_in(&row[1]).into_iter().collect();
        assert_eq!(documented, operations(|o| o.esrs == category), "category {}", category.name());
    }
    // Every category the operations fall in is a row.
    for category in EsrsCategory::ALL {
        assert!(rows.iter().any(|r| r[0] == category.name()), "no row for {}", category.name());
    }
    // The legacy column of landfilled mass.
    let legacy = doc.lines().find(|l| l.starts_with("| `landfilled_t` |")).expect("landfilled_t");
    assert_eq!(codes_in(legacy).into_iter().collect::<BTreeSet<_>>(), operations(|o| o.is_landfill()));
}

/// The SQL that tells operations apart by code says what the table says: the `CASE` of
/// `kpi_esrs_e5_5_variants` (R2 and R9 recycling whatever their mode among them), the TGAP and
/// the R0 left out of recycling in `savings_monthly_all`, the pending mass
/// `flows_by_period_resolved` splits, the recovered classes of the savings.
#[test]
fn the_views_name_the_operations_the_table_does() {
    let sql = read("src/store/schema/views.sql");
    let line = |needle: &str| {
        let found: Vec<&str> = sql.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(found.len(), 1, "one line of views.sql has {needle:?}: {found:?}");
        found[0]
    };
    let quoted = |l: &str| -> BTreeSet<&'static str> {
        l.split('\'').skip(1).step_by(2).filter_map(TreatmentOperation::get).map(|o| o.code).collect()
    };
    use EsrsCategory::*;
    for (needle, category) in [
        ("THEN 're-use-not-waste'", ReUseNotWaste),
        ("THEN 'incineration'", Incineration),
        ("THEN 'landfill'", Landfill),
        ("p.treatment <> ", ReUseNotWaste),
        ("f.treatment <> ", ReUseNotWaste),
    ] {
        assert_eq!(quoted(line(needle)), operations(|o| o.esrs == category), "{needle}");
    }
    assert_eq!(quoted(line("THEN 'preparation-for-re-use'")), operations(|o| o.reprocesses), "reprocessing");
    // The TGAP falls on the landfilled and incinerated operations, whatever the hazard (the
    // treatments table carries each one's category, written from TgapCategory::of_disposal).
    for hazardous in [false, true] {
        let taxed: BTreeSet<&str> = TREATMENT_OPERATIONS
            .iter()
            .filter(|o| TgapCategory::of_disposal(o.code, hazardous).is_some())
            .map(|o| o.code)
            .collect();
        let want = operations(|o| o.is_landfill() || o.esrs == Incineration);
        assert_eq!(taxed, want, "TGAP categories, hazardous {hazardous}");
    }
    // Every category is a leaf of the CASE (other disposal its ELSE) or, diverted from
    // disposal, a category over them.
    for category in EsrsCategory::ALL {
        let named = match category {
            Diverted => format!("'{}', ARRAY[", category.name()),
            OtherDisposal => format!("ELSE '{}'", category.name()),
            _ => format!("THEN '{}'", category.name()),
        };
        assert!(sql.contains(&named), "views.sql has no {named}");
    }
    // Savings count the recovered classes (the legacy views read the ESRS rows, not classes).
    let recovered: Vec<String> = TreatmentClass::ALL
        .iter()
        .filter(|c| TREATMENT_OPERATIONS.iter().any(|o| o.class == **c && matches!(o.esrs, Diverted | ReUseNotWaste)))
        .map(|c| format!("'{}'", c.name()))
        .collect();
    assert!(sql.contains(&format!("treatment_class IN ({})", recovered.join(", "))), "{recovered:?}");
}

#[test]
fn the_readme_lists_the_faults() {
    let readme = read("README.md");
    let row = readme.lines().find(|l| l.contains("wasteflow simulate --realistic")).expect("the simulate row");
    let (_, list) = row.split_once("faults ").expect("faults ...");
    let documented: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
    assert_eq!(documented, Fault::ALL.map(Fault::name));
}

/// `recent_events.value_unit` (views.sql) is `EventKind::unit` for every kind, and the events
/// table of docs/operations.md names each kind with that unit and its closing time.
#[test]
fn the_event_units_are_the_enums() {
    use wasteflow::live::EventKind;
    let sql = read("src/store/schema/views.sql");
    let doc = read("docs/operations.md");
    for k in EventKind::ALL {
        let line = format!("WHEN '{}' THEN '{}'", k.name(), k.unit());
        assert_eq!(sql.matches(&line).count(), 1, "views.sql: {line}");
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", k.name())))
            .unwrap_or_else(|| panic!("{}", k.name()));
        assert!(row.contains(&format!("| {} |", k.unit())), "docs/operations.md: {} in {}: {row}", k.name(), k.unit());
        let close = match k.close_after().as_secs() {
            0 => "at once".to_string(),
            s if s % 3600 == 0 => format!("{} h", s / 3600),
            s => format!("{} min", s / 60),
        };
        assert!(row.contains(&format!("| {close} |")), "docs/operations.md: {} closes after {close}: {row}", k.name());
    }
}
