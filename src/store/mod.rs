//! The store stage: PostgreSQL / TimescaleDB, split by job:
//! - the hot path, here: connections (`connect.rs`), the batch stage's task and writer
//!   (`task.rs`, `writer.rs`, `bisect.rs`), dead letters, the pending gauge, preparing the
//!   database at start (`prepare.rs`);
//! - schema administration ([`schema`]): migrations, views, access, roles, policies, the
//!   storage v2 upgrade, verify;
//! - the registry sync ([`registry_sync`]): the zone file into the registry tables.
//!
//! One transaction per batch: raw readings inserted on their natural key (duplicates skipped),
//! rollup deltas computed from the rows actually inserted, dead letters, COMMIT. Every call has
//! a timeout; any failure drops the connection and the whole batch is retried, which is safe
//! because a retried insert only returns rows that are new. This stage never acknowledges
//! anything itself: it hands the batch's acks back to the source after COMMIT.

mod bisect;
mod connect;
mod dead_letters;
mod error;
mod identity;
mod pending;
mod prepare;
mod registry_sync;
mod schema;
mod spool;
mod start_refusal;
mod task;
mod writer;

pub use bisect::{isolate, Isolated};
pub use connect::{connect, read_password_file, server_version, Connector, Db};
pub use dead_letters::{
    count_stored, dead_letter, dead_letters_page, last_dead_letter_id, DeadLetter, DeadLetterFilter, ReplayState,
};
pub use error::{column, timed, Refusal, StoreError, TimeZoneRefusal, UpgradeError};
pub use pending::{count_pending, run_pending_gauge, PENDING_EVERY};
pub use prepare::{prepare, prepare_with, Prepared};
pub use registry_sync::{check_time_zone, load_ids, sync_registry, SyncReport};
pub use schema::{
    apply_policies, check_current, migrate, migrate_and_upgrade, migration_blockers, rebuild_local_rollups,
    upgrade_state, verify, Mismatch, Mode, RolesReport, Sees, SetupLayout, SetupPlan, UpgradeState, MIGRATIONS,
    READER_ROLE, READER_VIEWS, UPGRADE_BATCH,
};
pub use start_refusal::{password_source, server_of, StartRefusal};
pub use task::run_store;
pub use writer::{BatchOutcome, Writer};
