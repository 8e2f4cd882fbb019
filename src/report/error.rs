//! What can go wrong while reading a report: the thing asked for is not in the registry, the
//! registry holds something the report cannot read, or the store failed.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("--company: no company {0:?} in the registry (see `company_directory`)")]
    NoCompany(String),
    #[error("no site with SIRET {0} in the registry (the `siret` of a `[[sites]]` entry; run `wasteflow registry sync` after editing the zone file)")]
    NoSite(String),
    #[error("container {container:?}: collection_window.{field}: {why}")]
    CollectionWindow { container: String, field: &'static str, why: crate::zone::FieldError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<tokio_postgres::Error> for ReportError {
    fn from(e: tokio_postgres::Error) -> Self {
        ReportError::Store(e.into())
    }
}
