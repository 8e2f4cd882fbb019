//! The filter options of `dead-letters list` and `replay`, turned into a [`DeadLetterFilter`].

use crate::calendar::{millis_span, Timestamp};
use crate::store::{DeadLetterFilter, ReplayState};
use crate::wire::RejectReason;
use clap::{Args, ValueEnum};

/// Which dead letters.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only these reasons (repeat the option or separate with commas), e.g. unknown_gateway.
    #[arg(long, value_delimiter = ',')]
    pub reason: Vec<String>,
    /// Only this gateway id (the topic's gateway segment).
    #[arg(long)]
    pub gateway: Option<String>,
    /// Only this company id (the topic's company segment).
    #[arg(long)]
    pub company: Option<String>,
    /// Received at or after: RFC 3339 in UTC (2026-11-29T08:00:00Z) or a time ago (2h, 3days).
    #[arg(long)]
    pub since: Option<String>,
    /// Received before: RFC 3339 in UTC or a time ago.
    #[arg(long)]
    pub until: Option<String>,
    /// Pending (not replayed yet), replayed, or all.
    #[arg(long, value_enum, default_value_t = State::Pending)]
    pub state: State,
}

/// `--state`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum State {
    #[default]
    Pending,
    Replayed,
    All,
}

/// A filter option that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("--reason {0:?} is not a dead-letter reason (see docs/wire-format.md, e.g. unknown_gateway)")]
    UnknownReason(String),
    #[error("--{flag} {value:?} is neither an RFC 3339 time in UTC (2026-11-29T08:00:00Z) nor a time ago (2h, 30min)")]
    BadTime { flag: &'static str, value: String },
    #[error("--since is not before --until")]
    EmptyRange,
}

impl FilterArgs {
    /// The filter, with relative times counted back from `now`.
    pub fn to_filter(&self, now: Timestamp) -> Result<DeadLetterFilter, FilterError> {
        let reasons = self
            .reason
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .map(|r| RejectReason::from_code(r).ok_or_else(|| FilterError::UnknownReason(r.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let since = self.since.as_deref().map(|v| parse_time("since", v, now)).transpose()?;
        let until = self.until.as_deref().map(|v| parse_time("until", v, now)).transpose()?;
        if let (Some(s), Some(u)) = (since, until) {
            if s >= u {
                return Err(FilterError::EmptyRange);
            }
        }
        let state = match self.state {
            State::Pending => ReplayState::Pending,
            State::Replayed => ReplayState::Replayed,
            State::All => ReplayState::Any,
        };
        Ok(DeadLetterFilter {
            reasons,
            gateway: self.gateway.clone(),
            company: self.company.clone(),
            since,
            until,
            state,
        })
    }
}

/// An RFC 3339 time, or a humantime duration counted back from `now`.
fn parse_time(flag: &'static str, value: &str, now: Timestamp) -> Result<Timestamp, FilterError> {
    let v = value.trim();
    if let Ok(t) = humantime::parse_rfc3339_weak(v) {
        return Ok(Timestamp::from_system_time(t));
    }
    match humantime::parse_duration(v) {
        Ok(ago) => Ok(now - millis_span(ago)),
        Err(_) => Err(FilterError::BadTime { flag, value: value.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    fn ms_ago(n: i64) -> Option<Timestamp> {
        Some(NOW - crate::calendar::SignedDuration::from_millis(n))
    }

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        f: FilterArgs,
    }

    fn parse(args: &[&str]) -> Result<DeadLetterFilter, FilterError> {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied())).expect("clap accepts").f.to_filter(NOW)
    }

    #[test]
    fn no_option_means_every_pending_dead_letter() {
        assert_eq!(
            parse(&[]).unwrap(),
            DeadLetterFilter { state: ReplayState::Pending, ..DeadLetterFilter::default() }
        );
    }

    #[test]
    fn reasons_repeat_or_split_on_commas_and_must_exist() {
        let f = parse(&["--reason", "unknown_gateway,unknown_sensor", "--reason", "gateway_flood"]).unwrap();
        assert_eq!(f.reasons, [RejectReason::UnknownGateway, RejectReason::UnknownSensor, RejectReason::GatewayFlood]);
        assert_eq!(parse(&["--reason", "nope"]), Err(FilterError::UnknownReason("nope".into())));
    }

    #[test]
    fn times_are_rfc3339_or_a_time_ago() {
        let f = parse(&["--since", "2h", "--until", "2027-01-15T08:00:00Z"]).unwrap();
        assert_eq!(f.since, ms_ago(7_200_000));
        assert_eq!(f.until, Some(Timestamp::from_millis(1_800_000_000_000)));
        assert_eq!(parse(&["--since", "30min"]).unwrap().since, ms_ago(1_800_000));
        assert_eq!(parse(&["--since", "2027-01-15T07:00:00.5Z"]).unwrap().since, ms_ago(3_599_500));
        assert!(matches!(parse(&["--until", "yesterday"]), Err(FilterError::BadTime { flag: "until", .. })));
        assert_eq!(parse(&["--since", "1h", "--until", "2h"]), Err(FilterError::EmptyRange));
    }

    #[test]
    fn gateway_company_and_state() {
        let f = parse(&["--gateway", "gw-ml-02", "--company", "metallerie-lievin", "--state", "replayed"]).unwrap();
        assert_eq!(f.gateway.as_deref(), Some("gw-ml-02"));
        assert_eq!(f.company.as_deref(), Some("metallerie-lievin"));
        assert_eq!(f.state, ReplayState::Replayed);
        assert_eq!(parse(&["--state", "all"]).unwrap().state, ReplayState::Any);
        assert!(T::try_parse_from(["t", "--state", "done"]).is_err());
    }
}
