//! Treatment operations (Waste Framework Directive 2008/98/EC, annexes I and II: R1 to R13
//! recovery, D1 to D15 disposal, and R0 for re-use as the French register writes it) and
//! treatment modes, the step of the waste hierarchy an operation achieves (article L541-1 of
//! the code de l'environnement). The modes and which operations allow which are those of
//! Trackdéchets, the French national waste-tracking service
//! (`libs/shared/constants/src/PROCESSING_OPERATIONS.ts`, `CODES_AND_EXPECTED_OPERATION_MODES`).
//!
//! One table, [`TREATMENT_OPERATIONS`], has a row per operation code; every list of codes
//! (the classes, the modes each allows, those prohibited, the landfills, the interim ones, the
//! ESRS categories) is read from it. `tests/documented_tables.rs` holds docs/kpis.md and the
//! SQL of `src/store/schema/views.sql` to it.

use serde::{Deserialize, Serialize};

/// An enum whose variants each have one name (in the zone file, the database, the views):
/// the same literal gives `name()`, serde's name and the variant's place in `ALL`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $name:literal, )*
        }
    ) => {
        $(#[$meta])*
        pub enum $ty {
            $( $(#[$vmeta])* #[serde(rename = $name)] $variant, )*
        }

        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &[$ty] = &[$($ty::$variant),*];

            /// Its name.
            pub fn name(self) -> &'static str {
                match self {
                    $( $ty::$variant => $name, )*
                }
            }
        }
    };
}

named_enum! {
    /// What a treatment achieves, for reporting (Waste Framework Directive annexes I and II).
    /// The name is the class stored in the `treatments` table and used by the KPI views.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub enum TreatmentClass {
        /// R0: preparing for re-use.
        ReUse = "re-use",
        /// R2 to R9 and R11: material recovery.
        Recycling = "recycling",
        /// R1: use principally as a fuel.
        EnergyRecovery = "energy-recovery",
        /// R10: land treatment resulting in benefit to agriculture or ecology.
        OtherRecovery = "other-recovery",
        /// D1 to D12, D9 only when declared final (D9F).
        Disposal = "disposal",
        /// R12, R13, D9 (unless declared final, D9F), D13, D14, D15: exchange, storage, repackaging
        /// or pre-treatment before a final treatment.
        Interim = "interim",
    }
}

named_enum! {
    /// The step of the waste hierarchy a final operation achieves, as the French register and
    /// Trackdéchets name them (REUTILISATION, RECYCLAGE, VALORISATION_ENERGETIQUE,
    /// AUTRES_VALORISATIONS, ELIMINATION). It, not the operation code alone, decides the
    /// reporting category. The name is the zone file's and the `containers.treatment_mode`
    /// column's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
    pub enum TreatmentMode {
        /// Preparation for re-use (REUTILISATION).
        ReUse = "re-use",
        /// Recycling and other material recovery (RECYCLAGE).
        Recycling = "recycling",
        /// Energy recovery (VALORISATION_ENERGETIQUE).
        EnergyRecovery = "energy-recovery",
        /// Other recovery, e.g. backfilling (AUTRES_VALORISATIONS).
        OtherRecovery = "other-recovery",
        /// Disposal (ELIMINATION).
        Disposal = "disposal",
    }
}

impl TreatmentMode {
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

named_enum! {
    /// Where an operation's mass falls among the categories of ESRS E5 §37 (GRI 306-3/4/5), as
    /// far as the operation decides it: the names are the categories of `kpi_esrs_e5_5`
    /// (docs/kpis.md). A stream that is not waste (by-product, end-of-waste) is reported apart
    /// whatever its operation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub enum EsrsCategory {
        /// R0, re-use of what never became waste (Directive 2008/98/EC art. 3(13)): outside
        /// §37.
        ReUseNotWaste = "re-use-not-waste",
        /// An interim operation: the mass is pending its final operation (not a category of
        /// the standards).
        Pending = "pending",
        /// §37(b), diverted from disposal: the declared mode says which of (i) preparation for
        /// re-use, (ii) recycling or (iii) other recovery (energy recovery included).
        Diverted = "diverted-from-disposal",
        /// §37(c)(i): incineration (without energy recovery, D10).
        Incineration = "incineration",
        /// §37(c)(ii): landfill (D1, D5, D12).
        Landfill = "landfill",
        /// §37(c)(iii): other disposal operations.
        OtherDisposal = "other-disposal",
    }
}

