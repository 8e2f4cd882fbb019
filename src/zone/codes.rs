//! European List of Waste codes and Waste Framework Directive treatment codes.

/// Checks a List of Waste code: six digits written as three pairs (`17 01 01`, spaces
/// optional), chapter 01 to 20, optionally followed by `*` for hazardous waste.
pub fn check_ewc_code(code: &str) -> Result<(), String> {
    let body = code.strip_suffix('*').unwrap_or(code).trim_end();
    let digits: String = body.chars().filter(|c| *c != ' ').collect();
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{code:?} is not a List of Waste code; write six digits in pairs, e.g. \"17 01 01\" or \"16 06 01*\""));
    }
    let chapter: u8 = digits[..2].parse().map_err(|_| "bad chapter".to_string())?;
    if !(1..=20).contains(&chapter) {
        return Err(format!(
            "{code:?}: chapter {chapter:02} does not exist (chapters run 01 to 20)"
        ));
    }
    Ok(())
}

/// Checks a treatment code: `R0` (re-use), `R1`..`R13` (recovery), `D1`..`D15` (disposal).
pub fn check_treatment_code(code: &str) -> Result<(), String> {
    let ok = match code.split_at_checked(1) {
        Some(("R", n)) => n.parse::<u8>().is_ok_and(|n| n <= 13) && !n.starts_with('+'),
        Some(("D", n)) => {
            n.parse::<u8>().is_ok_and(|n| (1..=15).contains(&n)) && !n.starts_with('+')
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{code:?} is not a treatment code; use R0 (re-use), R1 to R13 or D1 to D15"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ewc_codes() {
        assert!(check_ewc_code("17 01 01").is_ok());
        assert!(check_ewc_code("16 06 01*").is_ok());
        assert!(check_ewc_code("150101").is_ok());
        assert!(check_ewc_code("21 01 01").is_err());
        assert!(check_ewc_code("00 01 01").is_err());
        assert!(check_ewc_code("17 01").is_err());
        assert!(check_ewc_code("17 0a 01").is_err());
    }

    #[test]
    fn treatment_codes() {
        for ok in ["R0", "R1", "R13", "D1", "D15"] {
            assert!(check_treatment_code(ok).is_ok(), "{ok}");
        }
        for bad in ["R14", "D0", "D16", "X1", "R", "", "r3", "R+1"] {
            assert!(check_treatment_code(bad).is_err(), "{bad}");
        }
    }
}
