//! A register line under construction: its columns filled by header, what is missing
//! collected (`lines.rs` for the line, `parties.rs` for its sender, carrier and destination).

/// Fills a line's columns by header, and collects what is missing.
pub(super) struct Builder {
    pub(super) headers: &'static [&'static str],
    pub(super) values: Vec<String>,
    pub(super) missing: Vec<String>,
}

impl Builder {
    pub(super) fn set(&mut self, header: &str, value: impl Into<String>) {
        let i = self.headers.iter().position(|h| *h == header);
        debug_assert!(i.is_some(), "no column {header:?}");
        if let Some(i) = i {
            self.values[i] = value.into();
        }
    }

    pub(super) fn miss(&mut self, what: String) {
        if !self.missing.contains(&what) {
            self.missing.push(what);
        }
    }
}

pub(super) fn oui(b: bool) -> &'static str {
    if b {
        "OUI"
    } else {
        "NON"
    }
}
