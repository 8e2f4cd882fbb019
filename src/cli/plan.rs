//! `wasteflow plan --date D [--horizon 3d]`: which containers carriers should collect when,
//! grouped into trips across companies (docs/planning.md). Reads the registry tables and the
//! shared live state (`container_live`); the arithmetic is `crate::plan`. With `--evaluate`,
//! replays the simulator's realistic fortnight instead (`plan_eval.rs`).

use super::plan_args::PlanArgs;
use crate::config::Settings;
use crate::plan::{self, civil_from_days, parse_date, ContainerState, LocalClock, Params, Plan, Vehicle, DAY_S};
use crate::store::{column, connect, StoreError};
use crate::zone::{parse_window, CollectionWindow, CollectionWindowEntry, Zone};
use serde_json::json;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::process::ExitCode;
use tokio_postgres::Client;

pub async fn run(args: PlanArgs, settings: &Settings, zone: &Zone) -> Result<ExitCode, Box<dyn Error>> {
    let day = parse_date(&args.date)?;
    if !(args.rate_factor >= 1.0 && args.rate_factor.is_finite()) {
        return Err("--rate-factor: at least 1 (1: forecast at the rate since the last collection)".into());
    }
    if args.join.is_nan() || args.join <= 0.0 {
        return Err("--join: a share above 0 (0.75: a container joins at 75 % of its threshold; 2: never)".into());
    }
    let db = connect(&settings.database).await?;
    let time_zone = if args.evaluate {
        settings.zone.time_zone.clone()
    } else {
        column(&db.client.query_one("SELECT time_zone FROM zone_settings", &[]).await?, "time_zone")?
    };
    let span = if args.evaluate { i64::from(args.days) * DAY_S } else { args.horizon.as_secs() as i64 };
    let clock = local_clock(&db.client, &time_zone, day, span).await?;
    let start_s = clock.to_utc(day * DAY_S);
    let margin_s = args.margin.as_secs() as i64;
    if args.evaluate {
        let text = super::plan_eval::evaluate(zone, settings, &clock, start_s, &args)?;
        db.close().await;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let containers = read_containers(&db.client).await?;
    let vehicles = read_vehicles(&db.client).await?;
    db.close().await;
    let params = Params {
        now_s: start_s,
        until_s: start_s + span,
        margin_s,
        join_share: args.join,
        rate_factor: args.rate_factor,
    };
    let p = plan::plan(&containers, &clock, &params, &vehicles);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan_json(&p, &clock, &args, &time_zone))?);
    } else {
        print!("{}", plan_text(&p, &clock, &args, &time_zone));
    }
    Ok(ExitCode::SUCCESS)
}

/// The zone's UTC offsets, hour by hour, from the day before `day` to a fortnight after the
/// span (the database knows the time zone rules).
async fn local_clock(c: &Client, time_zone: &str, day: i64, span_s: i64) -> Result<LocalClock, StoreError> {
    let from = (day - 1) * DAY_S;
    let to = day * DAY_S + span_s + 15 * DAY_S;
    let rows = c
        .query(
            "SELECT extract(epoch FROM h)::int8 AS utc,
                    extract(epoch FROM (h AT TIME ZONE $1) - (h AT TIME ZONE 'UTC'))::int4 AS offset_s
             FROM generate_series(to_timestamp($2::int8), to_timestamp($3::int8), interval '1 hour') h",
            &[&time_zone, &from, &to],
        )
        .await?;
    let samples =
        rows.iter().map(|r| Ok((column(r, "utc")?, column(r, "offset_s")?))).collect::<Result<_, StoreError>>()?;
    Ok(LocalClock::from_samples(samples))
}

/// Every active container with a live fill level, its window (its own, else its site's, else
/// any time) and its expected full mass (the registry's largest load: conservative).
async fn read_containers(c: &Client) -> Result<Vec<ContainerState>, Box<dyn Error>> {
    let rows = c
        .query(
            "SELECT c.id, c.company_id, c.destination_id, c.transporter_id, c.volume_m3, c.max_load_kg,
                    c.overflow_threshold_pct, l.fill_pct, l.fill_rate_per_hour,
                    ((l.state->>'fill_ms')::float8 - (l.state->'base'->>1)::float8) / 3600000 AS rate_span_h,
                    extract(epoch FROM l.last_reading_at)::int8 AS reading_at,
                    CASE WHEN c.collection_days IS NOT NULL THEN c.collection_days ELSE s.collection_days END AS days,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_from ELSE s.collection_from END, 'HH24:MI') AS w_from,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_to ELSE s.collection_to END, 'HH24:MI') AS w_to
             FROM containers c
             JOIN container_live l ON l.container_id = c.id
             LEFT JOIN sites s ON s.id = c.site_id
             WHERE c.active AND l.fill_pct IS NOT NULL AND l.last_reading_at IS NOT NULL
             ORDER BY c.id",
            &[],
        )
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: String = column(r, "id")?;
        let days: Option<Vec<String>> = column(r, "days")?;
        let window = match (days, column::<Option<String>>(r, "w_from")?, column::<Option<String>>(r, "w_to")?) {
            (Some(days), Some(from), Some(to)) => parse_window(&CollectionWindowEntry { days, from, to })
                .map_err(|(field, why)| format!("container {id:?}: collection_window.{field}: {why}"))?,
            _ => CollectionWindow::ALWAYS,
        };
        out.push(ContainerState {
            company: column(r, "company_id")?,
            destination: column(r, "destination_id")?,
            transporter: column(r, "transporter_id")?,
            volume_m3: column(r, "volume_m3")?,
            full_mass_kg: column(r, "max_load_kg")?,
            threshold_pct: column(r, "overflow_threshold_pct")?,
            fill_pct: column(r, "fill_pct")?,
            reading_at_s: column(r, "reading_at")?,
            rate_per_hour: column(r, "fill_rate_per_hour")?,
            rate_span_h: column(r, "rate_span_h")?,
            window,
            id,
        });
    }
    Ok(out)
}

