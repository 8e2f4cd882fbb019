//! Collection windows: the days and hours a carrier may come to a container, in the zone's
//! local time (`[zone] time_zone`). Written in the registry as
//! `collection_window = { days = ["mon", "wed", "fri"], from = "07:00", to = "16:00" }` on a
//! container or on its site (the container's wins). Parsing only; no clock here.

use super::field_error::FieldError;
use serde::Deserialize;

/// Day names as the registry writes them, Monday first.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A collection window as written in the registry file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CollectionWindowEntry {
    /// Days a carrier may come: "mon" .. "sun", at least one.
    pub days: Vec<String>,
    /// Local opening time, "HH:MM".
    pub from: String,
    /// Local closing time, "HH:MM", after `from` on the same day.
    pub to: String,
}

/// A checked collection window: weekdays (bit 0 = Monday) and local minutes of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionWindow {
    pub days: u8,
    pub from_min: u16,
    pub to_min: u16,
}

impl CollectionWindow {
    /// Every day, all day: what a container without a window gets.
    pub const ALWAYS: CollectionWindow = CollectionWindow { days: 0x7f, from_min: 0, to_min: 24 * 60 };

    /// Whether `weekday` (0 = Monday) is a collection day.
    pub fn on(&self, weekday: u32) -> bool {
        weekday < 7 && self.days & (1 << weekday) != 0
    }

    /// The window back in the registry's words (day names, "HH:MM").
    pub fn day_names(&self) -> Vec<String> {
        (0..7).filter(|d| self.on(*d)).map(|d| DAY_NAMES[d as usize].to_string()).collect()
    }
}

/// Parses "HH:MM" (00:00 to 24:00) into minutes of the day.
pub fn parse_hhmm(s: &str) -> Result<u16, FieldError> {
    let b = s.as_bytes();
    let ok = b.len() == 5 && b[2] == b':' && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit());
    let (h, m): (u16, u16) = if ok { (s[..2].parse().unwrap_or(99), s[3..].parse().unwrap_or(99)) } else { (99, 99) };
    if h < 24 && m < 60 || (h == 24 && m == 0) {
        Ok(h * 60 + m)
    } else {
        Err(FieldError::NotATimeOfDay(s.to_string()))
    }
}

/// Checks a window as written; the error names the field and the fix: `(field, why)`.
pub fn parse_window(w: &CollectionWindowEntry) -> Result<CollectionWindow, (&'static str, FieldError)> {
    if w.days.is_empty() {
        return Err(("days", FieldError::NoDay));
    }
    let mut days = 0u8;
    for d in &w.days {
        match DAY_NAMES.iter().position(|n| n.eq_ignore_ascii_case(d)) {
            Some(i) if days & (1 << i) != 0 => return Err(("days", FieldError::DayTwice(d.clone()))),
            Some(i) => days |= 1 << i,
            None => {
                return Err(("days", FieldError::NotADay(d.clone())));
            }
        }
    }
    let from_min = parse_hhmm(&w.from).map_err(|why| ("from", why))?;
    let to_min = parse_hhmm(&w.to).map_err(|why| ("to", why))?;
    if to_min <= from_min {
        return Err(("to", FieldError::WindowNotAfter { from: w.from.clone(), to: w.to.clone() }));
    }
    Ok(CollectionWindow { days, from_min, to_min })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(days: &[&str], from: &str, to: &str) -> CollectionWindowEntry {
        CollectionWindowEntry { days: days.iter().map(|d| d.to_string()).collect(), from: from.into(), to: to.into() }
    }

    #[test]
    fn a_window_reads_into_weekday_bits_and_minutes() {
        let w = parse_window(&entry(&["mon", "wed", "fri"], "07:00", "16:30")).unwrap();
        assert_eq!(w, CollectionWindow { days: 0b10101, from_min: 420, to_min: 990 });
        assert!(w.on(0) && !w.on(1) && w.on(4) && !w.on(6));
        assert_eq!(w.day_names(), ["mon", "wed", "fri"]);
    }

    #[test]
    fn bad_windows_name_the_field_and_the_fix() {
        assert_eq!(parse_window(&entry(&[], "07:00", "16:00")).unwrap_err().0, "days");
        assert!(parse_window(&entry(&["monday"], "07:00", "16:00")).unwrap_err().1.to_string().contains("mon, tue"));
        assert_eq!(parse_window(&entry(&["mon", "mon"], "07:00", "16:00")).unwrap_err().0, "days");
        assert_eq!(parse_window(&entry(&["mon"], "7:00", "16:00")).unwrap_err().0, "from");
        assert_eq!(parse_window(&entry(&["mon"], "07:00", "25:00")).unwrap_err().0, "to");
        assert!(parse_window(&entry(&["mon"], "16:00", "07:00")).unwrap_err().1.to_string().contains("not after"));
        assert_eq!(parse_hhmm("24:00"), Ok(1440));
    }
}
