-- The daemon's own role for when migrations run separately (database.migrate_on_start = false,
-- `wasteflow migrate` run by an owner): it reads and writes rows, and can do no DDL.
-- Give it a login and a password with
--   CREATE ROLE wasteflow LOGIN PASSWORD '...' IN ROLE wasteflow_writer;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wasteflow_writer') THEN
        BEGIN
            CREATE ROLE wasteflow_writer NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created concurrently by another database's migration
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO wasteflow_writer', current_schema());
END
$$;
-- Which migrations ran (the daemon checks it is up to date).
GRANT SELECT ON schema_migrations TO wasteflow_writer;
-- The registry, synchronised from the zone file at each start.
GRANT SELECT, INSERT, UPDATE ON companies, sites, operators, streams, treatments, containers, gateways, sensors
TO wasteflow_writer;
-- Readings are only ever inserted; rollups are upserted; dead letters inserted.
GRANT SELECT, INSERT ON readings, rejected_messages TO wasteflow_writer;
GRANT USAGE ON SEQUENCE rejected_messages_id_seq TO wasteflow_writer;
GRANT SELECT, INSERT, UPDATE ON flow_rollup_1m, flow_rollup_1h, flow_rollup_1d,
    container_rollup_1m, container_rollup_1h, container_rollup_1d
TO wasteflow_writer;
-- Live events open and close.
GRANT SELECT, INSERT, UPDATE ON events TO wasteflow_writer;
GRANT USAGE ON SEQUENCE events_id_seq TO wasteflow_writer;
