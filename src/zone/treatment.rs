//! Treatment operations (Waste Framework Directive 2008/98/EC, annexes I and II: R1 to R13
//! recovery, D1 to D15 disposal, and R0 for re-use as the French register writes it) and
//! treatment modes, the step of the waste hierarchy an operation achieves (article L541-1 of
//! the code de l'environnement). The modes and which operations allow which are those of
//! Trackdéchets, the French national waste-tracking service
//! (`libs/shared/constants/src/PROCESSING_OPERATIONS.ts`, `CODES_AND_EXPECTED_OPERATION_MODES`).

use serde::{Deserialize, Serialize};

/// What a treatment achieves, for reporting (Waste Framework Directive annexes I and II).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreatmentClass {
    /// R0: preparing for re-use.
    ReUse,
    /// R2 to R9 and R11: material recovery.
    Recycling,
    /// R1: use principally as a fuel.
    EnergyRecovery,
    /// R10: land treatment resulting in benefit to agriculture or ecology.
    OtherRecovery,
    /// D1 to D12.
    Disposal,
    /// R12, R13, D9 (unless declared final, D9F), D13, D14, D15: exchange, storage, repackaging
    /// or pre-treatment before a final treatment.
    Interim,
}

impl TreatmentClass {
    /// The class name stored in the `treatments` table and used by the KPI views.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReUse => "re-use",
            Self::Recycling => "recycling",
            Self::EnergyRecovery => "energy-recovery",
            Self::OtherRecovery => "other-recovery",
            Self::Disposal => "disposal",
            Self::Interim => "interim",
        }
    }
}

/// Classifies a treatment code: `R0` (re-use), `R1`..`R13`, `D1`..`D15`, and `D9F` (D9 declared
/// final, as the French register writes it).
pub fn treatment_class(code: &str) -> Result<TreatmentClass, String> {
    if code == "D9F" {
        return Ok(TreatmentClass::Disposal);
    }
    let err = || format!("{code:?} is not a treatment code; use R0 (re-use), R1 to R13 or D1 to D15");
    let (letter, number) = code.split_at_checked(1).ok_or_else(err)?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || (number.len() > 1 && number.starts_with('0'))
    {
        return Err(err());
    }
    let n: u8 = number.parse().map_err(|_| err())?;
    use TreatmentClass::*;
    Ok(match (letter, n) {
        ("R", 0) => ReUse,
        ("R", 1) => EnergyRecovery,
        ("R", 2..=9) | ("R", 11) => Recycling,
        ("R", 10) => OtherRecovery,
        ("R", 12 | 13) => Interim,
        // D9 is interim unless declared final (D9F): its output goes on to another operation.
        ("D", 9) => Interim,
        ("D", 1..=12) => Disposal,
        ("D", 13..=15) => Interim,
        _ => return Err(err()),
    })
}

/// Operations a container may not name: D6 (release into a water body) and D7 (release into
/// seas and oceans) are not allowed in France (Trackdéchets removed them as illegal, ticket
/// TRA-15738 in the file cited above); D11 (incineration at sea) is "prohibited by EU
/// legislation and international conventions" (Directive 2008/98/EC, annex I).
const PROHIBITED: [&str; 3] = ["D6", "D7", "D11"];

/// Checks a treatment code a container names (see [`treatment_class`]); refuses the
/// operations prohibited in France.
pub fn check_treatment_code(code: &str) -> Result<(), String> {
    treatment_class(code)?;
    if PROHIBITED.contains(&code) {
        return Err(format!(
            "{code} is prohibited in France (D6 and D7 release into water and the sea, D11 incineration at sea): \
             name the operation the destination actually performs"
        ));
    }
    Ok(())
}

/// The step of the waste hierarchy a final operation achieves, as the French register and
/// Trackdéchets name them (REUTILISATION, RECYCLAGE, VALORISATION_ENERGETIQUE,
/// AUTRES_VALORISATIONS, ELIMINATION). It, not the operation code alone, decides the
/// reporting category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreatmentMode {
    /// Preparation for re-use (REUTILISATION).
    ReUse,
    /// Recycling and other material recovery (RECYCLAGE).
    Recycling,
    /// Energy recovery (VALORISATION_ENERGETIQUE).
    EnergyRecovery,
    /// Other recovery, e.g. backfilling (AUTRES_VALORISATIONS).
    OtherRecovery,
    /// Disposal (ELIMINATION).
    Disposal,
}

impl TreatmentMode {
    /// The name in the zone file and the `containers.treatment_mode` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReUse => "re-use",
            Self::Recycling => "recycling",
            Self::EnergyRecovery => "energy-recovery",
            Self::OtherRecovery => "other-recovery",
            Self::Disposal => "disposal",
        }
    }

    /// The national register's name.
    pub fn register_name(self) -> &'static str {
        match self {
            Self::ReUse => "REUTILISATION",
            Self::Recycling => "RECYCLAGE",
            Self::EnergyRecovery => "VALORISATION_ENERGETIQUE",
            Self::OtherRecovery => "AUTRES_VALORISATIONS",
            Self::Disposal => "ELIMINATION",
        }
    }
}

