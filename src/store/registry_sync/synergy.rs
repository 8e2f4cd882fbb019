//! The companies' accepted inputs and the cost and emission factors (docs/kpis.md "Synergy
//! opportunities", "Savings and avoided impact"), replaced at every sync.

use crate::store::error::StoreError;
use crate::zone::{accepted_code, effective, treatment_mode, ZoneFile};
use tokio_postgres::GenericClient;

/// Replaces the companies' accepted inputs and the cost and emission factors with what the
/// file declares now.
pub(super) async fn sync_synergy(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    tx.batch_execute(
        "DELETE FROM accepts; DELETE FROM tgap_category_rates; DELETE FROM treatment_costs; DELETE FROM emission_factors;",
    )
    .await?;
    insert_accepts(tx, f).await?;
    insert_factors(tx, f).await
}

/// What each company declares it accepts.
async fn insert_accepts(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for c in &f.companies {
        for a in &c.accepts {
            // The zone was checked when loaded: the code is on the list, the mode fits.
            let (Ok(ewc), Ok(Some(mode))) = (accepted_code(&a.ewc), treatment_mode(&a.treatment, a.treatment_mode))
            else {
                continue;
            };
            tx.execute(
                "INSERT INTO accepts (company_id, ewc, treatment, treatment_mode, max_tonnes_per_month)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&c.id, &ewc, &a.treatment, &mode.name(), &a.max_tonnes_per_month],
            )
            .await?;
        }
    }
    Ok(())
}

/// The baselines, the TGAP rates, the treatment costs and the emission factors in force: the
/// zone's over the reference estimates, each row with its source and origin.
async fn insert_factors(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    let x = effective(f);
    tx.execute(
        "UPDATE zone_settings SET baseline_treatment = $1, hazardous_baseline_treatment = $2",
        &[&x.baseline, &x.hazardous_baseline],
    )
    .await?;
    for t in &x.tgap {
        tx.execute(
            "INSERT INTO tgap_category_rates (year, category, eur_per_t, source, origin) VALUES ($1, $2, $3, $4, $5)",
            &[&t.year, &t.category.name(), &t.eur_per_tonne, &t.source, &t.origin.name()],
        )
        .await?;
    }
    for c in &x.costs {
        tx.execute(
            "INSERT INTO treatment_costs (treatment, destination_id, ewc, eur_per_t, source, origin)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&c.treatment, &c.destination, &c.ewc, &c.eur_per_tonne, &c.source, &c.origin.name()],
        )
        .await?;
    }
    for e in &x.emissions {
        tx.execute(
            "INSERT INTO emission_factors (stream_id, ewc, kg_co2e_per_t, source, origin) VALUES ($1, $2, $3, $4, $5)",
            &[&e.stream, &e.ewc, &e.kg_co2e_per_tonne, &e.source, &e.origin.name()],
        )
        .await?;
    }
    Ok(())
}
