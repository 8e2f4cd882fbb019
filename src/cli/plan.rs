//! `wasteflow plan --date D [--horizon 3d]`: which containers carriers should collect when,
//! grouped into trips across companies (docs/planning.md). [`crate::report::plan`] reads the
//! registry and the shared live state and renders the plan; the arithmetic is `crate::plan`.
//! With `--evaluate`, replays the simulator's realistic fortnight instead (`plan_eval.rs`).

use super::plan_args::PlanArgs;
use crate::calendar::SignedDuration;
use crate::calendar::{day_number, parse_date};
use crate::config::Settings;
use crate::plan::LocalTime;
use crate::report::plan::{self as collection_plan, PlanRequest};
use crate::report::ZoneTime;
use crate::store::connect;
use crate::zone::Zone;
use std::error::Error;
use std::process::ExitCode;

pub async fn run(mut args: PlanArgs, settings: &Settings, zone: &Zone) -> Result<ExitCode, Box<dyn Error>> {
    if !(args.rate_factor >= 1.0 && args.rate_factor.is_finite()) {
        return Err("--rate-factor: at least 1 (1: forecast at the rate since the last collection)".into());
    }
    if args.join.is_nan() || args.join <= 0.0 {
        return Err("--join: a share above 0 (0.75: a container joins at 75 % of its threshold; 2: never)".into());
    }
    if !(args.detour >= 1.0 && args.detour.is_finite()) {
        return Err("--detour: at least 1 (1.2: a road trip 20 % longer than the straight line)".into());
    }
    let db = connect(&settings.database).await?;
    let date = match &args.date {
        Some(text) => parse_date(text).map_err(|e| format!("--date: {e}"))?,
        None => ZoneTime::read(&db.client).await?.today(&db.client).await?,
    };
    let day = day_number(date);
    args.date = Some(date.to_string());
    if args.evaluate {
        // The simulated zone runs in the configured time zone, whose rules the database knows.
        let time_zone = ZoneTime { name: settings.zone.time_zone.clone() };
        let days = SignedDuration::from_hours(24 * i64::from(args.days));
        let clock = time_zone.local_clock(&db.client, day, days).await;
        db.close().await;
        let clock = clock?;
        let text = super::plan_eval::evaluate(zone, settings, &clock, clock.to_utc(LocalTime::midnight(day)), &args)?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let request = PlanRequest {
        date: date.to_string(),
        day,
        horizon: args.horizon,
        margin: args.margin,
        join: args.join,
        rate_factor: args.rate_factor,
        slot: args.slot,
    };
    let plan = collection_plan::read(&db.client, request).await;
    db.close().await;
    let plan = plan?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&collection_plan::to_json(&plan))?);
    } else {
        print!("{}", collection_plan::to_text(&plan));
    }
    Ok(ExitCode::SUCCESS)
}