/// The modes an operation allows; none for an interim operation (R12, R13, D9 unless final,
/// D13, D14, D15), whose mass is pending a final operation.
pub fn allowed_modes(code: &str) -> &'static [TreatmentMode] {
    use TreatmentMode::*;
    match code {
        "D1" | "D2" | "D3" | "D4" | "D5" | "D6" | "D7" | "D8" | "D9F" | "D10" | "D11" | "D12" => &[Disposal],
        "R0" => &[ReUse],
        "R1" => &[EnergyRecovery],
        "R2" | "R6" | "R8" => &[ReUse, Recycling],
        "R3" | "R5" => &[Recycling, OtherRecovery],
        "R4" | "R10" => &[Recycling],
        "R7" => &[ReUse],
        "R9" => &[ReUse, Recycling, EnergyRecovery],
        "R11" => &[Recycling, OtherRecovery, EnergyRecovery],
        _ => &[],
    }
}

/// The mode of a container's treatment: the declared one, checked against the operation, or
/// the operation's only mode when none is declared. `None` for an interim operation.
pub fn treatment_mode(code: &str, declared: Option<TreatmentMode>) -> Result<Option<TreatmentMode>, String> {
    let allowed = allowed_modes(code);
    let names = || allowed.iter().map(|m| m.name()).collect::<Vec<_>>().join(" or ");
    match (allowed, declared) {
        ([], None) => Ok(None),
        ([], Some(m)) => Err(format!(
            "{code} is an interim operation (its mass is pending a final one) and has no mode; remove \
             treatment_mode = {:?}{}",
            m.name(),
            if code == "D9" { ", or write D9F if this D9 is final" } else { "" }
        )),
        ([only], None) => Ok(Some(*only)),
        (_, None) => Err(format!("{code} may be {}: say which with treatment_mode", names())),
        (_, Some(m)) if allowed.contains(&m) => Ok(Some(m)),
        (_, Some(m)) => Err(format!("{code} cannot be {:?}; it may be {}", m.name(), names())),
    }
}

/// Every treatment code with its class and whether it is landfilling (D1, D5, D12).
pub fn all_treatments() -> Vec<(String, TreatmentClass, bool)> {
    let r = (0..=13).map(|n| format!("R{n}"));
    let d = (1..=15).map(|n| format!("D{n}")).chain(["D9F".to_string()]);
    r.chain(d)
        .filter_map(|c| {
            treatment_class(&c).ok().map(|class| (c.clone(), class, matches!(c.as_str(), "D1" | "D5" | "D12")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treatment_codes_and_classes() {
        assert_eq!(treatment_class("R0"), Ok(TreatmentClass::ReUse));
        assert_eq!(treatment_class("R1"), Ok(TreatmentClass::EnergyRecovery));
        assert_eq!(treatment_class("R5"), Ok(TreatmentClass::Recycling));
        assert_eq!(treatment_class("R10"), Ok(TreatmentClass::OtherRecovery));
        assert_eq!(treatment_class("R13"), Ok(TreatmentClass::Interim));
        assert_eq!(treatment_class("D1"), Ok(TreatmentClass::Disposal));
        assert_eq!(treatment_class("D15"), Ok(TreatmentClass::Interim));
        for bad in ["R14", "D0", "D16", "X1", "R", "", "r3", "R+1", "R01"] {
            assert!(treatment_class(bad).is_err(), "{bad}");
        }
        // R0 to R13, D1 to D15, and D9F.
        assert_eq!(all_treatments().len(), 30);
        assert_eq!(all_treatments().iter().filter(|t| t.2).count(), 3);
    }

    #[test]
    fn modes_follow_the_operation() {
        use TreatmentMode::*;
        // R5 (recycling of other inorganic materials) may be recycling or other recovery
        // (backfilling): the registry must say which.
        assert!(treatment_mode("R5", None).unwrap_err().contains("recycling or other-recovery"));
        assert_eq!(treatment_mode("R5", Some(OtherRecovery)), Ok(Some(OtherRecovery)));
        assert!(treatment_mode("R5", Some(EnergyRecovery)).is_err());
        // R1 allows one mode only: it need not be written.
        assert_eq!(treatment_mode("R1", None), Ok(Some(EnergyRecovery)));
        assert_eq!(treatment_mode("D1", None), Ok(Some(Disposal)));
        // Interim operations have none: their mass is pending a final operation.
        for interim in ["R12", "R13", "D9", "D13", "D14", "D15"] {
            assert_eq!(treatment_mode(interim, None), Ok(None), "{interim}");
            assert!(treatment_mode(interim, Some(Disposal)).is_err(), "{interim}");
        }
        assert!(treatment_mode("D9", Some(Disposal)).unwrap_err().contains("D9F"));
        assert_eq!(treatment_mode("D9F", None), Ok(Some(Disposal)));
        // Every final operation allows at least one mode.
        for (code, class, _) in all_treatments() {
            assert_eq!(allowed_modes(&code).is_empty(), class == TreatmentClass::Interim, "{code}");
        }
    }

    #[test]
    fn operations_prohibited_in_france_are_refused() {
        for code in ["D6", "D7", "D11"] {
            assert!(check_treatment_code(code).unwrap_err().contains("prohibited in France"), "{code}");
        }
        assert!(check_treatment_code("D10").is_ok() && check_treatment_code("D9F").is_ok());
    }
}
