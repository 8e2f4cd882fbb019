//! Why one value of the registry is refused: the zone layer's error. Each message names the
//! value and says how to write it; the checks of a whole file turn them into
//! [`super::ZoneProblem`]s with their entry and field.

/// Why a value written in the registry (a code, a number, an address, an id, a date, a
/// time or a day of a collection window, a factor's source) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{0:?} is not a List of Waste code; write six digits in three pairs, e.g. \"17 01 01\" or \"16 06 01*\"")]
    NotAWasteCode(String),
    #[error("{code:?}: chapter {chapter:02} does not exist (chapters run 01 to 20)")]
    NoSuchChapter { code: String, chapter: u8 },
    #[error(
        "{code:?} is not on the European List of Waste (Decision 2000/532/EC as amended by 2014/955/EU); \
         the closest codes are {}",
        .closest.join(", ")
    )]
    NotOnTheList { code: String, closest: Vec<String> },
    #[error(
        "{code:?}: {normal}* is a hazardous entry of the List of Waste; write it with its asterisk, \"{normal}*\""
    )]
    AsteriskMissing { code: String, normal: String },
    #[error(
        "{code:?}: {normal} is not a hazardous entry of the List of Waste; remove the \"*\" (the non-hazardous \
         half of a mirror pair may be declared hazardous with `hazardous = true` and a `hazard_assessment`)"
    )]
    AsteriskRefused { code: String, normal: String },
    #[error("{0} is a hazardous entry of the List of Waste; it cannot be declared non-hazardous")]
    DeclaredNonHazardous(String),
    #[error(
        "{0} is not the non-hazardous half of a mirror pair: only such an entry may be declared hazardous \
         (or use the hazardous entry's own code)"
    )]
    NotAMirrorEntry(String),
    #[error("{code} declared hazardous (mirror of {}): say why in `hazard_assessment`", .mirror_of.join(", "))]
    NoHazardAssessment { code: String, mirror_of: Vec<String> },
    /// `name` is "SIREN" or "SIRET", `digits` their length in words.
    #[error("{value:?} is not a {name}: {digits} digits, no spaces")]
    NotARegistryNumber { value: String, name: &'static str, digits: &'static str },
    #[error("{value:?}: the {name} checksum (Luhn) is wrong; check for a typo")]
    RegistryNumberChecksum { value: String, name: &'static str },
    #[error("{0:?}: write the address as \"street, postcode town\", e.g. \"Rue des Carrières, 62800 Liévin\"")]
    NotAnAddress(String),
    #[error("{0:?}: use 1 to 64 lower-case letters, digits or '-' (ids appear in MQTT topics)")]
    NotAnId(String),
    #[error(transparent)]
    Date(#[from] crate::calendar::DateError),
    #[error("{0:?} is not a time of day; write HH:MM in the zone's local time, e.g. \"07:00\"")]
    NotATimeOfDay(String),
    #[error("no day given; list the days a carrier may come, e.g. [\"mon\", \"thu\"]")]
    NoDay,
    #[error("{0:?} is listed twice")]
    DayTwice(String),
    #[error("{0:?} is not a day; write mon, tue, wed, thu, fri, sat or sun")]
    NotADay(String),
    #[error("{to} is not after from = {from}; a window opens and closes on the same day")]
    WindowNotAfter { from: String, to: String },
    #[error("name where the figure comes from (every factor cites its source)")]
    NoSource,
}
