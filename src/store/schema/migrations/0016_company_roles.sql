-- Each company sees its own data (docs/security.md). Three kinds of reader, all without login
-- (an operator grants them to the logins of people and data sources):
--   wasteflow_reader       SELECT on the views (views.sql), no table: what every reader holds;
--   wasteflow_coordinator  a reader that sees every company's rows;
--   wasteflow_company_<id> one per company of the registry, created by `registry sync`: a
--                          reader that sees its company's rows, the zone's aggregates and the
--                          exchanges it is one end of.
-- wasteflow_grafana, the reader of the first release, becomes a coordinator: a data source
-- set up before this migration keeps seeing what it saw.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['wasteflow_reader', 'wasteflow_coordinator'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created concurrently by another database's migration
            END;
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO wasteflow_reader', current_schema());
    -- Memberships are the server's: granted once, by whoever may (a superuser, or a role
    -- with CREATEROLE); a later migration by a plain owner finds them there.
    IF NOT pg_has_role('wasteflow_coordinator', 'wasteflow_reader', 'MEMBER') THEN
        GRANT wasteflow_reader TO wasteflow_coordinator;
    END IF;
    IF NOT pg_has_role('wasteflow_grafana', 'wasteflow_coordinator', 'MEMBER') THEN
        GRANT wasteflow_coordinator TO wasteflow_grafana;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'the reader roles need a superuser or a role with CREATEROLE once per server: %', SQLERRM
        USING HINT = 'run this first `wasteflow migrate` as a superuser (docs/operations.md, "The database and its roles")';
END
$$;

-- The role of each company of the registry (`registry sync` adds a company's row, then creates
-- its role if it may). A company that leaves the registry keeps its row and its role: its
-- history stays readable by the coordinator, and by the company until an operator revokes its
-- logins' membership.
CREATE TABLE company_roles (
    company_id text PRIMARY KEY,
    role_name  name NOT NULL UNIQUE,
    added_at   timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON company_roles TO wasteflow_writer;
-- A reader reads the rows of the roles it holds (what wf_companies() returns), no other.
GRANT SELECT ON company_roles TO wasteflow_reader;
ALTER TABLE company_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON company_roles TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON company_roles FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON company_roles FOR SELECT TO wasteflow_reader
    USING (role_name IN (SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'USAGE')));

-- A company's role name: `wasteflow_company_` and its id. Ids are up to 64 characters
-- (src/zone/check.rs) and role names up to 63 bytes, so a longer one keeps its first 36
-- characters and adds 8 hex digits of its md5, which keeps two long ids apart.
CREATE FUNCTION wf_company_role(company_id text) RETURNS name
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN length('wasteflow_company_' || company_id) <= 63 THEN 'wasteflow_company_' || company_id
            ELSE 'wasteflow_company_' || left(company_id, 36) || '_' || left(md5(company_id), 8) END;

-- The two functions every filter asks, once per query (`(SELECT wf_sees_all())`, an init
-- plan). PL/pgSQL, whose statements' plans the session keeps (a SQL function that reads a table
-- is planned again at every call: half the time of a company's smallest dashboard queries,
-- docs/performance.md). Their search path is pinned to the catalog, this schema and, last, the
-- session's temporary schema, which is otherwise searched first for tables: a reader's
-- temporary table named `companies` or `company_roles` cannot stand in for ours.
DO $$
DECLARE
    path text := format('pg_catalog, %I, pg_temp', current_schema());
