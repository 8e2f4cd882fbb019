//! Reading the shipments of a site out of the database: the weighings, spelled out through the
//! attribution each was stamped with (its classification never changes), and the labels
//! (names, SIRET numbers, addresses, carriers) as the registry holds them today.

use super::lines::{build, Register};
use super::shipment::{Reception, Shipment, Transporter};
use super::{Direction, Request};
use crate::calendar::Timestamp;
use crate::report::{ReportError, ZoneTime};
use crate::store::{column, StoreError};
use std::time::Duration;
use tokio_postgres::GenericClient;

/// `$1` site id, `$2` first local day, `$3` last local day, `$4` time zone; the direction adds
/// its condition. Weighings (`weighings`, migration 24: the readings of kind 1, net mass,
/// value_milli in grams) above zero: an empty
/// container's weighing carries no waste, and the import refuses 0 t. No line either for what
/// is not waste: by-products and end-of-waste materials, and R0, re-use of products that never
/// became waste (code de l'environnement, L. 541-1-1; docs/register.md, "R0").
///
/// The check that no later weighing of the sensor came before the reception's is bounded by
/// the instants it implies (after the earliest weighing read, before 7 days after the last) and
/// kept a subplan (`OFFSET 0`): when it read `readings`, on TimescaleDB an `EXISTS` the planner
/// turned into a join, or an unbounded one, planned every chunk (0.3-1.2 s with 5 years of daily
/// chunks on PGlite, docs/performance.md); the rows are the same.
const SHIPMENTS: &str = "
SELECT r.sensor_id, (extract(epoch FROM r.ts) * 1000)::int8 AS ts_ms,
       (r.ts AT TIME ZONE $4)::date AS local_day,
       r.value_milli, a.container_id, k.max_load_kg,
       c.company_id, pc.name AS company_name, coalesce(c.site_id, k.site_id) AS site_id,
       ps.siret AS site_siret, ps.address AS site_address,
       c.stream_id, st.description, c.ewc, c.hazardous, c.pop, c.treatment, c.treatment_mode, c.destination_id,
       (SELECT f.treatment FROM final_operations f WHERE f.destination_id = c.destination_id
         ORDER BY f.share DESC, f.treatment LIMIT 1) AS next_treatment,
       op.id IS NOT NULL AS to_operator, op.name AS op_name, op.siret AS op_siret, op.address AS op_address,
       dc.id IS NOT NULL AS to_company, dc.name AS dc_name,
       coalesce((SELECT array_agg(x.siret ORDER BY x.id) FROM sites x WHERE x.company_id = dc.id AND x.active), '{}') AS dc_sirets,
       coalesce((SELECT array_agg(x.address ORDER BY x.id) FROM sites x WHERE x.company_id = dc.id AND x.active), '{}') AS dc_addresses,
       k.transporter_id, t.id IS NOT NULL AS has_transporter, t.name AS t_name, t.siret AS t_siret, t.address AS t_address,
       t.receipt_number, t.receipt_valid_until,
       coalesce(t.receipt_exempt, false) AS receipt_exempt,
       EXISTS (SELECT 1 FROM weighbridges b WHERE b.active AND b.company_id = c.destination_id) AS destination_weighs,
       rw.weighed_at IS NOT NULL AS received, (extract(epoch FROM rw.weighed_at) * 1000)::int8 AS received_ms,
       (rw.weighed_at AT TIME ZONE $4)::date AS received_day,
       to_char(rw.weighed_at AT TIME ZONE $4, 'HH24:MI') AS received_hour,
       rw.net_grams AS received_grams, rw.weighbridge_id, rw.slip_number
FROM weighings r
JOIN attributions a ON a.id = r.attribution_id
JOIN classifications c ON c.id = a.classification_id
LEFT JOIN containers k ON k.id = a.container_id
LEFT JOIN companies pc ON pc.id = c.company_id
LEFT JOIN sites ps ON ps.id = coalesce(c.site_id, k.site_id)
LEFT JOIN streams st ON st.id = c.stream_id
LEFT JOIN operators op ON op.id = c.destination_id
LEFT JOIN companies dc ON dc.id = c.destination_id
LEFT JOIN transporters t ON t.id = k.transporter_id
LEFT JOIN LATERAL (
    SELECT w.weighed_at, w.net_grams, w.weighbridge_id, w.slip_number
    FROM reception_weighings w JOIN weighbridges b ON b.id = w.weighbridge_id
    WHERE b.company_id = c.destination_id AND w.container_id = a.container_id
      AND w.weighed_at >= r.ts AND w.weighed_at < r.ts + interval '7 days'
      AND NOT EXISTS (SELECT 1 FROM weighings n WHERE n.attribution_id IN (SELECT x.id FROM attributions x WHERE x.sensor_id = r.sensor_id) AND n.value_milli > 0
                      AND n.ts > r.ts AND n.ts <= w.weighed_at
                      AND n.ts > (($2::date - 7)::timestamp AT TIME ZONE $4)
                      AND n.ts < (($3::date + 1)::timestamp AT TIME ZONE $4) + interval '7 days' OFFSET 0)
    ORDER BY w.weighed_at, w.weighbridge_id LIMIT 1) rw ON true
WHERE r.value_milli > 0 AND c.status = 'waste' AND c.treatment <> 'R0'
  AND ";

