//! Where the company and gateway ids sit in a topic, derived from the subscription filter.

/// Positions of the company and gateway segments, from a filter such as `zone/+/+/up`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLayout {
    segments: Vec<String>,
    company: usize,
    gateway: usize,
}

/// A topic's two identity segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicIds<'a> {
    pub company: &'a str,
    pub gateway: &'a str,
}

/// A subscription filter that cannot be used, or a received topic that does not fit it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("a $share/ filter needs a group and a filter")]
    ShareWithoutFilter,
    #[error("'#' is not allowed; use exactly two '+' segments (company, then gateway), e.g. zone/+/+/up")]
    MultiLevelWildcard,
    #[error("{filter:?} has {found} '+' segments; use exactly two (company, then gateway), e.g. zone/+/+/up")]
    PlusCount { filter: String, found: usize },
    #[error("{filter:?} has an empty or partial-wildcard segment")]
    BadSegment { filter: String },
    #[error("topic has more segments than the filter")]
    TooManySegments,
    #[error("topic has fewer segments than the filter")]
    TooFewSegments,
    #[error("segment {index} is {found:?}, expected {expected:?}")]
    SegmentMismatch { index: usize, found: String, expected: String },
    #[error("{what} segment {id:?} is not a registry id")]
    NotAnId { what: &'static str, id: String },
}

/// Longest id accepted in a topic segment (the registry's own limit).
const MAX_ID: usize = 64;

/// The filter without its `$share/<group>/` prefix, if any: the topics it matches.
pub fn without_share(filter: &str) -> Result<&str, TopicError> {
    match filter.strip_prefix("$share/") {
        Some(rest) => rest.split_once('/').map(|(_, f)| f).ok_or(TopicError::ShareWithoutFilter),
        None => Ok(filter),
    }
}

impl TopicLayout {
    /// Parses a subscription filter; a `$share/<group>/` prefix is allowed and ignored here.
    pub fn parse(filter: &str) -> Result<TopicLayout, TopicError> {
        let plain = without_share(filter)?;
        if plain.contains('#') {
            return Err(TopicError::MultiLevelWildcard);
        }
        let segments: Vec<String> = plain.split('/').map(str::to_string).collect();
        let plus: Vec<usize> = segments.iter().enumerate().filter(|(_, s)| *s == "+").map(|(i, _)| i).collect();
        if plus.len() != 2 {
            return Err(TopicError::PlusCount { filter: filter.to_string(), found: plus.len() });
        }
        if segments.iter().any(|s| s != "+" && (s.is_empty() || s.contains('+'))) {
            return Err(TopicError::BadSegment { filter: filter.to_string() });
        }
        Ok(TopicLayout { segments, company: plus[0], gateway: plus[1] })
    }

    /// The topic a gateway publishes to under this layout.
    pub fn topic_for(&self, company: &str, gateway: &str) -> String {
        let mut segs = self.segments.clone();
        segs[self.company] = company.to_string();
        segs[self.gateway] = gateway.to_string();
        segs.join("/")
    }

    /// Extracts the ids from a received topic, or says why the topic is unusable.
    pub fn ids<'a>(&self, topic: &'a str) -> Result<TopicIds<'a>, TopicError> {
        let mut company = None;
        let mut gateway = None;
        let mut n = 0;
        for (i, seg) in topic.split('/').enumerate() {
            n += 1;
            match self.segments.get(i) {
                None => return Err(TopicError::TooManySegments),
                Some(_) if i == self.company => company = Some(seg),
                Some(_) if i == self.gateway => gateway = Some(seg),
                Some(expected) if expected != seg => {
                    return Err(TopicError::SegmentMismatch {
                        index: i,
                        found: seg.to_string(),
                        expected: expected.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        if n != self.segments.len() {
            return Err(TopicError::TooFewSegments);
        }
        let (company, gateway) = (company.unwrap_or_default(), gateway.unwrap_or_default());
        for (what, id) in [("company", company), ("gateway", gateway)] {
            if id.is_empty()
                || id.len() > MAX_ID
                || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(TopicError::NotAnId { what, id: truncate(id).to_string() });
            }
        }
        Ok(TopicIds { company, gateway })
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(MAX_ID) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout() {
        let l = TopicLayout::parse("zone/+/+/up").unwrap();
        assert_eq!(l.ids("zone/acme/gw-1/up").unwrap(), TopicIds { company: "acme", gateway: "gw-1" });
        assert_eq!(l.topic_for("a", "b"), "zone/a/b/up");
        assert!(l.ids("zone/acme/gw-1").is_err());
        assert!(l.ids("zone/acme/gw-1/up/x").is_err());
        assert!(l.ids("zone//gw-1/up").is_err());
        assert!(l.ids("zone/ACME/gw-1/up").is_err());
        assert!(l.ids(&format!("zone/{}/gw/up", "a".repeat(65))).is_err());
        // Wildcards cannot reach a subscriber (brokers refuse them in topic names); if one did,
        // it is not an id.
        assert!(l.ids("zone/+/gw-1/up").is_err());
        assert!(l.ids("zone/acme/#/up").is_err());
        assert!(l.ids("zone/acme/gw-\u{e9}/up").is_err());
        assert!(l.ids("zone/acme/gw 1/up").is_err());
    }

    #[test]
    fn shared_and_invalid_filters() {
        let l = TopicLayout::parse("$share/g/site/+/x/+/up").unwrap();
        assert_eq!(l.ids("site/c/x/g/up").unwrap(), TopicIds { company: "c", gateway: "g" });
        assert!(TopicLayout::parse("zone/#").is_err());
        assert!(TopicLayout::parse("zone/+/up").is_err());
        assert!(TopicLayout::parse("zone/+/+/a+").is_err());
    }
}
