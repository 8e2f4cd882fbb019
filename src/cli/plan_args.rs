//! The options of `wasteflow plan`, read by the plan (`plan.rs`) and by its evaluation
//! (`plan_eval.rs`).

use std::time::Duration;

/// The `plan` subcommand's options.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// First local day of the plan, YYYY-MM-DD in the zone's time zone; the plan starts at its
    /// midnight. Today in the zone by default. With --evaluate: the first simulated day.
    #[arg(long)]
    pub date: Option<String>,
    /// How far ahead to plan from the date's midnight (e.g. 3d, 36h).
    #[arg(long, default_value = "3d", value_parser = humantime::parse_duration)]
    pub horizon: Duration,
    /// Collect at the latest this long before a container's forecast overflow.
    #[arg(long, default_value = "2h", value_parser = humantime::parse_duration)]
    pub margin: Duration,
    /// A container joins an earlier trip of its carrier when its forecast
    /// fill then is at least this share of its overflow threshold; above 1: never.
    #[arg(long, default_value_t = 0.75)]
    pub join: f64,
    /// Forecast overflows at this many times each container's fill rate (the rate since its
    /// last collection averages nights and weekends, when little is thrown away).
    #[arg(long, default_value_t = 1.25)]
    pub rate_factor: f64,
    /// Pick-up times are rounded down to a multiple of this from local midnight, as a
    /// carrier schedules them (15m: 11:00, 11:15; 0s: not rounded).
    #[arg(long, default_value = "15m", value_parser = humantime::parse_duration)]
    pub slot: Duration,
    /// With --evaluate: road kilometres are estimated as the great-circle distance times this
    /// detour factor (at least 1; docs/planning.md "Kilometres, tCO2e and euros" says why 1.2).
    #[arg(long, default_value_t = crate::plan::DEFAULT_DETOUR)]
    pub detour: f64,
    /// Print the plan (or the evaluation) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Replay the simulator's realistic zone from --date (after 3 days of warm-up) under the
    /// simulator's own collections, a call at the threshold served in the windows, and the
    /// planner; print overflows, trips, fill at collection, and the trips' kilometres, tCO2e
    /// and euros for each.
    #[arg(long)]
    pub evaluate: bool,
    /// With --evaluate: days to replay (1 to 60).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub days: u32,
    /// With --evaluate: the simulator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
