//! The tables of docs/wire-format.md are the enums they document: measurement kinds (number,
//! wire name, plausible range) and dead-letter reasons (code, scope), row for row, in order.
//! Also checks that each kind's number is the wire variant index a real frame carries.

use wasteflow::wire::{encode, Frame, Measurement, MeasurementKind, Reading, RejectReason, Scope};

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/wire-format.md")).expect("docs/wire-format.md")
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
    assert!(!rows.is_empty(), "no table headed {header:?} in docs/wire-format.md");
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
