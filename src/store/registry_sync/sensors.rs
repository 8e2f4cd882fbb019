//! The gateways and their sensors, upserted and marked active; each sensor's attribution
//! (container and classification) compared with the one in force and a new one added, valid
//! from now, when anything differs; then every active sensor's ids read back.

use crate::calendar::Timestamp;
use crate::store::error::{column, StoreError};
use crate::zone::{stream_code, treatment_mode, Attribution, ContainerEntry, RegistryIds, Zone};
use std::sync::Arc;
use tokio_postgres::GenericClient;

/// Finds the classification with exactly these fields, or adds it.
const CLASSIFICATION: &str = "
WITH wanted (company_id, site_id, stream_id, ewc, hazardous, pop, status, treatment, treatment_mode, destination_id) AS (
    VALUES ($1::text, $2::text, $3::text, $4::text, $5::bool, $6::bool, $7::text, $8::text, $9::text, $10::text)),
found AS (
    SELECT c.id FROM classifications c, wanted w
    WHERE (c.company_id, c.site_id, c.stream_id, c.ewc, c.hazardous, c.pop, c.status, c.treatment, c.treatment_mode, c.destination_id)
          IS NOT DISTINCT FROM (w.company_id, w.site_id, w.stream_id, w.ewc, w.hazardous, w.pop, w.status, w.treatment, w.treatment_mode, w.destination_id)),
added AS (
    INSERT INTO classifications (company_id, site_id, stream_id, ewc, hazardous, pop, status, treatment, treatment_mode, destination_id)
    SELECT * FROM wanted WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING id)
SELECT id FROM found UNION ALL SELECT id FROM added";

/// The attribution in force for a sensor (the latest dated one).
const CURRENT_ATTRIBUTION: &str = "
SELECT container_id, classification_id FROM attributions
WHERE sensor_id = $1 AND valid_from IS NOT NULL ORDER BY valid_from DESC LIMIT 1";

/// Every active sensor's dated attributions.
const IDS: &str = "
SELECT s.gateway_id, s.number, s.id AS sensor_id, a.id AS attribution_id,
       (extract(epoch FROM a.valid_from) * 1000)::int8 AS valid_from_ms,
       a.container_id, a.classification_id, c.company_id
FROM sensors s
JOIN attributions a ON a.sensor_id = s.id AND a.valid_from IS NOT NULL
JOIN classifications c ON c.id = a.classification_id
WHERE s.active";

/// What the gateways' part of the sync wrote.
#[derive(Debug, Default)]
pub(super) struct SensorCounts {
    /// Sensors in the file.
    pub sensors: usize,
    /// Attributions added now.
    pub attributions_added: usize,
}

/// The gateways, their sensors, and the sensors' attributions.
pub(super) async fn sync_gateways(tx: &impl GenericClient, zone: &Zone) -> Result<SensorCounts, StoreError> {
    let mut counts = SensorCounts::default();
    for g in &zone.file.gateways {
        tx.execute(
            "INSERT INTO gateways (id, company_id, site_id, active) VALUES ($1, $2, $3, true)
             ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id, active = true",
            &[&g.id, &g.company, &g.site],
        )
        .await?;
        for s in &g.sensors {
            counts.sensors += 1;
            let row = tx
                .query_one(
                    "INSERT INTO sensors (gateway_id, number, container_id, active) VALUES ($1, $2, $3, true)
                     ON CONFLICT (gateway_id, number) DO UPDATE SET container_id = EXCLUDED.container_id, active = true
                     RETURNING id",
                    &[&g.id, &i32::from(s.number), &s.container],
                )
                .await?;
            let sensor_id: i32 = column(&row, "id")?;
            // The zone was checked when loaded: the container and its stream exist.
            let Some(c) = zone.container(&s.container) else { continue };
            let Some(classification) = classify(tx, zone, c).await? else { continue };
            if attribute(tx, sensor_id, c, classification).await? {
                counts.attributions_added += 1;
                tracing::info!(gateway = %g.id, sensor = s.number, container = %c.id, classification, "attribution added, valid from this sync");
            }
        }
    }
    Ok(counts)
}

/// The id of the classification of what the container holds (found or added); `None` when
/// the container's stream is not in the file (the zone was checked when loaded: it is).
async fn classify(tx: &impl GenericClient, zone: &Zone, c: &ContainerEntry) -> Result<Option<i32>, StoreError> {
    let Some(stream) = zone.file.streams.iter().find(|x| x.id == c.stream) else { return Ok(None) };
    let (ewc, hazardous) = match stream_code(&stream.ewc, stream.hazardous, stream.hazard_assessment.as_deref()) {
        Ok(code) => (code.code, code.hazardous),
        Err(_) => (stream.ewc.clone(), false),
    };
    let mode = treatment_mode(&c.treatment, c.treatment_mode).ok().flatten().map(|m| m.name());
    let row = tx
        .query_one(
            CLASSIFICATION,
            &[
                &c.company,
                &c.site,
                &c.stream,
                &ewc,
                &hazardous,
                &stream.pop,
                &stream.status.name(),
                &c.treatment,
                &mode,
                &c.destination,
            ],
        )
        .await?;
    Ok(Some(column(&row, "id")?))
}

/// Adds an attribution of the sensor to the container and classification, valid from now,
/// unless it is the one in force; returns whether it added one.
async fn attribute(
    tx: &impl GenericClient,
    sensor_id: i32,
    c: &ContainerEntry,
    classification: i32,
) -> Result<bool, StoreError> {
    let current = tx.query_opt(CURRENT_ATTRIBUTION, &[&sensor_id]).await?;
    let unchanged = match &current {
        Some(row) => {
            column::<&str>(row, "container_id")? == c.id && column::<i32>(row, "classification_id")? == classification
        }
        None => false,
    };
    if !unchanged {
        tx.execute(
            "INSERT INTO attributions (sensor_id, valid_from, container_id, classification_id)
             VALUES ($1, now(), $2, $3)",
            &[&sensor_id, &c.id, &classification],
        )
        .await?;
    }
    Ok(!unchanged)
}

/// Reads every active sensor's ids and attributions.
pub async fn load_ids(client: &impl GenericClient) -> Result<RegistryIds, StoreError> {
    let mut ids = RegistryIds::default();
    let mut names: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    let mut shared = |s: &str| -> Arc<str> {
        names.get(s).cloned().unwrap_or_else(|| {
            let a: Arc<str> = Arc::from(s);
            names.insert(a.clone());
            a
        })
    };
    for row in client.query(IDS, &[]).await? {
        let number: i32 = column(&row, "number")?;
        let attribution = Attribution {
            id: column(&row, "attribution_id")?,
            valid_from: Timestamp::from_millis(column(&row, "valid_from_ms")?),
            classification: column(&row, "classification_id")?,
            container: shared(column(&row, "container_id")?),
            company: shared(column(&row, "company_id")?),
        };
        let Ok(number) = u16::try_from(number) else { continue };
        ids.add(column(&row, "gateway_id")?, number, column(&row, "sensor_id")?, attribution);
    }
    Ok(ids.finish())
}
