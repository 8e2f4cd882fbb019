//! `zone.time_zone`: what can be checked without a database. The name must look like an IANA
//! time zone ("Europe/Paris", "UTC") and be one of the system's time zone database
//! (`/usr/share/zoneinfo`, Debian's tzdata, which Debian's PostgreSQL reads too), with the
//! closest name when it is not; the zones known to have had a UTC offset that is not a whole
//! number of hours are refused by name. The authoritative check is the database's
//! `pg_timezone_names`, at every registry sync (`store::registry_sync`).

use super::problem::ValueError;

/// Time zones whose offset is, or has been from 1990 to 2060, not a whole number of hours: the
/// names PostgreSQL 15's `pg_timezone_names` gives for the registry sync's own rule
/// (src/store/registry_sync/time_zone.rs), Debian 12's tzdata, `posix/` copies left out. India,
/// Nepal, Iran, Afghanistan, Myanmar, Sri Lanka, Newfoundland, central Australia, Lord Howe,
/// Chatham, Marquesas, Cocos, Venezuela 2007-2016, North Korea 2015-2018, Norfolk Island until
/// 2015, Pitcairn until 1998, the Cook Islands until 1991.
const PART_HOUR: [&str; 30] = [
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
    "Asia/Pyongyang",
    "Australia/LHI",
    "NZ-CHAT",
    "Pacific/Norfolk",
    "Pacific/Pitcairn",
    "Pacific/Rarotonga",
];

pub use super::problem::ZONEINFO;

pub use super::problem::WHOLE_HOURS;

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
    check_known(name, std::path::Path::new(ZONEINFO))
}

/// The name is a zone file of the database at `zoneinfo`, when there is one (a host without
/// tzdata leaves the check to the database).
fn check_known(name: &str, zoneinfo: &std::path::Path) -> Result<(), ValueError> {
    if !zoneinfo.is_dir() || zoneinfo.join(name).is_file() {
        return Ok(());
    }
    let mut names = Vec::new();
    zone_names(zoneinfo, "", &mut names);
    names.sort();
    let near = crate::spelling::closest(name, names.iter().map(String::as_str)).map(str::to_string);
    Err(ValueError::UnknownTimeZone { name: name.to_string(), near })
}

/// The zone names under `dir` (`Europe/Paris`), without the `posix/` and `right/` copies.
fn zone_names(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let name = if prefix.is_empty() { file.clone() } else { format!("{prefix}/{file}") };
        let path = e.path();
        if path.is_dir() && !matches!(file.as_str(), "posix" | "right") {
            zone_names(&path, &name, out);
        } else if path.is_file() && file.bytes().next().is_some_and(|b| b.is_ascii_uppercase()) {
            out.push(name);
        }
    }
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
        assert!(check_name("Pacific/Norfolk").unwrap_err().to_string().contains("whole number of hours"));
    }

    #[test]
    fn a_name_the_system_does_not_know_is_refused_with_the_closest() {
        let dir = std::env::temp_dir().join(format!("wf-zoneinfo-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("Europe")).unwrap();
        std::fs::write(dir.join("Europe/Paris"), "TZif").unwrap();
        std::fs::write(dir.join("UTC"), "TZif").unwrap();
        assert_eq!(check_known("Europe/Paris", &dir), Ok(()));
        let err = check_known("Europe/Pariss", &dir).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("\"Europe/Pariss\" is not a time zone of this system's IANA database ({ZONEINFO}); did you mean \"Europe/Paris\"?")
        );
        assert!(!check_known("Mars/Olympus_Mons", &dir).unwrap_err().to_string().contains("did you mean"));
        // No database on the host: the check is the server's.
        assert_eq!(check_known("Mars/Olympus_Mons", &dir.join("absent")), Ok(()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
