-- Rollups by local period (docs/storage.md "Rollups"): the flows per local day, month and year,
-- and the container fill per local day, of the zone's time zone (zone_settings). The views used
-- to sum the hourly rollups by local day at every query, over the whole history, whatever window
-- was asked; these tables hold each period's row, keyed by its start, so that a query over a
-- window reads that window's rows. The store writes them from the batch's hourly deltas, in the
-- statements and the transaction that write the hourly rollups (src/store/writer.rs): a reading
-- is in them exactly when it is in `readings`. Exact, as the views were: the zone's UTC offset is
-- a whole number of hours (checked at every registry sync), so a UTC hour lies in one local day.

-- The start of the local period ('day', 'month' or 'year') that holds an instant, as a
-- timestamptz: the one definition the writer, the rebuild below and the views use.
DO $$
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION wf_local_period_start(period text, at timestamptz, time_zone text) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = %s
        AS $b$ SELECT date_trunc(period, at AT TIME ZONE time_zone) AT TIME ZONE time_zone $b$ $f$,
        format('pg_catalog, %I, pg_temp', current_schema()));
END
$$;

CREATE TABLE flow_rollup_local (
    period            text        NOT NULL CHECK (period IN ('day', 'month', 'year')),
    period_start      timestamptz NOT NULL,
    classification_id integer     NOT NULL,
    mass_g            bigint      NOT NULL,
    weighings         bigint      NOT NULL,
    PRIMARY KEY (period, period_start, classification_id)
);

CREATE TABLE container_rollup_local_1d (
    day          timestamptz NOT NULL,
    container_id text        NOT NULL,
    company_id   text        NOT NULL,
    fill_min     bigint,
    fill_max     bigint,
    fill_sum     bigint      NOT NULL,
    fill_count   bigint      NOT NULL,
    emptied      bigint      NOT NULL,
    -- The company as the hourly rollups carry it: a container moved to another company during a
    -- day has a row for each.
    PRIMARY KEY (day, container_id, company_id)
);

GRANT SELECT, INSERT, UPDATE ON flow_rollup_local, container_rollup_local_1d TO wasteflow_writer;

-- Row-level security as on the other rollups (migration 16).
ALTER TABLE flow_rollup_local ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON flow_rollup_local TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON flow_rollup_local FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON flow_rollup_local FOR SELECT TO wasteflow_reader
    USING (classification_id IN (SELECT id FROM classifications WHERE company_id = ANY ((SELECT wf_companies())::text[])));
ALTER TABLE container_rollup_local_1d ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON container_rollup_local_1d TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON container_rollup_local_1d FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON container_rollup_local_1d FOR SELECT TO wasteflow_reader
    USING (company_id = ANY ((SELECT wf_companies())::text[]));

-- Recomputes both from the hourly rollups in the time zone zone_settings holds: here, for the
-- history already stored; by the registry sync when `[zone] time_zone` changes; after the
-- storage v2 upgrade rebuilt the hourly rollups. It locks both tables against the writers first
-- (a batch that wrote before waits to commit, one that writes after waits for this transaction
-- and then reads the new time zone). Owned by the tables' owner, so that the daemon's writer
-- role, which may not delete from a rollup, can run it.
DO $$
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION wf_rebuild_local_rollups() RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s
        AS $b$
        BEGIN
            LOCK TABLE flow_rollup_local, container_rollup_local_1d IN SHARE ROW EXCLUSIVE MODE;
            DELETE FROM flow_rollup_local;
            INSERT INTO flow_rollup_local (period, period_start, classification_id, mass_g, weighings)
            SELECT p.period, wf_local_period_start(p.period, h.bucket, z.time_zone), h.classification_id,
                   sum(h.mass_g), sum(h.weighings)
            FROM flow_rollup_1h h CROSS JOIN zone_settings z CROSS JOIN (VALUES ('day'), ('month'), ('year')) p (period)
            GROUP BY 1, 2, 3;
            DELETE FROM container_rollup_local_1d;
            INSERT INTO container_rollup_local_1d (day, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied)
            SELECT wf_local_period_start('day', h.bucket, z.time_zone), h.container_id, h.company_id,
                   min(h.fill_min), max(h.fill_max), sum(h.fill_sum), sum(h.fill_count), sum(h.emptied)
            FROM container_rollup_1h h CROSS JOIN zone_settings z
            GROUP BY 1, 2, 3;
        END
        $b$ $f$, format('pg_catalog, %I, pg_temp', current_schema()));
END
$$;
REVOKE EXECUTE ON FUNCTION wf_rebuild_local_rollups() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wf_rebuild_local_rollups() TO wasteflow_writer;

SELECT wf_rebuild_local_rollups();

-- The other queries over a window that read raw rows: the register export and the company
-- detail's last weighing read weighings with a load (kind 1, NetMassKg, above 0) by time, and
-- the dead-letter panels group dead letters by hour. Weighings are a sliver of the readings (one
-- per collection), so this index costs the writer nearly nothing. It leaves out weighings of 0 on
-- purpose: a query that reads one sensor's latest weighings (the planner's) then keeps to the
-- readings' key, a few rows backwards, instead of walking every sensor's weighings by time.
CREATE INDEX readings_weighings_ts ON readings (ts) WHERE kind = 1 AND value_milli > 0;
CREATE INDEX rejected_messages_hour ON rejected_messages (date_bin('1 hour', received_at, timestamptz '1970-01-01 00:00:00+00'));