async fn read_vehicles(c: &Client) -> Result<BTreeMap<String, Vehicle>, StoreError> {
    let rows = c.query("SELECT id, vehicle_volume_m3, vehicle_mass_kg FROM transporters WHERE active", &[]).await?;
    rows.iter()
        .map(|r| {
            Ok((
                column(r, "id")?,
                Vehicle { volume_m3: column(r, "vehicle_volume_m3")?, mass_kg: column(r, "vehicle_mass_kg")? },
            ))
        })
        .collect()
}

/// A local time as ISO 8601 with its offset, e.g. 2026-12-07T07:00:00+01:00.
pub fn local_iso(clock: &LocalClock, t_s: i64) -> String {
    let local = clock.to_local(t_s);
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_S));
    let s = local.rem_euclid(DAY_S);
    let off = clock.offset_at(t_s);
    let sign = if off < 0 { '-' } else { '+' };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        off.abs() / 3600,
        off.abs() % 3600 / 60
    )
}

fn plan_json(p: &Plan, clock: &LocalClock, args: &PlanArgs, time_zone: &str) -> serde_json::Value {
    let trips: Vec<_> = p
        .trips
        .iter()
        .map(|t| {
            let (y, m, d) = civil_from_days(t.day);
            json!({
                "transporter": t.transporter,
                "destinations": t.destinations(),
                "date": format!("{y:04}-{m:02}-{d:02}"),
                "at": local_iso(clock, t.at_s),
                "companies": t.companies(),
                "volume_m3": t.volume_m3(),
                "tonnes": t.mass_kg() / 1000.0,
                "pickups": t.pickups.iter().map(|k| json!({
                    "container": k.container,
                    "company": k.company,
                    "destination": k.destination,
                    "at": local_iso(clock, k.at_s),
                    "fill_pct": k.fill_pct,
                    "volume_m3": k.volume_m3,
                    "tonnes": k.mass_kg / 1000.0,
                    "overflow_at": local_iso(clock, k.overflow_s),
                    "late": k.late,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "date": args.date,
        "time_zone": time_zone,
        "horizon_s": args.horizon.as_secs(),
        "margin_s": args.margin.as_secs(),
        "join": args.join,
        "rate_factor": args.rate_factor,
        "pickups": p.pickups.len(),
        "trips": trips,
        "trips_total": p.trips.len(),
        "own_trips": p.own_trips,
        "trips_saved": p.trips_saved(),
    })
}

/// "3 days", "36 h", "90 min": a horizon or a margin as a person writes it.
fn span(d: std::time::Duration) -> String {
    match d.as_secs() {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} day(s)", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{} h", s / 3_600),
        s => format!("{} min", s / 60),
    }
}

fn plan_text(p: &Plan, clock: &LocalClock, args: &PlanArgs, time_zone: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "collection plan from {} for {} ({time_zone}), margin {}: {} pick-up(s) in {} trip(s); \
         {} if every company called its own truck: {} trip(s) saved",
        args.date,
        span(args.horizon),
        span(args.margin),
        p.pickups.len(),
        p.trips.len(),
        p.own_trips,
        p.trips_saved()
    );
    let mut last = None;
    for t in &p.trips {
        if last != Some(&t.transporter) {
            let _ = writeln!(s, "\n{}", t.transporter);
            last = Some(&t.transporter);
        }
        let companies: Vec<&str> = t.companies().into_iter().collect();
        let _ = writeln!(
            s,
            "  trip {}: {} pick-up(s), {:.1} m3, {:.2} t, for {}",
            local_iso(clock, t.at_s),
            t.pickups.len(),
            t.volume_m3(),
            t.mass_kg() / 1000.0,
            companies.join(", ")
        );
        for dest in t.destinations() {
            let loads: Vec<_> = t.pickups.iter().filter(|k| k.destination == dest).collect();
            let tonnes: f64 = loads.iter().map(|k| k.mass_kg).sum::<f64>() / 1000.0;
            let _ = writeln!(s, "    -> {dest}: {tonnes:.2} t");
            for k in loads {
                let _ = writeln!(
                    s,
                    "      {}  {:<16} {:<20} {:>5.1} %  {:>5.1} m3  {:>5.2} t{}",
                    &local_iso(clock, k.at_s)[11..16],
                    k.container,
                    k.company,
                    k.fill_pct,
                    k.volume_m3,
                    k.mass_kg / 1000.0,
                    if k.late { "  LATE: forecast to overflow before any window" } else { "" }
                );
            }
        }
    }
    s
}
