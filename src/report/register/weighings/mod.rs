//! `wasteflow register weighings`: a weighbridge's tickets into `reception_weighings`
//! (migration 19), where the incoming register finds the hour of the receiving site's own
//! weighing and the slip number on its ticket (docs/register.md, "Weighing at the destination").

mod tickets;

pub use tickets::{parse, Ticket};

use crate::spelling::closest;
use crate::store::{column, StoreError};
use tokio_postgres::Client;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Tickets stored now.
    pub added: u64,
    /// Tickets stored by an earlier import of the same file (same weighbridge, container and
    /// time), left as they were.
    pub already: u64,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum WeighingsError {
    #[error("no weighbridge {id:?} in the registry (a `[[weighbridges]]` entry of the zone file, then `wasteflow registry sync`){near}")]
    NoWeighbridge { id: String, near: String },
    #[error("nothing imported; {} ticket(s) refused:\n  {}", .0.len(), .0.join("\n  "))]
    Refused(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<tokio_postgres::Error> for WeighingsError {
    fn from(e: tokio_postgres::Error) -> Self {
        WeighingsError::Store(e.into())
    }
}

/// Stores `tickets` as weighed on `weighbridge`, all or none: every ticket must name a
/// container of the registry whose destination is the weighbridge's company.
pub async fn import(client: &mut Client, weighbridge: &str, tickets: &[Ticket]) -> Result<Imported, WeighingsError> {
    let tx = client.transaction().await?;
    let found = tx.query_opt("SELECT company_id FROM weighbridges WHERE id = $1 AND active", &[&weighbridge]).await?;
    let Some(found) = found else {
        let ids: Vec<String> = tx
            .query("SELECT id FROM weighbridges WHERE active ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let near = closest(weighbridge, ids.iter().map(String::as_str))
            .map(|n| format!("; did you mean {n:?}?"))
            .unwrap_or_default();
        return Err(WeighingsError::NoWeighbridge { id: weighbridge.to_string(), near });
    };
    let company: String = column(&found, "company_id")?;
    let rows = tx.query("SELECT id, destination_id FROM containers ORDER BY id", &[]).await?;
    // Each container's destination, by id.
    let destination_of: std::collections::BTreeMap<String, String> =
        rows.iter().map(|r| (r.get("id"), r.get("destination_id"))).collect();
    let mut refused = Vec::new();
    for t in tickets {
        match destination_of.get(&t.container) {
            None => {
                let near = closest(&t.container, destination_of.keys().map(String::as_str))
                    .map(|n| format!("; did you mean {n:?}?"))
                    .unwrap_or_default();
                refused
                    .push(format!("line {}: container: no container {:?} in the registry{near}", t.line, t.container));
            }
            Some(d) if *d != company => refused.push(format!(
                "line {}: container {:?} goes to {d:?}, not to {company:?}, whose weighbridge {weighbridge:?} this is",
                t.line, t.container
            )),
            Some(_) => {}
        }
    }
    if !refused.is_empty() {
        return Err(WeighingsError::Refused(refused));
    }
    let insert = tx
        .prepare(
            "INSERT INTO reception_weighings (weighbridge_id, container_id, weighed_at, net_grams, slip_number)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .await?;
    let mut added = 0;
    for t in tickets {
        added += tx.execute(&insert, &[&weighbridge, &t.container, &t.weighed_at, &t.grams, &t.slip_number]).await?;
    }
    tx.commit().await?;
    Ok(Imported { added, already: tickets.len() as u64 - added })
}
