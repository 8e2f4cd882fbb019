//! `zone.time_zone`: what can be checked without a database. The name must look like an IANA
//! time zone ("Europe/Paris", "UTC"), and the zones known to have had a UTC offset that is not a
//! whole number of hours are refused by name. The authoritative check is the database's
//! `pg_timezone_names`, at every registry sync (`store::registry`).

use super::problem::ValueError;

/// Time zones whose offset is, or has been since 1990, not a whole number of hours (India,
/// Nepal, Iran, Afghanistan, Myanmar, Sri Lanka, Newfoundland, central Australia, Lord Howe,
/// Chatham, Marquesas, Cocos, Venezuela 2007-2016).
const PART_HOUR: [&str; 24] = [
    "Asia/Kolkata",
    "Asia/Calcutta",
    "Asia/Kathmandu",
    "Asia/Katmandu",
    "Asia/Tehran",
    "Iran",
    "Asia/Kabul",
    "Asia/Yangon",
    "Asia/Rangoon",
    "Asia/Colombo",
    "America/St_Johns",
    "Canada/Newfoundland",
    "America/Caracas",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Broken_Hill",
    "Australia/Eucla",
    "Australia/Lord_Howe",
    "Australia/North",
    "Australia/South",
    "Australia/Yancowinna",
    "Pacific/Chatham",
    "Pacific/Marquesas",
    "Indian/Cocos",
];

/// Why local days need whole-hour offsets, said in every refusal.
pub const WHOLE_HOURS: &str = "local days, months and years are summed from hourly rollups, \
    so the zone's UTC offset must always be a whole number of hours";

/// Checks a `zone.time_zone` value as far as possible offline; the error says how to fix it.
pub fn check_name(name: &str) -> Result<(), ValueError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    if !valid {
        return Err(ValueError::NotATimeZone(name.to_string()));
    }
    if PART_HOUR.iter().any(|z| z.eq_ignore_ascii_case(name)) {
        return Err(ValueError::PartHourTimeZone(name.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_offline() {
        assert_eq!(check_name("Europe/Paris"), Ok(()));
        assert_eq!(check_name("UTC"), Ok(()));
        assert_eq!(check_name("America/Port-au-Prince"), Ok(()));
        assert!(check_name("").unwrap_err().to_string().contains("Europe/Paris"));
        assert!(check_name("+02:00").is_err());
        assert!(check_name("Europe/Paris; DROP").is_err());
        assert!(check_name("Asia/Kolkata").unwrap_err().to_string().contains("whole number of hours"));
    }
}
