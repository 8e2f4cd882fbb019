//! The collection plan as text and as JSON, in the zone's local time.

use super::CollectionPlan;
use crate::calendar::{date_of_day, Timestamp};
use crate::plan::{LocalClock, MassBasis, Plan};
use serde_json::json;
use std::fmt::Write as _;

/// A local time as ISO 8601 with its offset, e.g. 2026-12-07T07:00:00+01:00.
pub fn local_iso(clock: &LocalClock, t: Timestamp) -> String {
    let local = clock.to_local(t);
    let date = day_text(local.day());
    let s = local.time_of_day().as_secs();
    let off = clock.offset_at(t).as_secs();
    let sign = if off < 0 { '-' } else { '+' };
    format!(
        "{date}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        off.abs() / 3600,
        off.abs() % 3600 / 60
    )
}

/// A local day (days since 1970-01-01) as `YYYY-MM-DD`.
fn day_text(day: i64) -> String {
    date_of_day(day).map_or_else(|| format!("day {day}"), |d| d.to_string())
}

/// The plan as JSON (`wasteflow plan --json`).
pub fn to_json(c: &CollectionPlan) -> serde_json::Value {
    let (p, clock, request, time_zone) = (&c.plan, &c.clock, &c.request, &c.time_zone);
    let trips: Vec<_> = p
        .trips
        .iter()
        .map(|t| {
            json!({
                "transporter": t.transporter,
                "destinations": t.destinations(),
                "date": day_text(t.day),
                "at": local_iso(clock, t.at),
                "companies": t.companies(),
                "volume_m3": t.volume_m3(),
                "tonnes": t.mass_kg() / 1000.0,
                "pickups": t.pickups.iter().map(|k| json!({
                    "container": k.container,
                    "company": k.company,
                    "destination": k.destination,
                    "at": local_iso(clock, k.at),
                    "fill_pct": k.fill_pct,
                    "read_fill_pct": k.read_fill_pct,
                    "read_at": local_iso(clock, k.read_at),
                    "volume_m3": k.volume_m3,
                    "tonnes": k.mass_kg / 1000.0,
                    "mass_basis": k.mass_basis.name(),
                    "weighings": match k.mass_basis { MassBasis::Weighings { count, .. } => count, MassBasis::MaxLoad => 0 },
                    "overflow_at": local_iso(clock, k.overflow),
                    "late": k.late,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "date": request.date,
        "time_zone": time_zone,
        "horizon_s": request.horizon.as_secs(),
        "margin_s": request.margin.as_secs(),
        "join": request.join,
        "rate_factor": request.rate_factor,
        "slot_s": request.slot.as_secs(),
        "headline": headline(p),
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

/// "1 trip", "3 trips".
fn trips_text(n: usize) -> String {
    format!("{n} trip{}", if n == 1 { "" } else { "s" })
}

/// What pooling saves, in words: the trips the plan drives against those of every company
/// calling its own truck. Distances, costs and emissions are not known to the plan (the
/// registry has no coordinates for the carriers' depots nor for the operators).
pub fn headline(p: &Plan) -> String {
    let (n, own, saved) = (p.pickups.len(), p.own_trips, p.trips_saved());
    let pickups = format!("{n} pick-up{}", if n == 1 { "" } else { "s" });
    if n == 0 {
        return "Nothing to collect in this period.".into();
    }
    if saved == 0 {
        return format!(
            "Pooling saves no trip: the {pickups} take {}, as many as if every company called its own truck.",
            trips_text(p.trips.len())
        );
    }
    format!(
        "Pooling saves {saved} of {own} trips ({:.0} %): the {pickups} take {}, against {own} if every company \
         called its own truck. Kilometres, euros and CO2e are not estimated here; `wasteflow plan --evaluate` \
         gives them for a simulated fortnight.",
        100.0 * saved as f64 / own as f64,
        trips_text(p.trips.len())
    )
}

/// The plan as text: a header and what pooling saves, then each carrier's trips with their
/// destinations and pick-ups.
pub fn to_text(c: &CollectionPlan) -> String {
    let (p, clock, request, time_zone) = (&c.plan, &c.clock, &c.request, &c.time_zone);
    let mut s = String::new();
    let slot = if request.slot.is_zero() { "to the second".to_string() } else { format!("by {}", span(request.slot)) };
    let _ = writeln!(
        s,
        "collection plan from {} for {} ({time_zone}), margin {}, times {slot}\n{}",
        request.date,
        span(request.horizon),
        span(request.margin),
        headline(p)
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
            local_iso(clock, t.at),
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
                let basis = match k.mass_basis {
                    MassBasis::Weighings { count, .. } => format!("{count} weighing(s)"),
                    MassBasis::MaxLoad => "max load".into(),
                };
                let read = local_iso(clock, k.read_at);
                let _ = writeln!(
                    s,
                    "      {}  {:<16} {:<20} {:>5.1} %  {:>5.1} m3  {:>5.2} t by {basis}; read {:.1} % at {} {}{}",
                    &local_iso(clock, k.at)[11..16],
                    k.container,
                    k.company,
                    k.fill_pct,
                    k.volume_m3,
                    k.mass_kg / 1000.0,
                    k.read_fill_pct,
                    &read[..10],
                    &read[11..16],
                    if k.late { "  LATE: forecast to overflow before any window" } else { "" }
                );
            }
        }
    }
    s
}
