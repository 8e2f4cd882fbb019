//! The European List of Waste, embedded: Commission Decision 2000/532/EC as amended by
//! Commission Decision 2014/955/EU (in force since 1 June 2015), with the French labels of
//! annexe II to article R541-8 of the code de l'environnement. 20 chapters, 842 entries, 408
//! of them hazardous (`*` in the official list).
//!
//! The data file is `data/list-of-waste.csv`, copied unchanged from the project's reference
//! data; its header names the legal source and the copy it was cross-checked against
//! (Trackdéchets, the French national waste-tracking service, which validates codes against
//! the same list). Whether a code is hazardous comes from this list, never from the user.
//!
//! Mirror entries: where a waste is hazardous or not depending on its composition, the list
//! has a pair, e.g. 17 01 06* / 17 01 07, whose non-hazardous half is worded "autres que ceux
//! visés à la rubrique 17 01 06" (other than those mentioned in 17 01 06). Such an entry
//! refers to its hazardous counterpart(s); [`WasteEntry::mirror_of`] lists them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../../data/list-of-waste.csv");

/// One entry (a six-digit code) of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasteEntry {
    /// `NN NN NN`, without the asterisk.
    pub code: String,
    /// Marked `*` in the official list.
    pub hazardous: bool,
    /// The French label.
    pub label_fr: String,
    /// For a non-hazardous mirror entry, the hazardous entries it is the alternative to.
    pub mirror_of: Vec<String>,
}

/// The list, parsed once.
#[derive(Debug)]
pub struct ListOfWaste {
    entries: BTreeMap<String, WasteEntry>,
    chapters: usize,
    subchapters: usize,
}

/// The embedded list.
pub fn list_of_waste() -> &'static ListOfWaste {
    static LIST: OnceLock<ListOfWaste> = OnceLock::new();
    LIST.get_or_init(|| ListOfWaste::parse(CSV))
}

impl ListOfWaste {
    fn parse(csv: &str) -> ListOfWaste {
        let mut entries = BTreeMap::new();
        let (mut chapters, mut subchapters) = (0, 0);
        for line in csv.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let fields = split_csv(line);
            let [code, hazardous, level, label] = fields.as_slice() else {
                // The file is embedded and tested: a malformed line cannot reach a release.
                panic!("data/list-of-waste.csv: malformed line {line:?}");
            };
            match level.as_str() {
                "chapter" => chapters += 1,
                "subchapter" => subchapters += 1,
                _ => {
                    let hazardous = hazardous == "yes";
                    let mirror_of = if hazardous { vec![] } else { referenced_codes(label) };
                    let entry = WasteEntry { code: code.clone(), hazardous, label_fr: label.clone(), mirror_of };
                    entries.insert(code.clone(), entry);
                }
            }
        }
        // Keep only references to hazardous entries: those make a mirror pair.
        let hazardous: Vec<String> = entries.values().filter(|e| e.hazardous).map(|e| e.code.clone()).collect();
        for e in entries.values_mut() {
            e.mirror_of.retain(|c| hazardous.contains(c));
        }
        ListOfWaste { entries, chapters, subchapters }
    }

    /// The entry for a code written `NN NN NN` (no asterisk).
    pub fn get(&self, code: &str) -> Option<&WasteEntry> {
        self.entries.get(code)
    }

    /// Every entry, in code order.
    pub fn entries(&self) -> impl Iterator<Item = &WasteEntry> {
        self.entries.values()
    }

    pub fn chapters(&self) -> usize {
        self.chapters
    }

    pub fn subchapters(&self) -> usize {
        self.subchapters
    }

    /// Up to `n` real codes closest to `code` (`NN NN NN`): the same sub-chapter first, then
    /// the same chapter, nearest by number.
    pub fn closest(&self, code: &str, n: usize) -> Vec<&WasteEntry> {
        let number = |c: &str| c.replace(' ', "").parse::<i64>().unwrap_or(0);
        let target = number(code);
        let mut candidates: Vec<&WasteEntry> = self.entries.values().collect();
        candidates.sort_by_key(|e| {
            let same_sub = e.code.get(..5) == code.get(..5);
            let same_chapter = e.code.get(..2) == code.get(..2);
            (!same_sub, !same_chapter, (number(&e.code) - target).abs())
        });
        candidates.truncate(n);
        candidates
    }
}

/// The `NN NN NN` codes a label refers to ("... visés aux rubriques 01 03 04 et 01 03 05").
fn referenced_codes(label: &str) -> Vec<String> {
    if !label.contains("visé") {
        return vec![];
    }
    let b = label.as_bytes();
    let is_code = |w: &[u8]| {
        w.len() == 8
            && w.iter().enumerate().all(|(i, c)| if i == 2 || i == 5 { *c == b' ' } else { c.is_ascii_digit() })
    };
    (0..b.len().saturating_sub(7))
        .filter(|&i| is_code(&b[i..i + 8]) && (i == 0 || !b[i - 1].is_ascii_digit()))
        .map(|i| label[i..i + 8].to_string())
        .collect()
}

/// Splits one CSV line (RFC 4180 quoting, `""` inside quotes).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_those_of_the_decision() {
        // Decision 2000/532/EC as amended by 2014/955/EU: 20 chapters, 842 entries, 408 hazardous.
        let l = list_of_waste();
        assert_eq!(l.chapters(), 20);
        assert_eq!(l.entries().count(), 842);
        assert_eq!(l.entries().filter(|e| e.hazardous).count(), 408);
        assert_eq!(l.subchapters(), 111);
    }

    #[test]
    fn hazardous_marks_and_mirror_pairs() {
        let l = list_of_waste();
        assert!(l.get("13 02 05").unwrap().hazardous);
        assert!(!l.get("15 01 01").unwrap().hazardous);
        assert!(l.get("17 01 99").is_none() && l.get("20 01 42").is_none());
        assert_eq!(l.get("17 01 07").unwrap().mirror_of, ["17 01 06"]);
        assert_eq!(l.get("10 09 08").unwrap().mirror_of, ["10 09 07"]);
        assert_eq!(l.get("01 03 06").unwrap().mirror_of, ["01 03 04", "01 03 05"]);
        assert!(l.get("15 01 01").unwrap().mirror_of.is_empty(), "not a mirror entry");
        // Every referenced counterpart is itself a hazardous entry.
        for e in l.entries() {
            for m in &e.mirror_of {
                assert!(l.get(m).is_some_and(|h| h.hazardous), "{} -> {m}", e.code);
            }
        }
    }

    #[test]
    fn closest_codes_stay_in_the_sub_chapter() {
        let codes: Vec<&str> = list_of_waste().closest("17 01 99", 3).iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["17 01 07", "17 01 06", "17 01 03"]);
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(split_csv(r#"a,"b, c","d ""e""""#), ["a", "b, c", r#"d "e""#]);
    }
}