/// One treatment operation: its code and everything the code decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreatmentOperation {
    /// `R0`, `R1` to `R13`, `D1` to `D15`, or `D9F` (D9 declared final, as the French register
    /// writes it).
    pub code: &'static str,
    /// Its class (the legacy KPI views report by it).
    pub class: TreatmentClass,
    /// The modes it allows (Trackdéchets, `CODES_AND_EXPECTED_OPERATION_MODES`); none for an
    /// interim operation, whose mass is pending a final one.
    pub modes: &'static [TreatmentMode],
    /// Not allowed in France: a container may not name it.
    pub prohibited: bool,
    /// Its ESRS E5 §37 category.
    pub esrs: EsrsCategory,
    /// It reprocesses the waste into a material or substance (R2 solvent reclamation and
    /// regeneration, R9 oil re-refining): recycling within Directive 2008/98/EC art. 3(17)
    /// whatever mode the register line carries, never preparing for re-use, which is checking,
    /// cleaning or repairing (art. 3(16)).
    pub reprocesses: bool,
}

impl TreatmentOperation {
    /// The row of a code; `None` if it is not a treatment code (`r3`, `R01`, `R14`...).
    pub fn get(code: &str) -> Option<&'static TreatmentOperation> {
        TREATMENT_OPERATIONS.iter().find(|o| o.code == code)
    }

    /// An interim operation (R12, R13, D9 unless declared final, D13, D14, D15): exchange,
    /// storage, repackaging or pre-treatment before a final operation.
    pub fn is_interim(&self) -> bool {
        self.class == TreatmentClass::Interim
    }

    /// A landfilling (D1, D5, D12): the `treatments.landfill` column, the TGAP's landfill rate.
    pub fn is_landfill(&self) -> bool {
        self.esrs == EsrsCategory::Landfill
    }
}

/// A row of [`TREATMENT_OPERATIONS`], allowed in France.
const fn op(
    code: &'static str,
    class: TreatmentClass,
    modes: &'static [TreatmentMode],
    esrs: EsrsCategory,
) -> TreatmentOperation {
    TreatmentOperation { code, class, modes, prohibited: false, esrs, reprocesses: false }
}

/// A row of [`TREATMENT_OPERATIONS`] prohibited in France.
const fn prohibited(row: TreatmentOperation) -> TreatmentOperation {
    TreatmentOperation { prohibited: true, ..row }
}

/// A row of [`TREATMENT_OPERATIONS`] that reprocesses the waste (recycling whatever its mode).
const fn reprocessing(row: TreatmentOperation) -> TreatmentOperation {
    TreatmentOperation { reprocesses: true, ..row }
}

