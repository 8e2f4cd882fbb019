//! Identifiers and codes of the waste world: List of Waste codes (checked against the embedded
//! list, [`super::list_of_waste`]) and French company (SIREN) and establishment (SIRET)
//! numbers. Treatment operations are in [`super::treatment`].

use super::field_error::FieldError;
use super::list_of_waste::{list_of_waste, WasteEntry};

/// Checks a List of Waste code: six digits written as three pairs (`17 01 01`, spaces
/// optional), chapter 01 to 20, on the European List of Waste ([`super::list_of_waste`]), with
/// the `*` exactly when the list marks the entry hazardous. Returns whether it is hazardous.
pub fn check_ewc_code(code: &str) -> Result<bool, FieldError> {
    written_code(code).map(|(entry, _)| entry.hazardous)
}

/// The list's entry for a written code, and whether it was written with `*`.
fn written_code(code: &str) -> Result<(&'static WasteEntry, bool), FieldError> {
    // One optional `*` right after the digits: "17 01 06*", not "17 01 06 *" or "17 01 06**".
    let trimmed = code.trim();
    let (body, asterisk) = match trimmed.strip_suffix('*') {
        Some(b) => (b, true),
        None => (trimmed, false),
    };
    let digits: String = body.chars().filter(|c| *c != ' ').collect();
    let pairs_ok = body.split(' ').all(|p| p.len() == 2) || !body.contains(' ');
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) || !pairs_ok {
        return Err(FieldError::NotAWasteCode(code.to_string()));
    }
    // Two ASCII digits: always a number.
    let chapter: u8 = digits[..2].parse().map_err(|_| FieldError::NotAWasteCode(code.to_string()))?;
    if !(1..=20).contains(&chapter) {
        return Err(FieldError::NoSuchChapter { code: code.to_string(), chapter });
    }
    let normal = format!("{} {} {}", &digits[..2], &digits[2..4], &digits[4..]);
    let list = list_of_waste();
    let Some(entry) = list.get(&normal) else {
        let closest: Vec<String> = list
            .closest(&normal, 3)
            .iter()
            .map(|e| format!("{}{}", e.code, if e.hazardous { "*" } else { "" }))
            .collect();
        return Err(FieldError::NotOnTheList { code: code.to_string(), closest });
    };
    match (entry.hazardous, asterisk) {
        (true, false) => Err(FieldError::AsteriskMissing { code: code.to_string(), normal }),
        (false, true) => Err(FieldError::AsteriskRefused { code: code.to_string(), normal }),
        _ => Ok((entry, asterisk)),
    }
}

/// A material stream's code as the registry holds it: normalised, and hazardous from the list
/// or, for the non-hazardous half of a mirror pair, by an assessment of its composition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCode {
    /// `NN NN NN`, with `*` when the list marks it hazardous.
    pub code: String,
    /// Hazardous by the list, or declared so for a mirror entry.
    pub hazardous: bool,
}

/// Checks a stream's code and what the registry declares about it: `declared` is the
/// stream's `hazardous` field (absent: as the list says), `assessment` its
/// `hazard_assessment` note. An asterisk code is always hazardous; a non-asterisk code may be
/// declared hazardous only if it is the non-hazardous half of a mirror pair (e.g. 17 01 07 of
/// 17 01 06* / 17 01 07) and the assessment says why.
pub fn stream_code(written: &str, declared: Option<bool>, assessment: Option<&str>) -> Result<StreamCode, FieldError> {
    let (entry, _) = written_code(written)?;
    let star = if entry.hazardous { "*" } else { "" };
    let code = format!("{}{star}", entry.code);
    let hazardous = match (entry.hazardous, declared) {
        (true, Some(false)) => return Err(FieldError::DeclaredNonHazardous(code)),
        (true, _) => true,
        (false, Some(true)) if entry.mirror_of.is_empty() => return Err(FieldError::NotAMirrorEntry(code)),
        (false, Some(true)) if assessment.is_none_or(|a| a.trim().is_empty()) => {
            return Err(FieldError::NoHazardAssessment { code, mirror_of: entry.mirror_of.clone() })
        }
        (false, declared) => declared.unwrap_or(false),
    };
    Ok(StreamCode { code, hazardous })
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Checks a French registry number: `digits` digits with a Luhn checksum.
fn check_luhn_number(s: &str, name: &'static str, digits: usize, words: &'static str) -> Result<(), FieldError> {
    if s.len() != digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::NotARegistryNumber { value: s.to_string(), name, digits: words });
    }
    if !luhn(s) {
        return Err(FieldError::RegistryNumberChecksum { value: s.to_string(), name });
    }
    Ok(())
}

