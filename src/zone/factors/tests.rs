use super::*;
use crate::zone::Zone;
use std::collections::HashSet;

const ZONE: &str = r#"
name = "z"
[[companies]]
id = "a"
siren = "526018155"
name = "A"
[[streams]]
id = "scrap"
ewc = "12 01 01"
description = "steel"
[[streams]]
id = "oil"
ewc = "13 02 05*"
description = "oil"
"#;

fn zone(extra: &str) -> ZoneFile {
    Zone::parse("zone.toml", &format!("{ZONE}{extra}")).unwrap_or_else(|e| panic!("{e:?}")).file
}

#[test]
fn the_shipped_reference_reads_and_cites_every_figure() {
    let r = reference();
    let mut keys = HashSet::new();
    for t in &r.tgap {
        assert!(!t.source.trim().is_empty());
        for (category, rate) in t.rates() {
            assert!(rate >= 0.0 && keys.insert((t.year, category)), "{t:?}");
        }
    }
    let mut priced = HashSet::new();
    for c in &r.costs {
        assert!(!c.source.trim().is_empty() && c.eur_per_tonne.is_finite(), "{c:?}");
        assert_eq!(c.material.is_some(), c.ewc.is_some(), "a material names its codes: {c:?}");
        // One reference cost per treatment and code (None: every other code).
        for code in c.ewc.clone().map_or(vec![None], |v| v.into_iter().map(Some).collect()) {
            let code = code.map(|c| accepted_code(&c).unwrap_or_else(|why| panic!("{c}: {why}")));
            assert!(priced.insert((c.treatment.clone(), code.clone())), "{} {code:?} priced twice", c.treatment);
        }
    }
    let mut codes = HashSet::new();
    for e in &r.emissions {
        assert!(!e.source.trim().is_empty() && e.kg_co2e_per_tonne.is_finite(), "{e:?}");
        for code in &e.ewc {
            let code = accepted_code(code).unwrap_or_else(|why| panic!("{code}: {why}"));
            assert!(codes.insert(code.clone()), "{code} has two reference factors");
        }
    }
}

#[test]
fn the_zone_overrides_the_reference_key_by_key() {
    let reference: ReferenceFactors = toml::from_str(
        r#"
        tgap = [{ year = 2025, category = "non-hazardous-landfill", eur_per_tonne = 65.0, source = "law" },
                { year = 2025, category = "hazardous-incineration", eur_per_tonne = 15.0, source = "law" }]
        costs = [{ treatment = "D1", eur_per_tonne = 100.0, source = "survey" }]
        emissions = [{ material = "ferrous", ewc = ["12 01 01"], kg_co2e_per_tonne = 1000.0, source = "study" }]
        "#,
    )
    .unwrap();
    // The zone's own landfill rate (the earlier key), its D1 quote, nothing for the scrap.
    let f = zone(
        r#"
[factors]
tgap = [{ year = 2025, landfill_eur_per_tonne = 70.0, source = "our landfill's invoice" }]
costs = [{ treatment = "D1", eur_per_tonne = 90.0, source = "quote" }]
"#,
    );
    let e = effective_with(&f, &reference);
    assert_eq!((e.baseline.as_str(), e.hazardous_baseline.as_str()), ("D1", "D10"));
    let tgap: Vec<(TgapCategory, f64, Origin)> =
        e.tgap.iter().map(|t| (t.category, t.eur_per_tonne, t.origin)).collect();
    assert_eq!(
        tgap,
        vec![
            (TgapCategory::NonHazardousLandfill, 70.0, Origin::Zone),
            (TgapCategory::HazardousIncineration, 15.0, Origin::Reference),
        ]
    );
    assert_eq!(e.costs.len(), 1);
    assert_eq!((e.costs[0].eur_per_tonne, e.costs[0].origin), (90.0, Origin::Zone));
    // The reference factor is the code's, whatever stream has that code now: a flow is factored
    // by the code it was weighed under. No factor is made up for the oil's code.
    assert_eq!(e.emissions.len(), 1);
    let r = &e.emissions[0];
    assert_eq!((r.stream.as_deref(), r.ewc.as_deref(), r.origin), (None, Some("12 01 01"), Origin::Reference));
    assert_eq!(r.source, "ferrous: study");

    // The zone's factor for the stream is written beside it; the views take the stream's first.
    let f = zone(
        r#"
[factors]
emissions = [{ stream = "scrap", kg_co2e_per_tonne = 1500.0, source = "our LCA" }]
"#,
    );
    let e = effective_with(&f, &reference);
    let rows: Vec<(Option<&str>, Option<&str>, f64, Origin)> =
        e.emissions.iter().map(|r| (r.stream.as_deref(), r.ewc.as_deref(), r.kg_co2e_per_tonne, r.origin)).collect();
    assert_eq!(
        rows,
        vec![(Some("scrap"), None, 1500.0, Origin::Zone), (None, Some("12 01 01"), 1000.0, Origin::Reference)]
    );
}

#[test]
fn a_reference_cost_by_material_prices_its_codes_until_the_zone_prices_the_treatment() {
    let reference: ReferenceFactors = toml::from_str(
        r#"
        costs = [{ treatment = "R4", material = "ferrous metals", ewc = ["12 01 01", "120102"], eur_per_tonne = -100.0, source = "index" },
                 { treatment = "R4", eur_per_tonne = 5.0, source = "any other" }]
        "#,
    )
    .unwrap();
    let e = effective_with(&zone(""), &reference);
    let rows: Vec<(Option<&str>, f64, &str)> =
        e.costs.iter().map(|c| (c.ewc.as_deref(), c.eur_per_tonne, c.source.as_str())).collect();
    // Every listed code, written as the registry writes codes, whether a stream has it or not.
    assert_eq!(
        rows,
        vec![
            (Some("12 01 01"), -100.0, "ferrous metals: index"),
            (Some("12 01 02"), -100.0, "ferrous metals: index"),
            (None, 5.0, "any other")
        ]
    );

    // A zone price of R4 at one destination leaves the reference for the others; at any
    // destination, it replaces both reference rows.
    let f = zone(
        r#"
[[operators]]
id = "dealer"
name = "Dealer"
[factors]
costs = [{ treatment = "R4", destination = "dealer", eur_per_tonne = -120.0, source = "contract" }]
"#,
    );
    assert_eq!(effective_with(&f, &reference).costs.len(), 4);
    let f = zone(
        r#"
[factors]
costs = [{ treatment = "R4", eur_per_tonne = -110.0, source = "contract" }]
"#,
    );
    let e = effective_with(&f, &reference);
    assert_eq!(e.costs.len(), 1);
    assert_eq!((e.costs[0].ewc.as_deref(), e.costs[0].origin), (None, Origin::Zone));
}
