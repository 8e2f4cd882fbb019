use super::*;

#[test]
fn example_zone_loads() {
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).expect("example zone is valid");
    assert!(zone.file.companies.len() >= 6);
    for (gw, company, sensors) in zone.gateways() {
        assert_eq!(zone.company_of(gw).map(|c| &**c), Some(company));
        assert!(!sensors.is_empty(), "{gw} has sensors");
    }
    // At least two symbiosis loops: containers whose destination is another company of the zone.
    let companies: Vec<&str> = zone.file.companies.iter().map(|c| c.id.as_str()).collect();
    let exchanges: std::collections::HashSet<(&str, &str)> = zone
        .file
        .containers
        .iter()
        .filter(|c| c.destination != c.company && companies.contains(&c.destination.as_str()))
        .map(|c| (c.company.as_str(), c.destination.as_str()))
        .collect();
    assert!(exchanges.len() >= 2, "{exchanges:?}");
}

const VALID: &str = r#"
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
[[streams]]
id = "s"
ewc = "17 01 01"
description = "concrete"
[[containers]]
id = "c"
company = "a"
site = "a-main"
type = "skip"
volume_m3 = 10.0
max_load_kg = 12000.0
stream = "s"
treatment = "R5"
destination = "op"
treatment_mode = "recycling"
[[gateways]]
id = "gw"
company = "a"
site = "a-main"
sensors = [{ number = 1, container = "c" }]
"#;

fn errors_of(text: &str) -> Vec<String> {
    Zone::parse("zone.toml", text).err().map(|e| e.0.iter().map(ToString::to_string).collect()).unwrap_or_default()
}

fn with(replace: &str, by: &str) -> String {
    assert!(VALID.contains(replace), "{replace}");
    VALID.replacen(replace, by, 1)
}

#[test]
fn valid_fixture_is_valid() {
    assert_eq!(errors_of(VALID), Vec::<String>::new());
}

/// Each error case, with the exact place it must be reported at.
#[test]
fn every_error_is_named_with_its_place() {
    let cases = [
        (with("id = \"a\"\nsiren", "id = \"A b\"\nsiren"), "zone.toml: company \"A b\": id:"),
        (with("526018155\"", "526018156\""), "zone.toml: company \"a\": siren: \"526018156\": the SIREN checksum"),
        (
            with("siret = \"52601815500014\"", "siret = \"90830166600016\""),
            "zone.toml: site \"a-main\": siret: \"90830166600016\" does not start with",
        ),
        (
            with("siret = \"52601815500014\"", "siret = \"5260181550001\""),
            "zone.toml: site \"a-main\": siret: \"5260181550001\" is not a SIRET",
        ),
        (with("ewc = \"17 01 01\"", "ewc = \"21 01 01\""), "zone.toml: stream \"s\": ewc: \"21 01 01\": chapter 21"),
        // Codes off the List of Waste, and asterisks that disagree with it.
        (
            with("ewc = \"17 01 01\"", "ewc = \"17 01 99\""),
            "zone.toml: stream \"s\": ewc: \"17 01 99\" is not on the European List of Waste",
        ),
        (
            with("ewc = \"17 01 01\"", "ewc = \"20 01 42\""),
            "zone.toml: stream \"s\": ewc: \"20 01 42\" is not on the European List of Waste",
        ),
        (
            with("ewc = \"17 01 01\"", "ewc = \"13 02 05\""),
            "zone.toml: stream \"s\": ewc: \"13 02 05\": 13 02 05* is a hazardous entry",
        ),
        (
            with("ewc = \"17 01 01\"", "ewc = \"15 01 01*\""),
            "zone.toml: stream \"s\": ewc: \"15 01 01*\": 15 01 01 is not a hazardous entry",
        ),
        (
            with("ewc = \"17 01 01\"", "ewc = \"17 01 01\"\nhazardous = true\nhazard_assessment = \"x\""),
            "zone.toml: stream \"s\": hazardous: 17 01 01 is not the non-hazardous half of a mirror pair",
        ),
        (
            with("treatment = \"R5\"", "treatment = \"R14\""),
            "zone.toml: container \"c\": treatment: \"R14\" is not a treatment code",
        ),
        (
            with("destination = \"op\"", "destination = \"nowhere\""),
            "zone.toml: container \"c\": destination: \"nowhere\" is neither",
        ),
        (with("stream = \"s\"", "stream = \"t\""), "zone.toml: container \"c\": stream: no stream \"t\""),
        (
            with("treatment_mode = \"recycling\"\n", ""),
            "zone.toml: container \"c\": treatment_mode: R5 may be recycling or other-recovery",
        ),
        (
            with("treatment = \"R5\"", "treatment = \"D11\""),
            "zone.toml: container \"c\": treatment: D11 is prohibited in France",
        ),
        (with("volume_m3 = 10.0", "volume_m3 = 0.0"), "zone.toml: container \"c\": volume_m3: must be a positive"),
        (
            with("max_load_kg = 12000.0", "max_load_kg = -1.0"),
            "zone.toml: container \"c\": max_load_kg: must be a positive",
        ),
        (
            with("destination = \"op\"", "destination = \"op\"\noverflow_threshold_pct = 0.5"),
            "zone.toml: container \"c\": overflow_threshold_pct:",
        ),
        (
            with("company = \"a\"\nsite = \"a-main\"\ntype", "company = \"b\"\nsite = \"a-main\"\ntype"),
            "zone.toml: container \"c\": company: no company \"b\"",
        ),
        (
            with("site = \"a-main\"\nsensors", "site = \"elsewhere\"\nsensors"),
            "zone.toml: gateway \"gw\": site: no site \"elsewhere\"",
        ),
        (
            with("container = \"c\" }", "container = \"x\" }"),
            "zone.toml: gateway \"gw\" sensor 1: container: no container \"x\"",
        ),
        (
            with(
                "{ number = 1, container = \"c\" }",
                "{ number = 1, container = \"c\" }, { number = 1, container = \"c\" }",
            ),
            "zone.toml: gateway \"gw\" sensor 1: number: used twice",
        ),
        (with("id = \"op\"", "id = \"a\""), "zone.toml: operator \"a\": id: also a company id"),
        (with("type = \"skip\"", "type = \"bucket\""), "unknown variant `bucket`"),
        (with("name = \"Operator\"", "name = \"Operator\"\ncolour = \"red\""), "unknown field `colour`"),
    ];
    for (text, expected) in &cases {
        let errs = errors_of(text);
        assert!(errs.iter().any(|e| e.contains(expected)), "expected {expected:?} in {errs:#?}");
    }
}

