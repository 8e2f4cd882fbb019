//! Collection planning across companies (issue 16, docs/planning.md): from each container's
//! forecast time to its overflow threshold, its collection window and its destination, which
//! containers a carrier should collect when, grouped into trips that serve several companies
//! within the vehicle's capacity; and the replay that measures a plan against fill
//! trajectories.
//!
//! Pure arithmetic on plain values: no clock, no database, no I/O (the command reads the
//! database in `cli/plan.rs`). Times are seconds since the Unix epoch, UTC; local days and
//! hours come from a [`LocalClock`] built from the database's time zone rules.

mod clock;
mod replay;
mod schedule;
mod trips;

pub use clock::{civil_from_days, days_from_civil, parse_date, LocalClock, PlanError, DAY_S};
pub use replay::{replay, Policy, ReplayContainer, ReplayOutcome};
pub use schedule::{pickup, ContainerState, Params, Pickup, FACTOR_FROM_H};
pub use trips::{group_trips, plan, Plan, Trip, Vehicle};
