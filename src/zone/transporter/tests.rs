//! The carrier's and the operator's positions and per-km figures (docs/planning.md
//! "Kilometres, tCO2e and euros"): each refusal names its key and the fix.

use crate::zone::Zone;

/// A zone with one operator and one carrier; `{op}` and `{carrier}` take the keys under test.
const FIXTURE: &str = r#"
name = "z"
[[companies]]
id = "a"
siren = "526018155"
name = "A"
[[sites]]
id = "a-main"
company = "a"
siret = "52601815500014"
address = "1 rue X, 62800 Liévin"
[[operators]]
id = "op"
name = "Operator"
{op}
[[transporters]]
id = "t"
name = "T"
siret = "92137452600017"
address = "Rue de la Gare, 62300 Lens"
receipt_exempt = true
{carrier}
"#;

fn errors(op: &str, carrier: &str) -> Vec<String> {
    let text = FIXTURE.replace("{op}", op).replace("{carrier}", carrier);
    Zone::parse("zone.toml", &text).err().map(|e| e.0.iter().map(ToString::to_string).collect()).unwrap_or_default()
}

#[test]
fn positions_and_figures_per_km_are_read() {
    let carrier = "depot_latitude = 50.4322\ndepot_longitude = 2.8333\nkg_co2e_per_km = 1.229\n\
                   kg_co2e_per_km_source = \"DESNZ 2025\"\neur_per_km = 2.0\neur_per_km_source = \"contract\"";
    let op = "latitude = 50.4869\nlongitude = 2.8153";
    assert_eq!(errors(op, carrier), Vec::<String>::new());
    let text = FIXTURE.replace("{op}", op).replace("{carrier}", carrier);
    let zone = Zone::parse("zone.toml", &text).unwrap();
    let t = &zone.file.transporters[0];
    assert_eq!((t.depot_latitude, t.depot_longitude), (Some(50.4322), Some(2.8333)));
    assert_eq!((t.kg_co2e_per_km, t.eur_per_km), (Some(1.229), Some(2.0)));
    let o = &zone.file.operators[0];
    assert_eq!((o.latitude, o.longitude), (Some(50.4869), Some(2.8153)));
    // All of them optional.
    assert_eq!(errors("", ""), Vec::<String>::new());
}

#[test]
fn a_wrong_position_names_its_key_and_the_fix() {
    let cases = [
        (
            "",
            "depot_latitude = 150.43\ndepot_longitude = 2.83",
            "zone.toml: transporter \"t\": depot_latitude: 150.43 is not a latitude: WGS 84 decimal degrees from -90 to 90",
        ),
        (
            "",
            "depot_latitude = 50.43\ndepot_longitude = 222.8",
            "zone.toml: transporter \"t\": depot_longitude: 222.8 is not a longitude: WGS 84 decimal degrees from -180",
        ),
        (
            "",
            "depot_latitude = 50.43",
            "zone.toml: transporter \"t\": depot_longitude: missing: give both depot_latitude and depot_longitude, or neither",
        ),
        (
            "latitude = 95.0\nlongitude = 2.8",
            "",
            "zone.toml: operator \"op\": latitude: 95 is not a latitude: WGS 84 decimal degrees from -90 to 90",
        ),
        (
            "longitude = 2.8",
            "",
            "zone.toml: operator \"op\": latitude: missing: give both latitude and longitude, or neither",
        ),
    ];
    for (op, carrier, want) in cases {
        let errs = errors(op, carrier);
        assert!(errs.iter().any(|e| e.starts_with(want)), "want {want:?}, got {errs:?}");
    }
}

#[test]
fn a_figure_per_km_needs_a_positive_value_and_its_source() {
    let cases = [
        (
            "kg_co2e_per_km = 1.2",
            "zone.toml: transporter \"t\": kg_co2e_per_km_source: name where the figure comes from",
        ),
        (
            "kg_co2e_per_km = -1.0\nkg_co2e_per_km_source = \"x\"",
            "zone.toml: transporter \"t\": kg_co2e_per_km: -1: kg CO2e per km of the vehicle must be a positive number",
        ),
        ("eur_per_km = 0.0\neur_per_km_source = \"x\"", "zone.toml: transporter \"t\": eur_per_km: 0: EUR per km"),
        ("eur_per_km = 1.5\neur_per_km_source = \" \"", "zone.toml: transporter \"t\": eur_per_km_source: name where"),
        (
            "eur_per_km_source = \"CNR\"",
            "zone.toml: transporter \"t\": eur_per_km_source: a source without `eur_per_km`",
        ),
    ];
    for (carrier, want) in cases {
        let errs = errors("", carrier);
        assert!(errs.iter().any(|e| e.starts_with(want)), "want {want:?}, got {errs:?}");
    }
}
