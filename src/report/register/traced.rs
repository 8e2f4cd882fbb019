//! Waste traced by a Trackdéchets slip (bordereau de suivi). Hazardous waste and waste
//! containing persistent organic pollutants travel under a slip (code de l'environnement,
//! R. 541-45), and Trackdéchets transmits the slips' data to the national register itself
//! (R. 541-45 III): the import file leaves these shipments out, the internal register keeps
//! them with their slip type.
//!
//! Which slip: the waste codes that only one special slip takes are those of Trackdéchets'
//! `libs/shared/constants/src/WASTES.ts` (`bsffOnlyWasteCodes`, `bsdaOnlyWasteCodes`,
//! `bsdasriOnlyWasteCodes`, `BSVHU_WASTE_CODES`), repository `MTES-MCT/trackdechets`, commit
//! 779f59bf47dc94712a476946cb8c55873f7b690a; every other hazardous or POP waste travels under
//! a BSDD.

/// A Trackdéchets slip type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlipType {
    /// Bordereau de suivi de déchets dangereux (hazardous or POP waste).
    Bsdd,
    /// Bordereau de suivi de déchets d'amiante (asbestos).
    Bsda,
    /// Bordereau de suivi de fluides frigorigènes (fluorinated fluids).
    Bsff,
    /// Bordereau de suivi de déchets d'activités de soins à risques infectieux.
    Bsdasri,
    /// Bordereau de suivi de véhicules hors d'usage (end-of-life vehicles).
    Bsvhu,
}

/// Asbestos codes only the BSDA takes (`bsdaOnlyWasteCodes`).
const BSDA_ONLY: [&str; 7] =
    ["06 07 01*", "06 13 04*", "10 13 09*", "16 01 11*", "16 02 12*", "17 06 01*", "17 06 05*"];
/// Fluid codes only the BSFF takes (`bsffOnlyWasteCodes`).
const BSFF_ONLY: [&str; 1] = ["14 06 01*"];
/// Healthcare codes only the BSDASRI takes (`bsdasriOnlyWasteCodes`).
const BSDASRI_ONLY: [&str; 2] = ["18 01 03*", "18 02 02*"];
/// End-of-life vehicle codes (`BSVHU_WASTE_CODES`), the non-hazardous one included.
const BSVHU: [&str; 2] = ["16 01 06", "16 01 04*"];

impl SlipType {
    /// The slip a shipment of this waste travels under, if any: `ewc` as the registry holds it
    /// (`NN NN NN`, with `*` when the List of Waste marks it hazardous).
    pub fn of(ewc: &str, hazardous: bool, pop: bool) -> Option<SlipType> {
        if BSVHU.contains(&ewc) {
            return Some(SlipType::Bsvhu);
        }
        if BSDA_ONLY.contains(&ewc) {
            Some(SlipType::Bsda)
        } else if BSFF_ONLY.contains(&ewc) {
            Some(SlipType::Bsff)
        } else if BSDASRI_ONLY.contains(&ewc) {
            Some(SlipType::Bsdasri)
        } else if hazardous || pop {
            Some(SlipType::Bsdd)
        } else {
            None
        }
    }

    /// Its name as Trackdéchets writes it.
    pub fn name(self) -> &'static str {
        match self {
            SlipType::Bsdd => "BSDD",
            SlipType::Bsda => "BSDA",
            SlipType::Bsff => "BSFF",
            SlipType::Bsdasri => "BSDASRI",
            SlipType::Bsvhu => "BSVHU",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SlipType::{self, *};

    #[test]
    fn each_traced_waste_names_its_own_slip() {
        assert_eq!(SlipType::of("13 02 05*", true, false), Some(Bsdd));
        assert_eq!(SlipType::of("17 06 05*", true, false), Some(Bsda));
        assert_eq!(SlipType::of("17 06 01*", true, false), Some(Bsda));
        assert_eq!(SlipType::of("14 06 01*", true, false), Some(Bsff));
        assert_eq!(SlipType::of("18 01 03*", true, false), Some(Bsdasri));
        assert_eq!(SlipType::of("16 01 04*", true, false), Some(Bsvhu));
        assert_eq!(SlipType::of("16 01 06", false, false), Some(Bsvhu));
        // POP waste without `*` travels like hazardous waste.
        assert_eq!(SlipType::of("17 09 04", false, true), Some(Bsdd));
        assert_eq!(SlipType::of("20 03 01", false, false), None);
    }
}
