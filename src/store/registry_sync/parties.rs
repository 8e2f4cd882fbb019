//! The registry's parties, upserted and marked active: the treatment operations, the
//! companies (with their `company_roles` rows), their sites, the outside operators, each
//! destination's declared final operations, and the transporters.

use crate::store::error::StoreError;
use crate::store::schema::add_company_rows;
use crate::zone::{all_treatments, parse_window, treatment_mode, CollectionWindowEntry, TgapCategory, ZoneFile};
use tokio_postgres::GenericClient;

/// Every treatment operation the crate knows, with its class.
pub(super) async fn upsert_treatments(tx: &impl GenericClient) -> Result<(), StoreError> {
    for (code, class, landfill) in all_treatments() {
        let tgap = |hazardous| TgapCategory::of_disposal(&code, hazardous).map(TgapCategory::name);
        tx.execute(
            "INSERT INTO treatments (code, class, landfill, tgap_non_hazardous, tgap_hazardous) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET class = EXCLUDED.class, landfill = EXCLUDED.landfill,
             tgap_non_hazardous = EXCLUDED.tgap_non_hazardous, tgap_hazardous = EXCLUDED.tgap_hazardous",
            &[&code, &class.name(), &landfill, &tgap(false), &tgap(true)],
        )
        .await?;
    }
    Ok(())
}

/// The companies, then a `company_roles` row for each new one.
pub(super) async fn upsert_companies(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for c in &f.companies {
        tx.execute(
            "INSERT INTO companies (id, siren, name, active) VALUES ($1, $2, $3, true)
             ON CONFLICT (id) DO UPDATE SET siren = EXCLUDED.siren, name = EXCLUDED.name, active = true",
            &[&c.id, &c.siren, &c.name],
        )
        .await?;
    }
    add_company_rows(tx).await
}

/// A collection window as the registry tables hold it: day names, "HH:MM", "HH:MM" (NULLs when
/// absent). The zone was checked when loaded, so the window parses.
pub(super) fn window_columns(
    w: Option<&CollectionWindowEntry>,
) -> (Option<Vec<String>>, Option<String>, Option<String>) {
    match w.and_then(|w| parse_window(w).ok()) {
        Some(p) => {
            let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
            // 24:00 is the end of the day; PostgreSQL's time type holds it.
            (Some(p.day_names()), Some(hhmm(p.from_min)), Some(hhmm(p.to_min)))
        }
        None => (None, None, None),
    }
}

/// The companies' sites, with their position, geofence and collection window.
pub(super) async fn upsert_sites(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for s in &f.sites {
        let (days, from, to) = window_columns(s.collection_window.as_ref());
        tx.execute(
            "INSERT INTO sites (id, company_id, siret, address, latitude, longitude, geofence_radius_m,
                                collection_days, collection_from, collection_to, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::time, $10::text::time, true)
             ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, siret = EXCLUDED.siret,
             address = EXCLUDED.address, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
             geofence_radius_m = EXCLUDED.geofence_radius_m, collection_days = EXCLUDED.collection_days,
             collection_from = EXCLUDED.collection_from, collection_to = EXCLUDED.collection_to, active = true",
            &[
                &s.id,
                &s.company,
                &s.siret,
                &s.address,
                &s.latitude,
                &s.longitude,
                &s.geofence_radius_m,
                &days,
                &from,
                &to,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The outside operators (destinations that are not companies of the zone).
pub(super) async fn upsert_operators(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for o in &f.operators {
        tx.execute(
            "INSERT INTO operators (id, name, siret, address, tgap_category, active) VALUES ($1, $2, $3, $4, $5, true)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siret = EXCLUDED.siret,
             address = EXCLUDED.address, tgap_category = EXCLUDED.tgap_category, active = true",
            &[&o.id, &o.name, &o.siret, &o.address, &o.tgap_category.map(|c| c.name())],
        )
        .await?;
    }
    Ok(())
}

/// Each destination's declared final operations, replaced (docs/kpis.md, "Resolved
/// figures"); a destination no longer in the file keeps its last one, as it keeps its name.
pub(super) async fn replace_final_operations(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    let declarations = f
        .companies
        .iter()
        .map(|c| (&c.id, &c.final_operations))
        .chain(f.operators.iter().map(|o| (&o.id, &o.final_operations)));
    for (destination, ops) in declarations {
        tx.execute("DELETE FROM final_operations WHERE destination_id = $1", &[destination]).await?;
        for op in ops {
            // The zone was checked when loaded: a final code, its mode fits.
            let Ok(Some(mode)) = treatment_mode(&op.code, op.mode) else { continue };
            tx.execute(
                "INSERT INTO final_operations (destination_id, treatment, treatment_mode, share)
                 VALUES ($1, $2, $3, $4::float8::numeric)",
                &[destination, &op.code, &mode.name(), &op.share],
            )
            .await?;
        }
    }
    Ok(())
}

/// The carriers, with their receipt and vehicle limits.
pub(super) async fn upsert_transporters(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for t in &f.transporters {
        tx.execute(
            "INSERT INTO transporters (id, name, siret, address, receipt_number, receipt_department,
                 receipt_valid_until, receipt_exempt, vehicle_volume_m3, vehicle_mass_kg, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::date, $8, $9, $10, true)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siret = EXCLUDED.siret,
                 address = EXCLUDED.address, receipt_number = EXCLUDED.receipt_number,
                 receipt_department = EXCLUDED.receipt_department,
                 receipt_valid_until = EXCLUDED.receipt_valid_until,
                 receipt_exempt = EXCLUDED.receipt_exempt, vehicle_volume_m3 = EXCLUDED.vehicle_volume_m3,
                 vehicle_mass_kg = EXCLUDED.vehicle_mass_kg, active = true",
            &[
                &t.id,
                &t.name,
                &t.siret,
                &t.address,
                &t.receipt_number,
                &t.receipt_department,
                &t.receipt_valid_until,
                &t.receipt_exempt,
                &t.vehicle_volume_m3,
                &t.vehicle_mass_kg,
            ],
        )
        .await?;
    }
    Ok(())
}
