//! Each company's reporting role (docs/security.md), kept in step with the registry at every
//! sync: the company's row in `company_roles` is added in the registry's transaction, so the
//! views filter by it the moment the sync commits; the role itself (`wasteflow_company_<id>`,
//! no login, a member of `wasteflow_reader`) is created afterwards, one statement each, by a
//! login that may create roles (a superuser, or CREATEROLE). One that may not says which roles
//! are missing and how to create them; its sync still succeeds.
//!
//! Roles are the server's: a company's role is shared by every wasteflow database of the
//! server that knows the company, and is never dropped (a company that leaves the registry
//! keeps its history, which the coordinator still reads).

use super::access::READER_ROLE;
use crate::store::error::{column, timed, StoreError};
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, GenericClient};

/// What the sync did about the companies' roles.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RolesReport {
    /// Roles created now.
    pub created: usize,
    /// Roles that do not exist, or are not readers, and this login may not fix.
    pub missing: Vec<String>,
}

/// Adds a row to `company_roles` for each company of the registry that has none (inside the
/// registry's transaction).
pub async fn add_company_rows(tx: &impl GenericClient) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO company_roles (company_id, role_name)
         SELECT id, wf_company_role(id) FROM companies ON CONFLICT (company_id) DO NOTHING",
        &[],
    )
    .await?;
    Ok(())
}

/// Creates the roles of `company_roles` that do not exist, and makes readers of those that are
/// not, if this login may (after the registry's transaction committed).
pub async fn create_company_roles(client: &Client, limit: Duration) -> Result<RolesReport, StoreError> {
    let rows = timed(
        limit,
        client.query(
            "SELECT c.role_name::text AS role_name, r.oid IS NOT NULL AS exists,
                    coalesce(pg_has_role(r.oid, $1, 'MEMBER'), false) AS reader
             FROM company_roles c LEFT JOIN pg_roles r ON r.rolname = c.role_name
             ORDER BY c.company_id",
            &[&READER_ROLE],
        ),
    )
    .await?;
    let mut report = RolesReport::default();
    let mut may = None;
    for row in rows {
        let role: String = column(&row, "role_name")?;
        let (exists, reader): (bool, bool) = (column(&row, "exists")?, column(&row, "reader")?);
        if exists && reader {
            continue;
        }
        if may.is_none() {
            let row = timed(
                limit,
                client.query_one(
                    "SELECT rolsuper OR rolcreaterole AS may FROM pg_roles WHERE rolname = current_user",
                    &[],
                ),
            )
            .await?;
            may = Some(column::<bool>(&row, "may")?);
        }
        if may != Some(true) {
            report.missing.push(role);
            continue;
        }
        let statement = if exists {
            format!("GRANT {READER_ROLE} TO {}", quote_ident(&role))
        } else {
            format!("CREATE ROLE {} NOLOGIN IN ROLE {READER_ROLE}", quote_ident(&role))
        };
        match timed(limit, client.batch_execute(&statement)).await {
            Ok(()) => {
                report.created += usize::from(!exists);
                tracing::info!(role, "company role {}", if exists { "made a reader" } else { "created" });
            }
            // Created at the same moment by another database's sync, on this server.
            Err(StoreError::Db(e)) if matches!(e.code(), Some(c) if *c == SqlState::DUPLICATE_OBJECT || *c == SqlState::UNIQUE_VIOLATION) =>
                {}
            // CREATEROLE without the right to grant wasteflow_reader (PostgreSQL 16 asks for
            // ADMIN OPTION on it): missing, said below; the sync itself stands.
            Err(StoreError::Db(e)) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => report.missing.push(role),
            Err(e) => return Err(e),
        }
    }
    if !report.missing.is_empty() {
        tracing::warn!(
            roles = %report.missing.join(", "),
            "company roles missing: this database login may not create roles; as a superuser, create each with \
             CREATE ROLE \"<name>\" NOLOGIN IN ROLE {READER_ROLE}, or all at once with the psql call of \
             docs/security.md (\"The roles\"), or run `wasteflow registry sync` as a superuser"
        );
    }
    Ok(report)
}

/// A role name quoted as an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn a_role_name_is_quoted_whole() {
        assert_eq!(quote_ident("wasteflow_company_ciment-nord"), "\"wasteflow_company_ciment-nord\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