#[test]
fn all_problems_are_reported_together() {
    let text = with("ewc = \"17 01 01\"", "ewc = \"99\"")
        .replacen("treatment = \"R5\"", "treatment = \"Z\"", 1)
        .replacen("526018155\"", "5\"", 1);
    // The SIREN, the List of Waste code and the treatment code.
    assert_eq!(errors_of(&text).len(), 3, "{:#?}", errors_of(&text));
}

/// The waste register's fields: carriers, operator addresses, a container's carrier.
#[test]
fn register_fields_are_checked_with_their_place() {
    let carrier = "[[transporters]]\nid = \"t\"\nname = \"T\"\nsiret = \"92137452600017\"\naddress = \"Rue de la Gare, 62300 Lens\"\nreceipt_number = \"R-62-2024-0158\"\nreceipt_department = \"62\"\nreceipt_valid_until = \"2029-03-31\"\n[[streams]]";
    let good =
        with("[[streams]]", carrier).replacen("destination = \"op\"", "destination = \"op\"\ntransporter = \"t\"", 1);
    assert_eq!(errors_of(&good), Vec::<String>::new());
    let cases = [
        (
            good.replacen("92137452600017", "92137452600018", 1),
            "zone.toml: transporter \"t\": siret: \"92137452600018\": the SIRET checksum",
        ),
        (
            good.replacen("Rue de la Gare, 62300 Lens", "Rue de la Gare 62300 Lens", 1),
            "zone.toml: transporter \"t\": address: \"Rue de la Gare 62300 Lens\": write the address",
        ),
        (
            good.replacen("R-62-2024-0158", "R-6", 1),
            "zone.toml: transporter \"t\": receipt_number: \"R-6\": a receipt number has 5 to 50",
        ),
        (
            good.replacen("receipt_department = \"62\"", "receipt_department = \"6\"", 1),
            "zone.toml: transporter \"t\": receipt_department: \"6\" is not",
        ),
        (
            good.replacen("2029-03-31", "31/03/2029", 1),
            "zone.toml: transporter \"t\": receipt_valid_until: \"31/03/2029\" is not a date",
        ),
        (
            good.replacen("2029-03-31", "2029-02-29", 1),
            "zone.toml: transporter \"t\": receipt_valid_until: \"2029-02-29\" is not a date",
        ),
        (
            good.replacen("transporter = \"t\"", "transporter = \"u\"", 1),
            "zone.toml: container \"c\": transporter: no transporter \"u\"",
        ),
        (
            good.replacen("name = \"Operator\"", "name = \"Operator\"\naddress = \"somewhere\"", 1),
            "zone.toml: operator \"op\": address: \"somewhere\": write the address",
        ),
    ];
    for (text, want) in cases {
        let errs = errors_of(&text);
        assert!(errs.iter().any(|e| e.starts_with(want)), "want {want:?}, got {errs:?}");
    }
}

