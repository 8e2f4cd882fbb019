//! Collection planning across companies (issue 16, docs/planning.md): from each container's
//! forecast time to its overflow threshold, its collection window and its destination, which
//! containers a carrier should collect when, grouped into trips that serve several companies
//! within the vehicle's capacity; and the replay that measures a plan against fill
//! trajectories.
//!
//! Pure arithmetic on plain values: no clock, no database, no I/O (the command reads the
//! database through `report/plan/`). Instants are [`Timestamp`](crate::calendar::Timestamp)s, to
//! the whole second (the live state's reading times, rounded; windows open on the minute),
//! spans [`SignedDuration`](crate::calendar::SignedDuration)s; local days and wall-clock times
//! ([`LocalTime`]) come from a [`LocalClock`] built from the database's time zone rules.

mod distance;
mod footprint;
mod load;
mod local_time;
mod pooling;
mod replay;
mod rounds;
mod schedule;
mod trips;

pub use distance::{great_circle_km, road_km, Point, DEFAULT_DETOUR, EARTH_RADIUS_KM};
pub use footprint::{
    by_carrier, footprint, route, trip_footprint, trip_km, Amount, Footprint, PerKm, Places, TripFootprint,
};
pub use load::{ExpectedMass, MassBasis, Weighing, WEIGHINGS_READ};
pub use local_time::{whole_seconds, LocalClock, LocalTime, DAY, HOUR};
pub use pooling::{plan, Plan};
pub use replay::{replay, Policy, ReplayContainer, ReplayOutcome};
pub use schedule::{pickup, slot_floor, Params, Pickup, PlannedContainer, FACTOR_FROM_H};
pub use trips::{group_trips, Trip, Vehicle};

/// A trip for tests: a carrier's pick-ups `(container, destination)`, in the round's order.
#[cfg(test)]
pub(crate) use footprint::tests::trip as test_trip;