/// Every treatment operation, one row per code: R0 (re-use, as the French register writes it),
/// R1 to R13 (Directive 2008/98/EC annex II, recovery), D1 to D15 (annex I, disposal) and D9F
/// (D9 declared final). Columns:
/// - class: R0 re-use; R1 energy recovery; R2 to R9 and R11 recycling; R10 other recovery;
///   R12, R13, D9, D13, D14, D15 interim (their output goes on to another operation: D9 too,
///   unless declared final as D9F); the other D operations disposal;
/// - modes: Trackdéchets' `CODES_AND_EXPECTED_OPERATION_MODES`
///   (`libs/shared/constants/src/PROCESSING_OPERATIONS.ts`);
/// - prohibited: D6 (release into a water body) and D7 (release into seas and oceans) are not
///   allowed in France (Trackdéchets removed them as illegal, ticket TRA-15738 in the file
///   cited above); D11 (incineration at sea) is "prohibited by EU legislation and international
///   conventions" (Directive 2008/98/EC, annex I);
/// - ESRS category: landfill D1 (deposit into or onto land), D5 (specially engineered
///   landfill), D12 (permanent storage); incineration D10 (incineration on land); any other
///   final D operation other disposal;
/// - reprocesses: R2 (solvent reclamation/regeneration) and R9 (oil re-refining or other reuses
///   of oil) make a new material of the waste: recycling in ESRS E5 §37(b)(ii) even where
///   Trackdéchets allows the mode re-use (REUTILISATION).
pub const TREATMENT_OPERATIONS: [TreatmentOperation; 30] = {
    use EsrsCategory::{Diverted, Incineration, Landfill, OtherDisposal, Pending, ReUseNotWaste};
    use TreatmentClass::Interim;
    use TreatmentMode::{Disposal, EnergyRecovery, OtherRecovery, ReUse, Recycling};
    const R: TreatmentClass = TreatmentClass::Recycling;
    const D: TreatmentClass = TreatmentClass::Disposal;
    [
        op("R0", TreatmentClass::ReUse, &[ReUse], ReUseNotWaste),
        op("R1", TreatmentClass::EnergyRecovery, &[EnergyRecovery], Diverted),
        reprocessing(op("R2", R, &[ReUse, Recycling], Diverted)),
        op("R3", R, &[Recycling, OtherRecovery], Diverted),
        op("R4", R, &[Recycling], Diverted),
        op("R5", R, &[Recycling, OtherRecovery], Diverted),
        op("R6", R, &[ReUse, Recycling], Diverted),
        op("R7", R, &[ReUse], Diverted),
        op("R8", R, &[ReUse, Recycling], Diverted),
        reprocessing(op("R9", R, &[ReUse, Recycling, EnergyRecovery], Diverted)),
        op("R10", TreatmentClass::OtherRecovery, &[Recycling], Diverted),
        op("R11", R, &[Recycling, OtherRecovery, EnergyRecovery], Diverted),
        op("R12", Interim, &[], Pending),
        op("R13", Interim, &[], Pending),
        op("D1", D, &[Disposal], Landfill),
        op("D2", D, &[Disposal], OtherDisposal),
        op("D3", D, &[Disposal], OtherDisposal),
        op("D4", D, &[Disposal], OtherDisposal),
        op("D5", D, &[Disposal], Landfill),
        prohibited(op("D6", D, &[Disposal], OtherDisposal)),
        prohibited(op("D7", D, &[Disposal], OtherDisposal)),
        op("D8", D, &[Disposal], OtherDisposal),
        op("D9", Interim, &[], Pending),
        op("D10", D, &[Disposal], Incineration),
        prohibited(op("D11", D, &[Disposal], OtherDisposal)),
        op("D12", D, &[Disposal], Landfill),
        op("D13", Interim, &[], Pending),
        op("D14", Interim, &[], Pending),
        op("D15", Interim, &[], Pending),
        op("D9F", D, &[Disposal], OtherDisposal),
    ]
};

/// Why a treatment code, or the mode declared with it, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreatmentError {
    #[error("{0:?} is not a treatment code; use R0 (re-use), R1 to R13 or D1 to D15")]
    NotACode(String),
    #[error(
        "{0} is prohibited in France (D6 and D7 release into water and the sea, D11 incineration at sea): \
         name the operation the destination actually performs"
    )]
    Prohibited(String),
    #[error(
        "{code} is an interim operation (its mass is pending a final one) and has no mode; remove \
         treatment_mode = {mode:?}{}",
        if code == "D9" { ", or write D9F if this D9 is final" } else { "" }
    )]
    InterimHasNoMode { code: String, mode: &'static str },
    #[error("{code} may be {allowed}: say which with treatment_mode")]
    ModeMissing { code: String, allowed: String },
    #[error("{code} cannot be {mode:?}; it may be {allowed}")]
    ModeNotAllowed { code: String, mode: &'static str, allowed: String },
}

/// The row of a code, or why it is not one.
fn operation(code: &str) -> Result<&'static TreatmentOperation, TreatmentError> {
    TreatmentOperation::get(code).ok_or_else(|| TreatmentError::NotACode(code.to_string()))
}

/// Classifies a treatment code: `R0` (re-use), `R1`..`R13`, `D1`..`D15`, and `D9F` (D9 declared
/// final, as the French register writes it).
pub fn treatment_class(code: &str) -> Result<TreatmentClass, TreatmentError> {
    operation(code).map(|o| o.class)
}

/// Checks a treatment code a container names (see [`treatment_class`]); refuses the
/// operations prohibited in France.
pub fn check_treatment_code(code: &str) -> Result<(), TreatmentError> {
    if operation(code)?.prohibited {
        return Err(TreatmentError::Prohibited(code.to_string()));
    }
    Ok(())
}