BEGIN
    -- Whether the current role sees every company: a superuser, the tables' owner, the writer,
    -- or a coordinator.
    EXECUTE format($f$
        CREATE FUNCTION wf_sees_all() RETURNS boolean
        LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = %s
        AS $b$
        BEGIN
            RETURN pg_has_role(current_user, 'wasteflow_coordinator', 'USAGE')
                OR pg_has_role(current_user, 'wasteflow_writer', 'USAGE')
                OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'companies'::regclass), 'USAGE');
        END
        $b$ $f$, path);
    -- The companies whose rows the current role sees: those whose role it holds (itself, or
    -- through membership with INHERIT). Empty for a role that holds none. (A reader's own rows
    -- of company_roles are all it may read of it, which is the same set.)
    EXECUTE format($f$
        CREATE FUNCTION wf_companies() RETURNS text[]
        LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = %s
        AS $b$
        BEGIN
            RETURN (SELECT coalesce(array_agg(c.company_id ORDER BY c.company_id), '{}')
                    FROM company_roles c JOIN pg_roles r ON r.rolname = c.role_name
                    WHERE pg_has_role(current_user, r.oid, 'USAGE'));
        END
        $b$ $f$, path);
END
$$;
GRANT EXECUTE ON FUNCTION wf_sees_all(), wf_companies(), wf_company_role(text) TO PUBLIC;

-- Row-level security on the tables that carry a company, as a second wall: readers read the
-- views, which filter the same way, and hold no privilege on a table but three (below), yet a
-- table an operator grants still shows a company its own rows only. The owner bypasses it (no FORCE);
-- the writer and the coordinator see every row through a policy of their own. On TimescaleDB
-- the compressed hypertables (readings and the six rollups) cannot have it: TimescaleDB refuses
-- compression on a table with row security; they are guarded by the views alone there.
DO $$
DECLARE
    t record;
    timescale boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    FOR t IN
        SELECT * FROM (VALUES
            ('companies', 'id = ANY ((SELECT wf_companies())::text[])'),
            ('sites', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('containers', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('gateways', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('sensors', 'gateway_id IN (SELECT id FROM gateways WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('classifications', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('attributions', 'classification_id IN (SELECT id FROM classifications WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('accepts', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('events', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('container_live', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('live_inbox', 'gateway_id IN (SELECT id FROM gateways WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('gateway_sequence', 'gateway_id IN (SELECT id FROM gateways WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('frame_gaps', 'gateway_id IN (SELECT id FROM gateways WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            -- A dead letter is its gateway's company's, whatever company its topic claims; one
            -- from a gateway the registry does not know is nobody's.
            ('rejected_messages', 'gateway_id IN (SELECT id FROM gateways WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('readings', 'attribution_id IN (SELECT a.id FROM attributions a JOIN classifications c ON c.id = a.classification_id
                                             WHERE c.company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('flow_rollup_1m', 'classification_id IN (SELECT id FROM classifications WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('flow_rollup_1h', 'classification_id IN (SELECT id FROM classifications WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('flow_rollup_1d', 'classification_id IN (SELECT id FROM classifications WHERE company_id = ANY ((SELECT wf_companies())::text[]))'),
            ('container_rollup_1m', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('container_rollup_1h', 'company_id = ANY ((SELECT wf_companies())::text[])'),
            ('container_rollup_1d', 'company_id = ANY ((SELECT wf_companies())::text[])')
        ) AS p (tab, own)
    LOOP
        -- A v1 readings table left renamed by storage v2 is not among them; a hypertable is skipped.
        CONTINUE WHEN to_regclass(t.tab) IS NULL;
        IF timescale THEN
            CONTINUE WHEN EXISTS (SELECT 1 FROM _timescaledb_catalog.hypertable h
                                  WHERE h.schema_name = current_schema() AND h.table_name = t.tab);
        END IF;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.tab);
        EXECUTE format('CREATE POLICY wf_writer ON %I TO wasteflow_writer USING (true) WITH CHECK (true)', t.tab);
        EXECUTE format('CREATE POLICY wf_coordinator ON %I FOR SELECT TO wasteflow_coordinator USING (true)', t.tab);
        EXECUTE format('CREATE POLICY wf_company ON %I FOR SELECT TO wasteflow_reader USING (%s)', t.tab, t.own);
    END LOOP;
END
$$;
-- The policies that find a row's company through its gateway, classification or attribution
-- read those tables as the reader: a reader may, and row-level security shows it its own rows.
GRANT SELECT ON gateways, classifications, attributions TO wasteflow_reader;
