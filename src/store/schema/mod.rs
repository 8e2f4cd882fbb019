//! Schema administration: everything that creates or changes the database's structure, apart
//! from the data the pipeline writes. The numbered migrations (`migrations/`) and the storage v2
//! upgrade of existing data (`upgrade.rs`); the views, constraints and grants re-applied when
//! they change (`views.sql`, `repeatable.rs`), with the reader views generated from one list
//! (`access.rs`); the roles of readers and companies (`company_roles.rs`); TimescaleDB's
//! compression and retention policies (`policies.rs`); the rollups by local period recomputed
//! from the hourly ones (`local_rollups.rs`); and `wasteflow verify`, which recomputes
//! the rollups from the raw readings (`verify.rs`). Run by `wasteflow migrate`, by the daemon at
//! start when `database.migrate_on_start` is set, and by the registry sync (company roles).
//! What a superuser creates once before the first migration (`setup.rs`, `wasteflow setup-db`).

mod access;
mod company_roles;
mod local_rollups;
mod migrate;
mod policies;
mod repeatable;
mod setup;
mod upgrade;
mod verify;

pub use access::{Sees, READER_ROLE, READER_VIEWS};
pub use company_roles::{add_company_rows, create_company_roles, RolesReport};
pub use local_rollups::rebuild_local_rollups;
pub use migrate::{check_current, migrate, migrate_and_upgrade, Mode, MIGRATIONS};
pub use policies::apply_policies;
pub use setup::{migration_blockers, Layout as SetupLayout, SetupPlan};
pub use upgrade::{upgrade_state, UpgradeState, BATCH as UPGRADE_BATCH};
pub use verify::{verify, Mismatch};
