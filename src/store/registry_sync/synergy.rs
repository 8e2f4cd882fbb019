//! The companies' accepted inputs and the cost and emission factors (docs/kpis.md "Synergy
//! opportunities", "Savings and avoided impact"), replaced at every sync.

use crate::store::error::StoreError;
use crate::zone::{accepted_code, treatment_mode, ZoneFile};
use tokio_postgres::GenericClient;

/// Replaces the companies' accepted inputs and the cost and emission factors with what the
/// file declares now.
pub(super) async fn sync_synergy(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    tx.batch_execute(
        "DELETE FROM accepts; DELETE FROM tgap_rates; DELETE FROM treatment_costs; DELETE FROM emission_factors;",
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

/// The baseline treatment, the TGAP rates, the treatment costs and the emission factors.
async fn insert_factors(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    let x = &f.factors;
    tx.execute("UPDATE zone_settings SET baseline_treatment = $1", &[&x.baseline_treatment]).await?;
    for t in &x.tgap {
        tx.execute(
            "INSERT INTO tgap_rates (year, landfill_eur_per_t, incineration_eur_per_t, source) VALUES ($1, $2, $3, $4)",
            &[&t.year, &t.landfill_eur_per_tonne, &t.incineration_eur_per_tonne, &t.source],
        )
        .await?;
    }
    for c in &x.costs {
        tx.execute(
            "INSERT INTO treatment_costs (treatment, destination_id, eur_per_t, source) VALUES ($1, $2, $3, $4)",
            &[&c.treatment, &c.destination, &c.eur_per_tonne, &c.source],
        )
        .await?;
    }
    for e in &x.emissions {
        tx.execute(
            "INSERT INTO emission_factors (stream_id, kg_co2e_per_t, source) VALUES ($1, $2, $3)",
            &[&e.stream, &e.kg_co2e_per_tonne, &e.source],
        )
        .await?;
    }
    Ok(())
}
