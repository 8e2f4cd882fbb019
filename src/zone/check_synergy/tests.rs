use crate::zone::Zone;

const VALID: &str = r#"
name = "z"
[[companies]]
id = "a"
siren = "526018155"
name = "A"
accepts = [{ ewc = "17 01 07", treatment = "R5", treatment_mode = "recycling", max_tonnes_per_month = 40.0 }]
[[companies]]
id = "b"
siren = "908301666"
name = "B"
[[operators]]
id = "op"
name = "Operator"
[[streams]]
id = "s"
ewc = "17 01 07"
description = "mineral mix"
[factors]
baseline_treatment = "D1"
tgap = [{ year = 2025, landfill_eur_per_tonne = 65.0, source = "s" }]
costs = [{ treatment = "D1", destination = "op", eur_per_tonne = 80.0, source = "quote" }]
emissions = [{ stream = "s", kg_co2e_per_tonne = 10.0, source = "study" }]
"#;

fn errors_of(text: &str) -> Vec<String> {
    Zone::parse("zone.toml", text).err().map(|e| e.0.iter().map(ToString::to_string).collect()).unwrap_or_default()
}

fn with(replace: &str, by: &str) -> String {
    assert!(VALID.contains(replace), "{replace}");
    VALID.replacen(replace, by, 1)
}

#[test]
fn valid_declarations_are_valid() {
    assert_eq!(errors_of(VALID), Vec::<String>::new());
}

/// Each bad value, with the place and the fix it must be reported with.
#[test]
fn bad_declarations_are_named_with_their_fix() {
    let cases = [
        (
            with("ewc = \"17 01 07\", treatment", "ewc = \"17 01 99\", treatment"),
            "zone.toml: company \"a\": accepts[0].ewc: \"17 01 99\" is not on the European List of Waste",
        ),
        (
            with("ewc = \"17 01 07\", treatment", "ewc = \"13 02 05\", treatment"),
            "zone.toml: company \"a\": accepts[0].ewc: \"13 02 05\": 13 02 05* is a hazardous entry",
        ),
        (
            with("treatment = \"R5\", treatment_mode = \"recycling\"", "treatment = \"D6\""),
            "zone.toml: company \"a\": accepts[0].treatment: D6 is prohibited in France",
        ),
        (
            with("treatment = \"R5\", treatment_mode = \"recycling\"", "treatment = \"R13\""),
            "zone.toml: company \"a\": accepts[0].treatment: R13 is an interim operation",
        ),
        (
            with("treatment = \"R5\", treatment_mode = \"recycling\"", "treatment = \"R5\""),
            "zone.toml: company \"a\": accepts[0].treatment_mode: R5 may be recycling or other-recovery",
        ),
        (
            with("max_tonnes_per_month = 40.0", "max_tonnes_per_month = -3.0"),
            "zone.toml: company \"a\": accepts[0].max_tonnes_per_month: -3: write the most it can take",
        ),
        (
            with("max_tonnes_per_month = 40.0 }]", "max_tonnes_per_month = 40.0 }, { ewc = \"170107\", treatment = \"R5\", treatment_mode = \"recycling\", max_tonnes_per_month = 1.0 }]"),
            "zone.toml: company \"a\": accepts[1].ewc: 17 01 07 is accepted for R5 twice",
        ),
        (
            with("baseline_treatment = \"D1\"", "baseline_treatment = \"R5\""),
            "zone.toml: factors: baseline_treatment: R5 is not a disposal operation",
        ),
        (
            with("year = 2025", "year = 1990"),
            "zone.toml: factors: tgap[0].year: 1990: a year of the TGAP, 1999 or later",
        ),
        (
            with("landfill_eur_per_tonne = 65.0", "landfill_eur_per_tonne = -65.0"),
            "zone.toml: factors: tgap[0].landfill_eur_per_tonne: -65: a rate in EUR per tonne, 0 or more",
        ),
        (
            with("baseline_treatment = \"D1\"", "baseline_treatment = \"D1\"\nhazardous_baseline_treatment = \"R1\""),
            "zone.toml: factors: hazardous_baseline_treatment: R1 is not a disposal operation",
        ),
        (
            with(
                "source = \"s\" }]",
                "source = \"s\" }, { year = 2025, category = \"non-hazardous-landfill\", eur_per_tonne = 70.0, source = \"s\" }]",
            ),
            "zone.toml: factors: tgap[1].year: 2025 non-hazardous-landfill is given twice",
        ),
        (
            with("landfill_eur_per_tonne = 65.0", "category = \"hazardous-landfill\""),
            "zone.toml: factors: tgap[0].eur_per_tonne: write both: { year, category, eur_per_tonne, source }",
        ),
        (
            with("landfill_eur_per_tonne = 65.0, source = \"s\"", "landfill_eur_per_tonne = 65.0, source = \" \""),
            "zone.toml: factors: tgap[0].source: name where the figure comes from",
        ),
        (
            with("destination = \"op\"", "destination = \"nowhere\""),
            "zone.toml: factors: costs[0].destination: \"nowhere\" is neither a company nor an operator",
        ),
        (
            with("costs = [{ treatment = \"D1\"", "costs = [{ treatment = \"D16\""),
            "zone.toml: factors: costs[0].treatment: \"D16\" is not a treatment code",
        ),
        (
            with("stream = \"s\", kg", "stream = \"t\", kg"),
            "zone.toml: factors: emissions[0].stream: no stream \"t\" in the registry",
        ),
        (
            with("kg_co2e_per_tonne = 10.0, source = \"study\"", "kg_co2e_per_tonne = 10.0, source = \"\""),
            "zone.toml: factors: emissions[0].source: name where the figure comes from",
        ),
    ];
    for (text, want) in cases {
        let errors = errors_of(&text);
        assert!(errors.iter().any(|e| e.starts_with(want)), "want {want:?}, got {errors:?}");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