/// A destination's declared final operations (`final_operations`): each refusal at its place.
#[test]
fn final_operations_are_checked_with_their_place() {
    let declare = |ops: &str| with("name = \"Operator\"", &format!("name = \"Operator\"\nfinal_operations = [{ops}]"));
    // The declaration of the example: 60 % R3 recycling, 40 % D10 (one mode: none to write).
    let ok = declare(r#"{ code = "R3", mode = "recycling", share = 0.6 }, { code = "D10", share = 0.4 }"#);
    assert_eq!(errors_of(&ok), Vec::<String>::new());
    let zone = Zone::parse("zone.toml", &ok).unwrap();
    assert_eq!(zone.file.operators[0].final_operations.len(), 2);
    // Within 0.001 of 1 is accepted (shares written with three decimals).
    let thirds =
        declare(r#"{ code = "R4", share = 0.333 }, { code = "R1", share = 0.333 }, { code = "D1", share = 0.333 }"#);
    assert_eq!(errors_of(&thirds), Vec::<String>::new());
    // A company may declare too.
    let company = with("name = \"A\"", "name = \"A\"\nfinal_operations = [{ code = \"R13\", share = 1.0 }]");
    let cases = [
        (
            declare(r#"{ code = "R3", mode = "recycling", share = 0.6 }, { code = "D10", share = 0.3 }"#),
            "zone.toml: operator \"op\": final_operations: the shares sum to 0.9",
        ),
        (
            declare(r#"{ code = "R13", share = 0.5 }, { code = "D10", share = 0.5 }"#),
            "zone.toml: operator \"op\": final_operations[0].code: R13 is an interim operation",
        ),
        (
            declare(r#"{ code = "D10", share = 0.5 }, { code = "D9", share = 0.5 }"#),
            "zone.toml: operator \"op\": final_operations[1].code: D9 is an interim operation: declare the final \
             operations the interim mass goes to (write D9F",
        ),
        (company, "zone.toml: company \"a\": final_operations[0].code: R13 is an interim operation"),
        (
            declare(r#"{ code = "R3", share = 0.6 }, { code = "D10", share = 0.4 }"#),
            "zone.toml: operator \"op\": final_operations[0].mode: R3 may be recycling or other-recovery: say which \
             with mode",
        ),
        (
            declare(r#"{ code = "R4", mode = "energy-recovery", share = 1.0 }"#),
            "zone.toml: operator \"op\": final_operations[0].mode: R4 cannot be \"energy-recovery\"",
        ),
        (
            declare(r#"{ code = "D11", share = 1.0 }"#),
            "zone.toml: operator \"op\": final_operations[0].code: D11 is prohibited in France",
        ),
        (
            declare(r#"{ code = "R99", share = 1.0 }"#),
            "zone.toml: operator \"op\": final_operations[0].code: \"R99\" is not a treatment code",
        ),
        (
            declare(r#"{ code = "D10", share = 0.0 }, { code = "D1", share = 1.0 }"#),
            "zone.toml: operator \"op\": final_operations[0].share: 0: a share is a fraction above 0",
        ),
        (
            declare(r#"{ code = "D10", share = 0.5 }, { code = "D10", mode = "disposal", share = 0.5 }"#),
            "zone.toml: operator \"op\": final_operations[1].code: D10 is declared twice",
        ),
        (declare(r#"{ code = "D10", share = 1.0, note = "x" }"#), "unknown field `note`"),
    ];
    for (text, expected) in &cases {
        let errs = errors_of(text);
        assert!(errs.iter().any(|e| e.contains(expected)), "expected {expected:?} in {errs:#?}");
    }
}

/// A site's centre and geofence (`outside_geofence` events): each fault named with the fix.
#[test]
fn site_positions_are_checked_with_their_place() {
    let site = "siret = \"52601815500014\"";
    let cases = [
        (
            with(site, &format!("{site}\nlatitude = 50.43")),
            "zone.toml: site \"a-main\": longitude: missing: give both latitude and longitude, or neither",
        ),
        (
            with(site, &format!("{site}\nlongitude = 2.77")),
            "zone.toml: site \"a-main\": latitude: missing: give both latitude and longitude, or neither",
        ),
        (
            with(site, &format!("{site}\nlatitude = 2.77\nlongitude = 150.43\ngeofence_radius_m = 5")),
            "zone.toml: site \"a-main\": geofence_radius_m: 5 m: must be from 20 m (a GPS's error) to 20,000 m (e.g. 200)",
        ),
        (
            with(site, &format!("{site}\nlatitude = 250.43\nlongitude = 2.77")),
            "zone.toml: site \"a-main\": latitude: 250.43 is not a latitude: WGS 84 decimal degrees from -90 to 90",
        ),
        (
            with(site, &format!("{site}\nlatitude = 50.43\nlongitude = -277")),
            "zone.toml: site \"a-main\": longitude: -277 is not a longitude: WGS 84 decimal degrees from -180 to 180",
        ),
    ];
    for (text, expected) in cases {
        let errors = errors_of(&text);
        assert!(errors.iter().any(|e| e.starts_with(expected)), "{expected:?} not in {errors:?}");
    }
    let fine = with(site, &format!("{site}\nlatitude = 50.4312\nlongitude = 2.7645\ngeofence_radius_m = 150"));
    assert_eq!(errors_of(&fine), Vec::<String>::new());
    let zone = Zone::parse("zone.toml", &fine).unwrap();
    let s = zone.site("a-main").unwrap();
    assert_eq!((s.latitude, s.longitude, s.geofence_radius_m), (Some(50.4312), Some(2.7645), 150.0));
    // Without a radius, 200 m.
    let default = with(site, &format!("{site}\nlatitude = 50.4312\nlongitude = 2.7645"));
    assert_eq!(Zone::parse("zone.toml", &default).unwrap().site("a-main").unwrap().geofence_radius_m, 200.0);
}

/// Planning fields (docs/planning.md): vehicle capacities and collection windows, each refusal
/// at its place with the fix.
#[test]
fn planning_fields_are_checked_with_their_place() {
    let carrier = "[[transporters]]\nid = \"t\"\nname = \"T\"\nsiret = \"92137452600017\"\naddress = \"Rue de la Gare, 62300 Lens\"\nreceipt_exempt = true\nvehicle_volume_m3 = 40.0\nvehicle_mass_kg = 12000.0\n[[streams]]";
    let window = "destination = \"op\"\ntransporter = \"t\"\ncollection_window = { days = [\"mon\", \"thu\"], from = \"07:00\", to = \"16:00\" }";
    let good = with("[[streams]]", carrier).replacen("destination = \"op\"", window, 1);
    assert_eq!(errors_of(&good), Vec::<String>::new());
    let cases = [
        (
            good.replacen("vehicle_volume_m3 = 40.0", "vehicle_volume_m3 = 0.0", 1),
            "zone.toml: transporter \"t\": vehicle_volume_m3: 0: what one vehicle carries must be a positive number of cubic metres; leave the field out",
        ),
        (
            good.replacen("vehicle_mass_kg = 12000.0", "vehicle_mass_kg = -1.0", 1),
            "zone.toml: transporter \"t\": vehicle_mass_kg: -1: what one vehicle carries must be a positive number of kg",
        ),
        (
            good.replacen("\"thu\"", "\"thursday\"", 1),
            "zone.toml: container \"c\": collection_window.days: \"thursday\" is not a day; write mon, tue",
        ),
        (
            good.replacen("to = \"16:00\"", "to = \"06:00\"", 1),
            "zone.toml: container \"c\": collection_window.to: 06:00 is not after from = 07:00",
        ),
        (
            good.replacen("from = \"07:00\"", "from = \"7h\"", 1),
            "zone.toml: container \"c\": collection_window.from: \"7h\" is not a time of day; write HH:MM",
        ),
    ];
    for (text, want) in cases {
        let errs = errors_of(&text);
        assert!(errs.iter().any(|e| e.starts_with(want)), "want {want:?}, got {errs:?}");
    }
}