/// The modes an operation allows; none for an interim operation (R12, R13, D9 unless final,
/// D13, D14, D15), whose mass is pending a final operation, or for what is not a code.
fn allowed_modes(code: &str) -> &'static [TreatmentMode] {
    TreatmentOperation::get(code).map_or(&[], |o| o.modes)
}

/// The mode of a container's treatment: the declared one, checked against the operation, or
/// the operation's only mode when none is declared. `None` for an interim operation.
pub fn treatment_mode(code: &str, declared: Option<TreatmentMode>) -> Result<Option<TreatmentMode>, TreatmentError> {
    let allowed = allowed_modes(code);
    let names = || allowed.iter().map(|m| m.name()).collect::<Vec<_>>().join(" or ");
    match (allowed, declared) {
        ([], None) => Ok(None),
        ([], Some(m)) => Err(TreatmentError::InterimHasNoMode { code: code.to_string(), mode: m.name() }),
        ([only], None) => Ok(Some(*only)),
        (_, None) => Err(TreatmentError::ModeMissing { code: code.to_string(), allowed: names() }),
        (_, Some(m)) if allowed.contains(&m) => Ok(Some(m)),
        (_, Some(m)) => {
            Err(TreatmentError::ModeNotAllowed { code: code.to_string(), mode: m.name(), allowed: names() })
        }
    }
}

