//! Storage v1, as a database written before migration 8 holds it: for the upgrade test and the
//! benchmark's v1 ceiling. The numbered migrations are history and never change, so migrations
//! 1 to 7 of the crate are the v1 schema; the v1 views (code, re-applied on change) are frozen
//! in `tests/fixtures/v1/views.sql`.

use wasteflow::store::MIGRATIONS;

/// Creates the v1 schema in an empty database, as `wasteflow migrate` of v1 left it: the
/// TimescaleDB extension when the server has it, migrations 1 to 7 recorded in
/// `schema_migrations`, and the v1 views recorded in `schema_repeatable` (so that the next
/// `migrate` replaces them).
pub async fn apply_schema(c: &tokio_postgres::Client) {
    let available = c
        .query_opt("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'", &[])
        .await
        .expect("pg_available_extensions")
        .is_some();
    if available {
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb").await.expect("timescaledb");
    }
    c.batch_execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
                                         applied_at timestamptz NOT NULL DEFAULT now());
         CREATE TABLE schema_repeatable (name text PRIMARY KEY, md5 text NOT NULL,
                                         applied_at timestamptz NOT NULL DEFAULT now());",
    )
    .await
    .expect("v1 bookkeeping tables");
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 7) {
        c.batch_execute(sql).await.unwrap_or_else(|e| panic!("v1 migration {version}: {e}"));
        c.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&version, &name])
            .await
            .expect("record a v1 migration");
    }
    c.batch_execute(include_str!("../fixtures/v1/views.sql")).await.expect("v1 views");
    c.execute("INSERT INTO schema_repeatable (name, md5) VALUES ('views and constraints', md5('v1'))", &[])
        .await
        .expect("record the v1 views");
}