/// Checks a SIREN (nine digits, Luhn checksum), the French company number.
pub fn check_siren(s: &str) -> Result<(), FieldError> {
    check_luhn_number(s, "SIREN", 9, "nine")
}

/// Checks a SIRET (fourteen digits: the SIREN then five, Luhn checksum), the establishment number.
pub fn check_siret(s: &str) -> Result<(), FieldError> {
    check_luhn_number(s, "SIRET", 14, "fourteen")
}

/// A French postal address split as the waste register's columns ask: the street label, the
/// postcode and the town.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    pub label: String,
    pub postcode: String,
    pub town: String,
}

/// Splits an address written "street, postcode town" (e.g. "Rue des Carrières, 62800 Liévin"):
/// the part after the last comma is a five-digit postcode, a space and the town.
pub fn split_address(s: &str) -> Result<PostalAddress, FieldError> {
    let bad = || FieldError::NotAnAddress(s.to_string());
    let (label, rest) = s.rsplit_once(',').ok_or_else(bad)?;
    let (postcode, town) = rest.trim().split_once(' ').ok_or_else(bad)?;
    let (label, town) = (label.trim(), town.trim());
    if label.is_empty() || town.is_empty() || postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    Ok(PostalAddress { label: label.to_string(), postcode: postcode.to_string(), town: town.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ewc_codes() {
        assert_eq!(check_ewc_code("17 01 01"), Ok(false));
        assert_eq!(check_ewc_code("16 06 01*"), Ok(true));
        assert_eq!(check_ewc_code("150101"), Ok(false));
        for bad in ["21 01 01", "00 01 01", "17 01", "17 0a 01", "170 101", ""] {
            assert!(check_ewc_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_off_the_list_or_with_the_wrong_mark_are_refused() {
        // Well formed, but not on the list: the message names real neighbours.
        let e = check_ewc_code("17 01 99").unwrap_err().to_string();
        assert!(e.contains("not on the European List of Waste") && e.contains("17 01 07"), "{e}");
        assert!(check_ewc_code("20 01 42").unwrap_err().to_string().contains("not on the European List of Waste"));
        // Waste oil is hazardous: the asterisk is required.
        assert!(check_ewc_code("13 02 05").unwrap_err().to_string().contains("write it with its asterisk"));
        assert_eq!(check_ewc_code("13 02 05*"), Ok(true));
        // Paper packaging is not: the asterisk is refused.
        assert!(check_ewc_code("15 01 01*").unwrap_err().to_string().contains("remove the"));
        // One asterisk, written right after the code; spaces around the whole are trimmed.
        for bad in ["17 01 06**", "17 01 06 *", "17 01  06"] {
            assert!(check_ewc_code(bad).is_err(), "{bad}");
        }
        assert_eq!(check_ewc_code(" 17 01 06* "), Ok(true));
    }

    #[test]
    fn mirror_entries_may_be_declared_hazardous_with_an_assessment() {
        let hazardous = |code: &str, declared, note| stream_code(code, declared, note).map(|s| s.hazardous);
        assert_eq!(hazardous("17 01 07", None, None), Ok(false));
        assert_eq!(hazardous("17 01 07", Some(true), Some("lab report 2026-031: PAH above threshold")), Ok(true));
        assert!(hazardous("17 01 07", Some(true), None).unwrap_err().to_string().contains("hazard_assessment"));
        assert!(hazardous("15 01 01", Some(true), Some("x"))
            .unwrap_err()
            .to_string()
            .contains("not the non-hazardous half"));
        assert!(hazardous("17 01 06*", Some(false), Some("x")).unwrap_err().to_string().contains("cannot be declared"));
        assert_eq!(stream_code("170106*", None, None).map(|s| s.code), Ok("17 01 06*".to_string()));
    }

    #[test]
    fn addresses_split_into_label_postcode_and_town() {
        let a = split_address("Zone A21, Rue 3, 62800 Liévin").unwrap();
        assert_eq!((a.label.as_str(), a.postcode.as_str(), a.town.as_str()), ("Zone A21, Rue 3", "62800", "Liévin"));
        for bad in ["Rue des Carrières 62800 Liévin", "Rue X, 6280 Liévin", "Rue X, 62800", ", 62800 Liévin"] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn siren_and_siret() {
        assert!(check_siren("526018155").is_ok());
        assert!(check_siren("526018156").unwrap_err().to_string().contains("checksum"));
        assert!(check_siren("52601815").is_err());
        assert!(check_siret("52601815500014").is_ok());
        assert!(check_siret("52601815500015").is_err());
    }
}
