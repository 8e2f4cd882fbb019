//! The store stage: PostgreSQL / TimescaleDB.
//!
//! One transaction per batch: raw readings inserted on their natural key (duplicates skipped),
//! rollup deltas computed from the rows actually inserted, dead letters, COMMIT. Every call has
//! a timeout; any failure drops the connection and the whole batch is retried, which is safe
//! because a retried insert only returns rows that are new. This stage never acknowledges
//! anything itself: it hands the batch's acks back to the source after COMMIT.

mod access;
mod bisect;
mod company_roles;
mod connect;
mod dead_letters;
mod error;
mod identity;
mod migrate;
mod pending;
mod policies;
mod prepare;
mod registry_sync;
mod repeatable;
mod task;
mod upgrade;
mod verify;
mod writer;

pub use access::{Sees, READER_ROLE, READER_VIEWS};
pub use company_roles::RolesReport;
pub use connect::{connect, server_version, Connector, Db};
pub use dead_letters::{
    count_stored, dead_letter, dead_letters_page, last_dead_letter_id, DeadLetter, DeadLetterFilter, ReplayState,
};
pub use error::{column, timed, Refusal, StoreError, TimeZoneRefusal, UpgradeError};
pub use migrate::{check_current, migrate, migrate_and_upgrade, Mode, MIGRATIONS};
pub use pending::{count_pending, run_pending_gauge, PENDING_EVERY};
pub use policies::apply_policies;
pub use prepare::{prepare, prepare_with, Prepared};
pub use registry_sync::{check_time_zone, load_ids, sync_registry, SyncReport};
pub use task::run_store;
pub use upgrade::{upgrade_state, UpgradeState, BATCH as UPGRADE_BATCH};
pub use verify::{verify, Mismatch};
pub use writer::{BatchOutcome, Writer};
