-- The two functions every filtered view asks once per query (migration 16), in PL/pgSQL
-- instead of SQL, with the same results. A SQL function that reads a table is neither inlined
-- nor cached: PostgreSQL parses and plans its body at every query that calls it (with the row
-- security policy of company_roles, a sub-select of pg_roles, expanded each time), which cost
-- a company's role about 0.5 ms per dashboard query, half of the smallest ones (docs/performance.md,
-- "Each company sees its own data: cost of the filters"). PL/pgSQL keeps the plan of each
-- statement for the session, as a Grafana data source's pooled connections reuse them (planned
-- again when the session's role changes, since company_roles has row security).
CREATE OR REPLACE FUNCTION wf_sees_all() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN pg_has_role(current_user, 'wasteflow_coordinator', 'USAGE')
        OR pg_has_role(current_user, 'wasteflow_writer', 'USAGE')
        OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'companies'::regclass), 'USAGE');
END
$$;

CREATE OR REPLACE FUNCTION wf_companies() RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(c.company_id ORDER BY c.company_id), '{}')
            FROM company_roles c JOIN pg_roles r ON r.rolname = c.role_name
            WHERE pg_has_role(current_user, r.oid, 'USAGE'));
END
$$;