/// Outgoing: what the site produced, wherever it went (in-house treatment included), dated
/// by the producer's weighing.
const OUTGOING: &str = "r.ts >= ($2::date::timestamp AT TIME ZONE $4)
  AND r.ts < (($3::date + 1)::timestamp AT TIME ZONE $4)
  AND coalesce(c.site_id, k.site_id) = $1 ORDER BY r.ts, r.sensor_id";

/// Incoming: what other sites sent to the site's company, dated by the receiving site's own
/// weighing when its weighbridge recorded one (at most 7 days after the producer's), else by
/// the producer's.
const INCOMING: &str = "r.ts >= (($2::date - 7)::timestamp AT TIME ZONE $4)
  AND r.ts < (($3::date + 1)::timestamp AT TIME ZONE $4)
  AND coalesce(rw.weighed_at, r.ts) >= ($2::date::timestamp AT TIME ZONE $4)
  AND coalesce(rw.weighed_at, r.ts) < (($3::date + 1)::timestamp AT TIME ZONE $4)
  AND c.destination_id = (SELECT company_id FROM sites WHERE id = $1)
  AND coalesce(c.site_id, k.site_id) IS DISTINCT FROM $1 ORDER BY coalesce(rw.weighed_at, r.ts), r.sensor_id";

/// The register `request` asks for: the site with its SIRET, `from` to `to` (local dates,
/// inclusive, in the zone's time zone as the database holds it).
pub async fn export(client: &impl GenericClient, request: &Request, limit: Duration) -> Result<Register, ReportError> {
    let Request { siret, direction, from, to, .. } = request;
    let (siret, direction) = (siret.as_str(), *direction);
    let run = async {
        let site = client
            .query_opt("SELECT id, company_id FROM sites WHERE siret = $1 ORDER BY active DESC, id LIMIT 1", &[&siret])
            .await
            .map_err(StoreError::from)?;
        let Some(site) = site else { return Err(ReportError::NoSite(siret.to_string())) };
        let site_id: String = column(&site, "id")?;
        let sql = format!("{SHIPMENTS}{}", if direction == Direction::Outgoing { OUTGOING } else { INCOMING });
        let zone = ZoneTime::read(client).await?;
        let rows = client.query(&sql, &[&site_id, from, to, &zone.name]).await.map_err(StoreError::from)?;
        let mut shipments = Vec::with_capacity(rows.len());
        for row in &rows {
            shipments.push(shipment(row)?);
        }
        Ok(build(request, &shipments))
    };
    match tokio::time::timeout(limit.max(Duration::from_secs(60)), run).await {
        Ok(r) => r,
        Err(_) => Err(StoreError::Timeout(limit).into()),
    }
}

fn shipment(row: &tokio_postgres::Row) -> Result<Shipment, StoreError> {
    let to_operator: bool = column(row, "to_operator")?;
    let to_company: bool = column(row, "to_company")?;
    let has_transporter: bool = column(row, "has_transporter")?;
    let operator = if to_operator {
        Some((column(row, "op_name")?, column(row, "op_siret")?, column(row, "op_address")?))
    } else {
        None
    };
    let dest_company = if to_company {
        let sirets: Vec<String> = column(row, "dc_sirets")?;
        let addresses: Vec<String> = column(row, "dc_addresses")?;
        Some((column(row, "dc_name")?, sirets.into_iter().zip(addresses).collect()))
    } else {
        None
    };
    let transporter = if has_transporter {
        Some(Transporter {
            name: column(row, "t_name")?,
            siret: column(row, "t_siret")?,
            address: column(row, "t_address")?,
            receipt_number: column(row, "receipt_number")?,
            receipt_valid_until: column(row, "receipt_valid_until")?,
            receipt_exempt: column(row, "receipt_exempt")?,
        })
    } else {
        None
    };
    let received: bool = column(row, "received")?;
    let reception = if received {
        Some(Reception {
            at: Timestamp::from_millis(column(row, "received_ms")?),
            local_day: column(row, "received_day")?,
            hour: column(row, "received_hour")?,
            grams: column(row, "received_grams")?,
            weighbridge_id: column(row, "weighbridge_id")?,
            slip_number: column(row, "slip_number")?,
        })
    } else {
        None
    };
    Ok(Shipment {
        destination_weighs: column(row, "destination_weighs")?,
        reception,
        sensor_id: column(row, "sensor_id")?,
        // Milliseconds, rounded by the query as the line's identifier always had them.
        ts: Timestamp::from_millis(column(row, "ts_ms")?),
        local_day: column(row, "local_day")?,
        grams: column(row, "value_milli")?,
        max_load_kg: column(row, "max_load_kg")?,
        container_id: column(row, "container_id")?,
        company_id: column(row, "company_id")?,
        company_name: column(row, "company_name")?,
        site_id: column(row, "site_id")?,
        site_siret: column(row, "site_siret")?,
        site_address: column(row, "site_address")?,
        stream_id: column(row, "stream_id")?,
        description: column(row, "description")?,
        ewc: column(row, "ewc")?,
        hazardous: column(row, "hazardous")?,
        pop: column(row, "pop")?,
        treatment: column(row, "treatment")?,
        treatment_mode: column(row, "treatment_mode")?,
        destination_id: column(row, "destination_id")?,
        next_treatment: column(row, "next_treatment")?,
        operator,
        dest_company,
        transporter_id: column(row, "transporter_id")?,
        transporter,
    })
}
