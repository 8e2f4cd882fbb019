-- The read-only role for Grafana. The views it reads were first created here; they are code
-- now, in ../views.sql, re-applied by every `wasteflow migrate` that finds them changed.
-- Give it a login and a password with
--   ALTER ROLE wasteflow_grafana LOGIN PASSWORD '...';
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wasteflow_grafana') THEN
        BEGIN
            CREATE ROLE wasteflow_grafana NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created concurrently by another database's migration
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO wasteflow_grafana', current_schema());
END
$$;
