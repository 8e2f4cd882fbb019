//! Why a message, or one reading of it, was dead-lettered: one enum shared by the decoder,
//! validation, the flood guard, the `reason` column (its CHECK constraint is generated from
//! [`RejectReason::ALL`]) and the metric label (so the label set is bounded by the type).
//!
//! `docs/wire-format.md` documents the same table; a test keeps them equal. Append only: a
//! code, once stored, keeps its meaning.

/// A dead-letter reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    BadTopic,
    GatewayFlood,
    PayloadTooLarge,
    EmptyPayload,
    UnknownVersion,
    Truncated,
    UnknownVariant,
    Malformed,
    TrailingBytes,
    UnknownGateway,
    CompanyMismatch,
    TimestampOutOfWindow,
    NotFinite,
    OutOfRange,
    UnknownSensor,
    DuplicateInFrame,
    DatabaseRefused,
}

/// What a reason concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole message is dead-lettered, with its payload.
    Message,
    /// One reading, alone as a one-reading frame; the rest of the message goes on.
    Reading,
}

impl RejectReason {
    /// Every reason, in the documented order.
    pub const ALL: [RejectReason; 17] = [
        Self::BadTopic,
        Self::GatewayFlood,
        Self::PayloadTooLarge,
        Self::EmptyPayload,
        Self::UnknownVersion,
        Self::Truncated,
        Self::UnknownVariant,
        Self::Malformed,
        Self::TrailingBytes,
        Self::UnknownGateway,
        Self::CompanyMismatch,
        Self::TimestampOutOfWindow,
        Self::NotFinite,
        Self::OutOfRange,
        Self::UnknownSensor,
        Self::DuplicateInFrame,
        Self::DatabaseRefused,
    ];

    /// The stable code: the `reason` column and the metric label.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadTopic => "bad_topic",
            Self::PayloadTooLarge => "payload_too_large",
            Self::EmptyPayload => "empty_payload",
            Self::UnknownVersion => "unknown_version",
            Self::Truncated => "truncated",
            Self::UnknownVariant => "unknown_variant",
            Self::Malformed => "malformed",
            Self::TrailingBytes => "trailing_bytes",
            Self::UnknownGateway => "unknown_gateway",
            Self::CompanyMismatch => "company_mismatch",
            Self::GatewayFlood => "gateway_flood",
            Self::TimestampOutOfWindow => "timestamp_out_of_window",
            Self::NotFinite => "not_finite",
            Self::OutOfRange => "out_of_range",
            Self::UnknownSensor => "unknown_sensor",
            Self::DuplicateInFrame => "duplicate_in_frame",
            Self::DatabaseRefused => "database_refused",
        }
    }

    /// Whether it concerns a whole message or one reading.
    pub fn scope(self) -> Scope {
        match self {
            Self::TimestampOutOfWindow
            | Self::NotFinite
            | Self::OutOfRange
            | Self::UnknownSensor
            | Self::DuplicateInFrame => Scope::Reading,
            _ => Scope::Message,
        }
    }

    /// The reason stored as `code`, if this build knows it.
    pub fn from_code(code: &str) -> Option<RejectReason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut codes: Vec<_> = RejectReason::ALL.iter().map(|r| r.code()).collect();
        for r in RejectReason::ALL {
            assert_eq!(RejectReason::from_code(r.code()), Some(r));
            assert!(r.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{r}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RejectReason::ALL.len());
        assert_eq!(RejectReason::from_code("nonsense"), None);
    }
}