/// Every treatment code with its class and whether it is landfilling (D1, D5, D12), in the
/// order of [`TREATMENT_OPERATIONS`].
pub fn all_treatments() -> Vec<(String, TreatmentClass, bool)> {
    TREATMENT_OPERATIONS.iter().map(|o| (o.code.to_string(), o.class, o.is_landfill())).collect()
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
        assert!(treatment_mode("R5", None).unwrap_err().to_string().contains("recycling or other-recovery"));
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
        assert!(treatment_mode("D9", Some(Disposal)).unwrap_err().to_string().contains("D9F"));
        assert_eq!(treatment_mode("D9F", None), Ok(Some(Disposal)));
        // Every final operation allows at least one mode.
        for (code, class, _) in all_treatments() {
            assert_eq!(allowed_modes(&code).is_empty(), class == TreatmentClass::Interim, "{code}");
        }
    }

    #[test]
    fn operations_prohibited_in_france_are_refused() {
        for code in ["D6", "D7", "D11"] {
            assert!(check_treatment_code(code).unwrap_err().to_string().contains("prohibited in France"), "{code}");
        }
        assert!(check_treatment_code("D10").is_ok() && check_treatment_code("D9F").is_ok());
    }

    /// The codes `R0` to `R13`, `D1` to `D15` and `D9F`, as the four tables before
    /// [`TREATMENT_OPERATIONS`] accepted them.
    fn old_codes() -> Vec<String> {
        (0..=13).map(|n| format!("R{n}")).chain((1..=15).map(|n| format!("D{n}"))).chain(["D9F".into()]).collect()
    }

    /// The tables the one table replaced, written out as they were: `treatment_class`'s match,
    /// `allowed_modes`' match, `PROHIBITED` and the landfill list of `all_treatments`.
    fn old_class(code: &str) -> Option<TreatmentClass> {
        use TreatmentClass::*;
        if code == "D9F" {
            return Some(Disposal);
        }
        let n: u8 = code[1..].parse().ok()?;
        Some(match (&code[..1], n) {
            ("R", 0) => ReUse,
            ("R", 1) => EnergyRecovery,
            ("R", 2..=9) | ("R", 11) => Recycling,
            ("R", 10) => OtherRecovery,
            ("R", 12 | 13) => Interim,
            ("D", 9) => Interim,
            ("D", 1..=12) => Disposal,
            ("D", 13..=15) => Interim,
            _ => return None,
        })
    }

    fn old_modes(code: &str) -> &'static [TreatmentMode] {
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

    const OLD_PROHIBITED: [&str; 3] = ["D6", "D7", "D11"];
    const OLD_LANDFILL: [&str; 3] = ["D1", "D5", "D12"];

    #[test]
    fn the_table_says_what_the_old_tables_said() {
        let codes: Vec<&str> = TREATMENT_OPERATIONS.iter().map(|o| o.code).collect();
        assert_eq!(codes, old_codes(), "one row per code, in the old order");
        for o in &TREATMENT_OPERATIONS {
            assert_eq!(Some(o.class), old_class(o.code), "{}: class", o.code);
            assert_eq!(o.modes, old_modes(o.code), "{}: modes", o.code);
            assert_eq!(o.prohibited, OLD_PROHIBITED.contains(&o.code), "{}: prohibited", o.code);
            assert_eq!(o.is_landfill(), OLD_LANDFILL.contains(&o.code), "{}: landfill", o.code);
        }
        let landfills: Vec<String> = all_treatments().into_iter().filter(|t| t.2).map(|t| t.0).collect();
        assert_eq!(landfills, OLD_LANDFILL);
    }

    #[test]
    fn each_code_has_exactly_one_row() {
        for o in &TREATMENT_OPERATIONS {
            assert_eq!(TREATMENT_OPERATIONS.iter().filter(|p| p.code == o.code).count(), 1, "{}", o.code);
            assert_eq!(TreatmentOperation::get(o.code), Some(o));
        }
        for bad in ["R14", "D0", "D16", "X1", "R", "", "r3", "R+1", "R01", "D9f", "R9F", " R1"] {
            assert_eq!(TreatmentOperation::get(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn interim_pending_and_modeless_are_the_same_operations() {
        let interim: Vec<&str> = TREATMENT_OPERATIONS.iter().filter(|o| o.is_interim()).map(|o| o.code).collect();
        assert_eq!(interim, ["R12", "R13", "D9", "D13", "D14", "D15"]);
        for o in &TREATMENT_OPERATIONS {
            assert_eq!(o.modes.is_empty(), o.is_interim(), "{}: an interim operation and only one has no mode", o.code);
            assert_eq!(o.esrs == EsrsCategory::Pending, o.is_interim(), "{}", o.code);
        }
        // D9 is interim unless declared final, D9F.
        let d9f = TreatmentOperation::get("D9F").unwrap();
        assert!(!d9f.is_interim() && d9f.class == TreatmentClass::Disposal);
    }

    #[test]
    fn the_esrs_category_follows_the_modes() {
        use EsrsCategory::*;
        for o in &TREATMENT_OPERATIONS {
            let disposal = o.modes == [TreatmentMode::Disposal];
            match o.esrs {
                ReUseNotWaste => assert_eq!(o.code, "R0"),
                Pending => assert!(o.modes.is_empty(), "{}", o.code),
                // Diverted from disposal: the mode says which recovery; none is disposal.
                Diverted => assert!(!o.modes.is_empty() && !o.modes.contains(&TreatmentMode::Disposal), "{}", o.code),
                Incineration | Landfill | OtherDisposal => assert!(disposal, "{}", o.code),
            }
            assert_eq!(o.class == TreatmentClass::Disposal, disposal, "{}: class disposal is mode disposal", o.code);
        }
        let with =
            |c: EsrsCategory| TREATMENT_OPERATIONS.iter().filter(|o| o.esrs == c).map(|o| o.code).collect::<Vec<_>>();
        assert_eq!(with(Incineration), ["D10"]);
        assert_eq!(with(Landfill), ["D1", "D5", "D12"]);
        assert_eq!(with(ReUseNotWaste), ["R0"]);
        // Only final disposals are prohibited.
        assert!(TREATMENT_OPERATIONS.iter().filter(|o| o.prohibited).all(|o| o.class == TreatmentClass::Disposal));
    }

    #[test]
    fn names_are_serde_names() {
        for c in TreatmentClass::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.name(), "{c:?}");
        }
        for m in TreatmentMode::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.name(), "{m:?}");
            assert_eq!(serde_json::from_value::<TreatmentMode>(m.name().into()).unwrap(), *m);
        }
        for e in EsrsCategory::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name(), "{e:?}");
        }
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            TreatmentClass::ALL.iter().map(|c| c.name().to_string()).collect::<Vec<_>>(),
            names(&["re-use", "recycling", "energy-recovery", "other-recovery", "disposal", "interim"])
        );
        assert_eq!(
            TreatmentMode::ALL.iter().map(|m| m.name().to_string()).collect::<Vec<_>>(),
            names(&["re-use", "recycling", "energy-recovery", "other-recovery", "disposal"])
        );
    }
}
