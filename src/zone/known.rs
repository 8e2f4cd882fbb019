//! What the registry's checks carry from one kind of entry to the next: the problems found so
//! far, and the ids defined so far for the references of later entries (with the closest one
//! when a reference names none).

use super::file::{CompanyEntry, ContainerEntry, SiteEntry};
use super::problem::ZoneProblem;
use std::collections::{HashMap, HashSet};

/// The problems found so far in one file.
pub(super) struct Problems<'a> {
    file: &'a str,
    pub(super) found: Vec<ZoneProblem>,
}

impl<'a> Problems<'a> {
    pub(super) fn new(file: &'a str) -> Problems<'a> {
        Problems { file, found: Vec::new() }
    }

    /// A problem with a field of an entry.
    pub(super) fn add(&mut self, entry: String, field: &str, why: String) {
        self.found.push(ZoneProblem {
            file: self.file.to_string(),
            entry: Some(entry),
            field: Some(field.to_string()),
            why,
        });
    }
}

/// `no company "x" in the registry`, and the id defined that it most likely misspells:
/// `; did you mean "isdnd-artois"?`.
pub(super) fn not_in_registry<'a>(kind: &str, id: &str, defined: impl IntoIterator<Item = &'a str>) -> String {
    format!("no {kind} {id:?} in the registry{}", did_you_mean(id, defined))
}

/// `; did you mean "x"?` for the defined id `id` most likely misspells (the first in sorted
/// order among equals, whatever order the ids were kept in), or nothing.
pub(super) fn did_you_mean<'a>(id: &str, defined: impl IntoIterator<Item = &'a str>) -> String {
    let mut defined: Vec<&str> = defined.into_iter().collect();
    defined.sort_unstable();
    crate::spelling::closest(id, defined).map(|near| format!("; did you mean {near:?}?")).unwrap_or_default()
}

/// The ids defined by the entries checked so far, for the references of later ones.
#[derive(Default)]
pub(super) struct Known<'a> {
    pub companies: HashMap<&'a str, &'a CompanyEntry>,
    pub sites: HashMap<&'a str, &'a SiteEntry>,
    pub operators: HashSet<&'a str>,
    pub transporters: HashSet<&'a str>,
    pub streams: HashSet<&'a str>,
    pub containers: HashMap<&'a str, &'a ContainerEntry>,
}
